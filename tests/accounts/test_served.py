"""Signing in over real HTTP, as ``hub up`` serves it: an account added with ``hub accounts add``
(password on stdin), its session cookie kept by the client, its token from ``hub accounts
token``; a source's token from ``hub sources add`` signs nobody in; disabling the account from
the CLI ends its session at once."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
from click.testing import CliRunner, Result

from hub.cli import cli
from tests.processes import COUNTY_ADD, ROOT, hub_env


def test_sign_in_over_http_with_accounts_from_the_cli(tmp_path: Path) -> None:
    env = hub_env(tmp_path / "hub", HUB_API_PORT="0")
    runner = CliRunner()

    def hub(*args: str, stdin: str | None = None) -> Result:
        """In process (a fresh ``hub`` process takes seconds to start on a loaded machine)."""
        result = runner.invoke(cli, [*args, "--data-dir", str(tmp_path / "hub")], input=stdin)
        assert result.exit_code == 0, result.output
        return result

    source_token = json.loads(hub(*COUNTY_ADD, "--json").stdout)["token"]
    added = hub(
        "accounts", "add", "zj-op", "--role", "operator", "--password-stdin",
        stdin="operator-password-1\n",
    )  # fmt: skip
    assert "operator-password-1" not in added.output
    hub("accounts", "add", "bi", "--role", "auditor", "--no-password")
    account_token = hub("accounts", "token", "bi").stdout.strip()
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
        with httpx.Client(base_url=url, timeout=10) as client:
            assert client.get("/v1/session").status_code == 401
            signed = client.post(
                "/v1/session", json={"name": "zj-op", "password": "operator-password-1"}
            )
            assert signed.status_code == 200, signed.text
            assert signed.json()["role"] == "operator"
            assert "hub_session" in client.cookies
            assert client.get("/v1/session").json()["name"] == "zj-op"
            who = client.get("/v1/session", headers={"Authorization": f"Bearer {account_token}"})
            assert who.json()["name"] == "bi"
            refused = httpx.get(
                f"{url}/v1/session", headers={"Authorization": f"Bearer {source_token}"}
            )
            assert refused.status_code == 401
            hub("accounts", "disable", "zj-op")
            assert client.get("/v1/session").status_code == 401  # its session ended with it
    finally:
        up.terminate()
        _, stderr = up.communicate(timeout=60)
    assert "operator-password-1" not in stderr and account_token not in stderr
    assert source_token not in stderr
