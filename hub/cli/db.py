"""``hub db migrate``: apply the PostgreSQL schema migrations (idempotent)."""

from __future__ import annotations

import click

from hub.cli.options import settings_for
from hub.errors import ConfigError, StorageError

__all__ = ["db"]


@click.group()
def db() -> None:
    """The PostgreSQL store (HUB_DATABASE_URL)."""


@db.command("migrate")
def migrate_cmd() -> None:
    """Apply pending schema migrations; a no-op when the schema is current."""
    import psycopg

    from hub.storage.pg_schema import MIGRATIONS, migrate

    settings = settings_for(None)
    if settings.database_url is None:
        raise ConfigError("HUB_DATABASE_URL is not set (the embedded SQLite store needs none)")
    try:
        with psycopg.connect(settings.database_url.get_secret_value(), autocommit=True) as conn:
            applied = migrate(conn)
    except psycopg.Error as exc:
        raise StorageError(f"PostgreSQL: {exc}".strip()) from exc
    latest = MIGRATIONS[-1][0]
    click.echo(
        f"applied {applied}; schema at version {latest}"
        if applied
        else f"schema already at version {latest}"
    )
