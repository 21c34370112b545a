"""👍/👎 on answers: the prompt under each answer, the rating, the reason and a comment.

Every procedure or FAQ answer is followed by a short prompt with two buttons (numbered on
Zalo, quick replies or buttons on Messenger, buttons in the widget). The citizen may ignore
it and ask on. A button's payload names the answer by a reference kept in the ``last_answer``
slot's history; what the answer was about, the question and the model come from the
conversation, never from the payload. A 👎 asks why; "Khác" opens a one-question form for a
comment.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any, Dict, List, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant.feedback.service import REASONS, Answered, FeedbackService
from assistant.text.normalize import declines

logger = logging.getLogger(__name__)

ANSWER_SLOT = "last_answer"
REF_SLOT = "feedback_ref"
COMMENT_SLOT = "feedback_comment"
INTENT = "rate_answer"

PROMPT = "Câu trả lời này có giúp ích cho Anh/Chị không ạ?"
THANKS_UP = "Cảm ơn Anh/Chị đã đánh giá! Anh/Chị cần hỏi thêm gì cứ nhắn cho tôi."
ASK_WHY = "Cảm ơn Anh/Chị. Câu trả lời chưa tốt ở điểm nào ạ?"
THANKS_REASON = (
    "Cảm ơn Anh/Chị đã góp ý. Cán bộ sẽ xem lại câu trả lời này để sửa cho đúng. "
    "Anh/Chị cần hỏi thêm gì cứ nhắn cho tôi."
)
THANKS_DESK = (
    "Cảm ơn Anh/Chị đã góp ý. Bộ phận phụ trách sẽ xem lại cuộc trò chuyện để phục vụ tốt hơn."
)
ALREADY = "Tôi đã ghi nhận đánh giá của Anh/Chị cho câu trả lời này rồi ạ. Cảm ơn Anh/Chị!"
LIMITED = (
    "Cảm ơn Anh/Chị. Tôi đã nhận nhiều đánh giá trong thời gian ngắn nên tạm chưa ghi thêm; "
    "Anh/Chị vui lòng thử lại sau ít phút."
)
NOTHING_TO_RATE = (
    "Cảm ơn Anh/Chị. Tôi chưa tìm thấy câu trả lời nào để đánh giá trong cuộc trò chuyện này. "
    "Anh/Chị cứ hỏi về thủ tục cần biết, tôi sẵn sàng hỗ trợ."
)
NOT_SAVED = (
    "Xin lỗi Anh/Chị, tôi chưa ghi nhận được đánh giá lúc này. Anh/Chị cứ hỏi tiếp, "
    "tôi vẫn sẵn sàng hỗ trợ."
)
WHICH_WAY = "Anh/Chị đánh giá câu trả lời vừa rồi thế nào ạ?"
PERSON_BUTTON = {"title": "Muốn gặp cán bộ", "payload": "/request_human"}


def _payload(**entities: str) -> str:
    return f"/{INTENT}" + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))


def rating_buttons(ref: str) -> List[Dict[str, str]]:
    return [
        {"title": "👍 Hữu ích", "payload": _payload(rating="up", answer_ref=ref)},
        {"title": "👎 Chưa đúng", "payload": _payload(rating="down", answer_ref=ref)},
    ]


def reason_buttons(ref: str) -> List[Dict[str, str]]:
    """The reasons for a 👎, then a way to a person (the handoff in actions/support.py)."""
    return [
        *(
            {"title": label, "payload": _payload(feedback_reason=key, answer_ref=ref)}
            for key, label in REASONS.items()
        ),
        PERSON_BUTTON,
    ]


def ask_for_rating(dispatcher: CollectingDispatcher, **about: Any) -> SlotSet:
    """The prompt under an answer; the returned event remembers what the answer was about."""
    answered = Answered(ref=secrets.token_hex(4), **about)
    dispatcher.utter_message(text=PROMPT, buttons=rating_buttons(answered.ref))
    return SlotSet(ANSWER_SLOT, answered.as_slot())


def find_answer(events: List[Dict[str, Any]], ref: str | None) -> Tuple[Answered | None, str, str]:
    """The answer ``ref`` names in this conversation (the latest when ``ref`` is None), the
    citizen's message it answered and the model that read it."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") != "slot" or event.get("name") != ANSWER_SLOT:
            continue
        answered = Answered.from_slot(event.get("value"))
        if answered is None or (ref is not None and answered.ref != ref):
            continue
        for before in reversed(events[:index]):
            if before.get("event") == "user":
                metadata = before.get("metadata") or {}
                return answered, before.get("text") or "", str(metadata.get("model_id") or "")
        return answered, "", ""
    return None, "", ""


