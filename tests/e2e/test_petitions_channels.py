"""End to end for petitions on Zalo and Messenger: the real servers on loopback, with the Zalo
and Messenger channels pointed at fakes of their platforms (tests/channels/fake_zalo.py,
fake_graph.py) and of their media CDNs (tests/channels/fake_cdn.py: a real JPEG carrying EXIF
with a GPS position), all served from a thread of this process.

On Zalo a citizen reports a broken street light and answers the form the Zalo way: a number
for the field, words for the ward and the place, a photo (``user_send_image``), "xong", "1" to
send, no contact. The code arrives on Zalo; the stored photo has no EXIF left. A staff member
marks the petition received in the staff app, and because the citizen wrote within Zalo's
48-hour window the portal pushes the update to Zalo by itself (assistant/web/notices.py,
every 15 s). On Messenger the place is a shared location, which the summary shows as
coordinates, and the photo an image attachment.

The channels fetch photos only over https, except from http://127.0.0.1 when built with
``allow_loopback_media=True``, a constructor argument that ZaloInput.from_credentials and
MessengerInput.from_credentials do not set from anything. So this test starts Rasa with its
own credentials file naming two test-only subclasses (written into the scratch directory, see
LOOPBACK_CHANNELS) that differ from the real channels in that one argument.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import threading
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
import requests
from PIL import Image
from sqlalchemy import select

import tests.e2e.launch as launcher
from assistant.catalog.importer import import_catalog
from assistant.channels.zalo import MENU_HINT, expected_signature
from assistant.db.migrate import upgrade
from assistant.db.models import Petition, PetitionNotification, PetitionPhoto
from assistant.db.session import session_scope
from assistant.settings import PROJECT_ROOT
from tests.channels.fake_cdn import FakeCDN, jpeg_with_gps
from tests.channels.fake_graph import FakeGraph
from tests.channels.fake_zalo import APP_SECRET, FakeZalo

pytestmark = pytest.mark.e2e
SEED = PROJECT_ROOT / "data" / "catalog" / "seed.yml"
PASSWORD = "mat-khau-can-bo-2026"
LOGIN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CODE = re.compile(r"PA-\d{4}-\d{6}")
REPORT = "đèn đường trong hẻm 12 đường Mậu Thân bị hư cả tuần nay, tối đi rất nguy hiểm"
PLACE = "hẻm 12 đường Mậu Thân, gần chợ"

ZALO_APP_ID = "4381902311"
ZALO_OA_SECRET = "oa-secret-key-for-e2e"
FB_VERIFY = "verify-e2e"
FB_SECRET = "app-secret-e2e"
FB_TOKEN = "EAAG-page-token-e2e"
PUSH_SECONDS = 40  # the portal's round is every 15 s (notices.EVERY, not a setting)

LOOPBACK_CHANNELS = '''"""Test-only: the real Zalo and Messenger channels, allowed to fetch
photos from the fake CDN on http://127.0.0.1 (written by tests/e2e/test_petitions_channels.py).
"""

from assistant.channels.facebook import MessengerInput
from assistant.channels.zalo import ZaloInput


class LoopbackZaloInput(ZaloInput):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs, allow_loopback_media=True)


class LoopbackMessengerInput(MessengerInput):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs, allow_loopback_media=True)
'''
CREDENTIALS = """assistant.channels.rest.PortalRestInput:
e2e_loopback_channels.LoopbackZaloInput:
e2e_loopback_channels.LoopbackMessengerInput:
"""


class Background:
    """An event loop in a thread: the fakes answer the Rasa process while the test blocks."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine, timeout: float = 30.0):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


async def _start_fakes():
    cdn = await FakeCDN().start()
    cdn.files["zalo/den-duong.jpg"] = (jpeg_with_gps(), "image/jpeg")
    cdn.files["fb/den-duong.jpg"] = (jpeg_with_gps(size=(240, 320)), "image/jpeg")
    return await FakeZalo(ZALO_APP_ID).start(), await FakeGraph().start(), cdn


async def _stop_fakes(*fakes) -> None:
    for fake in fakes:
        await fake.stop()


