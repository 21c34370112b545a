"""The services desk: answer feedback, holidays, handoffs to staff and their presence. Changes go
through Alembic migrations.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)

from assistant.db.models.base import Base


class AnswerFeedback(Base):
    """A citizen's 👍/👎 on one answer: the question masked, the sender as a keyed hash.

    One row per answer per sender (a second rating changes the first); the answer is named by
    the reference its rating buttons carried and by what it was about (a procedure code and
    aspect, or an FAQ key), with the model that read the question and the channel."""

    __tablename__ = "answer_feedback"
    __table_args__ = (
        UniqueConstraint("sender_hash", "answer_ref", name="uq_answer_feedback_once"),
        Index("ix_answer_feedback_rating_at", "rating", "created_at"),
        Index("ix_answer_feedback_sender_at", "sender_hash", "updated_at"),
    )

    id = Column(Integer, primary_key=True)
    sender_hash = Column(String(64), nullable=False)
    answer_ref = Column(String(32), nullable=False)
    channel = Column(String(32), nullable=False, default="")
    source = Column(String(16), nullable=False)  # procedure | faq | handoff
    handoff_id: int | None = Column(Integer, nullable=True)  # a live conversation rated
    procedure_code = Column(String(64), nullable=True)
    aspect = Column(String(32), nullable=True)
    faq_key = Column(String(128), nullable=True)
    question = Column(Text, nullable=False, default="")  # masked
    rating = Column(String(8), nullable=False)  # up | down
    reason = Column(String(32), nullable=True)  # one of feedback.service.REASONS
    comment = Column(Text, nullable=True)  # masked
    model_id = Column(String(64), nullable=False, default="")
    # The staff inbox's entry for a 👎 (its reason is copied there when the citizen gives one).
    inbox_message_id = Column(Integer, nullable=True)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)


class Holiday(Base):
    """A day the desk is closed although the working hours say open (staff keep the list)."""

    __tablename__ = "holidays"

    id = Column(Integer, primary_key=True)
    day = Column(Date, nullable=False, unique=True)
    name = Column(String(128), nullable=False, default="")


class Handoff(Base):
    """A citizen who asked for a person: a message left for a call-back (``kind`` message) or
    a live conversation with staff (``kind`` live: waiting → active → closed, or missed when
    nobody took it in time; ``created_at``, ``taken_at`` and ``done_at`` give the waiting time
    and the duration).

    The message is stored masked; the call-back phone, which staff need, is kept as given and
    shown in full only to the staff member who takes the ticket (audited)."""

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_kind_status_at", "kind", "status", "created_at"),)

    id = Column(Integer, primary_key=True)
    kind = Column(String(16), nullable=False, default="message")  # message | live
    # message: open | assigned | done; live: waiting | active | closed | missed | cancelled
    status = Column(String(16), nullable=False, default="open")
    channel = Column(String(32), nullable=False, default="")
    conversation_id = Column(String(128), nullable=False)  # the channel's sender id
    trigger = Column(String(16), nullable=False, default="asked")  # asked | fallbacks
    context = Column(JSON, nullable=True)  # procedure code, dossier code in the conversation
    message = Column(Text, nullable=False, default="")  # masked
    phone = Column(String(32), nullable=True)
    assigned_to = Column(String(64), nullable=True)
    note = Column(Text, nullable=False, default="")
    created_at = Column(DateTime, nullable=False)
    taken_at: datetime | None = Column(DateTime, nullable=True)  # live: a staff member took it
    done_at: datetime | None = Column(DateTime, nullable=True)
    # live: when Rasa's conversation was resumed after it ended (retried until it is)
    resumed_at: datetime | None = Column(DateTime, nullable=True)


class HandoffMessage(Base):
    """One message of a live conversation with staff: the citizen's (``in``), a staff
    member's (``out``) or the assistant's (``bot``, e.g. the closing rating prompt).

    ``text`` is masked. A staff message keeps the words as typed in ``outgoing`` only until it
    has reached the citizen's channel (``delivered_at``) and the conversation has ended."""

    __tablename__ = "handoff_messages"
    __table_args__ = (Index("ix_handoff_messages_handoff", "handoff_id", "id"),)

    id = Column(Integer, primary_key=True)
    handoff_id = Column(ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False)
    direction = Column(String(8), nullable=False)  # in | out | bot
    author = Column(String(64), nullable=False, default="")  # the staff member, for out
    text = Column(Text, nullable=False, default="")  # masked
    data = Column(JSON, nullable=True)  # bot: buttons
    outgoing = Column(Text, nullable=True)  # out: as typed, until delivered and closed
    delivered_at: datetime | None = Column(DateTime, nullable=True)
    created_at = Column(DateTime, nullable=False)


class DeskPresence(Base):
    """Staff members with the live desk page open (its event stream refreshes ``seen_at``)."""

    __tablename__ = "desk_presence"

    username = Column(String(64), primary_key=True)
    seen_at = Column(DateTime, nullable=False)
