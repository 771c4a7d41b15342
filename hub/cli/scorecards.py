"""``hub scorecards``: the sources ranked worst first (监管的监管), as text, JSON, .xlsx or .csv."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path

import click

from hub.cli.options import as_json_option, data_dir_option, echo_json, settings_for
from hub.errors import InputError
from hub.query.scorecards import (
    GROUPS,
    TOP_RULES,
    Scorecard,
    grouped,
    hub_today,
    write_csv,
    write_xlsx,
)
from hub.query.scorecards import scorecards as score
from hub.runtime.embedded import EmbeddedHub, has_hub

__all__ = ["scorecards"]

MAX_DAYS = 3660  # ten years of days: a window, not a way to make the command build a huge trend

EMPTY = (
    "这个 hub 还没有登记报送来源，也没有收到任何报送：先用 hub sources add 登记来源"
    "（或用 hub demo 载入演示省份）/ no source is registered and nothing has been received:"
    " register sources with hub sources add (or load the demo province with hub demo)"
)
RANKING = (
    "排序：窗口内无报送者在前（从未报送者最前），再按退回率、国家平台退回率、距上次报送天数、"
    "平均时延由高到低 / ranked worst first: silent in the window first (never submitted first),"
    " then by rejection rate, national rejection rate, days since the last submission, mean delay"
)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


NAME = {
    "source": "来源 source",
    "department": "部门 department",
    "level": "层级 level",
    "region": "区划 region",
}


def _table(cards: Sequence[Scorecard], by: str) -> list[str]:
    """Aligned text (Chinese characters take two columns)."""
    headers = (
        ("#", True),
        (NAME[by], False),
        ("层级 level" if by != "level" else "区划 region", False),
        ("部门 department" if by == "source" else "来源数 sources", False),
        ("报送 sent", True),
        ("退回率 rejected", True),
        ("重复 dup", True),
        ("过时 stale", True),
        ("国家退回 national", True),
        ("时延h delay", True),
        ("距上次d last", True),
        ("主要规则 top rules", False),
    )
    rows = [
        (
            str(rank),
            card.source_id,
            (card.level if by != "level" else card.region) or "",
            (card.department or ("(未登记 unregistered)" if not card.registered else ""))
            if by == "source"
            else str(len(card.sources)),
            str(card.submissions),
            _percent(card.rejection_rate),
            str(card.duplicates),
            str(card.stale),
            str(card.national_rejections),
            "-" if card.mean_delay_hours is None else f"{card.mean_delay_hours:.1f}",
            "从未 never" if card.days_since_last is None else str(card.days_since_last),
            ", ".join(f"{r.rule}×{r.submissions}" for r in card.by_rule[:TOP_RULES]),
        )
        for rank, card in enumerate(cards, start=1)
    ]
    widths = [max(_width(h), *(_width(r[i]) for r in rows)) for i, (h, _) in enumerate(headers)]
    head = zip(headers, widths, strict=True)
    lines = ["  ".join(_pad(h, w, right) for (h, right), w in head).rstrip()]
    for row in rows:
        cells = zip(row, headers, widths, strict=True)
        lines.append("  ".join(_pad(c, w, right) for c, (_, right), w in cells).rstrip())
    return lines


@click.command()
@click.option(
    "--days",
    default=30,
    show_default=True,
    type=click.IntRange(1, MAX_DAYS),
    help="The window: days of receipt ending today (the hub's time zone).",
)
@click.option(
    "--by",
    type=click.Choice(("source", *GROUPS)),
    default="source",
    show_default=True,
    help="One card per source, or summed per department, level or region.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the ranking to FILE.xlsx (with the trend per day) or FILE.csv (UTF-8 with BOM).",
)
@data_dir_option
@as_json_option
def scorecards(days: int, by: str, out: Path | None, data_dir: Path | None, as_json: bool) -> None:
    """Scorecards per source (监管的监管): submissions, rejection rate and the rules behind it,
    duplicates, stale updates, national rejections, delay from business time to receipt, days
    since the last submission; ranked worst first."""
    if out is not None and out.suffix.lower() not in (".xlsx", ".csv"):
        raise click.UsageError(
            f"--out 须为 .xlsx 或 .csv 文件 / --out must end in .xlsx or .csv: {out}"
        )
    if out is not None and not out.parent.is_dir():
        raise InputError(f"目录不存在 / no such folder: {out.parent}")
    settings = settings_for(data_dir)
    if not has_hub(settings):
        raise InputError(
            f"{settings.data_dir} 中没有 hub（先运行 hub up 或 hub demo --data-dir …）/ "
            f"no hub in {settings.data_dir} (start one with hub up, or load hub demo)"
        )
    tz = settings.policy().timezone
    today = hub_today(tz)
    with EmbeddedHub(settings) as hub:
        hub.projector.run_until_current()  # the read model as far as the log goes
        cards = score(hub.views, today=today, days=days, sources=hub.store.sources())
    if by != "source":
        cards = grouped(cards, by)
    if out is not None:
        (write_xlsx if out.suffix.lower() == ".xlsx" else write_csv)(cards, out)
    if as_json:
        echo_json(
            {
                "today": today.isoformat(),
                "days": days,
                "by": by,
                "ranking": RANKING,
                **({"out": str(out)} if out is not None else {}),
                "scorecards": [c.to_dict() for c in cards],
            }
        )
    if not cards:
        click.echo(EMPTY, err=True)
        if out is not None:
            click.echo(f"{out}: 只有表头 / headers only, no rows", err=True)
        return
    if sum(c.submissions for c in cards) == 0:
        click.echo(
            f"近 {days} 天没有收到报送 / nothing received in the last {days} days"
            f" (to {today.isoformat()})",
            err=True,
        )
    if as_json:
        return
    if out is not None:
        click.echo(f"{out}: {len(cards)} 行 rows ({today.isoformat()}, {days} 天 days)")
        return
    click.echo(f"评分卡 scorecards: {days} 天 days to {today.isoformat()}, by {by}")
    click.echo(RANKING)
    for line in _table(cards, by):
        click.echo(line)
