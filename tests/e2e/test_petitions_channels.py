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

import contextlib
import io
import os
import re
import secrets
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
from PIL import Image
from sqlalchemy import select

import tests.e2e.launch as launcher
from assistant.channels.zalo import MENU_HINT
from assistant.db.models import Petition, PetitionNotification, PetitionPhoto
from assistant.db.session import session_scope
from assistant.settings import PROJECT_ROOT
from tests.channels.fake_cdn import FakeCDN, jpeg_with_gps
from tests.channels.fake_graph import FakeGraph
from tests.channels.fake_zalo import FakeZalo
from tests.e2e.desk_client import form_csrf, seeded_database, stack_of, staff_login, wait_until
from tests.e2e.platforms import Accounts, graph_got, messenger_event, serving, zalo_event, zalo_got

pytestmark = pytest.mark.e2e
SEED = PROJECT_ROOT / "data" / "catalog" / "seed.yml"
PASSWORD = "mat-khau-can-bo-2026"
CODE = re.compile(r"PA-\d{4}-\d{6}")
REPORT = "đèn đường trong hẻm 12 đường Mậu Thân bị hư cả tuần nay, tối đi rất nguy hiểm"
PLACE = "hẻm 12 đường Mậu Thân, gần chợ"
ACCOUNTS = Accounts()
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
    workdir = tmp_path_factory.mktemp("petition_channels")
    database_url = seeded_database(workdir / "petitions.db", SEED, PASSWORD, "canbo")
    (workdir / "e2e_loopback_channels.py").write_text(LOOPBACK_CHANNELS, encoding="utf-8")
    credentials = workdir / "credentials.yml"
    credentials.write_text(CREDENTIALS, encoding="utf-8")
    fakes = (lambda: FakeZalo(ACCOUNTS.zalo_app_id), FakeGraph, FakeCDN)
    with serving(*fakes) as (zalo, graph, cdn), contextlib.ExitStack() as running:
        cdn.files["zalo/den-duong.jpg"] = (jpeg_with_gps(), "image/jpeg")
        cdn.files["fb/den-duong.jpg"] = (jpeg_with_gps(size=(240, 320)), "image/jpeg")
        env = {"PYTHONPATH": f"{PROJECT_ROOT}{os.pathsep}{workdir}", **ACCOUNTS.env(zalo, graph)}
        token = secrets.token_urlsafe(16)
        with pytest.MonkeyPatch.context() as patch:  # only while the servers start
            patch.setattr(launcher, "server_commands", _with_credentials(credentials))
            servers = running.enter_context(
                launcher.launch(workdir, database_url, extra_env=env, rasa_api_token=token)
            )
        yield stack_of(servers, database_url, zalo=zalo, graph=graph, cdn=cdn)


# --- helpers ----------------------------------------------------------------------------------


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


def zalo_says(stack: dict, user: str, text: str) -> None:
    zalo_event(stack["rasa"], ACCOUNTS, user, "user_send_text", {"text": text})


def zalo_sends_photo(stack: dict, user: str, url: str) -> None:
    """Zalo's user_send_image: the photo's CDN URL in ``payload.url``, with a thumbnail."""
    image = {"type": "image", "payload": {"url": url, "thumbnail": url}}
    message = {"text": "", "attachments": [image]}
    zalo_event(stack["rasa"], ACCOUNTS, user, "user_send_image", message)


def zalo_texts(stack: dict, user: str) -> List[str]:
    return [m.get("text") or "" for m in zalo_got(stack["zalo"], user)]


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

    staff = staff_login(stack["web"], "canbo", PASSWORD)
    detail = staff.get(f"{stack['web']}/admin/petitions/{code}", timeout=10)
    assert detail.status_code == 200 and code in detail.text
    changed = staff.post(
        f"{stack['web']}/admin/petitions/{code}/status",
        data={"status": "da_tiep_nhan", "csrf_token": form_csrf(detail.text)},
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


def messenger_says(stack: dict, psid: str, text: str) -> None:
    messenger_event(stack["rasa"], ACCOUNTS, psid, message={"text": text})


def messenger_attaches(stack: dict, psid: str, attachment: Dict[str, Any]) -> None:
    messenger_event(stack["rasa"], ACCOUNTS, psid, message={"attachments": [attachment]})


def graph_texts(stack: dict, psid: str) -> List[str]:
    """What the citizen reads of each Send API body: its text, or its button template's."""
    texts = []
    for body in graph_got(stack["graph"], psid):
        message = body["message"]
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
    assert all(r.access_token == ACCOUNTS.fb_token for r in stack["graph"].requests)
