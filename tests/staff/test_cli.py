"""`assistant staff …` driven through its parser, with stdin and getpass patched."""

from __future__ import annotations

import argparse
import io
from typing import List

import pytest
from sqlalchemy import select

from assistant.db.models import AuditEntry
from assistant.db.session import session_scope
from assistant.staff import cli
from assistant.staff.repository import StaffRepository


def run(argv: List[str], monkeypatch, stdin: str = "") -> int:
    parser = argparse.ArgumentParser(prog="assistant")
    cli.register(parser.add_subparsers(dest="command", required=True))
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    args = parser.parse_args(["staff", *argv])
    return args.func(args)


def logs_in(username: str, password: str) -> bool:
    with session_scope() as s:
        return StaffRepository(s).login(username, password, "127.0.0.1").ok


def test_add_from_stdin_then_list(database_url, monkeypatch, capsys):
    code = run(
        ["add", "Chi.Admin", "--role", "admin", "--password-stdin"],
        monkeypatch,
        "mật khẩu quản trị\n",
    )
    assert code == 0
    assert "chi.admin" in capsys.readouterr().out
    assert logs_in("chi.admin", "mật khẩu quản trị")  # the newline is not part of it
    assert run(["list"], monkeypatch) == 0
    line = capsys.readouterr().out.strip()
    assert line.split()[:2] == ["chi.admin", "admin"] and "đang hoạt động" in line
    with session_scope() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "staff.create"))
        assert entry.actor == "cli"


def test_add_with_getpass_asks_twice(database_url, monkeypatch, capsys):
    answers = iter(["mật khẩu biên tập", "mật khẩu biên tập"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert run(["add", "lan.nguyen"], monkeypatch) == 0
    assert logs_in("lan.nguyen", "mật khẩu biên tập")
    with session_scope() as s:
        assert StaffRepository(s).get_by_username("lan.nguyen").role == "editor"


def test_getpass_mismatch_is_refused(database_url, monkeypatch, capsys):
    answers = iter(["mật khẩu thứ nhất", "mật khẩu thứ hai"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert run(["add", "lan.nguyen"], monkeypatch) == 2
    assert "không khớp" in capsys.readouterr().err
    with session_scope() as s:
        assert StaffRepository(s).list_users() == []


@pytest.mark.parametrize(
    "argv, stdin, message",
    [
        (["add", "lan.nguyen", "--password-stdin"], "123456789012\n", "chữ số"),
        (["add", "x", "--password-stdin"], "mật khẩu đủ dài\n", "3–64"),
        (["add", "chi.admin", "--password-stdin"], "mật khẩu đủ dài\n", "đã có"),
        (["disable", "nobody"], "", "Không có tài khoản"),
        (["password", "nobody", "--password-stdin"], "mật khẩu đủ dài\n", "Không có tài khoản"),
        (["password", "chi.admin", "--password-stdin"], "ngắn\n", "ít nhất"),
    ],
)
def test_errors_exit_2_with_the_message_on_stderr(
    database_url, monkeypatch, capsys, argv, stdin, message
):
    assert run(["add", "chi.admin", "--password-stdin"], monkeypatch, "mật khẩu quản trị\n") == 0
    capsys.readouterr()
    assert run(argv, monkeypatch, stdin) == 2
    captured = capsys.readouterr()
    assert message in captured.err and captured.out == ""
    assert logs_in("chi.admin", "mật khẩu quản trị")  # nothing changed


def test_add_refuses_a_bad_name_before_asking_for_a_password(database_url, monkeypatch, capsys):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": pytest.fail("asked for a password"))
    assert run(["add", "Tên Có Dấu"], monkeypatch) == 2
    assert "3–64" in capsys.readouterr().err


def test_disable_enable_and_password(database_url, monkeypatch, capsys):
    run(
        ["add", "chi.admin", "--role", "admin", "--password-stdin"],
        monkeypatch,
        "mật khẩu quản trị\n",
    )
    run(["add", "lan.nguyen", "--password-stdin"], monkeypatch, "mật khẩu biên tập\n")
    assert run(["disable", "lan.nguyen"], monkeypatch) == 0
    assert not logs_in("lan.nguyen", "mật khẩu biên tập")
    run(["list"], monkeypatch)
    assert "đã khóa" in capsys.readouterr().out
    assert run(["enable", "lan.nguyen"], monkeypatch) == 0
    assert logs_in("lan.nguyen", "mật khẩu biên tập")
    assert (
        run(["password", "lan.nguyen", "--password-stdin"], monkeypatch, "mật khẩu mới tinh\n") == 0
    )
    assert logs_in("lan.nguyen", "mật khẩu mới tinh")
    with session_scope() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-3:] == ["staff.disable", "staff.enable", "staff.password"]


def test_list_with_no_accounts_says_how_to_start(database_url, monkeypatch, capsys):
    assert run(["list"], monkeypatch) == 0
    assert "assistant staff add" in capsys.readouterr().out
