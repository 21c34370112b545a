"""Zalo and Messenger for the end-to-end tests: fakes of the platforms served from a thread of
the test process, the channels' settings pointing at them, and webhook events sent to Rasa
signed as the platforms sign them."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List

import requests

from assistant.channels.zalo import expected_signature
from tests.channels.fake_graph import FakeGraph
from tests.channels.fake_zalo import APP_SECRET, FakeZalo


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


async def _start(makers) -> List[Any]:
    return [await make().start() for make in makers]


async def _stop(fakes) -> None:
    for fake in fakes:
        await fake.stop()


@contextlib.contextmanager
def serving(*makers: Callable[[], Any]) -> Iterator[List[Any]]:
    """The fakes that ``makers`` build (FakeZalo, FakeGraph, FakeCDN…), started on a
    ``Background`` loop, in the same order; stopped on the way out."""
    background = Background()
    fakes = background.run(_start(makers))
    try:
        yield fakes
    finally:
        background.run(_stop(fakes))
        background.stop()


@dataclass(frozen=True)
class Accounts:
    """The Zalo OA and the Facebook page that the channels are set up with."""

    zalo_app_id: str = "4381902311"
    zalo_oa_id: str = "579745863508352884"
    zalo_oa_secret: str = "oa-secret-key-for-e2e"
    fb_verify: str = "verify-e2e"
    fb_secret: str = "app-secret-e2e"
    fb_token: str = "EAAG-page-token-e2e"

    def env(self, zalo: FakeZalo, graph: FakeGraph) -> Dict[str, str]:
        """The servers' settings for both channels, with the platforms' APIs at the fakes."""
        return {
            "ZALO_APP_ID": self.zalo_app_id,
            "ZALO_OA_SECRET_KEY": self.zalo_oa_secret,
            "ZALO_APP_SECRET": APP_SECRET,
            "ZALO_ACCESS_TOKEN": "access-0",  # the tokens a new FakeZalo accepts
            "ZALO_REFRESH_TOKEN": "refresh-0",
            "ZALO_API_BASE": zalo.url,
            "ZALO_OAUTH_BASE": zalo.url,
            "FACEBOOK_VERIFY_TOKEN": self.fb_verify,
            "FACEBOOK_APP_SECRET": self.fb_secret,
            "FACEBOOK_PAGE_ACCESS_TOKEN": self.fb_token,
            "FACEBOOK_GRAPH_BASE": graph.base_url,
        }


def _post(url: str, body: bytes, signature: Dict[str, str]) -> None:
    headers = {"Content-Type": "application/json", **signature}
    answer = requests.post(url, data=body, headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text


def zalo_event(
    rasa: str, accounts: Accounts, user: str, event_name: str, message: Dict[str, Any]
) -> None:
    """A signed Zalo OA event from ``user`` to Rasa's Zalo webhook; ``message`` gets a msg_id."""
    timestamp = str(int(time.time() * 1000))
    payload = {
        "app_id": accounts.zalo_app_id,
        "event_name": event_name,
        "timestamp": timestamp,
        "sender": {"id": user},
        "recipient": {"id": accounts.zalo_oa_id},
        "message": {"msg_id": "msg-" + secrets.token_hex(8), **message},
    }
    body = json.dumps(payload, ensure_ascii=False).encode()
    mac = expected_signature(accounts.zalo_app_id, body, timestamp, accounts.zalo_oa_secret)
    _post(f"{rasa}/webhooks/zalo/webhook", body, {"X-ZEvent-Signature": f"mac={mac}"})


def messenger_event(rasa: str, accounts: Accounts, psid: str, **what: Any) -> None:
    """A signed Messenger event from ``psid`` (``message=…`` or ``postback=…``) to Rasa's
    Facebook webhook; ``message`` gets a mid."""
    if "message" in what:
        what["message"] = {"mid": "mid." + secrets.token_hex(8), **what["message"]}
    event = {"sender": {"id": psid}, "recipient": {"id": "PAGE"}, "timestamp": 1, **what}
    body = json.dumps(
        {"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": [event]}]}
    ).encode()
    mac = hmac.new(accounts.fb_secret.encode(), body, hashlib.sha256).hexdigest()
    _post(f"{rasa}/webhooks/facebook/webhook", body, {"X-Hub-Signature-256": f"sha256={mac}"})


def zalo_got(zalo: FakeZalo, user: str) -> List[Dict[str, Any]]:
    """The messages the fake Zalo accepted for ``user``, in order."""
    return [m["message"] for m in list(zalo.delivered) if m["user_id"] == user]


def graph_got(graph: FakeGraph, psid: str) -> List[Dict[str, Any]]:
    """The Send API bodies the fake Graph accepted for ``psid``, in order."""
    return [
        r.json
        for r in list(graph.requests)
        if r.status == 200 and r.json["recipient"]["id"] == psid
    ]
