"""The staff side: search, one petition, assignment, status changes, replies, the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from assistant.audit import utcnow
from assistant.db.models import AuditEntry, Petition, PetitionNotification
from assistant.db.session import session_scope
from assistant.petitions.service import PetitionError, PetitionService
from tests.petitions.factory import NAME, PHONE, submit


@pytest.fixture
def service(database_url) -> PetitionService:
    return PetitionService()


def audit_trail(code: str):
    with session_scope() as session:
        rows = session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == code).order_by(AuditEntry.id)
        )
        return [(a.actor, a.action, a.entity, a.before, a.after) for a in rows]


def notifications():
    with session_scope() as session:
        rows = session.scalars(select(PetitionNotification).order_by(PetitionNotification.id))
        return [(n.conversation_id, n.channel, n.text, n.status) for n in rows]


def test_search_masks_personal_data_and_filters(service):
    now = utcnow()
    late = submit(
        service, reporter_name=NAME, phone=PHONE, consent=True, now=now - timedelta(days=6)
    )["code"]
    traffic = submit(
        service,
        sender_id="b",
        category_key="giao_thong",
        description="Ổ gà rất sâu giữa đường Trần Phú",
    )["code"]
    found = service.search()
    assert [p["code"] for p in found["items"]] == [traffic, late]
    assert (found["total"], found["page"], found["pages"]) == (2, 1, 1)
    first = found["items"][1]
    assert first["reporter"] == "Nguyễn V*** A" and first["phone"] == "091****678"
    assert PHONE not in str(found) and NAME not in str(found)
    assert [p["code"] for p in service.search(overdue=True)["items"]] == [late]
    assert [p["code"] for p in service.search(text="tran phu")["items"]] == [traffic]
    assert [p["code"] for p in service.search(text=late.lower())["items"]] == [late]
    assert [p["code"] for p in service.search(category="giao_thong")["items"]] == [traffic]
    assert [p["code"] for p in service.search(status="bogus")["items"]] == [traffic, late]
    assert service.search(page=2)["items"] == []
    assert service.communes() == [{"code": "31135", "name": "Phường Ninh Kiều"}]


def test_revealing_name_and_phone_is_audited(service):
    code = submit(service, reporter_name=NAME, phone=PHONE, consent=True)["code"]
    detail = service.get_for_staff(code)
    assert detail["phone"] == "091****678" and detail["has_personal"] is True
    assert service.reveal_personal(code, "lan") == {"reporter": NAME, "phone": PHONE}
    assert audit_trail(code) == [
        ("lan", "view_personal", "petition", None, {"name": True, "phone": True})
    ]
    assert service.get_for_staff(code)["history"][0]["action"].startswith("Xem họ tên")
    assert service.get_for_staff("PA-2026-999999") is None
    with pytest.raises(PetitionError, match="Không tìm thấy phản ánh"):
        service.reveal_personal("PA-2026-999999", "lan")


def test_assignment_is_audited_and_checked(service):
    code = submit(service)["code"]
    service.assign(code, "ubnd_phuong_xa", "lan")
    with session_scope() as session:
        assert session.scalar(select(Petition.unit).where(Petition.code == code)) == (
            "ubnd_phuong_xa"
        )
    assert audit_trail(code) == [
        ("lan", "assign", "petition", {"unit": "chieu_sang_cong_cong"}, {"unit": "ubnd_phuong_xa"})
    ]
    with pytest.raises(PetitionError, match="không có trong danh sách"):
        service.assign(code, "nowhere", "lan")
    with pytest.raises(PetitionError, match="đã được giao cho"):
        service.assign(code, "ubnd_phuong_xa", "lan")
    service.change_status(code, "khong_thuoc_tham_quyen", "lan", "Thuộc Điện lực")
    with pytest.raises(PetitionError, match="đã đóng"):
        service.assign(code, "cong_an", "lan")
    # Assigning alone tells nobody; the status change did.
    [(conversation, _, text, status)] = notifications()
    assert (conversation, status) == ("zalo-100", "pending") and "không thuộc thẩm quyền" in text


def test_status_changes_follow_the_steps_and_notify_every_follower(service):
    code = submit(service)["code"]
    service.follow(code, "fb-9", "facebook")
    with pytest.raises(PetitionError, match="Không chuyển được"):
        service.change_status(code, "dang_xu_ly", "lan")  # a step skipped
    service.change_status(code, "da_tiep_nhan", "lan")
    service.change_status(code, "dang_xu_ly", "minh")
    service.change_status(code, "da_xu_ly", "minh", "Đã thay bóng, gọi 0987654321 nếu tái diễn")
    with session_scope() as session:
        row = session.scalar(select(Petition).where(Petition.code == code))
        assert row.status == "da_xu_ly" and row.closed_at is not None
        assert row.status_reason == "Đã thay bóng, gọi *** nếu tái diễn"
    sent = notifications()
    assert [(c, ch) for c, ch, _, _ in sent] == [("zalo-100", "zalo"), ("fb-9", "facebook")] * 3
    texts = [text for _, _, text, _ in sent[::2]]
    assert texts[0].startswith(f"Phản ánh {code} (Chiếu sáng) đã được tiếp nhận và chuyển đến")
    assert "đang được Công ty Chiếu sáng công cộng xử lý" in texts[1]
    assert "đã được xử lý xong" in texts[2] and "0987654321" not in texts[2]
    assert [a[1] for a in audit_trail(code)] == ["status"] * 3
    history = service.get_for_staff(code)["history"]
    assert [h["detail"] for h in history][:2] == ["Mới → Đã tiếp nhận", "Đã tiếp nhận → Đang xử lý"]
    assert service.get_for_staff(code)["next_statuses"] == []
    with pytest.raises(PetitionError, match="Không chuyển được"):
        service.change_status(code, "khong_thuoc_tham_quyen", "lan", "muộn")


def test_out_of_scope_needs_a_reason(service):
    code = submit(service)["code"]
    with pytest.raises(PetitionError, match="ghi lý do"):
        service.change_status(code, "khong_thuoc_tham_quyen", "lan", "   ")
    service.change_status(code, "khong_thuoc_tham_quyen", "lan", "Thuộc Điện lực")
    [(_, _, text, _)] = notifications()
    assert text.endswith("không thuộc thẩm quyền giải quyết của thành phố. Lý do: Thuộc Điện lực")


def test_a_public_reply_is_masked_audited_and_sent(service):
    code = submit(service)["code"]
    with pytest.raises(PetitionError, match="nhập nội dung"):
        service.reply(code, "  ", "lan")
    with pytest.raises(PetitionError, match="dài quá"):
        service.reply(code, "x" * 1501, "lan")
    service.reply(code, "Đã thay bóng đèn. Liên hệ 0987 654 321.", "lan")
    assert service.public(code)["public_reply"] == "Đã thay bóng đèn. Liên hệ ***."
    [(_, _, text, _)] = notifications()
    assert text == (
        f"Cơ quan chức năng đã trả lời phản ánh {code} (Chiếu sáng): Đã thay bóng đèn. Liên hệ ***."
    )
    assert audit_trail(code)[0][:3] == ("lan", "reply", "petition")


def test_photos_are_served_to_staff_by_token_only_once_submitted(service):
    import io

    from PIL import Image

    from assistant.petitions.photos import store_photo

    out = io.BytesIO()
    Image.new("RGB", (30, 20)).save(out, format="JPEG")
    token = store_photo(out.getvalue(), "image/jpeg", "zalo-100")
    assert service.photo(token) is None
    code = submit(service, photo_tokens=[token])["code"]
    data, content_type = service.photo(token)
    assert content_type == "image/jpeg" and data[:3] == b"\xff\xd8\xff"
    assert service.get_for_staff(code)["photos"][0]["token"] == token
