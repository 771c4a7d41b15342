"""Submissions as Kafka messages: the bytes and the topic of one ``SubmissionReceived`` event.

The distributed runtime's submission sink (:class:`~hub.engine.sink.KafkaSink`) sends these with
``acks=all`` (idempotent producer): a batch counts as received when the broker acknowledged all
of it, Kafka being the durable store of that runtime, kept forever. Sending the same submissions
again (a retried file) is harmless: their ids are deterministic, and the judge stage claims each
id once. The message is keyed by the source, so one source's submissions stay in order.
"""

from __future__ import annotations

import datetime as dt

from hub.events import Codec, Event
from hub.events.streams import SUBMISSIONS
from hub.kafka.topics import stream_topic
from hub.kafka.wire import Message, WireFormat, event_headers
from hub.settings import HubSettings

__all__ = ["submission_message"]


def submission_message(
    settings: HubSettings,
    codec: Codec,
    event: Event,
    now: dt.datetime,
    wire: WireFormat | None = None,
) -> Message:
    """The message of one submission on the ``submissions`` topic, encoded at ``now``; with
    ``wire`` as it goes on the wire (Confluent-framed when a schema registry is set)."""
    message = Message(
        stream_topic(settings, SUBMISSIONS),
        event.key.encode(),
        codec.encode_event(event, now),
        event_headers(event.event_id, event.event_type, event.correlation_id),
    )
    return message if wire is None else wire.outbound(message)
