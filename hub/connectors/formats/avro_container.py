"""Reading Avro object container files that a hostile or careless source wrote, with bounds.

fastavro trusts its input: a recursive writer schema, or a datum nested 100k levels deep,
overflows the C stack (the process dies with a segmentation fault, nothing to catch); a block
that claims 2^62 records of zero bytes is read forever; a block that claims more bytes than the
file has is allocated before it is read. So this module reads the container itself and hands
fastavro only what is bounded:

1. the header is parsed here: the writer schema's size, then its JSON, then its shape are
   checked (no named type used inside its own definition, nesting under a bound, no array
   whose items can take zero bytes) before anything is decoded;
2. each block's record count and byte size are read and checked against what remains of the
   input and the per-file record bound *before* the block is read; when the input can seek
   (a regular file, a request body) every block is checked first, so a file over the bound is
   refused before a single record is stored;
3. a block is decompressed with a bound on what it may grow to (null, deflate, bzip2, xz);
4. only then does fastavro decode the block's records, one datum at a time.

A refusal of the whole file is an :class:`AvroLimitError` (an :class:`~hub.errors.InputError`
naming the limit); a file that breaks off after good records ends with one problem
(:class:`Broken`) at the first record that could not be read.
"""

from __future__ import annotations

import bz2
import io
import lzma
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import fastavro
import orjson

from hub.bounds import AvroLimits
from hub.errors import InputError

__all__ = [
    "AVRO_MAGIC",
    "AvroLimitError",
    "Broken",
    "check_schema",
    "records",
]

AVRO_MAGIC = b"Obj\x01"
_SYNC = 16
_PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
_CODECS = ("null", "deflate", "bzip2", "xz")
# what a cut or corrupt block makes fastavro or a decompressor raise
_BROKEN = (
    ValueError,
    TypeError,
    EOFError,
    IndexError,
    KeyError,
    StopIteration,
    OverflowError,
    zlib.error,
    OSError,
    lzma.LZMAError,
)


class AvroLimitError(InputError):
    """The file is refused as a whole: ``limit`` names the bound, ``max`` and ``actual`` say
    by how much (``actual`` is ``None`` where there is no number, e.g. a recursive schema)."""

    code = "INPUT.AVRO_LIMIT"

    def __init__(self, message: str, limit: str, max: int | None, actual: int | None) -> None:
        super().__init__(message)
        self.limit = limit
        self.max = max
        self.actual = actual


@dataclass(frozen=True, slots=True)
class Broken:
    """The file breaks off at record ``number`` (1-based): the records before it stand."""

    number: int
    detail: str


# -- the header ---------------------------------------------------------------------------------


class _EndOfInputError(Exception):
    """The input ended cleanly where a block could start."""


def _long(stream: BinaryIO, may_end: bool = False) -> int:
    """One zig-zag varint (Avro ``long``); at most 10 bytes. With ``may_end``, an input that
    ends before its first byte raises :class:`_EndOfInputError` (the file ends between blocks)."""
    result = shift = 0
    for index in range(10):
        byte = stream.read(1)
        if not byte:
            if may_end and index == 0:
                raise _EndOfInputError
            raise EOFError("the file ends inside a number")
        result |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return (result >> 1) ^ -(result & 1)
        shift += 7
    raise ValueError("a number longer than 10 bytes")


def _exactly(stream: BinaryIO, size: int, what: str) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError(f"the file ends inside {what}")
    return data


@dataclass(frozen=True, slots=True)
class _Header:
    schema: Any
    codec: str
    sync: bytes


