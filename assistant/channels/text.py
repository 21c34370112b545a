"""Cutting long answers into messages a channel accepts (shared by Zalo and Messenger)."""

from __future__ import annotations

import re
from typing import Callable, List

Length = Callable[[str], int]


def utf16_length(text: str) -> int:
    """Length in UTF-16 units, as JavaScript-based APIs count it (an emoji counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def _hard_cut(word: str, limit: int, length: Length) -> List[str]:
    pieces, current = [], ""
    for char in word:
        if length(current + char) > limit:
            pieces.append(current)
            current = ""
        current += char
    return pieces + [current] if current else pieces


def _pack(pieces: List[str], limit: int, length: Length) -> List[str]:
    """Greedily join consecutive pieces (each within the limit) into chunks within it."""
    chunks, current = [], ""
    for piece in pieces:
        if current and length(current + piece) > limit:
            chunks.append(current)
            current = ""
        current += piece
    return chunks + [current] if current else chunks


def split_text(text: str, limit: int, length: Length = len) -> List[str]:
    """``text`` as messages of at most ``limit`` (by ``length``), in order: cut between lines,
    a line longer than the limit between words, a word longer than that anywhere."""
    if not text or not text.strip():
        return []
    if length(text) <= limit:
        return [text.strip()]
    chunks: List[str] = []
    lines: List[str] = []
    for line in text.splitlines(keepends=True):
        if length(line) <= limit:
            lines.append(line)
            continue
        chunks.extend(_pack(lines, limit, length))  # a long line starts a message of its own
        lines = []
        words: List[str] = []
        for word in re.findall(r"\S+\s*|\s+", line):
            words.extend(_hard_cut(word, limit, length) if length(word) > limit else [word])
        packed = _pack(words, limit, length)
        chunks.extend(packed[:-1])
        lines = packed[-1:]
    chunks.extend(_pack(lines, limit, length))
    return [chunk.strip() for chunk in chunks if chunk.strip()]
