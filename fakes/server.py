"""The fake Bot API over loopback sockets: a real HTTP server on 127.0.0.1, and a webhook.

``BotApiServer(api)`` serves a ``FakeTelegram`` on a free port (``http://127.0.0.1:PORT/bot``
is the bot's ``TELEGRAM_API_BASE_URL``); ``serving(api)`` runs it in a thread for a ``with``
block. Every request is parsed as the Bot API reads it (form-encoded, multipart uploads or
JSON) and answered by ``FakeTelegram.handle``; the token in the path says which bot process
called (``token_for(run)``). A ``getUpdates`` waits at most ``LONG_POLL_CAP`` seconds,
whatever timeout it asks for. Replies go out with ``TCP_NODELAY``.

``WebhookSender`` is Telegram's webhook side: once the bot called ``setWebhook``, it POSTs
each update until the bot answers 200 (several chats at once, each chat's updates one at a
time and in order; now and then an update still in the bot is POSTed again).
"""

from __future__ import annotations

import email.parser
import email.policy
import http.client
import json
import random
import socket
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fakes.bot_api import FakeTelegram, chat_of, run_of

LONG_POLL_CAP = 0.25  # seconds a getUpdates waits for updates, whatever timeout it asks for


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Form-encoded (python-telegram-bot's default), multipart (uploads) or JSON parameters.
    An uploaded file's name and bytes are ``_filename`` and ``_content``, as in process."""
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        return dict(json.loads(body))
    if kind == "multipart/form-data":
        return _multipart(content_type, body)
    return dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))


_HEADERS = email.parser.HeaderParser(policy=email.policy.compat32)


def _multipart(content_type: str, body: bytes) -> dict[str, Any]:
    """multipart/form-data (RFC 7578): the body split on its boundary with bytes operations,
    each part's headers read by the ``email`` package. Parsing the whole body with ``email``
    took ~70 ms for a 1.8 MB export, holding the GIL that the server's other threads (and a
    benchmark's clocks in the same process) were waiting for."""
    boundary = _HEADERS.parsestr(f"Content-Type: {content_type}\r\n\r\n").get_boundary()
    if not boundary:
        raise ValueError("a multipart body without a boundary")
    params: dict[str, Any] = {}
    # "--boundary", then each part: CRLF, its headers, a blank line, its bytes, and
    # "CRLF--boundary" (the CRLF belongs to the delimiter); "--" after the last one closes.
    delimiter = b"\r\n--" + boundary.encode()
    at = body.find(delimiter[2:])
    if at < 0:
        raise ValueError("a multipart body without its boundary")
    at += len(delimiter) - 2
    while not body.startswith(b"--", at):
        head_end = body.find(b"\r\n\r\n", at)
        end = body.find(delimiter, head_end)
        if head_end < 0 or end < 0:
            raise ValueError("a multipart body cut short")
        part = _HEADERS.parsestr(body[at:head_end].decode("utf-8").strip() + "\r\n\r\n")
        payload = body[head_end + 4 : end]  # the only copy of a file's bytes
        name = str(part.get_param("name", header="content-disposition"))
        if part.get_filename():
            params[name] = payload
            params["_filename"], params["_content"] = part.get_filename(), payload
        else:
            params[name] = payload.decode("utf-8")
        at = end + len(delimiter)
    return params


class BotApiServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # Many users at once make a bot open ~200 connections in the same moment; the default
    # accept backlog (5) would refuse some (NetworkError in the bot, a retry a second later).
    request_queue_size = 1024

    def __init__(self, api: FakeTelegram) -> None:
        super().__init__(("127.0.0.1", 0), BotApiHandler)
        self.api = api

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def base_url(self) -> str:
        """The bot's ``TELEGRAM_API_BASE_URL``."""
        return f"http://127.0.0.1:{self.port}/bot"

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a killed bot resets its connections
            super().handle_error(request, client_address)


