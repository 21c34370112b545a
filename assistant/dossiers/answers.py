"""The dossier status told to its verified owner, in plain Vietnamese."""

from __future__ import annotations

from datetime import date, datetime

from assistant.catalog.records import ProcedureRecord
from assistant.dossiers.service import DossierView
from assistant.dossiers.statuses import DossierStatus
from assistant.localtime import local_now

DENIED = (
    "Tôi chưa xác minh được hồ sơ với thông tin Anh/Chị cung cấp. Anh/Chị vui lòng kiểm tra "
    "lại mã hồ sơ (in trên giấy tiếp nhận hồ sơ và hẹn trả kết quả) và các số cuối của số "
    "điện thoại đã đăng ký, rồi thử lại."
)


def locked(hotline: str) -> str:
    contact = (
        f"gọi đường dây nóng {hotline}"
        if hotline
        else "liên hệ trực tiếp bộ phận một cửa nơi nộp hồ sơ (số điện thoại in trên giấy hẹn)"
    )
    return (
        "Vì an toàn thông tin, việc tra cứu hồ sơ đã tạm khóa do nhập sai quá số lần cho phép. "
        f"Anh/Chị vui lòng thử lại sau 1 giờ, hoặc {contact}."
    )


def ask_digits(rule: str, count: int) -> str:
    what = "số căn cước (CCCD)" if rule == "id_number" else "số điện thoại"
    return (
        f"Để bảo vệ thông tin cá nhân, Anh/Chị vui lòng nhập {count} số cuối của {what} "
        "đã đăng ký khi nộp hồ sơ."
    )


def _d(value: datetime | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "chưa có"


def timeliness(view: DossierView, today: date) -> str:
    """'đúng hạn', 'trễ hẹn N ngày' or 'còn N ngày đến hẹn'."""
    if view.due_at is None:
        return "chưa có ngày hẹn trả"
    due = view.due_at.date()
    done = view.returned_at or view.completed_at
    if view.status.finished or view.status == DossierStatus.READY:
        end = done.date() if done else today
        late = (end - due).days
        return f"trễ hẹn {late} ngày" if late > 0 else "đúng hạn"
    late = (today - due).days
    if late > 0:
        return f"trễ hẹn {late} ngày"
    return "đúng hạn" + (
        f" (còn {-late} ngày đến ngày hẹn)" if late < 0 else " (hôm nay là ngày hẹn)"
    )


def next_step(view: DossierView, procedure: ProcedureRecord | None) -> str:
    place = view.handling_unit or "bộ phận một cửa nơi Anh/Chị đã nộp hồ sơ"
    status = view.status
    if status == DossierStatus.WAITING:
        return (
            "Hồ sơ đang chờ cán bộ tiếp nhận; Anh/Chị sẽ được thông báo khi hồ sơ được tiếp nhận."
        )
    if status in (DossierStatus.RECEIVED, DossierStatus.PROCESSING):
        return "Hồ sơ đang được giải quyết, Anh/Chị chưa cần làm gì thêm."
    if status == DossierStatus.SUPPLEMENT:
        text = (
            "Anh/Chị cần bổ sung hồ sơ theo văn bản thông báo của cơ quan giải quyết: mang giấy "
            f"tờ bổ sung đến {place} (nếu nộp trực tuyến, bổ sung trên Cổng Dịch vụ công)."
        )
        if procedure and procedure.documents:
            names = "; ".join(d.name for d in procedure.documents[:4])
            text += f" Để đối chiếu, thành phần hồ sơ của thủ tục gồm: {names}."
        return text
    if status == DossierStatus.READY:
        return (
            f"Kết quả đã có. Anh/Chị mang giấy tiếp nhận hồ sơ và hẹn trả kết quả cùng giấy tờ "
            f"tùy thân đến {place} trong giờ hành chính, từ ngày hẹn {_d(view.due_at)}, để "
            "nhận kết quả (hoặc chờ bưu điện chuyển nếu đã đăng ký nhận qua bưu chính)."
        )
    if status == DossierStatus.RETURNED:
        return f"Kết quả đã được trả ngày {_d(view.returned_at or view.completed_at)}."
    if status in (DossierStatus.CANCELLED, DossierStatus.REJECTED):
        return (
            "Anh/Chị vui lòng xem văn bản thông báo lý do của cơ quan giải quyết hoặc liên hệ "
            f"{place} để được hướng dẫn."
        )
    return f"Trạng thái trên hệ thống: {view.status_text or 'không xác định'}."


def status_answer(
    view: DossierView, procedure: ProcedureRecord | None = None, today: date | None = None
) -> str:
    today = today or local_now().date()
    label = view.status.label if view.status != DossierStatus.UNKNOWN else view.status_text
    lines = [
        f"Hồ sơ {view.code} của {view.applicant}:",
        f"- Thủ tục: {view.procedure_name or 'không rõ'}",
        f"- Tình trạng: {label}"
        + (
            f" (đơn vị đang xử lý: {view.handling_unit})"
            if view.handling_unit and not view.status.finished
            else ""
        ),
        f"- Ngày tiếp nhận: {_d(view.received_at)}; ngày hẹn trả: {_d(view.due_at)}",
        f"- Tiến độ: {timeliness(view, today)}",
        f"- Tiếp theo: {next_step(view, procedure)}",
    ]
    return "\n".join(lines)
