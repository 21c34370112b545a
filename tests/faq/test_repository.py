"""FAQ storage: validation with Vietnamese messages, audit, revision, search."""

from __future__ import annotations

import pytest

from assistant import audit
from assistant.db.session import session_scope
from assistant.faq.repository import (
    MAX_ANSWER,
    MAX_PARAPHRASE,
    MAX_PARAPHRASES,
    MAX_QUESTION,
    FaqError,
    FaqRepository,
    snapshot,
)

ANSWER = "Từ thứ Hai đến thứ Sáu, 7h30–17h."


@pytest.fixture
def repo(database_url):
    with session_scope(database_url) as session:
        yield FaqRepository(session)


def test_create_stores_cleans_audits_and_bumps(repo):
    before = repo.revision()
    entry = repo.create(
        "lan",
        "  Giờ\x00 làm\tviệc   của xã?\u200b ",
        " Dòng 1\r\n\x07Dòng 2 \n",
        paraphrases=["gio lam viec cua xa", "mấy giờ  xã mở cửa", "MẤY GIỜ XÃ MỞ CỬA", ""],
        tags=["giờ làm việc", " Giờ làm việc ", "xã"],
    )
    assert entry.key == "staff_1"
    assert entry.question == "Giờ làm việc của xã?"
    assert entry.answer == "Dòng 1\nDòng 2"
    # The plain copy of the question and the upper-case copy of a paraphrase are dropped.
    assert entry.paraphrases == ["mấy giờ xã mở cửa"]
    assert entry.tags == ["giờ làm việc", "xã"]
    assert (entry.source, entry.created_by, entry.updated_by) == ("staff", "lan", "lan")
    assert entry.active is True
    assert repo.revision() == before + 1
    [record] = audit.entries(repo.session, entity="faq")
    assert (record.actor, record.action, record.entity_id) == ("lan", "faq.create", str(entry.id))
    assert record.before is None and record.after == snapshot(entry)
    assert repo.create("lan", "Câu thứ hai", ANSWER).key == "staff_2"


def test_keys_continue_after_the_highest_staff_number(repo):
    repo.create("a", "Câu một", ANSWER, key="staff_7")
    repo.create("a", "Câu hai", ANSWER, key="working_hours")
    assert repo.create("a", "Câu ba", ANSWER).key == "staff_8"
    repo.create("a", "Câu bốn", ANSWER, key="staff_9")  # e.g. a row of an import
    assert repo.create("a", "Câu năm", ANSWER).key == "staff_10"
    with pytest.raises(FaqError):
        repo.create("a", "câu năm", ANSWER)  # refused: takes no number
    assert repo.create("a", "Câu sáu", ANSWER).key == "staff_11"


def test_actor_is_kept_within_the_column(repo):
    entry = repo.create("x" * 200, "Câu một", ANSWER)
    assert entry.created_by == "x" * 64
    assert repo.update("", entry.id, answer="Khác.").updated_by == "system"
    assert audit.entries(repo.session, entity="faq")[0].actor == "system"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"question": ""}, "Câu hỏi không được để trống."),
        ({"question": " \t\n\x00 "}, "Câu hỏi không được để trống."),
        ({"answer": ""}, "Câu trả lời không được để trống."),
        ({"answer": "\x00\x01  "}, "Câu trả lời không được để trống."),
        ({"question": "a" * (MAX_QUESTION + 1)}, f"dài quá {MAX_QUESTION} ký tự"),
        ({"answer": "b" * (MAX_ANSWER + 1)}, f"dài quá {MAX_ANSWER} ký tự"),
        ({"paraphrases": ["c" * (MAX_PARAPHRASE + 1)]}, f"dài quá {MAX_PARAPHRASE} ký tự"),
        (
            {"paraphrases": [f"cách hỏi số {i}" for i in range(MAX_PARAPHRASES + 1)]},
            f"tối đa {MAX_PARAPHRASES} cách hỏi",
        ),
        ({"question": 12345}, "phải là văn bản"),
        ({"paraphrases": 7}, "danh sách"),
        ({"tags": ["a,b"]}, "dấu phẩy"),
        ({"key": "Giờ làm việc"}, "không hợp lệ"),
        ({"key": "x" * 65}, "không hợp lệ"),
        ({"key": "faq/staff-1"}, "không hợp lệ"),
        ({"source": "web"}, "không hợp lệ"),
    ],
)
def test_bad_input_is_refused_with_a_vietnamese_message(repo, kwargs, message):
    args = {"question": "Giờ làm việc của xã", "answer": ANSWER, **kwargs}
    with pytest.raises(FaqError) as error:
        repo.create("lan", **args)
    assert message in str(error.value)
    assert repo.count() == 0 and repo.revision() == 0


@pytest.mark.parametrize(
    "question",
    [
        "Ủy ban có làm việc thứ bảy không 😀🙏",
        "<script>alert('xss')</script> giờ làm việc",
        "'; DROP TABLE faq_entries; --",
        "Robert'); DELETE FROM audit_log WHERE ('1'='1",
        "a" * MAX_QUESTION,
    ],
)
def test_odd_but_valid_text_is_stored_verbatim(repo, question):
    entry = repo.create("lan", question, ANSWER)
    assert repo.get(entry.id).question == question
    assert repo.count() == 1


