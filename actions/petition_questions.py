"""The petition form's questions that depend on what the citizen said: the field (the
likeliest first), the commune or ward (the candidates when a name is ambiguous), the photos
(how many arrived) and the summary to confirm (with a similar open petition to follow)."""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.petitions import MAX_PHOTOS, commune_name, interrupts, photo_tokens
from assistant.petitions import config
from assistant.petitions.communes import communes, match_commune
from assistant.petitions.service import PetitionService

logger = logging.getLogger(__name__)

MAX_CHOICES = 6


def _answered(tracker: Tracker, slot: str) -> str | None:
    """The citizen's last message when it was typed in answer to ``slot``'s question (which
    was then left open): the question is asked again with what went wrong."""
    text = (tracker.latest_message.get("text") or "").strip()
    if not text or text.startswith("/") or interrupts(tracker.latest_message or {}):
        return None  # a question answered in between: the form just asks again
    users = [i for i, event in enumerate(tracker.events) if event.get("event") == "user"]
    asked = None
    for event in tracker.events[: users[-1] if users else 0]:
        if event.get("event") == "slot" and event.get("name") == "requested_slot":
            asked = event.get("value")
    return text if asked == slot else None


class ActionAskPetitionCategory(Action):
    def name(self) -> str:
        return "action_ask_petition_form_petition_category"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        guessed = config.match_category(tracker.get_slot("petition_description") or "")
        ordered = config.categories()
        if guessed is not None:
            ordered = [guessed] + [c for c in ordered if c.key != guessed.key]
        unclear = _answered(tracker, "petition_category")
        lead = f"Tôi chưa rõ lĩnh vực “{unclear[:40]}”. " if unclear else ""
        dispatcher.utter_message(
            text=f"{lead}Sự việc thuộc lĩnh vực nào ạ?",
            buttons=[{"title": c.name, "payload": c.name} for c in ordered],
        )
        return []


class ActionAskPetitionCommune(Action):
    def name(self) -> str:
        return "action_ask_petition_form_petition_commune"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        city = communes()[0].province_name if communes() else "thành phố"
        typed = _answered(tracker, "petition_commune")
        found = match_commune(typed) if typed else []
        if len(found) > 1:
            dispatcher.utter_message(
                text="Ý Anh/Chị là phường, xã nào ạ?",
                buttons=[{"title": c.name, "payload": c.name} for c in found[:MAX_CHOICES]],
            )
        elif typed:
            dispatcher.utter_message(
                text=f"Tôi chưa tìm thấy phường, xã “{typed[:40]}” ở {city}. Anh/Chị nhập lại "
                "tên phường hoặc xã nơi xảy ra sự việc (ví dụ: phường Ninh Kiều, xã Phong Điền)."
            )
        else:
            dispatcher.utter_message(
                text=f"Sự việc xảy ra ở phường, xã nào của {city} ạ? (ví dụ: phường Ninh Kiều)"
            )
        return []


class ActionAskPetitionPhotos(Action):
    def name(self) -> str:
        return "action_ask_petition_form_petition_photos"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        count = len(photo_tokens(tracker.events))
        if count:
            dispatcher.utter_message(
                text=f"Tôi đã nhận {count} ảnh. Anh/Chị gửi thêm (tối đa {MAX_PHOTOS} ảnh) "
                "hoặc nhắn “xong”.",
                buttons=[{"title": "Xong", "payload": "xong"}],
            )
            return []
        dispatcher.utter_message(
            text="Anh/Chị có ảnh hiện trường không ạ? Anh/Chị gửi tối đa 3 ảnh (JPEG, PNG hoặc "
            "WebP, mỗi ảnh tối đa 5 MB; trong khung chat trên cổng, bấm nút ảnh), gửi xong "
            "nhắn “xong”; không có ảnh thì nhắn “không”.",
            buttons=[{"title": "Không có ảnh", "payload": "không có ảnh"}],
        )
        return []


def place(tracker: Tracker) -> str:
    where = tracker.get_slot("petition_location") or ""
    coordinates = tracker.get_slot("petition_coordinates")
    if isinstance(coordinates, list) and len(coordinates) == 2:
        return f"{where} ({coordinates[0]:.5f}, {coordinates[1]:.5f})"
    return where


def summary(tracker: Tracker) -> str:
    category = config.category(tracker.get_slot("petition_category") or "")
    photos = len(tracker.get_slot("petition_photos") or [])
    lines = [
        "Anh/Chị kiểm tra lại phản ánh trước khi gửi:",
        f"- Lĩnh vực: {category.name if category else ''}",
        f"- Phường/xã: {commune_name(tracker.get_slot('petition_commune'))}",
        f"- Địa điểm: {place(tracker)}",
        f"- Nội dung: {tracker.get_slot('petition_description') or ''}",
        f"- Ảnh: {photos}" if photos else "- Ảnh: không có",
    ]
    if category is not None:
        lines.append(f"Thời hạn xử lý dự kiến: {category.days} ngày kể từ khi gửi.")
    return "\n".join(lines)


class ActionAskPetitionConfirm(Action):
    def name(self) -> str:
        return "action_ask_petition_form_petition_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        try:
            similar = PetitionService().similar(
                tracker.get_slot("petition_category") or "",
                tracker.get_slot("petition_commune") or "",
                tracker.get_slot("petition_description") or "",
            )
        except Exception as error:  # noqa: BLE001 - a new petition is still possible
            logger.error("Similar petitions unknown: %s", type(error).__name__)
            similar = []
        if similar:
            first = similar[0]
            dispatcher.utter_message(
                text=f"{summary(tracker)}\n\nĐã có phản ánh tương tự đang được xử lý: "
                f"{first['code']} ({first['status_label'].lower()}, gửi ngày "
                f"{first['created_date']}). Anh/Chị có muốn theo dõi phản ánh đó thay vì gửi "
                "phản ánh mới không ạ?",
                buttons=[
                    {"title": f"Theo dõi {first['code']}", "payload": f"theo dõi {first['code']}"},
                    {"title": "Vẫn gửi phản ánh mới", "payload": "gửi"},
                    {"title": "Hủy", "payload": "hủy"},
                ],
            )
            return []
        dispatcher.utter_message(
            text=summary(tracker),
            buttons=[
                {"title": "Gửi phản ánh", "payload": "gửi"},
                {"title": "Hủy", "payload": "hủy"},
            ],
        )
        return []
