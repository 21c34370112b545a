"""How a citizen's question is read before the catalog is searched.

Folded syllables with abbreviations spelled out; the catalog's wording added for everyday
names ("sổ đỏ") and for what happened to a paper ("bị mất" → "cấp lại", see ``acts``); a
nationality read as the foreign element; the one age the question states. Pure functions, no
database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from assistant.catalog.acts import EVENTS, lost_first
from assistant.text.lexicon import expand_tokens
from assistant.text.normalize import PROTECTED_RE, fold, nfc

EVERYDAY_FILE = Path(__file__).resolve().parents[2] / "data" / "catalog" / "everyday.yml"

# Words that ask *about* a procedure rather than name one (folded). They still count inside
# an alias phrase match, but never make a procedure look mentioned on their own.
STOPWORDS = frozenset(
    fold(w)
    for w in """
    thủ tục cần những gì giấy tờ lệ phí phí bao nhiêu tiền mất bao lâu thời gian nộp ở đâu
    như thế nào sao làm muốn hỏi xin cho tôi em mình bạn anh chị ad admin ạ ơi vậy thì còn
    được không có là của và các một thế nào bước hướng dẫn ạ nhé với giúp biết hiện nay
    nay bây giờ ai đâu chỗ nơi nào khi bao giờ xong hả à nha đi phải rồi the này đó ấy
    """.split()
)


# Everyday names of the things procedures are about, spelled as the catalog names them.
# Added to a question that uses them, so "cấp lại sổ đỏ" also says what the names say.
SYNONYMS = {
    "so do": "giay chung nhan quyen su dung dat",
    "so hong": "giay chung nhan quyen su dung dat quyen so huu nha o",
    "bang lai": "giay phep lai xe",
    "ho khau": "thuong tru",
    "lay vo": "ket hon",
    "lay chong": "ket hon",
    "giay phep kinh doanh": "giay chung nhan dang ky kinh doanh",
    "con nuoi": "nuoi con nuoi",
    "xay nha": "xay dung nha o",
    "sua nha": "sua chua nha o",
    "sang ten": "chuyen nhuong",
    "ca vet": "chung nhan dang ky xe",
    "cavet": "chung nhan dang ky xe",
    "the chap": "bien phap bao dam",
    "giai chap": "xoa dang ky bien phap bao dam",
    "tach so": "tach thua",
    "len tho cu": "chuyen muc dich su dung dat",
    "dang kiem": "kiem dinh an toan ky thuat xe co gioi",
    "visa": "thi thuc",
    "e visa": "thi thuc dien tu",
    "evisa": "thi thuc dien tu",
    "nghi om": "che do om dau",
    "cong chung bang": "chung thuc ban sao",
    "cong chung ban sao": "chung thuc ban sao",
    "cong chung giay to": "chung thuc ban sao",
    "photo cong chung": "chung thuc ban sao",
    "mo cong ty": "thanh lap cong ty",
    "mo doanh nghiep": "thanh lap doanh nghiep",
    "lap cong ty": "thanh lap cong ty",
    "nop lai bien": "thu hoi bien so",
    "tra lai bien": "thu hoi bien so",
    "tra bien": "thu hoi bien so",
}

# Kinds the catalog names more generally: a company is one kind of enterprise.
KINDS = {"cong ty": "doanh nghiep"}


@dataclass(frozen=True)
class Analysis:
    syllables: Tuple[str, ...]  # folded, abbreviations expanded

    def terms(self) -> List[str]:
        # Syllables and syllable pairs only. Underthesea's compound words used to be terms
        # too, but it segments text without diacritics differently, so the same question
        # typed both ways scored differently (the same outcome for 94 % of pairs, 97.5 %
        # without them, on the answer development set; accuracy unchanged).
        s = self.syllables
        return [*s, *(f"{a} {b}" for a, b in zip(s, s[1:]))]


_SYLLABLE = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=4096)
def analyse_text(text: str) -> Analysis:
    """Folded syllables, abbreviations spelled out; punctuation, numbers, codes, phones,
    dates and amounts out (no word segmentation: syllables are what the index uses)."""
    text = nfc(text)
    kept = PROTECTED_RE.sub(" ", text)
    tokens = expand_tokens([match.group(0) for match in _SYLLABLE.finditer(kept)])
    return Analysis(tuple(fold(" ".join(tokens)).split()))


def read_everyday(path: Path = EVERYDAY_FILE) -> Dict[str, str]:
    """``data/catalog/everyday.yml``: the everyday words of many fields ("heo", "thuốc trừ
    sâu", "tiền rách") and the catalog's wording of each, folded, as SYNONYMS has them."""
    if not path.exists():
        return {}
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    table = {}
    for entry in entries:
        said, wording = _words(entry["everyday"]), _words(entry["catalog"])
        if said and wording and said != wording:
            table[said] = wording
    return table


def _words(text: str) -> str:
    return " ".join(analyse_text(text).syllables)


EVERYDAY = read_everyday()


# A spouse, parent or applicant of another nationality is the "foreign element" (yếu tố
# nước ngoài) that separates many procedures from their domestic twins.
_FOREIGN_PHRASES = tuple(
    " ".join(p.split())
    for p in """han quoc|nhat ban|trung quoc|dai loan|thai lan|campuchia|singapore|malaysia
    |an do|hoa ky|canada|australia|nguoi han|nguoi nhat|nguoi trung|nguoi my|nguoi uc
    |nguoi phap|nguoi duc|nguoi nga|nguoi lao|nguoi tay|nguoi an do|ngoai quoc|viet kieu
    |quoc tich my|quoc tich uc|quoc tich phap|quoc tich duc|quoc tich han|quoc tich nhat
    |quoc tich trung|nuoc uc|nuoc phap|nuoc duc|nuoc my|nuoc nga|nuoc lao|o lao""".split("|")
)


def expand_synonyms(analysis: Analysis) -> Analysis:
    """The question with the catalog's wording of its everyday names added at the end."""
    joined = " " + " ".join(analysis.syllables) + " "
    # An everyday name is said with or without the passive "bị": "tiền bị rách" is "tiền
    # rách". (EVENTS are keyed with it: "bị mất".)
    passive_out = joined.replace(" bi ", " ")
    extra = [
        syllable
        for table, texts in (
            (SYNONYMS, (joined, passive_out)),
            (EVERYDAY, (joined, passive_out)),
            (EVENTS, (joined,)),
            (KINDS, (joined,)),
        )
        for phrase, wording in table.items()
        if any(f" {phrase} " in text for text in texts)
        for syllable in wording.split()
    ]
    if lost_first(analysis.syllables, joined):
        extra.extend(EVENTS["bi mat"].split())
    if " nuoc ngoai " not in joined and any(f" {p} " in joined for p in _FOREIGN_PHRASES):
        extra.extend(["nuoc", "ngoai"])
    # Where the applicant is says where it is filed: "đang ở Việt Nam" is "ở trong nước"
    # (names such as "Nhập quốc tịch Việt Nam ở trong nước" / "… ở nước ngoài").
    if " o viet nam " in joined and " trong nuoc " not in joined:
        extra.extend(["o", "trong", "nuoc"])
    if not extra:
        return analysis
    return Analysis((*analysis.syllables, *extra))


def everyday_object(analysis: Analysis) -> frozenset:
    """The catalog's wording of the thing a text names in everyday words, when that is all
    it names ("sổ đỏ", "mở công ty"); empty when it says more ("làm sổ đỏ lần đầu")."""
    joined = " " + " ".join(analysis.syllables) + " "
    said = {s for s in analysis.syllables if s not in STOPWORDS}
    wording: set = set()
    for phrase, words in SYNONYMS.items():
        if f" {phrase} " in joined:
            said -= set(phrase.split())
            wording |= set(words.split())
    return frozenset(wording) if wording and not said else frozenset()


# Age bounds in a name ("dưới 14 tuổi", "từ đủ 14 tuổi trở lên") and the age a question
# states ("con 10 tuổi", "bé 8 tháng tuổi"): a procedure whose bound excludes it is not meant.
_AGE_UNDER = re.compile(r"\bduoi (\d{1,3}) tuoi")
_AGE_FROM = re.compile(r"\btu (?:du )?(\d{1,3}) tuoi")
_AGE_SAID = re.compile(r"\b(\d{1,3}) ?(tuoi|thang tuoi)\b")
_NEWBORN = re.compile(r"\b(so sinh|moi sinh|moi de)\b")  # a newborn is 0 years old


def age_bounds(name: str) -> Tuple[int | None, int | None]:
    """(lowest age admitted, first age no longer admitted) as the name states them."""
    folded_name = fold(nfc(name))
    under = _AGE_UNDER.search(folded_name)
    start = _AGE_FROM.search(folded_name)
    return (int(start.group(1)) if start else None, int(under.group(1)) if under else None)


def age_said(text: str) -> int | None:
    """The one age a question states, in years (months count as 0); None if none or several."""
    folded = fold(nfc(text))
    ages = {0 if unit.startswith("thang") else int(n) for n, unit in _AGE_SAID.findall(folded)}
    if _NEWBORN.search(folded):
        ages.add(0)
    return ages.pop() if len(ages) == 1 else None


def admits(bounds: Tuple[int | None, int | None], age: int) -> bool:
    low, high = bounds
    return (low is None or age >= low) and (high is None or age < high)
