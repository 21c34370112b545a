"""The live desk's pump (assistant/handoff/pump.py) against a throw-away database: new messages
to the citizen's widget and the staff pages, queue snapshots, staff messages handed to Rasa
(retried), waiting conversations expired and ended ones resumed. Rasa is a fake object that
records its calls, or a fake Rasa on an aiohttp test server for the real HTTP client."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from assistant import audit
from assistant.db.models import Handoff, HandoffMessage
from assistant.db.session import session_scope
from assistant.handoff import pump as pump_module
from assistant.handoff import rasa_api
from assistant.handoff.live import TAKEN, LiveDesk
from assistant.handoff.pump import DeskPump, for_citizen, for_staff
from assistant.handoff.rasa_api import RasaConversations, RasaUnavailable
from assistant.handoff.relay import HUMAN_AGENT

CLOSING = [
    {"recipient_id": "web-1", "text": "Trợ lý ảo đã trở lại, Anh/Chị cần gì cứ hỏi ạ."},
    {
        "recipient_id": "web-1",
        "text": "Anh/Chị đánh giá cuộc trò chuyện?",
        "buttons": [{"title": "Hài lòng", "payload": "/rate_up"}],
    },
]


class FakeRasa:
    """Stands in for RasaConversations: records successful calls, fails when told to."""

    def __init__(self, usable: bool = True) -> None:
        self.usable = usable
        self.calls = []
        self.fail_appends = 0
        self.fail_actions = 0
        self.attempts = 0
        self.replies = CLOSING

    async def append_bot_message(self, conversation_id, channel, text, metadata) -> None:
        self.attempts += 1
        if self.fail_appends:
            self.fail_appends -= 1
            raise RasaUnavailable("HTTP 503")
        self.calls.append(("append", conversation_id, channel, text, metadata))

    async def run_action(self, conversation_id, channel, action):
        self.attempts += 1
        if self.fail_actions:
            self.fail_actions -= 1
            raise RasaUnavailable("ClientConnectorError")
        self.calls.append(("action", conversation_id, channel, action))
        return [dict(m) for m in self.replies]


@pytest.fixture
def desk(database_url):
    return LiveDesk()


@pytest.fixture
def rasa():
    return FakeRasa()


@pytest.fixture
def pump(desk, rasa):
    return DeskPump(rasa, desk)


def drain(queue: asyncio.Queue) -> list:
    events = []
    while not queue.empty():
        events.append(queue.get_nowait())
    return events


def messages(events) -> list:
    return [data for name, data in events if name == "message"]


def queues(events) -> list:
    return [data for name, data in events if name == "queue"]


def rows(handoff_id: int):
    with session_scope() as session:
        query = select(HandoffMessage).where(HandoffMessage.handoff_id == handoff_id)
        return [
            {
                "direction": row.direction,
                "text": row.text,
                "outgoing": row.outgoing,
                "delivered": row.delivered_at is not None,
                "data": row.data,
            }
            for row in session.scalars(query.order_by(HandoffMessage.id))
        ]


def handoff(handoff_id: int) -> Handoff:
    with session_scope() as session:
        row = session.get(Handoff, handoff_id)
        session.expunge(row)
        return row


# --- the two copies of a message ------------------------------------------------------------


def test_the_staff_copy_has_neither_the_channel_id_nor_the_as_typed_words():
    message = {
        "id": 3,
        "direction": "out",
        "text": "gọi ****",
        "deliver": "gọi 0912345678",
        "conversation_id": "zalo-123",
        "channel": "zalo",
        "status": "active",
    }
    assert for_staff(message) == {
        "id": 3,
        "direction": "out",
        "text": "gọi ****",
        "channel": "zalo",
        "status": "active",
    }
    assert "deliver" in message and "conversation_id" in message  # the original is untouched


def test_the_citizen_copy_has_the_as_typed_words():
    staff = {"id": 3, "direction": "out", "text": "gọi ****", "deliver": "gọi 0912345678"}
    assert for_citizen({**staff, "status": "active"}) == {
        "id": 3,
        "who": "staff",
        "text": "gọi 0912345678",
        "buttons": [],
        "state": "active",
        "end": False,
    }
    bot = {"id": 4, "direction": "bot", "text": "Đánh giá?", "buttons": [{"title": "👍"}]}
    assert for_citizen({**bot, "last": True}) == {
        "id": 4,
        "who": "bot",
        "text": "Đánh giá?",
        "buttons": [{"title": "👍"}],
        "state": "",
        "end": True,
    }
    # Once the as-typed copy is forgotten, the masked text is what is left.
    assert for_citizen({**staff, "deliver": None})["text"] == "gọi ****"


# --- dispatch -------------------------------------------------------------------------------


async def test_a_staff_message_reaches_its_citizen_as_typed_and_the_staff_masked(desk, pump):
    place = desk.enqueue("web-1", "rest")
    desk.enqueue("web-2", "rest")
    desk.take(place.handoff_id, "lan")
    desk.say(place.handoff_id, "lan", "Anh/Chị gọi 0292 3812 345 nhé")
    citizen, other, staff = (
        pump.subscribe_citizen("web-1"),
        pump.subscribe_citizen("web-2"),
        pump.subscribe_staff(),
    )
    await pump._dispatch()

    greeting, words = messages(drain(citizen))
    assert greeting["who"] == "staff" and greeting["text"] == TAKEN
    assert words["who"] == "staff" and words["text"] == "Anh/Chị gọi 0292 3812 345 nhé"
    assert words["state"] == "active" and words["end"] is False
    assert drain(other) == []

    events = drain(staff)
    seen = messages(events)
    assert [m["text"] for m in seen][0] == TAKEN
    assert "3812" not in seen[1]["text"] and seen[1]["text"].startswith("Anh/Chị gọi ")
    for message in seen:
        assert "conversation_id" not in message and "deliver" not in message
        assert message["handoff_id"] == place.handoff_id and message["author"] == "lan"
    assert len(queues(events)) == 1  # and the queue, since messages came in


async def test_a_citizens_message_goes_to_the_staff_pages_only(desk, pump):
    place = desk.enqueue("web-1", "rest")
    desk.relay("web-1", "số của tôi là 0912345678")
    citizen, staff = pump.subscribe_citizen("web-1"), pump.subscribe_staff()
    await pump._dispatch()
    assert drain(citizen) == []
    [seen] = messages(drain(staff))
    assert seen["direction"] == "in" and seen["handoff_id"] == place.handoff_id
    assert "0912345678" not in seen["text"] and "conversation_id" not in seen


async def test_every_subscriber_of_a_conversation_gets_a_copy(desk, pump):
    place = desk.enqueue("web-1", "rest")
    first, second = pump.subscribe_citizen("web-1"), pump.subscribe_citizen("web-1")
    desk.take(place.handoff_id, "lan")
    await pump._dispatch()
    assert [m["text"] for m in messages(drain(first))] == [TAKEN]
    assert [m["text"] for m in messages(drain(second))] == [TAKEN]


async def test_each_message_is_dispatched_once(desk, pump):
    place = desk.enqueue("web-1", "rest")
    citizen, staff = pump.subscribe_citizen("web-1"), pump.subscribe_staff()
    desk.take(place.handoff_id, "lan")
    await pump._dispatch()
    assert len(messages(drain(citizen))) == 1 and len(messages(drain(staff))) == 1
    await pump._dispatch()
    assert drain(citizen) == [] and drain(staff) == []
    desk.say(place.handoff_id, "lan", "Chào Anh/Chị")
    await pump._dispatch()
    assert [m["text"] for m in messages(drain(citizen))] == ["Chào Anh/Chị"]
    stored = desk.conversation(place.handoff_id)["desk_messages"]
    assert pump.last_id == max(row["id"] for row in stored)


async def test_an_unsubscribed_widget_gets_nothing_more(desk, pump):
    place = desk.enqueue("web-1", "rest")
    queue = pump.subscribe_citizen("web-1")
    pump.unsubscribe_citizen("web-1", queue)
    assert "web-1" not in pump.citizens
    staff = pump.subscribe_staff()
    pump.unsubscribe_staff(staff)
    desk.take(place.handoff_id, "lan")
    await pump._dispatch()
    assert drain(queue) == [] and drain(staff) == []


async def test_a_subscriber_that_does_not_read_loses_events_without_stopping_others(
    desk, pump, monkeypatch, caplog
):
    monkeypatch.setattr(pump_module, "QUEUE_SIZE", 1)
    place = desk.enqueue("web-1", "rest")
    stuck, reader = pump.subscribe_citizen("web-1"), pump.subscribe_citizen("web-1")
    stuck.put_nowait(("message", {"id": 0}))  # never read
    desk.take(place.handoff_id, "lan")
    with caplog.at_level(logging.WARNING, logger="assistant.handoff.pump"):
        await pump._dispatch()
    assert "event dropped" in caplog.text
    assert drain(stuck) == [("message", {"id": 0})]
    assert reader.maxsize == 1 and [m["text"] for m in messages(drain(reader))] == [TAKEN]


# --- queue snapshots ------------------------------------------------------------------------


async def test_the_staff_pages_get_the_queue_when_it_changes(desk, pump):
    staff = pump.subscribe_staff()
    first = desk.enqueue("web-1", "rest", {"procedure_code": "1.001"})
    await pump._dispatch()
    [snapshot] = queues(drain(staff))
    [entry] = snapshot
    assert entry["id"] == first.handoff_id and entry["status"] == "waiting"
    assert entry["context"] == {"procedure_code": "1.001"} and entry["messages"] == 0
    assert "conversation_id" not in entry and entry["channel"] == "rest"

    await pump._dispatch()
    assert drain(staff) == []  # nothing changed

    second = desk.enqueue("zalo-2", "zalo")
    await pump._dispatch()
    [snapshot] = queues(drain(staff))
    assert [entry["id"] for entry in snapshot] == [first.handoff_id, second.handoff_id]

    desk.close(first.handoff_id, "lan")  # no message: only the queue changed
    await pump._dispatch()
    events = drain(staff)
    assert messages(events) == []
    assert [[entry["id"] for entry in snapshot] for snapshot in queues(events)] == [
        [second.handoff_id]
    ]


async def test_the_queue_snapshot_shows_the_last_message_without_the_channel_id(desk, pump):
    staff = pump.subscribe_staff()
    place = desk.enqueue("web-1", "rest")
    desk.relay("web-1", "tôi chờ lâu quá")
    await pump._dispatch()
    [snapshot] = queues(drain(staff))
    assert snapshot[0]["messages"] == 1
    assert snapshot[0]["last"]["text"] == "tôi chờ lâu quá"
    assert snapshot[0]["last"]["handoff_id"] == place.handoff_id
    assert "conversation_id" not in snapshot[0]["last"]


async def test_without_staff_pages_no_queue_is_built(desk, rasa):
    class CountingDesk(LiveDesk):
        built = 0

        def queue(self, now=None):
            CountingDesk.built += 1
            return super().queue(now)

    pump = DeskPump(rasa, CountingDesk())
    desk.enqueue("web-1", "rest")
    await pump._dispatch()
    assert CountingDesk.built == 0
    pump.subscribe_staff()
    desk.enqueue("web-2", "rest")
    await pump._dispatch()
    assert CountingDesk.built == 1


# --- delivery to Rasa -----------------------------------------------------------------------


async def test_staff_messages_are_handed_to_rasa_once_as_typed(desk, pump, rasa):
    place = desk.enqueue("zalo-1", "zalo")
    desk.take(place.handoff_id, "lan")
    desk.say(place.handoff_id, "lan", "gọi 0292 3812 345 nhé")
    await pump.step()
    metadata = {"staff": "lan", "desk": place.handoff_id}
    assert rasa.calls == [
        ("append", "zalo-1", "zalo", TAKEN, metadata),
        ("append", "zalo-1", "zalo", "gọi 0292 3812 345 nhé", metadata),
    ]
    stored = rows(place.handoff_id)
    assert all(row["delivered"] for row in stored)
    assert stored[1]["outgoing"] == "gọi 0292 3812 345 nhé"  # kept until the end
    await pump.step()
    assert len(rasa.calls) == 2


async def test_a_failed_delivery_is_retried_after_a_pause(desk, pump, rasa, monkeypatch):
    monkeypatch.setattr(pump_module, "RETRY_AFTER", 0.3)
    place = desk.enqueue("web-1", "rest")
    desk.take(place.handoff_id, "lan")
    rasa.fail_appends = 1
    await pump.step()
    assert rasa.calls == [] and rasa.attempts == 1
    assert rows(place.handoff_id)[0]["delivered"] is False
    await pump.step()
    assert rasa.attempts == 1  # not yet due
    await asyncio.sleep(0.35)
    await pump.step()
    assert [call[3] for call in rasa.calls] == [TAKEN]
    assert rows(place.handoff_id)[0]["delivered"] is True
    assert pump._retry_at == {}


async def test_one_failing_message_does_not_hold_back_the_others(desk, pump, rasa):
    first = desk.enqueue("web-1", "rest")
    second = desk.enqueue("web-2", "rest")
    desk.take(first.handoff_id, "lan")
    desk.take(second.handoff_id, "minh")
    rasa.fail_appends = 1  # the first one tried
    await pump.step()
    assert [(call[1], call[4]["staff"]) for call in rasa.calls] == [("web-2", "minh")]
    assert rows(first.handoff_id)[0]["delivered"] is False
    assert rows(second.handoff_id)[0]["delivered"] is True


async def test_after_a_day_of_citizen_silence_the_message_carries_the_human_agent_tag(
    desk, pump, rasa
):
    silent = desk.enqueue("fb-1", "facebook", now=audit.utcnow() - timedelta(hours=25))
    talking = desk.enqueue("fb-2", "facebook", now=audit.utcnow() - timedelta(hours=25))
    desk.relay("fb-2", "tôi vẫn ở đây")
    desk.take(silent.handoff_id, "lan")
    desk.take(talking.handoff_id, "lan")
    await pump.step()
    tags = {call[1]: call[4].get("messaging_tag") for call in rasa.calls}
    assert tags == {"fb-1": HUMAN_AGENT, "fb-2": None}


class StubDelivery:
    """Undelivered messages exactly as the test writes them."""

    def __init__(self, undelivered) -> None:
        self.pending = list(undelivered)
        self.marked = []

    def messages_after(self, after):
        return []

    def signature(self):
        return ()

    def undelivered(self):
        return [m for m in self.pending if m["id"] not in self.marked]

    def delivered(self, message_id):
        self.marked.append(message_id)

    def unresumed(self):
        return []


class StubDesk:
    def expire(self):
        return []

    def queue(self):
        return []


@pytest.mark.parametrize(
    "hours, tagged", [(0.0, False), (23.99, False), (24.0, True), (24.01, True), (None, False)]
)
async def test_the_human_agent_tag_starts_at_twenty_four_hours(rasa, hours, tagged):
    message = {
        "id": 9,
        "handoff_id": 2,
        "author": "lan",
        "conversation_id": "fb-1",
        "channel": "facebook",
        "deliver": "Chào Anh/Chị",
    }
    if hours is not None:
        message["citizen_silent_hours"] = hours
    delivery = StubDelivery([message])
    await DeskPump(rasa, StubDesk(), delivery).step()
    [(_, _, _, _, metadata)] = rasa.calls
    assert metadata == (
        {"staff": "lan", "desk": 2, "messaging_tag": HUMAN_AGENT}
        if tagged
        else {"staff": "lan", "desk": 2}
    )
    assert delivery.marked == [9]


# --- expiry and resume ----------------------------------------------------------------------


async def test_a_conversation_nobody_took_in_time_is_missed_and_offered_the_message_path(
    desk, pump, rasa
):
    rasa.replies = [{"recipient_id": "web-1", "text": "Chưa có cán bộ, Anh/Chị để lại lời nhắn?"}]
    old = desk.enqueue("web-1", "rest", now=audit.utcnow() - timedelta(minutes=6))
    fresh = desk.enqueue("web-2", "rest")
    citizen = pump.subscribe_citizen("web-1")
    await pump.step()
    assert handoff(old.handoff_id).status == "missed"
    assert handoff(fresh.handoff_id).status == "waiting"
    assert rasa.calls == [("action", "web-1", "rest", "action_handoff_timeout")]
    assert handoff(old.handoff_id).resumed_at is not None
    assert pump._wake.is_set()  # the closing message is dispatched at once
    await pump.step()
    [offer] = messages(drain(citizen))
    assert offer["who"] == "bot" and offer["end"] is True and offer["state"] == "missed"
    assert offer["text"].startswith("Chưa có cán bộ")


async def test_expiry_runs_every_few_seconds_only(desk, pump, rasa, monkeypatch):
    long_ago = audit.utcnow() - timedelta(minutes=6)
    await pump.step()
    late = desk.enqueue("web-1", "rest", now=long_ago)
    await pump.step()
    assert handoff(late.handoff_id).status == "waiting"
    monkeypatch.setattr(pump_module, "EXPIRE_EVERY", 0.0)
    await pump.step()
    assert handoff(late.handoff_id).status == "missed"


async def test_an_active_conversation_never_expires(desk, pump):
    place = desk.enqueue("web-1", "rest", now=audit.utcnow() - timedelta(hours=2))
    desk.take(place.handoff_id, "lan")
    await pump.step()
    assert handoff(place.handoff_id).status == "active"


async def test_a_closed_conversation_is_resumed_with_the_closing_messages(desk, pump, rasa):
    place = desk.enqueue("web-1", "rest")
    desk.take(place.handoff_id, "lan")
    desk.say(place.handoff_id, "lan", "Hồ sơ hẹn 0912345678")
    citizen = pump.subscribe_citizen("web-1")
    await pump.step()
    drain(citizen)
    desk.close(place.handoff_id, "lan")
    await pump.step()
    assert rasa.calls[-1] == ("action", "web-1", "rest", "action_handoff_closed")
    assert handoff(place.handoff_id).resumed_at is not None
    stored = rows(place.handoff_id)
    assert [row["outgoing"] for row in stored] == [None, None, None, None]  # forgotten
    assert [row["direction"] for row in stored] == ["out", "out", "bot", "bot"]
    assert stored[3]["data"] == {
        "buttons": [{"title": "Hài lòng", "payload": "/rate_up"}],
        "last": True,
    }
    await pump.step()
    back, rate = messages(drain(citizen))
    assert (back["who"], back["end"], back["text"]) == ("bot", False, CLOSING[0]["text"])
    assert (rate["end"], rate["buttons"]) == (True, CLOSING[1]["buttons"])
    await pump.step()
    assert sum(call[0] == "action" for call in rasa.calls) == 1  # resumed once


async def test_a_resume_on_zalo_without_messages_still_ends_the_widget_stream(desk, pump, rasa):
    rasa.replies = []  # Rasa sent the closing messages on Zalo itself
    place = desk.enqueue("zalo-1", "zalo")
    desk.close(place.handoff_id, "lan")
    citizen = pump.subscribe_citizen("zalo-1")
    await pump.step()
    await pump.step()
    [end] = messages(drain(citizen))
    assert end["text"] == "" and end["end"] is True and end["who"] == "bot"


async def test_a_citizen_who_stopped_waiting_is_resumed_and_the_stream_ends(desk, pump, rasa):
    rasa.replies = []  # action_handoff_closed says nothing to a citizen who gave up
    desk.enqueue("web-1", "rest")
    citizen = pump.subscribe_citizen("web-1")
    assert desk.relay("web-1", "thôi").state == "cancelled"
    await pump.step()
    await pump.step()
    assert [c for c in rasa.calls if c[0] == "action"] == [
        ("action", "web-1", "rest", "action_handoff_closed")
    ]
    [end] = messages(drain(citizen))
    assert end["end"] is True and end["text"] == ""


async def test_a_failed_resume_is_retried_after_a_pause(desk, pump, rasa, monkeypatch):
    monkeypatch.setattr(pump_module, "RETRY_AFTER", 0.3)
    place = desk.enqueue("web-1", "rest")
    desk.close(place.handoff_id, "lan")
    rasa.fail_actions = 1
    await pump.step()
    assert rasa.calls == [] and handoff(place.handoff_id).resumed_at is None
    await pump.step()
    assert rasa.attempts == 1
    await asyncio.sleep(0.35)
    await pump.step()
    assert rasa.calls == [("action", "web-1", "rest", "action_handoff_closed")]
    assert handoff(place.handoff_id).resumed_at is not None


async def test_a_conversation_is_resumed_only_after_its_staff_messages_reached_rasa(
    desk, pump, rasa, monkeypatch
):
    """The closing messages must follow the staff's last words, and a staff message's as-typed
    copy is kept only until it is delivered and the conversation has ended."""
    monkeypatch.setattr(pump_module, "RETRY_AFTER", 0.4)
    place = desk.enqueue("zalo-1", "zalo")
    desk.take(place.handoff_id, "lan")
    rasa.fail_appends = 1
    await pump.step()  # the greeting fails: retried in 0.4 s
    desk.close(place.handoff_id, "lan")
    await pump.step()
    await asyncio.sleep(0.45)
    await pump.step()
    await pump.step()
    assert [call[0] for call in rasa.calls] == ["append", "action"]
    stored = rows(place.handoff_id)
    assert [(row["direction"], row["outgoing"]) for row in stored] == [
        ("out", None),
        ("bot", None),
        ("bot", None),
    ]


# --- without Rasa's API ---------------------------------------------------------------------


async def test_without_a_token_the_pump_only_dispatches(desk, pump, rasa):
    rasa.usable = False
    late = desk.enqueue("web-1", "rest", now=audit.utcnow() - timedelta(minutes=6))
    place = desk.enqueue("web-2", "rest")
    desk.take(place.handoff_id, "lan")
    closed = desk.enqueue("web-3", "rest")
    desk.close(closed.handoff_id, "lan")
    citizen = pump.subscribe_citizen("web-2")
    await pump.step()
    assert [m["text"] for m in messages(drain(citizen))] == [TAKEN]
    assert rasa.attempts == 0
    assert handoff(late.handoff_id).status == "waiting"  # not expired either
    assert handoff(closed.handoff_id).resumed_at is None
    assert rows(place.handoff_id)[0]["delivered"] is False


# --- the loop -------------------------------------------------------------------------------


async def test_the_loop_starts_after_the_stored_messages_and_wakes_at_once(desk, rasa, monkeypatch):
    monkeypatch.setattr(pump_module, "INTERVAL", 30.0)  # only a wake can trigger a round
    place = desk.enqueue("web-1", "rest")
    desk.take(place.handoff_id, "lan")
    pump = DeskPump(rasa, desk)
    citizen = pump.subscribe_citizen("web-1")
    task = asyncio.create_task(pump.run())
    try:
        await asyncio.sleep(0.2)
        assert drain(citizen) == []  # seen before this process started
        desk.say(place.handoff_id, "lan", "Chào Anh/Chị")
        pump.wake()
        event = await asyncio.wait_for(citizen.get(), 1.0)
        assert event[0] == "message" and event[1]["text"] == "Chào Anh/Chị"
    finally:
        task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_the_loop_survives_a_failing_round(desk, rasa, monkeypatch, caplog):
    monkeypatch.setattr(pump_module, "INTERVAL", 0.02)
    pump = DeskPump(rasa, desk)
    real, failures = pump.delivery.messages_after, []

    def flaky(after):
        if not failures:
            failures.append(after)
            raise RuntimeError("database locked: 0912345678")
        return real(after)

    pump.delivery.messages_after = flaky
    place = desk.enqueue("web-1", "rest")
    citizen = pump.subscribe_citizen("web-1")
    with caplog.at_level(logging.ERROR, logger="assistant.handoff.pump"):
        task = asyncio.create_task(pump.run())
        try:
            await asyncio.sleep(0.1)
            desk.take(place.handoff_id, "lan")
            event = await asyncio.wait_for(citizen.get(), 1.0)
        finally:
            task.cancel()
    assert event[1]["text"] == TAKEN
    assert failures == [0]
    assert "Live desk round failed: RuntimeError" in caplog.text
    assert "0912345678" not in caplog.text


# --- with the real HTTP client and a fake Rasa ----------------------------------------------


@pytest.fixture
async def rasa_server():
    """A fake Rasa API recording (method, path, query, body); ``fail`` answers 503."""
    state = {"requests": [], "fail": 0, "delay": 0.0}

    async def handle(request: web.Request) -> web.Response:
        body = await request.json()
        state["requests"].append((request.method, request.path, dict(request.query), body))
        if state["delay"]:
            await asyncio.sleep(state["delay"])
        if state["fail"]:
            state["fail"] -= 1
            return web.json_response({"error": "busy"}, status=503)
        if request.path.endswith("/execute"):
            return web.json_response({"messages": CLOSING})
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/conversations/{sender}/{tail:.+}", handle)
    server = TestServer(app)
    await server.start_server()
    http = aiohttp.ClientSession()
    state["url"], state["http"] = str(server.make_url("")), http
    yield state
    await http.close()
    await server.close()


async def test_over_http_a_staff_message_and_the_resume_reach_rasa_with_the_token(
    desk, rasa_server, monkeypatch
):
    monkeypatch.setattr(pump_module, "RETRY_AFTER", 0.2)
    pump = DeskPump(RasaConversations(rasa_server["http"], rasa_server["url"], "tok"), desk)
    place = desk.enqueue("fb-1", "facebook")
    desk.take(place.handoff_id, "lan")
    rasa_server["fail"] = 1
    await pump.step()
    assert rows(place.handoff_id)[0]["delivered"] is False
    await asyncio.sleep(0.25)
    await pump.step()
    assert rows(place.handoff_id)[0]["delivered"] is True
    desk.close(place.handoff_id, "lan")
    await pump.step()
    tried, delivered, resumed = rasa_server["requests"]
    assert tried == delivered
    assert delivered[:3] == (
        "POST",
        "/conversations/fb-1/tracker/events",
        {
            "execute_side_effects": "true",
            "output_channel": "facebook",
            "include_events": "NONE",
            "token": "tok",
        },
    )
    assert delivered[3] == [
        {"event": "bot", "text": TAKEN, "metadata": {"staff": "lan", "desk": place.handoff_id}}
    ]
    assert resumed == (
        "POST",
        "/conversations/fb-1/execute",
        {"output_channel": "facebook", "include_events": "NONE", "token": "tok"},
        {"name": "action_handoff_closed"},
    )
    assert handoff(place.handoff_id).resumed_at is not None


async def test_over_http_nothing_is_sent_to_rasa_without_a_token(desk, rasa_server):
    pump = DeskPump(RasaConversations(rasa_server["http"], rasa_server["url"], ""), desk)
    place = desk.enqueue("web-1", "rest")
    desk.take(place.handoff_id, "lan")
    desk.say(place.handoff_id, "lan", "Chào Anh/Chị")
    closed = desk.enqueue("web-2", "rest")
    desk.close(closed.handoff_id, "lan")
    await pump.step()
    await pump.step()
    assert rasa_server["requests"] == []


async def test_over_http_a_rasa_that_times_out_is_retried_later_and_expiry_goes_on(
    desk, rasa_server, monkeypatch
):
    monkeypatch.setattr(rasa_api, "TIMEOUT", aiohttp.ClientTimeout(total=0.1))
    monkeypatch.setattr(pump_module, "RETRY_AFTER", 60.0)
    pump = DeskPump(RasaConversations(rasa_server["http"], rasa_server["url"], "tok"), desk)
    place = desk.enqueue("web-1", "rest")
    desk.take(place.handoff_id, "lan")
    late = desk.enqueue("web-2", "rest", now=audit.utcnow() - timedelta(minutes=6))
    rasa_server["delay"] = 0.5
    await pump.step()  # the delivery times out: like any failure, retried after a pause
    assert handoff(late.handoff_id).status == "missed"
    [taken] = desk.conversation(place.handoff_id)["desk_messages"]
    assert ("deliver", taken["id"]) in pump._retry_at
