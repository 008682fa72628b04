"""Telegram's users: a person writing to the bot, and the update payloads they cause."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fakes.bot_api import EPOCH

# A poll as a Bot API server older than 10.0 sends it (no members_only): python-telegram-bot
# 22.8 cannot read the message (TypeError). Its question must never appear in a log.
POISON_QUESTION = "毒入りの投票"
OLD_POLL = {
    "id": "9001",
    "question": POISON_QUESTION,
    "options": [{"text": "はい", "voter_count": 0, "persistent_id": "o1"}],
    "total_voter_count": 0,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
    "allows_revoting": False,
}


@dataclass
class Person:
    """A Telegram user writing to the bot. Their updates are numbered by ``updates``; with
    ``updates=None`` they have no ``update_id`` and the fake numbers them on
    ``FakeTelegram.enqueue`` (several people writing at once)."""

    id: int = 1001
    first_name: str = "Hana"
    language_code: str | None = "en"
    updates: itertools.count[int] | None = field(default_factory=lambda: itertools.count(1))
    message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    clock: Callable[[], int] = lambda: EPOCH  # message dates, in seconds

    @property
    def user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    @property
    def chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}

    def message(self, chat: dict[str, Any] | None = None, **content: Any) -> dict[str, Any]:
        body = {
            "message_id": next(self.message_ids),
            "date": self.clock(),
            "chat": chat or self.chat,
            "from": self.user,
            **content,
        }
        return self._update("message", body)

    def _update(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        if self.updates is None:
            return {kind: body}
        return {"update_id": next(self.updates), kind: body}

    def text(self, text: str, chat: dict[str, Any] | None = None) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.message(chat, **content)

    def photo(self) -> dict[str, Any]:
        size = {"file_id": "AgAD", "file_unique_id": "AQAD", "width": 90, "height": 90}
        return self.message(photo=[size], caption="see this")

    def contact(self, phone: str) -> dict[str, Any]:
        return self.message(contact={"phone_number": phone, "first_name": "Caller"})

    def edited(self, message_id: int, text: str) -> dict[str, Any]:
        body = {
            "message_id": message_id,
            "date": self.clock(),
            "edit_date": self.clock() + 30,
            "chat": self.chat,
            "from": self.user,
            "text": text,
        }
        return self._update("edited_message", body)

    def unreadable(self) -> dict[str, Any]:
        """A message python-telegram-bot cannot read even as the bot reads it (only the
        fields it uses, ``bot.inbox.minimized``): its chat has no type. (``OLD_POLL`` alone,
        a field the bot does not read, no longer makes a message unreadable.)"""
        return self.message(chat={"id": self.id}, poll=OLD_POLL)

    def press(self, message: dict[str, Any], data: str) -> dict[str, Any]:
        query = {
            "id": f"q{self.id}-{next(self.message_ids)}",
            "from": self.user,
            "chat_instance": "-42",
            "message": message,
            "data": data,
        }
        return self._update("callback_query", query)
