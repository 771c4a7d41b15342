"""Throwaway Kafka for tests: a broker from ``ops/kafka``, its restart, and Kafka's own CLI tools.

``kafka_broker()`` yields a bootstrap address, from the first of (:func:`broker_source`):
``HUB_TEST_KAFKA_BOOTSTRAP`` when it is set; else a testcontainers Kafka (KRaft) when a Docker
engine answers; else a broker that ``ops/kafka/start`` runs in a temporary folder (Java 17+
needed), stopped and deleted afterwards. With none of them it skips, except under ``CI=true``,
where a missing Kafka is a failure.

``kafka_server()`` always starts a broker of its own and yields a :class:`KafkaBroker`, which can
``stop()``, ``start()`` and ``restart()`` it mid-test on the same folder: the data stays, and so do
the ports (they are fixed in ``DIR/server.properties`` at the first start).

The CLI helpers (``create_topic``, ``produce``, ``consume``...) run Kafka's tool classes from the
jar cache that ``ops/kafka/start`` fills, so tests can talk to a broker without a Python client.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest

if TYPE_CHECKING:
    from confluent_kafka import KafkaError as ConfluentError

ROOT = Path(__file__).resolve().parents[1]
START = ROOT / "ops" / "kafka" / "start"
STOP = ROOT / "ops" / "kafka" / "stop"
LOG4J = ROOT / "ops" / "kafka" / "log4j.properties"
KAFKA_VERSION = "3.9.1"
#: The image for the testcontainers path: Confluent's build of the same Kafka (3.9).
CONTAINER_IMAGE = "confluentinc/cp-kafka:7.9.1"

# Kafka 3.9's tool classes (the kafka-*.sh scripts of a Kafka download run the same ones).
TOPIC_COMMAND = "org.apache.kafka.tools.TopicCommand"
CONSOLE_PRODUCER = "kafka.tools.ConsoleProducer"
CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer"
API_VERSIONS_COMMAND = "kafka.admin.BrokerApiVersionsCommand"

NO_JAVA = (
    "no Java 17+ to run Kafka: install one (e.g. apt-get install openjdk-17-jre-headless), "
    "set JAVA_HOME, or point HUB_TEST_KAFKA_BOOTSTRAP at a running broker"
)


def java_executable() -> str | None:
    """The java that ops/kafka/start would use: $JAVA_HOME/bin/java, else java on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home, "bin", "java")
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("java")


def java_available() -> bool:
    return java_executable() is not None


def jars_dir() -> Path:
    """The jar cache of ops/kafka/start: HUB_KAFKA_JARS, else the XDG cache folder."""
    explicit = os.environ.get("HUB_KAFKA_JARS")
    if explicit:
        return Path(explicit)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache, "supervision-hub", f"kafka-{KAFKA_VERSION}")


def _script(
    *args: str | Path, timeout: float, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
    )


def start_kafka(folder: Path, timeout: float = 900) -> str:
    """ops/kafka/start FOLDER; the bootstrap address. The first run may download the jars."""
    started = _script(START, folder, timeout=timeout)
    if started.returncode != 0:
        pytest.fail(f"ops/kafka/start failed: {started.stderr[-3000:]}")
    return started.stdout.strip().splitlines()[-1]


def stop_kafka(folder: Path, keep: bool = False) -> None:
    """ops/kafka/stop FOLDER [--keep]: the broker is gone afterwards (and FOLDER, unless keep)."""
    stopped = _script(STOP, folder, *(["--keep"] if keep else []), timeout=180)
    if stopped.returncode != 0:
        pytest.fail(f"ops/kafka/stop failed: {stopped.stderr[-3000:]}")


def restart_kafka(folder: Path) -> str:
    """Stop the broker in FOLDER keeping its data, start it again; the (unchanged) address."""
    stop_kafka(folder, keep=True)
    return start_kafka(folder)


