"""What the browser tests share: how to recognise a page that is ready, where screenshots go,
and the check that every request stayed on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page

from tests.processes import ROOT

ARTIFACTS = ROOT / "test-artifacts" / "console"


def only_loopback(requests: list[str]) -> None:
    """Every address a page asked for is on 127.0.0.1."""
    assert requests
    outside = [u for u in requests if urlsplit(u).hostname != "127.0.0.1"]
    assert not outside, outside


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def ready(page: Page) -> None:
    """Wait until the page's script filled it (or showed an error). Selectors, not
    wait_for_function: the console's CSP forbids the eval that polling a function needs."""
    page.wait_for_selector("body[data-ready]", timeout=20_000)
    assert page.get_attribute("body", "data-ready") == "1", page.inner_text("main")


def sign_in(page: Page, url: str, name: str, password: str) -> None:
    """Sign in through the sign-in page, as a person would."""
    page.goto(url + "/signin")
    ready(page)
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("#submit")
    page.wait_for_url(url + "/")
    ready(page)


def region_center(page: Page, code: str) -> tuple[float, float]:
    """Where on the page a region of the map is (its centre, as ECharts places its label)."""
    x, y = page.evaluate(
        """(code) => {
          const chart = echarts.getInstanceByDom(document.getElementById('map'));
          const series = chart.getModel().getSeriesByIndex(0);
          return chart.convertToPixel({seriesIndex: 0},
            series.coordinateSystem.getRegion(code).getCenter());
        }""",
        code,
    )
    box = page.locator("#map").bounding_box()
    assert box is not None
    return box["x"] + x, box["y"] + y


def table_numbers(page: Page, table: str, measure: str) -> dict[str, str]:
    """code → the text of one measure's cell, for every row of a table with data-code rows."""
    cells = page.locator(f"{table} tbody tr[data-code]")
    out = {}
    for i in range(cells.count()):
        row = cells.nth(i)
        out[row.get_attribute("data-code") or ""] = row.locator(
            f"td[data-measure='{measure}']"
        ).inner_text()
    return out
