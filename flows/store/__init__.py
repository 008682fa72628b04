"""SQLite storage, by job.

- ``schema`` — table names and shared statements (the only place the code names a table);
- ``migrations`` — the schema, one ``sqlite_utils`` migration per change, names written out;
- ``files`` — the database file: owner-only creation, opening, locks, checks, checkpoints;
- ``base``, ``cases``, ``queues`` — the repository, one part per group of tables, put
  together in ``Store``;
- ``backup`` — backups and restores.

``Store`` is one class made of its parts (mixins over ``StoreBase``, which holds the
connection and the transaction) rather than one object per table: a message's work is one
transaction over several tables, and callers keep one ``store.case(...)``,
``store.add_event(...)`` vocabulary. The names most callers need are importable from here.
"""

from __future__ import annotations

from flows.store.backup import backup, check_backup, restore, restore_unlocked
from flows.store.base import utc_now
from flows.store.cases import CaseRows
from flows.store.files import (
    BUSY_TIMEOUT_MS,
    Checkpoint,
    DatabaseFileGone,
    DatabaseInUse,
    DatabaseMissing,
    checkpoint,
    exclusive,
    in_use,
    lock_path,
    open_database,
    quick_check,
)
from flows.store.lookback import LookbackRows
from flows.store.queues import InboxEntry, QueueRows
from flows.store.schema import (
    ADDRESS_OF,
    BROKERS,
    CASES,
    DEAD_LETTERS,
    DEFAULT_TIME_ZONE,
    DUE_STATUSES,
    EVENTS,
    INBOX,
    LINE,
    OWN_IDS_FROM,
    REMINDERS,
    SHELL,
    TABLES,
    TELEGRAM,
    USERS,
    due_reminders_sql,
)
from flows.store.users import UserRows


class Store(UserRows, CaseRows, LookbackRows, QueueRows):
    """Typed access to the tables for one database connection (``flows.store.base``)."""


__all__ = [
    "ADDRESS_OF",
    "BROKERS",
    "BUSY_TIMEOUT_MS",
    "CASES",
    "DEAD_LETTERS",
    "DEFAULT_TIME_ZONE",
    "DUE_STATUSES",
    "EVENTS",
    "INBOX",
    "LINE",
    "OWN_IDS_FROM",
    "REMINDERS",
    "SHELL",
    "TABLES",
    "TELEGRAM",
    "USERS",
    "Checkpoint",
    "DatabaseFileGone",
    "DatabaseInUse",
    "DatabaseMissing",
    "InboxEntry",
    "Store",
    "backup",
    "check_backup",
    "checkpoint",
    "due_reminders_sql",
    "exclusive",
    "in_use",
    "lock_path",
    "open_database",
    "quick_check",
    "restore",
    "restore_unlocked",
    "utc_now",
]
