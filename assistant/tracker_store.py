"""A Rasa tracker store that never stores personal numbers or names in clear.

It wraps the real store (in memory by default, PostgreSQL or any SQL database when
``TRACKER_STORE_URL`` is set) and masks, before saving: phone, ID and other long digit runs
and names shaped as names (``assistant.privacy.mask_personal_data``) in what the citizen typed
(text, parse data, entity values), the value of the verification and call-back phone slots,
and the same in what a citizen typed into a form (a comment on an answer, a message for staff,
a petition's description; a petition's location keeps its names, which are streets'), and
the same in what the assistant said (a petition's summary repeats the citizen's words). A
message typed while a petition asks for the citizen's name and phone is masked whole: not
every name has the shape, so whatever answers that question is stored as ``***`` (a
question asked in between too). A name typed where nothing asked for it (the form a turn
behind after a lost turn, say) is masked by its shape. The conversation being processed keeps
the clear values in memory for its own turn, which is all the verification and the petition
need; what lands on disk is masked.

Named in endpoints.yml: ``tracker_store: {type: assistant.tracker_store.MaskingTrackerStore}``.
"""

from __future__ import annotations

import copy
import os
from typing import Any, Dict, Iterable
from urllib.parse import unquote, urlparse

from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from assistant.privacy import MASK, install_log_masking, mask_personal_data, mask_personal_numbers

# Rasa imports this module at every start (endpoints.yml names it), so this is where the Rasa
# process gets its log masking: at LOG_LEVEL=DEBUG Rasa logs each parsed message whole.
install_log_masking()

SENSITIVE_SLOTS = frozenset(
    {"verification_digits", "handoff_phone", "petition_contact"}
)  # stored as ***
# The questions whose answer is the citizen's name and phone: the answer is masked whole.
CONTACT_QUESTIONS = frozenset({"petition_consent", "petition_contact"})
# What a citizen typed into a form, kept as text with its personal numbers masked.
FREE_TEXT_SLOTS = frozenset({"feedback_comment", "handoff_message", "petition_description"})
# A place: its numbers are masked, its names kept ("đường Nguyễn Văn Cừ", "gần chợ Trần Phú").
PLACE_SLOTS = frozenset({"petition_location"})


def _slot_mask(name: str):
    return mask_personal_data if name in FREE_TEXT_SLOTS else mask_personal_numbers


def _entity_masked(entity: Dict[str, Any]) -> bool:
    """Whether an entity's value is as it is stored (phone digits: ``***``)."""
    value = entity.get("value")
    if entity.get("entity") == "phone_last4":
        return value == MASK
    return not isinstance(value, str) or mask_personal_data(value) == value


def masked_event(event: Dict[str, Any]) -> Dict[str, Any]:
    """One serialised event with personal numbers masked (a copy)."""
    event = copy.deepcopy(event)
    if event.get("event") == "user":
        if event.get("text"):
            event["text"] = mask_personal_data(event["text"])
        parse = event.get("parse_data") or {}
        if parse.get("text"):
            parse["text"] = mask_personal_data(parse["text"])
        for entity in parse.get("entities") or []:
            if entity.get("entity") == "phone_last4":
                entity["value"] = MASK
            elif isinstance(entity.get("value"), str):
                entity["value"] = mask_personal_data(entity["value"])
    elif event.get("event") == "bot" and event.get("text"):
        event["text"] = mask_personal_data(event["text"])
    elif event.get("event") == "slot" and event.get("name") in SENSITIVE_SLOTS:
        if event.get("value") is not None:
            event["value"] = MASK
    elif event.get("event") == "slot" and event.get("name") in FREE_TEXT_SLOTS | PLACE_SLOTS:
        if isinstance(event.get("value"), str):
            event["value"] = _slot_mask(event["name"])(event["value"])
    return event


def masked_event_object(event: Event) -> Event:
    """``event`` itself when it holds nothing to mask, else a masked copy of it."""
    if isinstance(event, UserUttered):
        parse_text = (event.parse_data or {}).get("text")
        if (
            mask_personal_data(event.text or "") == (event.text or "")
            and mask_personal_data(parse_text or "") == (parse_text or "")
            and all(_entity_masked(e) for e in event.entities or [])
        ):
            return event
        return Event.from_parameters(masked_event(event.as_dict()))
    if isinstance(event, BotUttered) and event.text:
        if mask_personal_data(event.text) != event.text:
            return Event.from_parameters(masked_event(event.as_dict()))
        return event
    if isinstance(event, SlotSet) and event.key in SENSITIVE_SLOTS:
        if event.value is not None and event.value != MASK:
            return Event.from_parameters(masked_event(event.as_dict()))
    if isinstance(event, SlotSet) and event.key in FREE_TEXT_SLOTS | PLACE_SLOTS:
        if isinstance(event.value, str) and _slot_mask(event.key)(event.value) != event.value:
            return Event.from_parameters(masked_event(event.as_dict()))
    return event


