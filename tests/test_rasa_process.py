"""The Rasa process adjustments: a compiled schema for action replies, and the call limit."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from assistant import rasa_process


@pytest.fixture
def compiled(monkeypatch):
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", RemoteAction._validate_action_result
    )
    rasa_process.compile_action_response_schema()
    return RemoteAction("action_x", None)


GOOD = {
    "events": [{"event": "slot", "name": "procedure_code", "value": "1.001", "timestamp": None}],
    "responses": [{"text": "Dạ.", "buttons": [{"title": "Có", "payload": "/affirm"}]}],
}
BAD = [
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": "not a list", "responses": []},
    {"events": [], "responses": ["not an object"]},
    {"events": [{"event": "slot", "name": 3}]},
]


def test_the_replacement_is_installed_once(compiled):
    first = RemoteAction._validate_action_result
    assert getattr(first, "compiled_schema", False)
    rasa_process.compile_action_response_schema()
    assert RemoteAction._validate_action_result is first


def test_a_valid_reply_passes(compiled):
    assert compiled._validate_action_result(GOOD) is True


@pytest.mark.parametrize("reply", BAD)
def test_an_invalid_reply_fails_as_jsonschema_validate_does(compiled, reply):
    with pytest.raises(jsonschema.ValidationError) as expected:
        jsonschema.validate(reply, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as got:
        compiled._validate_action_result(reply)
    assert got.value.message.startswith(expected.value.message)
    assert got.value.path == expected.value.path
    assert "Failed to validate Action server response" in got.value.message


def test_tune_limits_action_calls(monkeypatch):
    from rasa.core.actions import action

    monkeypatch.setattr(action, "DEFAULT_REQUEST_TIMEOUT", action.DEFAULT_REQUEST_TIMEOUT)
    monkeypatch.setattr(
        RemoteAction, "_validate_action_result", RemoteAction._validate_action_result
    )
    rasa_process.tune(7.5)
    assert action.DEFAULT_REQUEST_TIMEOUT == 7.5
    assert getattr(RemoteAction._validate_action_result, "compiled_schema", False)
