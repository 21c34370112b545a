"""Parsing the national portal export: real excerpts, quirks, malformed input, whole snapshot.

The fixtures are small dicts whose strings are copied from the 2026 snapshot
(``procedures.jsonl.gz``), including its quirks: flattened tables without separators, fees in
thousands, time and fee digits run together, "Không có thông tin", group headers, names that
contain "01 bản chính" themselves, template file names glued to document names.
"""

from __future__ import annotations

import gzip
import json
import os
import time
from pathlib import Path

import pytest

from assistant.catalog.national import RecordError, iter_records, parse_record
from assistant.catalog.records import ProcedureRecord

REPO_ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = Path(os.environ.get("CATALOG_SNAPSHOT", "../shared/data/dichvucong/procedures.jsonl.gz"))
if not SNAPSHOT.is_absolute():
    SNAPSHOT = REPO_ROOT / SNAPSHOT

CH_HEAD = "Hình thức nộpThời gianPhí, lệ phíMô tả"
DOC_HEAD = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
LEGAL_HEAD = "Tên văn bản pháp lýMã văn bản"
WD = "ngày làm việc"


def record(**fields) -> dict:
    """A minimal valid snapshot object (1.000236) with ``fields`` overriding it."""
    base = {
        "ma_thu_tuc": "1.000236",
        "ten_thu_tuc": "Cấp thị thực cho người nước ngoài tại Việt Nam ",
        "detail_url": "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bf7",
        "cap_thuc_hien": "Cấp bộ",
        "linh_vuc": "Quản lý xuất nhập cảnh",
        "co_quan_thuc_hien": "Cục quản lý xuất nhập cảnh",
        "co_quan_co_tham_quyen": "",
        "dia_chi_tiep_nhan": "",
        "trinh_tu_thuc_hien": "Bước 1: Nộp hồ sơ\nBước 2: Nhận kết quả",
        "cach_thuc_thuc_hien": CH_HEAD + "Trực tiếp3 Ngày làm việcMiễn phí",
        "thanh_phan_ho_so": "--" + DOC_HEAD + "Tờ khai đề nghị cấp thị thực1 bản chính",
        "can_cu_phap_ly": LEGAL_HEAD + "Luật 47/2014/QH1347/2014/QH13",
        "yeu_cau_dieu_kien": "Không có thông tin",
        "ket_qua_xu_ly": "Thị thựcMã: KQ.G01.000051Từ khóaKhông có thông tinMô tả",
        "raw_text": "",
    }
    base.update(fields)
    return base


def channels_of(cach_thuc: str):
    rec = parse_record(record(cach_thuc_thuc_hien=cach_thuc))
    return [
        (
            c.channel,
            c.processing_time_text,
            c.processing_time_value,
            c.processing_time_unit,
            c.fee_amount,
        )
        for c in rec.channels
    ]


# --------------------------------------------------------------------------------------------
# Whole record
# --------------------------------------------------------------------------------------------


def test_parse_record_maps_every_field():
    rec = parse_record(record())
    assert isinstance(rec, ProcedureRecord)
    assert rec.code == "1.000236"
    assert rec.name == "Cấp thị thực cho người nước ngoài tại Việt Nam"
    assert rec.field == "Quản lý xuất nhập cảnh"
    assert rec.level == "Cấp bộ"
    assert rec.agencies == ["Cục quản lý xuất nhập cảnh"]
    assert rec.steps == ["Bước 1: Nộp hồ sơ", "Bước 2: Nhận kết quả"]
    assert [(c.channel, c.processing_time_value, c.fee_amount) for c in rec.channels] == [
        ("Trực tiếp", 3.0, 0)
    ]
    assert [(d.name, d.originals, d.copies) for d in rec.documents] == [
        ("Tờ khai đề nghị cấp thị thực", 1, 0)
    ]
    assert [(lb.title, lb.number) for lb in rec.legal_basis] == [
        ("Luật 47/2014/QH13", "47/2014/QH13")
    ]
    assert rec.conditions == ""
    assert rec.result == "Thị thực"
    assert rec.source_url == "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bf7"
    assert rec.source == "national"


