"""The staff app (issue #6): accounts, FAQ, inbox, training, models, audit. Changes go through
Alembic migrations.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)

from assistant.db.models.base import Base


class ContentState(Base):
    """Revision counters other than the catalog's (``faq``): bumped on every change so that
    long-running processes (the NLU's FAQ retrieval) know to reload."""

    __tablename__ = "content_state"

    name = Column(String(32), primary_key=True)
    revision = Column(Integer, nullable=False, default=0)
    changed_at: datetime | None = Column(DateTime, nullable=True)


class StaffUser(Base):
    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    password_hash = Column(Text, nullable=False)  # scrypt, see assistant/staff/passwords.py
    role = Column(String(16), nullable=False, default="editor")  # "editor" | "admin"
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime, nullable=False, server_default=func.now())
    last_login_at: datetime | None = Column(DateTime, nullable=True)


class StaffSession(Base):
    """A logged-in browser. Only a hash of the cookie's token is stored."""

    __tablename__ = "staff_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    user_id = Column(ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False)


class LoginAttempt(Base):
    """Every login try, for rate limits that hold across processes."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_ip_at", "ip", "at"),
        Index("ix_login_attempts_username_at", "username", "at"),
    )

    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False)
    ip = Column(String(64), nullable=False)
    succeeded = Column(Boolean, nullable=False, default=False)
    at = Column(DateTime, nullable=False)


class FaqEntry(Base):
    """A question staff answer themselves; ``key`` names the ResponseSelector label
    ``faq/<key>`` it is trained as."""

    __tablename__ = "faq_entries"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    question = Column(Text, nullable=False)
    paraphrases = Column(JSON, nullable=False, default=list)  # list of str
    answer = Column(Text, nullable=False)
    tags = Column(JSON, nullable=False, default=list)  # list of str
    active = Column(Boolean, nullable=False, default=True)
    source = Column(String(16), nullable=False, default="staff")  # seed | staff | import | inbox
    created_by = Column(String(64), nullable=False, default="")
    updated_by = Column(String(64), nullable=False, default="")
    created_at = Column(DateTime, nullable=False, server_default=func.now())
    updated_at = Column(DateTime, nullable=False, server_default=func.now(), onupdate=func.now())


class TrainingExample(Base):
    """A sentence staff filed under an intent (from the inbox); enters the next training."""

    __tablename__ = "training_examples"

    id = Column(Integer, primary_key=True)
    intent = Column(String(64), nullable=False, index=True)
    text = Column(Text, nullable=False)
    source = Column(String(16), nullable=False, default="inbox")
    active = Column(Boolean, nullable=False, default=True)
    created_by = Column(String(64), nullable=False, default="")
    created_at = Column(DateTime, nullable=False, server_default=func.now())


class UnansweredMessage(Base):
    """A citizen message the assistant could not answer (personal numbers masked)."""

    __tablename__ = "unanswered_messages"
    __table_args__ = (Index("ix_unanswered_status_at", "status", "created_at"),)

    id = Column(Integer, primary_key=True)
    sender_hash = Column(String(64), nullable=False, default="")
    channel = Column(String(32), nullable=False, default="")
    text = Column(Text, nullable=False)  # masked
    intent = Column(String(64), nullable=False, default="")
    confidence = Column(Float, nullable=False, default=0.0)
    reason = Column(String(32), nullable=False)  # one of inbox.repository.REASONS
    # For a 👎: what the assistant had answered (source, procedure code and aspect, FAQ key).
    answered = Column(JSON, nullable=True)
    status = Column(String(16), nullable=False, default="open")  # open|paraphrase|faq|alias|noise
    resolution = Column(JSON, nullable=True)
    resolved_by = Column(String(64), nullable=True)
    resolved_at: datetime | None = Column(DateTime, nullable=True)
    created_at = Column(DateTime, nullable=False)


class AuditEntry(Base):
    """Who changed what, when, with the state before and after."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    actor = Column(String(64), nullable=False)
    action = Column(String(64), nullable=False)  # e.g. faq.create, model.activate
    entity = Column(String(32), nullable=False)
    entity_id = Column(String(64), nullable=False, default="")
    before = Column(JSON, nullable=True)
    after = Column(JSON, nullable=True)
    at = Column(DateTime, nullable=False, index=True)


class ModelVersion(Base):
    """A trained model and its scores; exactly one is ``live`` once any has been accepted."""

    __tablename__ = "model_versions"

    id = Column(Integer, primary_key=True)
    name = Column(String(255), nullable=False, unique=True)  # file name
    path = Column(Text, nullable=False)  # where the file is (MODELS_DIR or models/)
    fingerprint = Column(String(64), nullable=False, default="")
    status = Column(String(16), nullable=False)  # live | archived | rejected
    scores = Column(JSON, nullable=True)
    reason = Column(Text, nullable=False, default="")
    created_by = Column(String(64), nullable=False, default="")
    created_at = Column(DateTime, nullable=False)
    activated_at: datetime | None = Column(DateTime, nullable=True)


class TrainingRun(Base):
    """One retraining: its progress while it runs, its verdict after."""

    __tablename__ = "training_runs"

    id = Column(Integer, primary_key=True)
    # queued | training | scoring | accepted | rejected | failed | interrupted
    status = Column(String(16), nullable=False)
    stage = Column(Text, nullable=False, default="")
    progress = Column(Float, nullable=False, default=0.0)  # 0..1
    log_tail = Column(Text, nullable=False, default="")
    reason = Column(Text, nullable=False, default="")
    started_by = Column(String(64), nullable=False, default="")
    started_at = Column(DateTime, nullable=False)
    finished_at: datetime | None = Column(DateTime, nullable=True)
    model_version_id = Column(ForeignKey("model_versions.id"), nullable=True)
    pid: int | None = Column(Integer, nullable=True)  # the training process, while it runs
