"""Delivery latency and the national reply codes, counted by the sender of a real ``hub up``
pushing to the national simulator, on that process's ``/metrics``."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from hub.metrics import BoundedLabels
from hub.national.sim import SimConfig, start_sim
from tests.metrics.conftest import scrape, scraper, serve, stop, value
from tests.processes import COUNTY_ADD, hub_env, run_hub, wait_until, write_inspections

N = 8


def test_hub_up_counts_latency_and_reply_codes(tmp_path: Path, inspection: dict[str, Any]) -> None:
    data = tmp_path / "hub"
    env = hub_env(data, HUB_API_PORT="0", HUB_METRICS_CACHE_S="0")
    run_hub(env, *COUNTY_ADD)
    token = scraper(env)
    batch = tmp_path / "batch.jsonl"
    write_inspections(batch, inspection, N)
    started = time.time()
    run_hub(env, "ingest", "--source", "gz-440106", "--type", "inspection", str(batch))
    sim = start_sim(SimConfig(reject_rate=0.4))
    try:
        up = serve("up", env | {"HUB_NATIONAL_URL": sim.url}, data)
        try:
            url = (data / "api.address").read_text(encoding="utf-8").strip()

            def settled() -> bool:
                ledger = {s["state"]: v for s, v in scrape(url, token)[1]["hub_deliveries"]}
                return ledger["acked"] + ledger["rejected"] == N

            wait_until(settled, timeout_s=60, every_s=0.2)
            _text, samples, _names = scrape(url, token)
            elapsed = time.time() - started
        finally:
            stop(up)
    finally:
        sim.stop()
    ledger = {s["state"]: v for s, v in samples["hub_deliveries"]}
    acked, rejected = ledger["acked"], ledger["rejected"]
    assert acked and rejected, ledger  # the simulator rejected some, accepted the others
    replies = {s["code"]: v for s, v in samples["hub_national_replies_total"]}
    assert replies.get("accepted", 0) + replies.get("duplicate", 0) == acked
    rejections = {c: n for c, n in replies.items() if c not in ("accepted", "duplicate")}
    assert sum(rejections.values()) >= rejected and all(c.startswith("NAT.") for c in rejections)
    assert value(samples, "hub_delivery_latency_seconds_count") == acked
    latency = value(samples, "hub_delivery_latency_seconds_sum")
    assert 0 < latency <= acked * elapsed  # from each version's recording, within the test
    assert value(samples, "hub_delivery_latency_seconds_bucket", le="+Inf") == acked
    status = json.loads(run_hub(env, "status", "--json").stdout)
    assert (status["deliveries"]["acked"], status["deliveries"]["rejected"]) == (acked, rejected)


def test_reply_codes_are_bounded_labels() -> None:
    codes = BoundedLabels(limit=2)
    assert codes("NAT.CONTENT_REJECTED") == "NAT.CONTENT_REJECTED"
    assert codes("<script>alert(1)</script>") == "OTHER"
    assert codes("NAT." + "X" * 80) == "OTHER"
    assert codes("rejected 张三 110101199003077777") == "OTHER"
    assert codes("NAT.OUT_OF_ORDER") == "NAT.OUT_OF_ORDER"
    assert codes("NAT.THIRD") == "OTHER"  # beyond the limit: no new series
    assert codes("NAT.CONTENT_REJECTED") == "NAT.CONTENT_REJECTED"  # seen ones stay
