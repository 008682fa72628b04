"""The database's upkeep that every channel's loop does between messages."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

from flows.dialogs import KEPT_FOR
from flows.port import ChannelStorage
from flows.store import checkpoint

log = logging.getLogger(__name__)

# Erasure retries (one per reminder period, and one after each file made) before a reader
# holding them off is an ERROR: about an hour at the default period, sooner while files are
# being made.
SCRUB_PATIENCE = 120

# Reminders a dispatcher round tries between two checkpoints it makes itself: each "sent"
# mark adds ~11 KB to the write-ahead log, so ~11 MB (a failure is written too).
CHECKPOINT_EVERY_SENT = 1000


def retry_scrub(store: ChannelStorage, replicating: bool = False) -> None:
    """Try again to empty the write-ahead log of erased rows (``Store.scrub_wal``); each
    try returns at once. Tried every reminder period until it succeeds; an ERROR, once,
    when a reader has held it off for ``SCRUB_PATIENCE`` tries. Under Litestream, which
    keeps a read transaction open, it never could: the log is Litestream's to checkpoint
    (and the erased rows leave the replica with its retention, SECURITY.md)."""
    if not store.scrub_pending:
        return
    if replicating:
        store.scrub_pending = False
        log.info("erasure: the write-ahead log is emptied by Litestream's next checkpoint")
        return
    if store.scrub_wal():
        return
    if store.scrub_attempts == SCRUB_PATIENCE:
        log.error(
            "erased rows are still in the write-ahead log after %d tries: a connection "
            "has been reading the database all along (an sqlite3 session, a backup tool?); "
            "end it, and the next try empties the log",
            store.scrub_attempts,
        )


def drop_stale_dialogs(store: ChannelStorage) -> None:
    """Delete the side dialogs left unanswered for ``dialogs.KEPT_FOR``, every reminder
    period: one statement over the users with a dialog open (``users_pending``)."""
    try:
        dropped = store.drop_stale_dialogs(KEPT_FOR)
    except sqlite3.Error as error:  # busy past the timeout: the next period tries again
        log.info("abandoned dialogs not deleted now (%s)", type(error).__name__)
        return
    if dropped:
        log.info("deleted %d abandoned dialog(s)", dropped)


async def checkpoint_wal(db_path: Path, replicating: bool = False) -> None:
    """The bot's checkpoint of the write-ahead log, off the event loop's thread
    (``flows.store.checkpoint``: it never waits for a reader or writer); none under
    Litestream, which makes its own and must not find the log truncated under it.

    Telegram's checkpoint job makes one every 30 s (or every reminder period if shorter),
    LINE's loop one every reminder period, and a long reminder round one every
    ``CHECKPOINT_EVERY_SENT`` reminders, waiting for it: at 100k due, a round grew the log
    past a gigabyte between two of the timer's checkpoints, and emptying a log that big held
    every writer, the event loop's too, for 0.1-0.3 s (BENCHMARKS.md). While the round
    waits nothing of it is written, so the checkpoint copies the whole log and the next
    mark writes it from its start again.
    """
    if replicating:
        return
    try:
        done = await asyncio.to_thread(checkpoint, db_path)
    except (sqlite3.Error, OSError) as error:  # OSError: the log's file gone meanwhile
        log.warning("checkpoint failed (%s); trying again next time", type(error).__name__)
        return
    if done.busy:
        log.info("checkpoint held back by a reader or writer; trying again next time")
