"""The storage contract on the SQLite backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hub.storage.ports import Source, Store
from hub.storage.sqlite import SqliteStore
from hub.testing.contracts import StoreContract


class TestSqliteStore(StoreContract):
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
