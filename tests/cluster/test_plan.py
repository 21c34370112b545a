"""The cluster's plan: ports, environment and command lines, without starting anything."""

from __future__ import annotations

import itertools
import shlex
from pathlib import Path

import pytest

from assistant.cluster import plan

SECRETS = {
    "CLUSTER_POSTGRES_PASSWORD": "pg-super",
    "CLUSTER_DATABASE_PASSWORD": "db-pass",
    "CLUSTER_REDIS_PASSWORD": "redis-pass",
    "SENDER_HASH_SECRET": "generated-sender-key",
    "RASA_API_TOKEN": "generated-token",
}
LAYOUT = plan.Layout(Path("/srv/var/cluster"))


def actions_line(port: int) -> list:
    return [
        "env",
        "SANIC_HOST=127.0.0.1",
        "python",
        "-m",
        "rasa",
        "run",
        "actions",
        "--port",
        str(port),
    ]


def test_the_defaults_are_two_replicas_and_two_action_servers_behind_port_8000():
    assert plan.sizes({}) == (2, 2)
    ports = plan.configured_ports({}, 2, 2)
    assert ports.front == 8000 and ports.web == 8080
    assert ports.rasa == (5005, 5006) and ports.actions == (5055, 5056)
    assert (ports.rasa_upstream, ports.actions_upstream) == (5004, 5054)
    assert (ports.postgres, ports.redis) == (5433, 6380)
    assert ports.metrics_rasa == (15005, 15006) and ports.metrics_actions == (15055, 15056)
    plan.check(ports)


def test_sizes_and_ports_follow_the_environment():
    environ = {
        "CLUSTER_RASA": "4",
        "CLUSTER_ACTIONS": "3",
        "CLUSTER_PORT": "9000",
        "RASA_PORT": "6000",
        "ACTION_PORT": "7000",
        "WEB_PORT": "8081",
        "METRICS_PORT_RASA": "0",
    }
    replicas, action_servers = plan.sizes(environ)
    ports = plan.configured_ports(environ, replicas, action_servers)
    assert ports.front == 9000 and ports.web == 8081
    assert ports.rasa == (6000, 6001, 6002, 6003)
    assert ports.actions == (7000, 7001, 7002)
    assert ports.metrics_rasa == (0, 0, 0, 0)  # METRICS_PORT_RASA=0: not served
    assert ports.metrics_actions == (17000, 17001, 17002)
    assert not any(name.startswith("rasa-1 metrics") for name, _ in ports.named())


@pytest.mark.parametrize(
    "environ", [{"CLUSTER_RASA": "0"}, {"CLUSTER_ACTIONS": "-1"}, {"CLUSTER_RASA": "two"}]
)
def test_sizes_refuse_nonsense(environ):
    with pytest.raises(ValueError):
        plan.sizes(environ)


def test_every_default_port_is_distinct():
    ports = plan.configured_ports({}, 2, 2)
    numbers = [port for _, port in ports.named()]
    assert len(numbers) == len(set(numbers)) == 14


def test_a_clash_is_refused_with_both_names():
    plan.check(plan.configured_ports({}, 49, 2))  # replicas on 5005 … 5053
    ports = plan.configured_ports({}, 50, 2)  # the 50th would take the actions upstream's
    with pytest.raises(ValueError, match=r"5054: rasa-50, nginx actions upstream"):
        plan.check(ports)
    with pytest.raises(ValueError, match="out of range"):
        plan.check(plan.configured_ports({"CLUSTER_PORT": "70000"}, 1, 1))


def test_free_ports_are_all_different_even_if_the_kernel_repeats_itself():
    picks = itertools.chain([40000, 40000, 40001], range(40002, 40100))
    ports = plan.free_ports(3, 2, pick=lambda: next(picks))
    numbers = [port for _, port in ports.named()]
    assert len(numbers) == len(set(numbers)) == 6 + 2 * 5
    plan.check(ports)


