"""Pure parsing and normalisation of what users type: names, phone numbers, dates."""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers

from flows.schedule import EVENING, MORNING

# Legal-form words that people write in many ways (株式会社, (株), ㈱, 有限会社, Co., Ltd. …).
# They are dropped before comparing names so "㈱ABCリサーチ" and "ABCリサーチ株式会社" match.
_LEGAL_FORMS = (
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "一般社団法人",
    "一般財団法人",
    "(株)",
    "(有)",
    "(同)",
    "(資)",
    "(名)",
    "(社)",
    "(財)",
    "kabushikikaisha",
    "kabushiki kaisha",
    "co., ltd.",
    "co.,ltd.",
    "co. ltd.",
    "co.ltd.",
    "co., ltd",
    "co.,ltd",
    "co ltd",
    "corporation",
    "corp.",
    "inc.",
    "inc",
    "k.k.",
    "ltd.",
    "ltd",
    "llc",
)
# A Latin form is a word of its own ("Prince Realty" has no "inc"); a Japanese one is
# written against the name (みらい不動産株式会社).
_LEGAL_FORM = re.compile(
    "|".join(
        re.escape(form) if not form.isascii() else rf"(?<![a-z0-9]){re.escape(form)}(?![a-z0-9])"
        for form in sorted(_LEGAL_FORMS, key=len, reverse=True)
    )
)
_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}
# "ー" is a katakana long-vowel mark, part of a word, so it is not a separator.
_SEPARATORS = re.compile(r"[\s・,.、。\-‐－―_/()（）「」『』]+")


# Unicode's invisible "format" characters (category Cf) are not kept: bidi overrides and
# direction marks can make a stored name display as something else (a phone number shown
# reversed), and zero-width spaces, soft hyphens and tag characters make two spellings that
# look the same compare different ("みらい\u200b不動産" vs "みらい不動産"). The zero-width
# joiner stays in text (it builds emoji such as 👩‍💻) but not in a comparison key.
_FORMAT = "Cf"
_ZWJ = "\u200d"


def clean_text(raw: str) -> str:
    """Drop control and invisible format characters (NUL, bidi overrides and marks,
    zero-width spaces) and fold whitespace runs to one space.

    Text with no letter, digit or symbol at all (e.g. only combining marks) comes back empty.
    """
    kept = [
        ch
        for n, ch in enumerate(raw)
        if ((category := unicodedata.category(ch)) != _FORMAT or _joins_emoji(raw, n))
        and (category != "Cc" or ch in "\n\t")
    ]
    text = " ".join("".join(kept).split())
    if not any(unicodedata.category(ch)[0] in "LNS" for ch in text):
        return ""
    return text


def _joins_emoji(text: str, n: int) -> bool:
    """Whether ``text[n]`` is a zero-width joiner inside an emoji (👩‍💻, ❤️‍🔥): between a
    symbol (or its skin tone, or its emoji form's selector) and a symbol. Elsewhere
    (「リスト\u200d社」) it is invisible, and dropped."""
    if text[n] != _ZWJ or not 0 < n < len(text) - 1:
        return False
    before, after = text[n - 1], text[n + 1]
    return unicodedata.category(after) == "So" and (
        unicodedata.category(before) in ("So", "Sk") or before == "\ufe0f"
    )


def normalize_name(name: str) -> str:
    """The key under which two spellings of one company compare equal.

    NFKC folds full/half width and turns ㈱ into (株); hiragana is folded to katakana
    (みらい = ミライ); legal forms are removed; the rest is case-folded with separators and
    brackets dropped.
    """
    text = unicodedata.normalize("NFKC", clean_text(name).replace(_ZWJ, "")).casefold()
    text = text.translate(_HIRAGANA_TO_KATAKANA)
    text = _LEGAL_FORM.sub(" ", text)
    return _SEPARATORS.sub("", text)


@dataclass(frozen=True)
class Phone:
    raw: str
    e164: str | None

    @property
    def valid(self) -> bool:
        return self.e164 is not None


