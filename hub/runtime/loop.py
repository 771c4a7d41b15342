"""The processing loop's one step, and how events are appended.

Commit order of one step (one SQLite transaction, ``BEGIN IMMEDIATE`` ... ``COMMIT``):
1. read the stage's position in its input stream;
2. read the next batch after it and decode it;
3. call the stage (pure functions; state read through the transaction);
4. append the outputs to their streams (an existing event id is skipped: already done);
5. write the stage's state (registry, ledger) and its new position;
6. commit: all of it, or, after a crash anywhere before, none of it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence

from hub.errors import ConcurrencyError
from hub.events import Codec, Event
from hub.runtime.stages import Stage
from hub.storage.ports import Store, Transaction

__all__ = ["Clock", "append_events", "step"]

Clock = Callable[[], float]


def append_events(tx: Transaction, codec: Codec, events: Sequence[Event], now: float) -> int:
    """Append events to their streams, stamped ``recorded_at``; the number that were new."""
    recorded = dt.datetime.fromtimestamp(now, dt.UTC)
    by_stream: dict[str, list[tuple[str, str, str, str, bytes]]] = defaultdict(list)
    for event in events:
        by_stream[event.stream].append(
            (
                event.event_id,
                event.event_type,
                event.key,
                event.correlation_id,
                codec.encode_event(event, recorded),
            )
        )
    return sum(tx.append(stream, rows) for stream, rows in by_stream.items())


def step(
    store: Store, codec: Codec, stage: Stage, batch_size: int, clock: Clock, attempts: int = 5
) -> int:
    """Process one batch of a stage; the number of input events consumed. A compare-and-set
    conflict (another writer got there first) rolls the batch back and runs it again on fresh
    state."""
    for attempt in range(attempts):
        try:
            return _step(store, codec, stage, batch_size, clock)
        except ConcurrencyError:
            if attempt == attempts - 1:
                raise
    return 0


def _step(store: Store, codec: Codec, stage: Stage, batch_size: int, clock: Clock) -> int:
    with store.transaction() as tx:
        after = tx.position(stage.name, stage.input)
        stored = tx.read(stage.input, after, batch_size)
        if not stored:
            return 0
        batch = [codec.decode_event(stage.input, s.position, s.body) for s in stored]
        outputs = stage.process(batch, tx)
        append_events(tx, codec, outputs, clock())
        tx.set_position(stage.name, stage.input, stored[-1].position)
    return len(stored)
