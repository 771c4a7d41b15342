"""Only the entitled read or write: a real broker from ``ops/kafka/start --secure`` (SASL_SSL,
SCRAM users, StandardAuthorizer denying what no ACL allows), the hub's ACLs from ``hub acl sync``.

Every refusal has its positive control (the hub's principal doing the same thing successfully),
so a test cannot pass because nothing works at all.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from click.testing import CliRunner
from confluent_kafka import Consumer, Producer
from confluent_kafka import KafkaError as ConfluentError

from hub.cli import cli
from hub.errors import BrokerUnavailableError, ConfigError
from hub.kafka.acl import hub_grants, sync_acls
from hub.kafka.security import aiokafka_options, confluent_options
from hub.kafka.topics import create_topics, hub_topics, stream_topic
from hub.settings import HubSettings
from hub.standard import Standard
from tests.kafka import SecureBroker, read_confluent

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def settings_of(broker: SecureBroker, user: str, **more: Any) -> HubSettings:
    """A user's settings, from the HUB_KAFKA_* file ops/kafka/start wrote for it."""
    env = broker.env(user)
    values: dict[str, Any] = {key.removeprefix("HUB_").lower(): value for key, value in env.items()}
    return HubSettings(**(values | more))


@pytest.fixture(scope="module")
def hub_prefix(secure_kafka: SecureBroker, standard: Standard) -> str:
    """Topics of this module's own prefix, the hub's ACLs synced (as admin), made by the hub."""
    prefix = f"s{uuid.uuid4().hex[:8]}."
    more = {"kafka_topic_prefix": prefix, "kafka_group": f"{prefix}workers", "kafka_partitions": 1}
    admin = settings_of(secure_kafka, "admin", **more)
    sync_acls(admin, hub_grants(admin, "hub", standard.types))
    create_topics(settings_of(secure_kafka, "hub", **more), hub_topics(admin, standard.types))
    return prefix


def confluent(broker: SecureBroker, user: str, **more: Any) -> dict[str, Any]:
    return confluent_options(settings_of(broker, user, **more)) | {"log_level": 0}


def produce_confluent(options: dict[str, Any], topic: str) -> ConfluentError | None:
    """Send one message; the delivery error (or a refused login, reported at once by
    librdkafka's error callback), or None when the broker took it."""
    outcome: list[ConfluentError | None] = []
    login: list[ConfluentError] = []

    def on_error(error: ConfluentError) -> None:
        if error.code() in (ConfluentError._AUTHENTICATION, ConfluentError._SSL):
            login.append(error)

    producer = Producer(
        options | {"message.timeout.ms": 10_000, "socket.timeout.ms": 5_000, "error_cb": on_error}
    )
    producer.produce(topic, b"forged", key=b"k", on_delivery=lambda err, _msg: outcome.append(err))
    deadline = time.monotonic() + 20
    while not outcome and not login and time.monotonic() < deadline:
        producer.poll(0.1)
    producer.purge()
    producer.flush(1)
    if login:
        return login[0]
    assert outcome, "no delivery report within 20 s"
    return outcome[0]


# -- the broker itself -------------------------------------------------------------------------


def test_the_secured_broker_keeps_its_secrets(secure_kafka: SecureBroker) -> None:
    props = (secure_kafka.folder / "server.properties").read_text(encoding="utf-8")
    assert "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer" in props
    assert "allow.everyone.if.no.acl.found=false" in props
    assert "listeners=SASL_SSL://127.0.0.1:" in props and "PLAINTEXT://" not in props
    for secret in (
        *secure_kafka.folder.joinpath("secrets").iterdir(),
        secure_kafka.folder / "server.properties",
    ):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600, secret
    log = (secure_kafka.folder / "server.log").read_text(encoding="utf-8", errors="replace")
    env_file = (secure_kafka.folder / "env").read_text(encoding="utf-8")
    for user in ("admin", "hub", "outsider"):
        password = secure_kafka.password(user)
        assert len(password) >= 32
        assert password not in secure_kafka.start_output  # printed: paths, never passwords
        assert password not in log
        assert password not in env_file
    assert str(secure_kafka.ca) in secure_kafka.start_output
    assert "secrets/admin.env" in secure_kafka.start_output


# -- authentication ----------------------------------------------------------------------------


