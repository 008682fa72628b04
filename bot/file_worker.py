"""The process that makes letters (PDF) and charts (PNG) for the Telegram bot.

Typesetting a letter or drawing a chart takes up to ~0.5 s of Python. Made in a thread of
the bot's process, it held the GIL in turns with the event loop, and every other user's
plain step waited behind it (head-of-line blocking). ``kotowari run`` makes them in a
worker process instead (``bot.files.FileMaker``); this module is all that process
imports besides ``flows.letters``, ``flows.stats``, ``flows.fonts`` and ``flows.export`` (not
python-telegram-bot).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import pickle
import signal
import sys

_PR_SET_PDEATHSIG = 1  # linux/prctl.h
FILE_NICENESS = 19  # added to the worker's nice value: the lowest CPU priority (BENCHMARKS.md)
_SECRETS = (
    "TELEGRAM_BOT_TOKEN",
    "WEBHOOK_SECRET",
    "LINE_CHANNEL_SECRET",
    "LINE_CHANNEL_ACCESS_TOKEN",
)


def init() -> None:
    """The worker's start: Ctrl-C is the bot's to handle (the bot shuts the worker down),
    and on Linux the worker dies with the bot even when the bot is killed (SIGKILL), instead
    of lingering or printing a traceback when its pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Its records and warnings would reach the bot's log unfiltered (fpdf names the
    # characters of a letter's names that the font lacks): the worker logs nothing; what
    # fails is raised to the bot with the file, which logs its type (``bot.logs``).
    logging.captureWarnings(True)
    logging.getLogger().handlers[:] = [logging.NullHandler()]
    logging.getLogger().setLevel(logging.CRITICAL + 1)
    # It makes files from values it is given: it needs none of the bot's secrets.
    for name in list(os.environ):
        if name in _SECRETS or name.startswith(("AWS_", "LITESTREAM_")):
            del os.environ[name]
    # Background work: on a small machine a user's step must not wait for a core while a
    # letter is typeset.
    with contextlib.suppress(OSError):
        os.nice(FILE_NICENESS)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass  # then it ends when it finds its pipe closed
    exit_if_orphaned()


def exit_if_orphaned() -> None:
    """The bot died while this process was starting, before the death signal was asked for
    (the kernel sends it only for a parent that dies after): end now. Such workers of a bot
    killed at start-up lingered for good, ~100 MB each (seen under the kill test)."""
    parent = multiprocessing.parent_process()
    if parent is not None and os.getppid() != parent.pid:
        os._exit(0)


def make(payload: bytes) -> bytes:
    """Make one file: ``payload`` is its function, pickled once by the bot
    (``bot.files._pickled``), so the bot does not pickle it a second time to send it."""
    content = pickle.loads(payload)  # the bot's own, over its pipe (as the pool's calls are)
    data: bytes = content()
    return data


def warm() -> int:
    """Import fpdf and matplotlib and load the Japanese font once (the first PDF or chart
    otherwise pays ~1 s for it, in front of the user who asked); the worker's process id."""
    from flows import fonts, letters, stats

    fonts.warm_font()
    letters.to_pdf(
        letters.Letter(kind="warm", title="準備", recipient="", date="", sender=(), content=("あ",))
    )
    stats.chart_png([("2026-01", 1)], "準備")
    return os.getpid()
