"""The end of the petition form (sent, followed or cancelled), a petition's status by its
code, and the updates a returning citizen has not seen yet (at the start of a session)."""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.petitions import CANCELLED, SLOTS, commune_name, photo_tokens
from actions.support import hotline_sentence
from assistant.analytics.outcomes import turn
from assistant.petitions.errors import PetitionError
from assistant.petitions.service import PetitionService
from assistant.settings import get_settings

logger = logging.getLogger(__name__)

STOPPED = "Vâng, tôi không gửi phản ánh này. Anh/Chị cần hỏi gì khác cứ nhắn cho tôi."
NOT_SAVED = "Xin lỗi Anh/Chị, tôi chưa gửi được phản ánh lúc này. Anh/Chị vui lòng thử lại sau."


def sent_text(view: Dict[str, Any], with_phone: bool) -> str:
    lookup = (
        f" Khi tra cứu, Anh/Chị cần cho biết {get_settings().verification_digits} số cuối "
        "của số điện thoại đã để lại."
        if with_phone
        else ""
    )
    return (
        f"Tôi đã gửi phản ánh của Anh/Chị. Mã phản ánh: {view['code']}. Phản ánh được chuyển "
        f"tới {view['unit_name']}, hạn xử lý đến ngày {view['due_date']}. Anh/Chị tra cứu "
        f"bằng cách nhắn “phản ánh {view['code']} tới đâu rồi”; khi có kết quả, tôi sẽ báo "
        f"cho Anh/Chị trong cuộc trò chuyện này.{lookup}"
    )


class ActionSubmitPetition(Action):
    def name(self) -> str:
        return "action_submit_petition"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        clear = [SlotSet(slot, None) for slot in SLOTS]
        confirm = tracker.get_slot("petition_confirm") or ""
        if CANCELLED in (confirm, tracker.get_slot("petition_consent")) or not confirm:
            dispatcher.utter_message(text=STOPPED)
            return clear
        channel = tracker.get_latest_input_channel() or ""
        service = PetitionService()
        try:
            if confirm.startswith("follow:"):
                code = confirm.split(":", 1)[1]
                service.follow(code, tracker.sender_id, channel)
                dispatcher.utter_message(
                    text=f"Vâng, Anh/Chị sẽ nhận được thông báo khi phản ánh {code} có cập "
                    "nhật, trong cuộc trò chuyện này. Cảm ơn Anh/Chị đã quan tâm."
                )
                return clear
            contact = tracker.get_slot("petition_contact") or {}
            consent = tracker.get_slot("petition_consent") == "yes" and bool(contact)
            coordinates = tracker.get_slot("petition_coordinates") or [None, None]
            view = service.submit(
                sender_id=tracker.sender_id,
                channel=channel,
                category_key=tracker.get_slot("petition_category") or "",
                commune_code=tracker.get_slot("petition_commune") or "",
                commune_name=commune_name(tracker.get_slot("petition_commune")),
                location=tracker.get_slot("petition_location") or "",
                description=tracker.get_slot("petition_description") or "",
                photo_tokens=tracker.get_slot("petition_photos") or photo_tokens(tracker.events),
                reporter_name=contact.get("name") if consent else None,
                phone=contact.get("phone") if consent else None,
                consent=consent,
                latitude=coordinates[0],
                longitude=coordinates[1],
            )
        except PetitionError as error:
            dispatcher.utter_message(text=str(error))
            return clear
        except Exception as error:  # noqa: BLE001 - say so rather than pretend
            logger.error("action_submit_petition: not stored (%s)", type(error).__name__)
            dispatcher.utter_message(text=NOT_SAVED + hotline_sentence())
            return clear
        dispatcher.utter_message(
            text=sent_text(view, consent and bool(contact.get("phone"))), **turn("petition")
        )
        return clear


def petition_status_text(view: Dict[str, Any], owner: bool = False) -> str:
    """A petition's status in words; the owner's view adds what they reported."""
    lines = [
        f"Phản ánh {view['code']} ({view['category_name']}, {view['commune_name']}), gửi ngày "
        f"{view['created_date']}: {view['status_label'].lower()}."
    ]
    if view.get("open"):
        late = " (đã quá hạn)" if view.get("overdue") else ""
        lines.append(f"Đơn vị xử lý: {view['unit_name']}; hạn xử lý: {view['due_date']}{late}.")
    if view.get("status_reason"):
        lines.append(f"Lý do: {view['status_reason']}")
    if view.get("public_reply"):
        lines.append(f"Trả lời của cơ quan chức năng: {view['public_reply']}")
    if owner:
        lines.append(f"Nội dung Anh/Chị phản ánh: {view.get('description', '')}")
    return "\n".join(lines)


class ActionSessionStart(Action):
    """A new session, as Rasa's own start does, then any petition update not yet told."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        try:
            updates = PetitionService().pending_notifications(tracker.sender_id)
        except Exception as error:  # noqa: BLE001 - the conversation starts anyway
            logger.error("Petition updates unknown: %s", type(error).__name__)
            updates = []
        for text in updates:
            dispatcher.utter_message(text=f"Thông báo: {text}")
        return [SessionStarted(), ActionExecuted("action_listen")]
