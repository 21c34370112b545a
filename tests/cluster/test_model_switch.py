"""A model switch reaches every replica (``make test-cluster``).

An admin makes another model live in the staff app, through nginx, while a citizen keeps
asking: both replicas report the new model, the citizen is answered throughout, and a
replica killed afterwards comes back with the new model, not the one the cluster started
with.
"""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest
import requests

from assistant.channels.rest import APOLOGY
from assistant.cluster.harness import ClusterProcess, gone, wait_until
from assistant.settings import get_settings
from tests.e2e.desk_client import form_csrf, staff_login

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(1800)]

ADMIN, PASSWORD = "quantri", "mat-khau-quan-tri-2026"


def served(port: int, token: str) -> str | None:
    """The model file a replica serves (Rasa's /status), None while it does not answer."""
    try:
        reply = requests.get(f"http://127.0.0.1:{port}/status", params={"token": token}, timeout=5)
    except requests.RequestException:
        return None
    return reply.json().get("model_file") if reply.status_code == 200 else None


class Citizen(threading.Thread):
    """Asks the same question through nginx until told to stop; keeps what came back."""

    def __init__(self, front: str) -> None:
        super().__init__(daemon=True)
        self.front, self.stop, self.replies = front, threading.Event(), []

    def run(self) -> None:
        turn = 0
        while not self.stop.is_set():
            turn += 1
            body = {"sender": f"during-switch-{turn}", "message": "đăng ký kết hôn cần gì"}
            try:
                reply = requests.post(f"{self.front}/webhooks/rest/webhook", json=body, timeout=90)
                texts = [m.get("text", "") for m in reply.json()] if reply.ok else []
                self.replies.append((reply.status_code, texts))
            except requests.RequestException as error:
                self.replies.append((0, [type(error).__name__]))
            time.sleep(0.5)


@pytest.fixture
def cluster(var_dir):
    """Two replicas and one action server, started and stopped around the test."""
    running = ClusterProcess(var_dir, replicas=2, action_servers=1)
    try:
        running.start()
        yield running
    finally:
        running.stop()


def test_an_admin_switch_reaches_every_replica_and_a_restarted_one_keeps_it(cluster):
    from assistant.db.session import dispose_engines, session_scope
    from assistant.staff.repository import StaffRepository
    from assistant.training.registry import ModelRegistry

    front, ports = cluster.front, cluster.ports
    token = cluster.secrets["RASA_API_TOKEN"]
    started_with = served(ports["rasa"][0], token)
    assert started_with and served(ports["rasa"][1], token) == started_with

    # Another accepted model: the same weights under another name (training takes minutes).
    models = get_settings().models_dir
    source = next(p for p in models.glob("*.tar.gz") if p.name == started_with)
    other = models / f"candidate-switch-test-{os.getpid()}.tar.gz"
    shutil.copy(source, other)
    try:
        with session_scope(cluster.database_url) as session:
            StaffRepository(session).add_user("test", ADMIN, PASSWORD, "admin")
            version = ModelRegistry(session).register(
                other, "switch-test", None, "archived", "Mô hình thử chuyển đổi.", "test"
            )
            version_id = version.id
        dispose_engines()

        staff = staff_login(front, ADMIN, PASSWORD)
        page = staff.get(f"{front}/admin/models", timeout=30)
        citizen = Citizen(front)
        citizen.start()
        began = time.monotonic()
        done = staff.post(
            f"{front}/admin/models/{version_id}/activate",
            data={"csrf_token": form_csrf(page.text)},
            timeout=600,
        )
        switch_seconds = time.monotonic() - began
        time.sleep(2)
        citizen.stop.set()
        citizen.join(timeout=120)

        assert done.status_code == 200, done.text[:300]
        assert f"Đã chuyển sang mô hình {other.name}" in done.text
        assert "chưa nạp được ngay" not in done.text  # every replica took it
        assert [served(port, token) for port in ports["rasa"]] == [other.name, other.name]
        # The citizen was answered all along: no 5xx, no silence, no apology.
        assert citizen.replies, "the citizen asked nothing during the switch"
        for status, texts in citizen.replies:
            assert status == 200 and texts and APOLOGY not in texts, (status, texts)
            assert "Đăng ký kết hôn" in texts[0]

        # A replica started again loads the live model, not the cluster's first one.
        port = ports["rasa"][1]
        victim = cluster.kill_replica(1)
        wait_until(lambda: gone(victim), 10, "the replica to die")
        wait_until(lambda: served(port, token), 600, "the replica to come back")
        assert served(port, token) == other.name
        print(
            f"\nswitch of 2 replicas: {switch_seconds:.1f} s, "
            f"{len(citizen.replies)} citizen turns answered meanwhile"
        )
    finally:
        other.unlink(missing_ok=True)
