"""The OpenAPI document: the checked-in copy is what the app serves, and the API holds up to
schemathesis fuzzing against it (no 5xx, replies as documented), with a real token and without."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.generation.meta import GenerationMode, ParameterLocation

from hub.api.openapi import document
from hub.settings import HubSettings
from hub.testing.sources import COUNTY
from tests.api.conftest import Api, make_api

ROOT = Path(__file__).resolve().parents[2]


def test_the_checked_in_document_is_what_the_app_serves() -> None:
    checked_in = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert checked_in == document(), "regenerate: python -m hub.api.openapi > docs/openapi.json"


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp("fuzz")
    yield from make_api(HubSettings(data_dir=folder / "hub", api_max_body_bytes=256 * 1024))


schema = schemathesis.pytest.from_fixture("fuzzed_schema")


@pytest.fixture(scope="module")
def fuzzed_schema(fuzzed: Api) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed.client.app)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzzing_the_api_finds_no_server_error_and_no_undocumented_reply(
    case: schemathesis.Case, fuzzed: Api
) -> None:
    header = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    if header is not None and header.mode == GenerationMode.NEGATIVE:
        case.call_and_validate()  # headers deliberately wrong: no token of ours added
    else:
        case.call_and_validate(headers=fuzzed.auth(COUNTY.source_id))
