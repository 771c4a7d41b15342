"""The storage contract on the PostgreSQL backend (a real server: ops/postgres or
HUB_TEST_DATABASE_URL): every port's suite, and what only PostgreSQL needs proving."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import ClassVar

import psycopg
import pytest

from hub.domain.values import RegistryEntry
from hub.errors import ConcurrencyError
from hub.storage.pg_schema import MIGRATIONS, migrate
from hub.storage.ports import Store
from hub.storage.postgres import PostgresStore
from hub.testing import contracts
from hub.testing.contracts import StoreFixtures


class PostgresStores(StoreFixtures):
    """The storage suites' fixtures on PostgreSQL: a fresh database on the test server."""

    #: A closed handle connects again on its next use (as after a lost connection).
    closed_errors: ClassVar[tuple[type[Exception], ...]] = ()

    @pytest.fixture
    def store(self, pg_url: str) -> Iterator[Store]:
        store = PostgresStore(pg_url)
        yield store
        store.close()

    @pytest.fixture
    def second_store(self, pg_url: str) -> Iterator[Callable[[], Store]]:
        opened: list[Store] = []
        yield lambda: opened.append(PostgresStore(pg_url)) or opened[-1]
        for store in opened:
            store.close()


class TestPostgresEventLog(PostgresStores, contracts.EventLogContract):
    pass


class TestPostgresTracking(PostgresStores, contracts.TrackingContract):
    pass


class TestPostgresRegistry(PostgresStores, contracts.RegistryContract):
    pass


class TestPostgresLedger(PostgresStores, contracts.LedgerContract):
    pass


class TestPostgresSourceBook(PostgresStores, contracts.SourceBookContract):
    pass


class TestPostgresIntake(PostgresStores, contracts.IntakeContract):
    pass


class TestPostgresQuarantineDesk(PostgresStores, contracts.QuarantineDeskContract):
    pass


class TestPostgresSubscriberBook(PostgresStores, contracts.SubscriberBookContract):
    pass


class TestPostgresAccountBook(PostgresStores, contracts.AccountBookContract):
    pass


class TestPostgresSessionBook(PostgresStores, contracts.SessionBookContract):
    pass


class TestPostgresLogReads(PostgresStores, contracts.LogReadsContract):
    pass


class TestPostgresStatusReads(PostgresStores, contracts.StatusReadsContract):
    pass


class TestPostgresQueueReads(PostgresStores, contracts.QueueReadsContract):
    pass


class TestPostgresCredentialReads(PostgresStores, contracts.CredentialReadsContract):
    pass


class TestPostgresAuditReads(PostgresStores, contracts.AuditReadsContract):
    pass


class TestPostgresAccountReads(PostgresStores, contracts.AccountReadsContract):
    pass


class TestPostgresStore(PostgresStores, contracts.StoreContract):
    pass


def test_migrations_are_versioned_and_idempotent(pg_url: str) -> None:
    PostgresStore(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert migrate(conn) == []
        versions = [r[0] for r in conn.execute("SELECT version FROM hub_schema_migrations")]
    assert versions == [m[0] for m in MIGRATIONS]


def test_concurrent_appends_become_visible_in_position_order(pg_url: str) -> None:
    """Two writers: a reader following positions must never skip an event."""
    stores = [PostgresStore(pg_url) for _ in range(2)]
    seen: list[int] = []
    done = threading.Event()

    def write(store: Store, name: str) -> None:
        for i in range(150):
            with store.transaction() as tx:
                tx.append("records", [(f"{name}-{i}", "t", "k", f"{name}-{i}", b"x")])

    def follow(store: Store) -> None:
        after = 0
        while not done.is_set() or after < store.head("records"):
            for event in store.read("records", after, 50):
                seen.append(event.position)
                after = event.position

    reader = PostgresStore(pg_url)
    threads = [
        threading.Thread(target=write, args=(s, n)) for s, n in zip(stores, "ab", strict=True)
    ]
    follower = threading.Thread(target=follow, args=(reader,))
    follower.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    follower.join()
    assert len(seen) == 300 and seen == sorted(seen) and len(set(seen)) == 300
    for s in (*stores, reader):
        s.close()


def test_racing_registrations_of_one_identity_end_with_one_record(pg_url: str) -> None:
    """Four processes' worth of connections register one identity at the same moment: exactly
    one wins, the others are told to retry (nothing overwritten), one record id remains."""
    stores = [PostgresStore(pg_url) for _ in range(4)]
    barrier = threading.Barrier(4)
    results: dict[int, str] = {}

    def register(store: Store, n: int) -> None:
        barrier.wait()
        entry = RegistryEntry(
            "h-same", "rec-same", "inspection", 1, f"c{n}", f"v{n}", "2025-01-01", {"n": n}
        )
        try:
            with store.transaction() as tx:
                tx.registry_put([(0, entry)])
            results[n] = "won"
        except ConcurrencyError:
            results[n] = "retry"

    threads = [threading.Thread(target=register, args=(s, n)) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["retry", "retry", "retry", "won"]
    winner = next(n for n, r in results.items() if r == "won")
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute("SELECT identity_hash, record_id, content FROM registry").fetchall()
    assert rows == [("h-same", "rec-same", {"n": winner})]
    for s in stores:
        s.close()


def test_hub_db_migrate(pg_url: str) -> None:
    from click.testing import CliRunner

    from hub.cli import cli

    runner = CliRunner()
    first = runner.invoke(cli, ["db", "migrate"], env={"HUB_DATABASE_URL": pg_url})
    again = runner.invoke(cli, ["db", "migrate"], env={"HUB_DATABASE_URL": pg_url})
    latest = max(m[0] for m in MIGRATIONS)
    assert first.exit_code == 0, first.output
    assert f"applied {[m[0] for m in MIGRATIONS]}" in first.output  # numbers are per branch
    assert again.exit_code == 0 and f"already at version {latest}" in again.output
    assert pg_url not in first.output + again.output  # the URL is a secret
    missing = runner.invoke(cli, ["db", "migrate"], env={"HUB_DATABASE_URL": ""})
    assert missing.exit_code == 2
