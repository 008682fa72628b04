"""The store's connection: transactions, the buffered user row, erasure scrubbing."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from flows.store.files import DatabaseFileGone, file_id
from flows.store.rows import Case, Table
from flows.store.schema import (
    INBOX,
    USERS,
)

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreBase:
    """Typed access to the tables for one database connection.

    The per-message paths use plain SQL through the connection: sqlite-utils' ``insert`` and
    ``update`` look the table's columns up (PRAGMA) and open a savepoint on every call,
    which cost more than the statements themselves. sqlite-utils builds the schema.
    """

    def __init__(self, db: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self.db = db
        self.clock = clock
        self.conn = db.conn
        self._erased = False  # rows were deleted on request: scrub the log after the commit
        # Erased rows still in the write-ahead log (a reader kept the checkpoint from
        # emptying it): scrub_wal() is tried again until it succeeds.
        self.scrub_pending = False
        self.scrub_attempts = 0
        # Set to a list by a benchmark: each COMMIT's duration in seconds is appended, wall
        # clock and this thread's CPU time.
        self.commit_times: list[tuple[float, float]] | None = None
        # A message changes its user's row several times (the update id, the step shown,
        # the active case, a dialog): the changes are merged and written once, before the
        # commit or before any statement that reads or writes users.
        self._user_writes: dict[int, dict[str, Any]] = {}
        # The active case read with its user (user_with_case): handed out once by case(),
        # while no row has changed since (sqlite3's total_changes); then read again.
        self._prefetched: tuple[int, int, Case] | None = None
        # Inbox rows whose updates are handled: deleted by the next write transaction, just
        # before its COMMIT (``inbox_done_later``), rather than each in a COMMIT of its own.
        # Kept as (row id, update id) pairs (see ``inbox_done_later``).
        self._inbox_done_waiting: set[tuple[int, int]] = set()
        self.busy_timeout_ms = int(self.conn.execute("PRAGMA busy_timeout").fetchone()[0])
        main = [row[2] for row in self.conn.execute("PRAGMA database_list") if row[1] == "main"]
        self.path = Path(main[0]) if main and main[0] else None
        self._file_id = file_id(self.path) if self.path else None

    def check_file(self) -> None:
        """Raise ``DatabaseFileGone`` if the database file was deleted or replaced since it
        was opened (SQLite goes on writing to the open, unlinked file: lost at the restart)."""
        if self.path is None:
            return
        try:
            current: tuple[int, int] | None = file_id(self.path)
        except FileNotFoundError:
            current = None
        if current != self._file_id:
            what = "deleted" if current is None else "replaced by another file"
            raise DatabaseFileGone(f"the database file {self.path} was {what} while open")

    def _one(self, sql: str, params: Sequence[Any]) -> dict[str, Any] | None:
        cursor = self.conn.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        columns = ", ".join(f'"{name}"' for name in row)
        marks = ", ".join("?" for _ in row)
        cursor = self.conn.execute(
            f"insert into {table} ({columns}) values ({marks})", list(row.values())
        )
        return int(cursor.lastrowid or 0)

    def _update(self, table: str, row_id: int, values: dict[str, Any]) -> None:
        assignments = ", ".join(f'"{name}" = ?' for name in values)
        self.conn.execute(
            f"update {table} set {assignments} where id = ?", [*values.values(), row_id]
        )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (a savepoint inside another one).

        ``BEGIN IMMEDIATE``: the write lock is taken first, waiting up to the busy timeout
        for another writer (a shell, a backup). A deferred ``BEGIN`` reads first, and SQLite
        cannot wait when such a transaction then upgrades to a write: it failed at once.

        The outer transaction (not a savepoint) also deletes the handled inbox rows waiting
        (``inbox_done_later``), just before its COMMIT; they stop waiting only once it has
        committed (after a rollback the next transaction deletes them).
        """
        erased_before = self._erased  # an outer transaction's erasure survives a failed inner one
        if self.conn.in_transaction:
            self._flush_users()  # what stays buffered after a failed savepoint is its own
            try:
                with self.db.atomic():  # a savepoint
                    yield
                    self._flush_users()
            except BaseException:
                self._erased = erased_before
                self._user_writes.clear()
                raise
            return
        self.check_file()
        self.conn.execute("BEGIN IMMEDIATE")
        deleted: tuple[tuple[int, int], ...] = ()
        try:
            yield
            self._flush_users()
            deleted = self._delete_inbox_done()
            if self.commit_times is None:
                self.conn.execute("COMMIT")
            else:
                started, cpu = time.perf_counter(), time.thread_time()
                self.conn.execute("COMMIT")
                self.commit_times.append((time.perf_counter() - started, time.thread_time() - cpu))
        except BaseException:
            self._erased = erased_before
            self._user_writes.clear()
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        finally:
            self._prefetched = None
        # Only once committed: after a rollback they wait for the next transaction.
        self._inbox_done_waiting.difference_update(deleted)
        if self._erased:
            self._erased = False
            self.scrub_pending = True
            self.scrub_attempts = 0
            if not self.scrub_wal():
                log.warning(
                    "erased rows are still in the write-ahead log (another connection is "
                    "reading); trying again until it is emptied"
                )

    def _delete_inbox_done(self) -> tuple[tuple[int, int], ...]:
        """In the outer transaction, before its COMMIT: delete the handled inbox rows
        waiting, each by its row id and update id; the pairs deleted. A row already gone
        (erased, set aside), or its id reused by a newer update, costs nothing."""
        if not self._inbox_done_waiting:
            return ()
        pairs = tuple(self._inbox_done_waiting)
        self.conn.executemany(f"delete from {INBOX} where id = ? and update_id = ?", pairs)
        return pairs

    def scrub_wal(self) -> bool:
        """After an erasure: the write-ahead log still holds the pages as they were before
        (the rows in clear); copy it into the database (where they are zeroed) and empty it.

        One attempt that never waits (a reader, e.g. an operator's sqlite3 session or a
        backup, makes it fail): True once the log is empty, and the erasure is logged as
        having reached the files. Callers try again, in the background, while
        ``scrub_pending``.
        """
        if not self.scrub_pending:
            return True
        self.scrub_attempts += 1
        try:
            self.conn.execute("PRAGMA busy_timeout=0")
            try:
                busy, _, _ = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                self.conn.execute(f"PRAGMA busy_timeout={self.busy_timeout_ms}")
        except sqlite3.Error as error:  # the erasure itself is committed
            log.warning("could not checkpoint after an erasure (%s)", type(error).__name__)
            return False
        if busy:
            return False
        self.scrub_pending = False
        log.info(
            "erasure reached the database files: write-ahead log emptied (attempt %d)",
            self.scrub_attempts,
        )
        return True

    def close(self) -> None:
        self.db.close()

    def _all(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        # What sqlite-utils' rows_where returns, without its look-ups of the schema
        # (sqlite_master, twice per call) before every query.
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def _table(self, sql: str, params: Sequence[Any] = ()) -> Table:
        """A query's column names and its rows as tuples."""
        cursor = self.conn.cursor()
        cursor.row_factory = None
        cursor.execute(sql, params)
        return tuple(d[0] for d in cursor.description), cursor.fetchall()

    def _flush_users(self) -> None:
        if not self._user_writes:
            return
        writes, self._user_writes = self._user_writes, {}
        for user_id, values in writes.items():
            self._update(USERS, user_id, values)

    def update_user(self, user_id: int, **values: Any) -> None:
        """Inside a transaction: written with the user's other changes (one UPDATE)."""
        if self.conn.in_transaction:
            self._user_writes.setdefault(user_id, {}).update(values)
        else:
            self._update(USERS, user_id, values)
