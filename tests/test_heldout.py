"""Near-copies of the sentences a model is scored on are found, whatever the spelling."""

import pytest

from assistant.heldout import (
    NEAR,
    HeldOutIndex,
    file_sentences,
    held_out_files,
    held_out_index,
    refusal,
    syllables,
)
from assistant.settings import PROJECT_ROOT
from assistant.text.normalize import fold

HELDOUT = PROJECT_ROOT / "tests" / "nlu_eval" / "heldout.yml"


def _long_held_out_sentence() -> str:
    return next(s for s in file_sentences(HELDOUT) if len(syllables(s)) >= 6)


def test_every_scored_set_is_read():
    index = held_out_index()
    sources = {source for _, source, _ in index.sentences}
    assert {"nlu_eval/heldout.yml", "nlu_eval/informal.yml", "nlu_eval/probe.yml"} <= sources
    assert {"answer_eval/dev/chat_a.yml", "answer_eval/probe/long.yml"} <= sources
    assert len(held_out_files()) >= 9


def test_a_copy_typed_without_diacritics_or_case_is_too_close():
    sentence = _long_held_out_sentence()
    found = held_out_index().too_close(fold(sentence).upper() + " ạ")
    assert found is not None and found.score >= NEAR
    assert found.source == "nlu_eval/heldout.yml"
    assert "Câu mẫu quá giống" in refusal(found) and found.sentence in refusal(found)


def test_a_different_sentence_is_not_too_close():
    assert held_out_index().too_close("con mèo nhà tôi thích ăn cá kho tộ") is None
    assert held_out_index().too_close("") is None


@pytest.mark.parametrize(
    "text, expected",
    [
        ("phí làm [sổ đỏ](procedure) bao nhiêu", {"phi", "lam", "so", "do", "bao", "nhieu"}),
        ('[hộ chiếu]{"entity": "procedure"} ở đâu', {"ho", "chieu", "o", "dau"}),
    ],
)
def test_entity_markup_is_read_as_its_text(text, expected):
    assert syllables(text) == expected


def test_the_threshold_is_a_jaccard_index(tmp_path):
    (tmp_path / "nlu_eval").mkdir()
    path = tmp_path / "nlu_eval" / "x.yml"
    path.write_text("nlu:\n- intent: a\n  examples: |\n    - một hai ba bốn năm\n", "utf-8")
    index = HeldOutIndex([path])
    assert index.closest("một hai ba").score == 0.6  # 3 shared of 5
    assert index.too_close("một hai ba") is not None
    assert index.too_close("một hai ba sáu") is None  # 3 of 6
