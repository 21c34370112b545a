"""Siblings: a narrower name whose qualifier the question says, and act variants."""

from __future__ import annotations

import pytest

from assistant.catalog.search import CatalogIndex, Entry
from assistant.catalog.service import get_service
from assistant.catalog.siblings import sentences

STAY = [
    Entry("STAY", "Gia hạn tạm trú", aliases=("gia hạn tạm trú",)),
    Entry("ALIEN", "Gia hạn tạm trú cho người nước ngoài tại Việt Nam (thực hiện tại cấp tỉnh)"),
    Entry("CARD", "Cấp thẻ tạm trú cho người nước ngoài tại Việt Nam"),
]


@pytest.fixture(scope="module")
def catalog(national_database):
    return get_service(national_database).index()


def best(index, query: str) -> str:
    return index.search(query, limit=3)[0].code


def test_a_question_that_states_no_act_asks_for_the_paper_not_its_variant(catalog):
    # 1.014061 is the card for people aged 14 and over; 1.014064 its re-issue, 1.014063 the
    # exchange; 1.013978 a first land certificate, 1.012783 its exchange.
    assert best(catalog, "cho hỏi làm thẻ căn cước hết bao nhiêu ngày") == "1.014061"
    assert best(catalog, "lam so do o dau vay") == "1.013978"
    # … and a variant still wins when its act is said.
    assert best(catalog, "bị mất thẻ căn cước thì làm lại thế nào") == "1.014064"
    assert best(catalog, "thẻ căn cước bị hỏng muốn đổi thẻ mới") == "1.014063"


def test_an_act_asked_is_not_the_plain_procedure(catalog):
    # "Thủ tục đăng ký lại kết hôn" (1.004746), not "Đăng ký kết hôn" (1.000894).
    assert best(catalog, "bị mất giấy đăng ký kết hôn, ở xã cũng không còn lưu") == "1.004746"
    assert best(catalog, "đăng ký kết hôn cần mang theo gì") == "1.000894"


def test_a_narrower_name_whose_qualifier_is_said_is_quoted_too(catalog):
    hits = catalog.search("người nước ngoài muốn gia hạn tạm trú tại Việt Nam", limit=3)
    assert hits[0].name.startswith("Gia hạn tạm trú cho người nước ngoài") and hits[0].phrase
    assert best(catalog, "gia hạn tạm trú ở đâu") == "1.002755"  # "Gia hạn tạm trú"


def test_the_qualifier_must_be_said_in_one_sentence_with_the_name():
    letter = (
        "Tôi có người bạn là người nước ngoài, sang Việt Nam du lịch năm ngoái. "
        "Nay tôi đi làm xa nên muốn gia hạn tạm trú ở phường mới."
    )
    hits = {h.code: h for h in CatalogIndex(STAY).search(letter, limit=3)}
    assert not hits["ALIEN"].phrase
    assert hits["STAY"].score > hits["ALIEN"].score


def test_sentences_are_read_as_the_search_reads_them():
    said = sentences("Mất sổ đỏ rồi. Làm lại ở đâu?")
    assert len(said) == 2
    assert {"giay", "chung", "nhan"} <= said[0]  # "sổ đỏ" adds the catalog's wording


def test_a_procedure_only_a_ministry_handles_weighs_less_than_a_local_one():
    index = CatalogIndex(
        [
            Entry("MINISTRY", "Cấp giấy phép hoạt động in", "Cấp bộ"),
            Entry("PROVINCE", "Cấp giấy phép hoạt động in", "Cấp tỉnh"),
        ]
    )
    scores = {h.code: h.score for h in index.search("xin giấy phép hoạt động in", limit=2)}
    assert scores["PROVINCE"] > scores["MINISTRY"]


def test_a_company_question_is_not_about_a_household_business(catalog):
    # 2.002029: an enterprise's suspension; 1.001570: a household business's.
    assert best(catalog, "doanh nghiệp của tôi cần tạm ngừng kinh doanh vài tháng") == "2.002029"
    assert best(catalog, "hộ kinh doanh muốn tạm ngừng kinh doanh") == "1.001570"
