"""Versioned schema migrations of the PostgreSQL backend, applied by ``hub db migrate``.

Each migration runs once, in order, in its own transaction, under an advisory lock, and is
recorded in ``hub_schema_migrations``; applying them again is a no-op. Stream tables are named
after the streams (the same names as the Kafka topics and the SQLite tables) and composed with
``psycopg.sql``, never with string formatting.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from psycopg import sql

from hub.events.streams import FEEDBACK, RECORDS, STREAMS, SUBMISSIONS, VERDICTS

__all__ = ["MIGRATIONS", "migrate"]

_LOCK = 0x6875622D6462  # "hub-db": one migrator at a time

Migration = Callable[[psycopg.Connection], None]


def _v1_initial(conn: psycopg.Connection) -> None:
    for stream in STREAMS:
        conn.execute(
            sql.SQL(
                "CREATE TABLE {} (position BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL UNIQUE,"
                " event_type TEXT NOT NULL, key TEXT NOT NULL, correlation_id TEXT NOT NULL,"
                " body BYTEA NOT NULL)"
            ).format(sql.Identifier(stream))
        )
    conn.execute(
        sql.SQL("CREATE UNIQUE INDEX verdicts_one_per_submission ON {} (correlation_id)").format(
            sql.Identifier(VERDICTS)
        )
    )
    conn.execute(
        sql.SQL("CREATE INDEX submissions_correlation ON {} (correlation_id)").format(
            sql.Identifier(SUBMISSIONS)
        )
    )
    conn.execute(
        "CREATE TABLE positions (consumer TEXT NOT NULL, stream TEXT NOT NULL,"
        " position BIGINT NOT NULL, PRIMARY KEY (consumer, stream))"
    )
    conn.execute(
        "CREATE TABLE registry (identity_hash TEXT PRIMARY KEY, record_id TEXT NOT NULL UNIQUE,"
        " record_type TEXT NOT NULL, version INTEGER NOT NULL, content_hash TEXT NOT NULL,"
        " version_hash TEXT NOT NULL, updated_at TEXT NOT NULL, content JSONB NOT NULL)"
    )
    conn.execute(
        "CREATE TABLE ledger (seq BIGSERIAL PRIMARY KEY, delivery_id TEXT NOT NULL UNIQUE,"
        " record_id TEXT NOT NULL, version INTEGER NOT NULL, destination TEXT NOT NULL,"
        " record_type TEXT NOT NULL, state TEXT NOT NULL, attempt INTEGER NOT NULL,"
        " next_attempt_at DOUBLE PRECISION NOT NULL, idempotency_key TEXT NOT NULL,"
        " source_id TEXT NOT NULL, submission_id TEXT NOT NULL, content JSONB NOT NULL,"
        " reasons JSONB NOT NULL, national_id TEXT,"
        " UNIQUE (record_id, destination, version))"
    )
    conn.execute(
        "CREATE INDEX ledger_open ON ledger (destination, seq)"
        " WHERE state IN ('pending', 'sent', 'retrying')"
    )
    conn.execute(
        "CREATE TABLE sources (source_id TEXT PRIMARY KEY, level TEXT NOT NULL,"
        " region_code TEXT NOT NULL, department TEXT NOT NULL, record_types JSONB NOT NULL)"
    )


def _v2_view_positions(conn: psycopg.Connection) -> None:
    """Read models' positions. Their tables are derived (created from the projections'
    descriptions, rebuilt by ``hub replay``); only the positions need a home up front."""
    conn.execute(
        "CREATE TABLE view_positions (projection TEXT NOT NULL, stream TEXT NOT NULL,"
        " position BIGINT NOT NULL, PRIMARY KEY (projection, stream))"
    )


def _v3_kafka_tracking(conn: psycopg.Connection) -> None:
    """The distributed runtime: events handled per consumer (Kafka redelivers; positions there
    are per partition and move on rebalance, event ids do not), and unreadable messages."""
    conn.execute(
        "CREATE TABLE handled (consumer TEXT NOT NULL, event_id TEXT NOT NULL,"
        " PRIMARY KEY (consumer, event_id))"
    )
    conn.execute(
        "CREATE TABLE quarantine (seq BIGSERIAL PRIMARY KEY, origin TEXT NOT NULL UNIQUE,"
        " stream TEXT NOT NULL, reason TEXT NOT NULL, key BYTEA, body BYTEA NOT NULL,"
        " quarantined_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )


def _v4_source_api(conn: psycopg.Connection) -> None:
    """The ingest API: source tokens (hashed), disabled sources, idempotent batches, a source's
    feedback read by key; and retractions in the delivery ledger."""
    conn.execute(
        "CREATE TABLE source_credentials (source_id TEXT PRIMARY KEY REFERENCES sources,"
        " token_hash TEXT UNIQUE, disabled BOOLEAN NOT NULL DEFAULT false)"
    )
    conn.execute(
        "CREATE TABLE api_batches (source_id TEXT NOT NULL, idempotency_key TEXT NOT NULL,"
        " body_hash TEXT NOT NULL, reply BYTEA NOT NULL,"
        " created_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (source_id, idempotency_key))"
    )
    conn.execute("ALTER TABLE ledger ADD COLUMN operation TEXT NOT NULL DEFAULT 'upsert'")
    conn.execute("CREATE TABLE connector_cursors (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for name, stream in (("feedback_by_source", FEEDBACK), ("records_by_record", RECORDS)):
        conn.execute(
            sql.SQL("CREATE INDEX {} ON {} (key, position)").format(
                sql.Identifier(name), sql.Identifier(stream)
            )
        )


def _v5_chains(conn: psycopg.Connection) -> None:
    """Every stream chained, and the sources' journal (issue 12): :mod:`hub.storage.pg_chain`."""
    from hub.storage.pg_chain import upgrade

    upgrade(conn)


