"""Petition updates pushed to Zalo and Messenger while the platforms still allow it.

Every ``EVERY`` seconds the portal asks the petition service for updates whose citizen wrote
from Zalo or Messenger recently enough (the platforms' windows, see
``assistant.petitions.notifications``) and hands each to Rasa as a bot message on that
channel (the tracker records it; Rasa sends it through the channel's outbox). Updates for the
widget, or past a window, wait for the citizen's next visit (``action_session_start``).
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from assistant.handoff.rasa_api import RasaConversations, RasaUnavailable
from assistant.petitions.service import PetitionService
from assistant.settings import get_settings

logger = logging.getLogger(__name__)

EVERY = 15.0


async def send_due(rasa: RasaConversations, service: PetitionService) -> int:
    """Push what is due; returns how many went out. A failed one stays pending."""
    sent = 0
    for notice in await asyncio.to_thread(service.due_notifications):
        try:
            await rasa.append_bot_message(
                notice["conversation_id"],
                notice["channel"],
                f"Thông báo: {notice['text']}",
                {"petition_notice": notice["id"]},
            )
        except RasaUnavailable as error:
            logger.warning("Petition update not pushed (%s); kept for later", error)
            break
        await asyncio.to_thread(service.mark_notification, notice["id"], "sent")
        sent += 1
    return sent


def add_petition_notices(app: web.Application) -> None:
    async def loop(app: web.Application):
        rasa = RasaConversations(app["http"], app["rasa_url"], get_settings().rasa_api_token)

        async def run() -> None:
            service = PetitionService()
            while True:
                await asyncio.sleep(EVERY)
                if not rasa.usable:
                    continue
                try:
                    await send_due(rasa, service)
                except Exception as error:  # noqa: BLE001 - the next round tries again
                    logger.error("Petition updates round failed: %s", type(error).__name__)

        task = asyncio.create_task(run())
        yield
        task.cancel()

    app.cleanup_ctx.append(loop)
