"""Photos: sniffed, re-encoded as clean JPEG (no EXIF, no GPS), limited, stored by token."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from assistant.db.models import PetitionPhoto
from assistant.db.session import session_scope
from assistant.petitions.photos import (
    MAX_BYTES,
    MAX_PENDING,
    MAX_SIDE,
    PhotoError,
    reencode,
    sniff,
    store_photo,
)
from assistant.sender_hash import sender_hash

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def picture(fmt: str = "JPEG", size=(320, 240), mode: str = "RGB", **save) -> bytes:
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None)
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def with_gps(size=(320, 240), orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "CameraApp 1.0"  # Software
    if orientation:
        exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (10.0, 2.0, 3.5)  # latitude of Cần Thơ
    gps[3], gps[4] = "E", (105.0, 47.0, 1.0)
    return picture(size=size, exif=exif.tobytes(), comment=b"nha so 12 Le Loi")


def stored(token: str) -> PetitionPhoto:
    with session_scope() as session:
        return session.scalar(select(PetitionPhoto).where(PetitionPhoto.token == token))


def test_gps_and_every_other_metadata_are_gone_after_reencoding(database_url):
    original = with_gps()
    source = Image.open(io.BytesIO(original))
    assert source.getexif().get_ifd(GPS_IFD)[1] == "N"  # the input does carry a position
    assert source.info.get("comment") == b"nha so 12 Le Loi"
    token = store_photo(original, "image/jpeg", "zalo-1")
    row = stored(token)
    clean = Image.open(io.BytesIO(row.data))
    assert clean.format == "JPEG" and row.content_type == "image/jpeg"
    assert dict(clean.getexif()) == {} and dict(clean.getexif().get_ifd(GPS_IFD)) == {}
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(clean.info)
    assert b"Exif" not in row.data and b"PhoneMaker" not in row.data
    assert b"Le Loi" not in row.data
    assert (row.width, row.height, row.size) == (320, 240, len(row.data))
    assert row.petition_id is None and row.sender_hash == sender_hash("zalo-1")


def test_the_exif_orientation_is_applied_before_it_is_dropped():
    jpeg, width, height = reencode(with_gps(size=(300, 100), orientation=6))  # rotate 90°
    assert (width, height) == (100, 300)
    assert Image.open(io.BytesIO(jpeg)).size == (100, 300)


def test_large_photos_are_shrunk_to_1600_px():
    jpeg, width, height = reencode(picture(size=(4000, 3000)))
    assert (width, height) == (MAX_SIDE, 1200)
    assert Image.open(io.BytesIO(jpeg)).size == (MAX_SIDE, 1200)


def test_png_and_webp_become_jpeg_with_transparency_on_white():
    transparent = Image.new("RGBA", (50, 40), (0, 0, 0, 0))
    out = io.BytesIO()
    transparent.save(out, format="PNG")
    jpeg, _, _ = reencode(out.getvalue())
    pixel = Image.open(io.BytesIO(jpeg)).convert("RGB").getpixel((25, 20))
    assert all(channel > 240 for channel in pixel)  # white, not black
    webp, width, height = reencode(picture("WEBP", size=(64, 48)))
    assert Image.open(io.BytesIO(webp)).format == "JPEG" and (width, height) == (64, 48)


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"\xff\xd8\xff\xe0rest", "JPEG"),
        (b"\x89PNG\r\n\x1a\nrest", "PNG"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WEBP"),
        (b"GIF89a....", None),
        (b"%PDF-1.7", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
        (b"", None),
    ],
)
def test_sniff(data, kind):
    assert sniff(data) == kind


def test_the_content_decides_not_the_declared_type(database_url):
    token = store_photo(picture("PNG"), "image/jpeg", "zalo-1")  # declared wrongly
    assert Image.open(io.BytesIO(stored(token).data)).format == "JPEG"
    with pytest.raises(PhotoError, match="không phải ảnh JPEG, PNG hoặc WebP"):
        store_photo(b"<html>not an image</html>", "image/png", "zalo-1")


@pytest.mark.parametrize(
    "data, reason",
    [
        (picture("GIF", mode="L"), "không phải ảnh JPEG, PNG hoặc WebP"),
        (picture("BMP"), "không phải ảnh JPEG, PNG hoặc WebP"),
        (b"\xff\xd8\xff" + b"\x00" * (MAX_BYTES - 2), "lớn hơn 5 MB"),
        (picture()[:40], "Không đọc được ảnh"),  # a cut-off upload
        (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "Không đọc được ảnh"),
        (picture("PNG", size=(10_000, 6_000), mode="1"), "kích thước quá lớn"),  # 60 MP
    ],
)
def test_refused_photos_say_why_in_vietnamese(data, reason):
    with pytest.raises(PhotoError) as error:
        reencode(data)
    assert reason in str(error.value) and "Anh/Chị" in str(error.value)


def test_nothing_is_stored_for_a_refused_photo(database_url):
    with pytest.raises(PhotoError, match="Không nhận được ảnh"):
        store_photo(b"", "image/jpeg", "zalo-1")
    with pytest.raises(PhotoError):
        store_photo(b"GIF89a", "image/gif", "zalo-1")
    with session_scope() as session:
        assert session.scalars(select(PetitionPhoto)).all() == []


def test_one_sender_may_not_pile_up_unattached_photos(database_url):
    small = picture(size=(20, 20))
    tokens = {store_photo(small, "image/jpeg", "fb-7") for _ in range(MAX_PENDING)}
    assert len(tokens) == MAX_PENDING  # every token is new
    with pytest.raises(PhotoError, match="nhiều ảnh chưa kèm phản ánh"):
        store_photo(small, "image/jpeg", "fb-7")
    assert store_photo(small, "image/jpeg", "fb-8")  # another sender is not affected
