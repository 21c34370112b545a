"""Petition categories and the units they are assigned to, from YAML.

The defaults ship in ``defaults.yml`` next to this module; ``PETITIONS_CONFIG`` names a file
whose ``categories`` and/or ``units`` replace them. The file is read on first use (never at
import) and again only when its path or modification time changes. Every problem is a
:class:`ValueError` naming the file and the entry, so a typo stops the server with a sentence
an operator can act on rather than a KeyError deep inside a chat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml

from assistant.settings import get_settings
from assistant.text.normalize import fold

DEFAULTS = Path(__file__).resolve().parent / "defaults.yml"
KEY_RE = re.compile(r"^[a-z0-9_]{1,32}$")
MAX_DAYS = 365


@dataclass(frozen=True)
class Unit:
    key: str
    name: str


@dataclass(frozen=True)
class Category:
    key: str
    name: str
    days: int  # calendar days from submission to the due date
    unit: str  # the default unit's key
    group: str
    description: str
    keywords: Tuple[str, ...]  # as written in the file


@dataclass(frozen=True)
class PetitionConfig:
    categories: Tuple[Category, ...]
    units: Tuple[Unit, ...]
    # (folded keyword pattern, weight = words in the keyword, category key)
    matchers: Tuple[Tuple[re.Pattern, int, str], ...]


def categories() -> List[Category]:
    return list(_config().categories)


def category(key: str) -> Category | None:
    return next((c for c in _config().categories if c.key == key), None)


def units() -> List[Unit]:
    return list(_config().units)


def unit(key: str) -> Unit | None:
    return next((u for u in _config().units if u.key == key), None)


def match_category(text: str) -> Category | None:
    """The category whose keywords best cover ``text``, ignoring case and diacritics.

    Each keyword found on word boundaries scores its number of words, so "đèn tín hiệu" (3)
    outweighs a stray "đèn đường" (2); ties go to the category listed first. None when no
    keyword matches: the chat then asks the citizen to choose.
    """
    folded = " ".join(fold(text or "").split())
    if not folded:
        return None
    scores: Dict[str, int] = {}
    for pattern, weight, key in _config().matchers:
        if pattern.search(folded):
            scores[key] = scores.get(key, 0) + weight
    if not scores:
        return None
    order = [c.key for c in _config().categories]
    best = max(scores.items(), key=lambda item: (item[1], -order.index(item[0])))[0]
    return category(best)


def _config() -> PetitionConfig:
    path = get_settings().petitions_config
    stamp = path.stat().st_mtime_ns if path is not None and path.exists() else 0
    return _load(str(path) if path is not None else "", stamp)


@lru_cache(maxsize=4)
def _load(path: str, _stamp: int) -> PetitionConfig:
    raw = _read(DEFAULTS)
    if path:
        override = _read(Path(path))
        unknown = set(override) - {"categories", "units"}
        if unknown:
            raise ValueError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}")
        raw.update(override)
    return parse(raw, path or str(DEFAULTS))


def _read(path: Path) -> Dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ValueError(f"{path}: cannot read the petitions configuration ({error})") from None
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping with `categories` and `units`")
    return data


def parse(raw: Dict[str, Any], source: str = "petitions configuration") -> PetitionConfig:
    """Check and build the configuration; every error names ``source`` and the entry."""
    units_ = tuple(_unit(entry, i, source) for i, entry in enumerate(_list(raw, "units", source)))
    _unique([u.key for u in units_], "unit", source)
    unit_keys = {u.key for u in units_}
    categories_ = tuple(
        _category(entry, i, source, unit_keys)
        for i, entry in enumerate(_list(raw, "categories", source))
    )
    _unique([c.key for c in categories_], "category", source)
    matchers = []
    for c in categories_:
        for keyword in dict.fromkeys(" ".join(fold(k).split()) for k in c.keywords):
            pattern = re.compile(rf"(?<!\w){re.escape(keyword)}(?!\w)")
            matchers.append((pattern, len(keyword.split()), c.key))
    return PetitionConfig(categories_, units_, tuple(matchers))


def _list(raw: Dict[str, Any], section: str, source: str) -> List[Any]:
    entries = raw.get(section)
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{source}: `{section}` must be a non-empty list")
    return entries


def _text(entry: Dict[str, Any], name: str, where: str, required: bool = True) -> str:
    value = entry.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValueError(f"{where}: `{name}` must be text")
    value = " ".join(value.split())
    if required and not value:
        raise ValueError(f"{where}: `{name}` is missing")
    return value


def _key(entry: Any, kind: str, index: int, source: str) -> Tuple[str, str]:
    if not isinstance(entry, dict):
        raise ValueError(f"{source}: {kind} #{index + 1} must be a mapping")
    key = entry.get("key")
    where = f"{source}: {kind} {key!r}" if key else f"{source}: {kind} #{index + 1}"
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise ValueError(f"{where}: `key` must be 1-32 characters a-z, 0-9 or _")
    return key, where


def _unit(entry: Any, index: int, source: str) -> Unit:
    key, where = _key(entry, "unit", index, source)
    return Unit(key, _text(entry, "name", where))


def _category(entry: Any, index: int, source: str, unit_keys: set) -> Category:
    key, where = _key(entry, "category", index, source)
    days = entry.get("days")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValueError(f"{where}: `days` must be a whole number of days from 1 to {MAX_DAYS}")
    unit_key = _text(entry, "unit", where)
    if unit_key not in unit_keys:
        raise ValueError(f"{where}: unit {unit_key!r} is not one of the configured units")
    keywords = entry.get("keywords") or []
    if not isinstance(keywords, list) or not all(
        isinstance(k, str) and fold(k).strip() for k in keywords
    ):
        raise ValueError(f"{where}: `keywords` must be a list of non-empty texts")
    name = _text(entry, "name", where)
    return Category(
        key=key,
        name=name,
        days=days,
        unit=unit_key,
        group=_text(entry, "group", where, required=False) or name,
        description=_text(entry, "description", where, required=False),
        keywords=tuple(" ".join(k.split()) for k in keywords),
    )


def _unique(keys: List[str], kind: str, source: str) -> None:
    seen = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{source}: {kind} key {key!r} is used twice")
        seen.add(key)
