"""DatabaseAction: a database error becomes the apology and is counted for the operators."""

from __future__ import annotations

from typing import Any, Dict, List

from prometheus_client import REGISTRY
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import OperationalError

from actions.base import SERVICE_APOLOGY, DatabaseAction


class LookUp(DatabaseAction):
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    def name(self) -> str:
        return "action_test_lookup"

    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        if self.error is not None:
            raise self.error
        dispatcher.utter_message(text="Kết quả")
        return []


def failures() -> float:
    return REGISTRY.get_sample_value("assistant_errors_total", {"where": "action_database"}) or 0


def tracker() -> Tracker:
    return Tracker("citizen-1", {}, {"text": "tra cứu"}, [], False, None, {}, "action_listen")


async def test_a_database_error_is_an_apology_and_one_counted_failure():
    before = failures()
    dispatcher = CollectingDispatcher()
    error = OperationalError("SELECT 1", {}, Exception("down"))
    assert await LookUp(error).run(dispatcher, tracker(), {}) == []
    assert [m["text"] for m in dispatcher.messages] == [SERVICE_APOLOGY]
    assert failures() == before + 1


async def test_an_answer_counts_nothing():
    before = failures()
    dispatcher = CollectingDispatcher()
    await LookUp().run(dispatcher, tracker(), {})
    assert [m["text"] for m in dispatcher.messages] == ["Kết quả"]
    assert failures() == before
