"""Catalog questions as the dialogue needs them: which procedure is meant, and its facts.

The search index lives in memory and is rebuilt when the catalog revision in the database
changes (checked at most every ``CATALOG_REFRESH_SECONDS``), so an import or a staff alias
is answerable within seconds without restarting or retraining anything. The NLU's phrase
matcher follows the catalog the same way (:meth:`CatalogService.live_phrases`); both go
through :class:`assistant.db.live.LiveValue`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, List, Tuple, TypeVar

from assistant.catalog.records import ProcedureRecord
from assistant.catalog.repository import CatalogRepository
from assistant.catalog.search import CatalogIndex, Entry, Hit
from assistant.db.live import LiveValue, Seconds, one_per_database
from assistant.db.session import session_scope
from assistant.settings import get_settings
from assistant.text.normalize import fold

T = TypeVar("T")

# A hit must explain this much of what the question says (beyond question words) to count
# as the citizen naming a procedure, unless an alias or name appears whole …
MIN_COVERAGE = 0.6
# … and between this and MIN_COVERAGE we only suggest ("did you mean one of these?").
SUGGEST_COVERAGE = 0.3
# Candidates within this share of the best score make the question ambiguous …
AMBIGUITY_RATIO = 0.75
# … and then the choices offered are those within this share, 3 to 5 of them.
CHOICE_RATIO = 0.5
MIN_CHOICES, MAX_CHOICES = 3, 5
# Procedure records kept in memory per process (the national catalog has ~6,000).
MAX_CACHED_RECORDS = 2000
# Levels citizens deal with in person come first when we ask which procedure they mean.
LEVEL_ORDER = ("cấp xã", "cấp tỉnh")


@dataclass
class Resolution:
    kind: str  # "match" | "ambiguous" | "none"
    code: str | None = None
    candidates: List[Hit] = field(default_factory=list)
    weak: bool = False  # only loosely related candidates: a procedure in context wins


def _level_rank(level: str) -> int:
    level = level.lower()
    for rank, name in enumerate(LEVEL_ORDER):
        if name in level:
            return rank
    return len(LEVEL_ORDER)


def order_choices(hits: List[Hit]) -> List[Hit]:
    """Choices as the citizen sees them: levels they deal with in person first."""
    return sorted(hits, key=lambda h: (_level_rank(h.level), -h.score))


def phrases_of(entries: Iterable[Entry]) -> List[Tuple[str, str]]:
    """(code, phrase) for every name and alias; names without the "Thủ tục" prefix."""
    phrases = []
    for entry in entries:
        name = entry.name
        if fold(name).startswith("thu tuc "):
            name = name[len("thủ tục ") :]
        phrases.append((entry.code, name))
        phrases.extend((entry.code, alias) for alias in entry.aliases)
    return phrases


def _refresh_seconds() -> float:
    return get_settings().catalog_refresh_seconds


class CatalogService:
    def __init__(self, database_url: str | None = None) -> None:
        self.database_url = database_url
        self._index = LiveValue("Catalog index", self.revision, self._build_index, _refresh_seconds)
        # Records read so far, forgotten with the index when the catalog changes.
        self._records: LiveValue[dict] = LiveValue(
            "Catalog records", self.revision, dict, _refresh_seconds
        )

    def revision(self) -> int:
        with session_scope(self.database_url) as session:
            return CatalogRepository(session).revision()

    def _build_index(self) -> CatalogIndex:
        with session_scope(self.database_url) as session:
            return CatalogIndex(CatalogRepository(session).index_entries())

    def index(self) -> CatalogIndex:
        """The search index of the catalog as it is now (within the refresh interval)."""
        return self._index.get()

    def phrases(self) -> List[Tuple[str, str]]:
        """(code, phrase) for every name and alias, read for the NLU's phrase matcher."""
        with session_scope(self.database_url) as session:
            return phrases_of(CatalogRepository(session).index_entries())

    def live_phrases(
        self, make: Callable[[List[Tuple[str, str]]], T], interval: Seconds
    ) -> LiveValue[T]:
        """``make(phrases)`` (the NLU's phrase matcher), remade when the catalog changes."""
        return LiveValue("Catalog phrases", self.revision, lambda: make(self.phrases()), interval)

    def resolve(self, text: str) -> Resolution:
        """Which procedure ``text`` names: one, several close ones, or none."""
        found = self.index().search(text or "", limit=12)
        hits = [h for h in found if h.phrase or h.coverage >= MIN_COVERAGE]
        if not hits:
            loose = [h for h in found if h.coverage >= SUGGEST_COVERAGE][:MIN_CHOICES]
            if loose:
                return Resolution("ambiguous", None, loose, weak=True)
            return Resolution("none")
        best = hits[0]
        phrase_hits = [h for h in hits if h.phrase]
        if phrase_hits and phrase_hits[0] is best:
            close = [h for h in phrase_hits if h.score >= best.score * AMBIGUITY_RATIO]
        else:
            close = [h for h in hits if h.score >= best.score * AMBIGUITY_RATIO]
        if len(close) == 1:
            return Resolution("match", best.code, [best])
        choices = [h for h in hits if h.score >= best.score * CHOICE_RATIO][:MAX_CHOICES]
        if len(choices) < MIN_CHOICES:
            choices = hits[:MIN_CHOICES]
        return Resolution("ambiguous", None, order_choices(choices))

    def get(self, code: str) -> ProcedureRecord | None:
        """The procedure's record; callers read it and never change it (it is shared).

        A turn that answers reads its procedure's record: with its documents, channels and
        legal bases that took a fifth of the action server's time per turn (py-spy,
        benchmarks/throughput.py), and the same few procedures are asked about all day.
        """
        records = self._records.get()
        record = records.get(code)
        if record is None:
            with session_scope(self.database_url) as session:
                record = CatalogRepository(session).get(code)
            if record is not None and len(records) < MAX_CACHED_RECORDS:
                records[code] = record
        return record


_services: dict = {}


def get_service(database_url: str | None = None) -> CatalogService:
    """One service (and index) per database per process."""
    return one_per_database(_services, CatalogService, database_url)
