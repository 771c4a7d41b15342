"""How strictly a deployment applies the standard: the knobs a bureau may turn without code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from hub.standard.messages import RULES, Severity

__all__ = ["ValidationPolicy"]

_OFF = "off"


@dataclass(frozen=True, slots=True)
class ValidationPolicy:
    """Deployment choices that change verdicts.

    - ``uscc_pilot_prefixes``: USCC prefixes of areas that issued codes before GB 32100 (e.g.
      ``9135`` for Fujian's pilot); a position-18 failure there is a warning, not an error.
    - ``uscc_region_since``: positions 3-8 of a USCC must be a region code in use in this year or
      later (USCCs were issued from 2015, pilots a little earlier).
    - ``severity_overrides``: rule code → ``error``, ``warning`` or ``off``.
    - ``utc_offset_hours``: the offset assumed for timestamps sent without one (Beijing time).
    - ``max_string_length``: a hard cap on any string, whatever its schema says.
    - ``max_record_fields`` / ``max_record_depth``: a record with more keys (nested ones
      included) or deeper nesting is rejected with one violation, before any check runs;
      ``max_verdict_violations``: violations listed per rule, the rest summarised in one.
    """

    uscc_pilot_prefixes: tuple[str, ...] = ()
    uscc_region_since: int = 2014
    severity_overrides: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    utc_offset_hours: int = 8
    max_string_length: int = 100_000
    max_record_fields: int = 2_000
    max_record_depth: int = 64
    max_verdict_violations: int = 100

    def __post_init__(self) -> None:
        for rule, severity in self.severity_overrides.items():
            if rule not in RULES:
                raise ValueError(f"severity override for unknown rule {rule!r}")
            if severity not in (Severity.ERROR, Severity.WARNING, _OFF):
                raise ValueError(f"severity of {rule} must be error, warning or off")

    @property
    def timezone(self) -> dt.tzinfo:
        return dt.timezone(dt.timedelta(hours=self.utc_offset_hours))

    def severity(self, rule: str) -> Severity | None:
        """The severity to report ``rule`` with, or None when the deployment turned it off."""
        override = self.severity_overrides.get(rule)
        if override == _OFF:
            return None
        return Severity(override) if override else RULES[rule].severity
