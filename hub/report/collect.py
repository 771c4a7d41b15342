"""Gathering a report's rows: from records being validated (``hub validate``), and from the
stored submissions and verdicts of a batch (``hub ingest --wait``, ``hub report BATCH_ID``).

A batch is found by reading the submissions stream (of one source when it is known: the stream
is keyed by source, so only that source's events are read), and its verdicts by their
correlation id, which is the submission id, without decoding any other verdict.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from hub.events import Codec
from hub.events.streams import SUBMISSIONS, VERDICTS
from hub.processing.judge import CSV_ROW, TABLE_ROW
from hub.report.model import Finding, ReportBuilder, ReportRow, field_label, masked_columns
from hub.standard import Verdict
from hub.standard.schema import RecordType
from hub.storage.ports import Store, StoredEvent

__all__ = ["batch_rows", "find_batch", "verdict_row"]

_PAGE = 2000


def verdict_row(verdict: Verdict, data: Any, record_type: RecordType) -> ReportRow:
    """The row of a record ``hub validate`` judged (``data`` as read from the file)."""
    return ReportRow(
        line=verdict.location.get("line"),
        outcome="valid" if verdict.valid else "invalid",
        findings=tuple(
            Finding(
                v.severity.value,
                v.rule,
                v.field,
                v.message_zh,
                v.message_en,
                field_label(record_type, v.field),
            )
            for v in verdict.violations
        ),
        columns=masked_columns(data, record_type) if data is not None else {},
        source_record_id=verdict.source_record_id,
    )


def _pages(store: Store, stream: str, key: str | None) -> Iterator[StoredEvent]:
    if key is None:
        yield from store.scan(stream, _PAGE)
        return
    after = 0
    while page := store.read_key(stream, key, after, _PAGE):
        yield from page
        after = page[-1].position


def _original(payload: dict[str, Any]) -> Any:
    """What the source sent, as columns: a CSV row's cells, a JSON record's fields, a table
    row's record as the hub read it (its fields, so personal ones are masked by the standard's
    markings whatever the file's header called them), or the first bytes of what could not be
    read."""
    raw: bytes = payload["raw"]
    content_type: str = payload["content_type"]
    if content_type == TABLE_ROW:  # the record as read from the row: masked by its fields
        try:
            row = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return raw[:500].decode("utf-8", errors="replace")
        return row.get("record") if isinstance(row, dict) else row
    charset = "utf-8"
    if content_type != CSV_ROW and "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].strip()
    try:
        return orjson.loads(raw.decode(charset))
    except (UnicodeDecodeError, LookupError, orjson.JSONDecodeError):
        return raw[:500].decode(charset if charset else "utf-8", errors="replace")


def find_batch(
    store: Store, codec: Codec, batch_id: str, source_id: str | None = None
) -> list[dict[str, Any]]:
    """The submissions of a batch, in their order in the file."""
    found = []
    for stored in _pages(store, SUBMISSIONS, source_id):
        payload = codec.decode_event(SUBMISSIONS, stored.position, stored.body).payload
        if payload["batch_id"] == batch_id:
            found.append(payload)
    found.sort(key=lambda p: p["batch_index"])
    return found


def _verdicts(
    store: Store, codec: Codec, ids: set[str], sources: Iterable[str]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for source in sources:
        for stored in _pages(store, VERDICTS, source):
            if stored.correlation_id in ids:
                out[stored.correlation_id] = codec.decode_event(
                    VERDICTS, stored.position, stored.body
                ).payload
    return out


def batch_rows(
    store: Store,
    codec: Codec,
    submissions: list[dict[str, Any]],
    record_type: RecordType,
    builder: ReportBuilder,
) -> None:
    """Add a row per submission of a batch to ``builder``: its verdict, or in flight."""
    ids = {p["submission_id"] for p in submissions}
    verdicts = _verdicts(store, codec, ids, sorted({p["source_id"] for p in submissions}))
    for sub in submissions:
        verdict = verdicts.get(sub["submission_id"])
        findings = (
            tuple(
                Finding(
                    v["severity"],
                    v["rule"],
                    v["field"],
                    v["message_zh"],
                    v["message_en"],
                    field_label(record_type, v["field"]),
                )
                for v in verdict["violations"]
            )
            if verdict is not None
            else ()
        )
        builder.add(
            ReportRow(
                line=sub["batch_index"],
                outcome=verdict["outcome"] if verdict is not None else "in_flight",
                findings=findings,
                columns=masked_columns(_original(sub), record_type),
                source_record_id=sub["source_record_id"],
                submission_id=sub["submission_id"],
            )
        )


def pending(store: Store, submission_ids: set[str], sources: Iterable[str]) -> int:
    """How many of these submissions have no verdict yet (read without decoding)."""
    seen = 0
    for source in sources:
        for stored in _pages(store, VERDICTS, source):
            if stored.correlation_id in submission_ids:
                seen += 1
    return len(submission_ids) - seen
