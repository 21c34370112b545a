"""Reading ``rasa train`` output: the overall progress and the stage staff see."""

from __future__ import annotations

import pytest

from assistant.training.progress import (
    PACKING,
    STARTING,
    TRAINING_END,
    TRAINING_START,
    TrainingProgress,
)

HOOKS = "2026-11-28 09:01:02 INFO     rasa.engine.training.hooks  - "
DIET_BAR = (
    "Epochs:  45%|████▌     | 59/130 [00:31<00:37,  1.89it/s, t_loss=1.23, i_acc=0.951, e_f1=0.812]"
)

# (lines fed in order, stage after the last one, progress range after the last one)
CASES = [
    ([], STARTING, (TRAINING_START, TRAINING_START)),
    (
        ["2026-11-28 09:01:00 INFO     rasa.cli.train  - Started validating domain and data..."],
        STARTING,
        (TRAINING_START, TRAINING_START),
    ),
    (
        [HOOKS + "Starting to train component 'VietnameseTokenizer'."],
        "Đang huấn luyện thành phần VietnameseTokenizer",
        (TRAINING_START, TRAINING_START),
    ),
    (
        [
            "\x1b[0m" + HOOKS + "Starting to train component 'RegexFeaturizer'.",
            HOOKS + "Finished training component 'RegexFeaturizer'.",
        ],
        "Đang huấn luyện thành phần RegexFeaturizer",
        (TRAINING_START + 0.003, TRAINING_START + 0.005),
    ),
    (
        [HOOKS + "Starting to train component 'DIETClassifier'.", DIET_BAR],
        "Đang huấn luyện mô hình hiểu câu hỏi (DIET) 59/130",
        (0.27, 0.30),
    ),
    (
        [
            HOOKS + "Starting to train component 'DIETClassifier'.",
            "Epochs: 100%|██████████| 130/130 [01:10<00:00,  1.85it/s, t_loss=0.5, i_acc=0.99]",
            HOOKS + "Finished training component 'DIETClassifier'.",
            HOOKS + "Starting to train component 'ResponseSelector'.",
            "Epochs:  50%|█████     | 30/60 [00:10<00:10,  2.9it/s, t_loss=2.1, r_acc=0.8]",
        ],
        "Đang huấn luyện phần trả lời câu hỏi thường gặp (ResponseSelector) 30/60",
        (0.61, 0.64),
    ),
    (
        [
            HOOKS + "Restored component 'DIETClassifier' from cache.",
            HOOKS + "Starting to train component 'TEDPolicy'.",
            "Epochs:   0%|          | 0/100 [00:00<?, ?it/s]",
        ],
        "Đang huấn luyện mô hình hội thoại (TED) 0/100",
        (0.58, 0.60),
    ),
    (
        [
            "\x1b[92mYour Rasa model is trained and saved at "
            "'/work/main/models/candidate-20261128-090102.tar.gz'.\x1b[0m"
        ],
        PACKING,
        (TRAINING_END, TRAINING_END),
    ),
]


@pytest.mark.parametrize("lines, stage, bounds", CASES)
def test_progress_and_stage(lines, stage, bounds):
    parser = TrainingProgress()
    for line in lines:
        parser.feed(line)
    assert parser.stage == stage
    low, high = bounds
    assert low - 1e-9 <= parser.progress <= high + 1e-9


def test_a_whole_training_only_moves_forward_and_ends_at_the_training_share():
    lines = []
    for component, epochs in (
        ("VietnameseTokenizer", 0),
        ("CountVectorsFeaturizer", 0),
        ("DIETClassifier", 130),
        ("ResponseSelector", 60),
        ("MemoizationPolicy", 0),
        ("TEDPolicy", 100),
    ):
        lines.append(HOOKS + f"Starting to train component '{component}'.")
        lines += [f"Epochs: {i * 100 // epochs:3d}%| | {i}/{epochs} [00:01<00:01]" for i in
                  range(0, epochs + 1, 10)] if epochs else []  # fmt: skip
        lines.append(HOOKS + f"Finished training component '{component}'.")
    lines.append("Your Rasa model is trained and saved at 'models/candidate.tar.gz'.")
    parser = TrainingProgress()
    seen = []
    for line in lines:
        parser.feed(line)
        seen.append(parser.progress)
    assert seen == sorted(seen)
    assert seen[-1] == pytest.approx(TRAINING_END)
    # DIET, by far the longest part, covers about four fifths of the training's share.
    diet_end = seen[lines.index(HOOKS + "Finished training component 'DIETClassifier'.")]
    share = (diet_end - TRAINING_START) / (TRAINING_END - TRAINING_START)
    assert 0.75 < share < 0.85


def test_feed_says_whether_anything_changed():
    parser = TrainingProgress()
    assert parser.feed(HOOKS + "Starting to train component 'DIETClassifier'.")
    assert not parser.feed("2026-11-28 09:01:03 INFO     root  - nothing to see")
    assert parser.feed(DIET_BAR)
    assert not parser.feed(DIET_BAR)
