"""Ownership checks are remembered by hashed key and counted in a sliding window."""

from __future__ import annotations

from datetime import datetime, timedelta

from assistant.db.session import session_scope
from assistant.dossiers.attempts import AttemptRepository


def test_verification_attempts_count_failures_in_a_window(database_url):
    start = datetime(2024, 5, 1, 10, 0)
    with session_scope(database_url) as session:
        repo = AttemptRepository(session)
        for minutes, ok in [(0, False), (5, False), (10, True), (20, False)]:
            repo.record_attempt("sender", "a" * 64, ok, start + timedelta(minutes=minutes))
        repo.record_attempt("code", "a" * 64, False, start)
    with session_scope(database_url) as session:
        repo = AttemptRepository(session)
        assert repo.failures_since("sender", "a" * 64, start) == 3
        assert repo.failures_since("sender", "a" * 64, start + timedelta(minutes=1)) == 2
        assert repo.failures_since("sender", "b" * 64, start) == 0
        assert repo.failures_since("code", "a" * 64, start) == 1
        assert repo.prune_attempts(start + timedelta(minutes=6)) == 3
        assert repo.failures_since("sender", "a" * 64, start) == 1
