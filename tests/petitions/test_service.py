"""What the chat calls: submitting, duplicates, the public view, following."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from assistant.audit import utcnow
from assistant.db.models import Petition, PetitionFollower, PetitionPhoto
from assistant.db.session import session_scope
from assistant.petitions.photos import store_photo
from assistant.petitions.service import MAX_PER_DAY, PetitionError, PetitionService
from assistant.settings import get_settings
from tests.petitions.factory import NAME, PHONE, submit

PERSONAL = (PHONE, "345678", NAME, "Văn An")


@pytest.fixture
def service(database_url) -> PetitionService:
    return PetitionService()


def stored(code: str) -> Petition:
    with session_scope() as session:
        return session.scalar(select(Petition).where(Petition.code == code))


def photo(sender: str) -> str:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 10)).save(out, format="PNG")
    return store_photo(out.getvalue(), "image/png", sender)


def test_a_petition_is_filed_with_its_categorys_limit_and_unit(service):
    now = utcnow()
    view = submit(service, description="Đèn đường số 12 không sáng, gọi tôi 0912 345 678", now=now)
    assert view["code"] == f"PA-{(now + timedelta(hours=7)).year}-000001"
    assert view["status"] == "moi" and view["status_label"] == "Mới"
    assert view["category_name"] == "Chiếu sáng" and view["unit"] == "chieu_sang_cong_cong"
    assert view["due_at"] == now + timedelta(days=5) and not view["overdue"]
    assert view["due_date"] == (now + timedelta(days=5, hours=7)).strftime("%d/%m/%Y")
    assert view["photos"] == 0
    row = stored(view["code"])
    assert "0912" not in row.description and row.description.endswith("gọi tôi ***")
    assert (row.reporter_name, row.phone, row.consent) == (None, None, False)
    assert row.conversation_id == "zalo-100" and row.sender_hash != "zalo-100"
    assert "le loi" in row.search_key and "pa-" in row.search_key
    with session_scope() as session:
        [follower] = session.scalars(select(PetitionFollower)).all()
    assert (follower.conversation_id, follower.channel) == ("zalo-100", "zalo")


def test_name_and_phone_are_kept_only_with_consent(service):
    without = submit(service, reporter_name=NAME, phone=PHONE, consent=False)
    assert (stored(without["code"]).reporter_name, stored(without["code"]).phone) == (None, None)
    agreed = submit(service, reporter_name=f"  {NAME} ", phone="+84 912 345 678", consent=True)
    row = stored(agreed["code"])
    assert (row.reporter_name, row.phone, row.consent) == (NAME, PHONE, True)
    with pytest.raises(PetitionError, match="Số điện thoại chưa đúng"):
        submit(service, phone="12345", consent=True)


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"category_key": "xyz"}, "chọn lĩnh vực"),
        ({"commune_code": ""}, "phường, xã"),
        ({"commune_name": "  "}, "phường, xã"),
        ({"location": ""}, "địa điểm cụ thể"),
        ({"description": "đèn hỏng"}, "hơi ngắn"),
        ({"description": "😡😡😡"}, "bằng chữ"),
        ({"description": "đm đèn đường hỏng không ai sửa"}, "lời lẽ phù hợp"),
        ({"latitude": 95, "longitude": 105}, "Vị trí"),
        ({"latitude": 10.0, "longitude": None}, "Vị trí"),
        ({"photo_tokens": ["a", "b", "c", "d"]}, "tối đa 3 ảnh"),
        ({"photo_tokens": ["no-such-token"]}, "Không tìm thấy ảnh"),
    ],
)
def test_refusals_say_why(service, fields, reason):
    with pytest.raises(PetitionError) as error:
        submit(service, **fields)
    assert reason in str(error.value)
    with session_scope() as session:
        assert session.scalars(select(Petition)).all() == []  # nothing half-filed


def test_coordinates_alone_are_a_place(service):
    view = submit(service, location="", latitude=10.0345678, longitude=105.7812345)
    assert (view["latitude"], view["longitude"]) == (10.035, 105.781)  # rounded in public
    assert stored(view["code"]).latitude == 10.0345678


def test_photos_are_attached_from_the_same_sender_only(service):
    mine = [photo("zalo-100"), photo("zalo-100")]
    theirs = photo("zalo-999")
    with pytest.raises(PetitionError, match="Không tìm thấy ảnh"):
        submit(service, photo_tokens=[mine[0], theirs])
    view = submit(service, photo_tokens=mine + [mine[0]])  # a repeated token counts once
    assert view["photos"] == 2
    with session_scope() as session:
        owners = session.scalars(select(PetitionPhoto.petition_id).order_by(PetitionPhoto.id))
        assert list(owners) == [stored(view["code"]).id] * 2 + [None]


def test_five_petitions_a_day_per_sender_and_per_phone(service):
    now = utcnow()
    for i in range(MAX_PER_DAY):
        submit(service, now=now + timedelta(minutes=i))
    with pytest.raises(PetitionError, match=f"tối đa {MAX_PER_DAY} phản ánh"):
        submit(service, now=now + timedelta(hours=1))
    assert submit(service, now=now + timedelta(days=1, minutes=1))["code"]  # a day later
    for i in range(MAX_PER_DAY):
        submit(service, sender_id=f"web-{i}", phone=PHONE, consent=True, now=now)
    with pytest.raises(PetitionError, match="tối đa"):
        submit(service, sender_id="web-new", phone="0912.345.678", consent=True, now=now)
    assert submit(service, sender_id="web-new", now=now)["code"]  # without that phone


def test_similar_open_petitions_of_the_same_category_and_commune(service, monkeypatch):
    now = utcnow()
    first = submit(service, now=now - timedelta(days=3))
    submit(
        service,
        sender_id="b",
        description="Cột đèn trong công viên bị nghiêng sắp đổ",
        now=now - timedelta(days=2),
    )
    submit(
        service,
        sender_id="c",
        commune_code="31150",
        commune_name="Phường Cái Khế",
        now=now - timedelta(days=1),
    )
    old = submit(service, sender_id="d", now=now - timedelta(days=20))
    found = service.similar("chieu_sang", "31135", "đèn đường trước số 12 Lê Lợi bị tắt", now=now)
    assert [f["code"] for f in found] == [first["code"]]
    assert found[0]["similarity"] >= 0.3 and "description" not in found[0]
    assert service.similar("giao_thong", "31135", "đèn đường số 12 Lê Lợi", now=now) == []
    longer = service.similar("chieu_sang", "31135", "đèn đường số 12 Lê Lợi", now=now, days=30)
    assert {f["code"] for f in longer} == {first["code"], old["code"]}
    monkeypatch.setenv("PETITION_DUPLICATE_DAYS", "30")
    get_settings.cache_clear()
    assert len(service.similar("chieu_sang", "31135", "đèn đường số 12 Lê Lợi", now=now)) == 2
    service.change_status(first["code"], "khong_thuoc_tham_quyen", "lan", "Thuộc điện lực")
    assert [
        f["code"] for f in service.similar("chieu_sang", "31135", "đèn đường số 12 Lê Lợi", now=now)
    ] == [old["code"]]


def test_the_public_view_has_no_personal_data(service):
    code = submit(service, reporter_name=NAME, phone=PHONE, consent=True)["code"]
    view = service.public(code.lower())
    assert view["code"] == code and view["status_label"] == "Mới"
    assert {"description", "location", "reporter", "phone"}.isdisjoint(view)
    assert not any(piece in str(view) for piece in PERSONAL + ("Lê Lợi",))
    assert service.public("PA-2026-999999") is None and service.public("bogus") is None


def test_overdue_once_the_limit_has_passed_while_open(service):
    now = utcnow()
    code = submit(service, now=now - timedelta(days=6))["code"]  # chiếu sáng: 5 days
    assert service.public(code)["overdue"] is True
    assert service.public(code, now=now - timedelta(days=2))["overdue"] is False
    service.change_status(code, "khong_thuoc_tham_quyen", "lan", "Không thuộc thẩm quyền")
    assert service.public(code)["overdue"] is False  # closed petitions are never overdue


def test_has_phone(service):
    assert service.has_phone(submit(service, phone=PHONE, consent=True)["code"]) is True
    assert service.has_phone(submit(service)["code"]) is False
    assert service.has_phone("PA-2026-999999") is False


def test_anyone_may_follow_a_code_once(service):
    code = submit(service)["code"]
    assert service.follow(code, "fb-5", "facebook") is True
    assert service.follow(code.lower(), "fb-5", "facebook") is False
    with pytest.raises(PetitionError, match="Không tìm thấy phản ánh mã PA-2026-999999"):
        service.follow("PA-2026-999999", "fb-5", "facebook")


def test_listing_for_the_public_api(service):
    now = utcnow()
    a = submit(service, now=now - timedelta(days=2))["code"]
    b = submit(
        service,
        category_key="giao_thong",
        description="Ổ gà lớn giữa đường Lê Lợi",
        now=now - timedelta(days=1),
    )["code"]
    assert [v["code"] for v in service.listing()] == [b, a]
    assert [v["code"] for v in service.listing(categories=["giao_thong"])] == [b]
    assert [v["code"] for v in service.listing(codes=[a.lower(), "junk"])] == [a]
    assert service.listing(start=now - timedelta(hours=1)) == []
    assert [v["code"] for v in service.listing(statuses=["moi"], limit=1)] == [b]
