"""Answers about procedures: documents, fee, processing time, where to submit, overview."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import DatabaseAction
from assistant.catalog import answers
from assistant.catalog.service import Resolution, get_service

ASPECT_BY_INTENT = {
    "ask_documents": "documents",
    "ask_fee": "fee",
    "ask_processing_time": "processing_time",
    "ask_where_to_submit": "where",
    "ask_procedure_overview": "overview",
}

ASK_WHICH = (
    "Anh/Chị muốn hỏi về thủ tục nào ạ? Ví dụ: đăng ký khai sinh, cấp phiếu lý lịch tư pháp, "
    "đăng ký hộ kinh doanh."
)
NOT_FOUND = (
    'Tôi chưa tìm thấy thủ tục "{query}" trong cơ sở dữ liệu. Anh/Chị có thể nói rõ hơn tên '
    'thủ tục, ví dụ "đăng ký kết hôn" hoặc "cấp giấy phép xây dựng nhà ở"?'
)
WHICH_ONE = "Có một số thủ tục gần với câu hỏi của Anh/Chị. Anh/Chị muốn hỏi thủ tục nào?"
MAYBE_ONE = "Tôi chưa chắc Anh/Chị hỏi thủ tục nào. Có phải một trong các thủ tục sau không?"


def _entity_values(tracker: Tracker, name: str) -> List[str]:
    entities = tracker.latest_message.get("entities") or []
    values = [e.get("value") for e in entities if e.get("entity") == name and e.get("value")]
    # Longest first: "đăng ký khai sinh lưu động" is more precise than "khai sinh".
    return sorted({str(v) for v in values}, key=len, reverse=True)


class ActionAnswerProcedure(DatabaseAction):
    """Finds the procedure in the catalog (or the conversation) and answers the asked aspect."""

    def name(self) -> str:
        return "action_answer_procedure"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        pending = tracker.get_slot("pending_aspect")
        service = get_service()

        if intent == "choose_procedure":
            codes = _entity_values(tracker, "procedure_code")
            record = service.get(codes[0]) if codes else None
            if record is None:
                dispatcher.utter_message(text=ASK_WHICH)
                return []
            return self._reply(dispatcher, record, pending or "overview")

        aspect = ASPECT_BY_INTENT.get(intent, "overview")
        if pending and intent == "ask_procedure_overview":
            aspect = pending  # a bare procedure name answering our "which procedure?"

        resolution = self._resolve(service, tracker)
        current = tracker.get_slot("procedure_code")
        if resolution.weak and current:
            resolution = Resolution("none")  # a loose guess never beats the conversation
        if resolution.kind == "match":
            return self._reply(dispatcher, service.get(resolution.code), aspect)
        if resolution.kind == "ambiguous":
            buttons = answers.choice_buttons([(h.code, h.name) for h in resolution.candidates])
            dispatcher.utter_message(
                text=MAYBE_ONE if resolution.weak else WHICH_ONE, buttons=buttons
            )
            return [SlotSet("pending_aspect", aspect)]

        record = service.get(current) if current else None
        if record is not None:
            return self._reply(dispatcher, record, aspect)
        mentions = _entity_values(tracker, "procedure")
        if mentions:
            dispatcher.utter_message(text=NOT_FOUND.format(query=answers.shorten(mentions[0], 60)))
        else:
            dispatcher.utter_message(text=ASK_WHICH)
        return [SlotSet("pending_aspect", aspect)]

    @staticmethod
    def _resolve(service, tracker: Tracker) -> Resolution:
        """Entity spans first (precise), then the whole message."""
        for mention in _entity_values(tracker, "procedure"):
            resolution = service.resolve(mention)
            if resolution.kind != "none":
                return resolution
        return service.resolve(tracker.latest_message.get("text") or "")

    @staticmethod
    def _reply(
        dispatcher: CollectingDispatcher, record: Any | None, aspect: str
    ) -> List[Dict[str, Any]]:
        if record is None:
            dispatcher.utter_message(text=ASK_WHICH)
            return []
        dispatcher.utter_message(text=answers.answer(record, aspect))
        return [SlotSet("procedure_code", record.code), SlotSet("pending_aspect", None)]
