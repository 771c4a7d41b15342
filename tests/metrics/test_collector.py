"""The collector reads the hub once per cache period (and longer when a reading is slow), so a
scrape of a large hub costs it little; what it reads equals what ``hub status`` computes."""

from __future__ import annotations

from pathlib import Path

from hub.backends import backend_at
from hub.errors import StorageUnavailableError
from hub.metrics import HubCollector, families
from hub.settings import HubSettings
from hub.storage.ports import Store
from tests.metrics.conftest import status_json


def test_a_reading_is_reused_for_the_cache_period(demo_dir: Path) -> None:
    settings = HubSettings(data_dir=demo_dir, metrics_cache_s=2.0)
    store = backend_at(demo_dir, None).store()
    now = [100.0]
    try:
        collector = HubCollector(settings, lambda: store, clock=lambda: now[0])
        first = collector.reading()
        now[0] += 1.9
        assert collector.reading() is first
        now[0] += 0.2
        second = collector.reading()
        assert second is not first and second.received == first.received == 1000
        assert 0 < second.seconds < 2  # a 1000-submission hub reads in well under its period
    finally:
        store.close()


def test_a_slow_reading_is_reused_ten_times_as_long(demo_dir: Path) -> None:
    settings = HubSettings(data_dir=demo_dir, metrics_cache_s=0.0)
    store = backend_at(demo_dir, None).store()
    now = [0.0]
    try:
        collector = HubCollector(settings, lambda: store, clock=lambda: now[0])
        first = collector.reading()
        now[0] += 9 * first.store_seconds
        assert collector.reading() is first
        now[0] += 2 * first.store_seconds + 0.001
        assert collector.reading() is not first
    finally:
        store.close()


def test_the_reading_is_what_hub_status_says(demo_dir: Path) -> None:
    status = status_json(demo_dir)
    store = backend_at(demo_dir, None).store()
    try:
        reading = HubCollector(HubSettings(data_dir=demo_dir), lambda: store).reading()
    finally:
        store.close()
    assert (reading.received, reading.in_flight) == (status["received"], status["in_flight"])
    assert reading.stage_lag == status["lag"]["stages"]
    assert reading.projection_lag == status["lag"]["projections"]
    names = [family.name for family in families(reading)]
    assert len(names) == len(set(names)) and "hub_stage_lag" in names


def test_a_store_that_does_not_answer_gives_no_hub_metrics_and_no_error(demo_dir: Path) -> None:
    def down() -> Store:
        raise StorageUnavailableError("the database is restarting")

    collector = HubCollector(HubSettings(data_dir=demo_dir), down)
    assert list(collector.collect()) == []  # the API's own counts are still served beside
