"""End to end for the staff app: real servers on loopback, Rasa with its HTTP API, Chromium.

1. A staff member logs in with a real browser and adds a FAQ; a citizen's REST question that
   matches it gets the new answer within 5 seconds, with no retraining.
2. Admin URLs without a session are refused (redirect for pages, 401 for the API); what the
   bot could not answer reaches the staff inbox, masked and grouped.
3. Rolling back to another model makes the running Rasa server load it, without a restart.
4. A deliberately bad training set is rejected by the gate and the old model keeps answering.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from assistant.catalog.importer import import_catalog
from assistant.catalog.service import CatalogService
from assistant.db.migrate import upgrade
from assistant.db.models import ModelVersion, TrainingRun
from assistant.db.session import session_scope
from assistant.modelstore import current_model
from assistant.settings import PROJECT_ROOT
from tests.e2e.launch import ask, launch, texts
from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

SEED = PROJECT_ROOT / "data" / "catalog" / "seed.yml"
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
PASSWORD = "mat-khau-can-bo-2026"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TRAINING_TIMEOUT = 30 * 60  # training (~4 min on 2 cores) plus scoring two models


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from assistant.faq.seed import import_seed
    from assistant.staff.repository import StaffRepository
    from assistant.training.registry import ModelRegistry

    workdir = tmp_path_factory.mktemp("admin")
    database_url = f"sqlite:///{workdir / 'admin.db'}"
    upgrade(database_url)
    import_catalog(SEED, database_url)
    model = current_model()
    if model is None:
        pytest.fail("no trained model for the current data: run `make model` first")
    with session_scope(database_url) as session:
        import_seed(session)
        StaffRepository(session).add_user("test", "canbo", PASSWORD, "admin")
        ModelRegistry(session).adopt(model)
    token = secrets.token_urlsafe(16)
    env = {"MODELS_DIR": str(workdir / "models"), "FAQ_REFRESH_SECONDS": "1"}
    with launch(workdir, database_url, extra_env=env, rasa_api_token=token) as running:
        yield {
            **running,
            "db": database_url,
            "token": token,
            "web": f"http://127.0.0.1:{running['ports']['web']}",
            "rasa": f"http://127.0.0.1:{running['ports']['rasa']}",
            "workdir": workdir,
        }


def staff_session(stack) -> requests.Session:
    """Log in over HTTP like the browser does: login CSRF cookie, form, session cookie."""
    http = requests.Session()
    page = http.get(f"{stack['web']}/admin/login", timeout=10)
    token = CSRF.search(page.text).group(1)
    response = http.post(
        f"{stack['web']}/admin/login",
        data={"username": "canbo", "password": PASSWORD, "csrf_token": token},
        timeout=30,
    )
    assert response.status_code == 200 and "Đăng xuất" in response.text
    return http


def csrf(http: requests.Session, url: str) -> str:
    return CSRF.search(http.get(url, timeout=10).text).group(1)


def rasa_model_file(stack) -> str:
    status = requests.get(f"{stack['rasa']}/status", params={"token": stack["token"]}, timeout=10)
    assert status.status_code == 200, status.text
    return status.json()["model_file"]


def test_staff_add_a_faq_in_the_browser_and_citizens_get_it_within_5_seconds(stack):
    answer = (
        "Trung tâm có bãi gửi xe máy miễn phí cho người đến làm thủ tục, "
        f"ở cổng phía sau (mã kiểm tra {secrets.token_hex(3)})."
    )
    question = "Trung tâm hành chính công có chỗ gửi xe máy cho người dân không?"
    citizen = "trung tam hanh chinh cong co cho gui xe may khong ad"
    before = texts(ask(stack, citizen, "citizen-faq"))
    assert answer not in before
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1024, "height": 768}, locale="vi-VN")
        page.goto(f"{stack['web']}/admin/faq")
        expect(page).to_have_url(re.compile(r"/admin/login\?next="))
        page.get_by_label("Tên đăng nhập").fill("canbo")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        expect(page.get_by_role("heading", name="Câu hỏi thường gặp")).to_be_visible()
        page.get_by_role("link", name="+ Thêm câu hỏi").click()
        page.get_by_label("Câu hỏi", exact=True).fill(question)
        page.get_by_label("Các cách hỏi khác (mỗi dòng một câu)").fill(
            "có bãi giữ xe không\nđể xe máy ở đâu khi đến nộp hồ sơ"
        )
        page.get_by_label("Câu trả lời", exact=True).fill(answer)
        page.get_by_role("button", name="Lưu").click()
        expect(page.locator(".flash")).to_contain_text("không cần huấn luyện lại")
        saved = time.monotonic()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "admin-faq-saved.png"), full_page=True)
        page.set_viewport_size({"width": 768, "height": 1024})  # a tablet
        page.goto(f"{stack['web']}/admin/faq?q=gửi xe")
        expect(page.get_by_role("link", name=question)).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "admin-faq-tablet.png"), full_page=True)
        browser.close()
    replies: list = []
    while time.monotonic() - saved < 5.0:
        replies = texts(ask(stack, citizen, "citizen-faq"))
        if answer in replies:
            break
        time.sleep(0.2)
    elapsed = time.monotonic() - saved
    assert answer in replies, (elapsed, replies)
    print(f"new FAQ answered {elapsed:.1f} s after saving, without retraining")


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("get", "/admin", 302),
        ("get", "/admin/faq/export.csv", 302),
        ("get", "/admin/audit", 302),
        ("get", "/admin/api/training", 401),
        ("post", "/admin/models/train", 302),
        ("post", "/admin/faq/new", 302),
    ],
)
def test_admin_urls_without_a_session_are_refused(stack, method, path, status):
    response = requests.request(
        method, f"{stack['web']}{path}", data={"question": "x", "answer": "y"},
        allow_redirects=False, timeout=10,
    )  # fmt: skip
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"].startswith("/admin/login")
    with session_scope(stack["db"]) as session:
        assert session.scalars(select(TrainingRun)).first() is None


def test_what_the_bot_could_not_answer_reaches_the_inbox_masked(stack):
    for sender in ("citizen-a", "citizen-b"):
        replies = texts(ask(stack, "giá vàng hôm nay bao nhiêu, gọi tôi số 0912345678", sender))
        assert replies and all("0912345678" not in text for text in replies)
    http = staff_session(stack)
    page = http.get(f"{stack['web']}/admin/inbox", timeout=10).text
    assert "giá vàng hôm nay" in page
    assert "0912345678" not in page and "2×" in page  # masked, and the two grouped


def test_rollback_switches_the_running_rasa_without_a_restart(stack):
    from assistant.training.registry import ModelRegistry

    live_file = rasa_model_file(stack)
    rasa_pid = stack["processes"]["rasa"].pid
    copy = stack["workdir"] / "models" / "model-earlier.tar.gz"
    copy.parent.mkdir(exist_ok=True)
    shutil.copyfile(current_model(), copy)
    with session_scope(stack["db"]) as session:
        earlier = ModelRegistry(session).register(copy, "earlier", None, "archived", "", "test")
        earlier_id = earlier.id
    http = staff_session(stack)
    token = csrf(http, f"{stack['web']}/admin/models")
    response = http.post(
        f"{stack['web']}/admin/models/{earlier_id}/activate", data={"csrf_token": token},
        timeout=120,
    )  # fmt: skip
    assert response.status_code == 200 and "Đã chuyển sang mô hình" in response.text
    assert "chưa nạp được" not in response.text
    assert Path(rasa_model_file(stack)).name == copy.name != Path(live_file).name
    assert stack["processes"]["rasa"].poll() is None and stack["processes"]["rasa"].pid == rasa_pid
    catalog = CatalogService(stack["db"])
    name = catalog.get(catalog.resolve("đăng ký kết hôn").code).name
    assert any(name in text for text in texts(ask(stack, "đăng ký kết hôn cần giấy tờ gì")))


def bad_examples() -> list:
    """Fee and document questions filed as greetings: what careless inbox decisions do."""
    from assistant.catalog.seed import iter_seed
    from assistant.heldout import held_out_index

    names = [record.name for _, record in iter_seed(SEED) if not isinstance(record, Exception)]
    asks = ("lệ phí bao nhiêu", "cần giấy tờ gì", "mất bao lâu", "nộp ở đâu")
    candidates = [f"{name.lower()} {ask}" for ask in asks for name in names]
    # Sentences the gate scores on are refused at filing (README: Data); these must get in.
    held_out = held_out_index()
    wanted = [text for text in candidates if held_out.too_close(text) is None][:80]
    assert len(wanted) == 80, "too few candidate bad examples survive the held-out check"
    return wanted


def test_a_bad_training_set_is_rejected_and_the_old_model_keeps_answering(stack):
    from assistant.inbox.examples import TrainingExampleRepository

    with session_scope(stack["db"]) as session:
        examples = TrainingExampleRepository(session)
        for text in bad_examples():
            examples.add("test", "greet", text)
        live_before = session.scalars(
            select(ModelVersion).where(ModelVersion.status == "live")
        ).one()
        live_name = live_before.name
    live_file = rasa_model_file(stack)
    http = staff_session(stack)
    token = csrf(http, f"{stack['web']}/admin/models")
    response = http.post(f"{stack['web']}/admin/models/train", data={"csrf_token": token})
    assert "Đã bắt đầu huấn luyện lại" in response.text
    deadline = time.monotonic() + TRAINING_TIMEOUT
    seen_progress = set()
    while time.monotonic() < deadline:
        run = http.get(f"{stack['web']}/admin/api/training", timeout=10).json()["run"]
        seen_progress.add(round(run["progress"], 1))
        if run["finished"]:
            break
        # Citizens are answered by the old model while the new one trains.
        assert texts(ask(stack, "xin chào", "during-training"))
        time.sleep(10)
    print(f"training run: {run}")
    assert run["status"] == "rejected", run
    # The gate names what got worse: a held-out view's accuracy, or the test stories (with the
    # masked intent classifier these greetings spoil a story rather than the held-out views).
    worse = ("Độ chính xác", "Số kịch bản kiểm thử không đạt tăng")
    assert any(words in run["reason"] for words in worse), run["reason"]
    assert len(seen_progress) > 2  # progress was visible while it ran
    with session_scope(stack["db"]) as session:
        live = session.scalars(select(ModelVersion).where(ModelVersion.status == "live")).one()
        assert live.name == live_name
        rejected = session.scalars(
            select(ModelVersion).where(ModelVersion.status == "rejected")
        ).one()
        assert rejected.reason == run["reason"]
    assert rasa_model_file(stack) == live_file
    page = http.get(f"{stack['web']}/admin/models", timeout=10).text
    assert "bị loại" in page and run["reason"].split(":")[0] in page
    catalog = CatalogService(stack["db"])
    record = catalog.get(catalog.resolve("đăng ký kết hôn").code)
    replies = texts(ask(stack, "đăng ký kết hôn lệ phí bao nhiêu", "after-training"))
    assert any(record.name in text for text in replies), replies
