import logging
import os

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from assistant.privacy import (
    AccessLogFilter,
    PersonalDataFilter,
    install_log_masking,
    mask_log_text,
    mask_name,
    mask_personal_data,
    mask_personal_numbers,
    redact_query_secrets,
)
from assistant.settings import PROJECT_ROOT
from assistant.tracker_store import MaskingTrackerStore, masked_event


@pytest.mark.parametrize(
    "name, masked",
    [
        ("Nguyễn Văn An", "Nguyễn V*** A"),
        ("Lê Thị Thu Hà", "Lê T*** T*** H"),
        ("Trần Bình", "Trần B"),
        ("Hùng", "H***"),
        ("", ""),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    "text, masked",
    [
        ("số tôi 0912345678", "số tôi ***"),
        ("sđt 0912 345 678 nhé", "sđt *** nhé"),
        ("+84912345678", "***"),
        ("cccd 079123456789", "cccd ***"),
        ("4 số cuối là 1234", "4 số cuối là ***"),
        ("1234", "***"),
        ("hồ sơ 000.00.27.H13-240115-0001", "hồ sơ 000.00.27.H13-240115-0001"),
        ("hẹn 15/01/2024, phí 100.000đ", "hẹn 15/01/2024, phí 100.000đ"),
        ("thủ tục số 12", "thủ tục số 12"),
        ("", ""),
    ],
)
def test_mask_personal_numbers(text, masked):
    assert mask_personal_numbers(text) == masked


def test_log_filter_masks_messages_and_arguments():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "user said %s", ("0912345678",), None
    )
    assert PersonalDataFilter().filter(record)
    assert record.getMessage() == "user said ***"


def memory_store():
    """A masking store over memory, and an empty conversation to save in it."""
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    return MaskingTrackerStore(domain, url=""), DialogueStateTracker("citizen", domain.slots)


async def test_tracker_store_keeps_only_masked_values():
    store, tracker = memory_store()
    tracker.update(
        UserUttered(
            "4 số cuối là 5678, sđt 0912345678",
            {"name": "provide_verification", "confidence": 1.0},
            [{"entity": "phone_last4", "value": "5678", "start": 13, "end": 17}],
            {"text": "4 số cuối là 5678, sđt 0912345678"},
        )
    )
    tracker.update(SlotSet("verification_digits", "5678"))
    await store.save(tracker)
    assert tracker.latest_message.text.endswith("0912345678")  # the live turn is untouched
    stored = await store.retrieve("citizen")
    dumped = str([e.as_dict() for e in stored.events])
    assert "5678" not in dumped and "0912345678" not in dumped
    assert stored.latest_message.text == "4 số cuối là ***, sđt ***"
    assert stored.get_slot("verification_digits") == "***"


@pytest.mark.parametrize(
    "url, redacted",
    [
        (
            "GET http://h/webhooks/facebook/webhook?hub.mode=subscribe&hub.verify_token=s3cr3t"
            "&hub.challenge=42",
            "GET http://h/webhooks/facebook/webhook?hub.mode=subscribe&hub.verify_token=***"
            "&hub.challenge=42",
        ),
        ("PUT http://h/model?token=abc-123", "PUT http://h/model?token=***"),
        ("GET http://h/x?a=1&access_token=zz#frag", "GET http://h/x?a=1&access_token=***#frag"),
        ("GET http://h/x?tokenizer=whitespace", "GET http://h/x?tokenizer=whitespace"),
        ("POST http://h/webhooks/rest/webhook", "POST http://h/webhooks/rest/webhook"),
    ],
)
def test_redact_query_secrets(url, redacted):
    assert redact_query_secrets(url) == redacted


def test_access_log_filter_redacts_the_request_field():
    record = logging.LogRecord("sanic.access", logging.INFO, __file__, 1, "", None, None)
    record.request = "GET http://h/model?token=abc"
    assert AccessLogFilter().filter(record) is True
    assert record.request == "GET http://h/model?token=***"


@pytest.fixture
def record_factory():
    """Puts back the process's log record factory after a test installs the masking."""
    original = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(original)


