"""Dossier rows as the one-stop system's export has them, written to files for the importer,
and the dossiers read back (shared by the importer's and the repository's tests)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from assistant.db.models import Dossier, DossierEvent
from assistant.db.session import session_scope
from assistant.dossiers.repository import DossierRepository

CODE = "000.00.27.H13-240115-0001"


def row(n: int = 1, **fields) -> dict:
    base = {
        "dossierNo": f"000.00.27.H13-240115-{n:04d}",
        "dossierId": f"65a4c0ffee{n:04d}",
        "procedureName": "Đăng ký khai sinh",
        "sectorName": "Hộ tịch",
        "dossierStatusName": "Đang xử lý",
        "acceptedDate": "2024-01-15T08:30:00+07:00",
        "appointmentDate": "2024-01-16T17:00:00+07:00",
        "lastModifiedDate": "2024-01-15T09:00:00+07:00",
        "overDueByUser": False,
        "applicantName": "Nguyễn Văn An",
        "applicantPhone": "0912345678",
        "agencyName": "Ủy ban nhân dân phường Ninh Kiều",
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def write_array(path, rows):
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def get(url, code=CODE):
    with session_scope(url) as session:
        return DossierRepository(session).get(code)


def counts(url):
    with session_scope(url) as session:
        return tuple(
            session.execute(select(func.count(model.id))).scalar_one()
            for model in (Dossier, DossierEvent)
        )