@dataclass
class KafkaBroker:
    """A broker for a test. ``folder`` is None for an external one (HUB_TEST_KAFKA_BOOTSTRAP)."""

    bootstrap: str
    folder: Path | None = None

    def _own_folder(self) -> Path:
        if self.folder is None:
            pytest.skip("the broker at HUB_TEST_KAFKA_BOOTSTRAP is not ours to stop or restart")
        return self.folder

    @property
    def pid(self) -> int | None:
        """The broker's process id while it runs from ops/kafka/start, else None."""
        if self.folder is None:
            return None
        try:
            return int((self.folder / "kafka.pid").read_text(encoding="utf-8").split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        """Stop the broker, keeping its data and ports (a broker outage, until ``start``)."""
        stop_kafka(self._own_folder(), keep=True)

    def start(self) -> None:
        """Start the stopped broker again: same folder, same data, same address."""
        address = start_kafka(self._own_folder())
        assert address == self.bootstrap, f"restarted on {address}, not {self.bootstrap}"

    def restart(self) -> None:
        self.stop()
        self.start()


@contextmanager
def kafka_server(prefix: str = "hub-kafka-test-") -> Iterator[KafkaBroker]:
    """Start a broker with ops/kafka/start in a new temp folder; stop it and delete the folder."""
    if not java_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI: {NO_JAVA}")
        pytest.skip(NO_JAVA)
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield KafkaBroker(start_kafka(folder), folder)
    finally:
        _script(STOP, folder, timeout=180)
        shutil.rmtree(folder, ignore_errors=True)


BrokerSource = Literal["env", "testcontainers", "ops", "skip", "fail"]


def broker_source(
    env: dict[str, str], docker_answers: bool, java: bool
) -> tuple[BrokerSource, str]:
    """Where the tests' broker comes from, and why (the issue's order of preference)."""
    if env.get("HUB_TEST_KAFKA_BOOTSTRAP"):
        return "env", "HUB_TEST_KAFKA_BOOTSTRAP is set"
    if docker_answers:
        return "testcontainers", f"a Docker engine answers: {CONTAINER_IMAGE} (KRaft)"
    if java:
        return "ops", "no Docker engine; Java is here: ops/kafka/start"
    if env.get("CI") == "true":
        return "fail", f"CI: {NO_JAVA}"
    return "skip", NO_JAVA


def docker_answers() -> bool:
    """A Docker engine answers a ping (the client alone, as on the build machines, is not
    enough)."""
    try:
        import docker  # testcontainers' dependency

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # no SDK, no socket, no engine: all mean "no Docker here"
        return False


@contextmanager
def _container_broker() -> Iterator[str]:
    from testcontainers.kafka import KafkaContainer

    with KafkaContainer(CONTAINER_IMAGE).with_kraft() as container:
        yield container.get_bootstrap_server()


@contextmanager
def kafka_broker() -> Iterator[str]:
    """A broker's bootstrap address (see the module docstring for where it comes from)."""
    source, why = broker_source(dict(os.environ), docker_answers(), java_available())
    if source == "env":
        yield os.environ["HUB_TEST_KAFKA_BOOTSTRAP"]
    elif source == "testcontainers":
        with _container_broker() as bootstrap:
            yield bootstrap
    elif source == "ops":
        with kafka_server() as broker:
            yield broker.bootstrap
    elif source == "fail":
        pytest.fail(why)
    else:
        pytest.skip(why)


# -- Kafka's CLI tools, run from the jar cache -----------------------------------------------------


def kafka_cli(
    main_class: str, *args: str, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run one of Kafka's tool classes; its log (warnings only) goes to stderr."""
    java = java_executable()
    if java is None:
        pytest.skip(NO_JAVA)
    command = [
        java,
        "-Xmx256m",
        "-XX:TieredStopAtLevel=1",  # a short-lived JVM: start fast rather than run fast
        "-XX:+UseSerialGC",
        "-cp",
        f"{jars_dir()}/*",
        f"-Dlog4j.configuration=file:{LOG4J}",
        "-Dhub.kafka.log.level=WARN",
        "-Dhub.kafka.log.target=System.err",
        main_class,
        *args,
    ]
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, timeout=timeout, check=False
    )


def _checked(done: subprocess.CompletedProcess[str], what: str) -> str:
    assert done.returncode == 0, f"{what} failed ({done.returncode}): {done.stderr[-3000:]}"
    return done.stdout


def create_topic(bootstrap: str, topic: str, partitions: int = 1) -> None:
    done = kafka_cli(
        TOPIC_COMMAND,
        "--bootstrap-server",
        bootstrap,
        "--create",
        "--topic",
        topic,
        "--partitions",
        str(partitions),
        "--replication-factor",
        "1",
    )
    _checked(done, f"creating topic {topic}")


def list_topics(bootstrap: str) -> list[str]:
    done = kafka_cli(TOPIC_COMMAND, "--bootstrap-server", bootstrap, "--list")
    return _checked(done, "listing topics").split()


def produce(bootstrap: str, topic: str, messages: Sequence[str]) -> None:
    """Send one message per line, acknowledged by the broker (acks=all), then return."""
    done = kafka_cli(
        CONSOLE_PRODUCER,
        "--bootstrap-server",
        bootstrap,
        "--topic",
        topic,
        "--producer-property",
        "acks=all",
        stdin="".join(f"{message}\n" for message in messages),
    )
    _checked(done, f"producing to {topic}")


def consume(bootstrap: str, topic: str, count: int, timeout_ms: int = 30_000) -> list[str]:
    """Read the first ``count`` messages of the topic (a fresh consumer group, from the start)."""
    done = kafka_cli(
        CONSOLE_CONSUMER,
        "--bootstrap-server",
        bootstrap,
        "--topic",
        topic,
        "--from-beginning",
        "--max-messages",
        str(count),
        "--timeout-ms",
        str(timeout_ms),
        timeout=timeout_ms / 1000 + 60,
    )
    return _checked(done, f"consuming from {topic}").splitlines()


# -- a secured broker: ops/kafka/start --secure ----------------------------------------------------

#: The SCRAM users a secured test broker gets besides ``admin`` (the super user): the hub's own
#: principal, a valid user that no ACL mentions, two subscribers and a Kafka-submitting source.
SECURE_USERS = ("hub", "outsider", "dept-a", "dept-b", "src-a")


@dataclass
class SecureBroker:
    """A broker from ``ops/kafka/start --secure``: SASL_SSL, SCRAM users, StandardAuthorizer."""

    bootstrap: str
    folder: Path
    #: what ops/kafka/start printed on stderr (checked for secrets)
    start_output: str

    @property
    def ca(self) -> Path:
        return self.folder / "tls" / "ca.pem"

    @property
    def command_config(self) -> Path:
        """Kafka's tools as admin: ``--command-config`` of TopicCommand, ConsoleConsumer ..."""
        return self.folder / "secrets" / "admin.properties"

    def env(self, user: str) -> dict[str, str]:
        """The HUB_KAFKA_* settings of a SCRAM user (from its 0600 file)."""
        text = (self.folder / "secrets" / f"{user}.env").read_text(encoding="utf-8")
        return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)

    def password(self, user: str) -> str:
        return self.env(user)["HUB_KAFKA_SASL_PASSWORD"]


