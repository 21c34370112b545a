"""Housekeeping that keeps the rate-limit tables small: rows older than the windows they
count in are forgotten. The portal server runs it hourly; `assistant db prune` runs it once."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Dict

from assistant.audit import utcnow
from assistant.settings import get_settings

logger = logging.getLogger(__name__)
PRUNE_EVERY_SECONDS = 3600


def prune(now: datetime | None = None) -> Dict[str, int]:
    """Delete verification and login attempts outside their windows (kept at least a day,
    for investigating abuse) and expired staff sessions; returns how many of each."""
    from assistant.db.session import session_scope
    from assistant.dossiers.attempts import AttemptRepository
    from assistant.petitions.service import PetitionService
    from assistant.staff.repository import StaffRepository

    settings = get_settings()
    now = now or utcnow()
    day = 86400
    with session_scope() as session:
        verification = AttemptRepository(session).prune_attempts(
            now - timedelta(seconds=max(settings.verification_window_seconds, day))
        )
        staff = StaffRepository(session)
        logins = staff.prune_login_attempts(max(settings.login_window_seconds, day))
        sessions = staff.prune_sessions(now)
    # Photos a citizen sent for a petition never submitted, after a day.
    photos = PetitionService().prune_photos()
    return {
        "verification_attempts": verification,
        "login_attempts": logins,
        "staff_sessions": sessions,
        "petition_photos": photos,
    }


async def prune_periodically(interval: float = PRUNE_EVERY_SECONDS) -> None:
    """Forever: prune, then sleep. A failure is logged (its type only) and retried later."""
    while True:
        try:
            counts = await asyncio.to_thread(prune)
            if any(counts.values()):
                logger.info("Pruned %s", counts)
        except Exception as error:  # noqa: BLE001 - housekeeping must never stop the server
            logger.warning("Pruning failed: %s", type(error).__name__)
        await asyncio.sleep(interval)
