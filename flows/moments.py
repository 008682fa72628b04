"""When things happened in a case, and how a letter writes a date.

The machine, the review screens, the standing line, the chart and the letters all ask the
same questions of a case's times (when did the call come, is the refusal's time known); the
rules live here so that none of them imports the letters for it. Screens write moments with
``Texts.day/when/when_iso``; a letter writes them in the era calendar, with ``wareki`` and
``local_datetime``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo


def local_moment(iso: object, tz: ZoneInfo) -> datetime | None:
    """A stored ISO moment in ``tz``, or None for a missing/unreadable one. The store writes
    aware UTC; anything else is taken as UTC."""
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz)


def call_moment(case: Mapping[str, Any]) -> str | None:
    """When the call came, as far as it is known: the time the user gave; during a call, the
    moment the case was opened; recorded afterwards without a time, None (not the moment it
    was typed in, which a letter would state as a fact)."""
    if case.get("call_at"):
        return str(case["call_at"])
    if case.get("mode") == "call" and case.get("opened_at"):
        return str(case["opened_at"])
    return None


def refusal_moment(case: Mapping[str, Any]) -> str | None:
    """When the user refused, as far as it is known: on the call, so at the call's time; a
    call recorded afterwards without a time leaves it unknown (``refused_at`` then only
    holds when it was typed in, an upper bound good for comparing, not for stating)."""
    if not case.get("refused_at") or call_moment(case) is None:
        return None
    return str(case["refused_at"])


def refusal_recorded(case: Mapping[str, Any]) -> str | None:
    """When the first refusal a case records was, as ``refusal_moment``: for a call after an
    earlier refusal, that one (kept on the case: its case may be deleted; None if it had no
    time, never the case's own refusal on the later call), else its own."""
    if case.get("repeat_of"):
        return str(case["repeat_refused_at"]) if case.get("repeat_refused_at") else None
    return refusal_moment(case)


def asked_not_to_call(case: Mapping[str, Any]) -> bool:
    """Whether the user is on record as having said "never call me again": only by reading
    the refusal line of /call's first step. An /after case records only that they refused."""
    return bool(case.get("refused_at")) and case.get("mode") == "call"


def event_detail(event: Mapping[str, Any]) -> dict[str, Any]:
    """An event's detail as a dict (stored as its JSON, or a mapping): {} when it has none,
    or none that reads as one."""
    raw = event.get("detail")
    if not raw:
        return {}
    try:
        value = json.loads(raw) if isinstance(raw, str) else dict(raw)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def repeat_call_at(event: Mapping[str, Any]) -> Any:
    """When a ``repeat_call`` event's call came: the time the user gave (in its detail, a
    mapping or its JSON), else the moment it was recorded."""
    return event_detail(event).get("at") or event.get("at")


def refused_on_call(event: Mapping[str, Any]) -> bool:
    """Whether the user refused again on a ``repeat_call`` event's call (known only of a
    call recorded as a case of its own, which records its refusal)."""
    return bool(event_detail(event).get("refused"))


def wareki(day: date) -> str:
    """A date in the Japanese era calendar: 令和8年11月28日 (令和元年 for its first year)."""
    if day >= date(2019, 5, 1):
        era, year = "令和", day.year - 2018
    else:
        era, year = "平成", day.year - 1988
    return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"


def local_datetime(iso: str | None, tz: ZoneInfo) -> str | None:
    """「令和8年11月20日14時30分」 (「…10時」 on the hour) in the user's zone (letters write
    every date in the era calendar, as their date line does), or None for a missing or
    unreadable time."""
    moment = local_moment(iso, tz)
    if moment is None:
        return None
    minutes = f"{moment.minute}分" if moment.minute else ""
    return f"{wareki(moment.date())}{moment.hour}時{minutes}"
