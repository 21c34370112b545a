"""End to end: the three real servers serve their metrics on loopback, a conversation
through the portal moves Rasa's REST counters by exactly its number of messages, and with the
action server down the apology is counted by its cause."""

from __future__ import annotations

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from assistant.catalog.importer import import_catalog
from assistant.channels.rest import APOLOGY
from assistant.db.migrate import upgrade
from assistant.handoff.live import LiveDesk
from assistant.settings import PROJECT_ROOT
from tests.e2e.launch import free_port, launch, texts

pytestmark = pytest.mark.e2e

CONVERSATION = ("xin chào", "đăng ký kết hôn cần giấy tờ gì")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e-metrics")
    database_url = f"sqlite:///{workdir / 'e2e.db'}"
    upgrade(database_url)
    import_catalog(PROJECT_ROOT / "data" / "catalog" / "seed.yml", database_url)
    ports = {"rasa": free_port(), "actions": free_port()}
    env = {"METRICS_PORT_RASA": str(ports["rasa"]), "METRICS_PORT_ACTIONS": str(ports["actions"])}
    with launch(workdir, database_url, extra_env=env) as running:
        yield {
            "database_url": database_url,
            "web": f"http://127.0.0.1:{running['ports']['web']}",
            "rasa_metrics": f"http://127.0.0.1:{ports['rasa']}/metrics",
            "actions_metrics": f"http://127.0.0.1:{ports['actions']}/metrics",
            "processes": running["processes"],
        }


def scrape(url: str) -> dict:
    """{(sample name, sorted labels): value} of one scrape."""
    reply = requests.get(url, timeout=10)
    assert reply.status_code == 200, reply.text
    assert reply.headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(reply.text)
        for sample in family.samples
    }


def rest(samples: dict, name: str) -> float:
    return samples.get((name, (("channel", "rest"),)), 0.0)


def test_a_two_message_conversation_moves_the_rest_counters_by_two(stack):
    before = scrape(stack["rasa_metrics"])
    for text in CONVERSATION:
        reply = requests.post(
            f"{stack['web']}/api/chat", json={"sender": "e2e-metrics", "message": text}, timeout=30
        )
        assert APOLOGY not in texts(reply)
    after = scrape(stack["rasa_metrics"])
    assert rest(after, "assistant_messages_total") - rest(before, "assistant_messages_total") == 2
    count = "assistant_reply_seconds_count"
    assert rest(after, count) - rest(before, count) == 2
    assert rest(after, "assistant_reply_seconds_sum") > rest(before, "assistant_reply_seconds_sum")
    errors = {k: v for k, v in after.items() if k[0] == "assistant_errors_total"}
    assert errors and set(errors.values()) == {0.0}


def test_the_portal_serves_the_database_gauges(stack):
    LiveDesk(stack["database_url"]).enqueue("e2e-waiting", "rest")
    samples = scrape(f"{stack['web']}/metrics")
    assert samples[("assistant_handoff_queue", (("status", "waiting"),))] == 1
    assert samples[("assistant_database_up", ())] == 1
    assert samples[("assistant_catalog_revision", ())] >= 1  # the seed import bumped it
    assert samples[("assistant_catalog_revision_age_seconds", ())] >= 0
    # a scraper that came through a proxy is not local
    proxied = requests.get(
        f"{stack['web']}/metrics", headers={"X-Forwarded-For": "203.0.113.7"}, timeout=10
    )
    assert proxied.status_code == 403


def test_the_action_server_serves_its_own_series(stack):
    samples = scrape(stack["actions_metrics"])
    assert samples[("assistant_errors_total", (("where", "action_database"),))] == 0


def test_with_the_action_server_down_the_apology_is_counted_as_no_reply(stack):
    """Runs last in this module: it stops the action server."""
    actions = stack["processes"]["actions"]
    actions.terminate()
    actions.wait(timeout=15)
    where = ("assistant_errors_total", (("where", "rest_no_reply"),))
    before = scrape(stack["rasa_metrics"])
    reply = requests.post(
        f"{stack['web']}/api/chat",
        json={"sender": "e2e-metrics-down", "message": CONVERSATION[1]},
        timeout=30,
    )
    assert texts(reply) == [APOLOGY]
    after = scrape(stack["rasa_metrics"])
    assert after[where] - before[where] == 1
    assert rest(after, "assistant_messages_total") - rest(before, "assistant_messages_total") == 1