# --------------------------------------------------------------------------------------------
# Channels ("Cách thức thực hiện")
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cach_thuc", "expected"),
    [
        pytest.param(  # 1.000236: three plain rows
            CH_HEAD + "Trực tuyến3 Ngày làm việcMiễn phínộp hồ sơ trực tuyến qua Cổng dịch vụ"
            " công quốc gia.Dịch vụ bưu chính3 Ngày làm việcMiễn phínộp hồ sơ hoàn toàn qua dịch"
            " vụ bưu chính công ích.Trực tiếp3 Ngày làm việcMiễn phínộp hồ sơ trực tiếp tại trụ"
            " sở Cục Quản lý xuất nhập cảnh.",
            [
                ("Trực tuyến", "3 Ngày làm việc", 3.0, WD, 0),
                ("Dịch vụ bưu chính", "3 Ngày làm việc", 3.0, WD, 0),
                ("Trực tiếp", "3 Ngày làm việc", 3.0, WD, 0),
            ],
            id="three-rows",
        ),
        pytest.param(  # 1.000253
            CH_HEAD + "Trực tiếp7 NgàyKhông có thông tinNộp trực tiếp tại trụ sở Công an cấp xã",
            [("Trực tiếp", "7 Ngày", 7.0, "ngày", None)],
            id="fee-unknown",
        ),
        pytest.param(  # 1.000232: nothing known; "Trực tuyến: nộp…" in a description is no row
            CH_HEAD + "Trực tiếpKhông có thông tinKhông có thông tinnộp hồ sơ trực tiếp tại trụ sở"
            " Cục Quản lý xuất nhập cảnh.Dịch vụ bưu chínhKhông có thông tinKhông có thông tin"
            "Gửi hồ sơ và nhận kết quả qua đường bưu điện.Trực tuyếnKhông có thông tinKhông có"
            " thông tinTrực tuyến: nộp hồ sơ trực tuyến qua Cổng dịch vụ công quốc gia.",
            [
                ("Trực tiếp", "", None, None, None),
                ("Dịch vụ bưu chính", "", None, None, None),
                ("Trực tuyến", "", None, None, None),
            ],
            id="no-information",
        ),
        pytest.param(  # 1.000757: amount with a "(…)" note
            CH_HEAD + "Trực tiếp7 Ngày làm việc70,000 Việt Nam Đồng(- Cấp lại thẻ căn cước: 70.000"
            " đồng/thẻ căn cước.)- Trực tiếp tại cơ quan quản lý căn cước của Bộ Công an.",
            [("Trực tiếp", "7 Ngày làm việc", 7.0, WD, 70_000)],
            id="amount-with-note",
        ),
        pytest.param(  # 1.001200: the headline is in thousands, the note has the real amount
            CH_HEAD + "Trực tuyến3 Ngày làm việc40 Việt Nam Đồng(40.000đ/giấy thông hành (áp dụng"
            " đến hết ngày 31/12/2024 theo Thông tư số 43/2024/TT-BTC của Bộ Tài chính).)",
            [("Trực tuyến", "3 Ngày làm việc", 3.0, WD, 40_000)],
            id="fee-in-thousands",
        ),
        pytest.param(  # 1.000771: foreign currency is not a VND amount
            CH_HEAD + "Trực tuyến5 Ngày làm việc10 USD(/lần)Trực tiếp5 Ngày làm việc10 USD(/lần)",
            [
                ("Trực tuyến", "5 Ngày làm việc", 5.0, WD, None),
                ("Trực tiếp", "5 Ngày làm việc", 5.0, WD, None),
            ],
            id="usd",
        ),
        pytest.param(  # 1.000025: time without unit
            CH_HEAD + "Trực tiếp1Miễn phí",
            [("Trực tiếp", "1", 1.0, None, 0)],
            id="bare-number",
        ),
        pytest.param(  # 1.000014: "1" + "20 VNĐ" glued; the note proves the split
            CH_HEAD + "Trực tuyến120 VNĐ(20.000 vnđ /tờ khai)Trực tiếp120 VNĐ(20.000 vnđ /tờ khai)",
            [("Trực tuyến", "1", 1.0, None, 20_000), ("Trực tiếp", "1", 1.0, None, 20_000)],
            id="glued-split-by-note",
        ),
        pytest.param(  # 2.002015: glued without evidence: unknown, not guessed
            CH_HEAD + "Dịch vụ bưu chính125 VNĐTrực tiếp125 VNĐ",
            [
                ("Dịch vụ bưu chính", "", None, None, None),
                ("Trực tiếp", "", None, None, None),
            ],
            id="glued-ambiguous",
        ),
        pytest.param(  # 1.007689: free-text time cell
            CH_HEAD + "Trực tuyếnKhông phải trả kết quả cho người nộp thuếMiễn phíBằng phương thức"
            " điện tử qua Cổng dịch vụ công Quốc gia.",
            [("Trực tuyến", "Không phải trả kết quả cho người nộp thuế", None, None, 0)],
            id="free-text-time",
        ),
        pytest.param(  # 1.000080: "Miễn phí" but the note says the province sets the fee
            CH_HEAD + "Trực tuyến7Miễn phí(Mức lệ phí cụ thể do Hội đồng nhân dân tỉnh, thành phố"
            " trực thuộc Trung ương quyết định. Miễn lệ phí cho người thuộc hộ nghèo.)",
            [("Trực tuyến", "7", 7.0, None, None)],
            id="free-but-rule",
        ),
        pytest.param(  # 3.000379: "Miễn phí" contradicted by amounts in the note
            CH_HEAD + "Trực tuyến12 Ngày làm việcMiễn phí(- Cung cấp dịch vụ tại cảng hàng không"
            " quốc tế: 50.000.000 đồng - Cung cấp dịch vụ tại cảng hàng không khác: 30.000.000"
            " đồng)Trong thời hạn 12 ngày làm việc, kể từ ngày nhận đủ hồ sơ hợp lệ.",
            [("Trực tuyến", "12 Ngày làm việc", 12.0, WD, None)],
            id="free-but-amounts",
        ),
        pytest.param(  # 1.001247: a note that does not contradict "free"
            CH_HEAD + "Trực tiếp7 Ngày làm việcMiễn phí(Chưa quy định.)",
            [("Trực tiếp", "7 Ngày làm việc", 7.0, WD, 0)],
            id="free-with-note",
        ),
        pytest.param(  # 1.003361: the time is only in the description
            CH_HEAD + "Trực tuyếnKhông có thông tinMiễn phí28 ngày làm việc (đối với trường hợp cấp"
            " mới), 02 ngày làm việc (đối với trường hợp cấp lại) kể từ ngày nhận được hồ sơ",
            [("Trực tuyến", "", 28.0, WD, 0)],
            id="time-from-description",
        ),
        pytest.param(  # 1.014247: only stage deadlines deep in the text: no total stated
            CH_HEAD + "Trực tiếpKhông có thông tinKhông có thông tin* Cách thực hiện: Nộp hồ sơ về"
            " Bộ phận Tiếp nhận và Trả kết quả giải quyết thủ tục hành chính của Bộ Nông nghiệp và"
            " Môi trường, địa chỉ tại số 10 Tôn Thất Thuyết, phường Cầu Giấy, thành phố Hà Nội.\n"
            "* Thời hạn giải quyết:\n- Thời hạn tiếp nhận và kiểm tra hồ sơ: 03 ngày làm việc, kể"
            " từ khi nhận hồ sơ;\n- Thời hạn thẩm định hồ sơ và trình phê duyệt: 50 ngày",
            [("Trực tiếp", "", None, None, None)],
            id="stage-times-only",
        ),
        pytest.param(  # 1.014237: "(1) Trường hợp…" after an unknown fee is description
            CH_HEAD + "Trực tiếp14 Ngày làm việcKhông có thông tin(1) Trường hợp thay đổi tên tổ"
            " chức, cá nhân thăm dò khoáng sản:",
            [("Trực tiếp", "14 Ngày làm việc", 14.0, WD, None)],
            id="paren-description",
        ),
        pytest.param(CH_HEAD, [], id="header-only"),
        pytest.param("", [], id="empty"),
        pytest.param("Không có thông tin", [], id="no-info"),
    ],
)
def test_channels(cach_thuc, expected):
    assert channels_of(cach_thuc) == expected


