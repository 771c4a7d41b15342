"""Judging a submission: the first processing step, ``judge(submission, source) -> event``.

A submission ends here as a *rejection* (a final verdict) or goes on as a *validated* submission,
keyed by its identity, to resolution. Checks in order: the source is registered and not disabled,
the record type exists and the source may send it, the bytes read as a record, the record meets
the standard, and its region is inside the source's jurisdiction (a county only its own county).
Whether the source may change the canonical record it matches is resolution's question
(:mod:`hub.processing.ownership`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from hub.domain.values import Source
from hub.events import Codec, DecodedEvent, Event, derive_id
from hub.events.streams import VALIDATED, VERDICTS
from hub.processing.inbound import SOURCE_TOPIC
from hub.standard import Validator, Verdict, identity_hash

__all__ = ["CSV_ROW", "TABLE_ROW", "judge", "verdict_id"]

CSV_ROW = "application/vnd.hub.csv-row+json"
#: A table row read under a profile: ``{"record": ..., "cells": ..., "profile": id | null}``;
#: the record is judged as CSV is (cells are text), the cells and the profile are provenance.
TABLE_ROW = "application/vnd.hub.table-row+json"


def verdict_id(submission_id: str) -> str:
    """One verdict per submission, whichever step issues it."""
    return derive_id("vrd", submission_id)


def violation_dicts(verdict: Verdict, only_warnings: bool = False) -> list[dict[str, Any]]:
    return [
        {
            "rule": v.rule,
            "severity": v.severity.value,
            "field": v.field,
            "message_zh": v.message_zh,
            "message_en": v.message_en,
        }
        for v in (verdict.warnings if only_warnings else verdict.violations)
    ]


def change_dicts(verdict: Verdict) -> list[dict[str, Any]]:
    return [
        {"field": c.field, "kinds": list(c.kinds), "before": c.before, "after": c.after}
        for c in verdict.changes
    ]


@dataclass(frozen=True, slots=True)
class _Parsed:
    data: Any = None
    lenient: bool = False
    problem: tuple[str, dict[str, Any]] | None = None


def _parse(payload: dict[str, Any]) -> _Parsed:
    """The record in the bytes (and whether CSV-lenient), or the problem reading them."""
    content_type: str = payload["content_type"]
    raw: bytes = payload["raw"]
    line = payload["batch_index"]
    if content_type == CSV_ROW:
        return _Parsed(orjson.loads(raw), lenient=True)
    if content_type == TABLE_ROW:
        try:
            row = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            row = {"record": None, "detail": f"{exc.msg} (column {exc.colno})"}
        if not isinstance(row, dict) or not isinstance(row.get("record"), dict):
            detail = str(row.get("detail", "no record")) if isinstance(row, dict) else "no record"
            return _Parsed(problem=("INPUT.JSON", {"line": line, "detail": detail}))
        return _Parsed(row["record"], lenient=True)
    charset = "utf-8"
    if "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].strip()
    try:
        text = raw.decode(charset)
    except (UnicodeDecodeError, LookupError):
        return _Parsed(problem=("INPUT.ENCODING", {"line": line, "encoding": charset}))
    try:
        return _Parsed(orjson.loads(text))
    except orjson.JSONDecodeError as exc:
        detail = f"{exc.msg} (column {exc.colno})"
        return _Parsed(problem=("INPUT.JSON", {"line": line, "detail": detail}))


def _caused_by(
    sub: DecodedEvent,
    validator: Validator,
    stream: str,
    event_id: str,
    event_type: str,
    key: str,
    payload: dict[str, Any],
) -> Event:
    """An event the judge makes of a submission (the envelope's other fields follow from it)."""
    return Event(
        stream=stream,
        event_id=event_id,
        event_type=event_type,
        key=key,
        correlation_id=sub.payload["submission_id"],
        occurred_at=sub.event.occurred_at,
        causation_id=sub.event_id,
        standard_version=validator.standard.version,
        producer="hub.judge",
        payload=payload,
    )


def _rejection(sub: DecodedEvent, verdict: Verdict, validator: Validator) -> Event:
    p = sub.payload
    return _caused_by(
        sub,
        validator,
        VERDICTS,
        verdict_id(p["submission_id"]),
        "verdict.rejected",
        p["source_id"],
        {
            "submission_id": p["submission_id"],
            "source_id": p["source_id"],
            "record_type": p["record_type"],
            "source_record_id": p["source_record_id"] or verdict.source_record_id,
            "outcome": "rejected",
            "record_id": None,
            "version": None,
            "violations": violation_dicts(verdict),
            "changes": change_dicts(verdict),
            "reason": None,
        },
    )


def judge(sub: DecodedEvent, validator: Validator, codec: Codec, source: Source | None) -> Event:
    """A rejection verdict, or the validated submission on its way to resolution."""
    p = sub.payload
    type_id: str = p["record_type"]

    def reject(rule: str, **params: Any) -> Event:
        return _rejection(sub, validator.reject(type_id, rule, params).verdict, validator)

    if p["problem"]:  # arrived on another source's inbound topic: before trusting the source
        problem = orjson.loads(p["problem"])
        if problem["rule"] == SOURCE_TOPIC:
            return reject(SOURCE_TOPIC, **problem["params"])
    if source is None:
        return reject("SOURCE.UNKNOWN", source=p["source_id"])
    if source.disabled:  # every path, not only the API: files, connectors, Kafka ingest
        return reject("SOURCE.DISABLED", source=p["source_id"])
    if type_id not in validator.standard.types:
        return reject("RECORD.TYPE_UNKNOWN", type=type_id[:60])
    if not source.may_submit(type_id):
        return reject("SOURCE.TYPE_NOT_ALLOWED", type=type_id)
    if p["problem"]:
        problem = orjson.loads(p["problem"])
        return reject(problem["rule"], **problem["params"])
    parsed = _parse(p)
    if parsed.problem is not None:
        rule, params = parsed.problem
        return reject(rule, **params)
    outcome = validator.validate(type_id, parsed.data, lenient=parsed.lenient)
    verdict = outcome.verdict
    region = outcome.record.get("region_code") if outcome.record else None
    if outcome.record is not None and region and not source.covers(region):
        violation = validator.violation(
            type_id, "SOURCE.REGION", {"code": region, "scope": source.region_code}, "region_code"
        )
        if violation is not None:
            verdict = Verdict(
                verdict.record_type,
                verdict.standard_version,
                (*verdict.violations, violation),
                verdict.changes,
                verdict.source_record_id,
            )
    if not verdict.valid or outcome.record is None or outcome.identity is None:
        return _rejection(sub, verdict, validator)
    schema = validator.standard.record_type(type_id).full_name
    ihash = identity_hash(outcome.identity)
    return _caused_by(
        sub,
        validator,
        VALIDATED,
        derive_id("val", p["submission_id"]),
        "submission.validated",
        ihash,
        {
            "submission_id": p["submission_id"],
            "source_id": p["source_id"],
            "record_type": type_id,
            "source_record_id": p["source_record_id"] or verdict.source_record_id,
            "identity_hash": ihash,
            "content": codec.encode(schema, outcome.record),
            "warnings": violation_dicts(verdict, only_warnings=True),
            "changes": change_dicts(verdict),
            "operation": p["operation"],
        },
    )