def _with_credentials(path: Path) -> Callable[..., dict]:
    """launch()'s server commands, Rasa reading ``path`` instead of credentials.yml."""
    real = launcher.server_commands

    def commands(*args, **kwargs) -> dict:
        found = real(*args, **kwargs)
        rasa = found["rasa"]
        rasa[rasa.index("--credentials") + 1] = str(path)
        return found

    return commands


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from assistant.staff.repository import StaffRepository

    workdir = tmp_path_factory.mktemp("petition_channels")
    database_url = f"sqlite:///{workdir / 'petitions.db'}"
    upgrade(database_url)
    import_catalog(SEED, database_url)
    with session_scope(database_url) as session:
        StaffRepository(session).add_user("test", "canbo", PASSWORD, "editor")
    (workdir / "e2e_loopback_channels.py").write_text(LOOPBACK_CHANNELS, encoding="utf-8")
    credentials = workdir / "credentials.yml"
    credentials.write_text(CREDENTIALS, encoding="utf-8")
    background = Background()
    zalo, graph, cdn = background.run(_start_fakes())
    env = {
        "PYTHONPATH": f"{PROJECT_ROOT}{os.pathsep}{workdir}",
        "ZALO_APP_ID": ZALO_APP_ID,
        "ZALO_OA_SECRET_KEY": ZALO_OA_SECRET,
        "ZALO_APP_SECRET": APP_SECRET,
        "ZALO_ACCESS_TOKEN": "access-0",
        "ZALO_REFRESH_TOKEN": "refresh-0",
        "ZALO_API_BASE": zalo.url,
        "ZALO_OAUTH_BASE": zalo.url,
        "FACEBOOK_VERIFY_TOKEN": FB_VERIFY,
        "FACEBOOK_APP_SECRET": FB_SECRET,
        "FACEBOOK_PAGE_ACCESS_TOKEN": FB_TOKEN,
        "FACEBOOK_GRAPH_BASE": graph.base_url,
    }
    token = secrets.token_urlsafe(16)
    try:
        with contextlib.ExitStack() as running:
            with pytest.MonkeyPatch.context() as patch:  # only while the servers start
                patch.setattr(launcher, "server_commands", _with_credentials(credentials))
                servers = running.enter_context(
                    launcher.launch(workdir, database_url, extra_env=env, rasa_api_token=token)
                )
            ports = servers["ports"]
            yield {
                **servers,
                "db": database_url,
                "web": f"http://127.0.0.1:{ports['web']}",
                "zalo": zalo,
                "graph": graph,
                "cdn": cdn,
            }
    finally:
        background.run(_stop_fakes(zalo, graph, cdn))
        background.stop()


# --- helpers ----------------------------------------------------------------------------------


