"""Shared photo and location handling of the Zalo and Messenger channels: downloads from a
fake CDN on loopback (tests/channels/fake_cdn.py), stores through the petition photo store,
builds the payloads the petition form reads."""

from __future__ import annotations

import io
import json
import logging
import re
from typing import List

import pytest
from PIL import Image
from sqlalchemy import select

from assistant.channels import attachments
from assistant.channels.attachments import (
    BAD_LOCATION,
    LOCATION_NOTE,
    NOT_DOWNLOADED,
    NOTHING_READABLE,
    PHOTO_NOTE,
    TOO_BIG,
    TOO_MANY,
    Attachment,
    download_photo,
    location_payload,
    photo_payload,
    read_attachments,
)
from assistant.db.models import PetitionPhoto
from assistant.db.session import session_scope
from assistant.petitions.photos import PhotoError
from tests.channels.fake_cdn import GPS_IFD, FakeCDN, jpeg_with_gps

PHOTO_RE = re.compile(r'/send_photo\{"photo_token":"([A-Za-z0-9_-]{24})"\}')
TEXT_FILE = "Số CCCD 079203001234, không phải ảnh".encode()


@pytest.fixture
async def cdn():
    server = await FakeCDN().start()
    server.files["photo.jpg"] = (jpeg_with_gps(), "image/jpeg")
    server.files["note.jpg"] = (TEXT_FILE, "image/jpeg")
    server.files["big.jpg"] = (b"\xff\xd8\xff" + b"\0" * 2000, "image/jpeg")
    server.redirects["moved.jpg"] = "/photo.jpg"
    server.redirects["plain.jpg"] = "http://cdn.example.vn/photo.jpg"
    yield server
    await server.stop()


def stored(token: str) -> PetitionPhoto | None:
    with session_scope() as session:
        return session.scalar(select(PetitionPhoto).where(PetitionPhoto.token == token))


async def test_a_photo_is_downloaded_stored_without_metadata_and_becomes_a_payload(
    database_url, cdn
):
    original = cdn.files["photo.jpg"][0]
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)[1] == "N"
    text = await photo_payload(cdn.url("photo.jpg"), "zalo-1", allow_loopback=True)
    match = PHOTO_RE.fullmatch(text)
    assert match, text
    assert json.loads(text.removeprefix("/send_photo")) == {"photo_token": match.group(1)}
    row = stored(match.group(1))
    assert row is not None and row.petition_id is None
    clean = Image.open(io.BytesIO(row.data))
    assert dict(clean.getexif()) == {} and dict(clean.getexif().get_ifd(GPS_IFD)) == {}
    assert b"Exif" not in row.data and b"PhoneMaker" not in row.data


async def test_download_returns_the_bytes_and_the_declared_type(cdn):
    data, declared = await download_photo(cdn.url("photo.jpg"), allow_loopback=True)
    assert data == cdn.files["photo.jpg"][0] and declared == "image/jpeg"


async def test_redirects_are_followed_but_each_hop_is_checked(cdn):
    data, _ = await download_photo(cdn.url("moved.jpg"), allow_loopback=True)
    assert data == cdn.files["photo.jpg"][0]
    with pytest.raises(PhotoError, match=NOT_DOWNLOADED):
        await download_photo(cdn.url("plain.jpg"), allow_loopback=True)  # to plain http


@pytest.mark.parametrize(
    "url, loopback",
    [
        ("{cdn}/photo.jpg", False),  # loopback only when the tests allow it
        ("http://cdn.example.vn/photo.jpg", True),  # plain http elsewhere: never
        ("ftp://127.0.0.1/photo.jpg", True),
        ("file:///etc/passwd", True),
        ("https://", True),
        ("không phải địa chỉ", True),
    ],
)
async def test_only_https_urls_are_fetched(cdn, url, loopback):
    with pytest.raises(PhotoError, match=NOT_DOWNLOADED):
        await download_photo(url.replace("{cdn}", cdn.url("")[:-1]), allow_loopback=loopback)
    assert cdn.requests == []


async def test_a_missing_file_is_a_failed_download(cdn):
    with pytest.raises(PhotoError, match=NOT_DOWNLOADED):
        await download_photo(cdn.url("gone.jpg"), allow_loopback=True)


async def test_too_large_by_content_length_is_refused_before_reading(cdn):
    with pytest.raises(PhotoError, match=TOO_BIG):
        await download_photo(cdn.url("big.jpg"), max_bytes=1000, allow_loopback=True)


async def test_too_large_while_streaming_is_refused(cdn):
    with pytest.raises(PhotoError, match=TOO_BIG):
        await download_photo(cdn.url("stream/300000"), max_bytes=100_000, allow_loopback=True)
    data, _ = await download_photo(cdn.url("stream/3000"), max_bytes=100_000, allow_loopback=True)
    assert len(data) == 3000  # under the cap it streams whole


async def test_a_text_file_declared_as_an_image_is_refused_with_the_reason(
    database_url, cdn, caplog
):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PhotoError, match="không phải ảnh JPEG, PNG hoặc WebP"):
        await photo_payload(cdn.url("note.jpg?token=sig-123"), "zalo-1", allow_loopback=True)
    with session_scope() as session:
        assert session.scalars(select(PetitionPhoto)).all() == []
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("assistant"))
    for leak in ("079203001234", "sig-123", "note.jpg", "zalo-1"):
        assert leak not in ours


