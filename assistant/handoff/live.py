"""The live desk: citizens waiting for a person, and the conversations staff hold with them.

A conversation is queued by ``action_handoff`` (which pauses the Rasa conversation) when the
desk is open and a staff member has the "Hỗ trợ trực tuyến" page open. The citizen's messages
while paused are relayed here by their channel; staff messages are stored here, then reach
the citizen (``assistant.handoff.pump``). Rasa's tracker stays the record of the conversation
and of its pause; this module keeps the desk's side: queue, who took what, waiting time,
duration and outcome.

Texts are stored masked. A staff message keeps its words as typed (``outgoing``) only until it
has been delivered and the conversation has ended.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List

from assistant import audit
from assistant.db.models import Handoff, HandoffMessage
from assistant.db.session import session_scope
from assistant.handoff.live_repository import OPEN, LiveRepository
from assistant.handoff.service import HandoffError
from assistant.privacy import mask_personal_data
from assistant.settings import get_settings

MAX_TEXT = 2000
PRESENCE = timedelta(seconds=60)  # a staff page not heard from for this long is offline
MISSED_COOLDOWN = timedelta(minutes=30)  # after a missed wait, offer a message instead
DEFAULT_WAIT_SECONDS = 120.0  # per person ahead, before there is any history
TAKEN = "Cán bộ đã tiếp nhận cuộc trò chuyện. Anh/Chị cần hỗ trợ gì, xin cứ nhắn ạ."


@dataclass(frozen=True)
class Place:
    handoff_id: int
    state: str  # waiting | active | cancelled (the citizen stopped waiting)
    position: int  # 1 = next; 0 once taken
    wait_minutes: int

    def as_custom(self) -> Dict[str, Any]:
        """What the widget reads to open its stream (the ``custom`` of a bot message)."""
        return {"handoff": {"id": self.handoff_id, "state": self.state, "position": self.position}}


def stops_waiting(text: str) -> bool:
    """A whole message that gives up waiting: "thôi", "hủy", "không chờ nữa"…"""
    from assistant.text.normalize import declines, message_key

    return declines(text) or message_key(text) in _STOP_WAITING


_STOP_WAITING = {"khong cho nua", "thoi khong cho nua", "huy yeu cau", "khong can nua", "thoi khoi"}


def _clean(text: str) -> str:
    return " ".join((text or "").split())[:MAX_TEXT]


def message_view(row: HandoffMessage, conversation: Handoff | None = None) -> Dict[str, Any]:
    view = {
        "id": row.id,
        "handoff_id": row.handoff_id,
        "direction": row.direction,
        "author": row.author,
        "text": row.text,
        "buttons": (row.data or {}).get("buttons", []),
        "last": bool((row.data or {}).get("last")),  # the end of the conversation with staff
        "at": row.created_at.isoformat(timespec="seconds") + "Z",
    }
    if conversation is not None:
        view["conversation_id"] = conversation.conversation_id
        view["channel"] = conversation.channel
        view["status"] = conversation.status
    return view


class LiveDesk:
    def __init__(self, url: str | None = None, wait_minutes: float | None = None) -> None:
        self.url = url
        minutes = get_settings().handoff_wait_minutes if wait_minutes is None else wait_minutes
        self.max_wait = timedelta(minutes=max(0.5, minutes))

    # --- the citizen's side (action server, channels) -------------------------------------

    def available(self, conversation_id: str, now: datetime | None = None) -> bool:
        """Someone is on the live page, and this conversation did not just wait in vain."""
        now = now or audit.utcnow()
        with session_scope(self.url) as session:
            repo = LiveRepository(session)
            if repo.open_for(conversation_id) is not None:
                return True
            return repo.online(now - PRESENCE) > 0 and not repo.missed_since(
                conversation_id, now - MISSED_COOLDOWN
            )

    def enqueue(
        self,
        conversation_id: str,
        channel: str,
        context: Dict[str, Any] | None = None,
        trigger: str = "asked",
        now: datetime | None = None,
    ) -> Place:
        """Queue the conversation (or give its place if it is already queued or taken)."""
        now = now or audit.utcnow()
        with session_scope(self.url) as session:
            repo = LiveRepository(session)
            row = repo.open_for(conversation_id) or repo.add(
                status="waiting",
                channel=(channel or "")[:32],
                conversation_id=conversation_id[:128],
                trigger=trigger[:16],
                context=context or None,
                message="",
                note="",
                created_at=now,
            )
            return self._place(repo, row, now)

    def relay(self, conversation_id: str, text: str, now: datetime | None = None) -> Place | None:
        """Store what the citizen said to staff; None when no live conversation is open."""
        now = now or audit.utcnow()
        with session_scope(self.url) as session:
            repo = LiveRepository(session)
            row = repo.open_for(conversation_id)
            if row is None:
                return None
            masked = mask_personal_data(_clean(text))
            repo.add_message(handoff_id=row.id, direction="in", text=masked, created_at=now)
            # "thôi", "hủy" while still waiting: the citizen leaves the queue (the portal's
            # pump resumes the conversation); once taken, it is words for the staff member.
            if row.status == "waiting" and stops_waiting(text):
                if repo.change_status(row.id, ("waiting",), status="cancelled", done_at=now):
                    return Place(row.id, "cancelled", 0, 0)
            return self._place(repo, row, now)

    def _place(self, repo: LiveRepository, row: Handoff, now: datetime) -> Place:
        if row.status != "waiting":
            return Place(row.id, row.status, 0, 0)
        position = repo.waiting_before(row) + 1
        waits = repo.recent_waits()
        per_person = statistics.median(waits) if waits else DEFAULT_WAIT_SECONDS
        online = max(1, repo.online(now - PRESENCE))
        minutes = max(1, math.ceil(per_person * position / online / 60))
        return Place(row.id, "waiting", position, minutes)

    # --- the staff side (the staff app) ---------------------------------------------------

    def queue(self, now: datetime | None = None) -> List[Dict[str, Any]]:
        """Open conversations, oldest first, with the waiting time and the last message."""
        now = now or audit.utcnow()
        with session_scope(self.url) as session:
            repo = LiveRepository(session)
            rows = repo.open_conversations()
            stats = repo.message_stats([row.id for row in rows])
            views = []
            for row in rows:
                count, last = stats.get(row.id, (0, None))
                view = self._view(row, now)
                view["messages"] = count
                last_row = repo.message(last) if last else None
                view["last"] = message_view(last_row) if last_row is not None else None
                views.append(view)
            return views

    def conversation(self, handoff_id: int, now: datetime | None = None) -> Dict[str, Any]:
        with session_scope(self.url) as session:
            repo = LiveRepository(session)
            row = self._get(repo, handoff_id)
            view = self._view(row, now or audit.utcnow())
            view["desk_messages"] = [message_view(m) for m in repo.messages(row.id)]
            return view

    def take(self, handoff_id: int, actor: str, now: datetime | None = None) -> Dict[str, Any]:
        now = now or audit.utcnow()
        with session_scope(self.url) as session:
            repo = LiveRepository(session)
            row = self._get(repo, handoff_id)
            if not repo.change_status(
                handoff_id, ("waiting",), status="active", assigned_to=actor, taken_at=now
            ):
                session.refresh(row)
                who = row.assigned_to or "một cán bộ khác"
                if row.status == "active":
                    raise HandoffError(f"Cuộc trò chuyện #{row.id} đã được {who} tiếp nhận.")
                raise HandoffError(f"Cuộc trò chuyện #{row.id} đã kết thúc.")
            session.refresh(row)
            repo.add_message(
                handoff_id=row.id, direction="out", author=actor, text=TAKEN, outgoing=TAKEN,
                created_at=now,
            )  # fmt: skip
            audit.record(
                session, actor, "take", "live_handoff", row.id, {"status": "waiting"},
                {"status": "active", "waited_seconds": int((now - row.created_at).total_seconds())},
            )  # fmt: skip
            return self._view(row, now)

    def say(self, handoff_id: int, actor: str, text: str, now: datetime | None = None) -> Dict:
        """A staff member's message to the citizen, queued for delivery."""
        text = _clean(text)
        if not text:
            raise HandoffError("Tin nhắn trống.")
        now = now or audit.utcnow()
        with session_scope(self.url) as session:
            repo = LiveRepository(session)
            row = self._get(repo, handoff_id)
            if row.status != "active" or row.assigned_to != actor:
                raise HandoffError("Chỉ cán bộ đang tiếp nhận cuộc trò chuyện mới nhắn được.")
            message = repo.add_message(
                handoff_id=row.id,
                direction="out",
                author=actor,
                text=mask_personal_data(text),
                outgoing=text,
                created_at=now,
            )
            return message_view(message, row)

    def close(self, handoff_id: int, actor: str, now: datetime | None = None) -> Dict[str, Any]:
        """End a conversation: the one who took it, or anyone while it still waits."""
        now = now or audit.utcnow()
        with session_scope(self.url) as session:
            repo = LiveRepository(session)
            row = self._get(repo, handoff_id)
            if row.status == "active" and row.assigned_to != actor:
                raise HandoffError("Chỉ cán bộ đang tiếp nhận mới kết thúc được cuộc trò chuyện.")
            old = row.status
            if not repo.change_status(handoff_id, OPEN, status="closed", done_at=now):
                raise HandoffError(f"Cuộc trò chuyện #{row.id} đã kết thúc.")
            session.refresh(row)
            view = self._view(row, now)
            audit.record(
                session, actor, "close", "live_handoff", row.id, {"status": old},
                {"status": "closed", "duration_seconds": view["duration_seconds"]},
            )  # fmt: skip
            return view

    def expire(self, now: datetime | None = None) -> List[Dict[str, Any]]:
        """Waiting conversations nobody took in time become ``missed``; they are returned so
        the citizen can be offered to leave a message."""
        now = now or audit.utcnow()
        with session_scope(self.url) as session:
            repo = LiveRepository(session)
            missed = []
            for row in repo.waiting_older_than(now - self.max_wait):
                if repo.change_status(row.id, ("waiting",), status="missed", done_at=now):
                    session.refresh(row)
                    missed.append(self._view(row, now))
            return missed

    def open_for(self, conversation_id: str) -> Dict[str, Any] | None:
        with session_scope(self.url) as session:
            row = LiveRepository(session).open_for(conversation_id)
            return self._view(row, audit.utcnow()) if row is not None else None

    def latest(self, conversation_id: str) -> Dict[str, Any] | None:
        """The conversation's most recent live handoff (the one just closed or missed)."""
        with session_scope(self.url) as session:
            row = LiveRepository(session).latest_for(conversation_id)
            return self._view(row, audit.utcnow()) if row is not None else None

    # --- presence and history -------------------------------------------------------------

    def touch(self, username: str) -> None:
        with session_scope(self.url) as session:
            LiveRepository(session).touch(username, audit.utcnow())

    def leave(self, username: str) -> None:
        with session_scope(self.url) as session:
            LiveRepository(session).leave(username)

    def online(self) -> int:
        with session_scope(self.url) as session:
            return LiveRepository(session).online(audit.utcnow() - PRESENCE)

    def history(self, days: int = 7) -> List[Dict[str, Any]]:
        now = audit.utcnow()
        with session_scope(self.url) as session:
            rows = LiveRepository(session).history(now - timedelta(days=days))
            return [self._view(row, now) for row in rows]

    # --- helpers --------------------------------------------------------------------------

    @staticmethod
    def _get(repo: LiveRepository, handoff_id: int) -> Handoff:
        row = repo.get(handoff_id)
        if row is None:
            raise HandoffError("Không tìm thấy cuộc trò chuyện này.")
        return row

    @staticmethod
    def _view(row: Handoff, now: datetime) -> Dict[str, Any]:
        return handoff_view(row, now)


def handoff_view(row: Handoff, now: datetime) -> Dict[str, Any]:
    """A live conversation as the staff app and the pump see it."""
    duration = None
    if row.taken_at is not None and row.done_at is not None:
        duration = int((row.done_at - row.taken_at).total_seconds())
    waited = ((row.taken_at or row.done_at or now) - row.created_at).total_seconds()
    return {
        "id": row.id,
        "status": row.status,
        "channel": row.channel,
        "conversation_id": row.conversation_id,
        "context": row.context or {},
        "trigger": row.trigger,
        "assigned_to": row.assigned_to,
        "created_at": row.created_at.isoformat(timespec="seconds") + "Z",
        "waited_seconds": int(max(0, waited)),
        "duration_seconds": duration,
    }
