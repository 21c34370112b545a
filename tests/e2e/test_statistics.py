"""End to end: a conversation through the portal is stored by Rasa in the SQL tracker store
with each turn's outcome in the bot messages' metadata; the portal's housekeeping rolls it up
within seconds, and the IOC's API, authorised by a token, reports it."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
import requests
from sqlalchemy import create_engine, text

from assistant.analytics.tokens import IocTokenService
from assistant.catalog.importer import import_catalog
from assistant.db.migrate import upgrade
from assistant.localtime import local_today
from assistant.settings import PROJECT_ROOT, get_settings
from tests.e2e.launch import launch, texts

pytestmark = pytest.mark.e2e

SENDER = "e2e-statistics"
CONVERSATION = (
    "xin chào",
    "đăng ký kết hôn cần giấy tờ gì",
    "tôi muốn gặp cán bộ",
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("e2e-statistics")
    database_url = f"sqlite:///{workdir / 'e2e.db'}"
    tracker_url = f"sqlite:///{workdir / 'tracker.db'}"
    upgrade(database_url)
    import_catalog(PROJECT_ROOT / "data" / "catalog" / "seed.yml", database_url)
    env = {"TRACKER_STORE_URL": tracker_url, "STATS_ROLLUP_SECONDS": "1"}
    with launch(workdir, database_url, extra_env=env) as running:
        yield {
            "database_url": database_url,
            "tracker_url": tracker_url,
            "web": f"http://127.0.0.1:{running['ports']['web']}",
        }


@pytest.fixture(scope="module")
def token(stack):
    import os

    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = stack["database_url"]
    get_settings.cache_clear()
    try:
        plain = IocTokenService().create("IOC e2e", "e2e")[0]
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
        get_settings.cache_clear()
    return plain


def stats(stack, token) -> dict:
    day = local_today().isoformat()
    reply = requests.get(
        f"{stack['web']}/admin/api/stats",
        params={"from": (local_today() - timedelta(days=1)).isoformat(), "to": day},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    return {s["key"]: s for s in reply.json()["sections"]}


def total(section: dict, column: int = -1) -> float:
    return sum(row[column] or 0 for row in section["rows"] if isinstance(row[column], int))


def test_a_conversation_reaches_the_statistics(stack, token):
    for message in CONVERSATION:
        reply = requests.post(
            f"{stack['web']}/api/chat", json={"sender": SENDER, "message": message}, timeout=30
        )
        assert texts(reply)

    # The tracker itself carries the outcome of each turn.
    engine = create_engine(stack["tracker_url"], future=True)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'bot'"),
            {"s": SENDER},
        ).all()
    tags = [json.loads(r.data).get("metadata", {}).get("turn") for r in rows]
    outcomes = [t["outcome"] for t in tags if t]
    assert outcomes[-1] == "handoff"
    assert outcomes[0] in ("answer", "confirm", "clarify")
    engine.dispose()

    # Within a few roll-up ticks of the portal's housekeeping
    deadline = time.monotonic() + 30
    while True:
        sections = stats(stack, token)
        if total(sections["outcomes"], 1) >= len(CONVERSATION) or time.monotonic() > deadline:
            break
        time.sleep(1)
    by_outcome = {row[0]: row[1] for row in sections["outcomes"]["rows"]}
    assert sum(by_outcome.values()) == len(CONVERSATION)  # the warm-up is not counted
    assert by_outcome["Chuyển cán bộ"] == 1
    assert by_outcome["Khác (chào hỏi, điền thông tin)"] == 1
    traffic = sections["traffic"]
    assert traffic["summary"] == {"Hội thoại": 1, "Tin nhắn": len(CONVERSATION)}
    assert traffic["rows"][-1][1] == 1  # on the web channel, today
    assert sections["containment"]["summary"]["Tỉ lệ tự giải quyết (%)"] == 0.0
    if outcomes[0] == "answer":
        top = sections["procedures"]["rows"]
        assert len(top) == 1 and top[0][-1] == 1 and "giấy tờ" in top[0][2]
    latency = sections["latency"]["summary"]
    assert isinstance(latency["p50 (ms)"], int) and latency["p50 (ms)"] <= latency["p95 (ms)"]


def test_a_synthetic_day_on_the_statistics_page_on_a_tablet(stack):
    """`assistant stats synthetic` fills yesterday; the portal rolls it up by itself; a staff
    member sees every chart on a tablet, and downloads the report (screenshot for the README)."""
    import os
    import subprocess
    import sys

    from playwright.sync_api import expect, sync_playwright

    from assistant.db.session import session_scope
    from assistant.staff.repository import StaffRepository
    from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS

    yesterday = (local_today() - timedelta(days=1)).isoformat()
    env = {
        **os.environ,
        "DATABASE_URL": stack["database_url"],
        "TRACKER_STORE_URL": stack["tracker_url"],
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    command = [sys.executable, "-m", "assistant.cli", "stats", "synthetic", "--day", yesterday]
    done = subprocess.run(
        [*command, "--conversations", "400", "--seed", "3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    with session_scope(stack["database_url"]) as session:
        StaffRepository(session).add_user("test", "thongke", "mat-khau-thong-ke-2026", "editor")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1024, "height": 768}, locale="vi-VN")
        page.goto(f"{stack['web']}/admin/login")
        page.fill("input[name=username]", "thongke")
        page.fill("input[name=password]", "mat-khau-thong-ke-2026")
        page.click("button[type=submit]")
        page.get_by_role("link", name="Thống kê").first.click()
        expect(page.locator("h1")).to_have_text("Thống kê")
        # The portal rolls up every second here: wait for yesterday's 400 conversations.
        deadline = time.monotonic() + 60
        while True:
            figure = page.locator("#traffic dd").first.inner_text()
            if int(figure.replace(".", "")) >= 400 or time.monotonic() > deadline:
                break
            time.sleep(1)
            page.reload()
        assert int(figure.replace(".", "")) >= 400
        charts = page.locator("figure.stats-chart svg[role=img]")
        assert charts.count() == 12
        for index in range(charts.count()):
            expect(charts.nth(index)).to_be_visible()
        # Readable on a tablet: no section wider than the screen
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1024
        ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "staff-stats.png"))
        page.locator("#outcomes summary").click()
        expect(page.locator("#outcomes table")).to_be_visible()
        page.locator("#handoffs").screenshot(path=str(ARTIFACTS / "staff-stats-handoffs.png"))
        with page.expect_download() as download:
            page.get_by_role("link", name="Tải toàn bộ báo cáo (XLSX)").click()
        assert download.value.suggested_filename.endswith(".xlsx")
        browser.close()
