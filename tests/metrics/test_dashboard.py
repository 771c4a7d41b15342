"""The Grafana dashboard checked in under ``ops/grafana/`` queries only what the hub exports, and
``docker-compose.yml`` loads it: every metric of every panel's expression is in a real
``/metrics``, the datasource it names is the provisioned one, the files compose mounts exist."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from tests.metrics.conftest import scrape
from tests.processes import ROOT

GRAFANA = ROOT / "ops" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "hub.json"
HISTOGRAM = ("_bucket", "_sum", "_count")


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for panel in dashboard["panels"]:
        out.append(panel)
        out.extend(panel.get("panels", []))  # collapsed rows hold theirs
    return out


def expressions(dashboard: dict[str, Any]) -> list[str]:
    """Every PromQL expression: panel targets and query variables."""
    found = [t["expr"] for p in _panels(dashboard) for t in p.get("targets", [])]
    for variable in dashboard.get("templating", {}).get("list", []):
        query = variable.get("query")
        found.append(query["query"] if isinstance(query, dict) else str(query))
    return found


def metric_names(expression: str) -> set[str]:
    """The hub metrics an expression reads: identifiers starting ``hub_`` (label values are in
    quotes and ignored), a histogram's ``_bucket``/``_sum``/``_count`` stripped."""
    unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expression)
    names = set()
    for name in re.findall(r"(?<![A-Za-z0-9_:])hub_[A-Za-z0-9_:]*", unquoted):
        for suffix in HISTOGRAM:
            if name.endswith(suffix):
                name = name.removesuffix(suffix)
        names.add(name)
    return names


def test_metric_names_are_read_from_promql() -> None:
    expr = "histogram_quantile(0.95, sum by (le) (rate(hub_delivery_latency_seconds_bucket[5m])))"
    assert metric_names(expr) == {"hub_delivery_latency_seconds"}
    assert metric_names('max(hub_deliveries{state="hub_x"}) / hub_in_flight') == {
        "hub_deliveries",
        "hub_in_flight",
    }


def test_every_panel_queries_a_metric_the_hub_exports(api_url: str, scrape_token: str) -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    _text, samples, families = scrape(api_url, scrape_token)
    exported = set(samples) | families
    panels = [p for p in _panels(dashboard) if p["type"] != "row"]
    assert len(panels) >= 15
    wanted: set[str] = set()
    for panel in panels:
        assert panel.get("targets"), f"panel {panel['title']} queries nothing"
        names = set().union(*(metric_names(t["expr"]) for t in panel["targets"]))
        assert names, f"panel {panel['title']} queries no hub metric"
        wanted |= names
    for expression in expressions(dashboard):
        wanted |= metric_names(expression)
    missing = {n for n in wanted if n not in exported}
    assert not missing, f"the dashboard queries metrics /metrics does not have: {missing}"
    # what the issue asks to graph is on the dashboard
    assert {
        "hub_submissions_total",
        "hub_violations_total",
        "hub_stage_lag",
        "hub_projection_lag",
        "hub_deliveries",
        "hub_delivery_latency_seconds",
        "hub_national_replies_total",
        "hub_kafka_consumer_lag",
        "hub_quarantined",
    } <= wanted


def test_compose_provisions_prometheus_and_grafana_with_the_dashboard() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    for service in ("prometheus", "grafana"):
        for volume in services[service]["volumes"]:
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), volume
            else:
                assert source in compose["volumes"], volume
        for port in services[service]["ports"]:
            assert port.startswith("127.0.0.1:"), port  # loopback only
    grafana = services["grafana"]["environment"]
    assert grafana["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"
    assert not any("PASSWORD" in k or "SECRET" in k for k in grafana)  # no credentials
    assert services["worker"]["environment"]["HUB_API_ENABLED"] == "true"  # workers' /metrics

    prometheus = yaml.safe_load(
        (ROOT / "ops" / "prometheus" / "prometheus.yml").read_text(encoding="utf-8")
    )
    jobs = {j["job_name"]: j for j in prometheus["scrape_configs"]}
    assert jobs["hub-api"]["static_configs"][0]["targets"] == ["api:8080"]
    assert jobs["hub-worker"]["dns_sd_configs"][0]["names"] == ["worker"]
    for job in jobs.values():  # /metrics is signed in: the token from compose's secret
        assert job["authorization"]["credentials_file"] == "/run/secrets/hub-metrics-token"
    assert services["prometheus"]["secrets"] == ["hub-metrics-token"]
    assert compose["secrets"]["hub-metrics-token"]["file"] == "./ops/prometheus/hub-token"

    datasources = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text(encoding="utf-8")
    )["datasources"]
    [uid] = [d["uid"] for d in datasources if d["type"] == "prometheus"]
    assert datasources[0]["url"] == "http://prometheus:9090"
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    for panel in _panels(dashboard):
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == uid, panel["title"]
    providers = yaml.safe_load(
        (GRAFANA / "provisioning" / "dashboards" / "hub.yml").read_text(encoding="utf-8")
    )["providers"]
    mounted = {v.split(":")[1]: v.split(":")[0] for v in services["grafana"]["volumes"] if ":" in v}
    assert Path(mounted[providers[0]["options"]["path"]]) == Path("./ops/grafana/dashboards")
