"""The tables synthetic dossiers are drawn from (:mod:`assistant.dossiers.generate`): the seed
catalog's procedures with their processing times, Cần Thơ's agencies, which agency handles
which sector, the status mix and wordings of a live system, southern Vietnamese names, and
the prefixes of mobile and citizen ID numbers."""

from __future__ import annotations

from typing import Dict, Tuple

from assistant.dossiers.statuses import DossierStatus

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
SECTOR_KINDS = (
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
