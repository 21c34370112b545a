"""The portal's side of the live desk: one task that moves messages between the database,
the browsers and Rasa.

Every ``INTERVAL`` seconds (at once when this process stored something) it
- pushes new desk messages to the browsers subscribed to them: the citizen's widget (staff and
  assistant messages of its conversation) and the staff pages (everything, without the
  citizen's channel id);
- hands undelivered staff messages to Rasa (``rasa_api``): the tracker records them, and Rasa
  sends them on Zalo and Messenger; a failure is retried, so a restart loses nothing (the
  widget, reconnecting, asks for what it has not seen);
- turns conversations nobody took in ``HANDOFF_WAIT_MINUTES`` into missed ones, and resumes
  Rasa's conversation for every ended one (the closing message and rating prompt, or the
  offer to leave a message), retried until Rasa takes it;
- tells the staff pages when the queue changed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import Any, Dict, List, Set

from assistant.handoff.delivery import DeskDelivery
from assistant.handoff.live import LiveDesk
from assistant.handoff.rasa_api import RasaConversations, RasaUnavailable
from assistant.handoff.relay import HUMAN_AGENT

logger = logging.getLogger(__name__)

INTERVAL = 0.25
EXPIRE_EVERY = 5.0
RETRY_AFTER = 5.0
MESSENGER_WINDOW_HOURS = 24.0
ACTIONS = {
    "closed": "action_handoff_closed",
    "cancelled": "action_handoff_closed",  # says nothing: the citizen was told at once
    "missed": "action_handoff_timeout",
}
QUEUE_SIZE = 500


def for_staff(message: Dict[str, Any]) -> Dict[str, Any]:
    """A message as the staff pages get it: masked text, no channel id, no as-typed copy."""
    return {k: v for k, v in message.items() if k not in ("conversation_id", "deliver")}


def for_citizen(message: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "id": message["id"],
        "who": "staff" if message["direction"] == "out" else "bot",
        "text": message.get("deliver") or message["text"],
        "buttons": message.get("buttons") or [],
        "state": message.get("status", ""),
        "end": message.get("last", False),
    }


class DeskPump:
    def __init__(
        self,
        rasa: RasaConversations,
        desk: LiveDesk | None = None,
        delivery: DeskDelivery | None = None,
    ) -> None:
        self.rasa = rasa
        self.desk = desk or LiveDesk()
        self.delivery = delivery or DeskDelivery()
        self.last_id = 0
        self.citizens: Dict[str, Set[asyncio.Queue]] = defaultdict(set)
        self.staff: Set[asyncio.Queue] = set()
        self._wake = asyncio.Event()
        self._retry_at: Dict[Any, float] = {}
        self._expired_at = 0.0
        self._signature: tuple = ()
        self._waiting_delivery: Set[int] = set()  # conversations with staff messages unsent

    # --- subscriptions --------------------------------------------------------------------

    def subscribe_citizen(self, conversation_id: str) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self.citizens[conversation_id].add(queue)
        return queue

    def unsubscribe_citizen(self, conversation_id: str, queue: asyncio.Queue) -> None:
        self.citizens[conversation_id].discard(queue)
        if not self.citizens[conversation_id]:
            del self.citizens[conversation_id]

    def subscribe_staff(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self.staff.add(queue)
        return queue

    def unsubscribe_staff(self, queue: asyncio.Queue) -> None:
        self.staff.discard(queue)

    def wake(self) -> None:
        self._wake.set()

    # --- the loop -------------------------------------------------------------------------

    async def run(self) -> None:
        self.last_id = await asyncio.to_thread(self.delivery.last_message_id)
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), INTERVAL)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.step()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the next round tries again
                logger.error("Live desk round failed: %s", type(error).__name__)

    async def step(self) -> None:
        await self._dispatch()
        if not self.rasa.usable:
            return
        await self._deliver()
        if time.monotonic() - self._expired_at >= EXPIRE_EVERY:
            self._expired_at = time.monotonic()
            if await asyncio.to_thread(self.desk.expire):
                self.wake()
        await self._resume()

    async def _dispatch(self) -> None:
        messages = await asyncio.to_thread(self.delivery.messages_after, self.last_id)
        for message in messages:
            self.last_id = max(self.last_id, message["id"])
            self._offer(self.staff, ("message", for_staff(message)))
            if message["direction"] in ("out", "bot"):
                targets = self.citizens.get(message.get("conversation_id", ""), ())
                self._offer(targets, ("message", for_citizen(message)))
        signature = await asyncio.to_thread(self.delivery.signature)
        if messages or signature != self._signature:
            self._signature = signature
            if self.staff:
                queue = [for_staff(view) for view in await asyncio.to_thread(self.desk.queue)]
                self._offer(self.staff, ("queue", queue))

    @staticmethod
    def _offer(queues, event) -> None:
        for queue in list(queues):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                logger.warning("A live desk subscriber is not reading; event dropped")

    def _due(self, key) -> bool:
        return time.monotonic() >= self._retry_at.get(key, 0.0)

    def _failed(self, key, error: Exception) -> None:
        self._retry_at[key] = time.monotonic() + RETRY_AFTER
        logger.warning("Live desk: Rasa call failed (%s); retrying", error)

    async def _deliver(self) -> None:
        self._waiting_delivery = set()
        for message in await asyncio.to_thread(self.delivery.undelivered):
            key = ("deliver", message["id"])
            if not self._due(key):
                self._waiting_delivery.add(message["handoff_id"])
                continue
            metadata = {"staff": message["author"], "desk": message["handoff_id"]}
            if message.get("citizen_silent_hours", 0) >= MESSENGER_WINDOW_HOURS:
                metadata["messaging_tag"] = HUMAN_AGENT
            try:
                await self.rasa.append_bot_message(
                    message["conversation_id"], message["channel"], message["deliver"], metadata
                )
            except RasaUnavailable as error:
                self._failed(key, error)
                self._waiting_delivery.add(message["handoff_id"])
                continue
            self._retry_at.pop(key, None)
            await asyncio.to_thread(self.delivery.delivered, message["id"])

    async def _resume(self) -> None:
        for handoff in await asyncio.to_thread(self.delivery.unresumed):
            key = ("resume", handoff["id"])
            # Staff messages go first: the closing messages must not overtake them.
            if not self._due(key) or handoff["id"] in self._waiting_delivery:
                continue
            try:
                messages: List[Dict] = await self.rasa.run_action(
                    handoff["conversation_id"], handoff["channel"], ACTIONS[handoff["status"]]
                )
            except RasaUnavailable as error:
                self._failed(key, error)
                continue
            self._retry_at.pop(key, None)
            await asyncio.to_thread(self.delivery.resumed, handoff["id"], messages)
            self.wake()
