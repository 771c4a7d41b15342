"""Kafka client security from the one settings object: every client's options come from
:mod:`hub.kafka.security`, settings that would be silently ignored are refused, secrets stay
secret. No broker needed here (tests on a real secured broker: test_secure_broker.py)."""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli import cli
from hub.errors import ConfigError
from hub.kafka.acl import hub_grants
from hub.kafka.security import (
    aiokafka_options,
    confluent_options,
    faust_credentials,
    principal,
    ssl_context,
)
from hub.kafka.topics import hub_topics
from hub.settings import HubSettings

PASSWORD = "s3cret-口令-9f2c"


def settings(**values: Any) -> HubSettings:
    return HubSettings(kafka_bootstrap="127.0.0.1:9", **values)


def sasl(**values: Any) -> HubSettings:
    return settings(
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_username="hub",
        kafka_sasl_password=PASSWORD,
        **values,
    )


def test_plaintext_by_default() -> None:
    assert aiokafka_options(settings()) == {"security_protocol": "PLAINTEXT"}
    assert faust_credentials(settings()) is None
    assert confluent_options(settings()) == {
        "bootstrap.servers": "127.0.0.1:9",
        "security.protocol": "PLAINTEXT",
    }
    assert principal(settings()) is None


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"])
def test_sasl_options_for_every_client(mechanism: str) -> None:
    s = sasl(kafka_sasl_mechanism=mechanism)
    assert aiokafka_options(s) == {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": mechanism,
        "sasl_plain_username": "hub",
        "sasl_plain_password": PASSWORD,
    }
    assert confluent_options(s)["sasl.mechanism"] == mechanism
    assert confluent_options(s)["sasl.password"] == PASSWORD
    credentials = faust_credentials(s)
    assert credentials.mechanism.value == mechanism
    assert credentials.protocol.value == "SASL_PLAINTEXT"
    assert PASSWORD not in repr(credentials)
    assert principal(s) == "User:hub"


def test_the_environment_configures_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ca = _self_signed(tmp_path)
    for key, value in {
        "HUB_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "HUB_KAFKA_SASL_MECHANISM": "PLAIN",
        "HUB_KAFKA_SASL_USERNAME": "hub",
        "HUB_KAFKA_SASL_PASSWORD": PASSWORD,
        "HUB_KAFKA_SSL_CAFILE": str(ca),
        "HUB_KAFKA_SSL_CHECK_HOSTNAME": "false",
        "HUB_KAFKA_SSL_CERTFILE": "",  # empty is unset
    }.items():
        monkeypatch.setenv(key, value)
    s = HubSettings(kafka_bootstrap="127.0.0.1:9")
    options = aiokafka_options(s)
    assert options["security_protocol"] == "SASL_SSL"
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED  # hostname off, the chain still checked
    assert context.check_hostname is False
    assert confluent_options(s)["ssl.ca.location"] == str(ca)
    assert confluent_options(s)["ssl.endpoint.identification.algorithm"] == "none"
    assert s.kafka_ssl_certfile is None
    # the secret never shows in the settings' repr or dump
    assert PASSWORD not in repr(s)
    assert PASSWORD not in str(s.model_dump())


def test_hostname_verification_is_on_by_default(tmp_path: Path) -> None:
    s = settings(kafka_security_protocol="SSL", kafka_ssl_cafile=_self_signed(tmp_path))
    context = ssl_context(s)
    assert context is not None and context.check_hostname is True
    assert confluent_options(s)["ssl.endpoint.identification.algorithm"] == "https"
    assert faust_credentials(s).protocol.value == "SSL"


def test_a_client_certificate_is_loaded(tmp_path: Path) -> None:
    cert = _self_signed(tmp_path, with_key=True)
    s = settings(
        kafka_security_protocol="SSL",
        kafka_ssl_certfile=cert,
        kafka_ssl_keyfile=tmp_path / "key.pem",
    )
    assert ssl_context(s) is not None
    assert confluent_options(s)["ssl.certificate.location"] == str(cert)


@pytest.mark.parametrize(
    ("values", "names"),
    [
        ({"kafka_security_protocol": "SASL_SSL"}, "HUB_KAFKA_SASL_USERNAME"),
        (
            {"kafka_security_protocol": "SASL_SSL", "kafka_sasl_username": "hub"},
            "HUB_KAFKA_SASL_PASSWORD",
        ),
        # a password with a protocol that would drop it: refused, not ignored
        ({"kafka_sasl_username": "hub", "kafka_sasl_password": PASSWORD}, "does not use SASL"),
        ({"kafka_ssl_cafile": "/etc/hosts"}, "HUB_KAFKA_SSL_CAFILE"),
        (
            {"kafka_security_protocol": "SSL", "kafka_ssl_keyfile": "/nonexistent/key.pem"},
            "HUB_KAFKA_SSL_CERTFILE",
        ),
        (
            {"kafka_security_protocol": "SSL", "kafka_ssl_cafile": "/nonexistent/ca.pem"},
            "HUB_KAFKA_SSL_CAFILE /nonexistent/ca.pem",
        ),
    ],
)
def test_settings_that_cannot_work_are_refused(values: dict[str, Any], names: str) -> None:
    s = settings(**values)
    for build in (aiokafka_options, confluent_options):
        with pytest.raises(ConfigError) as caught:
            build(s)
        assert names in str(caught.value)
        assert PASSWORD not in str(caught.value)


