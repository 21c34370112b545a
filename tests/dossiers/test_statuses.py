"""parse_status: every source wording to one enum, and never an exception for garbage."""

from __future__ import annotations

import unicodedata

import pytest

from assistant.dossiers.statuses import LABELS, DossierStatus, parse_status

S = DossierStatus

# The eight names the national guidance uses, as LABELS spells them.
OFFICIAL = [
    ("Chờ tiếp nhận", S.WAITING),
    ("Đã tiếp nhận", S.RECEIVED),
    ("Đang xử lý", S.PROCESSING),
    ("Chờ bổ sung hồ sơ", S.SUPPLEMENT),
    ("Đã có kết quả (chờ trả)", S.READY),
    ("Đã trả kết quả", S.RETURNED),
    ("Đã hủy", S.CANCELLED),
    ("Từ chối", S.REJECTED),
]

VARIANTS = [
    # case, spacing, old tone placement, decomposed Unicode, no diacritics
    ("ĐANG XỬ LÝ", S.PROCESSING),
    ("  Đang   giải quyết ", S.PROCESSING),
    ("dang xu ly", S.PROCESSING),
    ("Đã huỷ", S.CANCELLED),
    ("Đã Trả Kết Quả", S.RETURNED),
    (unicodedata.normalize("NFD", "Đã trả kết quả"), S.RETURNED),
    ("da co ket qua", S.READY),
    # other systems' wording
    ("Mới đăng ký", S.WAITING),
    ("Chờ xác nhận", S.WAITING),
    ("Đã tiếp nhận hồ sơ", S.RECEIVED),
    ("Đang giải quyết", S.PROCESSING),
    ("Chờ phê duyệt", S.PROCESSING),
    ("Đang thẩm định", S.PROCESSING),
    ("Yêu cầu bổ sung", S.SUPPLEMENT),
    ("Đã tiếp nhận - chờ bổ sung", S.SUPPLEMENT),
    ("Có kết quả, chờ trả", S.READY),
    ("Hoàn thành", S.RETURNED),
    ("Rút hồ sơ", S.CANCELLED),
    ("Không đủ điều kiện giải quyết", S.REJECTED),
    ("Từ chối tiếp nhận", S.REJECTED),
    ("Dừng xử lý", S.REJECTED),
    # the enum's own values (what the database stores)
    ("processing", S.PROCESSING),
    ("RETURNED", S.RETURNED),
    ("unknown", S.UNKNOWN),
]

GARBAGE = [None, 0, 7, 3.5, True, "", "   ", "\n\t", "😀", "🙂 đang", "123", "abc", "???",
           ["Đang xử lý"], {"name": "Đang xử lý"}, b"Dang xu ly", "Tạm dừng"]  # fmt: skip


@pytest.mark.parametrize(("name", "expected"), OFFICIAL)
def test_official_names(name, expected):
    assert parse_status(name) is expected


def test_labels_parse_back_to_their_status():
    for status, label in LABELS.items():
        assert parse_status(label) is status


@pytest.mark.parametrize(("name", "expected"), VARIANTS)
def test_variants(name, expected):
    assert parse_status(name) is expected


@pytest.mark.parametrize("name", GARBAGE, ids=repr)
def test_garbage_is_unknown_never_an_error(name):
    assert parse_status(name) is S.UNKNOWN


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Đã chuyển xử lý", S.PROCESSING),
        ("Đang xử lý tại UBND huyện", S.PROCESSING),
        ("Không tiếp nhận", S.REJECTED),
    ],
)
def test_known_misreadings(name, expected):
    assert parse_status(name) is expected


def test_finished_and_labels():
    assert {s for s in S if s.finished} == {S.RETURNED, S.CANCELLED, S.REJECTED}
    assert all(status.label for status in S)
