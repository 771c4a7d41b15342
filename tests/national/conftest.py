"""Fixtures for the national push tests: real simulators on loopback, and push items."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hub.national.protocol import PushItem, idempotency_key
from hub.national.sim import RunningSim, SimConfig, start_sim

StartSim = Callable[..., RunningSim]
MakeItem = Callable[..., PushItem]


@pytest.fixture
def start() -> Iterator[StartSim]:
    """Start simulators (``SimConfig`` keywords); every one still running is stopped afterwards."""
    started: list[RunningSim] = []

    def make(**settings: Any) -> RunningSim:
        sim = start_sim(SimConfig(**settings))
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def item() -> MakeItem:
    """A push item for a record version, with harmless content unless told otherwise."""

    def make(record_id: str, version: int = 1, content: Any = None) -> PushItem:
        return PushItem(
            idempotency_key=idempotency_key(record_id, version),
            record_id=record_id,
            version=version,
            record_type="hazard",
            source_id="src-330100",
            content={"title": "隐患", "version": version} if content is None else content,
        )

    return make
