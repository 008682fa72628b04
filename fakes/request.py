"""The fake Bot API in process: a ``BaseRequest`` whose requests never leave the process.

The bot is built with ``FakeBotApi()`` as its ``request`` (and, for polling, as its
``get_updates_request``); python-telegram-bot's requests reach ``FakeTelegram.handle``
directly. On top of Telegram's side it can make the network misbehave: an answer that never
comes (``time_out``), a connection never made (``connect_time_out``), a call held until the
test lets it go (``hold``).
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from typing import Any

import httpx
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from fakes.bot_api import FakeTelegram


class FakeBotApi(FakeTelegram, BaseRequest):
    """Telegram's side (``FakeTelegram``) as a python-telegram-bot request object.

    ``record=False`` (the benchmarks): calls counted, not kept; ``remember_chats=False``: no
    chat's last message or buttons either; see ``fakes.bot_api``."""

    def __init__(
        self,
        messages: dict[tuple[int, int], dict[str, Any]] | None = None,
        *,
        record: bool = True,
        remember_chats: bool = True,
    ) -> None:
        super().__init__(messages, record=record, remember_chats=remember_chats)
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
        if not self.record:
            # The benchmarks: the request as python-telegram-bot built it, nothing more.
            endpoint = url.rsplit("/", 1)[1]
            status, body = self.handle(
                endpoint, request_data.parameters if request_data else {}, url=url
            )
            return status, json.dumps(body).encode()
        # Yield like real I/O would, so that concurrently processed updates can interleave.
        await asyncio.sleep(0)
        endpoint, _, query = url.rsplit("/", 1)[1].partition("?")
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
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
        status, body = self.handle(endpoint, params, url=url)
        if status == 200 and self.time_outs.get(endpoint):
            self.time_outs[endpoint] -= 1
            raise TimedOut("Timed out")
        return status, json.dumps(body).encode()


def build_on_a_fake_api(monkeypatch: Any) -> None:
    """Make ``telegram_app.run_bot`` build its application on a ``FakeBotApi`` (no network)."""
    from bot import telegram_app

    real_build = telegram_app.build_application
    monkeypatch.setattr(
        telegram_app,
        "build_application",
        lambda settings, db_path: real_build(settings, db_path, request=FakeBotApi()),
    )
