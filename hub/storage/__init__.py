"""Storage ports and their backends (SQLite, the embedded default; PostgreSQL in its issue)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hub.domain.values import DeliveryRow, RegistryEntry, Source
from hub.errors import ConfigError
from hub.storage.ports import Store, StoredEvent, Transaction

__all__ = [
    "DeliveryRow",
    "RegistryEntry",
    "Source",
    "Store",
    "StoredEvent",
    "Transaction",
    "open_store",
    "store_for",
]

if TYPE_CHECKING:
    from hub.settings import HubSettings


def open_store(data_dir: Path, database_url: str | None) -> Store:
    """The backend the settings choose: PostgreSQL when a URL is given, else SQLite (default)."""
    if database_url:
        if not database_url.startswith(("postgresql://", "postgres://")):
            raise ConfigError("HUB_DATABASE_URL must be a postgresql:// URL")
        from hub.storage.postgres import PostgresStore  # psycopg only where it is used

        return PostgresStore(database_url)
    from hub.storage.sqlite import SqliteStore

    return SqliteStore(data_dir / "log.db")


def store_for(settings: HubSettings) -> Store:
    """The store the settings choose (a handle of its own: close it)."""
    url = settings.database_url
    return open_store(settings.data_dir, url.get_secret_value() if url else None)
