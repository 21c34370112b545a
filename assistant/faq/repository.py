"""The only place that reads and writes FAQ entries.

Every write is validated here (so the staff app, the CLI and imports refuse the same things
with the same Vietnamese message), audited in the same transaction, and bumps the ``faq``
revision so that the NLU's live retrieval reloads within seconds.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from typing import Any, Dict, Iterable, List, Sequence, Tuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant import audit
from assistant.db import state
from assistant.db.models import FaqEntry
from assistant.text.normalize import fold, nfc

MAX_QUESTION = 500
MAX_ANSWER = 4000
MAX_PARAPHRASE = 500
MAX_PARAPHRASES = 50
MAX_TAG = 64
MAX_TAGS = 20
SOURCES = ("seed", "staff", "import", "inbox")
KEY_RE = re.compile(r"[a-z0-9_]{1,64}")  # a Rasa retrieval-intent suffix; fullmatch
STAFF_KEY_RE = re.compile(r"staff_(\d+)")

# Invisible characters that only ever arrive by copy-paste accident (zero-width, BOM,
# bidirectional marks). The zero-width joiner stays: emoji sequences need it.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200e\u200f\u2060\ufeff\u202a\u202b\u202c"))


class FaqError(ValueError):
    """A change staff asked for that cannot be stored; the message is shown to them as is."""


def _strip_controls(text: str, keep_newlines: bool) -> str:
    """Control characters out; in one-line text a tab or line break becomes a space."""
    text = text.translate(_INVISIBLE)
    if keep_newlines:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return "".join(c for c in text if unicodedata.category(c) != "Cc" or c in "\n\t")
    return "".join(
        (" " if c.isspace() else "") if unicodedata.category(c) == "Cc" else c for c in text
    )


def _as_text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FaqError(f"{what} phải là văn bản.")
    return nfc(value)


def clean_line(value: Any, what: str = "Nội dung") -> str:
    """One line of text: no control characters, whitespace collapsed."""
    return " ".join(_strip_controls(_as_text(value, what), keep_newlines=False).split())


def clean_answer(value: Any) -> str:
    """Answers keep their line breaks; other control characters and edge spaces go."""
    text = _strip_controls(_as_text(value, "Câu trả lời"), keep_newlines=True)
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@lru_cache(maxsize=100_000)
def question_key(text: str) -> str:
    """What two questions must share to count as the same question: the NLU's normalisation
    (teencode spelled out, tone marks), no case, no diacritics, no punctuation."""
    from assistant.text.segment import normalize_text

    folded = fold(normalize_text(text))
    return " ".join(re.sub(r"[^\w\s]|_", " ", folded).split())


def _actor(actor: str | None) -> str:
    return (str(actor or "").strip() or "system")[:64]


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _label(entry: FaqEntry) -> str:
    return f"«{_short(entry.question)}» (mã {entry.key})"


def snapshot(entry: FaqEntry) -> Dict[str, Any]:
    """The entry as plain JSON, for the audit log's before/after."""
    return {
        "id": entry.id,
        "key": entry.key,
        "question": entry.question,
        "paraphrases": list(entry.paraphrases or []),
        "answer": entry.answer,
        "tags": list(entry.tags or []),
        "active": bool(entry.active),
        "source": entry.source,
    }


def _haystack(entry: FaqEntry) -> str:
    parts = [entry.key, entry.question, entry.answer, *(entry.paraphrases or [])]
    parts.extend(entry.tags or [])
    return fold(" ".join(parts))


class FaqRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        # question_key → (entry id, label) over active entries, built on first need and kept
        # in step with this repository's own writes (an import checks thousands of rows).
        self._taken: Dict[str, Tuple[int, str]] | None = None
        self._keys_of: Dict[int, List[str]] = {}
        self._last_staff: int | None = None  # highest n of the staff_<n> keys, once read

    # --- reading -------------------------------------------------------------------------

    def _filtered(self, search: str | None, active: bool | None) -> List[FaqEntry]:
        query = select(FaqEntry).order_by(FaqEntry.id)
        if active is not None:
            query = query.where(FaqEntry.active == bool(active))
        entries = list(self.session.scalars(query))
        terms = fold(clean_line(search or "")).split()
        if terms:
            entries = [e for e in entries if all(t in _haystack(e) for t in terms)]
        return entries

    def list(
        self,
        search: str | None = None,
        active: bool | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> List[FaqEntry]:
        """Entries by id; ``search`` matches every word, ignoring case and diacritics."""
        entries = self._filtered(search, active)
        offset = max(int(offset), 0)
        return entries[offset : offset + max(int(limit), 0)]

    def count(self, search: str | None = None, active: bool | None = None) -> int:
        if search and search.strip():
            return len(self._filtered(search, active))
        query = select(func.count(FaqEntry.id))
        if active is not None:
            query = query.where(FaqEntry.active == bool(active))
        return self.session.scalar(query) or 0

    def get(self, entry_id: int) -> FaqEntry | None:
        try:
            return self.session.get(FaqEntry, int(entry_id))
        except (TypeError, ValueError):
            return None

    def by_key(self, key: str) -> FaqEntry | None:
        if not key:
            return None
        return self.session.scalars(select(FaqEntry).where(FaqEntry.key == key)).first()

    def active_entries(self) -> List[FaqEntry]:
        query = select(FaqEntry).where(FaqEntry.active.is_(True)).order_by(FaqEntry.id)
        return list(self.session.scalars(query))

    def revision(self) -> int:
        return state.revision(self.session, "faq")

    def revision_state(self) -> Tuple[int, datetime | None]:
        """The ``faq`` revision and when staff last changed an entry (naive UTC)."""
        return state.revision_state(self.session, "faq")

    # --- writing -------------------------------------------------------------------------

    def create(
        self,
        actor: str,
        question: str,
        answer: str,
        paraphrases: Iterable[str] = (),
        tags: Iterable[str] = (),
        active: bool = True,
        source: str = "staff",
        key: str | None = None,
    ) -> FaqEntry:
        if source not in SOURCES:
            raise FaqError(f"Nguồn «{source}» không hợp lệ.")
        actor = _actor(actor)
        question, paraphrases_ = self._clean_questions(question, paraphrases)
        answer = self._clean_answer(answer)
        tags_ = self._clean_tags(tags)
        if key is not None and str(key).strip():
            key = str(key).strip()
            if not KEY_RE.fullmatch(key):
                raise FaqError(
                    f"Mã «{_short(key)}» không hợp lệ: chỉ dùng chữ thường không dấu, số và "
                    "dấu gạch dưới, tối đa 64 ký tự."
                )
            if self.by_key(key) is not None:
                raise FaqError(f"Mã «{key}» đã được dùng cho một câu hỏi khác.")
        if active:
            self._check_conflicts(None, question, paraphrases_)
        if key is None or not str(key).strip():
            key = self._next_key()
        now = audit.utcnow()
        entry = FaqEntry(
            key=key,
            question=question,
            paraphrases=paraphrases_,
            answer=answer,
            tags=tags_,
            active=bool(active),
            source=source,
            created_by=actor,
            updated_by=actor,
            created_at=now,
            updated_at=now,
        )
        self.session.add(entry)
        self.session.flush()
        self._remember(entry)
        audit.record(self.session, actor, "faq.create", "faq", entry.id, None, snapshot(entry))
        state.bump(self.session, "faq")
        return entry

    def update(
        self,
        actor: str,
        entry_id: int,
        *,
        question: str | None = None,
        answer: str | None = None,
        paraphrases: Iterable[str] | None = None,
        tags: Iterable[str] | None = None,
        active: bool | None = None,
    ) -> FaqEntry:
        """Changes the fields given; nothing is written (no audit, no bump) if none differ."""
        entry = self.get(entry_id)
        if entry is None:
            raise KeyError(entry_id)
        new_question, new_paraphrases = self._clean_questions(
            entry.question if question is None else question,
            entry.paraphrases or [] if paraphrases is None else paraphrases,
        )
        new_answer = entry.answer if answer is None else self._clean_answer(answer)
        new_tags = list(entry.tags or []) if tags is None else self._clean_tags(tags)
        new_active = bool(entry.active) if active is None else bool(active)
        changes = {
            "question": new_question,
            "paraphrases": new_paraphrases,
            "answer": new_answer,
            "tags": new_tags,
            "active": new_active,
        }
        before = snapshot(entry)
        changed = {k: v for k, v in changes.items() if before[k] != v}
        if not changed:
            return entry
        if new_active:
            self._check_conflicts(entry.id, new_question, new_paraphrases)
        if set(changed) == {"active"}:
            action = "faq.activate" if new_active else "faq.deactivate"
        else:
            action = "faq.update"
        return self._apply(actor, entry, changed, before, action)

    def set_active(self, actor: str, entry_id: int, active: bool) -> FaqEntry:
        return self.update(actor, entry_id, active=bool(active))

    def _apply(
        self,
        actor: str,
        entry: FaqEntry,
        changed: Dict[str, Any],
        before: Dict[str, Any],
        action: str,
    ) -> FaqEntry:
        actor = _actor(actor)
        for name, value in changed.items():
            setattr(entry, name, value)
        entry.updated_by = actor
        entry.updated_at = audit.utcnow()
        self.session.flush()
        self._remember(entry)
        audit.record(self.session, actor, action, "faq", entry.id, before, snapshot(entry))
        state.bump(self.session, "faq")
        return entry

    # --- validation ----------------------------------------------------------------------

    def _clean_questions(self, question: Any, paraphrases: Any) -> Tuple[str, List[str]]:
        question = clean_line(question, "Câu hỏi")
        if not question:
            raise FaqError("Câu hỏi không được để trống.")
        if len(question) > MAX_QUESTION:
            raise FaqError(f"Câu hỏi dài quá {MAX_QUESTION} ký tự ({len(question)} ký tự).")
        if isinstance(paraphrases, str):
            paraphrases = [paraphrases]
        if not isinstance(paraphrases, (list, tuple)):
            try:
                paraphrases = list(paraphrases)
            except TypeError as error:
                raise FaqError("Các cách hỏi khác phải là một danh sách câu.") from error
        seen = {question_key(question)}
        kept: List[str] = []
        for raw in paraphrases:
            text = clean_line(raw, "Cách hỏi khác")
            if not text:
                continue
            if len(text) > MAX_PARAPHRASE:
                raise FaqError(f"Cách hỏi khác «{_short(text)}» dài quá {MAX_PARAPHRASE} ký tự.")
            norm = question_key(text)
            if norm in seen:
                continue
            seen.add(norm)
            kept.append(text)
        if len(kept) > MAX_PARAPHRASES:
            raise FaqError(
                f"Mỗi câu hỏi có tối đa {MAX_PARAPHRASES} cách hỏi khác ({len(kept)} cách)."
            )
        return question, kept

    @staticmethod
    def _clean_answer(answer: Any) -> str:
        answer = clean_answer(answer)
        if not answer:
            raise FaqError("Câu trả lời không được để trống.")
        if len(answer) > MAX_ANSWER:
            raise FaqError(f"Câu trả lời dài quá {MAX_ANSWER} ký tự ({len(answer)} ký tự).")
        return answer

    @staticmethod
    def _clean_tags(tags: Any) -> List[str]:
        if isinstance(tags, str):
            tags = tags.split(",")
        kept: List[str] = []
        for raw in tags or ():
            tag = clean_line(raw, "Nhãn")
            if not tag:
                continue
            if "," in tag:
                raise FaqError(f"Nhãn «{_short(tag)}» không được chứa dấu phẩy.")
            if len(tag) > MAX_TAG:
                raise FaqError(f"Nhãn «{_short(tag)}» dài quá {MAX_TAG} ký tự.")
            if fold(tag) not in {fold(t) for t in kept}:
                kept.append(tag)
        if len(kept) > MAX_TAGS:
            raise FaqError(f"Mỗi câu hỏi có tối đa {MAX_TAGS} nhãn.")
        return kept

    def _taken_index(self) -> Dict[str, Tuple[int, str]]:
        if self._taken is None:
            self._taken, self._keys_of = {}, {}
            for entry in self.active_entries():
                self._remember(entry)
        return self._taken

    def _remember(self, entry: FaqEntry) -> None:
        """Keeps the duplicate index in step after a write (no-op until it is built)."""
        if self._taken is None:
            return
        for norm in self._keys_of.pop(entry.id, []):
            if self._taken.get(norm, (None,))[0] == entry.id:
                del self._taken[norm]
        if not entry.active:
            return
        norms = [question_key(t) for t in [entry.question, *(entry.paraphrases or [])]]
        self._keys_of[entry.id] = norms
        for norm in norms:
            self._taken.setdefault(norm, (entry.id, _label(entry)))

    def _check_conflicts(
        self, entry_id: int | None, question: str, paraphrases: Sequence[str]
    ) -> None:
        """An active question must not be another active entry's question or paraphrase:
        the assistant could not tell which answer the citizen wants."""
        taken = self._taken_index()
        for text, what in [(question, "Câu hỏi"), *((p, "Cách hỏi khác") for p in paraphrases)]:
            other = taken.get(question_key(text))
            if other and other[0] != entry_id:
                raise FaqError(
                    f"{what} «{_short(text)}» trùng với câu hỏi {other[1]} đang hoạt động. "
                    "Anh/Chị hãy sửa câu hỏi đó hoặc thêm cách hỏi vào đó."
                )

    def _next_key(self) -> str:
        if self._last_staff is None:
            query = select(FaqEntry.key).where(FaqEntry.key.like("staff\\_%", escape="\\"))
            numbers = [
                int(m.group(1))
                for k in self.session.scalars(query)
                if (m := STAFF_KEY_RE.fullmatch(k))
            ]
            self._last_staff = max(numbers, default=0)
        self._last_staff += 1
        # A key given explicitly ("staff_9" in an import) may have taken the next number.
        while self.by_key(f"staff_{self._last_staff}") is not None:
            self._last_staff += 1
        return f"staff_{self._last_staff}"
