"""When follow-ups fall due: business days, Japanese holidays and quiet hours. Pure functions."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

BROKER_CALL_HOUR = time(10, 0)
MORNING = time(9, 0)
EVENING = time(19, 0)
COMPLIANCE_CHECK_DAYS = 14  # APPI Art. 39: two weeks after a request reached the business
CALLS_CHECK_DAYS = 30
# Business days and a broker's office hours are Japan's, wherever the user is.
JAPAN = ZoneInfo("Asia/Tokyo")
# Before this hour "tomorrow morning" is still the coming one.
SMALL_HOURS_END = 5


@lru_cache(maxsize=8)
def _japan_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


def is_business_day(day: date) -> bool:
    """Weekdays that are not Japanese public holidays, nor the year-end break (12/29–1/3),
    when most offices, brokers included, are closed."""
    if day.weekday() >= 5 or day in _japan_holidays(day.year):
        return False
    return not ((day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3))


def next_business_day(after: date) -> date:
    day = after + timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


@dataclass(frozen=True)
class QuietHours:
    """Local hours during which nothing is sent; ``start == end`` means never quiet."""

    start: int = 21
    end: int = 8

    def contains(self, moment: time) -> bool:
        if self.start == self.end:
            return False
        hour = moment.hour
        if self.start > self.end:
            return hour >= self.start or hour < self.end
        return self.start <= hour < self.end

    def defer(self, due: datetime, tz: ZoneInfo) -> datetime:
        """``due`` (aware) moved to the end of the quiet hours it falls in, else unchanged."""
        local = due.astimezone(tz)
        if not self.contains(local.time()):
            return due
        day = local.date()
        if self.start > self.end and local.hour >= self.start:
            day += timedelta(days=1)
        return datetime.combine(day, time(self.end), tz).astimezone(UTC)

    @classmethod
    def parse(cls, text: str | None) -> QuietHours:
        """From the stored form ``"21-8"``; anything unreadable gives the default."""
        try:
            start, end = (int(part) for part in (text or "").split("-"))
        except ValueError:
            return cls()
        if not (0 <= start < 24 and 0 <= end < 24):
            return cls()
        return cls(start, end)

    @classmethod
    def read(cls, typed: str) -> QuietHours | None:
        """As a person types them: ``21-8``, ``21-08``, ``21:00-8:00``, ``21時〜8時``
        (full-width digits read as ASCII); None for anything else (never the default)."""
        match = _TYPED_QUIET.fullmatch(unicodedata.normalize("NFKC", typed).strip())
        if match is None:
            return None
        start, end = int(match.group(1)), int(match.group(2))
        return cls(start, end) if start < 24 and end < 24 else None

    def __str__(self) -> str:
        return f"{self.start}-{self.end}"


_HOUR = r"(\d{1,2})(?::00)?\s*時?"
_TYPED_QUIET = re.compile(rf"{_HOUR}\s*[-~〜ー―‐–—−]\s*{_HOUR}")


def at_local(day: date, clock_time: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock_time, tz).astimezone(UTC)


def next_business_morning(now: datetime, tz: ZoneInfo) -> datetime:
    """10:00 in Japan on the next Japanese business day: when a broker's office answers.
    (A user in another zone, ``tz``, is reminded at that moment, their quiet hours aside:
    10:00 in London was 19:00 in Tokyo, Friday in New York already Saturday there.)"""
    return at_local(next_business_day(now.astimezone(JAPAN).date()), BROKER_CALL_HOUR, JAPAN)


def office_morning(now: datetime) -> datetime:
    """``next_business_morning``, or this morning's in the small hours of a business day
    (at 00:30 on a Monday, 10:00 that Monday: the night is not over yet)."""
    local = now.astimezone(JAPAN)
    if local.hour < SMALL_HOURS_END and is_business_day(local.date()):
        return at_local(local.date(), BROKER_CALL_HOUR, JAPAN)
    return next_business_morning(now, JAPAN)


def this_evening(now: datetime, tz: ZoneInfo) -> datetime | None:
    """19:00 today, or None once that has passed."""
    due = at_local(now.astimezone(tz).date(), EVENING, tz)
    return due if due > now else None


def tomorrow_morning(now: datetime, tz: ZoneInfo) -> datetime:
    """09:00 the next morning (local); in the small hours, this morning's (at 00:30, 09:00
    that day, not the day after: the night is not over yet)."""
    local = now.astimezone(tz)
    days = 0 if local.hour < SMALL_HOURS_END else 1
    return at_local(local.date() + timedelta(days=days), MORNING, tz)


def in_days(now: datetime, days: int, tz: ZoneInfo) -> datetime:
    """The same date ``days`` later, at 10:00 local: a check is worth doing in office hours."""
    return at_local(now.astimezone(tz).date() + timedelta(days=days), BROKER_CALL_HOUR, tz)
