"""ops/kafka/start and stop: a real single-node broker on 127.0.0.1, idempotent, restartable."""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.kafka import (
    API_VERSIONS_COMMAND,
    START,
    STOP,
    consume,
    create_topic,
    java_available,
    kafka_cli,
    list_topics,
    produce,
    restart_kafka,
)

ADDRESS = re.compile(r"127\.0\.0\.1:(\d+)")

needs_java = pytest.mark.skipif(
    not java_available() and os.environ.get("CI") != "true",
    reason="no Java 17+ (java on PATH or JAVA_HOME) to run Kafka (under CI=true: a failure)",
)


def run(
    *args: str | Path, timeout: float = 180, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=None if env is None else {**os.environ, **env},
    )


def port_is_free(port: int, wait_s: float = 10.0) -> bool:
    """Whether the port can be bound, waiting a little: a SIGKILLed JVM's threads (and its
    sockets) may outlive the moment its pid stops answering."""
    deadline = time.monotonic() + wait_s
    while not _bindable(port):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the broker binds
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def read_env(folder: Path) -> dict[str, str]:
    lines = (folder / "env").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def read_pid(folder: Path) -> int:
    return int((folder / "kafka.pid").read_text(encoding="utf-8").split()[0])


def process_alive(pid: int) -> bool:
    """Alive and not a zombie (a killed broker may wait for PID 1 to reap it)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return False
    return "\nState:\tZ" not in status


def listening_addresses(port: int) -> set[str]:
    """The local addresses of listening TCP sockets on the port (from /proc/net/tcp and tcp6)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text(encoding="utf-8").splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            hex_address, _, hex_port = fields[1].partition(":")
            if fields[3] != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(hex_address)  # 32-bit words in host (little-endian) order
            packed = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            address = ipaddress.ip_address(packed)
            if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
                address = address.ipv4_mapped  # Java listens on ::ffff:127.0.0.1
            found.add(str(address))
    return found


# -- a raw Kafka Metadata request (v4), so the check needs neither Java nor a Kafka client ---------


def _string(data: bytes, at: int) -> tuple[str | None, int]:
    (length,) = struct.unpack_from(">h", data, at)
    at += 2
    if length < 0:
        return None, at
    return data[at : at + length].decode(), at + length


def metadata(address: str) -> tuple[list[tuple[int, str, int]], str | None, int]:
    """(brokers as (node id, host, port), cluster id, controller id) from a Metadata request."""
    host, _, port = address.rpartition(":")
    client = b"hub-ops-test"
    header = struct.pack(">hhih", 3, 4, 7, len(client)) + client  # api 3 = Metadata, v4, id 7
    body = struct.pack(">ib", -1, 0)  # all topics, no auto-creation
    request = header + body
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(struct.pack(">i", len(request)) + request)
        size_bytes = b""
        while len(size_bytes) < 4:
            chunk = conn.recv(4 - len(size_bytes))
            assert chunk, "the broker closed the connection"
            size_bytes += chunk
        (size,) = struct.unpack(">i", size_bytes)
        data = b""
        while len(data) < size:
            chunk = conn.recv(size - len(data))
            assert chunk, "the broker closed the connection"
            data += chunk
    correlation, _throttle, count = struct.unpack_from(">iii", data, 0)
    assert correlation == 7
    at = 12
    brokers = []
    for _ in range(count):
        (node,) = struct.unpack_from(">i", data, at)
        broker_host, at = _string(data, at + 4)
        (broker_port,) = struct.unpack_from(">i", data, at)
        _rack, at = _string(data, at + 4)
        brokers.append((node, broker_host or "", broker_port))
    cluster_id, at = _string(data, at)
    (controller,) = struct.unpack_from(">i", data, at)
    return brokers, cluster_id, controller


# -- one broker for the module ---------------------------------------------------------------------


@dataclass
class Started:
    folder: Path
    result: subprocess.CompletedProcess[str]
    address: str

    @property
    def port(self) -> int:
        return int(self.address.rpartition(":")[2])


