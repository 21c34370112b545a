"""The whole cluster on loopback (``make test-cluster``): two Rasa replicas and two action
servers behind nginx, PostgreSQL as database and tracker store, Redis as lock store.

A procedure question, a dossier look-up with verification and a petition go through nginx's
front port;
the conversation is in PostgreSQL, masked; one replica is killed and the next messages are
still answered through nginx; SIGTERM stops everything and no process is left. The phases'
durations are printed (run with -s to see them).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest
import requests

from assistant.channels.rest import APOLOGY
from assistant.cluster import keys, loadcheck, loadgen, plan
from assistant.cluster.harness import (
    descendants,
    gone,
    port_open,
    replica_pid,
    still_running,
    wait_until,
)
from assistant.cluster.loadrun import filed_petitions
from assistant.settings import PROJECT_ROOT

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(1800)]

ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts" / "cluster"
CODE = "000.30.14.H13-251020-0042"
PHONE = "0903111222"
# One conversation: the follow-ups need the procedure kept in the shared tracker store.
CONVERSATION = ["đăng ký kết hôn cần giấy tờ gì", "lệ phí bao nhiêu", "mất bao lâu", "nộp ở đâu"]


def answers(front: str, message: str, sender: str) -> list:
    response = requests.post(
        f"{front}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=60
    )
    assert response.status_code == 200, (response.status_code, response.text[:300])
    texts = [m.get("text", "") for m in response.json()]
    assert texts and APOLOGY not in texts, texts
    return texts


def test_a_cluster_answers_through_nginx_survives_a_dead_replica_and_stops_clean(var_dir):
    from sqlalchemy import create_engine, text

    from assistant.db.session import dispose_engines, session_scope
    from assistant.dossiers.records import DossierRecord
    from assistant.dossiers.repository import DossierRepository
    from assistant.dossiers.statuses import DossierStatus

    timings = {}
    passed = False
    root = var_dir / "cluster"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "TRACKER_STORE_URL", "LOCK_STORE_URL", "TEST_DATABASE_URL")
    }
    env.update(CLUSTER_RASA="2", CLUSTER_ACTIONS="2", PYTHONPATH=str(PROJECT_ROOT))
    output = var_dir / "cluster.out"
    started = time.monotonic()
    with open(output, "wb") as out:
        cluster = subprocess.Popen(
            [sys.executable, "-m", "assistant.cli", "cluster", "run", "--var", str(root),
             "--free-ports"],
            cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    layout = plan.Layout(root)
    try:
        state = wait_until(
            lambda: layout.state.exists() and json.loads(layout.state.read_text()),
            600, "the servers to start", cluster,
        )  # fmt: skip
        timings["database ready, servers started"] = time.monotonic() - started
        ports = state["ports"]
        front = state["url"]
        wait_until(lambda: b"Ready: 2 Rasa replicas" in output.read_bytes(), 900, "Ready", cluster)
        timings["both replicas answering"] = time.monotonic() - started
        printed = output.read_text(errors="replace")
        assert front in printed
        for port in [ports["front"], ports["web"], *ports["rasa"], *ports["actions"]]:
            assert str(port) in printed

        # A procedure question, straight to the replicas and through the portal.
        [reply, *_] = answers(front, CONVERSATION[0], "cluster-procedure")
        assert "Đăng ký kết hôn" in reply and "Nguồn: https://dichvucong.gov.vn" in reply
        question = {"sender": "cluster-portal", "message": "lệ phí cấp phiếu lý lịch tư pháp"}
        portal = requests.post(f"{front}/api/chat", json=question, timeout=60)
        assert portal.status_code == 200 and "lý lịch tư pháp" in portal.json()[0]["text"].lower()

        # A dossier look-up with the phone's last digits.
        secrets = keys.parse(layout.secrets.read_text())
        url = plan.database_url(plan.ports_from_state(ports), secrets)
        with session_scope(url) as session:
            DossierRepository(session).upsert_many(
                [
                    DossierRecord(
                        code=CODE,
                        procedure_name="Đăng ký thường trú",
                        applicant_name="Phạm Quốc Bảo",
                        applicant_phone=PHONE,
                        received_at=datetime.now() - timedelta(days=1),
                        due_at=datetime.now() + timedelta(days=6),
                        status=DossierStatus.RECEIVED,
                        status_text="Đã tiếp nhận",
                    )
                ]
            )
        answers(front, f"tra cứu hồ sơ {CODE}", "cluster-dossier")
        [status, *_] = answers(front, "số cuối là 1222", "cluster-dossier")
        assert "Đã tiếp nhận" in status and "Phạm Q*** B" in status

        # A petition filed through nginx (its turns spread over both replicas), by the load's
        # script: the citizen is told one code, and it is theirs in the database.
        citizen = loadgen.citizens(loadgen.PETITION_EVERY, "e2e")[-1]
        form = [
            loadgen.Turn(text, status=200, replies=answers(front, text, citizen.sender))
            for text in loadgen.petition(citizen)
        ]
        filed = filed_petitions(url, [citizen.sender]).get(citizen.sender, [])
        problems, told = loadcheck.petition_problems(citizen, form, filed)
        assert problems == [] and len(told) == 1 and filed[0]["code"] == told[0]
        stored = json.dumps(loadcheck.tracker_events(url, [citizen.sender]), ensure_ascii=False)
        assert told[0] in stored and "***" in stored  # the name and phone given: masked whole
        assert citizen.name not in stored and citizen.phone not in stored

        # The conversation is in PostgreSQL's tracker store, masked; Redis held its locks.
        engine = create_engine(url, future=True)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"),
                {"s": "cluster-dossier"},
            ).scalars()
            stored = "\n".join(rows)
        engine.dispose()
        assert CODE in stored and "1222" not in stored and "***" in stored
        import redis

        lock_store = redis.Redis(port=ports["redis"], password=secrets["CLUSTER_REDIS_PASSWORD"])
        assert lock_store.info("commandstats")["cmdstat_set"]["calls"] > 0
        lock_store.close()

        # nginx spread the turns over both replicas and both action servers.
        access = (layout.logs / "nginx-access.log").read_text()
        for port in [*ports["rasa"], *ports["actions"]]:
            assert f"upstream=127.0.0.1:{port}" in access
        # /metrics is the portal's own business: not for anyone coming through nginx.
        assert requests.get(f"{front}/metrics").status_code == 403
        # The model switch is the portal's, replica by replica: not reachable through nginx.
        token = secrets["RASA_API_TOKEN"]
        switch = requests.put(f"{front}/webhooks/model_switch/model?token={token}", json={})
        assert switch.status_code == 404
        assert requests.get(f"http://127.0.0.1:{ports['web']}/metrics").status_code == 200

        # Kill a replica: the next messages are answered by the other one.
        # (Once it is gone: a request that reached its socket before it died gets nginx's
        # apology, since nginx does not send a POST twice; tests/cluster/test_load.py.)
        dead = ports["rasa"][0]
        victim = replica_pid(cluster.pid, dead)
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        wait_until(lambda: gone(victim) and not port_open(dead), 10, "the replica to die")
        for question in CONVERSATION:
            before = time.monotonic()
            [reply, *_] = answers(front, question, "after-kill")
            assert "Đăng ký kết hôn" in reply and "Nguồn: https://dichvucong.gov.vn" in reply
            timings.setdefault("first answer after the kill", time.monotonic() - before)
        refused = (layout.nginx / "error.log").read_text()
        assert "Connection refused) while connecting to upstream" in refused
        assert f'upstream: "http://127.0.0.1:{dead}/webhooks/rest/webhook"' in refused
        # The supervisor starts it again; it answers once its model is loaded.
        wait_until(lambda: port_open(dead), 600, "the killed replica to come back", cluster)
        timings["killed replica listening again"] = time.monotonic() - killed
        assert "rasa-1 restarted" in output.read_text(errors="replace")

        # SIGTERM stops everything: supervised servers, nginx, Redis, PostgreSQL.
        dispose_engines()
        postgres_pid = int((layout.postgres / "postmaster.pid").read_text().split()[0])
        processes = {**descendants(cluster.pid), **descendants(postgres_pid)}
        assert len(processes) >= 10  # 2 + 2 servers, portal, nginx + worker, redis, postgres …
        stopping = time.monotonic()
        cluster.send_signal(signal.SIGTERM)
        assert cluster.wait(timeout=120) == 0
        timings["stop (SIGTERM to exit)"] = time.monotonic() - stopping
        wait_until(lambda: not still_running(processes), 15, "the processes to go")
        assert not still_running(processes)
        for name, port in plan.ports_from_state(ports).named():
            assert not port_open(port), name
        assert not (layout.postgres / "postmaster.pid").exists()
        assert "database system is shut down" in (layout.log("postgres")).read_text()
        assert not layout.state.exists()
        assert output.read_text(errors="replace").rstrip().endswith("Cluster stopped")
        passed = True
    finally:
        if cluster.poll() is None:
            cluster.send_signal(signal.SIGTERM)
            try:
                cluster.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(cluster.pid, signal.SIGKILL)
        print("\n" + "\n".join(f"{name}: {seconds:.1f} s" for name, seconds in timings.items()))
        if not passed:  # the logs outlive the temporary directory
            keep = ARTIFACTS / time.strftime("%Y%m%d-%H%M%S")
            shutil.copytree(layout.logs, keep, dirs_exist_ok=True)
            for path in (output, layout.nginx / "error.log"):
                if path.exists():
                    shutil.copy(path, keep / path.name)
            print(f"logs kept in {keep}")
