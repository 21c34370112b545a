"""Updates to citizens: on their next visit, or pushed while the platform's window is open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from assistant.audit import utcnow
from assistant.db.models import PetitionNotification
from assistant.db.session import session_scope
from assistant.petitions.notifications import (
    MESSENGER_WINDOW,
    NOTIFICATION_TTL,
    WINDOWS,
    ZALO_WINDOW,
)
from assistant.petitions.service import PetitionService
from tests.petitions.factory import NAME, PHONE, submit


@pytest.fixture
def service(database_url) -> PetitionService:
    return PetitionService()


def statuses():
    with session_scope() as session:
        rows = session.scalars(select(PetitionNotification).order_by(PetitionNotification.id))
        return [(n.conversation_id, n.status, n.sent_at is not None) for n in rows]


def test_the_windows():
    assert MESSENGER_WINDOW == timedelta(hours=24) and ZALO_WINDOW == timedelta(hours=48)
    assert set(WINDOWS) == {"facebook", "zalo"}  # the web widget cannot be written to first


def test_the_next_visit_shows_what_is_pending_once(service):
    code = submit(service, reporter_name=NAME, phone=PHONE, consent=True)["code"]
    service.change_status(code, "da_tiep_nhan", "lan")
    service.reply(code, "Đã giao Công ty Chiếu sáng kiểm tra.", "lan")
    texts = service.pending_notifications("zalo-100")
    assert len(texts) == 2 and texts[0].startswith(f"Phản ánh {code} (Chiếu sáng) đã được")
    assert texts[1].endswith("Đã giao Công ty Chiếu sáng kiểm tra.")
    assert not any(p in text for text in texts for p in (PHONE, NAME))
    assert service.pending_notifications("zalo-100") == []
    assert statuses() == [("zalo-100", "sent", True)] * 2


def test_due_notifications_respect_each_platforms_window(service):
    start = utcnow()
    zalo = submit(service, now=start)["code"]
    facebook = submit(service, sender_id="fb-1", channel="facebook", now=start)["code"]
    web = submit(service, sender_id="web-1", channel="rest", now=start)["code"]
    for code in (zalo, facebook, web):
        service.change_status(code, "da_tiep_nhan", "lan")

    def due(hours: float):
        return [
            n["conversation_id"]
            for n in service.due_notifications(now=start + timedelta(hours=hours))
        ]

    assert due(1) == ["zalo-100", "fb-1"]  # never the web widget: it waits for the next visit
    assert due(25) == ["zalo-100"]  # Messenger's 24 hours are over, Zalo's 48 are not
    assert due(49) == []
    service.seen("fb-1", now=start + timedelta(hours=49))  # the citizen writes again
    [pushed] = service.due_notifications(now=start + timedelta(hours=50))
    assert (pushed["conversation_id"], pushed["channel"]) == ("fb-1", "facebook")
    assert pushed["text"].startswith(f"Phản ánh {facebook}")
    assert service.mark_notification(pushed["id"], "sent") is True
    assert service.mark_notification(pushed["id"], "sent") is False  # no longer pending
    assert service.mark_notification(999, "expired") is False
    with pytest.raises(ValueError):
        service.mark_notification(pushed["id"], "pending")
    assert service.due_notifications(now=start + timedelta(hours=50)) == []
    assert len(service.pending_notifications("web-1")) == 1  # shown on the next visit


def test_old_notifications_expire(service):
    start = utcnow()
    code = submit(service, now=start)["code"]
    service.change_status(code, "da_tiep_nhan", "lan")
    later = start + NOTIFICATION_TTL + timedelta(hours=1)
    assert service.pending_notifications("zalo-100", now=later) == []
    assert statuses() == [("zalo-100", "expired", False)]


def test_a_follower_is_told_too(service):
    code = submit(service)["code"]
    service.follow(code, "fb-77", "facebook")
    service.change_status(code, "khong_thuoc_tham_quyen", "lan", "Thuộc Điện lực")
    [text] = service.pending_notifications("fb-77")
    assert "Lý do: Thuộc Điện lực" in text
    assert len(service.pending_notifications("zalo-100")) == 1
