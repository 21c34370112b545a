"""The 2025 communes list (vietnamadminunits 1.0.4) and how citizens' words are matched to it.

The counts are the official ones after the July 2025 reform: 34 provinces, 3,321 communes
(2,621 xã, 687 phường, 13 đặc khu); Cần Thơ (92, merged with Sóc Trăng and Hậu Giang) has 103:
31 phường and 72 xã. Codes are those of the final list, not of the draft some packages ship
(the draft gave 31207 to Thuận Hưng; the final list gives it to Thốt Nốt).
"""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.petitions import communes
from assistant.petitions.communes import ALL_PROVINCES, get_commune, match_commune
from assistant.settings import get_settings


@pytest.fixture(autouse=True)
def default_province(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("PETITION_PROVINCE", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def names(found: list[communes.Commune]) -> list[str]:
    return [unit.name for unit in found]


def test_the_list_has_the_official_counts() -> None:
    provinces = communes.provinces()
    assert len(provinces) == 34
    assert len({p.code for p in provinces}) == 34
    everything = communes.communes(ALL_PROVINCES)
    assert len(everything) == 3321
    assert len({u.code for u in everything}) == 3321
    assert Counter(u.kind for u in everything) == {"xã": 2621, "phường": 687, "đặc khu": 13}
    assert all(u.name.lower().startswith(u.kind + " ") for u in everything)
    assert all(u.name == " ".join(u.name.split()) for u in everything)


def test_can_tho_is_the_default_province() -> None:
    assert get_settings().petition_province == "92"
    assert communes.Province("92", "Thành phố Cần Thơ") in communes.provinces()
    can_tho = communes.communes()
    assert len(can_tho) == 103
    assert Counter(u.kind for u in can_tho) == {"phường": 31, "xã": 72}
    assert {u.province_code for u in can_tho} == {"92"}
    assert {u.province_name for u in can_tho} == {"Thành phố Cần Thơ"}
    assert communes.communes(92) == communes.communes("92") == can_tho


def test_units_carry_official_codes() -> None:
    ninh_kieu = get_commune("31135")
    assert ninh_kieu == communes.Commune(
        "31135", "Phường Ninh Kiều", "phường", "92", "Thành phố Cần Thơ"
    )
    assert ninh_kieu.short_name == "Ninh Kiều"
    assert get_commune(31299).name == "Xã Phong Điền"
    assert get_commune(31207).name == "Phường Thốt Nốt"
    assert get_commune("00004").name == "Phường Ba Đình"
    assert get_commune(4) == get_commune("00004")
    assert get_commune("99999") is None


@pytest.mark.parametrize(
    "text",
    [
        "p ninh kieu",
        "P.Ninh Kiều",
        "p. ninh kiều",
        "phuong ninh kieu",
        "Phường Ninh Kiều",
        "PHƯỜNG NINH KIỀU",
        "Ninh Kiều",
        "ninh kieu",
        "ninhkieu",
        "  ninh   kieu ",
        "UBND phường Ninh Kiều",
        "Ninh Kiều, TP Cần Thơ",
        "phường Ninh Kiều, thành phố Cần Thơ",
    ],
)
def test_one_ward_however_it_is_typed(text: str) -> None:
    assert names(match_commune(text)) == ["Phường Ninh Kiều"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("xã Phong Điền", "Xã Phong Điền"),
        ("xa phong dien", "Xã Phong Điền"),
        ("X. Phong Điền", "Xã Phong Điền"),
        ("phong dien", "Xã Phong Điền"),
        ("cai rang", "Phường Cái Răng"),
        ("Cái Răng", "Phường Cái Răng"),
        ("thot not", "Phường Thốt Nốt"),
        ("long phu 1", "Phường Long Phú 1"),
        # An exact name beats a longer one that starts with it.
        ("vi thanh", "Phường Vị Thanh"),
        ("truong long", "Xã Trường Long"),
        # Kind words that are also words of names: "Phương Bình", "Xà Phiên", "Khánh Hòa".
        ("phuong binh", "Xã Phương Bình"),
        ("xa phien", "Xã Xà Phiên"),
        ("phường Khánh Hòa", "Phường Khánh Hòa"),
        # Misspelt.
        ("cai rag", "Phường Cái Răng"),
        ("ninh kieuu", "Phường Ninh Kiều"),
    ],
)
def test_communes_of_can_tho(text: str, expected: str) -> None:
    assert names(match_commune(text)) == [expected]


def test_an_ambiguous_name_gives_every_candidate() -> None:
    # Two communes start with "Thới An" in Cần Thơ.
    assert names(match_commune("thoi an")) == ["Phường Thới An Đông", "Xã Thới An Hội"]
    # "phường Long Phú" does not exist: the xã of that name first, then Phường Long Phú 1.
    assert names(match_commune("p long phu")) == ["Xã Long Phú", "Phường Long Phú 1"]
    # Nationwide, Phong Điền is a phường of Huế and a xã of Cần Thơ: the kind decides.
    both = match_commune("Phong Điền", ALL_PROVINCES)
    assert [(u.name, u.province_code) for u in both] == [
        ("Phường Phong Điền", "46"),
        ("Xã Phong Điền", "92"),
    ]
    assert names(match_commune("xa phong dien", ALL_PROVINCES)) == ["Xã Phong Điền"]
    assert [u.province_code for u in match_commune("phuong phong dien", ALL_PROVINCES)] == ["46"]
    assert [u.province_code for u in match_commune("Phong Điền, Huế", ALL_PROVINCES)] == ["46"]
    assert len(match_commune("chau thanh", ALL_PROVINCES)) == 5


@pytest.mark.parametrize(
    "text",
    ["", "   ", "p", "xã", "hello", "Ba Đình", "quận 1", "Phong Điền, Huế", "Côn Đảo", "123"],
)
def test_nothing_fits(text: str) -> None:
    assert match_commune(text) == []


def test_the_province_setting_and_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    assert names(match_commune("con dao", "79")) == ["Đặc khu Côn Đảo"]
    assert names(match_commune("dk con dao", 79)) == ["Đặc khu Côn Đảo"]
    monkeypatch.setenv("PETITION_PROVINCE", "79")
    get_settings.cache_clear()
    assert names(match_commune("Côn Đảo")) == ["Đặc khu Côn Đảo"]
    assert match_commune("ninh kieu") == []
    assert len(communes.communes()) == len(communes.communes("79"))
    with pytest.raises(ValueError, match="unknown province"):
        communes.communes("93")  # Hậu Giang: merged into Cần Thơ
