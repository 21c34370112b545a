"""Reading a question before the search: everyday names, events, nationality, age."""

from __future__ import annotations

import pytest

from assistant.catalog.query import (
    EVERYDAY,
    admits,
    age_bounds,
    age_said,
    analyse_text,
    everyday_object,
    expand_synonyms,
    read_everyday,
)


def said(text: str) -> tuple:
    return expand_synonyms(analyse_text(text)).syllables


def test_how_long_it_takes_is_not_a_loss():
    assert "cap" not in said("mất bao lâu thì có bằng lái")
    assert said("mất bằng lái")[-2:] == ("cap", "lai")
    assert said("bằng lái bị mất")[-2:] == ("cap", "lai")


def test_everyday_names_add_the_catalog_wording():
    assert set("giay chung nhan quyen su dung dat".split()) <= set(said("cấp lại sổ đỏ"))
    assert set("kiem dinh".split()) <= set(said("dang kiem o to o dau"))
    assert said("đăng ký khai sinh") == ("dang", "ky", "khai", "sinh")


def test_everyday_words_of_other_fields_add_the_catalog_wording():
    assert set("thuoc bao ve thuc vat".split()) <= set(said("bán thuốc trừ sâu"))
    assert set("lon".split()) <= set(said("nuoi heo"))
    assert set("xac nhan tinh trang hon nhan".split()) <= set(said("xin giấy độc thân"))
    assert "lon" not in said("nuôi bò")
    # With or without the passive "bị".
    assert set("tieu chuan luu thong".split()) <= set(said("đổi tiền bị rách ở đâu"))


def test_the_everyday_table_is_read_folded_and_skips_an_entry_that_changes_nothing(tmp_path):
    path = tmp_path / "everyday.yml"
    path.write_text(
        '- everyday: "Tiền Rách"\n  catalog: "tiền không đủ tiêu chuẩn lưu thông"\n'
        '- everyday: "đăng ký"\n  catalog: "Đăng ký"\n',
        encoding="utf-8",
    )
    assert read_everyday(path) == {"tien rach": "tien khong du tieu chuan luu thong"}
    assert read_everyday(tmp_path / "missing.yml") == {}
    assert len(EVERYDAY) >= 200


def test_a_nationality_is_the_foreign_element():
    assert said("lấy chồng người Nhật")[-2:] == ("nuoc", "ngoai")
    assert said("lấy chồng nước ngoài").count("ngoai") == 1


def test_living_in_vietnam_is_filing_in_the_country():
    assert said("chồng em người Hàn đang sống ở VN, xin nhập quốc tịch")[-3:] == (
        "o",
        "trong",
        "nuoc",
    )
    assert "trong" not in said("xin nhập quốc tịch Việt Nam")
    assert said("đang ở trong nước muốn thôi quốc tịch").count("trong") == 1


@pytest.mark.parametrize(
    "name, bounds",
    [
        ("Cấp thẻ căn cước cho người dưới 14 tuổi", (None, 14)),
        ("Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên (thực hiện tại cấp tỉnh)", (14, None)),
        ("Đăng ký khai sinh", (None, None)),
    ],
)
def test_age_bounds_of_a_name(name, bounds):
    assert age_bounds(name) == bounds


@pytest.mark.parametrize(
    "text, age",
    [
        ("làm căn cước cho con 10 tuổi", 10),
        ("Bé nhà em 8 tháng tuổi", 0),
        ("ông 80tuổi", 80),
        ("tôi 30 tuổi, con 5 tuổi thì làm căn cước ở đâu", None),  # two ages: no reading
        ("làm căn cước mất 3 tháng", None),
        ("trẻ sơ sinh có làm căn cước được không", 0),  # a newborn is 0
        ("con mới sinh thì làm căn cước ở đâu", 0),
        ("làm căn cước", None),
    ],
)
def test_the_one_age_a_question_states(text, age):
    assert age_said(text) == age


def test_admits_at_the_bounds():
    assert admits((None, 14), 13) and not admits((None, 14), 14)
    assert admits((14, None), 14) and not admits((14, None), 13)
    assert admits((None, None), 99)


@pytest.mark.parametrize(
    "alias, names_only_the_paper",
    [("sổ đỏ", True), ("mở công ty", True), ("làm sổ đỏ lần đầu", False), ("bằng lái xe", False)],
)
def test_an_alias_that_is_only_an_everyday_name_of_a_paper(alias, names_only_the_paper):
    assert bool(everyday_object(analyse_text(alias))) is names_only_the_paper


def test_a_company_is_an_enterprise():
    assert said("mở chi nhánh công ty")[-2:] == ("doanh", "nghiep")
    assert "doanh" not in said("mở chi nhánh hợp tác xã")
