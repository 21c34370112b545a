"""The communes a petition can be about: every xã, phường and đặc khu of the two-level list in
force since 1 July 2025 (34 provinces and centrally-run cities, 3,321 communes under them).

Source: the PyPI package ``vietnamadminunits`` (MIT, pinned in requirements.txt), table
``admin_units`` of its SQLite dataset: names and codes of the General Statistics Office's list
(danhmuchanhchinh.gso.gov.vn, exported 2025-07-18 according to the package's repository).
Codes are those of the final list (the draft list had other codes for about a hundred
communes), as strings with their leading zeros: province "92" (Thành phố Cần Thơ), commune
"31135" (Phường Ninh Kiều). The file is read once, read-only, from the installed package:
nothing is downloaded, and the package's own modules (an address parser that imports shapely
and geopy) are never imported.

A commune's kind comes from its name ("Xã Phong Điền" is a xã): the package's ``wardType``
column contradicts the name for four communes, two of them in Cần Thơ.

:func:`match_commune` reads a commune the way citizens type it: with or without diacritics
and the kind ("p ninh kieu", "P.Ninh Kiều", "phuong ninh kieu", "xã Phong Điền", "cai rang"),
optionally followed by the province ("Ninh Kiều, TP Cần Thơ").
"""

from __future__ import annotations

import difflib
import re
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Sequence, Tuple

from assistant.settings import get_settings
from assistant.text import places
from assistant.text.normalize import fold, nfc

# Pass as province_code to look in every province instead of PETITION_PROVINCE's.
ALL_PROVINCES = "*"

KINDS = ("xã", "phường", "đặc khu")

# Words a citizen may put before the name (folded), and the kind each one says (None: none).
# "thị trấn" no longer exists since July 2025, but people still write it.
_KIND_WORDS: Tuple[Tuple[Tuple[str, ...], str | None], ...] = (
    (("dac", "khu"), "đặc khu"),
    (("dk",), "đặc khu"),
    (("phuong",), "phường"),
    (("ph",), "phường"),
    (("p",), "phường"),
    (("xa",), "xã"),
    (("x",), "xã"),
    (("thi", "tran"), None),
    (("tt",), None),
)
_OFFICE_WORDS = (("uy", "ban", "nhan", "dan"), ("ubnd",))
_PROVINCE_WORDS = (("thanh", "pho"), ("tp",), ("tinh",))
_MARKERS = frozenset(
    [words for words, _ in _KIND_WORDS] + list(_OFFICE_WORDS) + list(_PROVINCE_WORDS)
)

# Misspelt names: the least similarity (difflib ratio, names without spaces) to be offered.
_FUZZY_CUTOFF = 0.85


# (words of the name, kind written before it, province written after it), folded.
_Reading = Tuple[Tuple[str, ...], str | None, str | None]


@dataclass(frozen=True)
class Province:
    code: str
    name: str  # "Thành phố Cần Thơ", "Tỉnh An Giang"


@dataclass(frozen=True)
class Commune:
    """A commune-level unit: a xã, a phường or a đặc khu."""

    code: str  # "31135"
    name: str  # "Phường Ninh Kiều"
    kind: str  # one of KINDS
    province_code: str  # "92"
    province_name: str  # "Thành phố Cần Thơ"

    @property
    def short_name(self) -> str:
        """The name without its kind: "Ninh Kiều"."""
        return self.name[len(self.kind) + 1 :]


@dataclass(frozen=True)
class _Entry:
    unit: Commune
    key: str  # folded short name, words separated by one space: "ninh kieu"
    compact: str  # the same without spaces: "ninhkieu"


@dataclass(frozen=True)
class _Data:
    provinces: Tuple[Province, ...]
    by_province: Dict[str, Tuple[_Entry, ...]]
    everywhere: Tuple[_Entry, ...]
    by_code: Dict[str, Commune]
    province_keys: Tuple[Tuple[Tuple[str, ...], str], ...]  # (("can", "tho"), "92")


def provinces() -> List[Province]:
    """The 34 provinces and centrally-run cities, by code."""
    return list(_data().provinces)


def communes(province_code: str | int | None = None) -> List[Commune]:
    """The communes of a province (default: PETITION_PROVINCE; ALL_PROVINCES: every one)."""
    return [entry.unit for entry in _entries(province_code)]


def get_commune(code: str | int) -> Commune | None:
    """The commune with this code ("31135" or 31135), or None."""
    text = str(code).strip()
    return _data().by_code.get(text.zfill(5) if text.isdigit() else text)


def match_commune(text: str, province_code: str | int | None = None) -> List[Commune]:
    """The communes a citizen's words name, best first; empty when none fits.

    Looks in PETITION_PROVINCE's communes unless ``province_code`` says another province or
    ALL_PROVINCES. Only the best kind of match is returned, so one result is an answer and
    several are a question to ask back:

    1. the name itself, diacritics, case, spaces and punctuation aside ("ninh kieu",
       "ninhkieu"), of the kind the citizen wrote if any. Several when the name is shared
       (across provinces: "Phong Điền" is a xã of Cần Thơ and a phường of Huế).
    2. When the name exists only with another kind than written ("phường Long Phú", a xã),
       that commune and the ones of the written kind whose name starts with those words
       ("Phường Long Phú 1").
    3. The communes whose name starts with the words ("thoi an": Thới An Đông, Thới An Hội).
    4. Misspelt names close enough to one ("cai rag").
    """
    entries = _entries(province_code)
    readings = _readings(text)
    if not entries or not readings:
        return []
    tiers: Dict[str, int] = {}
    for words, kind, province in readings:
        query, compact = " ".join(words), "".join(words)
        for entry in entries:
            unit = entry.unit
            if province is not None and unit.province_code != province:
                continue
            if entry.key == query or entry.compact == compact:
                tier = 0
            elif entry.key.startswith(query + " "):
                tier = 2
            else:
                continue
            if kind is not None and unit.kind != kind:
                tier += 1
            tiers[unit.code] = min(tier, tiers.get(unit.code, tier))
    if tiers:
        best = min(tiers.values())
        wanted = {0: (0,), 1: (1, 2), 2: (2,), 3: (3,)}[best]
        found = [e.unit for e in entries if tiers.get(e.unit.code) in wanted]
        return sorted(found, key=lambda u: (tiers[u.code], u.province_code, u.code))
    return _fuzzy(entries, readings)