def _header(stream: BinaryIO, limits: AvroLimits) -> _Header:
    if stream.read(4) != AVRO_MAGIC:
        raise InputError("not an Avro object container file (no Obj1 magic)")
    meta: dict[str, bytes] = {}
    budget = limits.max_schema_bytes + 64 * 1024  # the schema plus room for other metadata
    try:
        while True:
            count = _long(stream)
            if count == 0:
                break
            if count < 0:
                _long(stream)  # the block's byte size, not needed
                count = -count
            if count > 1000:
                raise InputError(f"the Avro header claims {count} metadata entries")
            for _ in range(count):
                key_size = _long(stream)
                if not 0 <= key_size <= 1000:
                    raise InputError("the Avro header has a malformed metadata key")
                key = _exactly(stream, key_size, "the header").decode("utf-8", "replace")
                size = _long(stream)
                if key == "avro.schema" and size > limits.max_schema_bytes:
                    raise _schema_limit("schema_bytes", limits.max_schema_bytes, size)
                if size < 0 or size > budget:
                    raise InputError(f"the Avro header claims {size} bytes of metadata")
                budget -= size
                meta[key] = _exactly(stream, size, "the header")
        sync = _exactly(stream, _SYNC, "the header")
    except (EOFError, ValueError) as exc:
        raise InputError(f"the Avro header is cut or malformed: {exc}") from None
    if "avro.schema" not in meta:
        raise InputError("the Avro header has no writer schema")
    try:
        schema = orjson.loads(meta["avro.schema"])
    except orjson.JSONDecodeError as exc:
        # orjson refuses nesting over 1,024 levels itself
        raise InputError(f"the Avro writer schema is not JSON: {exc.msg}"[:200]) from None
    codec = meta.get("avro.codec", b"null").decode("utf-8", "replace") or "null"
    if codec not in _CODECS:
        raise InputError(f"Avro codec {codec[:40]!r} is not supported (only {', '.join(_CODECS)})")
    check_schema(schema, limits)
    return _Header(schema, codec, sync)


def _schema_limit(limit: str, bound: int, actual: int | None, detail: str = "") -> AvroLimitError:
    what = {
        "schema_bytes": f"the Avro writer schema has {actual} bytes; the limit is {bound}",
        "schema_depth": f"the Avro writer schema nests deeper than {bound} levels",
        "schema_recursive": f"the Avro writer schema is recursive ({detail})",
        "schema_zero_size_items": f"the Avro writer schema has an array of empty items ({detail})",
    }[limit]
    return AvroLimitError(what, limit, bound if limit != "schema_recursive" else None, actual)


# -- the writer schema's shape ------------------------------------------------------------------


def check_schema(schema: Any, limits: AvroLimits) -> None:
    """Refuse a writer schema that is recursive (a named type used inside its own definition),
    nests deeper than ``limits.max_schema_depth``, or has arrays whose items can be encoded in
    zero bytes (a count alone would make any number of them). Pure; raises
    :class:`AvroLimitError`. A schema these rules let through has data of bounded depth, and
    every array item costs at least one byte of the block, which bounds how many there are."""
    _Shape(limits.max_schema_depth).min_size(schema, 0, None)


class _Shape:
    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        self.named: dict[str, int] = {}  # full name → minimum encoded size
        self.open: set[str] = set()  # named types being defined (a use inside is recursion)

    @staticmethod
    def _full(name: str, namespace: str | None) -> str:
        return name if "." in name or not namespace else f"{namespace}.{name}"

    def min_size(self, schema: Any, depth: int, namespace: str | None) -> int:
        """The fewest bytes a datum of ``schema`` can take, checking the shape on the way."""
        if depth > self.max_depth:
            raise _schema_limit("schema_depth", self.max_depth, None)
        if isinstance(schema, str):
            if schema in _PRIMITIVES:
                return 0 if schema == "null" else 1 if schema != "float" else 4
            full = self._full(schema, namespace)
            name = full if full in self.named or full in self.open else schema
            if name in self.open:
                raise _schema_limit("schema_recursive", self.max_depth, None, f"{name[:80]}")
            if name not in self.named:
                raise InputError(f"the Avro writer schema uses an unknown type {schema[:80]!r}")
            return self.named[name]
        if isinstance(schema, list):
            if not schema:
                raise InputError("the Avro writer schema has an empty union")
            return 1 + min(self.min_size(s, depth + 1, namespace) for s in schema)
        if not isinstance(schema, dict):
            raise InputError("the Avro writer schema is not a schema")
        kind = schema.get("type")
        if kind in ("record", "error", "enum", "fixed"):
            return self._named(schema, kind, depth, namespace)
        if kind == "array":
            items = self.min_size(schema.get("items"), depth + 1, namespace)
            if items == 0:
                raise _schema_limit("schema_zero_size_items", self.max_depth, None, "array")
            return 1
        if kind == "map":
            self.min_size(schema.get("values"), depth + 1, namespace)
            return 1  # an item costs at least its key's length byte
        return self.min_size(kind, depth + 1, namespace)

    def _named(self, schema: dict[str, Any], kind: str, depth: int, namespace: str | None) -> int:
        name = schema.get("name")
        if not isinstance(name, str) or not name:
            raise InputError(f"an Avro {kind} without a name")
        space = schema.get("namespace") if isinstance(schema.get("namespace"), str) else namespace
        full = self._full(name, space)
        if kind == "enum":
            size = 1
        elif kind == "fixed":
            fixed = schema.get("size")
            size = fixed if isinstance(fixed, int) and fixed >= 0 else 0
        else:
            fields = schema.get("fields")
            if not isinstance(fields, list):
                raise InputError(f"the Avro record {full[:80]} has no fields list")
            self.open.add(full)
            try:
                size = sum(
                    self.min_size(f.get("type") if isinstance(f, dict) else None, depth + 1, space)
                    for f in fields
                )
            finally:
                self.open.discard(full)
        self.named[full] = size
        return size


