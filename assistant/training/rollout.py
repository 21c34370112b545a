"""Every Rasa replica serves the live model: the portal checks, and switches the ones behind.

A switch (a retraining the gate accepted, a rollback) puts the model into each replica in
turn (assistant/training/rasa_api.py). A replica that was down then loads the live model when
it starts again (assistant/cluster/replica.py); one that was up but refused or timed out
would keep the old model until its next restart. With RASA_REPLICA_URLS set, the portal asks
each replica every MODEL_SYNC_SECONDS which model it serves and switches one that serves
another.

A switch that has just begun is left alone for LOAD_TIMEOUT seconds: its PUTs are still on
their way, and a second PUT to the same replica would load the model twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path
from typing import Dict

from assistant.audit import utcnow
from assistant.settings import get_settings
from assistant.training.rasa_api import LOAD_TIMEOUT, load_into, replicas, status

logger = logging.getLogger(__name__)

SETTLING = timedelta(seconds=LOAD_TIMEOUT)


def live_model(settled_only: bool = True) -> Path | None:
    """The registry's live model file, None when there is none, its file is gone, or (with
    ``settled_only``) it became live less than SETTLING ago."""
    from assistant.db.session import session_scope
    from assistant.training.registry import ModelRegistry

    with session_scope() as session:
        live = ModelRegistry(session).live()
        if live is None or not Path(live.path).exists():
            return None
        if settled_only and live.activated_at and utcnow() - live.activated_at < SETTLING:
            return None
        return Path(live.path)


def sync_replicas(model: Path | None = None, timeout: float = LOAD_TIMEOUT) -> Dict[str, str]:
    """{replica: "ok" | "switched" | "failed" | "unreachable"} after switching every
    reachable replica that serves another model than ``model`` (the settled live one)."""
    model = model or live_model()
    if model is None:
        return {}
    outcome = {}
    for base in replicas():
        state = status(base=base)
        if state is None:  # down (it loads the live model when it starts) or busy loading
            outcome[base] = "unreachable"
        elif Path(str(state.get("model_file") or "")).name == model.name:
            outcome[base] = "ok"
        else:
            outcome[base] = "switched" if load_into(base, model, timeout) else "failed"
    return outcome


async def sync_periodically(interval: float | None = None) -> None:
    """Forever, when several replicas are configured: sync them, sleep. Failures are logged
    and retried at the next tick."""
    settings = get_settings()
    interval = interval or settings.model_sync_seconds
    if not settings.rasa_replica_urls or interval <= 0:
        return
    while True:
        await asyncio.sleep(interval)
        try:
            outcome = await asyncio.to_thread(sync_replicas)
        except Exception as error:  # noqa: BLE001 - housekeeping must never stop the server
            logger.warning("Model sync failed: %s", type(error).__name__)
            continue
        for base, what in outcome.items():
            if what == "switched":
                logger.info("Rasa at %s served an old model: switched to the live one", base)
            elif what == "failed":
                logger.warning("Rasa at %s serves an old model and refused the live one", base)
