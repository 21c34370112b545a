"""Small conversations written to a SQLite tracker store the way Rasa writes them, for the
roll-up and report tests (the synthetic generator has its own tests)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from sqlalchemy import insert

from assistant.analytics.outcomes import turn
from assistant.analytics.tracker_events import TrackerEvents, events

LOCAL = timezone(timedelta(hours=7))


def at(day: str, hour: int, minute: int = 0, second: float = 0.0) -> float:
    """Epoch seconds of a local (Vietnam) time."""
    base = datetime.fromisoformat(day).replace(tzinfo=LOCAL)
    return (base + timedelta(hours=hour, minutes=minute, seconds=second)).timestamp()


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.source = TrackerEvents(url)
        self.source.create()

    def write(self, sender: str, evts: List[Any]) -> None:
        rows = []
        for event in evts:
            data = event.as_dict()
            rows.append(
                {
                    "sender_id": sender,
                    "type_name": event.type_name,
                    "timestamp": event.timestamp,
                    "intent_name": (data.get("parse_data") or {}).get("intent", {}).get("name"),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                }
            )
        with self.source.engine.begin() as connection:
            connection.execute(insert(events), rows)

    def turn(
        self,
        sender: str,
        t: float,
        channel: str = "rest",
        outcome: str | None = None,
        latency: float = 0.05,
        close: bool = True,
        **tag: Any,
    ) -> List[Any]:
        metadata: Dict[str, Any] = turn(outcome, **tag) if outcome else {}
        evts: List[Any] = [
            UserUttered(
                "câu hỏi", {"name": "ask", "confidence": 0.9}, timestamp=t, input_channel=channel
            ),
            ActionExecuted("action_answer", timestamp=t + latency / 2),
            BotUttered("trả lời", metadata=metadata, timestamp=t + latency),
        ]
        if close:
            evts.append(ActionExecuted("action_listen", timestamp=t + latency))
        self.write(sender, evts)
        return evts
