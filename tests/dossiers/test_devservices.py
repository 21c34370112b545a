"""Throw-away PostgreSQL and Redis really start, serve, and go away (``pytest -m services``)."""

from __future__ import annotations

import socket
from datetime import datetime

import pytest

from assistant.devservices import start_postgres, start_redis

pytestmark = pytest.mark.services


def test_postgres_migrates_and_stores_dossiers(tmp_path):
    from assistant.db.migrate import upgrade
    from assistant.db.session import dispose_engines, session_scope
    from assistant.dossiers.records import DossierRecord, HistoryEntry
    from assistant.dossiers.repository import DossierRepository
    from assistant.dossiers.statuses import DossierStatus

    with start_postgres(tmp_path) as postgres:
        assert postgres.url.startswith("postgresql://postgres@127.0.0.1:")
        assert postgres.url.endswith("/assistant")
        upgrade(postgres.url)
        received = datetime(2024, 1, 15, 8, 30)
        record = DossierRecord(
            code="000.00.27.h13-240115-0001",
            procedure_name="Đăng ký khai sinh",
            applicant_name="Nguyễn Thị Ngọc Hân",
            applicant_phone="+84 912 345 678",
            received_at=received,
            status=DossierStatus.PROCESSING,
            status_text="Đang xử lý",
            history=[HistoryEntry(DossierStatus.PROCESSING, "Đang xử lý", "UBND", received)],
        )
        try:
            with session_scope(postgres.url) as session:
                assert DossierRepository(session).upsert_many([record]) == (1, 0)
            with session_scope(postgres.url) as session:
                dossier = DossierRepository(session).get("000.00.27.H13-240115-0001")
                assert dossier.applicant_name == "Nguyễn Thị Ngọc Hân"
                assert dossier.applicant_phone == "0912345678"
                assert dossier.received_at == received
                assert [e.status for e in dossier.history] == ["processing"]
        finally:
            dispose_engines()  # close pooled connections before the server goes
        port = postgres.port
    assert not postgres.running
    assert not postgres.remove_on_stop
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_redis_set_and_get(tmp_path):
    import redis

    with start_redis(tmp_path) as server:
        assert server.url.startswith("redis://127.0.0.1:") and server.url.endswith("/0")
        client = redis.Redis.from_url(server.url)
        client.set("hồ sơ", "đang xử lý")
        assert client.get("hồ sơ").decode() == "đang xử lý"
        assert client.config_get("save")["save"] == ""
        assert client.config_get("appendonly")["appendonly"] == "no"
        client.close()
    assert not server.running


def test_stop_is_idempotent(tmp_path):
    server = start_redis(tmp_path)
    server.stop()
    server.stop()
    assert not server.running