def test_channel_texts_keep_what_the_portal_says():
    (c,) = parse_record(
        record(
            cach_thuc_thuc_hien=CH_HEAD + "Trực tuyến3 Ngày làm việc40 Việt Nam Đồng(40.000đ/giấy"
            " thông hành)+ Trực tuyến: nộp hồ sơ trực tuyến qua Cổng Dịch vụ công quốc gia."
        )
    ).channels
    assert c.fee_text == "40 Việt Nam Đồng (40.000đ/giấy thông hành)"
    assert c.description == "+ Trực tuyến: nộp hồ sơ trực tuyến qua Cổng Dịch vụ công quốc gia."


# --------------------------------------------------------------------------------------------
# Documents ("Thành phần hồ sơ")
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("thanh_phan", "expected"),
    [
        pytest.param(  # 2.002322: "0 bản chính,1 bản sao"
            "--" + DOC_HEAD + "Đơn đề nghị cấp sổ ATA1 bản chínhVăn bản xác nhận của cơ quan có"
            " thẩm quyền về tổ chức hoặc tham dự sự kiện0 bản chính,1 bản saoMẫu sổ ATA đã được"
            " khai (đánh máy) đầy đủ các thông tin tại mặt trước và mặt sau của trang bìa theo mẫu"
            " sổ ATA1 bản chính,1 bản sao",
            [
                ("Đơn đề nghị cấp sổ ATA", 1, 0, "", ""),
                (
                    "Văn bản xác nhận của cơ quan có thẩm quyền về tổ chức hoặc tham dự sự kiện",
                    0,
                    1,
                    "",
                    "",
                ),
                (
                    "Mẫu sổ ATA đã được khai (đánh máy) đầy đủ các thông tin tại mặt trước và mặt"
                    " sau của trang bìa theo mẫu sổ ATA",
                    1,
                    1,
                    "",
                    "",
                ),
            ],
            id="originals-and-copies",
        ),
        pytest.param(  # 1.000094: group headers before the table headers
            "* Giấy tờ phải nộp:" + DOC_HEAD + "- Bản sao giấy tờ chứng minh nhân thân.0 bản chính"
            ",1 bản sao* Giấy tờ phải xuất trình:" + DOC_HEAD + "- Hộ chiếu/Thẻ căn cước công dân"
            " còn giá trị sử dụng.1 bản chính",
            [
                ("Bản sao giấy tờ chứng minh nhân thân.", 0, 1, "", "Giấy tờ phải nộp"),
                (
                    "Hộ chiếu/Thẻ căn cước công dân còn giá trị sử dụng.",
                    1,
                    0,
                    "",
                    "Giấy tờ phải xuất trình",
                ),
            ],
            id="group-headers",
        ),
        pytest.param(  # 1.013206: group rows inside the table
            "--" + DOC_HEAD + "Hồ sơ thiết kế cải tạo1 bản chính- Giấy tờ phải xuất trình:0 bản"
            " chínhGiấy chứng nhận kết quả kiểm định còn hiệu lực1 bản chính,1 bản sao",
            [
                ("Hồ sơ thiết kế cải tạo", 1, 0, "", ""),
                (
                    "Giấy chứng nhận kết quả kiểm định còn hiệu lực",
                    1,
                    1,
                    "",
                    "Giấy tờ phải xuất trình",
                ),
            ],
            id="in-table-group",
        ),
        pytest.param(  # 1.000014: "02 bản chính" inside a name is not the count cell
            "--" + DOC_HEAD + "- Tờ khai hải quan nhập khẩu: 02 bản chính. Tại ô chứng từ đi kèm,"
            " Thương nhân ghi rõ lượng xăng dầu;2 bản chính- Tờ khai hải quan tạm nhập của lô"
            " hàng: 01 bản chụp có đóng dấu xác nhận của Thương nhân;0 bản chính,1 bản sao",
            [
                (
                    "Tờ khai hải quan nhập khẩu: 02 bản chính. Tại ô chứng từ đi kèm, Thương nhân"
                    " ghi rõ lượng xăng dầu",
                    2,
                    0,
                    "",
                    "",
                ),
                (
                    "Tờ khai hải quan tạm nhập của lô hàng: 01 bản chụp có đóng dấu xác nhận của"
                    " Thương nhân",
                    0,
                    1,
                    "",
                    "",
                ),
            ],
            id="count-inside-name",
        ),
        pytest.param(  # 1.007689: template files glued to the names
            "--" + DOC_HEAD + "Tờ khai thuế đối với hoạt động cho thuê bất động sản (Mẫu số"
            " 01/BĐS)01 BĐS.docx1 bản chính,1 bản saoPhụ lục bảng kê chi tiết bất động sản (Mẫu"
            " số 01/BK-BĐS)01 BK-BĐS.docx1 bản chính",
            [
                (
                    "Tờ khai thuế đối với hoạt động cho thuê bất động sản (Mẫu số 01/BĐS)",
                    1,
                    1,
                    "01 BĐS.docx",
                    "",
                ),
                (
                    "Phụ lục bảng kê chi tiết bất động sản (Mẫu số 01/BK-BĐS)",
                    1,
                    0,
                    "01 BK-BĐS.docx",
                    "",
                ),
            ],
            id="template-files",
        ),
        pytest.param(  # 2.000639 and a multi-file cell
            "--" + DOC_HEAD + "a) Tờ khai tham gia bảo hiểm y tế;Mau01-BK(BHYT).doc1 bản chínhTờ"
            " khai theo mẫu;Mẫu số 01.docxMẫu số 10 TT 25.docx1 bản chính",
            [
                ("a) Tờ khai tham gia bảo hiểm y tế", 1, 0, "Mau01-BK(BHYT).doc", ""),
                ("Tờ khai theo mẫu", 1, 0, "Mẫu số 01.docx; Mẫu số 10 TT 25.docx", ""),
            ],
            id="template-files-2",
        ),
        pytest.param(  # 1.012782: the name ends with a number, the count is its last digit
            "--" + DOC_HEAD + "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất theo Mẫu số"
            " 181 bản chính,1 bản sao",
            [
                (
                    "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất theo Mẫu số 18",
                    1,
                    1,
                    "Mẫu số 18",
                    "",
                )
            ],
            id="digits-before-count",
        ),
        pytest.param("--", [], id="no-documents"),
        pytest.param("", [], id="empty"),
        pytest.param("Không có thông tin", [], id="no-info"),
    ],
)
def test_documents(thanh_phan, expected):
    rec = parse_record(record(thanh_phan_ho_so=thanh_phan))
    got = [(d.name, d.originals, d.copies, d.form_template, d.group) for d in rec.documents]
    assert got == expected


