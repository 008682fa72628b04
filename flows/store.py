"""SQLite storage: the only module that knows table names.

The schema is built by ``sqlite_utils.Migrations``: add ``m00N_…`` functions, never edit an
applied one. The database file is created owner-only (0600) before SQLite opens it, and
SQLite gives its -wal and -shm files the same mode.

Around the file: ``<name>.lock`` beside it marks that a database exists there (a missing
file is then refused, not recreated empty, unless asked) and is flock'ed shared by every
running bot and shell, exclusively by ``restore``. Each write transaction begins
``IMMEDIATE`` and first checks that the file is still the one opened.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from sqlite_utils import Database, Migrations

try:
    import fcntl
except ImportError:  # Windows: no flock; restore cannot tell that a bot is running there
    fcntl = None  # type: ignore[assignment]

from flows.normalize import normalize_name

USERS = "users"
CASES = "cases"
EVENTS = "events"
BROKERS = "brokers"
REMINDERS = "reminders"
TABLES = (USERS, CASES, EVENTS, BROKERS, REMINDERS)
# The Telegram channel's own tables (m013): updates received and not yet processed, and those
# set aside because they could not be read. Not in TABLES: a backup made before m013 is still
# a Kotowari database.
INBOX = "inbox"
DEAD_LETTERS = "dead_letters"
# A reminder waiting to be sent; "sent" ones wait for the user's answer.
DUE_STATUSES = ("pending", "snoozed")
# A reminder r to send now (due by the parameter) to its user u, who has not blocked the bot.
# Its status test is word for word the WHERE of the partial index m014 creates, which
# SQLite uses only then.
_DUE = (
    f"r.status in ({', '.join(repr(s) for s in DUE_STATUSES)}) and r.due_at <= ? and u.active = 1"
)
DEFAULT_TIME_ZONE = "Asia/Tokyo"
_CASE_FOLLOWS = "case_columns_follow"  # Store.user_with_case: where the case's columns begin
BUSY_TIMEOUT_MS = 5000

log = logging.getLogger(__name__)
migrations = Migrations("kotowari")


@migrations()
def m001_initial(db: Database) -> None:
    db.table(USERS).create(
        {
            "id": int,
            "language": str,
            "time_zone": str,
            "created_at": str,
            "active_case_id": int,
            "active": int,
        },
        pk="id",
        not_null={"language", "time_zone", "created_at", "active"},
        defaults={"active": 1, "time_zone": DEFAULT_TIME_ZONE},
    )
    db.table(BROKERS).create(
        {
            "id": int,
            "user_id": int,
            "name": str,
            "name_norm": str,
            "case_count": int,
            "first_named_at": str,
            "last_named_at": str,
        },
        pk="id",
        not_null={"user_id", "name", "name_norm", "case_count"},
        defaults={"case_count": 0},
        foreign_keys=[("user_id", USERS, "id")],
    )
    db.table(CASES).create(
        {
            "id": int,
            "user_id": int,
            "number": int,
            "state": str,
            "mode": str,
            "seq": int,
            "opened_at": str,
            "updated_at": str,
            "call_at": str,
            "ended_at": str,
            "refused_at": str,
            "push_count": int,
            "source_unknown": int,
            "broker_id": int,
            "broker_name": str,
            "company": str,
            "company_norm": str,
            "person": str,
            "phone_raw": str,
            "phone_e164": str,
            "licence": str,
            "product": str,
            "product_kind": str,
            "outcome": str,
            "repeat_of": int,
            "repeat_refused_at": str,
            "fixing": int,
            "confirmed_at": str,
            "closed_at": str,
        },
        pk="id",
        not_null={"user_id", "number", "state", "mode", "seq", "opened_at", "updated_at"},
        defaults={"seq": 0, "push_count": 0, "source_unknown": 0, "fixing": 0},
        foreign_keys=[("user_id", USERS, "id"), ("broker_id", BROKERS, "id")],
    )
    db.table(EVENTS).create(
        {
            "id": int,
            "user_id": int,
            "case_id": int,
            "at": str,
            "kind": str,
            "trigger": str,
            "state_from": str,
            "state_to": str,
            "detail": str,
        },
        pk="id",
        not_null={"user_id", "case_id", "at", "kind"},
        foreign_keys=[("user_id", USERS, "id"), ("case_id", CASES, "id")],
    )
    db.table(CASES).create_index(["user_id", "number"], unique=True)
    db.table(CASES).create_index(["user_id", "company_norm"])
    db.table(CASES).create_index(["user_id", "phone_e164"])
    db.table(CASES).create_index(["broker_id"])
    db.table(EVENTS).create_index(["case_id", "id"])
    db.table(EVENTS).create_index(["user_id"])
    db.table(BROKERS).create_index(["user_id", "name_norm"], unique=True)


@migrations(transactional=False)
def m002_wal_journal(db: Database) -> None:
    # journal_mode is persistent in the file; it cannot change inside a transaction.
    db.execute("PRAGMA journal_mode=WAL")


@migrations()
def m003_reminders(db: Database) -> None:
    db.table(REMINDERS).create(
        {
            "id": int,
            "user_id": int,
            "case_id": int,
            "kind": str,
            "due_at": str,
            "status": str,
            "attempts": int,
            "last_error": str,
            "created_at": str,
            "sent_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"user_id", "case_id", "kind", "due_at", "status", "attempts", "created_at"},
        defaults={"status": "pending", "attempts": 0},
        foreign_keys=[("user_id", USERS, "id"), ("case_id", CASES, "id")],
    )
    _reminder_indexes(db)
    db.table(USERS).add_column("quiet_hours", str, not_null_default="21-8")
    db.table(CASES).add_column("repeat_calls", int, not_null_default=0)
    db.table(CASES).add_column("last_repeat_at", str)


def _reminder_indexes(db: Database) -> None:
    # The dispatcher's query: due reminders in due order, without a scan.
    db.table(REMINDERS).create_index(["status", "due_at"])
    db.table(REMINDERS).create_index(["case_id"])
    db.table(REMINDERS).create_index(["user_id", "status"])


@migrations()
def m004_letters(db: Database) -> None:
    # The user's own name and address, kept only when they say so; "pending" holds a
    # multi-message dialog (the letter being prepared) between messages.
    for column in ("sender_name", "sender_address", "sender_phone", "pending"):
        db.table(USERS).add_column(column, str)
    db.table(CASES).add_column("letter_at", str)


@migrations()
def m005_events_by_case_only(db: Database) -> None:
    # Every message appends an event; a second index on it made that write ~30% dearer.
    # Export and erasure reach a user's events through their cases instead.
    db.execute("drop index if exists idx_events_user_id")


@migrations()
def m006_update_ids(db: Database) -> None:
    # The last channel update applied for each user, saved with the step it caused.
    db.table(USERS).add_column("last_update_id", int)


@migrations()
def m007_recent_update_ids(db: Database) -> None:
    # Telegram numbers updates afresh (at random) after a week without any, so "not above
    # the last id" does not mean "seen": the ids recently applied are kept instead
    # (users.last_update_id from m006 is no longer written).
    db.table(USERS).add_column("recent_update_ids", str)


@migrations()
def m008_case_numbers_never_reused(db: Database) -> None:
    # "max(number) + 1" gave a deleted last case's number to the next case, so an old
    # button ("delete #3") could act on the new #3. The highest number ever given is kept.
    db.table(USERS).add_column("last_case_number", int, not_null_default=0)
    db.execute(
        f"update {USERS} set last_case_number = "
        f"(select coalesce(max(number), 0) from {CASES} where user_id = {USERS}.id)"
    )


@migrations()
def m009_reminder_ids_never_reused(db: Database) -> None:
    # A reminder's buttons carry its row id ("r.57.done"). Without AUTOINCREMENT, SQLite gives
    # the highest id again once that row is deleted (with its case, or by /forget), so an
    # old button could act on somebody's new reminder 57. AUTOINCREMENT never reuses an id.
    # SQLite cannot add it to a table: the table is rebuilt, rows and indexes kept.
    (create,) = db.execute(
        "select sql from sqlite_master where type = 'table' and name = ?", [REMINDERS]
    ).fetchone()
    column = '"id" INTEGER PRIMARY KEY,'
    if create.count(column) != 1:
        raise RuntimeError(f"unexpected schema for {REMINDERS}: {create}")
    rebuilt = f"{REMINDERS}_m009"
    db.execute(
        create.replace(f'CREATE TABLE "{REMINDERS}"', f'CREATE TABLE "{rebuilt}"', 1).replace(
            column, '"id" INTEGER PRIMARY KEY AUTOINCREMENT,', 1
        )
    )
    # Copying the rows with their ids also starts the sequence after the highest of them.
    db.execute(f'insert into "{rebuilt}" select * from "{REMINDERS}"')
    db.execute(f'drop table "{REMINDERS}"')
    db.execute(f'alter table "{rebuilt}" rename to "{REMINDERS}"')
    _reminder_indexes(db)


@migrations()
def m010_shown_step(db: Database) -> None:
    # The case step ("number.seq") whose options were the last thing shown to the user: a
    # typed option number means one of those, not a step hidden behind a list since.
    db.table(USERS).add_column("shown_step", str)


@migrations()
def m011_repeat_refusal_times_only_if_known(db: Database) -> None:
    # A repeat case copied the earlier case's refused_at even when that case was recorded
    # after the call without a time (refused_at then holds when it was typed in, which
    # letters would state as a fact). Keep it only where the earlier case's call time is
    # known, the rule of letters.refusal_moment; rows whose earlier case is gone stay as
    # they are.
    db.execute(
        f"""update {CASES} set repeat_refused_at = (
            select case when e.call_at is not null or (e.mode = 'call' and e.opened_at is not null)
                then e.refused_at end
            from {CASES} e where e.user_id = {CASES}.user_id and e.number = {CASES}.repeat_of)
        where repeat_of is not null and exists (
            select 1 from {CASES} e where e.user_id = {CASES}.user_id and e.number = {CASES}.repeat_of)"""
    )


@migrations()
def m012_reminder_addressees_and_refusals(db: Database) -> None:
    # A follow-up names whom the request went to (the broker or the calling company) and
    # how (by phone or by letter), so that its text and its next step fit. A case records
    # "I did not refuse" apart from "not recorded": the coaching and the summary differ.
    db.table(REMINDERS).add_column("addressee", str)
    db.table(REMINDERS).add_column("via", str)
    db.table(CASES).add_column("not_refused", int, not_null_default=0)
    # The two-week checks made before: one made with or after a letter follows that letter
    # (to whom the latest letter before it went); the others followed step 4's answer on the
    # phone, to the broker. One after a refusal on the phone becomes what it now is: a
    # reminder to write. Literal names: a migration never changes with the code's constants.
    db.execute(
        """update reminders set via = 'letter', addressee = coalesce((
            select case json_extract(e.detail, '$.kind') when 'company_request' then 'company'
                else 'broker' end
            from events e where e.case_id = reminders.case_id and e.kind = 'letter'
                and e.at <= reminders.created_at
            order by e.at desc, e.id desc limit 1), 'broker')
        where kind = 'check_compliance' and exists (
            select 1 from events e where e.case_id = reminders.case_id and e.kind = 'letter'
                and e.at <= reminders.created_at)"""
    )
    db.execute(
        """update reminders set via = 'phone', addressee = 'broker'
        where kind = 'check_compliance' and via is null"""
    )
    db.execute(
        """update reminders set kind = 'write_letter'
        where kind = 'check_compliance' and via = 'phone' and status in ('pending', 'snoozed')
            and (select outcome from cases c where c.id = reminders.case_id) = 'declined'"""
    )


@migrations()
def m013_inbox_and_dead_letters(db: Database) -> None:
    # An update is stored here as Telegram sent it, then confirmed to Telegram, then
    # processed (per user, in order) and deleted. user_id: whose it is, for their order and
    # for /forget. No foreign key: the user may have no row yet.
    db.table(INBOX).create(
        {"id": int, "update_id": int, "user_id": int, "received_at": str, "raw": str},
        pk="id",
        not_null={"update_id", "received_at", "raw"},
    )
    db.table(INBOX).create_index(["update_id"], unique=True)
    db.table(INBOX).create_index(["user_id"])
    # An update that could not be read: only what identifies it, never its content.
    db.table(DEAD_LETTERS).create(
        {"id": int, "update_id": int, "kind": str, "error": str, "at": str},
        pk="id",
        not_null={"kind", "error", "at"},
    )
    db.table(DEAD_LETTERS).create_index(["update_id"])


@migrations()
def m014_due_reminders_in_due_order(db: Database) -> None:
    # The dispatcher's query asks for waiting reminders (two statuses) in due order. On the
    # (status, due_at) index that is two ranges, merged by sorting every due row for each
    # batch (a temp B-tree: ~50 ms a batch at 100k due). This index holds only waiting reminders,
    # in due order: a batch reads its rows and stops. Its WHERE must stay word for word the
    # dispatcher's (_DUE), or SQLite will not use it. The old index served nothing else
    # (the other reminder queries go by case or by user), and left in place the planner
    # could still prefer it. Literal names: a migration never changes with the code's
    # constants.
    db.execute("drop index if exists idx_reminders_status_due_at")
    db.execute(
        "create index if not exists idx_reminders_waiting_due_at on reminders (due_at) "
        "where status in ('pending', 'snoozed')"
    )


@migrations()
def m015_inbox_applied(db: Database) -> None:
    # A stored update is marked applied in its step's own transaction and deleted once its
    # replies are out: one found applied at the next start is only shown again, never
    # applied twice (the engine's recent update ids cover only the latest 64).
    db.table("inbox").add_column("applied_at", str)


def due_reminders_sql(one_user: bool = False) -> str:
    """``Store.due_reminders``' query (parameters: now, the user if ``one_user``, the limit).

    Without a user it is the dispatcher's: served in due order by m014's index, so a batch
    reads its rows and stops (tests check the plan: no sort)."""
    return (
        "select r.*, u.language, u.time_zone, u.quiet_hours, c.number, c.broker_name, "
        f"c.company, c.phone_raw, c.phone_e164 from {REMINDERS} r "
        f"join {USERS} u on u.id = r.user_id join {CASES} c on c.id = r.case_id "
        f"where {_DUE}{' and r.user_id = ?' if one_user else ''} order by r.due_at limit ?"
    )


def _like_escaped(text: str) -> str:
    """``text`` as a LIKE pattern matching itself (with ``escape '\\'``): % and _ literal."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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


