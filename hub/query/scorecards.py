"""Scorecards per source and per department (监管的监管): who submits late, badly, or not at all.

Read from the ``scorecards`` read model (:mod:`hub.projections.scorecards`) and the source registry.
A scorecard covers a window of ``days`` days of receipt ending ``today`` (the hub's time zone),
except ``by_rule``, which covers the whole history (the read model keeps rules per source and
type, not per day); its rates are over the source's submissions since the start.

Ranked worst first, by this key, compared in order:

1. a source that sent nothing in the window comes before any that did (not submitting at all is
   the first thing a supervisor of supervisors looks for); among those, the longer silent first,
   a registered source that never submitted first of all;
2. the higher rejection rate (rejected / submissions in the window);
3. the higher national rejection rate (national rejections / submissions in the window);
4. the more days since the last submission;
5. the longer mean delay from business time to receipt;
6. the source id (a stable order for ties).

Nothing here holds personal data: counts, rule codes, the source's registered level, region and
department. The exports neutralise cells a spreadsheet would run as a formula (a source id
arriving as ``=...`` on an inbound topic is data, not a formula).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from hub.domain.values import Source
from hub.projections.ports import ViewStore
from hub.projections.scorecards import DAYS, OUTCOMES, RULES
from hub.standard import ValidationPolicy

__all__ = [
    "COLUMNS",
    "GROUPS",
    "RuleCount",
    "Scorecard",
    "TrendPoint",
    "departments",
    "grouped",
    "hub_today",
    "scorecards",
    "trend",
    "write_csv",
    "write_xlsx",
]

TOP_RULES = 5  # rules the exports name per scorecard (``by_rule`` holds them all)


@dataclass(frozen=True, slots=True)
class RuleCount:
    """Submissions one rule rejected, and their share of the source's submissions."""

    rule: str
    submissions: int
    rate: float

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "submissions": self.submissions, "rate": self.rate}


@dataclass(frozen=True, slots=True)
class TrendPoint:
    day: dt.date
    submissions: int
    rejected: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "submissions": self.submissions,
            "rejected": self.rejected,
        }


@dataclass(frozen=True, slots=True)
class Scorecard:
    """One source's (or, from :func:`departments`, one department's) figures for the window.

    ``rejection_rate`` and ``mean_delay_hours`` are None when there is nothing to divide by;
    ``days_since_last`` is None for a source that never submitted. ``by_rule``: every rule
    that rejected the source's submissions, most submissions first. ``registered``: False for a
    source id that submitted without being registered (its submissions were all rejected).
    ``submissions_all_time`` (since the start, what ``by_rule`` rates are over) and
    ``delayed`` (the record versions ``mean_delay_hours`` averages) let cards be summed.
    ``sources``: the source ids a department's card sums (empty on a source's own card)."""

    source_id: str
    level: str | None
    region: str | None
    department: str | None
    registered: bool
    submissions: int
    accepted: int
    rejected: int
    rejection_rate: float | None
    duplicates: int
    stale: int
    national_rejections: int
    mean_delay_hours: float | None
    delayed: int
    days_since_last: int | None
    last_day: dt.date | None
    by_rule: tuple[RuleCount, ...]
    trend: tuple[TrendPoint, ...]
    submissions_all_time: int
    sources: tuple[str, ...] = field(default=())

    @property
    def national_rejection_rate(self) -> float | None:
        return self.national_rejections / self.submissions if self.submissions else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_id": self.source_id,
            "level": self.level,
            "region": self.region,
            "department": self.department,
            "registered": self.registered,
            "submissions": self.submissions,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "rejection_rate": self.rejection_rate,
            "duplicates": self.duplicates,
            "stale": self.stale,
            "national_rejections": self.national_rejections,
            "mean_delay_hours": self.mean_delay_hours,
            "delayed": self.delayed,
            "days_since_last": self.days_since_last,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "by_rule": [r.to_dict() for r in self.by_rule],
            "trend": [t.to_dict() for t in self.trend],
            "submissions_all_time": self.submissions_all_time,
            **({"sources": list(self.sources)} if self.sources else {}),
        }


