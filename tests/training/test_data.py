"""The training data of a staff retrain: repository data + staff FAQ + staff examples."""

from __future__ import annotations

import yaml

from assistant.db.models import FaqEntry, TrainingExample
from assistant.db.session import session_scope
from assistant.settings import PROJECT_ROOT
from assistant.training.data import build_training_data, data_fingerprint, safe_text


def _add_staff_data(session) -> None:
    from assistant.faq.repository import FaqRepository

    FaqRepository(session).create(
        "lan",
        "xe máy bị cẩu về bãi thì lấy lại ở đâu",
        "Anh/Chị mang giấy đăng ký xe và biên bản vi phạm đến bãi giữ xe.",
        paraphrases=["lấy xe bị cẩu ở đâu", "xe bị cẩu đi thì làm sao"],
        key="towed_vehicle",
    )
    session.add_all(
        [
            TrainingExample(intent="ask_fee", text="phí làm [sổ đỏ] (gấp) bao nhiêu vậy ad"),
            TrainingExample(intent="ask_fee", text="tắt rồi thì không học", active=False),
            TrainingExample(intent="no_such_intent", text="ý định không có trong domain"),
            TrainingExample(intent="greet", text="  "),
        ]
    )
    session.flush()


def test_built_data_is_the_repository_data_plus_what_staff_added(database_url, tmp_path):
    with session_scope() as session:
        _add_staff_data(session)
        target = build_training_data(session, tmp_path / "data")
    assert target == tmp_path / "data"
    assert (target / "nlu" / "procedures.yml").exists()
    assert (target / "stories.yml").exists() and (target / "rules.yml").exists()
    assert not (target / "nlu" / "faq.yml").exists()  # the FAQ comes from the database
    assert not (target / "catalog").exists()  # the catalog is live data, not training data

    faq = yaml.safe_load((target / "staff_faq.yml").read_text(encoding="utf-8"))
    intents = {item["intent"] for item in faq["nlu"]}
    assert {"faq/working_hours", "faq/towed_vehicle"} <= intents  # seed and staff entries
    assert "utter_faq/towed_vehicle" in faq["responses"]

    examples = yaml.safe_load((target / "staff_examples.yml").read_text(encoding="utf-8"))
    assert examples["nlu"] == [
        {"intent": "ask_fee", "examples": "- phí làm sổ đỏ gấp bao nhiêu vậy ad\n"}
    ]
    with session_scope() as session:  # the staff rows are only read
        assert session.query(TrainingExample).count() == 4
        assert session.query(FaqEntry).filter(FaqEntry.key == "working_hours").count() == 1


def test_built_data_loads_as_rasa_training_data(database_url, tmp_path):
    from rasa.shared.importers.importer import TrainingDataImporter

    with session_scope() as session:
        _add_staff_data(session)
        target = build_training_data(session, tmp_path / "data")
    importer = TrainingDataImporter.load_from_config(
        str(PROJECT_ROOT / "config.yml"), str(PROJECT_ROOT / "domain.yml"), [str(target)]
    )
    nlu = importer.get_nlu_data("vi")
    texts = {m.get("text"): m for m in nlu.training_examples if m.get("intent")}
    staff = texts["phí làm sổ đỏ gấp bao nhiêu vậy ad"]
    assert staff.get("intent") == "ask_fee" and not staff.get("entities")
    assert texts["lấy xe bị cẩu ở đâu"].get("intent") == "faq"
    assert texts["lay xe bi cau o dau"].get("intent") == "faq"  # augmented like all data
    assert "ý định không có trong domain" not in texts
    assert "tắt rồi thì không học" not in texts
    assert "utter_faq/towed_vehicle" in nlu.responses
    assert not importer.get_stories().is_empty()


def test_a_staff_sentence_already_in_the_data_is_not_added_twice(database_url, tmp_path):
    with session_scope() as session:
        session.add(TrainingExample(intent="thank", text="cảm ơn bạn nhiều"))  # in basic.yml
        session.add(TrainingExample(intent="thank", text="Cảm ơn   nhé em"))
        session.add(TrainingExample(intent="thank", text="Cảm ơn nhé em"))
        session.flush()
        target = build_training_data(session, tmp_path / "data")
    examples = yaml.safe_load((target / "staff_examples.yml").read_text(encoding="utf-8"))
    assert examples["nlu"] == [{"intent": "thank", "examples": "- Cảm ơn nhé em\n"}]


def test_fingerprint_changes_with_the_data(database_url, tmp_path):
    with session_scope() as session:
        target = build_training_data(session, tmp_path / "a")
    before = data_fingerprint(target)
    assert data_fingerprint(target) == before
    (target / "staff_examples.yml").write_text("version: '3.1'\nnlu: [{}]\n", encoding="utf-8")
    assert data_fingerprint(target) != before


def test_safe_text():
    assert safe_text("[cccd](procedure) ở đâu\n(gấp)") == "cccd procedure ở đâu gấp"
    assert safe_text("   ") == ""
    assert safe_text("- # hỏi giờ làm việc") == "hỏi giờ làm việc"


def test_a_staff_sentence_that_copies_a_scored_one_is_left_out(database_url, tmp_path):
    from assistant.heldout import file_sentences, syllables

    held = PROJECT_ROOT / "tests" / "nlu_eval" / "heldout.yml"
    sentence = next(s for s in file_sentences(held) if len(syllables(s)) >= 6)
    with session_scope() as session:  # filed before the check existed
        session.add(TrainingExample(intent="ask_fee", text=sentence))
        session.add(TrainingExample(intent="ask_fee", text="phí làm thẻ bảo hiểm y tế gấp"))
        session.flush()
        target = build_training_data(session, tmp_path / "data")
    examples = yaml.safe_load((target / "staff_examples.yml").read_text(encoding="utf-8"))
    assert examples["nlu"] == [
        {"intent": "ask_fee", "examples": "- phí làm thẻ bảo hiểm y tế gấp\n"}
    ]
