"""Queues (issue 15): what is waiting where, and the operator's two actions on it.

:func:`queues` reads: lag per stage and per projection (computed as ``hub status`` does), the
delivery ledger by state, the dead and retrying deliveries with their reasons (newest planned
first, bounded), and the quarantine without bodies (a message body may hold personal data).

:func:`redrive` and :func:`release` act, each in one transaction with its events, so an action is
in the history (``hub trace``) with the operator's name or did not happen:

- **redrive**: dead deliveries (named, or all) go back to ``pending``, due at once, with a fresh
  attempt count; one ``delivery.redriven`` event per row on the ``deliveries`` stream (state
  ``pending``, ``actor`` = the operator, ``reasons`` = why it died). Both runtimes pick the rows
  up from the ledger: the embedded sender and the workers' sender read ``ledger_due``.
- **release**: a quarantined message is read again with the hub's current standard pack (after
  the pack gained the schema it lacked, say). If it now decodes as an event of its stream it
  leaves the quarantine and goes on: embedded, it is appended to its stream in the log (the
  stages read it from there); distributed (``publish`` given), it is written again to the topic
  it came from, where the workers read it like any message (the inbound topic's ``SOURCE.TOPIC``
  rule applies again). If it still does not decode it stays, with the new reason. Either way one
  ``feedback.quarantine_release`` event (``FeedbackIssued`` v4) to the message's source (status
  ``released`` or ``still_quarantined``, the operator and the reason in ``messages``).

Only an enabled ``operator`` account acts (checked in the action's transaction; auditors and
viewers never do). Each action that did something is also journaled with ``record_action``
(``deliveries.redrive``, ``quarantine.release``: who, how many, the first ids) in the chained
journal ``hub audit verify`` checks, in the same transaction. Event ids are deterministic (the
row and its re-drive count; the origin, outcome, reason and operator), so a command retried
after it committed adds nothing.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from hub.domain.accounts import NAME_PATTERN
from hub.domain.values import DeliveryRow, Quarantined
from hub.engine.parts import Engine
from hub.engine.steps import Clock, append_events
from hub.errors import InputError, SerializationError
from hub.events import Codec, DecodedEvent, Event, derive_id
from hub.events.streams import STREAMS
from hub.processing import delivery
from hub.processing.feedback import feedback_event
from hub.processing.inbound import source_of_topic, topic_checked
from hub.projections import ViewStore, all_projections
from hub.settings import HubSettings
from hub.storage.account_rows import record_action
from hub.storage.ports import Store, Transaction

__all__ = [
    "LIST_STATES",
    "MAX_IDS",
    "DeliveryItem",
    "Publish",
    "QuarantineItem",
    "QueueActionError",
    "Queues",
    "RedriveReport",
    "ReleaseReport",
    "checked_actor",
    "queues",
    "redrive",
    "release",
]

#: states ``hub deliveries list`` and :func:`queues` may list
LIST_STATES = ("dead", "retrying", "pending", "sent")
#: the most ids one action may name (bounded before any work)
MAX_IDS = 10_000
_MAX_ID_LEN = 300
_JOURNAL_IDS = 20
#: the most rows one ``--all-dead`` re-drive moves (run it again for more)
MAX_REDRIVE = 10_000

#: a distributed release: write these messages to their topics, return when the broker has them
Publish = Callable[[Sequence[tuple[str, bytes | None, bytes]]], None]


class QueueActionError(InputError):
    """An operator's action refused before any work: a bad actor name or id list."""

    code = "QUEUES.INPUT"


