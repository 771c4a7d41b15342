"""Pack files that add to record types without touching their ``.avsc`` (whose bytes are the
standard's version): ``links.json``, ``persons.json``. Each is ``{"types": {TYPE: {...}}}``;
reading and checking that outer shape is the same for all of them."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from hub.errors import StandardError
from hub.standard.schema import RecordType

__all__ = ["type_sections"]


def type_sections(
    root: Path, name: str, types: Mapping[str, RecordType]
) -> Iterator[tuple[str, Any, RecordType]]:
    """``(type id, its section, its record type)`` for every type the pack file ``name`` under
    ``root`` declares; nothing when the pack has no such file. A file that is not JSON, has no
    ``types`` object or names a type the pack lacks is refused (:class:`StandardError`)."""
    path = root / name
    if not path.is_file():
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        declared = data["types"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StandardError(f"{name} is unreadable: {exc}") from exc
    if not isinstance(declared, dict):
        raise StandardError(f"{name}: 'types' is an object")
    for type_id, raw in declared.items():
        record_type = types.get(type_id)
        if record_type is None:
            raise StandardError(f"{name}: {type_id!r} is not a record type of the pack")
        yield type_id, raw, record_type
