"""The sentences a model is scored on must stay out of the training data."""

from assistant.heldout import NEAR, HeldOutIndex, file_sentences, held_out_files
from assistant.settings import PROJECT_ROOT


def test_no_training_sentence_nearly_copies_a_held_out_or_evaluation_sentence():
    files = held_out_files()
    names = {p.relative_to(PROJECT_ROOT / "tests").as_posix() for p in files}
    # every scored set is covered: make eval's three views and probe, both answer sets
    assert {"nlu_eval/heldout.yml", "nlu_eval/informal.yml", "nlu_eval/probe.yml"} <= names
    assert any(n.startswith("answer_eval/dev/") for n in names)
    assert any(n.startswith("answer_eval/probe/") for n in names)
    index = HeldOutIndex(files)
    training = [
        s for p in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")) for s in file_sentences(p)
    ]
    assert len(index) > 1000 and len(training) > 1500
    near = [(text, index.too_close(text)) for text in training if index.too_close(text)]
    assert near == [], f"{len(near)} training sentences share ≥ {NEAR:.0%} of a scored one"


def test_the_test_stories_are_not_training_sentences():
    import yaml

    training = HeldOutIndex(sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")))
    stories = yaml.safe_load((PROJECT_ROOT / "tests" / "test_stories.yml").read_text("utf-8"))
    turns = [
        step["user"].strip()
        for story in stories["stories"]
        for step in story["steps"]
        if "user" in step
    ]
    assert len(turns) >= 40
    copies = [(turn, training.too_close(turn)) for turn in turns if training.too_close(turn)]
    assert copies == []
