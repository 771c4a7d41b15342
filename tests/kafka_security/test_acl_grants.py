"""Who may do what on the hub's topics, decided from the registry without a broker
(:func:`hub.kafka.acl.hub_grants`, :func:`hub.kafka.acl.stale_grants`): the hub's principal, each
source's principal on its inbound topic only, each subscriber's principal on its own feeds and
groups only; and what a sync may delete (only grants of the kinds it makes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.cli import cli
from hub.domain.subscribers import NATIONAL, Subscriber
from hub.domain.values import Source
from hub.errors import ConfigError
from hub.kafka.acl import Grant, hub_grants, stale_grants
from hub.kafka.topics import feed_topic_names, hub_topics, inbound_topic, inbound_topics
from hub.settings import HubSettings

TYPES = ("administrative_inspection", "administrative_license", "administrative_penalty")


def settings(**values: Any) -> HubSettings:
    return HubSettings(kafka_bootstrap="127.0.0.1:9", kafka_topic_prefix="zj.", **values)


HANGZHOU = Source("zj-hz-scjg", "city", "330100", "杭州市市场监督管理局", principal="User:src-a")
XIHU = Source("zj-xh-yjj", "county", "330106", "杭州市西湖区应急管理局", principal="src-b")
NINGBO_NO_KAFKA = Source("zj-nb-scjg", "city", "330200", "宁波市市场监督管理局")
WENZHOU_OFF = Source(
    "zj-wz-scjg", "city", "330300", "温州市市场监督管理局", disabled=True, principal="User:src-w"
)
DEPT_A = Subscriber(
    "dept-a",
    record_types=("administrative_penalty", "administrative_license"),
    regions=("330100",),
    principal="User:dept-a",
    description="杭州市发展和改革委员会",
)
DEPT_B = Subscriber("dept-b", principal="dept-b", description="浙江省信用中心")
DEPT_C_OFF = Subscriber("dept-c", principal="User:dept-c", disabled=True)
NO_KAFKA = Subscriber("dept-d", description="只通过接口拉取，不用 Kafka")

SOURCES = (HANGZHOU, XIHU, NINGBO_NO_KAFKA, WENZHOU_OFF)
SUBSCRIBERS = (NATIONAL, DEPT_A, DEPT_B, DEPT_C_OFF, NO_KAFKA)


def of(grants: list[Grant], principal: str) -> set[tuple[str, str, str, str]]:
    return {
        (g.resource, g.name, g.operation, g.pattern) for g in grants if g.principal == principal
    }


def test_the_topic_names() -> None:
    s = settings()
    assert inbound_topic(s, "zj-hz-scjg") == "zj.in.zj-hz-scjg"
    assert feed_topic_names(s, DEPT_A, TYPES) == [
        "zj.out.dept-a.administrative_license",
        "zj.out.dept-a.administrative_penalty",
    ]
    assert len(feed_topic_names(s, DEPT_B, TYPES)) == len(TYPES)  # no list: every type
    (spec,) = inbound_topics(s, ["zj-hz-scjg", "zj-hz-scjg"])
    assert spec.config["retention.ms"] == "-1"  # the history: kept forever


def test_a_source_may_write_its_own_inbound_topic_and_nothing_else() -> None:
    s = settings()
    grants = hub_grants(s, "hub", TYPES, SUBSCRIBERS, SOURCES)
    assert of(grants, "User:src-a") == {
        ("topic", "zj.in.zj-hz-scjg", "write", "literal"),
        ("topic", "zj.in.zj-hz-scjg", "describe", "literal"),
    }
    assert of(grants, "User:src-b") == {
        ("topic", "zj.in.zj-xh-yjj", "write", "literal"),
        ("topic", "zj.in.zj-xh-yjj", "describe", "literal"),
    }
    assert of(grants, "User:src-w") == set()  # a disabled source: nothing
    # the hub reads every inbound topic of a Kafka-submitting source, and writes none of them
    hub = of(grants, "User:hub")
    for topic in ("zj.in.zj-hz-scjg", "zj.in.zj-xh-yjj"):
        assert ("topic", topic, "read", "literal") in hub
        assert ("topic", topic, "describe", "literal") in hub
        assert ("topic", topic, "write", "literal") not in hub
    assert not any(n.startswith(("zj.in.zj-nb", "zj.in.zj-wz")) for _r, n, _o, _p in hub)


def test_a_subscriber_may_read_its_own_feeds_and_groups_and_nothing_else() -> None:
    s = settings()
    grants = hub_grants(s, "hub", TYPES, SUBSCRIBERS, SOURCES)
    feeds_a = feed_topic_names(s, DEPT_A, TYPES)
    assert of(grants, "User:dept-a") == {
        ("topic", t, op, "literal") for t in feeds_a for op in ("read", "describe")
    } | {("group", "dept-a.", "read", "prefixed")}
    b = of(grants, "User:dept-b")
    assert {n for r, n, _o, _p in b if r == "topic"} == set(feed_topic_names(s, DEPT_B, TYPES))
    assert {op for _r, _n, op, _p in b} == {"read", "describe"}  # never write
    assert of(grants, "User:dept-c") == set()  # disabled
    history = {spec.name for spec in hub_topics(s, TYPES) if ".out." not in spec.name}
    for reader in ("User:dept-a", "User:dept-b", "User:src-a"):
        assert not {n for _r, n, _o, _p in of(grants, reader)} & history
    # the relay (the hub) writes every enabled subscriber's feeds, Kafka reader or not
    hub = of(grants, "User:hub")
    for sub in (DEPT_A, DEPT_B, NO_KAFKA):
        for t in feed_topic_names(s, sub, TYPES):
            assert ("topic", t, "write", "literal") in hub
    assert not any(".out.dept-c." in n for _r, n, _o, _p in hub)
    assert {g.principal for g in grants} == {
        "User:hub", "User:src-a", "User:src-b", "User:dept-a", "User:dept-b"
    }  # fmt: skip


def test_without_a_registry_the_grants_are_the_hubs_alone() -> None:
    s = settings()
    assert hub_grants(s, "hub", TYPES) == hub_grants(s, "hub", TYPES, [], [])
    assert {g.principal for g in hub_grants(s, "hub", TYPES)} == {"User:hub"}
    grants = hub_grants(s, "hub", TYPES, SUBSCRIBERS, SOURCES)
    assert grants == sorted(set(grants))  # sorted, no duplicates
    with pytest.raises(ConfigError):
        hub_grants(s, "hub", TYPES, [Subscriber("dept-x", principal=" dept-x")])


def test_a_sync_removes_the_grants_of_a_removed_subscriber_or_source_and_no_others() -> None:
    s = settings()
    before = hub_grants(s, "hub", TYPES, SUBSCRIBERS, SOURCES)
    by_hand = [
        Grant("User:ops", "topic", "zj.submissions", "read"),  # on a history topic: not ours
        Grant("User:ops", "group", "ops.", "read", "prefixed"),  # a group of a non-subscriber
        Grant("User:other", "topic", "other.out.dept-a.x", "read"),  # another prefix
        Grant("User:dept-a", "topic", "audit-log", "read"),  # not a hub topic name
    ]
    existing = before + by_hand
    # dept-a removed and src-b's source no longer on Kafka
    after = hub_grants(
        s,
        "hub",
        TYPES,
        [NATIONAL, DEPT_B, NO_KAFKA],
        [HANGZHOU, Source("zj-xh-yjj", "county", "330106", "杭州市西湖区应急管理局")],
    )
    stale = stale_grants(s, after, existing)
    assert {g.principal for g in stale} == {"User:dept-a", "User:src-b", "User:hub"}
    assert of(stale, "User:dept-a") == of(before, "User:dept-a")  # its group grant included
    assert of(stale, "User:src-b") == of(before, "User:src-b")
    # the hub's own grants on the feeds of dept-a and on the inbound topic of zj-xh-yjj
    assert {n for _r, n, _o, _p in of(stale, "User:hub")} == set(
        feed_topic_names(s, DEPT_A, TYPES)
    ) | {"zj.in.zj-xh-yjj"}
    assert not set(stale) & set(by_hand)
    assert not set(stale) & set(after)
    assert stale_grants(s, before, existing) == []  # nothing removed: nothing to delete


def test_acl_sync_reads_the_sources_from_the_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HUB_KAFKA_BOOTSTRAP", "127.0.0.1:9")  # never contacted in a dry run
    monkeypatch.setenv("HUB_KAFKA_TOPIC_PREFIX", "dry.")
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    added = runner.invoke(
        cli,
        ["sources", "add", "zj-hz-scjg", "--level", "city", "--region", "330100",
         "--department", "杭州市市场监督管理局", "--types", "all", "--principal", "User:src-a"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    result = runner.invoke(cli, ["acl", "sync", "--principal", "hub", "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    grants = json.loads(result.output)["grants"]
    assert sorted(
        (g["name"], g["operation"]) for g in grants if g["principal"] == "User:src-a"
    ) == [
        ("dry.in.zj-hz-scjg", "describe"),
        ("dry.in.zj-hz-scjg", "write"),
    ]
    text = runner.invoke(cli, ["acl", "sync", "--principal", "hub", "--dry-run"]).output
    assert "User:src-a  write" in text and "dry.in.zj-hz-scjg" in text