# -- the blocks ---------------------------------------------------------------------------------


def _remaining(stream: BinaryIO) -> int | None:
    """Bytes left in a seekable input (a regular file, a body in memory), else ``None``."""
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(here)
        return end - here
    except (OSError, ValueError):
        return None


def _block_header(stream: BinaryIO, remaining: int | None, limits: AvroLimits) -> tuple[int, int]:
    """A block's record count and byte size, checked before its bytes are read."""
    count = _long(stream, may_end=True)
    size = _long(stream)
    if count < 0 or size < 0:
        raise ValueError(f"a block claims {count} records of {size} bytes")
    if remaining is not None and size > remaining:
        raise ValueError(f"a block claims {size} bytes; only {max(remaining, 0)} remain")
    if size > limits.max_block_bytes:
        raise AvroLimitError(
            f"an Avro block of {size} bytes; the limit is {limits.max_block_bytes}",
            "block_bytes",
            limits.max_block_bytes,
            size,
        )
    return count, size


def _too_many(total: int, limits: AvroLimits) -> AvroLimitError:
    return AvroLimitError(
        f"the Avro file holds more than {limits.max_records} records ({total} claimed)",
        "records",
        limits.max_records,
        total,
    )


def _prescan(stream: BinaryIO, header: _Header, limits: AvroLimits) -> None:
    """Walk every block header of a seekable input without decoding: refuse a file whose
    blocks claim more records than the bound before any is read. Cut or corrupt blocks are
    left for the reading pass to report at the right record."""
    start = stream.tell()
    total = 0
    try:
        while True:
            remaining = _remaining(stream)
            if not remaining:
                break
            count, size = _block_header(stream, remaining, limits)
            total += count
            if total > limits.max_records:
                raise _too_many(total, limits)
            stream.seek(size, os.SEEK_CUR)
            if stream.read(_SYNC) != header.sync:
                break
    except (EOFError, ValueError, _EndOfInputError):
        pass
    finally:
        stream.seek(start)


def _decompress(codec: str, data: bytes, limit: int) -> bytes:
    if codec == "null":
        return data
    if codec == "deflate":
        inflater = zlib.decompressobj(-15)
        out = inflater.decompress(data, limit + 1)
    elif codec == "bzip2":
        out = bz2.BZ2Decompressor().decompress(data, limit + 1)
    else:
        out = lzma.LZMADecompressor().decompress(data, limit + 1)
    if len(out) > limit:
        raise AvroLimitError(
            f"an Avro block decompresses to more than {limit} bytes",
            "block_bytes",
            limit,
            None,
        )
    return out


def records(stream: BinaryIO, limits: AvroLimits | None = None) -> Iterator[Any | Broken]:
    """The datums of a container file, in order, then at most one :class:`Broken`. Raises
    :class:`~hub.errors.InputError` (or :class:`AvroLimitError`) for a file refused whole."""
    limits = limits or AvroLimits()
    header = _header(stream, limits)
    try:
        parsed = fastavro.parse_schema(header.schema, named_schemas={})
    except Exception as exc:  # fastavro raises many kinds for a bad schema
        raise InputError(f"the Avro writer schema is not valid: {exc}"[:200]) from None
    if _remaining(stream) is not None:
        _prescan(stream, header, limits)
    number = 0
    while True:
        remaining = _remaining(stream)
        if remaining == 0:
            return
        try:
            try:
                count, size = _block_header(stream, remaining, limits)
            except _EndOfInputError:
                return
            if number + count > limits.max_records:
                raise _too_many(number + count, limits)
            data = _exactly(stream, size, "a block")
            if stream.read(_SYNC) != header.sync:
                raise ValueError("a block's sync marker does not match the header's")
            body = io.BytesIO(_decompress(header.codec, data, limits.max_block_bytes))
            for _ in range(count):
                datum = fastavro.schemaless_reader(body, parsed, None)
                number += 1
                yield datum
        except AvroLimitError:
            raise
        except _BROKEN as exc:
            yield Broken(number + 1, f"{type(exc).__name__}: {exc}"[:200])
            return
