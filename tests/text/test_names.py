import re

import pytest
import yaml

from assistant.catalog.national import iter_records
from assistant.settings import PROJECT_ROOT
from assistant.text.names import find_names, mask_names
from tests.conftest import NATIONAL


@pytest.mark.parametrize(
    "text, masked",
    [
        ("Phạm Văn An 0912000003", "*** 0912000003"),
        ("Lê Thị Hồng Nhung cảm ơn ạ", "*** cảm ơn ạ"),
        ("NGUYỄN VĂN AN", "***"),
        ("Tran Thi B", "***"),  # without diacritics
        ("Ông Nguyễn Văn Tư đổ rác", "Ông *** đổ rác"),
        ("tổ trưởng Lê Văn Tám biết", "tổ trưởng *** biết"),  # "trưởng" is not "trường"
        ("Nguyễn Thành Công, Trần Xuân Trường", "***, ***"),
        ("tôi tên nguyễn văn an, sđt sau", "tôi tên ***, sđt sau"),  # lower case, introduced
        ("họ tên: le van c nhé", "họ tên: *** nhé"),
        ("em là trần thị bích ở phường An Khánh", "em là *** ở phường An Khánh"),
    ],
)
def test_names_are_masked_by_their_shape(text, masked):
    assert mask_names(text, "***") == masked


@pytest.mark.parametrize(
    "text",
    [
        "đường Nguyễn Văn Cừ, quận Ninh Kiều",  # a street: a word naming a place before it
        "trường Lê Quý Đôn",
        "duong Tran Hung Dao",  # a place word typed without diacritics
        "làm hộ chiếu ở Hồ Chí Minh",
        "Hà Nội có xa không",  # provinces, districts, communes: the gazetteer
        "Cao Lãnh",
        "Quận Ninh Kiều",
        "Từ Sở Tư pháp",  # capitalised institution words are not given names
        "Hồ Sơ của tôi",
        "Mai Anh qua nộp được không",  # "Anh" the pronoun
        "Lý lịch tư pháp",  # lower case, nothing introduces a name
        "chị lan bên phường",
        "đó là Lê Lợi",  # "là" alone introduces nothing
        "tôi là vợ chồng tôi",  # "vợ" is not "Võ", "hộ" not "Hồ"
        "họ tên chủ hộ gia đình",
        "du lịch Thái Lan",
        "Hồ sơ của Nguyễn V*** A đang xử lý",  # masked already, as the assistant shows it
    ],
)
def test_places_institutions_and_words_are_not_names(text):
    assert find_names(text) == []
    assert mask_names(text, "***") is text


def test_spans_are_positions_in_the_text():
    text = "Chào Trần Minh Khoa và Đỗ Lan"
    assert [text[a:b] for a, b in find_names(text)] == ["Trần Minh Khoa", "Đỗ Lan"]


def test_a_name_ends_at_punctuation_and_at_three_given_syllables():
    text = "Nguyễn Văn An. Bình Minh"
    assert [text[a:b] for a, b in find_names(text)] == ["Nguyễn Văn An"]
    text = "Tôn Nữ Thị Ngọc Hà"
    assert [text[a:b] for a, b in find_names(text)] == ["Tôn Nữ Thị Ngọc"]


def real_texts() -> list:
    """The national catalog's procedure names, the NLU examples and the evaluation questions:
    6,000 texts citizens and the catalog write, with no personal name among them."""
    texts = [record.name for _, record in iter_records(NATIONAL) if hasattr(record, "name")]
    for path in sorted((PROJECT_ROOT / "tests" / "answer_eval").glob("*/*.yml")):
        texts += [q["text"] for q in yaml.safe_load(path.read_text("utf-8"))["questions"]]
    for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text("utf-8")).get("nlu") or []:
            texts += re.findall(r"^- (.+)$", block.get("examples") or "", re.M)
    return texts


def test_no_name_is_found_in_the_catalog_the_nlu_examples_or_the_questions():
    texts = real_texts()
    assert len(texts) > 5000
    found = {text[a:b] for text in texts for a, b in find_names(text)}
    assert found == set()
