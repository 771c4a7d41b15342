"""The workers' consumer-group lag as Kafka sees it (``hub status`` in the distributed runtime),
on a real broker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from hub.domain.values import Source
from hub.events.streams import SUBMISSIONS, VALIDATED
from hub.kafka.lag import group_lag
from hub.kafka.topics import stream_topic
from hub.testing.distributed import DistributedHarness

ALL = Source("zj-all", "national", "330000", "浙江省数据交换平台")


def test_group_lag_counts_what_no_worker_has_committed(
    tmp_path: Path, pg_url: str, kafka_bootstrap: str, inspection: dict[str, Any]
) -> None:
    harness = DistributedHarness(tmp_path, pg_url, kafka_bootstrap, workers=0)
    try:
        harness.register(ALL)
        harness.submit(ALL.source_id, "inspection", [inspection, inspection])  # 2 messages
        topics = [stream_topic(harness.settings, s) for s in (SUBMISSIONS, VALIDATED)]
        assert group_lag(harness.settings, topics) == {topics[0]: 2, topics[1]: 0}

        harness.start_worker()
        harness.run()
        # one consumer hop: the group reads the submissions; validated is published, not read
        assert group_lag(harness.settings, topics) == {topics[0]: 0, topics[1]: 2}

        shown = subprocess.run(
            [sys.executable, "-m", "hub", "status", "--json"],
            env=harness.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        kafka = json.loads(shown.stdout)["lag"]["kafka"]
        assert kafka == {topics[0]: 0}  # the one input topic of the workers' group
    finally:
        harness.close()
