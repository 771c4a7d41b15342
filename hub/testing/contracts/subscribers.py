"""The subscribers' contract (:class:`~hub.storage.ports.SubscriberBook`): the readers of the
outbound feeds and the journal of their changes.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hub.domain.subscribers import NATIONAL, Subscriber
from hub.storage import ports
from hub.storage.chain import JOURNAL
from hub.storage.journal import fold, fold_subscribers
from hub.storage.ports import Store
from hub.testing.contracts.base import StoreFixtures

__all__ = ["SubscriberBookContract"]


class SubscriberBookContract(StoreFixtures):
    """Every backend's registry of subscribers."""

    port = ports.SubscriberBook

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
