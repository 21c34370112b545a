"""The FAQ table as Rasa training data, so staff entries enter the model at the next retrain.

``yaml.safe_dump(faq_training_data(session), allow_unicode=True)`` is a Rasa 3.1 NLU file with
one retrieval intent ``faq/<key>`` per active entry and its ``utter_faq/<key>`` response.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from sqlalchemy.orm import Session

from assistant.faq.repository import FaqRepository, question_key

# Rasa reads "[text](entity)", "[text]{...}" and "[text][...]" in an example as an entity
# annotation; a citizen's question never carries one, so brackets become parentheses.
_BRACKETS = str.maketrans({"[": "(", "]": ")"})


def training_example(text: str) -> str:
    """One line Rasa reads back as exactly this text, with no entity annotation."""
    text = " ".join(str(text).translate(_BRACKETS).split())
    # A leading "#" would be a comment; a leading "-" would be eaten with the list marker.
    return re.sub(r"^[-#\s]+", "", text)


def faq_training_data(session: Session) -> Dict[str, Any]:
    nlu: List[Dict[str, str]] = []
    responses: Dict[str, List[Dict[str, str]]] = {}
    seen: set = set()
    for entry in FaqRepository(session).active_entries():
        examples = []
        for text in [entry.question, *(entry.paraphrases or [])]:
            example = training_example(text)
            norm = question_key(example)
            # The same sentence under two intents only confuses the model.
            if example and norm not in seen:
                seen.add(norm)
                examples.append(example)
        if not examples:
            continue
        nlu.append(
            {
                "intent": f"faq/{entry.key}",
                "examples": "".join(f"- {example}\n" for example in examples),
            }
        )
        responses[f"utter_faq/{entry.key}"] = [{"text": entry.answer}]
    return {"version": "3.1", "nlu": nlu, "responses": responses}
