"""The /v1 query API holds up to schemathesis fuzzing against its OpenAPI document, signed in as
an operator (the role that reaches every route) over a loaded hub: no 5xx, every reply as
documented. Unsigned requests are fuzzed too (401, as documented). The ingest routes are fuzzed
with a source's token in tests/api/test_openapi.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from hub.settings import HubSettings
from tests.query.api import served
from tests.query.province import load_province
from tests.query.signin import headers


@pytest.fixture(scope="module")
def fuzzed_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    hub = HubSettings(data_dir=tmp_path_factory.mktemp("fuzz-v1") / "hub")
    load_province(hub, 120)
    with served(hub) as client:
        yield client


@pytest.fixture(scope="module")
def query_schema(fuzzed_client: TestClient) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed_client.app)


schema = (
    schemathesis.pytest.from_fixture("query_schema")
    .include(path_regex="^/v1/")
    .exclude(method="POST", path="/v1/records/{record_type}")
    .exclude(path="/v1/feedback")
    .exclude(tag="session")  # sign-in is the accounts branch's (tests/api/test_accounts.py)
)


def _call_and_validate(case: schemathesis.Case, signed: dict[str, str] | None = None) -> int:
    """Call and check the reply against the document, except that a body over the action
    routes' bound (1 MiB) is refused before it is read: 413 ``API.LIMIT.BODY`` is the right reply
    to it whether or not the body would have matched the schema (schemathesis counts 413 as
    neither a rejection nor an acceptance of invalid data)."""
    reply = case.call(headers=signed)
    if reply.status_code == 413:
        assert reply.json()["error"]["code"] == "API.LIMIT.BODY"
        return 413
    case.validate_response(reply, headers=signed)
    return int(reply.status_code)


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzzing_as_an_operator_finds_no_server_error_and_no_undocumented_reply(
    case: schemathesis.Case,
) -> None:
    _call_and_validate(case, headers("operator"))


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzzing_unsigned_gets_documented_refusals(case: schemathesis.Case) -> None:
    status = _call_and_validate(case)
    assert status in (401, 405, 413, 422)  # 405: the coverage phase tries other methods


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzzing_as_a_county_viewer_finds_no_server_error_and_no_undocumented_reply(
    case: schemathesis.Case,
) -> None:
    _call_and_validate(case, headers("viewer", "330106"))
