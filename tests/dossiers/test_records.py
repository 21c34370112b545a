"""A dossier record's fields as the importer normalises them."""

import pytest

from assistant.dossiers.records import normalize_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("84912345678", "0912345678"),
        ("0084 912 345 678", "0912345678"),
        ("091.234.5678", "0912345678"),
        ("(+84) 91-234-5678", "0912345678"),
        (912345678, "0912345678"),
        ("0292 3812 345", "02923812345"),  # Cần Thơ landline, kept
        ("", ""),
        (None, ""),
    ],
)
def test_phone_normalisation(raw, expected):
    assert normalize_phone(raw) == expected
