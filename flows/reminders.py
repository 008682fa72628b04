"""Follow-up reminders: which step-4 answers ask for which reminders, and how they read.

Reminders are rows (``flows.store``), created in the same transaction as the step that asks
for them. A reminder's buttons carry ``r.<id>.<action>`` tokens; the engine checks that the
reminder belongs to the user who pressed it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flows.port import Reply
from flows.schedule import (
    CALLS_CHECK_DAYS,
    COMPLIANCE_CHECK_DAYS,
    in_days,
    next_business_morning,
    this_evening,
    tomorrow_morning,
)
from flows.standing import addressee_name, caller_name
from flows.store.rows import DueReminder, Reminder
from flows.texts import Texts

BROKER_KINDS = ("call_broker", "retry_broker")
# The follow-ups of a request to one addressee: a new request settles the earlier ones.
REQUEST_KINDS = ("check_compliance", "write_letter")
KINDS = (*BROKER_KINDS, *REQUEST_KINDS, "check_calls")
# The buttons on each kind of reminder, in order.
ACTIONS: dict[str, tuple[str, ...]] = {
    "call_broker": ("open", "snooze_hour", "snooze_morning", "done"),
    "retry_broker": ("open", "snooze_hour", "snooze_morning", "done"),
    "check_compliance": ("complied", "no_reply", "open", "snooze_hour", "snooze_morning"),
    "write_letter": ("letter", "snooze_hour", "snooze_morning", "done"),
    "check_calls": ("stopped", "continued", "snooze_hour", "snooze_morning"),
}
# A letter's check also asks whether an answer came (a written refusal, "no record" …).
LETTER_CHECK_ACTIONS = ("complied", "answered", "no_reply", "open", "snooze_hour", "snooze_morning")
# Buttons that messages sent before these kinds had their own answers still carry: a
# two-week check's "done" closes it without saying what came of the request.
LEGACY_ACTIONS: dict[str, tuple[str, ...]] = {"check_compliance": ("done",)}
# How soon to remind a user to write, once a phone request got nowhere.
WRITE_LETTER_DAYS = 3
# A letter's check: two weeks from its arrival (APPI Art. 39), and a week to post and deliver.
LETTER_CHECK_DAYS = 21


def label_key(kind: str, action: str) -> str:
    """The catalog key of a reminder button's label: a call to the broker is put off to the
    broker's next business morning, not to "tomorrow" (a Saturday, a holiday)."""
    if action == "snooze_morning" and kind in BROKER_KINDS:
        return "opt.r_snooze_office_morning"
    return f"opt.r_{action}"


def actions(row: Reminder) -> tuple[str, ...]:
    """The buttons a reminder shows, in order."""
    if row["kind"] == "check_compliance" and row.get("via") == "letter":
        return LETTER_CHECK_ACTIONS
    return ACTIONS[row["kind"]]


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
# A choice's button carries the moment its label showed, local (``remind_morning_12080900``):
# pressed after midnight, 「明日の朝」 is the morning it said, not the one after. A moment
# past, or further than this, is computed again at the press (a button days old).
_SHOWN = re.compile(r"^(remind_[a-z0-9]+)_(\d{2})(\d{2})(\d{2})(\d{2})$")
SHOWN_AHEAD = timedelta(days=8)


def choice_trigger(trigger: str, due: datetime | None, tz: ZoneInfo) -> str:
    """The trigger a choice's button carries: with the moment its label shows."""
    return f"{trigger}_{due.astimezone(tz):%m%d%H%M}" if due is not None else trigger


def choice_of(carried: str) -> str:
    """The trigger a button carries, without the moment a time choice's carries."""
    match = _SHOWN.match(carried)
    return match[1] if match is not None else carried


def read_choice(carried: str, now: datetime, tz: ZoneInfo) -> tuple[str, datetime | None]:
    """A button's trigger and the moment its label showed, if still ahead (else None)."""
    match = _SHOWN.match(carried)
    if match is None or match[1] not in CHOICES:
        return carried, None
    month, day, hour, minute = (int(part) for part in match.groups()[1:])
    this_year = now.astimezone(tz).year
    for year in (this_year, this_year + 1):
        try:
            moment = datetime(year, month, day, hour, minute, tzinfo=tz)
        except ValueError:  # 2/29 in a year without one, or nonsense
            continue
        if now < moment <= now + SHOWN_AHEAD:
            return match[1], moment.astimezone(UTC)
    return match[1], None


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True)
class Plan:
    """A reminder a step asks for, and the request it follows up (if it follows one)."""

    kind: str
    due: datetime
    addressee: str | None = None  # "broker" | "company"
    via: str | None = None  # "phone" | "letter"


