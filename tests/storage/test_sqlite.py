"""The storage contract on the SQLite backend: every port's suite, and what only SQLite has."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from hub.domain.values import Source
from hub.errors import StorageError
from hub.storage.ports import Store
from hub.storage.sqlite import SqliteStore
from hub.testing import contracts
from hub.testing.contracts import StoreFixtures


class SqliteStores(StoreFixtures):
    """The storage suites' fixtures on SQLite: ``log.db`` in a fresh folder."""

    #: A closed handle's uses raise: a transaction cannot begin (StorageError), a read gets the
    #: driver's error.
    closed_errors: ClassVar[tuple[type[Exception], ...]] = (
        StorageError,
        sqlite3.ProgrammingError,
    )

    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Store]:
        store = SqliteStore(tmp_path / "log.db")
        yield store
        store.close()

    @pytest.fixture
    def second_store(self, tmp_path: Path) -> Iterator[Callable[[], Store]]:
        opened: list[Store] = []
        yield lambda: opened.append(SqliteStore(tmp_path / "log.db")) or opened[-1]
        for store in opened:
            store.close()


class TestSqliteEventLog(SqliteStores, contracts.EventLogContract):
    pass


class TestSqliteTracking(SqliteStores, contracts.TrackingContract):
    pass


class TestSqliteRegistry(SqliteStores, contracts.RegistryContract):
    pass


class TestSqliteLedger(SqliteStores, contracts.LedgerContract):
    pass


class TestSqliteSourceBook(SqliteStores, contracts.SourceBookContract):
    pass


class TestSqliteIntake(SqliteStores, contracts.IntakeContract):
    pass


class TestSqliteQuarantineDesk(SqliteStores, contracts.QuarantineDeskContract):
    pass


class TestSqliteSubscriberBook(SqliteStores, contracts.SubscriberBookContract):
    pass


class TestSqliteAccountBook(SqliteStores, contracts.AccountBookContract):
    pass


class TestSqliteSessionBook(SqliteStores, contracts.SessionBookContract):
    pass


class TestSqliteLogReads(SqliteStores, contracts.LogReadsContract):
    pass


class TestSqliteStatusReads(SqliteStores, contracts.StatusReadsContract):
    pass


class TestSqliteQueueReads(SqliteStores, contracts.QueueReadsContract):
    pass


class TestSqliteCredentialReads(SqliteStores, contracts.CredentialReadsContract):
    pass


class TestSqliteAuditReads(SqliteStores, contracts.AuditReadsContract):
    pass


class TestSqliteAccountReads(SqliteStores, contracts.AccountReadsContract):
    pass


class TestSqliteStore(SqliteStores, contracts.StoreContract):
    pass


def test_data_survives_reopening(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "log.db")
    with store.transaction() as tx:
        tx.append("records", [("r1", "t", "k", "c", b"x")])
        tx.put_source(Source("s", "city", "330100", "杭州市市场监督管理局"))
    store.close()
    reopened = SqliteStore(tmp_path / "log.db")
    assert reopened.read("records", 0, 5)[0].event_id == "r1"
    assert reopened.sources()[0].level == "city"
    reopened.close()


def test_city_and_province_jurisdiction() -> None:
    city = Source("c", "city", "330100", "x")
    province = Source("p", "province", "330000", "x")
    assert city.covers("330106") and not city.covers("330206")
    assert province.covers("330206") and not province.covers("320106")


def test_an_existing_data_dir_gets_the_subscribers_registry_once(tmp_path: Path) -> None:
    """A data directory from before the registry: opening it makes the table, registers the
    national platform and journals that; the next open changes nothing."""
    from hub.domain.subscribers import NATIONAL
    from hub.storage.chain import JOURNAL

    store = SqliteStore(tmp_path / "log.db")
    with store.transaction() as tx:
        tx.put_source(Source("zj-330106", "county", "330106", "西湖区市场监督管理局"))
    store.close()
    conn = sqlite3.connect(tmp_path / "log.db")
    conn.execute("DROP TABLE subscribers")  # as it was before the registry
    conn.commit()
    conn.close()
    store = SqliteStore(tmp_path / "log.db")
    assert store.subscribers() == [NATIONAL]
    with store.transaction() as tx:
        tx.remove_subscriber("national")
    store.close()
    store = SqliteStore(tmp_path / "log.db")
    assert store.subscribers() == []  # removed stays removed
    assert [(e.event_type, e.key) for e in store.chained(JOURNAL, 0, 10)][1:] == [
        ("source.put", "zj-330106"),
        ("subscriber.put", "national"),
        ("subscriber.removed", "national"),
    ]
    assert [s.source_id for s in store.sources()] == ["zj-330106"]
    store.close()
