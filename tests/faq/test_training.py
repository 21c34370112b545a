"""The FAQ table as a Rasa 3.1 training-data file, read back by Rasa's own loader."""

from __future__ import annotations

import pytest
import yaml
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.loading import load_data

from assistant.db.models import FaqEntry
from assistant.db.session import session_scope
from assistant.faq.repository import FaqRepository
from assistant.faq.seed import import_seed
from assistant.faq.training import faq_training_data, training_example


@pytest.mark.parametrize(
    "text, expected",
    [
        ("xem [mục 2](link) ở đâu", "xem (mục 2)(link) ở đâu"),
        ('[VNeID]{"entity": "app"} là gì', '(VNeID){"entity": "app"} là gì'),
        ("- bắt đầu bằng gạch", "bắt đầu bằng gạch"),
        ("# không phải chú thích", "không phải chú thích"),
        ("hai  dòng\nmột câu", "hai dòng một câu"),
        ("giờ làm việc 😀", "giờ làm việc 😀"),
    ],
)
def test_training_example_is_plain_text_for_rasa(text, expected):
    assert training_example(text) == expected


def load(tmp_path, data):
    path = tmp_path / "faq.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_data(str(path))


def test_rasa_reads_active_entries_as_retrieval_intents(database_url, tmp_path):
    with session_scope(database_url) as session:
        import_seed(session)
        repo = FaqRepository(session)
        staff = repo.create(
            "lan",
            "Xem [mục 2](link) trên cổng ở đâu?",
            "Anh/Chị xem mục 2 {trên} cổng.",
            paraphrases=["- mục 2 ở đâu", '[mục 2]{"entity": "x"} nằm đâu', "giờ 😀 <b>x</b>"],
        )
        repo.set_active("lan", repo.by_key("privacy").id, False)
        data = faq_training_data(session)
        answers = {e.key: e.answer for e in repo.active_entries()}
    assert data["version"] == "3.1"
    training = load(tmp_path, data)

    keys = {m.get(INTENT_RESPONSE_KEY) for m in training.intent_examples}
    assert keys == {f"faq/{k}" for k in answers}
    assert "faq/privacy" not in keys and f"faq/{staff.key}" in keys
    assert {m.get(INTENT) for m in training.intent_examples} == {"faq"}
    assert all(not m.get(ENTITIES) for m in training.intent_examples)
    texts = [
        m.get(TEXT)
        for m in training.intent_examples
        if m.get(INTENT_RESPONSE_KEY) == f"faq/{staff.key}"
    ]
    assert texts == [
        "Xem (mục 2)(link) trên cổng ở đâu?",
        "mục 2 ở đâu",
        '(mục 2){"entity": "x"} nằm đâu',
        "giờ 😀 <b>x</b>",
    ]
    assert {k: v[0]["text"] for k, v in training.responses.items()} == {
        f"utter_faq/{k}": a for k, a in answers.items()
    }
    hours = [
        m.get(TEXT)
        for m in training.intent_examples
        if m.get(INTENT_RESPONSE_KEY) == "faq/working_hours"
    ]
    assert hours[0] == "trung tâm hành chính công làm việc giờ nào" and len(hours) == 14


def test_no_entries_gives_an_empty_but_valid_file(database_url, tmp_path):
    with session_scope(database_url) as session:
        data = faq_training_data(session)
    assert data == {"version": "3.1", "nlu": [], "responses": {}}
    assert load(tmp_path, data).intent_examples == []


def test_a_sentence_is_trained_under_one_intent_only(database_url):
    with session_scope(database_url) as session:
        repo = FaqRepository(session)
        repo.create("lan", "Giờ làm việc", "7h30.", paraphrases=["mấy giờ mở cửa"])
        repo.create("lan", "Chỗ gửi xe", "Có.", active=False)
        # Rows written around the repository (an old import) may repeat a question.
        session.add(
            FaqEntry(
                key="legacy",
                question="GIO LAM VIEC?",
                paraphrases=["Có chỗ gửi xe không", "mấy giờ [mở] cửa"],
                answer="Cũ.",
                tags=[],
                active=True,
            )
        )
        data = faq_training_data(session)
    assert [i["intent"] for i in data["nlu"]] == ["faq/staff_1", "faq/legacy"]
    assert data["nlu"][1]["examples"] == "- Có chỗ gửi xe không\n"
