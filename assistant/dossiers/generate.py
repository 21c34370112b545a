"""``assistant dossiers generate --count N``: realistic synthetic dossiers for tests and demos.

Real dossiers hold citizens' names, phone numbers and ID numbers, so nothing real may go into
the repository, a benchmark or a demo. These look like what a provincial case-handling system
(here Cần Thơ, province code H13) exports: southern Vietnamese names, mobile numbers on real
network prefixes, 12-digit citizen ID numbers, codes in the national format issued per
agency and day, due dates from the procedure's processing time in working days, a status
mix like a live system's (most returned or in progress, about a tenth overdue) and a status
history consistent with the dates.

The same ``seed`` and ``today`` give the same dossiers. :func:`write_json` writes the JSON
export format :mod:`assistant.dossiers.importer` reads, so generate → file → import
round-trips.
"""

from __future__ import annotations

import gzip
import json
import math
import random
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Dict, Iterable, Iterator, List, Sequence, Tuple, Union

from assistant.dossiers.records import DossierRecord, HistoryEntry
from assistant.dossiers.statuses import DossierStatus
from assistant.localtime import local_now
from assistant.text.normalize import fold

S = DossierStatus

# (code, name, sector, working days, relative frequency): procedures of the project's seed
# catalog (so generated dossiers link to it), with their processing times in working days.
DEFAULT_PROCEDURES: Tuple[Tuple[str, str, str, int, float], ...] = (
    ("2.000815", "Chứng thực bản sao từ bản chính", "Chứng thực", 1, 16),
    ("1.001193", "Đăng ký khai sinh", "Hộ tịch", 1, 12),
    ("2.000884", "Chứng thực chữ ký (kể cả điểm chỉ)", "Chứng thực", 1, 5),
    ("1.000894", "Đăng ký kết hôn", "Hộ tịch", 1, 4),
    ("1.000656", "Đăng ký khai tử", "Hộ tịch", 1, 3),
    ("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", "Hộ tịch", 3, 5),
    ("2.000635", "Cấp bản sao Trích lục hộ tịch, bản sao Giấy khai sinh", "Hộ tịch", 1, 4),
    ("1.004222", "Đăng ký thường trú", "Đăng ký, quản lý cư trú", 7, 6),
    ("1.004194", "Đăng ký tạm trú", "Đăng ký, quản lý cư trú", 3, 4),
    ("1.014063", "Cấp đổi thẻ căn cước", "Cấp, quản lý căn cước", 7, 5),
    ("3.000333", "Cấp Phiếu lý lịch tư pháp", "Lý lịch tư pháp", 8, 5),
    (
        "2.001035",
        "Chứng thực hợp đồng, giao dịch về động sản, quyền sử dụng đất, nhà ở",
        "Chứng thực",
        2,
        3,
    ),
    (
        "1.013978",
        "Đăng ký đất đai, cấp Giấy chứng nhận quyền sử dụng đất lần đầu (sổ đỏ)"
        " cho hộ gia đình, cá nhân",
        "Đất đai",
        17,
        2,
    ),
    ("1.012783", "Cấp đổi Giấy chứng nhận quyền sử dụng đất (đổi sổ đỏ)", "Đất đai", 5, 3),
    ("1.012784", "Tách thửa hoặc hợp thửa đất", "Đất đai", 12, 2),
    (
        "1.013225",
        "Cấp giấy phép xây dựng mới nhà ở riêng lẻ (và công trình cấp III, IV)",
        "Hoạt động xây dựng",
        11,
        2,
    ),
    (
        "1.001612",
        "Đăng ký thành lập hộ kinh doanh",
        "Thành lập và hoạt động doanh nghiệp (hộ kinh doanh)",
        3,
        4,
    ),
    (
        "2.001583",
        "Đăng ký thành lập công ty TNHH một thành viên",
        "Thành lập và hoạt động của doanh nghiệp",
        3,
        2,
    ),
    ("1.001456", "Cấp hộ chiếu phổ thông ở trong nước", "Quản lý xuất nhập cảnh", 8, 3),
    ("2.000693", "Giải quyết hưởng chế độ thai sản", "Thực hiện chính sách BHXH", 6, 2),
    (
        "1.008498",
        "Đăng ký thuế lần đầu cho cá nhân, người phụ thuộc (cấp mã số thuế cá nhân)",
        "Thuế",
        3,
        1,
    ),
)

