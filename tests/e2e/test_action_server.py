"""The action server, started as `assistant run` starts it, is reachable on loopback only.

rasa-sdk has no authentication: on every interface, anyone on the network could run the
actions (dossier look-ups included) with a forged tracker.
"""

from __future__ import annotations

import fcntl
import os
import socket
import struct
import subprocess
from pathlib import Path

import pytest
import requests

from assistant.settings import PROJECT_ROOT, get_settings
from assistant.startup import server_commands
from tests.e2e.launch import free_port, wait_for

pytestmark = pytest.mark.e2e

SIOCGIFADDR = 0x8915  # Linux ioctl: the IPv4 address of an interface


def non_loopback_addresses() -> list:
    """This machine's IPv4 addresses other than 127.x (none on a loopback-only machine)."""
    found = []
    for _, name in socket.if_nameindex():
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                packed = fcntl.ioctl(
                    probe.fileno(), SIOCGIFADDR, struct.pack("256s", name[:15].encode())
                )
            except OSError:  # no IPv4 address on this interface
                continue
        address = socket.inet_ntoa(packed[20:24])
        if not address.startswith("127."):
            found.append(address)
    return found


def listening_addresses(port: int) -> set:
    """Local addresses of the sockets listening on ``port``, from the kernel's own tables."""
    found = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            # The kernel prints each 32-bit word in host (little-endian) order.
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(socket.inet_ntop(family, raw))
    return found


@pytest.fixture
def action_server(tmp_path, monkeypatch):
    monkeypatch.delenv("ACTION_HOST", raising=False)
    monkeypatch.delenv("SANIC_HOST", raising=False)
    get_settings.cache_clear()
    port = free_port()
    command = server_commands(
        PROJECT_ROOT / "models" / "unused.tar.gz",
        action_port=port,
        rasa_port=free_port(),
        rasa_host="127.0.0.1",
        endpoints=PROJECT_ROOT / "endpoints.yml",
        token=None,
    )["actions"]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'actions.db'}",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    with open(tmp_path / "actions.log", "w") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            wait_for(f"http://127.0.0.1:{port}/health", process)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    get_settings.cache_clear()


def test_the_action_server_listens_on_loopback_only(action_server):
    port = action_server
    assert requests.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
    assert listening_addresses(port) == {"127.0.0.1"}
    for address in non_loopback_addresses():
        with socket.socket() as client, pytest.raises(OSError):
            client.settimeout(3)
            client.connect((address, port))
