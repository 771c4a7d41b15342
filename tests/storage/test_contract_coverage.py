"""A cheap guard on the contract suites: every port has one suite, whose tests call each of the
port's methods, and every suite runs on both backends (the submission sink's on the log over
each backend and on Kafka). A method added to a port without a test in its suite, or a suite no
backend runs, fails here."""

from __future__ import annotations

import inspect
import re
from types import ModuleType

import pytest

from hub.engine.sink import KafkaSink, LogSink, SubmissionSink
from hub.projections import ports as view_ports
from hub.storage import ports
from hub.testing.contracts import (
    STORE_CONTRACTS,
    VIEW_CONTRACTS,
    Contract,
    SubmissionSinkContract,
)
from tests.connectors import test_sink
from tests.storage import test_postgres, test_sqlite, test_views

SUITES: tuple[type[Contract], ...] = (*STORE_CONTRACTS, *VIEW_CONTRACTS)
#: Ports whose methods are called on an open transaction (``tx``); the others on the handle.
IN_A_TRANSACTION = {*ports.TRANSACTION_PORTS, view_ports.ViewTransaction}
#: A port smaller than three methods, and why it is not padded: reading entries and
#: compare-and-set are the identity registry's whole job.
SMALL = {ports.Registry}


def _methods(port: type) -> list[str]:
    """The abstract methods a port declares itself (a stack's come from its ports)."""
    return sorted(n for n in port.__abstractmethods__ if n in vars(port))


def test_the_stacks_add_nothing_but_their_own_few_methods() -> None:
    assert _methods(ports.Transaction) == []
    assert set(ports.Transaction.__abstractmethods__) == {
        m for port in ports.TRANSACTION_PORTS for m in _methods(port)
    }
    assert _methods(ports.Store) == ["close", "snapshot", "transaction"]
    assert _methods(view_ports.ViewStore) == ["close", "transaction"]
    for port in (
        *ports.TRANSACTION_PORTS,
        *ports.STORE_PORTS,
        view_ports.ViewTransaction,
        view_ports.ViewSchema,
        view_ports.ViewReads,
    ):
        assert (2 if port in SMALL else 3) <= len(_methods(port)) <= 8, port


def test_every_port_has_one_suite() -> None:
    covered = [suite.port for suite in SUITES]
    assert len(covered) == len(set(covered))
    assert set(covered) == {
        *ports.TRANSACTION_PORTS,
        *ports.STORE_PORTS,
        ports.Store,
        view_ports.ViewTransaction,
        view_ports.ViewSchema,
        view_ports.ViewReads,
        view_ports.ViewStore,
    }


@pytest.mark.parametrize("suite", SUITES, ids=lambda s: s.__name__)
def test_a_suite_calls_every_method_of_its_port(suite: type[Contract]) -> None:
    source = inspect.getsource(suite)
    receiver = "tx" if suite.port in IN_A_TRANSACTION else "(store|views|other|reopened)"
    missing = [m for m in _methods(suite.port) if not re.search(rf"\b{receiver}\.{m}\(", source)]
    assert not missing, f"{suite.__name__} never calls {missing}"


@pytest.mark.parametrize(
    ("module", "suites"),
    [
        (test_sqlite, STORE_CONTRACTS),
        (test_postgres, STORE_CONTRACTS),
        (test_views, VIEW_CONTRACTS),
    ],
    ids=["sqlite", "postgresql", "views"],
)
def test_every_suite_runs_on_every_backend(
    module: ModuleType, suites: tuple[type[Contract], ...]
) -> None:
    tests = [
        c for name, c in vars(module).items() if name.startswith("Test") and isinstance(c, type)
    ]
    for suite in suites:
        runs = [c for c in tests if issubclass(c, suite)]
        if module is test_views:
            assert len(runs) == 2, suite  # SQLite and PostgreSQL
        else:
            assert len(runs) == 1, suite


def test_the_sink_contract_calls_every_method_and_runs_on_the_log_and_on_kafka() -> None:
    source = inspect.getsource(SubmissionSinkContract)
    missing = [m for m in _methods(SubmissionSink) if not re.search(rf"\bsink\.{m}\(", source)]
    assert not missing, f"SubmissionSinkContract never calls {missing}"
    runs = [
        c
        for name, c in vars(test_sink).items()
        if name.startswith("Test") and isinstance(c, type) and issubclass(c, SubmissionSinkContract)
    ]
    kinds = sorted((c.kind.__name__, c.__name__) for c in runs)
    assert [k for k, _ in kinds] == [KafkaSink.__name__, LogSink.__name__, LogSink.__name__]
    assert {n for _, n in kinds} == {
        "TestKafkaSink",
        "TestLogSinkOnSqlite",
        "TestLogSinkOnPostgres",
    }
