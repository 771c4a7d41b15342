"""Contract suites for the storage ports, reusable by any backend (and by a province's own).

Subclass :class:`StoreContract` (the event log and state) or :class:`ViewStoreContract` (the
read models) in a test module and provide its fixtures: the store, and a factory opening a
second handle on the same database (another process, as far as the backend can tell). Every test
then runs against that backend: ``tests/storage`` runs both on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from hub.domain.accounts import Account, AccountError
from hub.domain.subscribers import NATIONAL, Subscriber
from hub.domain.values import ApiBatch, Credential, DeliveryRow, Quarantined, RegistryEntry, Source
from hub.errors import ConcurrencyError, StorageError
from hub.projections.ports import ViewStore
from hub.projections.tables import Column, Kind, Merge, Table
from hub.storage.account_rows import actions, record_action
from hub.storage.chain import GENESIS, JOURNAL, link
from hub.storage.journal import fold, fold_accounts, fold_subscribers
from hub.storage.ports import Store

__all__ = ["StoreContract", "ViewStoreContract"]


def _row(record_id: str, version: int, state: str = "pending", due: float = 0.0) -> DeliveryRow:
    return DeliveryRow(
        delivery_id=f"{record_id}:{version}:national",
        record_id=record_id,
        version=version,
        destination="national",
        record_type="inspection",
        state=state,
        attempt=0,
        next_attempt_at=due,
        idempotency_key=f"{record_id}:{version}",
        source_id="s",
        submission_id=f"sub-{record_id}-{version}",
        content={"v": version},
    )


class StoreContract:
    """What every backend of the storage ports must do."""

    @pytest.fixture
    def store(self) -> Iterator[Store]:
        raise NotImplementedError

    @pytest.fixture
    def second_store(self) -> Iterator[Callable[[], Store]]:
        """Opens another handle on the same database as ``store`` (closed by the fixture)."""
        raise NotImplementedError

    def test_append_is_idempotent_by_event_id(self, store: Store) -> None:
        with store.transaction() as tx:
            assert (
                tx.append(
                    "submissions", [("e1", "t", "k", "c1", b"a"), ("e2", "t", "k", "c2", b"b")]
                )
                == 2
            )
        with store.transaction() as tx:
            assert (
                tx.append(
                    "submissions", [("e2", "t", "k", "c2", b"b"), ("e3", "t", "k", "c3", b"c")]
                )
                == 1
            )
        events = store.read("submissions", 0, 10)
        assert [e.event_id for e in events] == ["e1", "e2", "e3"]
        assert [e.body for e in events] == [b"a", b"b", b"c"]
        assert store.read("submissions", events[0].position, 1)[0].event_id == "e2"
        assert store.head("submissions") == events[-1].position

    def test_rollback_leaves_nothing(self, store: Store) -> None:
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.append("records", [("r1", "t", "k", "c", b"x")])
            tx.set_position("consumer", "records", 5)
            raise RuntimeError("crash in the middle of a step")
        assert store.head("records") == 0
        with store.transaction() as tx:
            assert tx.position("consumer", "records") == 0

    def test_one_verdict_per_submission(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.append("verdicts", [("v1", "verdict.rejected", "s", "sub-1", b"x")])
        with pytest.raises(StorageError), store.transaction() as tx:
            tx.append("verdicts", [("v2", "verdict.accepted_new", "s", "sub-1", b"y")])
        assert store.counts("verdicts") == {"verdict.rejected": 1}

    def test_in_flight_counts_submissions_without_verdict(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.append(
                "submissions",
                [("sub-1", "t", "s", "sub-1", b""), ("sub-2", "t", "s", "sub-2", b"")],
            )
            tx.append("verdicts", [("v1", "verdict.duplicate", "s", "sub-1", b"")])
        assert store.in_flight() == 1

    def test_latest_positions_up_to_a_snapshot(self, store: Store) -> None:
        keys = [f"rec-{i:03d}" for i in range(120)]
        with store.transaction() as tx:
            for round_ in range(3):  # three versions of each record, interleaved
                tx.append(
                    "records", [(f"{k}-v{round_}", "record.versioned", k, "c", b"") for k in keys]
                )
        events = store.read("records", 0, 1000)
        snapshot = events[len(keys) + 40].position  # all second versions up to rec-040
        expected = {
            e.key: e.position for e in events if e.position <= snapshot and e.key in keys[::2]
        }
        with store.transaction() as tx:
            got = tx.latest_positions("records", [*keys[::2], "rec-missing", keys[0]], snapshot)
            assert got == expected
            assert tx.latest_positions("records", [], snapshot) == {}
            assert tx.latest_positions("records", keys, 0) == {}
            head = tx.head("records")
            assert tx.latest_positions("records", keys[:1], head) == {
                keys[0]: events[-120].position
            }

    def test_positions(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.set_position("judge", "submissions", 7)
            tx.set_position("judge", "submissions", 9)
        with store.transaction() as tx:
            assert tx.position("judge", "submissions") == 9
            assert tx.position("judge", "records") == 0

    def test_reading_a_position_takes_the_consumer_s_turn(
        self, store: Store, second_store: Callable[[], Store]
    ) -> None:
        """Two processes stepping one stage: the second reads the first's committed position,
        never the one both started from."""
        other = second_store()
        holding = threading.Event()
        seen: list[int] = []

        def second() -> None:
            holding.wait(5)
            with other.transaction() as tx:
                seen.append(tx.position("resolve", "validated"))

        thread = threading.Thread(target=second)
        thread.start()
        with store.transaction() as tx:
            assert tx.position("resolve", "validated") == 0
            holding.set()
            time.sleep(0.3)  # the other one is waiting for its turn now
            tx.set_position("resolve", "validated", 40)
        thread.join(10)
        assert seen == [40]

    def test_claim_tracks_events_by_id_per_consumer(self, store: Store) -> None:
        with store.transaction() as tx:
            assert tx.claim("judge", ["a", "b", "a"]) == {"a", "b"}
            assert tx.claim("judge", ["b", "c"]) == {"c"}  # b redelivered: handled already
            assert tx.claim("resolve", ["a"]) == {"a"}  # another consumer has its own
        with pytest.raises(RuntimeError), store.transaction() as tx:
            assert tx.claim("judge", ["d"]) == {"d"}
            raise RuntimeError("crash before the outputs commit")
        with store.transaction() as tx:
            assert tx.claim("judge", ["a", "d"]) == {"d"}  # the rolled-back claim is free again
        assert store.handled_counts() == {"judge": 4, "resolve": 1}

    def test_a_redelivered_event_is_claimed_once_by_racing_writers(
        self, store: Store, second_store: Callable[[], Store]
    ) -> None:
        """Two workers got the same message (a rebalance): the second waits for the first's
        commit and then finds it handled."""
        other = second_store()
        holding = threading.Event()
        seen: list[set[str]] = []

        def second() -> None:
            holding.wait(5)
            with other.transaction() as tx:
                seen.append(tx.claim("judge", ["m1", "m2"]))

        thread = threading.Thread(target=second)
        thread.start()
        with store.transaction() as tx:
            assert tx.claim("judge", ["m1"]) == {"m1"}
            holding.set()
            time.sleep(0.3)
        thread.join(10)
        assert seen == [{"m2"}]

    def test_quarantine_keeps_unreadable_messages_once(self, store: Store) -> None:
        bad = Quarantined("hub.submissions/0/7", "submissions", "bad magic", None, b"\x00junk")
        with store.transaction() as tx:
            assert tx.quarantine([bad]) == 1
            assert tx.quarantine([bad]) == 0  # redelivered: kept once
        assert store.quarantined() == [bad] and store.quarantine_count() == 1

    def test_two_senders_never_take_the_same_due_row(
        self, store: Store, second_store: Callable[[], Store]
    ) -> None:
        with store.transaction() as tx:
            tx.ledger_insert([_row(f"r{i}", 1) for i in range(6)])
        other = second_store()
        holding = threading.Event()
        taken: list[list[str]] = []

        def second() -> None:
            holding.wait(5)
            with other.transaction() as tx:
                rows = tx.ledger_due("national", 10, 4)
                tx.ledger_update([_row(r.record_id, 1, state="sent", due=99) for r in rows])
                taken.append([r.record_id for r in rows])

        thread = threading.Thread(target=second)
        thread.start()
        with store.transaction() as tx:
            mine = tx.ledger_due("national", 10, 4)
            holding.set()
            time.sleep(0.3)
            tx.ledger_update([_row(r.record_id, 1, state="sent", due=99) for r in mine])
        thread.join(10)
        assert len(mine) == 4 and len(taken) == 1
        assert not {r.record_id for r in mine} & set(taken[0])  # nothing pushed twice

    def test_registry(self, store: Store) -> None:
        entry = RegistryEntry(
            "h1", "rec-1", "inspection", 1, "c1", "v1", "2025-01-01", {"a": "中文", "n": None}
        )
        later = RegistryEntry("h1", "rec-1", "inspection", 3, "c3", "v3", "2025-02-01", {"a": "b"})
        with store.transaction() as tx:
            tx.registry_put([(0, entry)])
            tx.registry_put([(1, later)])  # one batch may take a record from version 1 to 3
        with store.transaction() as tx:
            got = tx.registry_get(["h1", "h2", "h1"])
        assert list(got) == ["h1"] and got["h1"].version == 3 and got["h1"].content == {"a": "b"}

    def test_registry_is_compare_and_set(self, store: Store) -> None:
        def entry(version: int, content: str) -> RegistryEntry:
            return RegistryEntry(
                "h1", "rec-1", "inspection", version, content, content, "2025-01-01", {"c": content}
            )

        with store.transaction() as tx:
            tx.registry_put([(0, entry(1, "first"))])
        for expected, stale in ((0, entry(1, "again")), (2, entry(3, "from a version not held"))):
            with pytest.raises(ConcurrencyError), store.transaction() as tx:
                tx.registry_put([(expected, stale)])
        with store.transaction() as tx:
            tx.registry_put([(1, entry(2, "second"))])
            assert tx.registry_get(["h1"])["h1"].content == {"c": "second"}
        with pytest.raises(ConcurrencyError), store.transaction() as tx:
            tx.registry_put([(0, RegistryEntry("h2", "rec-1", "inspection", 1, "x", "x", "d", {}))])

    def test_ledger_sends_versions_of_a_record_in_order(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.ledger_insert([_row("r1", 1), _row("r1", 2), _row("r2", 1), _row("r3", 1, due=99)])
            tx.ledger_insert([_row("r1", 1)])  # planned twice: still one row
            due = tx.ledger_due("national", now=10, limit=10)
        assert [(r.record_id, r.version) for r in due] == [("r1", 1), ("r2", 1)]
        with store.transaction() as tx:
            tx.ledger_update([_row("r1", 1, state="acked")])
            assert [(r.record_id, r.version) for r in tx.ledger_due("national", 10, 10)] == [
                ("r1", 2),
                ("r2", 1),
            ]
            tx.ledger_update([_row("r1", 2, state="dead")])
        assert store.ledger_counts()["dead"] == 1

    def test_dead_version_blocks_later_ones(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.ledger_insert([_row("r1", 1, state="dead"), _row("r1", 2)])
            assert tx.ledger_due("national", 10, 10) == []

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

    def test_a_token_finds_its_source_until_rotated_and_disabling_is_kept(
        self, store: Store
    ) -> None:
        county = Source("zj-330106", "county", "330106", "西湖区市场监督管理局")
        with store.transaction() as tx:
            tx.put_source(county)
            tx.put_source(Source("zj-3301", "city", "330100", "杭州市市场监督管理局"))
            tx.set_token(county.source_id, "hash-1")
        assert store.credential("hash-2") is None
        found = store.credential("hash-1")
        assert found is not None and found[0] == county and not found[1].disabled
        with store.transaction() as tx:
            tx.set_token(county.source_id, "hash-2")  # rotation: the old token stops working
            tx.set_disabled(county.source_id, True)
            tx.set_disabled("zj-3301", True)  # disabled before it ever had a token
        assert store.credential("hash-1") is None
        again = store.credential("hash-2")
        assert again is not None and again[1].disabled
        assert store.credential_of("zj-3301") == Credential("zj-3301", None, True)
        assert store.credential_of("nope") is None

    def test_an_idempotency_key_keeps_its_first_reply(self, store: Store) -> None:
        first = ApiBatch("s", "key-1", "body-a", b'{"n": 1}')
        with store.transaction() as tx:
            assert tx.api_batch("s", "key-1") is None
            assert tx.put_api_batch(first)
        with store.transaction() as tx:
            assert not tx.put_api_batch(ApiBatch("s", "key-1", "body-b", b"{}"))
            assert tx.api_batch("s", "key-1") == first
            assert tx.api_batch("other", "key-1") is None  # keys are per source

    def test_a_cursor_is_saved_with_its_transaction(self, store: Store) -> None:
        with store.transaction() as tx:
            assert tx.cursor("frontdb:a") is None
            tx.set_cursor("frontdb:a", "1")
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.set_cursor("frontdb:a", "2")
            raise RuntimeError("crash before commit")
        with store.transaction() as tx:
            assert tx.cursor("frontdb:a") == "1"
            tx.set_cursor("frontdb:a", "3")
            assert tx.cursor("frontdb:b") is None
        with store.transaction() as tx:
            assert tx.cursor("frontdb:a") == "3"

    def test_read_key_reads_one_key_in_order(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.append(
                "feedback",
                [(f"fb-{i}", "feedback.verdict", "ab"[i % 2], f"c{i}", b"x") for i in range(7)],
            )
        mine = store.read_key("feedback", "a", 0, 100)
        assert [e.event_id for e in mine] == ["fb-0", "fb-2", "fb-4", "fb-6"]
        assert [e.event_id for e in store.read_key("feedback", "a", mine[1].position, 2)] == [
            "fb-4",
            "fb-6",
        ]

    def test_appends_are_chained_and_heads_recorded(self, store: Store) -> None:
        """Issue 12: each event links to the one before; a skipped duplicate, a rollback and a
        duplicate inside one batch leave the chain and the head as they were."""
        with store.transaction() as tx:
            tx.append("verdicts", [("v1", "verdict.rejected", "s", "c1", b"a")])
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.append("verdicts", [("v9", "verdict.rejected", "s", "c9", b"z")])
            raise RuntimeError("crash")
        with store.transaction() as tx:
            new = [
                ("v1", "verdict.rejected", "s", "c1", b"a"),
                ("v2", "verdict.stale", "s", "c2", b"b"),
            ]
            assert tx.append("verdicts", [*new, new[1]]) == 1
            assert (
                tx.append(
                    "verdicts",
                    [
                        ("v3", "t", "s", "c3", b"c"),
                        ("v4", "t", "s", "c4", b"d"),
                        ("v3", "t", "s", "c3", b"c"),
                    ],
                )
                == 2
            )
        rows = store.chained("verdicts", 0, 10)
        first = link(GENESIS, "v1", "verdict.rejected", "s", "c1", b"a")
        second = link(first, "v2", "verdict.stale", "s", "c2", b"b")
        assert [(r.event_id, r.chain) for r in rows[:2]] == [("v1", first), ("v2", second)]
        assert [r.event_id for r in rows] == ["v1", "v2", "v3", "v4"]  # batch order kept
        head = store.chain_heads()["verdicts"]
        assert (head.position, head.chain, head.count) == (rows[-1].position, rows[-1].chain, 4)

    def test_a_snapshot_does_not_see_appends_made_during_it(
        self, store: Store, second_store: Callable[[], Store]
    ) -> None:
        """An audit of a running hub reads the log and its heads as of one moment."""
        with store.transaction() as tx:
            tx.append("feedback", [("f1", "feedback.verdict", "s", "c1", b"a")])
        other = second_store()
        with store.snapshot():
            before = store.chain_heads()["feedback"]
            with other.transaction() as tx:
                tx.append("feedback", [("f2", "feedback.verdict", "s", "c2", b"b")])
            assert [r.event_id for r in store.chained("feedback", 0, 10)] == ["f1"]
            assert store.chain_heads()["feedback"] == before
        assert [r.event_id for r in store.chained("feedback", 0, 10)] == ["f1", "f2"]

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

    # subscribers

    def test_the_national_platform_is_registered_by_default(self, store: Store) -> None:
        assert store.subscribers() == [NATIONAL]
        with store.transaction() as tx:
            assert tx.subscriber("national") == NATIONAL
            assert tx.subscriber("dept-a") is None

    def test_a_subscriber_round_trips_every_field(self, store: Store) -> None:
        dept = Subscriber(
            "zj-scjg-xihu",
            record_types=("inspection", "penalty"),
            regions=("330106", "330100"),
            sharing="conditional",
            personal=True,
            principal="User:zj-scjg-xihu",
            description="西湖区市场监督管理局（“双随机、一公开”抽查结果）",
            disabled=True,
            epoch=1_764_700_000_123,
        )
        with store.transaction() as tx:
            tx.put_subscriber(dept)
            assert tx.subscriber(dept.name) == dept  # inside the transaction too
        with store.transaction() as tx:
            assert tx.subscriber(dept.name) == dept
        assert dept in store.subscribers()

    def test_subscribers_are_listed_by_name_disabled_ones_included(self, store: Store) -> None:
        names = ["hz-fgw", "a-sfj", "zj-scjg", "hz-ajj", "national-backup"]
        with store.transaction() as tx:
            for i, name in enumerate(names):
                tx.put_subscriber(Subscriber(name, disabled=i % 2 == 0, regions=("330100",)))
            listed = [s.name for s in tx.all_subscribers()]
        assert listed == sorted([*names, "national"])
        assert [s.name for s in store.subscribers()] == listed
        assert sum(s.disabled for s in store.subscribers()) == 3

    def test_put_replaces_every_field(self, store: Store) -> None:
        first = Subscriber("hz-scjg", ("inspection",), ("330100",), "conditional", True, "User:a")
        then = Subscriber("hz-scjg", (), (), "unconditional", False, None, "杭州市局", False, 7)
        with store.transaction() as tx:
            tx.put_subscriber(first)
        with store.transaction() as tx:
            tx.put_subscriber(then)
        assert [s for s in store.subscribers() if s.name == "hz-scjg"] == [then]

    def test_remove_says_whether_it_existed_and_national_is_not_seeded_again(
        self, store: Store, second_store: Callable[[], Store]
    ) -> None:
        with store.transaction() as tx:
            tx.put_subscriber(Subscriber("hz-ajj"))
        with store.transaction() as tx:
            assert tx.remove_subscriber("hz-ajj") is True
            assert tx.remove_subscriber("hz-ajj") is False
            assert tx.remove_subscriber("national") is True
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.put_subscriber(Subscriber("rolled-back"))
            raise RuntimeError("crash")
        assert store.subscribers() == []
        reopened = second_store()  # another open of the same database: no second seeding
        assert reopened.subscribers() == []
        kinds = [(e.event_type, e.key) for e in store.chained(JOURNAL, 0, 100)]
        assert kinds == [
            ("subscriber.put", "national"),
            ("subscriber.put", "hz-ajj"),
            ("subscriber.removed", "hz-ajj"),
            ("subscriber.removed", "national"),
        ]

    def test_subscriber_changes_fold_to_the_table(self, store: Store) -> None:
        dept = Subscriber("zj-scjg", ("inspection",), ("330000",), "all", description="浙江省局")
        with store.transaction() as tx:
            tx.put_subscriber(dept)
            tx.put_subscriber(Subscriber("gone"))
            tx.remove_subscriber("gone")
        entries = store.chained(JOURNAL, 0, 100)
        state = fold_subscribers((e.event_type, e.key, e.body) for e in entries)
        assert sorted(state) == ["national", "zj-scjg"]
        assert state["zj-scjg"]["regions"] == ["330000"]
        assert state["zj-scjg"]["description"] == "浙江省局"
        assert fold((e.event_type, e.key, e.body) for e in entries) == {}

    # -- accounts --
    def test_an_account_round_trips_and_every_change_is_journaled(self, store: Store) -> None:
        viewer = Account("hz-viewer", "viewer", "330100", False, "2026-01-02T03:04:05+00:00")
        with store.transaction() as tx:
            tx.put_account(viewer)
            tx.put_account(Account("op", "operator", None, False, "2026-01-01T00:00:00+00:00"))
            tx.set_account_password("op", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA")
            tx.set_account_token("hz-viewer", "t" * 64)
            tx.set_account_password("nobody", "x")  # no such account: nothing, no entry
        op = Account("op", "operator", None, False, "2026-01-01T00:00:00+00:00")
        assert store.accounts() == [viewer, op]
        with store.transaction() as tx:
            assert tx.account("hz-viewer") == viewer and tx.account("nobody") is None
        assert store.account_secret("op") == (
            store.accounts()[1],
            "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
        )
        assert store.account_secret("hz-viewer") == (viewer, None)
        assert store.account_by_token("t" * 64) == viewer
        assert store.account_by_token("u" * 64) is None
        with store.transaction() as tx:
            tx.set_account_token("hz-viewer", "u" * 64)  # rotated: the old one stops working
        assert store.account_by_token("t" * 64) is None
        assert store.account_by_token("u" * 64) == viewer
        entries = [(e.event_type, e.key, e.body) for e in store.chained(JOURNAL, 0, 100)]
        assert [(k, n) for k, n, _ in entries if k.startswith("account.")] == [
            ("account.put", "hz-viewer"),
            ("account.put", "op"),
            ("account.put", "op"),
            ("account.put", "hz-viewer"),
            ("account.put", "hz-viewer"),
        ]
        states = store.account_states()
        assert fold_accounts(entries) == states
        assert states["op"]["password"] is not None and "argon2" not in json.dumps(states)
        assert states["hz-viewer"] == {
            "role": "viewer",
            "region": "330100",
            "disabled": False,
            "created_at": "2026-01-02T03:04:05+00:00",
            "password": None,
            "token": "u" * 64,
        }
        assert fold(entries) == {}  # the sources' fold does not see accounts

    def test_sessions_expire_and_are_cleaned(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.put_account(Account("au", "auditor", None, False, "2026-01-01T00:00:00+00:00"))
            tx.start_session("s1", "au", 100.0, 50.0)
            tx.start_session("s2", "au", 200.0, 50.0)
        found = store.account_by_session("s1", 99.0)
        assert found is not None and found[0].name == "au" and found[1] == 100.0
        assert store.account_by_session("s1", 100.0) is None  # expired at its expiry
        assert store.account_by_session("nope", 0.0) is None
        with store.transaction() as tx:
            tx.start_session("s3", "au", 400.0, 150.0)  # s1 expired by now: deleted
            assert tx.end_expired_sessions(150.0) == 0
            assert tx.end_session("s2") and not tx.end_session("s2")
            assert tx.end_expired_sessions(1000.0) == 1  # s3
        assert store.account_by_session("s3", 160.0) is None

    def test_disabling_a_new_password_or_removal_ends_sessions(self, store: Store) -> None:
        account = Account("op", "operator", None, False, "2026-01-01T00:00:00+00:00")
        with store.transaction() as tx:
            tx.put_account(account)
            tx.start_session("a", "op", 1e12, 0.0)
            tx.put_account(Account("op", "operator", None, True, account.created_at))
        assert store.account_by_session("a", 1.0) is None
        with store.transaction() as tx:
            tx.put_account(account)
            tx.start_session("b", "op", 1e12, 0.0)
            tx.set_account_password("op", "h")
        assert store.account_by_session("b", 1.0) is None
        with store.transaction() as tx:
            tx.start_session("c", "op", 1e12, 0.0)
            assert tx.remove_account("op") and not tx.remove_account("op")
        assert store.account_by_session("c", 1.0) is None and store.accounts() == []
        entries = [(e.event_type, e.key, e.body) for e in store.chained(JOURNAL, 0, 100)]
        assert entries[-1][:2] == ("account.removed", "op")
        assert fold_accounts(entries) == {} == store.account_states()

    def test_actions_are_journaled_with_who_what_and_when(self, store: Store) -> None:
        with store.transaction() as tx:
            record_action(tx, "op", "deliveries.redrive", "national", {"delivery_ids": ["d1"]})
        with pytest.raises(AccountError), store.transaction() as tx:
            tx.put_account(Account("x", "viewer", "330100", False, ""))
            record_action(tx, "op", "DROP TABLE x", "t", {})  # not an action name
        assert store.accounts() == []  # rolled back with it
        with pytest.raises(AccountError), store.transaction() as tx:
            record_action(tx, "op", "big", "t", {"x": "y" * 20_000})
        with pytest.raises(AccountError), store.transaction() as tx:
            record_action(tx, "op\nforged line", "x", "t", {})
        with store.transaction() as tx:  # the host's user, from the CLI
            record_action(tx, "Administrator", "quarantine.release", "o", {"origins": ["o"]})
        listed = actions(store)
        assert [(a["who"], a["action"]) for a in listed] == [
            ("Administrator", "quarantine.release"),
            ("op", "deliveries.redrive"),
        ]
        assert actions(store, 1) == listed[:1] and listed[0]["position"] > listed[1]["position"]
        entries = store.chained(JOURNAL, 0, 100)
        last = entries[-2]
        assert (last.event_type, last.key) == ("action", "op")
        body = json.loads(last.body)
        assert body["action"] == "deliveries.redrive" and body["target"] == "national"
        assert body["detail"] == {"delivery_ids": ["d1"]} and body["at"].endswith("+00:00")
        assert fold((e.event_type, e.key, e.body) for e in entries) == {}
        assert fold_accounts((e.event_type, e.key, e.body) for e in entries) == {}

    # -- queues -- (issue 15: the operators' lists and actions)

    def test_ledger_rows_by_state_paged_newest_first_and_redrives_kept(self, store: Store) -> None:
        with store.transaction() as tx:
            tx.ledger_insert(
                [_row(f"r{i}", 1, state=("dead", "retrying", "acked")[i % 3]) for i in range(9)]
            )
            tx.ledger_update([replace(_row("r0", 1, state="dead"), redrives=2, reasons=("x",))])
        page = store.ledger_page(["dead", "retrying"], 4)
        assert [r.record_id for r in page] == ["r7", "r6", "r4", "r3"]
        assert [r.record_id for r in store.ledger_page(["dead", "retrying"], 4, 4)] == ["r1", "r0"]
        assert [r.record_id for r in store.ledger_page(["dead"], 10)] == ["r6", "r3", "r0"]
        assert store.ledger_page(["acked"], 1)[0].record_id == "r8"
        with store.transaction() as tx:
            dead = tx.ledger_select("dead", None, 10)
            assert [r.record_id for r in dead] == ["r0", "r3", "r6"]  # oldest first
            assert dead[0].redrives == 2 and dead[0].reasons == ("x",)
            named = tx.ledger_select("dead", ["r3:1:national", "r1:1:national", "nope"], 10)
            assert [r.record_id for r in named] == ["r3"]
            assert tx.ledger_select("dead", [], 10) == []
        with pytest.raises(ValueError):
            store.ledger_page(["dead'; DROP TABLE ledger; --"], 1)

    def test_quarantine_taken_dropped_and_its_reason_replaced(self, store: Store) -> None:
        a = Quarantined("t/0/1", "submissions", "bad", b"k", b"\x00" * 5)
        b = Quarantined("t/0/2", "submissions", "worse", None, b"zz")
        with store.transaction() as tx:
            tx.quarantine([a, b])
        entries = store.quarantine_entries(10)
        assert [(e.origin, e.reason, e.size) for e in entries] == [
            ("t/0/1", "bad", 5),
            ("t/0/2", "worse", 2),
        ]
        assert [e.origin for e in store.quarantine_entries(1)] == ["t/0/1"]
        with store.transaction() as tx:
            assert tx.quarantine_take(["t/0/2", "t/9/9"]) == [b]
            tx.quarantine_reason("t/0/2", "still bad")
            assert tx.quarantine_drop(["t/0/1", "t/9/9"]) == 1
        assert [(q.origin, q.reason) for q in store.quarantined()] == [("t/0/2", "still bad")]
        with store.transaction() as tx:
            tx.quarantine([a])  # a message released may be quarantined again under its origin
        assert store.quarantine_count() == 2


_HISTORY = Table(
    "t_history",
    (Column("k"), Column("n", Kind.INT), Column("doc", Kind.JSON), Column("at", Kind.TIME)),
    key=("k", "n"),
    indexes=(("n",),),
)
_CURRENT = Table(
    "t_current",
    (Column("k"), Column("version", Kind.INT), Column("v", nullable=True)),
    key=("k",),
    merge=Merge.NEWER,
)
_COUNTS = Table(
    "t_counts",
    (Column("k"), Column("a", Kind.INT), Column("b", Kind.INT)),
    key=("k",),
    merge=Merge.ADD,
    counters=("a", "b"),
)
_TABLES = (_HISTORY, _CURRENT, _COUNTS)


class ViewStoreContract:
    """What every backend of the read-model store must do."""

    @pytest.fixture
    def views(self) -> Iterator[ViewStore]:
        raise NotImplementedError

    @pytest.fixture
    def second_views(self) -> Iterator[Callable[[], ViewStore]]:
        raise NotImplementedError

    def test_merge_rules_and_a_redelivered_batch_is_a_no_op(self, views: ViewStore) -> None:
        views.create(_TABLES)
        doc = '{"名称": "杭州", "n": [1, 2.5, null]}'
        at = "2025-03-11T02:00:00+00:00"
        for _ in range(2):  # the second time is a redelivery of the same batch... by a bug
            with views.transaction(["p"]) as tx:
                tx.write(_HISTORY, [("a", 1, doc, at)])
                tx.write(_CURRENT, [("a", 2, "two")])
        with views.transaction(["p"]) as tx:
            tx.write(_HISTORY, [("a", 1, '{"other": 1}', at)])  # history is written once
            tx.write(_CURRENT, [("a", 1, "one"), ("b", 1, None)])  # older: ignored
            tx.write(_COUNTS, [("x", 1, 10)])
        with views.transaction(["p"]) as tx:
            tx.write(_CURRENT, [("b", 3, "three")])
            tx.write(_COUNTS, [("x", 2, 20), ("y", 1, 1)])
        assert views.rows(_HISTORY) == [("a", 1, {"名称": "杭州", "n": [1, 2.5, None]}, at)]
        assert sorted(views.rows(_CURRENT)) == [("a", 2, "two"), ("b", 3, "three")]
        assert sorted(views.rows(_COUNTS)) == [("x", 3, 30), ("y", 1, 1)]

    def test_rows_filters_and_columns(self, views: ViewStore) -> None:
        views.create(_TABLES)
        with views.transaction(["p"]) as tx:
            tx.write(_CURRENT, [(f"k{i}", i, f"v{i % 3}") for i in range(1, 1200)])
        assert len(views.rows(_CURRENT)) == 1199
        picked = views.rows(_CURRENT, columns=("k",), where={"v": ["v1"], "version": [1, 4, 5]})
        assert sorted(picked) == [("k1",), ("k4",)]
        many = views.rows(
            _CURRENT, columns=("version",), where={"k": [f"k{i}" for i in range(1200)]}
        )
        assert len(many) == 1199

    def test_rows_and_positions_commit_together_or_not_at_all(self, views: ViewStore) -> None:
        views.create(_TABLES)
        with pytest.raises(RuntimeError), views.transaction(["p"]) as tx:
            tx.write(_COUNTS, [("x", 1, 1)])
            tx.set_position("p", "records", 10)
            raise RuntimeError("killed mid-batch")
        assert views.rows(_COUNTS) == [] and views.positions("p") == {}
        with views.transaction(["p"]) as tx:
            tx.write(_COUNTS, [("x", 1, 1)])
            tx.set_position("p", "records", 10)
            assert tx.position("p", "records") == 10
        assert views.positions("p") == {"records": 10}

    def test_swap_replaces_tables_and_positions_at_once(self, views: ViewStore) -> None:
        views.create(_TABLES)
        views.create(_TABLES, "__next")
        with views.transaction(["p"]) as tx:
            tx.write(_CURRENT, [("old", 1, "live")])
            tx.set_position("p", "records", 3)
        with views.transaction(["p__next"]) as tx:
            tx.write(_CURRENT, [("new", 1, "rebuilt")], "__next")
            tx.set_position("p__next", "records", 5)
        views.swap(_TABLES, "p", "__next")
        assert views.rows(_CURRENT) == [("new", 1, "rebuilt")]
        assert views.positions("p") == {"records": 5} and views.positions("p__next") == {}
        assert not any(t.endswith("__next") for t in views.tables())
        with views.transaction(["p"]) as tx:  # the swapped-in tables take writes as usual
            tx.write(_CURRENT, [("new", 2, "updated")])
        assert views.rows(_CURRENT) == [("new", 2, "updated")]
        views.create(_TABLES, "__next")  # and a second rebuild can start (names are free)
        views.swap(_TABLES, "p", "__next")
        assert views.rows(_CURRENT) == []

    def test_drop_removes_tables_and_positions(self, views: ViewStore) -> None:
        views.create(_TABLES, "__diff")
        with views.transaction(["p__diff"]) as tx:
            tx.write(_COUNTS, [("x", 1, 1)], "__diff")
            tx.set_position("p__diff", "records", 2)
        views.drop(_TABLES, "p", "__diff")
        assert not {"t_counts__diff", "t_current__diff"} & views.tables()
        assert views.positions("p__diff") == {}

    def test_writers_of_one_projection_take_turns(
        self, views: ViewStore, second_views: Callable[[], ViewStore]
    ) -> None:
        views.create(_TABLES)
        other = second_views()
        holding = threading.Event()
        seen: list[int] = []

        def second() -> None:
            holding.wait(5)
            with other.transaction(["p"]) as tx:
                seen.append(tx.position("p", "records"))
                tx.write(_COUNTS, [("x", 1, 1)])

        thread = threading.Thread(target=second)
        thread.start()
        with views.transaction(["p"]) as tx:
            holding.set()
            time.sleep(0.3)
            tx.write(_COUNTS, [("x", 1, 1)])
            tx.set_position("p", "records", 8)
        thread.join(10)
        assert seen == [8]
        assert views.rows(_COUNTS) == [("x", 2, 2)]