def test_documents_repaired_from_raw_text_when_the_field_is_misaligned():
    # 1.001521: a step mentions "(Thành phần hồ sơ)", so the crawler's documents field holds the
    # tail of the steps; the page text still has the table.
    raw = (
        "Trình Tự Thực HiệnBước 1. NLĐ lập hồ sơ theo quy định tại mục 5.3 (Thành phần hồ sơ);"
        " nộp hồ sơ cho cơ quan BHXH.Cách Thức Thực Hiện" + CH_HEAD + "Trực tiếp6 Ngày làm việc"
        "Miễn phíThành phần hồ sơTrường hợp không quy định là bản chính thì có thể nộp bản sao"
        " hợp lệ." + DOC_HEAD + "1. Bản chính Sổ BHXH1 bản chính2. Giấy ra viện0 bản chính,1 bản"
        " saoCăn cứ pháp lý" + LEGAL_HEAD + "Luật 41/2024/QH1541/2024/QH15"
    )
    rec = parse_record(
        record(
            thanh_phan_ho_so="); nộp hồ sơ cho cơ quan BHXH.\nBước 2. Cơ quan BHXH tiếp nhận",
            raw_text=raw,
        )
    )
    assert [(d.name, d.originals, d.copies) for d in rec.documents] == [
        ("1. Bản chính Sổ BHXH", 1, 0),
        ("2. Giấy ra viện", 0, 1),
    ]
    assert rec.documents[0].group.startswith("Trường hợp không quy định là bản chính")


