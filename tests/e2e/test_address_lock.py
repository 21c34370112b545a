"""End to end: rotating sender ids and dossier codes from one address does not dodge the lock.

The real portal, Rasa and action server on loopback. The test plays a reverse proxy in front
of the portal (TRUSTED_PROXIES=127.0.0.1, the citizen in X-Forwarded-For); the portal hands
the address to Rasa with the API token, and the actions count failures per address.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from assistant.catalog.importer import import_catalog
from assistant.db.migrate import upgrade
from assistant.db.session import session_scope
from assistant.dossiers.answers import DENIED
from assistant.dossiers.records import DossierRecord
from assistant.dossiers.repository import DossierRepository
from assistant.dossiers.statuses import DossierStatus
from assistant.localtime import local_now
from assistant.settings import PROJECT_ROOT
from tests.e2e.launch import launch, texts

pytestmark = pytest.mark.e2e

CODE = "000.00.27.H13-240115-0001"
GUESSER, NEIGHBOUR = "203.0.113.7", "198.51.100.9"


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e-address")
    database_url = f"sqlite:///{workdir / 'e2e.db'}"
    upgrade(database_url)
    import_catalog(PROJECT_ROOT / "data" / "catalog" / "seed.yml", database_url)
    now = local_now()  # dossier dates are local time, as citizens read them
    record = DossierRecord(
        code=CODE,
        procedure_name="Đăng ký khai sinh",
        applicant_name="Trần Thị Mỹ Lệ",
        applicant_phone="0987654321",
        received_at=now - timedelta(days=2),
        due_at=now + timedelta(days=3),
        status=DossierStatus.PROCESSING,
        status_text="Đang xử lý",
    )
    with session_scope(database_url) as session:
        DossierRepository(session).upsert_many([record])
    env = {"TRUSTED_PROXIES": "127.0.0.1"}
    with launch(workdir, database_url, extra_env=env, rasa_api_token="e2e-token") as running:
        yield f"http://127.0.0.1:{running['ports']['web']}/api/chat"


def chat(url: str, address: str, sender: str, text: str) -> list:
    headers = {"X-Forwarded-For": address}
    payload = {"sender": sender, "message": text}
    return texts(requests.post(url, json=payload, headers=headers, timeout=30))


def lookup(url: str, address: str, sender: str, code: str, digits: str) -> str:
    asked = chat(url, address, sender, f"tra cứu hồ sơ {code}")
    assert any("số cuối" in text for text in asked), asked
    return chat(url, address, sender, digits)[-1]


def test_rotating_sender_ids_over_many_codes_from_one_address_is_locked(portal):
    replies = [
        lookup(portal, GUESSER, f"rotating-{i}", f"000.00.27.H13-251111-{i:04d}", "1234")
        for i in range(20)
    ]
    assert replies[:19] == [DENIED] * 19
    assert "tạm khóa" in replies[19]
    # The 21st try, from a new sender id, on a real dossier with its right digits: still locked.
    assert "tạm khóa" in lookup(portal, GUESSER, "rotating-20", CODE, "4321")
    # Another citizen behind the same proxy is not locked out by the guesser.
    answer = lookup(portal, NEIGHBOUR, "neighbour", CODE, "4321")
    assert answer.startswith(f"Hồ sơ {CODE} của Trần T*** M*** L:")
