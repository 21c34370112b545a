"""End to end in a real browser: the portal page and its chat widget, driven by headless Chromium.

The servers are the real ones (see launch.py); the browser is Debian's `chromium` package driven
by Playwright's Python client, which ships its own driver and needs no browser download.
Expected facts are read from the database the servers use, never written into the test.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from actions.feedback import ASK_WHY, PROMPT, THANKS_REASON
from assistant.catalog.importer import import_catalog
from assistant.catalog.service import CatalogService
from assistant.db.migrate import upgrade
from assistant.settings import PROJECT_ROOT, get_settings
from tests.e2e.launch import ask as ask_rasa
from tests.e2e.launch import launch

pytestmark = pytest.mark.e2e

SEED = PROJECT_ROOT / "data" / "catalog" / "seed.yml"
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ANSWER_MS = 30_000  # one Rasa turn, with the action server and a database query
HOST = "tro-ly-ao-widget"  # the widget's shadow host; Playwright's CSS selectors pierce it
BOT = ".log .msg.bot:not(.welcome):not(.error)"
FEE_QUESTION = "Lệ phí cấp phiếu lý lịch tư pháp bao nhiêu?"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("browser")
    database_url = f"sqlite:///{workdir / 'browser.db'}"
    upgrade(database_url)
    # The national snapshot makes "khai sinh" ambiguous (buttons); the seed goes over it.
    import_catalog(get_settings().national_catalog, database_url)
    import_catalog(SEED, database_url)
    with launch(workdir, database_url) as running:
        # The first turns after a start load the NLU pipeline and the catalog search index and
        # can outlast REPLY_TIMEOUT; warm both up so the browser sees steady-state answers.
        for question in ("xin chào", "đăng ký kết hôn mất bao lâu"):
            ask_rasa(running, question, "warm-up")
        yield {**running, "catalog": CatalogService(database_url)}


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def portal(servers, browser):
    """A fresh browser profile (empty localStorage) on the portal page, at desktop size."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"http://127.0.0.1:{servers['ports']['web']}/")
    expect(page.locator(".panel")).to_be_visible()  # the demo page opens the widget
    yield page
    context.close()


def procedure(servers, query: str):
    resolution = servers["catalog"].resolve(query)
    assert resolution.kind == "match", (query, resolution)
    return servers["catalog"].get(resolution.code)


def in_widget(page, script: str):
    """Evaluate ``script`` (a function of the widget's shadow root) in the page."""
    return page.evaluate(f"({script})(document.querySelector('{HOST}').shadowRoot)")


def bot_answers(page) -> int:
    return in_widget(page, f"root => root.querySelectorAll('{BOT}').length")


def wait_for_answer(page, before: int) -> None:
    page.wait_for_function(
        f"document.querySelector('{HOST}').shadowRoot.querySelectorAll('{BOT}').length > {before}",
        timeout=ANSWER_MS,
    )
    expect(page.locator(".typing")).to_be_hidden()


def ask(page, text: str) -> None:
    """Type a question and send it with Enter; return once the bot has answered."""
    before = bot_answers(page)
    page.locator(".composer input").fill(text)
    page.locator(".composer input").press("Enter")
    wait_for_answer(page, before)


def test_a_question_is_answered_with_a_typing_indicator(servers, portal):
    record = procedure(servers, "cấp phiếu lý lịch tư pháp")
    in_widget(
        portal,
        """root => {
          const typing = root.querySelector(".typing");
          window.typingSeen = false;
          new MutationObserver(() => { if (!typing.hidden) window.typingSeen = true; })
            .observe(typing, {attributes: true, attributeFilter: ["hidden"]});
        }""",
    )
    ask(portal, FEE_QUESTION)
    expect(portal.locator(".log .msg.user").last).to_have_text(f"Anh/Chị: {FEE_QUESTION}")
    answer = portal.locator(BOT).filter(has_text="Lệ phí thủ tục").last
    expect(answer).to_contain_text(f"Trợ lý: Lệ phí thủ tục {record.name}")
    assert portal.evaluate("window.typingSeen") is True
    expect(portal.locator(".typing")).to_be_hidden()
    expect(portal.locator(".composer input")).to_have_value("")


def test_a_citizen_rates_an_answer_with_its_buttons(servers, portal):
    record = procedure(servers, "cấp phiếu lý lịch tư pháp")
    ask(portal, FEE_QUESTION)
    expect(portal.locator(BOT).filter(has_text="Lệ phí thủ tục").last).to_contain_text(record.name)
    prompt = portal.locator(BOT).last
    expect(prompt).to_contain_text(PROMPT)
    expect(prompt.locator(".choice")).to_have_text(["👍 Hữu ích", "👎 Chưa đúng"])
    before = bot_answers(portal)
    prompt.locator(".choice", has_text="Chưa đúng").click()
    wait_for_answer(portal, before)
    why = portal.locator(BOT).last
    expect(why).to_contain_text(ASK_WHY)
    expect(why.locator(".choice")).to_have_count(5)  # four reasons, then "Muốn gặp cán bộ"
    before = bot_answers(portal)
    why.locator(".choice", has_text="Khó hiểu").click()
    wait_for_answer(portal, before)
    expect(portal.locator(BOT).last).to_contain_text(THANKS_REASON)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    portal.screenshot(path=str(ARTIFACTS / "widget-rating.png"))


