"""What a report says, as plain values: one row per record with its verdict and findings, and
the summary by rule and field ("132 行：统一社会信用代码 第18位校验码错误").

Pure functions only; :mod:`hub.report.collect` gathers the rows (from a file being validated or
from the store), :mod:`hub.report.writers` writes them.

Personal data. The report goes back to the source that sent the rows, but it is a file: it is
mailed, printed and left on shared drives. So it shows what the hub's feed to other departments
shows of personal data: values of fields the standard marks ``hub.personal`` (ID numbers,
phones, natural persons' names) are masked with :func:`hub.processing.feeds.mask` (first and
last character kept), and so is any resident ID number (18 or 15 digits with a birth date) or
mobile number found in any other column or in an unreadable line, because a bureau's own
columns (法人代表身份证, a counterparty id that is a person's ID number) are not marked. A USCC
stays readable: the officer must see the code to correct it. The line number and the source's
own record id identify the row; messages never carry personal values (the rule catalogue).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from hub.domain.subscribers import Subscriber
from hub.processing.feeds import mask, shape
from hub.report.lang import Lang, pick
from hub.standard.messages import RULES
from hub.standard.schema import RecordType

__all__ = [
    "OUTCOME_LABELS",
    "Finding",
    "Report",
    "ReportBuilder",
    "ReportRow",
    "SummaryLine",
    "cell_text",
    "field_label",
    "masked_columns",
    "outcome_counts",
    "outcome_label",
    "summarize",
]

#: Verdicts in the officer's words, Chinese first.
OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    "valid": ("通过", "valid"),
    "invalid": ("不通过", "invalid"),
    "accepted_new": ("已接收（新记录）", "accepted (new record)"),
    "accepted_update": ("已接收（更新）", "accepted (update)"),
    "duplicate": ("重复（与已有版本相同）", "duplicate"),
    "stale": ("过期（早于已有版本）", "stale (older than the hub's version)"),
    "rejected": ("退回", "rejected"),
    "in_flight": ("处理中", "in flight"),
}

#: What a report may show of a record: every field (the source sent it), personal values masked.
_REPORT = Subscriber("report", sharing="all", personal=False)
#: A resident ID (GB 11643, 18 or old 15 digits, with a plausible birth date) or a mobile number
#: anywhere in a text: masked wherever it appears, whatever the column is called.
_PERSONAL_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    r"(?![0-9A-Za-z])"
    r"|(?<![0-9A-Za-z])\d{8}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?![0-9A-Za-z])"
    r"|(?<!\d)1[3-9]\d{9}(?!\d)"
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One violation or warning of one record."""

    severity: str
    rule: str
    field: str | None
    message_zh: str
    message_en: str
    label: str | None = None  # the field's data-element name, for the officer

    def where(self, lang: Lang) -> str:
        """The field as the reader knows it: 统一社会信用代码（uscc）, or the whole record."""
        if not self.field:
            return pick(lang, "（整条记录）", "(record)")
        if self.label and self.label != self.field:
            return pick(lang, f"{self.label}（{self.field}）", f"{self.field} ({self.label})")
        return self.field


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One record: where it was in the file, what the hub said, and its own columns."""

    line: int | None
    outcome: str
    findings: tuple[Finding, ...] = ()
    columns: Mapping[str, str] = field(default_factory=dict)
    source_record_id: str | None = None
    submission_id: str | None = None


@dataclass(frozen=True, slots=True)
class SummaryLine:
    """How many rows broke one rule on one field."""

    rows: int
    rule: str
    field: str | None
    label: str
    severity: str
    message_zh: str
    message_en: str

    def text(self, lang: Lang) -> str:
        if lang == "zh":
            return f"{self.rows} 行：{self.message_zh}（{self.rule}）"
        return f"{self.rows} rows: {self.message_en} ({self.rule})"


@dataclass(frozen=True, slots=True)
class Report:
    """A file's or a batch's report."""

    subject: str
    record_type: str
    standard_version: str
    rows: tuple[ReportRow, ...]
    total: int
    counts: Mapping[str, int]
    summary: tuple[SummaryLine, ...]
    truncated: bool = False
    batch_id: str | None = None


def outcome_counts(rows: Iterable[ReportRow]) -> dict[str, int]:
    return dict(Counter(row.outcome for row in rows))


def field_label(record_type: RecordType, path: str | None) -> str:
    """The Chinese data-element name of a field path (``inspectors[0].cert_no`` → its label)."""
    if not path:
        return "（整条记录）"
    fields = record_type.fields
    label = path
    for part in re.split(r"\.|\[\d+\]\.?", path):
        spec = next((f for f in fields if f.name == part), None)
        if spec is None:
            break
        label = spec.label
        fields = spec.fields or (spec.item.fields if spec.item is not None else ())
    return label


class _Generic(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "…"


def _generic(rule: str, field_path: str | None, label: str, first: Finding) -> tuple[str, str]:
    """The rule's message for the summary: the field filled in, the per-row values elided."""
    known = RULES.get(rule)
    if known is None:
        return first.message_zh, first.message_en
    values = _Generic(field=field_path or "(record)", label=label)
    zh, en = known.zh.format_map(values), known.en.format_map(values)
    if field_path and label not in zh:
        zh = f"「{label}」{zh}"
    return zh, en