@contextmanager
def serving(api: FakeTelegram) -> Iterator[BotApiServer]:
    """The server in a thread of its own while the block runs; stopped and closed after."""
    server = BotApiServer(api)
    thread = threading.Thread(target=server.serve_forever, name="fake-bot-api", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        api.stop()
        server.shutdown()
        server.server_close()


class BotApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the second waits ~40 ms
    # for the client's delayed ACK, which would slow every call down to Telegram-like pace.
    disable_nagle_algorithm = True
    server: BotApiServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise ConnectionResetError("the bot was killed while sending a request")
        return body

    def _handle(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        body = self._read_body()  # a request cut short by a kill is dropped, as by Telegram
        if len(parts) != 2 or not parts[0].startswith("bot"):
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        params = parse_body(self.headers.get("Content-Type", ""), body)
        params.update(urllib.parse.parse_qsl(url.query))
        status, payload = self.server.api.handle(
            parts[1], params, run=run_of(parts[0]), url=self.path, wait=LONG_POLL_CAP
        )
        self._reply(status, payload)

    def _reply(self, status: int, payload: Any) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the bot was killed while it waited


class WebhookSender:
    """Telegram's webhook side: POST each update to the bot's webhook until it answers 200.

    ``start(connections)`` runs that many sender threads (updates of different chats go out
    at once, as Telegram sends them); a 200 acknowledges the update. ``resend`` is how often an
    update still being processed is POSTed again at the same time, as Telegram does when an
    answer is slow to come. Stopped by ``api.stop()``."""

    def __init__(self, api: FakeTelegram, port: int, resend: float = 0.0, seed: int = 0) -> None:
        self.api = api
        self.port = port  # where the bot listens (the webhook URL's host is for Telegram)
        self.resend = resend
        self.rng = random.Random(seed)
        self.delivering: Counter[int] = Counter()  # update id -> POSTs under way
        self.doubled: set[int] = set()  # updates sent twice at once
        self._sent: dict[int, dict[str, Any]] = {}  # update id -> the update, once POSTed
        # Called after a 200 (outside the lock) as on_answered(run, update_id).
        self.on_answered: Callable[[int, int], None] | None = None

    def start(self, connections: int) -> None:
        for _ in range(connections):
            threading.Thread(target=self._send_updates, daemon=True).start()

    def in_flight(self) -> int:
        """POSTs under way now."""
        with self.api.cond:
            return sum(self.delivering.values())

    def _send_updates(self) -> None:
        while (item := self._next()) is not None:
            update, hook = item
            path = urllib.parse.urlsplit(hook["url"]).path
            request = urllib.request.Request(
                f"http://127.0.0.1:{self.port}{path}",
                data=json.dumps(update, ensure_ascii=False).encode(),
                headers={
                    "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": hook["secret"] or "",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    ok = answer.status == 200
            except (OSError, http.client.HTTPException):
                ok = False  # refused (the bot is down), cut off by a kill, or an error status
            with self.api.cond:
                self.delivering[update["update_id"]] -= 1
            if ok:
                self.api.acknowledge(update["update_id"], hook["run"])
                if self.on_answered is not None:
                    self.on_answered(hook["run"], update["update_id"])
            else:
                time.sleep(0.02)  # Telegram, too, waits before trying again

    def _next(self) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The next update to POST, and where to (waits for one)."""
        api = self.api
        with api.cond:
            while not api.stopping:
                if api.webhook is not None and "run" in api.webhook:
                    picked = self._pick()
                    if picked is not None:
                        run = api.webhook["run"]
                        update_id = picked["update_id"]
                        self.delivering[update_id] += 1
                        self._sent[update_id] = picked
                        api.fetched.setdefault(run, set()).add(update_id)
                        api.served.setdefault(update_id, []).append(run)
                        return picked, dict(api.webhook)
                api.cond.wait(0.05)
        return None

    def _pick(self) -> dict[str, Any] | None:
        busy = {chat_of(self._sent[i]) for i, n in self.delivering.items() if n}
        for update in self.api.held():
            update_id = update["update_id"]
            chat = chat_of(update)
            if chat not in busy:
                return update
            if (
                self.delivering[update_id] == 1
                and update_id not in self.doubled
                and self.rng.random() < self.resend
            ):
                self.doubled.add(update_id)
                return update
            busy.add(chat)  # later ones of this chat wait for this one
        return None
