"""The live desk's messages on their way: what the portal's pump (``assistant.handoff.pump``)
reads and marks. New messages for the browsers, staff messages still to hand to Rasa, ended
conversations whose Rasa conversation is still paused, and what a reconnecting widget missed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List

from assistant import audit
from assistant.db.session import session_scope
from assistant.handoff.live import MAX_TEXT, handoff_view, message_view
from assistant.handoff.live_repository import LiveRepository
from assistant.privacy import mask_personal_numbers


class DeskDelivery:
    def __init__(self, url: str | None = None) -> None:
        self.url = url

    def signature(self) -> tuple:
        with session_scope(self.url) as session:
            return LiveRepository(session).signature()

    def unresumed(self) -> List[Dict[str, Any]]:
        """Ended conversations whose Rasa conversation still waits to be resumed."""
        with session_scope(self.url) as session:
            now = audit.utcnow()
            return [handoff_view(row, now) for row in LiveRepository(session).unresumed()]

    def resumed(self, handoff_id: int, messages: List[Dict[str, Any]]) -> None:
        """Rasa took the conversation back: keep the assistant's closing messages (for the
        widget) and forget the as-typed staff words."""
        now = audit.utcnow()
        with session_scope(self.url) as session:
            repo = LiveRepository(session)
            row = repo.get(handoff_id)
            if row is None:
                return
            row.resumed_at = now
            # Nothing to show (Rasa sent them on Zalo or Messenger): an empty last message
            # still ends a widget's stream.
            shown = [m for m in messages if m.get("text") or m.get("buttons")] or [{"text": ""}]
            for index, message in enumerate(shown):
                self._add_bot(repo, handoff_id, message, now, last=index == len(shown) - 1)
            repo.forget_outgoing(handoff_id)

    @staticmethod
    def _add_bot(
        repo: LiveRepository, handoff_id: int, message: Dict, now: datetime, last: bool
    ) -> None:
        """One of the assistant's closing messages; ``last`` ends the widget's stream."""
        text = str(message.get("text") or "")
        buttons = [
            {"title": str(b.get("title", ""))[:80], "payload": str(b.get("payload", ""))[:200]}
            for b in message.get("buttons") or []
            if isinstance(b, dict)
        ]
        repo.add_message(
            handoff_id=handoff_id,
            direction="bot",
            text=mask_personal_numbers(text[:MAX_TEXT]),
            data={"buttons": buttons, "last": last},
            delivered_at=now,
            created_at=now,
        )

    def messages_after(self, after: int) -> List[Dict[str, Any]]:
        """New messages of any conversation, with the conversation they belong to; a staff
        message still undelivered carries its words as typed in ``deliver``."""
        with session_scope(self.url) as session:
            repo = LiveRepository(session)
            views = []
            for message in repo.messages_after(after):
                row = repo.owner(message)
                view = message_view(message, row)
                if message.outgoing:
                    view["deliver"] = message.outgoing
                views.append(view)
            return views

    def citizen_messages(self, conversation_id: str, after: int = 0) -> List[Dict] | None:
        """What the citizen's widget has not seen of its latest live conversation (staff and
        assistant messages, staff words as typed while kept); None without one."""
        with session_scope(self.url) as session:
            repo = LiveRepository(session)
            row = repo.latest_for(conversation_id)
            if row is None:
                return None
            views = []
            for message in repo.messages(row.id, after):
                if message.direction in ("out", "bot"):
                    view = message_view(message, row)
                    if message.outgoing:
                        view["deliver"] = message.outgoing
                    views.append(view)
            return views

    def last_message_id(self) -> int:
        with session_scope(self.url) as session:
            return LiveRepository(session).last_message_id()

    def undelivered(self) -> List[Dict[str, Any]]:
        with session_scope(self.url) as session:
            repo = LiveRepository(session)
            views = []
            for message in repo.undelivered():
                row = repo.owner(message)
                view = message_view(message, row)
                view["deliver"] = message.outgoing or message.text
                last_in = repo.last_citizen_message_at(row.id) or row.created_at
                view["citizen_silent_hours"] = (audit.utcnow() - last_in).total_seconds() / 3600
                views.append(view)
            return views

    def delivered(self, message_id: int) -> None:
        """Rasa has the message; once the conversation has also ended, its as-typed words
        are no longer needed."""
        with session_scope(self.url) as session:
            LiveRepository(session).mark_delivered(message_id, audit.utcnow())