# -- reading --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliveryItem:
    """A ledger row as an operator sees it: never its content."""

    delivery_id: str
    record_id: str
    version: int
    record_type: str
    destination: str
    state: str
    attempt: int
    redrives: int
    reasons: tuple[str, ...]
    source_id: str
    submission_id: str
    next_attempt_at: str | None  # ISO 8601 UTC, for retrying rows

    @classmethod
    def of(cls, row: DeliveryRow) -> DeliveryItem:
        due = None
        if row.state in ("retrying", "sent") and row.next_attempt_at > 0:
            due = dt.datetime.fromtimestamp(row.next_attempt_at, dt.UTC).isoformat()
        return cls(
            row.delivery_id,
            row.record_id,
            row.version,
            row.record_type,
            row.destination,
            row.state,
            row.attempt,
            row.redrives,
            row.reasons,
            row.source_id,
            row.submission_id,
            due,
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["reasons"] = list(self.reasons)
        return out


@dataclass(frozen=True, slots=True)
class QuarantineItem:
    """A quarantined message without its body."""

    origin: str
    stream: str
    reason: str
    bytes: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Queues:
    """Everything the Queues page and ``GET /v1/queues`` show."""

    stage_lag: dict[str, int]
    projection_lag: dict[str, int]
    ledger: dict[str, int]  # rows per state, and ``attempted``
    deliveries: list[DeliveryItem]  # dead and retrying (or the states asked), newest first
    quarantined: int  # how many in all
    quarantine: list[QuarantineItem]  # the first ``limit``, oldest first
    limit: int
    offset: int = 0  # deliveries skipped before this page

    def to_dict(self) -> dict[str, Any]:
        return {
            "lag": {"stages": self.stage_lag, "projections": self.projection_lag},
            "ledger": self.ledger,
            "deliveries": [d.to_dict() for d in self.deliveries],
            "quarantined": self.quarantined,
            "quarantine": [q.to_dict() for q in self.quarantine],
            "limit": self.limit,
            "offset": self.offset,
        }


def queues(
    store: Store,
    views: ViewStore,
    *,
    settings: HubSettings | None = None,
    states: Sequence[str] = ("dead", "retrying"),
    limit: int = 100,
    offset: int = 0,
    engine: Engine | None = None,
) -> Queues:
    """Lag, ledger, deliveries in ``states`` (newest planned first, a page of ``limit`` after
    ``offset``) and the quarantine (at most ``limit``, oldest first). Lag is what ``hub status``
    shows: per stage the events of its input not yet handled (by position embedded, by claimed
    ids distributed), per projection and stream the log's head minus the projection's
    position."""
    bad = [s for s in states if s not in LIST_STATES]
    if bad:
        raise QueueActionError(
            f"未知的交付状态 {bad[0][:20]!r}（可用：{', '.join(LIST_STATES)}） / unknown delivery"
            f" state {bad[0][:20]!r} (one of {', '.join(LIST_STATES)})"
        )
    limit = max(1, min(limit, 1000))
    offset = max(0, min(offset, 1_000_000))
    settings = settings or HubSettings()
    engine = engine or Engine(settings)
    return Queues(
        stage_lag=_stage_lag(store, engine, distributed=bool(settings.kafka_bootstrap)),
        projection_lag={
            f"{p.name}/{s}": store.head(s) - views.positions(p.name).get(s, 0)
            for p in all_projections(engine.codec)
            for s in p.streams
        },
        ledger=store.ledger_counts(),
        deliveries=[DeliveryItem.of(r) for r in store.ledger_page(list(states), limit, offset)],
        quarantined=store.quarantine_count(),
        quarantine=[
            QuarantineItem(e.origin, e.stream, e.reason, e.size)
            for e in store.quarantine_entries(limit)
        ],
        limit=limit,
        offset=offset,
    )


def _stage_lag(store: Store, engine: Engine, *, distributed: bool) -> dict[str, int]:
    every = [s for stage in engine.stages() for s in (stage, *stage.followers)]
    if distributed:  # stages track by event id, not position
        handled = store.handled_counts()
        return {s.name: sum(store.counts(s.input).values()) - handled.get(s.name, 0) for s in every}
    with store.transaction() as tx:
        return {s.name: tx.head(s.input) - tx.position(s.name, s.input) for s in every}


# -- acting: checks ----------------------------------------------------------------------------


def checked_actor(actor: str) -> str:
    """The operator's account name as it goes into the history (the accounts' name rule)."""
    name = actor.strip() if isinstance(actor, str) else ""
    if not NAME_PATTERN.match(name):
        raise QueueActionError(
            f"操作人须为账户名（--by，小写字母开头，仅含小写字母、数字、. _ -，至多 40 字符），"
            f"收到 {name[:60]!r} / the operator (--by) must be an account name matching"
            f" {NAME_PATTERN.pattern}, got {name[:60]!r}"
        )
    return name


def _operator(tx: Transaction, name: str) -> None:
    """Only an enabled operator account acts (auditors and viewers never do: GB/T 39477 keeps
    administration and audit apart); checked in the action's own transaction."""
    account = tx.account(name)
    if account is None or account.disabled or not account.principal.may_act:
        state = "不存在" if account is None else ("已停用" if account.disabled else "不是操作员")
        why = (
            "no such account"
            if account is None
            else ("disabled" if account.disabled else f"a {account.role}, not an operator")
        )
        raise QueueActionError(f"账户 {name} {state}，不能操作 / account {name} may not act: {why}")


def _journal(tx: Transaction, actor: str, action: str, ids: Sequence[str], **more: Any) -> None:
    """The action in the chained journal (``record_action``, checked by ``hub audit verify``),
    its detail bounded: the first :data:`_JOURNAL_IDS` ids and how many in all."""
    target = ids[0] if len(ids) == 1 else f"{len(ids)} items"
    detail = {"count": len(ids), "ids": list(ids[:_JOURNAL_IDS]), **more}
    record_action(tx, actor, action, target[:_MAX_ID_LEN], detail)


def _checked_ids(ids: Sequence[str], what_zh: str, what_en: str) -> list[str]:
    if isinstance(ids, str | bytes):
        raise QueueActionError(f"{what_zh}须为列表 / {what_en} must be a list")
    if len(ids) > MAX_IDS:
        raise QueueActionError(
            f"一次最多 {MAX_IDS} 个{what_zh}，收到 {len(ids)} 个 / at most {MAX_IDS} {what_en}"
            f" at once, got {len(ids)}"
        )
    out: list[str] = []
    for i, value in enumerate(ids):
        if (
            not isinstance(value, str)
            or not value.strip()
            or len(value) > _MAX_ID_LEN
            or not value.isprintable()
        ):
            raise QueueActionError(
                f"第 {i + 1} 个{what_zh}无效（须为 1 至 {_MAX_ID_LEN} 个可打印字符） / {what_en}"
                f" #{i + 1} is invalid (1 to {_MAX_ID_LEN} printable characters)"
            )
        out.append(value.strip())
    return list(dict.fromkeys(out))


# -- redrive -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RedriveReport:
    """What a re-drive did: the rows moved to pending, and the ids named that were not dead
    (``not_dead``: their state now) or not in the ledger (``unknown``)."""

    actor: str
    redriven: list[str] = field(default_factory=list)
    not_dead: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)

    @property
    def moved(self) -> int:
        return len(self.redriven)

    def to_dict(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "redriven": self.redriven,
            "moved": self.moved,
            "not_dead": self.not_dead,
            "unknown": self.unknown,
        }


