"""Reading submitted records from files: JSON Lines, JSON arrays, CSV (any of ``DELIMITERS``;
also named ``.tsv`` or ``.txt``) in UTF-8 or GB18030, Excel ``.xlsx``
(``hub.connectors.formats.excel``), and Avro object container files (any writer schema; fields
map to the standard by name).

Nothing in a file can crash the reader. A line that cannot be read (bad bytes, bad JSON, a
truncated CSV row, a line over the size limit) becomes a :class:`Problem` naming its line, so it
still gets a verdict; only a file with no records at all, or in no readable format, is an
:class:`~hub.errors.InputError`. Memory stays bounded: lines are read one at a time and an
oversized line is skipped, not loaded.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Literal

import orjson

from hub.bounds import AvroLimits, InputLimits
from hub.connectors.formats import avro_container
from hub.connectors.formats.inputs import bounded
from hub.connectors.formats.rows import HeaderHook, Item, Problem, RawRecord
from hub.errors import InputError

__all__ = [
    "AVRO_MAGIC",
    "DELIMITERS",
    "MAX_LINE_BYTES",
    "Problem",
    "RawRecord",
    "avro_records",
    "detect_delimiter",
    "detect_encoding",
    "jsonable",
    "read_records",
    "sample_stream",
]

MAX_LINE_BYTES = 1 << 20
AVRO_MAGIC = b"Obj\x01"
Format = Literal["jsonl", "json", "csv", "avro", "xlsx"]
#: Column separators tried when a table file does not say (``--delimiter``).
DELIMITERS = (",", "\t", ";", "|")
XLSX_MAGIC = b"PK\x03\x04"
_SAMPLE = 1 << 16
_SAMPLE_ASCII = 1 << 20


def detect_encoding(sample: bytes) -> str:
    """UTF-8 when the sample decodes as UTF-8, else GB18030, else UTF-8 (the bad lines are then
    reported). A sample is a cut of a file: a multi-byte character cut at its end is not an
    error, so both are decoded incrementally (an incomplete tail is held back, not judged)."""
    for candidate in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(candidate)().decode(sample, final=False)
            return candidate
        except UnicodeDecodeError:
            continue
    return "utf-8"


class _Prefixed(io.RawIOBase):
    """A stream that serves bytes already read (the detection sample) before the rest."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Utf16(io.RawIOBase):
    """A UTF-16 file (Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated) as the
    UTF-8 bytes the line readers expect; a byte pair that is no character reads as U+FFFD."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self._decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
        self._pending = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending and not self._done:
            chunk = self._source.read(1 << 16)
            self._done = not chunk
            self._pending = self._decoder.decode(chunk, final=self._done).encode("utf-8")
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def sample_stream(stream: BinaryIO) -> tuple[bytes, BinaryIO]:
    """The file's first bytes for detection, and a stream that still reads from the start.

    ``peek()`` returns what one buffer holds (4 KiB or 8 KiB), not what was asked for: a 4 KiB
    sample cut GB18030 files mid-character and sent them down the UTF-8 path. The sample is read
    in full instead, ``_SAMPLE`` bytes, and up to ``_SAMPLE_ASCII`` while it is plain ASCII
    (a file whose first rows carry no Chinese still needs its encoding found). A file with a
    UTF-16 byte-order mark is read as UTF-8 from then on (the sample too). A seekable input (a
    regular file, a body in memory) is rewound and given back as it is, so the Avro reader can
    still measure it before decoding."""
    try:
        start: int | None = stream.tell() if stream.seekable() else None
    except (OSError, ValueError):
        start = None
    head = b""
    limit = _SAMPLE
    while len(head) < limit:
        chunk = stream.read(limit - len(head))
        if not chunk:
            break
        head += chunk
        if len(head) >= limit and head.isascii() and limit < _SAMPLE_ASCII:
            limit = min(limit * 4, _SAMPLE_ASCII)
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if start is not None and not utf16:
        stream.seek(start)
        return head, stream
    restored = io.BufferedReader(_Prefixed(head, stream), buffer_size=1 << 16)
    if utf16:
        utf8 = io.BufferedReader(_Utf16(restored), buffer_size=1 << 16)
        return utf8.peek(_SAMPLE)[:_SAMPLE], utf8
    return head, restored


def _format_of(name: str, head: bytes) -> Format:
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm") or head.startswith(XLSX_MAGIC):
        return "xlsx"
    if suffix == ".xls":
        raise InputError(
            f"{name} 是旧版 Excel（.xls）：请另存为 .xlsx 或 CSV 后再提交 / "
            f"{name} is a legacy .xls workbook: save it as .xlsx or CSV"
        )
    if suffix in (".csv", ".tsv"):
        return "csv"
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if suffix == ".txt":
        # a CSV saved as .txt (the usual export of older systems) unless it is plainly JSON
        return "jsonl" if first == b"{" else "json" if first == b"[" else "csv"
    if suffix == ".json" or first == b"[":
        return "json"
    return "jsonl"


def detect_delimiter(head: bytes, encoding: str) -> str:
    """The separator of a table file: the candidate seen most often in its header line."""
    first = head.split(b"\n", 1)[0]
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(first, final=False)
    counts = {d: text.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


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


def _csv(
    stream: BinaryIO, encoding: str, delimiter: str, on_header: HeaderHook | None
) -> Iterator[Item]:
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
    reader = csv.reader(decoded(), delimiter=delimiter)
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
            if on_header is not None:
                on_header(header)
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
    delimiter: str | None = None,
    on_header: HeaderHook | None = None,
    is_header: Callable[[str], bool] | None = None,
) -> Iterator[Item]:
    """Records and problems of a file, in order. ``name`` picks the format by its suffix.

    Table files (CSV, TSV, ``.txt``, ``.xlsx``) give rows keyed by their headers, as text;
    ``on_header`` gets the header row once, ``is_header`` (a header the reader knows) finds the
    header row of a sheet whose title rows or merged cells come first. ``limits`` bound the
    records read and the bytes of a stream that is not a regular file (both checked while
    reading: an :class:`~hub.errors.InputError` past them)."""
    limits = limits or InputLimits()
    head, buffered = sample_stream(bounded(stream, limits.max_input_bytes))
    if not head.strip():
        raise InputError(f"{name} is empty: no records to read")
    if fmt == "avro" or (fmt is None and head.startswith(AVRO_MAGIC)):
        yield from _at_most(_nonempty(avro_records(buffered, limits.avro), name), name, limits)
        return
    fmt = fmt or _format_of(name, head)
    if fmt == "xlsx":
        from hub.connectors.formats.excel import xlsx_records

        rows = xlsx_records(buffered, name, max_document_bytes, on_header, is_header)
        yield from _at_most(_nonempty(rows, name), name, limits)
        return
    encoding = encoding or detect_encoding(head)
    try:
        "".encode(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}") from None
    if fmt == "csv":
        delimiter = {"\\t": "\t", "tab": "\t", "TAB": "\t"}.get(delimiter or "", delimiter)
        if delimiter is not None and len(delimiter) != 1:
            raise InputError(f"the delimiter must be one character, not {delimiter!r}")
        sep = delimiter or detect_delimiter(head, encoding)
        items: Iterator[Item] = _csv(buffered, encoding, sep, on_header)
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


def avro_records(stream: BinaryIO, limits: AvroLimits | None = None) -> Iterator[Item]:
    """The records of an Avro object container file, numbered from 1, read within ``limits``
    (see :mod:`hub.connectors.formats.avro_container`: a file refused whole raises an
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
