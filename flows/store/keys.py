"""The stored keys of names (``normalize_name``: ``cases.company_norm``,
``brokers.name_norm``), made again when the way they are made changes.

A migration does what it did when it was applied and takes nothing from the code; these keys
are the code's own, so they follow it. ``PRAGMA user_version`` says which way the file's keys
were made; ``NAME_KEYS`` is this code's. Version 1: a Latin legal form ("inc", "ltd", …) is
dropped only as a word of its own (before, "Prince Realty" was keyed "prerealty", the key of
"Pre Realty", and /who showed one's refusal for the other).
"""

from __future__ import annotations

from sqlite_utils import Database

from flows.normalize import normalize_name

NAME_KEYS = 1


def stale(db: Database) -> bool:
    """Whether the file's name keys were made another way than this code's."""
    return int(db.execute("PRAGMA user_version").fetchone()[0]) < NAME_KEYS


def rekey(db: Database) -> None:
    """Make the file's name keys this code's way, and say so in ``user_version``. Run in a
    transaction holding the write lock (``open_database``: another process starting at once
    waits, then finds them made). A broker whose new key another of the user's brokers
    already has keeps its old one: no two are merged here."""
    cases = db.execute("select id, company from cases where company is not null").fetchall()
    db.conn.executemany(
        "update cases set company_norm = ? where id = ?",
        [(normalize_name(company) or None, case_id) for case_id, company in cases],
    )
    for broker_id, user_id, name in db.execute(
        "select id, user_id, name from brokers order by id"
    ).fetchall():
        norm = normalize_name(name) or name
        taken = db.execute(
            "select 1 from brokers where user_id = ? and name_norm = ? and id != ?",
            [user_id, norm, broker_id],
        ).fetchone()
        if taken is None:
            db.execute("update brokers set name_norm = ? where id = ?", [norm, broker_id])
    db.execute(f"PRAGMA user_version={NAME_KEYS}")
