"""A demo-loaded hub (``hub demo --records 1000``) made once for the metrics tests, and ``hub
api`` serving it as a real process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.processes import ROOT, hub_env, run_hub

Samples = dict[str, list[tuple[dict[str, str], float]]]


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("metrics") / "hub"
    run_hub(hub_env(data), "demo", "--records", "1000", "--json", timeout=300)
    return data


def serve(command: str, env: dict[str, str], data: Path) -> subprocess.Popen[str]:
    """Start ``hub <command>`` and wait until its API listens (``api.address``)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "hub", command],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (data / "api.address").exists():
        assert process.poll() is None, f"hub {command} stopped"
        assert time.monotonic() < deadline, f"hub {command} did not serve"
        time.sleep(0.1)
    return process


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return err


@pytest.fixture(scope="session")
def api_url(demo_dir: Path) -> Iterator[str]:
    """``hub api`` over the demo, every scrape read fresh (``HUB_METRICS_CACHE_S=0``)."""
    env = hub_env(demo_dir, HUB_API_PORT="0", HUB_METRICS_CACHE_S="0")
    process = serve("api", env, demo_dir)
    try:
        yield (demo_dir / "api.address").read_text(encoding="utf-8").strip()
    finally:
        stop(process)


def scraper(env: dict[str, str]) -> str:
    """The token Prometheus scrapes with, made as docs/metrics.md says (an auditor account
    without a password, and its token)."""
    run_hub(env, "accounts", "add", "prometheus", "--role", "auditor", "--no-password")
    made = json.loads(run_hub(env, "accounts", "token", "prometheus", "--json").stdout)
    token: str = made["token"]
    return token


@pytest.fixture(scope="session")
def scrape_token(demo_dir: Path) -> str:
    return scraper(hub_env(demo_dir))


def scrape(url: str, token: str) -> tuple[str, Samples, set[str]]:
    """``/metrics`` over HTTP with the scraper's bearer token: the text, the samples by name,
    and the names of the families it declares (a counter's with ``_total``, as PromQL reads it)."""
    reply = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert reply.status_code == 200, reply.text
    text = reply.text
    samples: Samples = {}
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        if family.type == "counter":  # declared even before its first sample: name_total
            names.add(f"{family.name}_total")
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((dict(sample.labels), sample.value))
    return text, samples, names


def value(samples: Samples, name: str, **labels: str) -> float:
    """The one sample of ``name`` with these labels."""
    [found] = [
        v for got, v in samples.get(name, []) if all(got.get(k) == w for k, w in labels.items())
    ]
    return found


def status_json(data: Path) -> dict[str, Any]:
    shown = run_hub(hub_env(data), "status", "--json")
    result: dict[str, Any] = json.loads(shown.stdout)
    return result
