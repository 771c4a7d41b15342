"""The runtime contract on the embedded runtime, and what only the embedded one has (files,
replay, audit, trace)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.national.sim import SimConfig
from hub.testing.contracts.runtime import MakeHarness, RuntimeContract
from hub.testing.harness import EmbeddedHarness


class TestEmbeddedRuntime(RuntimeContract):
    @pytest.fixture
    def make_harness(self, tmp_path: Path) -> Iterator[MakeHarness]:
        made: list[EmbeddedHarness] = []

        def make(sim: SimConfig | None = None, **settings: Any) -> EmbeddedHarness:
            harness = EmbeddedHarness(tmp_path / f"hub{len(made)}", sim, **settings)
            made.append(harness)
            return harness

        yield make
        for harness in made:
            harness.close()