def test_buttons_a_choice_and_the_conversation_survives_a_reload(servers, portal):
    with portal.expect_response("**/api/chat", timeout=ANSWER_MS) as response:
        ask(portal, "hộ chiếu cần giấy tờ gì")  # five passport procedures: choices
    [reply] = response.value.json()
    titles = [button["title"] for button in reply["buttons"]]
    assert 3 <= len(titles) <= 5
    choices = portal.locator(BOT).nth(bot_answers(portal) - 1).locator(".choice")
    expect(choices).to_have_text(titles)
    code = reply["buttons"][0]["payload"].split('"procedure_code":"')[1].split('"')[0]
    record = servers["catalog"].get(code)

    choices.first.click()
    expect(portal.locator(".log .msg.user").last).to_have_text(f"Anh/Chị: {titles[0]}")
    answer = portal.locator(BOT).filter(has_text="Hồ sơ thủ tục").last
    expect(answer).to_contain_text(f"Trợ lý: Hồ sơ thủ tục {record.name} gồm:", timeout=ANSWER_MS)
    for choice in choices.all():
        expect(choice).to_be_disabled()
    expect(choices.first).to_have_attribute("aria-pressed", "true")
    # Whitelisted formatting: the numbered documents as a list, the source as a safe link.
    expect(answer.locator("ol > li")).to_have_count(min(len(record.documents), 15))
    if record.source_url.startswith("https://"):
        link = answer.locator("a")
        expect(link).to_have_attribute("href", record.source_url)
        expect(link).to_have_attribute("target", "_blank")
        expect(link).to_have_attribute("rel", "noopener noreferrer")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    portal.screenshot(path=str(ARTIFACTS / "widget.png"))

    messages = portal.locator(".log .msg").all_text_contents()
    sender = portal.evaluate("localStorage.getItem('troLyAo.sender')")
    portal.reload()
    expect(portal.locator(".log .msg")).to_have_text(messages)
    assert portal.evaluate("localStorage.getItem('troLyAo.sender')") == sender
    # The chosen list stays answered; only the last message's 👍/👎 can still be pressed.
    for choice in choices.all():
        expect(choice).to_be_disabled()
    rating = portal.locator(BOT).last
    expect(rating).to_contain_text(PROMPT)
    for choice in rating.locator(".choice").all():
        expect(choice).to_be_enabled()


def test_markup_in_messages_stays_text(portal):
    attack = "<img src=x onerror=alert(1)>"
    ask(portal, attack)
    expect(portal.locator(".log .msg.user").last).to_have_text(f"Anh/Chị: {attack}")
    links = "javascript:alert(1) http://example.com https://dichvucong.gov.vn/p/home."
    ask(portal, links)
    user = portal.locator(".log .msg.user").last
    expect(user).to_have_text(f"Anh/Chị: {links[:-1]} (mở trong thẻ mới).")
    expect(user.locator("a")).to_have_count(1)
    expect(user.locator("a")).to_have_attribute("href", "https://dichvucong.gov.vn/p/home")
    expect(portal.locator(".log img")).to_have_count(0)
    assert in_widget(portal, "root => root.querySelectorAll('img, script, iframe').length") == 0
    assert portal.dialogs == []


def test_a_network_failure_gets_a_polite_line_that_is_not_kept(portal):
    portal.route("**/api/chat", lambda route: route.abort())
    portal.locator(".composer input").fill(FEE_QUESTION)
    portal.locator(".send").click()
    expect(portal.locator(".log .msg.error")).to_contain_text("chưa kết nối được")
    expect(portal.locator(".typing")).to_be_hidden()
    portal.unroute("**/api/chat")
    portal.reload()
    expect(portal.locator(".log .msg.user")).to_have_text([f"Anh/Chị: {FEE_QUESTION}"])
    expect(portal.locator(".log .msg.error")).to_have_count(0)


def test_phone_screen_and_keyboard_only(servers, portal):
    record = procedure(servers, "cấp phiếu lý lịch tư pháp")
    portal.set_viewport_size({"width": 360, "height": 740})
    keyboard = portal.keyboard
    for selector in (".reset", ".close", ".log", ".composer input", ".send"):  # the Tab order
        keyboard.press("Tab")
        expect(portal.locator(selector)).to_be_focused()
    keyboard.press("Escape")  # closes the panel, focus goes back to the launcher
    expect(portal.locator(".panel")).to_be_hidden()
    expect(portal.locator(".launcher")).to_be_focused()
    assert in_widget(portal, "r => getComputedStyle(r.activeElement).outlineStyle") == "solid"
    keyboard.press("Enter")
    expect(portal.locator(".composer input")).to_be_focused()
    keyboard.type(FEE_QUESTION)
    keyboard.press("Enter")
    wait_for_answer(portal, 0)
    answer = portal.locator(BOT).filter(has_text="Lệ phí thủ tục").last
    expect(answer).to_contain_text(f"Lệ phí thủ tục {record.name}")
    keyboard.press("Tab")
    expect(portal.locator(".send")).to_be_focused()

    box = portal.locator(".panel").bounding_box()
    assert box["x"] == 0 and box["width"] == 360 and box["height"] == 740
    assert portal.evaluate("document.documentElement.scrollWidth") <= 360
    widths = in_widget(portal, "r => [r.querySelector('.log').scrollWidth, 360]")
    assert widths[0] <= widths[1]
    for selector in (".composer input", ".send", ".close"):
        element = portal.locator(selector).bounding_box()
        assert element["x"] >= 0 and element["x"] + element["width"] <= 360, selector
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    portal.screenshot(path=str(ARTIFACTS / "widget-mobile.png"))
