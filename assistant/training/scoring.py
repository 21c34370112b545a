"""Scores of a trained model: held-out intent accuracy (as written, without diacritics,
informal) and the test stories through the real NLU.

The same measures as ``make eval`` and ``make stories`` (benchmarks/nlu_eval.py imports the
held-out part from here). The catalog matcher reads the catalog from ``DATABASE_URL``, so
score with the database the model will serve.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import yaml

from assistant.settings import PROJECT_ROOT, get_settings
from assistant.text.normalize import strip_diacritics

logger = logging.getLogger(__name__)

HELDOUT = PROJECT_ROOT / "tests" / "nlu_eval" / "heldout.yml"
INFORMAL = PROJECT_ROOT / "tests" / "nlu_eval" / "informal.yml"
TEST_STORIES = PROJECT_ROOT / "tests" / "test_stories.yml"

Example = Tuple[str, str, list]  # text, intent, entities
Progress = Callable[[str], None]


class ScoringError(RuntimeError):
    """The model could not be scored (the test stories did not run)."""


def load_examples(path: Path) -> List[Example]:
    from rasa.shared.nlu.training_data.loading import load_data

    return [
        (m.get("text"), m.get("intent"), m.get("entities") or [])
        for m in load_data(str(path)).training_examples
        if m.get("intent")
    ]


def stripped(examples: List[Example]) -> List[Example]:
    return [
        (
            strip_diacritics(text),
            intent,
            [{**e, "value": strip_diacritics(str(e["value"]))} for e in entities],
        )
        for text, intent, entities in examples
    ]


def heldout_views() -> Dict[str, List[Example]]:
    heldout = load_examples(HELDOUT)
    return {
        "as_written": heldout,
        "stripped": stripped(heldout),
        "informal": load_examples(INFORMAL),
    }


async def predict(model, examples: List[Example]) -> List[dict]:
    """Parse every example with ``model``: a model file, or an already loaded Agent."""
    from rasa.core.agent import Agent

    agent = model if isinstance(model, Agent) else Agent.load(str(model))
    out = []
    for text, _, _ in examples:
        parsed = await agent.parse_message(text)
        out.append(parsed)
    return out


def predicted_intents(predictions: List[dict]) -> List[str]:
    predicted = [p["intent"]["name"] if p.get("intent") else None for p in predictions]
    return [p or "None" for p in predicted]


def intent_accuracy(examples: List[Example], predictions: List[dict]) -> dict:
    gold = [intent for _, intent, _ in examples]
    correct = sum(g == p for g, p in zip(gold, predicted_intents(predictions)))
    return {"n": len(gold), "correct": correct, "accuracy": correct / len(gold) if gold else 0.0}


def _quiet_rasa() -> None:
    """Rasa's structlog prints every parse at debug level unless its CLI configured it; the
    job's output is for staff, not for hundreds of parsed test sentences."""
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.getLogger("rasa").setLevel(logging.WARNING)


def score_heldout(model_path: Path, progress: Progress | None = None) -> Dict[str, dict]:
    from rasa.core.agent import Agent

    async def run_all(agent) -> Dict[str, dict]:
        results = {}
        for view, examples in heldout_views().items():
            if progress:
                progress(view)
            scored = intent_accuracy(examples, await predict(agent, examples))
            results[view] = {**scored, "accuracy": round(scored["accuracy"], 4)}
        return results

    _quiet_rasa()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecations inside Rasa's dependencies
        return asyncio.run(run_all(Agent.load(str(model_path))))


def count_stories(out_dir: Path) -> Dict[str, int]:
    """passed/total from ``rasa test core``'s story_report.json, or from its
    failed/successful story files when the report lacks the conversation counts."""
    report = out_dir / "story_report.json"
    if report.exists():
        conversations = json.loads(report.read_text(encoding="utf-8")).get("conversation_accuracy")
        if conversations and conversations.get("total"):
            total, passed = int(conversations["total"]), int(conversations["correct"])
            return {"passed": passed, "failed": total - passed, "total": total}
    failed = _stories_in(out_dir / "failed_test_stories.yml")
    total = _stories_in(TEST_STORIES)
    if not report.exists() and not (out_dir / "failed_test_stories.yml").exists():
        raise ScoringError("rasa test core wrote no report")
    return {"passed": total - failed, "failed": failed, "total": total}


def _stories_in(path: Path) -> int:
    if not path.exists():
        return 0
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return len(data.get("stories") or [])


def score_stories(model_path: Path, timeout: float = 1800) -> Dict[str, int]:
    """Run tests/test_stories.yml end to end (``rasa test core --e2e``) against the model."""
    env = {
        **os.environ,
        "DATABASE_URL": get_settings().database_url,
        "PYTHONPATH": str(PROJECT_ROOT),
        "LOG_LEVEL": "WARNING",
    }
    with tempfile.TemporaryDirectory(prefix="stories-") as out:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "rasa",
                "test",
                "core",
                "--stories",
                str(TEST_STORIES),
                "--model",
                str(model_path),
                "--e2e",
                "--no-plot",
                "--out",
                out,
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            tail = "\n".join(result.stdout.splitlines()[-15:])
            raise ScoringError(f"rasa test core exited with {result.returncode}:\n{tail}")
        return count_stories(Path(out))


def score_model(model_path: Path | str, progress: Progress | None = None) -> dict:
    """``{"heldout": {view: {n, correct, accuracy}}, "stories": {passed, failed, total},
    "seconds": s}`` where view is as_written, stripped or informal."""
    model_path = Path(model_path)
    started = time.perf_counter()
    heldout = score_heldout(model_path, progress)
    if progress:
        progress("stories")
    stories = score_stories(model_path)
    return {
        "heldout": heldout,
        "stories": stories,
        "seconds": round(time.perf_counter() - started, 1),
    }
