"""The "Thống kê" page over real HTTP: every section drawn and tabled from rolled-up
conversations, CSV per section, the whole report as XLSX, bad periods refused politely."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import timedelta

import openpyxl
import pytest

from assistant.analytics.rollup import Rollup
from assistant.db.session import session_scope
from assistant.localtime import local_today
from tests.analytics.events import Store, at
from tests.web.staff_client import PASSWORD, logged_in

SECTIONS = (
    "traffic",
    "containment",
    "outcomes",
    "feedback",
    "handoffs",
    "procedures",
    "unanswered",
    "dossiers",
    "petitions_category",
    "petitions_status",
    "petitions_commune",
    "latency",
)


@pytest.fixture
async def editor(tmp_path, database_url, monkeypatch):
    from assistant.settings import get_settings
    from assistant.staff.repository import StaffRepository

    store = Store(f"sqlite:///{tmp_path / 'tracker.db'}")
    monkeypatch.setenv("TRACKER_STORE_URL", store.url)
    get_settings.cache_clear()
    day = local_today().isoformat()
    store.turn("lan", at(day, 0, 5), "zalo", "answer", procedure="1.001193", aspect="fee")
    store.turn("lan", at(day, 0, 6), "zalo", "decline")
    store.turn("vy", at(day, 0, 7), "rest", "dossier", lookup="locked")
    Rollup(store.url).run()
    with session_scope() as session:
        StaffRepository(session).add_user("test", "hoa", PASSWORD, "editor")
    client = await logged_in("hoa")
    yield client
    await client.close()


async def test_the_page_shows_every_section_with_its_chart_and_table(editor):
    response = await editor.get("/admin/stats?range=today")
    assert response.status == 200
    page = await response.text()
    for key in SECTIONS:
        assert f'id="{key}"' in page
        assert f"/admin/stats/{key}.csv?" in page
    assert page.count("<svg") >= len(SECTIONS)
    first = page[page.index("<svg") : page.index("</svg>") + 6]
    assert ET.fromstring(first).get("role") == "img"
    assert "Tải toàn bộ báo cáo (XLSX)" in page
    # Today's two conversations, one on Zalo, one on the web
    assert "<dt>Hội thoại</dt><dd>2</dd>" in page
    assert "Bị tạm khóa do sai nhiều lần" in page


async def test_csv_of_one_section_and_xlsx_of_all(editor):
    day = local_today().isoformat()
    query = f"range=custom&from={day}&to={day}&channel=zalo"
    response = await editor.get(f"/admin/stats/outcomes.csv?{query}")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert rows[0] == ["Kết quả", "Số lượt", "Tỉ lệ (%)"]
    by_label = {row[0]: row[1] for row in rows[1:]}
    assert by_label["Trả lời thủ tục"] == "1" and by_label["Tra cứu hồ sơ"] == "0"
    response = await editor.get(f"/admin/stats.xlsx?{query}")
    assert response.status == 200
    book = openpyxl.load_workbook(io.BytesIO(await response.read()))
    assert len(book.sheetnames) == len(SECTIONS) + 1


@pytest.mark.parametrize(
    "query",
    [
        "range=custom&from=2026-13-01&to=2026-12-01",
        "range=custom&from=2026-12-05&to=2026-12-01",
        "range=custom&from=2020-01-01&to=2026-12-01",
        "range=7&channel=<script>",
        "range=custom&from=' OR 1=1 --&to=2026-12-01",
    ],
)
async def test_bad_periods_are_refused_politely(editor, query):
    response = await editor.get(f"/admin/stats?{query}")
    assert response.status == 400
    assert 'role="alert"' in await response.text()
    response = await editor.get(f"/admin/stats/traffic.csv?{query}")
    assert response.status == 400


async def test_an_unknown_section_and_no_session(editor, database_url):
    day = (local_today() - timedelta(days=1)).isoformat()
    response = await editor.get(f"/admin/stats/nothing.csv?range=custom&from={day}&to={day}")
    assert response.status == 404
    editor.session.cookie_jar.clear()
    response = await editor.get("/admin/stats", allow_redirects=False)
    assert response.status in (302, 303)


async def test_dates_without_a_preset_are_the_period_shown(editor):
    day = (local_today() - timedelta(days=3)).isoformat()
    response = await editor.get(f"/admin/stats?from={day}&to={day}")
    assert response.status == 200
    page = await response.text()
    assert f'name="from" value="{day}"' in page
    assert 'value="custom" checked' in page
