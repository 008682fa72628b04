"""An in-process Bot API for benchmarks: answers like Telegram, without sockets.

Tests have a richer recording fake (tests/telegram_fakes.py); this one only counts calls and
returns the smallest valid answers, so what is measured is the bot, not the fake.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 1, "is_bot": True, "first_name": "Kotowari", "username": "kotowari_bot"}
EPOCH = 1_790_000_000


class CountingBotApi(BaseRequest):
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._ids = itertools.count(1)
        # chat id -> callback data of the buttons last sent there (for a driver to press)
        # Tuples of strings, which the garbage collector stops tracking: 100k users' buttons
        # would otherwise lengthen every full collection (the reminders benchmark's pauses).
        self.buttons: dict[int, tuple[str, ...]] = {}
        self.last_message: dict[int, int] = {}
        # When a list, every call is appended as (method, parameters): a replayable log.
        self.log: list[tuple[str, dict[str, Any]]] | None = None

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[1]
        self.calls[endpoint] += 1
        params = request_data.parameters if request_data else {}
        if self.log is not None:
            self.log.append((endpoint, params))
        result: Any = True
        if endpoint == "getMe":
            result = {**BOT_USER, "can_join_groups": False, "can_read_all_group_messages": False}
        elif endpoint in ("sendMessage", "editMessageText"):
            chat_id = int(str(params["chat_id"]))
            markup = params.get("reply_markup")
            if isinstance(markup, str):
                markup = json.loads(markup)
            if endpoint == "sendMessage" and isinstance(markup, dict):
                rows = markup.get("inline_keyboard")
                if rows:
                    self.buttons[chat_id] = tuple(b["callback_data"] for row in rows for b in row)
            message_id = int(str(params.get("message_id") or next(self._ids)))
            if endpoint == "sendMessage":
                self.last_message[chat_id] = message_id
            result = {
                "message_id": message_id,
                "date": EPOCH,
                "chat": {"id": chat_id, "type": "private", "first_name": "User"},
                "from": BOT_USER,
                "text": str(params.get("text", "")),
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()
