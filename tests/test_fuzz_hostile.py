"""Fuzzing the API's JSON and Avro bodies and the file readers (issue 12), in bounded time
(about 20 s in all): no crash, no 500, no hang, and every submission the API accepted ends in
exactly one verdict. Avro schemas are drawn from every construct, recursive references and
claimed counts up to 2^62 included; bytes of valid files are mutated."""

from __future__ import annotations

import io
import signal
import string
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import fastavro
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.connectors.formats.files import read_records
from hub.errors import InputError
from hub.settings import HubSettings
from hub.testing.hostile import container, long_bytes
from hub.testing.sources import COUNTY
from tests.api.conftest import Api, make_api

FUZZ = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,  # the same examples every run: CI must not flake on a new one
    derandomize=True,
)
ACCEPTED = {202, 400, 413, 415, 422}


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp("hostile-fuzz")
    settings_ = HubSettings(
        data_dir=folder / "hub", api_max_records=200, api_max_body_bytes=512 * 1024
    )
    yield from make_api(settings_)


class _HangError(Exception):
    pass


def _alarm(_signum: int, _frame: FrameType | None) -> None:
    raise _HangError


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """Fail (instead of blocking CI) if one example takes more than 10 s."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def _bounded(seconds: int) -> None:
    signal.alarm(seconds)


keys = st.text(string.ascii_lowercase + "_中文", min_size=1, max_size=12)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats()
    | st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=30,
)


@st.composite
def deep(draw: st.DrawFn) -> bytes:
    """Text of a value nested far deeper than any encoder's recursion limit."""
    levels = draw(st.integers(1, 1_500))
    opener = draw(st.sampled_from(['{"a": ', "[", '{"k": ['])) * levels
    closer = {'{"a": ': "}", "[": "]", '{"k": [': "]}"}[opener[: len(opener) // levels]] * levels
    return opener.encode() + b"1" + closer.encode()


@st.composite
def json_bodies(draw: st.DrawFn, example: dict[str, Any]) -> bytes:
    kind = draw(st.sampled_from(["records", "deep", "wide", "bytes"]))
    if kind == "records":
        records = draw(st.lists(st.one_of(json_values, st.just(example)), max_size=5))
        return orjson.dumps({"records": records})
    if kind == "deep":
        return b'{"records": [{"remarks": ' + draw(deep()) + b"}]}"
    if kind == "wide":
        count = draw(st.integers(0, 5_000))
        return orjson.dumps({"records": [{**example, **{f"x{i}": i for i in range(count)}}]})
    return draw(st.binary(max_size=300))


names = st.text(string.ascii_letters, min_size=1, max_size=6)
primitives = st.sampled_from(
    ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
)


@st.composite
def schemas(draw: st.DrawFn, depth: int = 0) -> Any:
    if depth > 4:
        return draw(primitives | st.sampled_from(["R", "Missing"]))
    kind = draw(
        st.sampled_from(["primitive", "record", "array", "map", "union", "ref", "enum", "fixed"])
    )
    if kind == "primitive":
        return draw(primitives)
    if kind == "ref":
        return "R"  # the top record's name: recursion, refused
    if kind == "array":
        return {"type": "array", "items": draw(schemas(depth + 1))}
    if kind == "map":
        return {"type": "map", "values": draw(schemas(depth + 1))}
    if kind == "union":
        return draw(st.lists(schemas(depth + 1), min_size=1, max_size=3))
    if kind == "enum":
        return {"type": "enum", "name": draw(names), "symbols": ["A", "B"]}
    if kind == "fixed":
        return {"type": "fixed", "name": draw(names), "size": draw(st.integers(0, 4))}
    fields = draw(
        st.lists(st.tuples(names, schemas(depth + 1)), max_size=3, unique_by=lambda f: f[0])
    )
    return {
        "type": "record",
        "name": draw(names),
        "fields": [{"name": n, "type": t} for n, t in fields],
    }


@st.composite
def avro_bodies(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        fields = draw(st.lists(st.tuples(names, schemas(1)), max_size=4, unique_by=lambda f: f[0]))
        schema = {
            "type": "record",
            "name": "R",
            "fields": [{"name": n, "type": t} for n, t in fields],
        }
        counts = st.sampled_from([0, 1, 2, 7, 201, 2**31, 2**62]) | st.integers(0, 50)
        blocks = draw(st.lists(st.tuples(counts, st.binary(max_size=64)), max_size=3))
        return container(schema, blocks)
    # a valid file with some bytes changed
    schema = {
        "type": "record",
        "name": "Upload",
        "fields": [
            {"name": "name", "type": "string"},
            {"name": "tags", "type": {"type": "array", "items": "string"}},
        ],
    }
    buffer = io.BytesIO()
    rows = [{"name": f"企业{i}", "tags": ["a"] * i} for i in range(draw(st.integers(1, 20)))]
    fastavro.writer(
        buffer,
        fastavro.parse_schema(schema),
        rows,
        codec=draw(st.sampled_from(["null", "deflate"])),
    )
    data = bytearray(buffer.getvalue())
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(4, len(data) - 1))
        data[at] = (
            draw(st.sampled_from([0x00, 0xFF, 0x7F, 0x80]))
            if draw(st.booleans())
            else draw(st.integers(0, 255))
        )
    if draw(st.booleans()):
        data += long_bytes(draw(st.sampled_from([2**62, 2**31, 1]))) + long_bytes(
            draw(st.integers(0, 2**40))
        )
    return bytes(data)


def _post(api: Api, body: bytes, content_type: str) -> int:
    _bounded(10)
    reply = api.client.post(
        "/v1/records/inspection",
        content=body,
        headers=api.auth(COUNTY.source_id, **{"Content-Type": content_type}),
    )
    assert reply.status_code in ACCEPTED, (reply.status_code, reply.text[:500])
    if reply.status_code != 202:
        assert reply.json()["error"]["code"].startswith("API.")
    return reply.status_code


def test_fuzzed_json_and_avro_bodies_get_no_500_and_every_accepted_one_a_verdict(
    fuzzed: Api, inspection: dict[str, Any]
) -> None:
    @FUZZ
    @given(body=json_bodies(inspection))
    def json_body(body: bytes) -> None:
        _post(fuzzed, body, "application/json")

    @FUZZ
    @given(body=avro_bodies())
    def avro_body(body: bytes) -> None:
        _post(fuzzed, body, "application/avro")

    json_body()
    avro_body()
    assert fuzzed.client.get("/healthz").status_code == 200
    fuzzed.process()
    from hub.runtime.embedded import EmbeddedHub

    with EmbeddedHub(fuzzed.settings) as hub:
        status = hub.status()
    assert status["in_flight"] == 0 and status["reconciled"], status


@FUZZ
@given(
    data=st.one_of(
        avro_bodies(),
        st.binary(max_size=400),
        deep(),
        st.builds(lambda b: b"\xef\xbb\xbf" + b, st.binary(max_size=200)),
    ),
    name=st.sampled_from(["x.jsonl", "x.json", "x.csv", "x.avro"]),
)
def test_fuzzed_files_are_read_or_refused_never_crash(data: bytes, name: str) -> None:
    _bounded(10)
    try:
        for item in read_records(io.BytesIO(data), name):
            assert item.line >= 0
    except InputError as exc:
        assert str(exc)  # refused whole, with a message


def test_the_fuzz_helpers_are_real(tmp_path: Path) -> None:
    """The deep strategy really nests past orjson's limits (else the fuzz proves less)."""
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(b"[" * 1_500 + b"1" + b"]" * 1_500)
