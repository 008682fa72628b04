"""Long polling into the durable inbox (``bot.inbox``): fetch, store, confirm; never wait.

Each ``getUpdates`` asks for the offset past everything already stored, which confirms it to
Telegram; what comes back is stored in one transaction before the next call. Processing runs
apart (``Inbox``), so a slow update delays no one's fetching.

The updates are fetched as JSON and read one at a time (python-telegram-bot's ``get_updates``
reads a whole batch at once, raises for all of it when one cannot be read, and logs the
whole batch, other people's messages included). The call is made through the request object
the application uses for getUpdates (``BaseRequest.post``, which raises the usual
``TelegramError`` subclasses), with the parameters in the query string.

Errors: network errors are retried with backoff, RetryAfter is waited out. A 409 Conflict
means another process is polling with the same token (typically the old instance during a
deploy): it is retried with backoff and a WARNING, and only after ``conflict_give_up``
seconds of nothing but conflicts does polling stop (``KOTOWARI_CONFLICT_GIVE_UP``). A batch
that cannot be stored (the disk is full) is not confirmed, and asked for again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.request import BaseRequest

from bot.inbox import Inbox

log = logging.getLogger(__name__)

POLL_TIMEOUT = 30  # seconds Telegram holds a getUpdates call open when nothing is new
MAX_POLL_BACKOFF = 60.0  # seconds between attempts while Telegram cannot be reached
MAX_CONFLICT_BACKOFF = 30.0  # seconds between attempts while another poller holds the token
CONFLICT_GIVE_UP = 300.0  # default for KOTOWARI_CONFLICT_GIVE_UP


class Poller:
    """What has been stored (``offset``) and what Telegram has been told (``confirmed``)."""

    def __init__(
        self,
        app: Any,
        request: BaseRequest,
        inbox: Inbox,
        allowed_updates: Sequence[str],
        *,
        conflict_give_up: float = CONFLICT_GIVE_UP,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.app = app
        self.request = request
        self.inbox = inbox
        self.allowed_updates = list(allowed_updates)
        self.conflict_give_up = conflict_give_up
        self.clock = clock
        self.sleep = sleep
        self.offset: int | None = None  # the next getUpdates confirms every id below it
        self.confirmed: int | None = None  # the last offset sent

    async def get_updates(self, offset: int | None, timeout: float, limit: int = 100) -> list[Any]:
        """One getUpdates; the updates as JSON (not read: see ``bot.inbox.read_update``)."""
        query: dict[str, Any] = {
            "timeout": int(timeout),
            "limit": limit,
            "allowed_updates": json.dumps(self.allowed_updates),
        }
        if offset is not None:
            query["offset"] = offset
        url = f"{self.app.bot.base_url}/getUpdates?{urlencode(query)}"
        # As python-telegram-bot does: the read timeout covers the long poll's wait.
        read_timeout = (self.request.read_timeout or 0) + timeout
        result = await self.request.post(url, read_timeout=read_timeout)
        if not isinstance(result, list):
            raise NetworkError("getUpdates answered something that is not a list")
        if offset is not None:
            self.confirmed = offset
        return result

    async def fetch(self, timeout: float) -> int:
        """One getUpdates (confirming what is stored), and store what came; how many came."""
        batch = await self.get_updates(self.offset, timeout)
        if batch:
            offset = self.inbox.receive(batch)  # raises if not stored: then not confirmed
            if offset is not None and (self.offset is None or offset > self.offset):
                self.offset = offset
        return len(batch)

    async def serve(self, stop: asyncio.Event) -> None:
        """Fetch and store until ``stop`` is set; then confirm what was stored.

        Raises ``Conflict`` after ``conflict_give_up`` seconds of nothing but 409s.
        """
        delay = 1.0
        conflict_since: float | None = None
        while not stop.is_set():
            fetching = asyncio.ensure_future(self.fetch(POLL_TIMEOUT))
            stopping = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({fetching, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if fetching not in done:
                # Stopping: what a call still waiting would fetch is not confirmed: not lost.
                fetching.cancel()
                await asyncio.gather(fetching, return_exceptions=True)
                break
            try:
                fetching.result()
            except RetryAfter as error:
                await self._pause(stop, _seconds(error.retry_after))
                continue
            except Conflict:
                now = self.clock()
                conflict_since = now if conflict_since is None else conflict_since
                if now - conflict_since >= self.conflict_give_up:
                    log.error(
                        "another process kept polling with this bot's token for %.0f s "
                        "(409 Conflict); giving up",
                        now - conflict_since,
                    )
                    raise
                log.warning(
                    "another process is polling with this bot's token (409 Conflict: an old "
                    "instance still running?); retrying in %.0f s, giving up after %.0f s",
                    delay,
                    self.conflict_give_up - (now - conflict_since),
                )
                await self._pause(stop, delay)
                delay = min(delay * 2, MAX_CONFLICT_BACKOFF)
                continue
            except NetworkError as error:  # TimedOut too
                failure: type[BaseException] = type(error)
                problem, level = "polling failed", logging.WARNING
            except InvalidToken:
                raise
            except (TelegramError, KeyError, TypeError, ValueError) as error:
                # A garbled answer (not JSON, no "result": a proxy's error page with status
                # 200) is passing too: tried again, not the end of the bot.
                problem, failure = "a getUpdates answer could not be read", type(error)
                level = logging.WARNING
            except sqlite3.Error as error:
                # Busy (another writer past the timeout) is passing: a warning; else an error.
                problem, failure = "could not store fetched updates; not confirmed", type(error)
                busy = isinstance(error, sqlite3.OperationalError)
                level = logging.WARNING if busy else logging.ERROR
            else:
                delay = 1.0
                conflict_since = None
                continue
            log.log(level, "%s (%s); retrying in %.0f s", problem, failure.__name__, delay)
            await self._pause(stop, delay)
            delay = min(delay * 2, MAX_POLL_BACKOFF)
        if self.offset is not None and self.offset != self.confirmed:
            # Confirm what was stored, so that it is not delivered again.
            try:
                await self.get_updates(self.offset, 0, limit=1)
            except TelegramError as error:
                log.warning("could not confirm the last updates (%s)", type(error).__name__)

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        """``sleep(seconds)``, cut short by ``stop``."""
        sleeping = asyncio.ensure_future(self.sleep(seconds))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({sleeping, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for task in (sleeping, stopping):
            task.cancel()
        await asyncio.gather(sleeping, stopping, return_exceptions=True)


def _seconds(value: object) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)  # type: ignore[arg-type]
