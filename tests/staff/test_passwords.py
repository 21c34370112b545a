"""Password hashing and the password rules."""

from __future__ import annotations

import pytest

from assistant.staff.passwords import hash_password, password_problem, verify_password


def test_hash_has_the_documented_format_and_verifies():
    stored = hash_password("mật khẩu dài đủ")
    scheme, n, r, p, salt, key = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(salt) == 24 and len(key) == 44  # base64 of 16 and 32 bytes
    assert verify_password("mật khẩu dài đủ", stored)
    assert not verify_password("mật khẩu dài đu", stored)
    assert not verify_password("", stored)


def test_same_password_gets_a_different_salt():
    assert hash_password("correct horse") != hash_password("correct horse")


@pytest.mark.parametrize(
    "stored",
    [
        "",
        None,
        "plain-text-password",
        "scrypt$16384$8$1$onlyfive",
        "bcrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "scrypt$abc$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "scrypt$16384$8$1$not base64!$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        # A tampered cost that would need 4 GiB: refused, not computed.
        "scrypt$1048576$32$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ],
)
def test_malformed_stored_values_are_false_not_errors(stored):
    assert verify_password("anything at all", stored) is False


@pytest.mark.parametrize(
    "password, problem",
    [
        ("", "ít nhất 10"),
        ("short", "ít nhất 10"),
        ("0123456789", "chữ số"),
        ("x" * 257, "256"),
        ("abcdefghij", None),
        ("mật khẩu an toàn", None),
        ("x" * 256, None),
    ],
)
def test_password_rules(password, problem):
    found = password_problem(password)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