def wait_until(condition: Callable[[], Any], what: str, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not in {seconds:.0f} s: {what}")


def petition(stack: dict, code: str) -> Dict[str, Any]:
    with session_scope(stack["db"]) as session:
        row = session.scalar(select(Petition).where(Petition.code == code))
        photos = session.scalars(
            select(PetitionPhoto.data).where(PetitionPhoto.petition_id == row.id)
        ).all()
        return {
            "channel": row.channel,
            "conversation_id": row.conversation_id,
            "category": row.category,
            "commune": row.commune_name,
            "location": row.location,
            "coordinates": (row.latitude, row.longitude),
            "phone": row.phone,
            "photos": list(photos),
        }


def notices(stack: dict, code: str) -> List[tuple]:
    with session_scope(stack["db"]) as session:
        rows = session.execute(
            select(PetitionNotification.channel, PetitionNotification.status)
            .join(Petition, Petition.id == PetitionNotification.petition_id)
            .where(Petition.code == code)
        ).all()
        return [tuple(row) for row in rows]


def assert_clean(photo: bytes) -> None:
    """Re-encoded: a JPEG without EXIF (no GPS position, no camera make)."""
    image = Image.open(io.BytesIO(photo))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert b"Exif" not in photo and b"PhoneMaker" not in photo


class Transcript:
    """What one citizen was sent, read from a platform fake; ``expect`` waits for the next
    message (after those already read) that contains every ``part``."""

    def __init__(self, read: Callable[[], List[str]]) -> None:
        self.read = read
        self.seen = 0

    def expect(self, *parts: str, seconds: float = 30.0) -> str:
        def found():
            texts = self.read()
            for index in range(self.seen, len(texts)):
                if all(part in texts[index] for part in parts):
                    self.seen = index + 1
                    return texts[index]
            return None

        try:
            return wait_until(found, f"a message with {parts}", seconds)
        except AssertionError:
            rest = self.read()[self.seen :]
            raise AssertionError(f"no message with {parts} after: {rest}") from None


# --- Zalo -------------------------------------------------------------------------------------


def zalo_event(stack: dict, user: str, event_name: str, message: Dict[str, Any]) -> None:
    timestamp = str(int(time.time() * 1000))
    payload = {
        "app_id": ZALO_APP_ID,
        "event_name": event_name,
        "timestamp": timestamp,
        "sender": {"id": user},
        "recipient": {"id": "579745863508352884"},
        "message": {"msg_id": "msg-" + secrets.token_hex(8), **message},
    }
    body = json.dumps(payload, ensure_ascii=False).encode()
    mac = expected_signature(ZALO_APP_ID, body, timestamp, ZALO_OA_SECRET)
    answer = requests.post(
        f"http://127.0.0.1:{stack['ports']['rasa']}/webhooks/zalo/webhook",
        data=body,
        headers={"Content-Type": "application/json", "X-ZEvent-Signature": f"mac={mac}"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def zalo_says(stack: dict, user: str, text: str) -> None:
    zalo_event(stack, user, "user_send_text", {"text": text})


def zalo_sends_photo(stack: dict, user: str, url: str) -> None:
    """Zalo's user_send_image: the photo's CDN URL in ``payload.url``, with a thumbnail."""
    image = {"type": "image", "payload": {"url": url, "thumbnail": url}}
    zalo_event(stack, user, "user_send_image", {"text": "", "attachments": [image]})


def zalo_texts(stack: dict, user: str) -> List[str]:
    return [
        m["message"].get("text") or ""
        for m in list(stack["zalo"].delivered)
        if m["user_id"] == user
    ]


def test_on_zalo_a_report_with_a_photo_gets_a_code_and_the_staff_update_is_pushed(stack):
    user = "84" + secrets.token_hex(6)
    got = Transcript(lambda: zalo_texts(stack, user))

    zalo_says(stack, user, REPORT)
    got.expect("gửi phản ánh")
    menu = got.expect("lĩnh vực nào")
    assert "\n1. Chiếu sáng\n" in menu and menu.endswith(MENU_HINT)  # the likeliest first
    zalo_says(stack, user, "1")
    got.expect("phường, xã nào")
    zalo_says(stack, user, "ninh kieu")
    got.expect("ở đâu")
    zalo_says(stack, user, PLACE)
    got.expect("ảnh hiện trường")

    zalo_sends_photo(stack, user, stack["cdn"].url("zalo/den-duong.jpg"))
    received = got.expect("đã nhận 1 ảnh")
    assert "1. Xong" in received
    assert stack["cdn"].requests.count("zalo/den-duong.jpg") == 1

    zalo_says(stack, user, "xong")
    summary = got.expect("kiểm tra lại phản ánh")
    assert "Chiếu sáng" in summary and "Phường Ninh Kiều" in summary
    assert "Mậu Thân" in summary and "Ảnh: 1" in summary
    assert "1. Gửi phản ánh" in summary and "2. Hủy" in summary
    zalo_says(stack, user, "1")
    consent = got.expect("họ tên và số điện thoại")
    assert "1. Đồng ý để lại" in consent and "2. Không để lại" in consent
    zalo_says(stack, user, "không để lại")
    done = got.expect("Mã phản ánh: PA-")
    code = CODE.search(done).group(0)
    assert "hạn xử lý" in done and "số cuối" not in done  # no phone, no digits to ask for

    stored = petition(stack, code)
    assert (stored["channel"], stored["conversation_id"]) == ("zalo", user)
    assert (stored["category"], stored["commune"]) == ("chieu_sang", "Phường Ninh Kiều")
    assert stored["phone"] is None and stored["coordinates"] == (None, None)
    [photo] = stored["photos"]
    assert_clean(photo)
    assert Image.open(io.BytesIO(photo)).size == (320, 240)

    staff = requests.Session()
    page = staff.get(f"{stack['web']}/admin/login", timeout=10)
    staff.post(
        f"{stack['web']}/admin/login",
        data={"username": "canbo", "password": PASSWORD,
              "csrf_token": LOGIN_CSRF.search(page.text).group(1)},
        timeout=30,
    ).raise_for_status()  # fmt: skip
    detail = staff.get(f"{stack['web']}/admin/petitions/{code}", timeout=10)
    assert detail.status_code == 200 and code in detail.text
    changed = staff.post(
        f"{stack['web']}/admin/petitions/{code}/status",
        data={"status": "da_tiep_nhan", "csrf_token": LOGIN_CSRF.search(detail.text).group(1)},
        timeout=10,
    )
    assert changed.status_code == 200

    # The citizen wrote from Zalo minutes ago (within 48 hours): the portal pushes the update
    # without waiting for a next visit.
    pushed = got.expect(f"Thông báo: Phản ánh {code}", seconds=PUSH_SECONDS)
    assert "tiếp nhận" in pushed and "Chiếu sáng" in pushed
    wait_until(lambda: notices(stack, code) == [("zalo", "sent")], "the update marked sent")
    assert all(set(m["message"]) == {"text"} for m in stack["zalo"].delivered)
    assert stack["zalo"].refreshes() == []


# --- Messenger --------------------------------------------------------------------------------


def messenger_event(stack: dict, psid: str, **what: Any) -> None:
    event = {"sender": {"id": psid}, "recipient": {"id": "PAGE"}, "timestamp": 1, **what}
    body = json.dumps(
        {"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": [event]}]}
    ).encode()
    signature = "sha256=" + hmac.new(FB_SECRET.encode(), body, hashlib.sha256).hexdigest()
    answer = requests.post(
        f"http://127.0.0.1:{stack['ports']['rasa']}/webhooks/facebook/webhook",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text


def mid() -> str:
    return "mid." + secrets.token_hex(8)


def messenger_says(stack: dict, psid: str, text: str) -> None:
    messenger_event(stack, psid, message={"mid": mid(), "text": text})


def messenger_attaches(stack: dict, psid: str, attachment: Dict[str, Any]) -> None:
    messenger_event(stack, psid, message={"mid": mid(), "attachments": [attachment]})


def graph_texts(stack: dict, psid: str) -> List[str]:
    """What the citizen reads of each Send API body: its text, or its button template's."""
    texts = []
    for request in list(stack["graph"].requests):
        if request.status != 200 or request.json["recipient"]["id"] != psid:
            continue
        message = request.json["message"]
        template = (message.get("attachment") or {}).get("payload") or {}
        texts.append(message.get("text") or template.get("text") or "")
    return texts


def test_on_messenger_a_shared_location_and_a_photo_reach_the_summary_and_the_petition(stack):
    psid = "61" + str(secrets.randbelow(10**14)).zfill(14)
    got = Transcript(lambda: graph_texts(stack, psid))

    messenger_says(stack, psid, REPORT)
    menu = got.expect("lĩnh vực nào")
    assert "\n1. Chiếu sáng\n" in menu  # a title over 20 characters: a numbered list
    messenger_says(stack, psid, "1")
    got.expect("phường, xã nào")
    messenger_says(stack, psid, "cai khe")
    got.expect("ở đâu")
    location = {
        "type": "location",
        "title": "Vị trí của tôi",
        "payload": {"coordinates": {"lat": 10.0452, "long": 105.7831}},
    }
    messenger_attaches(stack, psid, location)
    got.expect("ảnh hiện trường")
    url = stack["cdn"].url("fb/den-duong.jpg") + "?_nc_sig=abc&oh=token"
    messenger_attaches(stack, psid, {"type": "image", "payload": {"url": url}})
    got.expect("đã nhận 1 ảnh")
    messenger_says(stack, psid, "xong")
    summary = got.expect("kiểm tra lại phản ánh")
    assert "vị trí đã gửi (10.04520, 105.78310)" in summary and "Ảnh: 1" in summary
    messenger_says(stack, psid, "gửi")
    got.expect("họ tên và số điện thoại")
    messenger_says(stack, psid, "không để lại")
    code = CODE.search(got.expect("Mã phản ánh: PA-")).group(0)

    stored = petition(stack, code)
    assert (stored["channel"], stored["conversation_id"]) == ("facebook", psid)
    assert stored["coordinates"] == (10.0452, 105.7831)
    [photo] = stored["photos"]
    assert_clean(photo)
    assert all(r.access_token == FB_TOKEN for r in stack["graph"].requests)
