"""What of a petition each reader may see, as plain dicts.

- :func:`public_view` — anyone who has the code (codes are sequential, so anyone at all):
  category, commune, status, the staff's public reply, dates, the unit handling it, and a
  position rounded to about 100 m. Not the description nor the place as the citizen wrote
  them: both are free text that may name the reporter, a neighbour or a home address, and
  masking only catches numbers. The Open311 API publishes this view and nothing more.
- :func:`owner_view` — the verified reporter: adds their description and place, their name
  masked ("Nguyễn V*** A") and their phone masked.
- :func:`staff_view` — staff: everything, with name and phone masked unless revealed (the
  reveal is audited by the service).

Times are naive UTC like the schema; ``*_date`` fields are the local (UTC+7) calendar date
ready to show, dd/mm/yyyy.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict

from assistant.db.models import Petition
from assistant.handoff.service import masked_phone
from assistant.localtime import LOCAL_OFFSET
from assistant.petitions import config
from assistant.petitions.statuses import is_open, label
from assistant.privacy import mask_name

PUBLIC_DECIMALS = 3  # about 110 m of latitude


def local_date(value: datetime | None) -> str:
    return (value + LOCAL_OFFSET).strftime("%d/%m/%Y") if value else ""


def category_name(key: str) -> str:
    found = config.category(key)
    return found.name if found else key


def unit_name(key: str) -> str:
    found = config.unit(key) if key else None
    return found.name if found else key


def overdue(row: Petition, now: datetime) -> bool:
    return is_open(row.status) and row.due_at is not None and now > row.due_at


def _rounded(value: float | None) -> float | None:
    return round(value, PUBLIC_DECIMALS) if value is not None else None


def public_view(row: Petition, now: datetime) -> Dict[str, Any]:
    return {
        "code": row.code,
        "category": row.category,
        "category_name": category_name(row.category),
        "commune_code": row.commune_code,
        "commune_name": row.commune_name,
        "latitude": _rounded(row.latitude),
        "longitude": _rounded(row.longitude),
        "status": row.status,
        "status_label": label(row.status),
        "open": is_open(row.status),
        "status_reason": row.status_reason,
        "public_reply": row.public_reply,
        "unit": row.unit,
        "unit_name": unit_name(row.unit),
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "due_at": row.due_at,
        "closed_at": row.closed_at,
        "created_date": local_date(row.created_at),
        "due_date": local_date(row.due_at),
        "overdue": overdue(row, now),
    }


def owner_view(row: Petition, now: datetime, photos: int = 0) -> Dict[str, Any]:
    view = public_view(row, now)
    view.update(
        description=row.description,
        location=row.location,
        latitude=row.latitude,
        longitude=row.longitude,
        reporter=mask_name(row.reporter_name or ""),
        phone=masked_phone(row.phone),
        photos=photos,
    )
    return view


def staff_view(row: Petition, now: datetime, reveal: bool = False) -> Dict[str, Any]:
    view = owner_view(row, now)
    view.update(
        reporter=(row.reporter_name or "") if reveal else mask_name(row.reporter_name or ""),
        phone=(row.phone or "") if reveal else masked_phone(row.phone),
        has_personal=bool(row.reporter_name or row.phone),
        consent=row.consent,
        channel=row.channel,
    )
    return view
