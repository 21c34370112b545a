"""nginx's configuration as the cluster renders it, and the production template."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from assistant.channels.rest import APOLOGY
from assistant.cluster import plan
from assistant.cluster.nginx import production_template, quoted, render_main, render_site
from assistant.settings import PROJECT_ROOT
from assistant.web.metrics import allowed

TEMPLATE = PROJECT_ROOT / "deploy" / "nginx" / "assistant.conf"


def upstreams(text: str) -> dict:
    return {
        name: re.findall(r"server (\S+) max_fails=1 fail_timeout=10s;", body)
        for name, body in re.findall(r"upstream (\w+) \{(.*?)\}", text, re.S)
    }


def servers(text: str) -> list:
    """(listen, {location: body}) of each server block."""
    blocks = re.findall(r"^server \{\n(.*?)^\}", text, re.S | re.M)
    result = []
    for block in blocks:
        listen = re.search(r"listen (\S+);", block).group(1)
        locations = dict(re.findall(r"location ((?:= )?\S+) \{\n(.*?)\n    \}", block, re.S))
        result.append((listen, locations))
    return result


@pytest.mark.parametrize("replicas, action_servers", [(2, 2), (3, 1), (1, 4)])
def test_the_upstreams_hold_every_replica_and_action_server(replicas, action_servers):
    ports = plan.configured_ports({}, replicas, action_servers)
    found = upstreams(render_site(ports))
    assert found["assistant_rasa"] == [f"127.0.0.1:{p}" for p in ports.rasa]
    assert found["assistant_actions"] == [f"127.0.0.1:{p}" for p in ports.actions]
    assert found["assistant_portal"] == [f"127.0.0.1:{ports.web}"]


def test_routes_retries_and_forwarded_for_in_every_location():
    ports = plan.configured_ports({}, 2, 2)
    [(front, routes), (rasa_api, rasa_routes), (actions, action_routes)] = servers(
        render_site(ports)
    )
    assert front == "127.0.0.1:8000"
    assert rasa_api == "127.0.0.1:5004" and actions == "127.0.0.1:5054"  # loopback only
    assert "proxy_pass http://assistant_rasa;" in routes["/webhooks/"]
    assert "proxy_pass http://assistant_rasa;" in routes["/webhooks/rest/"]
    assert "proxy_pass http://assistant_portal;" in routes["/"]
    assert "proxy_pass http://assistant_portal;" in routes["= /api/chat"]
    assert "proxy_pass http://assistant_rasa;" in rasa_routes["/"]
    assert "proxy_pass http://assistant_actions;" in action_routes["/"]
    # The switch waits for every replica's load; nobody outside reaches the replicas' switch.
    assert "proxy_pass http://assistant_portal;" in routes["/admin/models"]
    assert "proxy_read_timeout 900s;" in routes["/admin/models"]
    assert routes.pop("/webhooks/model_switch/").strip() == "return 404;"
    routes.pop("@apology")
    bodies = [*routes.values(), *rasa_routes.values(), *action_routes.values()]
    assert len(bodies) == 7
    for body in bodies:
        assert "proxy_next_upstream error timeout;" in body
        busy_replicas = "assistant_rasa;" in body  # a busy replica accepts late
        assert f"proxy_connect_timeout {10 if busy_replicas else 2}s;" in body
        assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in body


def unquoted(text: str) -> str:
    """What nginx makes of a single-quoted string."""
    assert text[0] == text[-1] == "'"
    return re.sub(r"\\(.)", r"\1", text[1:-1])


def test_the_citizens_chat_gets_the_apology_and_the_platforms_their_5xx():
    [(_, routes), *_] = servers(render_site(plan.configured_ports({}, 2, 2)))
    for chat in ("/webhooks/rest/", "= /api/chat"):
        assert "proxy_intercept_errors on;" in routes[chat]
        assert "error_page 502 503 504 = @apology;" in routes[chat]
    for other in ("/webhooks/", "/"):  # Zalo, Messenger: they deliver again after a 5xx
        assert "error_page" not in routes[other] and "intercept" not in routes[other]
    apology = routes["@apology"]
    assert "default_type application/json;" in apology
    body = re.fullmatch(r"\s*default_type application/json;\s*return 200 (.*);", apology, re.S)
    assert json.loads(unquoted(body.group(1))) == [{"text": APOLOGY}]


@pytest.mark.parametrize("text", ["plain", "it's", "back\\slash \\'", 'Anh/Chị "ơi"'])
def test_quoted_strings_read_back_as_they_were(text):
    assert unquoted(quoted(text)) == text


def test_a_dollar_is_refused_rather_than_read_as_a_variable():
    with pytest.raises(ValueError):
        quoted("100$")


def test_a_visitor_through_nginx_is_not_local_to_the_portals_metrics():
    # nginx connects from loopback but always adds X-Forwarded-For (test above): the portal's
    # /metrics then refuses, as it does any request with a proxy header.
    assert allowed("127.0.0.1", forwarded=False, authorization="", token="")
    assert not allowed("127.0.0.1", forwarded=True, authorization="", token="")


def test_the_main_file_keeps_everything_in_the_cluster_directory(tmp_path):
    layout = plan.Layout(tmp_path)
    ports = plan.configured_ports({}, 2, 2)
    text = render_main(ports, layout, user="www-data")
    assert text.count("user www-data;") == 1 and "daemon off;" in text
    assert f"pid {tmp_path}/nginx/nginx.pid;" in text
    assert f"access_log {tmp_path}/logs/nginx-access.log assistant;" in text
    paths = re.findall(r"(?:_path|error_log|pid|access_log) (/\S+?)[; ]", text)
    assert len(paths) == 8 and all(p.startswith(str(tmp_path)) for p in paths)
    # The query string (Messenger's verify token) is not logged: $uri, not $request.
    assert '"$request_method $uri"' in text and "$request " not in text
    assert "user " not in render_main(ports, layout, user=None)


def test_the_production_template_is_what_the_cluster_renders_for_the_default_ports():
    ports = plan.configured_ports({}, 2, 2)
    assert TEMPLATE.read_text(encoding="utf-8") == production_template(ports)
    # Only the front's listen address differs from the cluster's rendering.
    cluster = render_site(ports)
    assert render_site(ports, listen="80") == cluster.replace(
        "listen 127.0.0.1:8000;", "listen 80;"
    )


def test_nginx_conf_prints_the_production_template(capsys, monkeypatch):
    from assistant.cli import main

    for name in ("CLUSTER_RASA", "CLUSTER_ACTIONS", "CLUSTER_PORT", "RASA_PORT", "ACTION_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("WEB_PORT", raising=False)
    assert main(["cluster", "nginx-conf"]) == 0
    assert capsys.readouterr().out == TEMPLATE.read_text(encoding="utf-8")


@pytest.mark.cluster  # needs nginx: `make test-cluster` installs it (make cluster-deps)
def test_nginx_accepts_the_rendered_file(tmp_path):
    from assistant.cluster.run import prepare_nginx

    layout = plan.Layout(tmp_path)
    layout.logs.mkdir()
    prepare_nginx(plan.configured_ports({}, 3, 2), layout)
    conf = layout.nginx / "nginx.conf"
    result = subprocess.run(
        ["nginx", "-t", "-p", f"{layout.nginx}/", "-c", str(conf), "-e", str(tmp_path / "e.log")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


@pytest.mark.cluster
def test_a_dead_replica_costs_the_chat_an_apology_and_zalo_a_502(var_dir):
    import requests

    from assistant.cluster.harness import port_open, wait_until
    from assistant.cluster.run import prepare_nginx

    # Nothing listens on the replicas' ports: every upstream connection is refused.
    ports = plan.free_ports(2, 1)
    layout = plan.Layout(var_dir)
    layout.logs.mkdir()
    prepare_nginx(ports, layout)
    conf = layout.nginx / "nginx.conf"
    nginx = subprocess.Popen(
        ["nginx", "-p", f"{layout.nginx}/", "-c", str(conf), "-e", str(var_dir / "e.log")]
    )
    try:
        wait_until(lambda: port_open(ports.front), 10, "nginx", nginx)
        front = f"http://127.0.0.1:{ports.front}"
        turn = {"sender": "citizen-1", "message": "lệ phí bao nhiêu"}
        for path in ("/webhooks/rest/webhook", "/api/chat"):
            reply = requests.post(front + path, json=turn, timeout=10)
            assert reply.status_code == 200, path
            assert reply.headers["content-type"] == "application/json"
            assert reply.json() == [{"text": APOLOGY}]
        zalo = requests.post(f"{front}/webhooks/zalo/webhook", json={}, timeout=10)
        assert zalo.status_code == 502  # Zalo delivers the message again
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
