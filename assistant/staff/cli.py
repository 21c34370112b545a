"""``assistant staff …``: accounts from the command line, for the first admin and for recovery.

assistant staff add USERNAME [--role editor|admin] [--password-stdin]
assistant staff list
assistant staff disable USERNAME | enable USERNAME
assistant staff password USERNAME [--password-stdin]
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Callable

from assistant.staff.repository import (
    ROLE_NAMES,
    ROLES,
    StaffError,
    StaffRepository,
    username_problem,
)

ACTOR = "cli"


class _Refused(Exception):
    """A problem to print on stderr with exit code 2."""


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Mật khẩu: ")
    second = getpass.getpass("Nhập lại mật khẩu: ")
    if first != second:
        raise _Refused("Hai lần nhập mật khẩu không khớp.")
    return first


def _run(work: Callable[[StaffRepository], str]) -> int:
    """Migrate, run one change in one transaction, print its outcome (or the refusal)."""
    from assistant.db.migrate import upgrade
    from assistant.db.session import session_scope

    upgrade()
    try:
        with session_scope() as session:
            message = work(StaffRepository(session))
    except (StaffError, _Refused) as error:
        print(str(error), file=sys.stderr)
        return 2
    print(message)
    return 0


def cmd_staff_add(args: argparse.Namespace) -> int:
    def work(repo: StaffRepository) -> str:
        # Check the name before asking for a password nobody will use.
        problem = username_problem(args.username)
        if problem:
            raise StaffError(problem)
        if repo.get_by_username(args.username) is not None:
            raise StaffError(f"Tên đăng nhập {args.username.strip().lower()} đã có người dùng.")
        user = repo.add_user(ACTOR, args.username, _read_password(args), role=args.role)
        return f"Đã tạo tài khoản {user.username} ({ROLE_NAMES[user.role]})."

    return _run(work)


def cmd_staff_list(_: argparse.Namespace) -> int:
    def work(repo: StaffRepository) -> str:
        users = repo.list_users()
        if not users:
            return (
                "Chưa có tài khoản nào. Tạo tài khoản đầu tiên: "
                "assistant staff add TÊN --role admin"
            )
        lines = []
        for user in users:
            state = "đang hoạt động" if user.active else "đã khóa"
            last = (
                user.last_login_at.strftime("%d/%m/%Y %H:%M UTC")
                if user.last_login_at
                else "chưa đăng nhập"
            )
            lines.append(f"{user.username:24}  {user.role:6}  {state:14}  {last}")
        return "\n".join(lines)

    return _run(work)


def _set_active(active: bool) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        def work(repo: StaffRepository) -> str:
            user = repo.set_active(ACTOR, args.username, active)
            done = "mở lại" if active else "khóa (các phiên đăng nhập đã kết thúc)"
            return f"Đã {done} tài khoản {user.username}."

        return _run(work)

    return command


cmd_staff_disable = _set_active(False)
cmd_staff_enable = _set_active(True)


def cmd_staff_password(args: argparse.Namespace) -> int:
    def work(repo: StaffRepository) -> str:
        if repo.get_by_username(args.username) is None:
            raise StaffError(f"Không có tài khoản {args.username.strip().lower()}.")
        user = repo.set_password(ACTOR, args.username, _read_password(args))
        return f"Đã đổi mật khẩu của {user.username}; các phiên đăng nhập cũ đã kết thúc."

    return _run(work)


def register(sub) -> None:
    """Add ``staff`` to the ``assistant`` command's subparsers."""
    staff = sub.add_parser("staff", help="staff accounts of the admin app").add_subparsers(
        dest="staff_command", required=True
    )
    p = staff.add_parser("add", help="create an account")
    p.add_argument("username")
    p.add_argument("--role", choices=ROLES, default="editor")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_staff_add)
    staff.add_parser("list", help="list accounts").set_defaults(func=cmd_staff_list)
    p = staff.add_parser("disable", help="lock an account and end its sessions")
    p.add_argument("username")
    p.set_defaults(func=cmd_staff_disable)
    p = staff.add_parser("enable", help="unlock an account")
    p.add_argument("username")
    p.set_defaults(func=cmd_staff_enable)
    p = staff.add_parser("password", help="set a new password and end the account's sessions")
    p.add_argument("username")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(func=cmd_staff_password)
