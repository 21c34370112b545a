"""Ratings of answers: kept once per answer and sender, masked, and a 👎 goes to the inbox.

The action names the answer by the reference its rating buttons carried; what the answer was
about (a procedure code and aspect, or an FAQ key), the question it answered and the model
that read it come from the conversation, never from the button. A 👎 also becomes an entry
of the staff inbox (reason ``thumbs_down``), where staff fix the FAQ, add an alias or file a
training example, as for questions the assistant could not answer.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Dict

from assistant import audit
from assistant.db.session import session_scope
from assistant.feedback.repository import FeedbackRepository
from assistant.inbox.repository import InboxRepository
from assistant.privacy import mask_personal_data
from assistant.sender_hash import sender_hash

logger = logging.getLogger(__name__)

RATINGS = ("up", "down")
SOURCES = ("procedure", "faq", "handoff")
# Why a 👎, as the citizen's buttons offer it (labels are what the citizen and staff read).
REASONS = {
    "wrong_procedure": "Sai thủ tục",
    "wrong_info": "Thiếu/sai thông tin",
    "unclear": "Khó hiểu",
    "other": "Khác",
}
MAX_PER_HOUR = 20  # ratings and reasons one sender may give in an hour
MAX_TEXT = 1000


@dataclass(frozen=True)
class Answered:
    """One answer the assistant gave, as the conversation remembers it."""

    ref: str
    source: str  # procedure | faq | handoff (a live conversation with staff)
    procedure_code: str | None = None
    aspect: str | None = None
    faq_key: str | None = None
    handoff_id: int | None = None

    @classmethod
    def from_slot(cls, value: Any) -> Answered | None:
        if not isinstance(value, dict):
            return None
        ref, source = value.get("ref"), value.get("source")
        if not isinstance(ref, str) or not ref or source not in SOURCES:
            return None
        text = {k: value.get(k) for k in ("procedure_code", "aspect", "faq_key")}
        clean = {k: str(v)[:128] for k, v in text.items() if isinstance(v, (str, int)) and v}
        handoff = value.get("handoff_id")
        if isinstance(handoff, int) and not isinstance(handoff, bool):
            clean["handoff_id"] = handoff
        return cls(ref=ref[:32], source=source, **clean)

    def as_slot(self) -> Dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def _masked(text: str | None) -> str:
    return mask_personal_data((text or "").strip())[:MAX_TEXT]


def _over_limit(repo: FeedbackRepository, who: str, now: datetime) -> bool:
    return repo.count_since(who, now - timedelta(hours=1)) >= MAX_PER_HOUR


class FeedbackService:
    def __init__(self, url: str | None = None) -> None:
        self.url = url

    def rate(
        self,
        sender_id: str,
        channel: str,
        answered: Answered,
        rating: str,
        question: str = "",
        model_id: str = "",
        now: datetime | None = None,
    ) -> str:
        """Store a rating: "saved", "changed" (a different one before), "same" or "limited"."""
        if rating not in RATINGS:
            raise ValueError(f"unknown rating {rating!r}")
        now = now or audit.utcnow()
        who = sender_hash(sender_id)
        with session_scope(self.url) as session:
            repo = FeedbackRepository(session)
            if _over_limit(repo, who, now):
                return "limited"
            row = repo.get(who, answered.ref)
            if row is not None and row.rating == rating:
                return "same"
            masked = _masked(question)
            if row is None:
                row = repo.add(
                    sender_hash=who,
                    answer_ref=answered.ref,
                    channel=(channel or "")[:32],
                    source=answered.source,
                    procedure_code=answered.procedure_code,
                    aspect=answered.aspect,
                    faq_key=answered.faq_key,
                    handoff_id=answered.handoff_id,
                    question=masked,
                    rating=rating,
                    model_id=(model_id or "")[:64],
                    created_at=now,
                    updated_at=now,
                )
                outcome = "saved"
            else:
                row.rating, row.reason, row.comment, row.updated_at = rating, None, None, now
                outcome = "changed"
            # A 👎 on an answer is a question to fix; on a conversation with staff it is not.
            fixable = answered.source != "handoff"
            if rating == "down" and fixable and row.inbox_message_id is None and masked:
                entry = InboxRepository(session).record(
                    sender_id, channel, masked, "", 0.0, "thumbs_down", answered.as_slot()
                )
                row.inbox_message_id = entry.id if entry is not None else None
            return outcome

    def explain(
        self,
        sender_id: str,
        ref: str,
        reason: str,
        comment: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Why a 👎: False when this sender gave no 👎 to that answer (or the limit is hit)."""
        if reason not in REASONS:
            raise ValueError(f"unknown reason {reason!r}")
        now = now or audit.utcnow()
        who = sender_hash(sender_id)
        with session_scope(self.url) as session:
            repo = FeedbackRepository(session)
            row = repo.get(who, ref)
            if row is None or row.rating != "down":
                return False
            if _over_limit(repo, who, now):
                return False
            row.reason = reason
            if comment is not None:
                row.comment = _masked(comment) or None
            row.updated_at = now
            if row.inbox_message_id is not None:
                InboxRepository(session).annotate(
                    row.inbox_message_id, {"reason": reason, "comment": row.comment}
                )
            return True
