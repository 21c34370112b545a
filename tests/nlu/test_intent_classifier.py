import numpy as np
import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.nlu.intent_classifier import (
    MaskedIntentClassifier,
    TfidfSpace,
    features,
    masked_words,
)
from assistant.nlu.tokenizer import VietnameseTokenizer

TOKENIZER = VietnameseTokenizer(VietnameseTokenizer.get_default_config())


def message(text, intent=None, procedure=None):
    """A tokenized message; `procedure` is the substring annotated as the entity."""
    data = {"text": text}
    if intent:
        data["intent"] = intent
    if procedure:
        start = text.index(procedure)
        data["entities"] = [{"entity": "procedure", "start": start, "end": start + len(procedure)}]
    m = Message(data=data)
    TOKENIZER.process([m])
    return m


def words_of(text, procedure=None, masked=("procedure",)):
    m = message(text, procedure=procedure)
    return masked_words(m.get("text_tokens"), m.get("entities") or [], masked)


@pytest.mark.parametrize(
    "text, procedure, expected",
    [
        (
            "đăng ký kết hôn có cần giấy xác nhận độc thân không",
            "đăng ký kết hôn",
            ["__procedure__", "có", "cần", "giấy", "xác_nhận", "độc_thân", "không"],
        ),
        (
            "cap ban sao giay to ho tich het bao nhieu tien",
            "cap ban sao giay to ho tich",
            ["__procedure__", "het", "bao", "nhieu", "tien"],
        ),
        ("làm cccd mất bao lâu", "cccd", ["làm", "__procedure__", "mất", "bao_lâu"]),
        ("làm cccd mất bao lâu", None, ["làm", "căn_cước_công_dân", "mất", "bao_lâu"]),
    ],
)
def test_the_procedure_becomes_one_placeholder(text, procedure, expected):
    words = [text for text, _ in words_of(text, procedure)]
    # Compare syllables: how underthesea groups the unmasked ones is not the point here.
    assert " ".join(words).replace("_", " ").split() == " ".join(expected).replace("_", " ").split()


@pytest.mark.parametrize(
    "text, span, masked",
    [
        ("kính chào quý cơ quan", "kính", False),  # one syllable names no procedure
        ("làm cccd mất bao lâu", "cccd", True),  # four syllables spelled out
        ("làm hộ chiếu mất bao lâu", "hộ chiếu", True),
    ],
)
def test_one_syllable_spans_stay_as_written(text, span, masked):
    m = message(text, procedure=span)
    words = masked_words(m.get("text_tokens"), m.get("entities"), ["procedure"], 2)
    assert ("__procedure__" in [t for t, _ in words]) is masked


def test_only_the_configured_entities_are_masked():
    words = words_of("làm cccd mất bao lâu", "cccd", masked=("dossier_code",))
    assert "__procedure__" not in [t for t, _ in words]


def test_two_procedures_give_two_placeholders():
    m = Message(data={"text": "khai sinh và kết hôn cần gì"})
    TOKENIZER.process([m])
    entities = [
        {"entity": "procedure", "start": 0, "end": 9},
        {"entity": "procedure", "start": 13, "end": 20},
    ]
    words = [t for t, _ in masked_words(m.get("text_tokens"), entities, ["procedure"])]
    assert words.count("__procedure__") == 2 and words[1] == "và"


@pytest.mark.parametrize(
    "kind, expected",
    [
        ("word", ["__procedure__", "bao_lâu"]),
        ("syllable", ["__procedure__", "bao", "lau", "__procedure__ bao", "bao lau"]),
        ("char", " b|ba|ao|o | ba|bao|ao | bao|bao | l|la|au|u | la|lau|au | lau|lau ".split("|")),
    ],
)
def test_feature_kinds(kind, expected):
    words = [("__procedure__", "__procedure__"), ("bao_lâu", "bao lau")]
    assert features(words, kind) == expected


def test_tfidf_rows_are_normalised_per_kind_and_ignore_unknown_terms():
    docs = [[("a", "a"), ("b", "b")], [("a", "a"), ("c", "c")]]
    space = TfidfSpace.fit(docs)
    matrix = space.matrix(docs + [[("zzz", "zzz")]]).toarray()
    for kind in ("word", "syllable", "char"):
        start = space.offsets[kind]
        block = matrix[:2, start : start + len(space.vocabularies[kind])]
        assert np.allclose(np.linalg.norm(block, axis=1), 1.0)
    assert not matrix[2].any()
    # "a" is in every document: a lower idf than "b".
    word = space.vocabularies["word"]
    assert matrix[0, word["a"]] < matrix[0, word["b"]]