# (agency code, unit name, kind). Cần Thơ is H13 in the national agency code list.
AGENCIES: Tuple[Tuple[str, str, str], ...] = (
    ("000.00.01.H13", "Văn phòng Ủy ban nhân dân thành phố Cần Thơ", "province"),
    ("000.00.04.H13", "Sở Tư pháp thành phố Cần Thơ", "justice"),
    ("000.00.06.H13", "Sở Tài chính thành phố Cần Thơ", "business"),
    ("000.00.09.H13", "Sở Xây dựng thành phố Cần Thơ", "province"),
    ("000.00.12.H13", "Sở Nông nghiệp và Môi trường thành phố Cần Thơ", "land"),
    ("000.00.15.H13", "Sở Y tế thành phố Cần Thơ", "province"),
    ("000.00.19.H13", "Sở Công Thương thành phố Cần Thơ", "province"),
    ("000.00.22.H13", "Sở Nội vụ thành phố Cần Thơ", "province"),
    ("000.00.27.H13", "Sở Văn hóa, Thể thao và Du lịch thành phố Cần Thơ", "province"),
    ("H13.12", "Trung tâm Phục vụ hành chính công thành phố Cần Thơ", "province"),
    ("H13.45", "Công an thành phố Cần Thơ", "police"),
    ("000.20.31.H13", "Ủy ban nhân dân phường Ninh Kiều", "commune"),
    ("000.21.32.H13", "Ủy ban nhân dân phường Cái Khế", "commune"),
    ("000.22.33.H13", "Ủy ban nhân dân phường Tân An", "commune"),
    ("000.23.34.H13", "Ủy ban nhân dân phường An Bình", "commune"),
    ("000.24.35.H13", "Ủy ban nhân dân phường Bình Thủy", "commune"),
    ("000.25.36.H13", "Ủy ban nhân dân phường Cái Răng", "commune"),
    ("000.26.37.H13", "Ủy ban nhân dân phường Ô Môn", "commune"),
    ("000.27.38.H13", "Ủy ban nhân dân phường Thốt Nốt", "commune"),
    ("000.28.39.H13", "Ủy ban nhân dân xã Phong Điền", "commune"),
    ("000.29.40.H13", "Ủy ban nhân dân xã Thới Lai", "commune"),
    ("000.30.41.H13", "Ủy ban nhân dân xã Cờ Đỏ", "commune"),
    ("000.31.42.H13", "Ủy ban nhân dân xã Vĩnh Thạnh", "commune"),
)

# Which kind of agency handles a sector (folded substrings), with a share for communes.
_SECTOR_KINDS = (
    ("ho tich", "commune"),
    ("chung thuc", "commune"),
    ("cu tru", "police"),
    ("can cuoc", "police"),
    ("xuat nhap canh", "police"),
    ("ly lich tu phap", "justice"),
    ("dat dai", "land"),
    ("ho kinh doanh", "commune"),  # before "doanh nghiep": "… doanh nghiệp (hộ kinh doanh)"
    ("doanh nghiep", "business"),
    ("thue", "business"),
    ("bao tro xa hoi", "commune"),
)

# Status mix of a live system, and how often each is overdue (so about 10 % overall).
STATUS_WEIGHTS: Dict[DossierStatus, float] = {
    S.RETURNED: 46,
    S.PROCESSING: 24,
    S.SUPPLEMENT: 7,
    S.READY: 8,
    S.RECEIVED: 5,
    S.WAITING: 3,
    S.CANCELLED: 4,
    S.REJECTED: 3,
}
OVERDUE_SHARE: Dict[DossierStatus, float] = {
    S.RETURNED: 0.08,
    S.PROCESSING: 0.20,
    S.SUPPLEMENT: 0.15,
    S.READY: 0.15,
    S.RECEIVED: 0.05,
}
# Wordings source systems use; each agency's system sticks to one. All parse back.
STATUS_TEXTS: Dict[DossierStatus, Tuple[str, str]] = {
    S.WAITING: ("Chờ tiếp nhận", "Mới đăng ký"),
    S.RECEIVED: ("Đã tiếp nhận", "Tiếp nhận"),
    S.PROCESSING: ("Đang xử lý", "Đang giải quyết"),
    S.SUPPLEMENT: ("Chờ bổ sung hồ sơ", "Yêu cầu bổ sung hồ sơ"),
    S.READY: ("Đã có kết quả", "Có kết quả, chờ trả"),
    S.RETURNED: ("Đã trả kết quả", "Hoàn thành"),
    S.CANCELLED: ("Đã hủy", "Rút hồ sơ"),
    S.REJECTED: ("Từ chối giải quyết", "Không đủ điều kiện giải quyết"),
}

