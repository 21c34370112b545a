"""Ratings against a throw-away database: once per answer, masked, 👎 to the inbox, limits."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from assistant.db.models import AnswerFeedback, UnansweredMessage
from assistant.db.session import session_scope
from assistant.feedback.service import MAX_PER_HOUR, Answered, FeedbackService
from assistant.inbox.repository import InboxRepository
from assistant.sender_hash import sender_hash

NOW = datetime(2026, 12, 6, 9, 0)
FEE = Answered("a1b2c3d4", "procedure", procedure_code="1.001193", aspect="fee")
FAQ = Answered("e5f6a7b8", "faq", faq_key="office_hours")


def rows():
    with session_scope() as s:
        return [
            (r.answer_ref, r.rating, r.reason, r.comment)
            for r in s.scalars(select(AnswerFeedback).order_by(AnswerFeedback.id))
        ]


def inbox():
    with session_scope() as s:
        return list(s.scalars(select(UnansweredMessage).order_by(UnansweredMessage.id)))


def test_a_thumbs_up_is_stored_masked_with_its_source(database_url):
    service = FeedbackService()
    question = "khai sinh lệ phí bao nhiêu, sđt tôi 0912345678"
    assert service.rate("zalo-1", "zalo", FEE, "up", question, "model-abc", now=NOW) == "saved"
    with session_scope() as s:
        row = s.scalar(select(AnswerFeedback))
        assert row.sender_hash == sender_hash("zalo-1") and "zalo-1" not in row.sender_hash
        assert (row.source, row.procedure_code, row.aspect, row.faq_key) == (
            "procedure",
            "1.001193",
            "fee",
            None,
        )
        assert "0912345678" not in row.question and row.question.startswith("khai sinh")
        assert (row.channel, row.model_id, row.rating) == ("zalo", "model-abc", "up")
    assert inbox() == []  # only a 👎 is work for staff


def test_one_rating_per_answer_per_sender(database_url):
    service = FeedbackService()
    assert service.rate("u1", "rest", FEE, "up", "q", now=NOW) == "saved"
    assert service.rate("u1", "rest", FEE, "up", "q", now=NOW) == "same"
    assert service.rate("u1", "rest", FEE, "down", "q", now=NOW) == "changed"
    assert service.rate("u2", "rest", FEE, "up", "q", now=NOW) == "saved"  # another sender
    assert [r[:2] for r in rows()] == [("a1b2c3d4", "down"), ("a1b2c3d4", "up")]


def test_a_thumbs_down_lands_in_the_inbox_once_with_what_was_answered(database_url):
    service = FeedbackService()
    service.rate("u1", "facebook", FAQ, "down", "mấy giờ mở cửa, cccd 001203004567", now=NOW)
    service.rate("u1", "facebook", FAQ, "up", "x", now=NOW)
    service.rate("u1", "facebook", FAQ, "down", "x", now=NOW)  # filed already
    [entry] = inbox()
    assert (entry.reason, entry.channel, entry.status) == ("thumbs_down", "facebook", "open")
    assert "001203004567" not in entry.text
    assert entry.answered == {"ref": "e5f6a7b8", "source": "faq", "faq_key": "office_hours"}
    with session_scope() as s:
        [group] = InboxRepository(s).groups()
        assert group.reasons == {"thumbs_down": 1} and group.answered == {"faq:office_hours": 1}


def test_the_reason_and_a_masked_comment_reach_the_row_and_the_inbox(database_url):
    service = FeedbackService()
    service.rate("u1", "rest", FEE, "down", "lệ phí khai sinh", now=NOW)
    assert service.explain("u1", FEE.ref, "other", "gọi tôi 0987654321 nhé", now=NOW)
    assert rows() == [("a1b2c3d4", "down", "other", "gọi tôi *** nhé")]
    [entry] = inbox()
    assert entry.answered["reason"] == "other" and entry.answered["comment"] == "gọi tôi *** nhé"


def test_no_reason_without_a_thumbs_down_from_that_sender(database_url):
    service = FeedbackService()
    assert not service.explain("u1", FEE.ref, "unclear", now=NOW)  # nothing rated
    service.rate("u1", "rest", FEE, "up", "q", now=NOW)
    assert not service.explain("u1", FEE.ref, "unclear", now=NOW)  # rated 👍
    assert not service.explain("u2", FEE.ref, "unclear", now=NOW)  # someone else's answer
    with pytest.raises(ValueError):
        service.explain("u1", FEE.ref, "because", now=NOW)
    with pytest.raises(ValueError):
        service.rate("u1", "rest", FEE, "meh", "q", now=NOW)


def test_a_sender_is_limited_per_hour(database_url):
    service = FeedbackService()
    for i in range(MAX_PER_HOUR):
        answered = Answered(f"ref{i}", "procedure", procedure_code="1.001193")
        assert service.rate("u1", "rest", answered, "up", "q", now=NOW) == "saved"
    extra = Answered("one-more", "procedure", procedure_code="1.001193")
    assert service.rate("u1", "rest", extra, "up", "q", now=NOW) == "limited"
    assert service.rate("u2", "rest", extra, "up", "q", now=NOW) == "saved"  # others are not
    later = NOW + timedelta(hours=1, minutes=1)
    assert service.rate("u1", "rest", extra, "up", "q", now=later) == "saved"
    with session_scope() as s:
        assert s.scalar(select(func.count(AnswerFeedback.id))) == MAX_PER_HOUR + 2


@pytest.mark.parametrize(
    "value, expected",
    [
        ({"ref": "r1", "source": "faq", "faq_key": "k"}, Answered("r1", "faq", faq_key="k")),
        (
            {"ref": "r1", "source": "procedure", "procedure_code": "1.2", "aspect": "fee"},
            Answered("r1", "procedure", procedure_code="1.2", aspect="fee"),
        ),
        ({"ref": "", "source": "faq"}, None),
        ({"ref": "r1", "source": "elsewhere"}, None),
        ("r1", None),
        (None, None),
    ],
)
def test_answered_from_the_slot(value, expected):
    assert Answered.from_slot(value) == expected
