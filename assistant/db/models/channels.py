"""The messaging channels' state: access tokens, seen messages, the reply outbox. Changes go
through Alembic migrations.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Text,
)

from assistant.db.models.base import Base


class ChannelToken(Base):
    """A messaging channel's current OAuth pair (Zalo: refresh tokens are single-use, so the
    pair a refresh returns must outlive the process that asked for it)."""

    __tablename__ = "channel_tokens"

    id = Column(Integer, primary_key=True)
    channel = Column(String(32), nullable=False, unique=True)
    access_token = Column(Text, nullable=False)
    refresh_token = Column(Text, nullable=False)
    expires_at: datetime | None = Column(DateTime, nullable=True)  # UTC, naive
    updated_at = Column(DateTime, nullable=False)


class ZaloSeenMessage(Base):
    """Webhook events already handled: Zalo redelivers, and each message gets one answer."""

    __tablename__ = "zalo_seen_messages"

    id = Column(Integer, primary_key=True)
    msg_id = Column(String(128), nullable=False, unique=True)
    seen_at = Column(DateTime, nullable=False, index=True)  # UTC, naive; old rows are pruned


class ReplyOutbox(Base):
    """A reply to a citizen on Zalo or Messenger, kept until the platform has accepted it.

    ``pending`` rows are sent in ``id`` order per recipient and retried with backoff across
    restarts; a sent row is deleted; after the last attempt a row turns ``dead`` and waits for
    staff (``/admin/outbox``)."""

    __tablename__ = "reply_outbox"
    __table_args__ = (
        Index("ix_reply_outbox_due", "channel", "status", "next_attempt_at"),
        Index("ix_reply_outbox_recipient", "channel", "recipient", "status", "id"),
    )

    id = Column(Integer, primary_key=True)
    channel = Column(String(16), nullable=False)  # zalo | facebook
    recipient = Column(String(128), nullable=False)  # the platform's user id
    message = Column(JSON, nullable=False)  # the platform's message object, as sent
    status = Column(String(16), nullable=False, default="pending")  # pending | dead
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False)
    last_error = Column(String(255), nullable=False, default="")  # status codes, no content
    created_at = Column(DateTime, nullable=False)
    dead_at: datetime | None = Column(DateTime, nullable=True)
