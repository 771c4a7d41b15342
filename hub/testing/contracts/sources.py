"""The sources' contract (:class:`~hub.storage.ports.SourceBook`): registrations, tokens and
the journal of their changes.
"""

from __future__ import annotations

import pytest

from hub.domain.subscribers import NATIONAL
from hub.domain.values import Credential, Source
from hub.storage import ports
from hub.storage.chain import JOURNAL
from hub.storage.journal import fold
from hub.storage.ports import Store
from hub.testing.contracts.base import StoreFixtures

__all__ = ["SourceBookContract"]


class SourceBookContract(StoreFixtures):
    """Every backend's registry of submitting systems."""

    port = ports.SourceBook

    def test_sources(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.put_source(
                Source("zj-330106", "county", "330106", "西湖区市场监督管理局", ("inspection",))
            )
            assert tx.source("nope") is None
            got = tx.source("zj-330106")
        assert got is not None and got.record_types == ("inspection",)
        assert got.covers("330106") and not got.covers("330105")
        assert [s.source_id for s in store.sources()] == ["zj-330106"]

    def test_a_sources_kafka_principal_is_stored_journaled_and_cleared(self, store: Store) -> None:
        hz = Source("zj-330100", "city", "330100", "杭州市市场监督管理局", principal="User:src-a")
        with store.transaction() as tx:
            tx.put_source(hz)
            tx.set_token(hz.source_id, "hash-p")
            tx.put_source(Source("zj-330106", "county", "330106", "西湖区市场监督管理局"))
        with store.transaction() as tx:
            assert tx.source(hz.source_id) == hz
        assert {s.source_id: s.principal for s in store.sources()} == {
            "zj-330100": "User:src-a",
            "zj-330106": None,
        }
        found = store.credential("hash-p")
        assert found is not None and found[0].principal == "User:src-a"
        with store.transaction() as tx:
            tx.put_source(Source(hz.source_id, hz.level, hz.region_code, hz.department))
            cleared = tx.source(hz.source_id)
        assert cleared is not None and cleared.principal is None
        entries = store.chained(JOURNAL, 0, 10)
        puts = [
            fold([(e.event_type, e.key, e.body)])[e.key]["principal"]
            for e in entries
            if e.key == hz.source_id and e.event_type == "source.put"
        ]
        assert puts == ["User:src-a", None]
        assert (
            fold((e.event_type, e.key, e.body) for e in entries)[hz.source_id]["principal"] is None
        )
        # a journal entry from before principals existed folds to none
        old = b'{"department":"x","level":"city","record_types":[],"region_code":"330100"}'
        assert fold([("source.put", "zj-old", old)])["zj-old"]["principal"] is None

    def test_source_changes_are_journaled_in_their_transaction(self, store: Store) -> None:
        county = Source("zj-330106", "county", "330106", "西湖区市场监督管理局", ("inspection",))
        with store.transaction() as tx:
            tx.put_source(county)
            tx.set_token(county.source_id, "hash-1")
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.set_disabled(county.source_id, True)
            raise RuntimeError("crash")
        entries = store.chained(JOURNAL, 0, 10)
        assert [(e.event_type, e.key) for e in entries] == [
            ("subscriber.put", NATIONAL.name),  # the registry's default, when it was made
            ("source.put", county.source_id),
            ("source.token", county.source_id),
        ]
        state = fold((e.event_type, e.key, e.body) for e in entries)
        assert set(state) == {county.source_id}  # subscribers are not sources
        assert state[county.source_id]["region_code"] == "330106"
        assert state[county.source_id]["credential"] == {"token_hash": "hash-1", "disabled": False}
        assert store.credentials() == [Credential(county.source_id, "hash-1", False)]
        assert store.chain_heads()[JOURNAL].count == 3

    def test_a_transaction_sees_every_source_its_own_changes_included(self, store: Store) -> None:
        with store.transaction() as tx:
            assert tx.all_sources() == []
            tx.put_source(Source("zj-330106", "county", "330106", "西湖区市场监督管理局"))
            tx.put_source(
                Source("zj-330100", "city", "330100", "杭州市市场监督管理局", ("inspection",))
            )
            tx.set_disabled("zj-330106", True)
            listed = tx.all_sources()
        assert [(s.source_id, s.disabled) for s in listed] == [
            ("zj-330100", False),
            ("zj-330106", True),
        ]
        assert listed[0].record_types == ("inspection",)
        with store.transaction() as tx:
            assert tx.all_sources() == listed
