"""The repository's own FAQ (data/nlu/faq.yml) as the first rows of the FAQ table.

Run at every start: only keys not yet in the table are added, so an answer staff edited, or
an entry they switched off, is never brought back by the seed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Dict, List, Tuple

import yaml
from sqlalchemy.orm import Session

from assistant.faq.repository import FaqError, FaqRepository
from assistant.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

SEED_FAQ = PROJECT_ROOT / "data" / "nlu" / "faq.yml"


def read_seed(path: Path = SEED_FAQ) -> List[Tuple[str, List[str], str]]:
    """(key, examples, answer) for every ``faq/<key>`` intent that has a response."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    answers: Dict[str, str] = {}
    for name, variants in (data.get("responses") or {}).items():
        if name.startswith("utter_faq/") and variants and variants[0].get("text"):
            answers[name[len("utter_faq/") :]] = variants[0]["text"]
    found = []
    for item in data.get("nlu") or []:
        intent = str(item.get("intent") or "")
        if not intent.startswith("faq/"):
            continue
        key = intent[len("faq/") :]
        examples = [
            line.strip()[2:].strip()
            for line in str(item.get("examples") or "").splitlines()
            if line.strip().startswith("- ")
        ]
        if examples and key in answers:
            found.append((key, examples, answers[key]))
    return found


def import_seed(session: Session, path: Path = SEED_FAQ) -> int:
    """Adds the seed entries whose key is not in the table yet; returns how many."""
    repo = FaqRepository(session)
    created = 0
    for key, examples, answer in read_seed(path):
        if repo.by_key(key) is not None:
            continue
        try:
            repo.create(
                "system",
                examples[0],
                answer,
                paraphrases=examples[1:],
                source="seed",
                key=key,
            )
        except FaqError as error:
            # Staff may have written the same question under their own entry meanwhile.
            logger.warning("FAQ seed %s skipped: %s", key, error)
            continue
        created += 1
    return created
