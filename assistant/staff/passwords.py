"""Password hashing with the standard library's scrypt: no extra dependency to audit.

Stored as ``scrypt$16384$8$1$<salt b64>$<hash b64>`` so that the cost can be raised later
while old hashes still verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1
SALT_BYTES = 16
KEY_BYTES = 32
MIN_LENGTH = 10
MAX_LENGTH = 256
# Bounds for parameters read back from the database: a tampered row must not make one login
# allocate gigabytes or run for minutes (scrypt needs 128 * n * r bytes; 16 MiB by default).
MAX_MEMORY = 64 * 1024 * 1024
_MAX_P = 4


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=MAX_MEMORY, dklen=length
    )


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    key = _derive(password, salt, N, R, P, KEY_BYTES)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` matches; False for a wrong password or a malformed ``stored``."""
    try:
        scheme, n_text, r_text, p_text, salt_text, key_text = (stored or "").split("$")
        n, r, p = int(n_text), int(r_text), int(p_text)
        salt = base64.b64decode(salt_text, validate=True)
        expected = base64.b64decode(key_text, validate=True)
    except (ValueError, binascii.Error):
        return False
    if scheme != "scrypt" or not salt or not 16 <= len(expected) <= 64:
        return False
    if not (1 < n and n & (n - 1) == 0 and 0 < r and 0 < p <= _MAX_P):
        return False
    try:
        actual = _derive(password or "", salt, n, r, p, len(expected))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, in Vietnamese, or None when it is acceptable."""
    password = password or ""
    if len(password) < MIN_LENGTH:
        return f"Mật khẩu phải có ít nhất {MIN_LENGTH} ký tự."
    if len(password) > MAX_LENGTH:
        return f"Mật khẩu không được dài quá {MAX_LENGTH} ký tự."
    if password.isdigit():
        return "Mật khẩu không được chỉ gồm chữ số."
    return None
