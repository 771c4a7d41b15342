"""The scorecards read model is exact: its counters are what the history says, counted here
from the store's events on their own, on SQLite and on PostgreSQL; a replay gives the same rows;
days fall in the hub's time zone; the delay runs from the record's business time."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any, Protocol

import pytest
from click.testing import CliRunner

from hub.cli import cli
from hub.connectors.submissions import record_submissions
from hub.domain.values import Source
from hub.errors import SerializationError
from hub.events import Codec, load_codec
from hub.events.streams import DELIVERIES, RECORDS, SUBMISSIONS, VERDICTS
from hub.projections import ViewStore
from hub.projections.scorecards import DAYS, OUTCOMES, RULES
from hub.runtime.embedded import EmbeddedHub
from hub.runtime.replay import diff, rebuild
from hub.settings import HubSettings
from hub.standard import Standard, Validator
from hub.storage.ports import Store
from hub.testing.factories import make_uscc
from tests.scorecards.conftest import Loaded

Rows = dict[str, list[tuple[Any, ...]]]


class _Log(Protocol):
    store: Store
    codec: Codec


def _events(hub: _Log, stream: str) -> list[Any]:
    return [hub.codec.decode_event(stream, s.position, s.body) for s in hub.store.scan(stream)]


def expected_rows(hub: _Log, utc_offset_hours: int = 8) -> Rows:
    """The three tables as the events say, counted without the projection's code."""
    offset = dt.timedelta(hours=utc_offset_hours)

    def day(moment: dt.datetime) -> str:
        return (moment.astimezone(dt.UTC).replace(tzinfo=None) + offset).strftime("%Y-%m-%d")

    outcomes: Counter[tuple[str, str, str]] = Counter()
    rules: Counter[tuple[str, str, str]] = Counter()
    days: dict[tuple[str, str], Counter[str]] = {}
    for e in _events(hub, VERDICTS):
        p = e.payload
        outcomes[(p["source_id"], p["record_type"], p["outcome"])] += 1
        errors = {v["rule"] for v in p["violations"] if v["severity"] == "error"}
        for rule in errors:
            rules[(p["source_id"], p["record_type"], rule)] += 1
        c = days.setdefault((p["source_id"], day(e.event.occurred_at)), Counter())
        c["submissions"] += 1
        c["rejected"] += p["outcome"] == "rejected"
        c["duplicates"] += p["outcome"] == "duplicate"
        c["stale"] += p["outcome"] == "stale"
    for e in _events(hub, RECORDS):
        p = e.payload
        if p["retracted"]:
            continue
        business = hub.codec.decode(p["content"])[1]["updated_at"]
        seconds = (e.event.occurred_at - business).total_seconds()
        c = days.setdefault((p["source_id"], day(e.event.occurred_at)), Counter())
        c["delay_ms_sum"] += max(0, round(seconds * 1000))
        c["delay_n"] += 1
    for e in _events(hub, DELIVERIES):
        if e.payload["state"] == "rejected":
            key = (e.payload["source_id"], day(e.event.occurred_at))
            days.setdefault(key, Counter())["national_rejections"] += 1
    names = DAYS.names[2:]
    return {
        OUTCOMES.name: sorted((*k, n) for k, n in outcomes.items()),
        RULES.name: sorted((*k, n) for k, n in rules.items()),
        DAYS.name: sorted((*k, *(c[n] for n in names)) for k, c in days.items()),
    }


def stored_rows(views: ViewStore) -> Rows:
    return {t.name: sorted(tuple(r) for r in views.rows(t)) for t in (OUTCOMES, RULES, DAYS)}


def test_the_read_model_is_what_the_events_say_and_a_replay_rebuilds_it(demo: Loaded) -> None:
    hub = demo
    want = expected_rows(hub)
    got = stored_rows(hub.views)
    assert got == want
    # the demo exercises every counter: rejections by rule, duplicates, stale, national
    # rejections, delays
    days = got[DAYS.name]
    assert len(got[RULES.name]) >= 5
    for column in ("rejected", "duplicates", "stale", "national_rejections", "delay_n"):
        at = DAYS.names.index(column)
        assert sum(r[at] for r in days) > 0, column
    received = sum(hub.store.counts(SUBMISSIONS).values())
    assert sum(r[-1] for r in got[OUTCOMES.name]) == received
    assert diff(hub.views, hub.store, hub.codec, "scorecards").identical
    applied = rebuild(hub.views, hub.store, hub.codec, "scorecards")
    assert applied == sum(hub.store.head(s) for s in (VERDICTS, RECORDS, DELIVERIES))
    assert stored_rows(hub.views) == want


SOURCE = Source("gz-440106", "county", "440106", "广州市天河区市场监督管理局")


