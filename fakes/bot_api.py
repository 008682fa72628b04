"""Telegram's side of the Bot API, once: the update queue, the record, the answers.

``FakeTelegram`` is what Telegram holds for one bot, whatever the transport:

- **getUpdates** with Telegram's offset semantics: ``offset=X`` acknowledges every update
  with an id below ``X`` (Telegram forgets them); the answer is the oldest updates still held
  from ``max(offset, confirmed)``, at most ``limit`` (100 at most). A webhook answer of 200
  acknowledges one update (``acknowledge``).
- **the record**: every call as a ``Call`` (method, parameters, HTTP status, the run whose
  token made it, a ``time.monotonic()`` stamp); ``counts`` per method.
- **answers** shaped like Telegram's: message ids, messages kept per chat (so a driver can
  press a button on one, an edit can find it), dates in seconds, HTML checked the way Telegram
  checks it (only known tags; ``<``, ``>`` and ``&`` escaped; at most 4096 characters), so an
  escaping mistake fails with a 400 as it would in use.
- **failures**: ``fail(method, status, description)`` answers the next call so (a 403, a 429
  with ``retry_after``, a 409 Conflict on getUpdates).

``record=False`` is the benchmarks' lean mode: calls are counted, not kept; messages are not
kept (only each chat's last message id and the buttons last sent there); answers are the
smallest valid ones and HTML is not parsed, so that what a benchmark measures is the bot,
not the fake.

The transports are ``fakes.request.FakeBotApi`` (in process) and ``fakes.server`` (HTTP on
127.0.0.1). Every method is thread-safe (the HTTP server answers from several threads).
"""

from __future__ import annotations

import html
import itertools
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

# Shaped like a real token, so that a leak would also match bot.logs' pattern.
TOKEN = "123456789:AAH" + "k3Zr9qLmT0vXw2YbN8cDfG5hJ1sPuE4o"
BOT_ID = 123456789
BOT_USERNAME = "kotowari_test_bot"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Kotowari", "username": BOT_USERNAME}
EPOCH = 1_764_300_000  # message dates are in seconds
MAX_TEXT = 4096
MAX_UPDATES = 100  # Telegram's most per getUpdates
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
# A run's token carries its number, so that the server knows which bot process called.
_RUN_IN_TOKEN = re.compile(r":AAfakerun(\d{4})")


def token_for(run: int) -> str:
    """A token for the ``run``-th bot process (real-looking: bot.logs masks it)."""
    return f"{BOT_ID}:AAfakerun{run:04d}" + "x" * 25


def run_of(token: str) -> int:
    """The run number in a ``token_for`` token; 0 for any other token."""
    found = _RUN_IN_TOKEN.search(token)
    return int(found.group(1)) if found else 0


# -- Telegram's reading of a message's text -------------------------------------------------
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


def json_value(value: Any) -> Any:
    """A parameter as an object: in process python-telegram-bot passes ``reply_markup`` as a
    dict, over HTTP as a JSON string."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def inline_buttons(message: dict[str, Any]) -> list[str]:
    """The callback data of a message's inline keyboard, in order."""
    rows = (json_value(message.get("reply_markup")) or {}).get("inline_keyboard", [])
    return [str(button.get("callback_data")) for row in rows for button in row]


def chat_of(update: dict[str, Any]) -> int:
    """The chat an update belongs to (a button press: its user's private chat)."""
    if "callback_query" in update:
        return int(update["callback_query"]["from"]["id"])
    body = update.get("message") or update.get("edited_message") or {}
    return int(body["chat"]["id"])


# -- the record -----------------------------------------------------------------------------
@dataclass
class Call:
    method: str
    params: dict[str, Any]
    url: str = ""
    status: int = 200
    seq: int = 0  # 1, 2, … in the order the calls arrived
    run: int = 0  # which bot process (``token_for``); 0 in process
    at: float = 0.0  # time.monotonic() when it arrived
    result: Any = None  # what a successful call answered


_REQUIRED = {
    "sendMessage": ("chat_id", "text"),
    "editMessageText": ("chat_id", "text"),
    "sendPhoto": ("chat_id",),
    "sendDocument": ("chat_id",),
    "editMessageReplyMarkup": ("chat_id",),
}


