"""``GET /metrics`` on the portal: the database gauges in Prometheus' text format.

The figures (queue lengths, backlogs, the live model) are not for citizens: a caller must be
on this host (loopback peer, and no proxy header, since a reverse proxy on the same host
would make every visitor look local) or, when ``METRICS_TOKEN`` is set, send
``Authorization: Bearer <token>``. Anything else gets a 403.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    ProcessCollector,
    generate_latest,
)

from assistant.metrics.database import DatabaseCollector
from assistant.settings import get_settings

PROXY_HEADERS = ("X-Forwarded-For", "X-Real-IP", "Forwarded")
REGISTRY_KEY = web.AppKey("metrics_registry", CollectorRegistry)


def is_loopback(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").split("%")[0])
    except ValueError:
        return False
    # A dual-stack socket shows IPv4 peers as ::ffff:a.b.c.d, not loopback to Python 3.10.
    mapped = getattr(ip, "ipv4_mapped", None)
    return (mapped or ip).is_loopback


def allowed(peer: str | None, forwarded: bool, authorization: str, token: str) -> bool:
    """Whether a scrape may read the metrics: a local caller, or the right bearer token."""
    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    return is_loopback(peer) and not forwarded


async def metrics(request: web.Request) -> web.Response:
    forwarded = any(name in request.headers for name in PROXY_HEADERS)
    authorization = request.headers.get("Authorization", "")
    if not allowed(request.remote, forwarded, authorization, get_settings().metrics_token):
        return web.Response(status=403, text="forbidden\n")
    # collect() waits for the database (at most its timeout): not on the event loop.
    body = await asyncio.to_thread(generate_latest, request.app[REGISTRY_KEY])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4})


def add_metrics(app: web.Application, database_url: str | None = None) -> None:
    """Serve ``/metrics``: the database gauges and the portal process's own figures."""
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(database_url))
    ProcessCollector(registry=registry)
    app[REGISTRY_KEY] = registry
    app.router.add_get("/metrics", metrics)