def redrive(
    store: Store,
    delivery_ids: Sequence[str] | None,
    actor: str,
    *,
    codec: Codec | None = None,
    clock: Clock = time.time,
) -> RedriveReport:
    """Move dead deliveries (``delivery_ids``; None: every dead one, up to
    :data:`MAX_REDRIVE` per call) back to ``pending`` with a fresh attempt count, in one
    transaction with one ``delivery.redriven`` event each naming ``actor``.

    A dead version holds back the record's later versions (the ledger sends versions in order,
    and the national platform takes version n only after n - 1), so a dead version that a newer
    one superseded is re-driven too: it goes out first and the newer ones follow it; none is
    sent twice and none out of order. A row that is not dead is left alone and reported."""
    name = checked_actor(actor)
    ids = None if delivery_ids is None else _checked_ids(delivery_ids, "交付编号", "delivery ids")
    codec = codec or _codec()
    report = RedriveReport(name)
    if ids is not None and not ids:
        return report
    now = clock()
    with store.transaction(durable=True) as tx:
        _operator(tx, name)
        limit = MAX_REDRIVE if ids is None else len(ids)
        dead = tx.ledger_select("dead", ids, limit)
        moved = [delivery.redriven(row, name, now) for row in dead]
        tx.ledger_update([row for row, _ in moved])
        append_events(tx, codec, [event for _, event in moved], now)
        report.redriven.extend(row.delivery_id for row, _ in moved)
        if ids is not None:
            found = {r.delivery_id for r in dead}
            rest = [i for i in ids if i not in found]
            for state in ("pending", "sent", "retrying", "acked", "rejected"):
                if not rest:
                    break
                for row in tx.ledger_select(state, rest, len(rest)):
                    report.not_dead[row.delivery_id] = state
                rest = [i for i in rest if i not in report.not_dead]
            report.unknown.extend(rest)
        if report.redriven:
            _journal(tx, name, "deliveries.redrive", report.redriven)
    return report


# -- release -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReleaseReport:
    """What a release did: ``released`` (origin → the event id now on its stream),
    ``still_quarantined`` (origin → the new reason), ``unknown`` origins."""

    actor: str
    released: dict[str, str] = field(default_factory=dict)
    still_quarantined: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "released": self.released,
            "still_quarantined": self.still_quarantined,
            "unknown": self.unknown,
        }