def test_form_reference_when_no_file_is_attached():
    rec = parse_record(
        record(
            thanh_phan_ho_so="--" + DOC_HEAD + "Phụ lục Bảng kê các Nhà thầu nước ngoài theo mẫu số"
            " 02-1/NTNN do Bộ Tài chính ban hành1 bản chính"
        )
    )
    assert rec.documents[0].form_template == "mẫu số 02-1/NTNN"


# --------------------------------------------------------------------------------------------
# Legal basis ("Căn cứ pháp lý")
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("can_cu", "expected"),
    [
        pytest.param(
            LEGAL_HEAD + "106/2024/NĐ-CP106/2024/NĐ-CP",
            [("106/2024/NĐ-CP", "106/2024/NĐ-CP")],
            id="title-is-number",
        ),
        pytest.param(  # 3.000379: glued titles, an all-caps title
            LEGAL_HEAD + "Nghị định 64/2022/NĐ-CP64/2022/NĐ-CPSửa đổi Nghị định 30/2013/NĐ-CP về"
            " kinh doanh vận chuyển hàng không15/2024/NĐ-CPvề kinh doanh vận chuyển hàng không và"
            " hoạt động hàng không chung30/2013/NĐ-CPLUẬT  HÀNG KHÔNG DÂN DỤNG VIỆT NAM"
            "66/2006/QH11",
            [
                ("Nghị định 64/2022/NĐ-CP", "64/2022/NĐ-CP"),
                (
                    "Sửa đổi Nghị định 30/2013/NĐ-CP về kinh doanh vận chuyển hàng không",
                    "15/2024/NĐ-CP",
                ),
                (
                    "về kinh doanh vận chuyển hàng không và hoạt động hàng không chung",
                    "30/2013/NĐ-CP",
                ),
                ("LUẬT HÀNG KHÔNG DÂN DỤNG VIỆT NAM", "66/2006/QH11"),
            ],
            id="glued-titles",
        ),
        pytest.param(  # 1.002010: "QH11" followed by the same number
            LEGAL_HEAD + "Luật 65/2006/QH1165/2006/QH11Nghị định 123/2013/NĐ-CP123/2013/NĐ-CP",
            [("Luật 65/2006/QH11", "65/2006/QH11"), ("Nghị định 123/2013/NĐ-CP", "123/2013/NĐ-CP")],
            id="legislature-digits",
        ),
        pytest.param(  # 2.002799: a title ending in a year
            LEGAL_HEAD + "Pháp lệnh Chi phí tố tụng năm 202405/2024/UBTVQH15Nghị định quy định chi"
            " tiết trình tự, thủ tục lập dự toán204/2025/NĐ-CP",
            [
                ("Pháp lệnh Chi phí tố tụng năm 2024", "05/2024/UBTVQH15"),
                ("Nghị định quy định chi tiết trình tự, thủ tục lập dự toán", "204/2025/NĐ-CP"),
            ],
            id="year-before-number",
        ),
        pytest.param(  # 1.013259: a spaced dash; a number cited inside a title
            LEGAL_HEAD + "Nghị quyết số 24/2026/NQ-CP ngày 29/4/2026 của Chính phủ cắt giảm thủ"
            " tục hành chính.24/2026/NQ-CP  Nghị định quy định chi tiết Luật Phòng cháy, chữa"
            " cháy.\n105/2025/NĐ- CPQuy định về Danh mục hàng hóa nguy hiểm161/2024/NĐ-CP",
            [
                (
                    "Nghị quyết số 24/2026/NQ-CP ngày 29/4/2026 của Chính phủ cắt giảm thủ tục"
                    " hành chính.",
                    "24/2026/NQ-CP",
                ),
                (
                    "Nghị định quy định chi tiết Luật Phòng cháy, chữa cháy.",
                    "105/2025/NĐ-CP",
                ),
                ("Quy định về Danh mục hàng hóa nguy hiểm", "161/2024/NĐ-CP"),
            ],
            id="spaced-dash",
        ),
        pytest.param(  # 1.001280: "/" inside the issuer part
            LEGAL_HEAD + "Thông tư liên tịch hướng dẫn thi hành Pháp lệnh Dân quân tự vệ46/2005"
            "/TTLT/BQP-BKHĐT-BTC-BLĐTBXH",
            [
                (
                    "Thông tư liên tịch hướng dẫn thi hành Pháp lệnh Dân quân tự vệ",
                    "46/2005/TTLT/BQP-BKHĐT-BTC-BLĐTBXH",
                )
            ],
            id="slash-in-issuer",
        ),
        pytest.param(
            LEGAL_HEAD + "LUẬT HÀNG HẢI VIỆT NAM",
            [("LUẬT HÀNG HẢI VIỆT NAM", "")],
            id="title-without-number",
        ),
        pytest.param("Không có thông tin", [], id="no-info"),
        pytest.param("", [], id="empty"),
    ],
)
def test_legal_basis(can_cu, expected):
    rec = parse_record(record(can_cu_phap_ly=can_cu))
    assert [(lb.title, lb.number) for lb in rec.legal_basis] == expected


