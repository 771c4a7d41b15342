"""Shared fixtures: the shipped standard pack, a validator, fresh copies of the examples."""

from __future__ import annotations

import copy
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.standard import Standard, Validator, load_standard
from tests.pg import fresh_database, postgres_server


@pytest.fixture(scope="session")
def standard() -> Standard:
    return load_standard()


@pytest.fixture(scope="session")
def validator(standard: Standard) -> Validator:
    return Validator(standard)


@pytest.fixture
def example(standard: Standard) -> Callable[[str], dict[str, Any]]:
    """A deep copy of a type's example record, safe to mutate."""

    def make(type_id: str) -> dict[str, Any]:
        return copy.deepcopy(standard.example(type_id))

    return make


@pytest.fixture
def inspection(standard: Standard) -> dict[str, Any]:
    return copy.deepcopy(standard.example("inspection"))


@pytest.fixture
def entity(standard: Standard) -> dict[str, Any]:
    return copy.deepcopy(standard.example("supervised_entity"))


# -- PostgreSQL: HUB_TEST_DATABASE_URL, else a throwaway server from ops/postgres ------------------


def _postgres_binaries() -> bool:
    return shutil.which("initdb") is not None or Path("/usr/lib/postgresql").is_dir()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server's admin URL. Under CI (CI=true) a missing server fails the run."""
    url = os.environ.get("HUB_TEST_DATABASE_URL")
    if url:
        yield url
        return
    if not _postgres_binaries() and os.environ.get("CI") != "true":
        pytest.skip(reason="no PostgreSQL: install postgresql or set HUB_TEST_DATABASE_URL")
    with postgres_server("hub-pg-test-") as (admin_url, _):
        yield admin_url


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty database on the test server, dropped afterwards."""
    with fresh_database(pg_server) as url:
        yield url


# -- Kafka: HUB_TEST_KAFKA_BOOTSTRAP, else a throwaway broker from ops/kafka ----------------------


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """A broker's bootstrap address, shared by the session (tests use topics of their own).
    Under CI a broker that cannot start fails the run."""
    from tests.kafka import kafka_broker

    with kafka_broker() as bootstrap:
        yield bootstrap


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI a skipped test is a failure: it would hide a missing Kafka or PostgreSQL."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") == "true" and skipped and exitstatus == 0:
        session.exitstatus = 1
        if reporter:
            reporter.write_line(
                f"CI: {skipped} test(s) skipped; under CI nothing may skip", red=True
            )
