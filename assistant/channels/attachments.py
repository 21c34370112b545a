"""Photos and locations citizens share on Zalo or Messenger, turned into Rasa payloads.

The petition form (``actions/petitions.py``) takes up to three photos and a location, which
reach Rasa as payload messages that bypass NLU: ``/send_photo{"photo_token":"…"}`` and
``/send_location{"latitude":"…","longitude":"…"}``. Both channels need the same steps, so they
share this module: read the platform's attachments (Zalo and Messenger both send
``message.attachments[] = {"type", "payload"}``), download a photo from the platform's CDN with
a size cap, store it through :func:`assistant.petitions.photos.store_photo` (re-encoded, no
metadata) and build the payload text. A refused photo or location raises :class:`PhotoError`
with a Vietnamese reason the channel sends the citizen; nothing then reaches Rasa.

Photo URLs come from signed webhooks only. They must be ``https`` (``allow_loopback`` lets
the tests' fake CDN on ``http://127.0.0.1`` through); redirects are followed by hand so that
each hop is checked the same way. URLs are never logged: Messenger's carry signed tokens.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from dataclasses import dataclass
from typing import Any, AsyncIterator, Awaitable, Callable, Mapping, Sequence, Tuple
from urllib.parse import urljoin, urlsplit

import aiohttp

from assistant.petitions import photos
from assistant.petitions.photos import PhotoError
from assistant.sender_hash import sender_ref

logger = logging.getLogger(__name__)

PHOTO, LOCATION = "image", "location"  # the attachment types both platforms use
MAX_REDIRECTS = 3
MAX_URL_CHARS = 4096
CHUNK = 64 * 1024

NOT_DOWNLOADED = "Không tải được ảnh Anh/Chị gửi. Anh/Chị vui lòng gửi lại ảnh sau ít phút."
TOO_BIG = "Ảnh Anh/Chị gửi lớn hơn 5 MB. Anh/Chị vui lòng gửi ảnh nhỏ hơn."
NOT_STORED = "Tôi chưa lưu được ảnh Anh/Chị gửi. Anh/Chị vui lòng gửi lại ảnh sau ít phút."
BAD_LOCATION = (
    "Vị trí Anh/Chị gửi không hợp lệ. Anh/Chị vui lòng gửi lại vị trí, hoặc gõ địa chỉ "
    "(số nhà, đường, khu vực) bằng chữ."
)
NOTHING_READABLE = "Tôi không đọc được ảnh hoặc vị trí Anh/Chị gửi. Anh/Chị vui lòng gửi lại."
TOO_MANY = (
    "Mỗi phản ánh chỉ kèm được tối đa 3 ảnh, nên tôi chỉ nhận 3 ảnh đầu tiên Anh/Chị vừa gửi."
)
# What staff see in a live conversation instead of the payload (the desk shows text only).
PHOTO_NOTE = "(Người dân gửi một ảnh)"
LOCATION_NOTE = "(Người dân gửi một vị trí)"


@dataclass(frozen=True)
class Attachment:
    kind: str  # "image", "location", or the platform's other types ("sticker", "file", …)
    url: str | None = None
    latitude: str | float | None = None
    longitude: str | float | None = None


def _coordinate(value: Any) -> str | float | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return value


def read_attachments(value: Any) -> Tuple[Attachment, ...]:
    """The attachments of a Zalo or Messenger message, in order; malformed ones are skipped.

    A Messenger sticker arrives as an ``image`` with a ``sticker_id``: it is a ``sticker``
    here, not a photo. Coordinates are ``latitude``/``longitude`` (Zalo, as strings) or
    ``lat``/``long`` (Messenger, as numbers)."""
    found = []
    for item in value if isinstance(value, list) else []:
        kind = item.get("type") if isinstance(item, Mapping) else None
        if not isinstance(kind, str) or not kind:
            continue
        payload = item.get("payload")
        payload = payload if isinstance(payload, Mapping) else {}
        if payload.get("sticker_id") is not None:
            kind = "sticker"
        url = payload.get("url")
        coordinates = payload.get("coordinates")
        coordinates = coordinates if isinstance(coordinates, Mapping) else {}
        found.append(
            Attachment(
                kind.lower(),
                url if isinstance(url, str) and url else None,
                _coordinate(coordinates.get("latitude", coordinates.get("lat"))),
                _coordinate(coordinates.get("longitude", coordinates.get("long"))),
            )
        )
    return tuple(found)


def _payload(intent: str, **entities: str) -> str:
    # Built like actions/feedback.py's payloads: Rasa parses "/intent{json}" without NLU.
    return f"/{intent}" + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))


def _degrees(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _text(number: float) -> str:
    text = f"{number:.7f}".rstrip("0").rstrip(".")  # 7 decimals: about a centimetre
    return "0" if text in ("-0", "") else text


def location_payload(latitude: Any, longitude: Any) -> str | None:
    """``/send_location{…}`` with the coordinates as strings, or None when they are not a
    place on Earth (missing, not numbers, out of range)."""
    lat, lon = _degrees(latitude), _degrees(longitude)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return _payload("send_location", latitude=_text(lat), longitude=_text(lon))


def _fetchable(url: str, allow_loopback: bool) -> bool:
    if len(url) > MAX_URL_CHARS:
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if parts.scheme == "https" and host:
        return True
    return allow_loopback and parts.scheme == "http" and host == "127.0.0.1"


async def download_photo(
    url: str,
    max_bytes: int = photos.MAX_BYTES,
    timeout: float = 15,
    *,
    allow_loopback: bool = False,
) -> tuple[bytes, str]:
    """The bytes and declared Content-Type of the photo at ``url``; PhotoError when the URL is
    not allowed, the download fails, or the file is larger than ``max_bytes`` (by its
    Content-Length, or while it streams: the rest is never read)."""
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http:
            for _ in range(MAX_REDIRECTS + 1):
                if not isinstance(url, str) or not _fetchable(url, allow_loopback):
                    logger.warning("Photo not downloaded: the URL is not https")
                    raise PhotoError(NOT_DOWNLOADED)
                async with http.get(url, allow_redirects=False) as reply:
                    if reply.status in (301, 302, 303, 307, 308) and reply.headers.get("Location"):
                        url = urljoin(url, reply.headers["Location"])
                        continue
                    if reply.status != 200:
                        logger.warning("Photo not downloaded: HTTP %d", reply.status)
                        raise PhotoError(NOT_DOWNLOADED)
                    if (reply.content_length or 0) > max_bytes:
                        logger.info("Photo refused: %d bytes announced", reply.content_length)
                        raise PhotoError(TOO_BIG)
                    data = bytearray()
                    async for chunk in reply.content.iter_chunked(CHUNK):
                        data += chunk
                        if len(data) > max_bytes:
                            logger.info("Photo refused: over %d bytes while streaming", max_bytes)
                            raise PhotoError(TOO_BIG)
                    return bytes(data), reply.headers.get("Content-Type", "")[:100]
    except PhotoError:  # a ValueError too: not caught below
        raise
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        # str(error) may hold the URL, and with it a token.
        logger.warning("Photo not downloaded: %s", type(error).__name__)
        raise PhotoError(NOT_DOWNLOADED) from None
    logger.warning("Photo not downloaded: more than %d redirects", MAX_REDIRECTS)
    raise PhotoError(NOT_DOWNLOADED)


async def photo_payload(url: str, sender_id: str, *, allow_loopback: bool = False) -> str:
    """``/send_photo{"photo_token":"…"}`` once the photo is downloaded and stored; PhotoError
    with the reason to show the citizen otherwise."""
    data, declared = await download_photo(url, allow_loopback=allow_loopback)
    try:
        token = await asyncio.to_thread(photos.store_photo, data, declared, sender_id)
    except PhotoError:
        raise
    except Exception as error:  # noqa: BLE001 - the database is down: the citizen is told
        logger.error("Photo not stored: %s", type(error).__name__)
        raise PhotoError(NOT_STORED) from None
    return _payload("send_photo", photo_token=token)


async def payloads(
    items: Sequence[Attachment],
    sender_id: str,
    refuse: Callable[[str], Awaitable[Any]],
    *,
    allow_loopback: bool = False,
) -> AsyncIterator[Tuple[str, str]]:
    """For each photo (the first three) and location in ``items``, in order: the text to send
    Rasa and the note a live conversation's staff see instead. Whatever is refused is told to
    the citizen through ``refuse`` in its place, so replies keep the order things were sent."""
    usable = [item for item in items if item.kind in (PHOTO, LOCATION)]
    if not usable:
        await refuse(NOTHING_READABLE)
        return
    photos_seen = 0
    for item in usable:
        if item.kind == LOCATION:
            text = location_payload(item.latitude, item.longitude)
            if text is None:
                logger.info("Location from %s refused", sender_ref(sender_id))
                await refuse(BAD_LOCATION)
            else:
                yield text, LOCATION_NOTE
            continue
        photos_seen += 1
        if photos_seen > photos.MAX_PHOTOS:
            if photos_seen == photos.MAX_PHOTOS + 1:
                await refuse(TOO_MANY)
            continue
        try:
            if item.url is None:
                raise PhotoError(NOT_DOWNLOADED)
            text = await photo_payload(item.url, sender_id, allow_loopback=allow_loopback)
        except PhotoError as error:
            logger.info("Photo from %s refused", sender_ref(sender_id))
            await refuse(str(error))
            continue
        yield text, PHOTO_NOTE
