"""The database's upkeep that every channel's loop does between messages."""

from __future__ import annotations

import logging

from flows.port import ChannelStorage

log = logging.getLogger(__name__)

# Erasure retries (one per reminder period) before a reader holding them off is an ERROR:
# about an hour at the default period.
SCRUB_PATIENCE = 120


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
