"""Processing stages: thin adapters between a stream and a pure processing function.

A stage reads state through the transaction it is given and returns its output events; it never
commits. The loop (``hub.runtime.loop``) owns the transaction and the commit order.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from hub.events import Codec, DecodedEvent, Event
from hub.events.streams import DELIVERIES, RECORDS, SUBMISSIONS, VALIDATED, VERDICTS
from hub.processing import delivery, feedback
from hub.processing.content import avro_to_json
from hub.processing.judge import judge
from hub.processing.resolve import resolve
from hub.standard import Validator
from hub.storage.ports import RegistryEntry, Source, Transaction

__all__ = [
    "FeedbackStage",
    "JudgeStage",
    "PlanDeliveryStage",
    "ResolveStage",
    "Stage",
    "default_stages",
]


class Stage(ABC):
    name: str
    input: str

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
    name, input = "resolve", VALIDATED

    def __init__(self, validator: Validator, codec: Codec) -> None:
        self.standard = validator.standard
        self.codec = codec

    def process(self, batch: list[DecodedEvent], tx: Transaction) -> list[Event]:
        known = tx.registry_get([e.payload["identity_hash"] for e in batch])
        changed: dict[str, RegistryEntry] = {}
        out: list[Event] = []
        for event in batch:
            ihash = event.payload["identity_hash"]
            current = changed.get(ihash) or known.get(ihash)
            record_type = self.standard.record_type(event.payload["record_type"])
            result = resolve(event, current, record_type, self.codec)
            out.append(result.verdict)
            if result.record is not None and result.entry is not None:
                out.append(result.record)
                changed[ihash] = result.entry
        tx.registry_put([(known[h].version if h in known else 0, e) for h, e in changed.items()])
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


def default_stages(validator: Validator, codec: Codec) -> list[Stage]:
    return [
        JudgeStage(validator, codec),
        ResolveStage(validator, codec),
        PlanDeliveryStage(codec),
        FeedbackStage(VERDICTS),
        FeedbackStage(DELIVERIES),
    ]
