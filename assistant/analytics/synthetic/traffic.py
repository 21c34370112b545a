"""Writing a generated day into Rasa's tracker store: whole conversations as Rasa 3.6 writes
them (real ``rasa.shared.core.events`` objects, ``as_dict()`` in the columns
``SQLTrackerStore.save`` fills). Each turn is stored when its reply is done, as Rasa saves a
tracker once per message, so conversations interleave and a slow turn lands after quicker
ones that started later."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, Callable, Dict, List, Sequence, Tuple

from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from sqlalchemy import insert, select

from assistant.analytics.synthetic.expected import Expected
from assistant.analytics.synthetic.mix import PROCEDURES
from assistant.analytics.synthetic.planner import Planner
from assistant.analytics.synthetic.steps import Conversation
from assistant.analytics.tracker_events import TrackerEvents, events

CHUNK = 5000  # rows per INSERT
Progress = Callable[[int, int], None] | None


def generate(
    tracker_url: str,
    day: date,
    conversations: int,
    seed: int = 0,
    progress: Progress = None,
    procedures: Sequence[Tuple[str, str]] | None = None,
) -> Expected:
    """Write ``conversations`` conversations of the local ``day`` into the tracker store at
    ``tracker_url`` and return what the statistics must show for them.

    ``procedures`` are (code, name) pairs to ask about (see :func:`catalog_procedures`);
    by default the seed catalog's, or made-up codes when it is not there. ``progress`` is
    called with (rows written, rows to write) after every chunk."""
    plan = Planner(day, seed, procedures)
    expected = Expected(day=day, seed=seed)
    drawn = [plan.conversation(n, expected) for n in range(conversations)]
    blocks = sorted(
        (c.turns[i].end, n, i) for n, c in enumerate(drawn) for i in range(len(c.turns))
    )
    total = sum(c.events for c in drawn)
    store = TrackerEvents(tracker_url)
    if not store.exists():
        store.create()
    elif drawn and _written(store, drawn[0].sender_id):
        # The same conversations twice would count their messages twice but the
        # conversations once: the figures could no longer be checked.
        raise ValueError(f"{day} with seed {seed} is already in the tracker store")
    done, rows = 0, []
    for _, n, i in blocks:
        conversation = drawn[n]
        for event in _turn_events(conversation, i):
            rows.append(_row(conversation.sender_id, event))
        if len(rows) >= CHUNK:
            done += _insert(store, rows)
            rows = []
            if progress:
                progress(done, total)
    if rows:
        done += _insert(store, rows)
        if progress:
            progress(done, total)
    expected.events = done
    return expected


def catalog_procedures(url: str | None = None, limit: int = PROCEDURES) -> List[Tuple[str, str]]:
    """(code, name) of up to ``limit`` procedures of the catalog database (the seed's first,
    as they were imported first); empty when there is no catalog there."""
    from sqlalchemy.exc import SQLAlchemyError

    from assistant.db.models import Procedure
    from assistant.db.session import session_scope

    try:
        with session_scope(url) as session:
            query = select(Procedure.code, Procedure.name).order_by(Procedure.id).limit(limit)
            return [(code, name) for code, name in session.execute(query)]
    except SQLAlchemyError:
        return []


def _written(store: TrackerEvents, sender: str) -> bool:
    query = select(events.c.id).where(events.c.sender_id == sender).limit(1)
    with store.engine.connect() as connection:
        return connection.execute(query).first() is not None


def _insert(store: TrackerEvents, rows: List[Dict[str, Any]]) -> int:
    with store.engine.begin() as connection:
        connection.execute(insert(events), rows)
    return len(rows)


def _row(sender: str, event: Event) -> Dict[str, Any]:
    # As rasa.core.tracker_store.SQLTrackerStore.save fills the columns.
    data = event.as_dict()
    return {
        "sender_id": sender,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }


def _turn_events(conversation: Conversation, index: int) -> List[Event]:
    turn = conversation.turns[index]
    out: List[Event] = []
    if index == 0:
        at = conversation.started
        out += [
            ActionExecuted("action_session_start", None, 1.0, timestamp=at),
            SessionStarted(timestamp=at + 0.0001),
            ActionExecuted("action_listen", timestamp=at + 0.0002),
        ]
    intent = {"name": turn.intent, "confidence": turn.confidence}
    parse = {
        "intent": intent,
        "entities": turn.entities,
        "text": turn.text,
        "message_id": turn.message_id,
        "metadata": {},
        "intent_ranking": [intent, *turn.ranking],
        **turn.parse,
    }
    out.append(
        UserUttered(
            turn.text,
            intent,
            turn.entities,
            parse,
            timestamp=turn.at,
            input_channel=conversation.channel,
            message_id=turn.message_id,
        )
    )
    first_step = turn.at + (turn.times[0] - turn.at) / 2  # the prediction, before the action
    out.append(DefinePrevUserUtteredFeaturization(False, timestamp=first_step))
    for step, at in zip(turn.steps, turn.times):
        if step.kind == "action":
            out.append(ActionExecuted(step.name, "RulePolicy", 1.0, timestamp=at))
        elif step.kind == "bot":
            data = {
                "elements": None,
                "quick_replies": None,
                "buttons": step.buttons,
                "attachment": None,
                "image": None,
                "custom": None,
            }
            out.append(BotUttered(step.value, data, dict(step.metadata or {}), timestamp=at))
        elif step.kind == "slot":
            out.append(SlotSet(step.name, step.value, timestamp=at))
        else:
            out.append(ActiveLoop(step.name, timestamp=at))
    out.append(ActionExecuted("action_listen", "RulePolicy", 1.0, timestamp=turn.end))
    return out