def _file_id(path: Path) -> tuple[int, int]:
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
) -> Database:
    """Open (creating owner-only if needed) and migrate the database at ``path``.

    ``busy_timeout_ms``: how long a write waits for another writer before it fails (the
    user is then told to try again; nothing is half-saved).

    A missing file is created on a fresh machine; where a database existed (its
    ``.lock`` marker or a -wal/-shm file remains) ``DatabaseMissing`` is raised instead,
    unless ``create``: after a deleted file, starting empty would lose every case quietly.
    ``autocheckpoint=False`` leaves checkpoints to another process (Litestream).
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
    migrations.apply(db)
    conn.execute("PRAGMA synchronous=NORMAL")
    if not autocheckpoint:
        conn.execute("PRAGMA wal_autocheckpoint=0")
    if str(path) != ":memory:":
        _record_identity(Path(path))
    return db


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


def quick_check(path: str | Path, *, log_time: bool = True) -> list[str]:
    """SQLite's ``PRAGMA quick_check`` of the file: the problems found (none: ``[]``).

    Every page's structure is read (not the indexes against the rows: integrity_check's
    work): a damaged page is found at start-up, not by the first write that reaches it.
    """
    started = time.monotonic()
    uri = f"file:{Path(path).expanduser()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
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
    needs; where the file has grown past ``truncate_above`` bytes and everything was
    copied, TRUNCATE also empties it, with a zero busy timeout (a reader or a writer at
    that moment: next time). Not under Litestream, which checkpoints itself.
    """
    bound = WAL_TRUNCATE_BYTES if truncate_above is None else truncate_above
    # mode=rw: a database deleted meanwhile is not created anew here (the bot finds it gone).
    uri = f"{Path(path).resolve().as_uri()}?mode=rw"
    with closing(sqlite3.connect(uri, uri=True, isolation_level=None)) as conn:
        conn.execute("PRAGMA busy_timeout=0")
        # Frames the bot commits meanwhile are not copied, and the log is reused from its
        # start only once all are: a second or third pass has only those few to copy.
        for _ in range(CHECKPOINT_PASSES):
            busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if busy or frames == copied:
                break
        wal = path.with_name(path.name + "-wal")
        size = wal.stat().st_size if wal.exists() else 0
        truncated = False
        if not busy and frames == copied and size > bound:
            busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            truncated = not busy
    # PASSIVE says "not busy" when a reader kept it from copying the latest frames.
    held_back = bool(busy) or (not truncated and copied < frames)
    return Checkpoint(int(frames), int(copied), truncated, held_back)


