"""Citizens' messages while a person has the conversation (assistant/handoff/relay.py): stored
masked for the staff page, with the place in the queue, and the note the waiting citizen gets."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from assistant.db.models import HandoffMessage
from assistant.db.session import session_scope
from assistant.handoff import relay
from assistant.handoff.live import LiveDesk, Place
from assistant.handoff.relay import STOPPED_WAITING, relay_to_staff, waiting_note


@pytest.fixture
def desk(database_url):
    return LiveDesk()


def stored(handoff_id: int):
    with session_scope() as session:
        rows = session.scalars(
            select(HandoffMessage).where(HandoffMessage.handoff_id == handoff_id)
        ).all()
        return [(row.direction, row.text, row.outgoing) for row in rows]


async def test_a_message_during_a_waiting_conversation_is_stored_masked_with_its_place(desk):
    first = desk.enqueue("web-first", "rest")
    second = desk.enqueue("web-second", "rest")
    place = await relay_to_staff("web-second", "hồ sơ của tôi  bị trả lại, gọi 0912345678")
    assert place == Place(second.handoff_id, "waiting", 2, place.wait_minutes)
    assert place.wait_minutes >= 1
    [(direction, text, outgoing)] = stored(second.handoff_id)
    assert direction == "in" and outgoing is None
    assert text.startswith("hồ sơ của tôi bị trả lại, gọi ")  # spaces folded
    assert "0912345678" not in text
    assert stored(first.handoff_id) == []


async def test_a_message_during_an_active_conversation_gives_the_active_place(desk):
    place = desk.enqueue("zalo-7", "zalo")
    desk.take(place.handoff_id, "lan")
    relayed = await relay_to_staff("zalo-7", "cảm ơn cán bộ")
    assert relayed == Place(place.handoff_id, "active", 0, 0)
    assert ("in", "cảm ơn cán bộ", None) in stored(place.handoff_id)


async def test_without_an_open_live_conversation_nothing_is_stored(desk):
    assert await relay_to_staff("web-nobody", "xin chào") is None
    place = desk.enqueue("web-ended", "rest")
    desk.close(place.handoff_id, "lan")
    assert await relay_to_staff("web-ended", "còn ai không?") is None
    assert stored(place.handoff_id) == []


async def test_a_database_failure_is_logged_and_answered_with_none(
    database_url, monkeypatch, caplog
):
    def broken(self, conversation_id, text, now=None):
        raise RuntimeError("database is gone: 0912345678")

    monkeypatch.setattr(relay.LiveDesk, "relay", broken)
    with caplog.at_level(logging.ERROR, logger="assistant.handoff.relay"):
        assert await relay_to_staff("web-1", "xin chào") is None
    assert "Message to staff not stored: RuntimeError" in caplog.text
    assert "0912345678" not in caplog.text  # only the error's type is logged


def test_the_next_in_line_is_told_so_with_the_expected_wait():
    note = waiting_note(Place(3, "waiting", 1, 2))
    assert note == (
        "Tôi đã ghi lại tin nhắn để cán bộ đọc khi tiếp nhận. Anh/Chị là người tiếp theo, "
        "thời gian chờ dự kiến khoảng 2 phút."
    )


def test_further_back_the_place_is_given_by_number():
    note = waiting_note(Place(3, "waiting", 4, 9))
    assert "Anh/Chị đang ở vị trí số 4" in note
    assert "người tiếp theo" not in note
    assert note.endswith("khoảng 9 phút.")


@pytest.mark.parametrize("state", ["active", "closed", "missed"])
def test_no_note_once_the_conversation_is_not_waiting(state):
    assert waiting_note(Place(3, state, 0, 0)) is None


def test_giving_up_waiting_is_acknowledged_at_once():
    assert waiting_note(Place(3, "cancelled", 0, 0)) == STOPPED_WAITING