def _v6_subscribers(conn: psycopg.Connection) -> None:
    """The subscribers' registry (:mod:`hub.storage.subscriber_rows`), with the national platform
    registered once, journaled like every later change; a removed one is not registered again
    (this runs once)."""
    from hub.domain.subscribers import NATIONAL
    from hub.storage import subscriber_rows as subs
    from hub.storage.chain import JOURNAL
    from hub.storage.pg_chain import append_chained
    from hub.storage.sql import adapt

    conn.execute(subs.DDL)
    conn.execute(adapt(subs.UPSERT, "%s"), (NATIONAL.name, subs.canonical(NATIONAL)))
    append_chained(conn, JOURNAL, subs.seed_events())


def _v7_source_principal(conn: psycopg.Connection) -> None:
    """A source's Kafka principal, the one writer of its inbound topic ``in.<source_id>``
    (issue 16). ``IF NOT EXISTS``: harmless if renumbered beside another branch's migration."""
    conn.execute("ALTER TABLE sources ADD COLUMN IF NOT EXISTS principal TEXT")


def _v8_accounts(conn: psycopg.Connection) -> None:
    """People's accounts and sessions (issue 15, :mod:`hub.storage.account_rows`)."""
    from hub.storage import account_rows

    for ddl in account_rows.DDL:
        conn.execute(ddl.format(real="DOUBLE PRECISION"))


def _v9_delivery_redrives(conn: psycopg.Connection) -> None:
    """How often an operator re-drove a dead delivery (issue 15, ``hub deliveries redrive``):
    part of its events' ids. ``IF NOT EXISTS``: harmless beside another branch's migration."""
    conn.execute("ALTER TABLE ledger ADD COLUMN IF NOT EXISTS redrives INTEGER NOT NULL DEFAULT 0")
    # the operators' lists: dead and retrying rows are few among millions, found without a scan
    conn.execute(
        "CREATE INDEX IF NOT EXISTS ledger_problems ON ledger (seq)"
        " WHERE state IN ('dead', 'retrying')"
    )


#: (version, name, migration): append only; never edit one that has shipped.
MIGRATIONS: tuple[tuple[int, str, Migration], ...] = (
    (1, "initial", _v1_initial),
    (2, "view positions", _v2_view_positions),
    (3, "kafka tracking", _v3_kafka_tracking),
    (4, "source api", _v4_source_api),
    (5, "chained streams", _v5_chains),
    (6, "subscribers", _v6_subscribers),
    (7, "source principal", _v7_source_principal),
    (8, "accounts", _v8_accounts),
    (9, "delivery redrives", _v9_delivery_redrives),  # queues
)


def migrate(conn: psycopg.Connection) -> list[int]:
    """Apply the pending migrations; the versions applied now (empty when up to date)."""
    applied: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS hub_schema_migrations (version INTEGER PRIMARY KEY,"
            " name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in conn.execute("SELECT version FROM hub_schema_migrations")}
        for version, name, migration in MIGRATIONS:
            if version in done:
                continue
            migration(conn)
            conn.execute(
                "INSERT INTO hub_schema_migrations (version, name) VALUES (%s, %s)", (version, name)
            )
            applied.append(version)
    return applied
