"""Hostile request bodies (issue 12): each is a clear 4xx naming the limit, or a stored and
rejected submission with a bounded verdict; never a 500, never a crash. In process, on both
backends (the test client raises on a 500, so a 500 fails the test on its own)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import SecretStr

from hub.settings import HubSettings
from hub.testing.hostile import LINKED, RECURSIVE, container
from hub.testing.sources import COUNTY
from tests.api.conftest import Api, make_api

AVRO = {"Content-Type": "application/avro"}


@pytest.fixture(params=["sqlite", "postgresql"])
def roomy(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Api]:
    """The API with its default body limit (16 MiB): room for bodies large in shape."""
    extra: dict[str, Any] = {}
    if request.param == "postgresql":
        extra["database_url"] = SecretStr(request.getfixturevalue("pg_url"))
    yield from make_api(HubSettings(data_dir=tmp_path / "hub", api_max_records=50, **extra))


def _post(api: Api, body: bytes, **headers: str) -> Any:
    return api.client.post(
        "/v1/records/inspection", content=body, headers=api.auth(COUNTY.source_id, **headers)
    )


def _limit(reply: Any) -> dict[str, Any]:
    assert reply.status_code == 422, reply.text
    error: dict[str, Any] = reply.json()["error"]
    assert error["code"] == "API.LIMIT"
    return error


@pytest.mark.parametrize(
    ("body", "limit"),
    [
        (container(RECURSIVE, [(1, b"")]), "schema_recursive"),
        (container(LINKED, [(1, b"\x02" * 100_000 + b"\x00")]), "schema_recursive"),
        (container({"type": "record", "name": "E", "fields": []}, [(2**62, b"")]), "records"),
        (container({"type": "record", "name": "E", "fields": []}, [(51, b"")]), "records"),
    ],
    ids=["recursive", "deep_datum", "2^62_records", "51_records"],
)
def test_hostile_avro_bodies_are_refused_naming_the_limit(
    roomy: Api, body: bytes, limit: str
) -> None:
    _decoding_survives_in_a_subprocess(body)
    started = time.monotonic()
    error = _limit(_post(roomy, body, **AVRO))
    assert time.monotonic() - started < 5
    assert error["limit"] == limit
    if limit == "records":
        assert error["max"] == 50
    assert roomy.client.get("/healthz").status_code == 200


_DECODE = """
import sys
from hub.connectors.http import read_records
from hub.connectors.http_refusals import RefusedError
from hub.bounds import AvroLimits
from hub.bounds import InputLimits
try:
    limits = InputLimits(avro=AvroLimits(max_records=50))  # the fixture's HUB_API_MAX_RECORDS
    read_records(sys.stdin.buffer.read(), "application/avro", limits)
except RefusedError as exc:
    print(exc.code)
"""


def _decoding_survives_in_a_subprocess(body: bytes) -> None:
    """Decode the body in a child first: a regression that crashes the decoder (SIGSEGV, as
    before the fix) fails this test instead of killing the test run."""
    done = subprocess.run(
        [sys.executable, "-c", _DECODE], input=body, capture_output=True, timeout=60, check=False
    )
    assert done.returncode == 0, (done.returncode, done.stderr[-1000:])
    assert done.stdout.strip() == b"API.LIMIT", done.stdout


def _deep_record(inspection: dict[str, Any], levels: int) -> bytes:
    """A body whose one record holds a value nested ``levels`` deep (built as text: neither
    orjson nor json can encode it)."""
    head = orjson.dumps({"records": [inspection]})[:-3]  # without the closing "}]}"
    return head + b', "remarks": ' + b'{"a": ' * levels + b"1" + b"}" * levels + b"}]}"


@pytest.mark.parametrize("levels", [255, 600, 1_020])
def test_json_nested_hundreds_of_levels_is_a_422_not_a_500(
    roomy: Api, inspection: dict[str, Any], levels: int
) -> None:
    body = _deep_record(inspection, levels)
    error = _limit(_post(roomy, body, **{"Content-Type": "application/json"}))
    assert error["limit"] == "depth" and error["record"] == 1
    assert error["field"].startswith("remarks.a")


def test_a_record_with_600000_unknown_keys_is_refused(
    roomy: Api, inspection: dict[str, Any]
) -> None:
    record = {**inspection, **{f"unknown{i}": 1 for i in range(600_000)}}
    body = orjson.dumps({"records": [record]})
    assert len(body) > 8_000_000  # the probe's 8.4 MB
    error = _limit(_post(roomy, body, **{"Content-Type": "application/json"}))
    assert error["limit"] == "fields" and error["actual"] > 600_000
    assert "600" in error["message"]


def test_repeated_violations_are_summarised_in_a_bounded_verdict(
    roomy: Api, inspection: dict[str, Any]
) -> None:
    record = {**inspection, **{f"unknown_{i}": 1 for i in range(1_500)}}
    reply = roomy.post(COUNTY.source_id, "inspection", [record])
    assert reply.status_code == 202, reply.text
    roomy.process()
    feedback = roomy.client.get("/v1/feedback", headers=roomy.auth(COUNTY.source_id))
    [item] = feedback.json()["items"]
    assert item["status"] == "rejected"
    assert len(feedback.content) < 40_000  # 1,500 violations would be ~300 KB
    assert item["messages"][-1].startswith("另有 1,400 处同类问题")
    assert "1,400 more unknown fields" in item["messages"][-1]
