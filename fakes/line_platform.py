"""A fake LINE platform on 127.0.0.1: the Messaging API's side, and signed webhook bodies.

``FakeLine`` records what the bot asks of the Messaging API and answers as LINE does:

- ``POST /v2/bot/message/reply``: a reply token works once (a second use is 400, as is an
  unknown token); ``POST /v2/bot/message/push``: counted against the month's quota, 429
  once it is used up; ``POST /v2/bot/chat/loading/start``: 202.
- ``GET /v2/bot/message/quota`` and ``/quota/consumption``: ``limit`` (None: no limit) and
  ``used``, both settable; ``GET /v2/bot/profile/<user id>``: a user's ``language``.
- ``GET /v2/bot/richmenu/alias/<alias>`` (from ``menu_aliases``), and linking a rich menu to
  a user or unlinking it (``user_menus``).
- Every call needs ``Authorization: Bearer <TOKEN>`` (else 401).

``serving(line)`` runs it in a thread for a ``with`` block (``line.base_url`` is the bot's
``LINE_API_BASE_URL``); ``calls`` and ``messages_to(user)`` say what was sent.

``LineUser`` makes webhook events as a person would (text, postback, follow, unfollow,
sticker, a message in a group), ``webhook(events)`` the signed request body and headers,
and ``redelivered(events)`` the same events as LINE sends them again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "fake-line-channel-access-token"
SECRET = "fake-line-channel-secret"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass
class Call:
    """One Messaging API request the bot made."""

    method: str
    path: str
    body: dict[str, Any]
    status: int = 0  # what the fake answered


@dataclass
class FakeLine:
    """The Messaging API's state: quota, profiles, reply tokens handed out, calls made."""

    limit: int | None = None  # the month's push quota; None: no limit set
    used: int = 0
    languages: dict[str, str] = field(default_factory=dict)  # user id → profile language
    calls: list[Call] = field(default_factory=list)
    # Rich menus (as ``kotowari line setup`` made them): alias → menu id; user → menu linked.
    menu_aliases: dict[str, str] = field(
        default_factory=lambda: {"kotowari-ja": "richmenu-ja", "kotowari-en": "richmenu-en"}
    )
    # Pushes' X-Line-Retry-Key values accepted: a repeat gets 409 and is not delivered again.
    accepted_keys: set[str] = field(default_factory=set)
    user_menus: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # reply token → user id, until used
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reply_token(self, user_id: str) -> str:
        token = secrets.token_hex(16)
        with self.lock:
            self.tokens[token] = user_id
        return token

    def handle(
        self, method: str, path: str, auth: str, body: dict[str, Any], retry_key: str = ""
    ) -> tuple[int, Any]:
        with self.lock:
            call = Call(method, path, body)
            self.calls.append(call)
            call.status, answer = self._answer(method, path, auth, body, retry_key)
            return call.status, answer

    def _answer(
        self, method: str, path: str, auth: str, body: dict[str, Any], retry_key: str = ""
    ) -> tuple[int, Any]:
        if auth != f"Bearer {TOKEN}":
            return 401, {"message": "Authentication failed"}
        if method == "POST" and path == "/v2/bot/message/reply":
            if self.tokens.pop(str(body.get("replyToken")), None) is None:
                return 400, {"message": "Invalid reply token"}
            return 200, {"sentMessages": self._sent(body)}
        if method == "POST" and path == "/v2/bot/message/push":
            key = retry_key
            if key and key in self.accepted_keys:
                return 409, {"message": "The retry key is already accepted"}
            if self.limit is not None and self.used >= self.limit:
                return 429, {"message": "You have reached your monthly limit."}
            self.used += 1
            if key:
                self.accepted_keys.add(key)
            return 200, {"sentMessages": self._sent(body)}
        if method == "POST" and path == "/v2/bot/chat/loading/start":
            return 202, {}
        if method == "GET" and path == "/v2/bot/message/quota":
            if self.limit is None:
                return 200, {"type": "none"}
            return 200, {"type": "limited", "value": self.limit}
        if method == "GET" and path == "/v2/bot/message/quota/consumption":
            return 200, {"totalUsage": self.used}
        if method == "GET" and path.startswith("/v2/bot/richmenu/alias/"):
            alias = path.removeprefix("/v2/bot/richmenu/alias/")
            if alias not in self.menu_aliases:
                return 404, {"message": "Not found"}
            return 200, {"richMenuAliasId": alias, "richMenuId": self.menu_aliases[alias]}
        if path.startswith("/v2/bot/user/") and "/richmenu" in path:
            user_id, _, menu = path.removeprefix("/v2/bot/user/").partition("/richmenu")
            if method == "POST" and menu.startswith("/"):
                self.user_menus[user_id] = menu.removeprefix("/")
                return 200, {}
            if method == "DELETE" and not menu:
                self.user_menus.pop(user_id, None)
                return 200, {}
        if method == "GET" and path.startswith("/v2/bot/profile/"):
            user_id = path.removeprefix("/v2/bot/profile/")
            if user_id not in self.languages:
                return 404, {"message": "Not found"}
            profile = {"userId": user_id, "displayName": "someone"}
            return 200, {**profile, "language": self.languages[user_id]}
        return 404, {"message": "Not found"}

    @staticmethod
    def _sent(body: dict[str, Any]) -> list[dict[str, str]]:
        count = len(body.get("messages") or [])
        return [{"id": str(i), "quoteToken": f"q{i}"} for i in range(count)]

    # -- what was sent ------------------------------------------------------------------
    def sent(self, path: str) -> list[Call]:
        """The calls to ``path`` that LINE accepted."""
        with self.lock:
            return [call for call in self.calls if call.path == path and call.status < 300]

    @property
    def replies(self) -> list[Call]:
        return self.sent("/v2/bot/message/reply")

    @property
    def pushes(self) -> list[Call]:
        return self.sent("/v2/bot/message/push")

    @property
    def loadings(self) -> list[Call]:
        return self.sent("/v2/bot/chat/loading/start")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else {}
        path = self.path.split("?", 1)[0]
        status, answer = self.server.line.handle(
            self.command,
            path,
            self.headers.get("Authorization", ""),
            body,
            self.headers.get("X-Line-Retry-Key", ""),
        )
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = _serve
    do_POST = _serve
    do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the bot stopped (killed) while waiting for its answer: nothing wrong
        super().handle_error(request, client_address)

    def __init__(self, line: FakeLine, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.line = line


@contextmanager
def serving(line: FakeLine, port: int = 0) -> Iterator[FakeLine]:
    """``line`` served on 127.0.0.1 for the block (``line.base_url``): on ``port``, or on a
    free one."""
    server = _Server(line, port)
    line.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-line", daemon=True)
    thread.start()
    try:
        yield line
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# -- webhook bodies -------------------------------------------------------------------
_event_numbers = itertools.count(1)


def event_id() -> str:
    """A fresh ULID-shaped webhookEventId (26 Crockford base-32 characters)."""
    number = next(_event_numbers)
    tail = "".join(_CROCKFORD[(number >> (5 * i)) & 31] for i in range(8))[::-1]
    return "01" + "".join(secrets.choice(_CROCKFORD) for _ in range(16)) + tail


def signature(body: bytes, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def webhook(
    events: Sequence[dict[str, Any]], secret: str = SECRET, destination: str = "Ubot"
) -> tuple[bytes, dict[str, str]]:
    """A webhook request's body and headers, signed as LINE signs them."""
    body = json.dumps({"destination": destination, "events": list(events)}).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Line-Signature": signature(body, secret),
    }
    return body, headers


def redelivered(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same events as LINE delivers them again (same ids, ``isRedelivery``)."""
    return [{**event, "deliveryContext": {"isRedelivery": True}} for event in events]


@dataclass
class LineUser:
    """A person on LINE, whose events come with reply tokens from ``line``."""

    line: FakeLine
    user_id: str
    timestamp: int = 1_764_219_600_000  # 2025-11-27 05:00 UTC; LINE's are in ms

    def _event(
        self, kind: str, source: dict[str, Any] | None = None, **fields: Any
    ) -> dict[str, Any]:
        event = {
            "type": kind,
            "mode": "active",
            "timestamp": self.timestamp,
            "source": source or {"type": "user", "userId": self.user_id},
            "webhookEventId": event_id(),
            "deliveryContext": {"isRedelivery": False},
            **fields,
        }
        if kind != "unfollow":
            event["replyToken"] = self.line.reply_token(self.user_id)
        return event

    def _message(
        self, content: dict[str, Any], source: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        message = {"id": str(next(_event_numbers)), "quoteToken": "q", **content}
        return self._event("message", source, message=message)

    def text(self, text: str) -> dict[str, Any]:
        return self._message({"type": "text", "text": text})

    def postback(self, data: str, label: str | None = None) -> dict[str, Any]:
        return self._event("postback", postback={"data": data})

    def follow(self) -> dict[str, Any]:
        return self._event("follow", follow={"isUnblocked": False})

    def unfollow(self) -> dict[str, Any]:
        return self._event("unfollow")

    def sticker(self) -> dict[str, Any]:
        content = {"type": "sticker", "packageId": "446", "stickerId": "1988"}
        return self._message({**content, "stickerResourceType": "STATIC"})

    def image(self) -> dict[str, Any]:
        return self._message({"type": "image", "contentProvider": {"type": "line"}})

    def in_group(self, text: str, group_id: str = "Cgroup1") -> dict[str, Any]:
        source = {"type": "group", "groupId": group_id, "userId": self.user_id}
        return self._message({"type": "text", "text": text}, source)
