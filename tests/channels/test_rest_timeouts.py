"""The REST channel's timeouts: the reply wait, and the limit it puts on action calls."""

from __future__ import annotations

from rasa.core.actions import action

from assistant.channels.rest import PortalRestInput
from assistant.settings import get_settings


def test_the_channel_limits_every_action_call_to_action_timeout(monkeypatch):
    # Rasa 3.6 waits 300 s for the action server; RemoteAction.run reads this module constant.
    monkeypatch.setattr(action, "DEFAULT_REQUEST_TIMEOUT", action.DEFAULT_REQUEST_TIMEOUT)
    # The channel also compiles the action-reply schema (tests/test_rasa_process.py).
    monkeypatch.setattr(
        action.RemoteAction,
        "_validate_action_result",
        action.RemoteAction._validate_action_result,
    )
    assert action.DEFAULT_REQUEST_TIMEOUT == 300
    monkeypatch.setenv("ACTION_TIMEOUT", "4.5")
    monkeypatch.setenv("REPLY_TIMEOUT", "20")
    monkeypatch.setenv("METRICS_PORT_RASA", "0")  # no metrics server in the test process
    get_settings.cache_clear()
    try:
        channel = PortalRestInput.from_credentials(None)
    finally:
        get_settings.cache_clear()
    assert action.DEFAULT_REQUEST_TIMEOUT == 4.5
    assert channel.reply_timeout == 20  # the long wait stays for slow turns
