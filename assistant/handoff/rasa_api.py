"""The few calls of Rasa's HTTP API the live desk makes (Rasa runs with ``--enable-api`` and
the ``RASA_API_TOKEN`` the staff app shares).

- a staff message is appended to the conversation as a bot event, so the tracker stays the
  record; on Zalo and Messenger Rasa also sends it, through the channel's own output (the
  reply outbox), which is how those platforms get it;
- the end of a conversation runs ``action_handoff_closed`` or ``action_handoff_timeout`` on
  the citizen's channel, which resumes the paused conversation;
- the staff page reads the conversation so far (masked by the tracker store).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List

import aiohttp

logger = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=10)
# Channels whose output Rasa can send to by itself (their input channel has an output
# channel); the widget's REST replies come back in the response and the portal pushes them.
PUSHED_BY_RASA = ("zalo", "facebook")


class RasaUnavailable(RuntimeError):
    """Rasa did not take the call; the caller retries later."""


class RasaConversations:
    def __init__(self, http: aiohttp.ClientSession, base_url: str, token: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.token = token

    @property
    def usable(self) -> bool:
        """Rasa serves its API only with a token."""
        return bool(self.token)

    async def _call(self, method: str, path: str, params: Dict | None = None, body: Any = None):
        url = f"{self.base_url}/conversations/{path}"
        # Rasa's token authentication reads the token from the query (its access log line is
        # redacted: assistant.privacy.install_access_log_redaction).
        params = {**(params or {}), "token": self.token}
        try:
            async with self.http.request(
                method, url, params=params, json=body, timeout=TIMEOUT
            ) as reply:
                if reply.status >= 400:
                    raise RasaUnavailable(f"HTTP {reply.status}")
                return await reply.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(type(error).__name__) from None

    @staticmethod
    def _path(conversation_id: str, tail: str) -> str:
        from urllib.parse import quote

        return f"{quote(conversation_id, safe='')}/{tail}"

    async def append_bot_message(
        self, conversation_id: str, channel: str, text: str, metadata: Dict[str, Any]
    ) -> None:
        """Record a message to the citizen (a staff member's, a notification) in the tracker;
        Rasa sends it on Zalo and Messenger."""
        event = {"event": "bot", "text": text, "metadata": metadata}
        params = {}
        if channel in PUSHED_BY_RASA:
            params = {"execute_side_effects": "true", "output_channel": channel}
        await self._call(
            "POST",
            self._path(conversation_id, "tracker/events"),
            {**params, "include_events": "NONE"},
            [event],
        )

    async def run_action(self, conversation_id: str, channel: str, action: str) -> List[Dict]:
        """Run an action on the citizen's channel; the messages a REST conversation gets."""
        params = {"output_channel": channel or "latest", "include_events": "NONE"}
        answer = await self._call(
            "POST", self._path(conversation_id, "execute"), params, {"name": action}
        )
        messages = answer.get("messages") if isinstance(answer, dict) else None
        return [m for m in messages or [] if isinstance(m, dict)]

    async def transcript(self, conversation_id: str, limit: int = 30) -> List[Dict[str, str]]:
        """The conversation's last user and bot messages (as the masking store keeps them)."""
        answer = await self._call(
            "GET", self._path(conversation_id, "tracker"), {"include_events": "AFTER_RESTART"}
        )
        events = answer.get("events") if isinstance(answer, dict) else None
        lines = []
        for event in events or []:
            kind, text = event.get("event"), event.get("text")
            if kind in ("user", "bot") and isinstance(text, str) and text.strip():
                if kind == "user" and text.startswith("/"):
                    continue  # a button's payload; the citizen saw its title
                staff = (event.get("metadata") or {}).get("staff") if kind == "bot" else None
                who = "staff" if staff else kind
                lines.append({"who": who, "text": text[:2000]})
        return lines[-limit:]
