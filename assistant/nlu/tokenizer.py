"""Rasa tokenizer wrapping underthesea word segmentation (shape of Rasa's JiebaTokenizer).

Each token keeps the offsets of the original message, so entity spans stay exact, while its
text and lemma carry the normalised forms the featurizers learn from:

- ``text``: the word in NFC with modern tone marks, syllables joined by "_" ("khai_sinh"),
  abbreviations expanded ("cccd" → "căn_cước_công_dân");
- ``lemma``: its syllables without diacritics, space-separated ("khai sinh", "can cuoc cong
  dan"). A featurizer with ``use_lemma: true`` re-splits it into syllables, so "đăng ký" and
  "dang ky" give the same features even though underthesea segments text without diacritics
  differently ("dang", "ky" instead of "đăng ký").

Dossier codes, phones, dates, amounts and URLs stay single tokens (see ``segment``).
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from assistant.text.lexicon import expand_words
from assistant.text.normalize import fold
from assistant.text.segment import Piece, segment


def token_forms(piece: Piece, expand_abbreviations: bool = True) -> tuple:
    """(text, lemma) of one segmented piece as the featurizers should see it."""
    if piece.kind != "word":
        # One lemma per kind keeps "0912345678" and "0987654321" the same feature.
        return piece.text, f"__{piece.kind}__"
    text = piece.text
    if expand_abbreviations:
        text = expand_words(text)
    text = text.lower()
    return text.replace(" ", "_"), fold(text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    """Vietnamese word tokens from underthesea, robust to codes, numbers and missing diacritics."""

    @staticmethod
    def supported_languages() -> List[str] | None:
        return ["vi"]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # Rewrite teencode and administrative abbreviations ("ko", "cccd") to full words.
            "expand_abbreviations": True,
            # Flag to check whether to split intents (Rasa tokenizer convention).
            "intent_tokenization_flag": False,
            # Symbol on which intent should be split.
            "intent_split_symbol": "_",
            # Regular expression to detect tokens (applied after segmentation).
            "token_pattern": None,
            # Symbol on which prefix should be split.
            "prefix_separator_symbol": None,
        }

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VietnameseTokenizer:
        return cls(config)

    @staticmethod
    def required_packages() -> List[str]:
        return ["underthesea"]

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        # The base class splits intent and action names itself; this sees only text-like
        # attributes (the message, FAQ response texts).
        text = message.get(attribute) or ""
        tokens = []
        for piece in segment(text):
            token_text, lemma = token_forms(piece, self._config["expand_abbreviations"])
            tokens.append(Token(token_text, piece.start, piece.end, lemma=lemma))
        if not tokens and text.strip():
            # Emoji or punctuation only: one token, so featurizers never see an empty message.
            tokens.append(Token(text.strip(), text.index(text.strip()[0]), lemma="__symbol__"))
        return self._apply_token_pattern(tokens)
