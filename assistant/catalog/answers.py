"""Catalog facts turned into short, polite Vietnamese answers (channel-neutral plain text).

Every fact comes from the record; the wording around it is the only thing written here.
Answers use numbered lists and line breaks only, which every channel can show, and end with
the source link on the national portal so the citizen can check.
"""

from __future__ import annotations

import re
from typing import Callable, Dict, List, Tuple

from assistant.catalog.records import Channel, ProcedureRecord

MAX_DOCUMENTS = 15
MAX_STEPS = 6
MAX_FACT_CHARS = 320


def shorten(text: str, limit: int = MAX_FACT_CHARS) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def _source(record: ProcedureRecord) -> str:
    # One line break only: Rasa's collecting channel splits a text into messages at blank lines.
    return f"\nNguồn: {record.source_url}" if record.source_url else ""


def _copies(originals: int, copies: int) -> str:
    parts = []
    if originals:
        parts.append(f"{originals} bản chính")
    if copies:
        parts.append(f"{copies} bản sao")
    return f" ({', '.join(parts)})" if parts else ""


def documents(record: ProcedureRecord) -> str:
    if not record.documents:
        return (
            f"Danh mục giấy tờ của thủ tục {record.name} chưa có trong dữ liệu của tôi. "
            "Anh/Chị vui lòng xem chi tiết tại nguồn dưới đây." + _source(record)
        )
    lines = [f"Hồ sơ thủ tục {record.name} gồm:"]
    group = None
    for number, doc in enumerate(record.documents[:MAX_DOCUMENTS], start=1):
        if doc.group and doc.group != group:
            group = doc.group
            lines.append(group.rstrip(":") + ":")
        form = f" — mẫu: {shorten(doc.form_template, 80)}" if doc.form_template else ""
        lines.append(
            f"{number}. {shorten(doc.name, 240)}{_copies(doc.originals, doc.copies)}{form}"
        )
    extra = len(record.documents) - MAX_DOCUMENTS
    if extra > 0:
        lines.append(f"… và {extra} giấy tờ khác (xem đầy đủ tại nguồn).")
    return "\n".join(lines) + _source(record)


def _per_channel(channels: List[Channel], value: Callable[[Channel], str]) -> List[str]:
    """One line per distinct value, naming the channels that share it."""
    grouped: Dict[str, List[str]] = {}
    for channel in channels:
        text = shorten(value(channel))
        if text:
            grouped.setdefault(text, []).append(channel.channel.lower() or "trực tiếp")
    if len(grouped) == 1 and len(channels) > 1:
        return [next(iter(grouped))]
    return [f"- Nộp {', '.join(names)}: {text}" for text, names in grouped.items()]


_BARE_NUMBER = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*$")


def time_text(channel: Channel) -> str:
    """The processing time with its unit: the portal sometimes gives a bare "1"."""
    text = (channel.processing_time_text or "").strip()
    if not text or not _BARE_NUMBER.match(text):
        return text
    if channel.processing_time_unit:
        return f"{text} {channel.processing_time_unit}"
    return f"{text} (Cổng Dịch vụ công không ghi đơn vị: ngày hay ngày làm việc)"


def fee_text(channel: Channel) -> str:
    """The fee with its unit: a bare number on the portal is an amount in đồng."""
    text = (channel.fee_text or "").strip()
    if text and _BARE_NUMBER.match(text):
        return f"{text} đồng"
    return text


def fee(record: ProcedureRecord) -> str:
    lines = _per_channel(record.channels, fee_text)
    if not lines:
        return _missing(record, "Thông tin lệ phí")
    head = f"Lệ phí thủ tục {record.name}:"
    return "\n".join([head, *lines]) + _source(record)


def processing_time(record: ProcedureRecord) -> str:
    lines = _per_channel(record.channels, time_text)
    if not lines:
        return (
            f"Thời hạn giải quyết của thủ tục {record.name} chưa có trong dữ liệu của tôi. "
            "Anh/Chị vui lòng xem tại nguồn dưới đây." + _source(record)
        )
    head = f"Thời gian giải quyết thủ tục {record.name}:"
    return "\n".join([head, *lines]) + _source(record)


