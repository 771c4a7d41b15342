"""The other pages in Chromium, each against what the read models or ``hub status`` say:
scorecards ranked as :func:`hub.query.scorecards.scorecards` ranks them, status as
``hub status --json``, a dossier with every entry linked to its trace. Screenshots of each."""

from __future__ import annotations

import json
from collections.abc import Callable

from hub.backends import backend_at
from hub.query.scorecards import hub_today, scorecards
from tests.console.conftest import ACCOUNTS, Demo, Served, Watched
from tests.console.helpers import only_loopback, ready, shot, sign_in
from tests.processes import run_hub


def test_scorecards_rank_the_sources_as_the_read_models_do(
    demo: Demo, hub_api: Served, watched: Callable[..., Watched]
) -> None:
    views = backend_at(demo.data_dir, None).views()
    store = backend_at(demo.data_dir, None).store()
    try:
        expected = [
            c.source_id
            for c in scorecards(views, today=hub_today(), days=30, sources=store.sources())
        ]
    finally:
        views.close()
        store.close()
    seen = watched()
    page = seen.page
    sign_in(page, hub_api.url, "audit", ACCOUNTS["audit"][2])
    page.goto(hub_api.url + "/scorecards")
    ready(page)
    rows = page.locator("#cards tbody tr")
    shown = [rows.nth(i).get_attribute("data-source") for i in range(rows.count())]
    assert shown == expected and len(shown) >= 28
    page.wait_for_selector(f"#trend[data-source='{expected[0]}']")
    rows.nth(1).click()
    page.wait_for_selector(f"#trend[data-source='{expected[1]}']")
    xlsx = page.request.get(hub_api.url + page.get_attribute("#xlsx", "href"))
    assert xlsx.ok and xlsx.body()[:2] == b"PK"  # a zip: an .xlsx workbook
    csv = page.request.get(hub_api.url + page.get_attribute("#csv", "href"))
    assert csv.ok and expected[0] in csv.text()
    shot(page, "scorecards")
    only_loopback(seen.requests)
    assert not seen.errors, seen.errors


def test_status_shows_what_hub_status_says(
    demo: Demo, hub_api: Served, watched: Callable[..., Watched]
) -> None:
    seen = watched()
    page = seen.page
    sign_in(page, hub_api.url, "ops", ACCOUNTS["ops"][2])
    page.goto(hub_api.url + "/status")
    ready(page)
    status = json.loads(run_hub(demo.env, "status", "--json").stdout)
    assert page.inner_text("#received") == str(status["received"])
    assert page.inner_text("#canonical") == str(status["canonical_records"])
    for outcome in ("accepted_new", "accepted_update", "duplicate", "stale", "rejected"):
        cell = page.locator(f"#outcomes tr[data-key='{outcome}'] td.n")
        assert cell.inner_text() == str(status[outcome]), outcome
    assert page.get_attribute("#reconciled", "class") == "ok"
    shot(page, "status")
    only_loopback(seen.requests)


def test_a_dossier_links_every_entry_to_its_trace(
    demo: Demo, hub_api: Served, watched: Callable[..., Watched]
) -> None:
    from hub.projections.dossier import ENTITY_LINKS
    from hub.query.dossier import dossier

    views = backend_at(demo.data_dir, None).views()
    try:
        counts: dict[str, int] = {}
        for (uscc,) in views.rows(ENTITY_LINKS, columns=("uscc",)):
            counts[uscc] = counts.get(uscc, 0) + 1
        uscc = max(counts, key=lambda u: (counts[u], u))
        expected = dossier(views, uscc).to_dict()
    finally:
        views.close()
    seen = watched()
    page = seen.page
    sign_in(page, hub_api.url, "ops", ACCOUNTS["ops"][2])
    page.goto(f"{hub_api.url}/dossier?q={uscc}")
    ready(page)
    page.wait_for_selector("#entries")
    links = page.locator("#entries a")
    assert links.count() == expected["count"] >= 2
    shown = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert shown == {f"/trace?q={e['record_id']}" for e in expected["entries"]}
    shot(page, "dossier")
    links.first.click()
    page.wait_for_url("**/trace?q=rec-*")
    page.wait_for_selector("#chain")
    assert page.locator("#chain tbody tr").count() >= 1
    only_loopback(seen.requests)
    assert not seen.errors, seen.errors


def test_trace_by_submission_source_record_and_uscc(
    demo: Demo, hub_api: Served, watched: Callable[..., Watched]
) -> None:
    seen = watched()
    page = seen.page
    sign_in(page, hub_api.url, "audit", ACCOUNTS["audit"][2])
    submission = demo.summary["examples"]["rejected_submission"]
    page.goto(f"{hub_api.url}/trace?q={submission}")
    ready(page)
    page.wait_for_selector("#chain")
    times = page.locator("#chain td.time")
    assert times.count() >= 2
    assert all(t.endswith("+08:00") for t in times.all_inner_texts())  # the hub's time zone
    chain = page.request.get(f"{hub_api.url}/v1/trace?q={submission}").json()
    first = next(e for e in chain["entries"] if e["source_record_id"])
    page.fill("#q", f"{first['source_id']}:{first['source_record_id']}")
    page.click("form.search button")
    page.wait_for_selector(f"#chain td:has-text('{submission}')")
    from hub.projections.dossier import ENTITY_LINKS

    views = backend_at(demo.data_dir, None).views()
    try:
        uscc = min(u for (u,) in views.rows(ENTITY_LINKS, columns=("uscc",)))
    finally:
        views.close()
    page.fill("#q", uscc)  # a USCC opens its dossier
    page.click("form.search button")
    page.wait_for_url(f"**/dossier?q={uscc}")
    ready(page)
    only_loopback(seen.requests)
    assert not seen.errors, seen.errors


def test_equipment_life_links_to_traces(
    demo: Demo, hub_api: Served, watched: Callable[..., Watched]
) -> None:
    from hub.projections.dossier import EQUIPMENT_LINKS
    from hub.query.dossier import equipment

    views = backend_at(demo.data_dir, None).views()
    try:
        codes = sorted({c for (c,) in views.rows(EQUIPMENT_LINKS, columns=("equipment_code",))})
        code = codes[0]
        expected = equipment(views, code).to_dict()
    finally:
        views.close()
    seen = watched()
    page = seen.page
    sign_in(page, hub_api.url, "ops", ACCOUNTS["ops"][2])
    page.goto(f"{hub_api.url}/equipment?q={code}")
    ready(page)
    page.wait_for_selector("#entries")
    assert page.locator("#entries a").count() == expected["count"] >= 1
    shot(page, "equipment")
    only_loopback(seen.requests)
