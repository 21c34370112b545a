from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.augment import DiacriticAugmentingImporter, augment, stripped_copy
from assistant.settings import PROJECT_ROOT
from assistant.text.normalize import has_diacritics, strip_diacritics


def example(text, intent="ask_fee", entities=None):
    data = {"text": text, "intent": intent}
    if entities:
        data["entities"] = entities
    return Message(data=data)


def test_copy_strips_text_and_keeps_entity_spans():
    text = "Lệ phí cấp phiếu lý lịch tư pháp bao nhiêu?"
    start = text.index("cấp")
    entity = {
        "entity": "procedure",
        "start": start,
        "end": start + 25,
        "value": text[start : start + 25],
    }
    copy = stripped_copy(example(text, entities=[entity]))
    assert copy.get("text") == "Le phi cap phieu ly lich tu phap bao nhieu?"
    [e] = copy.get("entities")
    assert (e["start"], e["end"]) == (entity["start"], entity["end"])
    assert copy.get("text")[e["start"] : e["end"]] == e["value"] == "cap phieu ly lich tu phap"
    assert copy.get("intent") == "ask_fee"


def test_synonym_values_are_kept():
    entity = {
        "entity": "procedure",
        "start": 0,
        "end": 5,
        "value": "giấy chứng nhận quyền sử dụng đất",
    }
    copy = stripped_copy(example("sổ đỏ làm ở đâu", entities=[entity]))
    assert copy.get("entities")[0]["value"] == "giấy chứng nhận quyền sử dụng đất"


def test_nothing_to_strip_and_no_duplicates():
    assert stripped_copy(example("lam cccd o dau")) is None
    assert stripped_copy(Message(data={"text": "xin chào"})) is None  # no intent: not training
    examples = [
        example("đăng ký ở đâu", "ask_where_to_submit"),
        example("dang ky o dau", "ask_fee"),
    ]
    augmented = augment(examples)
    assert [m.get("text") for m in augmented] == ["đăng ký ở đâu", "dang ky o dau"]


def test_importer_adds_a_copy_of_nearly_every_example_without_conflicts():
    paths = (str(PROJECT_ROOT / "config.yml"), str(PROJECT_ROOT / "domain.yml"))
    data_dir = [str(PROJECT_ROOT / "data")]
    plain = RasaFileImporter(*paths, data_dir).get_nlu_data("vi").training_examples
    augmented = DiacriticAugmentingImporter(*paths, data_dir).get_nlu_data("vi").training_examples
    marked = [m for m in plain if m.get("intent") and has_diacritics(m.get("text"))]
    texts = [m.get("text") for m in augmented if m.get("intent")]
    assert len(texts) == len(set(texts))
    assert len(augmented) - len(plain) >= 0.9 * len(marked)
    sample = marked[len(marked) // 2]
    copies = [m for m in augmented if m.get("text") == strip_diacritics(sample.get("text"))]
    assert copies and copies[0].get("intent") == sample.get("intent")