def test_masking_covers_handlers_and_loggers_configured_later(record_factory):
    """Rasa and Sanic set up their logging after our modules are imported, on loggers with
    handlers of their own that never reach the root's filters."""
    import io

    install_log_masking()
    install_log_masking()  # idempotent: one wrapper, not two
    stream = io.StringIO()
    child = logging.getLogger("test.privacy.configured_later")
    child.addHandler(logging.StreamHandler(stream))
    child.propagate, child.level = False, logging.DEBUG
    try:
        child.debug("Received user message 'sđt %s, CCCD 079203001234'", "0912345678")
        try:
            raise ValueError("bad id 079203001234")
        except ValueError:
            child.exception("failed for %s", "0912345678")
    finally:
        child.handlers.clear()
    written = stream.getvalue()
    assert "0912345678" not in written and "079203001234" not in written
    assert "Received user message 'sđt ***, CCCD ***'" in written
    assert "ValueError: bad id ***" in written and "failed for ***" in written


def test_rasa_json_log_lines_are_masked_and_stay_readable():
    """Rasa 3.6 logs events as JSON: letters come as \\u escapes, whose hex is not a number."""
    line = '{"parse_data_text": "S\\u1ed1 \\u0111i\\u1ec7n tho\\u1ea1i l\\u00e0 0912345678"}'
    assert mask_log_text(line) == '{"parse_data_text": "Số điện thoại là ***"}'
    assert mask_log_text('{"x": "\\ud83d\\ude00 079203001234"}') == '{"x": "\\ud83d\\ude00 ***"}'


