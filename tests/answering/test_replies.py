"""The wording of confirmations and declines: polite, and always where else to ask."""

from __future__ import annotations

from assistant.answering.replies import confirm, confirm_buttons, decline
from assistant.catalog.records import ProcedureRecord

RECORD = ProcedureRecord(
    code="1.000894",
    name="Đăng ký kết hôn",
    level="Cấp xã",
    agencies=["Ủy ban nhân dân cấp xã"],
    source_url="https://dichvucong.gov.vn/thu-tuc-hanh-chinh/x",
)


def test_confirm_names_the_fact_and_the_procedure_and_offers_yes_no():
    text = confirm(RECORD, "fee")
    assert text.startswith("Có phải Anh/Chị hỏi về lệ phí của thủ tục Đăng ký kết hôn")
    yes, no = confirm_buttons(RECORD.code)
    assert yes["title"] == "Có" and '"procedure_code":"1.000894"' in yes["payload"]
    assert no == {"title": "Không", "payload": "/deny"}


def test_a_decline_names_the_closest_page_and_where_to_ask():
    text = decline("penalty", RECORD, hotline="")
    assert "xử phạt" in text
    assert RECORD.source_url in text and "Ủy ban nhân dân cấp xã" in text
    assert "Hỏi đáp" in text and "1022" in text


def test_a_configured_hotline_is_given_and_no_page_when_none_fits():
    text = decline("out_of_catalog", None, hotline="0292 1022")
    assert "0292 1022" in text and "thu-tuc-hanh-chinh" not in text
    assert "không đoán" in text