def planned(
    trigger: str,
    state_from: str,
    now: datetime,
    tz: ZoneInfo,
    chosen: datetime | None,
    has_caller: bool = True,
) -> list[Plan]:
    """The reminders a step asks for (before quiet hours are applied). Each follows from
    where the case now stands: the broker agreed → check in two weeks that it did; it
    refused → write to it; it has no record → write to the calling company (if it is known);
    not reached → call again."""
    if state_from == "scheduling" and chosen is not None:
        return [Plan("call_broker", chosen)]
    if state_from != "demanding":
        return []
    if trigger == "agreed":
        return [
            Plan("check_compliance", in_days(now, COMPLIANCE_CHECK_DAYS, tz), "broker", "phone"),
            Plan("check_calls", in_days(now, CALLS_CHECK_DAYS, tz)),
        ]
    if trigger == "declined":
        return [Plan("write_letter", in_days(now, WRITE_LETTER_DAYS, tz), "broker", "phone")]
    if trigger == "no_record":
        if not has_caller:
            return []
        return [Plan("write_letter", in_days(now, WRITE_LETTER_DAYS, tz), "company", "phone")]
    if trigger == "unreachable":
        return [Plan("retry_broker", next_business_morning(now, tz))]
    if trigger == "skip":
        return [Plan("call_broker", next_business_morning(now, tz))]
    return []


@dataclass(frozen=True)
class Delivery:
    """A due reminder, rendered for its user, waiting to be sent."""

    reminder_id: int
    user_id: int
    language: str
    reply: Reply
    # The user's id on their channel (a LINE user id), where it is not ``user_id``.
    address: str | None = None
    # When the reminder last went out (ISO), if it did: a snoozed one is due again (only a
    # sent one can be snoozed: its mark wrote this). Between two sends it is one message,
    # however often a failed try moves its due time (a retry key: ``bot.line_app.retry_key``).
    sent_before: str | None = None


def addressee_of(row: Reminder) -> str:
    """Whom a follow-up is about (m012 gave every earlier request's follow-up one; other
    kinds are about the broker)."""
    return str(row.get("addressee") or "broker")


def elapsed(since: str, now: datetime, tz: ZoneInfo, texts: Texts) -> str:
    """How long ago ``since`` was, in the user's calendar days: "2週間" / "2 weeks" on a
    whole number of weeks under four, "1か月" / "1 month" on a whole number of 30 days,
    else days ("15日": a reminder snoozed or sent late does not say "two weeks")."""
    days = max(
        (now.astimezone(tz).date() - datetime.fromisoformat(since).astimezone(tz).date()).days, 0
    )
    if days >= 30 and days % 30 == 0:
        unit, count = "month", days // 30
    elif 7 <= days < 28 and days % 7 == 0:
        unit, count = "week", days // 7
    else:
        unit, count = "day", days
    return texts(f"elapsed.{unit}{'' if count == 1 else 's'}", n=count)


def render_text(row: DueReminder, texts: Texts, now: datetime) -> str:
    """A reminder message's text (its buttons: ``flows.features.reminders``). ``row`` has the
    reminder's and its case's columns; the text names the request's addressee, how long ago
    the reminder was planned (when the request was made), and suggests the move that fits
    how it was made."""
    who = caller_name(row)
    unknown = texts("cases_unknown")
    addressee = addressee_of(row)
    whom = addressee_name(row, addressee, texts)
    key = f"reminder.{row['kind']}.text"
    if row["kind"] == "check_compliance" and row.get("via") == "letter":
        key = "reminder.check_compliance.letter.text"
    elif row["kind"] == "write_letter" and addressee == "company":
        key = "reminder.write_letter.company.text"
    return texts(
        key,
        number=row["number"],
        broker=row.get("broker_name") or who or unknown,
        who=who or unknown,
        whom=whom,
        elapsed=elapsed(row["created_at"], now, ZoneInfo(row["time_zone"]), texts),
    )
