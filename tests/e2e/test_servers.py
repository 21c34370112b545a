"""End to end: the real action server, Rasa server and portal page on loopback ports.

Questions go over HTTP exactly as the portal sends them; the expected facts are read from the
same database the servers use, never written into the test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest
import requests
import yaml

from assistant.catalog.importer import import_catalog
from assistant.catalog.service import CatalogService
from assistant.channels.rest import APOLOGY, EMPTY_PROMPT
from assistant.db.migrate import upgrade
from assistant.modelstore import current_model
from assistant.settings import PROJECT_ROOT, get_settings

pytestmark = pytest.mark.e2e

SEED = PROJECT_ROOT / "data" / "catalog" / "seed.yml"
NATIONAL = get_settings().national_catalog
RESPONSES = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:4]} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(url)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    model = current_model()
    if model is None:
        pytest.fail("no trained model for the current data: run `make model` first")
    workdir = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{workdir / 'e2e.db'}"
    upgrade(database_url)
    # As `make run` does: the whole national snapshot, then the curated seed over it.
    assert import_catalog(NATIONAL, database_url).imported >= 2642
    import_catalog(SEED, database_url)
    ports = {name: free_port() for name in ("actions", "rasa", "web")}
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "ACTION_SERVER_URL": f"http://127.0.0.1:{ports['actions']}/webhook",
        "RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
        "WEB_PORT": str(ports["web"]),
        "PYTHONPATH": str(PROJECT_ROOT),
        "REPLY_TIMEOUT": "10",
    }
    logs = {name: open(workdir / f"{name}.log", "w") for name in ports}
    commands = {
        "actions": [
            sys.executable,
            "-m",
            "rasa_sdk",
            "--actions",
            "actions",
            "--port",
            str(ports["actions"]),
        ],
        "rasa": [
            sys.executable,
            "-m",
            "rasa",
            "run",
            "--model",
            str(model),
            "--port",
            str(ports["rasa"]),
            "--interface",
            "127.0.0.1",
            "--credentials",
            "credentials.yml",
            "--endpoints",
            "endpoints.yml",
        ],
        "web": [sys.executable, "-m", "assistant.cli", "web"],
    }
    processes = {
        name: subprocess.Popen(
            cmd, cwd=PROJECT_ROOT, env=env, stdout=logs[name], stderr=subprocess.STDOUT
        )
        for name, cmd in commands.items()
    }
    try:
        wait_for(f"http://127.0.0.1:{ports['actions']}/health", processes["actions"])
        wait_for(f"http://127.0.0.1:{ports['rasa']}/webhooks/rest/", processes["rasa"])
        wait_for(f"http://127.0.0.1:{ports['web']}/health", processes["web"])
        yield {
            "ports": ports,
            "processes": processes,
            "catalog": CatalogService(database_url),
            "logs": workdir,
        }
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs.values():
            log.close()


def ask(servers, text, sender: str = "e2e-user", raw: bytes | None = None) -> requests.Response:
    url = f"http://127.0.0.1:{servers['ports']['rasa']}/webhooks/rest/webhook"
    if raw is not None:
        return requests.post(
            url, data=raw, headers={"Content-Type": "application/json"}, timeout=30
        )
    return requests.post(url, json={"sender": sender, "message": text}, timeout=30)


def texts(response: requests.Response) -> List[str]:
    assert response.status_code == 200, response.text
    return [m.get("text", "") for m in response.json()]


def record_for(servers, query: str):
    resolution = servers["catalog"].resolve(query)
    assert resolution.kind == "match", (query, resolution)
    return servers["catalog"].get(resolution.code)


def test_documents_as_a_numbered_list_with_counts_and_source(servers):
    record = record_for(servers, "đăng ký khai sinh")
    [answer] = texts(ask(servers, "Làm giấy khai sinh cho con cần giấy tờ gì?", "citizen-1"))
    assert answer.startswith(f"Hồ sơ thủ tục {record.name} gồm:")
    first = record.documents[0]
    assert f"1. {' '.join(first.name.split())[:40]}" in answer
    if first.originals:
        assert f"{first.originals} bản chính" in answer
    assert answer.rstrip().endswith(record.source_url)


def test_follow_up_keeps_the_procedure(servers):
    record = record_for(servers, "đăng ký khai sinh")
    texts(ask(servers, "Làm giấy khai sinh cho con cần giấy tờ gì?", "citizen-2"))
    [answer] = texts(ask(servers, "còn lệ phí thì sao?", "citizen-2"))
    assert answer.startswith(f"Lệ phí thủ tục {record.name}:")


@pytest.mark.parametrize(
    "question, procedure, heading, fact",
    [
        (
            "Lệ phí cấp phiếu lý lịch tư pháp bao nhiêu?",
            "cấp phiếu lý lịch tư pháp",
            "Lệ phí thủ tục",
            lambda r: r.channels[0].fee_text,
        ),
        (
            "đăng ký kết hôn mất bao lâu",
            "đăng ký kết hôn",
            "Thời gian giải quyết thủ tục",
            lambda r: r.channels[0].processing_time_text,
        ),
        (
            "nộp hồ sơ đăng ký hộ kinh doanh ở đâu",
            "đăng ký thành lập hộ kinh doanh",
            "Nơi nộp hồ sơ thủ tục",
            lambda r: r.agencies[0] if r.agencies else r.reception_address,
        ),
        (
            "thủ tục làm sổ đỏ như thế nào",
            "sổ đỏ",
            "Thủ tục",
            lambda r: r.steps[0],
        ),
    ],
)
def test_issue_questions_are_answered_from_the_database(
    servers, question, procedure, heading, fact
):
    record = record_for(servers, procedure)
    [answer] = texts(ask(servers, question, f"citizen-{abs(hash(question))}"))
    assert answer.startswith(f"{heading} {record.name}")
    assert " ".join(fact(record).split())[:60] in answer
    assert answer.rstrip().endswith(f"Nguồn: {record.source_url}")


def test_ambiguous_name_offers_buttons_and_a_button_answers(servers):
    [reply] = ask(servers, "khai sinh cần giấy tờ gì", "citizen-buttons").json()
    assert 3 <= len(reply["buttons"]) <= 5
    payload = reply["buttons"][0]["payload"]
    code = payload.split('"procedure_code":"')[1].split('"')[0]
    record = servers["catalog"].get(code)
    assert "cấp xã" in record.level.lower()
    [answer] = texts(ask(servers, payload, "citizen-buttons"))
    assert answer.startswith(f"Hồ sơ thủ tục {record.name} gồm:")


@pytest.mark.parametrize(
    "message, response",
    [
        ("xin chào", "utter_greet"),
        ("cảm ơn bạn nhiều", "utter_thank"),
        ("tạm biệt nhé", "utter_goodbye"),
        ("bạn là robot à", "utter_iamabot"),
        ("giá vàng hôm nay bao nhiêu", "utter_out_of_scope"),
    ],
)
def test_small_talk(servers, message, response):
    assert texts(ask(servers, message, f"talk-{response}")) == [RESPONSES[response][0]["text"]]


@pytest.mark.parametrize(
    "message",
    [
        "😀😀😀",
        "<script>alert('x')</script><img src=x onerror=alert(1)>",
        "'; DROP TABLE procedures; --",
        pytest.param("a" * 5000, id="5000-chars"),
        pytest.param("thủ tục " * 700, id="repeated-words"),
        "\u0000\u200b\ufeff",
    ],
)
def test_bad_input_gets_a_polite_reply(servers, message):
    replies = texts(ask(servers, message, "odd-input"))
    assert replies and all(r.strip() for r in replies)
    assert replies != [APOLOGY]  # answered by the bot, not by the failure path


def test_empty_message_gets_a_prompt(servers):
    assert texts(ask(servers, "   ", "empty")) == [EMPTY_PROMPT]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"sender": "x"}', b'{"sender": 5, "message": 7}', b"\xff\xfe\x00"],
)
def test_malformed_requests_get_400(servers, body):
    response = ask(servers, None, raw=body)
    if body == b'{"sender": "x"}':
        assert response.status_code == 200 and response.json()[0]["text"] == EMPTY_PROMPT
    else:
        assert response.status_code == 400
        assert "không hợp lệ" in response.json()["message"]


def test_portal_page_and_its_chat_proxy(servers):
    base = f"http://127.0.0.1:{servers['ports']['web']}"
    page = requests.get(base + "/", timeout=10)
    assert page.status_code == 200 and 'aria-live="polite"' in page.text
    record = record_for(servers, "đăng ký kết hôn")
    reply = requests.post(
        base + "/api/chat",
        json={"sender": "web-1", "message": "đăng ký kết hôn mất bao lâu"},
        timeout=30,
    )
    assert reply.status_code == 200
    assert record.name in reply.json()[0]["text"]
    assert requests.post(base + "/api/chat", data=b"{oops", timeout=10).status_code == 400


def test_nothing_personal_in_the_logs(servers):
    texts(ask(servers, "số điện thoại của tôi là 0912345678, cccd 079123456789", "pii"))
    for log in Path(servers["logs"]).glob("*.log"):
        content = log.read_text(encoding="utf-8", errors="replace")
        assert "0912345678" not in content and "079123456789" not in content, log.name


def test_action_server_down_gives_an_apology_fast(servers):
    """Runs last in this module: it stops the action server."""
    servers["processes"]["actions"].terminate()
    servers["processes"]["actions"].wait(timeout=15)
    started = time.monotonic()
    replies = texts(ask(servers, "đăng ký kết hôn cần giấy tờ gì", "down"))
    assert time.monotonic() - started < 2.0
    assert replies == [APOLOGY]
