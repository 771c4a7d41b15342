"""Scorecards of the sources (监管的监管): what each source sent, how it fared, how late it was.

Three counter tables, all ``Merge.ADD`` (exact because the runner commits rows with positions):

- ``source_type_outcomes``: verdicts per source, record type and outcome;
- ``source_rule_violations``: per source, type and rule, the submissions the rule rejected (an
  *error* of that rule in their verdict; warnings do not reject and are not counted);
- ``source_days``: per source and day of receipt (the hub's time zone): submissions, rejected,
  duplicates, stale, national rejections, and the delay from business time to receipt.

Each table is fed by the one event that holds its facts, so every row follows from single events
and a replay gives the same rows:

- verdicts carry source, type, outcome, violations; their ``occurred_at`` is the submission's
  receipt time (every event a submission causes carries it on);
- the delay needs the record's business time, which verdicts do not carry: it comes from the
  record version (``records`` stream, same source and receipt time). The business time is the
  content's ``updated_at``, which every type has (the standard pack: "business time of the last
  change"): an update's delay is measured from the change it reports, not from the record's first
  event date (``hub.event_date``), which would make every late correction look years late. A
  retraction is not counted (its content is the last content, kept for provenance). A business
  time after receipt (a clock ahead, a typo the standard lets through) counts as no delay, not as
  a negative one that would hide another record's lateness;
- national rejections come from the ``deliveries`` stream (state ``rejected``, which carries the
  version's ``source_id``), on the day of the rejection.

The day depends on the hub's time zone (``HUB_UTC_OFFSET_HOURS``): a hub that changes it rebuilds
this read model (``hub replay scorecards``) to move past days to the new boundaries.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from hub.events import Codec, DecodedEvent
from hub.events.streams import DELIVERIES, RECORDS, VERDICTS
from hub.projections.base import Projection
from hub.projections.tables import Column, Kind, Merge, Row, Table
from hub.standard import ValidationPolicy

__all__ = [
    "DAYS",
    "OUTCOMES",
    "RULES",
    "ScorecardsProjection",
    "day_of",
    "delay_ms",
]

OUTCOMES = Table(
    "source_type_outcomes",
    (
        Column("source_id"),
        Column("record_type"),
        Column("outcome"),
        Column("submissions", Kind.INT),
    ),
    key=("source_id", "record_type", "outcome"),
    merge=Merge.ADD,
    counters=("submissions",),
)

RULES = Table(
    "source_rule_violations",
    (
        Column("source_id"),
        Column("record_type"),
        Column("rule"),
        Column("submissions", Kind.INT),
    ),
    key=("source_id", "record_type", "rule"),
    merge=Merge.ADD,
    counters=("submissions",),
)

_DAY_COUNTERS = (
    "submissions",
    "rejected",
    "duplicates",
    "stale",
    "national_rejections",
    "delay_ms_sum",
    "delay_n",
)

DAYS = Table(
    "source_days",
    (Column("source_id"), Column("day"), *(Column(c, Kind.INT) for c in _DAY_COUNTERS)),
    key=("source_id", "day"),
    merge=Merge.ADD,
    counters=_DAY_COUNTERS,
)

_AT = {name: i for i, name in enumerate(_DAY_COUNTERS)}
_BUSINESS_TIME = ("updated_at",)
_OUTCOME_COUNTER = {"rejected": "rejected", "duplicate": "duplicates", "stale": "stale"}


def day_of(moment: dt.datetime, tz: dt.tzinfo) -> str:
    """``YYYY-MM-DD`` of a moment in the hub's time zone."""
    return moment.astimezone(tz).date().isoformat()


def delay_ms(received: dt.datetime, business: dt.datetime) -> int:
    """Milliseconds from business time to receipt; 0 when the business time is after receipt."""
    return max(0, (received - business) // dt.timedelta(milliseconds=1))


class ScorecardsProjection(Projection):
    name = "scorecards"
    description = (
        "per source: verdicts by type and outcome, rejections by rule, and per day of receipt"
        " submissions, rejections, duplicates, stale, national rejections and delay"
    )
    streams = (VERDICTS, RECORDS, DELIVERIES)
    tables = (OUTCOMES, RULES, DAYS)

    def __init__(self, codec: Codec, timezone: dt.tzinfo | None = None) -> None:
        self.codec = codec
        self.tz = timezone or ValidationPolicy().timezone

    def rows(self, events: Sequence[DecodedEvent]) -> dict[str, list[Row]]:
        stream = events[0].stream
        days: dict[tuple[str, str], list[int]] = {}

        def day(source_id: str, moment: dt.datetime) -> list[int]:
            key = (source_id, day_of(moment, self.tz))
            counters = days.get(key)
            if counters is None:
                counters = days[key] = [0] * len(_DAY_COUNTERS)
            return counters

        out: dict[str, list[Row]] = {}
        if stream == VERDICTS:
            outcomes: Counter[tuple[str, str, str]] = Counter()
            rules: Counter[tuple[str, str, str]] = Counter()
            for event in events:
                p = event.payload
                source_id, record_type, outcome = p["source_id"], p["record_type"], p["outcome"]
                outcomes[(source_id, record_type, outcome)] += 1
                for rule in {v["rule"] for v in p["violations"] if v["severity"] == "error"}:
                    rules[(source_id, record_type, rule)] += 1
                counters = day(source_id, event.event.occurred_at)
                counters[_AT["submissions"]] += 1
                if outcome in _OUTCOME_COUNTER:
                    counters[_AT[_OUTCOME_COUNTER[outcome]]] += 1
            out[OUTCOMES.name] = [(*k, n) for k, n in outcomes.items()]
            out[RULES.name] = [(*k, n) for k, n in rules.items()]
        elif stream == RECORDS:
            decode = self.codec.decode_fields
            for event in events:
                p = event.payload
                if p["retracted"]:
                    continue
                business = decode(p["content"], _BUSINESS_TIME)["updated_at"]
                received = event.event.occurred_at
                counters = day(p["source_id"], received)
                counters[_AT["delay_ms_sum"]] += delay_ms(received, business)
                counters[_AT["delay_n"]] += 1
        elif stream == DELIVERIES:
            for event in events:
                p = event.payload
                if p["state"] == "rejected":
                    day(p["source_id"], event.event.occurred_at)[_AT["national_rejections"]] += 1
        if days:
            out[DAYS.name] = [(*key, *counters) for key, counters in days.items()]
        return out
