"""The staff half of :class:`~assistant.petitions.service.PetitionService`: the list, one
petition, assignment, status changes and public replies.

Every change is written to the audit log in its own transaction (``entity`` "petition",
``entity_id`` the code), which is also the petition's history on the staff page. The
reporter's name and phone stay masked until a staff member asks to see them; that request is
audited as "view_personal". A status change or a public reply queues a notification for
every follower (see ``notifications.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List

from assistant import audit
from assistant.db.models import AuditEntry, Petition
from assistant.db.session import session_scope
from assistant.petitions import config
from assistant.petitions.codes import normalize_code
from assistant.petitions.errors import PetitionError
from assistant.petitions.followers import FollowerRepository
from assistant.petitions.notifications import notify_followers, reply_text, status_text
from assistant.petitions.repository import PetitionRepository
from assistant.petitions.statuses import (
    CLOSED,
    OUT_OF_SCOPE,
    STATUSES,
    allowed,
    label,
    next_statuses,
)
from assistant.petitions.views import staff_view, unit_name
from assistant.privacy import mask_personal_data
from assistant.text.normalize import fold

PAGE = 30
MAX_REPLY = 1500  # a reply and its notification fit one Messenger or Zalo message (2000)
MAX_REASON = 500


class StaffDesk:
    url: str | None

    def search(
        self,
        status: str | None = None,
        category: str | None = None,
        unit: str | None = None,
        commune: str | None = None,
        text: str | None = None,
        overdue: bool | None = None,
        page: int = 1,
        now: datetime | None = None,
    ) -> Dict[str, Any]:
        """One page of the staff list: {items, total, page, pages}; names and phones masked."""
        now = now or audit.utcnow()
        page = max(1, int(page or 1))
        folded = " ".join(fold(text or "").split())
        code = normalize_code(text)
        with session_scope(self.url) as session:
            rows, total = PetitionRepository(session).search(
                status=status if status in STATUSES else None,
                category=category or None,
                unit=unit or None,
                commune=commune or None,
                text=fold(code) if code else folded or None,
                overdue=overdue,
                now=now,
                offset=(page - 1) * PAGE,
                limit=PAGE,
            )
            items = [staff_view(row, now) for row in rows]
        return {
            "items": items,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PAGE)),
        }

    def communes(self) -> List[Dict[str, str]]:
        """Communes petitions came from, for the list's filter."""
        with session_scope(self.url) as session:
            return [
                {"code": code, "name": name}
                for code, name in PetitionRepository(session).communes()
            ]

    def get_for_staff(self, code: str, now: datetime | None = None) -> Dict[str, Any] | None:
        """One petition for the staff page (name and phone masked), with its photos'
        tokens, its followers' count and its history."""
        now = now or audit.utcnow()
        with session_scope(self.url) as session:
            repo = PetitionRepository(session)
            row = repo.get(normalize_code(code) or "")
            if row is None:
                return None
            view = staff_view(row, now)
            view.update(
                photos=[
                    {"token": p.token, "width": p.width, "height": p.height, "size": p.size}
                    for p in repo.photos_of(row.id)
                ],
                followers=FollowerRepository(session).count(row.id),
                history=[_history(entry) for entry in repo.history(row.code)],
                next_statuses=[(s, label(s)) for s in next_statuses(row.status)],
            )
            return view

    def reveal_personal(self, code: str, actor: str) -> Dict[str, str]:
        """The reporter's name and phone in full, for a staff member who asked (audited)."""
        with session_scope(self.url) as session:
            row = self._petition(session, code)
            audit.record(
                session, actor, "view_personal", "petition", row.code, None,
                {"name": bool(row.reporter_name), "phone": bool(row.phone)},
            )  # fmt: skip
            return {"reporter": row.reporter_name or "", "phone": row.phone or ""}

    def photo(self, token: str) -> tuple[bytes, str] | None:
        """A submitted petition's photo (bytes, content type), for staff pages only."""
        with session_scope(self.url) as session:
            found = PetitionRepository(session).attached_photo(token or "")
            return (found.data, found.content_type) if found is not None else None

    def assign(self, code: str, unit_key: str, actor: str) -> None:
        if config.unit(unit_key) is None:
            raise PetitionError("Đơn vị được chọn không có trong danh sách.")
        with session_scope(self.url) as session:
            row = self._petition(session, code)
            if row.status in CLOSED:
                raise PetitionError(f"Phản ánh {row.code} đã đóng, không giao lại được.")
            if row.unit == unit_key:
                raise PetitionError(f"Phản ánh {row.code} đã được giao cho {unit_name(unit_key)}.")
            before = row.unit
            row.unit, row.updated_at = unit_key, audit.utcnow()
            audit.record(
                session, actor, "assign", "petition", row.code, {"unit": before},
                {"unit": unit_key},
            )  # fmt: skip

    def change_status(self, code: str, status: str, actor: str, reason: str | None = None) -> None:
        reason = mask_personal_data(" ".join((reason or "").split()))[:MAX_REASON]
        with session_scope(self.url) as session:
            row = self._petition(session, code)
            if status not in STATUSES or not allowed(row.status, status):
                raise PetitionError(
                    f"Không chuyển được phản ánh {row.code} từ “{label(row.status)}” "
                    f"sang “{label(status)}”."
                )
            if status == OUT_OF_SCOPE and not reason:
                raise PetitionError(
                    "Anh/Chị vui lòng ghi lý do phản ánh không thuộc thẩm quyền "
                    "(lý do này được gửi cho người phản ánh)."
                )
            now = audit.utcnow()
            before = {"status": row.status, "reason": row.status_reason}
            row.status, row.status_reason, row.updated_at = status, reason, now
            if status in CLOSED:
                row.closed_at = now
            audit.record(
                session, actor, "status", "petition", row.code, before,
                {"status": status, "reason": reason},
            )  # fmt: skip
            notify_followers(session, row, status_text(row), now)

    def reply(self, code: str, text: str, actor: str) -> None:
        """Publish the authorities' answer (masked) and tell the followers."""
        text = mask_personal_data((text or "").strip())
        if not text:
            raise PetitionError("Anh/Chị vui lòng nhập nội dung trả lời.")
        if len(text) > MAX_REPLY:
            raise PetitionError(f"Nội dung trả lời dài quá {MAX_REPLY} ký tự.")
        with session_scope(self.url) as session:
            row = self._petition(session, code)
            now = audit.utcnow()
            before = {"public_reply": row.public_reply}
            row.public_reply, row.updated_at = text, now
            audit.record(
                session, actor, "reply", "petition", row.code, before, {"public_reply": text}
            )
            notify_followers(session, row, reply_text(row), now)

    def _petition(self, session, code: str) -> Petition:
        row = PetitionRepository(session).get(normalize_code(code) or "")
        if row is None:
            raise PetitionError(f"Không tìm thấy phản ánh {code}.")
        return row


_ACTIONS = {
    "assign": "Giao xử lý",
    "status": "Chuyển trạng thái",
    "reply": "Trả lời công khai",
    "view_personal": "Xem họ tên, số điện thoại người phản ánh",
}


def _history(entry: AuditEntry) -> Dict[str, Any]:
    """One line of a petition's history, in words."""
    before, after = entry.before or {}, entry.after or {}
    detail = ""
    if entry.action == "assign":
        detail = f"{unit_name(before.get('unit') or '') or '—'} → {unit_name(after.get('unit'))}"
    elif entry.action == "status":
        detail = f"{label(before.get('status', ''))} → {label(after.get('status', ''))}"
        if after.get("reason"):
            detail += f" ({after['reason']})"
    elif entry.action == "reply":
        detail = after.get("public_reply", "")
    return {
        "at": entry.at,
        "actor": entry.actor,
        "action": _ACTIONS.get(entry.action, entry.action),
        "detail": detail,
    }
