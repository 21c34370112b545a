"""The live FAQ classifier at the end of the NLU pipeline, with a real database and no model."""

from __future__ import annotations

import logging

import pytest
from rasa.shared.nlu.training_data.message import Message

from assistant.db.session import session_scope
from assistant.faq.repository import FaqRepository
from assistant.faq.retrieval import STRONG, WEAK
from assistant.faq.seed import import_seed
from assistant.nlu.faq_matcher import FaqRetrievalClassifier
from assistant.settings import get_settings

NEW_QUESTION = "Trung tâm có wifi miễn phí cho người dân không"


def message(text, intent="ask_documents", confidence=0.9, **data):
    ranking = [{"name": intent, "confidence": confidence}, {"name": "faq", "confidence": 0.05}]
    return Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": ranking,
            **data,
        }
    )


def classify(component, text, **kwargs):
    msg = message(text, **kwargs)
    component.process([msg])
    return msg


@pytest.fixture
def component(database_url):
    with session_scope(database_url) as session:
        import_seed(session)
    return FaqRetrievalClassifier({"refresh_seconds": 0})


def test_a_strong_match_overrides_the_predicted_intent(component):
    msg = classify(component, "quen mat khau vneid thi lam the nao", intent="ask_documents")
    intent = msg.get("intent")
    assert intent["name"] == "faq" and intent["confidence"] >= STRONG
    assert msg.get("intent_ranking")[0] == intent
    assert [r["name"] for r in msg.get("intent_ranking")] == ["faq", "ask_documents"]
    response = msg.get("response_selector")["faq"]["response"]
    assert response["intent_response_key"] == "faq/forgot_password"
    assert response["utter_action"] == "utter_faq/forgot_password"
    with session_scope() as session:
        answer = FaqRepository(session).by_key("forgot_password").answer
    assert response["responses"] == [{"text": answer}]
    assert msg.get("response_selector")["faq"]["ranking"][0]["intent_response_key"] == (
        "faq/forgot_password"
    )
    match = msg.get("faq_match")
    assert match["key"] == "forgot_password" and match["score"] == intent["confidence"]
    output = msg.as_dict(only_output_properties=True)
    assert {"intent", "intent_ranking", "response_selector", "faq_match"} <= set(output)


def test_existing_response_selector_output_is_kept(component):
    selector = {"all_retrieval_intents": ["faq", "chitchat"], "chitchat": {"response": {}}}
    msg = classify(component, "quen mat khau vneid", intent="faq", response_selector=selector)
    out = msg.get("response_selector")
    assert out["all_retrieval_intents"] == ["faq", "chitchat"] and "chitchat" in out
    assert out["faq"]["response"]["intent_response_key"] == "faq/forgot_password"


@pytest.mark.parametrize(
    "intent, overridden",
    [("nlu_fallback", True), ("out_of_scope", True), ("faq", True), ("ask_fee", False)],
)
def test_a_weak_match_only_overrides_when_the_model_had_no_better_idea(
    component, intent, overridden
):
    text = "thứ bảy trung tâm có làm việc không"
    msg = classify(component, text, intent=intent)
    score = component.index().match(text).score
    assert WEAK <= score < STRONG
    assert (msg.get("intent")["name"] == "faq") is overridden
    assert (msg.get("faq_match") is not None) is overridden
    if not overridden:
        assert msg.get("intent") == {"name": intent, "confidence": 0.9}
        assert msg.get("response_selector") is None


@pytest.mark.parametrize(
    "text",
    [
        "làm căn cước mất bao lâu",
        "thủ tục đăng ký kết hôn cần giấy tờ gì",
        "giá vàng hôm nay",
        "hồ sơ 000.00.27.H13-240115-0001 quên mật khẩu VNeID thì làm sao",
        "",
        "😀",
    ],
)
def test_procedure_questions_dossier_codes_and_noise_are_left_alone(component, text):
    msg = classify(component, text, intent="nlu_fallback")
    assert msg.get("intent")["name"] == "nlu_fallback"
    assert msg.get("faq_match") is None


def test_a_staff_entry_is_recognised_after_one_refresh_and_forgotten_when_off(component):
    assert classify(component, NEW_QUESTION).get("intent")["name"] == "ask_documents"
    with session_scope() as session:
        entry = FaqRepository(session).create("lan", NEW_QUESTION, "Có, mật khẩu ở quầy.")
        key, entry_id = entry.key, entry.id
    msg = classify(component, "trung tam co wifi mien phi cho nguoi dan ko ad")
    assert msg.get("intent")["name"] == "faq"
    assert msg.get("faq_match") == {
        "id": entry_id,
        "key": key,
        "score": msg.get("faq_match")["score"],
    }
    assert msg.get("response_selector")["faq"]["response"]["responses"] == [
        {"text": "Có, mật khẩu ở quầy."}
    ]
    with session_scope() as session:
        FaqRepository(session).set_active("lan", entry_id, False)
    msg = classify(component, NEW_QUESTION)
    assert msg.get("intent")["name"] == "ask_documents" and msg.get("faq_match") is None


def test_the_index_is_rebuilt_only_after_the_refresh_interval(database_url):
    component = FaqRetrievalClassifier({"refresh_seconds": 3600})
    assert classify(component, NEW_QUESTION).get("faq_match") is None
    with session_scope() as session:
        FaqRepository(session).create("lan", NEW_QUESTION, "Có.")
    assert classify(component, NEW_QUESTION).get("faq_match") is None  # not checked yet
    component.faq.expire()
    assert classify(component, NEW_QUESTION).get("faq_match")["key"] == "staff_1"


def test_refresh_interval_defaults_to_the_setting(database_url, monkeypatch):
    monkeypatch.setenv("FAQ_REFRESH_SECONDS", "7")
    get_settings.cache_clear()
    assert FaqRetrievalClassifier({})._refresh_seconds() == 7.0
    assert FaqRetrievalClassifier({"refresh_seconds": 0.5})._refresh_seconds() == 0.5


def test_thresholds_can_be_set_in_config():
    component = FaqRetrievalClassifier({"strong_threshold": 0.9, "weak_threshold": 0.6})
    assert (component.strong, component.weak) == (0.9, 0.6)
    assert FaqRetrievalClassifier({}).strong == STRONG


def test_a_database_error_leaves_messages_unchanged_and_logs_only_the_type(
    tmp_path, monkeypatch, caplog
):
    # A directory is not a database: every query fails.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}")
    get_settings.cache_clear()
    component = FaqRetrievalClassifier({"refresh_seconds": 0})
    with caplog.at_level(logging.ERROR, logger="assistant.db.live"):
        msg = classify(component, "quên mật khẩu VNeID thì làm sao", intent="nlu_fallback")
    assert msg.get("intent") == {"name": "nlu_fallback", "confidence": 0.9}
    assert msg.get("faq_match") is None
    [record] = caplog.records
    assert record.getMessage() == "FAQ retrieval unavailable: OperationalError"
    get_settings.cache_clear()
