"""What the webhooks of every channel share: the limits on a request, and the requests in
flight, waited for at shutdown (``bot.webhook`` for Telegram, ``bot.line_app`` for LINE)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from http import HTTPStatus
from typing import Any

import tornado.httputil
import tornado.web
from tornado.httpserver import HTTPServer

# A channel's updates are a few KB (a Telegram message is at most 4096 characters); larger
# bodies are refused (413 when the request says its length, else the connection is closed).
MAX_BODY_BYTES = 256 * 1024
# On shutdown, how long updates being processed get to finish (then Telegram resends them).
DRAIN_SECONDS = 10.0
# A connection gets this long to send a request's headers (and, kept alive, the next one's);
# and this long for a body once the headers are in. Telegram sends a few KB at once.
HEADER_SECONDS = 30.0
BODY_SECONDS = 10.0


class InFlight:
    """The updates being processed, and whether the server is shutting down."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()
        self.closing = False

    def start(self, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def drain(self, seconds: float) -> None:
        """Refuse new updates; give those being processed ``seconds``, then cancel them (at
        an ``await``: never inside a step's transaction, which has none)."""
        self.closing = True
        if not self.tasks:
            return
        _, late = await asyncio.wait(set(self.tasks), timeout=seconds)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)


def refuse_unless_json(headers: tornado.httputil.HTTPHeaders) -> None:
    """Before a body is read: 415 unless it says it is JSON, 413 if it says it is too long
    (a body without a length is capped by the server's ``max_body_size``)."""
    content_type = headers.get("Content-Type", "").split(";")[0].strip()
    if content_type != "application/json":
        raise tornado.web.HTTPError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
    length = headers.get("Content-Length", "0")
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        raise tornado.web.HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)


@asynccontextmanager
async def webhook_server(
    app: tornado.web.Application, *, listen: str, port: int, in_flight: InFlight
) -> AsyncIterator[HTTPServer]:
    """Serve ``app`` on ``listen:port`` for the block: bodies capped, slow connections
    closed. On leaving, no new connection; the requests being handled get ``DRAIN_SECONDS``
    to finish (then they are cancelled: the channel sends them again), and every connection
    is closed."""
    server = HTTPServer(
        app,
        max_body_size=MAX_BODY_BYTES,
        idle_connection_timeout=HEADER_SECONDS,
        body_timeout=BODY_SECONDS,
    )
    server.listen(port, address=listen)
    try:
        yield server
    finally:
        server.stop()  # no new connections; open ones get 503 from now on
        await in_flight.drain(DRAIN_SECONDS)
        await server.close_all_connections()
