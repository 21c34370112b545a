"""What a question asks, read from its wording: which fact of a procedure, or a kind of
question the catalog cannot answer (a yes/no on a particular case, a penalty, a calculation).

Pure functions over the folded text (no case, no diacritics, teencode spelled out), so the
same question typed with or without diacritics gets the same reading. The cues are phrases
people use to ask; a longer cue beats a shorter one ("mẫu tờ khai" is a form, not documents),
and the intent the NLU found is the fallback when no cue is present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Tuple

from assistant.text.normalize import fold
from assistant.text.segment import normalize_text

# The facts a catalog entry holds, as the answers name them.
ASPECTS = (
    "documents",
    "fee",
    "time",
    "place",
    "steps",
    "conditions",
    "form",
    "legal_basis",
    "result",
)
ASPECT_BY_INTENT = {
    "ask_documents": "documents",
    "ask_fee": "fee",
    "ask_processing_time": "time",
    "ask_where_to_submit": "place",
    "ask_procedure_overview": "steps",
}

# Cue phrases, folded. Each is matched on whole syllables.
_ASPECT_CUES: Dict[str, str] = {
    "documents": """giay to gi|giay to nao|giay to can|giay to gom|can giay to|nhung giay to
        |can nhung gi|can chuan bi|chuan bi gi|chuan bi nhung|chuan bi giay|ho so gom
        |ho so can|ho so nhu the nao|ho so ra sao|thanh phan ho so|bo ho so|mang theo
        |can mang|can nhung|can co gi|can gi|giay to|ho so nhung gi|can nop nhung|nop nhung gi
        |nop nhung giay|kem theo|ban sao|ban chinh|chung thuc giay""",
    "fee": """le phi|phi|bao nhieu tien|het bao nhieu|ton bao nhieu|mat bao nhieu tien
        |chi phi|mien phi|mat phi|nop tien|dong tien|tien phi|ton phi|muc thu|tra phi""",
    "time": """bao lau|may ngay|bao nhieu ngay|may thang|bao nhieu thang|bao nhieu lau
        |thoi gian giai quyet|thoi han giai quyet|thoi gian xu ly|thoi han xu ly
        |khi nao co|bao gio co|bao gio nhan|khi nao nhan|bao gio xong|khi nao xong
        |mat bao lau|trong bao lau|thoi gian cap|thoi han tra|lau khong|may hom
        |ngay lam viec""",
    "place": """o dau|noi nao|cho nao|co quan nao|nop o|den dau|dia chi|tai dau
        |o cho nao|lam o|nop tai|nop cho ai|noi nop|noi tiep nhan|cap nao giai quyet
        |don vi nao|ai giai quyet|tham quyen giai quyet|co quan co tham quyen
        |nop truc tuyen|nop online|lam online|truc tuyen duoc|online duoc|qua mang""",
    "steps": """nhu the nao|the nao|ra sao|cach nao|cac buoc|trinh tu|quy trinh|lam sao
        |huong dan|cach lam|thu tuc lam|tu a den z|bat dau tu dau|lam gi truoc|cach thuc""",
    "conditions": """dieu kien|yeu cau gi|yeu cau nao|tieu chuan|ai duoc|doi tuong nao
        |doi tuong duoc|can dap ung|phai dap ung|du dieu kien|yeu cau doi voi""",
    "form": """mau don|mau to khai|to khai|mau so|bieu mau|mau nao|dien mau|theo mau
        |don theo mau|mau giay|mau van ban|mau phieu|phieu de nghi|don de nghi mau
        |tai mau|lay mau|file mau|mau de nghi|mau bao cao""",
    "legal_basis": """can cu phap ly|can cu|van ban nao|nghi dinh nao|thong tu nao
        |luat nao|theo quy dinh nao|quy dinh o dau|van ban phap luat|van ban quy dinh
        |quy dinh tai van ban|co so phap ly|phap ly nao|dieu nao|quy dinh tai dau""",
    "result": """ket qua la gi|ket qua nhan|nhan duoc gi|duoc cap gi|duoc nhan gi
        |nhan lai gi|nhan ket qua la|ket qua giai quyet la|cap giay gi|ket qua thu tuc
        |ket qua cuoi cung|se nhan duoc|duoc cap nhung gi|giay gi|ket qua se la|phieu gi
        |nhan duoc phieu|nhan duoc giay|cuoi cung nhan|duoc cap phieu|nhan duoc cai gi
        |nhan lai giay|nhan lai cai gi|tra lai giay gi|tra ve giay gi""",
}

# Kinds of question the catalog cannot answer (it holds facts, not rulings on a case).
_UNANSWERABLE_CUES: Dict[str, str] = {
    "penalty": """bi phat|xu phat|muc phat|phat bao nhieu|phat tien|xu ly vi pham
        |bi xu ly|che tai|bi truy cuu|phat nhu the nao|bi phat khong""",
    "calculation": """tinh thue|tinh tien|cach tinh|tinh nhu the nao|duoc tinh|tinh the nao
        |phai nop bao nhieu|phai dong bao nhieu|duoc boi thuong|duoc huong bao nhieu
        |bao nhieu phan tram|muc huong|duoc nhan bao nhieu|tien boi thuong|thue bao nhieu
        |bao nhieu thue|phai tra bao nhieu""",
    "legal": """co bat buoc|bat buoc phai|co duoc phep|duoc phep khong|co hop phap|hop phap khong
        |co vi pham|vi pham khong|co dung quy dinh|dung quy dinh khong|co trai luat
        |truong hop nao|nhung truong hop|truong hop cua toi|truong hop nay|co quyen|quyen loi
        |tranh chap|khoi kien|kien ra toa|co hieu luc|con hieu luc|het han chua""",
    # A yes/no frame: a question about the person's case unless it asks a fact or an FAQ.
    "yes_no": """co duoc khong|duoc khong|co phai|phai khong|co can phai|co the duoc|co duoc""",
    "definition": """la gi|nghia la gi|hieu nhu the nao|khai niem|duoc hieu la""",
    "policy": """tai sao|vi sao|tai sao lai|ly do gi|co hop ly|bat cap|kien nghi sua""",
}
# A cue of a fact the catalog holds outweighs a yes/no frame around it: "làm căn cước có mất
# phí không" asks the fee, "có cần mang bản chính không" asks the documents.
_FACT_OVER_FRAME = frozenset({"fee", "time", "documents", "form", "place"})


def _compile(cues: Dict[str, str]) -> Tuple[Tuple[str, re.Pattern], ...]:
    compiled = []
    for name, text in cues.items():
        phrases = sorted({p.strip() for p in text.split("|") if p.strip()}, key=len, reverse=True)
        pattern = r"(?<![a-z0-9])(?:" + "|".join(re.escape(p) for p in phrases) + r")(?![a-z0-9])"
        compiled.append((name, re.compile(pattern)))
    return tuple(compiled)


_ASPECT_RES = _compile(_ASPECT_CUES)
_UNANSWERABLE_RES = _compile(_UNANSWERABLE_CUES)


@lru_cache(maxsize=20_000)
def folded(text: str) -> str:
    """The message folded as the cues are written: spelled out, no case or diacritics."""
    text = normalize_text(text or "")
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


def _longest(patterns, text: str) -> Dict[str, int]:
    """The length (in characters) of each kind's longest cue found in ``text``."""
    found: Dict[str, int] = {}
    for name, pattern in patterns:
        lengths = [len(m.group(0)) for m in pattern.finditer(text)]
        if lengths:
            found[name] = max(lengths)
    return found


