"""End to end: the real action server, Rasa server and portal page on loopback ports.

Questions go over HTTP exactly as the portal sends them; the expected facts are read from the
same database the servers use, never written into the test.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import yaml

from actions.feedback import ASK_WHY, PROMPT, THANKS_REASON, THANKS_UP, WHICH_WAY
from assistant.catalog.importer import import_catalog
from assistant.catalog.service import CatalogService
from assistant.channels.rest import APOLOGY, EMPTY_PROMPT
from assistant.db.migrate import upgrade
from assistant.db.session import session_scope
from assistant.dossiers.answers import DENIED
from assistant.dossiers.records import DossierRecord
from assistant.dossiers.repository import DossierRepository
from assistant.dossiers.statuses import DossierStatus
from assistant.localtime import local_now
from assistant.settings import PROJECT_ROOT, get_settings
from tests.e2e.launch import ask, launch, texts

pytestmark = pytest.mark.e2e

SEED = PROJECT_ROOT / "data" / "catalog" / "seed.yml"
NATIONAL = get_settings().national_catalog
NOW = local_now()  # dossiers carry local (UTC+7) times, as the service reads them
DOSSIERS = [
    DossierRecord(
        code="000.00.27.H13-240115-0001",
        procedure_name="Đăng ký khai sinh",
        applicant_name="Trần Thị Mỹ Lệ",
        applicant_phone="0987654321",
        received_at=NOW - timedelta(days=10),
        due_at=NOW - timedelta(days=3),
        status=DossierStatus.SUPPLEMENT,
        status_text="Chờ bổ sung hồ sơ",
        handling_unit="Bộ phận Một cửa UBND phường Ninh Kiều",
    ),
    DossierRecord(
        code="000.20.31.H13-250302-0147",
        procedure_name="Đăng ký kết hôn",
        applicant_name="Lê Văn Tám",
        applicant_phone="0911222333",
        received_at=NOW - timedelta(days=2),
        due_at=NOW + timedelta(days=3),
        status=DossierStatus.PROCESSING,
        status_text="Đang xử lý",
    ),
    DossierRecord(  # only for the lock test: its failures must not lock the others
        code="000.00.27.H13-251111-0777",
        procedure_name="Đăng ký tạm trú",
        applicant_name="Võ Thanh Hải",
        applicant_phone="0355000777",
        received_at=NOW - timedelta(days=1),
        due_at=NOW + timedelta(days=2),
        status=DossierStatus.RECEIVED,
        status_text="Đã tiếp nhận",
    ),
]
RESPONSES = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{workdir / 'e2e.db'}"
    upgrade(database_url)
    # As `make run` does: the whole national snapshot, then the curated seed over it.
    assert import_catalog(NATIONAL, database_url).imported >= 2642
    import_catalog(SEED, database_url)
    with session_scope(database_url) as session:
        DossierRepository(session).upsert_many(DOSSIERS)
    with launch(workdir, database_url) as running:
        yield {**running, "catalog": CatalogService(database_url), "database": database_url}


def record_for(servers, query: str):
    resolution = servers["catalog"].resolve(query)
    assert resolution.kind == "match", (query, resolution)
    return servers["catalog"].get(resolution.code)


def test_documents_as_a_numbered_list_with_counts_and_source(servers):
    record = record_for(servers, "đăng ký khai sinh")
    answer, prompt = texts(ask(servers, "Làm giấy khai sinh cho con cần giấy tờ gì?", "citizen-1"))
    assert prompt == PROMPT  # 👍/👎 under every answer (actions/feedback.py)
    assert answer.startswith(f"Hồ sơ thủ tục {record.name} gồm:")
    first = record.documents[0]
    assert f"1. {' '.join(first.name.split())[:40]}" in answer
    if first.originals:
        assert f"{first.originals} bản chính" in answer
    assert answer.rstrip().endswith(record.source_url)


def test_an_answer_is_rated_and_a_thumbs_down_with_a_comment_reaches_staff(servers):
    from sqlalchemy import select

    from assistant.db.models import AnswerFeedback, UnansweredMessage

    record = record_for(servers, "đăng ký khai sinh")
    sender = "citizen-rates"
    question = "Làm giấy khai sinh cho con cần giấy tờ gì?"
    answer, prompt = ask(servers, question, sender).json()
    assert answer["text"].startswith(f"Hồ sơ thủ tục {record.name}")
    up, down = prompt["buttons"]
    [why] = ask(servers, down["payload"], sender).json()
    assert why["text"] == ASK_WHY and len(why["buttons"]) == 5
    assert why["buttons"][-1]["payload"] == "/request_human"
    other = why["buttons"][-2]
    assert other["title"] == "Khác"
    ask_comment = RESPONSES["utter_ask_feedback_form_feedback_comment"][0]["text"]
    assert texts(ask(servers, other["payload"], sender)) == [ask_comment]
    comment = "thiếu bản sao giấy chứng sinh, gọi tôi 0912345678"
    assert texts(ask(servers, comment, sender)) == [THANKS_REASON]
    with session_scope(servers["database"]) as session:
        row = session.scalars(select(AnswerFeedback)).one()
        assert (row.rating, row.reason, row.procedure_code, row.aspect, row.channel) == (
            "down", "other", record.code, "documents", "rest"
        )  # fmt: skip
        assert row.comment == "thiếu bản sao giấy chứng sinh, gọi tôi ***"
        assert row.question == question and row.model_id  # the model that read it
        entry = session.scalars(
            select(UnansweredMessage).where(UnansweredMessage.reason == "thumbs_down")
        ).one()
        assert entry.text == question and entry.answered["procedure_code"] == record.code
    # The conversation goes on: the next question is a question again, not a comment.
    fee, _ = texts(ask(servers, "còn lệ phí thì sao?", sender))
    assert fee.startswith(f"Lệ phí thủ tục {record.name}")
    # An older answer's 👍 still rates that answer; typed feedback gets the buttons.
    assert texts(ask(servers, up["payload"], sender)) == [THANKS_UP]
    [which] = ask(servers, "câu trả lời vừa rồi chưa đúng", sender).json()
    assert which["text"] == WHICH_WAY and len(which["buttons"]) == 2


def test_a_person_please_leaves_a_message_with_a_call_back_number(servers):
    from sqlalchemy import select

    from actions.support import OFFER
    from assistant.db.models import Handoff

    sender = "citizen-person"
    first = texts(ask(servers, "cho tôi gặp nhân viên", sender))
    assert "để lại lời nhắn" in first[0]
    assert first[-1] == RESPONSES["utter_ask_handoff_form_handoff_message"][0]["text"]
    message = "Hồ sơ khai sinh của con tôi trễ hẹn, CCCD 079203001234"
    assert texts(ask(servers, message, sender)) == [
        RESPONSES["utter_ask_handoff_form_handoff_phone"][0]["text"]
    ]
    assert "chưa đúng" in texts(ask(servers, "abc", sender))[0]  # asked again
    [done] = texts(ask(servers, "0912 345 678", sender))
    with session_scope(servers["database"]) as session:
        row = session.scalars(select(Handoff).where(Handoff.conversation_id == sender)).one()
        assert (row.phone, row.channel, row.status) == ("0912345678", "rest", "open")
        assert "079203001234" not in row.message and row.message.startswith("Hồ sơ khai sinh")
    assert f"#{row.id}" in done and "gọi lại" in done
    # The conversation goes on as before.
    fee, _ = texts(ask(servers, "lệ phí đăng ký kết hôn bao nhiêu", sender))
    assert fee.startswith("Lệ phí thủ tục")
    # "thôi" at the first question leaves nothing.
    texts(ask(servers, "cho tôi gặp cán bộ", "citizen-changes-mind"))
    assert "không gửi lời nhắn" in texts(ask(servers, "thôi", "citizen-changes-mind"))[0]
    # A second unanswered message in a row offers a person.
    texts(ask(servers, "giá vàng hôm nay bao nhiêu", "citizen-lost"))
    [*_, offer] = ask(servers, "thời tiết mai thế nào", "citizen-lost").json()
    assert offer["text"] == OFFER and offer["buttons"][0]["payload"] == "/request_human"


def test_follow_up_keeps_the_procedure(servers):
    record = record_for(servers, "đăng ký khai sinh")
    texts(ask(servers, "Làm giấy khai sinh cho con cần giấy tờ gì?", "citizen-2"))
    answer, _ = texts(ask(servers, "còn lệ phí thì sao?", "citizen-2"))
    assert answer.startswith(f"Lệ phí thủ tục {record.name}:")


@pytest.mark.parametrize(
    "question, procedure, heading, fact",
    [
        (
            "Lệ phí cấp phiếu lý lịch tư pháp bao nhiêu?",
            "cấp phiếu lý lịch tư pháp",
            "Lệ phí thủ tục",
            lambda r: r.channels[0].fee_text,
        ),
        (
            "đăng ký kết hôn mất bao lâu",
            "đăng ký kết hôn",
            "Thời gian giải quyết thủ tục",
            lambda r: r.channels[0].processing_time_text,
        ),
        (
            "nộp hồ sơ đăng ký hộ kinh doanh ở đâu",
            "đăng ký thành lập hộ kinh doanh",
            "Nơi nộp hồ sơ thủ tục",
            lambda r: r.agencies[0] if r.agencies else r.reception_address,
        ),
        (
            # "Sổ đỏ" alone names a paper many land procedures act on: the
            # first issue is offered among them, and the citizen picks it.
            "thủ tục làm sổ đỏ như thế nào",
            "cấp sổ đỏ lần đầu",
            "Thủ tục",
            lambda r: r.steps[0],
        ),
    ],
)
def test_issue_questions_are_answered_from_the_database(
    servers, question, procedure, heading, fact
):
    record = record_for(servers, procedure)
    sender = f"citizen-{abs(hash(question))}"
    reply = ask(servers, question, sender).json()[0]
    if reply.get("buttons"):
        # Weaker evidence gets "is it X?" (Có/Không) or a choice: the citizen picks it.
        [button] = [
            b for b in reply["buttons"] if f'"procedure_code":"{record.code}"' in b["payload"]
        ]
        reply = ask(servers, button["payload"], sender).json()[0]
    answer = reply["text"]
    assert answer.startswith(f"{heading} {record.name}")
    assert " ".join(fact(record).split())[:60] in answer
    assert answer.rstrip().endswith(f"Nguồn: {record.source_url}")


def test_ambiguous_name_offers_buttons_and_a_button_answers(servers):
    # Five passport procedures share the words; the domestic marriage is now confirmed instead.
    [reply] = ask(servers, "hộ chiếu cần giấy tờ gì", "citizen-buttons").json()
    assert 3 <= len(reply["buttons"]) <= 5
    payload = reply["buttons"][0]["payload"]
    code = payload.split('"procedure_code":"')[1].split('"')[0]
    record = servers["catalog"].get(code)
    assert "cấp xã" in record.level.lower()
    answer, _ = texts(ask(servers, payload, "citizen-buttons"))
    assert answer.startswith(f"Hồ sơ thủ tục {record.name} gồm:")


@pytest.mark.parametrize(
    "message, response",
    [
        ("xin chào", "utter_greet"),
        ("cảm ơn bạn nhiều", "utter_thank"),
        ("tạm biệt nhé", "utter_goodbye"),
        ("bạn là robot à", "utter_iamabot"),
        ("giá vàng hôm nay bao nhiêu", "utter_out_of_scope"),
    ],
)
def test_small_talk(servers, message, response):
    assert texts(ask(servers, message, f"talk-{response}")) == [RESPONSES[response][0]["text"]]


@pytest.mark.parametrize(
    "message",
    [
        "😀😀😀",
        "<script>alert('x')</script><img src=x onerror=alert(1)>",
        "'; DROP TABLE procedures; --",
        pytest.param("a" * 5000, id="5000-chars"),
        pytest.param("thủ tục " * 700, id="repeated-words"),
        "\u0000\u200b\ufeff",
    ],
)
def test_bad_input_gets_a_polite_reply(servers, message):
    replies = texts(ask(servers, message, "odd-input"))
    assert replies and all(r.strip() for r in replies)
    assert replies != [APOLOGY]  # answered by the bot, not by the failure path


def test_empty_message_gets_a_prompt(servers):
    assert texts(ask(servers, "   ", "empty")) == [EMPTY_PROMPT]


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[]", b'{"sender": "x"}', b'{"sender": 5, "message": 7}', b"\xff\xfe\x00"],
)
def test_malformed_requests_get_400(servers, body):
    response = ask(servers, None, raw=body)
    if body == b'{"sender": "x"}':
        assert response.status_code == 200 and response.json()[0]["text"] == EMPTY_PROMPT
    else:
        assert response.status_code == 400
        assert "không hợp lệ" in response.json()["message"]


def test_portal_page_and_its_chat_proxy(servers):
    base = f"http://127.0.0.1:{servers['ports']['web']}"
    page = requests.get(base + "/", timeout=10)
    assert page.status_code == 200 and 'src="/static/widget.js"' in page.text
    widget = requests.get(base + "/static/widget.js", timeout=10)
    assert widget.status_code == 200 and "aria-live" in widget.text
    record = record_for(servers, "đăng ký kết hôn")
    reply = requests.post(
        base + "/api/chat",
        json={"sender": "web-1", "message": "đăng ký kết hôn mất bao lâu"},
        timeout=30,
    )
    assert reply.status_code == 200
    assert record.name in reply.json()[0]["text"]
    assert requests.post(base + "/api/chat", data=b"{oops", timeout=10).status_code == 400


def test_dossier_status_is_told_only_after_verification(servers):
    sender = "owner-1"
    [ask_digits] = texts(
        ask(servers, "Hồ sơ 000.00.27.h13-240115-0001 của tôi đến đâu rồi?", sender)
    )
    assert "số cuối" in ask_digits and "Chờ bổ sung" not in ask_digits
    [answer] = texts(ask(servers, "4321", sender))
    assert answer.startswith("Hồ sơ 000.00.27.H13-240115-0001 của Trần T*** M*** L:")
    # Three days late when the module was imported; a local midnight may have passed since.
    late = (local_now().date() - DOSSIERS[0].due_at.date()).days
    assert "Chờ bổ sung hồ sơ" in answer and f"trễ hẹn {late} ngày" in answer
    assert "Bộ phận Một cửa UBND phường Ninh Kiều" in answer
    assert "Trần Thị Mỹ Lệ" not in answer and "0987654321" not in answer


def test_code_asked_for_when_missing_and_wrong_digits_look_like_unknown_codes(servers):
    [ask_code] = texts(ask(servers, "hs cua toi xong chua", "owner-2"))
    assert "mã hồ sơ" in ask_code
    texts(ask(servers, "000.20.31.H13-250302-0147", "owner-2"))
    wrong = texts(ask(servers, "9999", "owner-2"))
    texts(ask(servers, "tra cứu hồ sơ 000.20.31.H13-991231-0001", "owner-3"))
    unknown = texts(ask(servers, "2333", "owner-3"))
    assert wrong == unknown == [DENIED]


def test_five_wrong_answers_lock_the_lookup(servers):
    sender = "guesser"
    replies = []
    for digits in ("1000", "1001", "1002", "1003", "1004", "0777"):
        texts(ask(servers, "kiểm tra hồ sơ 000.00.27.H13-251111-0777", sender))
        replies.append(texts(ask(servers, digits, sender))[0])
    assert replies[:4] == [DENIED] * 4
    assert "tạm khóa" in replies[4] and "tạm khóa" in replies[5]  # even the right digits


def test_thoi_stops_the_lookup(servers):
    texts(ask(servers, "tôi muốn tra cứu hồ sơ", "quitter"))
    assert texts(ask(servers, "thôi", "quitter")) == [RESPONSES["utter_dossier_stopped"][0]["text"]]


def test_a_procedure_question_inside_the_lookup_then_back(servers):
    sender = "switcher"
    texts(ask(servers, "hồ sơ của tôi đến đâu rồi", sender))
    record = record_for(servers, "đăng ký kết hôn")
    replies = texts(ask(servers, "đăng ký kết hôn mất bao lâu", sender))
    assert replies[0].startswith(f"Thời gian giải quyết thủ tục {record.name}")
    assert "mã hồ sơ" in replies[-1]
    texts(ask(servers, "000.20.31.H13-250302-0147", sender))
    [answer] = texts(ask(servers, "2333", sender))
    assert "Đang xử lý" in answer and "Lê V*** T" in answer


def test_nothing_personal_in_the_logs(servers):
    texts(ask(servers, "số điện thoại của tôi là 0912345678, cccd 079123456789", "pii"))
    secrets = ["0912345678", "079123456789", "0987654321", "Trần Thị Mỹ Lệ", "Lê Văn Tám"]
    for log in Path(servers["logs"]).glob("*.log"):
        content = log.read_text(encoding="utf-8", errors="replace")
        for secret in secrets:
            assert secret not in content, (secret, log.name)
        assert not re.search(r"(?<![\d.-])4321(?!\d)", content), log.name  # the digits given


def test_action_server_down_gives_an_apology_fast(servers):
    """Runs last in this module: it stops the action server."""
    servers["processes"]["actions"].terminate()
    servers["processes"]["actions"].wait(timeout=15)
    started = time.monotonic()
    replies = texts(ask(servers, "đăng ký kết hôn cần giấy tờ gì", "down"))
    assert time.monotonic() - started < 2.0
    assert replies == [APOLOGY]
