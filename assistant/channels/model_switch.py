"""A model switch that does not stop Rasa from answering (``PUT /webhooks/model_switch/model``).

Rasa's own ``PUT /model`` loads the new model inside its event loop: for the load's tens of
seconds the server answers nobody, and citizens asking meanwhile get the apology (their reply
waits past REPLY_TIMEOUT). Here the model is loaded in a worker thread while the current one
keeps answering, its first NLU parse and action prediction are run there too (they build
TensorFlow's graphs, which otherwise the first citizen would wait for), and only then is it
swapped in, between two turns, as Rasa's ``Agent.load_model`` does it.

Rasa mounts input channels' blueprints under ``/webhooks/<name>/``; this one is listed in
credentials.yml like the citizens' channels. It asks for RASA_API_TOKEN (``?token=``, as
Rasa's API does) and nginx does not forward it from the public front (assistant/cluster/
nginx.py): the staff app reaches each replica directly (assistant/training/rasa_api.py).
One switch at a time per process; a second one waits for the first.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.settings import get_settings

logger = logging.getLogger(__name__)

WARM_UP_TEXT = "xin chào"


def _refusal(status: int, reason: str) -> HTTPResponse:
    return response.json({"status": "failure", "reason": reason}, status=status)


def _model_file(request: Request) -> Path | None:
    try:
        name = (request.json or {}).get("model_file")
    except Exception:  # noqa: BLE001 - Sanic raises its own error for a body that is not JSON
        return None
    path = Path(name) if isinstance(name, str) and name else None
    return path if path is not None and path.is_file() else None


def warm_up(processor: Any) -> None:
    """One NLU parse and one action prediction on a throw-away tracker (never stored)."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    parsed = asyncio.run(processor.parse_message(UserMessage(WARM_UP_TEXT)))
    tracker = DialogueStateTracker.from_events(
        "model-switch-warm-up",
        [ActionExecuted(ACTION_LISTEN_NAME), UserUttered(WARM_UP_TEXT, parsed.get("intent"))],
        slots=processor.domain.slots,
    )
    processor.predict_next_with_tracker(tracker)


def load_processor(agent: Any, path: Path) -> Any:
    """A MessageProcessor for ``path`` sharing the running agent's stores and endpoints, warm."""
    from rasa.core.processor import MessageProcessor

    processor = MessageProcessor(
        model_path=path,
        tracker_store=agent.tracker_store,
        lock_store=agent.lock_store,
        action_endpoint=agent.action_endpoint,
        generator=agent.nlg,
        http_interpreter=agent.http_interpreter,
    )
    try:
        warm_up(processor)
    except Exception as error:  # noqa: BLE001 - a cold model still answers, only slower
        logger.warning("Model warm-up failed (%s): the first turns build it", error)
    return processor


def swap(agent: Any, processor: Any) -> None:
    """What ``Agent.load_model`` does once the processor exists (no await: between turns)."""
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator

    agent.processor = processor
    agent.domain = processor.domain
    agent._set_fingerprint(None)
    agent.tracker_store.domain = processor.domain
    if isinstance(agent.nlg, TemplatedNaturalLanguageGenerator):
        agent.nlg.responses = processor.domain.responses if processor.domain else {}


class ModelSwitchInput(InputChannel):
    """Not a channel citizens talk through: the staff app's model switch."""

    @classmethod
    def name(cls) -> str:
        return "model_switch"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("model_switch_webhook", __name__)
        switching = asyncio.Lock()

        @hook.route("/model", methods=["PUT"])
        async def switch(request: Request) -> HTTPResponse:
            token = get_settings().rasa_api_token
            given = request.args.get("token") or ""
            if not token or not hmac.compare_digest(given.encode(), token.encode()):
                return _refusal(401, "token")
            path = _model_file(request)
            if path is None:
                return _refusal(400, "model_file must name a model file on this host")
            agent = request.app.ctx.agent
            async with switching:
                started = time.perf_counter()
                try:
                    processor = await asyncio.to_thread(load_processor, agent, path)
                except Exception as error:  # noqa: BLE001 - the running model stays
                    logger.error("Model %s not loaded: %s", path.name, error)
                    return _refusal(422, f"not loaded: {type(error).__name__}")
                swap(agent, processor)
            seconds = time.perf_counter() - started
            logger.info("Model %s loaded in %.1f s while answering", path.name, seconds)
            return response.empty(status=204)

        return hook
