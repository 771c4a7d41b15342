"""Files that try to take the hub down (issue 12): recursive or huge Avro writer schemas, blocks
that claim 2^62 records or more bytes than there are, FIFOs, devices and symlink loops. Each is
refused with a one-line message naming what is wrong (exit 2), nothing is stored, nothing hangs.

The Avro probes run ``hub`` as a process: before the fix they killed it with a segmentation
fault (exit -11 here), which an in-process test could not survive.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import fastavro
import pytest

from hub.bounds import AvroLimits
from hub.connectors.formats.avro_container import AvroLimitError, Broken, records
from hub.connectors.formats.files import Problem, read_records
from hub.errors import InputError
from hub.testing.hostile import LINKED, RECURSIVE, container, long_bytes
from tests.processes import COUNTY_ADD, ROOT, hub_env, run_hub

UPLOAD = {"type": "record", "name": "Upload", "fields": [{"name": "name", "type": "string"}]}


def _nested_schema(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for i in range(levels):
        schema = {"type": "record", "name": f"L{i}", "fields": [{"name": "x", "type": schema}]}
    return schema


HOSTILE_AVRO = {
    # name: (file bytes, what the message must name)
    "recursive": (container(RECURSIVE, [(1, b"")]), "recursive"),
    # a schema that looks harmless and a datum 100,000 levels deep
    "deep_datum": (container(LINKED, [(1, b"\x02" * 100_000 + b"\x00")]), "recursive"),
    "deep_schema": (container(_nested_schema(40), [(1, b"\x02a")]), "deeper than 32"),
    "huge_schema": (
        container(None, [], schema_bytes=b'{"type": "string", "doc": "' + b"x" * 300_000 + b'"}'),
        "the limit is 262144",
    ),
    "empty_array_items": (
        container(
            {
                "type": "record",
                "name": "A",
                "fields": [{"name": "a", "type": {"type": "array", "items": "null"}}],
            },
            [(1, long_bytes(2**62))],
        ),
        "array of empty items",
    ),
    "2^62_records": (
        container({"type": "record", "name": "E", "fields": []}, [(2**62, b"")]),
        "more than 10000000 records",
    ),
}


def _hub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    # a hang fails the test instead of blocking the suite
    return run_hub(env, *args, check=False, timeout=60)


def _received(env: dict[str, str]) -> int:
    status = _hub(env, "status", "--json")
    return int(json.loads(status.stdout)["received"])


def _one_line_refusal(done: subprocess.CompletedProcess[str], *names: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("hub: error:")]
    assert len(lines) == 1, done.stderr
    for name in names:
        assert name in lines[0], lines[0]


@pytest.mark.parametrize("case", sorted(HOSTILE_AVRO))
def test_hostile_avro_files_are_refused_before_decoding(tmp_path: Path, case: str) -> None:
    data, named = HOSTILE_AVRO[case]
    path = tmp_path / "upload.avro"
    path.write_bytes(data)
    env = hub_env(tmp_path / "hub")
    _one_line_refusal(_hub(env, "validate", "--type", "inspection", str(path)), named)
    if case not in ("recursive", "deep_datum", "2^62_records"):
        return  # the file reader is the same; ingest is probed with the worst three
    run_hub(env, *COUNTY_ADD)
    started = time.monotonic()
    ingest = _hub(env, "ingest", "--source", "gz-440106", "--type", "inspection", str(path))
    _one_line_refusal(ingest, named)
    assert time.monotonic() - started < 30
    assert _received(env) == 0  # refused before a single record was stored


def test_the_per_file_record_bound_is_enforced_while_reading(tmp_path: Path) -> None:
    env = hub_env(tmp_path / "hub", HUB_MAX_FILE_RECORDS="5")
    run_hub(env, *COUNTY_ADD)
    avro = tmp_path / "eight.avro"
    with avro.open("wb") as handle:
        rows = [{"name": f"企业{i}"} for i in range(8)]
        fastavro.writer(handle, fastavro.parse_schema(UPLOAD), rows)
    ingest = _hub(env, "ingest", "--source", "gz-440106", "--type", "inspection", str(avro))
    _one_line_refusal(ingest, "more than 5 records")
    assert _received(env) == 0  # an Avro file's blocks are counted before anything is stored
    jsonl = tmp_path / "eight.jsonl"
    jsonl.write_text("".join(f'{{"name": "企业{i}"}}\n' for i in range(8)), "utf-8")
    validate = _hub(env, "validate", "--type", "inspection", str(jsonl))
    _one_line_refusal(validate, "more than 5 records", "HUB_MAX_FILE_RECORDS")


def test_files_that_never_end_are_refused_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)  # no writer: opening it for reading would block for ever
    loop = tmp_path / "loop.jsonl"
    loop.symlink_to(loop)
    env = hub_env(tmp_path / "hub")
    run_hub(env, *COUNTY_ADD)
    for path, what in ((fifo, "FIFO"), (Path("/dev/zero"), "character device"), (loop, "loop")):
        _one_line_refusal(_hub(env, "validate", "--type", "inspection", str(path)), what)
        ingest = _hub(env, "ingest", "--source", "gz-440106", "--type", "inspection", str(path))
        _one_line_refusal(ingest, what)
    assert _received(env) == 0


def test_standard_input_that_never_ends_is_cut_at_the_byte_bound(tmp_path: Path) -> None:
    env = hub_env(tmp_path / "hub", HUB_MAX_INPUT_BYTES="3000000")
    with open("/dev/zero", "rb") as zeros:
        done = subprocess.run(
            [sys.executable, "-m", "hub", "validate", "--type", "inspection", "-"],
            env=env,
            cwd=ROOT,
            stdin=zeros,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    _one_line_refusal(done, "3000000 bytes", "HUB_MAX_INPUT_BYTES")


def test_a_block_is_checked_against_the_bytes_that_remain() -> None:
    good = b"\x06abc"  # one record, name "abc"
    lying = container(UPLOAD, [(1, good)]) + long_bytes(1) + long_bytes(1 << 40) + b"xx"
    # the first block stands, the second claims 1 TiB of a file with 2 bytes left
    items = list(read_records(io.BytesIO(lying), "x.avro"))
    assert [type(i).__name__ for i in items] == ["RawRecord", "Problem"]
    problem = items[1]
    assert isinstance(problem, Problem) and problem.rule == "INPUT.AVRO"
    assert "only" in problem.params["detail"] and problem.line == 2


def test_an_array_claiming_2_62_items_ends_at_the_end_of_its_block() -> None:
    array = {"type": "array", "items": "int"}
    schema = {"type": "record", "name": "A", "fields": [{"name": "a", "type": array}]}
    started = time.monotonic()
    out = list(records(io.BytesIO(container(schema, [(1, long_bytes(2**62) + b"\x02" * 9)]))))
    assert len(out) == 1 and isinstance(out[0], Broken)
    assert time.monotonic() - started < 1


def test_the_record_bound_holds_on_a_stream_that_cannot_seek() -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            chunk = self.data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    data = container({"type": "record", "name": "E", "fields": []}, [(2**62, b"")])
    with pytest.raises(AvroLimitError) as refused:
        list(records(io.BufferedReader(Pipe(data)), AvroLimits(max_records=1000)))
    assert refused.value.limit == "records" and refused.value.max == 1000
    with pytest.raises(InputError, match="more than 1000 records"):
        list(records(io.BytesIO(data), AvroLimits(max_records=1000)))


def test_kafka_ingest_applies_the_same_bounds_before_contacting_the_broker(
    tmp_path: Path,
) -> None:
    env = hub_env(tmp_path / "hub")
    run_hub(env, *COUNTY_ADD)
    path = tmp_path / "upload.avro"
    path.write_bytes(HOSTILE_AVRO["deep_datum"][0])
    # no broker listens there: the refusal must come from the bounds, not from a timeout
    kafka = env | {"HUB_KAFKA_BOOTSTRAP": "127.0.0.1:9"}
    started = time.monotonic()
    ingest = _hub(kafka, "ingest", "--source", "gz-440106", "--type", "inspection", str(path))
    _one_line_refusal(ingest, "recursive")
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("levels", [300, 1_000])
def test_a_csv_cell_of_deep_json_is_a_verdict_not_a_recursion_error(
    levels: int, inspection: dict[str, Any]
) -> None:
    from hub.cli.validate import validate_stream
    from hub.settings import HubSettings
    from hub.standard import Validator

    settings = HubSettings()
    row = dict(inspection, inspectors="[" * levels + '"李明"' + "]" * levels)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(row)
    writer.writerow(";".join(v) if isinstance(v, list) else v for v in row.values())
    validator = Validator(settings.standard(), settings.policy())
    data = io.BytesIO(text.getvalue().encode("gb18030"))
    [verdict] = list(validate_stream(validator, "inspection", data, "x.csv"))
    assert not verdict.valid
    assert [(v.rule, v.field) for v in verdict.violations] == [("SCHEMA.TYPE", "inspectors")]
