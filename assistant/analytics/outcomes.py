"""What each turn did, carried by the tracker itself: the first message an action utters in
a turn has ``metadata["turn"]`` (Rasa keeps the extra keys of ``utter_message`` as the bot
event's metadata), so the statistics are read from the same events as the conversation and
there is no second log that could disagree with it.

``outcome`` is one of :data:`OUTCOMES`; ``procedure`` and ``aspect`` say what an answer was
about; ``lookup`` says how a dossier look-up ended. A turn with no tagged message (a greeting,
a step of a form) counts as ``other``.
"""

from __future__ import annotations

from typing import Any, Dict

TURN_KEY = "turn"
OUTCOMES = (
    "answer",  # a procedure's fact
    "faq",  # a staff-written FAQ answer
    "confirm",  # "is it procedure X?"
    "clarify",  # a choice of procedures, or "which procedure?"
    "decline",  # an honest "I cannot answer this, ask there"
    "handoff",  # a person: live desk or a message for call-back
    "dossier",  # a dossier or petition look-up
    "petition",  # a petition submitted
    "other",
)
LOOKUPS = ("verified", "failed", "locked")
# Labels for staff (Vietnamese)
OUTCOME_LABELS = {
    "answer": "Trả lời thủ tục",
    "faq": "Trả lời câu hỏi chung",
    "confirm": "Hỏi lại để xác nhận",
    "clarify": "Đề nghị chọn thủ tục",
    "decline": "Chưa trả lời được",
    "handoff": "Chuyển cán bộ",
    "dossier": "Tra cứu hồ sơ",
    "petition": "Gửi phản ánh",
    "other": "Khác (chào hỏi, điền thông tin)",
}
ANSWERED = ("answer", "faq")


def turn(
    outcome: str,
    procedure: str | None = None,
    aspect: str | None = None,
    lookup: str | None = None,
) -> Dict[str, Any]:
    """Keyword arguments for ``dispatcher.utter_message`` that tag the message with the turn's
    outcome: ``dispatcher.utter_message(text=..., **turn("answer", code, "fee"))``."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    if lookup is not None and lookup not in LOOKUPS:
        raise ValueError(f"unknown lookup {lookup!r}")
    tag: Dict[str, Any] = {"outcome": outcome}
    if procedure:
        tag["procedure"] = str(procedure)
    if aspect:
        tag["aspect"] = str(aspect)
    if lookup:
        tag["lookup"] = lookup
    return {TURN_KEY: tag}


def read(bot_event: Dict[str, Any]) -> Dict[str, Any] | None:
    """The tag of a serialised bot event, or None."""
    metadata = bot_event.get("metadata") or {}
    tag = metadata.get(TURN_KEY) if isinstance(metadata, dict) else None
    if isinstance(tag, dict) and tag.get("outcome") in OUTCOMES:
        return tag
    return None
