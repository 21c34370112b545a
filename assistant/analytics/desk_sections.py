"""Report sections from the desk's own tables: ratings, requests for a person, the questions
the assistant could not answer (masked, grouped) and petitions. Each table is read through
its owner's repository. One function per section (three for petitions), placed among the
conversation figures by :func:`assistant.analytics.report.build_report`."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from statistics import median
from typing import Dict, List

from sqlalchemy.orm import Session

from assistant.analytics.sections import Chart, Section, share
from assistant.feedback.repository import FeedbackRepository
from assistant.feedback.service import REASONS
from assistant.handoff.repository import HandoffRepository
from assistant.inbox.repository import InboxRepository
from assistant.localtime import LOCAL_OFFSET
from assistant.petitions import config as petition_config
from assistant.petitions.repository import PetitionRepository
from assistant.petitions.statuses import LABELS as STATUS_LABELS

TOP_UNANSWERED = 10
TOP_COMMUNES = 20


def feedback(session: Session, start: datetime, end: datetime, channel: str) -> Section:
    ratings: Dict[str, int] = Counter()  # of the assistant's answers
    desk: Dict[str, int] = Counter()  # of the help of a person (live desk)
    reasons: Dict[str, int] = Counter()
    for source, rating, reason, count in FeedbackRepository(session).tally(start, end, channel):
        if source == "handoff":
            desk[rating] += count
            continue
        ratings[rating] += count
        if rating == "down" and reason:
            reasons[reason] += count
    rows = [["👍 Hài lòng", ratings["up"]], ["👎 Chưa hài lòng", ratings["down"]]]
    rows += [[f"Lý do: {label}", reasons.get(key, 0)] for key, label in REASONS.items()]
    rows += [["Hỗ trợ của cán bộ 👍", desk["up"]], ["Hỗ trợ của cán bộ 👎", desk["down"]]]
    total = ratings["up"] + ratings["down"]
    return Section(
        "feedback",
        "Đánh giá 👍/👎 và lý do",
        ["Đánh giá", "Số lượt"],
        rows,
        Chart("hbar", 0, [1]),
        "Đánh giá câu trả lời của trợ lý; lý do do người dân chọn sau một đánh giá 👎 (không "
        "bắt buộc). Hai dòng cuối: đánh giá sau khi trò chuyện với cán bộ.",
        {"Lượt đánh giá": total, "Tỉ lệ hài lòng (%)": share(ratings["up"], total)},
    )


def _seconds(values: List[float], fraction: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    if fraction == 0.5:
        return int(round(median(ordered)))
    index = min(len(ordered) - 1, max(0, int(-(-fraction * len(ordered) // 1)) - 1))
    return int(round(ordered[index]))  # nearest rank


def handoffs(session: Session, start: datetime, end: datetime, channel: str) -> Section:
    per_day: Dict[str, Dict[str, int]] = defaultdict(Counter)
    waits: Dict[str, List[float]] = defaultdict(list)
    everyone: List[float] = []
    for created, kind, _status, taken in HandoffRepository(session).between(start, end, channel):
        day = (created + LOCAL_OFFSET).strftime("%d/%m")
        per_day[day]["all"] += 1
        per_day[day][kind] += 1
        if kind == "live" and taken is not None:
            wait = (taken - created).total_seconds()
            waits[day].append(wait)
            everyone.append(wait)
    rows = []
    day = start + LOCAL_OFFSET
    while day < end + LOCAL_OFFSET:
        label = day.strftime("%d/%m")
        counts = per_day.get(label, {})
        rows.append(
            [
                label,
                counts.get("all", 0),
                counts.get("live", 0),
                counts.get("message", 0),
                _seconds(waits.get(label, []), 0.5),
                _seconds(waits.get(label, []), 0.9),
            ]
        )
        day += timedelta(days=1)
    return Section(
        "handoffs",
        "Yêu cầu gặp cán bộ và thời gian chờ",
        [
            "Ngày",
            "Yêu cầu",
            "Trực tuyến",
            "Để lại lời nhắn",
            "Chờ trung vị (giây)",
            "Chờ p90 (giây)",
        ],
        rows,
        Chart("stacked", 0, [2, 3]),
        "Thời gian chờ: từ lúc người dân vào hàng đợi đến khi cán bộ nhận (trò chuyện trực tuyến).",
        {
            "Yêu cầu": sum(r[1] for r in rows),
            "Chờ trung vị (giây)": _seconds(everyone, 0.5),
            "Chờ p90 (giây)": _seconds(everyone, 0.9),
        },
    )


def unanswered(session: Session, start: datetime, end: datetime, channel: str) -> Section:
    groups = InboxRepository(session).groups(
        status=None, limit=TOP_UNANSWERED, between=(start, end), channel=channel
    )
    rows = [[group.text, group.count] for group in groups]
    return Section(
        "unanswered",
        f"{TOP_UNANSWERED} nhóm câu hỏi chưa trả lời được nhiều nhất",
        ["Câu hỏi tiêu biểu (đã che thông tin cá nhân)", "Số lượt"],
        rows,
        Chart("hbar", 0, [1]),
        "Câu hỏi gần giống nhau được gộp một nhóm; số điện thoại, số giấy tờ đã được che.",
        {"Nhóm": len(rows)},
    )


def petitions(session: Session, start: datetime, end: datetime, channel: str) -> List[Section]:
    by_category: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    by_status: Dict[str, int] = Counter()
    by_commune: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
    for category, status, commune, overdue, count in PetitionRepository(session).tally(
        start, end, channel
    ):
        overdue = int(overdue or 0)
        by_category[category][0] += count
        by_category[category][1] += overdue
        by_status[status] += count
        by_commune[commune][0] += count
        by_commune[commune][1] += overdue
    names = {c.key: c.name for c in petition_config.categories()}
    total = sum(v[0] for v in by_category.values())
    overdue_total = sum(v[1] for v in by_category.values())
    categories = Section(
        "petitions_category",
        "Phản ánh theo lĩnh vực",
        ["Lĩnh vực", "Phản ánh", "Quá hạn"],
        [
            [names.get(k, k), v[0], v[1]]
            for k, v in sorted(by_category.items(), key=lambda i: -i[1][0])
        ],
        Chart("bar", 0, [1, 2]),
        "Quá hạn: chưa xử lý xong khi đã qua hạn.",
        {"Phản ánh": total, "Quá hạn": overdue_total},
    )
    statuses = Section(
        "petitions_status",
        "Phản ánh theo trạng thái",
        ["Trạng thái", "Phản ánh"],
        [[label, by_status.get(key, 0)] for key, label in STATUS_LABELS.items()],
        Chart("bar", 0, [1]),
    )
    communes = Section(
        "petitions_commune",
        "Phản ánh theo phường, xã",
        ["Phường, xã", "Phản ánh", "Quá hạn"],
        [
            [name, v[0], v[1]]
            for name, v in sorted(by_commune.items(), key=lambda i: (-i[1][0], i[0]))[:TOP_COMMUNES]
        ],
        Chart("hbar", 0, [1, 2]),
        f"{TOP_COMMUNES} phường, xã có nhiều phản ánh nhất.",
    )
    return [categories, statuses, communes]
