"""Reading submitted records from files: JSON Lines, JSON arrays and CSV, in UTF-8 or GB18030,
and Avro object container files (any writer schema; fields map to the standard by name).

Nothing in a file can crash the reader. A line that cannot be read (bad bytes, bad JSON, a
truncated CSV row, a line over the size limit) becomes a :class:`Problem` naming its line, so it
still gets a verdict; only a file with no records at all, or in no readable format, is an
:class:`~hub.errors.InputError`. Memory stays bounded: lines are read one at a time and an
oversized line is skipped, not loaded.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, cast

import orjson

from hub import avro_container
from hub.bounds import InputLimits
from hub.errors import InputError
from hub.inputs import bounded

__all__ = [
    "AVRO_MAGIC",
    "MAX_LINE_BYTES",
    "Problem",
    "RawRecord",
    "avro_records",
    "detect_encoding",
    "jsonable",
    "read_records",
]

MAX_LINE_BYTES = 1 << 20
AVRO_MAGIC = b"Obj\x01"
Format = Literal["jsonl", "json", "csv", "avro"]
_SAMPLE = 1 << 16


@dataclass(frozen=True, slots=True)
class RawRecord:
    """A record as read, before validation; ``lenient`` when its values are all strings (CSV)."""

    line: int
    data: Any
    lenient: bool = False
    raw: bytes = b""  # the line as received (JSON Lines); empty where rows are rebuilt (CSV, JSON)


@dataclass(frozen=True, slots=True)
class Problem:
    """A line that could not be read as a record: it gets a verdict with this rule."""

    line: int
    rule: str
    params: dict[str, Any]
    raw: bytes = b""  # the line as received (empty for an oversized line, which is not kept)


Item = RawRecord | Problem


def detect_encoding(sample: bytes) -> str:
    """UTF-8 when the sample decodes as UTF-8 (a cut multi-byte tail allowed), else GB18030."""
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    try:
        sample.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError:
        return "utf-8"  # neither: read as UTF-8 and report the bad lines


def _format_of(name: str, head: bytes) -> Format:
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".json" or head.lstrip()[:1] == b"[":
        return "json"
    return "jsonl"


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """Physical lines with their numbers; ``None`` for a line over the size limit."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
            while True:
                rest = stream.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, line


def _detail(exc: orjson.JSONDecodeError) -> str:
    return f"{exc.msg} (column {exc.colno})"[:120]


def _json_lines(stream: BinaryIO, encoding: str) -> Iterator[Item]:
    utf8 = encoding == "utf-8"
    for number, raw in _lines(stream):
        if raw is None:
            yield Problem(number, "INPUT.TOO_LARGE", {"line": number, "limit": MAX_LINE_BYTES})
            continue
        line = raw.rstrip(b"\r\n")
        try:
            # orjson checks UTF-8 itself; other encodings are decoded first
            text: bytes | str = raw if utf8 else raw.decode(encoding)
        except UnicodeDecodeError:
            yield Problem(number, "INPUT.ENCODING", {"line": number, "encoding": encoding}, line)
            continue
        if number == 1:
            text = (
                text.removeprefix(b"\xef\xbb\xbf")
                if isinstance(text, bytes)
                else text.removeprefix("\ufeff")
            )
        text = text.strip()
        if not text:
            continue
        try:
            yield RawRecord(number, orjson.loads(text), raw=line)
        except orjson.JSONDecodeError as exc:
            if utf8 and "utf-8" in str(exc).lower():
                params = {"line": number, "encoding": encoding}
                yield Problem(number, "INPUT.ENCODING", params, line)
            else:
                yield Problem(number, "INPUT.JSON", {"line": number, "detail": _detail(exc)}, line)


def _json_document(stream: BinaryIO, encoding: str, limit: int) -> Iterator[Item]:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"a JSON document over {limit} bytes: send JSON Lines instead")
    try:
        document = orjson.loads(data.decode(encoding).lstrip("\ufeff"))
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid {encoding} at byte {exc.start}") from None
    except orjson.JSONDecodeError as exc:
        raise InputError(f"not a valid JSON document: {_detail(exc)}") from None
    records = document if isinstance(document, list) else [document]
    # a JSON document has no meaningful line per record: the position in the array stands in
    for index, record in enumerate(records, start=1):
        yield RawRecord(index, record)


