"""The held-out split that `make eval` scores must stay out of the training data."""

import re

from assistant.settings import PROJECT_ROOT
from assistant.text.normalize import fold
from assistant.text.segment import normalize_text
from assistant.training.scoring import load_examples


def sentences(paths):
    """The example texts (annotations removed by Rasa's own reader)."""
    for path in paths:
        yield from (text for text, _, _ in load_examples(path))


def syllables(text):
    return frozenset(re.findall(r"\w+", fold(normalize_text(text).lower())))


def test_no_training_example_is_a_near_copy_of_a_held_out_sentence():
    held_out = {
        syllables(s): s
        for s in sentences(sorted((PROJECT_ROOT / "tests" / "nlu_eval").glob("*.yml")))
    }
    training = list(sentences(sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml"))))
    assert len(held_out) > 300 and len(training) > 1500
    near = []
    for text in training:
        a = syllables(text)
        for b, original in held_out.items():
            # Short formulas ("cảm ơn ad") overlap by nature; a near-copy shares ≥ 90 %.
            if a and len(a & b) / len(a | b) >= 0.9:
                near.append((text, original))
    assert near == []
