"""Dossiers, their status history and the verification attempts (assistant/dossiers). Changes go
through Alembic migrations.
"""

from __future__ import annotations

from typing import List

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import relationship

from assistant.db.models.base import Base


class Dossier(Base):
    """A citizen's dossier (hồ sơ) as the provincial case-handling system reports it."""

    __tablename__ = "dossiers"

    id = Column(Integer, primary_key=True)
    # National format <agency code>-<yymmdd>-<4-digit seq>, stored upper case.
    code = Column(String(64), nullable=False, unique=True, index=True)
    external_id = Column(String(64), nullable=True)  # dossierId of the source system
    procedure_code = Column(String(64), nullable=True, index=True)  # catalog code when matched
    procedure_name = Column(Text, nullable=False, default="")
    sector = Column(String(255), nullable=False, default="")
    applicant_name = Column(String(255), nullable=False, default="")
    applicant_phone = Column(String(32), nullable=False, default="")
    applicant_id_number = Column(String(32), nullable=True)
    received_at = Column(DateTime, nullable=True)
    due_at = Column(DateTime, nullable=True)
    completed_at = Column(DateTime, nullable=True)
    returned_at = Column(DateTime, nullable=True)
    status = Column(String(32), nullable=False, default="unknown")  # DossierStatus value
    status_text = Column(String(255), nullable=False, default="")  # as the source named it
    handling_unit = Column(String(255), nullable=False, default="")
    created_at = Column(DateTime, nullable=False, server_default=func.now())
    updated_at = Column(DateTime, nullable=False, server_default=func.now(), onupdate=func.now())

    history: List[DossierEvent] = relationship(
        "DossierEvent", cascade="all, delete-orphan", order_by="DossierEvent.at"
    )


class DossierEvent(Base):
    """One status change of a dossier (its history)."""

    __tablename__ = "dossier_events"

    id = Column(Integer, primary_key=True)
    dossier_id = Column(ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False, index=True)
    status = Column(String(32), nullable=False)
    status_text = Column(String(255), nullable=False, default="")
    handling_unit = Column(String(255), nullable=False, default="")
    at = Column(DateTime, nullable=False)


class VerificationAttempt(Base):
    """Failed and successful ownership checks, for limits that hold across processes."""

    __tablename__ = "verification_attempts"
    __table_args__ = (Index("ix_verification_scope_key_at", "scope", "key", "at"),)

    id = Column(Integer, primary_key=True)
    scope = Column(String(16), nullable=False)  # "sender" | "code" | "address"
    # sha256 of the sender id or the dossier code; HMAC-SHA256 of a web client's address
    key = Column(String(64), nullable=False)
    succeeded = Column(Integer, nullable=False, default=0)
    at = Column(DateTime, nullable=False)
