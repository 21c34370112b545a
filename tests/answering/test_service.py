"""The answer decision on the whole national catalog: never confidently wrong.

The cases are the failure patterns the issue describes (paraphrased), not questions of the
evaluation sets: each asserts what the citizen must not get, and what they should get.
"""

from __future__ import annotations

import pytest

from assistant.answering.service import AnswerService
from assistant.catalog.service import CatalogService
from assistant.db.session import session_scope
from assistant.faq.seed import import_seed
from assistant.faq.service import FaqService


@pytest.fixture(scope="module")
def service(national_database):
    with session_scope(national_database) as session:
        import_seed(session)
    faq = FaqService(national_database)
    return AnswerService(catalog=CatalogService(national_database), faq_terms=faq.shared_terms)


def ask(service, text, intent="ask_documents", context=None, **parse):
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, **parse}
    return service.decide(message, context)


def offered(decision):
    return (
        {decision.code}
        if decision.kind in ("answer", "confirm")
        else set(code for code, _ in decision.candidates)
    )


def test_a_young_child_never_gets_the_card_for_people_aged_14_and_over(service):
    decision = ask(service, "làm thẻ căn cước cho bé 5 tuổi cần giấy tờ gì")
    assert not (decision.kind == "answer" and decision.code == "1.014061")


def test_marrying_a_foreigner_is_not_answered_as_a_domestic_marriage(service):
    decision = ask(service, "lấy chồng người Hàn Quốc thì đăng ký kết hôn cần giấy tờ gì")
    assert not (decision.kind == "answer" and decision.code == "1.000894")
    assert decision.kind in ("answer", "confirm", "clarify") and "2.000806" in offered(decision)


def test_a_topic_the_catalog_lacks_is_declined_with_where_to_ask(service):
    decision = ask(service, "xin trợ cấp cho người khuyết tật nặng ở đâu", "ask_where_to_submit")
    assert decision.kind == "decline" and decision.reason == "out_of_catalog"


def test_a_penalty_question_is_declined_naming_the_closest_page(service):
    text = "xây nhà ở không có giấy phép xây dựng thì bị phạt bao nhiêu"
    decision = ask(service, text, "ask_fee")
    assert decision.kind == "decline" and decision.reason == "penalty"
    assert decision.closest and "giấy phép xây dựng" in decision.closest[1].lower()


def test_a_clear_question_is_answered_with_the_asked_aspect(service):
    decision = ask(service, "lệ phí cấp phiếu lý lịch tư pháp là bao nhiêu", "ask_fee")
    assert decision.kind in ("answer", "confirm") and decision.code == "3.000333"
    assert decision.aspect == "fee"


def test_a_follow_up_without_a_name_uses_the_procedure_in_context(service):
    decision = ask(service, "còn lệ phí thì sao?", "ask_fee", context="1.000894")
    assert (decision.kind, decision.code, decision.aspect) == ("answer", "1.000894", "fee")
    assert ask(service, "còn lệ phí thì sao?", "ask_fee").kind == "ask"


def test_unknown_content_never_reuses_the_procedure_in_context(service):
    decision = ask(service, "mở thẻ tín dụng ngân hàng cần giấy tờ gì", context="1.000894")
    assert decision.code != "1.000894"


def test_an_faq_needs_grounding(service):
    grounded = ask(
        service,
        "bộ phận một cửa mấy giờ mở cửa, thứ bảy có làm việc không",
        "faq",
        faq_match={"key": "working_hours", "score": 0.8},
    )
    assert grounded.kind == "faq" and grounded.faq_key == "working_hours"
    generic = ask(
        service,
        "hồ sơ trợ cấp tai nạn lao động bao nhiêu ngày làm việc thì xong",
        "faq",
        faq_match={"key": "working_hours", "score": 0.8},
    )
    assert generic.kind != "faq"


@pytest.mark.parametrize(
    "text",
    ["làm thẻ căn cước cho bé 5 tuổi cần giấy tờ gì", "lệ phí cấp phiếu lý lịch tư pháp"],
)
def test_the_same_decision_without_diacritics(service, text):
    from assistant.text.normalize import strip_diacritics

    a, b = ask(service, text), ask(service, strip_diacritics(text))
    assert (a.kind, a.code) == (b.kind, b.code)


def test_a_yes_no_about_the_citizens_own_case_is_declined(service):
    decision = ask(service, "con ngoài giá thú có được mang họ bố không", "ask_documents")
    assert decision.kind == "decline" and decision.reason == "legal"
