"""Long polling that confirms an update only once it was processed, and that one slow update
does not hold up the others.

python-telegram-bot's own Updater confirms a batch (by asking for the next offset) as soon as
it is fetched, so a crash loses updates fetched but not yet processed. Here the offset sent
to Telegram never passes an update still being processed: a crash makes Telegram deliver
again everything from the oldest unfinished update, and the engine recognises updates it
already applied (``Inbound.update_id``), so nothing is lost and nothing applied twice.

Updates are processed as soon as they are fetched, each in its own task: different users'
concurrently, one user's in order (the per-user lock is taken in arrival order). While some
are still being processed (a reply waiting out Telegram's 429, a PDF being made), Telegram
would hand them back at once, so instead of long polling the poller asks again every
``busy_poll`` seconds for what else has come, skipping what it already started.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut

log = logging.getLogger(__name__)

POLL_TIMEOUT = 30  # seconds Telegram holds a getUpdates call open when nothing is new
BUSY_POLL_SECONDS = 0.5  # while updates are being processed: how often to look for others
MAX_POLL_BACKOFF = 60.0  # seconds between attempts while Telegram cannot be reached


class Poller:
    """The update ids this process started and has not yet confirmed, and their tasks."""

    def __init__(
        self,
        app: Any,
        allowed_updates: Sequence[str],
        describe: Callable[[BaseException], str] = repr,
    ) -> None:
        self.app = app
        self.allowed_updates = list(allowed_updates)
        self.describe = describe
        self.running: dict[int, asyncio.Task[None]] = {}
        # Started since the last confirmation (running or finished): not to start again
        # when Telegram hands them back, which it does until they are confirmed.
        self.started: set[int] = set()
        self.confirmed: int | None = None  # the last offset sent: ids below it are confirmed

    @property
    def offset(self) -> int | None:
        """What to confirm: every update before the oldest one still running."""
        if self.running:
            return min(self.running)
        if self.started:
            return max(self.started) + 1
        return self.confirmed

    async def fetch(self, timeout: float) -> int:
        """One getUpdates (confirming ``offset``); start the updates not started yet.

        Returns how many were started. Does not wait for them: see ``settle``.
        """
        offset = self.offset
        updates = await self.app.bot.get_updates(
            offset=offset, timeout=timeout, allowed_updates=self.allowed_updates
        )
        if offset is not None:
            # Telegram has forgotten everything below the offset: so can we.
            self.started = {i for i in self.started if i >= offset}
            self.confirmed = offset
        new = [u for u in updates if u.update_id not in self.started]
        for update in new:
            self._start(update)
        return len(new)

    def _start(self, update: Update) -> None:
        update_id = update.update_id
        self.started.add(update_id)
        task = asyncio.ensure_future(self._process(update))
        self.running[update_id] = task
        task.add_done_callback(lambda _: self.running.pop(update_id, None))

    async def _process(self, update: Update) -> None:
        try:
            await self.app.process_update(update)
        except Exception as error:
            # Handlers' errors end in the application's error handler; this is the
            # framework's. Counted as processed, so that one bad update cannot stop the rest.
            log.error("update not processed: %s", self.describe(error))

    async def settle(self, timeout: float | None = None) -> bool:
        """Wait until nothing is running (or ``timeout`` seconds); whether nothing is."""
        if self.running:
            await asyncio.wait(list(self.running.values()), timeout=timeout)
        return not self.running

    async def serve(self, stop: asyncio.Event, busy_poll: float = BUSY_POLL_SECONDS) -> None:
        """Fetch and process until ``stop`` is set; then finish what runs and confirm it.

        Network errors are retried with backoff; RetryAfter is waited out.
        """
        delay = 1.0
        while not stop.is_set():
            # Long poll when idle; while updates run, Telegram would hand those back at
            # once, so look for others every busy_poll seconds instead.
            busy = not await self.settle(busy_poll)
            if stop.is_set():
                break
            fetching = asyncio.ensure_future(self.fetch(0 if busy else POLL_TIMEOUT))
            stopping = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({fetching, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if fetching not in done:
                # Stopping: nothing fetched by a call still waiting can be lost.
                fetching.cancel()
                await asyncio.gather(fetching, return_exceptions=True)
                break
            try:
                fetching.result()
                delay = 1.0
            except RetryAfter as error:
                await _wait_or_stop(stop, _seconds(error.retry_after))
            except (NetworkError, TimedOut) as error:
                log.warning("polling failed (%s); retrying in %.0f s", type(error).__name__, delay)
                await _wait_or_stop(stop, delay)
                delay = min(delay * 2, MAX_POLL_BACKOFF)
        await self.settle()
        if self.offset is not None and self.offset != self.confirmed:
            # Confirm what was processed, so that it is not delivered again.
            try:
                await self.app.bot.get_updates(offset=self.offset, timeout=0)
                self.confirmed = self.offset
            except TelegramError as error:
                log.warning("could not confirm the last updates (%s)", type(error).__name__)


async def _wait_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def _seconds(value: object) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)  # type: ignore[arg-type]