# Family names as common in the Mekong Delta (Huỳnh and Võ more than in the north).
FAMILY_NAMES = (
    ("Nguyễn", 31), ("Trần", 11), ("Lê", 10), ("Huỳnh", 6), ("Phạm", 5), ("Võ", 5),
    ("Phan", 4), ("Trương", 2), ("Đặng", 2), ("Hồ", 2), ("Bùi", 1.5), ("Đỗ", 1.5),
    ("Ngô", 1.5), ("Dương", 1.5), ("Lâm", 1.5), ("Lý", 1), ("Đinh", 1), ("Mai", 1),
    ("Châu", 1), ("Hoàng", 1), ("Vũ", 1), ("Tô", 0.5), ("Thái", 0.5), ("Lương", 0.5),
    ("Cao", 0.5), ("Quách", 0.3), ("Diệp", 0.3), ("La", 0.3),
)  # fmt: skip
MIDDLE_NAMES = {
    "m": ("Văn", "Văn", "Văn", "Hữu", "Minh", "Quốc", "Thanh", "Công", "Đức", "Hoàng", "Tấn",
          "Trọng", "Gia", "Phước"),
    "f": ("Thị", "Thị", "Thị", "Ngọc", "Thanh", "Kim", "Mỹ", "Thu", "Bích", "Hồng", "Thúy",
          "Bảo", "Kiều"),
}  # fmt: skip
GIVEN_NAMES = {
    "m": ("An", "Bình", "Cường", "Dũng", "Duy", "Hải", "Hiếu", "Hùng", "Huy", "Khang", "Khoa",
          "Kiệt", "Long", "Lộc", "Minh", "Nam", "Nhân", "Phát", "Phúc", "Quang", "Sang", "Sơn",
          "Tài", "Tâm", "Thành", "Thiện", "Toàn", "Trí", "Trung", "Tuấn", "Việt", "Vinh"),
    "f": ("Anh", "Châu", "Diễm", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hân", "Hương",
          "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Ngân", "Nhi", "Nhung", "Oanh",
          "Phương", "Quyên", "Thảo", "Thư", "Trang", "Trinh", "Tuyết", "Uyên", "Vy", "Yến"),
}  # fmt: skip
# Mobile prefixes in use (Viettel, VinaPhone, MobiFone, Vietnamobile, Gmobile, iTel).
MOBILE_PREFIXES = (
    "032", "033", "034", "035", "036", "037", "038", "039", "056", "058", "059", "070",
    "076", "077", "078", "079", "081", "082", "083", "084", "085", "086", "087", "088",
    "089", "090", "091", "092", "093", "094", "096", "097", "098", "099",
)  # fmt: skip
# Birth-province codes of citizen ID numbers: Cần Thơ (092) and its neighbours.
ID_PROVINCES = (("092", 60), ("094", 8), ("093", 8), ("086", 6), ("089", 6), ("087", 4),
                ("079", 5), ("001", 3))  # fmt: skip

WINDOW_DAYS = 120
ONLINE_SHARE = 0.4  # submitted online first (history starts "Chờ tiếp nhận")
ID_SHARE = 0.5
MAX_SEQUENCE = 9999

Procedure = Tuple  # (code, name, sector[, working days])


def add_working_days(start: datetime, days: int) -> datetime:
    """``start`` plus ``days`` working days (Monday–Friday; public holidays not modelled)."""
    weekday = start.weekday()
    if weekday >= 5:
        start += timedelta(days=7 - weekday)
        weekday = 0
    weeks, rest = divmod(days, 5)
    total = weeks * 7 + rest + (2 if weekday + rest >= 5 else 0)
    return start + timedelta(days=total)


