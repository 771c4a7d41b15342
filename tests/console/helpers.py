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
    """Wait until the page's script filled it (or showed an error)."""
    page.wait_for_function("document.body.dataset.ready !== undefined", timeout=20_000)
    assert page.evaluate("document.body.dataset.ready") == "1", page.inner_text("main")