# --------------------------------------------------------------------------------------------
# Result, agencies, steps, conditions
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ket_qua", "expected"),
    [
        pytest.param(
            "Giấy phép đào tạo lái xe ô tôMã: KQ.G04.000057Từ khóaKhông có thông tinMô tảKhông có"
            " thông tinChọn cơ quan thực hiệnTỉnh/ Thành phốBộ ngành-- Chọn Tỉnh/ Thành phố"
            " --Phường/ XãSở-- Chọn Phường/ Xã --Nộp hồ sơ",
            "Giấy phép đào tạo lái xe ô tô",
            id="one",
        ),
        pytest.param(
            "Văn bản chấp thuận mua bán, chuyển nhượng phần vốn gópMã: KQ.G19.000096văn bản từ"
            " chốiMã: KQ.G19.000560Từ khóaKhông có thông tinMô tảKhông có thông tinChọn cơ quan"
            " thực hiệnNộp hồ sơ",
            "Văn bản chấp thuận mua bán, chuyển nhượng phần vốn góp; văn bản từ chối",
            id="two",
        ),
        pytest.param("Không có thông tin", "", id="no-info"),
    ],
)
def test_result(ket_qua, expected):
    assert parse_record(record(ket_qua_xu_ly=ket_qua)).result == expected


