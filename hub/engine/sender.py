"""Pushing due ledger rows to a destination through its adapter (the national client).

Commit order around the network call, and why it is safe:
1. transaction A: select due rows (the oldest unfinished version of each record only, so versions
   go out in order), mark them ``sent`` (attempt + 1, due again after the reply timeout), append
   ``delivery.sent`` events; commit;
2. push (outside any transaction), with the rows' idempotency keys;
3. transaction B: settle each row from the reply (``acked``, ``rejected``, ``retrying``,
   ``dead``) and append the events; commit.
A crash between 1 and 3 leaves rows ``sent``; they are pushed again when due, with the same keys,
and the destination answers ``duplicate`` for what it already holds: nothing is lost and nothing
is held twice downstream.

Transaction B also appends the feedback on final outcomes (acked, rejected, dead) to the source,
the events the ``feedback-deliveries`` stage would make of them, and moves that stage past what
it wrote (its position, or with ``by_claim`` on the distributed runtime its claims): the delivery
events are not read back to tell the source.
"""

from __future__ import annotations

import datetime as dt

from hub.domain.values import DeliveryPolicy, DeliveryRow
from hub.engine.fused import in_memory
from hub.engine.stages import FeedbackStage
from hub.engine.steps import Clock, append_followed
from hub.engine.telemetry import DELIVERY_LATENCY, NATIONAL_REPLIES, reply_code
from hub.errors import PermanentDeliveryError, TransientDeliveryError
from hub.events import Codec, Event, derive_id
from hub.events.streams import DELIVERIES, RECORDS
from hub.national.client import NationalClient
from hub.national.protocol import PushItem, PushResult, PushStatus
from hub.processing import delivery
from hub.storage.ports import Store, Transaction

__all__ = ["DeliverySender"]


class DeliverySender:
    def __init__(
        self,
        store: Store,
        codec: Codec,
        client: NationalClient,
        policy: DeliveryPolicy,
        clock: Clock,
        destination: str = delivery.NATIONAL,
        *,
        by_claim: bool = False,
    ) -> None:
        self.store = store
        self.codec = codec
        self.client = client
        self.policy = policy
        self.clock = clock
        self.destination = destination
        self.by_claim = by_claim
        self.feedback = FeedbackStage(DELIVERIES)

    def run_once(self) -> int:
        """Push one batch of due rows; the number of rows pushed (0: nothing due)."""
        now = self.clock()
        with self.store.transaction() as tx:
            due = tx.ledger_due(self.destination, now, self.policy.push_batch)
            if not due:
                return 0
            rows, events = delivery.sent(due, now, self.policy.reply_timeout_s)
            tx.ledger_update(rows)
            self._append(tx, events, now)  # "sent" gives no feedback
        settled, out = self._push(rows)
        now = self.clock()
        recorded = dt.datetime.fromtimestamp(now, dt.UTC)
        with self.store.transaction() as tx:
            tx.ledger_update(settled)
            told = self.feedback.process([in_memory(e, recorded) for e in out], tx)
            self._append(tx, out + told, now)
        self._latencies([r for r in settled if r.state == "acked"], now)
        return len(rows)

    def _latencies(self, acked: list[DeliveryRow], now: float) -> None:
        """``hub_delivery_latency_seconds``: from each acknowledged version's recording (the
        time its event on the records stream was stored; the ledger keeps no times) to now.
        One indexed read per version, by record id; a version not found is not observed."""
        for row in acked:
            for stored in self.store.read_key(RECORDS, row.record_id, 0, row.version + 1):
                event = self.codec.decode_event(RECORDS, stored.position, stored.body)
                if event.payload.get("version") == row.version:
                    DELIVERY_LATENCY.observe(max(now - event.recorded_at.timestamp(), 0.0))
                    break

    def _append(self, tx: Transaction, events: list[Event], now: float) -> None:
        append_followed(tx, self.codec, events, now, self.feedback, by_claim=self.by_claim)

    def _push(self, rows: list[DeliveryRow]) -> tuple[list[DeliveryRow], list[Event]]:
        items = [
            PushItem(
                r.idempotency_key,
                r.record_id,
                r.version,
                r.record_type,
                r.source_id,
                r.content,
                r.operation,
            )
            for r in rows
        ]
        # a re-driven row's pushes are new batches (the destination may remember batch ids)
        batch_id = derive_id(
            "push",
            *(
                f"{r.delivery_id}#{r.attempt}" + (f"@{r.redrives}" if r.redrives else "")
                for r in rows
            ),
        )
        settled: list[tuple[DeliveryRow, Event]] = []
        try:
            results = {r.idempotency_key: r for r in self.client.push(batch_id, items)}
        except TransientDeliveryError as exc:
            NATIONAL_REPLIES.labels(exc.code).inc(len(rows))
            now = self.clock()
            settled = [self._retry(row, exc.message, now, exc.retry_after) for row in rows]
        except PermanentDeliveryError as exc:
            NATIONAL_REPLIES.labels(exc.code).inc(len(rows))
            now = self.clock()
            policy = self.policy
            settled = [
                delivery.dead_or_retry(
                    row, exc.message, now, 0.0, 0, policy.backoff_base_s, policy.backoff_cap_s
                )
                for row in rows
            ]
        else:
            now = self.clock()
            for row in rows:
                result = results[row.idempotency_key]
                _count_reply(result)
                reasons = [f"{r.code}: {r.message}" for r in result.reasons]
                if result.acknowledged:
                    settled.append(delivery.acked(row, result.national_id, now))
                elif result.final:
                    settled.append(delivery.rejected(row, reasons, now))
                else:
                    settled.append(self._retry(row, "; ".join(reasons), now, 0.0))
        return [s[0] for s in settled], [s[1] for s in settled]

    def _retry(
        self, row: DeliveryRow, reason: str, now: float, retry_after: float
    ) -> tuple[DeliveryRow, Event]:
        p = self.policy
        return delivery.dead_or_retry(
            row, reason, now, retry_after, p.max_attempts, p.backoff_base_s, p.backoff_cap_s
        )


def _count_reply(result: PushResult) -> None:
    """``hub_national_replies_total``: the status of an acknowledgement, else each distinct
    reason code of a rejection (bounded: :func:`hub.engine.telemetry.reply_code`)."""
    if result.status is not PushStatus.REJECTED or not result.reasons:
        NATIONAL_REPLIES.labels(result.status.value).inc()
        return
    for code in dict.fromkeys(r.code for r in result.reasons):
        NATIONAL_REPLIES.labels(reply_code(code)).inc()
