import pytest
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu.tokenizer import VietnameseTokenizer


@pytest.fixture(scope="module")
def tokenizer():
    return VietnameseTokenizer(VietnameseTokenizer.get_default_config())


@pytest.mark.parametrize(
    "text, tokens, lemmas, offsets",
    [
        (
            "Làm giấy khai sinh",
            ["làm", "giấy", "khai_sinh"],
            ["lam", "giay", "khai sinh"],
            [(0, 3), (4, 8), (9, 18)],
        ),
        (
            "lam cccd o dau",
            ["lam", "căn_cước_công_dân", "o", "dau"],
            ["lam", "can cuoc cong dan", "o", "dau"],
            [(0, 3), (4, 8), (9, 10), (11, 14)],
        ),
        (
            "hs 000.00.27.H13-240115-0001",
            ["hồ_sơ", "000.00.27.H13-240115-0001"],
            ["ho so", "__dossier_code__"],
            [(0, 2), (3, 28)],
        ),
        ("😀", ["😀"], ["__symbol__"], [(0, 1)]),
    ],
)
def test_tokens(tokenizer, text, tokens, lemmas, offsets):
    result = tokenizer.tokenize(Message(data={"text": text}), "text")
    assert [t.text for t in result] == tokens
    assert [t.lemma for t in result] == lemmas
    assert [(t.start, t.end) for t in result] == offsets


def test_with_and_without_diacritics_share_lemmas(tokenizer):
    a = tokenizer.tokenize(Message(data={"text": "đăng ký kết hôn"}), "text")
    b = tokenizer.tokenize(Message(data={"text": "dang ky ket hon"}), "text")
    # underthesea segments the two differently; the syllables of the lemmas agree.
    assert " ".join(t.lemma for t in a).split() == ["dang", "ky", "ket", "hon"]
    assert " ".join(t.lemma for t in b).split() == ["dang", "ky", "ket", "hon"]
