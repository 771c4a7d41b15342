"""A submission that arrived on a source's own inbound topic (``<prefix>in.<source_id>``, which
only that source's Kafka principal may write) but names another source: kept, and rejected.

The topic is the proof of who sent it, so a submission claiming another source is a forgery or a
misconfigured connector. It is stored like any other submission (the log holds everything that
arrived) with a problem, rule ``SOURCE.TOPIC``, which the judge turns into a rejection before any
other check, so a replay of the log rejects it again, deterministically, and the verdict says
why. It is given ids of its own (derived from the topic and its ids): a forger copying the id of
a submission the named source has yet to send cannot pre-empt it, nor its verdict.

Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import replace

import orjson

from hub.events import DecodedEvent
from hub.events.model import derive_id

__all__ = ["SOURCE_TOPIC", "source_of_topic", "topic_checked"]

SOURCE_TOPIC = "SOURCE.TOPIC"


def source_of_topic(prefix: str, topic: str) -> str | None:
    """The source an inbound topic belongs to (``hub.in.zj-hz`` → ``zj-hz``), or None for any
    other topic (the submissions topic: any registered source may be named there)."""
    head = f"{prefix}in."
    if topic.startswith(head) and len(topic) > len(head):
        return topic[len(head) :]
    return None


def topic_checked(sub: DecodedEvent, topic: str, topic_source: str) -> DecodedEvent:
    """``sub`` as it came, when it names ``topic_source``; else the same submission with new ids
    and the ``SOURCE.TOPIC`` problem (params: the topic and the source it claims)."""
    claimed = sub.payload.get("source_id")
    if claimed == topic_source:
        return sub
    new_id = derive_id("sub", SOURCE_TOPIC, topic, sub.event_id)
    problem = {"rule": SOURCE_TOPIC, "params": {"topic": topic, "claimed": str(claimed)[:80]}}
    payload = {
        **sub.payload,
        "submission_id": new_id,
        "problem": orjson.dumps(problem).decode(),
    }
    event = replace(sub.event, event_id=new_id, correlation_id=new_id, payload=payload)
    return replace(sub, event=event)
