"""Front-end database rows that stopped the connector (issue 12): a NULL ``cd_time`` and a jsonb
value 400 levels deep made every poll fail (``hub connect frontdb`` exit 1), so it never got
past them. Now each becomes a stored, rejected submission with its rule and the rows after it
are read. On a real PostgreSQL exchange table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from hub.connectors.frontdb import FrontDb
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.sources import COUNTY

T0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
JSONB = "result_description"  # a text field of the standard, kept as jsonb by this exchange


def _table(url: str, example: dict[str, Any]) -> list[str]:
    def kind(name: str, value: Any) -> str:
        return "jsonb" if name == JSONB else "text[]" if isinstance(value, list) else "text"

    columns = [
        sql.SQL("{} {}").format(sql.Identifier(k), sql.SQL(kind(k, v))) for k, v in example.items()
    ]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "CREATE TABLE cd_hostile ({}, cd_id bigint PRIMARY KEY, cd_time timestamptz,"
                " cd_source text, cd_batch text, cd_operation char(1))"
            ).format(sql.SQL(", ").join(columns))
        )
    return list(example)


def _write(
    url: str, fields: list[str], cd_id: int, record: dict[str, Any], at: dt.datetime | None
) -> None:
    names = [*fields, "cd_id", "cd_time", "cd_source", "cd_batch", "cd_operation"]
    values = [record.get(f) for f in fields] + [cd_id, at, "xh-jg", "b1", "i"]
    marks = [sql.SQL("%s::jsonb") if f == JSONB else sql.Placeholder() for f in fields]
    marks += [sql.Placeholder()] * 5
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("INSERT INTO cd_hostile ({}) VALUES ({})").format(
                sql.SQL(", ").join(map(sql.Identifier, names)), sql.SQL(", ").join(marks)
            ),
            values,
        )


def test_null_cd_time_and_deep_jsonb_rows_are_rejected_and_the_connector_goes_on(
    tmp_path: Path, pg_url: str, inspection: dict[str, Any]
) -> None:
    fields = _table(pg_url, inspection)

    def row(n: int, description: str) -> dict[str, Any]:
        return dict(inspection, action_no=f"JC44010620250300000{n}", **{JSONB: description})

    text = '"检查未发现问题"'
    deep = '{"a": ' * 400 + "1" + "}" * 400
    _write(pg_url, fields, 1, row(1, text), T0)
    _write(pg_url, fields, 2, row(2, text), None)  # NULL cd_time
    _write(pg_url, fields, 3, row(3, deep), T0 + dt.timedelta(seconds=1))
    _write(pg_url, fields, 4, row(4, text), T0 + dt.timedelta(seconds=2))
    settings = HubSettings(data_dir=tmp_path / "hub")
    with EmbeddedHub(settings) as hub:
        hub.register_sources([COUNTY])
        poller = FrontDb(
            settings,
            hub.store,
            hub.codec,
            source_id=COUNTY.source_id,
            record_type="inspection",
            url=pg_url,
            table="cd_hostile",
            batch=2,
            overlap_s=0,
        )
        try:
            polls = [poller.poll() for _ in range(4)]
            _write(pg_url, fields, 5, row(5, text), T0 + dt.timedelta(seconds=3))
            polls.append(poller.poll())
        finally:
            poller.close()
        # rows read past the watermark, and new submissions (the NULL row once, first poll)
        assert polls == [(2, 3), (1, 1), (0, 0), (0, 0), (1, 1)]
        hub.run_until_idle(settle_deliveries=False)
        verdicts = {
            v["source_record_id"]: v
            for v in (
                hub.codec.decode_event("verdicts", e.position, e.body).payload
                for e in hub.store.scan("verdicts")
            )
        }
        assert sorted(verdicts) == ["1", "2", "3", "4", "5"]
        rules = {k: [x["rule"] for x in v["violations"]] for k, v in verdicts.items()}
        assert rules["2"] == ["INPUT.CD_TIME"] and rules["3"] == ["INPUT.TOO_DEEP"]
        assert all(verdicts[k]["outcome"].startswith("accepted") for k in ("1", "4", "5"))
        assert "cd_time" in verdicts["2"]["violations"][0]["message_zh"]
        status = hub.status()
        assert status["received"] == 5 and status["rejected"] == 2 and status["reconciled"]