TRAINING = [
    ("{} cần giấy tờ gì", "ask_documents"),
    ("hồ sơ {} gồm những gì", "ask_documents"),
    ("{} cần mang theo những giấy tờ nào", "ask_documents"),
    ("{} hết bao nhiêu tiền", "ask_fee"),
    ("lệ phí {} là bao nhiêu", "ask_fee"),
    ("{} tốn bao nhiêu tiền vậy", "ask_fee"),
    ("{} mất bao lâu", "ask_processing_time"),
    ("bao nhiêu ngày thì {} xong", "ask_processing_time"),
    ("{} mấy ngày có kết quả", "ask_processing_time"),
]
PROCEDURES = ["đăng ký khai sinh", "cấp bản sao giấy tờ hộ tịch", "cấp hộ chiếu"]


def training_examples():
    return [
        message(pattern.format(p), intent, p) for pattern, intent in TRAINING for p in PROCEDURES
    ]


@pytest.fixture()
def trained(tmp_path):
    examples = training_examples()
    storage = LocalModelStorage(tmp_path)
    resource = Resource("masked_intent")
    component = MaskedIntentClassifier.create(
        MaskedIntentClassifier.get_default_config(), storage, resource, None
    )
    component.train(TrainingData(training_examples=examples))
    return component, storage, resource


def parse(component, text, procedure=None):
    m = message(text, procedure=procedure)
    component.process([m])
    return m


def test_words_of_the_procedure_name_do_not_decide_the_intent(trained):
    component, _, _ = trained
    # "giấy tờ" is in the name; the question is about the fee.
    m = parse(
        component, "cấp bản sao giấy tờ hộ tịch hết bao nhiêu tiền", "cấp bản sao giấy tờ hộ tịch"
    )
    assert m.get("intent")["name"] == "ask_fee"
    ranking = m.get("intent_ranking")
    assert [r["name"] for r in ranking][0] == "ask_fee"
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)


def test_saved_and_loaded_model_gives_the_same_probabilities(trained):
    component, storage, resource = trained
    loaded = MaskedIntentClassifier.load(
        MaskedIntentClassifier.get_default_config(), storage, resource, None
    )
    for text in ["khai sinh mat bao lau", "😀", "cần giấy tờ gì"]:
        a, b = parse(component, text), parse(loaded, text)
        assert a.get("intent_ranking") == b.get("intent_ranking")
    # Nothing pickled: the model is JSON and a NumPy archive.
    with storage.read_from(resource) as directory:
        assert sorted(p.name for p in directory.iterdir()) == ["space.json", "weights.npz"]


def test_probabilities_match_scikit_learn(trained):
    from sklearn.linear_model import LogisticRegression

    component, _, _ = trained
    model = LogisticRegression()
    model.classes_ = np.array(component.classes)
    model.coef_, model.intercept_ = component.coef, component.intercept
    m = message("hộ chiếu hết bao nhiêu tiền")
    row = component.space.matrix([component._words(m)])
    assert np.allclose(model.predict_proba(row)[0], component.probabilities(m))


def test_an_untrained_model_leaves_messages_alone(tmp_path):
    storage = LocalModelStorage(tmp_path)
    component = MaskedIntentClassifier.load({}, storage, Resource("missing"), None)
    m = parse(component, "xin chào")
    assert m.get("intent") is None


def test_examples_are_also_learnt_unmasked(trained, tmp_path):
    component, _, _ = trained
    # The name's words are known features, so a name nobody found still reads sensibly.
    assert "khai_sinh" in component.space.vocabularies["word"]
    m = parse(component, "đăng ký khai sinh hết bao nhiêu tiền")  # no entity found
    assert m.get("intent")["name"] == "ask_fee"

    (tmp_path / "m").mkdir()
    masked_only = MaskedIntentClassifier.create(
        {"also_unmasked": False}, LocalModelStorage(tmp_path / "m"), Resource("m"), None
    )
    masked_only.train(TrainingData(training_examples=training_examples()))
    assert "khai_sinh" not in masked_only.space.vocabularies["word"]


def test_lemmas_are_the_tokenizers_folded_syllables():
    words = words_of("Làm CCCD mất bao lâu", "CCCD")
    assert words == [
        ("làm", "lam"),
        ("__procedure__", "__procedure__"),
        ("mất", "mat"),
        ("bao_lâu", "bao lau"),
    ]