@dataclass(frozen=True)
class QuestionType:
    aspect: str | None  # the catalog fact asked for, if any
    # penalty | calculation | legal | yes_no | definition | policy
    unanswerable: str | None
    cued: bool  # the aspect came from a cue in the text, not only from the intent

    @property
    def answerable(self) -> bool:
        return self.unanswerable is None


def read_question(text: str, intent: str | None = None) -> QuestionType:
    """Which fact ``text`` asks for, and whether it is a question the catalog cannot answer."""
    plain = folded(text)
    aspects = _longest(_ASPECT_RES, plain)
    kinds = _longest(_UNANSWERABLE_RES, plain)
    aspect = None
    if aspects:
        # Longest cue first; on a tie the earlier aspect in ASPECTS (the commoner question).
        aspect = max(ASPECTS, key=lambda a: (aspects.get(a, 0), -ASPECTS.index(a)))
    cued = aspect is not None
    if aspect is None:
        aspect = ASPECT_BY_INTENT.get(intent or "")
    if cued:
        kinds.pop("definition", None)  # "điều kiện là gì" asks the conditions
    if cued and aspect in _FACT_OVER_FRAME:
        kinds.pop("yes_no", None)  # "làm căn cước có mất phí không" asks the fee
    if aspect == "fee" and _QUANTITY.search(plain):
        # "100 m2 … bao nhiêu tiền", "xe 500 triệu … bao nhiêu": the sum depends on the case.
        kinds.setdefault("calculation", 0)
    unanswerable = None
    if kinds:
        unanswerable = max(kinds, key=lambda k: (kinds[k], k != "yes_no"))
    return QuestionType(aspect, unanswerable, cued)


# An area, a length or a sum of money given in the question (folded: "100m2", "100 m",
# "3 sao", "500 trieu", "2 ty").
_QUANTITY = re.compile(r"\b\d+(?: \d+)? ?(?:m2|m|met vuong|ha|hecta|sao|trieu|tr|ty|nghin|ngan)\b")


_SENTENCE_END = re.compile(r"(?<=[.?!;])\s+|\n+")


def focus_of(text: str) -> str:
    """The sentence that asks: in a letter with background ("Tôi sinh con năm 2020 …. Xin
    hỏi …?"), the last one with a question mark or a cue of what is asked; else the last."""
    sentences = [s.strip() for s in _SENTENCE_END.split(text or "") if s.strip()]
    if len(sentences) <= 1:
        return (text or "").strip()
    for sentence in reversed(sentences):
        plain = folded(sentence)
        if "?" in sentence or any(p.search(plain) for _, p in _ASPECT_RES):
            return sentence
    return sentences[-1]
