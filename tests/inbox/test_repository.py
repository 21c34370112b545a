"""The inbox against a throw-away database: masking, grouping, each decision and refusals."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import List

import pytest
from sqlalchemy import func, select

from assistant.catalog.service import get_service
from assistant.db.models import (
    AuditEntry,
    FaqEntry,
    ProcedureAlias,
    TrainingExample,
    UnansweredMessage,
)
from assistant.db.session import session_scope
from assistant.inbox.examples import TrainingExampleRepository
from assistant.inbox.repository import InboxError, InboxRepository
from assistant.sender_hash import sender_hash
from assistant.settings import PROJECT_ROOT

KHAI_SINH = "1.001193"  # Đăng ký khai sinh, in data/catalog/seed.yml


def record(text: str, intent: str = "out_of_scope", reason: str = "out_of_scope", **kw) -> int:
    with session_scope() as s:
        message = InboxRepository(s).record(
            kw.get("sender", "zalo-user-1"), kw.get("channel", "zalo"), text, intent, 0.42, reason
        )
        return message.id if message else None


def statuses() -> List[str]:
    with session_scope() as s:
        return [
            m.status for m in s.scalars(select(UnansweredMessage).order_by(UnansweredMessage.id))
        ]


def counts():
    """Everything a decision may write, to check that a refusal wrote nothing."""
    with session_scope() as s:
        return tuple(
            s.scalar(select(func.count(model.id)))
            for model in (TrainingExample, FaqEntry, ProcedureAlias, AuditEntry)
        ) + (tuple(statuses()),)


def test_record_masks_numbers_and_hashes_the_sender(database_url):
    text = "  SĐT tôi 0912345678, CCCD 001203004567, hồ sơ 000.00.27.H13-240115-0001 ạ  "
    message_id = record(text, sender="fb-123456")
    with session_scope() as s:
        row = s.get(UnansweredMessage, message_id)
        assert "0912345678" not in row.text and "001203004567" not in row.text
        assert "4567" not in row.text.replace("0001", "")
        assert "000.00.27.H13-240115-0001" in row.text  # dossier codes are not personal
        assert row.text.startswith("SĐT tôi") and row.text.endswith("ạ")
        assert row.sender_hash == sender_hash("fb-123456")
        assert row.sender_hash != hashlib.sha256(b"fb-123456").hexdigest()  # keyed, not plain
        assert "fb-123456" not in (row.sender_hash + row.text + row.channel)
        assert (row.channel, row.intent, row.reason, row.status) == (
            "zalo",
            "out_of_scope",
            "out_of_scope",
            "open",
        )
        assert row.confidence == pytest.approx(0.42) and row.created_at is not None


def test_record_skips_empty_text_and_truncates_long_text(database_url):
    assert record("   ") is None
    message_id = record("a" * 5000)
    with session_scope() as s:
        assert len(s.get(UnansweredMessage, message_id).text) == 1000
        assert InboxRepository(s).count() == 1
    with session_scope() as s, pytest.raises(InboxError):
        InboxRepository(s).record("x", "", "câu hỏi", "", 0.0, "whatever")


def test_groups_count_and_order(database_url):
    for text in [
        "thời tiết cần thơ",
        "giá vàng hôm nay",
        "gia vang hom nay bao nhieu",
        "Giá vàng hôm nay?",
        "giá vàng sjc hôm nay",
        "kể chuyện cười đi",
        "kể chuyện cười",
    ]:
        record(text)
    record("giá vàng hôm nay", intent="ask_fee", reason="fallback")
    with session_scope() as s:
        repo = InboxRepository(s)
        groups = repo.groups()
        assert repo.count() == 8 and repo.count("noise") == 0
    assert [g.count for g in groups] == [5, 2, 1]
    gold = groups[0]
    assert gold.text == "giá vàng hôm nay"  # the most frequent wording
    assert len(gold.ids) == 5 and gold.ids[0] == 8  # the newest of that wording first
    assert gold.examples[0] == "giá vàng hôm nay"
    assert set(gold.examples) == {
        "giá vàng hôm nay",
        "gia vang hom nay bao nhieu",
        "giá vàng sjc hôm nay",
    }
    assert gold.intents == {"out_of_scope": 4, "ask_fee": 1}
    assert gold.reasons == {"out_of_scope": 4, "fallback": 1}
    assert groups[2].text == "thời tiết cần thơ"
    with session_scope() as s:
        assert gold.last_at == s.get(UnansweredMessage, 8).created_at
        assert len(InboxRepository(s).groups(limit=2)) == 2


def test_groups_show_only_the_asked_status(database_url):
    first = record("giá vàng hôm nay")
    record("thời tiết cần thơ")
    with session_scope() as s:
        InboxRepository(s).resolve("lan", [first], "noise")
    with session_scope() as s:
        repo = InboxRepository(s)
        assert [g.text for g in repo.groups()] == ["thời tiết cần thơ"]
        assert [g.text for g in repo.groups("noise")] == ["giá vàng hôm nay"]


def test_paraphrase_creates_one_example_per_distinct_text(database_url):
    ids = [
        record(t, intent="ask_fee", reason="fallback")
        for t in ["lệ phí làm sổ đỏ", "Lệ phí làm sổ đỏ?", "le phi lam so do bn"]
    ]
    with session_scope() as s:
        result = InboxRepository(s).resolve("lan", ids, "paraphrase", intent="ask_fee")
    assert result["decision"] == "paraphrase" and result["ids"] == ids
    with session_scope() as s:
        examples = list(s.scalars(select(TrainingExample).order_by(TrainingExample.id)))
        assert [(e.intent, e.text, e.source, e.active) for e in examples] == [
            ("ask_fee", "lệ phí làm sổ đỏ", "inbox", True),
            ("ask_fee", "le phi lam so do bn", "inbox", True),
        ]
        assert result["example_ids"] == [e.id for e in examples]
        rows = list(s.scalars(select(UnansweredMessage)))
        assert {r.status for r in rows} == {"paraphrase"}
        assert all(r.resolved_by == "lan" and r.resolved_at for r in rows)
        assert rows[0].resolution == {
            "intent": "ask_fee",
            "example_ids": result["example_ids"],
            "refused": [],
        }
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "inbox.paraphrase"))
        assert (entry.entity, entry.entity_id, entry.actor) == (
            "inbox",
            ",".join(map(str, ids)),
            "lan",
        )
        assert entry.after["example_ids"] == result["example_ids"]
    # A second group with the same wording does not duplicate the example.
    again = record("lệ phí làm sổ đỏ", intent="ask_fee", reason="fallback")
    with session_scope() as s:
        assert (
            InboxRepository(s).resolve("lan", [again], "paraphrase", intent="ask_fee")[
                "example_ids"
            ]
            == []
        )
        assert TrainingExampleRepository(s).count() == 2


def test_faq_creates_an_entry_with_the_other_texts_as_paraphrases(database_url):
    ids = [
        record(t, intent="faq", reason="faq_inactive")
        for t in [
            "trung tâm có làm thứ bảy không",
            "thu 7 co lam viec ko",
            "sáng thứ bảy có mở cửa không",
        ]
    ]
    with session_scope() as s:
        result = InboxRepository(s).resolve(
            "lan", ids, "faq", answer="Trung tâm làm việc sáng thứ Bảy, từ 7 giờ 30 đến 11 giờ 30."
        )
    with session_scope() as s:
        entry = s.get(FaqEntry, result["faq_id"])
        assert entry.question == "trung tâm có làm thứ bảy không"
        assert entry.paraphrases == ["thu 7 co lam viec ko", "sáng thứ bảy có mở cửa không"]
        assert entry.source == "inbox" and entry.answer.startswith("Trung tâm làm việc")
        assert result["faq_key"] == entry.key
        assert set(statuses()) == {"faq"}
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "inbox.faq")).one()


def test_faq_with_an_explicit_question_keeps_every_text_as_a_paraphrase(database_url):
    ids = [record("thu 7 co lam viec ko"), record("sáng thứ bảy có mở cửa không")]
    with session_scope() as s:
        result = InboxRepository(s).resolve(
            "lan",
            ids,
            "faq",
            question="Trung tâm có làm việc thứ Bảy không?",
            answer="Có, buổi sáng.",
        )
        entry = s.get(FaqEntry, result["faq_id"])
        assert entry.question == "Trung tâm có làm việc thứ Bảy không?"
        assert entry.paraphrases == ["thu 7 co lam viec ko", "sáng thứ bảy có mở cửa không"]


def test_alias_resolves_at_once(seeded_database):
    alias = "giấy tờ cho em bé mới chào đời"
    assert get_service().resolve(alias).code != KHAI_SINH
    ids = [record(alias, intent="ask_documents", reason="fallback")]
    with session_scope() as s:
        result = InboxRepository(s).resolve("lan", ids, "alias", code=KHAI_SINH)
    assert (result["code"], result["alias"], result["added"]) == (KHAI_SINH, alias, True)
    resolution = get_service().resolve(alias)
    assert (resolution.kind, resolution.code) == ("match", KHAI_SINH)
    assert statuses() == ["alias"]


def test_alias_can_be_given_explicitly(seeded_database):
    ids = [record("cho bé đi khai giấy")]
    with session_scope() as s:
        result = InboxRepository(s).resolve(
            "lan", ids, "alias", code=KHAI_SINH, alias="khai giấy cho bé"
        )
    assert result["alias"] == "khai giấy cho bé"
    with session_scope() as s:
        aliases = set(
            s.scalars(select(ProcedureAlias.alias).where(ProcedureAlias.source == "staff"))
        )
    assert aliases == {"khai giấy cho bé"}


def test_noise_only_changes_the_status(database_url):
    ids = [record("kể chuyện cười đi"), record("kể chuyện cười")]
    before = counts()
    with session_scope() as s:
        result = InboxRepository(s).resolve("lan", ids, "noise")
    assert result == {"decision": "noise", "ids": ids}
    after = counts()
    assert after[:3] == before[:3] and after[3] == before[3] + 1  # one audit entry
    assert statuses() == ["noise", "noise"]


@pytest.mark.parametrize(
    "decision, kwargs, message",
    [
        ("delete", {}, "Quyết định không hợp lệ"),
        ("paraphrase", {}, "ý định"),
        ("paraphrase", {"intent": "faq"}, "ý định"),
        ("paraphrase", {"intent": "nlu_fallback"}, "ý định"),
        ("paraphrase", {"intent": "no_such_intent"}, "ý định"),
        ("faq", {"answer": "   "}, "câu trả lời"),
        ("alias", {}, "mã thủ tục"),
        ("alias", {"code": "9.999999"}, "Không có thủ tục mã 9.999999"),
    ],
)
def test_refusals_change_nothing(seeded_database, decision, kwargs, message):
    ids = [record("giá vàng hôm nay"), record("gia vang hom nay")]
    before = counts()
    with session_scope() as s, pytest.raises(InboxError, match=message):
        InboxRepository(s).resolve("lan", ids, decision, **kwargs)
    assert counts() == before and statuses() == ["open", "open"]


def test_faq_refusal_from_the_faq_rules_changes_nothing(database_url):
    first = [record("giờ làm việc của trung tâm")]
    with session_scope() as s:
        InboxRepository(s).resolve("lan", first, "faq", answer="Từ 7 giờ 30 đến 17 giờ.")
    second = [record("gio lam viec cua trung tam")]
    before = counts()
    with session_scope() as s, pytest.raises(InboxError, match="trùng"):
        InboxRepository(s).resolve("minh", second, "faq", answer="Một câu trả lời khác.")
    assert counts() == before


def test_only_open_messages_are_resolved(database_url):
    done, still_open = record("giá vàng"), record("gia vang")
    with session_scope() as s:
        InboxRepository(s).resolve("lan", [done], "noise")
    with session_scope() as s, pytest.raises(InboxError, match="Không còn câu hỏi"):
        InboxRepository(s).resolve("minh", [done, 9999], "paraphrase", intent="ask_fee")
    with session_scope() as s:
        result = InboxRepository(s).resolve("minh", [done, still_open], "noise")
        assert result["ids"] == [still_open]
        assert s.get(UnansweredMessage, done).resolved_by == "lan"


def test_audit_entity_id_of_a_big_group_fits_its_column(database_url):
    ids = [record(f"giá vàng {i}") for i in range(40)]
    with session_scope() as s:
        InboxRepository(s).resolve("lan", ids, "noise")
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "inbox.noise")).one()
        assert len(entry.entity_id) <= 64 and entry.entity_id.startswith("1,2,3,")
        assert entry.after["ids"] == ids


def test_newest_first_within_the_grouping_window(database_url, monkeypatch):
    monkeypatch.setattr("assistant.inbox.repository.GROUPED_MESSAGES", 2)
    old = record("thời tiết cần thơ")
    record("giá vàng hôm nay")
    record("giá vàng sjc")
    with session_scope() as s:
        s.get(UnansweredMessage, old).created_at -= timedelta(days=1)
    with session_scope() as s:
        groups = InboxRepository(s).groups()
    assert [g.count for g in groups] == [2] and old not in groups[0].ids


def test_a_near_copy_of_a_scored_sentence_is_refused_with_the_reason(database_url):
    from assistant.heldout import file_sentences, syllables

    held = PROJECT_ROOT / "tests" / "nlu_eval" / "heldout.yml"
    sentence = next(s for s in file_sentences(held) if len(syllables(s)) >= 6)
    with session_scope() as s:
        with pytest.raises(InboxError, match="quá giống") as refused:
            TrainingExampleRepository(s).add("lan", "ask_fee", sentence + " ạ")
        assert sentence in str(refused.value)
        assert TrainingExampleRepository(s).count() == 0
    ids = [record(t, intent="ask_fee", reason="fallback") for t in (sentence, "phí làm hộ chiếu")]
    with session_scope() as s:
        result = InboxRepository(s).resolve("lan", ids, "paraphrase", intent="ask_fee")
        assert len(result["example_ids"]) == 1 and len(result["refused"]) == 1
        assert [e.text for e in TrainingExampleRepository(s).list()] == ["phí làm hộ chiếu"]
