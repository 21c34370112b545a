"""Training-time augmentation: every NLU example is also seen without diacritics.

Citizens type on phones without diacritics ("lam cccd o dau"). Rather than copying examples by
hand, a Rasa data importer adds, for each example written with diacritics, a copy with them
stripped by code. Stripping keeps every character position of NFC text, so entity spans stay
exact. Copies that would duplicate an existing example (of any intent) are skipped, so
``rasa data validate`` sees no conflicts.

Named in ``config.yml`` under ``importers:``; Rasa uses it for ``train`` and ``data validate``.
"""

from __future__ import annotations

import copy
from typing import Iterable, List

from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.text.normalize import has_diacritics, nfc, strip_diacritics


def stripped_copy(message: Message) -> Message | None:
    """The example without diacritics, entity spans kept; None when there is nothing to strip."""
    text = message.get(TEXT)
    if not text or not message.get("intent") or not has_diacritics(text):
        return None
    if nfc(text) != text:
        return None  # positions would move; the data is NFC, so this is only a safeguard
    stripped = strip_diacritics(text)
    data = copy.deepcopy(message.data)
    data[TEXT] = stripped
    entities = []
    for entity in data.get(ENTITIES) or []:
        entity = dict(entity)
        if entity.get("value") == text[entity["start"] : entity["end"]]:
            entity["value"] = stripped[entity["start"] : entity["end"]]
        entities.append(entity)
    if entities:
        data[ENTITIES] = entities
    return Message(data=data)


def augment(examples: Iterable[Message]) -> List[Message]:
    """The examples followed by their diacritic-free copies that are not duplicates."""
    examples = list(examples)
    seen = {m.get(TEXT) for m in examples}
    added = []
    for message in examples:
        extra = stripped_copy(message)
        if extra is not None and extra.get(TEXT) not in seen:
            seen.add(extra.get(TEXT))
            added.append(extra)
    return examples + added


class DiacriticAugmentingImporter(RasaFileImporter):
    """Rasa's file importer plus diacritic-free copies of the NLU examples."""

    def get_nlu_data(self, language: str | None = "en") -> TrainingData:
        data = super().get_nlu_data(language)
        return TrainingData(
            training_examples=augment(data.training_examples),
            entity_synonyms=data.entity_synonyms,
            regex_features=data.regex_features,
            lookup_tables=data.lookup_tables,
            responses=data.responses,
        )
