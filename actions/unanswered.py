"""What the assistant could not answer: a polite reply, and the question kept for staff."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.support import offer_a_person
from assistant.analytics.outcomes import turn
from assistant.db.session import session_scope
from assistant.inbox.repository import InboxRepository

logger = logging.getLogger(__name__)

WARMUP_SENDER = "__warmup__"  # `assistant run` sends a first question as this sender
FALLBACK_INTENT = "nlu_fallback"


def _best_guess(message: Dict[str, Any]) -> Tuple[str, float]:
    """The intent and confidence to file the message under.

    With Rasa's FallbackClassifier the intent is ``nlu_fallback`` and what the NLU actually
    guessed is next in the ranking; staff choosing an intent for a paraphrase want the guess.
    """
    intent = message.get("intent") or {}
    name, confidence = intent.get("name") or "", intent.get("confidence") or 0.0
    if name == FALLBACK_INTENT:
        for ranked in message.get("intent_ranking") or []:
            if ranked.get("name") and ranked.get("name") != FALLBACK_INTENT:
                return ranked["name"], ranked.get("confidence") or 0.0
    return name, confidence


class ActionUnanswered(Action):
    """Answers out-of-scope and unclear messages, then files them in the staff inbox.

    The citizen's answer comes first and never depends on the database: a failure while
    filing is logged (its type only, the text may hold personal data) and swallowed.
    """

    def name(self) -> str:
        return "action_unanswered"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        if text.strip() and not text.startswith("/"):
            # Long questions full of background often read as out of scope although they
            # name a procedure: the answer service gets the last word when it has evidence.
            decision = self._procedure(message, tracker)
            if decision is not None:
                from actions.procedures import say

                events = say(dispatcher, decision)
                if decision.kind == "decline":
                    offer_a_person(dispatcher, tracker)
                return events
        top = (message.get("intent") or {}).get("name")
        out_of_scope = top == "out_of_scope"
        dispatcher.utter_message(
            response="utter_out_of_scope" if out_of_scope else "utter_default",
            **turn("decline"),
        )
        offer_a_person(dispatcher, tracker)
        if tracker.sender_id == WARMUP_SENDER or not text.strip() or text.startswith("/"):
            return []  # warm-up, or a button payload rather than something a citizen typed
        intent, confidence = _best_guess(message)
        try:
            with session_scope() as session:
                InboxRepository(session).record(
                    tracker.sender_id,
                    tracker.get_latest_input_channel() or "",
                    text,
                    intent,
                    confidence,
                    "out_of_scope" if out_of_scope else "fallback",
                )
        except Exception as error:  # noqa: BLE001 - the citizen's answer must never be lost
            logger.error("action_unanswered: not filed in the inbox (%s)", type(error).__name__)
        return []

    @staticmethod
    def _procedure(message: Dict[str, Any], tracker: Tracker):
        """The answer service's decision when it has the evidence to overrule the NLU."""
        from assistant.answering.service import get_answer_service

        try:
            decision = get_answer_service().overrule(message, tracker.get_slot("procedure_code"))
        except Exception as error:  # noqa: BLE001 - then the usual polite reply
            logger.error("action_unanswered: no answer service (%s)", type(error).__name__)
            return None
        return decision
