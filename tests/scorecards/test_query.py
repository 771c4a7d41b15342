"""Scorecards read from the read model: figures equal to the history's, ranked as documented,
a silent source first, trends with their silent days, exports read back with openpyxl and csv."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from hub.domain.values import Source
from hub.events.streams import SUBMISSIONS
from hub.projections.scorecards import DAYS, RULES
from hub.query.scorecards import (
    COLUMNS,
    RuleCount,
    Scorecard,
    TrendPoint,
    departments,
    grouped,
    hub_today,
    scorecards,
    trend,
    write_csv,
    write_xlsx,
)
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from tests.scorecards.conftest import Loaded
from tests.scorecards.test_projection import expected_rows

SILENT = Source("zj-330784-scjg", "county", "330784", "永康市市场监督管理局")


def _loaded(settings: HubSettings) -> tuple[EmbeddedHub, dt.date]:
    hub = EmbeddedHub(settings)
    hub.projector.run_until_current()
    return hub, hub_today(settings.policy().timezone)


def test_cards_hold_what_the_history_says_and_rank_worst_first(demo: Loaded) -> None:
    today = hub_today(demo.settings.policy().timezone)
    registry = demo.store.sources()
    cards = scorecards(demo.views, today=today, days=30, sources=[*registry, SILENT])
    want = expected_rows(demo)
    received = sum(demo.store.counts(SUBMISSIONS).values())
    names = DAYS.names
    per_source: dict[str, dict[str, int]] = {}
    for row in want[DAYS.name]:
        sums = per_source.setdefault(row[0], dict.fromkeys(names[2:], 0))
        for name, value in zip(names[2:], row[2:], strict=True):
            sums[name] += value
    by_id = {c.source_id: c for c in cards}
    assert set(by_id) == {s.source_id for s in registry} | {SILENT.source_id}
    assert sum(c.submissions for c in cards) == received  # the demo received everything today
    for source_id, sums in per_source.items():
        card = by_id[source_id]
        assert card.submissions == sums["submissions"]
        assert card.rejected == sums["rejected"]
        assert card.duplicates == sums["duplicates"] and card.stale == sums["stale"]
        assert card.national_rejections == sums["national_rejections"]
        assert (
            card.accepted
            == sums["submissions"] - sums["rejected"] - sums["duplicates"] - sums["stale"]
        )
        if sums["delay_n"]:
            hours = sums["delay_ms_sum"] / sums["delay_n"] / 3_600_000
            assert card.mean_delay_hours == pytest.approx(hours)
        assert card.days_since_last == 0 and card.last_day == today
        rules = sorted(
            ((r[2], r[3]) for r in want[RULES.name] if r[0] == source_id),
            key=lambda kv: (-kv[1], kv[0]),
        )
        merged: dict[str, int] = {}
        for rule, n in rules:
            merged[rule] = merged.get(rule, 0) + n
        assert {r.rule: r.submissions for r in card.by_rule} == merged
        assert [r.submissions for r in card.by_rule] == sorted(merged.values(), reverse=True)
        assert card.trend[-1] == TrendPoint(today, card.submissions, card.rejected)
        assert len(card.trend) == 30 and sum(t.submissions for t in card.trend[:-1]) == 0
        card_dict = card.to_dict()
        assert card_dict["source_id"] == source_id and len(card_dict["trend"]) == 30
    # the silent source: registered, never submitted, ranked first
    assert cards[0].source_id == SILENT.source_id
    assert cards[0].submissions == 0 and cards[0].days_since_last is None
    assert cards[0].department == "永康市市场监督管理局" and cards[0].rejection_rate is None
    # the others by rejection rate, then national rejection rate, days since last, mean delay
    active = cards[1:]
    keys = [
        (
            -(c.rejected / c.submissions),
            -(c.national_rejections / c.submissions),
            -(c.days_since_last or 0),
            -(c.mean_delay_hours or 0.0),
            c.source_id,
        )
        for c in active
    ]
    assert keys == sorted(keys)
    assert (active[0].rejection_rate or 0.0) > (active[-1].rejection_rate or 0.0)


def test_groups_sum_their_sources(demo_sqlite: HubSettings) -> None:
    hub, today = _loaded(demo_sqlite)
    with hub:
        cards = scorecards(hub.views, today=today, sources=hub.store.sources())
    for by in ("department", "level", "region"):
        groups = grouped(cards, by)
        assert sum(g.submissions for g in groups) == sum(c.submissions for c in cards)
        assert sum(len(g.sources) for g in groups) == len(cards)
        assert sum(g.national_rejections for g in groups) == sum(
            c.national_rejections for c in cards
        )
    levels = {g.source_id: g for g in grouped(cards, "level")}
    assert set(levels) == {"province", "city", "county"}
    county = [c for c in cards if c.level == "county"]
    assert levels["county"].rejected == sum(c.rejected for c in county)
    assert levels["county"].by_rule[0].submissions == max(
        sum(r.submissions for c in county for r in c.by_rule if r.rule == rule)
        for rule in {r.rule for c in county for r in c.by_rule}
    )
    # a city's market-regulation and meteorological bureaus share its region code
    hangzhou = {g.source_id: g for g in grouped(cards, "region")}["330100"]
    assert sorted(hangzhou.sources) == ["zj-330100-qx", "zj-330100-scjg"]
    assert hangzhou.department is None and hangzhou.level == "city"
    assert len(departments(cards)) == len({c.department for c in cards})
    with pytest.raises(ValueError):
        grouped(cards, "nothing")


def test_trend_and_silence_over_days(tmp_path: Path, example: Any) -> None:
    """The time-zone hub of the projection tests: received 2 January (Beijing)."""
    from tests.scorecards.test_projection import SOURCE, _entity, _load

    records = [
        _entity(example, 1, "2025-12-31T18:00:00+08:00"),
        {"uscc": "not a code", "source_record_id": "GZ-BAD"},
    ]
    with _load(tmp_path / "hub", 8, records) as hub:
        views = hub.views
        points = trend(views, SOURCE.source_id, 3, today=dt.date(2026, 1, 3))
        assert points == [
            TrendPoint(dt.date(2026, 1, 1), 0, 0),
            TrendPoint(dt.date(2026, 1, 2), 2, 1),
            TrendPoint(dt.date(2026, 1, 3), 0, 0),
        ]
        late = scorecards(views, today=dt.date(2026, 1, 10), days=7, sources=[SOURCE])
        (card,) = late
        assert card.submissions == 0 and card.days_since_last == 8
        assert card.last_day == dt.date(2026, 1, 2) and card.mean_delay_hours is None
        assert card.submissions_all_time == 2 and card.by_rule[0].rate == 0.5
        (inside,) = scorecards(views, today=dt.date(2026, 1, 2), days=1, sources=[SOURCE])
        assert inside.mean_delay_hours == pytest.approx(32.0) and inside.rejection_rate == 0.5
        with pytest.raises(ValueError):
            scorecards(views, today=dt.date(2026, 1, 2), days=0)
    assert hub_today(
        dt.timezone(dt.timedelta(hours=8)), dt.datetime(2026, 1, 1, 18, tzinfo=dt.UTC)
    ) == dt.date(2026, 1, 2)


def _card(source_id: str, department: str, **figures: Any) -> Scorecard:
    values: dict[str, Any] = {
        "level": "county",
        "region": "330106",
        "registered": True,
        "submissions": 10,
        "accepted": 6,
        "rejected": 4,
        "rejection_rate": 0.4,
        "duplicates": 0,
        "stale": 0,
        "national_rejections": 1,
        "mean_delay_hours": 50.25,
        "delayed": 6,
        "days_since_last": 0,
        "last_day": dt.date(2026, 1, 2),
        "by_rule": (RuleCount("USCC.CHECK18", 3, 0.3), RuleCount("SCHEMA.REQUIRED", 1, 0.1)),
        "trend": (TrendPoint(dt.date(2026, 1, 1), 0, 0), TrendPoint(dt.date(2026, 1, 2), 10, 4)),
        "submissions_all_time": 10,
    }
    values.update(figures)
    return Scorecard(source_id=source_id, department=department, **values)


def test_exports_read_back(tmp_path: Path, demo_sqlite: HubSettings) -> None:
    hub, today = _loaded(demo_sqlite)
    with hub:
        cards = scorecards(hub.views, today=today, days=7, sources=hub.store.sources())
    hostile = _card('=HYPERLINK("http://x")', "-2+3 西湖区市场监督管理局")
    cards = [hostile, *cards]
    xlsx, text = tmp_path / "评分卡.xlsx", tmp_path / "scorecards.csv"
    write_xlsx(cards, xlsx)
    write_csv(cards, text)

    book = load_workbook(xlsx, read_only=True)
    assert book.sheetnames == ["评分卡 Scorecards", "趋势 Trend"]
    rows = list(book["评分卡 Scorecards"].iter_rows(values_only=True))
    assert rows[0][0] == "排名 rank" and rows[0][1].startswith("报送来源")  # Chinese first
    assert len(rows) == len(cards) + 1
    assert [r[1] for r in rows[2:]] == [c.source_id for c in cards[1:]]
    assert rows[1][1] == '\'=HYPERLINK("http://x")' and rows[1][4].startswith("'-2+3")
    header = [h.split(" ")[1] for h in rows[0]]
    assert header == [en for _, en in COLUMNS]
    for row, card in zip(rows[2:], cards[1:], strict=True):
        cell = dict(zip(header, row, strict=True))
        assert cell["submissions"] == card.submissions and cell["rejected"] == card.rejected
        assert cell["national_rejections"] == card.national_rejections
        assert cell["department"] == card.department
    trend_rows = list(book["趋势 Trend"].iter_rows(values_only=True))
    assert len(trend_rows) == 1 + sum(len(c.trend) for c in cards)
    assert trend_rows[0][1] == "日期 day" and trend_rows[1] == (
        '\'=HYPERLINK("http://x")',
        "2026-01-01",
        0,
        0,
    )
    book.close()

    raw = text.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel in China opens UTF-8 only with the BOM
    with text.open(encoding="utf-8-sig", newline="") as f:
        read = list(csv.reader(f))
    assert read[0] == [f"{zh} {en}" for zh, en in COLUMNS]
    assert read[1][1] == '\'=HYPERLINK("http://x")'
    assert read[1][-1] == "USCC.CHECK18 ×3; SCHEMA.REQUIRED ×1"
    assert [r[1] for r in read[2:]] == [c.source_id for c in cards[1:]]
    assert {r[4] for r in read[2:]} == {c.department for c in cards[1:]}
    assert "市场监督管理局" in raw.decode("utf-8-sig")
