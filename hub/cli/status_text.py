"""``hub status`` (and ``hub demo``) as aligned text for a person at a terminal: a label column
(Chinese first, then English), the numbers right-aligned in one column, a note after them.

Alignment counts display columns, not characters: a Chinese character takes two columns on a
terminal, so labels are padded by :func:`width`. ``hub status --json`` stays the program's view.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

__all__ = ["status_lines", "width"]

_OUTCOMES = (
    ("accepted_new", "新建"),
    ("accepted_update", "更新"),
    ("duplicate", "重复"),
    ("stale", "过时"),
    ("rejected", "拒收"),
    ("in_flight", "处理中"),
)
_DELIVERIES = (
    ("sent", "已发送"),
    ("acked", "已确认"),
    ("rejected", "被拒绝"),
    ("dead", "已放弃"),
    ("pending", "待发送"),
)

#: one line: indent level, label, value (right-aligned), note
Row = tuple[int, str, str, str]


def width(text: str) -> int:
    """Terminal columns ``text`` takes: wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, columns: int) -> str:
    return text + " " * max(columns - width(text), 0)


def _rows(summary: Mapping[str, Any]) -> list[Row]:
    rows: list[Row] = [(0, "已接收 received", str(summary["received"]), "")]
    rows += [(1, f"{zh} {name}", str(summary[name]), "") for name, zh in _OUTCOMES]
    terms = " + ".join(name for name, _ in _OUTCOMES)
    reconciled = "是 yes" if summary["reconciled"] else "否 NO"
    rows.append((0, "对账 reconciled", reconciled, f"received = {terms}"))
    rows.append(
        (
            0,
            "规范记录 canonical records",
            str(summary["canonical_records"]),
            f"{summary['versions']} 个版本 versions",
        )
    )
    rows.append((0, "国家平台投递 deliveries", "", ""))
    d = summary["deliveries"]
    rows += [(1, f"{zh} {name}", str(d[name]), "") for name, zh in _DELIVERIES]
    rows.append((0, "反馈 feedback", str(summary["feedback"]), ""))
    if summary.get("ownership_notices"):
        rows.append(
            (
                0,
                "归属通知 ownership",
                str(summary["ownership_notices"]),
                "来源试图修改其辖区外的记录，已拒绝 / a source tried to change a record outside"
                " its area and was refused (SOURCE.NOT_OWNER)",
            )
        )
    rows += _lag_rows(summary["lag"])
    quarantined = int(summary.get("quarantined") or 0)
    rows.append(
        (
            0,
            "隔离区 quarantined",
            str(quarantined),
            "无法读作事件的消息 messages that could not be read as events" if quarantined else "",
        )
    )
    return rows


def _lag_rows(lag: Mapping[str, Any]) -> list[Row]:
    rows: list[Row] = [(0, "处理延迟 lag", "", "待处理的事件数 events waiting")]
    rows.append((1, "阶段 stages", "", ""))
    rows += [(2, name, str(n), _behind(n)) for name, n in lag["stages"].items()]
    rows.append((1, "读模型 projections", "", ""))
    rows += [(2, name, str(n), _behind(n)) for name, n in lag["projections"].items()]
    if "kafka" in lag:
        kafka = lag["kafka"]
        if isinstance(kafka, Mapping):
            rows.append((1, "Kafka 消费组 group", "", "未提交的消息 messages not committed"))
            rows += [(2, topic, str(n), _behind(n)) for topic, n in kafka.items()]
        else:
            rows.append((1, "Kafka 消费组 group", "?", f"不可用 {kafka}"))
    return rows


def _behind(n: int) -> str:
    return "落后 behind" if n else ""


def status_lines(summary: Mapping[str, Any]) -> list[str]:
    """The lines of ``hub status``: every label padded to one column, every value right-aligned
    in the next, so the numbers of the stages, the read models and the quarantine line up."""
    rows = _rows(summary)
    labels = max(width("  " * level + label) for level, label, _, _ in rows)
    values = max(width(value) for _, _, value, _ in rows)
    lines = []
    for level, label, value, note in rows:
        head = _pad("  " * level + label, labels)
        if not value and not note:
            lines.append(head.rstrip())
            continue
        cell = " " * (values - width(value)) + value
        lines.append(f"{head}  {cell}  {note}".rstrip())
    return lines
