"""Vietnamese word segmentation with offsets, shared by Rasa, spaCy and the catalog search.

underthesea segments plain Vietnamese well but mangles everything else: it splits dossier
codes ("000.00.27", ".", "H13-240115-0001") and glues punctuation to words ("? mã"). So
protected pieces (codes, URLs, phones, dates, amounts) are cut out first, punctuation and
emoji are dropped, and only runs of letter syllables go to underthesea. Offsets always refer
to the caller's original string, even when it arrives in decomposed Unicode.

:func:`normalize_text` rebuilds the message from those pieces with abbreviations spelled out
(:mod:`assistant.text.lexicon`): the text as the NLU, the FAQ retrieval and the inbox read it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import List, Tuple

from assistant.text.lexicon import expand, expand_words
from assistant.text.normalize import PROTECTED_RE, has_diacritics, normalize_tones

_SYLLABLE_RUN_RE = re.compile(r"[^\W\d_]+(?:\s+[^\W\d_]+)*")
_OTHER_WORD_RE = re.compile(r"\w+")
# underthesea is linear but not free; a citizen pasting a 5,000-character text should not
# cost seconds, so beyond this many syllables a run is left as single syllables.
MAX_SEGMENTED_SYLLABLES = 400


@dataclass(frozen=True)
class Piece:
    text: str  # normalised form (NFC, modern tone marks, original case; syllables joined by " ")
    start: int  # offsets into the caller's original string
    end: int
    kind: str  # "word", or a protected kind: dossier_code, url, email, phone, date, amount, number


def nfc_with_offsets(text: str) -> Tuple[str, List[int]]:
    """NFC text plus, for each of its characters (and its end), the original offset."""
    if unicodedata.is_normalized("NFC", text):
        return text, list(range(len(text) + 1))
    out: List[str] = []
    offsets: List[int] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and unicodedata.combining(text[j]):
            j += 1
        for ch in unicodedata.normalize("NFC", text[i:j]):
            out.append(ch)
            offsets.append(i)
        i = j
    offsets.append(len(text))
    return "".join(out), offsets


@lru_cache(maxsize=20_000)
def _underthesea_words(run: str) -> Tuple[int, ...]:
    """Syllable counts of the words underthesea finds in a run of syllables."""
    from underthesea import word_tokenize  # heavy import, only when first needed

    return tuple(len(word.split()) for word in word_tokenize(run))


def _split_run(syllables: List[Tuple[str, int, int]]) -> List[List[Tuple[str, int, int]]]:
    """Group a run of syllables into words.

    underthesea is trained on text with diacritics; without them it glues syllables at
    random ("le phi ly lich" → "phi_ly", "lich_tu"), so such runs stay single syllables, and
    so does any teencode or abbreviation it glues to a neighbour ("cccd can" → "cccd_can").
    """
    run = " ".join(s[0] for s in syllables)
    if len(syllables) < 2 or len(syllables) > MAX_SEGMENTED_SYLLABLES or not has_diacritics(run):
        return [[s] for s in syllables]
    counts = _underthesea_words(run)
    if sum(counts) != len(syllables) or 0 in counts:
        return [[s] for s in syllables]  # underthesea rewrote the text: trust syllables
    groups, i = [], 0
    for n in counts:
        group = syllables[i : i + n]
        if n > 1 and any(expand(s[0]) for s in group):
            groups.extend([s] for s in group)
        else:
            groups.append(group)
        i += n
    return groups


def segment(text: str) -> List[Piece]:
    """Words and protected pieces of ``text`` in order, with original offsets."""
    if not text:
        return []
    normalized, offsets = nfc_with_offsets(text)
    normalized = normalize_tones(normalized)
    pieces: List[Piece] = []
    cursor = 0
    for match in PROTECTED_RE.finditer(normalized):
        pieces.extend(_segment_plain(normalized, offsets, cursor, match.start()))
        pieces.append(
            Piece(
                match.group(0), offsets[match.start()], offsets[match.end()], match.lastgroup or ""
            )
        )
        cursor = match.end()
    pieces.extend(_segment_plain(normalized, offsets, cursor, len(normalized)))
    return pieces


def _segment_plain(normalized: str, offsets: List[int], start: int, end: int) -> List[Piece]:
    pieces: List[Piece] = []
    chunk = normalized[start:end]
    pos = 0
    for run in _SYLLABLE_RUN_RE.finditer(chunk):
        pieces.extend(_other_words(chunk[pos : run.start()], offsets, start + pos))
        syllables = [
            (m.group(0), start + run.start() + m.start(), start + run.start() + m.end())
            for m in re.finditer(r"\S+", run.group(0))
        ]
        for group in _split_run(syllables):
            pieces.append(
                Piece(
                    " ".join(s[0] for s in group),
                    offsets[group[0][1]],
                    offsets[group[-1][2]],
                    "word",
                )
            )
        pos = run.end()
    pieces.extend(_other_words(chunk[pos:], offsets, start + pos))
    return pieces


def _other_words(chunk: str, offsets: List[int], base: int) -> List[Piece]:
    """Alphanumeric leftovers such as "H13" or "cccd2"; punctuation and emoji are dropped."""
    return [
        Piece(m.group(0), offsets[base + m.start()], offsets[base + m.end()], "word")
        for m in _OTHER_WORD_RE.finditer(chunk)
    ]


def normalize_text(text: str) -> str:
    """The message as the NLU reads it: NFC, modern tone marks, abbreviations spelled out.

    Dossier codes, numbers, phones, dates, amounts and URLs are copied untouched; so is
    everything between words (punctuation, spacing).
    """
    text, _ = nfc_with_offsets(text)
    out, cursor = [], 0
    for piece in segment(text):
        out.append(text[cursor : piece.start])
        if piece.kind == "word":
            out.append(expand_words(piece.text))
        else:
            out.append(text[piece.start : piece.end])
        cursor = piece.end
    out.append(text[cursor:])
    return "".join(out)
