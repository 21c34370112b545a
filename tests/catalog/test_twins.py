"""Foreign twins read from the catalog's names, and how a foreign question ranks them."""

from __future__ import annotations

from assistant.catalog.search import CatalogIndex, Entry
from assistant.catalog.twins import Twins

NAMES = [
    "Thủ tục đăng ký nhận cha, mẹ, con",
    "Thủ tục đăng ký nhận cha, mẹ, con có yếu tố nước ngoài",
    "Đăng ký kết hôn",
    "Thủ tục đăng ký kết hôn có yếu tố nước ngoài",
    "Cấp thị thực cho người nước ngoài",
    "Đăng ký khai tử có yếu tố nước ngoài tại khu vực biên giới",
]


def test_twins_are_read_from_names_whatever_the_leading_word():
    twins = Twins.build(NAMES)
    assert twins.foreign == {0: 1, 2: 3}
    assert twins.domestic == {1: 0, 3: 2}


def test_a_twin_joins_only_a_foreign_question():
    twins = Twins.build(NAMES)
    assert twins.joining([0, 2, 4], foreign=True) == [(1, 0), (3, 2)]
    assert twins.joining([0, 2, 4], foreign=False) == []
    assert twins.sources(1, foreign=True) == [0]
    assert twins.sources(1, foreign=False) == []
    assert twins.sources(0, foreign=True) == []


def index() -> CatalogIndex:
    return CatalogIndex(
        [
            Entry("D", NAMES[0], aliases=("nhận con ruột", "làm thủ tục nhận con")),
            Entry("F", NAMES[1]),
            Entry("V", NAMES[4]),
            *(
                Entry(f"X{n}", f"Cấp giấy phép hoạt động loại {n} cho người nước ngoài")
                for n in range(12)
            ),  # fmt: skip
        ]
    )


def test_a_foreign_question_ranks_the_twin_with_the_domestic_evidence():
    # The alias quoted names the domestic procedure; the nationality makes it the twin,
    # which a plain BM25 would leave far below (it shares no alias).
    hits = {h.code: h for h in index().search("bố bé là người Úc, làm thủ tục nhận con", 20)}
    assert max(hits.values(), key=lambda h: h.score).code == "F"
    assert hits["F"].phrase and hits["F"].alias_cover == hits["D"].alias_cover
    assert hits["F"].coverage >= hits["D"].coverage


def test_without_a_foreign_element_the_domestic_procedure_stays_first():
    hits = {h.code: h for h in index().search("làm thủ tục nhận con ruột", 20)}
    assert max(hits.values(), key=lambda h: h.score).code == "D"
    assert "F" not in hits or not hits["F"].phrase


def test_the_name_said_counts_for_the_twin_only_when_the_question_is_foreign():
    idx = index()
    foreign = idx.said("bố bé là người Úc, làm thủ tục nhận con")
    plain = idx.said("làm thủ tục nhận con")
    assert idx.name_cover("F", foreign) == idx.name_cover("D", foreign)
    assert idx.name_cover("F", plain) < idx.name_cover("D", plain)
