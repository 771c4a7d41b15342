"""``/metrics`` of a real ``hub api`` over a demo-loaded hub: the numbers are the hub's own, equal
to ``hub status --json`` and to the scorecards read model, and no label names a record."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from hub.metrics import SOURCE_RULE_VIOLATIONS, SOURCE_TYPE_OUTCOMES
from hub.projections.sqlite import SqliteViews
from hub.runtime.embedded import OUTCOMES
from tests.metrics.conftest import scrape, status_json, value


def test_metrics_equal_hub_status(demo_dir: Path, api_url: str, scrape_token: str) -> None:
    status = status_json(demo_dir)
    _text, samples, _names = scrape(api_url, scrape_token)
    assert value(samples, "hub_received_total") == status["received"] == 1000
    assert value(samples, "hub_in_flight") == status["in_flight"] == 0
    assert value(samples, "hub_quarantined") == status["quarantined"]
    stages = {s["stage"]: v for s, v in samples["hub_stage_lag"]}
    assert stages == status["lag"]["stages"] and "judge" in stages
    projections = {f"{s['projection']}/{s['stream']}": v for s, v in samples["hub_projection_lag"]}
    assert projections == status["lag"]["projections"]
    assert {"records/records", "scorecards/verdicts"} <= projections.keys()
    ledger = {s["state"]: v for s, v in samples["hub_deliveries"]}
    d = status["deliveries"]
    assert (ledger["acked"], ledger["rejected"], ledger["dead"]) == (
        d["acked"],
        d["rejected"],
        d["dead"],
    )
    assert ledger["pending"] + ledger["sent"] + ledger["retrying"] == d["pending"]
    assert ledger["acked"] > 0 and ledger["rejected"] > 0  # the demo's national sim rejects some
    assert "hub_kafka_consumer_lag" not in samples  # embedded: no Kafka, no series


def test_submissions_and_violations_are_the_scorecards_read_model(
    demo_dir: Path, api_url: str, scrape_token: str
) -> None:
    status = status_json(demo_dir)
    _text, samples, _names = scrape(api_url, scrape_token)
    with SqliteViews(demo_dir / "views.db") as views:
        outcomes = views.rows(SOURCE_TYPE_OUTCOMES)
        violations = views.rows(SOURCE_RULE_VIOLATIONS)
    served = {
        (s["source"], s["record_type"], s["outcome"]): v
        for s, v in samples["hub_submissions_total"]
    }
    assert served == {(a, b, c): n for a, b, c, n in outcomes}
    by_outcome: Counter[str] = Counter()
    for (_source, _type, outcome), n in served.items():
        by_outcome[outcome] += int(n)
    assert {o: by_outcome[o] for o in OUTCOMES} == {o: status[o] for o in OUTCOMES}
    ruled = {
        (s["source"], s["record_type"], s["rule"]): v for s, v in samples["hub_violations_total"]
    }
    assert ruled == {(a, b, c): n for a, b, c, n in violations}
    assert ruled, "the demo's rejected submissions broke rules"
    assert len({source for source, _, _ in served}) > 10  # the province's sources


def test_no_label_names_a_record_or_a_person(api_url: str, scrape_token: str) -> None:
    _text, samples, _names = scrape(api_url, scrape_token)
    labelled = 0
    for name, series in samples.items():
        for labels, _v in series:
            for label in labels.values():
                labelled += 1
                assert not re.search(r"(rec|sub|dlv)-[0-9a-f]{10,}", label), (name, label)
                assert not re.search(r"\d{17}[\dXx]|1[3-9]\d{9}", label), (name, label)  # ID, phone
                assert len(label) <= 64, (name, label)
    assert labelled > 500  # sources × types × outcomes and rules, stages, read models
