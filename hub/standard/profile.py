"""A source's mapping profile: how its files' columns and values become the standard's fields.

A profile is a small TOML file (documented in the README, "Mapping profiles")::

    name = "zj-enterprise-register"
    record_type = "supervised_entity"          # optional: refuse other --type values
    empty = ["无", "暂无"]                      # cell values read as empty (beside N/A, NULL, -)
    ignore = ["所在省份"]                       # columns dropped without a diagnosis

    [columns]                                   # header -> field, before the standard's names
    "注册资金" = "registered_capital"

    [constants]                                 # a field's value where the file has none
    updated_at = "2025-06-01T00:00:00+08:00"

    [values.entity_type]                        # per field: cell value -> value ("*": any field)
    "有限责任公司(自然人投资或控股)" = "01"

    [derive]                                    # a field made from others, where it is empty
    region_code = "uscc_region"                 # positions 3-8 of the record's USCC
    source_record_id = "identity"               # the record's business identity
    updated_at = { rule = "copy", from = "establishment_date" }
    # region_code = { rule = "region_name", from = "地区", within = "330000" }

Parsing is pure (:func:`parse_profile` takes the TOML text); every mistake is a
:class:`ProfileError` naming the key, Chinese first. The profile's id (``name@sha256-prefix`` of
its bytes) goes into every submission read with it, so provenance says which profile was in force.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.errors import InputError

__all__ = ["DERIVE_RULES", "Derivation", "Profile", "ProfileError", "load_profile", "parse_profile"]

#: How a field may be derived: from a USCC's registration region, from a region name in the
#: GB/T 2260 table, a copy of another field or column, or the record's business identity.
DERIVE_RULES = ("uscc_region", "region_name", "copy", "identity")
_TOP_KEYS = {"name", "record_type", "empty", "ignore", "columns", "constants", "values", "derive"}
_MAX_PROFILE_BYTES = 1 << 20


class ProfileError(InputError):
    """A mapping profile that cannot be used: exit 2 (unusable input), naming the key."""


@dataclass(frozen=True, slots=True)
class Derivation:
    rule: str
    source: str | None = None  # field or column the value comes from
    within: str | None = None  # region_name: a region code the name must lie in


@dataclass(frozen=True, slots=True)
class Profile:
    """A parsed profile; ``id`` is what provenance records."""

    name: str
    id: str
    record_type: str | None = None
    empty: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    columns: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    derive: Mapping[str, Derivation] = field(default_factory=dict)

    def check_fields(self, type_id: str, fields: frozenset[str]) -> None:
        """Every field the profile names exists in the record type (else a ProfileError)."""
        if self.record_type is not None and self.record_type != type_id:
            raise ProfileError(
                f"映射配置 {self.name} 仅适用于 {self.record_type}，不适用于 {type_id} / "
                f"profile {self.name} is for {self.record_type}, not {type_id}"
            )
        named = [
            *(("columns", f) for f in self.columns.values()),
            *(("constants", f) for f in self.constants),
            *(("values", f) for f in self.values if f != "*"),
            *(("derive", f) for f in self.derive),
        ]
        for section, name in named:
            if name not in fields:
                raise ProfileError(
                    f"映射配置 {self.name} 的 [{section}] 中 {name} 不是 {type_id} 的字段 / "
                    f"profile {self.name}: [{section}] names {name}, not a field of {type_id}"
                )


def _fail(name: str, key: str, zh: str, en: str) -> ProfileError:
    return ProfileError(f"映射配置 {name} 的 {key}：{zh} / profile {name}, {key}: {en}")


def _strings(name: str, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(name, key, "应为字符串列表", "must be a list of strings")
    return list(value)


def _table(name: str, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _fail(name, key, "应为表（键 = 值）", "must be a table of key = value")
    out: dict[str, str] = {}
    for k, v in value.items():
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            raise _fail(name, f"{key}.{k}", "值应为字符串", "the value must be a string")
        out[str(k)] = str(v)
    return out


def _derivation(name: str, key: str, value: Any) -> Derivation:
    if isinstance(value, str):
        value = {"rule": value}
    if not isinstance(value, dict):
        raise _fail(name, key, "应为规则名或表", "must be a rule name or a table")
    unknown = set(value) - {"rule", "from", "within"}
    if unknown:
        raise _fail(name, key, f"未知的键 {sorted(unknown)}", f"unknown keys {sorted(unknown)}")
    rule = value.get("rule")
    if rule not in DERIVE_RULES:
        raise _fail(
            name,
            key,
            f"规则应为 {'、'.join(DERIVE_RULES)} 之一",
            f"rule must be one of {DERIVE_RULES}",
        )
    source = value.get("from")
    if rule in ("copy", "region_name") and not isinstance(source, str):
        raise _fail(name, key, f"规则 {rule} 需要 from", f"rule {rule} needs from")
    within = value.get("within")
    if within is not None and not (isinstance(within, str) and within.isdigit()):
        raise _fail(name, key, "within 应为行政区划代码", "within must be a region code")
    return Derivation(str(rule), source if isinstance(source, str) else None, within)


def parse_profile(text: bytes, default_name: str) -> Profile:
    """A profile from its TOML bytes (pure)."""
    digest = hashlib.sha256(text).hexdigest()[:16]
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(
            f"映射配置 {default_name} 不是合法的 UTF-8 TOML：{exc} / "
            f"profile {default_name} is not valid UTF-8 TOML: {exc}"
        ) from None
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name.strip():
        raise _fail(default_name, "name", "应为非空字符串", "must be a non-empty string")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise _fail(
            name, "(顶层)", f"未知的键 {sorted(unknown)}", f"unknown keys {sorted(unknown)}"
        )
    record_type = data.get("record_type")
    if record_type is not None and not isinstance(record_type, str):
        raise _fail(name, "record_type", "应为记录类型", "must be a record type id")
    values_raw = data.get("values", {})
    if not isinstance(values_raw, dict):
        raise _fail(name, "values", "应为按字段的表", "must be a table per field")
    derive_raw = data.get("derive", {})
    if not isinstance(derive_raw, dict):
        raise _fail(name, "derive", "应为按字段的表", "must be a table per field")
    return Profile(
        name=name,
        id=f"{name}@{digest}",
        record_type=record_type,
        empty=frozenset(_strings(name, "empty", data.get("empty", []))),
        ignore=frozenset(_strings(name, "ignore", data.get("ignore", []))),
        columns=_table(name, "columns", data.get("columns", {})),
        constants=_table(name, "constants", data.get("constants", {})),
        values={f: _table(name, f"values.{f}", v) for f, v in values_raw.items()},
        derive={f: _derivation(name, f"derive.{f}", v) for f, v in derive_raw.items()},
    )


def load_profile(path: Path) -> Profile:
    """Read a profile file (bounded: a profile is small)."""
    try:
        with path.open("rb") as handle:
            text = handle.read(_MAX_PROFILE_BYTES + 1)
    except OSError as exc:
        raise ProfileError(
            f"映射配置 {path.name} 无法读取：{exc.strerror} / cannot read profile {path.name}"
        ) from None
    if len(text) > _MAX_PROFILE_BYTES:
        raise ProfileError(f"映射配置 {path.name} 过大 / profile {path.name} is over 1 MiB")
    return parse_profile(text, path.stem)
