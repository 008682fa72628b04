"""Backups and restores: a consistent copy of a live database, and putting one back without
ever giving again a number a button already carries."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

from sqlite_utils import Database

from flows.store.base import utc_now
from flows.store.files import _create_private, exclusive, open_database
from flows.store.schema import (
    CASES,
    DEFAULT_TIME_ZONE,
    ERASURES,
    INBOX,
    TABLES,
    TELEGRAM,
    USERS,
    erasure_token,
)

log = logging.getLogger(__name__)


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
    new case or reminder that got its number. A user who erased everything (/forget) since
    the backup is erased again (the replaced database's erasures, ``m022``). Returns the
    number of cases restored.
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
        _keep_replaced(target, target.with_name(target.name + ".before-restore"), marks)
    _create_private(target)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    db = open_database(target)  # applies any newer migrations, re-enables WAL
    try:
        if marks is not None:
            _erase_again(db, marks.erasures)
            _carry_forward(db, marks)
        return int(db.execute(f"select count(*) from {CASES}").fetchone()[0])
    finally:
        db.close()


def _keep_replaced(target: Path, kept: Path, marks: Marks | None) -> None:
    """Keep the database a restore replaces beside it as ``kept`` (unless one is kept
    already). One SQLite cannot read (``marks`` None) is kept as it is, with its log, and
    makes way: SQLite could not write the backup over it."""
    copied = False
    if not kept.exists():
        try:
            backup(target, kept)
        except sqlite3.DatabaseError:  # too damaged to read: what a restore is for
            kept.unlink(missing_ok=True)
            _create_private(kept)
            shutil.copyfile(target, kept)
            copied = True
    if marks is not None:
        return
    for suffix in ("-wal", "-shm"):
        side = target.with_name(target.name + suffix)
        if side.exists():
            # The log goes with the file it belongs to, never beside another one.
            aside = kept.name + suffix if copied else f"{side.name}.orphaned-{int(time.time())}"
            side.replace(side.with_name(aside))
    target.unlink()


def _erase_again(db: Database, erasures: set[str]) -> None:
    """The backup's users who erased everything since it was taken (their erasure is in the
    replaced database, ``schema.erasure_token``) are erased again, with the messages of
    theirs the backup held; the replaced database's erasures are kept for the next."""
    users = db.execute(f"select id, created_at from {USERS}").fetchall()
    erased = [int(uid) for uid, created in users if erasure_token(uid, str(created)) in erasures]
    if erased:
        from flows.store import Store  # the package's, which imports this module

        store = Store(db)
        with store.transaction():  # the write-ahead log is emptied after the commit
            for user_id in erased:
                store.forget_user(user_id)
                db.execute(f"delete from {INBOX} where user_id = ?", [user_id])
        log.warning("%d user(s) erased since the backup: erased again", len(erased))
    with db.atomic():
        db.conn.executemany(
            f"insert or ignore into {ERASURES} (token) values (?)", [(t,) for t in erasures]
        )


def check_backup(source: Path) -> None:
    """Raise ``ValueError`` unless ``source`` is an intact Kotowari database."""
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as check:
        if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise ValueError(f"{source} is damaged (integrity check failed)")
        tables = {row[0] for row in check.execute("select name from sqlite_master")}
        if not set(TABLES) <= tables:
            raise ValueError(f"{source} is not a Kotowari database")


class Marks(NamedTuple):
    """What a restore carries forward from the database it replaces."""

    # Per user: the highest case number, the language, the account's channel and id on it.
    users: dict[int, tuple[int, str, str, str | None]]
    sequences: dict[str, int]  # each AUTOINCREMENT sequence
    erasures: set[str]  # its users' erasures (``schema.erasure_token``; none before m022)


def _high_water_marks(path: Path) -> Marks | None:
    """Per user (highest case number, language, account), each AUTOINCREMENT sequence, and
    the erasures."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            columns = {row[1] for row in conn.execute(f"pragma table_info({USERS})")}
            account = (
                "channel, external_id"
                if "channel" in columns
                else f"'{TELEGRAM}', cast(id as text)"  # before m017: all Telegram's
            )
            users = {
                int(uid): (int(last or 0), str(language), str(channel), external)
                for uid, last, language, channel, external in conn.execute(
                    f"select id, last_case_number, language, {account} from {USERS}"
                )
            }
            sequences = {
                str(name): int(seq)
                for name, seq in conn.execute("select name, seq from sqlite_sequence")
            }
            tables = {row[0] for row in conn.execute("select name from sqlite_master")}
            erasures = (
                {str(row[0]) for row in conn.execute(f"select token from {ERASURES}")}
                if ERASURES in tables
                else set()
            )
    except sqlite3.Error as error:  # too old or too damaged to read: nothing to carry
        log.warning("could not read the replaced database's numbers (%s)", type(error).__name__)
        return None
    return Marks(users, sequences, erasures)


def _carry_forward(db: Database, marks: Marks) -> None:
    users, sequences, _ = marks
    now = utc_now().isoformat()
    with db.atomic():
        for user_id, (last, language, channel, external) in users.items():
            row = db.execute(
                f"select last_case_number from {USERS} where id = ?", [user_id]
            ).fetchone()
            if row is None:
                # Not in the backup (they started after it): a bare row keeps their numbers
                # and their account (a LINE user writing again is the same user); nothing
                # else about them is known any more.
                db.execute(
                    f"insert into {USERS} (id, language, time_zone, created_at, active, "
                    "last_case_number, channel, external_id) values (?, ?, ?, ?, 1, ?, ?, ?)",
                    [user_id, language, DEFAULT_TIME_ZONE, now, last, channel, external],
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
