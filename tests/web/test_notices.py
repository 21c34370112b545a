"""Petition updates pushed to Zalo and Messenger (assistant/web/notices.py): what is due goes
to Rasa as a bot message and is marked sent; a failure stops the round and keeps the rest."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any, Dict, List, Tuple

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from assistant.audit import utcnow
from assistant.db.models import PetitionNotification
from assistant.db.session import session_scope
from assistant.handoff.rasa_api import RasaConversations, RasaUnavailable
from assistant.petitions.service import PetitionService
from assistant.settings import get_settings
from assistant.web import notices
from assistant.web.notices import send_due
from assistant.web.server import create_app
from tests.petitions.factory import submit


class FakeRasa:
    """Records each bot message; the calls numbered in ``failing`` raise RasaUnavailable."""

    usable = True

    def __init__(self, failing: Tuple[int, ...] = ()) -> None:
        self.calls: List[Tuple[str, str, str, Dict[str, Any]]] = []
        self.failing = failing

    async def append_bot_message(self, conversation_id, channel, text, metadata) -> None:
        self.calls.append((conversation_id, channel, text, metadata))
        if len(self.calls) in self.failing:
            raise RasaUnavailable("HTTP 502")


@pytest.fixture
def service(database_url) -> PetitionService:
    return PetitionService()


def notifications() -> List[Tuple[int, str, str, bool]]:
    with session_scope() as session:
        rows = session.scalars(select(PetitionNotification).order_by(PetitionNotification.id))
        return [(n.id, n.conversation_id, n.status, n.sent_at is not None) for n in rows]


def received(service: PetitionService, code: str) -> None:
    service.change_status(code, "da_tiep_nhan", "lan")


async def test_nothing_due_nothing_sent(service):
    submit(service)  # no change yet: nothing to tell
    rasa = FakeRasa()
    assert await send_due(rasa, service) == 0 and rasa.calls == []


async def test_a_due_update_is_pushed_once_and_marked_sent(service):
    code = submit(service)["code"]  # zalo-100, who has just written
    received(service, code)
    [(notice_id, _, status, _)] = notifications()
    assert status == "pending"
    rasa = FakeRasa()
    assert await send_due(rasa, service) == 1
    [(conversation, channel, said, metadata)] = rasa.calls
    assert (conversation, channel, metadata) == ("zalo-100", "zalo", {"petition_notice": notice_id})
    assert said.startswith(f"Thông báo: Phản ánh {code} (Chiếu sáng) đã được tiếp nhận")
    assert notifications() == [(notice_id, "zalo-100", "sent", True)]
    assert await send_due(rasa, service) == 0 and len(rasa.calls) == 1
    assert service.pending_notifications("zalo-100") == []  # not told a second time


async def test_the_widget_is_never_pushed_its_update_waits_for_the_visit(service):
    code = submit(service, sender_id="web-1", channel="rest")["code"]
    received(service, code)
    rasa = FakeRasa()
    assert await send_due(rasa, service) == 0 and rasa.calls == []
    assert [n[2] for n in notifications()] == ["pending"]
    assert len(service.pending_notifications("web-1")) == 1


async def test_only_a_citizen_who_wrote_recently_is_pushed(service):
    long_ago = utcnow() - timedelta(hours=30)  # past Messenger's 24 hours
    code = submit(service, sender_id="fb-1", channel="facebook", now=long_ago)["code"]
    received(service, code)
    rasa = FakeRasa()
    assert await send_due(rasa, service) == 0 and rasa.calls == []
    service.seen("fb-1")  # the citizen writes again
    assert await send_due(rasa, service) == 1
    assert [(c[0], c[1]) for c in rasa.calls] == [("fb-1", "facebook")]
    assert [n[2] for n in notifications()] == ["sent"]


async def test_a_failure_stops_the_round_and_keeps_the_rest_pending(service):
    first = submit(service)["code"]
    second = submit(service, sender_id="fb-2", channel="facebook")["code"]
    received(service, first)
    service.reply(first, "Đã giao Công ty Chiếu sáng kiểm tra.", "lan")
    received(service, second)
    ids = [n[0] for n in notifications()]
    rasa = FakeRasa(failing=(2,))
    assert await send_due(rasa, service) == 1
    assert len(rasa.calls) == 2  # the third was not tried
    assert [c[3]["petition_notice"] for c in rasa.calls] == ids[:2]
    assert [n[2] for n in notifications()] == ["sent", "pending", "pending"]
    retry = FakeRasa()
    assert await send_due(retry, service) == 2
    assert [(c[0], c[3]["petition_notice"]) for c in retry.calls] == [
        ("zalo-100", ids[1]),
        ("fb-2", ids[2]),
    ]
    assert retry.calls[0][2] == (
        f"Thông báo: Cơ quan chức năng đã trả lời phản ánh {first} (Chiếu sáng): "
        "Đã giao Công ty Chiếu sáng kiểm tra."
    )
    assert [n[2:] for n in notifications()] == [("sent", True)] * 3


async def test_a_failure_on_the_first_sends_nothing(service):
    received(service, submit(service)["code"])
    rasa = FakeRasa(failing=(1,))
    assert await send_due(rasa, service) == 0 and len(rasa.calls) == 1
    assert [n[2:] for n in notifications()] == [("pending", False)]


# --- with Rasa's HTTP API (a fake server) -------------------------------------------------


@pytest.fixture
async def fake_rasa():
    """A stand-in for Rasa's API: records each call; answers ``state["status"]``."""
    state: Dict[str, Any] = {"status": 200, "calls": []}

    async def events(request: web.Request) -> web.Response:
        state["calls"].append(
            (request.match_info["conversation"], dict(request.query), await request.json())
        )
        return web.json_response({}, status=state["status"])

    app = web.Application()
    app.router.add_post("/conversations/{conversation}/tracker/events", events)
    server = TestServer(app)
    await server.start_server()
    state["url"] = str(server.make_url("")).rstrip("/")
    yield state
    await server.close()


