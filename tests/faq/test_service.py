"""FaqService: the live index of the active FAQ entries, and what it does when the table fails."""

from __future__ import annotations

from assistant.db.session import session_scope
from assistant.faq.repository import FaqRepository
from assistant.faq.service import FaqService
from assistant.settings import get_settings

QUESTION = "Trung tâm có wifi miễn phí cho người dân không"


def test_new_and_switched_off_entries_follow_the_table(database_url):
    service = FaqService(refresh=0)
    assert service.match(QUESTION) is None
    with session_scope() as session:
        entry_id = FaqRepository(session).create("lan", QUESTION, "Có.").id
    hit = service.match("trung tam co wifi mien phi ko")
    assert hit is not None and hit.id == entry_id
    assert service.rank("wifi miễn phí", limit=3)[0].id == entry_id
    assert service.index().answer(entry_id) == "Có."
    with session_scope() as session:
        FaqRepository(session).set_active("lan", entry_id, False)
    assert service.match(QUESTION) is None


def test_the_refresh_interval_defaults_to_the_setting(database_url, monkeypatch):
    monkeypatch.setenv("FAQ_REFRESH_SECONDS", "3600")
    get_settings.cache_clear()
    service = FaqService()
    assert service.match(QUESTION) is None
    with session_scope() as session:
        FaqRepository(session).create("lan", QUESTION, "Có.")
    assert service.match(QUESTION) is None  # not checked again yet
    service.expire()
    assert service.match(QUESTION) is not None


def test_a_broken_table_keeps_the_index_built_before(database_url, monkeypatch, tmp_path):
    with session_scope() as session:
        FaqRepository(session).create("lan", QUESTION, "Có.")
    service = FaqService(refresh=0)
    assert service.match(QUESTION) is not None
    # A directory is not a database: every query fails from now on.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}")
    get_settings.cache_clear()
    assert service.match(QUESTION) is not None
