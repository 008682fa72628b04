from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from flows.normalize import (
    clean_text,
    looks_like_property,
    normalize_name,
    parse_future,
    parse_phone,
    parse_when,
)

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)  # 15:00 in Tokyo


@pytest.mark.parametrize(
    "spelling",
    [
        "㈱ABCリサーチ",
        "ABCリサーチ株式会社",
        "ＡＢＣ　リサーチ（株）",
        "abcりさーち",
        "ABC・リサーチ",
    ],
)
def test_company_spellings_share_one_key(spelling: str) -> None:
    assert normalize_name(spelling) == "abcリサーチ"


def test_english_legal_forms_and_distinct_names() -> None:
    assert normalize_name("ABC Research Co., Ltd.") == normalize_name("abc research inc.")
    assert normalize_name("データー・ワン有限会社") == "データーワン"
    assert normalize_name("ABCリサーチ") != normalize_name("ABCリサーチ2")


@pytest.mark.parametrize(
    "typed", ["090-1234-5678", "09012345678", "+81 90 1234 5678", "０９０－１２３４－５６７８"]
)
def test_phone_numbers_in_any_format(typed: str) -> None:
    phone = parse_phone(typed)
    assert phone.e164 == "+819012345678"
    assert phone.raw == typed


@pytest.mark.parametrize("typed", ["非通知", "123", "", "090-1234-5678-9999-0000"])
def test_unreadable_numbers_are_kept_as_typed(typed: str) -> None:
    phone = parse_phone(typed)
    assert phone.e164 is None and not phone.valid


@pytest.mark.parametrize(
    ("typed", "expected_utc"),
    [
        ("14:30", "2026-11-28T05:30:00+00:00"),
        ("11/28 14:30", "2026-11-28T05:30:00+00:00"),
        ("2026-11-27 9:05", "2026-11-27T00:05:00+00:00"),
        ("11月28日14時30分", "2026-11-28T05:30:00+00:00"),
        ("昨日 15:00", "2026-11-27T06:00:00+00:00"),
        ("yesterday 9:05", "2026-11-27T00:05:00+00:00"),
        ("１０時", "2026-11-28T01:00:00+00:00"),
        ("午前9時", "2026-11-28T00:00:00+00:00"),
        ("昨日 午後2時半", "2026-11-27T05:30:00+00:00"),
        ("昨日の夜9時", "2026-11-27T12:00:00+00:00"),
        ("昨夜9時", "2026-11-27T12:00:00+00:00"),
        ("今朝 8時", "2026-11-27T23:00:00+00:00"),
        ("11/27 10:00 頃", "2026-11-27T01:00:00+00:00"),
        ("3日前 15:00", "2026-11-25T06:00:00+00:00"),
        ("2 days ago 9:05am", "2026-11-26T00:05:00+00:00"),
        ("yesterday 2:30 PM", "2026-11-27T05:30:00+00:00"),
        ("午後12時", "2026-11-28T03:00:00+00:00"),
        # The night's 12 and small hours are after its midnight (「夜12時」 was noon).
        ("昨夜12時", "2026-11-27T15:00:00+00:00"),
        ("昨日の夜12時", "2026-11-27T15:00:00+00:00"),
        ("11/26 深夜1時", "2026-11-26T16:00:00+00:00"),
        ("夜中の2時", "2026-11-27T17:00:00+00:00"),
        ("昨夜11時", "2026-11-27T14:00:00+00:00"),
        # On a 12-hour clock (no 午前/午後, no leading zero) a time alone is the latest such
        # time (「2時」 at 15:00 is 14:00, 「4時」 is 04:00), and on a day said 1 to 6 are
        # the afternoon's, as calls come (「昨日 3時」 is 15:00).
        ("2時", "2026-11-28T05:00:00+00:00"),
        ("2時半", "2026-11-28T05:30:00+00:00"),
        ("3時", "2026-11-28T06:00:00+00:00"),
        ("4時", "2026-11-27T19:00:00+00:00"),
        ("昨日 3時", "2026-11-27T06:00:00+00:00"),
        ("11/27 5時", "2026-11-27T08:00:00+00:00"),
        ("11/27 05:00", "2026-11-26T20:00:00+00:00"),
        ("11/27 8時", "2026-11-26T23:00:00+00:00"),
        ("今日 4時", "2026-11-27T19:00:00+00:00"),  # 16:00 is still to come: this morning's
    ],
)
def test_call_times(typed: str, expected_utc: str) -> None:
    moment = parse_when(typed, NOW, TOKYO)
    assert moment is not None and moment.isoformat() == expected_utc


def test_a_date_across_new_year() -> None:
    january = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    moment = parse_when("12/30 10:00", january, TOKYO)
    assert moment is not None and moment.isoformat() == "2025-12-30T01:00:00+00:00"
    # Days ahead is a slip to point out, not last year's date.
    assert parse_when("11/29 10:00", NOW, TOKYO) is None