def release(
    store: Store,
    origins: Sequence[str],
    actor: str,
    *,
    settings: HubSettings | None = None,
    codec: Codec | None = None,
    unwrap: Callable[[bytes], bytes] | None = None,
    publish: Publish | None = None,
    clock: Clock = time.time,
) -> ReleaseReport:
    """Read the quarantined messages of ``origins`` again with ``codec`` (default: the
    settings' standard pack) after ``unwrap`` (a transport's framing, as the workers read it);
    see the module's docstring for what happens to each. One durable transaction: the messages
    that now decode leave the quarantine (embedded: appended to their stream in it), the others
    get their new reason, and every one gets its ``feedback.quarantine_release`` event.
    ``publish`` (distributed) runs inside the transaction, before the commit: a crash between
    the two leaves the message quarantined and written to its topic, where the workers handle
    its event id once, so releasing it again is harmless."""
    name = checked_actor(actor)
    wanted = _checked_ids(origins, "隔离来源", "origins")
    settings = settings or HubSettings()
    codec = codec or _codec(settings)
    report = ReleaseReport(name)
    if not wanted:
        return report
    now = clock()
    occurred = dt.datetime.fromtimestamp(now, dt.UTC)
    prefix = settings.kafka_topic_prefix
    with store.transaction(durable=True) as tx:
        _operator(tx, name)
        held = {m.origin: m for m in tx.quarantine_take(wanted)}
        report.unknown.extend(o for o in wanted if o not in held)
        events: list[Event] = []
        appends: dict[str, list[tuple[str, str, str, str, bytes]]] = {}
        messages: list[tuple[str, bytes | None, bytes]] = []
        for origin in (o for o in wanted if o in held):
            message = held[origin]
            try:
                decoded, body = _reread(message, codec, unwrap, prefix)
            except SerializationError as exc:
                report.still_quarantined[origin] = exc.message
                tx.quarantine_reason(origin, exc.message)
                events.append(_release_event(message, None, name, exc.message, occurred, prefix))
                continue
            e = decoded.event
            report.released[origin] = e.event_id
            appends.setdefault(message.stream, []).append(
                (e.event_id, e.event_type, e.key, e.correlation_id, body)
            )
            messages.append((_topic(origin), message.key, message.body))
            events.append(_release_event(message, decoded, name, "", occurred, prefix))
        if publish is not None:
            if messages:
                publish(messages)
        else:
            for stream, rows in appends.items():
                tx.append(stream, rows)
        tx.quarantine_drop(list(report.released))
        append_events(tx, codec, events, now)
        tried = [*report.released, *report.still_quarantined]
        if tried:
            kept = list(report.still_quarantined)[:_JOURNAL_IDS]
            _journal(tx, name, "quarantine.release", tried, still_quarantined=kept)
    return report


def _topic(origin: str) -> str:
    return origin.rsplit("/", 2)[0]


def _reread(
    message: Quarantined, codec: Codec, unwrap: Callable[[bytes], bytes] | None, prefix: str
) -> tuple[DecodedEvent, bytes]:
    """The message as the workers would read it now: unwrapped, decoded as an event of its
    stream, and on an inbound topic checked against the topic's source (``SOURCE.TOPIC``)."""
    if message.stream not in STREAMS:
        raise SerializationError(f"unknown stream {message.stream[:40]!r}")
    body = message.body if unwrap is None else unwrap(message.body)
    decoded = codec.decode_event(message.stream, 0, body)
    source = source_of_topic(prefix, _topic(message.origin))
    if source is not None:
        admitted = topic_checked(decoded, _topic(message.origin), source)
        if admitted is not decoded:
            return admitted, codec.encode_event(admitted.event, admitted.recorded_at)
    return decoded, body


def _release_event(
    message: Quarantined,
    decoded: DecodedEvent | None,
    actor: str,
    reason: str,
    occurred: dt.datetime,
    prefix: str,
) -> Event:
    """``feedback.quarantine_release`` to the message's source: the inbound topic's source, else
    the one the event names when it decodes; empty when neither says."""
    payload = decoded.payload if decoded is not None else {}
    source = source_of_topic(prefix, _topic(message.origin)) or str(payload.get("source_id") or "")
    status = "released" if decoded is not None else "still_quarantined"
    submission = (
        decoded.event.correlation_id if decoded is not None else f"quarantine:{message.origin}"
    )
    messages = [
        f"由 {actor} 放行 / released by {actor}"
        if decoded is not None
        else f"{actor} 放行未成功，仍隔离 / release by {actor} failed: still quarantined",
        f"来源 / origin: {message.origin}",
    ]
    if reason:
        messages.append(reason)
    return feedback_event(
        feedback_id=derive_id("qrel", message.origin, status, reason, actor),
        source_id=source,
        kind="quarantine_release",
        submission_id=submission,
        record_id=payload.get("record_id"),
        version=payload.get("version"),
        status=status,
        messages=messages,
        correlation_id=submission,
        occurred_at=occurred,
        causation_id=decoded.event_id if decoded is not None else None,
        producer="hub.release",
    )


def _codec(settings: HubSettings | None = None) -> Codec:
    from hub.events import load_codec

    return load_codec((settings or HubSettings()).standard().root)
