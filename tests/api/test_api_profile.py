"""A source with a mapping profile (``HUB_PROFILES_DIR/<source>.toml``) may send its records
with its own keys over the API; they are read as its files are, and the profile is recorded."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing import make_uscc
from hub.testing.sources import COUNTY
from tests.api.conftest import Api, make_api


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    (profiles / f"{COUNTY.source_id}.toml").write_text(
        'name = "tianhe"\n[columns]\n"单位编号" = "source_record_id"\n'
        '[values.entity_type]\n"有限责任公司" = "01"\n',
        "utf-8",
    )
    yield from make_api(HubSettings(data_dir=tmp_path / "hub", profiles_dir=profiles))


def test_a_source_profile_reads_its_api_records(api: Api) -> None:
    code = make_uscc("440106", random.Random(5))
    record = {
        "统一社会信用代码": code,
        "企业名称": "天河示例有限公司",
        "住所所在地行政区划代码": "440106",
        "企业类型": "有限责任公司",
        "法人代表": "N/A",
        "单位编号": "TH-1",
        "更新时间": "2025.6.1 9:30",
    }
    reply = api.post(COUNTY.source_id, "supervised_entity", [record])
    assert reply.status_code == 202, reply.text
    assert reply.json()["submissions"][0]["source_record_id"] == "TH-1"
    api.process()
    with EmbeddedHub(api.settings) as hub:
        assert (hub.status()["accepted_new"], hub.status()["rejected"]) == (1, 0)
        (sub,) = [
            hub.codec.decode_event("submissions", e.position, e.body).payload
            for e in hub.store.scan("submissions")
        ]
    body = orjson.loads(sub["raw"])
    assert body["profile"].startswith("tianhe@") and body["record"]["entity_type"] == "01"


def test_a_broken_profile_is_a_clear_refusal_not_a_crash(api: Api, tmp_path: Path) -> None:
    (tmp_path / "profiles" / f"{COUNTY.source_id}.toml").write_text("colums = 1\n", "utf-8")
    reply = api.post(COUNTY.source_id, "supervised_entity", [{"名称": "x"}])
    assert reply.status_code == 400
    assert "未知的键 ['colums']" in reply.json()["error"]["message"]
