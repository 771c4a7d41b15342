"""Queues in Chromium: an operator re-drives a dead delivery from the page, the hub delivers it
again and the national platform acks it; the action is in the record's trace with who did it;
an auditor sees the same page without the buttons."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from hub.national.sim import RunningSim
from tests.console.conftest import ACCOUNTS, Demo, Served, Watched, deliver
from tests.console.helpers import only_loopback, ready, shot, sign_in


def test_an_operator_redrives_a_dead_delivery_end_to_end(
    demo: Demo, hub_api: Served, sim: RunningSim, watched: Callable[..., Watched]
) -> None:
    seen = watched()
    page = seen.page
    sign_in(page, hub_api.url, "ops", ACCOUNTS["ops"][2])
    page.goto(hub_api.url + "/queues")
    ready(page)
    row = page.locator(f"#deliveries tr[data-delivery='{demo.dead}']")
    assert row.get_attribute("data-state") == "dead"
    assert "404" in row.inner_text() or "refused" in row.inner_text().lower()
    assert page.inner_text("#ledger [data-state='dead'] .big") == "1"
    shot(page, "queues")

    row.locator("input[type=checkbox]").check()
    page.click("#redrive")
    page.wait_for_selector("#done")
    assert demo.dead in page.inner_text("#done")
    # the page reloads the queues after the action: wait for it rather than race it
    page.wait_for_function(
        """id => {
            const row = document.querySelector(`#deliveries tr[data-delivery='${id}']`);
            return !row || row.dataset.state !== "dead";
        }""",
        arg=demo.dead,
        timeout=20_000,
    )
    expect(page.locator("#ledger [data-state='dead'] .big")).to_have_text("0", timeout=20_000)

    status = deliver(demo.data_dir, sim.url)  # the hub's sender, the fault cleared
    assert status["deliveries"]["pending"] == 0
    version = int(demo.dead.split(":")[1])
    assert (demo.dead_record, version) in {(a.record_id, a.version) for a in sim.accepted()}
    page.goto(hub_api.url + "/queues")
    ready(page)
    assert page.inner_text("#ledger [data-state='dead'] .big") == "0"

    page.goto(f"{hub_api.url}/trace?q={demo.dead_record}")
    ready(page)
    page.wait_for_selector("#chain")
    redriven = page.locator("#chain tr[data-event='delivery.redriven']")
    assert redriven.count() == 1 and "ops" in redriven.inner_text()
    assert "+08:00" in redriven.locator("td.time").inner_text()  # the hub's time zone
    shot(page, "trace")
    only_loopback(seen.requests)
    assert not seen.errors, seen.errors


def test_an_auditor_sees_the_queues_but_cannot_act(
    hub_api: Served, watched: Callable[..., Watched]
) -> None:
    seen = watched()
    page = seen.page
    sign_in(page, hub_api.url, "audit", ACCOUNTS["audit"][2])
    page.goto(hub_api.url + "/queues")
    ready(page)
    assert page.locator("#stage-lag").count() == 1
    assert page.locator("#redrive, #redrive-all, #quarantine button").count() == 0
    refused = page.request.post(hub_api.url + "/v1/deliveries/redrive", data={"delivery_ids": None})
    assert refused.status == 403
    only_loopback(seen.requests)


def test_the_read_only_console_offers_no_action(
    hub_console: Served, watched: Callable[..., Watched]
) -> None:
    seen = watched()
    page = seen.page
    sign_in(page, hub_console.url, "ops", ACCOUNTS["ops"][2])  # signing in still works
    page.goto(hub_console.url + "/queues")
    ready(page)
    assert page.is_visible("#read-only")
    assert page.locator("#redrive, #redrive-all, #quarantine button").count() == 0
    refused = page.request.post(
        hub_console.url + "/v1/deliveries/redrive", data={"delivery_ids": None}
    )
    assert refused.status == 405  # not even an operator acts through `hub console`
    only_loopback(seen.requests)
