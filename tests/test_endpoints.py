"""endpoints.yml for Rasa: the project's own, or a private copy with the Redis lock store."""

from __future__ import annotations

from assistant import endpoints
from assistant.settings import PROJECT_ROOT


def test_the_endpoints_copy_with_the_redis_password_is_private(tmp_path, monkeypatch):
    import shutil
    import stat

    import yaml

    shutil.copy(PROJECT_ROOT / "endpoints.yml", tmp_path / "endpoints.yml")
    stale = tmp_path / "var" / "endpoints.yml"
    stale.parent.mkdir()
    stale.write_text("old: copy\n")
    stale.chmod(0o644)  # left by an earlier version, readable by everyone
    monkeypatch.setattr(endpoints, "PROJECT_ROOT", tmp_path)
    monkeypatch.setenv("LOCK_STORE_URL", "redis://:s3cret-pass@10.0.0.5:6380/2")
    target = endpoints.endpoints_file()
    assert target == stale
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    written = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert written["lock_store"] == {
        "type": "assistant.cluster.lockstore.ClusterLockStore",
        "url": "10.0.0.5", "port": 6380, "db": 2, "socket_timeout": 2, "password": "s3cret-pass",
    }  # fmt: skip
    assert "${ACTION_SERVER_URL}" in target.read_text(encoding="utf-8")
    assert sorted(p.name for p in target.parent.iterdir()) == ["endpoints.yml"]


def test_without_a_lock_store_url_rasa_gets_the_projects_file(monkeypatch):
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    assert endpoints.endpoints_file() == PROJECT_ROOT / "endpoints.yml"
