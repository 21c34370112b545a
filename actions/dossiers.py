"""Dossier status: collect the code and the verification digits, then answer the owner."""

from __future__ import annotations

import re
from typing import Any, Dict, List

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import DatabaseAction
from assistant.catalog.service import get_service
from assistant.channels.address import METADATA_KEY
from assistant.dossiers import answers
from assistant.dossiers.service import DossierService
from assistant.settings import get_settings
from assistant.text.normalize import DOSSIER_CODE_RE, PROTECTED_RE, find_dossier_codes

BAD_CODE = (
    "Mã hồ sơ chưa đúng định dạng. Mã có dạng <mã cơ quan>-<ngày yymmdd>-<4 số>, ví dụ "
    "000.00.27.H13-240115-0001. Anh/Chị vui lòng nhập lại."
)


def digits_in(text: str, count: int) -> List[str]:
    """Candidate verification answers: runs of exactly ``count`` digits, or a phone's tail."""
    found = []
    for match in PROTECTED_RE.finditer(text or ""):
        kind, piece = match.lastgroup, re.sub(r"\D", "", match.group(0))
        if kind == "number" and len(piece) == count:
            found.append(piece)
        elif kind == "phone" and len(piece) >= count:
            found.append(piece[-count:])
    return found


class ValidateDossierForm(FormValidationAction):
    """Takes the code from anywhere in a message, the digits only when they were asked for."""

    def name(self) -> str:
        return "validate_dossier_form"

    async def extract_dossier_code(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        codes = find_dossier_codes(tracker.latest_message.get("text") or "")
        codes += [
            str(e["value"]).upper()
            for e in tracker.latest_message.get("entities") or []
            if e.get("entity") == "dossier_code"
        ]
        return {"dossier_code": codes[0]} if codes else {}

    async def extract_verification_digits(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != "verification_digits":
            return {}
        candidates = digits_in(
            tracker.latest_message.get("text") or "", get_settings().verification_digits
        )
        return {"verification_digits": candidates[-1]} if candidates else {}

    def validate_dossier_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        if isinstance(value, str) and DOSSIER_CODE_RE.fullmatch(value.strip()):
            return {"dossier_code": value.strip().upper()}
        dispatcher.utter_message(text=BAD_CODE)
        return {"dossier_code": None}

    def validate_verification_digits(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[str, Any]:
        count = get_settings().verification_digits
        if isinstance(value, str) and value.isdigit() and len(value) == count:
            return {"verification_digits": value}
        return {"verification_digits": None}


class ActionAskVerificationDigits(Action):
    """Asks for the digits the configured rule needs (phone or ID number, how many)."""

    def name(self) -> str:
        return "action_ask_verification_digits"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        settings = get_settings()
        dispatcher.utter_message(
            text=answers.ask_digits(settings.verification_rule, settings.verification_digits)
        )
        return []


class ActionDossierStatus(DatabaseAction):
    """Tells the status to the verified owner; the same neutral answer for any failure."""

    def name(self) -> str:
        return "action_dossier_status"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        # Set by the REST channel from the connection, never by the client (see
        # assistant/channels/rest.py); Zalo and Messenger have none.
        address = (tracker.latest_message.get("metadata") or {}).get(METADATA_KEY)
        outcome = DossierService().check(
            tracker.get_slot("dossier_code") or "",
            tracker.get_slot("verification_digits") or "",
            tracker.sender_id,
            address=address if isinstance(address, str) else None,
        )
        if outcome.kind == "ok":
            view = outcome.dossier
            procedure = get_service().get(view.procedure_code) if view.procedure_code else None
            dispatcher.utter_message(text=answers.status_answer(view, procedure))
        elif outcome.kind == "locked":
            dispatcher.utter_message(text=answers.locked(get_settings().hotline))
        else:
            dispatcher.utter_message(text=answers.DENIED)
        # The digits are used once and forgotten; the code too, so a new lookup asks again.
        return [SlotSet("verification_digits", None), SlotSet("dossier_code", None)]
