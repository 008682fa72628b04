"""The database file: created owner-only, opened with the project's settings, locked, checked,
checkpointed.

The file is created owner-only (0600) before SQLite opens it, and SQLite gives its -wal and
-shm files the same mode. ``<name>.lock`` beside it marks that a database exists there (a
missing file is then refused, not recreated empty, unless asked) and is flock'ed shared by
every running bot and shell, exclusively by ``restore``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import NamedTuple

from sqlite_utils import Database

try:
    import fcntl
except ImportError:  # Windows: no flock; restore cannot tell that a bot is running there
    fcntl = None  # type: ignore[assignment]

from flows.store import keys
from flows.store.migrations import migrations

BUSY_TIMEOUT_MS = 5000
log = logging.getLogger(__name__)


def _create_private(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


class DatabaseMissing(FileNotFoundError):
    """The database file is gone where one existed: never silently start on an empty one."""


class DatabaseInUse(RuntimeError):
    """The database is open in a running bot or shell (or a restore is under way)."""


class DatabaseFileGone(RuntimeError):
    """The file this connection opened was deleted or replaced while it was open: what is
    written now would be lost (or mixed into another file)."""


def lock_path(path: Path) -> Path:
    """``<name>.lock`` beside the database: created with it (so its existence means "a
    database existed here") and held shared by every running bot and shell (``in_use``),
    exclusively by ``restore``. Never delete it while the database should exist."""
    return path.with_name(path.name + ".lock")


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")]


def _missing_reason(path: Path) -> str | None:
    """Why a missing ``path`` must not be created afresh, or None (a fresh machine)."""
    left = [p.name for p in (lock_path(path), *_sidecars(path)) if p.exists()]
    if not left:
        return None
    return (
        f"the database {path} is missing, but one existed there ({', '.join(left)} "
        "remain beside it). Restore it (kotowari restore BACKUP, or kotowari restore "
        "--from-replica URL), or start afresh on an empty database with --create."
    )


def file_id(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return (st.st_dev, st.st_ino)


def _check_wal_belongs(path: Path) -> None:
    """Refuse a database file replaced (by hand, while stopped) beside the write-ahead log
    of the one before: SQLite would apply the old file's log to the new one."""
    marker, wal = lock_path(path), path.with_name(path.name + "-wal")
    try:
        recorded = marker.read_text("ascii").strip()
    except (FileNotFoundError, UnicodeDecodeError):
        return
    device, _, inode = recorded.partition(":")
    st = os.stat(path)
    # Another file on the same file system: copied or moved over the database. (Another
    # device: the folder was moved or copied whole, log included; that is fine.)
    replaced = device == str(st.st_dev) and inode != str(st.st_ino)
    if replaced and wal.exists() and wal.stat().st_size > 0:
        raise DatabaseInUse(
            f"{path} is not the file that was here, but the write-ahead log of the one "
            f"before ({wal.name}) remained; SQLite would apply it to this file. If the file "
            f"was replaced, move {wal.name} away (it belongs to the old file) or use kotowari "
            f"restore; if the two were copied here together, delete {marker.name} and start "
            "again."
        )


def _record_identity(path: Path) -> None:
    marker = lock_path(path)
    fd = os.open(marker, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.ftruncate(fd, 0)
        st = os.stat(path)
        os.write(fd, f"{st.st_dev}:{st.st_ino}\n".encode("ascii"))
    finally:
        os.close(fd)


def open_database(
    path: str | Path,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    *,
    create: bool = False,
    autocheckpoint: bool = True,
    shrink_wal: bool = True,
) -> Database:
    """Open (creating owner-only if needed) and migrate the database at ``path``.

    ``busy_timeout_ms``: how long a write waits for another writer before it fails (the
    user is then told to try again; nothing is half-saved).

    A missing file is created on a fresh machine; where a database existed (its
    ``.lock`` marker or a -wal/-shm file remains) ``DatabaseMissing`` is raised instead,
    unless ``create``: after a deleted file, starting empty would lose every case quietly.
    ``autocheckpoint=False`` leaves checkpoints to another process (Litestream).

    ``shrink_wal``: once a checkpoint has copied the whole write-ahead log, SQLite writes
    it again from its start but keeps the file's length, and the frames past what it
    rewrites stay there: a deleted inbox row (a message's text) or a corrected name could
    stay in the file for good. ``journal_size_limit=0`` has the next commit cut the file
    to its own frames. Not under Litestream (``shrink_wal=False``), which must not find the
    log shorter than it has read (it would start a new snapshot).
    """
    if str(path) == ":memory:":
        conn = sqlite3.connect(":memory:", isolation_level=None)
    else:
        path = Path(path).expanduser()
        if not path.exists():
            if not create and (reason := _missing_reason(path)):
                raise DatabaseMissing(reason)
            for stale in _sidecars(path):  # a log of the file that is gone: kept, set aside
                if stale.exists():
                    stale.rename(stale.with_name(f"{stale.name}.orphaned-{int(time.time())}"))
        _create_private(path)
        _check_wal_belongs(path)
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys=ON")
    # Deleted rows are overwritten with zeros, not just unlinked (some builds do this by
    # default, upstream SQLite does not): erasure must not leave data in free space.
    conn.execute("PRAGMA secure_delete=ON")
    db = Database(conn)
    with _patient(conn):
        migrate(db)
        if keys.stale(db):
            with _write_locked(conn):
                if keys.stale(db):  # read again under the lock: another process made them
                    keys.rekey(db)
    conn.execute("PRAGMA synchronous=NORMAL")
    if not autocheckpoint:
        conn.execute("PRAGMA wal_autocheckpoint=0")
    if shrink_wal:
        conn.execute("PRAGMA journal_size_limit=0")
    if str(path) != ":memory:":
        _record_identity(Path(path))
    return db


MIGRATION_WAIT_MS = 120_000


def migrate(db: Database) -> None:
    """Apply the pending migrations, also when another process does so at the same time
    (``kotowari run`` and ``kotowari line`` started together on a new or upgraded file).

    The migrations are applied and recorded under SQLite's write lock, taken before
    reading what is pending: the second process waits (``open_database`` gives it
    ``MIGRATION_WAIT_MS``: a migration over a large file can take a while), then finds them
    applied. Before, both
    read the same list and the second failed ("database is locked") and did not start.

    A migration that cannot run in a transaction (``m002_wal_journal``: a pragma) is run
    first outside it, then again under the lock with its record, where it changes nothing.
    """
    while pending := migrations.pending(db):
        ran = None
        if not pending[0].transactional:
            _outside_a_transaction(db, pending[0].fn)
            ran = pending[0].name
        with _write_locked(db.conn):
            # Read again under the lock: the other process may have applied some.
            outside = [
                m.name for m in migrations.pending(db) if not m.transactional and m.name != ran
            ]
            migrations.apply(db, stop_before=outside[:1] or None)


@contextmanager
def _write_locked(conn: sqlite3.Connection) -> Iterator[None]:
    """One transaction holding SQLite's write lock from its start (``BEGIN IMMEDIATE``):
    what is read in it stays true until its commit; rolled back if the block fails."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


@contextmanager
def _patient(conn: sqlite3.Connection) -> Iterator[None]:
    """Wait up to ``MIGRATION_WAIT_MS`` for another writer in the block (another process
    migrating or rekeying a large file), then the connection's own timeout again."""
    waited = int(conn.execute("PRAGMA busy_timeout").fetchone()[0])
    conn.execute(f"PRAGMA busy_timeout={max(waited, MIGRATION_WAIT_MS)}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA busy_timeout={waited}")


def _outside_a_transaction(db: Database, step: Callable[[Database], object]) -> None:
    """Run a migration that cannot be in a transaction: a change of journal mode, which
    does not wait while another connection holds the write lock, as a write would (SQLite
    says "database is locked" at once). Tried again every 10 ms until ``MIGRATION_WAIT_MS``.
    """
    deadline = time.monotonic() + MIGRATION_WAIT_MS / 1000
    while True:
        try:
            step(db)
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


@contextmanager
def _locked(path: Path, operation: int, busy: str) -> Iterator[None]:
    """Hold the database's ``.lock`` file with ``flock`` (shared or exclusive) for the block;
    ``DatabaseInUse(busy)`` when another process holds it the other way."""
    marker = lock_path(path)
    marker.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(marker, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            if fcntl is not None:
                fcntl.flock(fd, operation | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(busy) from None
        yield
    finally:
        os.close(fd)  # releases the lock


@contextmanager
def in_use(path: str | Path) -> Iterator[None]:
    """Mark the database as in use by this process for the block (a shared lock on its
    ``.lock`` file): ``restore`` refuses while any bot or shell holds it."""
    path = Path(path).expanduser()
    shared = fcntl.LOCK_SH if fcntl is not None else 0
    with _locked(path, shared, f"{path} is being restored; try again when it is done"):
        yield


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold the database's ``.lock`` exclusively (for a restore): ``DatabaseInUse`` when a
    bot or shell has it open."""
    busy = f"{path} is in use (the bot or a kotowari shell is running); stop it first"
    with _locked(path, fcntl.LOCK_EX if fcntl is not None else 0, busy):
        yield


def _uri(path: str | Path, mode: str) -> str:
    """The file's SQLite URI, escaped (a '?', '#' or '%' in a folder's name is the folder's)."""
    return f"{Path(path).expanduser().resolve().as_uri()}?mode={mode}"


def quick_check(path: str | Path, *, log_time: bool = True) -> list[str]:
    """SQLite's ``PRAGMA quick_check`` of the file: the problems found (none: ``[]``).

    Every page's structure is read (not the indexes against the rows: integrity_check's
    work): a damaged page is found at start-up, not by the first write that reaches it.
    """
    started = time.monotonic()
    with closing(sqlite3.connect(_uri(path, "ro"), uri=True)) as conn:
        try:
            rows = [str(row[0]) for row in conn.execute("PRAGMA quick_check(20)")]
        except sqlite3.DatabaseError as error:  # not even the schema can be read
            rows = [f"{type(error).__name__}: {error}"]
    if log_time:
        log.info("quick_check of the database took %.2f s", time.monotonic() - started)
    return [] if rows == ["ok"] else rows


# A write-ahead log larger than this is emptied (TRUNCATE) by the next checkpoint that can:
# PASSIVE checkpoints let SQLite reuse the file from its start, but never shrink it.
WAL_TRUNCATE_BYTES = 64 * 2**20
# A log no commit has written to for this long is emptied too, whatever its size: the next
# commit would cut it (``journal_size_limit=0``), but an idle bot makes none, and the frames
# of a row corrected or deleted since would stay in the file. Idle, no writer waits for it.
WAL_IDLE_SECONDS = 10.0
CHECKPOINT_PASSES = 3


class Checkpoint(NamedTuple):
    """What ``checkpoint`` did: the log's frames, how many are now in the database file,
    whether it was also emptied, and whether a reader or writer held part of it back."""

    frames: int
    copied: int
    truncated: bool
    busy: bool


def checkpoint(path: Path, truncate_above: int | None = None) -> Checkpoint:
    """Copy the write-ahead log into the database file, off the update path.

    The bot's own connection never checkpoints (``open_database(autocheckpoint=False)``):
    SQLite's automatic checkpoint runs inside the commit that crosses 1,000 pages, and
    that user's step waited 20–30 ms. This runs on a connection of its own (from a
    thread: it never holds the event loop) and never waits: PASSIVE copies what no reader
    needs; where everything was copied and the file has grown past ``truncate_above``
    bytes, or no commit has written to it for ``WAL_IDLE_SECONDS``, TRUNCATE also empties
    it, with a zero busy timeout (a reader or a writer at that moment: next time). Not
    under Litestream, which checkpoints itself.
    """
    bound = WAL_TRUNCATE_BYTES if truncate_above is None else truncate_above
    # mode=rw: a database deleted meanwhile is not created anew here (the bot finds it gone).
    with closing(sqlite3.connect(_uri(path, "rw"), uri=True, isolation_level=None)) as conn:
        conn.execute("PRAGMA busy_timeout=0")
        # Frames the bot commits meanwhile are not copied, and the log is reused from its
        # start only once all are: a second or third pass has only those few to copy.
        for _ in range(CHECKPOINT_PASSES):
            busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if busy or frames == copied:
                break
        wal = path.with_name(path.name + "-wal")
        stat = wal.stat() if wal.exists() else None
        size = stat.st_size if stat else 0
        idle = stat is not None and time.time() - stat.st_mtime >= WAL_IDLE_SECONDS
        truncated = False
        if not busy and frames == copied and (size > bound or (idle and size > 0)):
            busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            truncated = not busy
    # PASSIVE says "not busy" when a reader kept it from copying the latest frames.
    held_back = bool(busy) or (not truncated and copied < frames)
    return Checkpoint(int(frames), int(copied), truncated, held_back)
