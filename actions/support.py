"""Handing the citizen over to people: a live conversation, or a message left for staff.

"Cho tôi gặp nhân viên", a second unanswered message in a row (a button), or a 👎 with
"Muốn gặp cán bộ" asks for a person. During working hours, with a staff member on the
"Hỗ trợ trực tuyến" page, the conversation joins the live queue and Rasa's conversation is
paused: the citizen is told their place and the expected wait, and the bot stays silent
while staff answer (actions/desk.py ends it). Otherwise the citizen leaves a message and, if
they wish, a phone number; staff see it in the app ("Lời nhắn cần gọi lại"). The hotline,
when configured, is always given too.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ConversationPaused, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from assistant.analytics.outcomes import turn
from assistant.handoff.hours import when
from assistant.handoff.live import LiveDesk, Place
from assistant.handoff.relay import place_words
from assistant.handoff.service import MAX_MESSAGE, Desk, HandoffService, phone_number
from assistant.localtime import local_now
from assistant.settings import get_settings
from assistant.text.normalize import declines

logger = logging.getLogger(__name__)

FORM = "handoff_form"
CANCELLED = "__cancelled__"
NO_PHONE = "__none__"
OFFER = "Nếu cần, Anh/Chị có thể để lại lời nhắn để cán bộ hỗ trợ."
OFFER_BUTTON = {"title": "Để lại lời nhắn cho cán bộ", "payload": "/request_human"}
ASK_AGAIN = (
    "Anh/Chị vui lòng nhắn nội dung cần cán bộ hỗ trợ (một tin nhắn ngắn), hoặc nhắn “thôi”."
)
BAD_PHONE = (
    "Số điện thoại chưa đúng (ví dụ 0912345678). Anh/Chị nhập lại, hoặc nhắn “không” nếu "
    "không muốn để lại số."
)
CANCELLED_TEXT = "Vâng, tôi không gửi lời nhắn. Anh/Chị cần hỏi gì khác cứ nhắn cho tôi."
TOO_MANY = (
    "Anh/Chị đã để lại nhiều lời nhắn trong hôm nay; cán bộ sẽ xem các lời nhắn đó. "
    "Anh/Chị vui lòng chờ cán bộ liên hệ."
)


def queued_text(place: Place) -> str:
    ahead = place_words(place) + (" trong hàng chờ" if place.position > 1 else "")
    return (
        f"Tôi đã chuyển Anh/Chị tới cán bộ hỗ trợ trực tuyến. {ahead}, thời gian chờ dự kiến "
        f"khoảng {place.wait_minutes} phút. Trong lúc chờ, Anh/Chị cứ nhắn nội dung cần hỏi; "
        "cán bộ sẽ đọc khi tiếp nhận."
    )


def conversation_context(tracker: Tracker) -> Dict[str, Any]:
    """What the conversation was about, for staff: the procedure and the dossier in slots."""
    return {
        slot: tracker.get_slot(slot)
        for slot in ("procedure_code", "dossier_code")
        if tracker.get_slot(slot)
    }


def hotline_sentence() -> str:
    hotline = get_settings().hotline
    if hotline:
        return f" Anh/Chị cũng có thể gọi đường dây nóng {hotline} trong giờ làm việc."
    return ""


def desk_sentence(service: HandoffService, desk: Desk | None = None) -> str:
    """When staff will read a message (``desk``: the desk as already read, if it was)."""
    now = local_now()
    desk = desk or service.desk(now)
    back = f" Cán bộ sẽ xem lời nhắn từ {when(desk.next_open, now)}." if desk.next_open else ""
    if desk.open:
        return "Hiện chưa có cán bộ trực tuyến để trò chuyện ngay." + back
    return f"Hiện đang ngoài giờ làm việc ({desk.hours})." + back


class ActionHandoff(Action):
    """A person, please: the desk's hours, then the message form (not inside a dossier lookup,
    which resumes after the hotline sentence)."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        service = HandoffService()
        try:
            state = service.desk()
            desk = desk_sentence(service, state)
        except Exception as error:  # noqa: BLE001 - the citizen still gets a way to a person
            logger.error("action_handoff: desk unknown (%s)", type(error).__name__)
            state, desk = None, ""
        if (tracker.active_loop or {}).get("name"):
            where = hotline_sentence() or (
                " Anh/Chị có thể đến bộ phận một cửa trong giờ hành chính."
            )
            dispatcher.utter_message(text=(desk + where).strip(), **turn("handoff"))
            return []
        place = self._queue(tracker) if state is not None and state.open else None
        if place is not None:
            # The queue state is for the widget (it opens its event stream); Messenger would
            # send any custom payload as a message.
            custom = place.as_custom() if tracker.get_latest_input_channel() == "rest" else None
            dispatcher.utter_message(
                text=queued_text(place), json_message=custom, **turn("handoff")
            )
            return [ConversationPaused()]
        dispatcher.utter_message(
            text=f"{desk} Anh/Chị có thể để lại lời nhắn cho cán bộ.{hotline_sentence()}".strip(),
            **turn("handoff"),
        )
        return [FollowupAction(FORM)]

    @staticmethod
    def _queue(tracker: Tracker) -> Place | None:
        """The citizen's place in the live queue when someone is on the live page (the
        caller knows the desk is open)."""
        try:
            live = LiveDesk()
            if not live.available(tracker.sender_id):
                return None
            return live.enqueue(
                tracker.sender_id,
                tracker.get_latest_input_channel() or "",
                conversation_context(tracker),
            )
        except Exception as error:  # noqa: BLE001 - the message path still works
            logger.error("action_handoff: live queue unavailable (%s)", type(error).__name__)
            return None