class FakeTelegram:
    """What Telegram holds for one bot: its updates, a record of its calls, its messages."""

    def __init__(
        self,
        messages: dict[tuple[int, int], dict[str, Any]] | None = None,
        *,
        record: bool = True,
        remember_chats: bool = True,
        clock: Callable[[], int] = lambda: EPOCH,
    ) -> None:
        self.record = record
        # False: ``last_message`` and ``buttons`` stay empty (a benchmark that never presses a
        # button: 100k chats' entries would make the fake's own dict resizes, ~5–23 ms at
        # 87,382 entries, show as the bot's longest stretch on the shared event loop).
        self.remember_chats = remember_chats
        self.clock = clock  # message dates, in seconds
        self.cond = threading.Condition()
        self.calls: list[Call] = []  # call seq n is at index n - 1 (when recording)
        self.counts: Counter[str] = Counter()
        self._seq = itertools.count(1)
        # (chat_id, message_id) -> the message as Telegram now holds it; share it between two
        # fakes to model a restart (the chat history stays on Telegram's side).
        self.messages = messages if messages is not None else {}
        self.sent_text: dict[tuple[int, int], str] = {}  # the plain text as first sent
        self.message_ids = itertools.count(max((key[1] for key in self.messages), default=500) + 1)
        # chat id -> its last message's id, and the callback data of the inline keyboard last
        # sent there. Tuples of strings, which the garbage collector stops tracking: 100k
        # users' buttons would otherwise lengthen every full collection.
        self.last_message: dict[int, int] = {}
        self.buttons: dict[int, tuple[str, ...]] = {}
        self.failures: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        # getUpdates: every update sent to the bot, in order of id; ids below ``confirmed``
        # are acknowledged, and so are the ones a webhook answered 200 (``answered``).
        self._updates: list[dict[str, Any]] = []
        self._first_held = 0  # index of the first update not below ``confirmed``
        self.confirmed = 0
        self.answered: dict[int, int] = {}  # update id -> the run that answered it 200
        self.acks: list[tuple[int, int, float]] = []  # (offset, run, when)
        self.served: dict[int, list[int]] = {}  # update id -> the runs it was given to
        self.fetched: dict[int, set[int]] = {}  # run -> the update ids it was given
        self.webhook: dict[str, Any] | None = None  # url, secret, run (setWebhook's)
        self.stopping = False  # ends long polls and webhook deliveries at once
        # Called outside the lock: on_call(call) for every call as it is answered (before the
        # bot has the answer), on_confirm(run, ids) when a getUpdates of ``run`` acknowledges
        # updates it had been given, on_empty_poll() when a getUpdates finds nothing.
        self.on_call: Callable[[Call], None] | None = None
        self.on_confirm: Callable[[int, set[int]], None] | None = None
        self.on_empty_poll: Callable[[], Any] | None = None

    # -- updates ----------------------------------------------------------------------------
    @property
    def updates(self) -> list[dict[str, Any]]:
        return self._updates

    @updates.setter
    def updates(self, updates: list[dict[str, Any]]) -> None:
        with self.cond:
            self._updates = list(updates)
            self._first_held = 0
            self.cond.notify_all()

    def enqueue(self, update: dict[str, Any]) -> int:
        """Hold an update for the bot; without an ``update_id`` it gets the next one."""
        with self.cond:
            if "update_id" not in update:
                last = self._updates[-1]["update_id"] if self._updates else 0
                update = {"update_id": max(last, self.confirmed - 1) + 1, **update}
            self._updates.append(update)
            self.cond.notify_all()
            return int(update["update_id"])

    def update(self, update_id: int) -> dict[str, Any] | None:
        with self.cond:
            return next((u for u in self._updates if u["update_id"] == update_id), None)

    def held(self) -> list[dict[str, Any]]:
        """The updates not acknowledged yet, oldest first."""
        with self.cond:
            while (
                self._first_held < len(self._updates)
                and self._updates[self._first_held]["update_id"] < self.confirmed
            ):
                self._first_held += 1
            return [
                u
                for u in self._updates[self._first_held :]
                if u["update_id"] >= self.confirmed and u["update_id"] not in self.answered
            ]

    def acknowledge(self, update_id: int, run: int) -> None:
        """A webhook answered this update 200: Telegram forgets it."""
        with self.cond:
            self.answered.setdefault(update_id, run)
            waiting = self.held()
            last = self._updates[-1]["update_id"] if self._updates else 0
            self.confirmed = max(self.confirmed, waiting[0]["update_id"] if waiting else last + 1)
            self.cond.notify_all()

    def acknowledged(self, update_id: int) -> bool:
        with self.cond:
            return update_id < self.confirmed or update_id in self.answered

    def all_acknowledged(self) -> bool:
        return not self.held()

    def ack_run(self, update_id: int) -> int | None:
        """The run whose getUpdates (or webhook answer) acknowledged this update."""
        with self.cond:
            if update_id in self.answered:
                return self.answered[update_id]
            return next((run for offset, run, _ in self.acks if offset > update_id), None)

    def stop(self) -> None:
        """End long polls and webhook deliveries (the end of a test)."""
        with self.cond:
            self.stopping = True
            self.cond.notify_all()

    # -- failures ---------------------------------------------------------------------------
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
        with self.cond:
            self.failures.setdefault(method, []).append((status, body))

    # -- a call -----------------------------------------------------------------------------
    def handle(
        self, method: str, params: dict[str, Any], *, run: int = 0, url: str = "", wait: float = 0
    ) -> tuple[int, dict[str, Any]]:
        """Answer one call: the HTTP status and the Bot API's JSON body. A ``getUpdates``
        waits up to ``wait`` seconds for an update (a long poll; 0 in process)."""
        with self.cond:
            call = Call(method, params, url, seq=next(self._seq), run=run, at=time.monotonic())
            self.counts[method] += 1
            if self.record:
                self.calls.append(call)
            pending = self.failures.get(method)
            poll = method == "getUpdates" and not pending
            if pending:
                call.status, body = pending.pop(0)
            elif poll:
                body = {"ok": True}
            else:
                try:
                    call.result = self._answer(method, params, run)
                    body = {"ok": True, "result": call.result}
                except BotApiError as error:
                    call.status = error.status
                    body = {"ok": False, "error_code": error.status}
                    body["description"] = error.description
        if self.on_call is not None:
            self.on_call(call)
        if poll:
            call.result = body["result"] = self._get_updates(run, params, wait)
        return call.status, body

    def _get_updates(self, run: int, params: dict[str, Any], wait: float) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = max(1, min(int(params.get("limit") or MAX_UPDATES), MAX_UPDATES))
        newly: set[int] = set()
        with self.cond:
            if offset > self.confirmed:
                newly = {
                    i for i in self.fetched.get(run, ()) if self.confirmed <= i < offset
                } - set(self.answered)
                self.confirmed = offset
                self.acks.append((offset, run, time.monotonic()))
        if newly and self.on_confirm is not None:
            self.on_confirm(run, newly)  # may kill the bot: it then never sees the answer
        deadline = time.monotonic() + wait
        with self.cond:
            while True:
                batch = self.held()[:limit]
                left = deadline - time.monotonic()
                if batch or left <= 0 or self.stopping:
                    break
                self.cond.wait(left)
            for update in batch:
                self.served.setdefault(update["update_id"], []).append(run)
                self.fetched.setdefault(run, set()).add(update["update_id"])
        if not batch and self.on_empty_poll is not None:
            self.on_empty_poll()
        return batch

    # -- what Telegram answers (holding the lock) -------------------------------------------
    def _answer(self, method: str, params: dict[str, Any], run: int) -> Any:
        missing = [name for name in _REQUIRED.get(method, ()) if name not in params]
        if missing:
            raise BotApiError(400, f"Bad Request: {missing[0]} is empty")
        if method == "getMe":
            return {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False}
        if not self.record and method in ("sendMessage", "editMessageText"):
            return self._lean_message(method, params)
        if method == "sendMessage":
            return self._send(params)
        if method in ("sendDocument", "sendPhoto"):
            return self._send_file(method, params)
        if method == "editMessageText":
            message = self._stored(params)
            message.pop("entities", None)
            message.update(message_text(params["text"], params.get("parse_mode")))
            self._set_markup(message, params.get("reply_markup"))
            message["edit_date"] = self.clock() + 60
            return message
        if method == "editMessageReplyMarkup":
            message = self._stored(params)
            self._set_markup(message, params.get("reply_markup"))
            return message
        if method == "getMyCommands":
            return []
        if method == "setWebhook":
            self.webhook = {"url": str(params["url"]), "secret": params.get("secret_token")}
            self.webhook["run"] = run
            self.cond.notify_all()
            return True
        return True  # setMyCommands, deleteWebhook, answerCallbackQuery, close …

    @staticmethod
    def _chat(chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "Hana"}
        return {"id": chat_id, "type": "group", "title": "Neighbours"}

    def _new_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        message_id = next(self.message_ids)
        if self.remember_chats:
            self.last_message[chat_id] = message_id
        return {
            "message_id": message_id,
            "date": self.clock(),
            "chat": self._chat(chat_id),
            "from": BOT_USER,
            **content,
        }

    def _note_buttons(self, chat_id: int, markup: Any) -> None:
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if rows and self.remember_chats:
            self.buttons[chat_id] = tuple(b["callback_data"] for row in rows for b in row)

    def _lean_message(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(str(params["chat_id"]))
        text = str(params.get("text", ""))
        if method == "sendMessage":
            self._note_buttons(chat_id, json_value(params.get("reply_markup")))
            return self._new_message(chat_id, text=text)
        return {
            "message_id": int(str(params.get("message_id") or next(self.message_ids))),
            "date": self.clock(),
            "chat": self._chat(chat_id),
            "from": BOT_USER,
            "text": text,
        }

    def _send(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        content = message_text(params["text"], params.get("parse_mode"))
        message = self._new_message(chat_id, **content)
        markup = json_value(params.get("reply_markup"))
        self._set_markup(message, markup)
        self._note_buttons(chat_id, markup)
        self.messages[chat_id, message["message_id"]] = message
        self.sent_text[chat_id, message["message_id"]] = message["text"]
        return message

    def _send_file(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message = self._new_message(chat_id)
        message["chat"] = {"id": chat_id, "type": "private", "first_name": "Hana"}
        if method == "sendPhoto":
            message["photo"] = [
                {"file_id": "p1", "file_unique_id": "p1u", "width": 960, "height": 540}
            ]
        else:
            message["document"] = {"file_id": "d1", "file_unique_id": "d1u"}
        if params.get("caption"):
            message["caption"] = message_text(params["caption"], params.get("parse_mode"))["text"]
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
        markup = json_value(markup)
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)

    # -- reading the record -----------------------------------------------------------------
    def of(self, method: str) -> list[dict[str, Any]]:
        with self.cond:
            return [call.params for call in self.calls if call.method == method]

    def calls_since(self, seq: int) -> list[Call]:
        """The calls after the ``seq``-th (0: all of them)."""
        with self.cond:
            return self.calls[seq:]

    def latest_message(self, chat_id: int, button: str | None = None) -> dict[str, Any] | None:
        """The chat's newest message (that shows a button with this callback data)."""
        with self.cond:
            for (chat, _), message in reversed(self.messages.items()):
                if chat == chat_id and (button is None or button in inline_buttons(message)):
                    return message
        return None

    def shown_button(self, chat_id: int, data: re.Pattern[str]) -> str | None:
        """The callback data matching ``data`` on the chat's newest message that shows one."""
        with self.cond:
            for (chat, _), message in reversed(self.messages.items()):
                if chat == chat_id:
                    for shown in inline_buttons(message):
                        if data.fullmatch(shown):
                            return shown
        return None

    def latest_with_button(self, label: str) -> dict[str, Any]:
        """The newest message that still shows a button with this label."""
        with self.cond:
            for message in reversed(self.messages.values()):
                if button_data(message, label) is not None:
                    return message
        raise AssertionError(f"no message shows a button {label!r}")


def button_data(message: dict[str, Any], label: str) -> str | None:
    """The callback data of the message's button with this label."""
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            if button["text"] == label:
                return str(button["callback_data"])
    return None


def markup_of(params: dict[str, Any]) -> dict[str, Any] | None:
    markup = json_value(params.get("reply_markup"))
    return markup if isinstance(markup, dict) else None


def button_rows(markup: dict[str, Any] | None) -> list[list[str]]:
    if not markup:
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [[button["text"] for button in row] for row in rows]


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


def plain(html_text: str) -> str:
    """An HTML text as the person reads it (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]*>", "", html_text))
