"""How far each stage and each read model is behind the log: what ``hub status`` shows and
``hub_stage_lag`` / ``hub_projection_lag`` export.

Kept in the engine, which knows the stages and how each tracks its input, so both the embedded
front and the metrics collector read it without the front importing the collector.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from hub.projections.ports import ViewStore
from hub.storage.ports import Store

if TYPE_CHECKING:
    from hub.engine.stages import Stage

__all__ = ["lags", "stage_inputs"]


def stage_inputs(stages: Iterable[Stage]) -> list[tuple[str, str]]:
    """``(stage name, input stream)`` of every stage and of the followers it runs itself."""
    return [(s.name, s.input) for stage in stages for s in (stage, *stage.followers)]


def lags(
    store: Store,
    views: ViewStore,
    stages: Sequence[tuple[str, str]],
    projections: Sequence[tuple[str, Sequence[str]]],
    *,
    distributed: bool,
) -> tuple[dict[str, int], dict[str, int]]:
    """Events waiting per stage and per ``projection/stream``: what ``hub status`` shows and
    ``hub_stage_lag`` / ``hub_projection_lag`` export.

    Embedded (and PostgreSQL without Kafka) a stage reads by position: its lag is the stream's
    head less its position. Distributed, stages track the events they handled by id (Kafka
    delivers them in no global order): the events in the log less those handled."""
    stage_lag: dict[str, int] = {}
    if distributed:
        handled = store.handled_counts()
        for name, stream in stages:
            stage_lag[name] = sum(store.counts(stream).values()) - handled.get(name, 0)
    else:
        with store.transaction() as tx:
            for name, stream in stages:
                stage_lag[name] = tx.head(stream) - tx.position(name, stream)
    heads: dict[str, int] = {}
    view_lag: dict[str, int] = {}
    for name, streams in projections:
        at = views.positions(name)
        for stream in streams:
            if stream not in heads:
                heads[stream] = store.head(stream)
            view_lag[f"{name}/{stream}"] = heads[stream] - at.get(stream, 0)
    return stage_lag, view_lag
