"""The front-end database connector (前置库) against a real PostgreSQL exchange table: inserts,
updates, deletes (retractions), an unknown operation, a late commit behind the watermark, a
re-poll that stores nothing twice, and the ``hub connect frontdb`` command."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from hub.connectors.frontdb import FrontDb
from hub.projections.records import CURRENT
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.sources import COUNTY

ROOT = Path(__file__).resolve().parents[2]
T0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)


class Exchange:
    """A source's exchange table ``cd_inspection`` with the record's columns and cd_*."""

    def __init__(self, url: str, example: dict[str, Any]) -> None:
        self.url = url
        self.fields = list(example)
        columns = [
            sql.SQL("{} {}").format(
                sql.Identifier(k), sql.SQL("text[]" if isinstance(v, list) else "text")
            )
            for k, v in example.items()
        ]
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                sql.SQL(
                    "CREATE TABLE cd_inspection ({}, cd_id bigint PRIMARY KEY,"
                    " cd_time timestamptz NOT NULL, cd_source text, cd_batch text,"
                    " cd_operation char(1))"
                ).format(sql.SQL(", ").join(columns))
            )
        self.next_id = 1

    def write(self, record: dict[str, Any], operation: str, at: dt.datetime) -> int:
        cd_id, self.next_id = self.next_id, self.next_id + 1
        names = [*self.fields, "cd_id", "cd_time", "cd_source", "cd_batch", "cd_operation"]
        values = [record.get(f) for f in self.fields] + [cd_id, at, "xh-jg", "b1", operation]
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("INSERT INTO cd_inspection ({}) VALUES ({})").format(
                    sql.SQL(", ").join(map(sql.Identifier, names)),
                    sql.SQL(", ").join(sql.Placeholder() * len(names)),
                ),
                values,
            )
        return cd_id


def county_poller(settings: HubSettings, hub: EmbeddedHub, url: str, **options: Any) -> FrontDb:
    """The county's poller of ``cd_inspection`` into ``hub``."""
    return FrontDb(
        settings,
        hub.store,
        hub.codec,
        source_id=COUNTY.source_id,
        record_type="inspection",
        url=url,
        table="cd_inspection",
        **options,
    )


@pytest.fixture
def exchange(pg_url: str, inspection: dict[str, Any]) -> Exchange:
    return Exchange(pg_url, inspection)


def _day(inspection: dict[str, Any], day: int) -> dict[str, Any]:
    return dict(inspection, inspection_time=f"2025-03-0{day}T09:30:00+08:00")


def test_rows_become_submissions_deletes_retract_and_nothing_is_stored_twice(
    tmp_path: Path, exchange: Exchange, inspection: dict[str, Any]
) -> None:
    settings = HubSettings(data_dir=tmp_path / "hub")
    with EmbeddedHub(settings) as hub:
        hub.register_sources([COUNTY])
        poller = county_poller(settings, hub, exchange.url, batch=2, overlap_s=60)
        try:
            for day in (6, 7, 8):
                exchange.write(_day(inspection, day), "i", T0 + dt.timedelta(seconds=day))
            assert [poller.poll(), poller.poll(), poller.poll()] == [(2, 2), (1, 1), (0, 0)]
            hub.run_until_idle(settle_deliveries=False)

            moved = dict(_day(inspection, 6), business_address="广州市天河区体育西路1号")
            exchange.write(moved, "u", T0 + dt.timedelta(minutes=1))
            exchange.write(_day(inspection, 7), "d", T0 + dt.timedelta(minutes=2))
            exchange.write(_day(inspection, 8), "x", T0 + dt.timedelta(minutes=3))
            assert poller.poll() == (2, 2) and poller.poll() == (1, 1)
            # a transaction that committed late, behind the watermark but within the overlap
            exchange.write(_day(inspection, 5), "i", T0 + dt.timedelta(minutes=2, seconds=30))
            assert poller.poll() == (0, 1)
            assert poller.poll() == (0, 0)  # the overlap re-reads; nothing is new
            hub.run_until_idle(settle_deliveries=False)
        finally:
            poller.close()
        verdicts = [
            hub.codec.decode_event("verdicts", e.position, e.body).payload
            for e in hub.store.scan("verdicts")
        ]
        by_row = {v["source_record_id"]: v for v in verdicts}
        assert [by_row[str(i)]["outcome"] for i in range(1, 8)] == [
            "accepted_new",
            "accepted_new",
            "accepted_new",
            "accepted_update",
            "accepted_update",
            "rejected",
            "accepted_new",
        ]
        assert "retracted" in by_row["5"]["reason"]
        assert [v["rule"] for v in by_row["6"]["violations"]] == ["INPUT.CD_OPERATION"]
        hub.projector.run_until_current()
        current = hub.views.rows(CURRENT, columns=("record_id", "retracted"))
        assert sorted(r[1] for r in current) == [0, 0, 0, 1]
        assert sum(hub.store.counts("submissions").values()) == 7


def test_the_command_polls_once_and_keeps_the_url_out_of_its_output(
    tmp_path: Path, exchange: Exchange, inspection: dict[str, Any]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env |= {"HUB_DATA_DIR": str(tmp_path / "hub"), "HUB_FRONTDB_URL": exchange.url}
    with EmbeddedHub(HubSettings(data_dir=tmp_path / "hub")) as hub:
        hub.register_sources([COUNTY])
    for day in (6, 7):
        exchange.write(_day(inspection, day), "i", T0 + dt.timedelta(seconds=day))
    args = [
        sys.executable,
        "-m",
        "hub",
        "connect",
        "frontdb",
        "--source",
        COUNTY.source_id,
        "--type",
        "inspection",
        "--table",
        "cd_inspection",
        "--once",
        "--json",
    ]
    first = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    again = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(first.stdout) | {"table": ""} == {
        "table": "",
        "source": COUNTY.source_id,
        "rows": 2,
        "new": 2,
    }
    assert json.loads(again.stdout)["new"] == 0
    assert exchange.url not in first.stdout + first.stderr
