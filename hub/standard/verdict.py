"""The verdict model: what the hub tells a submitter about one record under one standard version.

Plain frozen dataclasses, not pydantic models: a verdict is built for every record on the hot path
(see bench/), and its JSON form is produced explicitly by :meth:`Verdict.to_dict`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from hub.standard.messages import Severity

__all__ = ["Change", "Verdict", "Violation", "clean_verdict"]


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: stable code, severity, field path, message in Chinese and English."""

    rule: str
    severity: Severity
    field: str | None
    message_zh: str
    message_en: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "field": self.field,
            "message": {"zh": self.message_zh, "en": self.message_en},
        }


@dataclass(frozen=True, slots=True)
class Change:
    """A normalisation applied to a field. ``before``/``after`` are omitted for personal fields."""

    field: str
    kinds: tuple[str, ...]
    before: str | None = None
    after: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"field": self.field, "kinds": list(self.kinds)}
        if self.before is not None:
            data["before"] = self.before
            data["after"] = self.after
        return data


@dataclass(frozen=True, slots=True)
class Verdict:
    """The validation verdict for one record.

    ``valid`` is true when no violation is an error; warnings do not make a record invalid.
    """

    record_type: str
    standard_version: str
    violations: tuple[Violation, ...] = ()
    changes: tuple[Change, ...] = ()
    source_record_id: str | None = None
    location: dict[str, Any] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        violations = self.violations
        return not violations or not any(v.severity is Severity.ERROR for v in violations)

    @property
    def errors(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.severity is Severity.WARNING)

    def rules(self) -> set[str]:
        """The rule codes that fired (handy for tests and for counting)."""
        return {v.rule for v in self.violations}

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.location,
            "record_type": self.record_type,
            "source_record_id": self.source_record_id,
            "valid": self.valid,
            "standard_version": self.standard_version,
            "violations": [v.to_dict() for v in self.violations],
            "changes": [c.to_dict() for c in self.changes],
        }


def _slot_setters(cls: type, names: tuple[str, ...]) -> tuple[Any, ...]:
    """The slot descriptors' setters of a frozen, slotted dataclass, for exactly its fields."""
    fields = tuple(f.name for f in dataclasses.fields(cls))
    if fields != names:
        raise TypeError(f"{cls.__name__} has fields {fields}, not {names}")
    return tuple(cls.__dict__[name].__set__ for name in names)


_NEW = object.__new__
_V_TYPE, _V_VERSION, _V_VIOLATIONS, _V_CHANGES, _V_SID, _V_LOCATION = _slot_setters(
    Verdict,
    (
        "record_type",
        "standard_version",
        "violations",
        "changes",
        "source_record_id",
        "location",
    ),
)


def clean_verdict(
    record_type: str,
    standard_version: str,
    changes: tuple[Change, ...],
    source_record_id: str | None,
    location: dict[str, Any],
) -> Verdict:
    """``Verdict(record_type, standard_version, (), changes, source_record_id, location)``, made
    for the validator's common case without the frozen dataclass's ``__init__`` (which sets each
    field through ``object.__setattr__``: a third of the cost of a clean record's verdict)."""
    verdict: Verdict = _NEW(Verdict)
    _V_TYPE(verdict, record_type)
    _V_VERSION(verdict, standard_version)
    _V_VIOLATIONS(verdict, ())
    _V_CHANGES(verdict, changes)
    _V_SID(verdict, source_record_id)
    _V_LOCATION(verdict, location)
    return verdict