def test_a_bad_key_password_is_refused_without_echoing_it(tmp_path: Path) -> None:
    cert = _self_signed(tmp_path, with_key=True, key_password="right-one")
    s = settings(
        kafka_security_protocol="SSL",
        kafka_ssl_certfile=cert,
        kafka_ssl_keyfile=tmp_path / "key.pem",
        kafka_ssl_key_password=PASSWORD,
    )
    with pytest.raises(ConfigError) as caught:
        ssl_context(s)
    assert "HUB_KAFKA_SSL_CERTFILE" in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_the_worker_takes_the_same_options(pg_free_settings: HubSettings) -> None:
    """hub worker fails at once on security settings that cannot work (before any connection)."""
    from hub.runtime.distributed import Worker

    bad = pg_free_settings.model_copy(update={"kafka_security_protocol": "SASL_SSL"})
    with pytest.raises(ConfigError, match="HUB_KAFKA_SASL_USERNAME"):
        Worker(bad)


@pytest.fixture
def pg_free_settings(tmp_path: Path) -> HubSettings:
    # the worker's constructor opens nothing before its checks: no database needed
    return HubSettings(
        data_dir=tmp_path,
        kafka_bootstrap="127.0.0.1:9",
        database_url="postgresql://nobody@127.0.0.1:9/none",
    )


# -- the hub's ACLs, decided without a broker ----------------------------------------------


def test_the_hub_is_granted_every_one_of_its_topics_and_nothing_else(standard: Any) -> None:
    s = settings(kafka_topic_prefix="zj.", kafka_group="zj-workers")
    grants = hub_grants(s, "hub", standard.types)
    topics = {spec.name for spec in hub_topics(s, standard.types)}
    assert {g.principal for g in grants} == {"User:hub"}
    written = {g.name for g in grants if g.resource == "topic" and g.operation == "write"}
    assert written == topics  # the submissions topic and every history topic included
    assert "zj.submissions" in written and "zj.records" in written
    assert {g.name for g in grants if g.resource == "topic"} == topics  # literal names only
    assert {(g.name, g.operation) for g in grants if g.resource == "group"} == {
        ("zj-workers", "read"),
        ("zj-workers", "describe"),
    }
    assert [g.operation for g in grants if g.resource == "cluster"] == ["idempotent_write"]
    assert hub_grants(s, "User:CN=hub-worker", standard.types)[0].principal == "User:CN=hub-worker"
    with pytest.raises(ConfigError):
        hub_grants(s, " hub", standard.types)


def test_acl_sync_dry_run_lists_the_grants(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUB_KAFKA_BOOTSTRAP", "127.0.0.1:9")  # never contacted in a dry run
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))  # the registry: no source, no subscriber
    monkeypatch.setenv("HUB_KAFKA_TOPIC_PREFIX", "dry.")
    result = CliRunner().invoke(cli, ["acl", "sync", "--principal", "hub", "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["created"] == [] and body["existing"] == []
    assert {
        "principal": "User:hub",
        "resource": "topic",
        "name": "dry.submissions",
        "operation": "write",
        "pattern": "literal",
    } in body["grants"]
    missing = CliRunner().invoke(cli, ["acl", "sync", "--dry-run"])
    assert missing.exit_code == 2  # --principal is required: a usage error


# -- helpers ---------------------------------------------------------------------------------------


def _self_signed(folder: Path, with_key: bool = False, key_password: str | None = None) -> Path:
    """A self-signed certificate made with openssl (its key in folder/key.pem)."""
    import subprocess

    cert = folder / "cert.pem"
    command = [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-keyout",
        str(folder / "key.pem"),
        "-out",
        str(cert),
        "-days",
        "1",
        "-subj",
        "/CN=hub-test",
    ]
    command += ["-passout", f"pass:{key_password}"] if key_password else ["-nodes"]
    subprocess.run(command, check=True, capture_output=True)
    assert with_key or cert.exists()
    return cert


def test_another_clusters_settings_never_carry_the_hubs_own_password(tmp_path: Path) -> None:
    from hub.kafka.security import from_env_text

    own = sasl(kafka_ssl_check_hostname=False)
    lower = from_env_text(own, "", "10.0.0.1:9093")  # nothing given: plaintext there
    assert lower.kafka_bootstrap == "10.0.0.1:9093"
    assert lower.kafka_security_protocol == "PLAINTEXT"
    assert lower.kafka_sasl_password is None and lower.kafka_sasl_username is None
    assert lower.kafka_ssl_check_hostname is True
    given = from_env_text(
        own,
        "# the city's credentials\nexport HUB_KAFKA_SECURITY_PROTOCOL=SASL_SSL\n"
        "HUB_KAFKA_SASL_USERNAME=province\nHUB_KAFKA_SASL_PASSWORD=city-secret\n"
        "HUB_KAFKA_BOOTSTRAP=ignored:1\n",
        "10.0.0.1:9093",
    )
    assert given.kafka_sasl_username == "province"
    assert given.kafka_sasl_password is not None
    assert given.kafka_sasl_password.get_secret_value() == "city-secret"
    assert given.kafka_bootstrap == "10.0.0.1:9093"
    with pytest.raises(ConfigError, match="line 1"):
        from_env_text(own, "HUB_DATABASE_URL=postgresql://x", "h:1")
    with pytest.raises(ConfigError, match="kafka_security_protocol") as caught:
        from_env_text(
            own, f"HUB_KAFKA_SECURITY_PROTOCOL=NOPE\nHUB_KAFKA_SASL_PASSWORD={PASSWORD}", "h:1"
        )
    assert PASSWORD not in str(caught.value)
