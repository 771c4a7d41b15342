"""Tasks and risk clues pushed down by the national platform become feedback to the sources.

The national platform issues tasks (``GET /v1/tasks`` after a cursor). Each goes, as a feedback
event of kind ``task`` or ``risk_clue``, to every registered source whose area covers the task's
region and that may submit its record type: a task for a county reaches that county's systems,
its city's and its province's; a source reads it from its feedback like a verdict. The events and
the cursor commit in one transaction, and event ids derive from the task and the source, so two
processes pulling at once, or a crash, deliver each task once per source.
"""

from __future__ import annotations

import datetime as dt

from hub.domain.values import Source
from hub.engine.steps import Clock, append_events
from hub.errors import DeliveryError
from hub.events import Codec, Event, derive_id
from hub.national.client import NationalClient
from hub.national.protocol import Task
from hub.processing.feedback import feedback_event
from hub.storage.ports import Store

__all__ = ["CURSOR", "TaskPuller", "task_feedback"]

CURSOR = "national:tasks"


def task_feedback(task: Task, sources: list[Source]) -> list[Event]:
    """The feedback events of one task (pure): one per source that covers it."""
    out = []
    for source in sources:
        if not source.covers(task.region_code):
            continue
        if task.record_type is not None and not source.may_submit(task.record_type):
            continue
        out.append(
            feedback_event(
                feedback_id=derive_id("fb-task", task.task_id, source.source_id),
                source_id=source.source_id,
                kind=task.kind,
                submission_id=task.task_id,
                record_id=None,
                version=None,
                status="issued",
                messages=[f"{task.title}: {task.detail}" if task.detail else task.title],
                correlation_id=task.task_id,
                occurred_at=dt.datetime.fromisoformat(task.issued_at),
                causation_id=None,
                producer="hub.tasks",
            )
        )
    return out


class TaskPuller:
    """Pulls at most every ``interval_s``; :meth:`run_once` returns the tasks taken."""

    def __init__(
        self,
        store: Store,
        codec: Codec,
        client: NationalClient,
        clock: Clock,
        interval_s: float = 5.0,
    ) -> None:
        self.store = store
        self.codec = codec
        self.client = client
        self.clock = clock
        self.interval_s = interval_s
        self._next = 0.0

    def run_once(self) -> int:
        now = self.clock()
        if now < self._next:
            return 0
        with self.store.transaction() as tx:
            after = int(tx.cursor(CURSOR) or 0)
        try:
            page = self.client.tasks(after)
        except DeliveryError:
            self._next = now + self.interval_s  # the platform is away: try again later
            return 0
        if not page.items:
            self._next = now + self.interval_s
            return 0
        sources = self.store.sources()
        events = [e for task in page.items for e in task_feedback(task, sources)]
        with self.store.transaction(durable=True) as tx:
            append_events(tx, self.codec, events, now)
            tx.set_cursor(CURSOR, str(page.next_cursor))
        return len(page.items)
