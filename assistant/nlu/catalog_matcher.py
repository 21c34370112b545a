"""spaCy finds procedure names and aliases in messages; the patterns come from the catalog.

A blank spaCy ``vi`` pipeline is given our segmenter as its tokenizer: each token is one
syllable, folded into ``NORM`` (no case, no diacritics, abbreviations expanded), and flagged
with whether it starts or ends an underthesea word. A ``PhraseMatcher`` on ``NORM`` is built
from every procedure name and alias in the catalog and rebuilt when the catalog revision
changes (the catalog service keeps it live, :meth:`CatalogService.live_phrases`), so a
procedure imported or aliased by staff is recognised without retraining. A match
that would start or end in the middle of an underthesea word ("sinh" inside "học sinh") is
dropped; that check is skipped for text typed without diacritics, where segmentation is weak.

The Rasa component wraps it as an entity extractor emitting ``procedure`` entities whose value
is the matched span; the action resolves that span against the catalog.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Sequence, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from assistant.db.live import LiveValue
from assistant.text.lexicon import expand_words
from assistant.text.normalize import fold, has_diacritics
from assistant.text.segment import segment

MIN_PATTERN_SYLLABLES = 2  # one syllable ("hộ", "đất") names nothing on its own
# A DIET guess beside a span the catalog grounds is kept only when DIET is this sure of it.
SURE_BESIDE_CATALOG = 0.8


class SyllableTokenizer:
    """spaCy tokenizer: our segmentation, one token per syllable, word edges as extensions."""

    def __init__(self, vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str):
        from spacy.tokens import Doc

        words: List[str] = []
        norms: List[str] = []
        starts: List[bool] = []
        ends: List[bool] = []
        spaces: List[bool] = []
        offsets: List[Tuple[int, int]] = []
        for piece in segment(text):
            if piece.kind != "word":
                continue
            # An abbreviation becomes one token per spelled-out syllable ("cccd" → "căn cước
            # công dân") so that patterns written in full still match; all of them point at
            # the span of the original piece.
            syllables = expand_words(piece.text).split()
            spans = [
                (piece.start + m.start(), piece.start + m.end())
                for m in re.finditer(r"\S+", text[piece.start : piece.end])
            ]
            if len(spans) != len(syllables):
                spans = [(piece.start, piece.end)] * len(syllables)
            for i, (syllable, span) in enumerate(zip(syllables, spans)):
                words.append(syllable)
                norms.append(fold(syllable))
                starts.append(i == 0)
                ends.append(i == len(syllables) - 1)
                spaces.append(True)
                offsets.append(span)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        for token, norm, start, end, offset in zip(doc, norms, starts, ends, offsets):
            token.norm_ = norm
            token._.word_start = start
            token._.word_end = end
            token._.span = offset
        return doc


def _ensure_extensions() -> None:
    from spacy.tokens import Token

    for name, default in (("word_start", True), ("word_end", True), ("span", (0, 0))):
        if not Token.has_extension(name):
            Token.set_extension(name, default=default)


class CatalogMatcher:
    """PhraseMatcher over catalog names and aliases; knows which procedure each phrase names."""

    def __init__(self, phrases: Sequence[Tuple[str, str]]) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher

        _ensure_extensions()
        # use_pyvi=False: spaCy's own vi tokenizer would import pyvi; ours replaces it anyway.
        self.nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})
        self.nlp.tokenizer = SyllableTokenizer(self.nlp.vocab)
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="NORM")
        self.codes: Dict[str, set] = {}
        for code, phrase in phrases:
            doc = self.nlp.make_doc(phrase)
            if len(doc) < MIN_PATTERN_SYLLABLES:
                continue
            key = " ".join(t.norm_ for t in doc)
            if key not in self.codes:
                self.codes[key] = set()
                self.matcher.add(key, [doc])
            self.codes[key].add(code)

    def __len__(self) -> int:
        return len(self.codes)

    def find(self, text: str) -> List[Dict[str, Any]]:
        """Longest non-overlapping procedure mentions: start, end, value, codes."""
        doc = self.nlp.make_doc(text)
        check_edges = has_diacritics(text)
        spans = []
        for match_id, start, end in self.matcher(doc):
            if check_edges and not (doc[start]._.word_start and doc[end - 1]._.word_end):
                continue
            spans.append((start, end, self.nlp.vocab.strings[match_id]))
        spans.sort(key=lambda s: (-(s[1] - s[0]), s[0]))
        taken: set = set()
        found = []
        for start, end, key in spans:
            if taken & set(range(start, end)):
                continue
            taken.update(range(start, end))
            char_start, char_end = doc[start]._.span[0], doc[end - 1]._.span[1]
            found.append(
                {
                    "start": char_start,
                    "end": char_end,
                    "value": text[char_start:char_end],
                    "codes": sorted(self.codes[key]),
                }
            )
        return sorted(found, key=lambda f: f["start"])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CatalogEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Marks procedure names and aliases from the live catalog as ``procedure`` entities."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # Entity name given to matches.
            "entity": "procedure",
            # Seconds between checks of the catalog revision (rebuild only when it changed).
            "refresh_seconds": 5.0,
        }

    def __init__(self, config: Dict[str, Any]) -> None:
        self.config = {**self.get_default_config(), **config}
        from assistant.catalog.service import get_service

        # One per catalog database; reading it waits for the first message.
        self._live: LiveValue[CatalogMatcher] = get_service().live_phrases(
            CatalogMatcher, self.config["refresh_seconds"]
        )

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CatalogEntityExtractor:
        return cls(config)

    @staticmethod
    def required_packages() -> List[str]:
        return ["spacy", "underthesea"]

    def matcher(self) -> CatalogMatcher | None:
        """The matcher of the catalog as it is now, or None while the catalog cannot be read."""
        try:
            return self._live.get()
        except Exception:  # noqa: BLE001 - no catalog (logged): the action still searches
            return None

    def process(self, messages: List[Message]) -> List[Message]:
        matcher = self.matcher()
        for message in messages:
            _prefer_patterns(message)
            _drop_one_syllable_guesses(message, self.config["entity"])
            text = message.get(TEXT)
            if not matcher or not text:
                continue
            found = [
                {
                    "entity": self.config["entity"],
                    "start": f["start"],
                    "end": f["end"],
                    "value": f["value"],
                    "confidence": 1.0,
                }
                for f in matcher.find(text)
            ]
            if not found:
                continue
            # A span grounded in the catalog beats DIET's guess of the same procedure span,
            # and an unsure guess elsewhere ("lần đầu" in "làm hộ chiếu lần đầu").
            kept = [
                e
                for e in message.get(ENTITIES, [])
                if e.get("entity") != self.config["entity"]
                or (
                    not any(e["start"] < f["end"] and f["start"] < e["end"] for f in found)
                    and (
                        e.get("extractor") != "DIETClassifier"
                        or (e.get("confidence_entity") or 0.0) >= SURE_BESIDE_CATALOG
                    )
                )
            ]
            message.set(ENTITIES, kept + self.add_extractor_name(found), add_to_output=True)
        return messages


def _drop_one_syllable_guesses(message: Message, entity: str) -> None:
    """No procedure is named in one syllable ("lần", "mà", "còn" were DIET guesses); an
    abbreviation counts as the words it stands for ("cccd", "gplx")."""
    entities = message.get(ENTITIES, [])
    kept = [
        e
        for e in entities
        if e.get("entity") != entity
        or e.get("extractor") != "DIETClassifier"
        or len(expand_words(str(e.get("value") or "").lower()).split()) > 1
    ]
    if len(kept) != len(entities):
        message.set(ENTITIES, kept, add_to_output=True)


def _prefer_patterns(message: Message) -> None:
    """A span a regex found (a dossier code, the phone's last digits) is given once: DIET's
    guess of the same entity over the same text is dropped, and so is a shorter pattern match
    inside a longer one ("0005", the end of the code "000.00.27.H13-240116-0005", is not the
    phone's last digits), so a slot gets one value and the right one."""
    entities = message.get(ENTITIES, [])
    patterned = [e for e in entities if e.get("extractor") == "RegexEntityExtractor"]
    if not patterned:
        return

    def shadowed(e: Dict[str, Any]) -> bool:
        for p in patterned:
            if p is e:
                continue
            if e.get("extractor") != "RegexEntityExtractor":
                if (
                    e.get("entity") == p.get("entity")
                    and e["start"] < p["end"]
                    and p["start"] < e["end"]
                ):
                    return True
            elif (
                p["start"] <= e["start"]
                and e["end"] <= p["end"]
                and p["end"] - p["start"] > e["end"] - e["start"]
            ):
                return True
        return False

    kept = [e for e in entities if not shadowed(e)]
    if len(kept) != len(entities):
        message.set(ENTITIES, kept, add_to_output=True)
