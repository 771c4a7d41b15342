"""A front-end database table with Chinese column names, typed columns and ``N/A``: read by the
same field-reading function as files, under the source's profile (issue 13)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import orjson
import psycopg

from hub.connectors.frontdb import FrontDb
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.standard.profile import parse_profile
from hub.standard.reading import Reading
from hub.testing import make_uscc
from hub.testing.sources import COUNTY

T0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)
PROFILE = b"""
name = "gz-frontdb"
[derive]
source_record_id = "identity"
"""


def test_chinese_columns_typed_values_and_na_through_the_profile(
    pg_url: str, tmp_path: Path
) -> None:
    codes = [make_uscc("440106", random.Random(i)) for i in range(3)]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            'CREATE TABLE cd_entity ("统一社会信用代码" text, "企业名称" text,'
            ' "住所所在地行政区划代码" text, "法人代表" text, "注册资本" numeric(18, 2),'
            ' "成立日期" date, "更新时间" timestamptz, cd_id bigint PRIMARY KEY,'
            " cd_time timestamptz NOT NULL, cd_source text, cd_batch text, cd_operation char(1))"
        )
        for i, code in enumerate(codes):
            conn.execute(
                "INSERT INTO cd_entity VALUES (%s, %s, '440106', %s, %s, %s, %s, %s, %s,"
                " 'tj', 'b1', 'i')",
                (
                    code,
                    f"天河示例{i}有限公司",
                    "N/A" if i == 0 else "李明",
                    Decimal("5000.50"),
                    dt.date(2019, 3, 1 + i),
                    dt.datetime(2025, 6, 1, 9, 30, tzinfo=dt.UTC),
                    i + 1,
                    T0 + dt.timedelta(seconds=i),
                ),
            )
    settings = HubSettings(data_dir=tmp_path / "hub")
    with EmbeddedHub(settings) as hub:
        hub.register_sources([COUNTY])
        reading = Reading.of(
            hub.standard, "supervised_entity", parse_profile(PROFILE, "gz-frontdb")
        )
        poller = FrontDb(
            settings,
            hub.store,
            hub.codec,
            source_id=COUNTY.source_id,
            record_type="supervised_entity",
            url=pg_url,
            table="cd_entity",
            reading=reading,
        )
        try:
            assert poller.poll() == (3, 3)
        finally:
            poller.close()
        hub.run_until_idle(settle_deliveries=False)
        status = hub.status()
        subs = [
            hub.codec.decode_event("submissions", e.position, e.body).payload
            for e in hub.store.scan("submissions")
        ]
    assert (status["accepted_new"], status["rejected"]) == (3, 0)
    first = orjson.loads(subs[0]["raw"])
    assert first["profile"] == reading.profile_id
    assert first["record"]["source_record_id"] == codes[0]
    assert first["record"]["establishment_date"] == "2019-03-01"
    assert first["record"]["registered_capital"] == "5000.50"
    assert "legal_representative" not in first["record"]  # N/A
