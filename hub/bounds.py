"""Bounds on hostile input, checked before the hub does any work on it.

A source can send anything: a record with 600,000 keys, JSON nested 1,000 levels deep, a file
that never ends. Each bound here is a number from the settings, checked by a pure function that
walks the input once, iteratively (a recursive walk would itself overflow on what it guards
against). What a bound refuses is named (``limit``, ``max``, ``actual``) so the reply or the
verdict can say which bound and by how much.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AvroLimits", "InputLimits", "Shape", "shape_over"]


@dataclass(frozen=True, slots=True)
class AvroLimits:
    """What one container file may hold (see ``HUB_AVRO_*`` and ``HUB_MAX_FILE_RECORDS``)."""

    max_records: int = 10_000_000
    max_schema_bytes: int = 256 * 1024
    max_schema_depth: int = 32
    max_block_bytes: int = 64 << 20


@dataclass(frozen=True, slots=True)
class InputLimits:
    """The bounds of one file or request body (see ``HUB_MAX_*`` and ``HUB_AVRO_*``)."""

    max_records: int = 10_000_000
    max_input_bytes: int = 64 << 30
    max_record_fields: int = 2_000
    max_record_depth: int = 64
    avro: AvroLimits = field(default_factory=AvroLimits)


@dataclass(frozen=True, slots=True)
class Shape:
    """Why a value is over a bound: ``limit`` is ``fields`` or ``depth``; ``path`` where it
    was found (empty: the record itself)."""

    limit: str
    max: int
    actual: int
    path: str


def shape_over(value: Any, max_fields: int, max_depth: int) -> Shape | None:
    """The first bound a JSON-like value breaks: more than ``max_fields`` object keys in all
    (nested ones included), or containers nested deeper than ``max_depth``. Stops counting
    soon after the bound, so a huge value costs no more than a small one; ``actual`` is then
    the exact key count (cheap: ``len`` of each object) or the depth reached."""
    fields = 0
    stack: list[tuple[Any, int, str]] = [(value, 0, "")]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, dict):
            fields += len(item)
            if fields > max_fields:
                return Shape("fields", max_fields, fields + _keys_left(stack), path)
            children: Iterable[tuple[Any, Any]] = item.items()
        elif isinstance(item, list):
            children = ((f"[{i}]", v) for i, v in enumerate(item))
        else:
            continue
        if depth >= max_depth:
            return Shape("depth", max_depth, depth + 1, path)
        for key, child in children:
            if isinstance(child, dict | list):
                name = key if str(key).startswith("[") else f".{key}" if path else str(key)
                stack.append((child, depth + 1, f"{path}{name}"[:200]))
    return None


def _keys_left(stack: list[tuple[Any, int, str]]) -> int:
    """Keys of the objects still on the stack (one level: enough to report the size)."""
    return sum(len(item) for item, _, _ in stack if isinstance(item, dict))
