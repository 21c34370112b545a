"""Staff FAQ entries recognised live, before the model has ever seen them.

The last component of the NLU pipeline. It compares the message with every active FAQ
question and paraphrase (:class:`assistant.faq.service.FaqService` keeps their index live:
rebuilt when the ``faq`` revision changes, checked every few seconds). A close match makes the
message intent ``faq`` and fills ``response_selector`` the way Rasa's ResponseSelector does,
so the dialogue's ``faq`` rule runs ``action_answer_faq`` with the entry's key; a new or
edited FAQ is therefore answered within seconds, and enters the model at the next retrain.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from assistant.text.normalize import find_dossier_codes

FAQ_INTENT = "faq"
FAQ_MATCH = "faq_match"
RESPONSE_SELECTOR = "response_selector"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class FaqRetrievalClassifier(GraphComponent):
    """Classifies a message as ``faq/<key>`` when it closely matches a live FAQ entry."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # Seconds between checks of the FAQ revision; null = FAQ_REFRESH_SECONDS (2 s).
            "refresh_seconds": None,
            # Score that overrides any predicted intent; null = assistant.faq.retrieval.STRONG.
            "strong_threshold": None,
            # Score enough when the model predicted one of `weak_intents`; null = WEAK.
            "weak_threshold": None,
            # Intents the model predicts when it has no better idea than the FAQ.
            "weak_intents": ["nlu_fallback", "out_of_scope", FAQ_INTENT],
        }

    def __init__(self, config: Dict[str, Any]) -> None:
        from assistant.faq.retrieval import STRONG, WEAK
        from assistant.faq.service import FaqService

        self.config = {**self.get_default_config(), **(config or {})}
        self.strong = float(self.config["strong_threshold"] or STRONG)
        self.weak = float(self.config["weak_threshold"] or WEAK)
        self.weak_intents = set(self.config["weak_intents"] or ())
        self.faq = FaqService(refresh=self._refresh_seconds)

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FaqRetrievalClassifier:
        return cls(config)

    @staticmethod
    def required_packages() -> List[str]:
        return ["sqlalchemy"]

    def _refresh_seconds(self) -> float:
        if self.config["refresh_seconds"] is not None:
            return float(self.config["refresh_seconds"])
        from assistant.settings import get_settings

        return get_settings().faq_refresh_seconds

    def index(self):
        """The current FaqIndex, or None when the FAQ table was never readable."""
        try:
            return self.faq.index()
        except Exception:  # noqa: BLE001 - logged where it failed; no FAQ, never a failed parse
            return None

    def process(self, messages: List[Message]) -> List[Message]:
        index = self.index()
        if index is None:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not text or not isinstance(text, str) or find_dossier_codes(text):
                continue
            hit = index.match(text)
            if hit is None:
                continue
            predicted = (message.get(INTENT) or {}).get("name")
            if hit.score >= self.strong or (
                hit.score >= self.weak and predicted in self.weak_intents
            ):
                self._classify(message, hit, index.answer(hit.id))
        return messages

    @staticmethod
    def _classify(message: Message, hit, answer: str) -> None:
        intent = {"name": FAQ_INTENT, "confidence": hit.score}
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != FAQ_INTENT]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [dict(intent), *ranking], add_to_output=True)
        response_key = f"{FAQ_INTENT}/{hit.key}"
        selector = dict(message.get(RESPONSE_SELECTOR) or {})
        selector.setdefault("all_retrieval_intents", [FAQ_INTENT])
        selector[FAQ_INTENT] = {
            "response": {
                "responses": [{"text": answer}] if answer else [],
                "confidence": hit.score,
                "intent_response_key": response_key,
                "utter_action": f"utter_{response_key}",
            },
            "ranking": [
                {"id": hit.id, "confidence": hit.score, "intent_response_key": response_key}
            ],
        }
        message.set(RESPONSE_SELECTOR, selector, add_to_output=True)
        message.set(
            FAQ_MATCH, {"id": hit.id, "key": hit.key, "score": hit.score}, add_to_output=True
        )
