"""Status lookup for the owner only: verification, identical refusals, locks, masked answers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.dossiers import ActionDossierStatus, ValidateDossierForm, digits_in
from assistant.audit import utcnow
from assistant.db.session import session_scope
from assistant.dossiers import answers
from assistant.dossiers.records import DossierRecord
from assistant.dossiers.repository import DossierRepository
from assistant.dossiers.service import DossierService, DossierView
from assistant.dossiers.statuses import DossierStatus

CODE = "000.00.27.H13-240115-0001"
PHONE = "0912345678"
RECEIVED = datetime(2026, 11, 2, 9, 30)


def store(url, **overrides):
    values = dict(
        code=CODE,
        procedure_name="Đăng ký khai sinh",
        sector="Hộ tịch",
        applicant_name="Nguyễn Văn An",
        applicant_phone=PHONE,
        received_at=RECEIVED,
        due_at=RECEIVED + timedelta(days=5),
        status=DossierStatus.PROCESSING,
        status_text="Đang xử lý",
        handling_unit="UBND phường Ninh Kiều",
    )
    values.update(overrides)
    with session_scope(url) as session:
        DossierRepository(session).upsert_many([DossierRecord(**values)])


def test_owner_gets_the_status_with_a_masked_name(database_url):
    store(database_url)
    outcome = DossierService(database_url).check(CODE.lower(), "5678", "citizen")
    assert outcome.kind == "ok"
    view = outcome.dossier
    assert view.applicant == "Nguyễn V*** A" and view.status == DossierStatus.PROCESSING
    text = answers.status_answer(view, today=date(2026, 11, 20))
    assert "Nguyễn Văn An" not in text and PHONE not in text
    assert "Nguyễn V*** A" in text and "Đang xử lý" in text
    assert "trễ hẹn 13 ngày" in text  # due 07/11, asked on 20/11


def test_unknown_code_and_wrong_digits_are_indistinguishable(database_url):
    store(database_url)
    service = DossierService(database_url)
    wrong = service.check(CODE, "0000", "citizen-a")
    unknown = service.check("000.00.27.H13-240115-9999", "5678", "citizen-b")
    assert wrong.kind == unknown.kind == "denied"
    assert wrong.dossier is None and unknown.dossier is None


def test_five_failures_lock_the_sender_even_for_the_right_answer(database_url):
    store(database_url)
    service = DossierService(database_url)
    kinds = [service.check(CODE, f"000{i}", "guesser").kind for i in range(5)]
    assert kinds == ["denied"] * 4 + ["locked"]
    assert service.check(CODE, "5678", "guesser").kind == "locked"


def test_failures_on_one_code_from_many_senders_lock_the_code(database_url):
    store(database_url)
    service = DossierService(database_url)
    for i in range(5):
        service.check(CODE, "1111", f"sender-{i}")
    assert service.check(CODE, "5678", "the-owner").kind == "locked"


def test_locks_expire_after_the_window(database_url):
    store(database_url)
    service = DossierService(database_url)
    past = utcnow() - timedelta(hours=2)  # attempts are kept in UTC, as they are pruned
    for _ in range(5):
        service.check(CODE, "1111", "old-guesser", now=past)
    assert service.check(CODE, "5678", "old-guesser").kind == "ok"


def test_locks_hold_across_service_instances(database_url):
    store(database_url)
    for _ in range(5):
        DossierService(database_url).check(CODE, "2222", "restarting")
    assert DossierService(database_url).check(CODE, "5678", "restarting").kind == "locked"


def view(status, due_days=5, returned=None, unit="Bộ phận Một cửa phường"):
    return DossierView(
        code=CODE,
        procedure_name="Đăng ký khai sinh",
        procedure_code=None,
        sector="",
        applicant="Nguyễn V*** A",
        status=status,
        status_text=status.label,
        handling_unit=unit,
        received_at=RECEIVED,
        due_at=RECEIVED + timedelta(days=due_days),
        completed_at=None,
        returned_at=returned,
    )


@pytest.mark.parametrize(
    "status, due_days, returned, today, expected",
    [
        (
            DossierStatus.PROCESSING,
            5,
            None,
            date(2026, 11, 5),
            "đúng hạn (còn 2 ngày đến ngày hẹn)",
        ),
        (DossierStatus.PROCESSING, 5, None, date(2026, 11, 7), "đúng hạn (hôm nay là ngày hẹn)"),
        (DossierStatus.PROCESSING, 5, None, date(2026, 11, 10), "trễ hẹn 3 ngày"),
        (DossierStatus.RETURNED, 5, datetime(2026, 11, 6), date(2026, 11, 20), "đúng hạn"),
        (DossierStatus.RETURNED, 5, datetime(2026, 11, 9), date(2026, 11, 20), "trễ hẹn 2 ngày"),
    ],
)
def test_timeliness(status, due_days, returned, today, expected):
    assert answers.timeliness(view(status, due_days, returned), today) == expected


@pytest.mark.parametrize(
    "status, words",
    [
        (DossierStatus.SUPPLEMENT, ["bổ sung", "Bộ phận Một cửa phường"]),
        (DossierStatus.READY, ["giấy tờ tùy thân", "Bộ phận Một cửa phường", "07/11/2026"]),
        (DossierStatus.REJECTED, ["lý do"]),
        (DossierStatus.PROCESSING, ["chưa cần làm gì"]),
    ],
)
def test_next_step_says_what_to_do_and_where(status, words):
    text = answers.next_step(view(status), None)
    for word in words:
        assert word in text


@pytest.mark.parametrize(
    "text, digits",
    [
        ("5678", ["5678"]),
        ("4 số cuối là 5678 ạ", ["5678"]),
        ("sđt em 0912345678", ["5678"]),
        ("mã 000.00.27.H13-240115-0001", []),
        ("12345", []),
        ("không nhớ", []),
    ],
)
def test_digits_in(text, digits):
    assert digits_in(text, 4) == digits


def tracker(text, slots=None, entities=None, sender="citizen"):
    return Tracker(
        sender_id=sender,
        slots={
            "dossier_code": None,
            "verification_digits": None,
            "requested_slot": None,
            **(slots or {}),
        },
        latest_message={
            "text": text,
            "intent": {"name": "check_dossier_status"},
            "entities": entities or [],
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": "dossier_form"},
        latest_action_name="action_listen",
    )


async def test_form_takes_the_code_from_anywhere_and_digits_only_when_asked():
    form = ValidateDossierForm()
    dispatcher = CollectingDispatcher()
    t = tracker(f"cho hỏi hồ sơ ({CODE.lower()}) của tôi xong chưa 1234?")
    assert await form.extract_dossier_code(dispatcher, t, {}) == {"dossier_code": CODE}
    assert await form.extract_verification_digits(dispatcher, t, {}) == {}
    asked = tracker("là 5678", slots={"requested_slot": "verification_digits"})
    assert await form.extract_verification_digits(dispatcher, asked, {}) == {
        "verification_digits": "5678"
    }


async def test_status_action_answers_and_forgets_the_digits(database_url):
    store(database_url)
    dispatcher = CollectingDispatcher()
    t = tracker("5678", slots={"dossier_code": CODE, "verification_digits": "5678"})
    events = await ActionDossierStatus().run(dispatcher, t, {})
    assert dispatcher.messages[0]["text"].startswith(f"Hồ sơ {CODE} của Nguyễn V*** A:")
    assert SlotSet("verification_digits", None) in events
    dispatcher = CollectingDispatcher()
    t = tracker("1111", slots={"dossier_code": CODE, "verification_digits": "1111"}, sender="x")
    await ActionDossierStatus().run(dispatcher, t, {})
    assert dispatcher.messages[0]["text"] == answers.DENIED
