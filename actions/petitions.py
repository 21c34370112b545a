"""A citizen's petition ("phản ánh, kiến nghị"), collected as a form that can be interrupted.

A report ("đèn đường ở hẻm 12 bị hư lâu rồi") starts ``petition_form``: what happened (taken
from the first message when it says enough), the field (buttons, the likeliest first), the
commune or ward (from the current list of administrative units; buttons when a name is
ambiguous), the place (words, or a location the widget or Zalo shares), up to 3 photos, a
summary to confirm (with an existing similar petition to follow instead), then, if the
citizen agrees, a name and phone in one message. "thôi" stops it at any step; a procedure or
FAQ question in the middle is answered and the form asks its question again.

Free text is taken only while its question is open. Photos and locations arrive as the
channels' payloads (``/send_photo{"photo_token": …}``, ``/send_location{…}``).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from assistant.handoff.service import phone_number
from assistant.petitions import config
from assistant.petitions.communes import get_commune, match_commune
from assistant.petitions.service import PetitionService
from assistant.text.normalize import fold, message_key

logger = logging.getLogger(__name__)

FORM = "petition_form"
SLOTS = (
    "petition_description",
    "petition_category",
    "petition_commune",
    "petition_location",
    "petition_coordinates",
    "petition_photos",
    "petition_confirm",
    "petition_consent",
    "petition_contact",
)
CANCELLED = "__cancelled__"
SHARED_LOCATION = "vị trí đã gửi"
MAX_PHOTOS = 3
# A question in the middle of the form is answered by its own rule, then the form resumes.
INTERRUPTIONS = {
    "ask_documents",
    "ask_fee",
    "ask_processing_time",
    "ask_where_to_submit",
    "ask_procedure_overview",
    "faq",
}
INTERRUPTION_CONFIDENCE = 0.9
_CANCEL = {"thoi", "huy", "huy bo", "dung", "dung lai", "thoi khong gui nua", "khong gui nua"}
_YES = {"co", "dong y", "dong y de lai", "ok", "oke", "u", "vang", "da", "co a", "duoc"}
_NO = {"khong", "ko", "k", "khong de lai", "khong a", "thoi khoi", "khoi"}
_DONE = {"xong", "xong roi", "het", "het roi", "du roi", "vay thoi", "gui xong"}
_NO_PHOTO = {"khong", "ko", "k", "khong co", "khong co anh", "khong co hinh", "khong a"}
_SEND = {"gui", "gui phan anh", "gui di", "dong y", "ok", "co", "xac nhan"}
_FOLLOW = re.compile(r"\btheo doi\b")
START = (
    "Tôi sẽ giúp Anh/Chị gửi phản ánh tới cơ quan chức năng của thành phố, qua vài câu hỏi "
    "ngắn. Anh/Chị nhắn “thôi” để dừng bất cứ lúc nào."
)
_NAME_LABELS = (
    ("ho", "va", "ten"),
    ("ho", "ten"),
    ("ten", "toi", "la"),
    ("toi", "ten", "la"),
    ("toi", "ten"),
    ("ten", "la"),
    ("ten",),
)
_PHONE_LABELS = {"sdt", "so", "dien", "thoai", "dt", "dthoai", "so dien thoai"}
GENERIC = {"phan", "anh", "kien", "nghi", "toi", "muon", "gui", "cho", "mot", "viec", "y", "a"}


def interrupts(message: Dict[str, Any]) -> bool:
    """A confident procedure question (naming one) or FAQ: answered before the form goes on."""
    intent = message.get("intent") or {}
    if intent.get("name") not in INTERRUPTIONS:
        return False
    if (intent.get("confidence") or 0) < INTERRUPTION_CONFIDENCE:
        return False
    named = any(e.get("entity") == "procedure" for e in message.get("entities") or [])
    return named or intent.get("name") == "faq"


def cancels(text: str) -> bool:
    return message_key(text) in _CANCEL


def says_enough(text: str) -> bool:
    """Whether a first message describes the matter (not just "tôi muốn phản ánh")."""
    words = [w for w in re.findall(r"\w+", fold(text or "")) if w not in GENERIC]
    return len(words) >= 4 and PetitionService.check_description(text) is None


def photo_tokens(events: List[Dict[str, Any]]) -> List[str]:
    """The photos shared since the petition started (``/send_photo`` payloads), in order."""
    tokens: List[str] = []
    for event in reversed(events):
        if event.get("event") == "action" and event.get("name") == "action_petition_start":
            break
        if event.get("event") == "user":
            for entity in (event.get("parse_data") or {}).get("entities") or []:
                if entity.get("entity") == "photo_token" and isinstance(entity.get("value"), str):
                    tokens.append(entity["value"][:64])
    return list(dict.fromkeys(reversed(tokens)))[:MAX_PHOTOS]


def category_by_answer(text: str) -> str | None:
    folded = message_key(text)
    for category in config.categories():
        if folded == message_key(category.name) or folded == category.key:
            return category.key
    found = config.match_category(text)
    return found.key if found else None


def parse_contact(text: str) -> Dict[str, str] | None:
    """{"name", "phone"} from "Nguyễn Văn An 0912345678" (either order), or None."""
    match = re.search(r"(?:\+?84|0)[\d .\-]{8,13}\d", text or "")
    phone = phone_number(match.group(0)) if match else None
    if phone is None:
        return None
    words = re.sub(r"[^\w\s]", " ", text[: match.start()] + text[match.end() :]).split()
    folded = [fold(word).lower() for word in words]
    while folded and folded[0] in _PHONE_LABELS:  # "SĐT 09… họ tên …": the phone's label
        words, folded = words[1:], folded[1:]
    for label in _NAME_LABELS:  # "Họ tên: …", "tên …" before the name
        if folded[: len(label)] == list(label):
            words, folded = words[len(label) :], folded[len(label) :]
            break
    while folded and folded[-1] in _PHONE_LABELS:  # "…, SĐT" / "số điện thoại" after it
        words, folded = words[:-1], folded[:-1]
    name = " ".join(words)
    if not re.search(r"[^\W\d_]{2,}", name):
        return None
    return {"name": name[:80], "phone": phone}


def procedure_question(tracker: Tracker):
    """The answer service's decision for a report that asks a catalog fact it can answer
    ("… ghi nhầm ngày sinh, cải chính thì lệ phí bao nhiêu?"): a question, not a petition."""
    from assistant.answering.question import read_question
    from assistant.answering.service import get_answer_service

    message = tracker.latest_message or {}
    text = message.get("text") or ""
    if not text or text.startswith("/") or not read_question(text).cued:
        return None
    try:
        return get_answer_service().overrule(message, tracker.get_slot("procedure_code"))
    except Exception as error:  # noqa: BLE001 - then it is taken as a report
        logger.error("action_petition_start: no answer service (%s)", type(error).__name__)
        return None


class ActionPetitionStart(Action):
    """Clears any earlier petition, keeps a descriptive first message as the description.

    A report that asks a procedure's fee, documents, time or place, and names a procedure
    the catalog has, is answered instead (and the form does not start)."""

    def name(self) -> str:
        return "action_petition_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        decision = procedure_question(tracker)
        if decision is not None:
            from actions.procedures import say

            return [*say(dispatcher, decision), FollowupAction("action_listen")]
        text = tracker.latest_message.get("text") or ""
        events = [SlotSet(slot, None) for slot in SLOTS]
        if not text.startswith("/") and says_enough(text):
            events.append(SlotSet("petition_description", " ".join(text.split())[:2000]))
        dispatcher.utter_message(text=START)
        return events


class ValidatePetitionForm(FormValidationAction):
    def name(self) -> str:
        return "validate_petition_form"

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        if tracker.get_slot("petition_confirm") == CANCELLED:
            # Stopped: the one slot that says so (rasa_sdk returns only the slots listed).
            return ["petition_confirm"]
        # The coordinates come with the place (an empty list when typed); listed so that
        # rasa_sdk keeps them, never asked for.
        at = domain_slots.index("petition_location") + 1
        domain_slots = [*domain_slots[:at], "petition_coordinates", *domain_slots[at:]]
        if tracker.get_slot("petition_confirm") not in (None, "send"):
            return [s for s in domain_slots if s not in ("petition_consent", "petition_contact")]
        if tracker.get_slot("petition_consent") == "no":
            return [s for s in domain_slots if s != "petition_contact"]
        return domain_slots

    # --- what the latest message says for the open question ----------------------------

    @staticmethod
    def _answer(tracker: Tracker, slot: str) -> str | None:
        """The message's text when it answers ``slot``'s question (not a payload, not a
        confident question of another kind, which is answered first)."""
        if tracker.get_slot("requested_slot") != slot:
            return None
        message = tracker.latest_message
        text = (message.get("text") or "").strip()
        if not text or text.startswith("/") or interrupts(message):
            return None
        return text

    @staticmethod
    def _cancelled(text: str | None) -> Dict[str, Any] | None:
        if text is not None and cancels(text):
            return {"petition_confirm": CANCELLED}
        return None

    async def extract_petition_description(self, dispatcher, tracker, domain) -> Dict[str, Any]:
        text = self._answer(tracker, "petition_description")
        return self._cancelled(text) or ({"petition_description": text} if text else {})

    def validate_petition_description(self, value, dispatcher, tracker, domain):
        reason = PetitionService.check_description(value)
        if reason:
            dispatcher.utter_message(text=reason)
            return {"petition_description": None}
        return {"petition_description": " ".join(str(value).split())[:2000]}

    async def extract_petition_category(self, dispatcher, tracker, domain) -> Dict[str, Any]:
        text = self._answer(tracker, "petition_category")
        if text is None:
            return {}
        return self._cancelled(text) or {"petition_category": category_by_answer(text)}

    async def extract_petition_commune(self, dispatcher, tracker, domain) -> Dict[str, Any]:
        text = self._answer(tracker, "petition_commune")
        if text is None:
            return {}
        if self._cancelled(text):
            return self._cancelled(text)
        found = match_commune(text)
        # Several or none: None keeps the question open; its ask action shows the choices.
        return {"petition_commune": found[0].code if len(found) == 1 else None}

    async def extract_petition_location(self, dispatcher, tracker, domain) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != "petition_location":
            return {}
        message = tracker.latest_message
        if (message.get("intent") or {}).get("name") == "send_location":
            values = {e.get("entity"): e.get("value") for e in message.get("entities") or []}
            try:
                latitude, longitude = float(values["latitude"]), float(values["longitude"])
            except (KeyError, TypeError, ValueError):
                return {"petition_location": None}
            if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
                return {"petition_location": None}
            return {
                "petition_location": SHARED_LOCATION,  # the numbers stay in the coordinates
                "petition_coordinates": [latitude, longitude],
            }
        text = self._answer(tracker, "petition_location")
        if text is None:
            return {}
        if self._cancelled(text):
            return self._cancelled(text)
        if len(text) < 3:
            return {"petition_location": None}
        return {"petition_location": " ".join(text.split())[:300], "petition_coordinates": []}

    async def extract_petition_photos(self, dispatcher, tracker, domain) -> Dict[str, Any]:
        if tracker.get_slot("requested_slot") != "petition_photos":
            return {}
        message = tracker.latest_message
        tokens = photo_tokens(tracker.events)
        if (message.get("intent") or {}).get("name") == "send_photo":
            # Full once three arrived; until then the question stays open (it says how many).
            return {"petition_photos": tokens if len(tokens) >= MAX_PHOTOS else None}
        text = self._answer(tracker, "petition_photos")
        if text is None:
            return {}
        if self._cancelled(text):
            return self._cancelled(text)
        folded = message_key(text)
        if folded in _DONE or folded in _NO_PHOTO:
            return {"petition_photos": tokens}
        return {"petition_photos": None}

    async def extract_petition_confirm(self, dispatcher, tracker, domain) -> Dict[str, Any]:
        text = self._answer(tracker, "petition_confirm")
        if text is None:
            return {}
        folded = message_key(text)
        if cancels(text) or folded in ("khong", "khong gui"):
            return {"petition_confirm": CANCELLED}
        follow = _FOLLOW.search(folded)
        codes = re.findall(r"pa-\d{4}-\d{6}", folded)
        if follow and codes:
            return {"petition_confirm": f"follow:{codes[0].upper()}"}
        return {"petition_confirm": "send" if folded in _SEND else None}

    async def extract_petition_consent(self, dispatcher, tracker, domain) -> Dict[str, Any]:
        text = self._answer(tracker, "petition_consent")
        if text is None:
            return {}
        folded = message_key(text)
        if cancels(text):
            return {"petition_confirm": CANCELLED}
        if folded in _YES:
            return {"petition_consent": "yes"}
        if folded in _NO:
            return {"petition_consent": "no"}
        contact = parse_contact(text)  # name and phone given straight away
        if contact:
            return {"petition_consent": "yes", "petition_contact": contact}
        return {"petition_consent": None}

    async def extract_petition_contact(self, dispatcher, tracker, domain) -> Dict[str, Any]:
        text = self._answer(tracker, "petition_contact")
        if text is None:
            return {}
        if cancels(text):
            return {"petition_confirm": CANCELLED}
        if message_key(text) in _NO:
            return {"petition_consent": "no", "petition_contact": None}
        contact = parse_contact(text)
        if contact is None:
            dispatcher.utter_message(
                text="Tôi chưa đọc được họ tên và số điện thoại. Anh/Chị nhắn theo mẫu: "
                "Nguyễn Văn An 0912345678, hoặc nhắn “không” để gửi không kèm thông tin."
            )
        return {"petition_contact": contact}


def commune_name(code: str | None) -> str:
    found = get_commune(code) if code else None
    return found.name if found else ""
