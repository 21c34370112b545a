"""Answer texts come from the record: every aspect, and units that are never missing."""

from __future__ import annotations

import pytest

from assistant.catalog import answers
from assistant.catalog.records import Channel, Document, LegalBasis, ProcedureRecord


def record(**fields) -> ProcedureRecord:
    return ProcedureRecord(code="9.999", name="Thủ tục thử", source_url="https://x/y", **fields)


@pytest.mark.parametrize(
    "channel, shown",
    [
        (
            Channel("Trực tiếp", processing_time_text="1", processing_time_unit="Ngày làm việc"),
            "1 Ngày làm việc",
        ),
        (Channel("Trực tiếp", processing_time_text="1"), "Cổng Dịch vụ công không ghi đơn vị"),
        (Channel("Trực tiếp", processing_time_text="3 ngày làm việc"), "3 ngày làm việc"),
    ],
)
def test_processing_time_always_has_a_unit(channel, shown):
    assert shown in answers.answer(record(channels=[channel]), "time")


def test_a_bare_fee_amount_is_in_dong():
    text = answers.answer(record(channels=[Channel("Trực tiếp", fee_text="50000")]), "fee")
    assert "50000 đồng" in text


def test_conditions_legal_basis_result_and_forms_come_from_the_record():
    r = record(
        conditions="Người yêu cầu phải từ đủ 18 tuổi.",
        legal_basis=[LegalBasis("Luật Hộ tịch", "60/2014/QH13")],
        result="Giấy xác nhận",
        documents=[Document("Tờ khai", 1, 0, form_template="Mẫu TK-01"), Document("CCCD")],
    )
    assert "Người yêu cầu phải từ đủ 18 tuổi." in answers.answer(r, "conditions")
    assert "Luật Hộ tịch (số 60/2014/QH13)" in answers.answer(r, "legal_basis")
    assert "Giấy xác nhận" in answers.answer(r, "result")
    form = answers.answer(r, "form")
    assert "Mẫu TK-01" in form and "CCCD" not in form
    for aspect in ("conditions", "legal_basis", "result", "form"):
        assert answers.answer(r, aspect).endswith("Nguồn: https://x/y")


@pytest.mark.parametrize("aspect", ["conditions", "legal_basis", "result", "form"])
def test_a_missing_fact_is_said_plainly(aspect):
    text = answers.answer(record(conditions="Không có thông tin"), aspect)
    assert "chưa có trong dữ liệu" in text or "không ghi" in text
