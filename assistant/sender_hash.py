"""A keyed hash standing in for a platform user id, in the inbox and in logs.

Zalo and Messenger ids are short numbers anyone can enumerate, so a plain SHA-256 of one is
as good as the id itself. The hash is an HMAC-SHA256 keyed with ``SENDER_HASH_SECRET``, or,
when that is empty, with a random key made on first use and kept in ``var/sender_hash.key``
(mode 0600). The same key gives the same hash, so one sender's messages still group
together; several servers sharing a database set the same ``SENDER_HASH_SECRET``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from functools import lru_cache
from pathlib import Path

from assistant.settings import PROJECT_ROOT, get_settings

KEY_FILE = PROJECT_ROOT / "var" / "sender_hash.key"
MIN_KEY = 32  # characters of a usable key file (a generated one has 64)


class SenderKeyError(RuntimeError):
    """The key file is there but unusable: an operator must look (never silently replaced,
    or every stored hash would stop matching)."""


def sender_hash(sender_id: str) -> str:
    """64 hex digits; stable for one key, unrelated across keys."""
    return hmac.new(_key(), (sender_id or "").encode("utf-8"), hashlib.sha256).hexdigest()


def sender_ref(sender_id: str) -> str:
    """A short stand-in for a user id in log lines."""
    return sender_hash(sender_id)[:10]


def _key() -> bytes:
    configured = get_settings().sender_hash_secret
    return configured.encode("utf-8") if configured else file_key(KEY_FILE)


@lru_cache(maxsize=4)
def file_key(path: Path) -> bytes:
    """The key kept in ``path``, made on first use. Two processes starting together agree:
    the key is written to a private temporary file that is then hard-linked into place,
    which fails if another process got there first, and everyone reads back the winner."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            temporary.unlink(missing_ok=True)
    if path.stat().st_mode & 0o077:
        try:
            os.chmod(path, 0o600)
        except OSError:  # not ours: readable is all we need
            pass
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_KEY:
        raise SenderKeyError(
            f"{path} holds no usable key; set SENDER_HASH_SECRET or restore the file"
        )
    return key.encode("ascii")