def test_february_29_is_read_in_the_year_that_has_one() -> None:
    """「2/29」 typed in December 2027 for a reminder was refused: the date was built in
    2027 (no 29th) before the year was moved on to 2028."""
    december = datetime(2027, 12, 20, 3, 0, tzinfo=UTC)
    moment = parse_future("2/29", december, TOKYO)
    assert moment is not None and moment.isoformat() == "2028-02-29T01:00:00+00:00"
    assert parse_future("2/29", NOW, TOKYO) is None, "2027 has none: no date to guess"
    march = datetime(2029, 3, 2, 3, 0, tzinfo=UTC)  # a call recorded late: last year's
    moment = parse_when("2/29 10:00", march, TOKYO)
    assert moment is not None and moment.isoformat() == "2028-02-29T01:00:00+00:00"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "foo",
        "25:00",
        "2/30 10:00",
        "16:00",
        "2027-01-01 10:00",
        "11/19",
        "2026-11-19",
        "昨日",
        "午後14時",
        "午後",
    ],
)
def test_bad_future_or_timeless_call_times(typed: str) -> None:
    assert parse_when(typed, NOW, TOKYO) is None


def test_clean_text_drops_controls_and_keeps_emoji_and_scripts() -> None:
    assert clean_text("  a\x00b \u202eשלום\u202c  👩‍💻 ") == "ab שלום 👩‍💻"
    assert clean_text("\u0301\u200b \x07") == ""


@pytest.mark.parametrize("emoji", ["👩\u200d💻", "❤\ufe0f\u200d🔥", "👩🏽\u200d💻"])
def test_a_zero_width_joiner_stays_only_inside_an_emoji(emoji: str) -> None:
    """Pasted into a broker's name, it went into the letter, and the PDF's warning of
    characters its font lacks named an invisible one."""
    assert clean_text(f"リスト\u200d社 {emoji}") == f"リスト社 {emoji}"
    assert clean_text("\u200dA\u200d") == "A"


@pytest.mark.parametrize(
    "invisible", ["\u200b", "\u2060", "\ufeff", "\u00ad", "\u200d", "\U000e0041"]
)
def test_invisible_characters_do_not_make_a_different_name(invisible: str) -> None:
    assert normalize_name(f"みらい{invisible}不動産") == normalize_name("みらい不動産")


def test_direction_marks_are_not_kept() -> None:
    # Right-to-left marks would show "090-1234-5678" as "5678-1234-090".
    assert clean_text("\u200f090-1234-5678\u200e\u061c") == "090-1234-5678"


def test_property_detection() -> None:
    assert looks_like_property("ワンルームマンション投資")
    assert looks_like_property("Real estate investment")
    assert not looks_like_property("保険")


def test_a_date_in_year_one_is_refused_not_a_crash() -> None:
    assert parse_when("0001-01-01 00:00", NOW, TOKYO) is None
    assert parse_when("1/1 0:00", datetime(1, 1, 1, 0, 0, tzinfo=UTC), TOKYO) is None


def test_a_nights_small_hours_around_midnight_and_the_year_end() -> None:
    """The night's shift to the next day was made before the year-wrap, which then put
    「12/31 夜1時」 typed on 1/3 a year back; a call's 「今日の深夜2時」 at 10:00 was tomorrow
    (refused as later than now); 「今夜2時」 said at 00:30 was the next night."""
    january = datetime(2027, 1, 3, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
    moment = parse_when("12/31 夜1時", january, TOKYO)
    assert moment is not None and moment.astimezone(TOKYO).isoformat() == (
        "2027-01-01T01:00:00+09:00"
    )
    morning = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
    for typed in ("今日の深夜2時", "12/7 深夜2時"):
        moment = parse_when(typed, morning, TOKYO)
        assert moment is not None and moment.astimezone(TOKYO).isoformat() == (
            "2026-12-07T02:00:00+09:00"
        ), typed
    small_hours = datetime(2026, 12, 6, 15, 30, tzinfo=UTC)  # 00:30 on 12/7 in Tokyo
    moment = parse_future("今夜2時", small_hours, TOKYO)
    assert moment is not None and moment.astimezone(TOKYO).isoformat() == (
        "2026-12-07T02:00:00+09:00"
    )
    evening = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)  # 20:00
    moment = parse_future("今夜2時", evening, TOKYO)
    assert moment is not None and moment.astimezone(TOKYO).isoformat() == (
        "2026-12-08T02:00:00+09:00"
    )
    for typed, hour in (("明日の夜", "19:00"), ("明日の朝", "09:00"), ("今日の夜", "19:00")):
        moment = parse_future(typed, datetime(2026, 12, 7, 3, 0, tzinfo=UTC), TOKYO)
        assert moment is not None and moment.astimezone(TOKYO).strftime("%H:%M") == hour, typed


