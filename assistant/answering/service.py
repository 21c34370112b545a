"""The one place that decides what a citizen's question gets: an answer, a confirmation, a
choice of procedures, a staff FAQ, or an honest "I cannot answer this, ask there".

Both answer actions (procedures and FAQ) call :meth:`AnswerService.decide`, so an FAQ that
fires on one generic word, a procedure found from an incidental word, and a yes/no question
answered with a list of documents are all refused in the same place, by the same evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence, Tuple

from assistant.answering.policy import Calibration, Scored, calibration, score_hits
from assistant.answering.question import QuestionType, focus_of, read_question
from assistant.catalog.query import STOPWORDS, analyse_text
from assistant.catalog.service import CatalogService, get_service, order_choices

# Intents that ask about a procedure (the NLU's reading before any FAQ match replaced it).
PROCEDURE_INTENTS = frozenset(
    {
        "ask_documents",
        "ask_fee",
        "ask_processing_time",
        "ask_where_to_submit",
        "ask_procedure_overview",
    }
)
MAX_CHOICES = 5
SEARCH_DEPTH = 15  # hits the calibrated score re-ranks
# "Is it X?" only when X stands out: a runner-up above this share of X's probability makes
# it a choice between them instead.
DOMINANCE = 0.5
# How many times the confirmation threshold it takes to overrule the NLU's "out of scope".
# 1.5 until the refit of 2026-12-06, which gave "giá vàng hôm nay" (folded, "vàng" is
# "vắng") 0.139 for "Khai báo tạm vắng"; 4 keeps the development set's figures (−0.2 point).
OUT_OF_SCOPE_EVIDENCE = 4.0


@dataclass
class Decision:
    kind: str  # answer | confirm | clarify | ask (which procedure?) | faq | decline
    aspect: str | None = None
    code: str | None = None
    candidates: List[Tuple[str, str]] = field(default_factory=list)  # (code, name)
    faq_key: str | None = None
    reason: str | None = None  # decline: unanswerable kind, or "out_of_catalog"
    closest: Tuple[str, str] | None = None  # decline: a procedure page that may still help
    probability: float = 0.0

    def summary(self) -> Dict[str, Any]:
        """What the tracker keeps of the decision (no personal data: codes and labels)."""
        return {
            "kind": self.kind,
            "aspect": self.aspect,
            "code": self.code,
            "candidates": [code for code, _ in self.candidates],
            "faq": self.faq_key,
            "reason": self.reason,
            "closest": self.closest[0] if self.closest else None,
            "p": round(self.probability, 3),
        }


def procedure_spans(message: Dict[str, Any]) -> List[str]:
    entities = message.get("entities") or []
    values = {str(e.get("value")) for e in entities if e.get("entity") == "procedure"}
    return sorted((v for v in values if v and v != "None"), key=len, reverse=True)


def underlying_intent(message: Dict[str, Any]) -> str | None:
    """The intent the classifier read, even when live FAQ retrieval replaced it by "faq"."""
    for ranked in message.get("intent_ranking") or []:
        name = ranked.get("name")
        if name and name != "faq":
            return name
    return (message.get("intent") or {}).get("name")


def faq_key(message: Dict[str, Any]) -> str | None:
    """The FAQ entry the NLU chose: live retrieval's ``faq_match`` first, else the model's
    ResponseSelector label ``faq/<key>``."""
    match = message.get("faq_match") or {}
    if isinstance(match, dict) and match.get("key"):
        return str(match["key"])
    selector = message.get("response_selector") or {}
    response = (selector.get("faq") or {}).get("response") or {}
    label = response.get("intent_response_key") or ""
    if isinstance(label, str) and label.startswith("faq/") and len(label) > len("faq/"):
        return label[len("faq/") :]
    return None


def content_size(text: str) -> int:
    """How many syllables of the text say what it is about (not how it asks)."""
    return sum(1 for s in analyse_text(text[:2000]).syllables if s not in STOPWORDS)


class AnswerService:
    def __init__(self, catalog: CatalogService | None = None, faq_terms=None) -> None:
        self._catalog = catalog
        # (text, key, enough) -> the distinctive word pairs the text shares with FAQ
        # ``key``, empty when fewer than enough.
        self.faq_terms = faq_terms

    @property
    def catalog(self) -> CatalogService:
        """The given catalog, or the process's one for the current DATABASE_URL."""
        return self._catalog or get_service()

    def candidates(self, text: str, spans: Sequence[str]) -> List[Scored]:
        """The catalog's best hits for the question, each with its probability.

        Names found in a span of the message (the NLU's procedure entities) join the
        candidates, but every candidate is scored against the whole question: a span
        explains itself fully, which says nothing about the rest of the question."""
        index = self.catalog.index()
        from_spans: List[str] = []
        for span in spans[:3]:
            from_spans.extend(h.code for h in index.search(span, limit=3))
        hits = index.search(text, limit=SEARCH_DEPTH, also=from_spans)
        focus = index.said(focus_of(text))
        return score_hits(
            hits, set(from_spans), content_size(text), lambda code: index.name_cover(code, focus)
        )

    def decide(self, message: Dict[str, Any], context_code: str | None = None) -> Decision:
        cal = calibration()
        text = str(message.get("text") or "")
        intent = underlying_intent(message)
        question = read_question(text, intent)
        scored = self.candidates(text, procedure_spans(message))
        top = scored[0] if scored else None
        p = top.probability if top else 0.0
        aspect = question.aspect or "steps"

        # An FAQ answers only when grounded (several distinctive word pairs of its wordings
        # in the question) and no procedure is clearly named; a yes/no frame ("… được
        # không?") is how FAQs are asked, a legal question is not.
        key = faq_key(message) if (message.get("intent") or {}).get("name") == "faq" else None
        if (
            key
            and question.unanswerable in (None, "yes_no")
            and p < cal.answer
            and self._grounded(text, key, cal)
        ):
            return Decision("faq", faq_key=key)

        if not question.answerable:
            closest = (top.hit.code, top.hit.name) if top and p >= cal.confirm else None
            reason = "legal" if question.unanswerable == "yes_no" else question.unanswerable
            return Decision("decline", aspect, reason=reason, closest=closest)

        runner_up = scored[1].probability if len(scored) > 1 else 0.0
        if top and p >= cal.answer:
            return Decision("answer", aspect, top.hit.code, probability=p)
        if top and p >= cal.confirm and runner_up < p * DOMINANCE:
            return Decision("confirm", aspect, top.hit.code, probability=p)
        if top and p >= cal.clarify:
            choices = [s for s in scored if s.probability >= cal.choice][:MAX_CHOICES]
            if len(choices) == 1:
                return Decision("confirm", aspect, top.hit.code, probability=p)
            ordered = order_choices([s.hit for s in choices])
            return Decision(
                "clarify", aspect, candidates=[(h.code, h.name) for h in ordered], probability=p
            )
        if content_size(text) <= 1 and self._follow_up(question, intent):
            if context_code:
                return Decision("answer", aspect, context_code, probability=p)
            return Decision("ask", aspect)  # a fact asked, no procedure named: which one?
        return Decision("decline", aspect, reason="out_of_catalog", probability=p)

    def overrule(self, message: Dict[str, Any], context_code: str | None = None) -> Decision | None:
        """For a message the NLU read as out of scope or unclear: the decision when it has
        the evidence to answer, confirm or offer choices, else None (the polite reply).

        Overruling "out of scope" takes OUT_OF_SCOPE_EVIDENCE times the evidence of a
        confirmation: folded, "giá vàng" (gold price) looks like "tạm vắng" (absence
        declaration)."""
        decision = self.decide(message, context_code)
        if decision.kind not in ("answer", "confirm", "clarify"):
            return None
        intent = (message.get("intent") or {}).get("name")
        bar = calibration().confirm * OUT_OF_SCOPE_EVIDENCE
        if intent == "out_of_scope" and decision.probability < bar:
            return None
        return decision

    @staticmethod
    def _follow_up(question: QuestionType, intent: str | None) -> bool:
        """A message that asks a fact and names nothing ("còn lệ phí thì sao?")."""
        return question.cued or intent in PROCEDURE_INTENTS

    def _grounded(self, text: str, key: str, cal: Calibration) -> bool:
        if self.faq_terms is None:
            return True
        return bool(self.faq_terms(text, key, cal.faq_min_terms))


def _faq_terms(text: str, key: str, enough: int) -> List[str]:
    """Through the FAQ service of the current database (its live index)."""
    from assistant.faq.service import get_faq_service

    return get_faq_service().shared_terms(text, key, enough)


_service: AnswerService | None = None


def get_answer_service() -> AnswerService:
    """The process's service; catalog and FAQ follow the current DATABASE_URL."""
    global _service
    if _service is None:
        _service = AnswerService(faq_terms=_faq_terms)
    return _service
