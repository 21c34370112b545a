"""The end of a live conversation with staff, run by the staff app through Rasa's HTTP API.

Both actions resume the Rasa conversation that ``action_handoff`` paused, on the channel the
citizen last wrote from: after a staff member closed the conversation (the bot says it is
back and asks for a rating of the help), or when nobody took it in time (an apology and a
button to leave a message instead; ``action_handoff`` then takes the message path, since the
conversation has just waited in vain).
"""

from __future__ import annotations

import logging
import secrets
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ConversationResumed, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.feedback import ANSWER_SLOT, rating_buttons
from actions.support import OFFER_BUTTON, hotline_sentence
from assistant.feedback.service import Answered
from assistant.handoff.live import LiveDesk

logger = logging.getLogger(__name__)

# Run from outside a turn, the action must end it as Rasa's own loop would: listening, so the
# citizen's next message is read as a new turn (the rules then apply as usual).
LISTEN = ActionExecuted("action_listen")

BACK = (
    "Cán bộ đã kết thúc cuộc trò chuyện. Tôi là trợ lý ảo, tiếp tục hỗ trợ Anh/Chị; "
    "Anh/Chị cần hỏi gì về thủ tục cứ nhắn cho tôi."
)
RATE_DESK = "Anh/Chị thấy sự hỗ trợ của cán bộ vừa rồi thế nào ạ?"
NOBODY = (
    "Xin lỗi Anh/Chị, các cán bộ đang bận nên chưa tiếp nhận được cuộc trò chuyện. "
    "Anh/Chị có thể để lại lời nhắn để cán bộ liên hệ lại, hoặc tiếp tục hỏi tôi."
)


class ActionHandoffClosed(Action):
    def name(self) -> str:
        return "action_handoff_closed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        events: List[Dict[str, Any]] = [ConversationResumed()]
        try:
            handoff = LiveDesk().latest(tracker.sender_id)
        except Exception as error:  # noqa: BLE001 - the citizen is back with the bot anyway
            logger.error("action_handoff_closed: handoff unknown (%s)", type(error).__name__)
            handoff = None
        if handoff is not None and handoff.get("status") == "cancelled":
            return [*events, LISTEN]  # the citizen stopped waiting and was told so then
        dispatcher.utter_message(text=BACK)
        if handoff is not None and handoff.get("duration_seconds") is not None:
            answered = Answered(
                ref=secrets.token_hex(4), source="handoff", handoff_id=handoff["id"]
            )
            dispatcher.utter_message(text=RATE_DESK, buttons=rating_buttons(answered.ref))
            events.append(SlotSet(ANSWER_SLOT, answered.as_slot()))
        return [*events, LISTEN]


class ActionHandoffTimeout(Action):
    def name(self) -> str:
        return "action_handoff_timeout"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        dispatcher.utter_message(text=NOBODY + hotline_sentence(), buttons=[OFFER_BUTTON])
        return [ConversationResumed(), LISTEN]