def _fuzzy(entries: Sequence[_Entry], readings: List[_Reading]) -> List[Commune]:
    if any(province is not None for _, _, province in readings):
        # "Phong Điền, Huế" is close to no name of Cần Thơ's, however close "phongdienhue" is
        # to "phongdien": a province named at the end is always read as one here.
        readings = [reading for reading in readings if reading[2] is not None]
    scores: Dict[str, float] = {}
    for words, kind, province in readings:
        compact = "".join(words)
        if len(compact) < 4:
            continue
        matcher = difflib.SequenceMatcher(b=compact, autojunk=False)
        for entry in entries:
            unit = entry.unit
            if province is not None and unit.province_code != province:
                continue
            matcher.set_seq1(entry.compact)
            if matcher.real_quick_ratio() < _FUZZY_CUTOFF or matcher.quick_ratio() < _FUZZY_CUTOFF:
                continue
            score = matcher.ratio()
            if score < _FUZZY_CUTOFF:
                continue
            if kind is not None and unit.kind != kind:
                score -= 0.01  # the written kind breaks ties
            scores[unit.code] = max(score, scores.get(unit.code, score))
    by_code = {e.unit.code: e.unit for e in entries}
    return [by_code[code] for code in sorted(scores, key=lambda c: (-scores[c], c))]


def _readings(text: str) -> List[_Reading]:
    """Every way to read the text as [office] [kind] name [province]; the name never empty.

    Every reading is kept, the plain one included, because the words that announce a kind or
    a province are also words of names: "Xã Phương Bình", "Xã Xà Phiên", "Phường Khánh Hòa".
    """
    words = tuple(_key(text or "").split())
    if not words:
        return []
    bodies: List[Tuple[Tuple[str, ...], str | None]] = [(words, None)]
    for province_words, code in _data().province_keys:
        n = len(province_words)
        if len(words) > n and words[-n:] == province_words:
            rest = words[:-n]
            for marker in _PROVINCE_WORDS:
                if len(rest) > len(marker) and rest[-len(marker) :] == marker:
                    rest = rest[: -len(marker)]
                    break
            bodies.append((rest, code))
    readings: List[_Reading] = []
    for body, province in bodies:
        for office in _OFFICE_WORDS:
            if len(body) > len(office) and body[: len(office)] == office:
                body = body[len(office) :]
                break
        readings.append((body, None, province))
        for kind_words, kind in _KIND_WORDS:
            n = len(kind_words)
            if len(body) > n and body[:n] == kind_words:
                readings.append((body[n:], kind, province))
    # "xã" alone names nothing, although "Xà Phiên" starts with "xa".
    return [r for r in dict.fromkeys(readings) if r[0] not in _MARKERS]


def _key(text: str) -> str:
    """Folded words: "P.Ninh Kiều" → "p ninh kieu", "Ea H'Leo" → "ea h leo"."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


def _entries(province_code: str | int | None) -> Tuple[_Entry, ...]:
    data = _data()
    if province_code == ALL_PROVINCES:
        return data.everywhere
    if province_code is None:
        province_code = get_settings().petition_province
    code = str(province_code).strip()
    code = code.zfill(2) if code.isdigit() else code
    if code not in data.by_province:
        raise ValueError(f"unknown province code {province_code!r} (see provinces())")
    return data.by_province[code]


@lru_cache(maxsize=1)
def _data() -> _Data:
    with closing(places.connect()) as db:
        rows = db.execute(
            "SELECT provinceCode, province, wardCode, ward FROM admin_units"
            " ORDER BY provinceCode, wardCode"
        ).fetchall()
    province_names: Dict[str, str] = {}
    grouped: Dict[str, List[_Entry]] = {}
    by_code: Dict[str, Commune] = {}
    for province_code, province_name, code, raw_name in rows:
        name = " ".join(nfc(raw_name).split())
        province_name = " ".join(nfc(province_name).split())
        kind = next((k for k in KINDS if name.lower().startswith(k + " ")), None)
        if kind is None:
            raise ValueError(f"{places.PACKAGE}: no kind in commune name {name!r} ({code})")
        unit = Commune(str(code), name, kind, str(province_code), province_name)
        key = _key(unit.short_name)
        grouped.setdefault(unit.province_code, []).append(_Entry(unit, key, key.replace(" ", "")))
        province_names[unit.province_code] = province_name
        by_code[unit.code] = unit
    province_keys = []
    for code, name in province_names.items():
        words = tuple(_key(name).split())
        for marker in _PROVINCE_WORDS:
            if words[: len(marker)] == marker:
                words = words[len(marker) :]
                break
        province_keys.append((words, code))
    return _Data(
        provinces=tuple(Province(code, name) for code, name in sorted(province_names.items())),
        by_province={code: tuple(entries) for code, entries in grouped.items()},
        everywhere=tuple(entry for code in sorted(grouped) for entry in grouped[code]),
        by_code=by_code,
        province_keys=tuple(province_keys),
    )