@pytest.fixture(scope="module")
def broker() -> Iterator[Started]:
    """A broker started once by ops/kafka/start (the first run ever downloads the jars)."""
    folder = Path(tempfile.mkdtemp(prefix="hub-kafka-ops-test-"))
    try:
        started = run(START, folder, timeout=900)
        assert started.returncode == 0, started.stderr
        yield Started(folder, started, started.stdout.splitlines()[-1])
    finally:
        if (folder / "server.properties").exists():  # a failed test must not leave a broker
            run(STOP, folder, timeout=120)
        shutil.rmtree(folder, ignore_errors=True)


@needs_java
def test_start_prints_only_the_address_and_writes_the_config(broker: Started) -> None:
    assert ADDRESS.fullmatch(broker.address), f"last line is not 127.0.0.1:PORT: {broker.result}"
    assert broker.result.stdout == broker.address + "\n", "everything else belongs on stderr"

    env = read_env(broker.folder)
    assert env["HUB_KAFKA_BOOTSTRAP"] == broker.address
    assert env["HUB_KAFKA_DIR"] == str(broker.folder)
    assert env["HUB_KAFKA_PORT"] == str(broker.port)

    props = (broker.folder / "server.properties").read_text(encoding="utf-8").splitlines()
    controller = env["HUB_KAFKA_CONTROLLER_PORT"]
    for setting in (
        "process.roles=broker,controller",
        "node.id=1",
        f"controller.quorum.voters=1@127.0.0.1:{controller}",
        f"listeners=PLAINTEXT://127.0.0.1:{broker.port},CONTROLLER://127.0.0.1:{controller}",
        f"advertised.listeners=PLAINTEXT://{broker.address}",
        f"log.dirs={broker.folder}/data",
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "min.insync.replicas=1",
        "default.replication.factor=1",
        "group.initial.rebalance.delay.ms=0",
        "auto.create.topics.enable=false",
    ):
        assert setting in props, setting
    assert (broker.folder / "data" / "meta.properties").exists()


@needs_java
def test_address_accepts_tcp_and_answers_metadata_on_loopback_only(broker: Started) -> None:
    with socket.create_connection(("127.0.0.1", broker.port), timeout=5):
        pass
    brokers, cluster_id, controller = metadata(broker.address)
    assert brokers == [(1, "127.0.0.1", broker.port)]
    assert cluster_id
    assert controller == 1

    controller_port = int(read_env(broker.folder)["HUB_KAFKA_CONTROLLER_PORT"])
    assert listening_addresses(broker.port) == {"127.0.0.1"}  # nothing else
    assert listening_addresses(controller_port) == {"127.0.0.1"}

    versions = kafka_cli(API_VERSIONS_COMMAND, "--bootstrap-server", broker.address)
    assert versions.returncode == 0, versions.stderr
    assert f"{broker.address} (id: 1 rack" in versions.stdout


@needs_java
def test_start_again_on_a_running_dir_prints_the_same_address(broker: Started) -> None:
    pid = read_pid(broker.folder)
    again = run(START, broker.folder)
    assert again.returncode == 0, again.stderr
    assert again.stdout == broker.address + "\n"
    assert read_pid(broker.folder) == pid  # the same broker, not a second one


@needs_java
def test_topic_and_message_survive_a_restart(broker: Started) -> None:
    topic = "hub-ops-kafka-test"
    create_topic(broker.address, topic)
    produce(broker.address, topic, ["first message"])
    assert consume(broker.address, topic, 1) == ["first message"]

    pid = read_pid(broker.folder)
    assert restart_kafka(broker.folder) == broker.address  # stop --keep, start: same port
    assert read_pid(broker.folder) != pid
    assert not process_alive(pid)

    assert topic in list_topics(broker.address)
    produce(broker.address, topic, ["second message"])
    assert consume(broker.address, topic, 2) == ["first message", "second message"]


