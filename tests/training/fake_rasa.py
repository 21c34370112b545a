"""A stand-in for Rasa on 127.0.0.1: its ``GET /status`` and our model switch."""

from __future__ import annotations

from aiohttp import web

TOKEN = "s3cret-token"


class FakeRasa:
    """``GET /status`` as rasa/server.py answers it with --auth-token, and the model switch
    of assistant/channels/model_switch.py."""

    def __init__(self) -> None:
        self.loaded: list = []
        self.model_file = "models/model-0.tar.gz"
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> FakeRasa:
        app = web.Application()
        app.router.add_put("/webhooks/model_switch/model", self._load)
        app.router.add_get("/status", self._status)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def stop(self) -> None:
        await self._runner.cleanup()

    def _authorised(self, request: web.Request) -> bool:
        return request.query.get("token") == TOKEN

    async def _load(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"status": "failure", "code": 401}, status=401)
        body = await request.json()
        self.loaded.append(body)
        self.model_file = body["model_file"]
        return web.Response(status=204)

    async def _status(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"status": "failure", "code": 401}, status=401)
        return web.json_response(
            {"model_file": self.model_file, "model_id": "abc", "num_active_training_jobs": 0}
        )
