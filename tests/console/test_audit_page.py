"""The audit verification page (``/audit``): an auditor's, in the nav for auditors only, showing
what ``hub audit verify`` finds over the demo (intact), Chinese first; an operator is refused."""

from __future__ import annotations

from collections.abc import Callable

from tests.console.conftest import ACCOUNTS, Served, Watched
from tests.console.helpers import only_loopback, ready, shot, sign_in


def test_an_auditor_sees_the_verification(hub_api: Served, watched: Callable[..., Watched]) -> None:
    seen = watched()
    page = seen.page
    sign_in(page, hub_api.url, "audit", ACCOUNTS["audit"][2])
    assert page.inner_text("#nav-audit") == "审计核验"
    page.click("#nav-audit")
    page.wait_for_url(hub_api.url + "/audit")
    ready(page)
    assert page.inner_text("#intact") == "完整：未发现篡改"
    assert page.get_attribute("#intact", "class") == "ok"
    assert int(page.inner_text("#versions-checked").replace(",", "")) > 0
    assert page.inner_text("#findings-total") == "0"
    assert "核验时间" in page.inner_text("#checked-at")
    page.click("#again")
    page.wait_for_selector("#intact")
    assert "上次结果" not in page.inner_text("#checked-at")  # run afresh
    shot(page, "audit")
    only_loopback(seen.requests)
    assert not seen.errors, seen.errors


def test_an_operator_has_no_audit_page(hub_api: Served, watched: Callable[..., Watched]) -> None:
    seen = watched()
    page = seen.page
    sign_in(page, hub_api.url, "ops", ACCOUNTS["ops"][2])
    assert page.locator("#nav-audit").count() == 0
    page.goto(hub_api.url + "/audit")
    page.wait_for_selector("body[data-ready]")
    assert page.get_attribute("body", "data-ready") == "error"
    assert "无权限" in page.inner_text("main")
    assert not seen.errors, seen.errors
