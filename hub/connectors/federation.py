"""Hub-to-hub federation: a lower hub's record history is a higher hub's input.

A city hub in the distributed runtime publishes every canonical version on its ``<prefix>records``
topic (``RecordVersioned``: the content, the version's hash chain, the source and submission that
made it, and whether it retracts the record). The provincial hub, given read access to that
topic, runs this connector: each version becomes one submission of the **federation source**
registered at the province for the lower hub (least privilege applies: a city hub may send only
its region's records), so

- the province deduplicates against its own sources' records as usual ("enter once");
- the submission keeps where it came from: ``source_record_id`` is the lower hub's record id
  (``hub trace CITY_HUB_SOURCE:rec-…`` finds it) and ``origin`` names the lower hub, its record,
  version, version hash, and the source and submission that made that version there;
- a retracted version is a delete submission (the history topic keeps the content, so the
  province can find the record; a feed's tombstone could not);
- a version read twice is stored once (its submission id derives from the lower record id and
  version); offsets are committed only after the submissions are durable (at least once).

Why the history topic and not an ``out.*`` feed: feeds are shaped for subscribers (personal data
masked for departments) and a retraction there is a tombstone without content.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from hub.connectors.submissions import submission_event
from hub.domain.values import Quarantined
from hub.engine.sink import SubmissionSink, sink_for
from hub.errors import BrokerUnavailableError, SerializationError
from hub.events import Codec, DecodedEvent, Event
from hub.events.streams import RECORDS
from hub.kafka.wire import WireFormat
from hub.processing.content import avro_to_json
from hub.settings import HubSettings
from hub.storage.ports import Store, Transaction

__all__ = ["Federation", "version_submission"]


def version_submission(
    source_id: str, origin_hub: str, version: DecodedEvent, codec: Codec, received_at: dt.datetime
) -> Event:
    """One lower-hub version as a submission of the federation source (pure)."""
    p = version.payload
    _, typed = codec.decode(p["content"])
    return submission_event(
        source_id=source_id,
        record_type=p["record_type"],
        channel="federation",
        batch_id=f"federation:{origin_hub}:{p['record_id']}:{p['version']}",
        index=1,
        raw=orjson.dumps(avro_to_json(typed)),
        content_type="application/json; charset=utf-8",
        received_at=received_at,
        source_record_id=p["record_id"],
        operation="delete" if p["retracted"] else "upsert",
        origin={
            "hub": origin_hub,
            "record_id": p["record_id"],
            "version": p["version"],
            "version_hash": p["version_hash"],
            "source_id": p["source_id"],
            "submission_id": p["submission_id"],
        },
    )


class Federation:
    """Reads the lower hub's ``<prefix>records`` topic and stores its versions here."""

    def __init__(
        self,
        settings: HubSettings,
        store: Store,
        codec: Codec,
        wire: WireFormat,
        *,
        source_id: str,
        origin_hub: str,
        bootstrap: str,
        prefix: str,
        batch: int = 500,
        security: dict[str, Any] | None = None,
        sink: SubmissionSink | None = None,
    ) -> None:
        """``security``: the client options for the lower hub's Kafka
        (:func:`hub.kafka.security.aiokafka_options` of its settings; none: plaintext).
        ``sink``: where the submissions go (default: the one the settings choose, closed at
        the end of each :meth:`run`)."""
        self.settings = settings
        self.store = store
        self.codec = codec
        self._own_sink = sink is None
        self.sink = sink if sink is not None else sink_for(settings, store, codec)
        self.wire = wire
        self.source_id = source_id
        self.origin_hub = origin_hub
        self.bootstrap = bootstrap
        self.topic = f"{prefix}{RECORDS}"
        self.group = f"federation.{settings.kafka_group}.{source_id}"
        self.batch = batch
        self.security = dict(security or {})

    def run(self, until_idle: bool = False) -> tuple[int, int]:
        """Consume until the process stops (or, with ``until_idle``, until caught up);
        ``(versions read, submissions new here)``."""
        try:
            return asyncio.run(self._run(until_idle))
        except KafkaError as exc:
            raise BrokerUnavailableError(f"the lower hub's Kafka did not answer: {exc!r}") from exc
        finally:
            if self._own_sink:
                self.sink.close()  # a sink on Kafka starts its producer again on next use

    async def _run(self, until_idle: bool) -> tuple[int, int]:
        consumer = AIOKafkaConsumer(
            self.topic,
            bootstrap_servers=self.bootstrap,
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **self.security,
        )
        await consumer.start()
        read = new = 0
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=1000, max_records=self.batch)
                messages = [m for part in batches.values() for m in part]
                if messages:
                    read += len(messages)
                    new += await asyncio.to_thread(self._store, messages)
                    await consumer.commit()  # only after the submissions are durable
                elif until_idle and await self._caught_up(consumer):
                    break
        finally:
            await consumer.stop()
        return read, new

    @staticmethod
    async def _caught_up(consumer: AIOKafkaConsumer) -> bool:
        assigned = list(consumer.assignment())
        if not assigned:
            return False  # the group is still forming
        ends = await consumer.end_offsets(assigned)
        return all([await consumer.position(tp) >= ends[tp] for tp in assigned])

    def _store(self, messages: Sequence[Any]) -> int:
        now = dt.datetime.now(dt.UTC)
        events: list[Event] = []
        bad: list[Quarantined] = []
        for m in messages:
            origin = f"{m.topic}/{m.partition}/{m.offset}"
            try:
                version = self.codec.decode_event(RECORDS, 0, self.wire.inbound(m.value))
                events.append(
                    version_submission(self.source_id, self.origin_hub, version, self.codec, now)
                )
            except SerializationError as exc:
                bad.append(Quarantined(origin, RECORDS, exc.message, m.key, m.value or b""))

        def keep_bad(tx: Transaction) -> None:
            if bad:
                tx.quarantine(bad)

        return self.sink.store(events, also=keep_bad).received
