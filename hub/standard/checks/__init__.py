"""Pure format checks of single values: check digits, patterns, code shapes.

Each check takes a normalised string and returns a tuple of :class:`Finding` (empty when the value
passes). A finding names a rule code and the parameters of its message; the validator adds the
field path, looks up the message and applies the policy's severity. Checks never see the record,
never log, and never put personal values into parameters.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Finding"]


class Finding(NamedTuple):
    """One broken rule, before a field path and a severity are attached."""

    rule: str
    params: dict[str, object] = {}  # noqa: RUF012 - never mutated; a NamedTuple default
