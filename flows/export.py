"""The files of ``/export``: one JSON file with every table, and CSV files for cases and
events.

For a user with a few thousand cases, reading the rows and writing the files are ~0.8 s of
Python, during which no other user's step would be answered. So the step reads nothing: it
names where the rows are (``Stored``: the database file and one query per table), and the
files are read and written later, by the channel, off its event loop (``bot.files``), like
letters, in the worker process, over a read-only connection of its own, once for the three
files (``snapshot``: they show the same moment). The channels hold the user's lock until the
files are sent: no later step of theirs (an erasure, a new case) comes between. A database
in memory has no file to open: its rows are read in the step (``Store.user_export``). This
module imports only the standard library, for the process that writes the files. Moments
are written in the user's time zone, with its offset (2026-11-20T15:00:00+09:00).
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from flows.store.rows import Table

# A cell starting with one of these is a formula to Excel and LibreOffice ("+81 90-…" typed
# as a phone number, or "=HYPERLINK(…)" typed as a company name by a prankster).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class StoreChanged(Exception):
    """The database file is no longer the one the step named (deleted, or another file moved
    into its place by hand): nothing is read from another file. (``kotowari restore`` writes
    in place, but refuses while the bot, and so its file worker, runs.)"""


@dataclass(frozen=True)
class Stored:
    """A user's tables, to be read when the files are written: the database file, which file
    it was (device and inode: ``flows.store.files.file_id``), and each table's query.

    ``for_files(parts)``: one export's files, read once for all of them (``snapshot``)."""

    path: str
    file_id: tuple[int, int]
    queries: tuple[tuple[str, str, tuple[Any, ...]], ...]  # (table, SQL, parameters)
    export_id: str = ""  # tells one export from the next (the same user's, the same queries)
    parts: tuple[str, ...] = ()  # the files made from one reading ("json" or a table's name)

    def for_files(self, parts: tuple[str, ...]) -> Stored:
        return replace(self, export_id=secrets.token_hex(8), parts=parts)

    def read(self, names: tuple[str, ...] | None = None) -> dict[str, Table]:
        """The tables (all, or ``names``), read in one transaction over a read-only
        connection of its own."""
        wanted = [q for q in self.queries if names is None or q[0] in names]
        uri = Path(self.path).as_uri() + "?mode=ro"
        self._check()  # mode=ro creates no file, but opens whatever is at the path now
        conn = sqlite3.connect(uri, uri=True, timeout=5.0, isolation_level=None)
        try:
            conn.execute("begin")
            tables = {}
            for table, sql, params in wanted:
                cursor = conn.execute(sql, params)
                tables[table] = (tuple(d[0] for d in cursor.description), cursor.fetchall())
            conn.execute("commit")
            self._check()  # not replaced while it was opened
            return tables
        finally:
            conn.close()

    def _check(self) -> None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            raise StoreChanged("the database file is gone") from None
        if (st.st_dev, st.st_ino) != self.file_id:
            raise StoreChanged("the database file was replaced")


# Rows already read (a database in memory), or where to read them.
Tables = Mapping[str, "Table"] | Stored


def _tables(tables: Tables, part: str) -> Mapping[str, Table]:
    if not isinstance(tables, Stored):
        return tables
    return snapshot(tables, part) if tables.parts else tables.read()


# Exports whose files are still to be written from one reading, by ``export_id``: their
# tables, the files still to come, and until when they are kept (``HOLD_SECONDS``: a file
# never asked for, its send having failed, does not keep a user's rows for long).
HOLD_SECONDS = 120.0
_held: dict[str, tuple[Stored, dict[str, Table], frozenset[str], float]] = {}
_held_lock = threading.Lock()
_clock = time.monotonic  # a test's own
_timer: threading.Timer | None = None  # one for all the exports held


def expire_held() -> None:
    """Drop the exports held past their time (run by the timer, and before each reading);
    the timer's own run sets it again for the next export still held."""
    global _timer
    now = _clock()
    with _held_lock:
        for key in [k for k, (*_, until) in _held.items() if until <= now]:
            del _held[key]
        if _timer is not None and _timer is threading.current_thread():
            _timer = None
            if _held:
                _arm(min(until for *_, until in _held.values()) - now + 0.1)


def _arm(delay: float) -> None:
    """The timer, unless it is set already (holding ``_held_lock``)."""
    global _timer
    if _timer is None or not _timer.is_alive():
        _timer = _schedule(delay)


def _schedule(delay: float) -> threading.Timer:
    timer = threading.Timer(delay, expire_held)
    timer.daemon = True
    timer.start()
    return timer


def snapshot(stored: Stored, part: str) -> dict[str, Table]:
    """The export's tables, read (``Stored.read``) by the first of its files (``parts``) to
    ask, kept for the others: each export is read once, whatever other exports are made
    between its files. An export's rows are dropped when its last file has them, or
    ``HOLD_SECONDS`` after the reading (then a file still to come reads again)."""
    expire_held()
    with _held_lock:
        held = _held.pop(stored.export_id, None)
        if held is not None and held[0] == stored:
            _, tables, waiting, until = held
            waiting -= {part}
        else:
            tables, waiting = stored.read(), frozenset(stored.parts) - {part}
            until = _clock() + HOLD_SECONDS
            if waiting:
                _arm(HOLD_SECONDS + 0.1)  # not kept for long, even if no file follows
        if waiting:
            _held[stored.export_id] = (stored, tables, waiting, until)
        return tables


def export_json(tables: Tables, exported_at: str, tz: ZoneInfo) -> bytes:
    """Every table, as one JSON document."""
    document: dict[str, Any] = {"exported_at": exported_at}
    for name, table in _tables(tables, "json").items():
        document[name] = rows_of(table, tz)
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def export_csv(tables: Tables, name: str, tz: ZoneInfo) -> bytes:
    """One table as CSV, with a BOM so that Excel, common in Japan, opens it as UTF-8."""
    rows = rows_of(_tables(tables, name)[name], tz)
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue().encode("utf-8-sig")


def rows_of(table: Table, tz: ZoneInfo) -> list[dict[str, Any]]:
    """A table's rows as dicts, moments in the user's zone; a ``detail`` column (events')
    holds JSON, written as the object it is."""
    names, values = table
    rows = [dict(zip(names, row, strict=True)) for row in values]
    if "detail" in names:
        for row in rows:
            row["detail"] = json.loads(row["detail"]) if row.get("detail") else None
    return [_localised(row, tz) for row in rows]


def _local_moment(value: Any, tz: ZoneInfo) -> Any:
    """A stored moment (aware ISO, UTC) in the user's zone with its offset; anything else as
    it is."""
    if not isinstance(value, str) or len(value) < 19 or value[10:11] != "T":
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(tz).isoformat()


def _localised(row: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    out = {}
    for key, value in row.items():
        if isinstance(value, dict):
            value = {k: _local_moment(v, tz) for k, v in value.items()}
        out[key] = _local_moment(value, tz)
    return out


def _cell(value: Any) -> Any:
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value  # shown as text; the JSON export keeps the value as typed
    return value
