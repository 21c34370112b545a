"""The end of the petition form, a petition's status in words, and the updates told when a
session starts (actions/petition_submit.py), on a throw-away database."""

from __future__ import annotations

import io
import logging
import os
import re
from typing import Any, Dict, List

import pytest
from PIL import Image
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select, text

from actions.petition_submit import (
    NOT_SAVED,
    STOPPED,
    ActionSessionStart,
    ActionSubmitPetition,
    petition_status_text,
)
from actions.petitions import CANCELLED, SHARED_LOCATION, SLOTS
from assistant.db.models import Petition, PetitionFollower, PetitionPhoto
from assistant.db.session import session_scope
from assistant.petitions.photos import store_photo
from assistant.petitions.service import PetitionService
from assistant.settings import get_settings
from tests.petitions.factory import submit

# A dropped table stands for a database failure: OperationalError on SQLite, ProgrammingError on
# PostgreSQL (make test-services).
DB_ERROR = "ProgrammingError" if os.environ.get("TEST_SERVICES") else "OperationalError"

SENDER = "zalo-77"
REPORT = "Đèn đường trong hẻm 12 đường Mậu Thân bị hư cả tuần nay, tối đi rất nguy hiểm"
CLEAR = [SlotSet(slot, None) for slot in SLOTS]
CODE = re.compile(r"PA-\d{4}-\d{6}")
FORM = dict(
    petition_description=REPORT,
    petition_category="chieu_sang",
    petition_commune="31135",
    petition_location="hẻm 12 đường Mậu Thân",
    petition_coordinates=[],
    petition_photos=[],
    petition_confirm="send",
    petition_consent="yes",
    petition_contact={"name": "Nguyễn Văn An", "phone": "0912345678"},
)


def tracker(
    events: List[Dict] = (), sender: str = SENDER, channel: str = "zalo", **slots: Any
) -> Tracker:
    last = {"text": "x", "intent": {"name": "inform"}, "entities": []}
    return Tracker(
        sender_id=sender,
        slots=dict(slots),
        latest_message=last,
        events=[
            *events,
            {"event": "user", "text": "x", "parse_data": last, "input_channel": channel},
        ],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="petition_form",
    )


async def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, t, {})
    return [m["text"] for m in dispatcher.messages], events


def petitions() -> List[Petition]:
    with session_scope() as session:
        rows = list(session.scalars(select(Petition).order_by(Petition.id)))
        session.expunge_all()
        return rows


