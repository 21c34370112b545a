"""The keyed hash standing in for sender ids: not a plain SHA-256 anyone can recompute from an
enumerable platform id, stable for one key, with a generated key kept private on disk."""

from __future__ import annotations

import hashlib
import multiprocessing
import stat

import pytest

from assistant import sender_hash as module
from assistant.sender_hash import SenderKeyError, file_key, sender_hash, sender_ref
from assistant.settings import get_settings

ZALO_ID = "8405716357284756120"


@pytest.fixture
def secret(monkeypatch):
    def use(value: str) -> None:
        monkeypatch.setenv("SENDER_HASH_SECRET", value)
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


@pytest.fixture
def key_file(tmp_path, monkeypatch, secret):
    secret("")
    path = tmp_path / "var" / "sender_hash.key"
    monkeypatch.setattr(module, "KEY_FILE", path)
    file_key.cache_clear()
    yield path
    file_key.cache_clear()


def test_the_hash_is_not_the_plain_sha256(secret):
    secret("a-configured-secret-of-some-length")
    assert sender_hash(ZALO_ID) != hashlib.sha256(ZALO_ID.encode()).hexdigest()
    assert len(sender_hash(ZALO_ID)) == 64 and ZALO_ID not in sender_hash(ZALO_ID)


def test_one_secret_gives_a_stable_hash_two_secrets_different_ones(secret):
    secret("first-secret-first-secret-first")
    first = sender_hash(ZALO_ID)
    assert sender_hash(ZALO_ID) == first  # one sender's messages still group together
    assert sender_hash("8405716357284756121") != first
    secret("second-secret-second-secret-sec")
    assert sender_hash(ZALO_ID) != first


def test_log_references_use_the_same_keyed_hash(secret):
    secret("a-configured-secret-of-some-length")
    assert sender_ref(ZALO_ID) == sender_hash(ZALO_ID)[:10]
    assert sender_ref(ZALO_ID) != hashlib.sha256(ZALO_ID.encode()).hexdigest()[:10]


def test_without_a_secret_a_private_key_file_is_made_once(key_file):
    first = sender_hash(ZALO_ID)
    assert key_file.exists()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) == 64
    file_key.cache_clear()  # a restart reads the same key back
    assert sender_hash(ZALO_ID) == first
    assert list(key_file.parent.iterdir()) == [key_file]  # no temporary file left


def test_an_existing_key_file_readable_by_others_is_made_private(key_file):
    key_file.parent.mkdir(parents=True)
    key_file.write_text("f" * 64)
    key_file.chmod(0o644)
    sender_hash(ZALO_ID)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_an_unusable_key_file_is_not_silently_replaced(key_file):
    key_file.parent.mkdir(parents=True)
    key_file.write_text("short")
    with pytest.raises(SenderKeyError, match="SENDER_HASH_SECRET"):
        sender_hash(ZALO_ID)
    assert key_file.read_text() == "short"


def _read_key(path, queue):
    queue.put(file_key(path))


def test_processes_starting_together_agree_on_one_key(key_file):
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=_read_key, args=(key_file, queue)) for _ in range(6)]
    for worker in workers:
        worker.start()
    keys = {queue.get(timeout=30) for _ in workers}
    for worker in workers:
        worker.join(timeout=30)
    assert len(keys) == 1 and keys == {key_file.read_text().strip().encode()}
