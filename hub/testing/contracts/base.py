"""What every storage contract suite shares: the fixtures a backend provides, and sample rows.

A contract suite is a class of tests for one port (:data:`port` names it). A backend's test
module subclasses it together with a class giving the fixtures of :class:`StoreFixtures` (or
:class:`ViewFixtures` for the read models): the handle under test, and a factory opening a second
handle on the same database (another process, as far as the backend can tell), closed by the
fixture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import ClassVar

import pytest

from hub.domain.values import DeliveryRow, Quarantined
from hub.projections.ports import ViewStore
from hub.storage.ports import Store

__all__ = [
    "Contract",
    "StoreFixtures",
    "ViewFixtures",
    "ledger_row",
    "operators_ledger",
    "two_quarantined",
]


class Contract:
    """A contract suite: the port whose every method its tests exercise."""

    port: ClassVar[type]


class StoreFixtures(Contract):
    """The fixtures of the storage suites, to be given by a backend."""

    @pytest.fixture
    def store(self) -> Iterator[Store]:
        """The store under test, on a fresh database (closed by the fixture)."""
        raise NotImplementedError

    @pytest.fixture
    def second_store(self) -> Iterator[Callable[[], Store]]:
        """Opens another handle on the same database as ``store`` (closed by the fixture)."""
        raise NotImplementedError


class ViewFixtures(Contract):
    """The fixtures of the read-model suites, to be given by a backend."""

    @pytest.fixture
    def views(self) -> Iterator[ViewStore]:
        """The read-model store under test, on a fresh database (closed by the fixture)."""
        raise NotImplementedError

    @pytest.fixture
    def second_views(self) -> Iterator[Callable[[], ViewStore]]:
        """Opens another handle on the same database as ``views`` (closed by the fixture)."""
        raise NotImplementedError


def ledger_row(
    record_id: str, version: int, state: str = "pending", due: float = 0.0
) -> DeliveryRow:
    """A delivery ledger row of ``record_id``'s ``version`` for the national platform."""
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


def operators_ledger(store: Store) -> None:
    """Nine ledger rows in turn dead, retrying and acked (``r0`` to ``r8``), ``r0`` redriven
    twice: what the operators' lists and actions are tried on."""
    with store.transaction() as tx:
        tx.ledger_insert(
            [ledger_row(f"r{i}", 1, state=("dead", "retrying", "acked")[i % 3]) for i in range(9)]
        )
        tx.ledger_update([replace(ledger_row("r0", 1, state="dead"), redrives=2, reasons=("x",))])


def two_quarantined(store: Store) -> tuple[Quarantined, Quarantined]:
    """Quarantine two messages (origins ``t/0/1`` and ``t/0/2``, bodies of 5 and 2 bytes)."""
    a = Quarantined("t/0/1", "submissions", "bad", b"k", b"\x00" * 5)
    b = Quarantined("t/0/2", "submissions", "worse", None, b"zz")
    with store.transaction() as tx:
        tx.quarantine([a, b])
    return a, b
