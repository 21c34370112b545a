"""The report's figures, from rolled-up conversations and the desk's tables, for a period
and a channel."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from assistant.analytics.report import build_report, utc_bounds
from assistant.analytics.rollup import Rollup
from assistant.db.models import AnswerFeedback, Handoff, Petition
from assistant.db.session import session_scope
from assistant.inbox.repository import InboxRepository
from assistant.petitions.statuses import NEW, RESOLVED
from tests.analytics.events import Store, at

DAY = date(2026, 11, 30)


def _row(section, first):
    return next(row for row in section.rows if row[0] == first)


@pytest.fixture
def traffic(tmp_path, seeded_database, monkeypatch):
    store = Store(f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("TRACKER_STORE_URL", store.url)
    d = DAY.isoformat()
    store.turn("a", at(d, 8), "zalo", "answer", procedure="1.001193", aspect="fee", latency=0.04)
    store.turn("a", at(d, 8, 1), "zalo", "answer", procedure="1.001193", aspect="time")
    store.turn("b", at(d, 9), "rest", "answer", procedure="1.001193", aspect="fee")
    store.turn("b", at(d, 9, 1), "rest", "handoff", latency=0.6)
    store.turn("c", at(d, 23, 30), "rest", "decline")  # still 30/11 in Vietnam
    store.turn("d", at("2026-12-01", 0, 30), "rest", "faq")  # 1/12, outside the period
    Rollup(store.url).run()
    start, _ = utc_bounds(DAY, DAY)
    noon = start + timedelta(hours=12)  # 12:00 in Vietnam
    with session_scope() as session:
        for n, (rating, reason) in enumerate((("up", None), ("up", None), ("down", "wrong_info"))):
            session.add(
                AnswerFeedback(
                    sender_hash=f"h{n}",
                    answer_ref=f"r{n}",
                    channel="zalo",
                    source="procedure",
                    rating=rating,
                    reason=reason,
                    created_at=noon,
                    updated_at=noon,
                )
            )
        for seconds in (30, 90, 600):
            session.add(
                Handoff(
                    kind="live",
                    status="closed",
                    channel="rest",
                    conversation_id=f"c{seconds}",
                    created_at=noon,
                    taken_at=datetime.fromtimestamp(noon.timestamp() + seconds),
                )
            )
        session.add(Handoff(kind="message", channel="zalo", conversation_id="m", created_at=noon))
        repository = InboxRepository(session)
        for text in ("xin giấy phép nuôi chó", "xin giấy phép nuôi chó mèo", "giờ mở cửa chợ"):
            repository.record("x", "rest", text, "nlu_fallback", 0.2, "fallback").created_at = noon
        for number, (category, status, due) in enumerate(
            (
                ("giao_thong", NEW, datetime(2026, 12, 1)),
                ("giao_thong", RESOLVED, datetime(2026, 12, 1)),
            )
        ):
            session.add(
                Petition(
                    code=f"PA-2026-99999{number}",
                    category=category,
                    commune_code="31117",
                    commune_name="Phường Ninh Kiều",
                    location="",
                    description="",
                    search_key="",
                    consent=False,
                    sender_hash="s",
                    conversation_id="s",
                    channel="rest",
                    status=status,
                    status_reason="",
                    public_reply="",
                    unit="",
                    due_at=due,
                    created_at=noon,
                    updated_at=noon,
                )
            )
    return store


def test_every_section_from_one_day(traffic):
    report = build_report(DAY, DAY)
    traffic_section = report.section("traffic")
    assert traffic_section.rows == [["30/11", 2, 1, 0, 3, 5]]
    assert report.section("containment").rows == [["30/11", 3, 2, 66.7]]
    outcomes = report.section("outcomes")
    assert _row(outcomes, "Trả lời thủ tục")[1:] == [3, 60.0]
    assert _row(outcomes, "Chưa trả lời được")[1] == 1
    assert outcomes.summary["Trả lời được (%)"] == 60.0
    top = report.section("procedures").rows
    assert top[0][1:] == ["1.001193", "lệ phí 2, thời gian giải quyết 1", 3]
    assert top[0][0] != "1.001193"  # the procedure's name from the catalog
    feedback = report.section("feedback")
    assert feedback.rows[:2] == [["👍 Hài lòng", 2], ["👎 Chưa hài lòng", 1]]
    assert _row(feedback, "Lý do: Thiếu/sai thông tin")[1] == 1
    handoffs = report.section("handoffs")
    assert handoffs.rows == [["30/11", 4, 3, 1, 90, 600]]
    assert report.section("unanswered").rows[0][1] == 2
    assert report.section("petitions_category").rows == [["Giao thông", 2, 1]]
    assert _row(report.section("petitions_status"), "Mới")[1] == 1
    assert report.section("petitions_commune").rows == [["Phường Ninh Kiều", 2, 1]]
    latency = report.section("latency")
    assert latency.rows == [["30/11", 50, 750, 5]]


def test_a_channel_and_a_longer_period(traffic):
    report = build_report(DAY, date(2026, 12, 1), "zalo")
    assert report.section("traffic").rows[0][-2:] == [1, 2]
    assert report.section("traffic").rows[1][-2:] == [0, 0]
    assert report.section("handoffs").summary["Yêu cầu"] == 1
    assert report.section("feedback").summary["Lượt đánh giá"] == 3
    everything = build_report(DAY, date(2026, 12, 1))
    assert everything.section("outcomes").summary["Lượt hỏi đáp"] == 6


def test_a_period_is_checked():
    with pytest.raises(ValueError):
        build_report(date(2026, 12, 2), date(2026, 12, 1))
    with pytest.raises(ValueError):
        build_report(date(2024, 1, 1), date(2026, 1, 1))