class ValidateHandoffForm(FormValidationAction):
    def name(self) -> str:
        return "validate_handoff_form"

    def validate_handoff_message(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text = " ".join(str(value or "").split())
        if declines(text):
            return {"handoff_message": CANCELLED, "handoff_phone": NO_PHONE}
        if len(text) < 2 or text.startswith("/") or not any(c.isalpha() for c in text):
            dispatcher.utter_message(text=ASK_AGAIN)
            return {"handoff_message": None}
        return {"handoff_message": text[:MAX_MESSAGE]}

    def validate_handoff_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        text = str(value or "")
        if value == NO_PHONE or declines(text):
            return {"handoff_phone": NO_PHONE}
        phone = phone_number(text)
        if phone is None:
            dispatcher.utter_message(text=BAD_PHONE)
            return {"handoff_phone": None}
        return {"handoff_phone": phone}


class ActionLeaveMessage(Action):
    """The completed form becomes a ticket for staff; the slots are cleared."""

    def name(self) -> str:
        return "action_leave_message"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        message = tracker.get_slot("handoff_message")
        phone = tracker.get_slot("handoff_phone")
        clear = [SlotSet("handoff_message", None), SlotSet("handoff_phone", None)]
        if not message or message == CANCELLED:
            dispatcher.utter_message(text=CANCELLED_TEXT)
            return clear
        context = conversation_context(tracker)
        service = HandoffService()
        try:
            ticket = service.leave_message(
                tracker.sender_id,
                tracker.get_latest_input_channel() or "",
                message,
                None if phone in (None, NO_PHONE) else phone,
                context,
            )
            desk = desk_sentence(service)
        except Exception as error:  # noqa: BLE001 - say so rather than pretend
            logger.error("action_leave_message: not stored (%s)", type(error).__name__)
            dispatcher.utter_message(
                text="Xin lỗi Anh/Chị, tôi chưa lưu được lời nhắn lúc này."
                + (hotline_sentence() or " Anh/Chị vui lòng thử lại sau ít phút.")
            )
            return clear
        if ticket is None:
            dispatcher.utter_message(text=TOO_MANY)
            return clear
        callback = (
            "Cán bộ sẽ gọi lại theo số Anh/Chị để lại."
            if phone not in (None, NO_PHONE)
            else "Anh/Chị không để lại số điện thoại nên cán bộ sẽ đọc lời nhắn nhưng không gọi "
            "lại được; nếu cần được trả lời, Anh/Chị nhắn lại kèm số điện thoại."
        )
        dispatcher.utter_message(
            text=f"Tôi đã chuyển lời nhắn của Anh/Chị cho cán bộ (mã lời nhắn #{ticket}). "
            f"{callback} {desk}".strip()
        )
        return clear


def declined_before(events: List[Dict[str, Any]]) -> bool:
    """Whether the citizen's previous message also ended without an answer: declined by the
    answer service, or caught by the fallback or out-of-scope reply."""
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    if len(users) < 2:
        return False
    turn = events[users[-2] + 1 : users[-1]]
    decisions = [
        e.get("value") or {}
        for e in turn
        if e.get("event") == "slot" and e.get("name") == "answer_decision"
    ]
    if decisions:
        return isinstance(decisions[-1], dict) and decisions[-1].get("kind") == "decline"
    return any(e.get("event") == "action" and e.get("name") == "action_unanswered" for e in turn)


def offer_a_person(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """After a second unanswered message in a row: offer to leave a message for staff."""
    if declined_before(tracker.events) and not (tracker.active_loop or {}).get("name"):
        dispatcher.utter_message(text=OFFER, buttons=[OFFER_BUTTON])