def utc_now() -> datetime:
    return datetime.now(UTC)


class InboxEntry(NamedTuple):
    """An update waiting in the inbox (its JSON stays in the database until it is needed)."""

    id: int
    update_id: int
    user_id: int | None


class Store:
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
        self._prefetched: tuple[int, int, dict[str, Any]] | None = None
        self.busy_timeout_ms = int(self.conn.execute("PRAGMA busy_timeout").fetchone()[0])
        main = [row[2] for row in self.conn.execute("PRAGMA database_list") if row[1] == "main"]
        self.path = Path(main[0]) if main and main[0] else None
        self._file_id = _file_id(self.path) if self.path else None

    def check_file(self) -> None:
        """Raise ``DatabaseFileGone`` if the database file was deleted or replaced since it
        was opened (SQLite goes on writing to the open, unlinked file: lost at the restart)."""
        if self.path is None:
            return
        try:
            current: tuple[int, int] | None = _file_id(self.path)
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
        try:
            yield
            self._flush_users()
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
        if self._erased:
            self._erased = False
            self.scrub_pending = True
            self.scrub_attempts = 0
            if not self.scrub_wal():
                log.warning(
                    "erased rows are still in the write-ahead log (another connection is "
                    "reading); trying again until it is emptied"
                )

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

    # -- users ------------------------------------------------------------------------
    def user(self, user_id: int) -> dict[str, Any] | None:
        self._flush_users()
        return self._one(f"select * from {USERS} where id = ?", [user_id])

    def user_with_case(self, user_id: int) -> dict[str, Any] | None:
        """The user's row, in one statement with their active case, which the next
        ``case()`` call for it returns without reading it again (if nothing changed)."""
        self._flush_users()
        # The marker column splits the row: counted here, not at start-up, so a column a
        # newer version's migration adds meanwhile cannot shift the case's values.
        cursor = self.conn.execute(
            f"select u.*, null as {_CASE_FOLLOWS}, c.* from {USERS} u "
            f"left join {CASES} c on c.id = u.active_case_id where u.id = ?",
            [user_id],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        names = [d[0] for d in cursor.description]
        split = names.index(_CASE_FOLLOWS)
        user = dict(zip(names[:split], row[:split], strict=True))
        case_id = user["active_case_id"]
        # Only inside a transaction (which forgets it at its end): outside one, another
        # connection could change the case before it is used.
        found = case_id is not None and row[split + 1 + names[split + 1 :].index("id")] is not None
        if found and self.conn.in_transaction:
            case = dict(zip(names[split + 1 :], row[split + 1 :], strict=True))
            self._prefetched = (case_id, self.conn.total_changes, case)
        return user

    def _flush_users(self) -> None:
        if not self._user_writes:
            return
        writes, self._user_writes = self._user_writes, {}
        for user_id, values in writes.items():
            self._update(USERS, user_id, values)

    def create_user(self, user_id: int, language: str) -> dict[str, Any]:
        row = {
            "id": user_id,
            "language": language,
            "time_zone": DEFAULT_TIME_ZONE,
            "created_at": self.clock().isoformat(),
            "active_case_id": None,
            "active": 1,
        }
        self._insert(USERS, row)
        return self.user(user_id) or row

    def update_user(self, user_id: int, **values: Any) -> None:
        """Inside a transaction: written with the user's other changes (one UPDATE)."""
        if self.conn.in_transaction:
            self._user_writes.setdefault(user_id, {}).update(values)
        else:
            self._update(USERS, user_id, values)

    # -- cases ------------------------------------------------------------------------
    def case(self, case_id: int) -> dict[str, Any] | None:
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is not None:
            known_id, changes, row = prefetched
            if known_id == case_id and changes == self.conn.total_changes:
                return row
        return self._one(f"select * from {CASES} where id = ?", [case_id])

    def case_by_number(self, user_id: int, number: int) -> dict[str, Any] | None:
        return self._one(
            f"select * from {CASES} where user_id = ? and number = ?", [user_id, number]
        )

    def new_case(self, user_id: int, mode: str) -> dict[str, Any]:
        # Plain UPDATE then SELECT (not RETURNING: that needs SQLite 3.35, newer than some
        # systems' Python has); both run inside the message's transaction.
        self._flush_users()
        self.conn.execute(
            f"update {USERS} set last_case_number = last_case_number + 1 where id = ?", [user_id]
        )
        row = self.conn.execute(
            f"select last_case_number from {USERS} where id = ?", [user_id]
        ).fetchone()
        now = self.clock().isoformat()
        case: dict[str, Any] = {
            "user_id": user_id,
            "number": row[0],
            "state": "new",
            "mode": mode,
            "seq": 0,
            "opened_at": now,
            "updated_at": now,
            "push_count": 0,
            "source_unknown": 0,
            "fixing": 0,
        }
        case["id"] = self._insert(CASES, case)
        self.add_event(case, "opened", detail={"mode": mode})
        return self.case(case["id"]) or case

    def save_case(self, before: dict[str, Any], after: dict[str, Any]) -> None:
        """Write the columns that changed; keep the broker table in step."""
        if after.get("broker_name") != before.get("broker_name"):
            after["broker_id"] = self._broker_for(after["user_id"], after.get("broker_name"))
        changed = {k: v for k, v in after.items() if before.get(k) != v and k != "id"}
        if not changed:
            return
        changed["updated_at"] = self.clock().isoformat()
        self._update(CASES, after["id"], changed)
        after["updated_at"] = changed["updated_at"]
        if "broker_id" in changed:
            for broker_id in (before.get("broker_id"), after.get("broker_id")):
                if broker_id is not None:
                    self._recount_broker(broker_id)

    def _broker_for(self, user_id: int, name: str | None) -> int | None:
        if not name:
            return None
        norm = normalize_name(name) or name
        now = self.clock().isoformat()
        row = self._one(
            f"select id from {BROKERS} where user_id = ? and name_norm = ?", [user_id, norm]
        )
        if row is not None:
            self._update(BROKERS, row["id"], {"last_named_at": now})
            return int(row["id"])
        return self._insert(
            BROKERS,
            {
                "user_id": user_id,
                "name": name,
                "name_norm": norm,
                "case_count": 0,
                "first_named_at": now,
                "last_named_at": now,
            },
        )

    def _recount_broker(self, broker_id: int) -> None:
        self.conn.execute(
            f"update {BROKERS} set case_count = "
            f"(select count(*) from {CASES} where broker_id = ?) where id = ?",
            [broker_id, broker_id],
        )

    def earlier_refusal(self, case: dict[str, Any]) -> dict[str, Any] | None:
        """The user's first refusal of the same company or number *before this call*, in
        another case (a cancelled case counts: the refusal was still made)."""
        company, phone = case.get("company_norm"), case.get("phone_e164")
        if not company and not phone:
            return None
        # The call's time; until the user says when (after a call), it was before now.
        called = case.get("call_at") or case["opened_at"]
        return self._one(
            f"""select number, refused_at, company, phone_raw, phone_e164, mode, call_at,
            opened_at from {CASES}
            where user_id = ? and id != ? and refused_at is not null and refused_at < ?
              and ((company_norm = ? and company_norm != '') or phone_e164 = ?)
            order by refused_at limit 1""",
            [case["user_id"], case["id"], called, company or None, phone or None],
        )

    def recent_cases(self, user_id: int, limit: int, offset: int = 0) -> list[dict[str, Any]]:
        return self._all(
            f"select * from {CASES} where user_id = ? order by number desc limit ? offset ?",
            [user_id, limit, offset],
        )

    def count_cases(self, user_id: int) -> int:
        row = self.db.execute(f"select count(*) from {CASES} where user_id = ?", [user_id])
        return int(row.fetchone()[0])

    def search_cases(
        self, user_id: int, text: str, phone_e164: str | None, limit: int
    ) -> list[dict[str, Any]]:
        """Cases whose company, caller, broker or number match what the user typed."""
        escaped = _like_escaped(text)
        like = " like :pattern escape '\\'"
        where = (
            f"user_id = :user and (company{like} or person{like} or broker_name{like} "
            f"or phone_raw{like} or company_norm like :norm escape '\\' or phone_e164 = :phone)"
        )
        return self._all(
            f"select * from {CASES} where {where} order by number desc limit :limit",
            {
                "user": user_id,
                "pattern": f"%{escaped}%",
                "norm": f"%{_like_escaped(normalize_name(text)) or escaped}%",
                "phone": phone_e164,
                "limit": limit,
            },
        )

    def brokers(self, user_id: int) -> list[dict[str, Any]]:
        return self._all(
            f"select * from {BROKERS} where user_id = ? order by last_named_at desc", [user_id]
        )

    def broker_cases(self, broker_id: int) -> list[dict[str, Any]]:
        return self._all(f"select * from {CASES} where broker_id = ? order by number", [broker_id])

    def delete_case(self, case: dict[str, Any]) -> None:
        """Remove a case with its events and reminders (the user asked; confirmed)."""
        self._erased = True
        self._flush_users()
        for table in (EVENTS, REMINDERS):
            self.db.execute(f"delete from {table} where case_id = ?", [case["id"]])
        self.db.execute(
            f"update {USERS} set active_case_id = null where active_case_id = ?", [case["id"]]
        )
        self.db.execute(f"delete from {CASES} where id = ?", [case["id"]])
        if case.get("broker_id") is not None:
            self._recount_broker(case["broker_id"])

    def user_rows(self, user_id: int) -> dict[str, list[dict[str, Any]]]:
        """Everything stored about one user, table by table (for export)."""
        self._flush_users()
        rows = {USERS: self._all(f"select * from {USERS} where id = ?", [user_id])}
        for table in (CASES, BROKERS, REMINDERS):
            rows[table] = self._all(
                f"select * from {table} where user_id = ? order by id", [user_id]
            )
        rows[EVENTS] = self._all(
            f"select * from {EVENTS} where case_id in (select id from {CASES} where user_id = ?) "
            "order by id",
            [user_id],
        )
        return rows

    def forget_user(self, user_id: int) -> None:
        """Delete every row that belongs to the user, in every table."""
        self._erased = True
        self._flush_users()
        self.db.execute(f"update {USERS} set active_case_id = null where id = ?", [user_id])
        self.db.execute(
            f"delete from {EVENTS} where case_id in (select id from {CASES} where user_id = ?)",
            [user_id],
        )
        # Not the inbox: its rows are messages the user sent after this one (processed in
        # order, so none from before is left); they start afresh.
        for table in (REMINDERS, CASES, BROKERS):
            self.db.execute(f"delete from {table} where user_id = ?", [user_id])
        self.db.execute(f"delete from {USERS} where id = ?", [user_id])

    # -- events -----------------------------------------------------------------------
    def add_event(
        self,
        case: dict[str, Any],
        kind: str,
        *,
        trigger: str | None = None,
        state_from: str | None = None,
        state_to: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self._insert(
            EVENTS,
            {
                "user_id": case["user_id"],
                "case_id": case["id"],
                "at": self.clock().isoformat(),
                "kind": kind,
                "trigger": trigger,
                "state_from": state_from,
                "state_to": state_to,
                "detail": json.dumps(detail, ensure_ascii=False) if detail else None,
            },
        )

    # -- reminders --------------------------------------------------------------------
    def add_reminder(
        self,
        case: dict[str, Any],
        kind: str,
        due_at: datetime,
        addressee: str | None = None,
        via: str | None = None,
    ) -> int:
        """A reminder for the case; ``addressee`` ("broker" or "company") and ``via`` ("phone"
        or "letter") say which request it follows up, where it follows one."""
        now = self.clock().isoformat()
        return self._insert(
            REMINDERS,
            {
                "user_id": case["user_id"],
                "case_id": case["id"],
                "kind": kind,
                "due_at": due_at.isoformat(),
                "status": "pending",
                "attempts": 0,
                "created_at": now,
                "updated_at": now,
                "addressee": addressee,
                "via": via,
            },
        )

    def reminder(self, reminder_id: int) -> dict[str, Any] | None:
        return self._one(f"select * from {REMINDERS} where id = ?", [reminder_id])

    def reminder_waiting(self, reminder_id: int, now: datetime) -> bool:
        """Whether the reminder is still due by ``now`` (not cancelled, done, snoozed to later
        or deleted since it was found due) for a user who has not blocked the bot."""
        self._flush_users()
        row = self.conn.execute(
            f"select 1 from {REMINDERS} r join {USERS} u on u.id = r.user_id "
            f"where r.id = ? and {_DUE}",
            [reminder_id, now.isoformat()],
        ).fetchone()
        return row is not None

    def update_reminder(self, reminder_id: int, **values: Any) -> None:
        values["updated_at"] = self.clock().isoformat()
        self._update(REMINDERS, reminder_id, values)

    def close_reminders(
        self,
        case_id: int,
        status: str,
        kinds: tuple[str, ...] | None = None,
        addressee: str | None = None,
    ) -> int:
        """End a case's open reminders (waiting or sent) as ``done`` or ``cancelled``, of
        these kinds and about this addressee if given; how many there were."""
        sql = (
            f"update {REMINDERS} set status = ?, updated_at = ? "
            "where case_id = ? and status in ('pending', 'snoozed', 'sent')"
        )
        params: list[Any] = [status, self.clock().isoformat(), case_id]
        if kinds:
            sql += f" and kind in ({', '.join('?' for _ in kinds)})"
            params += list(kinds)
        if addressee:
            # Rows from before m012 have no addressee: a broker's, where the case has one.
            sql += " and coalesce(addressee, 'broker') = ?"
            params.append(addressee)
        return int(self.conn.execute(sql, params).rowcount)

    def due_reminders(
        self, now: datetime, limit: int, user_id: int | None = None
    ) -> list[dict[str, Any]]:
        """Waiting reminders due by ``now`` for users who have not blocked the bot, with what
        it takes to render them (the user's language and zone, the case's names)."""
        self._flush_users()
        params: list[Any] = [now.isoformat()]
        if user_id is not None:
            params.append(user_id)
        params.append(limit)
        cursor = self.conn.execute(due_reminders_sql(user_id is not None), params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def waiting_reminders(self, user_id: int) -> list[dict[str, Any]]:
        return self._all(
            f"select * from {REMINDERS} where user_id = ? and status in ('pending', 'snoozed') "
            "order by due_at",
            [user_id],
        )

    def events(self, case_id: int) -> list[dict[str, Any]]:
        return self._all(f"select * from {EVENTS} where case_id = ? order by id", [case_id])

    # -- the inbox and dead letters (bot/inbox.py) -------------------------------------
    def inbox_add(self, updates: Sequence[tuple[int, int | None, str]]) -> list[InboxEntry]:
        """Store received updates ``(update_id, user_id, raw JSON)`` in one transaction; the
        entries added (an update already waiting is not added twice)."""
        now = self.clock().isoformat()
        added: list[InboxEntry] = []
        with self.transaction():
            for update_id, user_id, raw in updates:
                cursor = self.conn.execute(
                    f"insert or ignore into {INBOX} (update_id, user_id, received_at, raw) "
                    "values (?, ?, ?, ?)",
                    [update_id, user_id, now, raw],
                )
                if cursor.rowcount:
                    added.append(InboxEntry(int(cursor.lastrowid or 0), update_id, user_id))
        return added

    def inbox_waiting(self) -> list[InboxEntry]:
        """Every update stored and not yet processed, in the order received."""
        rows = self.conn.execute(f"select id, update_id, user_id from {INBOX} order by id")
        return [InboxEntry(*row) for row in rows.fetchall()]

    def inbox_raw(self, entry_id: int) -> str | None:
        """An update's JSON, or None once it is gone (processed, or erased by /forget)."""
        row = self.conn.execute(f"select raw from {INBOX} where id = ?", [entry_id]).fetchone()
        return None if row is None else str(row[0])

    def inbox_mark_applied(self, entry_id: int) -> None:
        """In the step's transaction: this stored update's step is applied."""
        self.conn.execute(
            f"update {INBOX} set applied_at = ? where id = ?", [self.clock().isoformat(), entry_id]
        )

    def inbox_applied(self, entry_id: int) -> bool:
        row = self.conn.execute(
            f"select applied_at is not null from {INBOX} where id = ?", [entry_id]
        ).fetchone()
        return bool(row and row[0])

    def inbox_done(self, entry_id: int) -> None:
        with self.transaction():
            self.conn.execute(f"delete from {INBOX} where id = ?", [entry_id])

    def set_aside(
        self, update_id: int | None, kind: str, error: str, entry_id: int | None = None
    ) -> int:
        """Record an update that cannot be read, once (a webhook may deliver it twice at
        once), and drop it from the inbox; how many are set aside in all."""
        with self.transaction():
            known = (
                update_id is not None
                and self.conn.execute(
                    f"select 1 from {DEAD_LETTERS} where update_id = ?", [update_id]
                ).fetchone()
            )
            if not known:
                row = {"update_id": update_id, "kind": kind, "error": error}
                self._insert(DEAD_LETTERS, {**row, "at": self.clock().isoformat()})
            if entry_id is not None:
                self.conn.execute(f"delete from {INBOX} where id = ?", [entry_id])
        return int(self.conn.execute(f"select count(*) from {DEAD_LETTERS}").fetchone()[0])

    def last_event(self, case_id: int) -> dict[str, Any] | None:
        """The case's latest event (engine: a typed answer sent twice)."""
        return self._one(
            f"select * from {EVENTS} where case_id = ? order by id desc limit 1", [case_id]
        )

    def dead_letters(self) -> list[dict[str, Any]]:
        return list(self.db.table(DEAD_LETTERS).rows_where(order_by="id"))


def backup(source: str | Path, target: str | Path) -> int:
    """A consistent copy of a live database (SQLite's online backup), owner-only.

    Safe while the bot runs: the copy is a snapshot of one moment. Returns the number of
    cases in the copy. Refuses to overwrite an existing file.
    """
    target = Path(target).expanduser()
    if target.exists():
        raise FileExistsError(f"{target} already exists")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    with (
        closing(sqlite3.connect(Path(source).expanduser())) as src,
        closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        return int(dst.execute(f"select count(*) from {CASES}").fetchone()[0])


def restore(source: str | Path, target: str | Path) -> int:
    """Replace the database at ``target`` with the backup at ``source``.

    Refused (``DatabaseInUse``) while a bot or shell has the database open. The backup is
    checked first (integrity, schema); the current database is kept beside it as
    ``<name>.before-restore`` unless that exists. Numbers that buttons carry are never given
    again: each user's highest case number and the id sequences (reminders) are carried
    forward from the replaced database, so a button sent after the backup cannot act on a
    new case or reminder that got its number. Returns the number of cases restored.
    """
    source, target = Path(source).expanduser(), Path(target).expanduser()
    check_backup(source)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with exclusive(target):
        return restore_unlocked(source, target)


def restore_unlocked(source: Path, target: Path) -> int:
    """``restore``'s work, for a caller that holds ``exclusive(target)``."""
    marks = _high_water_marks(target) if target.exists() else None
    if target.exists():
        kept = target.with_name(target.name + ".before-restore")
        if not kept.exists():
            backup(target, kept)
    _create_private(target)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    db = open_database(target)  # applies any newer migrations, re-enables WAL
    try:
        if marks is not None:
            _carry_forward(db, marks)
        return int(db.execute(f"select count(*) from {CASES}").fetchone()[0])
    finally:
        db.close()


def check_backup(source: Path) -> None:
    """Raise ``ValueError`` unless ``source`` is an intact Kotowari database."""
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as check:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise ValueError(f"{source} is damaged (integrity check failed)")
        tables = {row[0] for row in check.execute("select name from sqlite_master")}
        if not set(TABLES) <= tables:
            raise ValueError(f"{source} is not a Kotowari database")


HighWater = tuple[dict[int, tuple[int, str]], dict[str, int]]


def _high_water_marks(path: Path) -> HighWater | None:
    """Per user (highest case number, language) and each AUTOINCREMENT sequence."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            users = {
                int(uid): (int(last or 0), str(language))
                for uid, last, language in conn.execute(
                    f"select id, last_case_number, language from {USERS}"
                )
            }
            sequences = {
                str(name): int(seq)
                for name, seq in conn.execute("select name, seq from sqlite_sequence")
            }
    except sqlite3.Error as error:  # too old or too damaged to read: nothing to carry
        log.warning("could not read the replaced database's numbers (%s)", type(error).__name__)
        return None
    return users, sequences


def _carry_forward(db: Database, marks: HighWater) -> None:
    users, sequences = marks
    now = utc_now().isoformat()
    with db.atomic():
        for user_id, (last, language) in users.items():
            row = db.execute(
                f"select last_case_number from {USERS} where id = ?", [user_id]
            ).fetchone()
            if row is None:
                # Not in the backup (they started after it): a bare row keeps their numbers;
                # nothing else about them is known any more.
                db.execute(
                    f"insert into {USERS} (id, language, time_zone, created_at, active, "
                    "last_case_number) values (?, ?, ?, ?, 1, ?)",
                    [user_id, language, DEFAULT_TIME_ZONE, now, last],
                )
            elif int(row[0] or 0) < last:
                db.execute(f"update {USERS} set last_case_number = ? where id = ?", [last, user_id])
        for name, seq in sequences.items():
            current = db.execute("select seq from sqlite_sequence where name = ?", [name])
            found = current.fetchone()
            if found is None:
                db.execute("insert into sqlite_sequence (name, seq) values (?, ?)", [name, seq])
            elif int(found[0]) < seq:
                db.execute("update sqlite_sequence set seq = ? where name = ?", [seq, name])
