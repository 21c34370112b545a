"""Citizens' petitions (phản ánh, kiến nghị; assistant/petitions). Changes go through Alembic
migrations.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)

from assistant.db.models.base import Base


class Petition(Base):
    """A citizen's report of a problem in the city, handled by a unit within a time limit.

    ``description``, ``location``, ``status_reason`` and ``public_reply`` are stored masked
    (phone and ID numbers). The reporter's name and phone are stored only with consent and
    are shown in full to staff only on request (audited); the phone also proves ownership
    (its last digits). ``search_key`` is the folded code, place and description that the staff
    search matches (SQL cannot ignore Vietnamese diacritics by itself)."""

    __tablename__ = "petitions"
    __table_args__ = (
        Index("ix_petitions_status_created", "status", "created_at"),
        Index("ix_petitions_similar", "category", "commune_code", "created_at"),
        Index("ix_petitions_sender_created", "sender_hash", "created_at"),
        Index("ix_petitions_phone_created", "phone", "created_at"),
        Index("ix_petitions_due", "due_at"),
    )

    id = Column(Integer, primary_key=True)
    code = Column(String(20), nullable=False, unique=True)  # PA-<year>-<6-digit sequence>
    category = Column(String(32), nullable=False)  # a category key of the configuration
    commune_code = Column(String(16), nullable=False, default="")
    commune_name = Column(String(128), nullable=False, default="")
    location = Column(Text, nullable=False, default="")  # masked
    latitude: float | None = Column(Float, nullable=True)
    longitude: float | None = Column(Float, nullable=True)
    description = Column(Text, nullable=False)  # masked
    search_key = Column(Text, nullable=False, default="")
    reporter_name = Column(String(128), nullable=True)  # only with consent
    phone = Column(String(16), nullable=True)  # 0xxxxxxxxx, only with consent
    consent = Column(Boolean, nullable=False, default=False)
    sender_hash = Column(String(64), nullable=False)
    conversation_id = Column(String(128), nullable=False)  # the channel's sender id
    channel = Column(String(32), nullable=False, default="")
    # moi | da_tiep_nhan | dang_xu_ly | da_xu_ly | khong_thuoc_tham_quyen
    status = Column(String(32), nullable=False, default="moi")
    status_reason = Column(Text, nullable=False, default="")  # masked
    public_reply = Column(Text, nullable=False, default="")  # masked
    unit = Column(String(32), nullable=False, default="")  # a unit key of the configuration
    due_at = Column(DateTime, nullable=False)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)
    closed_at: datetime | None = Column(DateTime, nullable=True)


class PetitionCounter(Base):
    """The last sequence number given out per year: one row per year, incremented in the
    submitting transaction, so two submissions never get the same code."""

    __tablename__ = "petition_counters"

    year = Column(Integer, primary_key=True, autoincrement=False)
    last = Column(Integer, nullable=False, default=0)


class PetitionPhoto(Base):
    """A photo sent with a petition, re-encoded as JPEG without metadata. Kept in the
    database (at most three of about 100-400 KB per petition) so that every server sharing the
    database can show it and it goes with the petition's backup and deletion."""

    __tablename__ = "petition_photos"
    __table_args__ = (Index("ix_petition_photos_sender_created", "sender_hash", "created_at"),)

    id = Column(Integer, primary_key=True)
    token = Column(String(32), nullable=False, unique=True)
    # None until the petition is submitted
    petition_id = Column(ForeignKey("petitions.id", ondelete="CASCADE"), nullable=True, index=True)
    content_type = Column(String(32), nullable=False, default="image/jpeg")
    data = Column(LargeBinary, nullable=False)
    width = Column(Integer, nullable=False)
    height = Column(Integer, nullable=False)
    size = Column(Integer, nullable=False)  # bytes of ``data``
    sender_hash = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)


class PetitionFollower(Base):
    """A conversation that gets a petition's updates: the reporter's, and any that follows
    the code. ``last_seen_at`` is when the citizen last wrote to us from it, which decides
    whether Messenger or Zalo still lets us message them first."""

    __tablename__ = "petition_followers"
    __table_args__ = (
        UniqueConstraint("petition_id", "conversation_id", name="uq_petition_followers_pair"),
        Index("ix_petition_followers_conversation", "conversation_id"),
    )

    id = Column(Integer, primary_key=True)
    petition_id = Column(ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False)
    conversation_id = Column(String(128), nullable=False)
    channel = Column(String(32), nullable=False, default="")
    created_at = Column(DateTime, nullable=False)
    last_seen_at = Column(DateTime, nullable=False)


class PetitionNotification(Base):
    """An update for one conversation (a status change, a public reply): ``pending`` until
    sent by the channel's sender or shown on the citizen's next visit, ``expired`` when too
    old to be worth sending."""

    __tablename__ = "petition_notifications"
    __table_args__ = (
        Index("ix_petition_notifications_conversation", "conversation_id", "status"),
        Index("ix_petition_notifications_status", "status", "channel", "id"),
    )

    id = Column(Integer, primary_key=True)
    petition_id = Column(ForeignKey("petitions.id", ondelete="CASCADE"), nullable=False)
    conversation_id = Column(String(128), nullable=False)
    channel = Column(String(32), nullable=False, default="")
    text = Column(Text, nullable=False)
    status = Column(String(16), nullable=False, default="pending")  # pending | sent | expired
    created_at = Column(DateTime, nullable=False)
    sent_at: datetime | None = Column(DateTime, nullable=True)
