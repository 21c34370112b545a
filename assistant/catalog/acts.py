"""What a question asks done to a paper, and which names do it.

The act a name states ("cấp lại", "đổi", "gia hạn"), the act a question states or implies by
what happened ("bị mất" → re-issue, "hết hạn" → extend), and the kind of business both are
about (a company, a household business). The search weighs a name by how they agree. Pure
functions over folded syllables (see ``query``), no database.
"""

from __future__ import annotations

from typing import Tuple

# What happened to a paper says which act is wanted: a lost one is re-issued ("cấp lại"), a
# wrong entry corrected, an expiring permit extended. Matched as phrases, like SYNONYMS.
EVENTS = {
    "bi mat": "cap lai",
    "lam mat": "cap lai",
    "danh mat": "cap lai",
    "that lac": "cap lai",
    "danh roi": "cap lai",
    "ghi sai": "cai chinh dinh chinh sai sot",
    "bi sai": "cai chinh dinh chinh sai sot",
    "sai ten": "cai chinh dinh chinh sai sot",
    "sai ngay": "cai chinh dinh chinh sai sot",
    "sai nam": "cai chinh dinh chinh sai sot",
    "sai thong tin": "cai chinh dinh chinh sai sot",
    "het han": "gia han",
    "chuyen dia diem": "thay doi dia chi dia diem",
    "chuyen van phong": "thay doi dia chi tru so",
    "chuyen tru so": "thay doi dia chi tru so",
    "doi dia chi": "thay doi dia chi",
    "bi khoa": "mo khoa",
}
# The act each event asks for, as names state it: a name quoted whole that does not state the
# act is not the procedure meant ("bị mất giấy phép lái xe" is not "cấp giấy phép lái xe").
ACTS = {
    "cap lai": ("cap lai", "cap doi", "dang ky lai"),
    "mo khoa": ("mo khoa",),
    "cai chinh dinh chinh sai sot": ("cai chinh", "dinh chinh", "sai sot", "dieu chinh"),
    "gia han": ("gia han", "cap lai"),
    # Every move ("chuyển trụ sở", "đổi địa chỉ", …) is stated as a change of address.
    **{
        wording: ("thay doi", "dieu chinh", "chuyen")
        for wording in EVENTS.values()
        if wording.startswith("thay doi dia chi")
    },
}

# The kinds of business a name or a question is about: a company's suspension is not a
# household business's ("Tạm ngừng kinh doanh … của hộ kinh doanh").
_BUSINESS_KINDS = {
    "ho kinh doanh": "household",
    "doanh nghiep": "enterprise",
    "cong ty": "enterprise",
    "hop tac xa": "cooperative",
}

_LOST_NOT_BEFORE = frozenset("bao may thoi tien phi nhieu lau bn".split())


def lost_first(s: Tuple[str, ...], joined: str) -> bool:
    """ "mất" opening the question is a loss, unless it asks how long or how much."""
    return (
        len(s) > 1 and s[0] == "mat" and s[1] not in _LOST_NOT_BEFORE and " bi mat " not in joined
    )


def acts_said(syllables: Tuple[str, ...]) -> Tuple[Tuple[str, ...], ...]:
    """For each event the question tells ("bị mất", "ghi sai"), the wordings of the act a
    name must state to be the procedure meant; empty when it tells none."""
    joined = " " + " ".join(syllables) + " "
    wordings = {wording for phrase, wording in EVENTS.items() if f" {phrase} " in joined}
    if lost_first(syllables, joined):
        wordings.add(EVENTS["bi mat"])
    return tuple(ACTS[w] for w in sorted(wordings))


# The act a name states, in the closed set of acts procedures perform on a paper, and the
# words a question says it with. A question that states one act ("đổi cà vẹt") is not about
# a name that states only others ("Cấp lại chứng nhận đăng ký xe").
_ACT_WORDS = {
    "cap lai": "reissue",
    "lam lai": "reissue",
    "ky lai": "reissue",  # "đăng ký lại"
    "cap doi": "exchange",
    "doi": "exchange",
    "thay doi": "change",
    "dieu chinh": "change",
    "cai chinh": "correct",
    "dinh chinh": "correct",
    "gia han": "extend",
    "thu hoi": "revoke",
    "giai the": "dissolve",
    "cham dut": "end",
    "tam ngung": "suspend",
    "mo khoa": "unlock",
    "chuyen doi": "convert",
    "cap moi": "first",
    "lan dau": "first",
}


def acts_of(syllables: Tuple[str, ...]) -> frozenset:
    """The acts a text states (see _ACT_WORDS); "đổi" in "thay đổi", "chuyển đổi" and
    "đối với" (folded alike) is not the exchange."""
    found = set()
    for i, s in enumerate(syllables):
        pair = " ".join(syllables[i : i + 2])
        if pair in _ACT_WORDS:
            found.add(_ACT_WORDS[pair])
        elif s == "doi":
            before, after = syllables[i - 1 : i] if i else (), syllables[i + 1 : i + 2]
            if before not in (("thay",), ("chuyen",), ("cap",)) and after != ("voi",):
                found.add("exchange")
    return frozenset(found)


def act_words(syllables: Tuple[str, ...]) -> frozenset:
    """The syllables with which a text states its acts (see acts_of): what is left of a
    name without them is the thing it acts on ("Cấp lại thẻ căn cước" → "thẻ căn cước")."""
    words = set()
    for i, s in enumerate(syllables):
        pair = syllables[i : i + 2]
        if " ".join(pair) in _ACT_WORDS:
            words.update(pair)
        elif s == "doi" and "exchange" in acts_of(syllables[max(i - 1, 0) : i + 2]):
            words.add(s)
    return frozenset(words)


ACT_MATCH, ACT_CONFLICT = 1.2, 0.7


def business_kinds(syllables: Tuple[str, ...]) -> frozenset:
    """The kinds of business a text names (see _BUSINESS_KINDS)."""
    joined = " " + " ".join(syllables) + " "
    return frozenset(kind for words, kind in _BUSINESS_KINDS.items() if f" {words} " in joined)


def kind_factor(asked: frozenset, stated: frozenset) -> float:
    """Less for a name about only other kinds of business than the question names."""
    return ACT_CONFLICT if asked and stated and not asked & stated else 1.0


def act_factor(asked: frozenset, stated: frozenset) -> float:
    """How a search score weighs a name's acts against the question's (see acts_of): more
    when it states one the question states, less when it states only others ("Cấp lại …"
    for "đổi cà vẹt")."""
    if not asked or not stated:
        return 1.0
    return ACT_MATCH if asked & stated else ACT_CONFLICT
