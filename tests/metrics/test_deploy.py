"""deploy/: the Grafana dashboard asks only for series the assistant exposes, shows each of
them, and the Prometheus configuration scrapes the three processes where they serve them."""

from __future__ import annotations

import json
import re
from typing import Iterator, Set

import pytest
import yaml

from assistant.metrics import series
from assistant.metrics.database import DatabaseCollector
from assistant.settings import PROJECT_ROOT, get_settings

DASHBOARD = PROJECT_ROOT / "deploy" / "grafana" / "assistant-dashboard.json"
PROMETHEUS = PROJECT_ROOT / "deploy" / "prometheus" / "prometheus.yml"
# The sample names prometheus_client writes for a family of each type.
SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "info": ("_info",),
}
KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}


def families() -> Iterator:
    for metric in (series.MESSAGES, series.REPLY_SECONDS, series.ERRORS):
        yield from metric.describe()
    yield from DatabaseCollector(readers={}).describe()


def exposed() -> Set[str]:
    return {f"{f.name}{suffix}" for f in families() for suffix in SUFFIXES[f.type]}


def metric_names(expr: str) -> Set[str]:
    """The metric names a PromQL expression reads (functions, labels and keywords aside)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings
    expr = re.sub(r"\{[^}]*\}", "", expr)  # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)  # range selectors, $__rate_interval included
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    found = set()
    for match in re.finditer(r"(?<![\w:.$])[A-Za-z_:][\w:]*", expr):
        if expr[match.end() :].lstrip().startswith("("):
            continue  # a function or an aggregation
        if match.group().lower() not in KEYWORDS:
            found.add(match.group())
    return found


def expressions() -> Iterator[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            yield target["expr"]


@pytest.mark.parametrize(
    "expr, names",
    [
        (
            "sum by (channel) (rate(assistant_messages_total[5m])) * 60",
            {"assistant_messages_total"},
        ),
        (
            'histogram_quantile(0.95, sum by (le) (rate(x_bucket{job="a b"}[$__rate_interval])))',
            {"x_bucket"},
        ),
        ("a / ignoring (le) b offset 5m and c", {"a", "b", "c"}),
        ("up == bool 1", {"up"}),
    ],
)
def test_metric_names_are_read_out_of_promql(expr, names):
    assert metric_names(expr) == names


def test_every_dashboard_query_names_only_series_we_expose():
    known = exposed()
    assert {"assistant_reply_seconds_bucket", "assistant_model_info"} <= known
    for expr in expressions():
        named = metric_names(expr)
        assert named, expr
        assert named <= known, f"{expr}: unknown {named - known}"


def test_the_dashboard_shows_every_series():
    shown = set().union(*(metric_names(expr) for expr in expressions()))
    for family in families():
        forms = {f"{family.name}{suffix}" for suffix in SUFFIXES[family.type]}
        assert forms & shown, f"no panel shows {family.name}"


def test_prometheus_scrapes_the_three_processes_on_their_default_loopback_ports(monkeypatch):
    for name in ("WEB_PORT", "METRICS_PORT_RASA", "METRICS_PORT_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    settings = get_settings()
    config = yaml.safe_load(PROMETHEUS.read_text(encoding="utf-8"))
    jobs = {
        job["job_name"]: (job.get("metrics_path", "/metrics"), job["static_configs"][0]["targets"])
        for job in config["scrape_configs"]
    }
    assert jobs == {
        "assistant-portal": ("/metrics", [f"127.0.0.1:{settings.web_port}"]),
        "assistant-rasa": ("/metrics", [f"127.0.0.1:{settings.metrics_port_rasa}"]),
        "assistant-actions": ("/metrics", [f"127.0.0.1:{settings.metrics_port_actions}"]),
    }
    get_settings.cache_clear()