def test_every_process_shares_one_database_lock_store_and_secrets():
    ports = plan.configured_ports({}, 2, 2)
    base = {"PATH": "/usr/bin", "ASSISTANT_HOTLINE": "1022", "DATABASE_URL": "sqlite:///x.db"}
    env = plan.environment(ports, SECRETS, base, Path("/srv/assistant"))
    url = "postgresql://assistant:db-pass@127.0.0.1:5433/assistant"
    assert env["DATABASE_URL"] == env["TRACKER_STORE_URL"] == url  # the cluster's, not base's
    assert env["LOCK_STORE_URL"] == "redis://:redis-pass@127.0.0.1:6380/0"
    assert env["SENDER_HASH_SECRET"] == "generated-sender-key"
    assert env["RASA_API_TOKEN"] == "generated-token"
    assert env["ACTION_SERVER_URL"] == "http://127.0.0.1:5054/webhook"  # nginx, not one server
    assert env["RASA_URL"] == "http://127.0.0.1:5004"
    # A model switch reaches each replica itself (assistant/training/rasa_api.py).
    assert env["RASA_REPLICA_URLS"] == "http://127.0.0.1:5005,http://127.0.0.1:5006"
    assert env["WEB_PORT"] == "8080" and env["WEB_HOST"] == "127.0.0.1"
    assert env["TRUSTED_PROXIES"] == "127.0.0.1"
    assert env["ASSISTANT_HOTLINE"] == "1022" and env["PATH"] == "/usr/bin"  # settings pass
    assert env["PYTHONPATH"] == "/srv/assistant"
    assert env["SANIC_BACKLOG"] == "1024"  # a replica left alone queues its connects
    assert (
        plan.environment(ports, SECRETS, {"SANIC_BACKLOG": "64"}, Path("/"))["SANIC_BACKLOG"]
        == "64"
    )
    assert base["DATABASE_URL"] == "sqlite:///x.db"  # the caller's mapping is not changed


def test_configured_secrets_and_proxies_win_over_generated_ones():
    base = {
        "SENDER_HASH_SECRET": "shared-with-the-other-host",
        "RASA_API_TOKEN": "operator-token",
        "TRUSTED_PROXIES": "10.0.0.0/8",
    }
    env = plan.environment(plan.configured_ports({}, 1, 1), SECRETS, base, Path("/r"))
    assert env["SENDER_HASH_SECRET"] == "shared-with-the-other-host"
    assert env["RASA_API_TOKEN"] == "operator-token"
    assert env["TRUSTED_PROXIES"] == "10.0.0.0/8,127.0.0.1"
    again = plan.environment(
        plan.configured_ports({}, 1, 1), SECRETS, {"TRUSTED_PROXIES": "127.0.0.1"}, Path("/r")
    )
    assert again["TRUSTED_PROXIES"] == "127.0.0.1"


def test_commands_give_each_process_its_own_port_metrics_port_and_log():
    ports = plan.configured_ports({}, 2, 2)
    commands = plan.commands(ports, LAYOUT, actions_line, "/usr/sbin/nginx", python="py")
    assert list(commands) == ["actions-1", "actions-2", "rasa-1", "rasa-2", "web", "nginx"]
    for name, line in commands.items():
        assert line[:3] == ["sh", "-c", 'exec "$@" >>"$0" 2>&1']
        assert line[3] == f"/srv/var/cluster/logs/{name}.log"
    rasa_1 = commands["rasa-1"][4:]
    assert rasa_1 == [
        "env", "METRICS_PORT_RASA=15005",
        "py", "-m", "assistant.cli", "cluster", "replica", "--port", "5005",
        "--endpoints", "/srv/var/cluster/endpoints.yml",
    ]  # fmt: skip
    assert "--port 5006" in shlex.join(commands["rasa-2"])
    assert "METRICS_PORT_RASA=15006" in commands["rasa-2"]
    assert commands["actions-2"][4:] == ["env", "METRICS_PORT_ACTIONS=15056", *actions_line(5056)]
    assert commands["web"][4:] == ["py", "-m", "assistant.cli", "web"]
    assert commands["nginx"][4:] == [
        "/usr/sbin/nginx",
        "-p", "/srv/var/cluster/nginx/",
        "-c", "/srv/var/cluster/nginx/nginx.conf",
        "-e", "/srv/var/cluster/nginx/error.log",
    ]  # fmt: skip


def test_the_logged_wrapper_runs_the_command_with_its_output_in_the_log(tmp_path):
    import subprocess

    log = tmp_path / "x.log"
    line = plan.logged(["sh", "-c", "echo out; echo err >&2; exit 3"], log)
    assert subprocess.run(line).returncode == 3
    assert log.read_text().split() == ["out", "err"]


def test_describe_names_the_front_url_and_every_port():
    ports = plan.configured_ports({}, 2, 2)
    text = "\n".join(plan.describe(ports, LAYOUT))
    assert "http://127.0.0.1:8000" in text
    for _, port in ports.named():
        assert str(port) in text
    assert "/srv/var/cluster/postgres" in text and "/srv/var/cluster/logs" in text