def masked_contact(event: UserUttered) -> UserUttered:
    """A message typed in answer to a contact question, masked whole (text, parsed text and
    the entities' values); ``event`` itself when it is already."""
    parsed = (event.parse_data or {}).get("text")
    if event.text in (None, "", MASK) and parsed in (None, "", MASK):
        if all(entity.get("value") == MASK for entity in event.entities or []):
            return event  # saved before: checked without a copy (this runs at every save)
    data = event.as_dict()
    parse = data.get("parse_data") or {}
    entities = parse.get("entities") or []
    for container in (data, parse):
        if container.get("text"):
            container["text"] = MASK
    for entity in entities:
        entity["value"] = MASK
    return Event.from_parameters(data)


def _tracker_pragmas(dbapi_connection, _record) -> None:  # pragma: no cover - driver hook
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # In WAL mode a commit is safe from a crash of the process; only a power cut may lose
    # the last turns. Rasa writes every turn, and FULL syncs the disk on each of them.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def pooled_sqlite(store: SQLTrackerStore) -> SQLTrackerStore:
    """``store`` with its SQLite connections kept open between turns, in WAL mode.

    SQLAlchemy 1.4 gives a SQLite file a NullPool, so Rasa's store opened the file twice a
    turn (read, then write) and synced the disk on every commit in the rollback journal: 14%
    of the Rasa process's busy time at 16 concurrent senders (py-spy,
    benchmarks/throughput.py). The statistics read the same file from another process,
    which WAL lets them do while Rasa writes.
    """
    import sqlalchemy as sa
    from sqlalchemy import event
    from sqlalchemy.orm import sessionmaker
    from sqlalchemy.pool import QueuePool

    engine = sa.create_engine(
        store.engine.url,
        poolclass=QueuePool,
        pool_size=2,
        max_overflow=8,
        connect_args={"check_same_thread": False, "timeout": 5},
    )
    event.listen(engine, "connect", _tracker_pragmas)
    store.engine.dispose()
    store.engine = engine
    store.sessionmaker = sessionmaker(bind=engine)
    return store


def inner_store(domain: Domain | None, url: str, event_broker=None) -> TrackerStore:
    if not url:
        return InMemoryTrackerStore(domain, event_broker)
    parsed = urlparse(url)
    dialect = parsed.scheme.split("+", 1)[0]
    if dialect == "postgres":
        dialect = "postgresql"
    if dialect == "sqlite":
        # sqlite:///relative.db or sqlite:////absolute/path.db, as SQLAlchemy spells them.
        return pooled_sqlite(
            SQLTrackerStore(
                domain, dialect="sqlite", db=unquote(parsed.path[1:]), event_broker=event_broker
            )
        )
    store = SQLTrackerStore(
        domain,
        dialect=dialect,
        host=parsed.hostname,
        port=parsed.port,
        db=(parsed.path or "/rasa").lstrip("/") or "rasa",
        username=unquote(parsed.username) if parsed.username else None,
        password=unquote(parsed.password) if parsed.password else None,
        event_broker=event_broker,
    )
    return with_pre_ping(store)


def with_pre_ping(store: SQLTrackerStore) -> SQLTrackerStore:
    """The store with an engine that tests a pooled connection before lending it.

    Rasa 3.6 builds its engine without ``pool_pre_ping``: after the database server restarts,
    each pooled connection is dead and the first turn that draws one fails (the citizen gets
    the apology although the database is back). The same URL and Rasa's own pool options,
    plus the ping (one round trip per checkout, against a whole failed turn)."""
    import sqlalchemy as sa
    from rasa.core.tracker_store import create_engine_kwargs
    from sqlalchemy.orm import sessionmaker

    url = store.engine.url
    store.engine.dispose()
    store.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
    store.sessionmaker = sessionmaker(bind=store.engine)
    return store


class MaskingTrackerStore(TrackerStore):
    def __init__(
        self,
        domain: Domain | None = None,
        event_broker=None,
        url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain, event_broker, **kwargs)
        self.inner = inner_store(
            domain,
            url if url is not None else os.environ.get("TRACKER_STORE_URL", ""),
            event_broker,
        )

    @property
    def domain(self) -> Domain:
        return self._domain

    @domain.setter
    def domain(self, domain: Domain | None) -> None:
        self._domain = domain or Domain.empty()
        self.inner.domain = self._domain

    def masked(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """A copy to store: the same event objects, except masked copies where needed.

        Saving runs every turn over the whole conversation, so events with nothing to mask
        are not copied (a dict round trip for each made a 160-message conversation's turn
        several times slower than a fresh one's)."""
        events, asking = [], None
        for event in tracker.events:
            if isinstance(event, SlotSet) and event.key == REQUESTED_SLOT:
                asking = event.value
            if isinstance(event, UserUttered) and asking in CONTACT_QUESTIONS:
                events.append(masked_contact(event))
            else:
                events.append(masked_event_object(event))
        return DialogueStateTracker.from_events(tracker.sender_id, events, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.inner.save(self.masked(tracker))

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return await self.inner.retrieve(sender_id)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        return await self.inner.retrieve_full_tracker(conversation_id)

    async def keys(self) -> Iterable[str]:
        return await self.inner.keys()