def test_duplicate_question_of_an_active_entry_is_refused_naming_it(repo):
    first = repo.create("lan", "Giờ làm việc của xã", ANSWER, paraphrases=["xã mở cửa lúc mấy giờ"])
    for question in ["gio lam viec cua xa", "GIỜ LÀM VIỆC CỦA XÃ ?", "Xã mở cửa lúc mấy giờ"]:
        with pytest.raises(FaqError) as error:
            repo.create("lan", question, ANSWER)
        assert first.key in str(error.value) and "Giờ làm việc của xã" in str(error.value)
    with pytest.raises(FaqError):
        repo.create("lan", "Câu khác hẳn", ANSWER, paraphrases=["giờ làm việc của xã"])
    assert repo.count() == 1


def test_duplicates_of_inactive_entries_are_allowed_but_not_reactivated(repo):
    first = repo.create("lan", "Giờ làm việc của xã", ANSWER)
    repo.set_active("lan", first.id, False)
    second = repo.create("lan", "giờ làm việc của xã", "Câu trả lời mới.")
    assert second.active
    inactive = repo.create("lan", "Giờ làm việc của xã", ANSWER, active=False)
    with pytest.raises(FaqError):
        repo.set_active("lan", first.id, True)
    with pytest.raises(FaqError):
        repo.update("lan", inactive.id, active=True)
    assert [e.id for e in repo.active_entries()] == [second.id]


def test_duplicate_key_is_refused(repo):
    repo.create("lan", "Câu một", ANSWER, key="hotline")
    with pytest.raises(FaqError, match="hotline"):
        repo.create("lan", "Câu hai", ANSWER, key="hotline")


def test_update_changes_audits_and_bumps_only_when_something_changed(repo):
    entry = repo.create("lan", "Giờ làm việc của xã", ANSWER)
    revision = repo.revision()
    assert repo.update("hoa", entry.id, answer=f"  {ANSWER}  ", tags=[]) is entry
    assert repo.revision() == revision
    assert len(audit.entries(repo.session, entity="faq")) == 1

    repo.update("hoa", entry.id, answer="Từ 7h đến 17h.", paraphrases=["xã làm việc mấy giờ"])
    assert entry.answer == "Từ 7h đến 17h." and entry.paraphrases == ["xã làm việc mấy giờ"]
    assert entry.question == "Giờ làm việc của xã"
    assert (entry.created_by, entry.updated_by) == ("lan", "hoa")
    assert repo.revision() == revision + 1
    latest = audit.entries(repo.session, entity="faq")[0]
    assert latest.action == "faq.update" and latest.actor == "hoa"
    assert latest.before["answer"] == ANSWER and latest.after["answer"] == "Từ 7h đến 17h."


def test_update_validates_like_create(repo):
    entry = repo.create("lan", "Giờ làm việc của xã", ANSWER)
    with pytest.raises(FaqError, match="không được để trống"):
        repo.update("lan", entry.id, question="   ")
    with pytest.raises(KeyError):
        repo.update("lan", 999, answer="x")
    assert repo.get(entry.id).question == "Giờ làm việc của xã"


def test_set_active_records_activate_and_deactivate(repo):
    entry = repo.create("lan", "Giờ làm việc của xã", ANSWER)
    repo.set_active("hoa", entry.id, False)
    assert repo.active_entries() == []
    repo.set_active("hoa", entry.id, True)
    actions = [r.action for r in reversed(audit.entries(repo.session, entity="faq"))]
    assert actions == ["faq.create", "faq.deactivate", "faq.activate"]
    assert repo.revision() == 3
    with pytest.raises(KeyError):
        repo.set_active("hoa", 12345, False)


def test_list_search_ignores_case_and_diacritics(repo):
    a = repo.create("lan", "Giờ làm việc của xã", ANSWER, tags=["Lịch"])
    b = repo.create("lan", "Quên mật khẩu VNeID", "Vào ứng dụng, chọn Quên mật khẩu.")
    c = repo.create("lan", "Lấy số thứ tự ở đâu", "Tại quầy.", paraphrases=["bốc số"])
    repo.set_active("lan", c.id, False)
    assert [e.id for e in repo.list("GIO LAM")] == [a.id]
    assert [e.id for e in repo.list("mat khau vneid")] == [b.id]
    assert [e.id for e in repo.list("ứng dụng")] == [b.id]  # in the answer
    assert [e.id for e in repo.list("lich")] == [a.id]  # in the tags
    assert [e.id for e in repo.list("boc so")] == [c.id]  # in a paraphrase
    assert [e.id for e in repo.list("boc so", active=True)] == []
    assert [e.id for e in repo.list(active=False)] == [c.id]
    assert [e.id for e in repo.list(limit=2, offset=1)] == [b.id, c.id]
    assert repo.list("'; DROP TABLE faq_entries; --") == []
    assert (repo.count(), repo.count(active=True), repo.count("xa")) == (3, 2, 1)
    assert repo.by_key(b.key) is b and repo.by_key("nope") is None
    assert repo.get("abc") is None and repo.get(999) is None
