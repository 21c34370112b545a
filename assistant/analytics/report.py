"""The statistics report for a period: the figures of the "Thống kê" page, of
``assistant report`` and of the IOC's API, built once here.

Conversation figures come from the daily roll-up of the tracker (``stats_daily``); the desk's
(ratings, handoffs, petitions, unanswered questions) from the project's own tables
(:mod:`assistant.analytics.desk_sections`). Days are local (Vietnam time).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Dict, List, Tuple

from assistant.analytics import desk_sections
from assistant.analytics.fold import latency_keys, percentile
from assistant.analytics.outcomes import ANSWERED, OUTCOME_LABELS, OUTCOMES
from assistant.analytics.period import MAX_DAYS
from assistant.analytics.repository import StatsRepository
from assistant.analytics.sections import Chart, Report, Section, share
from assistant.answering.replies import ASPECT_LABELS
from assistant.audit import utcnow
from assistant.catalog.repository import CatalogRepository
from assistant.channels.names import CHANNEL_NAMES
from assistant.db.session import session_scope
from assistant.localtime import LOCAL_OFFSET

TOP_PROCEDURES = 20
LOOKUP_LABELS = {
    "verified": "Xác minh đúng, đã xem hồ sơ",
    "failed": "Xác minh sai",
    "locked": "Bị tạm khóa do sai nhiều lần",
}


def utc_bounds(start: date, end: date) -> Tuple[datetime, datetime]:
    """The naive-UTC instants that bound the local days ``start``…``end``."""
    return (
        datetime.combine(start, datetime.min.time()) - LOCAL_OFFSET,
        datetime.combine(end + timedelta(days=1), datetime.min.time()) - LOCAL_OFFSET,
    )


def build_report(start: date, end: date, channel: str = "") -> Report:
    if end < start:
        raise ValueError("Ngày bắt đầu phải trước ngày kết thúc.")
    if (end - start).days >= MAX_DAYS:
        raise ValueError(f"Mỗi báo cáo tối đa {MAX_DAYS} ngày.")
    with session_scope() as session:
        figures = StatsRepository(session).figures(start, end, channel)
        by: Dict[str, List[Tuple[date, str, str, int]]] = defaultdict(list)
        for day, row_channel, metric, key, value in figures:
            by[metric].append((day, row_channel, key, int(value)))
        codes = {key.split("|", 1)[0] for _, _, key, _ in by["procedure"]}
        names = CatalogRepository(session).names(codes)
        between = (session, *utc_bounds(start, end), channel)
        sections = [
            _traffic(start, end, by),
            _containment(start, end, by),
            _outcomes(by),
            desk_sections.feedback(*between),
            desk_sections.handoffs(*between),
            _procedures(by, names),
            desk_sections.unanswered(*between),
            _lookups(by),
            *desk_sections.petitions(*between),
            _latency(start, end, by),
        ]
    return Report(start, end, channel, utcnow(), sections)


def _days(start: date, end: date) -> List[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _traffic(start: date, end: date, by) -> Section:
    conversations: Dict[Tuple[date, str], int] = Counter()
    messages: Dict[date, int] = Counter()
    for day, channel, _, value in by["conversations"]:
        conversations[(day, CHANNEL_NAMES.get(channel, "Khác"))] += value
    for day, _, _, value in by["messages"]:
        messages[day] += value
    labels = list(CHANNEL_NAMES.values())
    if any(label == "Khác" for _, label in conversations):
        labels.append("Khác")
    rows = []
    for day in _days(start, end):
        per = [conversations.get((day, label), 0) for label in labels]
        rows.append([day.strftime("%d/%m"), *per, sum(per), messages.get(day, 0)])
    total = sum(r[-2] for r in rows)
    return Section(
        "traffic",
        "Hội thoại và tin nhắn theo ngày, theo kênh",
        ["Ngày", *labels, "Tổng hội thoại", "Tin nhắn"],
        rows,
        Chart("stacked", 0, list(range(1, len(labels) + 1))),
        "Một hội thoại là một người dân nhắn tin trong một ngày.",
        {"Hội thoại": total, "Tin nhắn": sum(r[-1] for r in rows)},
    )


def _containment(start: date, end: date, by) -> Section:
    total: Dict[date, int] = Counter()
    handed: Dict[date, int] = Counter()
    for day, _, _, value in by["conversations"]:
        total[day] += value
    for day, _, _, value in by["handoff_conversations"]:
        handed[day] += value
    rows = []
    for day in _days(start, end):
        kept = total[day] - handed[day]
        rows.append([day.strftime("%d/%m"), total[day], kept, share(kept, total[day])])
    all_total, all_kept = sum(r[1] for r in rows), sum(r[2] for r in rows)
    return Section(
        "containment",
        "Hội thoại trợ lý tự giải quyết (không chuyển cán bộ)",
        ["Ngày", "Hội thoại", "Không chuyển cán bộ", "Tỉ lệ (%)"],
        rows,
        Chart("line", 0, [3], "%"),
        "Hội thoại có yêu cầu gặp cán bộ (trực tuyến hoặc để lại lời nhắn) là hội thoại "
        "không tự giải quyết.",
        {"Tỉ lệ tự giải quyết (%)": share(all_kept, all_total)},
    )


def _outcomes(by) -> Section:
    counts: Dict[str, int] = Counter()
    for _, _, key, value in by["turns"]:
        counts[key] += value
    total = sum(counts.values())
    rows = [[OUTCOME_LABELS[o], counts.get(o, 0), share(counts.get(o, 0), total)] for o in OUTCOMES]
    answered = sum(counts.get(o, 0) for o in ANSWERED)
    return Section(
        "outcomes",
        "Kết quả từng lượt hỏi đáp",
        ["Kết quả", "Số lượt", "Tỉ lệ (%)"],
        rows,
        Chart("hbar", 0, [1]),
        "Mỗi lượt là một tin nhắn của người dân và câu trả lời của trợ lý.",
        {
            "Lượt hỏi đáp": total,
            "Trả lời được (%)": share(answered, total),
            "Chưa trả lời được (%)": share(counts.get("decline", 0), total),
        },
    )


def _procedures(by, names: Dict[str, str]) -> Section:
    totals: Dict[str, int] = Counter()
    aspects: Dict[str, Counter] = defaultdict(Counter)
    for _, _, key, value in by["procedure"]:
        code, _, aspect = key.partition("|")
        totals[code] += value
        aspects[code][aspect] += value
    rows = []
    for code, count in totals.most_common(TOP_PROCEDURES):
        asked = ", ".join(
            f"{ASPECT_LABELS.get(a, a or 'chung')} {n}" for a, n in aspects[code].most_common()
        )
        rows.append([names.get(code, code), code, asked, count])
    return Section(
        "procedures",
        f"{TOP_PROCEDURES} thủ tục được hỏi nhiều nhất",
        ["Thủ tục", "Mã", "Nội dung hỏi", "Số lượt"],
        rows,
        Chart("hbar", 0, [3]),
        "Chỉ tính các câu trả lời về thủ tục; nội dung hỏi là phần thông tin được trả lời.",
        {"Số thủ tục khác nhau": len(totals)},
    )


def _lookups(by) -> Section:
    counts: Dict[str, int] = Counter()
    for _, _, key, value in by["dossier"]:
        counts[key] += value
    rows = [[label, counts.get(key, 0)] for key, label in LOOKUP_LABELS.items()]
    return Section(
        "dossiers",
        "Tra cứu hồ sơ và phản ánh",
        ["Kết quả", "Số lượt"],
        rows,
        Chart("bar", 0, [1]),
        "",
        {"Lượt tra cứu": sum(counts.values())},
    )


def _latency(start: date, end: date, by) -> Section:
    per_day: Dict[date, Dict[str, int]] = defaultdict(Counter)
    overall: Dict[str, int] = Counter()
    for day, _, key, value in by["latency"]:
        per_day[day][key] += value
        overall[key] += value
    rows = []
    for day in _days(start, end):
        buckets = per_day.get(day, {})
        rows.append(
            [
                day.strftime("%d/%m"),
                _ms(percentile(buckets, 0.5)),
                _ms(percentile(buckets, 0.95)),
                sum(buckets.values()),
            ]
        )
    return Section(
        "latency",
        "Thời gian trả lời (p50, p95)",
        ["Ngày", "p50 (ms)", "p95 (ms)", "Số lượt"],
        rows,
        Chart("line", 0, [1, 2], "ms"),
        "Thời gian trợ lý xử lý một tin nhắn, đo trên hội thoại đã lưu; mỗi số là cận trên "
        f"của khoảng đo ({', '.join(latency_keys()[:-1])} ms, trên 10000 ms ghi là '> 10000').",
        {
            "p50 (ms)": _ms(percentile(overall, 0.5)),
            "p95 (ms)": _ms(percentile(overall, 0.95)),
        },
    )


def _ms(value):
    if value is None:
        return None
    return "> 10000" if value == float("inf") else int(value)
