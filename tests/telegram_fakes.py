"""An in-process Bot API for tests: a ``BaseRequest`` that records calls and answers them.

The bot is built with this as its ``request``; nothing touches the network. Each call is
recorded as ``(method, parameters)``; answers are Bot-API-shaped JSON. Sent and edited
messages are kept, so a test can press a button on one of them. HTML text is checked the
way Telegram checks it (only known tags, ``<``, ``>`` and ``&`` escaped, at most 4096
characters), so an escaping mistake fails the test with a 400 as it would fail in use.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

# Shaped like a real token, so that a leak would also match bot.logs' pattern.
TOKEN = "123456789:AAH" + "k3Zr9qLmT0vXw2YbN8cDfG5hJ1sPuE4o"
BOT_ID = 123456789
BOT_USERNAME = "kotowari_test_bot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Kotowari", "username": BOT_USERNAME}
EPOCH = 1_764_300_000  # message dates are in seconds
MAX_TEXT = 4096
_TAGS = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline"}
_TAGS |= {"s": "strikethrough", "code": "code", "pre": "pre"}
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_TAG = re.compile(r"</?([a-z-]+)(?:\s[^<>]*)?>")


class BotApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _EntityParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.open: list[tuple[str, int]] = []
        self.entities: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            raise BotApiError(400, f"Bad Request: can't parse entities: unsupported tag {tag}")
        self.open.append((tag, utf16(self.text)))

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            raise BotApiError(400, f"Bad Request: can't parse entities: unexpected </{tag}>")
        _, start = self.open.pop()
        if utf16(self.text) > start:
            length = utf16(self.text) - start
            self.entities.append({"type": _TAGS[tag], "offset": start, "length": length})

    def handle_data(self, data: str) -> None:
        self.text += data


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's reading of an HTML message: plain text and entities (UTF-16 offsets)."""
    bare = _ENTITY.sub("", _TAG.sub("", text))
    if any(ch in bare for ch in "<>&"):
        raise BotApiError(400, "Bad Request: can't parse entities: unescaped <, > or &")
    parser = _EntityParser()
    parser.feed(text)
    parser.close()
    if parser.open:
        raise BotApiError(400, "Bad Request: can't parse entities: unclosed tag")
    return parser.text, sorted(parser.entities, key=lambda e: e["offset"])


def message_text(text: str, parse_mode: str | None) -> dict[str, Any]:
    if parse_mode == "HTML":
        plain, entities = parse_html(text)
    elif parse_mode is None:
        plain, entities = text, []
    else:
        raise AssertionError(f"unexpected parse_mode {parse_mode}")
    if not plain.strip():
        raise BotApiError(400, "Bad Request: message text is empty")
    if utf16(plain) > MAX_TEXT:
        raise BotApiError(400, "Bad Request: message is too long")
    return {"text": plain, "entities": entities} if entities else {"text": plain}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    url: str
    status: int = 200