async def test_a_database_failure_is_a_polite_refusal(database_url, cdn, monkeypatch):
    def broken(*_):
        raise RuntimeError("database is down")

    monkeypatch.setattr(attachments.photos, "store_photo", broken)
    with pytest.raises(PhotoError, match="chưa lưu được ảnh"):
        await photo_payload(cdn.url("photo.jpg"), "zalo-1", allow_loopback=True)


@pytest.mark.parametrize(
    "latitude, longitude, expected",
    [
        ("10.03", "105.78", '/send_location{"latitude":"10.03","longitude":"105.78"}'),
        ("10.7923119", "106.7820651", '{"latitude":"10.7923119","longitude":"106.7820651"}'),
        (10.0312, 105.7801, '{"latitude":"10.0312","longitude":"105.7801"}'),
        (-90, 180, '{"latitude":"-90","longitude":"180"}'),
        (0, 0, '{"latitude":"0","longitude":"0"}'),
        (" 21.0285 ", "105.8542", '{"latitude":"21.0285","longitude":"105.8542"}'),
        ("90.5", "105", None),
        ("10", "-180.01", None),
        ("nan", "105", None),
        ("10", "inf", None),
        (True, 105, None),
        (None, "105", None),
        ("mười", "105", None),
        ([10], "105", None),
    ],
)
def test_location_payload(latitude, longitude, expected):
    result = location_payload(latitude, longitude)
    if expected is None:
        assert result is None
    else:
        assert result.startswith("/send_location{") and result.endswith(expected)


def test_read_attachments_of_both_platforms():
    zalo = [
        {"type": "image", "payload": {"url": "https://dl.zalo.me/a.jpg", "thumbnail": "t"}},
        {"type": "location", "payload": {"coordinates": {"latitude": "10", "longitude": "105"}}},
    ]
    assert read_attachments(zalo) == (
        Attachment("image", "https://dl.zalo.me/a.jpg"),
        Attachment("location", None, "10", "105"),
    )
    messenger = [
        {"type": "image", "payload": {"url": "https://scontent.x/a.jpg"}},
        {"type": "image", "payload": {"url": "https://scontent.x/s.png", "sticker_id": 369239263}},
        {"type": "location", "payload": {"coordinates": {"lat": 10.03, "long": 105.78}}},
        {"type": "audio", "payload": {"url": "https://cdn.x/a.mp4"}},
        {"type": "fallback"},
        {"payload": {"url": "https://x"}},
        "image",
    ]
    kinds = [(a.kind, a.latitude) for a in read_attachments(messenger)]
    assert kinds == [
        ("image", None),
        ("sticker", None),
        ("location", 10.03),
        ("audio", None),
        ("fallback", None),
    ]
    assert read_attachments(None) == () and read_attachments({"type": "image"}) == ()


async def collect(items: List[Attachment], cdn: FakeCDN) -> tuple:
    said: List[str] = []
    events: List[tuple] = []

    async def refuse(reason: str) -> None:
        said.append(reason)
        events.append(("refused", reason))

    async for text, note in attachments.payloads(items, "fb-1", refuse, allow_loopback=True):
        events.append(("turn", text, note))
    return events, said


async def test_payloads_keep_the_order_and_tell_each_refusal_in_its_place(database_url, cdn):
    items = [
        Attachment("image", cdn.url("photo.jpg")),
        Attachment("image", cdn.url("note.jpg")),
        Attachment("location", None, "10.03", "105.78"),
        Attachment("location", None, "100", "105.78"),
        Attachment("sticker", cdn.url("photo.jpg")),
        Attachment("image", cdn.url("photo.jpg")),
    ]
    events, _ = await collect(items, cdn)
    assert [e[0] for e in events] == ["turn", "refused", "turn", "refused", "turn"]
    assert PHOTO_RE.fullmatch(events[0][1]) and events[0][2] == PHOTO_NOTE
    assert "không phải ảnh" in events[1][1]
    assert events[2][1] == '/send_location{"latitude":"10.03","longitude":"105.78"}'
    assert events[2][2] == LOCATION_NOTE and events[3][1] == BAD_LOCATION
    assert PHOTO_RE.fullmatch(events[4][1]) and events[4][1] != events[0][1]
    assert cdn.requests == ["photo.jpg", "note.jpg", "photo.jpg"]  # not the sticker


async def test_only_the_first_three_photos_are_taken(database_url, cdn):
    events, said = await collect([Attachment("image", cdn.url("photo.jpg"))] * 5, cdn)
    assert [e[0] for e in events] == ["turn", "turn", "turn", "refused"]
    assert said == [TOO_MANY] and cdn.requests == ["photo.jpg"] * 3


async def test_nothing_usable_is_said_once(cdn):
    events, said = await collect([Attachment("sticker", "https://x"), Attachment("file")], cdn)
    assert events == [("refused", NOTHING_READABLE)]
    events, said = await collect([Attachment("image", None)], cdn)  # an image without a URL
    assert events == [("refused", NOT_DOWNLOADED)]
