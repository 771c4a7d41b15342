"""The console in a real browser: headless Chromium from the system's packages, driven by
Playwright, over a hub loaded with the demo and served by a real ``hub`` process on 127.0.0.1.

One demo (500 submissions) is made for the folder; the servers and the browser are shared too, so
the whole folder runs in well under two minutes. They are package-scoped, not session-scoped:
Playwright's sync API keeps its event loop running in the main thread while it is open, and every
later test calling ``asyncio.run`` (the Kafka admin, the relay) would fail. Screenshots go to
``test-artifacts/console/`` (kept by the run, git-ignored)."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, Page, sync_playwright

from hub.cli import cli
from hub.connectors.submissions import record_submissions
from hub.domain.values import Source
from hub.national.client import NationalClient
from hub.national.sim import RunningSim, SimConfig, start_sim
from hub.projections.records import VERSIONS
from hub.runtime.embedded import EmbeddedHub
from hub.settings import HubSettings
from hub.testing.harness import FAST_DELIVERY
from tests.processes import ROOT, hub_env, wait_until

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


#: a source of the special-equipment records the demo does not make (杭州市西湖区)
EQUIPMENT_SOURCE = Source("zj-330106-tzsb", "county", "330106", "杭州市西湖区市场监督管理局")
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
    dead: str  # the delivery id of a delivery the national platform refused for good
    dead_record: str
    sim: RunningSim


@pytest.fixture(scope="package")
def sim(demo: Demo) -> RunningSim:
    """The demo's national platform simulator, on 127.0.0.1 with the demo's state (it has the
    versions the demo delivered; ``/gone`` answers every push 404)."""
    return demo.sim


def deliver(data_dir: Path, national_url: str) -> dict[str, Any]:
    """Run the embedded hub until idle against ``national_url``; its status after."""
    settings = HubSettings(data_dir=data_dir, national_tasks_interval_s=60)
    client = NationalClient(national_url, timeout_s=2.0, attempts=1, backoff_s=0.01)
    with EmbeddedHub(settings, national=client, delivery=FAST_DELIVERY) as hub:
        hub.run_until_idle(timeout_s=60)
        return hub.status()


def _make_dead(data_dir: Path, sim: RunningSim) -> tuple[str, str]:
    """A special-equipment unit, delivered; then a newer version of one of the demo's
    inspections, pushed to a platform that refuses it for good: one dead delivery in the
    ledger, as an operator would find it."""
    settings = HubSettings(data_dir=data_dir, national_tasks_interval_s=60)
    now = dt.datetime.now(dt.UTC)
    with EmbeddedHub(settings) as hub:  # a special-equipment unit for 一码追溯 (the demo has none)
        hub.register_sources([EQUIPMENT_SOURCE])
        unit = hub.standard.example("special_equipment")
        hub.ingest(
            list(
                record_submissions(
                    EQUIPMENT_SOURCE.source_id, "special_equipment", [unit],
                    batch_id="equipment", received_at=now,
                )
            )
        )  # fmt: skip
    deliver(data_dir, sim.url)
    with EmbeddedHub(settings) as hub:
        rows = hub.views.rows(
            VERSIONS,
            columns=("record_id", "version", "source_id", "content"),
            where={"record_type": ["inspection"]},
        )
        record_id, _version, source_id, content = max(rows, key=lambda r: (r[1], r[0]))
        newer = dict(content)
        newer["updated_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        newer["result_description"] = f"{newer.get('result_description') or ''}（复查）"
        hub.ingest(
            list(
                record_submissions(
                    source_id, "inspection", [newer], batch_id="dead", received_at=now
                )
            )
        )
    deliver(data_dir, sim.url + "/gone")
    with EmbeddedHub(settings) as hub:
        [dead] = hub.store.ledger_page(["dead"], 10)
    assert dead.record_id == record_id
    return dead.delivery_id, record_id


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


@pytest.fixture(scope="package")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data_dir = tmp_path_factory.mktemp("console") / "hub-data"
    env = hub_env(data_dir)
    # in this process (click's runner): three interpreters fewer to start than as commands
    runner = CliRunner()
    done = runner.invoke(cli, ["demo", "--records", "500", "--json"], env=env)
    assert done.exit_code == 0, done.output
    for name, (role, region, password) in ACCOUNTS.items():
        region_args = ["--region", region] if region else []
        added = runner.invoke(
            cli,
            ["accounts", "add", name, "--role", role, *region_args, "--password-stdin"],
            input=password + "\n",
            env=env,
        )
        assert added.exit_code == 0, added.output
    sim = start_sim(SimConfig(db_path=data_dir / "national-sim.db"))
    try:
        dead, dead_record = _make_dead(data_dir, sim)
        yield Demo(data_dir, env, json.loads(done.stdout), dead, dead_record, sim)
    finally:
        sim.stop()


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


@pytest.fixture(scope="package")
def hub_api(demo: Demo) -> Iterator[Served]:
    """``hub api`` over the demo: the console with the API, actions allowed."""
    yield from _serve(demo.env, demo.data_dir / "api.address", "api")


@pytest.fixture(scope="package")
def hub_console(demo: Demo) -> Iterator[Served]:
    """``hub console`` over the demo: read-only."""
    yield from _serve(demo.env, demo.data_dir / "console.address", "console")


@pytest.fixture(scope="package")
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
