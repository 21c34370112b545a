"""Moves that leave the answers: a question the assistant declines (it goes to the inbox), a
dossier look-up with its verification, a request for a person (live, or a message for a
call-back) and a petition through its form. Each returns the turns of one thing a citizen
does, with the records the desk's rows are made from."""

from __future__ import annotations

from datetime import date, timedelta
from typing import List

from assistant.analytics.outcomes import turn as turn_tag
from assistant.analytics.synthetic.expected import Report, Ticket, Unanswered
from assistant.analytics.synthetic.mix import Draws, Table
from assistant.analytics.synthetic.steps import Turn, act, entity, loop, lower_first, say, slot
from assistant.analytics.synthetic.words import (
    ASK_COMMUNE,
    ASK_DIGITS,
    ASK_LOCATION,
    ASK_MESSAGE,
    ASK_PHONE,
    DECLINE,
    DESK_CLOSED,
    DOSSIER_QUESTIONS,
    HANDOFF_ASKS,
    HANDOFF_MESSAGES,
    LOCATIONS,
    LOOKUP_REPLIES,
    MASK,
    MESSAGE_LEFT,
    PETITION_FILED,
    PETITION_TEXTS,
    WAIT_FOR_STAFF,
)


class ErrandMoves(Draws):
    """Mixed into the planner, which fills the tables."""

    day: date
    clusters: Table  # groups of similar declined questions
    lookups: Table  # verified | failed | locked
    categories: Table  # petitions' (key, name, days)
    communes: Table  # (code, name)

    def decline(self) -> List[Turn]:
        rng = self.rng
        text = rng.choice(self.pick(self.clusters))
        if rng.random() < 0.5:
            intent, reason, confidence = "out_of_scope", "out_of_scope", rng.uniform(0.7, 0.98)
        else:
            intent, reason, confidence = "nlu_fallback", "fallback", 0.6
        confidence = round(confidence, 4)
        ranking = [{"name": "ask_procedure_overview", "confidence": round(confidence / 3, 4)}]
        steps = [act("action_unanswered"), say(DECLINE, turn_tag("decline"))]
        record = Unanswered(text, intent, confidence, reason)
        return [
            Turn(
                intent,
                text,
                steps,
                confidence,
                ranking=ranking,
                records=[("unanswered", record)],
            )
        ]

    def dossier(self) -> List[Turn]:
        rng = self.rng
        received = self.day - timedelta(days=rng.randint(1, 40))
        code = f"000.00.{rng.randint(10, 40)}.H13-{received:%y%m%d}-{rng.randint(1, 9999):04d}"
        lookup = self.pick(self.lookups)
        ask = [
            act("dossier_form"),
            loop("dossier_form"),
            slot("dossier_code", code),
            slot("requested_slot", "verification_digits"),
            act("action_ask_verification_digits"),
            say(ASK_DIGITS),
        ]
        check = [
            act("dossier_form"),
            slot("verification_digits", MASK),
            slot("requested_slot", None),
            loop(None),
            act("action_dossier_status"),
            say(LOOKUP_REPLIES[lookup].format(code=code), turn_tag("dossier", lookup=lookup)),
            slot("verification_digits", None),
        ]
        text = rng.choice(DOSSIER_QUESTIONS).format(code=code)
        return [
            Turn("check_dossier_status", text, ask, entities=[entity("dossier_code", code)]),
            Turn(
                "provide_verification",
                MASK,
                check,
                0.99,
                entities=[entity("phone_last4", MASK)],
                speed=2.0,
            ),
        ]

    def handoff(self) -> List[Turn]:
        rng = self.rng
        text = rng.choice(HANDOFF_ASKS)
        if rng.random() < 0.6:
            steps = [act("action_handoff"), say(WAIT_FOR_STAFF, turn_tag("handoff"))]
            turn = Turn("request_human", text, steps, records=[("ticket", Ticket("live"))])
            return [turn]
        message = rng.choice(HANDOFF_MESSAGES)
        opened = [
            act("action_handoff"),
            say(DESK_CLOSED, turn_tag("handoff")),
            act("handoff_form"),
            loop("handoff_form"),
            slot("requested_slot", "handoff_message"),
            say(ASK_MESSAGE, utter="utter_ask_handoff_form_handoff_message"),
        ]
        typed = [
            act("handoff_form"),
            slot("handoff_message", message),
            slot("requested_slot", "handoff_phone"),
            say(ASK_PHONE, utter="utter_ask_handoff_form_handoff_phone"),
        ]
        left = [
            act("handoff_form"),
            slot("handoff_phone", MASK),
            slot("requested_slot", None),
            loop(None),
            act("action_leave_message"),
            say(MESSAGE_LEFT),
        ]
        return [
            Turn("request_human", text, opened),
            Turn("out_of_scope", message, typed, 0.41),
            Turn("deny", "không", left, 0.93, records=[("ticket", Ticket("message", message))]),
        ]

    def petition(self) -> List[Turn]:
        rng = self.rng
        key, name, days = self.pick(self.categories)
        commune_code, commune_name = self.pick(self.communes)
        description = rng.choice(PETITION_TEXTS.get(key, PETITION_TEXTS["khac"]))
        location = rng.choice(LOCATIONS)
        summary = (
            f"Anh/Chị xác nhận gửi phản ánh “{description}” ({name}) tại {location}, "
            f"{commune_name}?"
        )
        buttons = [
            {"title": "Gửi", "payload": "/affirm"},
            {"title": "Không gửi", "payload": "/deny"},
        ]
        record = Report(key, commune_code, commune_name, location, description)
        return [
            Turn(
                "report_issue",
                f"tôi muốn phản ánh: {lower_first(description)}",
                [
                    act("petition_form"),
                    loop("petition_form"),
                    slot("petition_description", description),
                    slot("petition_category", key),
                    slot("requested_slot", "petition_commune"),
                    say(ASK_COMMUNE),
                ],
            ),
            Turn(
                "report_issue",
                lower_first(commune_name),
                [
                    act("petition_form"),
                    slot("petition_commune", commune_code),
                    slot("requested_slot", "petition_location"),
                    say(ASK_LOCATION, utter="utter_ask_petition_form_petition_location"),
                ],
                0.38,
            ),
            Turn(
                "report_issue",
                location,
                [
                    act("petition_form"),
                    slot("petition_location", location),
                    slot("requested_slot", "petition_confirm"),
                    say(summary, buttons=buttons),
                ],
                0.44,
            ),
            Turn(
                "affirm",
                "/affirm",
                [
                    act("petition_form"),
                    slot("petition_confirm", "yes"),
                    slot("requested_slot", None),
                    loop(None),
                    act("action_submit_petition"),
                    say(PETITION_FILED.format(days=days), turn_tag("petition")),
                ],
                1.0,
                button=True,
                speed=2.5,
                records=[("report", record)],
            ),
        ]