def test_an_unauthenticated_client_cannot_connect(secure_kafka: SecureBroker) -> None:
    async def plaintext() -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=secure_kafka.bootstrap, request_timeout_ms=5000
        )
        try:
            await asyncio.wait_for(producer.start(), 8)
        finally:
            await producer.stop()

    with pytest.raises((KafkaError, OSError, TimeoutError)):
        asyncio.run(plaintext())

    # TLS alone, no SASL: the broker wants a SASL handshake first
    tls_only = HubSettings(
        kafka_bootstrap=secure_kafka.bootstrap,
        kafka_security_protocol="SSL",
        kafka_ssl_cafile=secure_kafka.ca,
    )
    assert produce_confluent(confluent_options(tls_only) | {"log_level": 0}, "x") is not None


def test_a_wrong_password_or_an_unknown_ca_is_refused(secure_kafka: SecureBroker) -> None:
    wrong = confluent(secure_kafka, "hub") | {"sasl.password": "not-the-password"}
    error = produce_confluent(wrong, "anything")
    assert error is not None
    # no CA given: the system's CAs do not know the broker's self-made one
    unknown_ca = {k: v for k, v in confluent(secure_kafka, "hub").items() if k != "ssl.ca.location"}
    assert produce_confluent(unknown_ca | {"ssl.ca.location": "probe"}, "anything") is not None


# -- authorisation -----------------------------------------------------------------------------


def test_a_user_without_acls_cannot_write_submissions_or_read_history(
    secure_kafka: SecureBroker, hub_prefix: str
) -> None:
    submissions = f"{hub_prefix}submissions"
    outsider = confluent(secure_kafka, "outsider")
    refused = produce_confluent(outsider, submissions)
    assert refused is not None and refused.code() == ConfluentError.TOPIC_AUTHORIZATION_FAILED
    for history in ("records", "validated", "verdicts"):
        error = read_confluent(outsider, f"{hub_prefix}{history}")
        assert isinstance(error, ConfluentError), history
        assert error.code() in (
            ConfluentError.TOPIC_AUTHORIZATION_FAILED,
            ConfluentError.GROUP_AUTHORIZATION_FAILED,
        ), error
    # a feed is no more open to it than the history (subscriber read ACLs are the registry's)
    feed = f"{hub_prefix}out.national.inspection"
    assert produce_confluent(outsider, feed) is not None

    # the positive control: the hub's principal writes and reads the same topic
    hub = confluent(secure_kafka, "hub", kafka_group=f"{hub_prefix}workers")
    assert produce_confluent(hub, submissions) is None
    consumer = Consumer(hub | {"group.id": f"{hub_prefix}workers", "auto.offset.reset": "earliest"})
    try:
        consumer.subscribe([submissions])
        values = []
        for _ in range(40):
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                values.append(message.value())
                break
        assert values == [b"forged"]
    finally:
        consumer.close()


def test_the_hub_works_with_plain_as_well_as_scram(
    secure_kafka: SecureBroker, hub_prefix: str
) -> None:
    topic = f"{hub_prefix}quarantine"
    s = settings_of(secure_kafka, "hub", kafka_sasl_mechanism="PLAIN")

    async def roundtrip() -> bytes:
        producer = AIOKafkaProducer(bootstrap_servers=secure_kafka.bootstrap, **aiokafka_options(s))
        await producer.start()
        try:
            await producer.send_and_wait(topic, b"plain", key=b"k")
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(bootstrap_servers=secure_kafka.bootstrap, **aiokafka_options(s))
        await consumer.start()
        try:
            tp = TopicPartition(topic, 0)
            consumer.assign([tp])
            await consumer.seek_to_beginning(tp)
            message = await asyncio.wait_for(consumer.getone(), 20)
            return bytes(message.value or b"")
        finally:
            await consumer.stop()

    assert asyncio.run(roundtrip()) == b"plain"


def test_acl_sync_is_idempotent_and_needs_a_principal_allowed_to_alter_acls(
    secure_kafka: SecureBroker, hub_prefix: str, standard: Standard
) -> None:
    more = {"kafka_topic_prefix": hub_prefix, "kafka_group": f"{hub_prefix}workers"}
    admin = settings_of(secure_kafka, "admin", **more)
    grants = hub_grants(admin, "hub", standard.types)
    again = sync_acls(admin, grants)
    assert again.created == [] and sorted(again.existing) == grants
    outsider = settings_of(secure_kafka, "outsider", **more)
    with pytest.raises(ConfigError) as caught:
        sync_acls(outsider, hub_grants(outsider, "outsider", standard.types))
    assert "CLUSTER_AUTHORIZATION_FAILED" in str(caught.value)
    assert secure_kafka.password("outsider") not in str(caught.value)
    # and the outsider has still no right to write the submissions topic
    refused = produce_confluent(
        confluent(secure_kafka, "outsider"), stream_topic(admin, "submissions")
    )
    assert refused is not None


