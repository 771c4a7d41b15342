"""What ``hub audit verify`` reports: one :class:`Finding` per thing that differs from the
history, naming where (a stream or a table), which row, record or event, and what differs, in
Chinese first and English. Values of the rows are never quoted (they may be personal data): a
finding names fields, positions and ids.

Codes (stable; scripts key on them):

- ``AUDIT.VERSION_CHAIN``: a record's versions in the log do not hash or link;
- ``AUDIT.CHAIN``: a stream's (or the sources' journal's) event chain is broken: an event was
  altered, deleted or inserted;
- ``AUDIT.TRUNCATED``: events were deleted at the end of a stream;
- ``AUDIT.CHECKPOINT``: the history differs from a signed checkpoint (a rewrite after it, even
  one that recomputed every hash), or the checkpoint itself does not verify;
- ``AUDIT.READ_MODEL``: a read model row differs from what its history builds;
- ``AUDIT.REGISTRY``, ``AUDIT.LEDGER``, ``AUDIT.SOURCES``: the identity registry, the delivery
  ledger, the sources table differ from their events;
- ``AUDIT.SUBSCRIBERS``: the subscribers table differs from the journal's ``subscriber.*`` entries.
- ``AUDIT.ACCOUNTS``: the accounts table differs from the journal's ``account.*`` entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["CODES", "Finding"]

CODES = (
    "AUDIT.VERSION_CHAIN",
    "AUDIT.CHAIN",
    "AUDIT.TRUNCATED",
    "AUDIT.CHECKPOINT",
    "AUDIT.READ_MODEL",
    "AUDIT.REGISTRY",
    "AUDIT.LEDGER",
    "AUDIT.SOURCES",
    "AUDIT.SUBSCRIBERS",
    "AUDIT.ACCOUNTS",
)


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    where: str  # a stream, ``log`` (record versions in the log) or a table
    item: str  # the record, row or event named
    problem_zh: str
    problem_en: str
    version: int | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown audit code {self.code!r}")

    @property
    def problem(self) -> str:
        return f"{self.problem_zh} / {self.problem_en}"

    def line(self) -> str:
        version = f" v{self.version}" if self.version is not None else ""
        return f"ALTERED {self.where}: {self.item}{version}: {self.problem} [{self.code}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "where": self.where,
            "id": self.item,
            "version": self.version,
            "problem_zh": self.problem_zh,
            "problem_en": self.problem_en,
        }
