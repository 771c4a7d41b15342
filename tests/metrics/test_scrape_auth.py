"""Who may scrape ``/metrics``: its numbers are the whole hub's (every source's submissions and
violations, the ledger, lag), so as for ``/v1/status`` an operator or an auditor (an account
token, as Prometheus sends it), not anyone who reaches the port, and not a viewer; unless
``HUB_METRICS_PUBLIC=true`` says the port is on a private monitoring network."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from hub.settings import HubSettings
from tests.api.conftest import make_api
from tests.processes import hub_env, run_hub


def test_an_unsigned_scrape_is_401_and_a_viewers_is_403(
    demo_dir: Path, api_url: str, scrape_token: str
) -> None:
    env = hub_env(demo_dir)
    unsigned = httpx.get(f"{api_url}/metrics", timeout=30)
    assert unsigned.status_code == 401
    assert unsigned.json()["error"]["code"] == "API.SIGN_IN"
    assert "hub_submissions_total" not in unsigned.text
    run_hub(env, "accounts", "add", "metrics-viewer", "--role", "viewer", "--region", "330300",
            "--no-password")  # fmt: skip
    made = json.loads(run_hub(env, "accounts", "token", "metrics-viewer", "--json").stdout)
    viewer = httpx.get(
        f"{api_url}/metrics", headers={"Authorization": f"Bearer {made['token']}"}, timeout=30
    )
    assert viewer.status_code == 403
    assert viewer.json()["error"]["code"] == "API.ROLE"
    wrong = httpx.get(f"{api_url}/metrics", headers={"Authorization": "Bearer hubacc_nope"})
    assert wrong.status_code == 401
    auditor = httpx.get(
        f"{api_url}/metrics", headers={"Authorization": f"Bearer {scrape_token}"}, timeout=30
    )
    assert auditor.status_code == 200 and "hub_submissions_total" in auditor.text


def test_a_source_token_does_not_scrape(tmp_path: Path) -> None:
    for api in make_api(HubSettings(data_dir=tmp_path / "hub")):
        source_id = next(iter(api.tokens))
        assert api.client.get("/metrics", headers=api.auth(source_id)).status_code == 401
        assert api.client.get("/metrics").status_code == 401
        assert "hub_received_total" in api.scrape()  # the auditor's token


def test_hub_metrics_public_opens_it(tmp_path: Path) -> None:
    settings = HubSettings(data_dir=tmp_path / "hub", metrics_public=True)
    for api in make_api(settings):
        reply = api.client.get("/metrics")
        assert reply.status_code == 200
        assert "hub_received_total" in reply.text