def summarize(rows: Iterable[ReportRow], record_type: RecordType) -> tuple[SummaryLine, ...]:
    """Rows per (rule, field), errors first, most frequent first; a row counts once per rule and
    field however often it breaks it."""
    builder = ReportBuilder(record_type, max_rows=0)
    for row in rows:
        builder.add(row)
    return builder.summary()


class ReportBuilder:
    """Builds a report one row at a time: the counts and the summary cover every row, the rows
    themselves are kept up to ``max_rows`` (a 10-million-row file must not exhaust memory)."""

    def __init__(self, record_type: RecordType, *, max_rows: int) -> None:
        self.record_type = record_type
        self.max_rows = max_rows
        self.rows: list[ReportRow] = []
        self.total = 0
        self.counts: Counter[str] = Counter()
        self._pairs: Counter[tuple[str, str | None]] = Counter()
        self._first: dict[tuple[str, str | None], Finding] = {}

    def add(self, row: ReportRow) -> None:
        self.total += 1
        self.counts[row.outcome] += 1
        self._pairs.update({(f.rule, f.field) for f in row.findings})
        for f in row.findings:
            self._first.setdefault((f.rule, f.field), f)
        if len(self.rows) < self.max_rows:
            self.rows.append(row)

    def summary(self) -> tuple[SummaryLine, ...]:
        lines = []
        for (rule, path), n in self._pairs.items():
            first = self._first[(rule, path)]
            label = field_label(self.record_type, path)
            zh, en = _generic(rule, path, label, first)
            lines.append(SummaryLine(n, rule, path, label, first.severity, zh, en))
        order = {"error": 0, "warning": 1}
        lines.sort(key=lambda s: (order.get(s.severity, 2), -s.rows, s.rule, s.field or ""))
        return tuple(lines)

    def build(self, subject: str, standard_version: str, batch_id: str | None = None) -> Report:
        return Report(
            subject=subject,
            record_type=self.record_type.type_id,
            standard_version=standard_version,
            rows=tuple(self.rows),
            total=self.total,
            counts=dict(self.counts),
            summary=self.summary(),
            truncated=self.total > len(self.rows),
            batch_id=batch_id,
        )


def cell_text(value: Any) -> str:
    """A column's value as text: nested values as compact JSON, null as empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    try:
        return orjson.dumps(value, default=str).decode()
    except (TypeError, RecursionError):  # nested past orjson's depth: a hostile record
        return "（嵌套过深，未显示） / (nested too deep, not shown)"


def _personal_names(record_type: RecordType) -> frozenset[str]:
    names: set[str] = set()
    for spec in record_type.fields:
        if spec.personal:
            names.update((spec.name, spec.label))
    return frozenset(names)


def _scrub(text: str) -> str:
    return _PERSONAL_IN_TEXT.sub(lambda m: mask(m.group(0)), text)


def masked_columns(data: Any, record_type: RecordType) -> dict[str, str]:
    """A record's own columns as text, personal values masked (see the module docstring)."""
    if not isinstance(data, dict):
        return {"（原始内容）": _scrub(cell_text(data))}
    personal = _personal_names(record_type)
    out: dict[str, str] = {}
    for name, value in shape(data, record_type, _REPORT).items():
        key = str(name)
        text = cell_text(value)
        out[key] = mask(text) if text and key in personal else _scrub(text)
    return out


def outcome_label(outcome: str, lang: Lang) -> str:
    zh, en = OUTCOME_LABELS.get(outcome, (outcome, outcome))
    return pick(lang, zh, en)
