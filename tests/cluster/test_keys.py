"""The cluster's secrets: made once, private, reused, completed when one is missing."""

from __future__ import annotations

import stat

from assistant.cluster import keys


def test_secrets_are_made_once_private_and_reused(tmp_path):
    path = tmp_path / "cluster" / "secrets.env"
    first = keys.load_or_create(path)
    assert set(first) == set(keys.NAMES)
    assert all(len(value) == 48 and int(value, 16) >= 0 for value in first.values())
    assert len(set(first.values())) == len(first)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.load_or_create(path) == first
    assert keys.parse(path.read_text()) == first  # a systemd EnvironmentFile


def test_a_missing_secret_is_added_and_the_others_kept(tmp_path):
    path = tmp_path / "secrets.env"
    path.write_text("# old\nCLUSTER_POSTGRES_PASSWORD=kept\nRASA_API_TOKEN=\n")
    path.chmod(0o644)
    values = keys.load_or_create(path)
    assert values["CLUSTER_POSTGRES_PASSWORD"] == "kept"
    assert values["RASA_API_TOKEN"]  # empty counts as missing
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.load_or_create(path) == values