@pytest.mark.parametrize(
    "code",
    [
        "import actions",  # the action server imports the package first
        "import assistant.tracker_store",  # Rasa, through endpoints.yml
        "from assistant.cli import main; main(['catalog', '--help'])",  # CLI and portal
    ],
)
def test_every_process_installs_the_masking(code):
    import subprocess
    import sys

    probe = (
        "import logging, sys\n"
        "try:\n"
        f"    {code}\n"
        "except SystemExit:\n"
        "    pass\n"
        "factory = logging.getLogRecordFactory()\n"
        "sys.stderr.write('MASKS=%s' % getattr(factory, 'masks_personal_data', False))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "MASKS=True" in done.stderr, done.stderr[-2000:]


def test_the_stored_copy_reuses_events_with_nothing_to_mask():
    store, tracker = memory_store()
    plain = UserUttered("làm căn cước ở đâu", {"name": "ask_procedure", "confidence": 0.9})
    personal = UserUttered("sđt của tôi 0912345678", {"name": "inform", "confidence": 0.9})
    for event in (
        plain,
        BotUttered("Dạ, Anh/Chị nộp tại Công an xã."),
        SlotSet("verification_digits", "5678"),
        personal,
        SlotSet("verification_digits", None),
    ):
        tracker.update(event)
    stored = store.masked(tracker)
    assert stored.events[0] is plain and stored.events[1] is tracker.events[1]
    assert stored.events[3] is not personal and stored.events[3].text == "sđt của tôi ***"
    assert stored.events[2].value == "***" and stored.events[4] is tracker.events[4]
    # The same as masking every event's dict, which the store did before.
    assert [e.as_dict() for e in stored.events] == [
        masked_event(e.as_dict()) for e in tracker.events
    ]


def test_form_text_slots_keep_their_words_and_lose_their_numbers():
    store, tracker = memory_store()
    plain = SlotSet("feedback_comment", "thiếu mẫu tờ khai")
    for event in (plain, SlotSet("feedback_comment", "gọi tôi 0912345678 nhé")):
        tracker.update(event)
    stored = store.masked(tracker)
    assert stored.events[0] is plain
    assert stored.events[1].value == "gọi tôi *** nhé"
    assert tracker.events[1].value.endswith("0912345678 nhé")  # the live turn keeps it


def test_the_answer_to_a_petitions_contact_question_is_stored_masked_whole():
    """A name has no pattern: what answers "họ tên và số điện thoại" is stored as ***."""
    store, tracker = memory_store()
    contact = UserUttered(
        "Nguyễn Văn An 0912345678",
        {"name": "inform", "confidence": 0.9},
        [{"entity": "phone", "value": "0912345678", "start": 14, "end": 24}],
        {"text": "Nguyễn Văn An 0912345678"},
    )
    before = UserUttered("gửi", {"name": "affirm", "confidence": 0.9})
    after = UserUttered("lệ phí bao nhiêu", {"name": "ask_fee", "confidence": 0.9})
    for event in (
        SlotSet("requested_slot", "petition_confirm"),
        before,
        SlotSet("requested_slot", "petition_contact"),
        contact,
        SlotSet("petition_contact", {"name": "Nguyễn Văn An", "phone": "0912345678"}),
        SlotSet("requested_slot", None),
        after,
    ):
        tracker.update(event)
    stored = store.masked(tracker)
    assert stored.events[1] is before and stored.events[6] is after  # only that answer
    dumped = str(stored.events[3].as_dict())
    assert "Nguyễn" not in dumped and "0912345678" not in dumped
    assert stored.events[3].text == "***" and stored.events[3].entities[0]["value"] == "***"
    assert stored.events[4].value == "***"
    assert tracker.events[3].text == "Nguyễn Văn An 0912345678"  # the live turn keeps it
    again = store.masked(stored)  # saved again next turn: nothing left to copy
    assert again.events[3] is stored.events[3]


def test_a_name_typed_where_nothing_asked_for_it_is_masked_by_its_shape():
    """The form a turn behind (a turn lost with a killed replica): the name and phone answer
    the send question, and the name is still not stored; the words around it are."""
    store, tracker = memory_store()
    late = UserUttered(
        "Phạm Văn An 0912000003",
        {"name": "inform", "confidence": 0.9},
        [{"entity": "person", "value": "Phạm Văn An", "start": 0, "end": 11}],
        {"text": "Phạm Văn An 0912000003"},
    )
    asked = UserUttered("tôi tên tran thi bich, hỏi lệ phí", {"name": "ask_fee"})
    for event in (SlotSet("requested_slot", "petition_confirm"), late, asked):
        tracker.update(event)
    stored = store.masked(tracker)
    assert stored.events[1].text == "*** ***"
    assert stored.events[1].parse_data["text"] == "*** ***"
    assert stored.events[1].entities[0]["value"] == "***"
    assert stored.events[2].text == "tôi tên ***, hỏi lệ phí"
    assert "Phạm" not in str(stored.events[1].as_dict())
    assert tracker.events[1].text == "Phạm Văn An 0912000003"  # the live turn keeps it


def test_a_petitions_description_loses_names_and_its_location_keeps_the_streets():
    store, tracker = memory_store()
    for event in (
        SlotSet("petition_description", "ông Nguyễn Văn Tư đổ rác ra lề đường"),
        SlotSet("petition_location", "số 5 Nguyễn Văn Cừ, gần chợ, 0912345678"),
    ):
        tracker.update(event)
    stored = store.masked(tracker)
    assert stored.events[0].value == "ông *** đổ rác ra lề đường"
    assert stored.events[1].value == "số 5 Nguyễn Văn Cừ, gần chợ, ***"


def test_names_are_masked_in_logs_and_personal_data():
    assert mask_personal_data("Lê Thị Hồng Nhung, 0912345678") == "***, ***"
    assert mask_personal_data("hồ sơ ở Hà Nội") == "hồ sơ ở Hà Nội"
    assert mask_log_text('{"text": "Tr\\u1ea7n V\\u0103n B\\u00ecnh h\\u1ecfi"}') == (
        '{"text": "*** hỏi"}'
    )


def test_what_the_assistant_repeats_of_the_citizens_words_is_stored_masked():
    """The petition's summary repeats the description: its name and phone are not stored."""
    store, tracker = memory_store()
    summary = BotUttered("- Nội dung: ông Nguyễn Văn Tư đổ rác, gọi 0912345678", {"buttons": []})
    shown = BotUttered("Hồ sơ 000.30.14.H13-261207-0001 của Nguyễn V*** A: Đã tiếp nhận.")
    for event in (summary, shown):
        tracker.update(event)
    stored = store.masked(tracker)
    assert stored.events[0].text == "- Nội dung: ông *** đổ rác, gọi ***"
    assert stored.events[0].data == {"buttons": []}
    assert stored.events[1] is shown  # a code and a name masked already: nothing to copy
