"""The console's frame: its security headers, the read-only ``hub console``, the language
toggle, and that a page loads nothing from outside the hub."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from tests.console.conftest import Served, Watched
from tests.console.helpers import only_loopback, ready, shot


def test_pages_allow_only_the_hub_itself_and_no_framing(hub_api: Served) -> None:
    for path in ("/", "/scorecards", "/queues", "/trace", "/signin", "/static/js/map.js"):
        reply = httpx.get(hub_api.url + path)
        assert reply.status_code == 200, path
        csp = reply.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "http" not in csp and "*" not in csp and "unsafe" not in csp
        assert reply.headers["x-frame-options"] == "DENY"
        assert reply.headers["x-content-type-options"] == "nosniff"
    assert httpx.get(hub_api.url + "/static/../pyproject.toml").status_code == 404


def test_hub_console_is_read_only(hub_console: Served) -> None:
    url = hub_console.url
    paths = httpx.get(url + "/openapi.json").json()["paths"]
    assert "post" not in paths.get("/v1/records/{record_type}", {})  # GET: a record by id
    assert "/v1/feedback" not in paths
    refused = httpx.post(url + "/v1/records/inspection", json={"records": []})
    assert refused.status_code == 405
    assert refused.json()["error"]["code"] == "CONSOLE.READ_ONLY"
    redrive = httpx.post(url + "/v1/deliveries/redrive", json={"delivery_ids": None})
    assert redrive.status_code == 405
    config = httpx.get(url + "/console/config.json").json()
    assert config == {"region": "330000", "utc_offset_hours": 8, "read_only": True}
    assert httpx.get(url + "/").status_code == 200


def test_chinese_first_english_remembered(
    hub_console: Served, watched: Callable[..., Watched]
) -> None:
    seen = watched()
    page = seen.page
    page.goto(hub_console.url + "/signin")
    ready(page)
    assert page.inner_text("#nav-map") == "一张图"
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.is_visible("#read-only")
    shot(page, "signin")
    page.click("#lang")
    page.wait_for_selector("#nav-map:text-is('Map')")
    page.goto(hub_console.url + "/signin")
    ready(page)
    assert page.inner_text("#nav-scorecards") == "Scorecards"
    assert page.get_attribute("html", "lang") == "en"
    only_loopback(seen.requests)
    assert not seen.errors, seen.errors
