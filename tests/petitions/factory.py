"""Petitions for tests: a valid submission with every field overridable (shared by tests)."""

from __future__ import annotations

from typing import Any, Dict

from assistant.petitions.service import PetitionService

COMMUNE = ("31135", "Phường Ninh Kiều")
PHONE = "0912345678"
NAME = "Nguyễn Văn An"


def submit(service: PetitionService | None = None, **fields: Any) -> Dict[str, Any]:
    values: Dict[str, Any] = {
        "sender_id": "zalo-100",
        "channel": "zalo",
        "category_key": "chieu_sang",
        "commune_code": COMMUNE[0],
        "commune_name": COMMUNE[1],
        "location": "trước số 12 đường Lê Lợi",
        "description": "Đèn đường trước số 12 Lê Lợi không sáng ba hôm nay",
    }
    values.update(fields)
    return (service or PetitionService()).submit(**values)
