"""``GET /v1/audit``: the auditor's audit verification (``hub audit verify`` run by the hub).
Auditors only: an operator (who acts; GB/T 39477 keeps administration and audit apart) and a
viewer are refused; a row altered behind the hub's back is named in the findings."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.sources import COUNTY
from hub.testing.tamper import execute
from tests.api.test_accounts import console


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_auditor_reads_the_verification_and_a_tampered_row_is_named(
    tmp_path: Path, inspection: dict[str, Any]
) -> None:
    settings = HubSettings(data_dir=tmp_path / "hub")
    with console(settings) as (api, tokens):
        assert api.post(COUNTY.source_id, "inspection", [inspection]).status_code == 202
        api.process()
        first = api.client.get("/v1/audit", headers=_bearer(tokens["au"]))
        assert first.status_code == 200, first.text
        body = first.json()
        assert body["intact"] is True and body["findings"] == [] and body["findings_total"] == 0
        assert body["cached"] is False and body["versions_checked"] == 1
        assert body["events_checked"]["submissions"] == 1
        assert body["journal_entries"] > 0  # the sources and accounts made above
        again = api.client.get("/v1/audit", headers=_bearer(tokens["au"])).json()
        assert again["cached"] is True and again["checked_at"] == body["checked_at"]

        with EmbeddedHub(settings) as hub:  # an intruder with write access to the database
            execute(
                hub,
                "UPDATE sources SET region_code = '440000' WHERE source_id = ?",
                (COUNTY.source_id,),
                log=True,
            )
        stale = api.client.get("/v1/audit", headers=_bearer(tokens["au"])).json()
        assert stale["intact"] is True  # the cached result, until asked afresh
        fresh = api.client.get(
            "/v1/audit", params={"max_age_s": 0}, headers=_bearer(tokens["au"])
        ).json()
        assert fresh["intact"] is False and fresh["cached"] is False
        [finding] = [f for f in fresh["findings"] if f["where"] == "sources"]
        assert finding["id"] == COUNTY.source_id and finding["code"] == "AUDIT.SOURCES"
        assert finding["problem_en"].endswith(": region_code") and finding["problem_zh"]
        assert fresh["findings_total"] == len(fresh["findings"])


def test_operators_viewers_and_strangers_are_refused(tmp_path: Path) -> None:
    with console(HubSettings(data_dir=tmp_path / "hub")) as (api, tokens):
        for name in ("op", "xh"):
            refused = api.client.get("/v1/audit", headers=_bearer(tokens[name]))
            assert refused.status_code == 403, name
            error = refused.json()["error"]
            assert error["code"] == "API.ROLE" and "GB/T 39477" in error["message"]
        assert api.client.get("/v1/audit").status_code == 401
        source = api.client.get("/v1/audit", headers=api.auth(COUNTY.source_id))
        assert source.status_code == 401
        assert api.client.get("/v1/audit", params={"max_age_s": -1}).status_code in (401, 422)
        paths = api.client.get("/openapi.json").json()["paths"]
        assert "get" in paths["/v1/audit"]


def test_requests_while_a_verification_runs_share_it(tmp_path: Path) -> None:
    with console(HubSettings(data_dir=tmp_path / "hub")) as (api, tokens):
        transport = httpx.ASGITransport(app=api.client.app)

        async def both() -> list[dict[str, Any]]:
            async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
                replies = await asyncio.gather(
                    *(
                        client.get(
                            "/v1/audit", params={"max_age_s": 0}, headers=_bearer(tokens["au"])
                        )
                        for _ in range(3)
                    )
                )
            return [r.json() for r in replies]

        found = asyncio.run(both())
        assert all(f["intact"] and not f["cached"] for f in found)
        assert len({(f["checked_at"], f["took_s"]) for f in found}) == 1  # one run, three readers
