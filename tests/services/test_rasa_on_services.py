"""Rasa with PostgreSQL as tracker store and application database, Redis as lock store."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import yaml
from sqlalchemy import create_engine, text

from assistant.catalog.importer import import_catalog
from assistant.db.migrate import downgrade, upgrade
from assistant.db.session import session_scope
from assistant.dossiers.records import DossierRecord
from assistant.dossiers.repository import DossierRepository
from assistant.dossiers.statuses import DossierStatus
from assistant.settings import PROJECT_ROOT
from tests.e2e.launch import ask, launch, texts

pytestmark = pytest.mark.services

CODE = "000.30.14.H13-251020-0042"
PHONE = "0903111222"


@pytest.fixture(scope="module")
def running(services, tmp_path_factory):
    if services is None:
        pytest.skip("run with TEST_SERVICES=1 (make test-services)")
    url = services["postgres"].url
    downgrade(url, "base")
    upgrade(url)
    import_catalog(PROJECT_ROOT / "data" / "catalog" / "seed.yml", url)
    with session_scope(url) as session:
        DossierRepository(session).upsert_many(
            [
                DossierRecord(
                    code=CODE,
                    procedure_name="Đăng ký thường trú",
                    applicant_name="Phạm Quốc Bảo",
                    applicant_phone=PHONE,
                    received_at=datetime.now() - timedelta(days=1),
                    due_at=datetime.now() + timedelta(days=6),
                    status=DossierStatus.RECEIVED,
                    status_text="Đã tiếp nhận",
                )
            ]
        )
    redis_url = services["redis"].url
    host, port = re.match(r"redis://([^:/]+):(\d+)", redis_url).groups()
    workdir = tmp_path_factory.mktemp("services-e2e")
    endpoints = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    endpoints["lock_store"] = {"type": "redis", "url": host, "port": int(port), "db": 0}
    path = workdir / "endpoints.yml"
    path.write_text(
        yaml.safe_dump(endpoints).replace("'${ACTION_SERVER_URL}'", "${ACTION_SERVER_URL}"),
        encoding="utf-8",
    )
    with launch(workdir, url, endpoints=path, extra_env={"TRACKER_STORE_URL": url}) as servers:
        yield {**servers, "postgres": url, "redis": redis_url}


def test_conversation_is_stored_in_postgres_masked(running):
    sender = "pg-citizen"
    texts(ask(running, f"tra cứu hồ sơ {CODE}", sender))
    [answer] = texts(ask(running, "số cuối là 1222", sender))
    assert "Đã tiếp nhận" in answer and "Phạm Q*** B" in answer
    engine = create_engine(running["postgres"], future=True)
    with engine.connect() as connection:
        rows = (
            connection.execute(
                text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
            )
            .scalars()
            .all()
        )
    stored = "\n".join(rows)
    assert CODE in stored  # the conversation is there …
    assert not re.search(r"(?<!\d)1222(?!\d)", stored)  # … without the digits
    assert "***" in stored


def test_redis_serves_as_lock_store(running):
    import redis

    client = redis.Redis.from_url(running["redis"])

    def lock_writes() -> int:
        # Rasa's RedisLockStore SETs the conversation lock and DELetes it when done.
        return client.info("commandstats").get("cmdstat_set", {}).get("calls", 0)

    before = lock_writes()
    texts(ask(running, "xin chào", "redis-citizen"))
    assert lock_writes() > before


def test_the_statistics_roll_up_the_postgresql_tracker_store(running, monkeypatch):
    from assistant.analytics.repository import StatsRepository
    from assistant.analytics.rollup import Rollup
    from assistant.settings import get_settings

    sender = "pg-statistics"
    texts(ask(running, f"tra cứu hồ sơ {CODE}", sender))
    texts(ask(running, "số cuối là 0000", sender))  # wrong digits: a failed look-up
    monkeypatch.setenv("DATABASE_URL", running["postgres"])
    get_settings.cache_clear()
    try:
        assert Rollup(running["postgres"]).run()["turns"] >= 2
        with session_scope(running["postgres"]) as session:
            today = datetime.now().date()
            rows = StatsRepository(session).figures(
                today - timedelta(days=1), today + timedelta(days=1), metrics=["dossier"]
            )
        failed = sum(value for _, channel, _, key, value in rows if key == "failed")
        assert failed >= 1
        assert all(channel == "rest" for _, channel, _, _, _ in rows)
    finally:
        get_settings.cache_clear()
