"""Names and aliases quoted whole: the table the catalog search looks a question's n-grams up in."""

from __future__ import annotations

from assistant.catalog.phrases import (
    ALIAS_PHRASE_BONUS,
    MAX_PHRASE,
    NAME_PHRASE_BONUS,
    OBJECT_ALIAS_NAMES,
    QuotedNames,
)


def syl(text: str) -> tuple:
    return tuple(text.split())


def never(index, acts) -> bool:
    raise AssertionError("no event told: the act is not checked")


def test_a_longer_quotation_weighs_more_and_an_alias_more_than_a_name():
    quoted = QuotedNames()
    quoted.add_name(0, syl("dang ky khai sinh"), syl("thu tuc dang ky khai sinh"))
    quoted.add_alias(1, syl("lam giay khai sinh"), frozenset())
    quoted.close()
    found = quoted.bonuses(syl("toi muon dang ky khai sinh cho con"), (), never)
    assert found == {0: NAME_PHRASE_BONUS * 4}
    found = quoted.bonuses(syl("lam giay khai sinh o dau"), (), never)
    assert found == {1: ALIAS_PHRASE_BONUS * 4}


def test_an_alias_that_only_names_a_paper_many_names_act_on_is_not_entered():
    paper = frozenset(syl("giay chung nhan quyen su dung dat"))
    names = [paper | {f"x{i}"} for i in range(OBJECT_ALIAS_NAMES + 1)]
    quoted = QuotedNames()
    for i, name in enumerate(names, start=10):
        quoted.add_name(i, tuple(sorted(name)), tuple(sorted(name)))
    quoted.add_alias(0, syl("so do"), paper)
    quoted.add_alias(1, syl("lam so do lan dau"), frozenset())
    quoted.close()
    assert quoted.bonuses(syl("so do"), (), never) == {}
    assert set(quoted.bonuses(syl("lam so do lan dau"), (), never)) == {1}


def test_an_event_keeps_only_the_names_that_state_its_act():
    quoted = QuotedNames()
    quoted.add_name(0, syl("cap giay phep lai xe"), syl("cap giay phep lai xe"))
    quoted.add_name(1, syl("cap lai giay phep lai xe"), syl("cap lai giay phep lai xe"))
    quoted.close()
    states = {0: False, 1: True}
    found = quoted.bonuses(
        syl("bi mat cap giay phep lai xe"), (("cap lai",),), lambda i, a: states[i]
    )
    assert set(found) == set()  # "cấp giấy phép lái xe" quoted, but it does not re-issue
    found = quoted.bonuses(syl("cap lai giay phep lai xe"), (("cap lai",),), lambda i, a: states[i])
    assert set(found) == {1}


def test_too_long_or_only_question_words_is_not_entered():
    quoted = QuotedNames()
    quoted.add_alias(0, tuple(f"w{i}" for i in range(MAX_PHRASE + 1)), frozenset())
    quoted.add_alias(1, syl("thu tuc"), frozenset())
    quoted.close()
    assert quoted.table == {}
