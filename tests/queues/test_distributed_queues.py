"""Queues on the distributed runtime: ``hub worker`` processes on a real broker and PostgreSQL.
A worker whose national platform refuses every push makes a delivery dead; after the fault is
cleared (a worker started with the right address) an operator re-drives it and the workers'
sender acks it. A submission written with a schema the workers' pack lacks is quarantined by
them; once they run with a pack that has it, ``hub quarantine release`` writes it to its topic
again and they judge it."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli import cli
from hub.connectors.submissions import record_submissions
from hub.domain.accounts import Account
from hub.events import load_codec
from hub.events.streams import SUBMISSIONS, VERDICTS
from hub.kafka.producer import ProducerThread
from hub.kafka.topics import stream_topic
from hub.kafka.wire import Message
from hub.query.queues import redrive
from hub.testing.distributed import DistributedHarness
from hub.testing.sources import COUNTY
from tests.pg import fresh_database
from tests.queues.test_queues import _newer_pack


@pytest.fixture
def harness(tmp_path: Path, pg_server: str, kafka_bootstrap: str) -> Iterator[DistributedHarness]:
    with fresh_database(pg_server, "hub_queues") as url:
        made = DistributedHarness(tmp_path / "hub", url, kafka_bootstrap, workers=0, partitions=1)
        try:
            made.register(COUNTY)
            with made.hub.store.transaction() as tx:
                tx.put_account(Account("zhangsan", "operator"))
            yield made
        finally:
            made.close()


def _until(what: Callable[[], bool], timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not what():
        if time.monotonic() > deadline:
            raise TimeoutError("the workers did not get there in time")
        time.sleep(0.3)


def _restart(harness: DistributedHarness, **env: str) -> None:
    """Stop the workers and start one with ``env`` on top (a fault cleared, a new pack)."""
    for process in harness.workers:
        if process.poll() is None:
            process.terminate()
            process.wait(60)
    harness.env.update(env)
    harness.start_worker()


def test_redrive_and_release_with_workers(
    harness: DistributedHarness, tmp_path: Path, inspection: dict[str, Any]
) -> None:
    store = harness.hub.store
    _restart(harness, HUB_NATIONAL_URL=harness.sim.url + "/gone")  # every push refused
    harness.submit(COUNTY.source_id, "inspection", [inspection])
    _until(lambda: store.ledger_counts().get("dead", 0) == 1)
    pack = _newer_pack(tmp_path)
    [event] = record_submissions(
        COUNTY.source_id,
        "inspection",
        [inspection | {"item_code": "44440106010099", "source_record_id": "newer"}],
        batch_id="b-new",
        received_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    body = load_codec(pack).encode_event(event, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    producer = ProducerThread(harness.settings.kafka_bootstrap or "")
    try:
        topic = stream_topic(harness.settings, SUBMISSIONS)
        producer.send_all([Message(topic, COUNTY.source_id.encode(), body, ())])
    finally:
        producer.close()
    _until(lambda: store.quarantine_count() == 1)  # the workers' pack lacks the schema
    [held] = store.quarantined()
    assert held.origin.startswith(f"{topic}/0/") and "fingerprint" in held.reason

    _restart(harness, HUB_NATIONAL_URL=harness.sim.url, HUB_STANDARD_DIR=str(pack))
    [dead] = store.ledger_page(["dead"], 10)
    report = redrive(store, None, "zhangsan")
    assert report.redriven == [dead.delivery_id]
    env = {k: v for k, v in harness.env.items() if k.startswith("HUB_")}
    released = CliRunner().invoke(
        cli, ["quarantine", "release", held.origin, "--by", "zhangsan", "--json"], env=env
    )
    assert released.exit_code == 0, released.output
    assert json.loads(released.stdout)["released"] == {held.origin: event.event_id}
    assert store.quarantine_count() == 0

    def settled() -> bool:
        verdicts = {
            harness.hub.codec.decode_event(VERDICTS, v.position, v.body).payload["submission_id"]
            for v in store.scan(VERDICTS)
        }
        return store.ledger_counts().get("acked", 0) == 2 and event.event_id in verdicts

    _until(settled)  # the re-driven row and the released submission's version, both acked
    assert store.ledger_counts().get("dead", 0) == 0 and store.quarantine_count() == 0
    assert {a.record_id for a in harness.sim.accepted()} >= {dead.record_id}
    harness.hub.projector.run_until_current()
    trace = CliRunner().invoke(cli, ["trace", dead.record_id], env=env)
    assert trace.exit_code == 0 and "by=zhangsan" in trace.output
    assert "delivery.acked" in trace.output
