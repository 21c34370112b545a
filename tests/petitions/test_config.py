"""Petition categories and units: the shipped defaults, keyword matching, overrides, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.petitions import config
from assistant.settings import get_settings

KEYS = [
    ("giao_thong", "Giao thông"),
    ("chieu_sang", "Chiếu sáng"),
    ("ve_sinh_moi_truong", "Vệ sinh môi trường"),
    ("cap_thoat_nuoc", "Cấp thoát nước"),
    ("trat_tu_do_thi", "Trật tự đô thị"),
    ("an_ninh_trat_tu", "An ninh trật tự"),
    ("thu_tuc_hanh_chinh", "Thủ tục hành chính và thái độ phục vụ"),
    ("khac", "Khác"),
]


@pytest.fixture
def override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write a PETITIONS_CONFIG file and point the settings at it."""

    def write(data) -> Path:
        path = tmp_path / "petitions.yml"
        text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True)
        path.write_text(text, encoding="utf-8")
        monkeypatch.setenv("PETITIONS_CONFIG", str(path))
        get_settings.cache_clear()
        return path

    yield write
    get_settings.cache_clear()


def test_the_defaults_have_the_citys_categories_each_with_a_known_unit():
    assert [(c.key, c.name) for c in config.categories()] == KEYS
    unit_keys = {u.key for u in config.units()}
    assert {"ubnd_phuong_xa", "quan_ly_do_thi", "cong_an", "cap_thoat_nuoc"} <= unit_keys
    for category in config.categories():
        assert category.unit in unit_keys and 1 <= category.days <= 30
        assert category.group and category.description
    assert config.category("chieu_sang").days == 5
    assert config.unit("cong_an").name == "Công an phường, xã"
    assert config.category("nope") is None and config.unit("nope") is None


@pytest.mark.parametrize(
    "text, key",
    [
        ("Đèn đường trước nhà tôi không sáng", "chieu_sang"),
        ("den duong truoc nha toi khong sang", "chieu_sang"),
        ("đèn đường bị hỏng mấy hôm nay", "chieu_sang"),
        ("ĐÈN TÍN HIỆU GIAO THÔNG ở ngã tư bị hỏng", "giao_thong"),
        ("Đường hỏng, nhiều ổ gà", "giao_thong"),
        ("o ga to tren duong Le Loi", "giao_thong"),
        ("Rác thải bốc mùi hôi ở đầu hẻm", "ve_sinh_moi_truong"),
        ("cong bi tac, mua xuong la ngap", "cap_thoat_nuoc"),
        ("Cống bị tắc, mưa xuống là ngập", "cap_thoat_nuoc"),
        ("Quán lấn chiếm vỉa hè", "trat_tu_do_thi"),
        ("hàng xóm hát karaoke đến 12 giờ đêm", "an_ninh_trat_tu"),
        ("cán bộ một cửa hẹn lại nhiều lần", "thu_tuc_hanh_chinh"),
        # "đến" folds to "den" like "đèn": single syllables are not keywords.
        ("Tôi đến phường hỏi thủ tục", "thu_tuc_hanh_chinh"),
        ("Tôi đến nhà văn hoá", None),
        ("xin chào", None),
        ("", None),
    ],
)
def test_keywords_match_with_and_without_diacritics(text, key):
    found = config.match_category(text)
    assert (found.key if found else None) == key


def test_a_file_replaces_the_sections_it_has(override):
    override(
        {
            "categories": [
                {
                    "key": "cay_xanh",
                    "name": "Cây xanh",
                    "days": 3,
                    "unit": "ubnd_phuong_xa",
                    "keywords": ["cây đổ", "cành cây"],
                },
            ]
        }
    )
    assert [c.key for c in config.categories()] == ["cay_xanh"]
    assert config.category("cay_xanh").group == "Cây xanh"  # the name when no group is given
    assert config.unit("cong_an") is not None  # units kept from the defaults
    assert config.match_category("cay do chan duong").key == "cay_xanh"
    assert config.match_category("den duong hong") is None


def test_a_changed_file_is_read_again(override):
    path = override(
        {
            "units": [{"key": "a", "name": "A"}],
            "categories": [{"key": "x", "name": "X", "days": 1, "unit": "a"}],
        }
    )
    assert [u.key for u in config.units()] == ["a"]
    path.write_text(
        yaml.safe_dump(
            {
                "units": [{"key": "b", "name": "B"}],
                "categories": [{"key": "x", "name": "X", "days": 2, "unit": "b"}],
            }
        ),
        encoding="utf-8",
    )
    import os

    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert [u.key for u in config.units()] == ["b"] and config.category("x").days == 2


GOOD_UNIT = {"key": "u", "name": "Đơn vị"}


def _cat(**fields):
    return {"key": "c", "name": "C", "days": 5, "unit": "u", **fields}


@pytest.mark.parametrize(
    "data, message",
    [
        ("categories: [", "not valid YAML"),
        ("- 1\n- 2\n", "expected a mapping"),
        ({"units": [GOOD_UNIT], "categories": [_cat()], "colours": []}, "unknown section"),
        ({"units": [], "categories": [_cat()]}, "`units` must be a non-empty list"),
        ({"units": [GOOD_UNIT], "categories": "giao_thong"}, "`categories` must be"),
        ({"units": [GOOD_UNIT, GOOD_UNIT], "categories": [_cat()]}, "unit key 'u' is used twice"),
        ({"units": [GOOD_UNIT], "categories": [_cat(), _cat()]}, "category key 'c' is used twice"),
        ({"units": [{"key": "Bad Key", "name": "x"}], "categories": [_cat()]}, "`key` must be"),
        ({"units": [{"key": "u"}], "categories": [_cat()]}, "unit 'u': `name` is missing"),
        ({"units": [GOOD_UNIT], "categories": ["giao_thong"]}, "category #1 must be a mapping"),
        ({"units": [GOOD_UNIT], "categories": [_cat(days=0)]}, "`days` must be a whole number"),
        ({"units": [GOOD_UNIT], "categories": [_cat(days="7")]}, "`days` must be a whole number"),
        ({"units": [GOOD_UNIT], "categories": [_cat(days=True)]}, "`days` must be a whole number"),
        ({"units": [GOOD_UNIT], "categories": [_cat(unit="x")]}, "unit 'x' is not one of"),
        ({"units": [GOOD_UNIT], "categories": [_cat(name=3)]}, "`name` must be text"),
        ({"units": [GOOD_UNIT], "categories": [_cat(keywords="rác")]}, "`keywords` must be"),
        ({"units": [GOOD_UNIT], "categories": [_cat(keywords=["", "rác"])]}, "`keywords` must"),
    ],
)
def test_configuration_errors_name_the_problem(override, data, message):
    path = override(data)
    with pytest.raises(ValueError) as error:
        config.categories()
    assert message in str(error.value) and str(path) in str(error.value)


def test_a_missing_file_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("PETITIONS_CONFIG", str(tmp_path / "missing.yml"))
    get_settings.cache_clear()
    try:
        with pytest.raises(ValueError, match="missing.yml: cannot read"):
            config.units()
    finally:
        get_settings.cache_clear()
