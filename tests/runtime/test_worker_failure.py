"""A batch that fails in a worker otherwise than on unavailable storage (a bug) must not be
acknowledged: faust acknowledges the batch of an agent that raised, which would lose submissions
whose transaction rolled back. The worker exits with 70 instead, and the batch is processed after
a restart, on a real broker and a real PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from hub.domain.values import Source
from hub.runtime.distributed import STAGE_FAILED_EXIT_CODE
from hub.testing.distributed import DistributedHarness

ALL = Source("zj-all", "national", "330000", "浙江省数据交换平台")

#: ``hub worker`` with a fused step that fails on every batch (a stand-in for a bug).
FAILING_WORKER = """
import sys
import hub.engine.fused as fused

def fail(self, batch, tx):
    raise RuntimeError("a bug in a stage")

fused.FusedStage.process = fail
sys.argv = ["hub", "worker"]
from hub.cli import main
main()
"""


def test_a_failing_batch_exits_70_unacknowledged_and_is_done_after_a_restart(
    tmp_path: Path, pg_url: str, kafka_bootstrap: str, inspection: dict[str, Any]
) -> None:
    harness = DistributedHarness(tmp_path, pg_url, kafka_bootstrap, workers=0)
    try:
        harness.register(ALL)
        ids = harness.submit(ALL.source_id, "inspection", [inspection])
        log_path = tmp_path / "failing-worker.log"
        with log_path.open("wb") as log:
            failing = subprocess.Popen(
                [sys.executable, "-c", FAILING_WORKER], env=harness.env, stdout=log, stderr=log
            )
            assert failing.wait(120) == STAGE_FAILED_EXIT_CODE
        text = log_path.read_text(encoding="utf-8", errors="replace")
        assert "without acknowledging" in text and "a bug in a stage" in text
        assert harness.hub.status()["received"] == 0  # its transaction rolled back

        harness.start_worker()  # the same group: the batch was not acknowledged, so it comes again
        harness.run()
        assert set(harness.verdicts()) == set(ids)
        assert harness.hub.status()["reconciled"]
    finally:
        harness.close()