@pytest.mark.parametrize(
    ("thuc_hien", "tham_quyen", "expected"),
    [
        pytest.param(
            "Cục cảnh sát quản lý hành chính về trật tự, xã hội, Công an tỉnh",
            "",
            ["Cục cảnh sát quản lý hành chính về trật tự, xã hội", "Công an tỉnh"],
            id="comma-inside-name",
        ),
        pytest.param(
            "Ủy ban Nhân dân\xa0xã,\xa0phường,\xa0thị trấn.",
            "",
            ["Ủy ban Nhân dân xã, phường, thị trấn"],
            id="nbsp-and-dot",
        ),
        pytest.param(
            "Thuế tỉnh, thành phố, Thuế cơ sở",
            "Thuế cơ sở, Cục Thuế - Bộ tài chính",
            ["Thuế tỉnh, thành phố", "Thuế cơ sở", "Cục Thuế - Bộ tài chính"],
            id="dedupe-across-fields",
        ),
        pytest.param(
            "Uỷ ban Nhân dân cấp xã",
            "Ủy ban nhân dân cấp xã",
            ["Uỷ ban Nhân dân cấp xã"],
            id="dedupe-spelling",
        ),
        pytest.param("Không có thông tin", "", [], id="no-info"),
    ],
)
def test_agencies(thuc_hien, tham_quyen, expected):
    rec = parse_record(record(co_quan_thuc_hien=thuc_hien, co_quan_co_tham_quyen=tham_quyen))
    assert rec.agencies == expected


@pytest.mark.parametrize(
    ("trinh_tu", "expected"),
    [
        pytest.param(  # 1.000178: paragraphs stay inside their step
            "Bước 1: Thụ lý giải quyết khiếu nại\n\nTrong thời hạn 10 ngày làm việc, Thủ trưởng"
            " phải thụ lý.\nBước 2: Kiểm tra lại quyết định hành chính\nBước 3: Xác minh nội dung"
            " khiếu nại\n\n+ Kiểm tra lại quyết định hành chính.",
            [
                "Bước 1: Thụ lý giải quyết khiếu nại\nTrong thời hạn 10 ngày làm việc, Thủ trưởng"
                " phải thụ lý.",
                "Bước 2: Kiểm tra lại quyết định hành chính",
                "Bước 3: Xác minh nội dung khiếu nại\n+ Kiểm tra lại quyết định hành chính.",
            ],
            id="buoc-lines",
        ),
        pytest.param(  # 1.008333: "+ Bước 1." after a heading on the same line
            "(i) Khai thuế đối với nhà thầu nước ngoài + Bước 1. Nhà thầu nộp hồ sơ khai thuế."
            "\n+ Bước 2. Cơ quan thuế tiếp nhận: theo quy định tại bước 1.",
            [
                "(i) Khai thuế đối với nhà thầu nước ngoài",
                "Bước 1. Nhà thầu nộp hồ sơ khai thuế.",
                "Bước 2. Cơ quan thuế tiếp nhận: theo quy định tại bước 1.",
            ],
            id="bulleted-buoc",
        ),
        pytest.param(
            "- Tổ chức nộp hồ sơ tại Sở Tư pháp.\n+ Hồ sơ nộp trực tiếp.\n- Sở Tư pháp cấp giấy"
            " phép.",
            [
                "Tổ chức nộp hồ sơ tại Sở Tư pháp.\n+ Hồ sơ nộp trực tiếp.",
                "Sở Tư pháp cấp giấy phép.",
            ],
            id="dash-lines",
        ),
        pytest.param("Không có thông tin", [], id="no-info"),
    ],
)
def test_steps(trinh_tu, expected):
    assert parse_record(record(trinh_tu_thuc_hien=trinh_tu)).steps == expected


def test_steps_are_capped_without_losing_text():
    text = "\n".join(f"- Việc thứ {i}" for i in range(1, 41))
    steps = parse_record(record(trinh_tu_thuc_hien=text)).steps
    assert len(steps) == 30
    assert steps[0] == "Việc thứ 1"
    assert steps[-1].startswith("Việc thứ 30\n") and steps[-1].endswith("Việc thứ 40")


def test_conditions_keep_text_and_drop_no_information():
    text = "áp dụng đối với các trường hợp quy định tại Điều 11 Thông tư số 61/2013/TT-BCA"
    assert parse_record(record(yeu_cau_dieu_kien=text)).conditions == text
    assert parse_record(record(yeu_cau_dieu_kien="Không có thông tin")).conditions == ""


# --------------------------------------------------------------------------------------------
# Malformed input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(None, id="none"),
        pytest.param([], id="list"),
        pytest.param("1.000236", id="string"),
        pytest.param(record(ma_thu_tuc=None), id="code-none"),
        pytest.param(record(ma_thu_tuc=1.000236), id="code-number"),
        pytest.param(record(ma_thu_tuc="  "), id="code-blank"),
        pytest.param({k: v for k, v in record().items() if k != "ma_thu_tuc"}, id="code-missing"),
        pytest.param(record(ten_thu_tuc=None), id="name-none"),
        pytest.param(record(ten_thu_tuc=["Cấp thị thực"]), id="name-list"),
    ],
)
def test_unusable_records_raise_record_error(obj):
    with pytest.raises(RecordError):
        parse_record(obj)


