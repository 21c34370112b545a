"""The national and curated catalog of procedures (assistant/catalog). Changes go through Alembic
migrations.
"""

from __future__ import annotations

from datetime import datetime
from typing import List

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import relationship

from assistant.db.models.base import Base


class Procedure(Base):
    __tablename__ = "procedures"

    id = Column(Integer, primary_key=True)
    code = Column(String(64), nullable=False, unique=True, index=True)
    name = Column(Text, nullable=False)
    field = Column(String(255), nullable=False, default="")
    level = Column(String(255), nullable=False, default="")
    agencies = Column(JSON, nullable=False, default=list)
    reception_address = Column(Text, nullable=False, default="")
    steps = Column(JSON, nullable=False, default=list)
    conditions = Column(Text, nullable=False, default="")
    result = Column(Text, nullable=False, default="")
    source_url = Column(Text, nullable=False, default="")
    source = Column(String(16), nullable=False, default="national")
    created_at = Column(DateTime, nullable=False, server_default=func.now())
    updated_at = Column(DateTime, nullable=False, server_default=func.now(), onupdate=func.now())

    aliases: List[ProcedureAlias] = relationship(
        "ProcedureAlias", cascade="all, delete-orphan", order_by="ProcedureAlias.id"
    )
    channels: List[SubmissionChannel] = relationship(
        "SubmissionChannel", cascade="all, delete-orphan", order_by="SubmissionChannel.position"
    )
    documents: List[RequiredDocument] = relationship(
        "RequiredDocument", cascade="all, delete-orphan", order_by="RequiredDocument.position"
    )
    legal_basis: List[LegalDocument] = relationship(
        "LegalDocument", cascade="all, delete-orphan", order_by="LegalDocument.position"
    )


class ProcedureAlias(Base):
    __tablename__ = "procedure_aliases"
    __table_args__ = (UniqueConstraint("procedure_id", "alias"),)

    id = Column(Integer, primary_key=True)
    procedure_id = Column(
        ForeignKey("procedures.id", ondelete="CASCADE"), nullable=False, index=True
    )
    alias = Column(String(255), nullable=False)
    source = Column(String(16), nullable=False, default="seed")
    created_at = Column(DateTime, nullable=False, server_default=func.now())


class SubmissionChannel(Base):
    __tablename__ = "submission_channels"

    id = Column(Integer, primary_key=True)
    procedure_id = Column(
        ForeignKey("procedures.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position = Column(Integer, nullable=False, default=0)
    channel = Column(String(64), nullable=False)
    processing_time_text = Column(Text, nullable=False, default="")
    processing_time_value: float | None = Column(Float, nullable=True)
    processing_time_unit = Column(String(32), nullable=True)
    fee_text = Column(Text, nullable=False, default="")
    fee_amount = Column(Integer, nullable=True)
    description = Column(Text, nullable=False, default="")


class RequiredDocument(Base):
    __tablename__ = "required_documents"

    id = Column(Integer, primary_key=True)
    procedure_id = Column(
        ForeignKey("procedures.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position = Column(Integer, nullable=False, default=0)
    name = Column(Text, nullable=False)
    originals = Column(Integer, nullable=False, default=0)
    copies = Column(Integer, nullable=False, default=0)
    form_template = Column(Text, nullable=False, default="")
    group = Column("group_name", String(255), nullable=False, default="")


class LegalDocument(Base):
    __tablename__ = "legal_basis"

    id = Column(Integer, primary_key=True)
    procedure_id = Column(
        ForeignKey("procedures.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position = Column(Integer, nullable=False, default=0)
    title = Column(Text, nullable=False)
    number = Column(String(128), nullable=False, default="")


class CatalogState(Base):
    """One row: bumped on every catalog change so long-running processes know to reload."""

    __tablename__ = "catalog_state"

    id = Column(Integer, primary_key=True)
    revision = Column(Integer, nullable=False, default=0)
    changed_at: datetime | None = Column(DateTime, nullable=True)
