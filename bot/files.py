"""Letters (PDF), charts (PNG) and exports (JSON, CSV) made off the event loop, for every
channel.

A file that takes long to make comes from the engine as a function (``flows.port.Attachment``);
a channel asks ``file_bytes`` for its bytes when it sends it. See ``FileMaker``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import multiprocessing
import pickle
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial

from bot import file_worker
from flows.port import Attachment

log = logging.getLogger(__name__)

# Worker processes that make letters and charts: one keeps the other core of a small machine
# for the event loop.
FILE_PROCESSES = 1

# After the worker made a file, the next one starts only when the worker has rested this many
# times as long as the file took (at most FILE_REST_MAX seconds): a user making letter after
# letter gets about half a core, not all the machine, and other users' taps stay quick
# (BENCHMARKS.md, "head of line"). 0 makes files back to back.
FILE_PACE = 1.0
FILE_REST_MAX = 2.0


class FileMaker:
    """Where letters (PDF), charts (PNG) and exports are made: never on the event loop.

    ``kotowari run`` starts a worker process (``start_process``): the engine's file
    functions are ``functools.partial`` objects over plain values, so they travel there
    pickled and run without holding this process's GIL; other users' steps go on at full
    speed meanwhile. Without the process (not started, as in the tests, or it could not
    start or died), and for a function that cannot be pickled, a file is made in a worker
    thread, one at a time (matplotlib's cached font objects must not be used by two
    threads): off the event loop too, but sharing the GIL with it. ``made`` counts where.

    The worker process makes one file at a time, paced (``FILE_PACE``): the files asked for
    meanwhile wait their turn, and ``FILE_TIMEOUT`` counts from a file's start, not from
    when it was asked for. A file whose asker gave up while it was being made (cancelled)
    is still the worker's: the next one waits for it, or replaces the worker if it runs past
    its own timeout. ``clock`` and ``sleep`` are the pacing's (a test's own).
    """

    def __init__(
        self,
        *,
        pace: float = FILE_PACE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kotowari-files")
        self._process: ProcessPoolExecutor | None = None
        self.made: Counter[str] = Counter()  # "process" / "thread": files made there
        self.restarts = 0  # worker processes started again after one stopped
        self._pace, self._clock, self._sleep = pace, clock, sleep
        self._turn: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None
        self._rest_until = 0.0  # (clock) when the worker may start the next file
        # A file whose asker gave up (cancelled) while the worker was making it, and when it
        # started: the worker goes on with it, and the next file waits for it.
        self._abandoned: tuple[concurrent.futures.Future[bytes], float] | None = None
        # The channel's, run on the loop after each file made here (made or failed): an
        # export reads the database over a connection of the worker's own, and an erasure
        # meanwhile could not empty the write-ahead log; it is tried again once the read
        # has ended (``bot.upkeep.retry_scrub``), not a reminder period later.
        self.after_each: Callable[[], object] | None = None

    @property
    def has_process(self) -> bool:
        return self._process is not None

    def start_process(self) -> bool:
        """Start the worker process and warm it (fpdf, matplotlib, the font) in the
        background; False (and a warning) if it cannot start: files are made in a thread."""
        if self._process is not None:
            return True
        try:
            pool = ProcessPoolExecutor(
                max_workers=FILE_PROCESSES,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=file_worker.init,
            )
            pool.submit(file_worker.warm)  # not awaited: start-up does not wait for it
        except (OSError, RuntimeError, ValueError) as error:
            log.warning(
                "could not start the process that makes letters and charts (%s); they are "
                "made in a thread instead",
                type(error).__name__,
            )
            return False
        self._process = pool
        return True

    def stop_process(self) -> None:
        pool, self._process = self._process, None
        if pool is not None:
            _kill_workers(pool)  # a hung worker must not keep the bot from stopping
            pool.shutdown(wait=False, cancel_futures=True)

    def _restart(self, pool: ProcessPoolExecutor) -> None:
        """The worker stopped (killed, out of memory?) or hangs: it is replaced, a few times;
        after that, files are made in the thread."""
        if self._process is pool:
            self._process = None
        _kill_workers(pool)
        pool.shutdown(wait=False, cancel_futures=True)
        if self.restarts < FILE_PROCESS_RESTARTS:
            self.restarts += 1
            self.start_process()

    async def make(self, attachment: Attachment) -> bytes:
        """The attachment's bytes, made in the worker process if possible, else in a thread."""
        if attachment.ready:
            return attachment.data
        try:
            return await self._make(attachment)
        finally:
            if self.after_each is not None:
                self.after_each()

    async def _make(self, attachment: Attachment) -> bytes:
        loop = asyncio.get_running_loop()
        content = attachment.content
        payload = _pickled(content) if self._process is not None else None
        if payload is not None:
            async with self._turn_in(loop):
                await self._after_abandoned()
                rest = self._rest_until - self._clock()
                if rest > 0:
                    await self._sleep(rest)
                pool = self._process  # it may have been replaced while this file waited
                if pool is not None:
                    data = await self._make_in(pool, loop, payload)
                    self.made["process"] += 1
                    return data
        data = await loop.run_in_executor(self._thread, lambda: attachment.data)
        self.made["thread"] += 1
        return data

    def _turn_in(self, loop: asyncio.AbstractEventLoop) -> asyncio.Lock:
        """The worker's turn: one file at a time (a lock belongs to one event loop)."""
        if self._turn is None or self._turn[0] is not loop:
            self._turn = (loop, asyncio.Lock())
        return self._turn[1]

    async def _after_abandoned(self) -> None:
        """Wait for the file the worker is still making for an asker who gave up (at most
        until that file's own timeout: past it the worker is hung and is replaced), then
        for its rest: the next file's timeout counts from its own start."""
        if self._abandoned is None:
            return
        future, started = self._abandoned
        if not future.done():
            left = max(FILE_TIMEOUT - (self._clock() - started), 0.0)
            try:
                await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), left)
            except TimeoutError:
                if self._process is not None:
                    log.warning(
                        "the process that makes letters and charts hangs; starting it again"
                    )
                    self._restart(self._process)
            except asyncio.CancelledError:
                raise  # this file's asker gave up too: the next one waits in its place
            except Exception:  # the abandoned file's failure is nobody's now
                pass
        self._abandoned = None
        ended = self._clock()
        self._rest_until = max(
            self._rest_until, ended + min((ended - started) * self._pace, FILE_REST_MAX)
        )

    async def _make_in(
        self, pool: ProcessPoolExecutor, loop: asyncio.AbstractEventLoop, payload: bytes
    ) -> bytes:
        started = self._clock()
        future: concurrent.futures.Future[bytes] | None = None
        try:
            future = pool.submit(file_worker.make, payload)
            data: bytes = await asyncio.wait_for(asyncio.wrap_future(future), FILE_TIMEOUT)
        except asyncio.CancelledError:
            if future is not None and not future.done():
                self._abandoned = (future, started)  # the worker goes on: the next file waits
            raise
        except (BrokenProcessPool, RuntimeError, TimeoutError) as error:
            # The worker stopped (killed: out of memory?), hangs, or is shutting down. This
            # file is not made again in the bot's own process (it may be what broke the
            # worker): the user is told it failed (file_failed) and can ask again.
            log.warning(
                "the process that makes letters and charts failed (%s); starting it again",
                type(error).__name__,
            )
            self._restart(pool)
            raise FileNotMade from error
        ended = self._clock()
        self._rest_until = ended + min((ended - started) * self._pace, FILE_REST_MAX)
        return data


class FileNotMade(RuntimeError):
    """A file the worker process could not make (it stopped or hung)."""


# How long a letter or chart may take in the worker before it counts as hung (it takes
# ~0.5 s), and how often a stopped or hung worker is started again.
FILE_TIMEOUT = 60.0
FILE_PROCESS_RESTARTS = 5


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """SIGKILL the pool's worker processes (a hung one never reads its shutdown message)."""
    for process in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(ProcessLookupError, OSError, AttributeError):
            process.kill()


def _pickled(content: object) -> bytes | None:
    """``content`` as it goes to another process, or None if it cannot (only a partial over
    a module-level function and plain values can; not a lambda or a function replaced in a
    test). Pickled once, here: the export of a user with thousands of cases is megabytes of
    rows, and pickling them is the event loop's time."""
    if not isinstance(content, partial):
        return None
    try:
        return pickle.dumps(content, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError):
        return None


FILES = FileMaker()


async def file_bytes(attachment: Attachment) -> bytes:
    """An attachment's bytes; one still to be made (a PDF letter, a chart: up to ~0.5 s of
    work) is made off the event loop (``FileMaker``), so that other users' updates are not
    held up."""
    return await FILES.make(attachment)
