"""Messages left for staff when nobody can answer at once, and the desk's calendar.

A citizen who asks for a person outside working hours (or while no staff member is online)
leaves a message and, if they wish, a phone number for a call-back. Staff take a ticket
(assign it to themselves: only then is the phone shown in full, and that is audited), note
what they did and close it. The holidays close the desk on days the hours say open.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Dict, List

from assistant import audit
from assistant.db.models import Handoff
from assistant.db.session import session_scope
from assistant.handoff.hours import DEFAULT_HOURS, WorkingHours
from assistant.handoff.repository import HandoffRepository
from assistant.localtime import local_now
from assistant.privacy import mask_personal_data
from assistant.settings import get_settings

logger = logging.getLogger(__name__)

MAX_MESSAGE = 1000
MAX_PER_DAY = 5  # messages one conversation may leave in 24 hours
STATUSES = ("open", "assigned", "done")
_PHONE_RE = re.compile(r"^(?:\+?84|0)(\d{9})$")


class HandoffError(ValueError):
    """A refused staff action; the message is Vietnamese and shown as is."""


@lru_cache(maxsize=4)
def _hours(spec: str) -> WorkingHours:
    try:
        return WorkingHours.parse(spec)
    except ValueError as error:
        logger.error("HANDOFF_HOURS unreadable (%s); using %s", error, DEFAULT_HOURS)
        return WorkingHours.parse(DEFAULT_HOURS)


def configured_hours() -> WorkingHours:
    return _hours(get_settings().handoff_hours)


def phone_number(text: str) -> str | None:
    """A Vietnamese phone number as 0xxxxxxxxx, from what a citizen typed, or None."""
    digits = re.sub(r"[\s.\-()]", "", text or "")
    match = _PHONE_RE.match(digits)
    return f"0{match.group(1)}" if match else None


def masked_phone(phone: str | None) -> str:
    return f"{phone[:3]}****{phone[-3:]}" if phone and len(phone) >= 8 else ""


@dataclass(frozen=True)
class Desk:
    open: bool
    next_open: datetime | None
    hours: str  # the hours in words


class HandoffService:
    def __init__(self, url: str | None = None, hours: WorkingHours | None = None) -> None:
        self.url = url
        self.hours = hours or configured_hours()

    def desk(self, now: datetime | None = None) -> Desk:
        """Whether the desk is open now (local time), and when it opens next."""
        now = now or local_now()
        with session_scope(self.url) as session:
            closed = [h.day for h in HandoffRepository(session).holidays(now.date())]
        return Desk(
            self.hours.is_open(now, closed),
            self.hours.next_open(now, closed),
            self.hours.describe(),
        )

    def leave_message(
        self,
        conversation_id: str,
        channel: str,
        message: str,
        phone: str | None,
        context: Dict[str, Any] | None = None,
        trigger: str = "asked",
        now: datetime | None = None,
    ) -> int | None:
        """A ticket for staff; None when this conversation left too many today."""
        now = now or audit.utcnow()
        with session_scope(self.url) as session:
            repo = HandoffRepository(session)
            if repo.count_since(conversation_id, now - timedelta(days=1)) >= MAX_PER_DAY:
                return None
            row = repo.add(
                kind="message",
                status="open",
                channel=(channel or "")[:32],
                conversation_id=conversation_id[:128],
                trigger=trigger[:16],
                context=context or None,
                message=mask_personal_data((message or "").strip())[:MAX_MESSAGE],
                phone=phone_number(phone or ""),
                note="",
                created_at=now,
            )
            return row.id

    def tickets(self, status: str | None = None, viewer: str = "") -> List[Dict[str, Any]]:
        """Tickets for the staff list: the phone masked, except on the ones ``viewer`` took
        (taking a ticket is what the audit log records)."""
        with session_scope(self.url) as session:
            return [
                self._view(row, reveal=bool(viewer) and row.assigned_to == viewer)
                for row in HandoffRepository(session).tickets(status)
            ]

    def counts(self) -> Dict[str, int]:
        with session_scope(self.url) as session:
            repo = HandoffRepository(session)
            return {status: repo.count(status) for status in STATUSES}

    def take(self, handoff_id: int, actor: str) -> Dict[str, Any]:
        """Assign an open ticket to ``actor``; the phone is then shown to them (audited)."""
        with session_scope(self.url) as session:
            row = self._ticket(session, handoff_id)
            if row.status != "open":
                who = row.assigned_to or "một cán bộ khác"
                raise HandoffError(f"Lời nhắn #{row.id} đã được {who} nhận xử lý.")
            row.status, row.assigned_to = "assigned", actor
            audit.record(
                session, actor, "take", "handoff", row.id, {"status": "open"},
                {"status": "assigned", "phone_shown": bool(row.phone)},
            )  # fmt: skip
            return self._view(row, reveal=True)

    def finish(self, handoff_id: int, actor: str, note: str) -> None:
        """Close a ticket the actor holds, with what was done."""
        with session_scope(self.url) as session:
            row = self._ticket(session, handoff_id)
            if row.status != "assigned" or row.assigned_to != actor:
                raise HandoffError("Chỉ cán bộ đã nhận lời nhắn mới đóng được lời nhắn đó.")
            note = mask_personal_data((note or "").strip())[:MAX_MESSAGE]
            row.status, row.note, row.done_at = "done", note, audit.utcnow()
            audit.record(
                session, actor, "finish", "handoff", row.id, {"status": "assigned"},
                {"status": "done", "note": note},
            )  # fmt: skip

    def holidays(self, start: date | None = None) -> List[Dict[str, Any]]:
        with session_scope(self.url) as session:
            return [
                {"id": h.id, "day": h.day, "name": h.name}
                for h in HandoffRepository(session).holidays(start)
            ]

    def add_holiday(self, actor: str, day: date, name: str) -> None:
        name = " ".join((name or "").split())[:128]
        if not name:
            raise HandoffError("Hãy nhập tên ngày nghỉ (ví dụ: Tết Dương lịch).")
        with session_scope(self.url) as session:
            repo = HandoffRepository(session)
            if repo.holiday_on(day) is not None:
                raise HandoffError(f"Ngày {day:%d/%m/%Y} đã có trong danh sách.")
            row = repo.add_holiday(day, name)
            audit.record(
                session, actor, "create", "holiday", row.id, None, {"day": str(day), "name": name}
            )

    def remove_holiday(self, actor: str, holiday_id: int) -> None:
        with session_scope(self.url) as session:
            row = HandoffRepository(session).remove_holiday(holiday_id)
            if row is None:
                raise HandoffError("Không tìm thấy ngày nghỉ này.")
            audit.record(
                session,
                actor,
                "delete",
                "holiday",
                holiday_id,
                {"day": str(row.day), "name": row.name},
                None,
            )

    @staticmethod
    def _ticket(session, handoff_id: int) -> Handoff:
        row = HandoffRepository(session).get(handoff_id)
        if row is None or row.kind != "message":
            raise HandoffError("Không tìm thấy lời nhắn này.")
        return row

    @staticmethod
    def _view(row: Handoff, reveal: bool = False) -> Dict[str, Any]:
        return {
            "id": row.id,
            "status": row.status,
            "channel": row.channel,
            "trigger": row.trigger,
            "context": row.context or {},
            "message": row.message,
            "phone": row.phone if reveal else masked_phone(row.phone),
            "has_phone": bool(row.phone),
            "assigned_to": row.assigned_to,
            "note": row.note,
            "created_at": row.created_at,
            "done_at": row.done_at,
        }
