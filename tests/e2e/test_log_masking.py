"""End to end: at LOG_LEVEL=DEBUG no process the project starts writes a personal number or a
name typed by a citizen.

Rasa logs each parsed message whole at DEBUG; the masking is installed in Rasa (through the
tracker store and REST channel modules it loads), the action server (the actions package)
and the portal (the `assistant` command), so every log file holds the masked form only.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests

from assistant.catalog.importer import import_catalog
from assistant.db.migrate import upgrade
from assistant.db.session import session_scope
from assistant.dossiers.records import DossierRecord
from assistant.dossiers.repository import DossierRepository
from assistant.dossiers.statuses import DossierStatus
from assistant.localtime import local_now
from assistant.settings import PROJECT_ROOT
from tests.e2e.launch import launch, texts

pytestmark = pytest.mark.e2e

CODE = "000.00.27.H13-240115-0001"
PHONE, ID_NUMBER, OWNER_PHONE = "0912345678", "079203001234", "0987654321"
NAME = "Trần Văn Bình"


def test_debug_logs_of_every_server_hold_no_personal_number_or_name(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'e2e.db'}"
    upgrade(database_url)
    import_catalog(PROJECT_ROOT / "data" / "catalog" / "seed.yml", database_url)
    now = local_now()
    record = DossierRecord(
        code=CODE,
        procedure_name="Đăng ký khai sinh",
        applicant_name="Trần Thị Mỹ Lệ",
        applicant_phone=OWNER_PHONE,
        received_at=now - timedelta(days=2),
        due_at=now + timedelta(days=3),
        status=DossierStatus.PROCESSING,
        status_text="Đang xử lý",
    )
    with session_scope(database_url) as session:
        DossierRepository(session).upsert_many([record])
    env = {"LOG_LEVEL": "DEBUG"}
    with launch(tmp_path, database_url, extra_env=env, rasa_api_token="e2e-token") as running:
        url = f"http://127.0.0.1:{running['ports']['web']}/api/chat"
        said = f"Số điện thoại của tôi là {PHONE}, CCCD {ID_NUMBER}, hồ sơ {CODE} đến đâu rồi?"
        for text in (said, "4321"):
            reply = requests.post(url, json={"sender": "pii", "message": text}, timeout=30)
            replies = texts(reply)
        assert replies[-1].startswith(f"Hồ sơ {CODE}")  # the lookup really ran
        thanks = {"sender": "pii", "message": f"cảm ơn, tôi là {NAME}"}
        texts(requests.post(url, json=thanks, timeout=30))
    logs = {log.name: log.read_text("utf-8", errors="replace") for log in tmp_path.glob("*.log")}
    assert set(logs) == {"actions.log", "rasa.log", "web.log"}
    for name, content in logs.items():
        for number in (PHONE, ID_NUMBER, OWNER_PHONE):
            assert number not in content, (number, name)
        assert not re.search(r"(?<![\d.-])4321(?!\d)", content), name  # the digits given
        assert NAME not in content and "Mỹ Lệ" not in content, name  # typed, and the owner's
    # Not vacuous: Rasa did log the message at DEBUG, masked.
    assert f"Số điện thoại của tôi là ***, CCCD ***, hồ sơ {CODE}" in logs["rasa.log"]
    assert "cảm ơn, tôi là ***" in logs["rasa.log"]
