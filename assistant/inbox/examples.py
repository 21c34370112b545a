"""Training examples staff taught since the last training (the ``training_examples`` table):
added one by one in the app or from an inbox group, switched off before the next retrain."""

from __future__ import annotations

from functools import lru_cache
from typing import List, Sequence, Tuple

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant import audit
from assistant.db.models import TrainingExample
from assistant.heldout import held_out_index, refusal
from assistant.privacy import mask_personal_data
from assistant.settings import PROJECT_ROOT

MAX_TEXT = 1000
# Intents a staff member may teach with a paraphrase: not the retrieval intent (FAQ has its
# own table), not the fallback, and not the two that only make sense inside a dialogue.
UNTRAINABLE = frozenset({"faq", "nlu_fallback", "choose_procedure", "provide_verification"})


class InboxError(ValueError):
    """A refused decision; the message is Vietnamese and shown to staff as is."""


@lru_cache(maxsize=1)
def _domain_intents() -> tuple:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return tuple(
        next(iter(intent)) if isinstance(intent, dict) else str(intent)
        for intent in domain.get("intents") or []
    )


def trainable_intents() -> List[str]:
    """The intents of domain.yml a paraphrase may be filed under."""
    return [name for name in _domain_intents() if name not in UNTRAINABLE]


class TrainingExampleRepository:
    """Examples staff taught since the last training; a bad one can be switched off before the
    next retrain picks it up."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, actor: str, intent: str, text: str, source: str = "staff") -> TrainingExample:
        if intent not in trainable_intents():
            raise InboxError("Hãy chọn một ý định (intent) hợp lệ cho câu mẫu.")
        cleaned = mask_personal_data(" ".join((text or "").split()))
        if not cleaned:
            raise InboxError("Câu mẫu không được để trống.")
        if len(cleaned) > MAX_TEXT:
            raise InboxError(f"Câu mẫu không được dài quá {MAX_TEXT} ký tự.")
        overlap = held_out_index().too_close(cleaned)
        if overlap is not None:  # the gate scores on it: taught, it would inflate the score
            raise InboxError(refusal(overlap))
        example = TrainingExample(
            intent=intent,
            text=cleaned,
            source=(source or "staff")[:16],
            active=True,
            created_by=(actor or "")[:64],
            created_at=audit.utcnow(),
        )
        self.session.add(example)
        self.session.flush()
        audit.record(
            self.session,
            actor,
            "example.create",
            "example",
            example.id,
            None,
            {"intent": intent, "text": cleaned, "source": example.source},
        )
        return example

    def list(self, active: bool | None = True, limit: int = 500) -> List[TrainingExample]:
        """Newest first; ``active=None`` lists both."""
        query = select(TrainingExample)
        if active is not None:
            query = query.where(TrainingExample.active.is_(bool(active)))
        query = query.order_by(TrainingExample.created_at.desc(), TrainingExample.id.desc())
        return list(self.session.scalars(query.limit(limit)))

    def all_active(self) -> List[TrainingExample]:
        """Every active example, oldest first: what a retrain learns from, in a stable order."""
        query = select(TrainingExample).where(TrainingExample.active.is_(True))
        return list(self.session.scalars(query.order_by(TrainingExample.id)))

    def count(self, active: bool | None = True) -> int:
        query = select(func.count(TrainingExample.id))
        if active is not None:
            query = query.where(TrainingExample.active.is_(bool(active)))
        return self.session.scalar(query) or 0

    def set_active(self, actor: str, example_id: int, active: bool) -> TrainingExample:
        example = self.session.get(TrainingExample, example_id)
        if example is None:
            raise InboxError(f"Không có câu mẫu số {example_id}.")
        active = bool(active)
        if bool(example.active) == active:
            return example
        example.active = active
        audit.record(
            self.session,
            actor,
            "example.activate" if active else "example.deactivate",
            "example",
            example.id,
            {"intent": example.intent, "text": example.text, "active": not active},
            {"intent": example.intent, "text": example.text, "active": active},
        )
        self.session.flush()
        return example

    def add_from_inbox(
        self, actor: str, intent: str, texts: Sequence[str]
    ) -> Tuple[List[TrainingExample], List[str]]:
        """An inbox group's wordings as examples of ``intent`` (the inbox decision is the audit
        entry): those already taught are skipped, those too close to a held-out sentence are
        refused with the reason."""
        existing = set(
            self.session.scalars(
                select(TrainingExample.text).where(
                    TrainingExample.intent == intent, TrainingExample.active.is_(True)
                )
            )
        )
        created, refused = [], []
        for text in texts:
            if text in existing:  # already taught and not retrained yet: once is enough
                continue
            overlap = held_out_index().too_close(text)
            if overlap is not None:
                refused.append(refusal(overlap))
                continue
            example = TrainingExample(
                intent=intent,
                text=text,
                source="inbox",
                active=True,
                created_by=(actor or "")[:64],
                created_at=audit.utcnow(),
            )
            self.session.add(example)
            created.append(example)
        self.session.flush()
        return created, refused
