"""The Java consumer of docs/examples/java-consumer reads what the hub writes, as fastavro does.

Why: docs/integrators.md tells departments to copy that example; it must decode the hub's own
single-object values (logical types, Chinese text, a tombstone with its headers) on a real broker,
and agree with fastavro, the library the hub uses, value for value. The Maven build is cached
outside the repository (like ops/kafka's jars), keyed by a hash of the example's files, so only
the first run pays for it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastavro
import pytest
from confluent_kafka import Producer
from fastavro.schema import fingerprint, to_parsing_canonical_form

from hub.events.streams import RECORDS
from hub.kafka.wire import CONTENT_TYPE, Message
from hub.standard import Standard
from hub.testing.generate import inspections
from hub.testing.harness import EmbeddedHarness
from hub.testing.sources import COUNTY, PROVINCE, SOURCES
from tests.kafka import NO_JAVA, create_topic, java_available, java_executable

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "java-consumer"
MAIN_CLASS = "cn.gov.supervision.example.HubConsumer"


def _example_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(EXAMPLE.rglob("*")):
        if path.is_file() and "target" not in path.relative_to(EXAMPLE).parts:
            digest.update(str(path.relative_to(EXAMPLE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cache_root() -> Path:
    explicit = os.environ.get("HUB_JAVA_EXAMPLE_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "supervision-hub"


@pytest.fixture(scope="module")
def consumer_classpath() -> str:
    """The example built with Maven once per version of its files: jar + runtime jars."""
    mvn = shutil.which("mvn")
    if not java_available() or mvn is None:
        why = NO_JAVA if not java_available() else "Maven (mvn) is missing"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI: {why}")
        pytest.skip(why)
    built = _cache_root() / f"java-consumer-{_example_hash()}"
    if not (built / "hub-consumer.jar").is_file():
        work = Path(tempfile.mkdtemp(prefix="hub-java-consumer-"))
        try:
            project = work / "project"
            shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("target"))
            done = subprocess.run(
                [mvn, "-q", "-B", "-Dstyle.color=never", "package"],
                cwd=project,
                capture_output=True,
                text=True,
                timeout=600,
            )
            assert done.returncode == 0, f"mvn package failed:\n{done.stdout}\n{done.stderr}"
            staged = work / "built"
            staged.mkdir()
            shutil.move(project / "target" / "hub-consumer.jar", staged / "hub-consumer.jar")
            shutil.move(project / "target" / "lib", staged / "lib")
            built.parent.mkdir(parents=True, exist_ok=True)
            try:
                staged.rename(built)  # atomic: a half-made cache is never seen
            except OSError:
                if not (built / "hub-consumer.jar").is_file():
                    raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return f"{built / 'hub-consumer.jar'}{os.pathsep}{built / 'lib'}{os.sep}*"


def _feed_messages(tmp_path: Path, standard: Standard, topic: str) -> list[Message]:
    """Feed messages as the relay shapes them (headers, key, value or tombstone), made from the
    record versions a real embedded hub produced from the standard's examples and generated
    inspections across Guangdong's counties."""
    harness = EmbeddedHarness(tmp_path / "hub")
    try:
        harness.register(*SOURCES)
        officer = standard.example("officer")
        penalty = standard.example("penalty")
        harness.submit(COUNTY.source_id, "officer", [officer])
        harness.submit(COUNTY.source_id, "penalty", [penalty])
        harness.submit(
            COUNTY.source_id, "supervised_entity", [standard.example("supervised_entity")]
        )
        harness.submit(
            PROVINCE.source_id, "inspection", list(inspections(40, seed=16, invalid_rate=0))
        )
        harness.run()
        changed = dict(
            officer,
            department="广州市天河区市场监督管理局执法稽查大队（“双随机”）",
            updated_at="2025-01-06T09:15:30.250+08:00",
        )
        harness.submit(COUNTY.source_id, "officer", [changed])
        harness.submit(COUNTY.source_id, "penalty", [penalty], operation="delete")
        harness.run()
        codec = harness.hub.codec
        out = []
        for stored in harness.hub.store.scan(RECORDS):
            payload = codec.decode_event(RECORDS, stored.position, stored.body).payload
            headers: tuple[tuple[str, bytes], ...] = (
                ("event_id", stored.event_id.encode()),
                ("record_id", payload["record_id"].encode()),
                ("version", str(payload["version"]).encode()),
                ("version_hash", payload["version_hash"].encode()),
            )
            value: bytes | None = None
            if payload["retracted"]:
                headers += (("operation", b"delete"),)
            else:
                value = bytes(payload["content"])  # the hub's single-object encoding
                headers += (("operation", b"upsert"), ("content-type", CONTENT_TYPE))
            out.append(Message(topic, stored.key.encode(), value, headers))
        return out
    finally:
        harness.close()


def _fastavro_decoder() -> Any:
    """The decoder docs/integrators.md shows: writers by fingerprint, the newest as reader."""
    writers: dict[bytes, Any] = {}
    newest: dict[str, Any] = {}
    for path in sorted(ROOT.glob("schemas/*/*.avsc")):
        parsed = fastavro.parse_schema(json.loads(path.read_text("utf-8")), named_schemas={})
        writers[bytes.fromhex(fingerprint(to_parsing_canonical_form(parsed), "CRC-64-AVRO"))] = (
            parsed
        )
        newest[parsed["name"]] = parsed

    def decode(value: bytes) -> tuple[str, Any]:
        assert value[:2] == b"\xc3\x01"
        writer = writers[value[2:10]]
        reader = newest[writer["name"]]
        return writer["name"], fastavro.schemaless_reader(io.BytesIO(value[10:]), writer, reader)

    return decode