async def test_through_rasas_api_a_refusal_keeps_the_update(service, fake_rasa):
    code = submit(service)["code"]
    received(service, code)
    [(notice_id, *_)] = notifications()
    async with TestClient(TestServer(web.Application())) as client:
        rasa = RasaConversations(client.session, fake_rasa["url"], "secret-token")
        fake_rasa["status"] = 502
        assert await send_due(rasa, service) == 0
        assert [n[2] for n in notifications()] == ["pending"]
        fake_rasa["status"] = 200
        assert await send_due(rasa, service) == 1
    conversation, query, body = fake_rasa["calls"][-1]
    assert conversation == "zalo-100"
    assert query == {
        "execute_side_effects": "true",
        "output_channel": "zalo",
        "include_events": "NONE",
        "token": "secret-token",
    }
    assert body[0]["event"] == "bot" and body[0]["metadata"] == {"petition_notice": notice_id}
    assert body[0]["text"].startswith(f"Thông báo: Phản ánh {code}")
    assert [n[2] for n in notifications()] == ["sent"]


async def test_the_portal_pushes_in_the_background(service, fake_rasa, monkeypatch):
    monkeypatch.setenv("RASA_API_TOKEN", "secret-token")
    monkeypatch.setattr(notices, "EVERY", 0.02)
    get_settings.cache_clear()
    code = submit(service)["code"]
    received(service, code)
    client = TestClient(TestServer(create_app(rasa_url=fake_rasa["url"])))
    await client.start_server()
    try:
        for _ in range(250):
            if [n[2] for n in notifications()] == ["sent"]:
                break
            await asyncio.sleep(0.02)
    finally:
        await client.close()
        get_settings.cache_clear()
    pushed = [c for c in fake_rasa["calls"] if c[2][0]["text"].startswith("Thông báo:")]
    assert len(pushed) == 1 and pushed[0][0] == "zalo-100"
    assert [n[2] for n in notifications()] == ["sent"]


async def test_without_an_api_token_the_portal_pushes_nothing(service, fake_rasa, monkeypatch):
    monkeypatch.setenv("RASA_API_TOKEN", "")
    monkeypatch.setattr(notices, "EVERY", 0.01)
    get_settings.cache_clear()
    received(service, submit(service)["code"])
    client = TestClient(TestServer(create_app(rasa_url=fake_rasa["url"])))
    await client.start_server()
    try:
        await asyncio.sleep(0.3)  # many rounds
    finally:
        await client.close()
        get_settings.cache_clear()
    assert fake_rasa["calls"] == [] and [n[2] for n in notifications()] == ["pending"]