def _zipf(count: int, exponent: float = 0.9) -> List[float]:
    return [1 / (rank + 1) ** exponent for rank in range(count)]


class _Generator:
    def __init__(self, rng: random.Random, procedures, now: datetime) -> None:
        self.rng = rng
        self.now = now
        if procedures is None:
            self.procedures = [p[:4] for p in DEFAULT_PROCEDURES]
            self.procedure_weights = [p[4] for p in DEFAULT_PROCEDURES]
        else:
            self.procedures = [tuple(p) + (None,) * (4 - len(p)) for p in procedures]
            if not self.procedures:
                raise ValueError("procedures is empty")
            # A few procedures make most dossiers: weight a seeded shuffle Zipf-like.
            rng.shuffle(self.procedures)
            self.procedure_weights = _zipf(len(self.procedures))
        self.by_kind: Dict[str, List[int]] = {}
        for index, (_, _, kind) in enumerate(AGENCIES):
            self.by_kind.setdefault(kind, []).append(index)
        self.statuses = list(STATUS_WEIGHTS)
        self.status_weights = list(STATUS_WEIGHTS.values())
        self.families = [name for name, _ in FAMILY_NAMES]
        self.family_weights = [weight for _, weight in FAMILY_NAMES]
        self.sequences: Dict[Tuple[int, str], int] = {}
        self.sector_kinds: Dict[str, str | None] = {}

    # --- people ----------------------------------------------------------------------

    def person(self) -> Tuple[str, str, str | None]:
        rng = self.rng
        gender = rng.choice("mf")
        parts = [rng.choices(self.families, self.family_weights)[0]]
        parts.append(rng.choice(MIDDLE_NAMES[gender]))
        if rng.random() < 0.25:  # four-part names: Nguyễn Thị Ngọc Hân
            parts.append(rng.choice(MIDDLE_NAMES[gender][3:]))
        parts.append(rng.choice(GIVEN_NAMES[gender]))
        phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**7):07d}"
        id_number = None
        if rng.random() < ID_SHARE:
            province = rng.choices(*zip(*ID_PROVINCES))[0]
            year = rng.randint(self.now.year - 75, self.now.year - 18)
            century = (0 if year < 2000 else 2) + (gender == "f")
            id_number = f"{province}{century}{year % 100:02d}{rng.randrange(10**6):06d}"
        return " ".join(parts), phone, id_number

    # --- where and when --------------------------------------------------------------

    def agency(self, sector: str) -> int:
        if sector not in self.sector_kinds:
            folded = fold(sector or "")
            self.sector_kinds[sector] = next((k for key, k in _SECTOR_KINDS if key in folded), None)
        kind = self.sector_kinds[sector]
        if kind is None:
            kind = "commune" if self.rng.random() < 0.5 else "province"
        if kind == "land" and self.rng.random() < 0.6:
            kind = "commune"
        return self.rng.choice(self.by_kind[kind])

    def office_time(self, day: datetime, low: datetime | None = None) -> datetime:
        """A time in office hours on ``day`` (moved off weekends), kept in (low, now]."""
        rng = self.rng
        day = day - timedelta(days=max(0, day.weekday() - 4))  # Saturday/Sunday → Friday
        if rng.random() < 0.55:
            minutes = rng.randint(7 * 60 + 30, 11 * 60 + 30)
        else:
            minutes = rng.randint(13 * 60 + 30, 17 * 60)
        result = datetime.combine(day.date(), time()) + timedelta(
            minutes=minutes, seconds=rng.randrange(60)
        )
        if result > self.now:
            result = self.now - timedelta(minutes=rng.randint(1, 90))
        if low is not None and result <= low:
            result = low + timedelta(minutes=rng.randint(5, 120))
            result = min(result, self.now)
        return result

    def code(self, agency: int, day: datetime) -> str:
        stamp = day.strftime("%y%m%d")
        sequence = self.sequences.get((agency, stamp), 0) + 1
        if sequence > MAX_SEQUENCE:
            raise OverflowError
        self.sequences[(agency, stamp)] = sequence
        return f"{AGENCIES[agency][0]}-{stamp}-{sequence:04d}"

    def received(self, days: int, overdue: bool | None) -> datetime:
        """When the dossier was received so that its due date falls where its status needs.

        ``overdue`` True: due date already passed; False: due date still ahead; None: any
        time in the window (finished dossiers).
        """
        rng, now = self.rng, self.now
        span = days * 7 / 5  # working days as calendar days
        for _ in range(8):
            if overdue is True:
                back = rng.uniform(min(span + 1.5, WINDOW_DAYS - 1), WINDOW_DAYS)
            elif overdue is False:
                back = rng.uniform(0, span)
            else:
                back = rng.uniform(0, WINDOW_DAYS)
            at = self.office_time(now - timedelta(days=back))
            due = self.due(at, days)
            if overdue is None or (due < now) is overdue:
                return at
        if overdue:
            return self.office_time(now - timedelta(days=WINDOW_DAYS - 1))
        return self.office_time(now)

    @staticmethod
    def due(received: datetime, days: int) -> datetime:
        return datetime.combine(add_working_days(received, days).date(), time(17, 0))

    def between(self, low: datetime, high: datetime) -> datetime:
        """A time in (low, high], whole seconds."""
        if high <= low:
            return high
        seconds = (high - low).total_seconds()
        return low + timedelta(seconds=max(1, int(self.rng.uniform(0, seconds))))

    # --- one dossier -----------------------------------------------------------------

    def dossier(self) -> DossierRecord:
        rng, now = self.rng, self.now
        code_, name, sector, days = rng.choices(self.procedures, self.procedure_weights)[0]
        days = max(1, math.ceil(days)) if days else rng.randint(3, 30)
        status = rng.choices(self.statuses, self.status_weights)[0]
        overdue = rng.random() < OVERDUE_SHARE.get(status, 0.0)
        agency = self.agency(sector)
        agency_name = AGENCIES[agency][1]
        desk = f"Bộ phận Tiếp nhận và Trả kết quả - {agency_name}"
        wording = 0 if agency % 3 else 1
        applicant, phone, id_number = self.person()

        def text(s: DossierStatus) -> str:
            return STATUS_TEXTS[s][wording]

        history: List[HistoryEntry] = []
        received = due = completed = returned = None
        online = rng.random() < ONLINE_SHARE
        if status is S.WAITING:
            submitted = self.between(now - timedelta(days=2), now)
            history.append(HistoryEntry(S.WAITING, text(S.WAITING), desk, submitted))
            day = submitted
        else:
            open_ = status in (S.RECEIVED, S.PROCESSING, S.SUPPLEMENT)
            received = self.received(days, overdue if open_ or overdue else None)
            due = self.due(received, days)
            if online:
                submitted = received - timedelta(minutes=rng.randint(30, 2 * 24 * 60))
                history.append(HistoryEntry(S.WAITING, text(S.WAITING), desk, submitted))
            history.append(HistoryEntry(S.RECEIVED, text(S.RECEIVED), desk, received))
            day = received
            if status is not S.RECEIVED:
                finished = not open_
                if finished:
                    if overdue:  # late: after the due date, before now
                        completed = self.between(due, min(due + timedelta(days=10), now))
                    elif status in (S.CANCELLED, S.REJECTED):
                        completed = self.between(received, min(due, now))
                    else:
                        completed = self.between(received, min(due, now))
                end = completed or now
                processing = self.between(received, min(received + timedelta(hours=3), end))
                if processing >= end:
                    processing = received + (end - received) / 3
                processing = processing.replace(microsecond=0)
                history.append(
                    HistoryEntry(S.PROCESSING, text(S.PROCESSING), agency_name, processing)
                )
                supplement = status is S.SUPPLEMENT or (finished and rng.random() < 0.1)
                if supplement:
                    asked = self.between(processing, end - (end - processing) / 2)
                    history.append(
                        HistoryEntry(S.SUPPLEMENT, text(S.SUPPLEMENT), agency_name, asked)
                    )
                    if finished:
                        back = self.between(asked, end - (end - asked) / 3)
                        history.append(
                            HistoryEntry(S.PROCESSING, text(S.PROCESSING), agency_name, back)
                        )
                if status in (S.READY, S.RETURNED):
                    history.append(HistoryEntry(S.READY, text(S.READY), desk, completed))
                if status is S.RETURNED:
                    returned = self.between(completed, min(completed + timedelta(days=5), now))
                    history.append(HistoryEntry(S.RETURNED, text(S.RETURNED), desk, returned))
                if status in (S.CANCELLED, S.REJECTED):
                    unit = desk if status is S.CANCELLED else agency_name
                    history.append(HistoryEntry(status, text(status), unit, completed))
        try:
            code = self.code(agency, day)
        except OverflowError:
            code = self._spare_code(day)
        last = history[-1]
        return DossierRecord(
            code=code,
            external_id=f"{rng.getrandbits(96):024x}",
            procedure_name=name,
            sector=sector or "",
            applicant_name=applicant,
            applicant_phone=phone,
            applicant_id_number=id_number,
            received_at=received,
            due_at=due,
            completed_at=completed,
            returned_at=returned,
            status=status,
            status_text=last.status_text,
            handling_unit=last.handling_unit,
            history=history,
        )

    def _spare_code(self, day: datetime) -> str:
        """A free sequence number at any agency that day; past this the window is full."""
        for agency in range(len(AGENCIES)):
            try:
                return self.code(agency, day)
            except OverflowError:
                continue
        raise OverflowError(f"more than {MAX_SEQUENCE * len(AGENCIES)} dossiers on {day:%d/%m/%Y}")


