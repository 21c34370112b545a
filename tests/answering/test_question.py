"""What a question asks, read from its wording (with and without diacritics)."""

from __future__ import annotations

import pytest

from assistant.answering.question import focus_of, read_question
from assistant.text.normalize import strip_diacritics

CASES = [
    # text, intent, aspect, unanswerable
    ("Làm giấy khai sinh cần giấy tờ gì?", "ask_documents", "documents", None),
    ("lệ phí cấp phiếu lý lịch tư pháp bao nhiêu", "ask_fee", "fee", None),
    ("làm căn cước có mất phí không", "ask_fee", "fee", None),
    ("đăng ký kết hôn mất bao lâu", "ask_processing_time", "time", None),
    ("nộp hồ sơ đăng ký hộ kinh doanh ở đâu", "ask_where_to_submit", "place", None),
    ("thủ tục làm sổ đỏ như thế nào", "ask_procedure_overview", "steps", None),
    ("điều kiện để được cấp giấy phép lái xe là gì", "ask_documents", "conditions", None),
    ("đơn xin đổi tên dùng mẫu tờ khai nào", "ask_documents", "form", None),
    ("cấp phiếu lý lịch tư pháp theo nghị định nào", "ask_documents", "legal_basis", None),
    ("làm xong nhận cha con thì được cấp giấy gì", "ask_documents", "result", None),
    ("đổi giấy phép lái xe xong thì cuối cùng nhận được phiếu gì", "ask_documents", "result", None),
    ("nộp tờ khai đăng ký thuế xong thì nhận lại giấy gì", "ask_documents", "result", None),
    ("xây nhà không phép bị phạt bao nhiêu", "ask_fee", "fee", "penalty"),
    ("thuế trước bạ xe 500 triệu tính thế nào", "ask_fee", None, "calculation"),
    ("sổ đỏ là gì", "ask_procedure_overview", None, "definition"),
    ("con ngoài giá thú có được mang họ bố không", "ask_documents", None, "yes_no"),
    ("trường hợp nào thì phải đăng ký lại khai sinh", "ask_procedure_overview", None, "legal"),
    ("tại sao phải nộp bản sao công chứng", "ask_documents", "documents", "policy"),
    ("còn lệ phí thì sao?", "ask_fee", "fee", None),
    # A quantity in a fee question: the sum depends on the case.
    ("chuyển 200m2 đất vườn lên thổ cư hết bao nhiêu tiền", "ask_fee", "fee", "calculation"),
    ("mua xe 700 triệu thì trước bạ bao nhiêu", "ask_fee", "fee", "calculation"),
    ("sao y 3 bản hết bao nhiêu tiền", "ask_fee", "fee", None),
]


@pytest.mark.parametrize("text, intent, aspect, unanswerable", CASES)
@pytest.mark.parametrize("view", ["written", "stripped"])
def test_reading(text, intent, aspect, unanswerable, view):
    asked = text if view == "written" else strip_diacritics(text)
    question = read_question(asked, intent)
    if aspect is not None:
        assert question.aspect == aspect
    assert question.unanswerable == unanswerable


def test_the_intent_is_the_fallback_when_no_cue_is_present():
    assert read_question("đăng ký kết hôn", "ask_fee").aspect == "fee"
    assert read_question("đăng ký kết hôn", "ask_fee").cued is False
    assert read_question("đăng ký kết hôn", None).aspect is None


@pytest.mark.parametrize(
    "text, focus",
    [
        ("làm căn cước cho bé cần gì", "làm căn cước cho bé cần gì"),
        (
            "Tôi đã đăng ký kết hôn năm 2020. Nay con tôi mới sinh. Xin hỏi làm khai sinh ở đâu?",
            "Xin hỏi làm khai sinh ở đâu?",
        ),
        (
            "Tôi ở Cần Thơ. Tôi muốn biết lệ phí cấp phiếu lý lịch tư pháp. Xin cảm ơn.",
            "Tôi muốn biết lệ phí cấp phiếu lý lịch tư pháp.",
        ),
        ("Gia đình tôi ở quê.\nCho tôi hỏi thủ tục tách thửa", "Cho tôi hỏi thủ tục tách thửa"),
    ],
)
def test_the_sentence_that_asks(text, focus):
    assert focus_of(text) == focus
