"""The files of ``/export``, written from rows already read: one JSON file with every table,
and CSV files for cases and events.

The rows are read in the step's transaction (``Store.user_tables``); the files are written
later, by the channel, off its event loop (``bot.files``), like letters: for a user with a
few thousand cases they are ~0.7 s of Python, during which no other user's step would be
answered. This module imports only the standard library, for the process that writes them.
Moments are written in the user's time zone, with its offset (2026-11-20T15:00:00+09:00).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from flows.store.rows import Table

# A cell starting with one of these is a formula to Excel and LibreOffice ("+81 90-…" typed
# as a phone number, or "=HYPERLINK(…)" typed as a company name by a prankster).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_json(tables: dict[str, Table], exported_at: str, tz: ZoneInfo) -> bytes:
    """Every table, as one JSON document."""
    document: dict[str, Any] = {"exported_at": exported_at}
    for name, table in tables.items():
        document[name] = rows_of(table, tz)
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def export_csv(table: Table, tz: ZoneInfo) -> bytes:
    """One table as CSV, with a BOM so that Excel, common in Japan, opens it as UTF-8."""
    rows = rows_of(table, tz)
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
