"""Handing the citizen over to people."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from assistant.settings import get_settings


class ActionHandoff(Action):
    """Tells the citizen how to reach a person; the hotline comes from settings, never invented."""

    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        hotline = get_settings().hotline
        where = (
            f"gọi đường dây nóng {hotline}"
            if hotline
            else "gọi số điện thoại in trên giấy tiếp nhận hồ sơ hoặc đường dây nóng "
            "của Trung tâm Phục vụ hành chính công đăng trên cổng thông tin của tỉnh"
        )
        dispatcher.utter_message(
            text=(
                "Tôi là trợ lý ảo nên chưa thể chuyển máy trực tiếp. Để được cán bộ hỗ trợ, "
                f"Anh/Chị vui lòng {where}, hoặc đến bộ phận một cửa trong giờ hành chính."
            )
        )
        return []
