"""Answers about procedures: what the answer service decided, said to the citizen."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import DatabaseAction
from actions.feedback import ask_for_rating
from actions.support import offer_a_person
from assistant.analytics.outcomes import turn
from assistant.answering import replies
from assistant.answering.service import Decision, get_answer_service
from assistant.catalog import answers
from assistant.catalog.service import get_service
from assistant.settings import get_settings

ASK_WHICH = (
    "Anh/Chị muốn hỏi về thủ tục nào ạ? Ví dụ: đăng ký khai sinh, cấp phiếu lý lịch tư pháp, "
    "đăng ký hộ kinh doanh."
)
WHICH_ONE = "Có một số thủ tục gần với câu hỏi của Anh/Chị. Anh/Chị muốn hỏi thủ tục nào?"
DECISION_SLOT = "answer_decision"


def _entity_values(tracker: Tracker, name: str) -> List[str]:
    entities = tracker.latest_message.get("entities") or []
    values = [e.get("value") for e in entities if e.get("entity") == name and e.get("value")]
    return sorted({str(v) for v in values}, key=len, reverse=True)


def say(dispatcher: CollectingDispatcher, decision: Decision) -> List[Dict[str, Any]]:
    """Utters a decision and returns the events that remember it."""
    catalog = get_service()
    remember = [SlotSet(DECISION_SLOT, decision.summary())]
    if decision.kind == "answer":
        record = catalog.get(decision.code)
        if record is None:
            dispatcher.utter_message(text=ASK_WHICH, **turn("clarify"))
            return remember
        aspect = decision.aspect or "steps"
        dispatcher.utter_message(
            text=answers.answer(record, aspect), **turn("answer", record.code, aspect)
        )
        return [
            *remember,
            SlotSet("procedure_code", record.code),
            SlotSet("pending_aspect", None),
            ask_for_rating(
                dispatcher, source="procedure", procedure_code=record.code, aspect=aspect
            ),
        ]
    if decision.kind == "confirm":
        record = catalog.get(decision.code)
        if record is not None:
            dispatcher.utter_message(
                text=replies.confirm(record, decision.aspect),
                buttons=replies.confirm_buttons(record.code),
                **turn("confirm", record.code, decision.aspect),
            )
            return [*remember, SlotSet("pending_aspect", decision.aspect)]
    if decision.kind == "clarify":
        dispatcher.utter_message(
            text=WHICH_ONE,
            buttons=answers.choice_buttons(decision.candidates),
            **turn("clarify", aspect=decision.aspect),
        )
        return [*remember, SlotSet("pending_aspect", decision.aspect)]
    if decision.kind == "ask":
        dispatcher.utter_message(text=ASK_WHICH, **turn("clarify", aspect=decision.aspect))
        return [*remember, SlotSet("pending_aspect", decision.aspect)]
    closest = catalog.get(decision.closest[0]) if decision.closest else None
    dispatcher.utter_message(
        text=replies.decline(decision.reason, closest, get_settings().hotline),
        **turn("decline"),
    )
    return remember


class ActionAnswerProcedure(DatabaseAction):
    """Answers the fact asked about the procedure meant, or confirms, offers choices or
    declines when the evidence is weak (the decision is the answer service's)."""

    def name(self) -> str:
        return "action_answer_procedure"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        pending = tracker.get_slot("pending_aspect")

        if intent == "choose_procedure":
            codes = _entity_values(tracker, "procedure_code")
            if not codes or get_service().get(codes[0]) is None:
                dispatcher.utter_message(text=ASK_WHICH, **turn("clarify"))
                return []
            return say(dispatcher, Decision("answer", pending or "steps", codes[0], probability=1))

        decision = get_answer_service().decide(message, tracker.get_slot("procedure_code"))
        if pending and intent == "ask_procedure_overview" and decision.kind != "decline":
            decision.aspect = pending  # a bare procedure name answering our "which procedure?"
        events = say(dispatcher, decision)
        if decision.kind == "decline":
            offer_a_person(dispatcher, tracker)
        return events


class ActionAffirm(DatabaseAction):
    """ "Có", "đúng rồi" after "is it procedure X?" answers X; otherwise a plain acknowledgement."""

    def name(self) -> str:
        return "action_affirm"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        last = tracker.get_slot(DECISION_SLOT) or {}
        if isinstance(last, dict) and last.get("kind") == "confirm" and last.get("code"):
            aspect = tracker.get_slot("pending_aspect") or last.get("aspect") or "steps"
            return say(dispatcher, Decision("answer", aspect, last["code"], probability=1))
        dispatcher.utter_message(response="utter_affirm_ack")
        return []
