"""A stand-in for Zalo's and Facebook's media CDNs on 127.0.0.1: serves the photos citizens
"send", so the channels download real files without a live call.

``files`` maps a path to (body, Content-Type); ``redirects`` maps a path to a Location;
``/stream/<bytes>`` streams that many bytes of a JPEG-looking body without a Content-Length.
Every path asked for is recorded in ``requests``.
"""

from __future__ import annotations

import io
from typing import Dict, List, Tuple

from aiohttp import web
from aiohttp.test_utils import TestServer
from PIL import Image

GPS_IFD = 0x8825


def jpeg_with_gps(size=(320, 240), color=(200, 30, 30)) -> bytes:
    """A real JPEG whose EXIF holds a camera make and a GPS position (in Cần Thơ)."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (10.0, 2.0, 3.5)
    gps[3], gps[4] = "E", (105.0, 47.0, 1.0)
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


class FakeCDN:
    def __init__(self) -> None:
        self.files: Dict[str, Tuple[bytes, str]] = {}
        self.redirects: Dict[str, str] = {}
        self.requests: List[str] = []
        app = web.Application()
        app.router.add_get("/stream/{size:\\d+}", self._stream)
        app.router.add_get("/{path:.*}", self._get)
        self._server = TestServer(app, host="127.0.0.1")

    def url(self, path: str) -> str:
        return str(self._server.make_url(f"/{path.lstrip('/')}"))

    async def start(self) -> FakeCDN:
        await self._server.start_server()
        return self

    async def stop(self) -> None:
        await self._server.close()

    async def _get(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        self.requests.append(path)
        if path in self.redirects:
            raise web.HTTPFound(self.redirects[path])
        if path not in self.files:
            raise web.HTTPNotFound()
        body, content_type = self.files[path]
        return web.Response(body=body, headers={"Content-Type": content_type})

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(request.path.lstrip("/"))
        reply = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        reply.enable_chunked_encoding()  # no Content-Length: only the bytes tell the size
        await reply.prepare(request)
        left = int(request.match_info["size"])
        chunk = b"\xff\xd8\xff" + b"\0" * (64 * 1024 - 3)
        try:
            while left > 0:
                await reply.write(chunk[:left])
                left -= len(chunk)
            await reply.write_eof()
        except (ConnectionError, RuntimeError):
            pass  # the client stopped reading: that is the point
        return reply
