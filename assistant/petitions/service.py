"""Citizens' petitions: what the chat calls (submit, look up, verify, follow, notifications)
and, through :class:`StaffDesk`, what the staff pages call.

A petition is filed with its category's time limit (calendar days) and default unit, its
description and place masked, and the reporter's name and phone only if they agreed to give
them (consent). Limits: five petitions a day per sender and per phone. Looking a petition up
by code gives the public view; the reporter sees their own details after proving ownership
with the last digits of their phone (the dossiers' verification and limits). Anyone may
follow a code and is told of status changes and replies.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Sequence

from assistant.audit import utcnow
from assistant.db.session import session_scope
from assistant.handoff.service import phone_number
from assistant.localtime import LOCAL_OFFSET
from assistant.petitions import config
from assistant.petitions.codes import normalize_code
from assistant.petitions.errors import PetitionError
from assistant.petitions.followers import FollowerRepository
from assistant.petitions.notifications import Notifier
from assistant.petitions.photos import MAX_PHOTOS
from assistant.petitions.repository import PetitionRepository
from assistant.petitions.staff import StaffDesk
from assistant.petitions.statuses import NEW
from assistant.petitions.text import SIMILARITY_THRESHOLD, check_description, similarity
from assistant.petitions.verification import Outcome, OwnershipGate
from assistant.petitions.views import owner_view, public_view
from assistant.privacy import mask_personal_data, mask_personal_numbers
from assistant.sender_hash import sender_hash, sender_ref
from assistant.settings import get_settings
from assistant.text.normalize import fold

__all__ = ["Outcome", "PetitionError", "PetitionService"]

logger = logging.getLogger(__name__)

MAX_PER_DAY = 5  # petitions per sender, and per phone, in 24 hours
MAX_FOLLOWS = 20  # petitions one conversation may follow
MAX_SIMILAR = 5
MAX_DESCRIPTION = 2000
MAX_LOCATION = 300
MAX_NAME = 128


def _clean(text: str | None, limit: int) -> str:
    return " ".join((text or "").split())[:limit]


def _coordinates(latitude, longitude) -> tuple[float | None, float | None]:
    if latitude is None and longitude is None:
        return None, None
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise PetitionError("Vị trí Anh/Chị gửi không hợp lệ.") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise PetitionError("Vị trí Anh/Chị gửi không hợp lệ.")
    return lat, lon


class PetitionService(StaffDesk, Notifier):
    def __init__(self, url: str | None = None) -> None:
        self.url = url

    @staticmethod
    def check_description(text: str | None) -> str | None:
        """A polite Vietnamese reason to ask again (empty, under ten letters, no letters,
        abusive), or None when the description can be filed."""
        return check_description(text)

    def similar(
        self,
        category_key: str,
        commune_code: str,
        description: str,
        now: datetime | None = None,
        days: int | None = None,
    ) -> List[Dict[str, Any]]:
        """Open petitions of the same category in the same commune from the last ``days``
        (PETITION_DUPLICATE_DAYS) whose description is alike (Jaccard ≥ 0.3 on folded
        words), best first: public views with a ``similarity`` score."""
        now = now or utcnow()
        days = get_settings().petition_duplicate_days if days is None else days
        description = mask_personal_data(description or "")
        with session_scope(self.url) as session:
            rows = PetitionRepository(session).open_nearby(
                category_key, commune_code, now - timedelta(days=days)
            )
            scored = [(similarity(description, row.description), row) for row in rows]
            found = [
                {**public_view(row, now), "similarity": round(score, 2)}
                for score, row in sorted(scored, key=lambda pair: -pair[0])
                if score >= SIMILARITY_THRESHOLD
            ]
        return found[:MAX_SIMILAR]

    def submit(
        self,
        *,
        sender_id: str,
        channel: str,
        category_key: str,
        commune_code: str,
        commune_name: str,
        location: str,
        description: str,
        photo_tokens: Iterable[str] = (),
        reporter_name: str | None = None,
        phone: str | None = None,
        consent: bool = False,
        latitude: float | None = None,
        longitude: float | None = None,
        now: datetime | None = None,
    ) -> Dict[str, Any]:
        """File a petition; returns its public view (``code``, ``due_date``…) plus the
        number of ``photos``. Raises :class:`PetitionError` with the reason to tell the
        citizen. Name and phone are dropped unless ``consent`` is True."""
        now = now or utcnow()
        category = config.category(category_key)
        if category is None:
            raise PetitionError("Anh/Chị vui lòng chọn lĩnh vực phản ánh trong danh sách.")
        commune_code, commune_name = _clean(commune_code, 16), _clean(commune_name, 128)
        if not commune_code or not commune_name:
            raise PetitionError("Anh/Chị vui lòng cho biết phường, xã nơi xảy ra sự việc.")
        latitude, longitude = _coordinates(latitude, longitude)
        location = mask_personal_numbers(_clean(location, MAX_LOCATION))
        if not location and latitude is None:
            raise PetitionError("Anh/Chị vui lòng cho biết địa điểm cụ thể nơi xảy ra sự việc.")
        reason = check_description(description)
        if reason:
            raise PetitionError(reason)
        description = mask_personal_data((description or "").strip())[:MAX_DESCRIPTION]
        tokens = list(dict.fromkeys(t for t in photo_tokens if t))
        if len(tokens) > MAX_PHOTOS:
            raise PetitionError(f"Mỗi phản ánh được gửi kèm tối đa {MAX_PHOTOS} ảnh.")
        name, phone = self._personal(reporter_name, phone, consent)
        owner = sender_hash(sender_id)
        with session_scope(self.url) as session:
            repo = PetitionRepository(session)
            self._check_limits(repo, owner, phone, now)
            code = repo.next_code(_local_year(now))
            row = repo.add(
                code=code,
                category=category.key,
                commune_code=commune_code,
                commune_name=commune_name,
                location=location,
                latitude=latitude,
                longitude=longitude,
                description=description,
                search_key=" ".join(
                    fold(f"{code} {commune_name} {location} {description}").split()
                ),
                reporter_name=name,
                phone=phone,
                consent=bool(consent),
                sender_hash=owner,
                conversation_id=sender_id[:128],
                channel=(channel or "")[:32],
                status=NEW,
                status_reason="",
                public_reply="",
                unit=category.unit,
                due_at=now + timedelta(days=category.days),
                created_at=now,
                updated_at=now,
            )
            if repo.attach_photos(tokens, owner, row.id) != len(tokens):
                raise PetitionError(
                    "Không tìm thấy ảnh Anh/Chị đã gửi (ảnh có thể đã hết hạn). "
                    "Anh/Chị vui lòng gửi lại ảnh."
                )
            followers = FollowerRepository(session)
            followers.follow(row.id, row.conversation_id, row.channel, now)
            followers.seen(row.conversation_id, now)
            view = public_view(row, now)
        logger.info("Petition %s filed by %s (%s)", code, sender_ref(sender_id), category.key)
        return {**view, "photos": len(tokens)}

    @staticmethod
    def _personal(name: str | None, phone: str | None, consent: bool):
        if not consent:
            return None, None
        name = _clean(name, MAX_NAME) or None
        if phone:
            normalized = phone_number(phone)
            if normalized is None:
                raise PetitionError(
                    "Số điện thoại chưa đúng. Anh/Chị vui lòng nhập số di động 10 chữ số, "
                    "ví dụ 0912345678."
                )
            phone = normalized
        return name, phone or None

    @staticmethod
    def _check_limits(repo: PetitionRepository, owner: str, phone: str | None, now) -> None:
        since = now - timedelta(days=1)
        if repo.count_by_sender(owner, since) >= MAX_PER_DAY or (
            phone and repo.count_by_phone(phone, since) >= MAX_PER_DAY
        ):
            raise PetitionError(
                f"Mỗi ngày Anh/Chị gửi được tối đa {MAX_PER_DAY} phản ánh. Anh/Chị vui lòng "
                "gửi tiếp vào ngày mai; các phản ánh đã gửi vẫn đang được xử lý."
            )

    def public(self, code: str, now: datetime | None = None) -> Dict[str, Any] | None:
        """What anyone with the code may see (no name, phone, description or place)."""
        now = now or utcnow()
        with session_scope(self.url) as session:
            row = PetitionRepository(session).get(normalize_code(code) or "")
            return public_view(row, now) if row is not None else None

    def has_phone(self, code: str) -> bool:
        """Whether the reporter left a phone (so ownership can be verified)."""
        with session_scope(self.url) as session:
            row = PetitionRepository(session).get(normalize_code(code) or "")
            return bool(row is not None and row.phone)

    def verify(
        self,
        code: str,
        digits: str,
        sender: str,
        address: str | None = None,
        now: datetime | None = None,
    ) -> Outcome:
        """The owner's view when ``digits`` are the last digits of the reporter's phone
        (``VERIFICATION_DIGITS``); "denied" or "locked" like ``DossierService.check``.
        ``address`` is a web client's address (None for Zalo and Messenger)."""
        now = now or utcnow()
        code = normalize_code(code) or (code or "").strip().upper()[:32]
        with session_scope(self.url) as session:
            repo = PetitionRepository(session)
            row = repo.get(code)
            phone = row.phone if row is not None and row.phone else None
            kind = OwnershipGate(session, code, sender, address).check(phone, digits, now)
            if kind != "ok":
                return Outcome(kind)
            photos = repo.photo_counts([row.id]).get(row.id, 0)
            return Outcome("ok", owner_view(row, now, photos))

    def follow(
        self, code: str, conversation_id: str, channel: str, now: datetime | None = None
    ) -> bool:
        """Send this conversation the petition's updates. True when newly following, False
        when it already did; PetitionError for an unknown code or too many follows."""
        now = now or utcnow()
        with session_scope(self.url) as session:
            row = PetitionRepository(session).get(normalize_code(code) or "")
            if row is None:
                raise PetitionError(
                    f"Không tìm thấy phản ánh mã {code}. Anh/Chị vui lòng kiểm tra lại mã."
                )
            followers = FollowerRepository(session)
            followers.seen(conversation_id, now)
            if followers.follows(conversation_id) >= MAX_FOLLOWS:
                raise PetitionError(
                    f"Anh/Chị đang theo dõi {MAX_FOLLOWS} phản ánh, đã đến mức tối đa."
                )
            return followers.follow(row.id, conversation_id[:128], (channel or "")[:32], now)

    def listing(
        self,
        *,
        codes: Sequence[str] = (),
        categories: Sequence[str] = (),
        statuses: Sequence[str] = (),
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 1000,
        now: datetime | None = None,
    ) -> List[Dict[str, Any]]:
        """Public views for the Open311 API, newest first (``start``/``end``: naive UTC)."""
        now = now or utcnow()
        with session_scope(self.url) as session:
            rows = PetitionRepository(session).listing(
                codes=[c for c in (normalize_code(code) for code in codes) if c],
                categories=categories,
                statuses=statuses,
                start=start,
                end=end,
                limit=limit,
            )
            return [public_view(row, now) for row in rows]

    def prune_photos(self, older_than: timedelta = timedelta(days=1)) -> int:
        """Delete photos no petition took within ``older_than`` (for a maintenance job)."""
        with session_scope(self.url) as session:
            return PetitionRepository(session).prune_photos(utcnow() - older_than)


def _local_year(now: datetime) -> int:
    """The year of a naive UTC time in Viet Nam (codes are numbered per local year)."""
    return (now + LOCAL_OFFSET).year
