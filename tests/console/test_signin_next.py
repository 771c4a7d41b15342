"""Where the sign-in page sends the browser after signing in: only to one of this hub's console
pages (``#next=``), never to another origin, however the address is spelled."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.console.conftest import ACCOUNTS, Served, Watched
from tests.console.helpers import ready

_ROLE, _REGION, PASSWORD = ACCOUNTS["ops"]


def _sign_in_with_next(page_url: str, seen: Watched, fragment: str) -> str:
    page = seen.page
    # an address elsewhere is answered here (nothing leaves the machine), so where the browser
    # went is what the test sees
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(page_url)
            else route.fulfill(status=200, body="elsewhere", content_type="text/plain")
        ),
    )
    page.goto(f"{page_url}/signin#next={fragment}")
    ready(page)
    page.fill("#name", "ops")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("#submit")
    return page.url


@pytest.mark.parametrize(
    "fragment",
    [
        "/%5Cexample.org/x",  # "/\example.org/x": a browser reads "\" as "/"
        "/%09/example.org/y",  # a tab is dropped: "//example.org/y"
        "//example.org/z",
        "https://example.org/",
        "javascript:alert(1)",
        "/static/js/map.js",  # on the hub but not a page
        "/v1/session",
    ],
)
def test_next_elsewhere_goes_to_the_map(
    hub_api: Served, watched: Callable[..., Watched], fragment: str
) -> None:
    seen = watched()
    landed = _sign_in_with_next(hub_api.url, seen, fragment)
    assert landed == hub_api.url + "/", landed
    assert not [u for u in seen.requests if "example.org" in u], seen.requests


def test_next_a_console_page_is_followed(hub_api: Served, watched: Callable[..., Watched]) -> None:
    seen = watched()
    landed = _sign_in_with_next(hub_api.url, seen, "%2Fscorecards%3Fq%3D330300")
    assert landed == hub_api.url + "/scorecards?q=330300"