# -- secrets are never shown -------------------------------------------------------------------


def test_secrets_stay_out_of_logs_and_errors_while_misconfigured(
    secure_kafka: SecureBroker,
    hub_prefix: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A wrong password, a password with the wrong protocol, a refused ACL change: every message
    the hub prints and every log record (all loggers, DEBUG) is free of the password."""
    secret = f"wrong-{uuid.uuid4().hex}"
    real = secure_kafka.password("hub")
    env = {**secure_kafka.env("hub"), "HUB_KAFKA_SASL_PASSWORD": secret}
    env |= {"HUB_KAFKA_TOPIC_PREFIX": hub_prefix, "HUB_DATA_DIR": str(tmp_path)}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    outputs = []
    for args in (["topics", "create"], ["acl", "sync", "--principal", "hub"]):
        result = runner.invoke(cli, args)
        assert result.exit_code != 0, result.output  # refused, not silently fine
        outputs.append(result.output)
    monkeypatch.setenv("HUB_KAFKA_SECURITY_PROTOCOL", "SSL")  # the password would be dropped
    result = runner.invoke(cli, ["topics", "create"])
    assert result.exit_code == 2 and "does not use SASL" in result.output
    outputs.append(result.output)
    # hub status with the lag reader on the misconfigured broker
    monkeypatch.setenv("HUB_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    added = runner.invoke(
        cli,
        [
            "sources",
            "add",
            "zj-330106",
            "--level",
            "county",
            "--region",
            "330106",
            "--department",
            "西湖区市场监督管理局",
            "--types",
            "all",
        ],
    )
    assert added.exit_code == 0, added.output
    status = runner.invoke(cli, ["status", "--json"])
    assert '"kafka": "unavailable' in status.output, status.output  # the lag reader tried
    outputs.append(status.output)
    with pytest.raises((BrokerUnavailableError, ConfigError)) as caught:
        create_topics(HubSettings(), hub_topics(HubSettings(), []), timeout_s=10)
    outputs.append(str(caught.value))
    everything = "\n".join(outputs) + "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records
    )
    assert secret not in everything
    assert real not in everything
    assert os.environ["HUB_KAFKA_SASL_PASSWORD"] == secret  # the misconfiguration was in force


def test_a_refused_login_stops_the_worker_at_once_instead_of_waiting(
    secure_kafka: SecureBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiokafka cannot tell a refused login from a broker that is down: without the login check
    a worker with a wrong password would wait for Kafka forever, looking like an outage."""
    secret = f"wrong-{uuid.uuid4().hex}"
    for key, value in secure_kafka.env("hub").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HUB_KAFKA_SASL_PASSWORD", secret)
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    began = time.monotonic()
    result = runner.invoke(cli, ["worker"])
    assert result.exit_code == 2, result.output
    assert "HUB_KAFKA_SASL_PASSWORD" in result.output and secret not in result.output
    assert time.monotonic() - began < 12
    # the right password, a CA that did not sign the broker's certificate: TLS refused
    monkeypatch.setenv("HUB_KAFKA_SASL_PASSWORD", secure_kafka.password("hub"))
    other_ca = tmp_path / "other-ca.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=other",
            "-keyout",
            str(tmp_path / "other-ca.key"),
            "-out",
            str(other_ca),
        ],
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("HUB_KAFKA_SSL_CAFILE", str(other_ca))
    refused = runner.invoke(cli, ["topics", "create"])
    assert refused.exit_code == 2, refused.output
    assert "HUB_KAFKA_SSL_CAFILE" in refused.output


