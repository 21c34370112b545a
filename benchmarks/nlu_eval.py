"""`make eval`: how well the NLU understands Vietnamese as citizens type it.

Scores the shipped model (built by `assistant model build`, reused when up to date) and, side by
side, the same data trained with Rasa's stock pipeline (WhitespaceTokenizer, the same
featurizers and DIET, no augmentation, no catalog matcher), on the held-out split in
tests/nlu_eval/ (never in training) in three views: as written, with diacritics stripped by
code, and the informal (teencode, no diacritics) set; and, without a target, an independent
probe written blind later (out-of-scope questions that borrow the frames of procedure
questions, and procedure questions). Prints intent accuracy, dossier_code
extraction and the out-of-scope safety count against the targets; writes per-intent F1,
confusion matrices (PNG) and a JSON report to benchmarks/reports/. Exits 1 if a target is
missed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from _common import REPORTS, ROOT, write_report

from assistant.training.scoring import (
    intent_accuracy,
    load_examples,
    predict,
    predicted_intents,
    stripped,
)

HELDOUT = ROOT / "tests" / "nlu_eval" / "heldout.yml"
INFORMAL = ROOT / "tests" / "nlu_eval" / "informal.yml"
PROBE = ROOT / "tests" / "nlu_eval" / "probe.yml"
MODELS = ROOT / "models"
PROCEDURE_INTENTS = {
    "ask_documents",
    "ask_fee",
    "ask_processing_time",
    "ask_where_to_submit",
    "ask_procedure_overview",
}
TARGETS = {"as written": 0.95, "stripped": 0.92, "informal": 0.90}
STOCK_DIET_EPOCHS = 130


def stock_config() -> str:
    """config.yml with Rasa's WhitespaceTokenizer and without the project's own parts."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    config.pop("importers", None)
    pipeline = []
    for component in config["pipeline"]:
        name = component["name"]
        if name.startswith("assistant."):
            if "Tokenizer" in name:
                pipeline.append({"name": "WhitespaceTokenizer"})
            continue
        if name == "DIETClassifier":
            # Our DIET only finds entity spans now and trains fewer epochs; as the stock
            # intent classifier it classifies intents again, with the epochs it had when it
            # classified ours.
            component = {**component, "epochs": STOCK_DIET_EPOCHS, "intent_classification": True}
        if name == "CountVectorsFeaturizer":
            # Our min_df counts each example twice (its diacritic-free copy); the stock
            # pipeline has no copies, so it keeps Rasa's default.
            component = {k: v for k, v in component.items() if k != "min_df"}
        pipeline.append(component)
    config["pipeline"] = pipeline
    return yaml.safe_dump(config, allow_unicode=True, sort_keys=False)


def train_stock(config_text: str) -> tuple[Path, float | None]:
    digest = hashlib.sha256(config_text.encode())
    for path in sorted((ROOT / "data").rglob("*.yml")):
        if "catalog" not in path.parts:
            digest.update(path.read_bytes())
    name = f"stock-{digest.hexdigest()[:16]}"
    model = MODELS / f"{name}.tar.gz"
    if model.exists():
        return model, None
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as handle:
        handle.write(config_text)
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "train",
            "nlu",
            "--config",
            handle.name,
            "--nlu",
            "data",
            "--out",
            str(MODELS),
            "--fixed-model-name",
            name,
        ],
        cwd=ROOT,
        check=True,
    )
    return model, time.perf_counter() - started


def ensure_ours() -> Path:
    from assistant.modelstore import current_model

    subprocess.run([sys.executable, "-m", "assistant.cli", "model", "build"], cwd=ROOT, check=True)
    return current_model()


def score(examples, predictions) -> dict:
    from sklearn.metrics import classification_report

    gold = [intent for _, intent, _ in examples]
    predicted = predicted_intents(predictions)
    scored = intent_accuracy(examples, predictions)
    report = classification_report(gold, predicted, output_dict=True, zero_division=0)
    codes_total = codes_found = 0
    for (_, _, entities), parsed in zip(examples, predictions):
        extracted = {
            str(e["value"]).upper()
            for e in parsed.get("entities", [])
            if e["entity"] == "dossier_code"
        }
        for entity in entities:
            if entity["entity"] == "dossier_code":
                codes_total += 1
                codes_found += str(entity["value"]).upper() in extracted
    out_of_scope_as_procedure = sum(
        g == "out_of_scope" and p in PROCEDURE_INTENTS for g, p in zip(gold, predicted)
    )
    return {
        "n": scored["n"],
        "accuracy": scored["accuracy"],
        "f1": {
            k: round(v["f1-score"], 3)
            for k, v in report.items()
            if isinstance(v, dict) and k not in ("macro avg", "weighted avg")
        },
        "macro_f1": round(report["macro avg"]["f1-score"], 4),
        "dossier_codes": {"total": codes_total, "found": codes_found},
        "out_of_scope_answered_as_procedure": out_of_scope_as_procedure,
        "errors": [
            {"text": t, "gold": g, "predicted": p}
            for (t, _, _), g, p in zip(examples, gold, predicted)
            if g != p
        ],
        "_pairs": (gold, predicted),
    }


