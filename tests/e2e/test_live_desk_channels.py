"""End to end for the live desk on Zalo and Messenger: the real servers on loopback, with the
Zalo and Messenger channels pointed at fakes of their platforms (tests/channels/fake_zalo.py,
fake_graph.py) served from a thread of this process.

A citizen asks for a person while a staff member has "Hỗ trợ trực tuyến" open: the platform
gets the queue message, then a waiting note; the staff member takes the conversation and
writes, and the platform gets the words as typed (Rasa sends them through the channel's own
output when the staff app appends them to the tracker); close → the bot is back and asks for
a rating, which the citizen gives by the platform's means (a number on Zalo, a button on
Messenger). On Messenger, a staff message to a citizen silent for over 24 hours carries the
human-agent tag.
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from typing import Any, Dict, List

import pytest
from sqlalchemy import select, update

from actions.desk import BACK, RATE_DESK
from actions.feedback import THANKS_UP
from assistant import audit
from assistant.channels.zalo import MENU_HINT
from assistant.db.models import AnswerFeedback, Handoff, HandoffMessage
from assistant.db.session import session_scope
from assistant.handoff.live import TAKEN
from assistant.privacy import mask_personal_data
from assistant.settings import PROJECT_ROOT
from tests.channels.fake_graph import FakeGraph
from tests.channels.fake_zalo import FakeZalo
from tests.e2e.desk_client import Stream, desk_login, seeded_database, stack_of, tracker, wait_until
from tests.e2e.launch import launch
from tests.e2e.platforms import Accounts, graph_got, messenger_event, serving, zalo_event, zalo_got

pytestmark = pytest.mark.e2e
SEED = PROJECT_ROOT / "data" / "catalog" / "seed.yml"
PASSWORD = "mat-khau-can-bo-2026"
ACCOUNTS = Accounts()

ASK = "cho tôi gặp cán bộ"
QUEUED = "Tôi đã chuyển Anh/Chị tới cán bộ hỗ trợ trực tuyến"
NOTE = "cán bộ đọc khi tiếp nhận"
CITIZEN_PHONE = "0912345678"
WAITING = f"Hồ sơ của tôi bị trả lại, số điện thoại {CITIZEN_PHONE}"
WORDS = "Anh/Chị mang theo CCCD bản gốc, gọi 0292 3812 345 nếu cần nhé."


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("live_channels")
    database_url = seeded_database(workdir / "live.db", SEED, PASSWORD, "canbo1")
    with serving(lambda: FakeZalo(ACCOUNTS.zalo_app_id), FakeGraph) as (zalo, graph):
        env = {
            "HANDOFF_HOURS": "T2-CN 00:00-24:00",
            "HANDOFF_WAIT_MINUTES": "10",
            **ACCOUNTS.env(zalo, graph),
        }
        token = secrets.token_urlsafe(16)
        with launch(workdir, database_url, extra_env=env, rasa_api_token=token) as running:
            yield stack_of(running, database_url, token=token, zalo=zalo, graph=graph)


# --- the staff side ---------------------------------------------------------------------------


class Staff:
    def __init__(self, stack: dict, username: str) -> None:
        self.web = stack["web"]
        self.http = desk_login(self.web, username, PASSWORD)
        # The page's event stream is what makes the staff member "online" for the desk.
        self.events = Stream(self.http, f"{self.web}/admin/api/live/events", read_timeout=180)
        self.events.next(lambda name, data: name == "queue")

    def act(self, number: int, what: str, **body) -> dict:
        url = f"{self.web}/admin/api/live/{number}/{what}"
        answer = self.http.post(url, json=body or None, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def citizen_said(self, start: str) -> dict:
        _, message, _ = self.events.next(
            lambda name, data: (
                name == "message" and data["direction"] == "in" and data["text"].startswith(start)
            )
        )
        return message

    def close(self) -> None:
        self.events.close()


@pytest.fixture
def desk(stack):
    staff = Staff(stack, "canbo1")
    yield staff
    staff.close()


# --- helpers ----------------------------------------------------------------------------------


def live_handoff(stack: dict, conversation_id: str) -> Dict[str, Any]:
    def find():
        with session_scope(stack["db"]) as session:
            row = session.scalar(
                select(Handoff).where(
                    Handoff.kind == "live", Handoff.conversation_id == conversation_id
                )
            )
            return row and {"id": row.id, "channel": row.channel, "status": row.status}

    return wait_until(find, "the live conversation is queued")


def resumed(stack: dict, number: int) -> bool:
    with session_scope(stack["db"]) as session:
        return session.get(Handoff, number).resumed_at is not None


def rating_of(stack: dict, number: int) -> tuple | None:
    with session_scope(stack["db"]) as session:
        row = session.scalar(select(AnswerFeedback).where(AnswerFeedback.handoff_id == number))
        return (row.source, row.rating) if row is not None else None


# --- Zalo -------------------------------------------------------------------------------------


def zalo_says(stack: dict, user: str, text: str) -> None:
    zalo_event(stack["rasa"], ACCOUNTS, user, "user_send_text", {"text": text})


def zalo_texts(stack: dict, user: str, count: int) -> List[str]:
    got = wait_until(
        lambda: len(zalo_got(stack["zalo"], user)) >= count and zalo_got(stack["zalo"], user),
        f"{count} Zalo message(s)",
    )
    return [m.get("text") for m in got]


def test_on_zalo_the_citizen_waits_talks_with_staff_then_rates_the_help(stack, desk):
    user = "84" + secrets.token_hex(6)

    zalo_says(stack, user, ASK)
    [queued] = zalo_texts(stack, user, 1)
    assert queued.startswith(QUEUED)
    handoff = live_handoff(stack, user)
    assert (handoff["channel"], handoff["status"]) == ("zalo", "waiting")
    assert tracker(stack["rasa"], stack["token"], user)["paused"] is True

    zalo_says(stack, user, WAITING)
    seen = desk.citizen_said("Hồ sơ của tôi bị trả lại")
    assert CITIZEN_PHONE not in seen["text"] and "conversation_id" not in seen
    note = zalo_texts(stack, user, 2)[1]
    assert NOTE in note and "người tiếp theo" in note

    number = handoff["id"]
    assert desk.act(number, "take")["status"] == "active"
    assert zalo_texts(stack, user, 3)[2] == TAKEN
    sent = desk.act(number, "send", text=WORDS)
    assert "3812" not in sent["text"]  # the desk's record is masked …
    assert zalo_texts(stack, user, 4)[3] == WORDS  # … the citizen reads it as typed

    zalo_says(stack, user, "Vâng, tôi cần mang thêm gì không")
    desk.citizen_said("Vâng, tôi cần mang thêm gì không")
    time.sleep(1.0)
    assert len(zalo_got(stack["zalo"], user)) == 4  # taken: no note, no apology, no bot answer

    assert desk.act(number, "close")["status"] == "closed"
    back, prompt = zalo_texts(stack, user, 6)[4:6]
    assert back == BACK
    assert prompt.startswith(RATE_DESK) and prompt.endswith(MENU_HINT)
    assert "1. 👍 Hữu ích" in prompt and "2. 👎 Chưa đúng" in prompt
    wait_until(lambda: resumed(stack, number), "Rasa resumes the conversation")
    assert tracker(stack["rasa"], stack["token"], user)["paused"] is False

    zalo_says(stack, user, "1")  # the number picks the first button
    assert zalo_texts(stack, user, 7)[6] == THANKS_UP
    assert rating_of(stack, number) == ("handoff", "up")
    assert all(set(m) == {"text"} for m in zalo_got(stack["zalo"], user))
    assert stack["zalo"].refreshes() == []


# --- Messenger --------------------------------------------------------------------------------


def messenger_says(stack: dict, psid: str, text: str) -> None:
    messenger_event(stack["rasa"], ACCOUNTS, psid, message={"text": text})


def graph_texts(stack: dict, psid: str, count: int) -> List[Dict[str, Any]]:
    """The first ``count`` Send API bodies for ``psid``, leaving out the widget's desk state
    (``{"handoff": …}``, the ``custom`` of the queue message): MessengerOutput.send_custom_json
    passes it on as a message, which the real Graph refuses; this test reads what a citizen
    can see."""

    def texts():
        bodies = [b for b in graph_got(stack["graph"], psid) if "handoff" not in b["message"]]
        return len(bodies) >= count and bodies

    return wait_until(texts, f"{count} Messenger message(s)")


def test_on_messenger_the_citizen_waits_talks_with_staff_then_rates_the_help(stack, desk):
    psid = "61" + str(secrets.randbelow(10**14)).zfill(14)

    messenger_says(stack, psid, ASK)
    [queued] = graph_texts(stack, psid, 1)
    assert queued["message"]["text"].startswith(QUEUED)
    assert queued["messaging_type"] == "RESPONSE"
    handoff = live_handoff(stack, psid)
    assert (handoff["channel"], handoff["status"]) == ("facebook", "waiting")
    assert tracker(stack["rasa"], stack["token"], psid)["paused"] is True

    messenger_says(stack, psid, WAITING)
    seen = desk.citizen_said("Hồ sơ của tôi bị trả lại")
    assert CITIZEN_PHONE not in seen["text"]
    note = graph_texts(stack, psid, 2)[1]["message"]["text"]
    assert NOTE in note and "người tiếp theo" in note

    number = handoff["id"]
    desk.act(number, "take")
    taken = graph_texts(stack, psid, 3)[2]
    assert taken["message"] == {"text": TAKEN} and taken["messaging_type"] == "RESPONSE"
    desk.act(number, "send", text=WORDS)
    fresh = graph_texts(stack, psid, 4)[3]
    assert fresh == {
        "recipient": {"id": psid},
        "messaging_type": "RESPONSE",
        "message": {"text": WORDS},
    }

    # The citizen's last message is now 25 hours old: outside Messenger's 24-hour window, a
    # staff message goes with the human-agent tag.
    with session_scope(stack["db"]) as session:
        session.execute(
            update(HandoffMessage)
            .where(HandoffMessage.handoff_id == number, HandoffMessage.direction == "in")
            .values(created_at=audit.utcnow() - timedelta(hours=25))
        )
    late = "Anh/Chị còn cần hỗ trợ gì thêm không ạ?"
    desk.act(number, "send", text=late)
    tagged = graph_texts(stack, psid, 5)[4]
    assert tagged == {
        "recipient": {"id": psid},
        "messaging_type": "MESSAGE_TAG",
        "tag": "HUMAN_AGENT",
        "message": {"text": late},
    }
    events = tracker(stack["rasa"], stack["token"], psid)["events"]
    staff_said = [
        e for e in events if e["event"] == "bot" and (e.get("metadata") or {}).get("staff")
    ]
    # Stored as the tracker store keeps every text: the office's number masked with the rest.
    assert [e["text"] for e in staff_said] == [TAKEN, mask_personal_data(WORDS), late]
    assert "0292 3812 345" in WORDS and "0292 3812 345" not in mask_personal_data(WORDS)
    assert [e["metadata"].get("messaging_tag") for e in staff_said] == [None, None, "HUMAN_AGENT"]

    desk.act(number, "close")
    back, prompt = graph_texts(stack, psid, 7)[5:7]
    assert back["message"] == {"text": BACK}
    template = prompt["message"]["attachment"]["payload"]
    assert template["template_type"] == "button" and template["text"] == RATE_DESK
    assert [b["title"] for b in template["buttons"]] == ["👍 Hữu ích", "👎 Chưa đúng"]
    wait_until(lambda: resumed(stack, number), "Rasa resumes the conversation")
    assert tracker(stack["rasa"], stack["token"], psid)["paused"] is False

    up = template["buttons"][0]["payload"]
    messenger_event(
        stack["rasa"],
        ACCOUNTS,
        psid,
        postback={"mid": "mid.rate", "title": "👍 Hữu ích", "payload": up},
    )
    assert graph_texts(stack, psid, 8)[7]["message"]["text"] == THANKS_UP
    assert rating_of(stack, number) == ("handoff", "up")
    assert all(r.access_token == ACCOUNTS.fb_token for r in stack["graph"].requests)
