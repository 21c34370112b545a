"""Open311 GeoReport v2 over real HTTP: the spec's field names, filters, errors, and no
personal data in anything published."""

from __future__ import annotations

import json
from datetime import timedelta, timezone

import pytest
from aiohttp.test_utils import TestClient, TestServer

from assistant.audit import utcnow
from assistant.petitions import config
from assistant.petitions.service import PetitionService
from assistant.web.open311 import parse_datetime, w3c
from assistant.web.server import create_app
from tests.petitions.factory import NAME, PHONE, submit

# GeoReport v2, "GET Service List" and "GET Service Requests" response fields
# (wiki.open311.org/GeoReport_v2), written out here rather than imported from the code.
SPEC_SERVICE_FIELDS = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
SPEC_REQUEST_FIELDS = {
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
}
PRIVATE = (PHONE, "345678", NAME, "Văn An", "Lê Lợi", "không sáng ba hôm")


@pytest.fixture
async def client(database_url):
    client = TestClient(TestServer(create_app(rasa_url="http://127.0.0.1:9")))
    await client.start_server()
    yield client
    await client.close()


@pytest.fixture
def petitions(database_url):
    service, now = PetitionService(), utcnow()
    light = submit(
        service,
        reporter_name=NAME,
        phone=PHONE,
        consent=True,
        latitude=10.0345678,
        longitude=105.7812345,
        now=now - timedelta(days=2),
    )["code"]
    road = submit(
        service,
        sender_id="b",
        category_key="giao_thong",
        description="Ổ gà sâu giữa đường Lê Lợi",
        now=now - timedelta(days=1),
    )["code"]
    old = submit(service, sender_id="c", now=now - timedelta(days=100))["code"]
    service.change_status(road, "khong_thuoc_tham_quyen", "lan", "Đường do tỉnh quản lý")
    service.reply(light, "Đã thay bóng đèn ngày 05/12.", "lan")
    return {"light": light, "road": road, "old": old}


async def get_json(client, path: str, status: int = 200):
    response = await client.get(path)
    assert response.status == status, await response.text()
    assert response.content_type == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return await response.json()


async def test_services_list_every_category_with_the_spec_fields(client):
    services = await get_json(client, "/open311/v2/services.json")
    assert [s["service_code"] for s in services] == [c.key for c in config.categories()]
    for service in services:
        assert set(service) == SPEC_SERVICE_FIELDS
        assert service["metadata"] is False and service["type"] == "realtime"
    lights = services[1]
    assert lights["service_name"] == "Chiếu sáng" and "đèn đường" in lights["keywords"]
    assert lights["group"] == "Hạ tầng đô thị"


async def test_requests_have_the_spec_fields_and_no_personal_data(client, petitions):
    body = await (await client.get("/open311/v2/requests.json")).text()
    assert not [piece for piece in PRIVATE if piece in body]
    requests = json.loads(body)
    assert [r["service_request_id"] for r in requests] == [petitions["road"], petitions["light"]]
    for request in requests:
        assert set(request) == SPEC_REQUEST_FIELDS
        assert request["description"] is None and request["media_url"] is None
        assert request["requested_datetime"].endswith("+07:00")
    road, light = requests
    assert (road["status"], road["status_notes"]) == ("closed", "Đường do tỉnh quản lý")
    assert (light["status"], light["status_notes"]) == ("open", "Đã thay bóng đèn ngày 05/12.")
    assert light["service_code"] == "chieu_sang" and light["service_name"] == "Chiếu sáng"
    assert light["agency_responsible"] == "Công ty Chiếu sáng công cộng"
    assert (light["lat"], light["long"]) == (10.035, 105.781)  # about 100 m, not a house
    assert light["address"] == "Phường Ninh Kiều" and road["lat"] is None
    assert light["service_notice"] == "Thời hạn xử lý: 5 ngày kể từ khi tiếp nhận."


@pytest.mark.parametrize(
    "query, expected",
    [
        ("service_code=giao_thong", ["road"]),
        ("service_code=giao_thong,chieu_sang", ["road", "light"]),
        ("status=open", ["light"]),
        ("status=closed", ["road"]),
        ("status=open,closed", ["road", "light"]),
        ("start_date={days_ago_1_5}", ["road"]),
        ("end_date={days_ago_1_5}", ["light"]),
        ("start_date={days_ago_120}&end_date={days_ago_95}", ["old"]),
        # service_request_id wins over every other filter, the old one included.
        ("service_request_id={old},{light},PA-2026-999999&status=closed", ["light", "old"]),
    ],
)
async def test_request_filters(client, petitions, query, expected):
    now, local = utcnow().replace(tzinfo=timezone.utc), timezone(timedelta(hours=7))
    values = {
        "days_ago_1_5": (now - timedelta(hours=36)).isoformat(),
        "days_ago_120": (now - timedelta(days=120)).isoformat().replace("+00:00", "Z"),
        "days_ago_95": (now - timedelta(days=95)).astimezone(local).isoformat(),
        **petitions,
    }
    query = query.format(**values).replace("+", "%2B")
    requests = await get_json(client, f"/open311/v2/requests.json?{query}")
    assert [r["service_request_id"] for r in requests] == [petitions[k] for k in expected]


@pytest.mark.parametrize(
    "query, message",
    [
        ("start_date=yesterday", "start_date must be a W3C date-time"),
        ("end_date=2026-12-01T00:00:00", "end_date must be a W3C date-time"),  # no time zone
        ("start_date=2026-01-01T00:00:00Z&end_date=2026-12-01T00:00:00Z", "more than 90 days"),
        ("start_date=2026-12-01T00:00:00Z&end_date=2026-11-01T00:00:00Z", "before start_date"),
        ("status=pending", "status must be open or closed"),
        ("service_code=potholes", "unknown service_code: potholes"),
    ],
)
async def test_bad_queries_get_the_spec_error_array(client, database_url, query, message):
    errors = await get_json(client, f"/open311/v2/requests.json?{query}", status=400)
    assert len(errors) == 1 and errors[0]["code"] == 400 and message in errors[0]["description"]


async def test_one_request_is_a_one_element_list(client, petitions):
    [request] = await get_json(client, f"/open311/v2/requests/{petitions['light']}.json")
    assert request["service_request_id"] == petitions["light"] and set(request) == (
        SPEC_REQUEST_FIELDS
    )
    assert not [piece for piece in PRIVATE if piece in json.dumps(request, ensure_ascii=False)]
    errors = await get_json(client, "/open311/v2/requests/PA-2026-999999.json", status=404)
    assert errors == [{"code": 404, "description": "service request PA-2026-999999 not found"}]


def test_times_are_w3c_in_viet_nam_time():
    from datetime import datetime

    assert w3c(datetime(2026, 12, 7, 3, 0)) == "2026-12-07T10:00:00+07:00"
    assert w3c(None) is None
    assert parse_datetime("2026-12-07T10:00:00+07:00", "x") == datetime(2026, 12, 7, 3, 0)
    assert parse_datetime("2026-12-07T03:00:00Z", "x") == datetime(2026, 12, 7, 3, 0)
