"""Processing stages: thin adapters between a stream and a pure processing function.

A stage reads state through the transaction it is given and returns its output events; it never
commits. The loop (``hub.engine.steps``) owns the transaction and the commit order.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod

from hub.domain.values import RegistryEntry, Source
from hub.events import Codec, DecodedEvent, Event
from hub.events.streams import RECORDS, SUBMISSIONS, VALIDATED, VERDICTS
from hub.processing import delivery, feedback, ownership
from hub.processing.content import avro_to_json
from hub.processing.judge import judge
from hub.processing.resolve import resolve
from hub.standard import Validator
from hub.storage.ports import Transaction

__all__ = [
    "FeedbackStage",
    "JudgeStage",
    "PlanDeliveryStage",
    "ResolveStage",
    "Stage",
]


class Stage(ABC):
    """``name`` keys the stage's position (or claims); ``input`` is the stream it reads.

    ``followers``: the stages whose input this one produces and runs itself, in memory (the
    fused stage, :mod:`hub.engine.fused`); their positions or claims move with its step."""

    name: str
    input: str
    followers: tuple[Stage, ...] = ()

    def stamp(self, recorded_at: dt.datetime) -> None:
        """The time this step's outputs will be recorded at; only a stage that hands its own
        outputs on in memory needs it."""
        return None

    @abstractmethod
    def process(self, batch: list[DecodedEvent], tx: Transaction) -> list[Event]: ...


class JudgeStage(Stage):
    name, input = "judge", SUBMISSIONS

    def __init__(self, validator: Validator, codec: Codec) -> None:
        self.validator = validator
        self.codec = codec

    def process(self, batch: list[DecodedEvent], tx: Transaction) -> list[Event]:
        sources: dict[str, Source | None] = {}
        out = []
        for event in batch:
            source_id = event.payload["source_id"]
            if source_id not in sources:
                sources[source_id] = tx.source(source_id)
            out.append(judge(event, self.validator, self.codec, sources[source_id]))
        return out


class ResolveStage(Stage):
    """Resolution with ownership: the registry is read once per batch for the identities and for
    the parents that own child types; the sources once per batch too."""

    name, input = "resolve", VALIDATED

    def __init__(self, validator: Validator, codec: Codec) -> None:
        self.standard = validator.standard
        self.tz = validator.policy.timezone
        self.codec = codec

    def process(self, batch: list[DecodedEvent], tx: Transaction) -> list[Event]:
        parents = self._parents(batch)
        known = tx.registry_get(
            [e.payload["identity_hash"] for e in batch] + sorted(set(parents.values()))
        )
        sources: dict[str, Source | None] = {}
        changed: dict[str, RegistryEntry] = {}
        out: list[Event] = []
        for event in batch:
            ihash = event.payload["identity_hash"]
            current = changed.get(ihash) or known.get(ihash)
            record_type = self.standard.record_type(event.payload["record_type"])
            parent_hash = parents.get(event.event_id)
            parent = (changed.get(parent_hash) or known.get(parent_hash)) if parent_hash else None
            source_id = event.payload["source_id"]
            if source_id not in sources:
                sources[source_id] = tx.source(source_id)
            owner = ownership.owner_region(record_type, current, parent)
            result = resolve(
                event, current, record_type, self.codec, source=sources[source_id], owner=owner
            )
            out.append(result.verdict)
            if result.refused is not None:
                out.extend(
                    ownership.notices(event, record_type, result.refused, current, tx.all_sources())
                )
            if result.record is not None and result.entry is not None:
                out.append(result.record)
                changed[ihash] = result.entry
        tx.registry_put([(known[h].version if h in known else 0, e) for h, e in changed.items()])
        return out

    def _parents(self, batch: list[DecodedEvent]) -> dict[str, str]:
        """event id -> the identity hash of the record that owns it, for child types only."""
        out: dict[str, str] = {}
        for event in batch:
            record_type = self.standard.record_type(event.payload["record_type"])
            if record_type.owner_parent is None:
                continue
            _, typed = self.codec.decode(event.payload["content"])
            parent = ownership.parent_identity(
                self.standard, record_type, avro_to_json(typed), self.tz
            )
            if parent is not None:
                out[event.event_id] = parent
        return out


class PlanDeliveryStage(Stage):
    input = RECORDS

    def __init__(self, codec: Codec, destination: str = delivery.NATIONAL) -> None:
        self.codec = codec
        self.destination = destination
        self.name = f"plan-{destination}"

    def process(self, batch: list[DecodedEvent], tx: Transaction) -> list[Event]:
        rows, out = [], []
        for event in batch:
            _, typed = self.codec.decode(event.payload["content"])
            row, planned = delivery.plan(event, avro_to_json(typed), self.destination)
            rows.append(row)
            out.append(planned)
        tx.ledger_insert(rows)
        return out


class FeedbackStage(Stage):
    def __init__(self, input_stream: str) -> None:
        self.input = input_stream
        self.name = f"feedback-{input_stream}"

    def process(self, batch: list[DecodedEvent], tx: Transaction) -> list[Event]:
        if self.input == VERDICTS:
            return [feedback.from_verdict(e) for e in batch]
        return [f for e in batch if (f := feedback.from_delivery(e)) is not None]
