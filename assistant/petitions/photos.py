"""Photos citizens send with a petition: checked, re-encoded without metadata, stored.

What the channel says a file is (``declared_type``) is not trusted: the first bytes decide,
and only JPEG, PNG and WebP are opened. Every photo is decoded and drawn again onto a fresh
image, turned the way its EXIF orientation says, shrunk to at most 1600 px on its longer side
and saved as JPEG. Nothing of the original file survives: no EXIF (so no GPS position, no
camera serial), no XMP, ICC profile or comment. The photo waits under a random token until
the petition is submitted (``PetitionService.submit`` attaches at most three, from the same
sender).
"""

from __future__ import annotations

import io
import logging
import secrets
import warnings
from datetime import timedelta

from PIL import Image, ImageOps, UnidentifiedImageError

from assistant.audit import utcnow
from assistant.db.session import session_scope
from assistant.petitions.repository import PetitionRepository
from assistant.sender_hash import sender_hash, sender_ref

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024  # what a citizen may send
MAX_SIDE = 1600  # px, the longer side after re-encoding
MAX_PIXELS = 50_000_000  # refuse to decode more (a "decompression bomb")
MAX_PHOTOS = 3  # per petition, enforced at submission
MAX_PENDING = 10  # photos one sender may leave unattached within a day
JPEG_QUALITY = 85
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class PhotoError(ValueError):
    """A photo refused; the message is Vietnamese and shown to the citizen as is."""


def sniff(data: bytes) -> str | None:
    """The Pillow format name from the file's first bytes, for the three accepted formats."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def reencode(data: bytes) -> tuple[bytes, int, int]:
    """(JPEG bytes, width, height) of a clean copy of the photo; PhotoError if unusable."""
    if len(data) > MAX_BYTES:
        raise PhotoError("Ảnh Anh/Chị gửi lớn hơn 5 MB. Anh/Chị vui lòng gửi ảnh nhỏ hơn.")
    kind = sniff(data)
    if kind is None:
        raise PhotoError(
            "Tệp Anh/Chị gửi không phải ảnh JPEG, PNG hoặc WebP. Anh/Chị vui lòng gửi ảnh chụp."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise PhotoError(
                        "Ảnh Anh/Chị gửi có kích thước quá lớn. Anh/Chị vui lòng gửi ảnh khác."
                    )
                if kind == "JPEG":
                    image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at a smaller scale
                image.seek(0)  # the first frame of an animated PNG or WebP
                image.load()
                upright = ImageOps.exif_transpose(image)
                rgb = _flatten(upright)
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as error:
        logger.info("Petition photo unreadable: %s", type(error).__name__)
        raise PhotoError(
            "Không đọc được ảnh Anh/Chị gửi (tệp có thể bị lỗi). Anh/Chị vui lòng gửi lại ảnh."
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(
            "Ảnh Anh/Chị gửi có kích thước quá lớn. Anh/Chị vui lòng gửi ảnh khác."
        ) from None
    rgb.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # A fresh image carries no ``info`` (Pillow's JPEG writer falls back to the source's
    # comment, and writes EXIF/XMP/ICC when asked): only the pixels are copied.
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), clean.width, clean.height


def _flatten(image: Image.Image) -> Image.Image:
    """RGB pixels; transparent parts of a PNG or WebP become white, not black."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def store_photo(data: bytes, declared_type: str, sender_id: str, url: str | None = None) -> str:
    """Check and store one photo for a petition being written; returns its token.

    ``declared_type`` (the channel's MIME type) is only logged when it disagrees with the
    content. Raises :class:`PhotoError` with a reason to show the citizen.
    """
    if not isinstance(data, (bytes, bytearray)) or not data:
        raise PhotoError("Không nhận được ảnh. Anh/Chị vui lòng gửi lại ảnh.")
    data = bytes(data)
    kind = sniff(data)
    if kind and declared_type and FORMATS[kind] != declared_type.split(";")[0].strip().lower():
        logger.info("Petition photo declared %s, content is %s", declared_type[:40], kind)
    jpeg, width, height = reencode(data)
    now = utcnow()
    owner = sender_hash(sender_id)
    token = secrets.token_urlsafe(18)  # 24 characters
    with session_scope(url) as session:
        repo = PetitionRepository(session)
        if repo.pending_photos_since(owner, now - timedelta(days=1)) >= MAX_PENDING:
            raise PhotoError(
                "Anh/Chị đã gửi nhiều ảnh chưa kèm phản ánh nào. Anh/Chị vui lòng gửi phản ánh "
                "trước khi gửi thêm ảnh."
            )
        repo.add_photo(
            token=token,
            content_type="image/jpeg",
            data=jpeg,
            width=width,
            height=height,
            size=len(jpeg),
            sender_hash=owner,
            created_at=now,
        )
    logger.info(
        "Petition photo %s stored for %s (%d bytes)", token[:6], sender_ref(sender_id), len(jpeg)
    )
    return token
