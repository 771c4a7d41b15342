"""``hub_kafka_consumer_lag{topic,partition}`` on a real broker: ``/metrics`` of a distributed
``hub api`` shows what the workers' group has not committed, per partition, and that it falls
to zero once a worker has taken the submissions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from hub.domain.values import Source
from hub.events.streams import SUBMISSIONS
from hub.kafka.topics import stream_topic
from hub.testing.distributed import DistributedHarness
from tests.metrics.conftest import Samples, scrape, scraper, serve, stop, value
from tests.processes import wait_until

ALL = Source("zj-all", "national", "330000", "浙江省数据交换平台")


def _lag(samples: Samples, topic: str) -> dict[str, float]:
    return {s["partition"]: v for s, v in samples["hub_kafka_consumer_lag"] if s["topic"] == topic}


def test_consumer_lag_per_partition_on_metrics(
    tmp_path: Path, pg_url: str, kafka_bootstrap: str, inspection: dict[str, Any]
) -> None:
    harness = DistributedHarness(tmp_path, pg_url, kafka_bootstrap, workers=0, partitions=3)
    api = None
    try:
        harness.register(ALL)
        harness.submit(ALL.source_id, "inspection", [inspection, inspection])
        topic = stream_topic(harness.settings, SUBMISSIONS)
        env = {**harness.env, "HUB_API_PORT": "0", "HUB_METRICS_CACHE_S": "0"}
        token = scraper(harness.env)
        api = serve("api", env, tmp_path)
        url = (tmp_path / "api.address").read_text(encoding="utf-8").strip()

        first = scrape(url, token)[1]
        assert {s["topic"] for s, _v in first["hub_kafka_consumer_lag"]} == {topic}  # its input
        waiting = _lag(first, topic)
        assert set(waiting) == {"0", "1", "2"}  # every partition, a series each
        assert sum(waiting.values()) == 2  # nothing committed: both submissions wait

        harness.start_worker()
        harness.run()
        wait_until(lambda: sum(_lag(scrape(url, token)[1], topic).values()) == 0, 30, 0.5)
        _text, samples, _names = scrape(url, token)
        assert value(samples, "hub_received_total") == 2
        shown = subprocess.run(
            [sys.executable, "-m", "hub", "status", "--json"],
            env=harness.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        status = json.loads(shown.stdout)
        assert {s["stage"]: v for s, v in samples["hub_stage_lag"]} == status["lag"]["stages"]
        assert value(samples, "hub_in_flight") == status["in_flight"] == 0
        assert status["lag"]["kafka"] == {topic: 0}
    finally:
        if api is not None:
            stop(api)
        harness.close()
