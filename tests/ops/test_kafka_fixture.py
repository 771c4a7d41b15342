"""Where the tests' Kafka broker comes from: the issue's order of preference, and the Docker
probe that chooses testcontainers agrees with the Docker CLI."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.kafka import broker_source, docker_answers


@pytest.mark.parametrize(
    ("env", "docker", "java", "source"),
    [
        ({"HUB_TEST_KAFKA_BOOTSTRAP": "127.0.0.1:9092"}, True, True, "env"),
        ({"HUB_TEST_KAFKA_BOOTSTRAP": ""}, True, True, "testcontainers"),
        ({}, True, False, "testcontainers"),
        ({}, False, True, "ops"),
        ({"CI": "true"}, False, True, "ops"),
        ({}, False, False, "skip"),
        ({"CI": "true"}, False, False, "fail"),
    ],
)
def test_the_broker_comes_from_the_first_that_can_give_one(
    env: dict[str, str], docker: bool, java: bool, source: str
) -> None:
    chosen, why = broker_source(env, docker, java)
    assert chosen == source
    assert why


def test_the_docker_probe_agrees_with_the_docker_cli() -> None:
    if shutil.which("docker") is None:
        assert docker_answers() is False  # no client: testcontainers cannot run either
        return
    info = subprocess.run(["docker", "info"], capture_output=True, timeout=60, check=False)
    assert docker_answers() is (info.returncode == 0)
