"""Unanswered messages (and answers rated 👎) and staff decisions on them.

Messages are stored masked (phones, ID numbers) and the sender only as a keyed hash
(``assistant.sender_hash``), so the inbox holds what was asked, not who asked it. A decision
is validated completely before anything is written, and its effects (training examples, FAQ
entry, alias), the messages' status and the audit entry are written in the caller's one
transaction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, Iterable, List, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant import audit
from assistant.db.models import UnansweredMessage
from assistant.inbox import grouping
from assistant.inbox.examples import (
    MAX_TEXT,
    InboxError,
    TrainingExampleRepository,
    trainable_intents,
)
from assistant.privacy import mask_personal_data
from assistant.sender_hash import sender_hash

DECISIONS = ("paraphrase", "faq", "alias", "noise")
REASONS = ("fallback", "out_of_scope", "faq_inactive", "faq_ungrounded", "thumbs_down")
GROUPED_MESSAGES = 2000  # the newest this many messages of a status are grouped
EXAMPLES_SHOWN = 5


@dataclass
class InboxGroup:
    ids: List[int]  # the representative's message first, then the rest newest first
    text: str  # the representative: the most frequent wording, the newest among equals
    count: int
    examples: List[str]  # a few distinct wordings, representative first
    intents: Dict[str, int]  # what the NLU guessed, and how often
    reasons: Dict[str, int]
    last_at: datetime
    answered: Dict[str, int] = field(default_factory=dict)  # 👎: what was answered, how often
    complaints: Dict[str, int] = field(default_factory=dict)  # 👎: the citizens' reasons


def answered_label(answered: Dict[str, Any]) -> str:
    """ "faq:<key>" or "<procedure code>/<aspect>": what a 👎 answer was about."""
    if answered.get("faq_key"):
        return f"faq:{answered['faq_key']}"
    return f"{answered.get('procedure_code') or '?'}/{answered.get('aspect') or 'steps'}"


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        sender_id: str,
        channel: str,
        text: str,
        intent: str,
        confidence: float,
        reason: str,
        answered: Dict[str, Any] | None = None,
    ) -> UnansweredMessage | None:
        """Keep a message the assistant could not answer, or whose answer a citizen rated 👎
        (``answered`` says what that answer was about); None when there is no text."""
        if reason not in REASONS:
            raise InboxError(f"Lý do không hợp lệ: {reason}")
        cleaned = (text or "").strip()
        if not cleaned:
            return None
        message = UnansweredMessage(
            sender_hash=sender_hash(sender_id),
            channel=(channel or "")[:32],
            # Masked before it is cut, so that a number on the cut is still recognised.
            text=mask_personal_data(cleaned)[:MAX_TEXT],
            intent=(intent or "")[:64],
            confidence=float(confidence or 0.0),
            reason=reason,
            answered=answered,
            status="open",
            created_at=audit.utcnow(),
        )
        self.session.add(message)
        self.session.flush()
        return message

    def annotate(self, message_id: int, details: Dict[str, Any]) -> None:
        """Add to what a 👎 entry says about its answer (the citizen's reason, masked)."""
        message = self.session.get(UnansweredMessage, message_id)
        if message is not None:
            message.answered = {**(message.answered or {}), **details}

    def count(self, status: str = "open") -> int:
        return (
            self.session.scalar(
                select(func.count(UnansweredMessage.id)).where(UnansweredMessage.status == status)
            )
            or 0
        )

    def get_many(self, ids: Iterable[int]) -> List[UnansweredMessage]:
        wanted = _clean_ids(ids)
        if not wanted:
            return []
        rows = self.session.scalars(
            select(UnansweredMessage).where(UnansweredMessage.id.in_(wanted))
        )
        by_id = {row.id: row for row in rows}
        return [by_id[i] for i in wanted if i in by_id]

    def groups(
        self,
        status: str | None = "open",
        limit: int = 100,
        between: tuple | None = None,
        channel: str = "",
    ) -> List[InboxGroup]:
        """Similar messages together, biggest groups first (then the most recent): of one
        status (any with None), optionally sent in ``between`` = (start, end) on a channel."""
        query = select(UnansweredMessage)
        if status is not None:
            query = query.where(UnansweredMessage.status == status)
        if between is not None:
            query = query.where(
                UnansweredMessage.created_at >= between[0],
                UnansweredMessage.created_at < between[1],
            )
        if channel:
            query = query.where(UnansweredMessage.channel == channel)
        rows = list(
            self.session.scalars(
                query.order_by(
                    UnansweredMessage.created_at.desc(), UnansweredMessage.id.desc()
                ).limit(GROUPED_MESSAGES)
            )
        )
        out = []
        for indices in grouping.cluster([row.text for row in rows]):
            members = [rows[i] for i in indices]
            texts = [m.text for m in members]
            first = grouping.representative(texts)
            members.insert(0, members.pop(first))
            texts.insert(0, texts.pop(first))
            out.append(
                InboxGroup(
                    ids=[m.id for m in members],
                    text=texts[0],
                    count=len(members),
                    examples=grouping.distinct(texts)[:EXAMPLES_SHOWN],
                    intents=dict(Counter(m.intent for m in members if m.intent).most_common()),
                    reasons=dict(Counter(m.reason for m in members).most_common()),
                    last_at=max(m.created_at for m in members),
                    answered=dict(
                        Counter(answered_label(m.answered) for m in members if m.answered)
                    ),
                    complaints=dict(
                        Counter(
                            str(m.answered["reason"])
                            for m in members
                            if m.answered and m.answered.get("reason")
                        )
                    ),
                )
            )
        out.sort(key=lambda g: (-g.count, -g.last_at.timestamp()))
        return out[:limit]

    def resolve(
        self,
        actor: str,
        ids: Sequence[int],
        decision: str,
        *,
        intent: str | None = None,
        answer: str | None = None,
        question: str | None = None,
        code: str | None = None,
        alias: str | None = None,
    ) -> Dict[str, Any]:
        """Apply one staff decision to the open messages among ``ids``.

        Returns what was created (``example_ids`` / ``faq_id`` / ``code`` + ``alias``), the
        decision and the ids resolved. Raises InboxError, with nothing written, when the
        decision cannot be applied.
        """
        if decision not in DECISIONS:
            raise InboxError("Quyết định không hợp lệ: chọn câu mẫu, FAQ, tên gọi hoặc bỏ qua.")
        messages = [m for m in self.get_many(ids) if m.status == "open"]
        if not messages:
            raise InboxError(
                "Không còn câu hỏi nào đang chờ trong nhóm này (có thể đã được xử lý)."
            )
        texts = grouping.distinct([m.text for m in messages])
        first = texts[0] if texts else ""
        intent = (intent or "").strip()
        answer = (answer or "").strip()
        question = (question or "").strip() or first
        code = (code or "").strip()
        alias = (alias or "").strip() or first
        if decision == "paraphrase":
            if intent not in trainable_intents():
                raise InboxError("Hãy chọn một ý định (intent) hợp lệ cho các câu mẫu.")
            if not texts:
                raise InboxError("Nhóm này không có câu nào dùng làm câu mẫu được.")
        if decision == "faq" and not answer:
            raise InboxError("Hãy nhập câu trả lời cho câu hỏi thường gặp.")
        if decision == "faq" and not question:
            raise InboxError("Hãy nhập câu hỏi cho câu hỏi thường gặp.")
        if decision == "alias" and not code:
            raise InboxError("Hãy chọn mã thủ tục cho tên gọi.")
        if decision == "alias" and not alias:
            raise InboxError("Tên gọi không được để trống.")

        # Each effect is the first write of its branch, so a refusal inside it (unknown code,
        # FAQ rule) still leaves nothing behind.
        if decision == "paraphrase":
            resolution = self._paraphrase(actor, intent, texts)
        elif decision == "faq":
            resolution = self._faq(actor, question, answer, texts)
        elif decision == "alias":
            resolution = self._alias(code, alias)
        else:
            resolution = {}

        now = audit.utcnow()
        resolved_ids = [m.id for m in messages]
        for message in messages:
            message.status = decision
            message.resolution = resolution
            message.resolved_by = (actor or "")[:64]
            message.resolved_at = now
        result = {"decision": decision, "ids": resolved_ids, **resolution}
        audit.record(
            self.session,
            actor,
            f"inbox.{decision}",
            "inbox",
            _entity_id(resolved_ids),
            None,
            result,
        )
        self.session.flush()
        return result

    # --- the decisions' effects ------------------------------------------------------------

    def _paraphrase(self, actor: str, intent: str, texts: List[str]) -> Dict[str, Any]:
        created, refused = TrainingExampleRepository(self.session).add_from_inbox(
            actor, intent, texts
        )
        return {"intent": intent, "example_ids": [e.id for e in created], "refused": refused}

    def _faq(self, actor: str, question: str, answer: str, texts: List[str]) -> Dict[str, Any]:
        from assistant.faq.repository import (
            MAX_PARAPHRASE,
            MAX_PARAPHRASES,
            FaqError,
            FaqRepository,
        )

        question_key = grouping.key(question)
        # A big group keeps its first (newest) wordings within the FAQ's limits rather than
        # being refused for having too many.
        paraphrases = [
            t for t in texts if grouping.key(t) != question_key and len(t) <= MAX_PARAPHRASE
        ][:MAX_PARAPHRASES]
        try:
            entry = FaqRepository(self.session).create(
                actor, question=question, answer=answer, paraphrases=paraphrases, source="inbox"
            )
        except FaqError as error:
            raise InboxError(str(error)) from error
        self.session.flush()
        return {"faq_id": entry.id, "faq_key": entry.key}

    def _alias(self, code: str, alias: str) -> Dict[str, Any]:
        from assistant.catalog.repository import CatalogRepository

        try:
            added = CatalogRepository(self.session).add_alias(code, alias, source="staff")
        except KeyError:
            raise InboxError(f"Không có thủ tục mã {code}.") from None
        return {"code": code, "alias": alias, "added": added}


def _clean_ids(ids: Iterable[Any]) -> List[int]:
    out, seen = [], set()
    for value in ids or ():
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if number not in seen:
            seen.add(number)
            out.append(number)
    return out


def _entity_id(ids: List[int]) -> str:
    """Comma-joined ids; the column holds 64 characters, so a long list is shortened (the audit
    entry's ``after`` holds them all)."""
    joined = ",".join(str(i) for i in ids)
    if len(joined) <= 64:
        return joined
    tail = f",…(+{len(ids)})"
    return joined[: 64 - len(tail)].rsplit(",", 1)[0] + tail
