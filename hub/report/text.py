"""The report on a terminal: the counts per verdict and the summary by rule and field, in the
reader's language, bounded (the 20 most frequent problems; the file report has them all)."""

from __future__ import annotations

from hub.report.lang import Lang, pick
from hub.report.model import Report, outcome_label

__all__ = ["summary_lines"]

_SHOWN = 20
_ORDER = ("valid", "invalid", "accepted_new", "accepted_update", "duplicate", "stale", "rejected")


def summary_lines(report: Report, lang: Lang) -> list[str]:
    counts = sorted(
        report.counts.items(),
        key=lambda kv: _ORDER.index(kv[0]) if kv[0] in _ORDER else len(_ORDER),
    )
    sep = "，" if lang == "zh" else ", "
    parts = sep.join(f"{outcome_label(o, lang)} {n}" for o, n in counts)
    head = pick(lang, f"{report.total} 条记录：{parts}", f"{report.total} records: {parts}")
    version = report.standard_version
    lines = [head + pick(lang, f"（标准 {version}）", f" (standard {version})")]
    if report.summary:
        lines.append(pick(lang, "问题汇总（按规则和字段）：", "problems by rule and field:"))
        lines.extend(f"  {line.text(lang)}" for line in report.summary[:_SHOWN])
        hidden = len(report.summary) - _SHOWN
        if hidden > 0:
            lines.append(
                pick(
                    lang,
                    f"  另有 {hidden} 类问题：用 --report 文件查看全部",
                    f"  {hidden} more: write them all with --report FILE",
                )
            )
    return lines
