"""The standard pack: the Avro schemas, code lists and region table, loaded and versioned together.

A verdict must say which standard judged it. The pack version is
``<manifest version>+<fingerprint>``, where the fingerprint is a SHA-256 over every rule-bearing
file of the pack *and* the version of the rule code in this package, so replacing a code list, the
region table, a schema or upgrading the rules changes the version even when nobody remembers to
bump the manifest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import fastavro

from hub.errors import StandardError, UnknownRecordTypeError
from hub.standard.codelists import CodeList
from hub.standard.links import TypeLinks, load_links
from hub.standard.persons import load_persons
from hub.standard.regions import RegionTable
from hub.standard.schema import FieldSpec, RecordType, parse_record_type

__all__ = ["RULESET_VERSION", "Standard", "default_pack_dir", "load_standard"]

#: Bump when the rule logic in ``hub/standard`` changes what a verdict says.
RULESET_VERSION = "2026.11.1"

_RULE_BEARING = ("standard.json", "records", "codelists", "regions", "aliases.json")


def default_pack_dir() -> Path:
    """The pack shipped with the package (wheel) or the repository's ``schemas/`` (checkout)."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "_pack", package.parent / "schemas"):
        if (candidate / "standard.json").is_file():
            return candidate
    raise StandardError("no standard pack found: set HUB_STANDARD_DIR to a schemas/ folder")


def _fingerprint(root: Path) -> str:
    digest = hashlib.sha256(RULESET_VERSION.encode())
    for name in _RULE_BEARING:
        path = root / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and file.suffix in (".json", ".avsc", ".csv"):
                digest.update(file.relative_to(root).as_posix().encode() + b"\0")
                digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


def _referenced_codelists(specs: tuple[FieldSpec, ...]) -> set[str]:
    names: set[str] = set()
    for spec in specs:
        for inner in (spec, spec.item):
            if inner is not None and inner.check and inner.check.startswith("code:"):
                names.add(inner.check[5:])
        if spec.item is not None:
            names |= _referenced_codelists(spec.item.fields)
        names |= _referenced_codelists(spec.fields)
    return names


@dataclass(frozen=True)
class Standard:
    """The national data standard as the hub holds it."""

    name: str
    version: str
    fingerprint: str
    root: Path
    types: Mapping[str, RecordType]
    codelists: Mapping[str, CodeList]
    regions: RegionTable
    links: Mapping[str, TypeLinks] = field(default_factory=dict)  # links.json (not fingerprinted)
    _parsed: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def record_type(self, type_id: str) -> RecordType:
        try:
            return self.types[type_id]
        except KeyError:
            known = ", ".join(sorted(self.types))
            raise UnknownRecordTypeError(
                f"unknown record type {type_id!r}; known: {known}"
            ) from None

    def example(self, type_id: str) -> dict[str, Any]:
        """The pack's example record of a type, as a source would send it."""
        self.record_type(type_id)
        path = self.root / "examples" / f"{type_id}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StandardError(f"example for {type_id} is unreadable: {exc}") from exc
        if not isinstance(data, dict):
            raise StandardError(f"example for {type_id} is not a JSON object")
        return data

    def avro_schema(self, type_id: str) -> Any:
        """The fastavro-parsed schema of a record type (parsed once)."""
        if type_id not in self._parsed:
            self._parsed[type_id] = fastavro.parse_schema(self.record_type(type_id).avro)
        return self._parsed[type_id]


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StandardError(f"{path.name} is unreadable: {exc}") from exc


def _check_owner(record_type: RecordType, types: Mapping[str, RecordType]) -> None:
    """A ``hub.owner`` parent must be a type with a region of its own whose identity fields the
    child carries, so the parent record is found from the child alone."""
    parent_id = record_type.owner_parent
    if parent_id is None:
        return
    parent = types.get(parent_id)
    where = f"{record_type.type_id}: hub.owner parent {parent_id!r}"
    if parent is None:
        raise StandardError(f"{where} is not a record type of the pack")
    if parent.owner_parent is not None or "region_code" not in parent.field_names:
        raise StandardError(f"{where} must have a region_code of its own")
    missing = {e.split(":")[0] for e in parent.identity} - record_type.field_names
    if missing:
        raise StandardError(f"{where}: its identity fields {sorted(missing)} are not fields here")


@lru_cache(maxsize=8)
def load_standard(root: Path | None = None) -> Standard:
    """Load and check a standard pack (cached per folder: it is read-only while the hub runs)."""
    root = (root or default_pack_dir()).resolve()
    manifest = _load_json(root / "standard.json")
    types: dict[str, RecordType] = {}
    for path in sorted((root / "records").glob("*.avsc")):
        record_type = parse_record_type(_load_json(path))
        if record_type.type_id != path.stem:
            raise StandardError(f"{path.name}: hub.type {record_type.type_id!r} != file name")
        types[record_type.type_id] = record_type
    if not types:
        raise StandardError(f"no record schemas in {root / 'records'}")
    codelists = {
        path.stem: CodeList.from_file(path) for path in sorted((root / "codelists").glob("*.json"))
    }
    for record_type in types.values():
        missing = _referenced_codelists(record_type.fields) - codelists.keys()
        if missing:
            raise StandardError(f"{record_type.type_id}: missing code lists {sorted(missing)}")
    for record_type in types.values():
        _check_owner(record_type, types)
    for type_id, rule in load_persons(root, types, codelists).items():
        types[type_id] = replace(types[type_id], person=rule)
    fingerprint = _fingerprint(root)
    return Standard(
        name=str(manifest.get("name", "standard")),
        version=f"{manifest['version']}+{fingerprint[:12]}",
        fingerprint=fingerprint,
        root=root,
        types=types,
        codelists=codelists,
        regions=RegionTable.from_csv(root / "regions" / "gbt2260.csv"),
        links=load_links(root, types, codelists),
    )