def _entities(tracker: Tracker) -> Dict[str, str]:
    found = {}
    for entity in tracker.latest_message.get("entities") or []:
        name, value = entity.get("entity"), entity.get("value")
        if name in ("rating", "answer_ref", "feedback_reason") and isinstance(value, str):
            found.setdefault(name, value[:64])
    return found


class ActionRateAnswer(Action):
    """A rating or a reason from the buttons; typed feedback gets the buttons for the last
    answer. A database failure costs the rating, never the conversation."""

    def name(self) -> str:
        return "action_rate_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        given = _entities(tracker)
        answered, question, model_id = find_answer(tracker.events, given.get("answer_ref"))
        if answered is None:
            dispatcher.utter_message(text=NOTHING_TO_RATE)
            return []
        rating, reason = given.get("rating"), given.get("feedback_reason")
        if rating not in ("up", "down") and reason not in REASONS:
            dispatcher.utter_message(text=WHICH_WAY, buttons=rating_buttons(answered.ref))
            return []
        service = FeedbackService()
        channel = tracker.get_latest_input_channel() or ""
        try:
            if reason in REASONS:
                if not service.explain(tracker.sender_id, answered.ref, reason):
                    dispatcher.utter_message(text=ALREADY)
                    return []
                if reason == "other":
                    return [SlotSet(REF_SLOT, answered.ref), FollowupAction("feedback_form")]
                dispatcher.utter_message(text=THANKS_REASON)
                return []
            outcome = service.rate(tracker.sender_id, channel, answered, rating, question, model_id)
        except Exception as error:  # noqa: BLE001 - the conversation goes on without it
            logger.error("action_rate_answer: not stored (%s)", type(error).__name__)
            dispatcher.utter_message(text=NOT_SAVED)
            return []
        if outcome == "limited":
            dispatcher.utter_message(text=LIMITED)
        elif outcome == "same":
            dispatcher.utter_message(text=ALREADY)
        elif rating == "down" and answered.source == "handoff":
            dispatcher.utter_message(text=THANKS_DESK)  # the reasons are about answers
        elif rating == "down":
            dispatcher.utter_message(text=ASK_WHY, buttons=reason_buttons(answered.ref))
        else:
            dispatcher.utter_message(text=THANKS_UP)
        return []


class ActionSaveFeedbackComment(Action):
    """The comment the feedback form collected, stored with the 👎 it explains."""

    def name(self) -> str:
        return "action_save_feedback_comment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        ref = tracker.get_slot(REF_SLOT)
        comment = str(tracker.get_slot(COMMENT_SLOT) or "").strip()
        clear = [SlotSet(REF_SLOT, None), SlotSet(COMMENT_SLOT, None)]
        if declines(comment):  # "thôi", "không": no comment after all (the form takes any text)
            dispatcher.utter_message(response="utter_feedback_stopped")
            return clear
        if not ref or not comment or comment.startswith("/"):
            dispatcher.utter_message(text=THANKS_REASON)
            return clear
        try:
            FeedbackService().explain(tracker.sender_id, ref, "other", comment)
        except Exception as error:  # noqa: BLE001 - the conversation goes on without it
            logger.error("action_save_feedback_comment: not stored (%s)", type(error).__name__)
            dispatcher.utter_message(text=NOT_SAVED)
            return clear
        dispatcher.utter_message(text=THANKS_REASON)
        return clear
