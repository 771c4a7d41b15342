"""The fused step: a batch of submissions through judge, resolve, delivery planning and verdict
feedback in memory, in one transaction.

The history is what the staged engine writes: the same streams, the same deterministic event ids,
the same events (``tests/runtime/test_engine.py`` compares the two byte for byte). What changes is
the number of hops: a validated submission goes to resolution as the object judge made, not as
bytes appended, read back and decoded; the registry is read once for the batch and written once
(compare-and-set kept); one commit covers all four stages. The four stages keep their names, and
their positions (or, on a transport, their claims) move with the step, so a hub can go back to
per-stage steps, and per-stage steps still catch up with events a previous version wrote
(:func:`hub.engine.steps.append_followed` moves a follower only if it stood at the head; one
behind runs its own batches first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from hub.engine.stages import FeedbackStage, JudgeStage, PlanDeliveryStage, ResolveStage, Stage
from hub.events import Codec, DecodedEvent, Event
from hub.events.streams import DELIVERIES, RECORDS, SUBMISSIONS, VALIDATED, VERDICTS
from hub.standard import Validator
from hub.storage.ports import Transaction

__all__ = ["FusedStage", "in_memory"]


def in_memory(event: Event, recorded_at: dt.datetime) -> DecodedEvent:
    """An event as the next stage would read it back, without the round trip through bytes.

    Position 0: no stage reads an input's position (positions belong to the log)."""
    return DecodedEvent(event.stream, 0, event, recorded_at)


class FusedStage(Stage):
    """Judge → resolve → plan → feedback on verdicts (and on deliveries), as one stage on
    submissions.

    ``followers`` are the stages whose input this step produces; a step moves their positions (or
    claims their input ids) together with its own, as if each had run."""

    name, input = "judge", SUBMISSIONS

    def __init__(self, validator: Validator, codec: Codec) -> None:
        self.judge = JudgeStage(validator, codec)
        self.resolve = ResolveStage(validator, codec)
        self.plan = PlanDeliveryStage(codec)
        self.feedback = FeedbackStage(VERDICTS)
        self.delivered = FeedbackStage(DELIVERIES)  # the sender feeds it too (see its docstring)
        self.followers: tuple[Stage, ...] = (
            self.resolve,
            self.plan,
            self.feedback,
            self.delivered,
        )
        self.recorded_at = dt.datetime.now(dt.UTC)

    def stamp(self, recorded_at: dt.datetime) -> None:
        """The time the step's outputs will be recorded at (the in-memory events carry it)."""
        self.recorded_at = recorded_at

    def process(self, batch: list[DecodedEvent], tx: Transaction) -> list[Event]:
        judged = self.judge.process(batch, tx)
        resolved = self.resolve.process(self._of(judged, VALIDATED), tx)
        planned = self.plan.process(self._of(resolved, RECORDS), tx)
        told = self.feedback.process(self._of(judged, VERDICTS) + self._of(resolved, VERDICTS), tx)
        told += self.delivered.process(self._of(planned, DELIVERIES), tx)  # none for "pending"
        return judged + resolved + planned + told

    def _of(self, events: Sequence[Event], stream: str) -> list[DecodedEvent]:
        return [in_memory(e, self.recorded_at) for e in events if e.stream == stream]
