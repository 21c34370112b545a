"""The pieces a synthetic turn is built from: the steps Rasa would log after the citizen's
message (an action, a bot message, a slot, a form's loop) and the payloads of its buttons."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple


@dataclass
class Step:
    kind: str  # action | bot | slot | loop
    name: str | None = None  # of the action, slot or loop
    value: Any = None  # a slot's value, a bot message's text
    buttons: List[Dict[str, str]] | None = None
    metadata: Dict[str, Any] | None = None


@dataclass
class Turn:
    intent: str
    text: str
    steps: List[Step]
    confidence: float = 0.95
    entities: List[Dict[str, Any]] = field(default_factory=list)
    parse: Dict[str, Any] = field(default_factory=dict)  # more parse data
    ranking: List[Dict[str, Any]] = field(default_factory=list)  # runner-up intents
    button: bool = False  # a button press: quick, and the payload is the text
    speed: float = 1.0  # how slow the actions are, relative to a typical answer
    records: List[Tuple[str, Any]] = field(default_factory=list)
    message_id: str = ""
    at: float = 0.0  # the user event
    times: List[float] = field(default_factory=list)  # each step
    end: float = 0.0  # the closing action_listen

    @property
    def tag(self) -> Dict[str, Any] | None:
        for step in self.steps:
            if step.kind == "bot" and step.metadata and "turn" in step.metadata:
                return step.metadata["turn"]
        return None


@dataclass
class Conversation:
    sender_id: str
    channel: str
    turns: List[Turn]
    started: float  # the session start

    @property
    def events(self) -> int:
        return 3 + sum(len(t.steps) + 3 for t in self.turns)


def act(name: str) -> Step:
    return Step("action", name)


def slot(name: str, value: Any) -> Step:
    return Step("slot", name, value)


def loop(name: str | None) -> Step:
    return Step("loop", name)


def say(
    text: str,
    tag: Dict[str, Any] | None = None,
    buttons: List[Dict[str, str]] | None = None,
    utter: str | None = None,
) -> Step:
    metadata: Dict[str, Any] = dict(tag or {})
    if utter:
        metadata["utter_action"] = utter
    return Step("bot", value=text, buttons=buttons, metadata=metadata)


def utter(name: str, text: str) -> List[Step]:
    """A response from the domain, run as its own action."""
    return [act(name), say(text, utter=name)]


def payload(intent: str, **entities: str) -> str:
    return f"/{intent}" + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))


def rating_buttons(ref: str) -> List[Dict[str, str]]:
    return [
        {"title": "👍 Hữu ích", "payload": payload("rate_answer", rating="up", answer_ref=ref)},
        {
            "title": "👎 Chưa đúng",
            "payload": payload("rate_answer", rating="down", answer_ref=ref),
        },
    ]


def entity(name: str, value: str) -> Dict[str, Any]:
    return {"entity": name, "value": value, "extractor": "RegexEntityExtractor"}


def reason_buttons(ref: str) -> List[Dict[str, str]]:
    labels = {"wrong_procedure": "Sai thủ tục", "wrong_info": "Thiếu/sai thông tin"}
    labels.update({"unclear": "Khó hiểu", "other": "Khác"})
    return [
        {"title": label, "payload": payload("rate_answer", feedback_reason=key, answer_ref=ref)}
        for key, label in labels.items()
    ]


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def short(name: str) -> str:
    return " ".join(name.split(",")[0].split("(")[0].split()[:5])
