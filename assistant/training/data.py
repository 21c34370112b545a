"""The training data of a staff retrain: the repository's data/ plus what staff keep in the
database (FAQ entries, example sentences filed from the inbox).

The FAQ comes from the database, not from data/nlu/faq.yml (which only seeds the table), and
data/catalog/ stays out: the catalog is searched live, it is not training data. Staff edits
are only read here, so a failed or interrupted training cannot lose them.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from pathlib import Path
from typing import Dict, Iterable, List

import yaml
from sqlalchemy.orm import Session

from assistant.db.models import TrainingExample
from assistant.heldout import held_out_index, refusal
from assistant.inbox.examples import TrainingExampleRepository
from assistant.modelstore import FEATURE_CODE
from assistant.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

SOURCE = PROJECT_ROOT / "data"
EXCLUDED = ("nlu/faq.yml", "catalog")
STAFF_FAQ = "staff_faq.yml"
STAFF_EXAMPLES = "staff_examples.yml"

# Rasa reads "[text](entity)" and "[text]{...}" inside examples as entity annotations.
_MARKUP = re.compile(r"[\[\]()]")
_SPACES = re.compile(r"\s+")
_LEADING = re.compile(r"^[-#\s]+")


def safe_text(text: str) -> str:
    """One line without Rasa's entity markup characters ("[a](b)" would become an entity),
    and without a leading "-" or "#" (eaten as a list marker, read as a comment)."""
    return _LEADING.sub("", _SPACES.sub(" ", _MARKUP.sub(" ", text or ""))).strip()


def _ignore(directory: str, names: List[str]) -> List[str]:
    relative = Path(directory).resolve().relative_to(SOURCE.resolve())
    return [
        name
        for name in names
        if (relative / name).as_posix() in EXCLUDED or name in ("__pycache__", ".DS_Store")
    ]


def _domain_intents() -> set:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8")) or {}
    return {i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents") or []}


def _existing_texts(directory: Path) -> set:
    """Every example text already in the data, whatever its intent."""
    from rasa.shared.data import get_data_files, is_nlu_file
    from rasa.shared.nlu.training_data.loading import load_data

    texts = set()
    for path in get_data_files([str(directory)], is_nlu_file):
        texts.update(m.get("text") for m in load_data(path).training_examples)
    return texts


def staff_examples(
    rows: Iterable[TrainingExample], intents: set, faq_keys: set, existing: set
) -> Dict[str, List[str]]:
    """Example texts by intent, made safe, without duplicates of the data or of each other;
    rows under an intent the domain does not know are left out (the model could not answer
    them), and so are near-copies of a sentence the candidate is scored on."""
    out: Dict[str, List[str]] = {}
    seen = set(existing)
    for row in rows:
        text = safe_text(row.text)
        known = row.intent in intents or (
            row.intent.startswith("faq/") and row.intent[4:] in faq_keys
        )
        if not text or not known or text in seen:
            if text and not known:
                logger.warning(
                    "Training example %s: unknown intent %r left out", row.id, row.intent
                )
            continue
        overlap = held_out_index().too_close(text)
        if overlap is not None:  # filed before the check, or the scored sets grew since
            logger.warning("Training example %s left out: %s", row.id, refusal(overlap))
            continue
        seen.add(text)
        out.setdefault(row.intent, []).append(text)
    return out


def _nlu_yaml(examples: Dict[str, List[str]]) -> str:
    return yaml.safe_dump(
        {
            "version": "3.1",
            "nlu": [
                {"intent": intent, "examples": "".join(f"- {text}\n" for text in texts)}
                for intent, texts in sorted(examples.items())
            ],
        },
        allow_unicode=True,
        sort_keys=False,
        width=10_000,
    )


def build_training_data(session: Session, target_dir: Path | str) -> Path:
    """Write the training data into ``target_dir`` (created; must not exist or be empty)."""
    from assistant.faq.seed import import_seed
    from assistant.faq.training import faq_training_data

    target = Path(target_dir)
    if target.exists() and any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SOURCE, target, ignore=_ignore, dirs_exist_ok=True)

    import_seed(session)  # the seed FAQs are in the table before it is read
    session.flush()
    faq = faq_training_data(session)
    (target / STAFF_FAQ).write_text(
        yaml.safe_dump(faq, allow_unicode=True, sort_keys=False, width=10_000), encoding="utf-8"
    )
    faq_keys = {
        item["intent"].split("/", 1)[1] for item in faq.get("nlu") or [] if "/" in item["intent"]
    }
    rows = TrainingExampleRepository(session).all_active()
    examples = staff_examples(rows, _domain_intents(), faq_keys, _existing_texts(target))
    (target / STAFF_EXAMPLES).write_text(_nlu_yaml(examples), encoding="utf-8")
    logger.info(
        "Training data in %s: %d FAQ entries, %d staff examples",
        target,
        len(faq_keys),
        sum(len(v) for v in examples.values()),
    )
    return target


def data_fingerprint(data_dir: Path) -> str:
    """What shaped a candidate: its data, config.yml, domain.yml and the feature code."""
    digest = hashlib.sha256()
    files = sorted(p for p in Path(data_dir).rglob("*") if p.is_file())
    files += [PROJECT_ROOT / "config.yml", PROJECT_ROOT / "domain.yml"]
    for code in FEATURE_CODE:
        files += sorted((PROJECT_ROOT / code).glob("*.py"))
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
