"""Webhook mode's HTTP side: Telegram POSTs each update, and is answered once it is processed.

python-telegram-bot's own webhook server answers 200 as soon as an update is *queued*; a crash
before it is processed loses it, since Telegram does not send an answered update again. Here
the answer is sent after ``Application.process_update`` has finished. A crash before that
leaves the request unanswered and Telegram delivers the update again; the engine recognises an
update it already applied (``Inbound.update_id``), so nothing is lost and nothing applied twice.

Nothing from a request's body is logged: it is a person's message.

A body that is not JSON (or too deeply nested to decode) is answered 400. An update that
python-telegram-bot cannot read (``bot.inbox.read_update``: e.g. a field set from a newer or
older Bot API) is set aside as a dead letter, without its content, and answered 200: with an
error answer Telegram would send it again and again. Connections that send their headers or
body too slowly are closed (``HEADER_SECONDS``, ``BODY_SECONDS``).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from http import HTTPStatus
from typing import Any

import tornado.web
from tornado.httpserver import HTTPServer

from bot import serving
from bot.inbox import RECEIPT, Receipt, Unreadable, read_update, set_aside
from bot.logs import Throttled
from bot.serving import (
    InFlight,
    refuse_unless_json,
)

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@tornado.web.stream_request_body
class UpdateHandler(tornado.web.RequestHandler):
    """``POST /<path>``: one update, processed before the answer.

    The body is streamed in (``data_received``) so that the headers are checked first: a
    request without the secret, of the wrong type or too long is answered without its body
    being read (Tornado then closes the connection).
    """

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
        self.body = bytearray()

    def prepare(self) -> None:
        # Only the headers have arrived.
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        refuse_unless_json(self.request.headers)

    def data_received(self, chunk: bytes) -> None:
        # A body without Content-Length (chunked) is capped by the server's max_body_size.
        self.body += chunk

    async def post(self) -> None:
        try:
            data = json.loads(self.body)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply
            data = None
        update = None if data is None else read_update(data, self.app.bot)
        if update is None or (isinstance(update, Unreadable) and update.update_id is None):
            log.warning("webhook: a request that is not an update (%d bytes)", len(self.body))
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        if self.in_flight.closing:
            # Shutting down: Telegram sends it again later, to the next run.
            raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE)
        if isinstance(update, Unreadable):
            engine = self.app.bot_data.engine
            if engine is None:
                raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE)
            try:
                set_aside(engine.storage, update)
            except sqlite3.OperationalError as error:  # busy: Telegram sends it again
                log.warning("webhook: could not set an update aside now (%s)", type(error).__name__)
                raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE) from None
            self.set_status(HTTPStatus.OK)  # accepted: Telegram does not send it again
            return
        # The step tells, through this receipt, whether it could be stored (its task copies
        # this context): when not, Telegram is answered 503 and sends the update again.
        receipt = Receipt(None)
        token = RECEIPT.set(receipt)
        try:
            processing = self.in_flight.start(self.app.process_update(update))
        finally:
            RECEIPT.reset(token)
        try:
            # Handlers' own errors end in the application's error handler; what reaches here
            # is the framework's, and an error answer makes Telegram try again later.
            await processing
        except asyncio.CancelledError:
            if not processing.cancelled():
                raise
            raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE) from None
        except sqlite3.OperationalError as error:  # the database busy past its timeout
            log.warning("webhook: update not processed now (%s); sent again", type(error).__name__)
            raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE) from None
        except Exception as error:  # answered with 500 (Telegram retries), logged without data
            log.error("webhook: update not processed: %s", self.describe(error))
            raise tornado.web.HTTPError(HTTPStatus.INTERNAL_SERVER_ERROR) from None
        if receipt.stored is False or self.app.bot_data.fatal:
            # Not stored now, or the bot is stopping (its database file gone): not accepted,
            # Telegram sends it again (to the next run).
            log.warning("webhook: an update not accepted now; Telegram sends it again")
            raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE)
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

    On leaving, new requests are refused (503, or no connection) and updates being
    processed get ``DRAIN_SECONDS`` to finish; any still running then are cancelled and
    answered 503, so Telegram sends them again to the next run.
    """
    in_flight = InFlight()
    handler_args = {"app": app, "secret": secret, "describe": describe, "in_flight": in_flight}
    routes = [(f"/{re.escape(path.strip('/'))}", UpdateHandler, handler_args)]
    refused = Throttled(log)  # 4xx: anyone can send them
    app = tornado.web.Application(routes, log_function=partial(_log_request, refused))
    try:
        async with serving.webhook_server(
            app, listen=listen, port=port, in_flight=in_flight
        ) as server:
            yield server
    finally:
        refused.flush()


def _log_request(refused: Throttled, handler: tornado.web.RequestHandler) -> None:
    """Tornado's access log, without the request's address or path: a 503 (not now, sent
    again) is expected under load and says so at WARNING; other server errors at ERROR; a
    refused request (403 without the secret, 400, 413) at most once a minute (``Throttled``)."""
    status = handler.get_status()
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        log.warning("webhook: answered 503 (Telegram sends the update again)")
    elif status >= 500:
        log.error("webhook: answered %d", status)
    elif status >= 400:
        refused.warning(f"webhook: answered {status}")
