"""CatalogService keeps the catalog's live views: the search index and the NLU phrases."""

from __future__ import annotations

import pytest

from assistant.catalog.repository import CatalogRepository
from assistant.catalog.search import Entry
from assistant.catalog.service import CatalogService, phrases_of
from assistant.db.session import session_scope

ALIAS = "thủ tục chim cánh cụt xanh"


@pytest.mark.parametrize(
    "entry, phrases",
    [
        (Entry("A", "Thủ tục đăng ký khai sinh"), [("A", "đăng ký khai sinh")]),
        (Entry("A", "THỦ TỤC cấp bản sao"), [("A", "cấp bản sao")]),
        (Entry("B", "Thủ tục"), [("B", "Thủ tục")]),
        (
            Entry("C", "Cấp thẻ căn cước", aliases=("làm căn cước", "thủ tục làm cccd")),
            [("C", "Cấp thẻ căn cước"), ("C", "làm căn cước"), ("C", "thủ tục làm cccd")],
        ),
    ],
)
def test_phrases_are_names_without_the_prefix_and_aliases_as_given(entry, phrases):
    assert phrases_of([entry]) == phrases


def test_phrases_come_from_the_catalog(seeded_database):
    phrases = CatalogService(seeded_database).phrases()
    assert any(phrase == "Đăng ký khai sinh" for _, phrase in phrases)


def test_live_phrases_are_remade_when_an_alias_is_added(seeded_database):
    service = CatalogService(seeded_database)
    live = service.live_phrases(lambda phrases: {p for _, p in phrases}, interval=0)
    assert ALIAS not in live.get()
    with session_scope(seeded_database) as session:
        repo = CatalogRepository(session)
        repo.add_alias(next(iter(repo.codes())), ALIAS)
    assert ALIAS in live.get()


def test_the_index_survives_a_database_that_stops_answering(seeded_database, tmp_path):
    service = CatalogService(seeded_database)
    before = service.index()
    service.database_url = f"sqlite:///{tmp_path}"  # a directory: every query fails
    assert service.index() is before
    assert service.resolve("đăng ký khai sinh").kind == "match"


def test_a_record_is_read_once_until_the_catalog_changes(seeded_database, monkeypatch):
    monkeypatch.setattr("assistant.catalog.service._refresh_seconds", lambda: 0)
    service = CatalogService(seeded_database)
    with session_scope(seeded_database) as session:
        code = next(iter(CatalogRepository(session).codes()))
    first = service.get(code)
    assert first is not None and service.get(code) is first  # kept, not read again
    assert service.get("no-such-code") is None
    with session_scope(seeded_database) as session:
        CatalogRepository(session).add_alias(code, ALIAS)
    again = service.get(code)
    assert again is not first and ALIAS in again.aliases