def _entity(example: Any, n: int, updated_at: str) -> dict[str, Any]:
    record = dict(example("supervised_entity"))
    record["uscc"] = make_uscc("440106", random.Random(n))
    record["source_record_id"] = f"GZ-SCZT-{n}"
    record["updated_at"] = updated_at
    return record


def _load(data_dir: Path, utc_offset_hours: int, records: list[dict[str, Any]]) -> EmbeddedHub:
    hub = EmbeddedHub(HubSettings(data_dir=data_dir, utc_offset_hours=utc_offset_hours))
    hub.register_sources([SOURCE])
    received = dt.datetime(2026, 1, 1, 18, 0, tzinfo=dt.UTC)  # 2026-01-02 02:00 in Beijing
    hub.ingest(
        record_submissions(
            SOURCE.source_id, "supervised_entity", records, batch_id="b1", received_at=received
        )
    )
    hub.run_until_idle()
    hub.projector.run_until_current()
    return hub


def test_days_are_in_the_hubs_time_zone_and_delay_runs_from_business_time(
    tmp_path: Path, example: Any
) -> None:
    """Received 2026-01-01 18:00 UTC: 2 January in Beijing, 1 January on a UTC hub. Business
    times 2025-12-31 18:00+08:00 (32 h before) and one after receipt (no delay, not negative)."""
    records = [
        _entity(example, 1, "2025-12-31T18:00:00+08:00"),
        _entity(example, 2, "2026-01-05T09:00:00+08:00"),
        {"uscc": "not a code", "source_record_id": "GZ-BAD"},
    ]
    for offset, day in ((8, "2026-01-02"), (0, "2026-01-01")):
        with _load(tmp_path / f"tz{offset}", offset, records) as hub:
            got = stored_rows(hub.views)
            assert got == expected_rows(hub, offset)
            (row,) = got[DAYS.name]
            values = dict(zip(DAYS.names, row, strict=True))
            assert values["day"] == day
            assert values["submissions"] == 3 and values["rejected"] == 1
            assert values["delay_n"] == 2
            assert values["delay_ms_sum"] == 32 * 3600 * 1000
            rules = {r[2] for r in got[RULES.name]}
            assert rules and all(r[1] == "supervised_entity" for r in got[RULES.name])


def test_the_audit_rebuilds_it_in_the_hubs_time_zone_and_names_an_edited_row(
    tmp_path: Path, example: Any
) -> None:
    """``hub audit verify`` on a UTC hub compares with a build in UTC (in Beijing time the days
    would all differ); a counter edited in ``views.db`` is named by its table and key."""
    records = [_entity(example, 1, "2025-12-31T18:00:00+08:00")]
    data_dir = tmp_path / "utc"
    _load(data_dir, 0, records).close()
    runner = CliRunner()
    env = {"HUB_UTC_OFFSET_HOURS": "0", "HUB_DATABASE_URL": None}
    verified = runner.invoke(cli, ["audit", "verify", "--data-dir", str(data_dir)], env=env)
    assert verified.exit_code == 0, verified.output
    beijing = runner.invoke(cli, ["audit", "verify", "--data-dir", str(data_dir)])
    assert beijing.exit_code == 1 and "source_days" in beijing.output
    views = sqlite3.connect(data_dir / "views.db")
    views.execute("UPDATE source_days SET rejected = rejected + 1")
    views.commit()
    views.close()
    tampered = runner.invoke(cli, ["audit", "verify", "--data-dir", str(data_dir)], env=env)
    assert tampered.exit_code == 1
    assert "source_days" in tampered.output and "gz-440106, 2026-01-01" in tampered.output


def test_the_business_time_is_read_alone_and_bad_content_is_refused(
    example: Any, standard: Standard, validator: Validator
) -> None:
    """The projection reads only ``updated_at`` of a version's content: the same value the whole
    record decodes to; bytes that are not a record, or lack the field, are a SerializationError."""
    codec = load_codec(standard.root)
    record = _entity(example, 3, "2025-03-01T09:15:00+08:00")
    outcome = validator.validate("supervised_entity", record)
    assert outcome.record is not None
    data = codec.encode(standard.record_type("supervised_entity").full_name, outcome.record)
    whole = codec.decode(data)[1]
    assert codec.decode_fields(data, ("updated_at",)) == {"updated_at": whole["updated_at"]}
    assert whole["updated_at"] == dt.datetime(2025, 3, 1, 1, 15, tzinfo=dt.UTC)
    with pytest.raises(SerializationError):
        codec.decode_fields(b"garbage", ("updated_at",))
    with pytest.raises(SerializationError):
        codec.decode_fields(data, ("no_such_field",))
    with pytest.raises(SerializationError):
        codec.decode_fields(data[:12], ("updated_at",))