@needs_java
def test_fixed_port_stop_keep_restart_kill_and_stop() -> None:
    base = Path(tempfile.mkdtemp(prefix="hub-kafka-ops-test-"))
    folder = base / "kafka"  # does not exist yet: start makes it
    port = free_port()
    try:
        first = run(START, folder, timeout=900, env={"HUB_KAFKA_PORT": str(port)})
        assert first.returncode == 0, first.stderr
        assert first.stdout == f"127.0.0.1:{port}\n"
        pid = read_pid(folder)

        kept = run(STOP, folder, "--keep")
        assert kept.returncode == 0, kept.stderr
        assert (folder / "server.properties").exists()
        assert (folder / "data" / "meta.properties").exists()
        assert not process_alive(pid)
        assert port_is_free(port)

        again = run(STOP, folder, "--keep")  # nothing running: fine
        assert again.returncode == 0, again.stderr

        second = run(START, folder)  # no HUB_KAFKA_PORT: the port stored at the first start
        assert second.returncode == 0, second.stderr
        assert second.stdout == f"127.0.0.1:{port}\n"

        # A crash: stop still cleans up a broker that died under SIGKILL.
        os.kill(read_pid(folder), signal.SIGKILL)
        stopped = run(STOP, folder)
        assert stopped.returncode == 0, stopped.stderr
        assert not folder.exists()
        assert port_is_free(port)

        twice = run(STOP, folder)  # nothing left to stop: still fine
        assert twice.returncode == 0, twice.stderr
    finally:
        if (folder / "server.properties").exists():
            run(STOP, folder, timeout=120)
        shutil.rmtree(base, ignore_errors=True)


def test_usage() -> None:
    start = run(START, "-h")
    assert start.returncode == 0
    assert "ops/kafka/start [--secure] [DIR]" in start.stdout
    assert "127.0.0.1:PORT" in start.stdout
    stop = run(STOP, "--help")
    assert stop.returncode == 0
    assert "ops/kafka/stop DIR [--keep]" in stop.stdout

    bad = run(START, "--nope")
    assert bad.returncode != 0
    assert bad.stdout == ""
    assert "unknown option" in bad.stderr
    missing = run(STOP)
    assert missing.returncode != 0
    assert "usage" in missing.stderr


def test_stop_refuses_a_folder_that_is_not_a_broker(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me", encoding="utf-8")
    refused = run(STOP, tmp_path)
    assert refused.returncode != 0
    assert "server.properties" in refused.stderr
    assert (tmp_path / "precious.txt").read_text(encoding="utf-8") == "keep me"


def test_start_refuses_a_folder_with_other_files(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me", encoding="utf-8")
    refused = run(START, tmp_path)
    assert refused.returncode != 0
    assert refused.stdout == ""
    assert "refusing" in refused.stderr
    assert (tmp_path / "precious.txt").read_text(encoding="utf-8") == "keep me"


def test_secure_refuses_a_folder_made_without_it(tmp_path: Path) -> None:
    """A folder keeps the mode it was made with: --secure never half-secures a plaintext broker
    (its data, topics and clients were made for PLAINTEXT)."""
    props = tmp_path / "server.properties"
    props.write_text(
        "# ops/kafka/start: a throwaway single-node Kafka broker\n"
        "listeners=PLAINTEXT://127.0.0.1:1,CONTROLLER://127.0.0.1:2\n",
        encoding="utf-8",
    )
    refused = run(START, "--secure", tmp_path)
    assert refused.returncode != 0
    assert refused.stdout == ""
    assert "made without --secure" in refused.stderr
    assert not (tmp_path / "secrets").exists() and not (tmp_path / "tls").exists()


def test_secure_refuses_a_user_name_that_is_not_plain(tmp_path: Path) -> None:
    """User names end up in JAAS lines and file names: anything but [a-z][a-z0-9_-]* is refused
    before a key or a password is made (it was once checked in a subshell, where the refusal
    became a user name)."""
    folder = tmp_path / "broker"
    refused = run(START, "--secure", folder, env={"HUB_KAFKA_SCRAM_USERS": 'hub x"y'})
    assert refused.returncode != 0
    assert refused.stdout == ""
    assert "HUB_KAFKA_SCRAM_USERS" in refused.stderr
    assert not (folder / "secrets").exists()