@pytest.mark.parametrize(
    ("typed", "expected_local"),
    [
        ("21:45", "2026-12-06T21:45:00+09:00"),
        ("夜11時", "2026-12-06T23:00:00+09:00"),
        ("11:59 pm", "2026-12-06T23:59:00+09:00"),
        ("00:05", "2026-12-07T00:05:00+09:00"),  # tonight's, already past: today
    ],
)
def test_last_evenings_time_typed_after_midnight(typed: str, expected_local: str) -> None:
    """「21:45」 for last evening's call, typed at 00:10, was today's 21:45, later than now:
    refused, and the user had to type 「昨日 21:45」 to go on."""
    after_midnight = datetime(2026, 12, 6, 15, 10, tzinfo=UTC)  # 00:10 on 12/7 in Tokyo
    moment = parse_when(typed, after_midnight, TOKYO)
    assert moment is not None and moment.astimezone(TOKYO).isoformat() == expected_local


def test_a_time_alone_later_today_is_still_refused_beyond_last_night() -> None:
    # 「16:00」 at 15:00 would be 23 hours back: a slip, not yesterday's call.
    assert parse_when("16:00", NOW, TOKYO) is None
    morning = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
    assert parse_when("21:00", morning, TOKYO) is None  # 13 hours back: refused
    early = datetime(2026, 12, 6, 23, 0, tzinfo=UTC)  # 08:00 in Tokyo
    moment = parse_when("21:00", early, TOKYO)  # 11 hours back: last evening's
    assert moment is not None and moment.astimezone(TOKYO).day == 6
    # A minute ahead is the clocks apart: today's, not yesterday's.
    moment = parse_when("00:11", datetime(2026, 12, 6, 15, 10, tzinfo=UTC), TOKYO)
    assert moment is not None and moment.astimezone(TOKYO).day == 7


@pytest.mark.parametrize(
    ("one", "other"),
    [("Prince Realty", "Pre Realty"), ("Vincent Homes", "Vent Homes"), ("Saltdome", "Saome")],
)
def test_a_legal_form_inside_a_word_is_part_of_the_name(one: str, other: str) -> None:
    """ "inc", "ltd", "llc" were dropped wherever they stood: "Prince Realty" and "Pre
    Realty" had one key, and one's refusal was shown for the other."""
    assert normalize_name(one) != normalize_name(other)


@pytest.mark.parametrize(
    "spelling",
    ["Mirai Realty Inc.", "Mirai Realty, Inc", "MIRAI REALTY CO., LTD.", "Mirai Realty LLC"],
)
def test_a_latin_legal_form_as_a_word_is_still_dropped(spelling: str) -> None:
    assert normalize_name(spelling) == normalize_name("Mirai Realty") == "mirairealty"


@pytest.mark.parametrize(
    ("typed", "expected_local"),
    [
        ("tonight", "2026-11-28 19:00"),
        ("tonight 8pm", "2026-11-28 20:00"),
        ("tonight 8", "2026-11-28 20:00"),
        ("tonight 20:00", "2026-11-28 20:00"),
        ("this evening 7", "2026-11-28 19:00"),
        ("tomorrow morning", "2026-11-29 09:00"),
        ("tomorrow night 9pm", "2026-11-29 21:00"),
        ("今夜20時", "2026-11-28 20:00"),
        ("今夜午後8時", "2026-11-28 20:00"),
        # A night's small hours with 午前/am are after its midnight, as without.
        ("tonight 1am", "2026-11-29 01:00"),
        ("今夜午前1時", "2026-11-29 01:00"),
        ("明晩 午前1時", "2026-11-30 01:00"),
        ("tomorrow night 1am", "2026-11-30 01:00"),
    ],
)
def test_evening_words_for_a_reminder_in_english_and_with_a_24_hour_clock(
    typed: str, expected_local: str
) -> None:
    """ "tonight" and "tonight 8pm" were not read (今夜 was); 「今夜20時」 neither."""
    moment = parse_future(typed, NOW, TOKYO)
    assert moment is not None and moment.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M") == (
        expected_local
    )


@pytest.mark.parametrize(
    ("typed", "expected_local"),
    [
        ("last night 9pm", "2026-11-27 21:00"),
        ("this morning 9:30am", "2026-11-28 09:30"),
        ("昨夜 午前2時", "2026-11-28 02:00"),  # not 11/27 02:00, a day early
        ("last night 2am", "2026-11-28 02:00"),
    ],
)
def test_english_half_days_for_a_call(typed: str, expected_local: str) -> None:
    moment = parse_when(typed, NOW, TOKYO)
    assert moment is not None and moment.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M") == (
        expected_local
    )
