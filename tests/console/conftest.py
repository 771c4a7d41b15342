"""The console in a real browser: headless Chromium from the system's packages, driven by
Playwright, over a hub loaded with the demo and served by a real ``hub`` process on 127.0.0.1.

One demo (500 submissions) is made per session; the servers and the browser are shared too, so
the whole folder runs in well under two minutes. Screenshots go to ``test-artifacts/console/``
(kept by the run, git-ignored)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.processes import ROOT, hub_env, run_hub, wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


#: the accounts every test signs in with: name → (role, region, password)
ACCOUNTS = {
    "ops": ("operator", None, "operator-pass-1"),
    "audit": ("auditor", None, "auditor-pass-1"),
    "longgang": ("viewer", "330383", "viewer-pass-1"),  # 龙港市 only
}


@dataclass
class Demo:
    data_dir: Path
    env: dict[str, str]
    summary: dict[str, Any]


@dataclass
class Served:
    """A hub process serving the console; ``url`` as it printed it."""

    url: str
    process: subprocess.Popen[str]


@dataclass
class Watched:
    """A page and every request it made (address, failed or not) and console error."""

    page: Page
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    data_dir = tmp_path_factory.mktemp("console") / "hub-data"
    env = hub_env(data_dir)
    done = run_hub(env, "demo", "--records", "500", "--json")
    for name, (role, region, password) in ACCOUNTS.items():
        region_args = ("--region", region) if region else ()
        subprocess.run(
            [sys.executable, "-m", "hub", "accounts", "add", name, "--role", role,
             *region_args, "--password-stdin"],
            input=password + "\n", env=env, cwd=ROOT, capture_output=True, text=True,
            check=True, timeout=60,
        )  # fmt: skip
    return Demo(data_dir, env, json.loads(done.stdout))


def _serve(env: dict[str, str], address: Path, *args: str) -> Iterator[Served]:
    address.unlink(missing_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", *args],
        env=env | {"HUB_API_HOST": "127.0.0.1", "HUB_API_PORT": "0"},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(lambda: address.exists() or process.poll() is not None, timeout_s=60)
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        yield Served(address.read_text().strip(), process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture(scope="session")
def hub_api(demo: Demo) -> Iterator[Served]:
    """``hub api`` over the demo: the console with the API, actions allowed."""
    yield from _serve(demo.env, demo.data_dir / "api.address", "api")


@pytest.fixture(scope="session")
def hub_console(demo: Demo) -> Iterator[Served]:
    """``hub console`` over the demo: read-only."""
    yield from _serve(demo.env, demo.data_dir / "console.address", "console")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Chromium from the system's packages (apt-get install chromium)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def watched(browser: Browser) -> Iterator[Callable[..., Watched]]:
    """A fresh browser context per call (its own cookies), recording every request."""
    contexts = []

    def open_page(lang: str = "zh") -> Watched:
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        seen = Watched(page)
        page.on("request", lambda r: seen.requests.append(r.url))
        page.on("requestfailed", lambda r: seen.failed.append(f"{r.url} {r.failure}"))
        # a refused resource (a CSP violation) or a script error; not a 401/404 the page shows
        page.on(
            "console",
            lambda m: "Content Security Policy" in m.text and seen.errors.append(m.text),
        )
        page.on("pageerror", lambda e: seen.errors.append(str(e)))
        if lang == "en":
            page.add_init_script("localStorage.setItem('hub.console.lang', 'en')")
        return seen

    yield open_page
    for context in contexts:
        context.close()
