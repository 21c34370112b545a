"""Petitions as Open311 GeoReport v2, read-only (JSON only): services, requests, one request.

Published fields come from the petitions' public view and nothing else: no name, phone,
description or place as the citizen wrote them (see assistant/petitions/views.py). The
address is the commune and the position is rounded to about 100 m; ``description`` and
``media_url`` are null (photos are shown to staff only).

Spec: wiki.open311.org/GeoReport_v2. ``service_request_id`` (comma-separated) overrides every
other filter; otherwise ``start_date``/``end_date`` (W3C date-times with a time zone) default
to the last 90 days and may not span more than 90 days; at most 1000 requests per answer.
Errors are the spec's array: ``[{"code": 400, "description": "…"}]``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

from aiohttp import web

from assistant.audit import utcnow
from assistant.localtime import LOCAL
from assistant.petitions import config
from assistant.petitions.statuses import CLOSED, OPEN

PREFIX = "/open311/v2"
MAX_REQUESTS = 1000
MAX_SPAN = timedelta(days=90)
STATUS_GROUPS = {"open": OPEN, "closed": CLOSED}
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)
SERVICE_FIELDS = (
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
)
HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=60"}


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def _error(status: int, description: str) -> web.Response:
    return web.json_response(
        [{"code": status, "description": description}], status=status, headers=HEADERS
    )


def w3c(value: datetime | None) -> str | None:
    """A naive UTC time as W3C date-time in Viet Nam's offset: 2026-12-07T14:30:00+07:00."""
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc).astimezone(LOCAL).isoformat(timespec="seconds")


def parse_datetime(value: str, name: str) -> datetime:
    """A W3C date-time with its time zone, as naive UTC; Open311Error(400) otherwise."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise Open311Error(
            400, f"{name} must be a W3C date-time with a time zone, e.g. 2026-12-01T00:00:00+07:00"
        )
    return parsed.astimezone(timezone.utc).replace(tzinfo=None)


def _service(category: config.Category) -> Dict[str, Any]:
    return {
        "service_code": category.key,
        "service_name": category.name,
        "description": category.description or category.name,
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(category.keywords),
        "group": category.group,
    }


def _request(view: Dict[str, Any]) -> Dict[str, Any]:
    notes = view["public_reply"] or view["status_reason"] or view["status_label"]
    return {
        "service_request_id": view["code"],
        "status": "open" if view["open"] else "closed",
        "status_notes": notes,
        "service_name": view["category_name"],
        "service_code": view["category"],
        "description": None,
        "agency_responsible": view["unit_name"],
        "service_notice": f"Thời hạn xử lý: {_days(view['category'])} ngày kể từ khi tiếp nhận.",
        "requested_datetime": w3c(view["created_at"]),
        "updated_datetime": w3c(view["updated_at"]),
        "expected_datetime": w3c(view["due_at"]),
        "address": view["commune_name"],
        "address_id": None,
        "zipcode": None,
        "lat": view["latitude"],
        "long": view["longitude"],
        "media_url": None,
    }


def _days(category_key: str) -> int | str:
    found = config.category(category_key)
    return found.days if found else "?"


def _listed(value: str | None) -> List[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def request_filters(query, now: datetime) -> Dict[str, Any]:
    """The listing's arguments from a requests.json query; Open311Error(400) when unusable."""
    codes = _listed(query.get("service_request_id"))
    if codes:
        return {"codes": codes[:MAX_REQUESTS]}
    services = _listed(query.get("service_code"))
    known = {c.key for c in config.categories()}
    unknown = [s for s in services if s not in known]
    if unknown:
        raise Open311Error(400, f"unknown service_code: {', '.join(unknown)}")
    statuses: List[str] = []
    for status in _listed(query.get("status")):
        if status not in STATUS_GROUPS:
            raise Open311Error(400, "status must be open or closed")
        statuses += STATUS_GROUPS[status]
    start = parse_datetime(query["start_date"], "start_date") if "start_date" in query else None
    end = parse_datetime(query["end_date"], "end_date") if "end_date" in query else None
    if start is None and end is None:
        end = now
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = min(now, start + MAX_SPAN)
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date and end_date may not span more than 90 days")
    return {
        "categories": services,
        "statuses": statuses,
        "start": start,
        "end": end + timedelta(microseconds=1),  # end_date is inclusive
    }


async def services(_: web.Request) -> web.Response:
    return web.json_response([_service(c) for c in config.categories()], headers=HEADERS)


async def requests(request: web.Request) -> web.Response:
    from assistant.petitions.service import PetitionService

    try:
        filters = request_filters(request.query, utcnow())
    except Open311Error as error:
        return _error(error.status, error.description)
    views = PetitionService().listing(**filters, limit=MAX_REQUESTS)
    return web.json_response([_request(v) for v in views], headers=HEADERS)


async def one_request(request: web.Request) -> web.Response:
    from assistant.petitions.service import PetitionService

    code = request.match_info["code"]
    view = PetitionService().public(code)
    if view is None:
        return _error(404, f"service request {code} not found")
    return web.json_response([_request(view)], headers=HEADERS)


def add_open311(app: web.Application) -> None:
    app.router.add_get(f"{PREFIX}/services.json", services)
    app.router.add_get(f"{PREFIX}/requests.json", requests)
    app.router.add_get(PREFIX + r"/requests/{code:[A-Za-z0-9-]{1,32}}.json", one_request)