def where(record: ProcedureRecord) -> str:
    lines = [f"Nơi nộp hồ sơ thủ tục {record.name}:"]
    if record.reception_address:
        lines.append(f"- Địa chỉ tiếp nhận: {shorten(record.reception_address)}")
    if record.agencies:
        lines.append(f"- Cơ quan thực hiện: {shorten(', '.join(record.agencies))}")
    if record.level:
        lines.append(f"- Cấp thực hiện: {record.level}")
    channels = [c.channel.lower() for c in record.channels if c.channel]
    if channels:
        how = ", ".join(dict.fromkeys(channels))
        lines.append(f"- Cách nộp: {how}.")
        if any("trực tuyến" in c for c in channels):
            lines.append(
                "- Nộp trực tuyến qua Cổng Dịch vụ công quốc gia https://dichvucong.gov.vn "
                "(đăng nhập bằng tài khoản định danh điện tử VNeID)."
            )
    if len(lines) == 1:
        lines.append("Dữ liệu của tôi chưa ghi nơi tiếp nhận; Anh/Chị vui lòng xem tại nguồn.")
    return "\n".join(lines) + _source(record)


def overview(record: ProcedureRecord) -> str:
    facts = [p for p in (record.level, record.field and f"lĩnh vực {record.field}") if p]
    head = f"Thủ tục {record.name}" + (f" ({', '.join(facts)})" if facts else "")
    lines = [head + (" gồm các bước:" if record.steps else ".")]
    for number, step in enumerate(record.steps[:MAX_STEPS], start=1):
        lines.append(f"{number}. {shorten(step, 240)}")
    if len(record.steps) > MAX_STEPS:
        lines.append("… (các bước còn lại xem tại nguồn).")
    if record.result:
        lines.append(f"Kết quả: {shorten(record.result, 160)}.")
    lines.append(
        "Anh/Chị có thể hỏi tiếp về giấy tờ cần chuẩn bị, lệ phí, thời gian giải quyết "
        "hoặc nơi nộp hồ sơ."
    )
    return "\n".join(lines) + _source(record)


def _missing(record: ProcedureRecord, what: str) -> str:
    return (
        f"{what} của thủ tục {record.name} chưa có trong dữ liệu của tôi. "
        "Anh/Chị vui lòng xem tại nguồn hoặc hỏi nơi tiếp nhận hồ sơ." + _source(record)
    )


def conditions(record: ProcedureRecord) -> str:
    text = (record.conditions or "").strip()
    if not text or text.lower().startswith("không có thông tin"):
        return _missing(record, "Yêu cầu, điều kiện")
    return f"Yêu cầu, điều kiện của thủ tục {record.name}:\n{shorten(text, 900)}" + _source(record)


def legal_basis(record: ProcedureRecord) -> str:
    if not record.legal_basis:
        return _missing(record, "Căn cứ pháp lý")
    lines = [f"Căn cứ pháp lý của thủ tục {record.name}:"]
    for item in record.legal_basis[:8]:
        number = f" (số {item.number})" if item.number else ""
        lines.append(f"- {shorten(item.title, 200)}{number}")
    if len(record.legal_basis) > 8:
        lines.append("… (xem đầy đủ tại nguồn).")
    return "\n".join(lines) + _source(record)


def result(record: ProcedureRecord) -> str:
    if not (record.result or "").strip():
        return _missing(record, "Kết quả giải quyết")
    return f"Kết quả của thủ tục {record.name}: {shorten(record.result, 600)}." + _source(record)


def form(record: ProcedureRecord) -> str:
    forms = [d for d in record.documents if d.form_template]
    if not forms:
        return (
            f"Dữ liệu của tôi không ghi mẫu đơn, tờ khai nào cho thủ tục {record.name}. "
            "Anh/Chị vui lòng xem tại nguồn hoặc hỏi nơi tiếp nhận hồ sơ." + _source(record)
        )
    lines = [f"Mẫu đơn, tờ khai của thủ tục {record.name}:"]
    for doc in forms[:MAX_DOCUMENTS]:
        lines.append(f"- {shorten(doc.form_template, 160)} (dùng cho: {shorten(doc.name, 120)})")
    lines.append("Anh/Chị tải mẫu tại trang thủ tục trên Cổng Dịch vụ công (nguồn dưới đây).")
    return "\n".join(lines) + _source(record)


RENDERERS: Dict[str, Callable[[ProcedureRecord], str]] = {
    "documents": documents,
    "fee": fee,
    "time": processing_time,
    "place": where,
    "steps": overview,
    "conditions": conditions,
    "form": form,
    "legal_basis": legal_basis,
    "result": result,
    # The names the dialogue used before the question reader (kept for stored slots).
    "processing_time": processing_time,
    "where": where,
    "overview": overview,
}


def answer(record: ProcedureRecord, aspect: str) -> str:
    return RENDERERS.get(aspect, overview)(record)


def choice_buttons(candidates: List[Tuple[str, str]]) -> List[dict]:
    """Buttons that pick a procedure by code; the payload bypasses NLU, so it cannot be misread."""
    return [
        {"title": shorten(name, 80), "payload": f'/choose_procedure{{"procedure_code":"{code}"}}'}
        for code, name in candidates
    ]
