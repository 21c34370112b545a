"""What the command line shows while it works: progress bars with a total when one is known."""

from __future__ import annotations

from pathlib import Path


def progress_bar(total: int | None, desc: str, unit: str = " thủ tục"):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, mininterval=1.0)


def count_lines(path: Path) -> int | None:
    import gzip

    try:
        if str(path).endswith(".gz"):
            with gzip.open(path, "rb") as handle:
                return sum(1 for _ in handle)
        if str(path).endswith((".jsonl", ".json")):
            with open(path, "rb") as handle:
                return sum(1 for _ in handle)
    except OSError:
        return None
    return None
