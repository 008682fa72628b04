"""Webhook mode's HTTP side: Telegram POSTs each update, and is answered once it is processed.

python-telegram-bot's own webhook server answers 200 as soon as an update is *queued*; a crash
before it is processed loses it, since Telegram does not send an answered update again. Here
the answer is sent after ``Application.process_update`` has finished. A crash before that
leaves the request unanswered and Telegram delivers the update again; the engine recognises an
update it already applied (``Inbound.update_id``), so nothing is lost and nothing applied twice.

Nothing from a request's body is logged: it is a person's message.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

import tornado.web
from telegram import Update
from tornado.httpserver import HTTPServer

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are small; a body this large is not one.
MAX_BODY_BYTES = 1 << 20
# On shutdown, how long updates being processed get to finish (then Telegram resends them).
DRAIN_SECONDS = 10.0


class InFlight:
    """How many updates are being processed; ``idle`` is set when none is."""

    def __init__(self) -> None:
        self.count = 0
        self.idle = asyncio.Event()
        self.idle.set()

    def __enter__(self) -> None:
        self.count += 1
        self.idle.clear()

    def __exit__(self, *exc: object) -> None:
        self.count -= 1
        if self.count == 0:
            self.idle.set()


class UpdateHandler(tornado.web.RequestHandler):
    """``POST /<path>``: one update, processed before the answer."""

    def initialize(
        self,
        app: Any,
        secret: str,
        describe: Callable[[BaseException], str],
        in_flight: InFlight,
    ) -> None:
        self.app = app
        self.secret = secret.encode()
        self.describe = describe
        self.in_flight = in_flight

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        content_type = self.request.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != "application/json":
            raise tornado.web.HTTPError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
        try:
            update = Update.de_json(json.loads(self.request.body), self.app.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            update = None
        if update is None:
            log.warning(
                "webhook: a request that is not an update (%d bytes)", len(self.request.body)
            )
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        try:
            # Handlers' own errors end in the application's error handler; what reaches here
            # is the framework's, and an error answer makes Telegram try again later.
            with self.in_flight:
                await self.app.process_update(update)
        except Exception as error:  # answered with 500 (Telegram retries), logged without data
            log.error("webhook: update not processed: %s", self.describe(error))
            raise tornado.web.HTTPError(HTTPStatus.INTERNAL_SERVER_ERROR) from None
        self.set_status(HTTPStatus.OK)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        # Tornado's default prints the request; an HTTPError is ours and needs no trace.
        if not isinstance(value, tornado.web.HTTPError):
            log.error("webhook: %s", self.describe(value))


@asynccontextmanager
async def webhook_server(
    app: Any,
    *,
    listen: str,
    port: int,
    path: str,
    secret: str,
    describe: Callable[[BaseException], str],
) -> AsyncIterator[HTTPServer]:
    """Serve ``POST /<path>`` on ``listen:port`` for the block's duration.

    On leaving, no new request is accepted and requests being processed get
    ``DRAIN_SECONDS`` to finish; any still running are left unanswered (Telegram resends).
    """
    in_flight = InFlight()
    handler_args = {"app": app, "secret": secret, "describe": describe, "in_flight": in_flight}
    routes = [(f"/{path.strip('/')}", UpdateHandler, handler_args)]
    server = HTTPServer(
        tornado.web.Application(routes),  # type: ignore[arg-type]
        max_body_size=MAX_BODY_BYTES,
    )
    server.listen(port, address=listen)
    try:
        yield server
    finally:
        server.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(in_flight.idle.wait(), DRAIN_SECONDS)
        await server.close_all_connections()
