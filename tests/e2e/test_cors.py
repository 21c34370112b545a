"""The widget embedded on a page of another origin, in headless Chromium against the real servers.

Two tiny pages on other loopback ports embed the portal's widget with one tag: the one whose
origin is in PORTAL_ALLOWED_ORIGINS chats; the other is refused by the browser's CORS check and
the widget shows its polite error.
"""

from __future__ import annotations

import contextlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
from playwright.sync_api import expect

from assistant.catalog.importer import import_catalog
from assistant.db.migrate import upgrade
from tests.e2e.launch import free_port, launch
from tests.e2e.test_browser import (  # noqa: F401 (browser is a fixture)
    BOT,
    FEE_QUESTION,
    SEED,
    browser,
    in_widget,
)

pytestmark = pytest.mark.e2e

WIDGET_ERROR = "Xin lỗi Anh/Chị, hiện chưa kết nối được với trợ lý."
ANSWER_MS = 30_000


@contextlib.contextmanager
def host_page(port: int, widget_url: str) -> Iterator[str]:
    """A page on http://127.0.0.1:<port>/ that embeds the widget with the README's one tag."""
    html = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Xã An Bình</title>'
        f'</head><body><h1>Xã An Bình</h1><script src="{widget_url}" data-open="true" defer>'
        "</script></body></html>"
    ).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("cors")
    database_url = f"sqlite:///{workdir / 'cors.db'}"
    upgrade(database_url)
    import_catalog(SEED, database_url)
    listed, unlisted = free_port(), free_port()
    extra = {"PORTAL_ALLOWED_ORIGINS": f"https://xa-an-binh.gov.vn,http://127.0.0.1:{listed}"}
    with launch(workdir, database_url, extra_env=extra) as servers:
        widget = f"http://127.0.0.1:{servers['ports']['web']}/static/widget.js"
        with host_page(listed, widget) as allowed, host_page(unlisted, widget) as refused:
            yield {"allowed": allowed, "refused": refused, "servers": servers}


@pytest.fixture
def open_page(browser):  # noqa: F811 (the fixture imported above)
    contexts = []

    def open_(url: str):
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
        contexts.append(context)
        page = context.new_page()
        page.goto(url)
        expect(page.locator(".panel")).to_be_visible()  # the widget loaded cross-origin
        return page

    yield open_
    for context in contexts:
        context.close()


def send(page, text: str) -> None:
    page.locator(".composer input").fill(text)
    page.locator(".composer input").press("Enter")


def test_a_listed_origin_embeds_the_widget_and_chats(sites, open_page):
    page = open_page(sites["allowed"])
    portal = f"http://127.0.0.1:{sites['servers']['ports']['web']}"
    with page.expect_response(f"{portal}/api/chat", timeout=ANSWER_MS) as response:
        send(page, FEE_QUESTION)
    assert response.value.status == 200
    assert response.value.headers["access-control-allow-origin"] == sites["allowed"].rstrip("/")
    # The answer, then its 👍/👎 prompt (actions/feedback.py).
    answer = page.locator(BOT).filter(has_text="Lệ phí").last
    expect(answer).to_contain_text("Lệ phí thủ tục", timeout=ANSWER_MS)
    assert in_widget(page, "root => root.querySelectorAll('.msg.error').length") == 0


def test_an_unlisted_origin_is_refused_and_the_widget_apologises(sites, open_page):
    page = open_page(sites["refused"])
    failures = []
    page.on("requestfailed", lambda request: failures.append(request.url))
    send(page, FEE_QUESTION)
    expect(page.locator(".log .msg.bot.error")).to_contain_text(WIDGET_ERROR, timeout=ANSWER_MS)
    assert in_widget(page, f"root => root.querySelectorAll('{BOT}').length") == 0
    portal = f"http://127.0.0.1:{sites['servers']['ports']['web']}"
    assert failures == [f"{portal}/api/chat"]
