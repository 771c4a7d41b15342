"""The API as ``hub up`` serves it: a source added with ``hub sources add`` (its token printed
once), a batch POSTed over real HTTP, verdicts read back from the feedback endpoint while the
hub processes, the token rotated and the source disabled from the CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.processes import COUNTY_ADD, ROOT, hub_env, run_hub


def test_hub_up_serves_the_api_with_tokens_from_the_cli(
    tmp_path: Path, inspection: dict[str, Any]
) -> None:
    env = hub_env(tmp_path / "hub", HUB_API_PORT="0")
    added = run_hub(env, *COUNTY_ADD, "--json")
    token = json.loads(added.stdout)["token"]
    again = run_hub(env, *COUNTY_ADD, "--json")
    assert json.loads(again.stdout)["token"] is None  # shown once, never again
    up = subprocess.Popen(
        [sys.executable, "-m", "hub", "up"], env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True
    )
    try:
        address = tmp_path / "hub" / "api.address"
        deadline = time.monotonic() + 60
        while not address.exists():
            assert up.poll() is None and time.monotonic() < deadline, "hub up did not serve"
            time.sleep(0.1)
        url = address.read_text(encoding="utf-8").strip()
        assert url.startswith("http://127.0.0.1:")
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, timeout=10) as client:
            posted = client.post(
                "/v1/records/inspection", json={"records": [inspection]}, headers=auth
            )
            assert posted.status_code == 202, posted.text
            [submission] = posted.json()["submissions"]
            while True:
                items = client.get("/v1/feedback", headers=auth).json()["items"]
                if items:
                    break
                assert time.monotonic() < deadline + 60, "no feedback came"
                time.sleep(0.2)
            assert (items[0]["submission_id"], items[0]["status"]) == (
                submission["submission_id"],
                "accepted_new",
            )
            assert client.get("/openapi.json").json()["info"]["title"].startswith("Supervision")

            new_token = json.loads(
                run_hub(env, "sources", "rotate-token", "gz-440106", "--json").stdout
            )["token"]
            assert client.get("/v1/feedback", headers=auth).status_code == 401
            fresh = {"Authorization": f"Bearer {new_token}"}
            assert client.get("/v1/feedback", headers=fresh).status_code == 200
            run_hub(env, "sources", "disable", "gz-440106")
            assert client.get("/v1/feedback", headers=fresh).status_code == 403
            listed = json.loads(run_hub(env, "sources", "list", "--json").stdout)
            assert listed[0]["disabled"] is True
    finally:
        up.send_signal(signal.SIGTERM)
        _out, err = up.communicate(timeout=60)
    assert up.returncode == 0, err
    assert token not in err and new_token not in err  # tokens never in the logs
    assert not (tmp_path / "hub" / "api.address").exists()
