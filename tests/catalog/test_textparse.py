"""Table-driven tests for the processing-time and fee parsers.

Most inputs are copied from the 2026 national snapshot (cells of ``cach_thuc_thuc_hien`` and
their notes); the rest are the phrasings the brief lists. A wrong number here becomes a wrong
answer to a citizen, so every ambiguous case must come back as ``None``, not as a guess.
"""

from __future__ import annotations

import pytest

from assistant.catalog.textparse import (
    first_vnd_amount,
    normalize_space,
    parse_fee_amount,
    parse_processing_time,
    refers_to_fee_rule,
    search_processing_time,
)

WD = "ngày làm việc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # cells exactly as on the portal
        ("3 Ngày làm việc", (3.0, WD)),
        ("60 Ngày làm việc", (60.0, WD)),
        ("7 Ngày", (7.0, "ngày")),
        ("30 Ngày", (30.0, "ngày")),
        ("24 Giờ", (24.0, "giờ")),
        ("6 Tháng", (6.0, "tháng")),
        # the portal lost the unit: the number is kept, the unit is unknown
        ("1", (1.0, None)),
        ("105", (105.0, None)),
        # prose
        ("05 ngày làm việc", (5.0, WD)),
        ("1 ngày", (1.0, "ngày")),
        ("Không quá 15 ngày", (15.0, "ngày")),
        ("2 tháng", (2.0, "tháng")),
        ("1,5 ngày", (1.5, "ngày")),
        ("1.5 ngày", (1.5, "ngày")),
        ("2 năm", (2.0, "năm")),
        ("30 phút", (30.0, "phút")),
        ("48 giờ làm việc", (48.0, "giờ")),
        ("2 tuần", (14.0, "ngày")),
        ("một (01) ngày làm việc", (1.0, WD)),
        ("Trong thời hạn hai mươi (20) ngày làm việc kể từ ngày nhận hồ sơ", (20.0, WD)),
        ("05 (năm) ngày làm việc", (5.0, WD)),
        # same day = at most one working day
        ("Trong ngày", (1.0, WD)),
        (
            "Trong ngày tiếp nhận yêu cầu; nếu tiếp nhận sau 15 giờ thì trả trong ngày làm việc"
            " tiếp theo",
            (1.0, WD),
        ),
        ("Ngay trong ngày làm việc", (1.0, WD)),
        ("trả kết quả trong ngày", (1.0, WD)),
        # ranges: the upper bound
        ("từ 5 đến 7 ngày", (7.0, "ngày")),
        ("05 - 07 ngày làm việc", (7.0, WD)),
        ("3-5 ngày làm việc", (5.0, WD)),
        # the first expression wins (real descriptions)
        (
            "28 ngày làm việc (đối với trường hợp cấp mới), 02 ngày làm việc (đối với trường hợp"
            " cấp lại) kể từ ngày nhận được hồ sơ đầy đủ, hợp lệ theo quy định",
            (28.0, WD),
        ),
        (
            "Thời hạn giải quyết khiếu nại lần đầu không quá 30 ngày, kể từ ngày thụ lý để giải"
            " quyết; đối với vụ việc phức tạp thì thời hạn giải quyết có thể kéo dài hơn",
            (30.0, "ngày"),
        ),
        ("Thời hạn giải quyết: 02 ngày làm việc và 45 ngày.", (2.0, WD)),
        # dates and document numbers are not durations
        ("ngày 19 tháng 10 năm 2020", (None, None)),
        ("Chậm nhất vào ngày 20 tháng đầu tiên hàng quý", (None, None)),
        ("ngày 19 tháng 10 năm 2020, trong 3 tháng", (3.0, "tháng")),
        ("Thông tư số 281/2016/TT-BTC ngày 30/6/2025", (None, None)),
        # nothing to parse
        ("Không có thông tin", (None, None)),
        ("Không phải trả kết quả cho người nộp thuế", (None, None)),
        ("Không quy định", (None, None)),
        ("kể từ ngày nhận được hồ sơ", (None, None)),
        ("", (None, None)),
        ("   ", (None, None)),
        (None, (None, None)),
        (5, (None, None)),
    ],
)
def test_parse_processing_time(text, expected):
    assert parse_processing_time(text) == expected