def test_federation_reads_a_secured_lower_hub_with_its_own_credentials(
    secure_kafka: SecureBroker,
    hub_prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``hub connect federation --kafka-env FILE``: the lower hub's Kafka is secured with
    credentials of its own (here the lower hub granted the province's principal read on its
    records topic and the connector's group)."""
    from hub.kafka.acl import Grant

    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "province"))
    group = "federation.supervision-hub.gz-hub"
    admin = settings_of(secure_kafka, "admin")
    sync_acls(admin, [Grant("User:hub", "group", group, op) for op in ("read", "describe")])
    runner = CliRunner()
    added = runner.invoke(
        cli,
        [
            "sources",
            "add",
            "gz-hub",
            "--level",
            "city",
            "--region",
            "440100",
            "--department",
            "广州市数据交换平台",
            "--types",
            "all",
        ],
    )
    assert added.exit_code == 0, added.output
    env_file = secure_kafka.folder / "secrets" / "hub.env"
    args = [
        "connect",
        "federation",
        "--source",
        "gz-hub",
        "--hub-name",
        "guangzhou",
        "--bootstrap",
        secure_kafka.bootstrap,
        "--prefix",
        hub_prefix,
        "--once",
        "--json",
    ]
    result = runner.invoke(cli, [*args, "--kafka-env", str(env_file)])
    assert result.exit_code == 0, result.output
    assert '"read": 0' in result.output  # an empty history, read to its end over SASL_SSL
    bad = tmp_path / "bad.env"
    bad.write_text("HUB_DATABASE_URL=postgresql://x\n", encoding="utf-8")
    refused = runner.invoke(cli, [*args, "--kafka-env", str(bad)])
    assert refused.exit_code == 2 and "HUB_DATABASE_URL" in refused.output


def test_the_lag_reader_works_on_sasl_ssl(secure_kafka: SecureBroker, hub_prefix: str) -> None:
    """``hub status``' Kafka half: the workers' group lag, read as the hub's principal."""
    from hub.kafka.lag import group_lag

    s = settings_of(
        secure_kafka, "hub", kafka_topic_prefix=hub_prefix, kafka_group=f"{hub_prefix}workers"
    )
    feedback = stream_topic(s, "feedback")
    options = confluent_options(s) | {"log_level": 0}
    for _ in range(3):
        assert produce_confluent(options, feedback) is None
    # the group commits one of the three (and the coordinator exists from here on)
    consumer = Consumer(
        options
        | {"group.id": s.kafka_group, "auto.offset.reset": "earliest", "enable.auto.commit": False}
    )
    try:
        consumer.subscribe([feedback])
        message = None
        for _ in range(40):
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                break
        assert message is not None and message.error() is None
        consumer.commit(message, asynchronous=False)
    finally:
        consumer.close()
    assert group_lag(s, [feedback]) == {feedback: 2}


def test_hub_ingest_with_a_refused_login_says_so(
    secure_kafka: SecureBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = f"wrong-{uuid.uuid4().hex}"
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    added = runner.invoke(
        cli,
        [
            "sources",
            "add",
            "zj-330106",
            "--level",
            "county",
            "--region",
            "330106",
            "--department",
            "西湖区市场监督管理局",
            "--types",
            "all",
        ],
    )
    assert added.exit_code == 0, added.output
    for key, value in secure_kafka.env("hub").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HUB_KAFKA_SASL_PASSWORD", secret)
    sample = Path(__file__).parents[2] / "docs" / "samples" / "inspections.jsonl"
    result = runner.invoke(
        cli, ["ingest", "--source", "zj-330106", "--type", "inspection", str(sample)]
    )
    assert result.exit_code == 2, result.output  # a configuration error, not 4 (storage/broker)
    assert "HUB_KAFKA_SASL_PASSWORD" in result.output and secret not in result.output


def test_a_producer_without_write_acl_is_told_so(
    secure_kafka: SecureBroker, hub_prefix: str
) -> None:
    """The relay and the ingest wait while Kafka refuses a batch (an operator may grant the ACL
    meanwhile), and the error they log says which topic and what to do."""
    from hub.kafka.producer import Producer
    from hub.kafka.wire import Message

    s = settings_of(secure_kafka, "outsider")
    topic = f"{hub_prefix}records"
    producer = Producer(secure_kafka.bootstrap, timeout_s=10, security=aiokafka_options(s))

    async def send() -> None:
        try:
            await producer.send_all([Message(topic, b"k", b"forged", ())])
        finally:
            await producer.stop()

    with pytest.raises(BrokerUnavailableError) as caught:
        asyncio.run(send())
    # a principal that may write nothing is stopped at the producer's start (its id request)
    assert "hub acl sync" in str(caught.value), caught.value
    # a principal that may write its own topics, not this one: the topic is named
    hub = Producer(
        secure_kafka.bootstrap,
        timeout_s=10,
        security=aiokafka_options(settings_of(secure_kafka, "hub")),
    )
    other = f"not-{hub_prefix}records"

    async def send_other() -> None:
        try:
            await hub.send_all([Message(other, b"k", b"forged", ())])
        finally:
            await hub.stop()

    with pytest.raises(BrokerUnavailableError) as caught:
        asyncio.run(send_other())
    assert other in str(caught.value) and "hub acl sync" in str(caught.value), caught.value