def parse_phone(raw: str, region: str = "JP") -> Phone:
    """Parse a phone number as typed; ``e164`` is None when it is not a possible number."""
    text = clean_text(raw)
    try:
        number = phonenumbers.parse(unicodedata.normalize("NFKC", text), region)
    except phonenumbers.NumberParseException:
        return Phone(text, None)
    if not phonenumbers.is_possible_number(number):
        return Phone(text, None)
    return Phone(text, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


# A message that is a phone number and nothing else: digits and the marks people write
# between them (full-width forms are folded first; 「ー」 is how an IME may type a dash,
# ``DASHES`` folds them all to "-").
_NUMBER_SHAPE = re.compile(r"\+?[0-9 ()\-.]+")
DASHES = str.maketrans(dict.fromkeys("ー‐‑‒–—―−", "-"))
# Fewer digits than this is not a caller's number (an option's number, a short code).
_MIN_DIGITS = 9


def phone_number_in(raw: str, contact: bool = False) -> Phone | None:
    """The phone number a message is, if it is one and nothing else ("090-1234-5678",
    "+81 90 1234 5678", "０９０１２３４５６７８", "(03)5555-0123", "tel:0355550123"); else None.

    Typed, a number begins with "+" or with Japan's "0" (anything else — "2026-12-05 10",
    "123456789" — is not taken for one), and must be a valid number, not only a possible
    one. A contact's number may lack its "+" (Telegram: "819012345678"): read with one."""
    text = unicodedata.normalize("NFKC", clean_text(raw)).translate(DASHES).strip()
    text = re.sub(r"^tel:\s*", "", text, flags=re.IGNORECASE)
    digits = sum(ch.isdigit() for ch in text)
    if not _NUMBER_SHAPE.fullmatch(text) or not _MIN_DIGITS <= digits <= 17:
        return None
    if not text.lstrip("(").startswith(("+", "0")):
        if not contact:
            return None
        text = "+" + text
    try:
        number = phonenumbers.parse(text, "JP")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(clean_text(raw), e164)


@lru_cache(maxsize=4096)
def format_phone(e164: str) -> str:
    """A stored E.164 number in the form people in Japan read (090-1234-5678)."""
    number = phonenumbers.parse(e164, None)
    if number.country_code == 81:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


_PROPERTY_WORDS = (
    "マンション",
    "不動産",
    "アパート",
    "物件",
    "投資用",
    "土地",
    "ワンルーム",
    "condo",
    "apartment",
    "property",
    "real estate",
    "flat",
)


def looks_like_property(product: str) -> bool:
    """Whether a typed product is real estate (宅地建物取引業法 applies rather than 特商法)."""
    text = unicodedata.normalize("NFKC", product).casefold()
    return any(word in text for word in _PROPERTY_WORDS)


_DATE_TIME = re.compile(
    r"^(?:(?:(?P<y>\d{4})[-/年.])?(?P<mo>\d{1,2})[-/月.](?P<d>\d{1,2})日?)?"
    r"\s*(?:(?P<h>\d{1,2})(?:[:時](?P<mi>\d{1,2})?分?)?)?$"
)
# Days relative to today (negative is the past), some said with their half of the day (the
# word that says which half stands in their place: 「今夜8時」 is today's 「夜8時」). Longest
# first, so that 「一昨日」 is not read as 「昨日」.
_RELATIVE_DAYS: tuple[tuple[str, int, str], ...] = tuple(
    sorted(
        (
            *(("今日", 0, ""), ("きょう", 0, ""), ("today", 0, "")),
            *(("昨日", -1, ""), ("きのう", -1, ""), ("yesterday", -1, "")),
            *(("一昨日", -2, ""), ("おととい", -2, "")),
            *(("明日", 1, ""), ("あした", 1, ""), ("あす", 1, ""), ("tomorrow", 1, "")),
            *(("明後日", 2, ""), ("あさって", 2, "")),
            *(("今朝", 0, "朝"), ("今夜", 0, "夜"), ("今晩", 0, "夜")),
            *(("昨夜", -1, "夜"), ("昨晩", -1, "夜"), ("明朝", 1, "朝"), ("明晩", 1, "夜")),
            *(("tonight", 0, "夜"), ("this evening", 0, "夜"), ("this morning", 0, "朝")),
            *(("last night", -1, "夜"), ("tomorrow morning", 1, "朝")),
            *(("tomorrow night", 1, "夜"), ("tomorrow evening", 1, "夜")),
        ),
        key=lambda entry: -len(entry[0]),
    )
)


# An hour leading a time, to see whether it is on a 24-hour clock (「今夜20時」).
_HOUR_24 = re.compile(r"(\d{1,2})(?=\D|$)")
_YEAR_WRAP = timedelta(days=60)
# A call's time alone that is later than now is yesterday's if that was at most this long ago;
# up to a minute ahead is the phone's clock and the bot's apart.
_LAST_NIGHT = timedelta(hours=12)
_CLOCK_SLACK = timedelta(minutes=1)
# "3日前", "3 days ago"; a trailing "頃"; 午前/午後, am/pm; "2時半".
_DAYS_AGO = re.compile(r"^(\d{1,2})\s*(?:日前|days?\s+ago)\s*")
_ABOUT = re.compile(r"\s*(?:頃|ごろ|くらい|ぐらい)$")
_MERIDIEM = re.compile(
    r"午前|午後|早朝|朝|夕方|深夜|夜中|夜|\b[ap]\.?m\.?(?=$|\s)|(?<=\d)[ap]\.?m\.?$"
)
# What a meridiem word says: the afternoon (or evening) or not (朝6時: 06:00).
_AFTERNOON = ("午後", "夕方", "夜", "深夜", "夜中")
# The night's words: their 12 and small hours are after midnight (「夜12時」 is 0:00, and
# 「今夜1時」 is the next day's 01:00).
_NIGHT = ("夜", "深夜", "夜中")
_SMALL_HOURS = 6
# A day said with no hour, for a reminder: 「明日」 10:00, 「明朝」 and 「明日の朝」 9:00,
# 「今夜」 and 「明日の夜」 19:00.
_HOUR_ALONE = {"": time(10, 0), "朝": MORNING, "夜": EVENING, "晩": EVENING}


def _parse_moment(raw: str, now: datetime, tz: ZoneInfo, future: bool) -> datetime | None:
    """A typed local date/time as aware UTC; a date without a year is taken as the nearest
    such date in the allowed direction (past for calls, future for reminders)."""
    text = unicodedata.normalize("NFKC", clean_text(raw)).casefold().strip()
    text = _ABOUT.sub("", text).replace("時半", "時30分")
    local_now = now.astimezone(tz)
    day = local_now.date()
    relative = False
    shift = None  # the days a relative word moved (「今夜」: 0)
    if (ago := _DAYS_AGO.match(text)) and not future:
        relative = True
        day = day - timedelta(days=int(ago.group(1)))
        text = text[ago.end() :]
    for word, days, half in _RELATIVE_DAYS:
        if not relative and text.startswith(word):
            relative = True
            day = day + timedelta(days=days)
            shift = days
            # 「明日の10時」; a half alone (「今夜」) is left with no hour: not read.
            rest = text[len(word) :].strip().removeprefix("の").strip()
            lead = _HOUR_24.match(rest)
            said = _MERIDIEM.search(rest)
            # A morning's word, as _AFTERNOON's test reads "p…" for the afternoon's.
            if half == "夜" and said and (said.group(0) == "午前" or said.group(0)[0] == "a"):
                # 「昨夜 午前2時」, "last night 2am": the night's small hours, after its
                # midnight, as 「昨夜2時」 is.
                rest = (rest[: said.start()] + rest[said.end() :]).strip()
            elif half and (said or (lead and int(lead.group(1)) > 12)):
                half = ""  # "tonight 8pm", 「今夜20時」: the hour says it already
            text = half + rest
            if text in _HOUR_ALONE and future:
                alone = datetime.combine(day, _HOUR_ALONE[text], tzinfo=tz)
                return alone.astimezone(UTC)
            break
    meridiem = _MERIDIEM.search(text)
    afternoon = night = False
    if meridiem is not None:
        afternoon = meridiem.group(0) in _AFTERNOON or meridiem.group(0).startswith("p")
        night = meridiem.group(0) in _NIGHT
        text = text[: meridiem.start()] + text[meridiem.end() :].lstrip().removeprefix("の")
        text = text.strip()  # 「夜中の3時」
    match = _DATE_TIME.match(text)
    if not match or not text:
        return None
    parts = match.groupdict()
    if parts["h"] is None and (parts["mo"] is None or not future):
        # A call needs its time: a letter would otherwise state "0時00分" as a fact.
        return None
    try:
        year = int(parts["y"]) if parts["y"] else day.year
        month = int(parts["mo"]) if parts["mo"] else day.month
        dom = int(parts["d"]) if parts["d"] else day.day
        hour = int(parts["h"]) if parts["h"] else (_HOUR_ALONE[""].hour if future else 0)
        after_midnight = False
        if meridiem:
            if not parts["h"] or hour > 12:
                return None  # "3/20 午後": which hour? "午後14時": not a time anyone means
            after_midnight = night and (hour == 12 or hour < _SMALL_HOURS)
            hour = hour % 12 + (12 if afternoon and not after_midnight else 0)
        # An hour on a 12-hour clock: no 午前/午後, no leading zero (「06:00」 says 6:00).
        twelve = not meridiem and bool(parts["h"]) and not parts["h"].startswith("0")
        dated = relative or bool(parts["mo"] or parts["d"])
        afternoon_said = twelve and 1 <= hour < 7 and (future or dated)
        if afternoon_said:
            hour += 12  # 「2時」 for a call to make, or on a day said: 14:00, as calls come
        minute = int(parts["mi"]) if parts["mi"] else 0
        if (month, dom) == (2, 29) and not parts["y"] and not calendar.isleap(year):
            # 2/29 typed in a year without one: the year the date can only be in.
            year += 1 if future else -1
        moment = datetime(year, month, dom, hour, minute, tzinfo=tz)
        if parts["mo"] and not parts["y"]:
            # "12/30" typed in January means last December for a call, and "1/5" typed in
            # December next January for a reminder; a date only days off the wrong way is
            # a mistake to point out, not a year to guess.
            if not future and moment - local_now > _YEAR_WRAP:
                moment = moment.replace(year=year - 1)
            elif future and local_now - moment > _YEAR_WRAP:
                moment = moment.replace(year=year + 1)
        if after_midnight and (relative or parts["d"]):
            moment = _night_of(moment, local_now, future, tonight=shift == 0)
        if afternoon_said and not future and moment > local_now + _CLOCK_SLACK:
            moment -= timedelta(hours=12)  # 「今日 3時」 at 10:00: this morning's, not refused
        if future and not relative and not parts["mo"] and not parts["d"] and moment <= local_now:
            # A time alone, already past today ("10:00" at 20:30): the next one, tomorrow.
            moment += timedelta(days=1)
        elif not future and not relative and not parts["mo"] and not parts["d"]:
            if twelve and 1 <= hour < 12:
                # 「3時」 typed at 16:00 is 15:00, the latest such time: at 10:00, 09:00 is.
                # Both later than now, typed after midnight (「9時」 at 00:30): last
                # evening's (below); at 09:00, 「10時」 stays later than now, refused.
                evening = moment + timedelta(hours=12)
                small_hours = local_now.hour < _SMALL_HOURS and moment > local_now + _CLOCK_SLACK
                if evening <= local_now + _CLOCK_SLACK or small_hours:
                    moment = evening
            # A call's time alone, later than now: last evening's, typed after midnight
            # (「21:45」 at 00:10), if that was within the last hours; else refused as later.
            yesterday = moment - timedelta(days=1)
            if moment > local_now + _CLOCK_SLACK and local_now - yesterday <= _LAST_NIGHT:
                moment = yesterday
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # e.g. 2/30, or year 1 shifted out of range
        return None


def _night_of(moment: datetime, now: datetime, future: bool, tonight: bool) -> datetime:
    """A night's 12 or small hour said with its day (「今夜1時」, 「12/6 深夜2時」): that day's
    night, after its midnight. For a call that would be later than now, the day's own small
    hours (「今日の深夜2時」 at 10:00); 「今夜2時」 said at 00:30 is this night's."""
    night = moment + timedelta(days=1)
    if future:
        return moment if tonight and now.hour < _SMALL_HOURS and moment > now else night
    return night if night <= now else moment


def parse_when(raw: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """Parse a typed call time in the user's zone; returns aware UTC or None.

    Accepts "14:30", "11/28 14:30", "2026-11-28 14:30", "11月28日14時30分", "昨日 15:00",
    "yesterday 9:05". A time in the future is rejected: a call cannot have come later; a time
    alone that is later than now is yesterday's if that was within the last 12 hours (「21:45」
    typed at 00:10). A date without a time is rejected too (the user is asked for the time,
    or can skip).
    """
    moment = _parse_moment(raw, now, tz, future=False)
    if moment is None or moment > now + _CLOCK_SLACK:
        return None
    return moment


def parse_future(raw: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """Parse a typed reminder time ("明日 10:00", "12/1 9:30", "tomorrow 18:00"): it must be
    later than now and within a year, else None. A date alone means 10:00 that day; an hour
    from 1 to 6 without 午前, "am" or a leading zero, the afternoon's (「2時」: 14:00)."""
    moment = _parse_moment(raw, now, tz, future=True)
    if moment is None or moment <= now or moment > now + timedelta(days=366):
        return None
    return moment
