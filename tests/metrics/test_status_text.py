"""``hub status`` as aligned text: Chinese labels first, then English; every number in one
right-aligned column counted in terminal cells (a Chinese character takes two)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hub.cli.status_text import status_lines, width
from tests.metrics.conftest import status_json
from tests.processes import hub_env, run_hub

_VALUE = re.compile(r"^(?P<head>.*?\S)  +(?P<value>\d+|是 yes|否 NO|\?)(?:  (?P<note>.*))?$")


def value_column(lines: list[str]) -> dict[str, tuple[int, str]]:
    """Each line with a value: its label, where its value ends (in cells), the value."""
    out = {}
    for line in lines:
        found = _VALUE.match(line)
        if found:
            end = width(line[: found.end("value")])
            out[found["head"].strip()] = (end, found["value"])
    return out


def test_hub_status_prints_lag_and_quarantine_aligned(demo_dir: Path) -> None:
    status = status_json(demo_dir)
    text = run_hub(hub_env(demo_dir), "status").stdout
    lines = text.splitlines()
    assert "{" not in text and "}" not in text  # not a Python dict any more
    values = value_column(lines)
    assert len({end for end, _ in values.values()}) == 1, values  # one column, right-aligned
    for stage, n in status["lag"]["stages"].items():
        assert values[stage][1] == str(n)
    for projection, n in status["lag"]["projections"].items():
        assert values[projection][1] == str(n)
    assert values["隔离区 quarantined"][1] == str(status["quarantined"])
    assert values["已接收 received"][1] == "1000"
    assert values["对账 reconciled"][1] == "是 yes"
    assert any(line.startswith("处理延迟 lag") for line in lines)
    lag_at = next(i for i, line in enumerate(lines) if line.startswith("处理延迟 lag"))
    assert lines[lag_at + 1].strip() == "阶段 stages"


def _summary(**lag: Any) -> dict[str, Any]:
    return {
        "received": 12345,
        "accepted_new": 10000,
        "accepted_update": 2000,
        "duplicate": 300,
        "stale": 40,
        "rejected": 3,
        "in_flight": 2,
        "reconciled": True,
        "canonical_records": 10000,
        "versions": 12000,
        "deliveries": {"sent": 1, "acked": 2, "rejected": 3, "dead": 4, "pending": 5},
        "feedback": 7,
        "ownership_notices": 1,
        "quarantined": 3,
        "lag": {
            "stages": {"judge": 1234567, "feedback-deliveries": 0},
            "projections": {"scorecards/verdicts": 5, "records/records": 0},
            **lag,
        },
    }


def test_lagging_parts_and_kafka_are_marked_and_aligned() -> None:
    lines = status_lines(_summary(kafka={"hub.submissions": 17, "hub.validated": 0}))
    values = value_column(lines)
    assert len({end for end, _ in values.values()}) == 1, lines
    assert values["judge"][1] == "1234567"
    judge = next(line for line in lines if line.strip().startswith("judge"))
    assert judge.endswith("落后 behind")
    assert not next(line for line in lines if "feedback-deliveries" in line).endswith("behind")
    assert values["hub.submissions"][1] == "17"
    assert values["隔离区 quarantined"][1] == "3"
    quarantine = next(line for line in lines if line.startswith("隔离区"))
    assert "messages that could not be read as events" in quarantine
    assert any(line.startswith("归属通知 ownership") for line in lines)


def test_kafka_unavailable_is_said_not_fatal() -> None:
    lines = status_lines(_summary(kafka="unavailable: Kafka did not answer"))
    [kafka] = [line for line in lines if "Kafka 消费组" in line]
    assert "不可用 unavailable: Kafka did not answer" in kafka


def test_width_counts_wide_characters_twice() -> None:
    assert width("lag") == 3 and width("隔离区") == 6 and width("隔离区 q") == 8