def generate_dossiers(
    count: int,
    seed: int | None = None,
    procedures: Sequence[Procedure] | None = None,
    today: Union[date, datetime, None] = None,
) -> Iterator[DossierRecord]:
    """``count`` synthetic dossiers received in the 120 days up to ``today``.

    ``procedures``: (code, name, sector) or (code, name, sector, working days) tuples to draw
    from, e.g. ``DossierRepository.catalog_procedures()``; without working days a due date
    is 3–30 working days out. Default: common procedures with their statutory times.
    ``today`` (a date means 17:00 that day) defaults to the current local time: pass it with
    ``seed`` for output that does not change from one day to the next.
    """
    rng = random.Random(seed)
    if today is None:
        now = local_now().replace(microsecond=0)
    elif isinstance(today, datetime):
        now = today.replace(microsecond=0, tzinfo=None)
    else:
        now = datetime.combine(today, time(17, 0))
    generator = _Generator(rng, procedures, now)
    for _ in range(count):
        yield generator.dossier()


# --- the export format ------------------------------------------------------------------


def _stamp(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%S+07:00") if value else None


def to_export(record: DossierRecord) -> dict:
    """One dossier as the provincial systems' JSON export spells it."""
    modified = record.history[-1].at if record.history else record.received_at
    item = {
        "dossierNo": record.code,
        "dossierId": record.external_id,
        "procedureName": record.procedure_name,
        "sectorName": record.sector,
        "dossierStatusName": record.status_text,
        "acceptedDate": _stamp(record.received_at),
        "appointmentDate": _stamp(record.due_at),
        "completedDate": _stamp(record.completed_at),
        "returnedDate": _stamp(record.returned_at),
        "lastModifiedDate": _stamp(modified),
        "overDueByUser": False,
        "applicantName": record.applicant_name,
        "applicantPhone": record.applicant_phone,
        "agencyName": record.handling_unit,
        "history": [
            {
                "dossierStatusName": entry.status_text,
                "agencyName": entry.handling_unit,
                "date": _stamp(entry.at),
            }
            for entry in record.history
        ],
    }
    if record.applicant_id_number:
        item["applicantIdNumber"] = record.applicant_id_number
    return item


def write_json(records: Iterable[DossierRecord], path: Union[str, Path]) -> int:
    """Write dossiers as a JSON array, one dossier per line (``.jsonl``: JSON Lines;
    ``.gz``: compressed). Streams, so a million dossiers never sit in memory. Returns the
    number written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ".jsonl" in path.suffixes or ".ndjson" in path.suffixes
    opener = gzip.open if path.suffix == ".gz" else open
    count = 0
    handle: IO[str]
    with opener(path, "wt", encoding="utf-8") as handle:
        if not lines:
            handle.write("[")
        for record in records:
            text = json.dumps(to_export(record), ensure_ascii=False, separators=(",", ":"))
            if lines:
                handle.write(text + "\n")
            else:
                handle.write(("\n" if count == 0 else ",\n") + text)
            count += 1
        if not lines:
            handle.write("\n]\n")
    return count