def _as_java_prints(value: Any) -> Any:
    """fastavro's Python values in the JSON the Java example prints (ISO dates, ISO instants in
    UTC as java.time.Instant writes them, decimals as plain strings, bytes as base64)."""
    if isinstance(value, dict):
        return {k: _as_java_prints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_java_prints(v) for v in value]
    if isinstance(value, dt.datetime):
        utc = value.astimezone(dt.UTC)
        text = utc.strftime("%Y-%m-%dT%H:%M:%S")
        if utc.microsecond:
            text += f".{utc.microsecond // 1000:03d}"
        return text + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _produce(bootstrap: str, messages: list[Message]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True})
    for m in messages:
        producer.produce(m.topic, key=m.key, value=m.value, headers=list(m.headers))
    assert producer.flush(30) == 0


@pytest.fixture(scope="module")
def java_lines(
    kafka_bootstrap: str,
    consumer_classpath: str,
    tmp_path_factory: pytest.TempPathFactory,
    standard: Standard,
) -> Iterator[tuple[list[Message], list[dict[str, Any]]]]:
    """The hub's feed messages on a real broker, and what the Java example printed for them."""
    tmp_path = tmp_path_factory.mktemp("java-consumer")
    topic = f"test-java-{uuid.uuid4().hex[:8]}.out.national.mixed"
    messages = _feed_messages(tmp_path, standard, topic)
    create_topic(kafka_bootstrap, topic, partitions=3)
    _produce(kafka_bootstrap, messages)
    config = tmp_path / "consumer.properties"
    config.write_text(
        "\n".join(
            [
                f"bootstrap.servers={kafka_bootstrap}",
                f"group.id=test-java-{uuid.uuid4().hex[:8]}",
                f"hub.topic={topic}",
                f"hub.schemas={ROOT / 'schemas' / 'records'},{ROOT / 'schemas' / 'events'}",
                f"hub.max.messages={len(messages)}",
                "hub.idle.ms=60000",
            ]
        ),
        encoding="utf-8",
    )
    java = java_executable()
    assert java is not None
    done = subprocess.run(
        [java, "-XX:TieredStopAtLevel=1", "-cp", consumer_classpath, MAIN_CLASS, str(config)],
        capture_output=True,
        timeout=120,
    )
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 0, stderr
    yield messages, [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]


def test_java_output_equals_fastavro(
    java_lines: tuple[list[Message], list[dict[str, Any]]],
) -> None:
    messages, lines = java_lines
    decode = _fastavro_decoder()
    by_event = {line["headers"]["event_id"]: line for line in lines}
    assert len(lines) == len(messages) == len(by_event) >= 45
    kinds: set[str] = set()
    for m in messages:
        headers = {k: v.decode() for k, v in m.headers}
        line = by_event[headers["event_id"]]
        assert line["key"] == m.key.decode()
        assert line["headers"] == headers
        if m.value is None:
            assert (line["schema"], line["value"]) == (None, None)
            kinds.add("tombstone")
            continue
        name, value = decode(m.value)
        assert line["schema"] == name
        assert line["value"] == _as_java_prints(value)
        kinds.add(name.rsplit(".", 1)[1])
    assert kinds == {"Officer", "Penalty", "SupervisedEntity", "Inspection", "tombstone"}


def test_one_key_one_partition_in_version_order(
    java_lines: tuple[list[Message], list[dict[str, Any]]],
) -> None:
    _, lines = java_lines
    partitions: dict[str, set[int]] = {}
    versions: dict[str, list[tuple[int, int]]] = {}
    for line in lines:
        partitions.setdefault(line["key"], set()).add(line["partition"])
        versions.setdefault(line["key"], []).append(
            (line["offset"], int(line["headers"]["version"]))
        )
    assert all(len(p) == 1 for p in partitions.values())
    assert any(len(v) > 1 for v in versions.values())  # the officer's two versions, the penalty's
    for seen in versions.values():
        assert [v for _, v in sorted(seen)] == sorted(v for _, v in seen)


def test_chinese_text_and_logical_types_survive(
    java_lines: tuple[list[Message], list[dict[str, Any]]],
) -> None:
    _, lines = java_lines
    officers = [line for line in lines if (line["schema"] or "").endswith(".Officer")]
    latest = max(officers, key=lambda line: int(line["headers"]["version"]))
    assert latest["value"]["department"] == "广州市天河区市场监督管理局执法稽查大队（“双随机”）"
    assert latest["value"]["updated_at"] == "2025-01-06T01:15:30.250Z"
    penalty = next(line for line in lines if (line["schema"] or "").endswith(".Penalty"))
    assert penalty["value"]["fine_amount"] == "50000.00"
    assert penalty["value"]["decision_date"] == "2025-04-28"
    tombstone = next(line for line in lines if line["value"] is None)
    assert tombstone["headers"]["operation"] == "delete"
    assert tombstone["key"] == penalty["key"]
    assert int(tombstone["headers"]["version"]) == 2
