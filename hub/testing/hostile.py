"""Hostile inputs, built byte by byte: what an attacker or a broken exporter sends. Public so a
province's own team can probe its deployment with the same bytes the hub's tests use.

- :func:`container` writes an Avro object container file with any writer schema and any blocks
  (counts and sizes as claimed, however false), which fastavro's writer will not produce;
- :data:`RECURSIVE` is a schema whose records contain themselves; :data:`LINKED` the legitimate
  looking variant (a union with null) that lets a datum nest as deep as its bytes go;
- :func:`deep_json` and :func:`many_keys` make records that are large in shape, not in bytes.
"""

from __future__ import annotations

from typing import Any

import orjson

__all__ = ["LINKED", "RECURSIVE", "container", "deep_json", "long_bytes", "many_keys"]

RECURSIVE: dict[str, Any] = {"type": "record", "name": "R", "fields": [{"name": "r", "type": "R"}]}
LINKED: dict[str, Any] = {
    "type": "record",
    "name": "Node",
    "fields": [{"name": "next", "type": ["null", "Node"]}],
}
SYNC = b"hostile-sync-16b"


def long_bytes(value: int) -> bytes:
    """An Avro ``long``: zig-zag, then a base-128 varint."""
    number = (value << 1) ^ (value >> 63)
    out = bytearray()
    while True:
        low = number & 0x7F
        number >>= 7
        if number:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def container(
    schema: Any, blocks: list[tuple[int, bytes]], *, schema_bytes: bytes | None = None
) -> bytes:
    """An Avro container file: ``schema`` as its writer schema (or ``schema_bytes`` verbatim),
    then each block as ``(claimed record count, bytes)``."""
    text = schema_bytes if schema_bytes is not None else orjson.dumps(schema)
    key = b"avro.schema"
    head = b"Obj\x01" + long_bytes(1) + long_bytes(len(key)) + key + long_bytes(len(text)) + text
    out = bytearray(head + long_bytes(0) + SYNC)
    for count, data in blocks:
        out += long_bytes(count) + long_bytes(len(data)) + data + SYNC
    return bytes(out)


def deep_json(levels: int, leaf: Any = "x") -> Any:
    """A value nested ``levels`` deep: ``{"a": {"a": ... leaf}}``."""
    value = leaf
    for _ in range(levels):
        value = {"a": value}
    return value


def many_keys(record: dict[str, Any], count: int) -> dict[str, Any]:
    """``record`` with ``count`` unknown keys added."""
    return {**record, **{f"x{i}": 1 for i in range(count)}}
