"""Follow-up reminders: which step-4 answers ask for which reminders, and how they read.

Reminders are rows (``flows.store``), created in the same transaction as the step that asks
for them. A reminder's buttons carry ``r.<id>.<action>`` tokens; the engine checks that the
reminder belongs to the user who pressed it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flows.normalize import format_phone
from flows.port import Option, Reply
from flows.schedule import (
    CALLS_CHECK_DAYS,
    COMPLIANCE_CHECK_DAYS,
    in_days,
    next_business_morning,
    this_evening,
    tomorrow_morning,
)
from flows.texts import Texts

BROKER_KINDS = ("call_broker", "retry_broker")
KINDS = (*BROKER_KINDS, "check_compliance", "check_calls")
# The buttons on each kind of reminder, in order.
ACTIONS: dict[str, tuple[str, ...]] = {
    "call_broker": ("open", "snooze_hour", "snooze_morning", "done"),
    "retry_broker": ("open", "snooze_hour", "snooze_morning", "done"),
    "check_compliance": ("done", "open", "snooze_hour", "snooze_morning"),
    "check_calls": ("stopped", "continued", "snooze_hour", "snooze_morning"),
}
SNOOZE_HOUR = timedelta(hours=1)
# Retry delays after a failed send: 1, 2, 4 … minutes, at most an hour.
MAX_BACKOFF = timedelta(hours=1)

# "When should I remind you?" — the choices offered after "later".
CHOICES: dict[str, Callable[[datetime, ZoneInfo], datetime | None]] = {
    "remind_default": next_business_morning,
    "remind_evening": this_evening,
    "remind_morning": tomorrow_morning,
    "remind_3days": lambda now, tz: in_days(now, 3, tz),
}


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def planned(
    trigger: str, state_from: str, now: datetime, tz: ZoneInfo, chosen: datetime | None
) -> list[tuple[str, datetime]]:
    """The reminders a step asks for (before quiet hours are applied)."""
    if state_from == "scheduling" and chosen is not None:
        return [("call_broker", chosen)]
    if state_from != "demanding":
        return []
    if trigger == "agreed":
        return [
            ("check_compliance", in_days(now, COMPLIANCE_CHECK_DAYS, tz)),
            ("check_calls", in_days(now, CALLS_CHECK_DAYS, tz)),
        ]
    if trigger == "declined":
        return [("check_compliance", in_days(now, COMPLIANCE_CHECK_DAYS, tz))]
    if trigger == "unreachable":
        return [("retry_broker", next_business_morning(now, tz))]
    if trigger == "skip":
        return [("call_broker", next_business_morning(now, tz))]
    return []


@dataclass(frozen=True)
class Delivery:
    """A due reminder, rendered for its user, waiting to be sent."""

    reminder_id: int
    user_id: int
    language: str
    reply: Reply


def render(row: dict[str, Any], texts: Texts) -> Reply:
    """A reminder message. ``row`` has the reminder's and its case's columns."""
    who = row.get("company") or (
        format_phone(row["phone_e164"]) if row.get("phone_e164") else row.get("phone_raw")
    )
    text = texts(
        f"reminder.{row['kind']}.text",
        number=row["number"],
        # Without a broker, the request went to the calling company (its letter).
        broker=row.get("broker_name") or who or texts("cases_unknown"),
        who=who or texts("cases_unknown"),
    )
    options = tuple(
        Option(f"r.{row['id']}.{action}", texts(f"opt.r_{action}"))
        for action in ACTIONS[row["kind"]]
    )
    return Reply(text, options=options)
