"""The national data standard as code and data.

``load_standard()`` reads the standard pack (``schemas/``); a :class:`Validator` judges records
against it and returns an :class:`Outcome` with a :class:`Verdict`. Everything here is pure: the
pack is read once, validation does no I/O.
"""

from __future__ import annotations

from hub.standard.identity import identity_hash, identity_key
from hub.standard.messages import RULES, Severity
from hub.standard.pack import RULESET_VERSION, Standard, default_pack_dir, load_standard
from hub.standard.policy import ValidationPolicy
from hub.standard.schema import FieldSpec, RecordType
from hub.standard.validator import Outcome, Validator
from hub.standard.verdict import Change, Verdict, Violation

__all__ = [
    "RULES",
    "RULESET_VERSION",
    "Change",
    "FieldSpec",
    "Outcome",
    "RecordType",
    "Severity",
    "Standard",
    "ValidationPolicy",
    "Validator",
    "Verdict",
    "Violation",
    "default_pack_dir",
    "identity_hash",
    "identity_key",
    "load_standard",
]
