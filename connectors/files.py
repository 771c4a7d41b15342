"""The file connector: a JSON Lines, JSON or CSV file becomes one submission per record.

The batch id is the file's SHA-256 unless the caller gives one, so ingesting the same file twice
receives it once. Unreadable lines become submissions too (with their problem), so they get a
verdict like everything else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from connectors.base import submission_event
from hub.bounds import InputLimits
from hub.events import Event
from hub.files import Problem, detect_encoding, read_records
from hub.inputs import open_input
from hub.processing.judge import CSV_ROW

__all__ = ["file_batch_id", "file_submissions", "record_submissions"]


def file_batch_id(path: Path) -> str:
    digest = hashlib.sha256()
    with open_input(path) as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _source_record_id(data: Any) -> str | None:
    value = data.get("source_record_id") if isinstance(data, dict) else None
    return value.strip()[:100] if isinstance(value, str) else None


def file_submissions(
    source_id: str,
    record_type: str,
    path: Path,
    *,
    received_at: dt.datetime,
    batch_id: str | None = None,
    encoding: str | None = None,
    limits: InputLimits | None = None,
) -> Iterator[Event]:
    """Submission events of a file, in order (raises InputError for an unusable file: not a
    regular file, or over ``limits``)."""
    batch = batch_id or file_batch_id(path)
    with open_input(path) as stream:
        head = stream.peek(1 << 16)[: 1 << 16] if hasattr(stream, "peek") else b""
        charset = encoding or detect_encoding(head)
        for item in read_records(stream, path.name, encoding=charset, limits=limits):
            common: dict[str, Any] = {
                "source_id": source_id,
                "record_type": record_type,
                "channel": "file",
                "batch_id": batch,
                "index": item.line,
                "received_at": received_at,
            }
            if isinstance(item, Problem):
                yield submission_event(
                    **common,
                    raw=item.raw,
                    content_type=f"application/json; charset={charset}",
                    problem={"rule": item.rule, "params": item.params},
                )
            elif item.lenient:
                yield submission_event(
                    **common,
                    raw=orjson.dumps(item.data),
                    content_type=CSV_ROW,
                    source_record_id=_source_record_id(item.data),
                )
            else:
                raw = item.raw or orjson.dumps(item.data)
                yield submission_event(
                    **common,
                    raw=raw,
                    content_type=f"application/json; charset={charset if item.raw else 'utf-8'}",
                    source_record_id=_source_record_id(item.data),
                )


def record_submissions(
    source_id: str,
    record_type: str,
    records: list[dict[str, Any]],
    *,
    batch_id: str,
    received_at: dt.datetime,
    channel: str = "api",
    operation: str = "upsert",
) -> Iterator[Event]:
    """Submission events of records already in memory (the demo, the HTTP API); ``operation``
    delete asks for the records' retraction."""
    for index, record in enumerate(records, start=1):
        yield submission_event(
            source_id=source_id,
            record_type=record_type,
            channel=channel,
            batch_id=batch_id,
            index=index,
            raw=orjson.dumps(record),
            content_type="application/json; charset=utf-8",
            received_at=received_at,
            source_record_id=_source_record_id(record),
            operation=operation,
        )
