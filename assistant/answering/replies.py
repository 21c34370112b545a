"""The wording of a confirmation and of an honest decline (facts still come from records)."""

from __future__ import annotations

from typing import List

from assistant.catalog.answers import shorten
from assistant.catalog.records import ProcedureRecord

ASPECT_LABELS = {
    "documents": "giấy tờ cần chuẩn bị",
    "fee": "lệ phí",
    "time": "thời gian giải quyết",
    "place": "nơi nộp hồ sơ",
    "steps": "cách thực hiện",
    "conditions": "điều kiện",
    "form": "mẫu đơn, tờ khai",
    "legal_basis": "căn cứ pháp lý",
    "result": "kết quả",
}

PORTAL_QA = "mục Hỏi đáp trên Cổng Dịch vụ công quốc gia https://dichvucong.gov.vn"

_WHY = {
    "legal": (
        "Câu hỏi này cần cơ quan có thẩm quyền xem xét trường hợp cụ thể của Anh/Chị, nên tôi "
        "không trả lời thay được: tôi chỉ có thông tin chung về thủ tục (giấy tờ, lệ phí, thời "
        "gian, nơi nộp, điều kiện)."
    ),
    "penalty": (
        "Tôi không trả lời được về mức xử phạt vi phạm: việc xử phạt do cơ quan có thẩm quyền "
        "quyết định theo từng trường hợp."
    ),
    "calculation": (
        "Tôi không tính được số tiền cho trường hợp cụ thể của Anh/Chị: số tiền phụ thuộc hồ sơ "
        "và do cơ quan giải quyết xác định."
    ),
    "definition": (
        "Tôi không giải thích được khái niệm pháp lý này; tôi chỉ có thông tin chung về các "
        "thủ tục hành chính."
    ),
    "policy": (
        "Tôi không trả lời được câu hỏi về lý do hay đánh giá chính sách; việc này thuộc cơ "
        "quan ban hành."
    ),
    "out_of_catalog": (
        "Xin lỗi Anh/Chị, tôi chưa tìm thấy thủ tục nào trong cơ sở dữ liệu của tôi trả lời "
        "được câu hỏi này, nên tôi không đoán."
    ),
}


def where_to_ask(hotline: str) -> str:
    phone = (
        f"đường dây nóng {hotline}"
        if hotline
        else "đường dây nóng tiếp nhận phản ánh của tỉnh, thành phố (1022 ở nhiều địa phương)"
    )
    return (
        f"Anh/Chị có thể gửi câu hỏi tại {PORTAL_QA}, hỏi trực tiếp cơ quan giải quyết thủ "
        f"tục, hoặc gọi {phone}."
    )


def decline(reason: str | None, closest: ProcedureRecord | None, hotline: str) -> str:
    lines: List[str] = [_WHY.get(reason or "", _WHY["out_of_catalog"])]
    if closest is not None:
        agencies = ", ".join(closest.agencies[:2])
        lines.append(
            f"Thông tin chung về thủ tục {shorten(closest.name, 160)}"
            + (f" (cơ quan giải quyết: {shorten(agencies, 120)})" if agencies else "")
            + (f": {closest.source_url}" if closest.source_url else ".")
        )
    lines.append(where_to_ask(hotline))
    return "\n".join(lines)


def confirm(record: ProcedureRecord, aspect: str | None) -> str:
    what = ASPECT_LABELS.get(aspect or "", "")
    level = f" ({record.level})" if record.level else ""
    about = f"{what} của thủ tục" if what else "thủ tục"
    return f"Có phải Anh/Chị hỏi về {about} {shorten(record.name, 200)}{level} không ạ?"


def confirm_buttons(code: str) -> List[dict]:
    """ "Có" picks the procedure by code (no NLU in between); "Không" is a plain denial."""
    return [
        {"title": "Có", "payload": f'/choose_procedure{{"procedure_code":"{code}"}}'},
        {"title": "Không", "payload": "/deny"},
    ]
