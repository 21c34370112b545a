"""Telling citizens what became of their petition.

A status change or a public reply queues one ``petition_notifications`` row per follower
(the reporter's conversation is the first follower). Two ways out:

- the next visit: the chat calls :meth:`Notifier.pending_notifications` when the citizen
  writes again and shows the texts (works on every channel, the web widget included);
- a sender process calls :meth:`Notifier.due_notifications`, sends each through the
  channel and reports back with :meth:`Notifier.mark_notification`. Only rows the platform
  still lets us send are due: the citizen must have written to us from that conversation
  within the channel's window. Older ones stay pending for the next visit, and after
  :data:`NOTIFICATION_TTL` they expire.

Texts carry no personal data: anyone with the code may follow a petition.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Dict, List

from sqlalchemy.orm import Session

from assistant.audit import utcnow
from assistant.db.models import Petition
from assistant.db.session import session_scope
from assistant.petitions.followers import EXPIRED, PENDING, SENT, FollowerRepository
from assistant.petitions.statuses import IN_PROGRESS, OUT_OF_SCOPE, RECEIVED, RESOLVED
from assistant.petitions.views import category_name, local_date, unit_name

# Messenger Platform: a page may answer within 24 hours of the person's last message
# ("standard messaging"); later only with a message tag, and no tag covers automated status
# updates (HUMAN_AGENT, 7 days, is for a person typing — see assistant/channels/facebook.py).
MESSENGER_WINDOW = timedelta(hours=24)
# Zalo OA: "tin phản hồi" (reply messages) — 8 free messages within 48 hours of the user's
# last message to the OA; the 9th, or any after 48 hours, is a "tin chủ động" (proactive
# message: verified OA and paid quota). Source: Zalo OA help centre, "Các loại tin của Zalo
# Official Account (OA)", zalooa.freshdesk.com/support/solutions/articles/64000261136
# (read 2026-12). The 8-message cap is not counted here: a petition rarely has more updates.
ZALO_WINDOW = timedelta(hours=48)
WINDOWS: Dict[str, timedelta] = {"facebook": MESSENGER_WINDOW, "zalo": ZALO_WINDOW}
NOTIFICATION_TTL = timedelta(days=30)
MARKS = (SENT, EXPIRED)

STATUS_TEXTS: Dict[str, str] = {
    RECEIVED: (
        "Phản ánh {code} ({category}) đã được tiếp nhận và chuyển đến {unit} xử lý. "
        "Hạn xử lý: {due}."
    ),
    IN_PROGRESS: "Phản ánh {code} ({category}) đang được {unit} xử lý. Hạn xử lý: {due}.",
    RESOLVED: (
        "Phản ánh {code} ({category}) đã được xử lý xong. Cảm ơn Anh/Chị đã phản ánh "
        "để thành phố ngày càng tốt hơn."
    ),
    OUT_OF_SCOPE: ("Phản ánh {code} ({category}) không thuộc thẩm quyền giải quyết của thành phố."),
}
REASON_TEXT = " Lý do: {reason}"
REPLY_TEXT = "Cơ quan chức năng đã trả lời phản ánh {code} ({category}): {reply}"


def status_text(row: Petition) -> str:
    """The update for a petition that has just reached ``row.status``."""
    text = STATUS_TEXTS[row.status].format(
        code=row.code,
        category=category_name(row.category),
        unit=unit_name(row.unit),
        due=local_date(row.due_at),
    )
    if row.status_reason and row.status in (OUT_OF_SCOPE, RESOLVED):
        text += REASON_TEXT.format(reason=row.status_reason)
    return text


def reply_text(row: Petition) -> str:
    return REPLY_TEXT.format(
        code=row.code, category=category_name(row.category), reply=row.public_reply
    )


def notify_followers(session: Session, row: Petition, text: str, now: datetime) -> int:
    """Queue ``text`` for every conversation following ``row``; returns how many."""
    repo = FollowerRepository(session)
    followers = repo.followers(row.id)
    repo.queue(row.id, followers, text, now)
    return len(followers)


class Notifier:
    """The notification half of :class:`~assistant.petitions.service.PetitionService`."""

    url: str | None

    def seen(self, conversation_id: str, now: datetime | None = None) -> None:
        """The citizen wrote to us from this conversation (opens the platform's window)."""
        with session_scope(self.url) as session:
            FollowerRepository(session).seen(conversation_id, now or utcnow())

    def pending_notifications(self, conversation_id: str, now: datetime | None = None) -> List[str]:
        """Updates not yet delivered to this conversation, oldest first; they are marked
        sent (the caller shows them now). Also counts as the citizen having written."""
        now = now or utcnow()
        with session_scope(self.url) as session:
            repo = FollowerRepository(session)
            repo.expire(now - NOTIFICATION_TTL)
            repo.seen(conversation_id, now)
            rows = repo.pending_for(conversation_id)
            repo.mark(rows, SENT, now)
            return [row.text for row in rows]

    def due_notifications(
        self, limit: int = 100, now: datetime | None = None
    ) -> List[Dict[str, Any]]:
        """Pending updates a sender may push now: Messenger and Zalo conversations whose
        citizen wrote within the channel's window ({id, conversation_id, channel, text})."""
        now = now or utcnow()
        since = {channel: now - window for channel, window in WINDOWS.items()}
        with session_scope(self.url) as session:
            repo = FollowerRepository(session)
            repo.expire(now - NOTIFICATION_TTL)
            return [
                {
                    "id": row.id,
                    "conversation_id": row.conversation_id,
                    "channel": row.channel,
                    "text": row.text,
                }
                for row in repo.due(since, max(1, min(limit, 1000)))
            ]

    def mark_notification(
        self, notification_id: int, status: str, now: datetime | None = None
    ) -> bool:
        """Record what the sender did: "sent", or "expired" when the platform refused for
        good. False if the row is unknown or no longer pending."""
        if status not in MARKS:
            raise ValueError(f"status must be one of {', '.join(MARKS)}")
        with session_scope(self.url) as session:
            repo = FollowerRepository(session)
            row = repo.get(notification_id)
            if row is None or row.status != PENDING:
                return False
            repo.mark([row], status, now or utcnow())
            return True
