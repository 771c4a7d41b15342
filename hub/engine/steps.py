"""One step of a stage, and how events are appended.

Two ways to feed a stage the same pure processing: :func:`step` reads its input from the event
log by position (the embedded runtime, and PostgreSQL alone); :func:`step_delivered` takes a batch
a transport delivered (Kafka, in ``hub worker``), which may redeliver, so it tracks by event id.

Commit order of one step (one transaction: SQLite ``BEGIN IMMEDIATE`` ... ``COMMIT``):
1. read the stage's position in its input stream; for a fused stage (one with followers), first
   the followers' positions: a follower behind the head of its input (events an older hub wrote,
   or a per-stage step left) runs its own batch in this step instead, so catching up comes first;
2. read the next batch after the position and decode it;
3. call the stage (pure functions; state read through the transaction);
4. append the outputs to their streams (an existing event id is skipped: already done);
5. write the stage's state (registry, ledger) and its new position, and the followers' (the heads
   of their inputs: they are caught up by construction);
6. commit: all of it, or, after a crash anywhere before, none of it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from hub.domain.values import Quarantined
from hub.engine.stages import Stage
from hub.errors import ConcurrencyError, SerializationError
from hub.events import Codec, DecodedEvent, Event
from hub.storage.ports import EventLog, Store, Transaction

__all__ = ["Clock", "Delivered", "append_events", "append_followed", "step", "step_delivered"]

Clock = Callable[[], float]
T = TypeVar("T")


def append_events(tx: EventLog, codec: Codec, events: Sequence[Event], now: float) -> int:
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


def append_followed(
    tx: Transaction,
    codec: Codec,
    events: Sequence[Event],
    now: float,
    follower: Stage,
    *,
    by_claim: bool,
) -> None:
    """Append ``events``, which hold ``follower``'s outputs for those of them in its input
    stream already, and move ``follower`` past them: by claiming their ids (on a transport), or
    by moving its position to the new head if it stood at the head before (else it is behind on
    events someone else wrote and catches up by itself; redoing these adds nothing, ids are
    deterministic)."""
    if by_claim:
        append_events(tx, codec, events, now)
        tx.claim(follower.name, [e.event_id for e in events if e.stream == follower.input])
        return
    at, head = tx.position(follower.name, follower.input), tx.head(follower.input)
    append_events(tx, codec, events, now)
    if at == head:
        tx.set_position(follower.name, follower.input, tx.head(follower.input))


def step(
    store: Store, codec: Codec, stage: Stage, batch_size: int, clock: Clock, attempts: int = 5
) -> int:
    """Process one batch of a stage; the number of input events consumed. A compare-and-set
    conflict (another writer got there first) rolls the batch back and runs it again on fresh
    state."""
    return _retrying(lambda: _step(store, codec, stage, batch_size, clock), attempts)


def _retrying(run: Callable[[], T], attempts: int) -> T:
    """``run``, again on a compare-and-set conflict (nothing was committed), ``attempts`` times."""
    for _ in range(attempts - 1):
        try:
            return run()
        except ConcurrencyError:
            continue
    return run()


def _step(store: Store, codec: Codec, stage: Stage, batch_size: int, clock: Clock) -> int:
    with store.transaction() as tx:
        for follower in stage.followers:
            if tx.position(follower.name, follower.input) < tx.head(follower.input):
                return _batch(tx, codec, follower, batch_size, clock)
        done = _batch(tx, codec, stage, batch_size, clock)
        if done:
            for follower in stage.followers:
                tx.set_position(follower.name, follower.input, tx.head(follower.input))
    return done


def _batch(tx: Transaction, codec: Codec, stage: Stage, batch_size: int, clock: Clock) -> int:
    """Steps 2-5 for one stage, in ``tx``; the number of input events consumed."""
    after = tx.position(stage.name, stage.input)
    stored = tx.read(stage.input, after, batch_size)
    if not stored:
        return 0
    batch = [codec.decode_event(stage.input, s.position, s.body) for s in stored]
    now = clock()
    stage.stamp(dt.datetime.fromtimestamp(now, dt.UTC))
    append_events(tx, codec, stage.process(batch, tx), now)
    tx.set_position(stage.name, stage.input, stored[-1].position)
    return len(stored)


@dataclass(frozen=True, slots=True)
class Delivered:
    """A message as a transport delivered it: ``origin`` says where from (``topic/partition/
    offset``), the value should be one encoded event of the stage's input stream."""

    origin: str
    key: bytes | None
    value: bytes