def test_search_processing_time_reports_where_the_time_is():
    text = "Cách thức thực hiện:\n- Thời hạn: 24 Giờ"
    span = search_processing_time(text)
    assert span is not None
    assert (span.value, span.unit) == (24.0, "giờ")
    assert normalize_space(text).lower()[span.start : span.end] == "24 giờ"
    assert search_processing_time("Không có thông tin") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # free
        ("Miễn phí", 0),
        ("Miễn lệ phí", 0),
        ("Không", 0),
        ("Không thu phí", 0),
        ("0 đồng", 0),
        ("Chưa quy định.", 0),
        ("Miễn phí (Không có)", 0),
        # explicit VND amounts: the first one
        ("100.000 đồng", 100_000),
        ("100,000đ", 100_000),
        ("Lệ phí: 200.000 VNĐ/lần", 200_000),
        ("50 nghìn đồng", 50_000),
        ("50 ngàn", 50_000),
        ("1,5 triệu đồng", 1_500_000),
        ("2 triệu", 2_000_000),
        ("Phí : 500.000 Đồng", 500_000),
        ("70,000 Việt Nam Đồng", 70_000),
        ("1,200,000 Việt Nam Đồng", 1_200_000),
        ("20.000Đ/tờ khai", 20_000),
        ("20.000 vnđ /tờ khai", 20_000),
        ("2.000 đồng/trang; từ trang thứ 3 trở lên thu 1.000 đồng/trang", 2_000),
        (
            "- Cấp lại thẻ căn cước đối với các trường hợp quy định tại khoản 2 Điều 24 Luật Căn"
            " cước: 70.000 đồng/thẻ căn cước.",
            70_000,
        ),
        # an amount beats a "free" word elsewhere in the text
        ("Miễn lệ phí cho hộ nghèo; các trường hợp khác: 50.000 đồng", 50_000),
        # "free" later in the text counts unless the amount is deferred to a rule
        ("Cổng ghi miễn phí", 0),
        ("Miễn phí (Thông tư số 101/2020/TT-BTC)", 0),
        ("Theo mức do Hội đồng nhân dân cấp tỉnh quy định; miễn cho hộ nghèo", None),
        ("Theo mức do Hội đồng nhân dân cấp tỉnh quy định (bảng trên Cổng ghi miễn phí)", None),
        ("Trả phí dịch vụ bưu chính theo quy định", None),
        # unknown, not zero
        ("Không có thông tin", None),
        ("theo quy định của HĐND tỉnh", None),
        ("Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh quyết định", None),
        ("Thông tư số 281/2016/TT-BTC", None),
        ("theo Thông tư số 64/2025/TT-BTC ngày 30/6/2025 của Bộ Tài chính", None),
        ("Bằng 50% mức thu lệ phí quy định", None),
        ("10 USD", None),
        ("10 USD(10USD/giấy)", None),
        ("Xe ô tô từ 10 chỗ trở lên", None),
        ("", None),
        (None, None),
        (100_000, None),
    ],
)
def test_parse_fee_amount(text, expected):
    assert parse_fee_amount(text) == expected


@pytest.mark.parametrize(
    ("text", "minimum", "expected"),
    [
        ("40.000đ/giấy thông hành (áp dụng đến hết ngày 31/12/2024)", 1000, 40_000),
        ("Thẻ tạm trú có thời hạn từ trên 02 năm đến 05 năm: 155 USD/thẻ.", 1000, None),
        ("20 VNĐ", 1000, None),
        ("20 VNĐ", 0, 20),
        ("Phí công bố nội dung đăng ký doanh nghiệp: 100.000 đồng/lần", 1000, 100_000),
    ],
)
def test_first_vnd_amount(text, minimum, expected):
    assert first_vnd_amount(text, minimum=minimum) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh, thành phố trực thuộc Trung ương", True),
        (
            "Phí kiểm dịch động vật: theo quy định tại Thông tư số 101/2020/TT-BTC ngày"
            " 23/11/2020 của Bộ trưởng Bộ Tài chính quy định về mức thu",
            True,
        ),
        ("Cấp thị thực có giá trị một lần", False),
        ("Chưa quy định.", False),
        (None, False),
    ],
)
def test_refers_to_fee_rule(text, expected):
    assert refers_to_fee_rule(text) is expected