def confusion_png(view: str, gold, predicted) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    labels = sorted(set(gold) | set(predicted))
    fig, ax = plt.subplots(figsize=(11, 10))
    ConfusionMatrixDisplay.from_predictions(
        gold, predicted, labels=labels, ax=ax, xticks_rotation="vertical", colorbar=False
    )
    ax.set_title(f"Intent confusion, our pipeline, held-out ({view})")
    fig.tight_layout()
    path = REPORTS / f"nlu_confusion_{view.replace(' ', '_')}.png"
    REPORTS.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def seeded_database() -> str:
    """The catalog matcher and the FAQ retrieval read the database: give them the seed catalog
    and the seed FAQ in a scratch database, as `make run` does."""
    from assistant.catalog.importer import import_catalog
    from assistant.db.migrate import upgrade
    from assistant.db.session import session_scope
    from assistant.faq.seed import import_seed

    url = f"sqlite:///{tempfile.mkdtemp(prefix='eval-')}/eval.db"
    upgrade(url)
    import_catalog(ROOT / "data" / "catalog" / "seed.yml", url)
    with session_scope(url) as session:
        import_seed(session)
    return url


def main() -> int:
    logging.disable(logging.WARNING)
    os.environ["DATABASE_URL"] = seeded_database()
    from assistant.modelstore import training_record
    from assistant.settings import get_settings

    get_settings.cache_clear()
    ours = ensure_ours()
    stock, stock_seconds = train_stock(stock_config())
    heldout = load_examples(HELDOUT)
    views = {
        "as written": heldout,
        "stripped": stripped(heldout),
        "informal": load_examples(INFORMAL),
        # Written blind after the targets were met, scored without a target: how the
        # classifier does on questions nobody tuned it for.
        "probe": load_examples(PROBE),
    }

    results: dict = {"ours": {}, "stock": {}}
    for label, model in (("ours", ours), ("stock", stock)):
        for view, examples in views.items():
            results[label][view] = score(examples, asyncio.run(predict(model, examples)))

    failures = []
    print(f"\n{'view':12} {'n':>4}  {'ours':>7}  {'stock':>7}  {'target':>7}  {'codes (ours)':>13}")
    for view in views:
        o, s = results["ours"][view], results["stock"][view]
        target = TARGETS.get(view)
        row = f"{view:12} {o['n']:>4}  {o['accuracy']:>7.3f}  {s['accuracy']:>7.3f}"
        if target is None:  # the probe: reported, no target
            print(f"{row}  {'-':>7}")
        else:
            codes = o["dossier_codes"]
            ok = o["accuracy"] >= target and codes["found"] == codes["total"]
            if view != "as written" and o["accuracy"] <= s["accuracy"]:
                ok = False
            failures += [] if ok else [view]
            print(
                f"{row}  {target:>7.2f}  {codes['found']:>6}/{codes['total']:<6}"
                f" {'ok' if ok else 'MISSED'}"
            )
        gold, predicted = o.pop("_pairs")
        s.pop("_pairs")
        confusion_png(view, gold, predicted)
    unsafe = sum(results["ours"][v]["out_of_scope_answered_as_procedure"] for v in TARGETS)
    print(f"out-of-scope questions answered as a procedure question (the three views): {unsafe}")
    probe = {
        label: results[label]["probe"]["out_of_scope_answered_as_procedure"] for label in results
    }
    probe_oos = sum(intent == "out_of_scope" for _, intent, _ in views["probe"])
    print(
        "out-of-scope questions of the probe answered as a procedure question: "
        f"ours {probe['ours']} of {probe_oos}, stock {probe['stock']} (reported, no target)"
    )
    if unsafe:
        failures.append("out_of_scope")
    print("\nper-intent F1, ours (as written / stripped / informal / probe):")
    for intent in sorted(results["ours"]["as written"]["f1"]):
        row = [results["ours"][v]["f1"].get(intent) for v in views]
        print(f"  {intent:24} " + "  ".join("  -  " if x is None else f"{x:.3f}" for x in row))
    trained = training_record()
    if trained:
        print(
            f"\ntraining time of the shipped model: {trained['seconds']:.0f} s "
            f"({trained['cpus']} CPUs)"
        )
    if stock_seconds:
        print(f"training time of the stock NLU model: {stock_seconds:.0f} s")
    write_report(
        "nlu_eval",
        {
            "targets": TARGETS,
            "results": results,
            "training_seconds": trained["seconds"] if trained else None,
            "stock_training_seconds": stock_seconds,
            "missed": failures,
        },
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