def step_delivered(
    store: Store,
    codec: Codec,
    stage: Stage,
    messages: Sequence[Delivered],
    clock: Clock,
    *,
    keep_input: bool = False,
    unwrap: Callable[[bytes], bytes] | None = None,
    admit: Callable[[str, DecodedEvent], DecodedEvent] | None = None,
    attempts: int = 5,
) -> tuple[int, int]:
    """Process a delivered batch; ``(events processed now, messages quarantined now)``.

    Commit order (one transaction):
    1. decode each message (after ``unwrap``, which turns a transport's framing into
       single-object encoding); one that is not an event of the input stream is quarantined
       with its reason (the partition goes on); ``admit`` (origin, event) may give the event
       to process and keep instead (a submission on another source's inbound topic, marked:
       :mod:`hub.processing.inbound`), which is encoded again;
    2. claim the events' ids for this stage: ids handled before (a redelivery after a crash or a
       rebalance) are skipped, and a racing worker with the same batch waits, then skips them;
    3. call the stage on the claimed events, in delivery order;
    4. with ``keep_input`` (the stage whose input arrives only on the transport, i.e. judge on
       submissions), append the input events to the log too, so the log holds every submission;
       append the stage's outputs; claim their ids for the stage's followers;
    5. commit, durably (PostgreSQL's ``synchronous_commit`` on). Kafka offsets are committed
       after this returns; a crash before that redelivers the batch, which step 2 turns into a
       no-op.
    """
    events: list[tuple[DecodedEvent, bytes]] = []
    bad: list[Quarantined] = []
    for message in messages:
        try:
            body = message.value if unwrap is None else unwrap(message.value)
            decoded = codec.decode_event(stage.input, 0, body)
            if admit is not None:
                admitted = admit(message.origin, decoded)
                if admitted is not decoded:
                    body = codec.encode_event(admitted.event, admitted.recorded_at)
                    decoded = admitted
            events.append((decoded, body))
        except SerializationError as exc:
            bad.append(
                Quarantined(message.origin, stage.input, exc.message, message.key, message.value)
            )
    return _retrying(
        lambda: _step_delivered(store, codec, stage, events, bad, clock, keep_input), attempts
    )


def _step_delivered(
    store: Store,
    codec: Codec,
    stage: Stage,
    events: list[tuple[DecodedEvent, bytes]],
    bad: list[Quarantined],
    clock: Clock,
    keep_input: bool,
) -> tuple[int, int]:
    # durable: the transport's offsets are committed once this returns, and a commit the database
    # lost in a crash after that would not be delivered again
    with store.transaction(durable=True) as tx:
        quarantined = tx.quarantine(bad) if bad else 0
        new = tx.claim(stage.name, [e.event_id for e, _ in events])
        batch: list[DecodedEvent] = []
        inputs: list[tuple[str, str, str, str, bytes]] = []
        for decoded, body in events:
            if decoded.event_id in new:
                new.discard(decoded.event_id)  # a message delivered twice in one batch: once
                batch.append(decoded)
                e = decoded.event
                inputs.append((e.event_id, e.event_type, e.key, e.correlation_id, body))
        if not batch:
            return 0, quarantined
        now = clock()
        stage.stamp(dt.datetime.fromtimestamp(now, dt.UTC))
        outputs = stage.process(batch, tx)
        # appends last: on PostgreSQL an append locks its stream until the commit, so workers
        # on other partitions run their stages side by side and queue only for the appends
        if keep_input:
            tx.append(stage.input, inputs)
        append_events(tx, codec, outputs, now)
        for follower in stage.followers:  # as if each had been delivered its input and run
            tx.claim(follower.name, [e.event_id for e in outputs if e.stream == follower.input])
    return len(batch), quarantined
