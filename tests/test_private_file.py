"""A file with secrets is its owner's alone from the first byte, and replaced whole."""

from __future__ import annotations

import stat

from assistant.private_file import write_private


def test_a_new_file_is_private_and_its_directory_made(tmp_path):
    target = tmp_path / "var" / "secrets.env"
    write_private(target, "PASSWORD=đúng\n")
    assert target.read_text(encoding="utf-8") == "PASSWORD=đúng\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_an_old_readable_copy_is_replaced_not_rewritten(tmp_path):
    target = tmp_path / "endpoints.yml"
    target.write_text("old: copy with a longer text than the new one\n")
    target.chmod(0o644)
    before = target.stat().st_ino
    write_private(target, "new: 1\n")
    assert target.read_text() == "new: 1\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.stat().st_ino != before  # a new file: no moment with the old mode
    assert [p.name for p in tmp_path.iterdir()] == ["endpoints.yml"]  # no temporary left
