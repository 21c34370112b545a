"""The names of Vietnam's administrative units, as a gazetteer for reading text.

Source: the PyPI package ``vietnamadminunits`` (MIT, pinned in requirements.txt), its SQLite
dataset of the General Statistics Office's lists: ``admin_units`` (the two-level list in force
since 1 July 2025) and ``admin_units_legacy`` (provinces, districts and communes before it,
which people still name). The file is read once, read-only, from the installed package:
nothing is downloaded, and the package's own modules (an address parser that imports shapely
and geopy) are never imported. ``assistant.petitions.communes`` reads the communes from it;
``assistant.text.names`` tells "Hà Nội" and "Ninh Kiều" from a person's name with it.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from contextlib import closing
from functools import lru_cache
from pathlib import Path
from typing import FrozenSet

from assistant.text.normalize import fold

PACKAGE = "vietnamadminunits"


def dataset_path() -> Path:
    # find_spec locates the package without running its __init__ (which imports the parser).
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{PACKAGE} is not installed: pip install -r requirements.txt")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "dataset.db"


def connect() -> sqlite3.Connection:
    """The dataset, read-only (close it after use)."""
    return sqlite3.connect(f"{dataset_path().as_uri()}?mode=ro&immutable=1", uri=True)


@lru_cache(maxsize=1)
def place_names() -> FrozenSet[str]:
    """Every province's, district's and commune's short name, folded ("ha noi", "ninh kieu"),
    from both lists."""
    queries = (
        "SELECT provinceShort FROM admin_units UNION SELECT wardShort FROM admin_units",
        "SELECT provinceShort FROM admin_units_legacy"
        " UNION SELECT districtShort FROM admin_units_legacy"
        " UNION SELECT wardShort FROM admin_units_legacy",
    )
    with closing(connect()) as db:
        names = {row[0] for query in queries for row in db.execute(query) if row[0]}
    return frozenset(" ".join(fold(name).split()) for name in names)