class FakeBotApi(BaseRequest):
    """Records every Bot API call and answers it like Telegram would."""

    def __init__(self, messages: dict[tuple[int, int], dict[str, Any]] | None = None) -> None:
        self.calls: list[Call] = []
        # (chat_id, message_id) -> the message as Telegram now holds it; share it between two
        # fakes to model a restart (the chat history stays on Telegram's side).
        self.messages = messages if messages is not None else {}
        self.failures: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        # (chat_id, message_id) -> the plain text as first sent
        self.sent_text: dict[tuple[int, int], str] = {}
        self.message_ids = itertools.count(max((key[1] for key in self.messages), default=500) + 1)
        # getUpdates: what Telegram holds for the bot; an offset confirms what is below it.
        self.updates: list[dict[str, Any]] = []
        self.confirmed = 0
        self.on_empty_poll: Any = None
        self.holds: dict[tuple[str, int], asyncio.Event] = {}  # see hold()
        self.time_outs: dict[str, int] = {}  # see time_out()
        self.connect_time_outs: dict[str, int] = {}  # see connect_time_out()

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def fail(
        self,
        method: str,
        status: int,
        description: str,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        """Make the next call of ``method`` fail with this HTTP status and Bot API error."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.failures.setdefault(method, []).append((status, body))

    def time_out(self, method: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` take effect, but their answer never comes:
        the bot sees ``TimedOut`` (a slow network; the message did arrive)."""
        self.time_outs[method] = self.time_outs.get(method, 0) + times

    def connect_time_out(self, method: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` never leave: no connection is made in time
        (python-telegram-bot raises ``TimedOut`` from httpx's ``ConnectTimeout``)."""
        self.connect_time_outs[method] = self.connect_time_outs.get(method, 0) + times

    def hold(self, method: str, chat_id: int) -> asyncio.Event:
        """Hold calls of ``method`` for one chat (unanswered, unrecorded) until the returned
        event is set: a reply stuck behind Telegram's 429, a slow upload."""
        gate = asyncio.Event()
        self.holds[(method, chat_id)] = gate
        return gate

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
        # Yield like real I/O would, so that concurrently processed updates can interleave.
        await asyncio.sleep(0)
        endpoint, _, query = url.rsplit("/", 1)[1].partition("?")
        params = dict(request_data.parameters) if request_data else {}
        params.update(urllib.parse.parse_qsl(query))  # the poller's getUpdates
        gate = self.holds.get((endpoint, int(params.get("chat_id") or 0)))
        if gate is not None:
            await gate.wait()
        if request_data is not None and request_data.multipart_data:
            # The uploaded file: keep its name and bytes for assertions.
            [(_, (filename, content, _type))] = list(request_data.multipart_data.items())
            params["_filename"], params["_content"] = filename, content
        if self.connect_time_outs.get(endpoint):
            self.connect_time_outs[endpoint] -= 1
            raise TimedOut("Timed out") from httpx.ConnectTimeout("no connection in time")
        call = Call(endpoint, params, url)
        self.calls.append(call)
        pending = self.failures.get(endpoint)
        if pending:
            call.status, body = pending.pop(0)
            return call.status, json.dumps(body).encode()
        try:
            result = self.answer(endpoint, params)
        except BotApiError as error:
            call.status = error.status
            body = {"ok": False, "error_code": error.status, "description": error.description}
            return error.status, json.dumps(body).encode()
        if self.time_outs.get(endpoint):
            self.time_outs[endpoint] -= 1
            raise TimedOut("Timed out")
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # -- what Telegram answers --------------------------------------------------------
    def answer(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            self.confirmed = max(self.confirmed, offset)
            waiting = [u for u in self.updates if u["update_id"] >= offset]
            self.updates = waiting
            if not waiting and self.on_empty_poll is not None:
                self.on_empty_poll()
            return waiting[: int(params.get("limit") or 100)]  # Telegram's most is 100
        if method == "getMe":
            return {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False}
        if method == "sendMessage":
            return self._send(params)
        if method in ("sendDocument", "sendPhoto"):
            return self._send_file(method, params)
        if method == "editMessageText":
            message = self._stored(params)
            message.pop("entities", None)
            message.update(message_text(params["text"], params.get("parse_mode")))
            self._set_markup(message, params.get("reply_markup"))
            message["edit_date"] = EPOCH + 60
            return message
        if method == "editMessageReplyMarkup":
            message = self._stored(params)
            self._set_markup(message, params.get("reply_markup"))
            return message
        return True

    def _send(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        chat = (
            {"id": chat_id, "type": "private", "first_name": "Hana"}
            if chat_id > 0
            else {"id": chat_id, "type": "group", "title": "Neighbours"}
        )
        message: dict[str, Any] = {
            "message_id": next(self.message_ids),
            "date": EPOCH,
            "chat": chat,
            "from": BOT_USER,
            **message_text(params["text"], params.get("parse_mode")),
        }
        self._set_markup(message, params.get("reply_markup"))
        self.messages[chat_id, message["message_id"]] = message
        self.sent_text[chat_id, message["message_id"]] = message["text"]
        return message

    def _send_file(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self.message_ids),
            "date": EPOCH,
            "chat": {"id": chat_id, "type": "private", "first_name": "Hana"},
            "from": BOT_USER,
        }
        if method == "sendPhoto":
            message["photo"] = [
                {"file_id": "p1", "file_unique_id": "p1u", "width": 960, "height": 540}
            ]
        else:
            message["document"] = {"file_id": "d1", "file_unique_id": "d1u"}
        if params.get("caption"):
            message.update(
                {"caption": message_text(params["caption"], params.get("parse_mode"))["text"]}
            )
        self.messages[chat_id, message["message_id"]] = message
        return message

    def _stored(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            raise BotApiError(400, "Bad Request: message to edit not found")
        return self.messages[key]

    @staticmethod
    def _set_markup(message: dict[str, Any], markup: Any) -> None:
        # Only inline keyboards belong to a message; a reply keyboard is the chat's.
        if isinstance(markup, str):
            markup = json.loads(markup)
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)

    # -- reading the record -----------------------------------------------------------
    def of(self, method: str) -> list[dict[str, Any]]:
        return [call.params for call in self.calls if call.method == method]

    def latest_with_button(self, label: str) -> dict[str, Any]:
        """The newest message that still shows a button with this label."""
        for message in reversed(list(self.messages.values())):
            if button_data(message, label) is not None:
                return message
        raise AssertionError(f"no message shows a button {label!r}")


def markup_of(params: dict[str, Any]) -> dict[str, Any] | None:
    markup = params.get("reply_markup")
    return json.loads(markup) if isinstance(markup, str) else markup


def button_rows(markup: dict[str, Any] | None) -> list[list[str]]:
    if not markup:
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [[button["text"] for button in row] for row in rows]


def button_data(message: dict[str, Any], label: str) -> str | None:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if button["text"] == label:
                return str(button["callback_data"])
    return None


def describe(call: Call) -> str:
    """One line per call, for transcripts: what the user would see."""
    if call.status != 200:
        return f"{call.method} → {call.status}"
    params = call.params
    if call.method == "sendMessage":
        plain = message_text(params["text"], params.get("parse_mode"))["text"]
        markup = markup_of(params)
        line = f"send: {plain.splitlines()[0]}"
        rows = button_rows(markup)
        if markup and "keyboard" in markup:
            line += " ⌨" + "".join(f"[{' | '.join(row)}]" for row in rows)
        elif rows:
            line += " " + "".join(f"[{' | '.join(row)}]" for row in rows)
        return line
    if call.method == "editMessageText":
        plain = message_text(params["text"], params.get("parse_mode"))["text"]
        keyboard = " +keyboard" if markup_of(params) else ""
        return f"edit: {plain.splitlines()[-1]}{keyboard}"
    if call.method in ("sendDocument", "sendPhoto"):
        caption = params.get("caption")
        kind = "photo" if call.method == "sendPhoto" else "document"
        return f"{kind}: {params.get('_filename', '?')}" + (
            f" ({message_text(caption, params.get('parse_mode'))['text']})" if caption else ""
        )
    if call.method == "answerCallbackQuery":
        text = params.get("text")
        return f"answer: {text}" if text else "answer"
    return call.method


@dataclass
class Person:
    """A Telegram user writing to the bot, and the update payloads they cause."""

    id: int = 1001
    first_name: str = "Hana"
    language_code: str | None = "en"
    updates: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

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
            "date": EPOCH,
            "chat": chat or self.chat,
            "from": self.user,
            **content,
        }
        return {"update_id": next(self.updates), "message": body}

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
            "date": EPOCH,
            "edit_date": EPOCH + 30,
            "chat": self.chat,
            "from": self.user,
            "text": text,
        }
        return {"update_id": next(self.updates), "edited_message": body}

    def press(self, message: dict[str, Any], data: str) -> dict[str, Any]:
        query = {
            "id": f"q{self.id}-{next(self.message_ids)}",
            "from": self.user,
            "chat_instance": "-42",
            "message": message,
            "data": data,
        }
        return {"update_id": next(self.updates), "callback_query": query}


def plain(html_text: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", html_text))


def build_on_a_fake_api(monkeypatch: Any) -> None:
    """Make ``telegram_app.run_bot`` build its application on a ``FakeBotApi`` (no network)."""
    from bot import telegram_app

    real_build = telegram_app.build_application
    monkeypatch.setattr(
        telegram_app,
        "build_application",
        lambda settings, db_path: real_build(settings, db_path, request=FakeBotApi()),
    )