def hub_today(timezone: dt.tzinfo | None = None, now: dt.datetime | None = None) -> dt.date:
    """Today in the hub's time zone (default: the standard's, Beijing time)."""
    moment = now or dt.datetime.now(dt.UTC)
    return moment.astimezone(timezone or ValidationPolicy().timezone).date()


def _window(today: dt.date, days: int) -> list[dt.date]:
    if days < 1:
        raise ValueError("days must be at least 1")
    return [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]


def _day_rows(views: ViewStore, source_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    where = {"source_id": list(source_ids)} if source_ids is not None else None
    return [dict(zip(DAYS.names, r, strict=True)) for r in views.rows(DAYS, where=where)]


def trend(
    views: ViewStore, source_id: str, days: int = 30, *, today: dt.date | None = None
) -> list[TrendPoint]:
    """Submissions and rejections per day of the window, oldest first, days without any
    included as zeros (a chart shows silence as silence)."""
    window = _window(today or hub_today(), days)
    by_day = {r["day"]: r for r in _day_rows(views, [source_id])}
    return [
        TrendPoint(
            d,
            int(by_day.get(d.isoformat(), {}).get("submissions", 0)),
            int(by_day.get(d.isoformat(), {}).get("rejected", 0)),
        )
        for d in window
    ]


def scorecards(
    views: ViewStore,
    *,
    today: dt.date,
    days: int = 30,
    sources: Iterable[Source] = (),
) -> list[Scorecard]:
    """Every source's scorecard over the ``days`` days ending ``today``, worst first (the
    module's docstring says how). ``sources``: the registry (``store.sources()``), so a source
    that never submitted still gets a card, with its level, region and department."""
    window = _window(today, days)
    first, last = window[0].isoformat(), window[-1].isoformat()
    registry = {s.source_id: s for s in sources}
    rows = _day_rows(views)
    all_time: dict[str, int] = {}
    for source_id, _, _, n in views.rows(OUTCOMES):
        all_time[source_id] = all_time.get(source_id, 0) + int(n)
    rules: dict[str, dict[str, int]] = {}
    for source_id, _, rule, n in views.rows(RULES):
        per = rules.setdefault(source_id, {})
        per[rule] = per.get(rule, 0) + int(n)
    ids = sorted(set(registry) | set(all_time) | {r["source_id"] for r in rows})
    inside: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
    last_day: dict[str, str] = {}
    for r in rows:
        source_id, day = r["source_id"], r["day"]
        if first <= day <= last:
            inside[source_id].append(r)
        if r["submissions"] and day <= last and day > last_day.get(source_id, ""):
            last_day[source_id] = day
    cards = [
        _card(
            source_id,
            registry.get(source_id),
            inside[source_id],
            rules.get(source_id, {}),
            all_time.get(source_id, 0),
            last_day.get(source_id),
            window,
        )
        for source_id in ids
    ]
    return sorted(cards, key=_worst_first)


def _card(
    source_id: str,
    source: Source | None,
    rows: list[dict[str, Any]],
    rules: dict[str, int],
    all_time: int,
    last: str | None,
    window: list[dt.date],
) -> Scorecard:
    def total(column: str) -> int:
        return sum(int(r[column]) for r in rows)

    submissions, rejected = total("submissions"), total("rejected")
    duplicates, stale = total("duplicates"), total("stale")
    delay_n = total("delay_n")
    by_day = {r["day"]: r for r in rows}
    top = sorted(rules.items(), key=lambda kv: (-kv[1], kv[0]))
    last_day = dt.date.fromisoformat(last) if last else None
    return Scorecard(
        source_id=source_id,
        level=source.level if source else None,
        region=source.region_code if source else None,
        department=source.department if source else None,
        registered=source is not None,
        submissions=submissions,
        accepted=submissions - rejected - duplicates - stale,
        rejected=rejected,
        rejection_rate=rejected / submissions if submissions else None,
        duplicates=duplicates,
        stale=stale,
        national_rejections=total("national_rejections"),
        mean_delay_hours=total("delay_ms_sum") / delay_n / 3_600_000 if delay_n else None,
        delayed=delay_n,
        days_since_last=(window[-1] - last_day).days if last_day else None,
        last_day=last_day,
        by_rule=tuple(RuleCount(rule, n, n / all_time if all_time else 0.0) for rule, n in top),
        trend=tuple(
            TrendPoint(
                d,
                int(by_day.get(d.isoformat(), {}).get("submissions", 0)),
                int(by_day.get(d.isoformat(), {}).get("rejected", 0)),
            )
            for d in window
        ),
        submissions_all_time=all_time,
    )


def _worst_first(card: Scorecard) -> tuple[Any, ...]:
    silent = card.submissions == 0
    never = card.days_since_last is None
    return (
        not silent,
        silent and not never,  # silent: never submitted first, then the longest silent
        -(card.days_since_last or 0) if silent else 0,
        -(card.rejection_rate or 0.0),
        -(card.national_rejection_rate or 0.0),
        -(card.days_since_last or 0),
        -(card.mean_delay_hours or 0.0),
        card.source_id,
    )


GROUPS = ("department", "level", "region")


def grouped(cards: Sequence[Scorecard], by: str) -> list[Scorecard]:
    """The cards summed per group, ranked the same way: ``department`` (a bureau running several
    submitting systems is one department), ``level`` (province, city, county) or ``region`` (the
    sources registered for one region code, e.g. a city's market-regulation and meteorological
    bureaus). A group's card is named by its key (a source outside the registry by its id); its
    level, region and department are its sources' when they share them. By-rule counts are
    summed and their rates recomputed over the group's submissions since the start; the mean
    delay is weighted by each source's delayed versions; days since last are the group's most
    recent submission's."""
    if by not in GROUPS:
        raise ValueError(f"group by one of {', '.join(GROUPS)}, not {by!r}")
    groups: dict[str, list[Scorecard]] = {}
    for card in cards:
        key = {"department": card.department, "level": card.level, "region": card.region}[by]
        groups.setdefault(key or card.source_id, []).append(card)
    return sorted((_sum(name, members) for name, members in groups.items()), key=_worst_first)


def departments(cards: Sequence[Scorecard]) -> list[Scorecard]:
    """The cards per registered department (:func:`grouped` by ``department``)."""
    return grouped(cards, "department")


def _sum(name: str, members: list[Scorecard]) -> Scorecard:
    def total(attr: str) -> int:
        return sum(int(getattr(c, attr)) for c in members)

    def shared(attr: str) -> str | None:
        values = {getattr(c, attr) for c in members}
        return values.pop() if len(values) == 1 else None

    submissions, rejected = total("submissions"), total("rejected")
    all_time, delayed = total("submissions_all_time"), total("delayed")
    rule_counts: dict[str, int] = {}
    for c in members:
        for r in c.by_rule:
            rule_counts[r.rule] = rule_counts.get(r.rule, 0) + r.submissions
    top = sorted(rule_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    delay_hours = sum((c.mean_delay_hours or 0.0) * c.delayed for c in members)
    last_days = [c.last_day for c in members if c.last_day is not None]
    since = [c.days_since_last for c in members if c.days_since_last is not None]
    trend_by_day: dict[dt.date, tuple[int, int]] = {}
    for c in members:
        for t in c.trend:
            sent, refused = trend_by_day.get(t.day, (0, 0))
            trend_by_day[t.day] = (sent + t.submissions, refused + t.rejected)
    return replace(
        members[0],
        source_id=name,
        level=shared("level"),
        region=shared("region"),
        department=shared("department"),
        registered=all(c.registered for c in members),
        submissions=submissions,
        accepted=total("accepted"),
        rejected=rejected,
        rejection_rate=rejected / submissions if submissions else None,
        duplicates=total("duplicates"),
        stale=total("stale"),
        national_rejections=total("national_rejections"),
        mean_delay_hours=delay_hours / delayed if delayed else None,
        delayed=delayed,
        days_since_last=min(since) if since else None,
        last_day=max(last_days) if last_days else None,
        by_rule=tuple(RuleCount(rule, n, n / all_time if all_time else 0.0) for rule, n in top),
        trend=tuple(TrendPoint(d, *trend_by_day[d]) for d in sorted(trend_by_day)),
        submissions_all_time=all_time,
        sources=tuple(c.source_id for c in members),
    )


# -- exports ----------------------------------------------------------------------------------

#: The exported columns: (Chinese, English) headers, Chinese first.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("排名", "rank"),
    ("报送来源", "source_id"),
    ("层级", "level"),
    ("行政区划", "region"),
    ("部门", "department"),
    ("报送量", "submissions"),
    ("接收", "accepted"),
    ("退回", "rejected"),
    ("退回率", "rejection_rate"),
    ("重复报送", "duplicates"),
    ("过时更新", "stale"),
    ("国家平台退回", "national_rejections"),
    ("平均时延（小时）", "mean_delay_hours"),
    ("距上次报送（天）", "days_since_last"),
    ("最近报送日", "last_day"),
    ("主要退回规则（全部历史）", "top_rules"),
)

TREND_COLUMNS: tuple[tuple[str, str], ...] = (
    ("报送来源", "source_id"),
    ("日期", "day"),
    ("报送量", "submissions"),
    ("退回", "rejected"),
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """A string a spreadsheet shows as text, never runs (CSV/formula injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _headers(columns: Sequence[tuple[str, str]]) -> list[str]:
    return [f"{zh} {en}" for zh, en in columns]


def _cells(rank: int, card: Scorecard) -> list[Any]:
    def rounded(value: float | None, digits: int) -> float | None:
        return None if value is None else round(value, digits)

    rules = "; ".join(f"{r.rule} ×{r.submissions}" for r in card.by_rule[:TOP_RULES])
    return [
        rank,
        _text(card.source_id),
        _text(card.level or ""),
        _text(card.region or ""),
        _text(card.department or ""),
        card.submissions,
        card.accepted,
        card.rejected,
        rounded(card.rejection_rate, 4),
        card.duplicates,
        card.stale,
        card.national_rejections,
        rounded(card.mean_delay_hours, 1),
        card.days_since_last,
        card.last_day.isoformat() if card.last_day else None,
        rules,
    ]


def write_xlsx(cards: Sequence[Scorecard], path: Path) -> None:
    """An Excel workbook: 评分卡 (one row per card, in rank order) and 趋势 (per card and day).
    Written in openpyxl's write-only mode (rows streamed, not held as cell objects)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("评分卡 Scorecards")
    sheet.append(_headers(COLUMNS))
    for rank, card in enumerate(cards, start=1):
        sheet.append(_cells(rank, card))
    days = book.create_sheet("趋势 Trend")
    days.append(_headers(TREND_COLUMNS))
    for card in cards:
        for t in card.trend:
            days.append([_text(card.source_id), t.day.isoformat(), t.submissions, t.rejected])
    book.save(path)


def write_csv(cards: Sequence[Scorecard], path: Path) -> None:
    """CSV in UTF-8 with a byte-order mark (Excel in China opens it as UTF-8, not GBK), one row
    per card in rank order; the trend is in the .xlsx export and the JSON."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(_headers(COLUMNS))
        for rank, card in enumerate(cards, start=1):
            writer.writerow(["" if v is None else v for v in _cells(rank, card)])
