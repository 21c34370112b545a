"""The catalog schema. Changes go through Alembic migrations in ``assistant/db/migrations``."""

from __future__ import annotations

from datetime import datetime
from typing import List

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import declarative_base, relationship

# SQLAlchemy 1.4 (pinned by Rasa 3.6) has no ``mapped_column``: models use the 1.4 Column
# spelling and are queried only in 2.0 style (``select()``, ``future=True`` engine).
Base = declarative_base()


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


# --- Staff app (issue #6): accounts, FAQ, inbox, training, models, audit -------------------


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


# --- Citizens' petitions (phản ánh, kiến nghị; assistant/petitions) ----------------------


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


class StatsDaily(Base):
    """One figure of one local day (Vietnam time) and channel, rolled up from Rasa's tracker
    events by ``assistant/analytics/rollup.py``: ``metric`` names what is counted and ``key``
    its breakdown (an outcome, a procedure code and aspect, a latency bucket). Counts only
    grow while raw events are read; they outlive the raw events (CONVERSATION_RETENTION_DAYS)."""

    __tablename__ = "stats_daily"
    __table_args__ = (
        UniqueConstraint("day", "channel", "metric", "key", name="uq_stats_daily_figure"),
        Index("ix_stats_daily_metric_day", "metric", "day"),
    )

    id = Column(Integer, primary_key=True)
    day = Column(Date, nullable=False)
    channel = Column(String(32), nullable=False, default="")
    metric = Column(String(32), nullable=False)
    key = Column(String(160), nullable=False, default="")
    value = Column(BigInteger, nullable=False, default=0)


class StatsSeen(Base):
    """A conversation seen on a day (its sender as a keyed hash), so the roll-up counts each
    conversation once per day and knows whether it reached a person. Kept a few days only."""

    __tablename__ = "stats_seen"

    day = Column(Date, primary_key=True)
    sender_hash = Column(String(64), primary_key=True)
    channel = Column(String(32), nullable=False, default="")
    handoff = Column(Boolean, nullable=False, default=False)


class StatsState(Base):
    """The roll-up's place in the tracker store: the last event id read, and the turns still
    open at that point (JSON), so a run never counts an event twice or half a turn."""

    __tablename__ = "stats_state"

    name = Column(String(64), primary_key=True)
    value = Column(JSON, nullable=True)
    updated_at = Column(DateTime, nullable=False)


class IocToken(Base):
    """A read-only token for the IOC's statistics API: only its SHA-256 is stored; an admin
    creates it (the token is shown once) and revokes it. ``last_used_at`` and the audit log
    record its use."""

    __tablename__ = "ioc_tokens"

    id = Column(Integer, primary_key=True)
    name = Column(String(128), nullable=False)
    token_hash = Column(String(64), nullable=False, unique=True)
    prefix = Column(String(12), nullable=False)  # the first characters, to recognise it
    created_by = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)
    last_used_at: datetime | None = Column(DateTime, nullable=True)
    revoked_at: datetime | None = Column(DateTime, nullable=True)
