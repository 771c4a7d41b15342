"""Every read model row against the history it was built from: each projection is built aside
from the log up to the live model's positions (``hub replay --diff``) and compared row by row, so
an edited, deleted or forged row of any read model (``records_current``' content, region or
retracted flag, a deleted version, a provenance or statistics row) is named by its key."""

from __future__ import annotations

import datetime as dt

from hub.audit.findings import Finding
from hub.errors import HubError
from hub.events import Codec
from hub.projections import PROJECTIONS, ViewStore
from hub.runtime import replay
from hub.storage.ports import Store

__all__ = ["check_read_models"]

_ZH = {
    "changed": "与历史构建的行不符",
    "missing": "历史中有、读模型中缺失（被删除）",
    "not from history": "没有任何事件生成此行（被插入）",
}
_EN = {
    "changed": "differs from the row its history builds",
    "missing": "missing: its history builds it, the read model lacks it (deleted)",
    "not from history": "no event builds this row (inserted)",
}


def check_read_models(
    views: ViewStore, store: Store, codec: Codec, timezone: dt.tzinfo | None = None
) -> list[Finding]:
    """``timezone``: the hub's, which read models counting per day were built with."""
    findings: list[Finding] = []
    for name in PROJECTIONS:
        try:
            report = replay.diff(views, store, codec, name, timezone)
        except HubError as exc:  # an event that no longer decodes (named by the chain check)
            findings.append(
                Finding(
                    "AUDIT.READ_MODEL",
                    name,
                    "projection",
                    f"无法从历史重建此读模型：{exc.message}",
                    f"the read model cannot be rebuilt from the history: {exc.message}",
                )
            )
            continue
        for table, diff in report.tables.items():
            for example in diff.examples:
                change = example["change"]
                columns = example.get("columns", [])
                what = f"：{', '.join(columns)}" if columns else ""
                what_en = f": {', '.join(columns)}" if columns else ""
                findings.append(
                    Finding(
                        "AUDIT.READ_MODEL",
                        table,
                        ", ".join(str(k) for k in example["key"]),
                        f"{_ZH[change]}{what}",
                        f"{_EN[change]}{what_en}",
                    )
                )
            total = diff.added + diff.removed + diff.changed
            if total > len(diff.examples):
                findings.append(
                    Finding(
                        "AUDIT.READ_MODEL",
                        table,
                        f"{total - len(diff.examples)} more rows",
                        f"另有{total - len(diff.examples)}行与历史不符（缺失{diff.added}，"
                        f"多出{diff.removed}，改动{diff.changed}，共计）",
                        f"{total - len(diff.examples)} more rows differ (in all: {diff.added}"
                        f" missing, {diff.removed} not from history, {diff.changed} changed)",
                    )
                )
    return findings
