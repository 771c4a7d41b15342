"""Connectors in the distributed runtime: submissions go to the ``submissions`` topic.

A batch counts as received when the broker acknowledged all of it (``acks=all``, idempotent
producer): that is the durable store of the distributed runtime, kept forever. Sending the same
submissions again (a retried file) is harmless: their ids are deterministic, and the judge stage
claims each id once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import Callable, Iterable

from hub.errors import ConfigError, InputError
from hub.events import Codec, Event
from hub.events.streams import SUBMISSIONS
from hub.kafka.producer import Producer
from hub.kafka.security import aiokafka_options
from hub.kafka.topics import stream_topic
from hub.kafka.wire import Message, WireFormat, event_headers, wire_format
from hub.settings import HubSettings

__all__ = ["produce_submissions", "submission_message"]


def submission_message(
    settings: HubSettings,
    codec: Codec,
    event: Event,
    now: dt.datetime,
    wire: WireFormat | None = None,
) -> Message:
    message = Message(
        stream_topic(settings, SUBMISSIONS),
        event.key.encode(),
        codec.encode_event(event, now),
        event_headers(event.event_id, event.event_type, event.correlation_id),
    )
    return message if wire is None else wire.outbound(message)


def produce_submissions(
    settings: HubSettings,
    codec: Codec,
    events: Iterable[Event],
    chunk: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Send submission events, ``chunk`` at a time, each chunk acknowledged before the next;
    the number sent. The record bound (``HUB_MAX_FILE_RECORDS``) holds here as in the file
    reader, so no path into Kafka sends more; a file that cannot be read is refused before
    the broker is contacted."""
    if not settings.kafka_bootstrap:
        raise ConfigError("HUB_KAFKA_BOOTSTRAP is not set")
    return asyncio.run(_produce(settings, settings.kafka_bootstrap, codec, events, chunk, progress))


async def _produce(
    settings: HubSettings,
    bootstrap: str,
    codec: Codec,
    events: Iterable[Event],
    chunk: int,
    progress: Callable[[int], None] | None,
) -> int:
    # the input is read (and a file refused for its bounds) before the broker is contacted
    pending = iter(events)
    first = next(pending, None)
    if first is None:
        return 0
    producer = Producer(bootstrap, security=aiokafka_options(settings))
    wire = wire_format(settings, codec)
    await producer.start()
    sent = 0
    try:
        batch: list[Message] = []
        for count, event in enumerate(itertools.chain([first], pending), start=1):
            if count > settings.max_file_records:
                raise InputError(
                    f"more than {settings.max_file_records} submissions in one ingest"
                    " (HUB_MAX_FILE_RECORDS): the rest is refused"
                )
            now = dt.datetime.now(dt.UTC)
            batch.append(submission_message(settings, codec, event, now, wire))
            if len(batch) >= chunk:
                await producer.send_all(batch)
                sent += len(batch)
                if progress:
                    progress(len(batch))
                batch = []
        await producer.send_all(batch)
        sent += len(batch)
        if progress and batch:
            progress(len(batch))
    finally:
        await producer.stop()
    return sent