def jpeg(colour=(200, 120, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def settings(monkeypatch):
    """Set environment variables, with the settings read again."""

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield set_env
    get_settings.cache_clear()


# --- stopped ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slots",
    [
        {**FORM, "petition_confirm": CANCELLED},
        {**FORM, "petition_consent": CANCELLED},
        {**FORM, "petition_confirm": None},  # the form ended without a confirmation
    ],
)
async def test_a_cancelled_petition_is_not_filed(database_url, slots):
    said, events = await run(ActionSubmitPetition(), tracker(**slots))
    assert said == [STOPPED] and events == CLEAR and petitions() == []


# --- followed --------------------------------------------------------------------------------


async def test_following_a_similar_petition(database_url):
    code = submit()["code"]  # by zalo-100
    t = tracker(sender="fb-5", channel="facebook", **{**FORM, "petition_confirm": f"follow:{code}"})
    said, events = await run(ActionSubmitPetition(), t)
    assert said == [
        f"Vâng, Anh/Chị sẽ nhận được thông báo khi phản ánh {code} có cập nhật, trong cuộc trò "
        "chuyện này. Cảm ơn Anh/Chị đã quan tâm."
    ]
    assert events == CLEAR and len(petitions()) == 1  # nothing new filed
    with session_scope() as session:
        followers = session.scalars(select(PetitionFollower).order_by(PetitionFollower.id))
        assert [(f.conversation_id, f.channel) for f in followers] == [
            ("zalo-100", "zalo"),
            ("fb-5", "facebook"),
        ]
    PetitionService().change_status(code, "da_tiep_nhan", "lan")
    told, _ = await run(ActionSessionStart(), tracker(sender="fb-5", channel="facebook"))
    assert len(told) == 1 and told[0].startswith(f"Thông báo: Phản ánh {code} (Chiếu sáng)")


async def test_following_an_unknown_code_says_so(database_url):
    t = tracker(**{**FORM, "petition_confirm": "follow:PA-2026-999999"})
    said, events = await run(ActionSubmitPetition(), t)
    assert said == ["Không tìm thấy phản ánh mã PA-2026-999999. Anh/Chị vui lòng kiểm tra lại mã."]
    assert events == CLEAR


# --- sent ------------------------------------------------------------------------------------


async def test_sent_with_name_and_phone(database_url):
    tokens = [store_photo(jpeg(), "image/jpeg", SENDER), store_photo(jpeg((0, 0, 0)), "", SENDER)]
    slots = {
        **FORM,
        "petition_location": SHARED_LOCATION,
        "petition_coordinates": [10.0341, 105.7852],
        "petition_photos": tokens,
    }
    said, events = await run(ActionSubmitPetition(), tracker(**slots))
    [row] = petitions()
    view = PetitionService().public(row.code)
    assert said == [
        f"Tôi đã gửi phản ánh của Anh/Chị. Mã phản ánh: {row.code}. Phản ánh được chuyển tới "
        f"{view['unit_name']}, hạn xử lý đến ngày {view['due_date']}. Anh/Chị tra cứu bằng cách "
        f"nhắn “phản ánh {row.code} tới đâu rồi”; khi có kết quả, tôi sẽ báo cho Anh/Chị trong "
        "cuộc trò chuyện này. Khi tra cứu, Anh/Chị cần cho biết 4 số cuối của số điện thoại đã "
        "để lại."
    ]
    assert view["unit_name"] == "Công ty Chiếu sáng công cộng" and view["due_date"]
    assert events == CLEAR
    assert (row.reporter_name, row.phone, row.consent) == ("Nguyễn Văn An", "0912345678", True)
    assert (row.conversation_id, row.channel, row.category, row.commune_code, row.commune_name) == (
        SENDER,
        "zalo",
        "chieu_sang",
        "31135",
        "Phường Ninh Kiều",
    )
    assert (row.location, row.latitude, row.longitude) == (SHARED_LOCATION, 10.0341, 105.7852)
    assert row.description == REPORT
    with session_scope() as session:
        attached = session.scalars(
            select(PetitionPhoto.token).where(PetitionPhoto.petition_id == row.id)
        )
        assert sorted(attached) == sorted(tokens)


async def test_the_digits_sentence_follows_the_setting(database_url, settings):
    settings(VERIFICATION_DIGITS="6")
    said, _ = await run(ActionSubmitPetition(), tracker(**FORM))
    assert said[0].endswith(
        "Khi tra cứu, Anh/Chị cần cho biết 6 số cuối của số điện thoại đã để lại."
    )


@pytest.mark.parametrize(
    "slots",
    [
        {"petition_consent": "no", "petition_contact": None},
        {"petition_consent": "no"},  # a contact left over is not kept without consent
        {"petition_consent": "yes", "petition_contact": None},
    ],
)
async def test_sent_without_contact(database_url, slots):
    said, events = await run(ActionSubmitPetition(), tracker(**{**FORM, **slots}))
    [row] = petitions()
    assert (row.reporter_name, row.phone, row.consent) == (None, None, False)
    assert (row.latitude, row.longitude) == (None, None)
    assert CODE.search(said[0]).group(0) == row.code
    assert f"hạn xử lý đến ngày {PetitionService().public(row.code)['due_date']}" in said[0]
    assert "số cuối" not in said[0] and "số điện thoại" not in said[0]
    assert events == CLEAR


async def test_photos_not_in_the_slot_are_taken_from_the_conversation(database_url):
    token = store_photo(jpeg(), "image/jpeg", SENDER)
    shared = {
        "text": f'/send_photo{{"photo_token":"{token}"}}',
        "intent": {"name": "send_photo"},
        "entities": [{"entity": "photo_token", "value": token}],
    }
    events = [
        {"event": "action", "name": "action_petition_start"},
        {"event": "user", "text": shared["text"], "parse_data": shared},
    ]
    await run(ActionSubmitPetition(), tracker(events, **{**FORM, "petition_photos": None}))
    [row] = petitions()
    with session_scope() as session:
        assert session.scalars(select(PetitionPhoto.petition_id)).all() == [row.id]


async def test_a_refusal_is_told_and_nothing_is_filed(database_url):
    said, events = await run(ActionSubmitPetition(), tracker(**{**FORM, "petition_category": None}))
    assert said == ["Anh/Chị vui lòng chọn lĩnh vực phản ánh trong danh sách."]
    assert events == CLEAR and petitions() == []
    someone_elses = store_photo(jpeg(), "image/jpeg", "zalo-other")
    said, _ = await run(
        ActionSubmitPetition(), tracker(**{**FORM, "petition_photos": [someone_elses]})
    )
    assert said[0].startswith("Không tìm thấy ảnh Anh/Chị đã gửi")
    assert petitions() == []  # the petition went with its photos


async def test_the_daily_limit_is_told(database_url):
    for _ in range(5):
        submit(sender_id=SENDER)
    said, _ = await run(ActionSubmitPetition(), tracker(**FORM))
    assert said[0].startswith("Mỗi ngày Anh/Chị gửi được tối đa 5 phản ánh.")
    assert len(petitions()) == 5


async def test_a_database_failure_apologises(database_url, settings, caplog):
    settings(ASSISTANT_HOTLINE="1022")
    with session_scope() as session:
        session.execute(text("DROP TABLE petition_counters"))
    with caplog.at_level(logging.ERROR, logger="actions.petition_submit"):
        said, events = await run(ActionSubmitPetition(), tracker(**FORM))
    assert said == [NOT_SAVED + " Anh/Chị cũng có thể gọi đường dây nóng 1022 trong giờ làm việc."]
    assert events == CLEAR and petitions() == []
    assert [r.getMessage() for r in caplog.records if r.name == "actions.petition_submit"] == [
        f"action_submit_petition: not stored ({DB_ERROR})"
    ]


# --- the status in words -------------------------------------------------------------------

VIEW = {
    "code": "PA-2026-000007",
    "category_name": "Chiếu sáng",
    "commune_name": "Phường Ninh Kiều",
    "created_date": "01/12/2026",
    "status_label": "Đã tiếp nhận",
    "open": True,
    "overdue": False,
    "unit_name": "Công ty Chiếu sáng công cộng",
    "due_date": "06/12/2026",
    "status_reason": "",
    "public_reply": "",
    "description": "Đèn đường hư",
}


def test_an_open_petition_tells_its_unit_and_due_date():
    assert petition_status_text(VIEW) == (
        "Phản ánh PA-2026-000007 (Chiếu sáng, Phường Ninh Kiều), gửi ngày 01/12/2026: đã tiếp "
        "nhận.\nĐơn vị xử lý: Công ty Chiếu sáng công cộng; hạn xử lý: 06/12/2026."
    )
    late = petition_status_text({**VIEW, "overdue": True}).splitlines()[1]
    assert late == "Đơn vị xử lý: Công ty Chiếu sáng công cộng; hạn xử lý: 06/12/2026 (đã quá hạn)."


def test_a_closed_petition_tells_the_reason_and_the_reply():
    closed = {
        **VIEW,
        "open": False,
        "status_label": "Không thuộc thẩm quyền",
        "status_reason": "Đèn của khu dân cư",
        "public_reply": "Đã báo tổ dân phố.",
    }
    assert petition_status_text(closed).splitlines() == [
        "Phản ánh PA-2026-000007 (Chiếu sáng, Phường Ninh Kiều), gửi ngày 01/12/2026: không "
        "thuộc thẩm quyền.",
        "Lý do: Đèn của khu dân cư",
        "Trả lời của cơ quan chức năng: Đã báo tổ dân phố.",
    ]


def test_only_the_owner_reads_the_description_back():
    assert "Đèn đường hư" not in petition_status_text(VIEW)
    assert petition_status_text(VIEW, owner=True).splitlines()[-1] == (
        "Nội dung Anh/Chị phản ánh: Đèn đường hư"
    )


# --- the session start ----------------------------------------------------------------------

STARTED = [SessionStarted(), ActionExecuted("action_listen")]


async def test_a_session_starts_as_rasas_own_does(database_url):
    said, events = await run(ActionSessionStart(), tracker(sender="web-1", channel="rest"))
    assert said == [] and events == STARTED
    assert [e["event"] for e in events] == ["session_started", "action"]
    assert events[1]["name"] == "action_listen"


async def test_updates_not_yet_told_are_told_once(database_url):
    service = PetitionService()
    code = submit(service, sender_id="web-1", channel="rest")["code"]
    submit(service, sender_id="web-2", channel="rest")
    service.change_status(code, "da_tiep_nhan", "lan")
    service.reply(code, "Đã giao Công ty Chiếu sáng kiểm tra.", "lan")
    said, events = await run(ActionSessionStart(), tracker(sender="web-1", channel="rest"))
    assert events == STARTED and len(said) == 2
    assert said[0].startswith(f"Thông báo: Phản ánh {code} (Chiếu sáng) đã được tiếp nhận")
    assert said[1] == (
        f"Thông báo: Cơ quan chức năng đã trả lời phản ánh {code} (Chiếu sáng): "
        "Đã giao Công ty Chiếu sáng kiểm tra."
    )
    again, _ = await run(ActionSessionStart(), tracker(sender="web-1", channel="rest"))
    assert again == []
    other, _ = await run(ActionSessionStart(), tracker(sender="web-2", channel="rest"))
    assert other == []


async def test_a_session_starts_even_when_updates_are_unknown(database_url, caplog):
    with session_scope() as session:
        session.execute(text("DROP TABLE petition_notifications"))
    with caplog.at_level(logging.ERROR, logger="actions.petition_submit"):
        said, events = await run(ActionSessionStart(), tracker(sender="web-1", channel="rest"))
    assert said == [] and events == STARTED
    assert [r.getMessage() for r in caplog.records if r.name == "actions.petition_submit"] == [
        f"Petition updates unknown: {DB_ERROR}"
    ]
