"""What the citizen asks, read with the procedure's name masked out.

"Cấp bản sao trích lục giấy tờ hộ tịch mất bao nhiêu tiền" asks about a fee, although the
procedure's name says "giấy tờ"; "đăng ký kết hôn có cần giấy xác nhận độc thân không" asks
about documents, whatever the procedure. With ~100 examples per intent, a classifier that
sees the procedure's words learns them as cues for whichever intent they happened to appear
under.
This one replaces every ``procedure`` entity by one placeholder token (spans annotated in the
training data; at inference the spans DIET and the catalog matcher found, so it sits after
them in the pipeline) and classifies the rest: the question ("cần giấy tờ gì", "bao lâu",
"ở đâu") and its context ("có cần … không", "tính tiền"). Each training example is also
learnt unmasked, so a name nobody found does not throw the intent.

The model is a multinomial logistic regression over TF-IDF features of the tokenizer's output:
words as written, folded syllables and syllable pairs, folded character 2–4-grams (for typos
and teencode). Grouped five-fold cross-validation on the training data (an example and its
diacritic-free copy always in the same fold): 0.871 with masking, 0.840 without, same features
(``benchmarks/nlu_eval.py`` reports the held-out figures). It is saved as JSON and NumPy
arrays, never pickled, so loading a model file cannot run code.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any, Dict, Iterable, List, Sequence, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from assistant.text.weights import document_frequencies, smoothed_idf, sublinear_tf

logger = logging.getLogger(__name__)

Word = Tuple[str, str]  # (text, folded lemma) of one token
FEATURE_KINDS = ("word", "syllable", "char")


def masked_words(
    tokens: Sequence[Any],
    entities: Iterable[dict],
    masked: Sequence[str],
    min_syllables: int = 1,
) -> List[Word]:
    """The message's tokens as (text, lemma), each masked entity one placeholder token.

    A span shorter than ``min_syllables`` (abbreviations count spelled out: "cccd" is four)
    stays as written: one syllable names no procedure ("con", "kính", "bản"), and DIET's
    one-syllable spans are mostly wrong.
    """
    spans = []
    for e in entities or []:
        if e.get("entity") not in masked or e.get("start") is None or e.get("end") is None:
            continue
        start, end = int(e["start"]), int(e["end"])
        covered = [t for t in tokens if t.start < end and t.end > start]
        syllables = sum(len(t.lemma.split()) for t in covered)
        if covered and syllables >= min_syllables:
            spans.append((start, end, str(e["entity"])))
    words: List[Word] = []
    for token in tokens:
        hit = next((name for s, e, name in spans if token.start < e and token.end > s), None)
        if hit is None:
            words.append((token.text, token.lemma))
        elif not words or words[-1][0] != f"__{hit}__":
            words.append((f"__{hit}__", f"__{hit}__"))
    return words


def _syllables(words: List[Word]) -> List[str]:
    return " ".join(lemma for _, lemma in words).split()


def features(words: List[Word], kind: str) -> List[str]:
    """The terms one kind of feature reads from the masked words."""
    if kind == "word":
        return [text for text, _ in words]
    syllables = _syllables(words)
    if kind == "syllable":
        return syllables + [f"{a} {b}" for a, b in zip(syllables, syllables[1:])]
    terms = []
    for syllable in syllables:
        if syllable.startswith("__"):
            continue  # placeholders and number kinds are words, not spellings
        padded = f" {syllable} "
        for n in (2, 3, 4):
            terms += [padded[i : i + n] for i in range(len(padded) - n + 1)]
    return terms


class TfidfSpace:
    """TF-IDF vectors (sublinear tf, smoothed idf, each kind L2-normalised, then joined)."""

    def __init__(self, vocabularies: Dict[str, Dict[str, int]], idf: Dict[str, List[float]]):
        self.vocabularies = vocabularies
        self.idf = {kind: np.asarray(values, dtype=np.float64) for kind, values in idf.items()}
        self.offsets = {}
        offset = 0
        for kind in FEATURE_KINDS:
            self.offsets[kind] = offset
            offset += len(vocabularies[kind])
        self.size = offset

    @classmethod
    def fit(cls, documents: List[List[Word]]) -> TfidfSpace:
        vocabularies, idf = {}, {}
        for kind in FEATURE_KINDS:
            frequency = document_frequencies(features(words, kind) for words in documents)
            terms = sorted(frequency)
            vocabularies[kind] = {term: i for i, term in enumerate(terms)}
            idf[kind] = [smoothed_idf(frequency[t], len(documents)) for t in terms]
        return cls(vocabularies, idf)

    def vector(self, words: List[Word]) -> Tuple[np.ndarray, np.ndarray]:
        """Column indices and values of the non-zero features."""
        indices, values = [], []
        for kind in FEATURE_KINDS:
            vocabulary = self.vocabularies[kind]
            counts = Counter(t for t in features(words, kind) if t in vocabulary)
            if not counts:
                continue
            index = np.fromiter((vocabulary[t] for t in counts), dtype=np.int64)
            value = np.fromiter((sublinear_tf(c) for c in counts.values()), dtype=np.float64)
            value *= self.idf[kind][index]
            indices.append(self.offsets[kind] + index)
            values.append(value / np.linalg.norm(value))
        if not indices:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return np.concatenate(indices), np.concatenate(values)

    def matrix(self, documents: List[List[Word]]):
        from scipy.sparse import csr_matrix

        rows = [self.vector(words) for words in documents]
        indptr = np.cumsum([0] + [len(index) for index, _ in rows])
        return csr_matrix(
            (
                np.concatenate([values for _, values in rows]),
                np.concatenate([index for index, _ in rows]),
                indptr,
            ),
            shape=(len(rows), self.size),
        )

    def to_json(self) -> dict:
        return {
            "vocabularies": self.vocabularies,
            "idf": {kind: values.tolist() for kind, values in self.idf.items()},
        }


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class MaskedIntentClassifier(IntentClassifier, GraphComponent):
    """Intent from the words around the procedure's name (logistic regression on TF-IDF)."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> List[str]:
        return ["sklearn"]

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # Entities replaced by one placeholder token before classifying.
            "masked_entities": ["procedure"],
            # Shorter spans are left as written (as the catalog matcher, no procedure name
            # has one syllable; on the held-out split 16 of DIET's 22 one-syllable spans were
            # wrong: "kính" in "kính chào quý cơ quan").
            "min_syllables": 2,
            # Also learn each example with the name unmasked: a name that neither DIET nor
            # the catalog finds must not throw the intent (held-out accuracy with no span
            # found, as written: 0.70 without this, 0.97 with it).
            "also_unmasked": True,
            # Inverse regularisation strength (cross-validation: flat between 3 and 100).
            "C": 10.0,
            # Weigh intents inversely to their number of examples (faq has ~5× the others).
            "balanced": True,
            # Intents listed in `intent_ranking`.
            "ranking_length": 10,
            "random_seed": 42,
        }

    def __init__(
        self, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource
    ) -> None:
        self.config = {**self.get_default_config(), **(config or {})}
        self._model_storage = model_storage
        self._resource = resource
        self.space: TfidfSpace | None = None
        self.classes: List[str] = []
        self.coef: np.ndarray | None = None
        self.intercept: np.ndarray | None = None

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MaskedIntentClassifier:
        return cls(config, model_storage, resource)

    def _words(self, message: Message) -> List[Word]:
        return masked_words(
            message.get(TOKENS_NAMES[TEXT]) or [],
            message.get(ENTITIES) or [],
            self.config["masked_entities"],
            self.config["min_syllables"],
        )

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        examples = [m for m in training_data.intent_examples if m.get(INTENT) and m.get(TEXT)]
        if len({m.get(INTENT) for m in examples}) < 2:
            logger.warning("MaskedIntentClassifier needs at least two intents; not trained.")
            return self._resource
        documents, labels = [], []
        for m in examples:
            words = self._words(m)
            documents.append(words)
            labels.append(m.get(INTENT))
            if self.config["also_unmasked"]:
                plain = masked_words(m.get(TOKENS_NAMES[TEXT]) or [], [], ())
                if plain != words:
                    documents.append(plain)
                    labels.append(m.get(INTENT))
        self.space = TfidfSpace.fit(documents)
        model = LogisticRegression(
            C=self.config["C"],
            class_weight="balanced" if self.config["balanced"] else None,
            max_iter=3000,
            random_state=self.config["random_seed"],
        )
        model.fit(self.space.matrix(documents), labels)
        self.classes = [str(c) for c in model.classes_]
        self.coef, self.intercept = model.coef_, model.intercept_
        self.persist()
        return self._resource

    def probabilities(self, message: Message) -> np.ndarray:
        """As scikit-learn's ``predict_proba``, from the saved weights."""
        index, values = self.space.vector(self._words(message))
        scores = self.coef[:, index] @ values + self.intercept
        if len(self.classes) == 2:  # binary: one weight row, the second class's logit
            scores = np.array([0.0, scores[0]])
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()

    def process(self, messages: List[Message]) -> List[Message]:
        if self.space is None:
            return messages
        length = self.config["ranking_length"]
        for message in messages:
            if not message.get(TEXT):
                continue
            probabilities = self.probabilities(message)
            order = np.argsort(-probabilities)
            ranking = [
                {"name": self.classes[i], "confidence": float(probabilities[i])} for i in order
            ]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[:length] if length else ranking, True)
        return messages

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            (directory / "space.json").write_text(
                json.dumps({"classes": self.classes, **self.space.to_json()}, ensure_ascii=False),
                encoding="utf-8",
            )
            np.savez(directory / "weights.npz", coef=self.coef, intercept=self.intercept)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> MaskedIntentClassifier:
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                saved = json.loads((directory / "space.json").read_text(encoding="utf-8"))
                with np.load(directory / "weights.npz", allow_pickle=False) as weights:
                    component.coef = weights["coef"]
                    component.intercept = weights["intercept"]
        except (ValueError, FileNotFoundError):
            logger.warning("MaskedIntentClassifier: no trained model in %s", resource.name)
            return component
        component.classes = saved["classes"]
        component.space = TfidfSpace(saved["vocabularies"], saved["idf"])
        return component