@contextmanager
def secure_kafka_server(users: Sequence[str] = SECURE_USERS) -> Iterator[SecureBroker]:
    """Start a secured broker in a new temp folder; stop it and delete the folder afterwards."""
    if not java_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI: {NO_JAVA}")
        pytest.skip(NO_JAVA)
    folder = Path(tempfile.mkdtemp(prefix="hub-kafka-secure-"))
    env = {**os.environ, "HUB_KAFKA_SCRAM_USERS": " ".join(users)}
    try:
        started = _script(START, "--secure", folder, timeout=900, env=env)
        if started.returncode != 0:
            pytest.fail(f"ops/kafka/start --secure failed: {started.stderr[-3000:]}")
        bootstrap = started.stdout.strip().splitlines()[-1]
        yield SecureBroker(bootstrap, folder, started.stdout + started.stderr)
    finally:
        _script(STOP, folder, timeout=180)
        shutil.rmtree(folder, ignore_errors=True)


def read_confluent(
    options: dict[str, Any], topic: str, group: str | None = None
) -> ConfluentError | bytes | None:
    """Poll a topic from the start for up to 15 s as ``group`` (a fresh one if None): the first
    error, the first value, or None. With confluent-kafka, a client not written here."""
    from confluent_kafka import Consumer
    from confluent_kafka import KafkaError as Error

    consumer = Consumer(
        options
        | {"group.id": group or f"g-{uuid.uuid4().hex[:6]}", "auto.offset.reset": "earliest"}
    )
    try:
        consumer.subscribe([topic])
        for _ in range(30):
            message = consumer.poll(0.5)
            if message is None:
                continue
            error = message.error()
            if error is not None and error.code() != Error._PARTITION_EOF:
                return error
            if error is None:
                value: bytes | None = message.value()
                return value
        return None
    finally:
        consumer.close()
