"""Shared behaviour of the assistant's actions (abstract, so rasa-sdk does not register it)."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from assistant.metrics import series

logger = logging.getLogger(__name__)

SERVICE_APOLOGY = (
    "Xin lỗi Anh/Chị, hệ thống tra cứu đang tạm gián đoạn nên tôi chưa lấy được thông tin. "
    "Anh/Chị vui lòng thử lại sau ít phút."
)


class DatabaseAction(Action, ABC):
    """An action that reads the database and apologises, rather than fails, when it cannot."""

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    async def answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        try:
            return await self.answer(dispatcher, tracker, domain)
        except SQLAlchemyError as error:
            # The message is not logged: it may hold a citizen's personal numbers.
            logger.error("%s: database unavailable (%s)", self.name(), type(error).__name__)
            series.error("action_database")
            dispatcher.utter_message(text=SERVICE_APOLOGY)
            return []
