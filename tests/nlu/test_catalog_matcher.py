"""spaCy phrase matching of catalog names and aliases, and the Rasa component around it."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from assistant.catalog.repository import CatalogRepository
from assistant.db.session import session_scope
from assistant.nlu.catalog_matcher import CatalogEntityExtractor, CatalogMatcher

PHRASES = [
    ("A", "Đăng ký khai sinh"),
    ("A", "làm giấy khai sinh"),
    ("B", "Cấp thẻ căn cước"),
    ("B", "làm căn cước"),
    ("C", "sổ đỏ"),
    ("D", "Đăng ký khai sinh lưu động"),
]


@pytest.fixture(scope="module")
def matcher():
    return CatalogMatcher(PHRASES)


@pytest.mark.parametrize(
    "text, spans",
    [
        ("Làm giấy khai sinh cho con cần gì?", [("Làm giấy khai sinh", ["A"])]),
        ("lam giay khai sinh o dau", [("lam giay khai sinh", ["A"])]),
        ("ĐĂNG KÝ KHAI SINH mất bao lâu", [("ĐĂNG KÝ KHAI SINH", ["A"])]),
        ("đăng ký khai sinh lưu động ở đâu", [("đăng ký khai sinh lưu động", ["D"])]),
        ("làm căn cước và sổ đỏ", [("làm căn cước", ["B"]), ("sổ đỏ", ["C"])]),
        ("cấp thẻ cccd", []),  # "cccd" expands to "căn cước công dân", not "thẻ căn cước"
        ("lam so do het bao nhieu", [("so do", ["C"])]),
        ("thời tiết hôm nay", []),
        ("", []),
    ],
)
def test_find(matcher, text, spans):
    found = matcher.find(text)
    assert [(f["value"], f["codes"]) for f in found] == spans
    for f in found:
        assert text[f["start"] : f["end"]] == f["value"]


def test_match_must_not_cut_a_word(matcher):
    # "sổ đỏ" inside "sổ đỏ" is fine; "khai sinh" alone is not a pattern, and a pattern may
    # not begin inside an underthesea word.
    assert matcher.find("học sinh khai sinh") == []


def test_component_reads_the_catalog_and_sees_new_aliases(seeded_database):
    component = CatalogEntityExtractor({"refresh_seconds": 0})
    message = Message(data={"text": "thủ tục chim cánh cụt xanh cần gì"})
    component.process([message])
    assert not message.get("entities")

    with session_scope(seeded_database) as session:
        repo = CatalogRepository(session)
        code = next(iter(repo.codes()))
        repo.add_alias(code, "thủ tục chim cánh cụt xanh")
    message = Message(data={"text": "thủ tục chim cánh cụt xanh cần gì"})
    component.process([message])
    [entity] = message.get("entities")
    assert entity["entity"] == "procedure"
    assert entity["value"] == "thủ tục chim cánh cụt xanh"
    assert entity["extractor"] == "CatalogEntityExtractor"


def test_component_replaces_overlapping_guesses_of_the_same_span(seeded_database):
    component = CatalogEntityExtractor({"refresh_seconds": 0})
    text = "Đăng ký kết hôn cần gì"
    guess = {"entity": "procedure", "start": 0, "end": 7, "value": "Đăng ký", "extractor": "DIET"}
    other = {"entity": "dossier_code", "start": 0, "end": 3, "value": "x", "extractor": "Regex"}
    message = Message(data={"text": text, "entities": [guess, other]})
    component.process([message])
    entities = message.get("entities")
    assert other in entities and guess not in entities
    assert any(e["extractor"] == "CatalogEntityExtractor" for e in entities)


def test_a_code_found_by_its_pattern_is_given_once(seeded_database):
    component = CatalogEntityExtractor({"refresh_seconds": 0})
    text = "mã số trên phiếu hẹn là 000.00.27.H13-240116-0005"
    start = text.index("000")
    regex = {"entity": "dossier_code", "start": start, "end": len(text),
             "value": text[start:], "extractor": "RegexEntityExtractor"}  # fmt: skip
    diet = {**regex, "start": start + 4, "extractor": "DIETClassifier", "value": text[start + 4 :]}
    elsewhere = {"entity": "phone_last4", "start": 0, "end": 2, "value": "mã",
                 "extractor": "DIETClassifier"}  # fmt: skip
    tail = {"entity": "phone_last4", "start": len(text) - 4, "end": len(text), "value": "0005",
            "extractor": "RegexEntityExtractor"}  # fmt: skip
    message = Message(data={"text": text, "entities": [regex, diet, elsewhere, tail]})
    component.process([message])
    assert message.get("entities") == [regex, elsewhere]
    alone = {**tail, "start": 0, "end": 4, "value": "0912"}  # digits of their own stay
    message = Message(data={"text": "0912 là số cuối", "entities": [alone]})
    component.process([message])
    assert message.get("entities") == [alone]


def test_a_one_syllable_procedure_guess_is_dropped(seeded_database):
    component = CatalogEntityExtractor({"refresh_seconds": 0})
    text = "làm hộ chiếu lần đầu tốn bao nhiêu, cccd nữa"
    start = text.index("lần")
    junk = {"entity": "procedure", "start": start, "end": start + 3, "value": "lần",
            "extractor": "DIETClassifier"}  # fmt: skip
    start = text.index("cccd")
    short = {"entity": "procedure", "start": start, "end": start + 4, "value": "cccd",
             "extractor": "DIETClassifier", "confidence_entity": 0.97}  # fmt: skip
    message = Message(data={"text": text, "entities": [junk, short]})
    component.process([message])
    entities = message.get("entities")
    assert junk not in entities  # no procedure is named in one syllable …
    assert short in entities  # … an abbreviation stands for several


def test_an_unsure_guess_beside_a_catalog_name_is_dropped(seeded_database):
    # A trained model tagged "lần đầu" (0.53) beside "làm hộ chiếu", which the catalog
    # grounds; a guess DIET is sure of stays (another procedure may be named).
    component = CatalogEntityExtractor({"refresh_seconds": 0})
    text = "làm hộ chiếu lần đầu tốn bao nhiêu, đổi bằng lái nữa"
    start = text.index("lần đầu")
    unsure = {"entity": "procedure", "start": start, "end": start + 7, "value": "lần đầu",
              "extractor": "DIETClassifier", "confidence_entity": 0.53}  # fmt: skip
    start = text.index("đổi bằng lái")
    sure = {"entity": "procedure", "start": start, "end": start + 12, "value": "đổi bằng lái",
            "extractor": "DIETClassifier", "confidence_entity": 0.93}  # fmt: skip
    message = Message(data={"text": text, "entities": [unsure, sure]})
    component.process([message])
    entities = message.get("entities")
    assert unsure not in entities and sure in entities
    assert any(e["value"] == "làm hộ chiếu" for e in entities)


def test_component_without_a_database_extracts_nothing_and_does_not_fail(monkeypatch):
    from assistant.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    component = CatalogEntityExtractor({"refresh_seconds": 0})
    message = Message(data={"text": "làm giấy khai sinh"})
    component.process([message])
    assert not message.get("entities")
    get_settings.cache_clear()
