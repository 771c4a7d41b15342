"""``hub subscribers remove`` deletes the subscriber's feed topics on a real broker, and only its.

Why: the issue asks that removing a subscriber stops *and deletes* its feeds. A compacted feed
left behind keeps every entitled record's current version readable by whoever still holds read
on it, so the topics must go; and a name that is a prefix of another's (``dept-a`` of
``dept-ab``) must not take the other's feeds with it.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli import cli
from hub.kafka.topics import delete_feed_topics
from hub.settings import HubSettings
from tests.kafka import list_topics


def _run(env: dict[str, str | None], data_dir: Path, *args: str) -> Any:
    result = CliRunner().invoke(cli, [*args, "--data-dir", str(data_dir)], env=env)
    assert result.exit_code == 0, result.output
    return result


def _feeds(bootstrap: str, prefix: str) -> set[str]:
    return {t for t in list_topics(bootstrap) if t.startswith(f"{prefix}out.")}


def test_remove_deletes_its_feed_topics_and_no_others(kafka_bootstrap: str, tmp_path: Path) -> None:
    prefix = f"del{uuid.uuid4().hex[:8]}."
    env: dict[str, str | None] = {
        "HUB_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "HUB_KAFKA_TOPIC_PREFIX": prefix,
    }
    data = tmp_path / "hub"
    types = "supervised_entity,inspection"
    _run(env, data, "subscribers", "add", "dept-a", "--types", types)
    _run(env, data, "subscribers", "add", "dept-ab", "--types", types)
    _run(env, data, "topics", "create")
    before = _feeds(kafka_bootstrap, prefix)
    mine = {f"{prefix}out.dept-a.supervised_entity", f"{prefix}out.dept-a.inspection"}
    assert mine <= before and f"{prefix}out.dept-ab.inspection" in before

    said = json.loads(_run(env, data, "subscribers", "remove", "dept-a", "--json").output)
    assert said["changed"] is True and set(said["deleted_topics"]) == mine

    deadline = time.monotonic() + 60
    while (left := _feeds(kafka_bootstrap, prefix)) & mine and time.monotonic() < deadline:
        time.sleep(1)  # deletion is asynchronous on the broker
    assert left == before - mine, "only dept-a's feeds may go"

    again = json.loads(_run(env, data, "subscribers", "remove", "dept-a", "--json").output)
    assert again["changed"] is False and again["deleted_topics"] == []
    listed = json.loads(_run(env, data, "subscribers", "list", "--json").output)
    names = {s["name"] for s in listed}
    assert "dept-a" not in names and {"dept-ab", "national"} <= names


def test_remove_without_kafka_says_the_topics_stay(tmp_path: Path) -> None:
    data = tmp_path / "hub"
    no_kafka: dict[str, str | None] = {"HUB_KAFKA_BOOTSTRAP": None}
    _run(no_kafka, data, "subscribers", "add", "dept-a")
    out = _run(no_kafka, data, "subscribers", "remove", "dept-a").output
    assert "removed" in out and "were not deleted" in out


def test_delete_feed_topics_needs_a_broker() -> None:
    with pytest.raises(Exception, match="HUB_KAFKA_BOOTSTRAP"):
        delete_feed_topics(HubSettings(), "dept-a", ["inspection"])
