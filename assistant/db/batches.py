"""Storing imported records in batches without letting one bad record sink the batch."""

from __future__ import annotations

from typing import Callable, List, Sequence, Tuple, TypeVar

T = TypeVar("T")


def store_batch(
    batch: Sequence[T],
    store: Callable[[Sequence[T]], None],
    key: Callable[[T], object],
    errors: List[Tuple[object, str]],
) -> None:
    """Store ``batch`` in one transaction; if that fails, record by record, so that a bad
    record costs only itself and is reported in ``errors`` as (key, reason)."""
    try:
        store(batch)
    except Exception:  # noqa: BLE001 - find the bad record, keep the good ones
        for item in batch:
            try:
                store([item])
            except Exception as error:  # noqa: BLE001
                errors.append((key(item), f"{type(error).__name__}: {error}"[:300]))
