"""The file connector: a JSON Lines, JSON or CSV file becomes one submission per record.

The batch id is a digest of the file's SHA-256 and of what changes the submissions it makes (the
record type, the encoding asked for, the profile, the delimiter) unless the caller gives one, so
ingesting the same file the same way twice receives it once, and a corrected re-run is new.
Table rows carry the record read, the row as it came and the profile in force
(``TABLE_ROW``). Unreadable lines become submissions too (with their problem), so they get a
verdict like everything else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from hub.bounds import InputLimits
from hub.connectors.formats.files import Problem
from hub.connectors.formats.inputs import open_input
from hub.connectors.intake import file_items
from hub.connectors.submissions import source_record_id, submission_event, table_row
from hub.events import Event
from hub.processing.judge import TABLE_ROW
from hub.standard import load_standard
from hub.standard.reading import HeaderDiagnosis, Reading

__all__ = ["file_batch_id", "file_submissions"]


def file_batch_id(path: Path, *reading: str | None) -> str:
    """The file's SHA-256, and with ``reading`` (record type, encoding, profile, delimiter: what
    changes the submissions a file makes) a digest of both. Re-running a file after a wrong
    ``--type`` or ``--encoding`` is then a new batch, not "already received"."""
    digest = hashlib.sha256()
    with open_input(path) as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    if not reading:
        return digest.hexdigest()
    parts = [digest.hexdigest(), *(part or "" for part in reading)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def file_submissions(
    source_id: str,
    record_type: str,
    path: Path,
    *,
    received_at: dt.datetime,
    batch_id: str | None = None,
    encoding: str | None = None,
    reading: Reading | None = None,
    delimiter: str | None = None,
    on_header: Callable[[HeaderDiagnosis], None] | None = None,
    limits: InputLimits | None = None,
) -> Iterator[Event]:
    """Submission events of a file, in order (raises InputError for an unusable file: not a
    regular file, or over ``limits``).

    Table rows are read with ``reading`` (the record type's columns under the source's profile;
    without one, the standard's names only) and carry the profile's id in their bytes."""
    if reading is None:
        reading = Reading.of(load_standard(), record_type)
    profile_id = reading.profile_id
    batch = batch_id or file_batch_id(path, record_type, encoding, profile_id, delimiter)
    with open_input(path) as stream:
        charset, items = file_items(
            stream,
            path.name,
            reading,
            encoding=encoding,
            delimiter=delimiter,
            on_header=on_header,
            limits=limits,
        )
        for item in items:
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
            elif item.cells is not None:
                yield submission_event(
                    **common,
                    raw=table_row(item.data, item.cells, profile_id),
                    content_type=TABLE_ROW,
                    source_record_id=source_record_id(item.data),
                )
            else:
                raw = item.raw or orjson.dumps(item.data)
                yield submission_event(
                    **common,
                    raw=raw,
                    content_type=f"application/json; charset={charset if item.raw else 'utf-8'}",
                    source_record_id=source_record_id(item.data),
                )
