"""The FAQ as the NLU reads it: the active entries' index, kept live while staff edit.

The index (:class:`assistant.faq.retrieval.FaqIndex`) is rebuilt when the ``faq`` revision
changes, checked at most every ``FAQ_REFRESH_SECONDS`` (:class:`assistant.db.live.LiveValue`),
so a new or edited entry is matched within seconds, long before the next retraining. While
the table cannot be read, the index built last keeps answering.
"""

from __future__ import annotations

from typing import List

from assistant.db.live import LiveValue, Seconds, one_per_database
from assistant.db.session import session_scope
from assistant.faq.repository import FaqRepository
from assistant.faq.retrieval import FaqHit, FaqIndex, doc_of
from assistant.settings import get_settings


def _refresh_seconds() -> float:
    return get_settings().faq_refresh_seconds


class FaqService:
    def __init__(self, database_url: str | None = None, refresh: Seconds | None = None) -> None:
        self.database_url = database_url
        interval = _refresh_seconds if refresh is None else refresh
        self._index = LiveValue("FAQ retrieval", self.revision, self._build_index, interval)

    def revision(self) -> int:
        with session_scope(self.database_url) as session:
            return FaqRepository(session).revision()

    def _build_index(self) -> FaqIndex:
        with session_scope(self.database_url) as session:
            docs = [doc_of(e) for e in FaqRepository(session).active_entries()]
        return FaqIndex(docs)

    def index(self) -> FaqIndex:
        """The index of the active entries; raises only if it could never be built."""
        return self._index.get()

    def expire(self) -> None:
        """Read the table again at the next question (after a write in this process)."""
        self._index.expire()

    def match(self, text: str) -> FaqHit | None:
        return self.index().match(text)

    def rank(self, text: str, limit: int = 5) -> List[FaqHit]:
        return self.index().rank(text, limit)

    def shared_terms(self, text: str, key: str, enough: int = 3) -> List[str]:
        """The distinctive word pairs ``text`` shares with entry ``key`` (see FaqIndex)."""
        return self.index().shared_terms(text, key, enough)


_services: dict = {}


def get_faq_service(database_url: str | None = None) -> FaqService:
    """One service (and index) per database per process."""
    return one_per_database(_services, FaqService, database_url)