def _csv(stream: BinaryIO, encoding: str) -> Iterator[Item]:
    problems: list[Problem] = []
    current = [0]

    def decoded() -> Iterator[str]:
        for number, raw in _lines(stream):
            current[0] = number
            if raw is None:
                problems.append(
                    Problem(number, "INPUT.TOO_LARGE", {"line": number, "limit": MAX_LINE_BYTES})
                )
                continue
            try:
                yield raw.decode(encoding).lstrip("\ufeff") if number == 1 else raw.decode(encoding)
            except UnicodeDecodeError:
                problems.append(
                    Problem(number, "INPUT.ENCODING", {"line": number, "encoding": encoding})
                )

    csv.field_size_limit(MAX_LINE_BYTES)
    reader = csv.reader(decoded())
    header: list[str] | None = None
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(
                Problem(
                    current[0],
                    "INPUT.CSV_COLUMNS",
                    {"line": current[0], "actual": "?", "expected": "?", "detail": str(exc)},
                )
            )
            continue
        yield from problems
        problems.clear()
        if header is None:
            header = [name.strip() for name in row]
            if not any(header):
                raise InputError("the CSV header row is empty")
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield Problem(
                current[0],
                "INPUT.CSV_COLUMNS",
                {"line": current[0], "actual": len(row), "expected": len(header)},
            )
            continue
        yield RawRecord(
            current[0], {k: v for k, v in zip(header, row, strict=True) if v != ""}, lenient=True
        )
    yield from problems


def read_records(
    stream: BinaryIO,
    name: str,
    *,
    encoding: str | None = None,
    fmt: Format | None = None,
    max_document_bytes: int = 256 << 20,
    limits: InputLimits | None = None,
) -> Iterator[Item]:
    """Records and problems of a file, in order. ``name`` picks the format by its suffix.
    ``limits`` bound the records read and the bytes of a stream that is not a regular file
    (both checked while reading: an :class:`~hub.errors.InputError` past them)."""
    limits = limits or InputLimits()
    stream = bounded(stream, limits.max_input_bytes)
    buffered = (
        stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(cast(Any, stream))
    )
    head = buffered.peek(_SAMPLE)[:_SAMPLE]
    if not head.strip():
        raise InputError(f"{name} is empty: no records to read")
    if fmt == "avro" or (fmt is None and head.startswith(AVRO_MAGIC)):
        yield from _at_most(_nonempty(avro_records(buffered, limits.avro), name), name, limits)
        return
    encoding = encoding or detect_encoding(head)
    try:
        "".encode(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}") from None
    fmt = fmt or _format_of(name, head)
    if fmt == "csv":
        items: Iterator[Item] = _csv(buffered, encoding)
    elif fmt == "json":
        items = _json_document(buffered, encoding, max_document_bytes)
    else:
        items = _json_lines(buffered, encoding)
    yield from _at_most(_nonempty(items, name), name, limits)


def _at_most(items: Iterator[Item], name: str, limits: InputLimits) -> Iterator[Item]:
    """The items, refusing the rest of a file past the record bound (what came before was
    read and may have been stored: each of those gets its verdict)."""
    for count, item in enumerate(items, start=1):
        if count > limits.max_records:
            raise InputError(
                f"{name} holds more than {limits.max_records} records (HUB_MAX_FILE_RECORDS):"
                " the rest is refused"
            )
        yield item


def _nonempty(items: Iterator[Item], name: str) -> Iterator[Item]:
    seen = False
    for item in items:
        seen = True
        yield item
    if not seen:
        raise InputError(f"{name} holds no records")


def jsonable(record: Any) -> Any:
    """A value decoded from Avro as JSON would carry it: dates and times as ISO text, decimals
    as text, bytes as UTF-8 text (what the standard's fields are)."""

    def default(value: Any) -> Any:
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
        return str(value)

    return orjson.loads(orjson.dumps(record, default=default))


def avro_records(
    stream: BinaryIO, limits: avro_container.AvroLimits | None = None
) -> Iterator[Item]:
    """The records of an Avro object container file, numbered from 1, read within ``limits``
    (see :mod:`hub.avro_container`: a file refused whole raises an
    :class:`~hub.errors.InputError` naming the limit). A file that breaks off (a truncated or
    corrupt block) ends with one :class:`Problem` at the first record that could not be read,
    so the records before it still count."""
    number = 0
    for datum in avro_container.records(stream, limits):
        if isinstance(datum, avro_container.Broken):
            params = {"line": datum.number, "detail": datum.detail}
            yield Problem(datum.number, "INPUT.AVRO", params)
        else:
            number += 1
            yield RawRecord(number, jsonable(datum))
