"""Feed topics from the registry: one per enabled subscriber and entitled type, compacted; history
topics keep delete and forever."""

from __future__ import annotations

from hub.domain.subscribers import NATIONAL, Subscriber
from hub.events.streams import STREAMS
from hub.kafka.topics import feed_topic, hub_topics, stream_topic
from hub.settings import HubSettings
from hub.standard import Standard


def test_feed_topics_per_enabled_subscriber_and_entitled_type(standard: Standard) -> None:
    settings = HubSettings(kafka_topic_prefix="t1.")
    subscribers = [
        NATIONAL,
        Subscriber("departments", sharing="unconditional"),
        Subscriber("gz-market", record_types=("supervised_entity", "inspection")),
        Subscriber("paused", disabled=True),
    ]
    specs = {s.name: s for s in hub_topics(settings, standard.types, subscribers)}
    feeds = {n for n in specs if ".out." in n}
    want = {feed_topic(settings, "national", t) for t in standard.types}
    want |= {feed_topic(settings, "departments", t) for t in standard.types}
    want |= {"t1.out.gz-market.supervised_entity", "t1.out.gz-market.inspection"}
    assert feeds == want
    assert all(specs[n].config["cleanup.policy"] == "compact" for n in feeds)
    for stream in STREAMS:
        config = specs[stream_topic(settings, stream)].config
        assert config["cleanup.policy"] == "delete" and config["retention.ms"] == "-1"
    assert not any("paused" in n for n in specs)
