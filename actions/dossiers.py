"""Dossier status: collect the code and the verification digits, then answer the owner.

A petition's code (PA-2026-000123) is looked up the same way: with the verification when the
reporter left a phone, otherwise only the status and the public reply are told."""

from __future__ import annotations

import re
from typing import Any, Dict, List

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.base import DatabaseAction
from assistant.analytics.outcomes import turn
from assistant.catalog.service import get_service
from assistant.channels.address import METADATA_KEY
from assistant.dossiers import answers
from assistant.dossiers.service import DossierService
from assistant.petitions.service import PetitionService
from assistant.settings import get_settings
from assistant.text.normalize import (
    DOSSIER_CODE_RE,
    PETITION_CODE_RE,
    PROTECTED_RE,
    find_dossier_codes,
    find_petition_codes,
)

NO_DIGITS = "-"  # a petition left without a phone: nothing to verify
BAD_CODE = (
    "Mã hồ sơ chưa đúng định dạng. Mã có dạng <mã cơ quan>-<ngày yymmdd>-<4 số>, ví dụ "
    "000.00.27.H13-240115-0001 (mã phản ánh có dạng PA-2026-000123). Anh/Chị vui lòng nhập lại."
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
        text = tracker.latest_message.get("text") or ""
        codes = find_petition_codes(text) + find_dossier_codes(text)
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
        if isinstance(value, str) and PETITION_CODE_RE.fullmatch(value.strip()):
            code = value.strip().upper()
            # Without a phone nobody can prove a petition is theirs: no digits are asked.
            if not PetitionService().has_phone(code):
                return {"dossier_code": code, "verification_digits": NO_DIGITS}
            return {"dossier_code": code}
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
        # A petition is checked against the phone its reporter left, whatever the rule.
        petition = PETITION_CODE_RE.fullmatch(tracker.get_slot("dossier_code") or "")
        rule = "phone" if petition else settings.verification_rule
        dispatcher.utter_message(text=answers.ask_digits(rule, settings.verification_digits))
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
        address = address if isinstance(address, str) else None
        forget = [SlotSet("verification_digits", None), SlotSet("dossier_code", None)]
        code = tracker.get_slot("dossier_code") or ""
        if PETITION_CODE_RE.fullmatch(code):
            dispatcher.utter_message(
                text=petition_answer(tracker, code, address), **turn("dossier")
            )
            return forget
        outcome = DossierService().check(
            tracker.get_slot("dossier_code") or "",
            tracker.get_slot("verification_digits") or "",
            tracker.sender_id,
            address=address,
        )
        if outcome.kind == "ok":
            view = outcome.dossier
            procedure = get_service().get(view.procedure_code) if view.procedure_code else None
            dispatcher.utter_message(
                text=answers.status_answer(view, procedure), **turn("dossier", lookup="verified")
            )
        elif outcome.kind == "locked":
            dispatcher.utter_message(
                text=answers.locked(get_settings().hotline), **turn("dossier", lookup="locked")
            )
        else:
            dispatcher.utter_message(text=answers.DENIED, **turn("dossier", lookup="failed"))
        # The digits are used once and forgotten; the code too, so a new lookup asks again.
        return forget


def petition_answer(tracker: Tracker, code: str, address: str | None) -> str:
    """The public status without a phone to check; the owner's view once verified."""
    from actions.petition_submit import petition_status_text

    service = PetitionService()
    digits = tracker.get_slot("verification_digits") or ""
    if digits == NO_DIGITS:
        view = service.public(code)
        if view is None:
            return f"Không tìm thấy phản ánh mã {code}. Anh/Chị vui lòng kiểm tra lại mã."
        return petition_status_text(view)
    outcome = service.verify(code, digits, tracker.sender_id, address=address)
    if outcome.kind == "ok":
        return petition_status_text(outcome.petition, owner=True)
    if outcome.kind == "locked":
        return answers.locked(get_settings().hotline)
    return answers.DENIED
