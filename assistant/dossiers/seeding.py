"""Synthetic dossiers into the database or an export file (`assistant dossiers generate`, and
the demo dossiers `assistant run` adds to an empty database)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Tuple

from assistant.console import progress_bar


def generate_into_database(
    count: int, seed: int | None = None, out: str | None = None
) -> List[Tuple[str, str]]:
    """Synthetic dossiers for the catalog's procedures, into the database or a JSON file.

    Returns (code, phone) of the first few, so a demo can say what to type.
    """
    from itertools import islice

    from assistant.catalog.repository import CatalogRepository
    from assistant.db.session import session_scope
    from assistant.dossiers.export import write_json
    from assistant.dossiers.generate import generate_dossiers
    from assistant.dossiers.repository import DossierRepository

    with session_scope() as session:
        catalog = CatalogRepository(session)
        procedures = catalog.catalog_procedures() or None
        codes = catalog.procedure_codes()
    records = generate_dossiers(count, seed=seed, procedures=procedures)
    if out:
        records = list(records)
        write_json(records, Path(out))
        return [(r.code, r.applicant_phone) for r in records[:3]]
    first: List[Tuple[str, str]] = []
    with progress_bar(count, "Generate", " hồ sơ") as bar:
        while batch := list(islice(records, 1000)):
            with session_scope() as session:
                repo = DossierRepository(session)
                # Synthetic data is only added: a dossier already stored is never overwritten.
                taken = repo.existing_codes([r.code for r in batch])
                batch = [r for r in batch if r.code not in taken]
                repo.upsert_many(batch, procedure_codes=codes)
            first.extend((r.code, r.applicant_phone) for r in batch[: 3 - len(first)])
            bar.update(len(batch))
    return first
