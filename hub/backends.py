"""The one place that picks the storage backend: PostgreSQL when ``HUB_DATABASE_URL`` is set,
else SQLite in the data directory (the embedded default).

The event log and the read models always live on the same backend (``log.db`` and ``views.db``
side by side, or one PostgreSQL database), so one :class:`Backend` opens both. The URL is checked
here and nowhere else; psycopg is imported only when a PostgreSQL handle is opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hub.errors import ConfigError

if TYPE_CHECKING:
    from hub.projections.ports import ViewStore
    from hub.settings import HubSettings
    from hub.storage.ports import Store

__all__ = ["Backend", "backend_at", "backend_for"]


@dataclass(frozen=True)
class Backend:
    """Where the log and the read models live; each method opens a handle of its own, which
    the caller closes."""

    data_dir: Path
    database_url: str | None = field(default=None, repr=False)  # it may hold a password

    @property
    def kind(self) -> str:
        """``"postgresql"`` with a URL, else ``"sqlite"`` (what :meth:`store` and :meth:`views`
        open)."""
        return "postgresql" if self.database_url else "sqlite"

    def store(self) -> Store:
        """The event log and the hub's state (a handle of its own: close it)."""
        if self.database_url:
            from hub.storage.postgres import PostgresStore

            return PostgresStore(self.database_url)
        from hub.storage.sqlite import SqliteStore

        return SqliteStore(self.data_dir / "log.db")

    def views(self) -> ViewStore:
        """The read models, beside the log (a handle of its own: close it)."""
        if self.database_url:
            from hub.projections.postgres import PostgresViews

            return PostgresViews(self.database_url)
        from hub.projections.sqlite import SqliteViews

        return SqliteViews(self.data_dir / "views.db")


def backend_at(data_dir: Path, database_url: str | None) -> Backend:
    """PostgreSQL when a URL is given (it must be a ``postgresql://`` one), else SQLite in
    ``data_dir``."""
    if database_url:
        if not database_url.startswith(("postgresql://", "postgres://")):
            raise ConfigError("HUB_DATABASE_URL must be a postgresql:// URL")
        return Backend(data_dir, database_url)
    return Backend(data_dir)


def backend_for(settings: HubSettings) -> Backend:
    """The backend the settings choose."""
    url = settings.database_url
    return backend_at(settings.data_dir, url.get_secret_value() if url else None)
