"""``hub ingest`` of a bureau's file (issue 13): a corrected re-run is a new batch, the profile in
force is in every submission, and Ctrl-C says what was stored and exits 130."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from hub.cli import cli
from hub.processing.judge import TABLE_ROW
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing import make_uscc
from tests.processes import COUNTY_ADD

RNG = random.Random(1313)


def _bureau_csv(path: Path, rows: int) -> None:
    lines = [
        "统一社会信用代码,企业名称,住所所在地行政区划代码,法人代表,成立日期,源系统记录标识,更新时间"
    ]
    for i in range(rows):
        uscc = make_uscc("440106", RNG)
        lines.append(
            f"{uscc},天河示例{i}有限公司,440106,N/A,2019.3.{1 + i % 28},Q-{i},2025.6.1 9:30"
        )
    path.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))


def _ingest(data: Path, *args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(
        cli, ["ingest", "--source", "gz-440106", "--data-dir", str(data), *args]
    )
    assert result.exit_code == code, result.output
    return result


def test_a_rerun_after_a_wrong_type_is_processed_and_records_the_profile(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    assert CliRunner().invoke(cli, [*COUNTY_ADD, "--data-dir", str(data)]).exit_code == 0
    path = tmp_path / "天河区企业.csv"
    _bureau_csv(path, 20)
    profile = tmp_path / "gz.toml"
    profile.write_text('name = "gz-440106"\nempty = ["无"]\n', "utf-8")

    wrong = _ingest(data, "--type", "inspection", "--process", "--json", str(path), code=1)
    first = json.loads(wrong.stdout)  # every record rejected: exit 1, this file's outcome
    assert first["received"] == 20 and first["outcomes"]["rejected"] == 20
    assert "法人代表" in first["columns"]["unknown"]  # the header diagnosis, in the JSON too

    right = _ingest(
        data, "--type", "supervised_entity", "--profile", str(profile), "--wait", str(path)
    )
    assert f"{path}：本批（" in right.stdout and "）20 条" in right.stdout  # this batch only
    assert right.stderr.count("列已对应标准字段") == 1
    again = _ingest(data, "--type", "supervised_entity", "--profile", str(profile), str(path))
    assert "新保存 0 条，另有 20 条此前已保存" in again.stdout
    assert "没有新的记录" in again.stderr and "--type" in again.stderr

    with EmbeddedHub(HubSettings(data_dir=data)) as hub:
        counts = hub.status()
        assert (counts["accepted_new"], counts["rejected"]) == (20, 20)
        subs = [
            hub.codec.decode_event("submissions", e.position, e.body).payload
            for e in hub.store.scan("submissions")
        ]
    rows = [s for s in subs if s["record_type"] == "supervised_entity"]
    assert len(rows) == 20 and {s["content_type"] for s in rows} == {TABLE_ROW}
    body = orjson.loads(rows[0]["raw"])
    assert body["profile"].startswith("gz-440106@")  # the profile in force, in provenance
    assert body["cells"]["法人代表"] == "N/A" and "legal_representative" not in body["record"]
    assert body["record"]["name"] == body["cells"]["企业名称"]
    traced = CliRunner().invoke(
        cli, ["trace", rows[0]["submission_id"], "--data-dir", str(data), "--json"]
    )
    assert traced.exit_code == 0, traced.output
    assert body["profile"] in traced.stdout  # hub trace shows the profile in force


@pytest.mark.parametrize("raw", [b"{not json", b"[1]", b'{"cells": {}}', b'{"record": "x"}'])
def test_a_table_row_without_a_record_is_rejected_not_a_crash(raw: bytes) -> None:
    import datetime as dt

    from hub.connectors.submissions import submission_event
    from hub.events import DecodedEvent, load_codec
    from hub.processing.judge import judge
    from hub.standard import Validator, load_standard
    from hub.testing.sources import COUNTY

    standard = load_standard()
    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    event = submission_event(
        source_id=COUNTY.source_id,
        record_type="supervised_entity",
        channel="file",
        batch_id="b",
        index=7,
        raw=raw,
        content_type=TABLE_ROW,
        received_at=now,
    )
    verdict = judge(
        DecodedEvent("submissions", 1, event, now),
        Validator(standard),
        load_codec(standard.root),
        COUNTY,
    )
    assert verdict.event_type == "verdict.rejected"
    assert [v["rule"] for v in verdict.payload["violations"]] == ["INPUT.JSON"]
