"""Citizens' messages during a live conversation with staff, for every channel.

While a person has the conversation, Rasa's tracker is paused: the message is logged but the
bot answers nothing. A channel that got no reply asks :func:`relay_to_staff` before it
apologises: when a live conversation is open, the message is stored for the staff page and
the citizen gets, while still waiting, a short note with their place in the queue.
"""

from __future__ import annotations

import asyncio
import logging

from assistant.handoff.live import LiveDesk, Place

logger = logging.getLogger(__name__)

# A staff message after Messenger's 24-hour window carries the Send API's human-agent tag: the
# live desk puts it in the bot message's metadata, Messenger's output turns it into the tag.
HUMAN_AGENT = "HUMAN_AGENT"


async def relay_to_staff(sender_id: str, text: str) -> Place | None:
    """The conversation's place at the desk once the message is stored; None when no live
    conversation is open (or the database is unreachable: the channel apologises)."""
    try:
        return await asyncio.to_thread(LiveDesk().relay, sender_id, text)
    except Exception as error:  # noqa: BLE001 - the citizen gets the channel's apology
        logger.error("Message to staff not stored: %s", type(error).__name__)
        return None


STOPPED_WAITING = (
    "Vâng, tôi đã hủy yêu cầu gặp cán bộ. Tôi là trợ lý ảo, Anh/Chị cần hỏi gì về thủ tục cứ "
    "nhắn cho tôi."
)


def place_words(place: Place) -> str:
    """ "Anh/Chị là người tiếp theo" or "Anh/Chị đang ở vị trí số 3"."""
    if place.position <= 1:
        return "Anh/Chị là người tiếp theo"
    return f"Anh/Chị đang ở vị trí số {place.position}"


def waiting_note(place: Place) -> str | None:
    """What the citizen is told after a message while nobody has taken the conversation (or
    when the message gave up waiting)."""
    if place.state == "cancelled":
        return STOPPED_WAITING
    if place.state != "waiting":
        return None
    return (
        f"Tôi đã ghi lại tin nhắn để cán bộ đọc khi tiếp nhận. {place_words(place)}, "
        "thời gian chờ dự kiến "
        f"khoảng {place.wait_minutes} phút."
    )
