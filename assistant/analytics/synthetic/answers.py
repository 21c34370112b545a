"""Moves where the assistant answers: a greeting, small talk, a procedure's fact, an FAQ,
"is it procedure X?", a choice of procedures, and the 👍/👎 (and reason) that may follow an
answer. Each move returns the turns of one thing a citizen does."""

from __future__ import annotations

from typing import List, Tuple

from assistant.analytics.outcomes import turn as turn_tag
from assistant.analytics.synthetic.expected import Rating
from assistant.analytics.synthetic.mix import Draws, Table
from assistant.analytics.synthetic.steps import (
    Step,
    Turn,
    act,
    entity,
    lower_first,
    payload,
    rating_buttons,
    reason_buttons,
    say,
    short,
    slot,
    utter,
)
from assistant.analytics.synthetic.words import (
    ANSWERS,
    ASK_WHY,
    ASPECT_WORDS,
    DENY_ACK,
    GREET_REPLY,
    GREETINGS,
    INTENT_BY_ASPECT,
    QUESTIONS,
    RATING_PROMPT,
    SMALLTALK,
    THANKS,
    THANKS_REASON,
    WHICH_ONE,
)


class AnswerMoves(Draws):
    """Mixed into the planner, which fills the tables."""

    procedures: Table  # (code, name)
    aspects: Table
    reasons: Table  # of a 👎
    faqs: Table  # (key, questions, reply)

    def greet(self) -> List[Turn]:
        text = self.rng.choice(GREETINGS)
        return [Turn("greet", text, utter("utter_greet", GREET_REPLY), speed=0.5)]

    def smalltalk(self, closing: bool = False) -> List[Turn]:
        intent = self.rng.choice(("thank", "goodbye") if closing else tuple(SMALLTALK))
        texts, response, reply = SMALLTALK[intent]
        return [Turn(intent, self.rng.choice(texts), utter(response, reply), speed=0.5)]

    def answer(self) -> List[Turn]:
        code, name = self.pick(self.procedures)
        aspect = self.pick(self.aspects)
        text = self.rng.choice(QUESTIONS[aspect]).format(name=lower_first(name))
        intent = INTENT_BY_ASPECT.get(aspect, "ask_procedure_overview")
        steps, ref = self._answer_steps("action_answer_procedure", code, name, aspect)
        turn = Turn(intent, text, steps, confidence=self._confidence())
        return [turn, *self._rating(ref, "procedure", text, procedure_code=code, aspect=aspect)]

    def _answer_steps(
        self, action: str, code: str, name: str, aspect: str
    ) -> Tuple[List[Step], str]:
        ref = self.hex(8)
        decision = {"kind": "answer", "code": code, "aspect": aspect}
        answered = {"ref": ref, "source": "procedure", "procedure_code": code, "aspect": aspect}
        return [
            act(action),
            say(ANSWERS[aspect].format(name=name), turn_tag("answer", code, aspect)),
            say(RATING_PROMPT, buttons=rating_buttons(ref)),
            slot("answer_decision", decision),
            slot("procedure_code", code),
            slot("pending_aspect", None),
            slot("last_answer", answered),
        ], ref

    def _rating(self, ref: str, source: str, question: str, **about: str) -> List[Turn]:
        rng = self.rng
        if rng.random() >= 0.15:
            return []
        value = "down" if rng.random() < 0.25 else "up"
        record = Rating(ref, source, value, question, **about)
        reply = [say(ASK_WHY, buttons=reason_buttons(ref))] if value == "down" else [say(THANKS)]
        turns = [
            Turn(
                "rate_answer",
                payload("rate_answer", rating=value, answer_ref=ref),
                [act("action_rate_answer"), *reply],
                confidence=1.0,
                entities=[entity("rating", value), entity("answer_ref", ref)],
                button=True,
                records=[("rating", record)],
            )
        ]
        if value == "down" and rng.random() < 0.7:
            reason = self.pick(self.reasons)
            turns.append(
                Turn(
                    "rate_answer",
                    payload("rate_answer", feedback_reason=reason, answer_ref=ref),
                    [act("action_rate_answer"), say(THANKS_REASON)],
                    confidence=1.0,
                    entities=[entity("feedback_reason", reason), entity("answer_ref", ref)],
                    button=True,
                    records=[("reason", (record, reason))],
                )
            )
        return turns

    def faq(self) -> List[Turn]:
        key, questions, reply = self.pick(self.faqs)
        text = self.rng.choice(questions)
        ref = self.hex(8)
        confidence = self._confidence()
        selector = {
            "all_retrieval_intents": ["faq"],
            "faq": {
                "response": {
                    "responses": [{"text": reply}],
                    "confidence": confidence,
                    "intent_response_key": f"faq/{key}",
                    "utter_action": f"utter_faq/{key}",
                },
                "ranking": [{"confidence": confidence, "intent_response_key": f"faq/{key}"}],
            },
        }
        steps = [
            act("action_answer_faq"),
            say(reply, turn_tag("faq")),
            say(RATING_PROMPT, buttons=rating_buttons(ref)),
            slot("last_answer", {"ref": ref, "source": "faq", "faq_key": key}),
        ]
        turn = Turn("faq", text, steps, confidence, parse={"response_selector": selector})
        return [turn, *self._rating(ref, "faq", text, faq_key=key)]

    def confirm(self) -> List[Turn]:
        rng = self.rng
        code, name = self.pick(self.procedures)
        aspect = self.pick(self.aspects)
        text = f"cho hỏi {lower_first(short(name))} {ASPECT_WORDS[aspect]}"
        buttons = [
            {"title": "Đúng", "payload": "/affirm"},
            {"title": "Không phải", "payload": "/deny"},
        ]
        steps = [
            act("action_answer_procedure"),
            say(
                f"Có phải Anh/Chị hỏi về thủ tục “{name}”?",
                turn_tag("confirm", code, aspect),
                buttons,
            ),  # fmt: skip
            slot("answer_decision", {"kind": "confirm", "code": code, "aspect": aspect}),
            slot("pending_aspect", aspect),
        ]
        turns = [Turn(INTENT_BY_ASPECT.get(aspect, "ask_procedure_overview"), text, steps, 0.62)]
        draw = rng.random()
        if draw < 0.7:
            answer, ref = self._answer_steps("action_affirm", code, name, aspect)
            turns.append(Turn("affirm", "/affirm", answer, 1.0, button=True))
            turns += self._rating(ref, "procedure", text, procedure_code=code, aspect=aspect)
        elif draw < 0.9:
            turns.append(Turn("deny", "/deny", utter("utter_deny_ack", DENY_ACK), 1.0, button=True))
        return turns

    def clarify(self) -> List[Turn]:
        aspect = self.pick(self.aspects)
        candidates = list(dict.fromkeys(self.pick(self.procedures) for _ in range(3)))
        code, name = candidates[0]
        text = f"{lower_first(' '.join(name.split()[:2]))} {ASPECT_WORDS[aspect]}"
        buttons = [
            {"title": n, "payload": payload("choose_procedure", procedure_code=c)}
            for c, n in candidates
        ]
        decision = {"kind": "clarify", "candidates": [c for c, _ in candidates], "aspect": aspect}
        steps = [
            act("action_answer_procedure"),
            say(WHICH_ONE, turn_tag("clarify", aspect=aspect), buttons),
            slot("answer_decision", decision),
            slot("pending_aspect", aspect),
        ]
        turns = [Turn(INTENT_BY_ASPECT.get(aspect, "ask_procedure_overview"), text, steps, 0.71)]
        if self.rng.random() < 0.75:
            answer, ref = self._answer_steps("action_answer_procedure", code, name, aspect)
            turns.append(
                Turn(
                    "choose_procedure",
                    payload("choose_procedure", procedure_code=code),
                    answer,
                    1.0,
                    entities=[entity("procedure_code", code)],
                    button=True,
                )
            )
            turns += self._rating(ref, "procedure", text, procedure_code=code, aspect=aspect)
        return turns

    def _confidence(self) -> float:
        return round(min(0.999, 0.55 + 0.45 * self.rng.betavariate(4, 1.2)), 4)
