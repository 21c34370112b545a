"""Shared fixtures: a throw-away migrated database per test (or per module for the slow ones)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, get_settings

SEED = PROJECT_ROOT / "data" / "catalog" / "seed.yml"
NATIONAL = Path(
    os.environ.get(
        "NATIONAL_CATALOG",
        PROJECT_ROOT.parent / "shared" / "data" / "dichvucong" / "procedures.jsonl.gz",
    )
)


def pytest_configure(config) -> None:
    """underthesea calls ``logging.basicConfig`` on first import; if that happens inside a test
    capturing output, the root handler keeps a closed stream and later tests crash. Import it
    once here, before any capture."""
    import underthesea  # noqa: F401


def _empty_schema(url: str) -> None:
    """Drop everything, whatever state the previous test left (some drop a table to stand
    for a database failure; the migrations' own downgrades are tested in tests/db)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, future=True)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def _fresh_database(path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated, empty database: SQLite by default, or the server at TEST_DATABASE_URL
    (``make test-services`` points it at a throw-away PostgreSQL), emptied first."""
    from assistant.catalog import service
    from assistant.db.migrate import upgrade
    from assistant.faq import service as faq_service

    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{path}"
    if os.environ.get("TEST_DATABASE_URL"):
        _empty_schema(url)
    monkeypatch.setenv("DATABASE_URL", url)
    # The portal's statistics roll-up reads this tracker store, never the developer's var/.
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{path.parent / 'tracker.db'}")
    monkeypatch.setenv("CATALOG_REFRESH_SECONDS", "0")
    get_settings.cache_clear()
    # Live indexes are kept per database URL: with PostgreSQL every test has the same URL,
    # so an index built in an earlier test must not answer in this one.
    service._services.clear()
    faq_service._services.clear()
    upgrade(url)
    return url


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = _fresh_database(tmp_path / "test.db", monkeypatch)
    yield url
    get_settings.cache_clear()


@pytest.fixture
def seeded_database(database_url: str) -> str:
    from assistant.catalog.importer import import_catalog

    report = import_catalog(SEED, database_url)
    assert report.imported >= 40 and not report.errors
    return database_url


@pytest.fixture(scope="session")
def national_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The whole national snapshot plus the seed, imported once per test session."""
    if not NATIONAL.exists():
        pytest.fail(f"national snapshot missing at {NATIONAL} (set NATIONAL_CATALOG)")
    from assistant.catalog.importer import import_catalog
    from assistant.db.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('national') / 'national.db'}"
    upgrade(url)
    import_catalog(NATIONAL, url)
    import_catalog(SEED, url)
    return url


@pytest.fixture(scope="session", autouse=True)
def services(tmp_path_factory):
    """With TEST_SERVICES=1 (``make test-services``): a throw-away PostgreSQL and Redis on
    loopback for the whole session; database tests then run against PostgreSQL."""
    if not os.environ.get("TEST_SERVICES"):
        yield None
        return
    from assistant.devservices import start_postgres, start_redis

    postgres = start_postgres(tmp_path_factory.mktemp("postgres"))
    redis = start_redis(tmp_path_factory.mktemp("redis"))
    os.environ["TEST_DATABASE_URL"] = postgres.url
    try:
        yield {"postgres": postgres, "redis": redis}
    finally:
        os.environ.pop("TEST_DATABASE_URL", None)
        redis.stop()
        postgres.stop()
