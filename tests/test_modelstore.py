"""The model fingerprint covers everything that shapes a model, and nothing that does not."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from assistant import modelstore
from assistant.settings import PROJECT_ROOT

# The components that turn text into features at training time (config.yml names them).
FEATURE_COMPONENTS = (
    "assistant/nlu/tokenizer.py",
    "assistant/nlu/augment.py",
    "assistant/nlu/intent_classifier.py",
)


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A copy of the training inputs, with the fingerprint reading it instead of the repo."""
    for name in modelstore.TRAINING_INPUTS:
        source, target = PROJECT_ROOT / name, tmp_path / name
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    monkeypatch.setattr(modelstore, "PROJECT_ROOT", tmp_path)
    return tmp_path


def _touch(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")


def test_the_copy_has_the_fingerprint_of_the_repository(project, monkeypatch):
    copied = modelstore.fingerprint()
    monkeypatch.setattr(modelstore, "PROJECT_ROOT", PROJECT_ROOT)
    assert modelstore.fingerprint() == copied


@pytest.mark.parametrize(
    "path",
    [
        "assistant/text/lexicon.py",
        "assistant/text/normalize.py",
        "assistant/text/segment.py",
        "assistant/nlu/tokenizer.py",
        "config.yml",
        "domain.yml",
        "data/nlu/faq.yml",
    ],
)
def test_a_change_to_a_training_input_changes_the_fingerprint(project, path):
    before = modelstore.fingerprint()
    _touch(project / path)
    assert modelstore.fingerprint() != before


def test_the_catalog_is_not_a_training_input(project):
    before = modelstore.fingerprint()
    _touch(project / "data" / "catalog" / "seed.yml")
    assert modelstore.fingerprint() == before


def _assistant_imports(path: Path) -> set:
    """Modules of the ``assistant`` package a file imports, at the top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("assistant"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("assistant"))
    return found


def _module_file(module: str) -> Path:
    base = PROJECT_ROOT / Path(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def test_everything_the_feature_components_import_is_fingerprinted():
    seen, todo = set(), [PROJECT_ROOT / p for p in FEATURE_COMPONENTS]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo.extend(_module_file(m) for m in _assistant_imports(path))
    covered = [PROJECT_ROOT / code for code in modelstore.FEATURE_CODE]
    outside = [p for p in seen if not any(p.is_relative_to(c) for c in covered)]
    assert [str(p.relative_to(PROJECT_ROOT)) for p in outside] == []
    assert PROJECT_ROOT / "assistant/text/segment.py" in seen
