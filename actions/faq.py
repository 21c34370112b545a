"""General questions (FAQ), answered with the text staff keep in the database."""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.base import DatabaseAction
from actions.feedback import ask_for_rating
from actions.procedures import DECISION_SLOT, say
from actions.support import offer_a_person
from assistant.analytics.outcomes import turn
from assistant.answering.service import get_answer_service
from assistant.db.session import session_scope
from assistant.faq.repository import FaqRepository

logger = logging.getLogger(__name__)


def _confidence(message: Dict[str, Any]) -> float:
    match = message.get("faq_match") or {}
    value = match.get("score") if isinstance(match, dict) else None
    if value is None:
        value = (message.get("intent") or {}).get("confidence")
    try:
        return float(value or 0.0)
    except (TypeError, ValueError):
        return 0.0


class ActionAnswerFaq(DatabaseAction):
    """Utters the entry's answer as stored now, so a staff edit is live even for questions
    the model was trained on; a switched-off or unknown entry goes to the staff inbox."""

    def name(self) -> str:
        return "action_answer_faq"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        message = tracker.latest_message or {}
        decision = get_answer_service().decide(message, tracker.get_slot("procedure_code"))
        if decision.kind != "faq":
            # Matched on generic words only, or the message names a procedure or asks a
            # legal question: the answer service's decision stands, not the FAQ. What it
            # declines is kept for staff, who may write the FAQ it lacked.
            events = say(dispatcher, decision)
            if decision.kind == "decline":
                offer_a_person(dispatcher, tracker)
                self._to_inbox(tracker, message, "faq_ungrounded")
            return events
        key = decision.faq_key
        text = None
        if key:
            with session_scope() as session:
                entry = FaqRepository(session).by_key(key)
                if entry is not None and entry.active:
                    text = entry.answer
        if text:
            dispatcher.utter_message(text=text, **turn("faq"))
            return [
                SlotSet(DECISION_SLOT, decision.summary()),
                ask_for_rating(dispatcher, source="faq", faq_key=key),
            ]
        dispatcher.utter_message(response="utter_default", **turn("decline"))
        self._to_inbox(tracker, message, "faq_inactive")
        return []

    def _to_inbox(self, tracker: Tracker, message: Dict[str, Any], reason: str) -> None:
        try:
            from assistant.inbox.repository import InboxRepository
        except ImportError:
            logger.warning("%s: inbox not available, message not recorded", self.name())
            return
        try:
            with session_scope() as session:
                InboxRepository(session).record(
                    tracker.sender_id,
                    tracker.get_latest_input_channel() or "",
                    message.get("text") or "",
                    "faq",
                    _confidence(message),
                    reason,
                )
        except SQLAlchemyError as error:
            # The citizen already has an answer; only the staff's to-do list misses one.
            logger.error("%s: inbox unavailable (%s)", self.name(), type(error).__name__)