@pytest.mark.parametrize("bad", [None, 42, 3.5, ["x"], {"a": 1}, True])
def test_wrong_field_types_are_read_as_empty(bad):
    fields = [
        "detail_url",
        "cap_thuc_hien",
        "linh_vuc",
        "co_quan_thuc_hien",
        "co_quan_co_tham_quyen",
        "dia_chi_tiep_nhan",
        "trinh_tu_thuc_hien",
        "cach_thuc_thuc_hien",
        "thanh_phan_ho_so",
        "can_cu_phap_ly",
        "yeu_cau_dieu_kien",
        "ket_qua_xu_ly",
        "raw_text",
    ]
    rec = parse_record(record(**{name: bad for name in fields}))
    assert rec.code == "1.000236"
    assert rec.channels == rec.documents == rec.legal_basis == rec.steps == rec.agencies == []
    assert rec.field == rec.level == rec.result == rec.conditions == rec.source_url == ""


def test_minimal_record_only_needs_code_and_name():
    rec = parse_record({"ma_thu_tuc": "9.999999", "ten_thu_tuc": "Thủ tục thử"})
    assert (rec.code, rec.name, rec.channels, rec.documents) == ("9.999999", "Thủ tục thử", [], [])


# --------------------------------------------------------------------------------------------
# iter_records
# --------------------------------------------------------------------------------------------


def _lines() -> list:
    good = json.dumps(record(), ensure_ascii=False).encode()
    return [
        good,  # 1
        b"",  # 2: blank, skipped
        b"{not json",  # 3
        json.dumps(record(ma_thu_tuc=None)).encode(),  # 4
        b"[1, 2, 3]",  # 5
        b'{"ma_thu_tuc": "1.0", "ten_thu_tuc": "\xff\xfe"}',  # 6: invalid UTF-8
        json.dumps(record(ma_thu_tuc="1.000237", cach_thuc_thuc_hien=7)).encode(),  # 7
    ]


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_iter_records_reports_bad_lines_and_goes_on(tmp_path, suffix):
    path = tmp_path / f"snapshot{suffix}"
    data = b"\n".join(_lines()) + b"\n"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)

    items = list(iter_records(path))
    assert [n for n, _ in items] == [1, 3, 4, 5, 6, 7]
    kinds = {n: type(item).__name__ for n, item in items}
    assert kinds == {
        1: "ProcedureRecord",
        3: "RecordError",
        4: "RecordError",
        5: "RecordError",
        6: "RecordError",
        7: "ProcedureRecord",
    }
    errors = {n: item for n, item in items if isinstance(item, RecordError)}
    assert all(err.line == n for n, err in errors.items())
    assert "JSON" in str(errors[3])
    assert "ma_thu_tuc" in str(errors[4])
    assert "UTF-8" in str(errors[6])
    assert dict(items)[7].channels == []


def test_iter_records_stops_with_an_error_on_a_truncated_gzip(tmp_path):
    path = tmp_path / "cut.jsonl.gz"
    data = gzip.compress(b"\n".join([json.dumps(record()).encode()] * 50))
    path.write_bytes(data[: len(data) // 2])
    items = list(iter_records(path))
    assert items, "the readable part is still parsed"
    *good, (line, last) = items
    assert all(isinstance(item, ProcedureRecord) for _, item in good)
    assert isinstance(last, RecordError) and "unreadable" in str(last)
    assert line == last.line


def test_iter_records_raises_only_when_the_file_cannot_be_opened(tmp_path):
    with pytest.raises(OSError):
        list(iter_records(tmp_path / "missing.jsonl.gz"))


# --------------------------------------------------------------------------------------------
# The real snapshot
# --------------------------------------------------------------------------------------------


@pytest.mark.skipif(not SNAPSHOT.exists(), reason=f"snapshot not found at {SNAPSHOT}")
def test_real_snapshot_coverage():
    started = time.perf_counter()
    items = list(iter_records(SNAPSHOT))
    seconds = time.perf_counter() - started
    records = [item for _, item in items if isinstance(item, ProcedureRecord)]
    errors = [item for _, item in items if not isinstance(item, ProcedureRecord)]

    assert not errors
    assert len(records) >= 2600
    assert len({r.code for r in records}) == len(records)
    with_documents = sum(bool(r.documents) for r in records) / len(records)
    with_time = sum(
        any(c.processing_time_value is not None for c in r.channels) for r in records
    ) / len(records)
    assert with_documents >= 0.95, with_documents
    assert with_time >= 0.95, with_time
    assert seconds < 20, seconds
