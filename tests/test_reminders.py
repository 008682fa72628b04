"""Follow-up reminders: created by the flow at the right local time, answered by buttons."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from flows.engine import Engine
from flows.port import Inbound
from flows.schedule import (
    QuietHours,
    is_business_day,
    next_business_day,
    office_morning,
    tomorrow_morning,
)
from flows.store import REMINDERS
from flows.texts import JA
from tests.conftest import FakeClock
from tests.transcript import TO_STEP_4, EngineChat, Press

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(*args: int) -> datetime:
    return datetime(*args, tzinfo=TOKYO).astimezone(UTC)


def to_demanding(engine: Engine, user_id: int = 1, number: int = 1) -> EngineChat:
    """The user's chat, at step 4 of case ``number``."""
    chat = EngineChat(engine, user_id)
    chat.walk(*TO_STEP_4)
    assert engine.store.case_by_number(user_id, number)["state"] == "demanding"
    return chat


def reminders(engine: Engine) -> list[dict]:
    return list(engine.store.db.table(REMINDERS).rows_where(order_by="id"))


def local_due(row: dict) -> str:
    return datetime.fromisoformat(row["due_at"]).astimezone(TOKYO).strftime("%Y-%m-%d %a %H:%M")


def test_business_days_skip_weekends_holidays_and_the_year_end() -> None:
    assert not is_business_day(date(2026, 11, 23))  # 勤労感謝の日, a Monday
    assert next_business_day(date(2026, 11, 20)) == date(2026, 11, 24)
    assert next_business_day(date(2026, 12, 28)) == date(2027, 1, 4)
    assert next_business_day(date(2026, 4, 28)) == date(2026, 4, 30)  # 昭和の日 on the 29th


def test_later_defaults_to_the_next_business_morning_across_weekend_and_holiday(
    engine: Engine, clock: FakeClock
) -> None:
    clock.now = tokyo(2026, 11, 20, 15, 0)  # Friday before the Monday holiday
    chat = to_demanding(engine)
    asked = chat.say("あとでかける")
    labels = [o.label for o in asked.replies[-1].options]
    assert labels[:4] == [
        "📅 次の営業日 2026年11月24日(火) 10:00",
        "🌆 今夜 2026年11月20日(金) 19:00",
        "🌅 明日の朝 2026年11月21日(土) 09:00",
        "🗓 3日後 2026年11月23日(月) 10:00",
    ]
    done = chat.press("📅 次の営業日")
    assert "⏰ 2026年11月24日(火) 10:00 にお知らせします（名簿業者に電話する）。" in [
        r.text for r in done.replies
    ]
    [row] = reminders(engine)
    assert (row["kind"], row["status"], local_due(row)) == (
        "call_broker",
        "pending",
        "2026-11-24 Tue 10:00",
    )
    assert engine.store.case_by_number(1, 1)["state"] == "awaiting_call"


def test_this_evening_is_not_offered_after_seven(engine: Engine, clock: FakeClock) -> None:
    clock.now = tokyo(2026, 11, 25, 19, 30)
    asked = to_demanding(engine).say("later")
    assert not any("今夜" in o.label for o in asked.replies[-1].options)


def test_this_evening_pressed_after_seven_says_so_and_shows_the_rest(
    engine: Engine, clock: FakeClock
) -> None:
    """Shown at 18:50, pressed at 19:10: a bare "invalid button" said nothing of why."""
    clock.now = tokyo(2026, 11, 25, 18, 50)
    chat = to_demanding(engine)
    asked = chat.say("later")
    clock.now = tokyo(2026, 11, 25, 19, 10)
    response = chat.press("🌆 今夜", on=asked)
    assert response.notice is None
    assert response.replies[0].text == JA["evening_passed"]
    assert not any("今夜" in o.label for o in response.replies[-1].options)
    assert reminders(engine) == []
    assert engine.store.case_by_number(1, 1)["state"] == "scheduling"
    chat.press("🌅 明日の朝", on=response)
    assert local_due(reminders(engine)[0]) == "2026-11-26 Thu 09:00"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("明日 18:30", "2026-11-26 Thu 18:30"),
        ("12/1", "2026-12-01 Tue 10:00"),
        ("tomorrow 7:00", "2026-11-26 Thu 08:00"),
        ("10:00", "2026-11-26 Thu 10:00"),  # past today at 12:00: tomorrow's
        ("15:00", "2026-11-25 Wed 15:00"),
        ("2時", "2026-11-25 Wed 14:00"),  # not 02:00, moved to 08:00 the next day
        ("明日 3:30", "2026-11-26 Thu 15:30"),
        ("明日 午前3時", "2026-11-26 Thu 08:00"),  # said so: in the quiet hours, then 08:00
        ("明日 06:00", "2026-11-26 Thu 08:00"),  # 24-hour with its zero: as typed (quiet)
        ("明日 朝6時", "2026-11-26 Thu 08:00"),  # the morning, said: 06:00 (quiet: 08:00)
        ("夕方5時", "2026-11-25 Wed 17:00"),
        ("明日の10時", "2026-11-26 Thu 10:00"),  # with の, as people say it
        ("明日の夕方5時", "2026-11-26 Thu 17:00"),
        ("今夜8時", "2026-11-25 Wed 20:00"),  # quiet hours from 21:00
        ("明朝10時", "2026-11-26 Thu 10:00"),
        ("明朝", "2026-11-26 Thu 09:00"),  # a half alone: the morning buttons' hour
        ("今夜", "2026-11-25 Wed 19:00"),
        ("明晩", "2026-11-26 Thu 19:00"),
        ("今夜11時", "2026-11-26 Thu 08:00"),  # 23:00, in the quiet hours
        ("夜12時", "2026-11-26 Thu 08:00"),  # midnight (it was noon), then quiet: 08:00
        ("夜中の3時", "2026-11-26 Thu 08:00"),
    ],  # 7:00 is in the quiet hours: moved to 8:00
)
def test_a_typed_reminder_time(engine: Engine, clock: FakeClock, typed, expected) -> None:
    clock.now = tokyo(2026, 11, 25, 12, 0)
    chat = to_demanding(engine)
    chat.press("⏰ あとでかける")
    chat.say(typed)
    [row] = reminders(engine)
    assert local_due(row) == expected


@pytest.mark.parametrize(
    "typed", ["11/24 10:00", "昨日", "きのう 9:00", "今日 10:00", "2028-01-01 10:00", "そのうち"]
)
def test_a_typed_reminder_time_in_the_past_or_unreadable(engine, clock, typed) -> None:
    clock.now = tokyo(2026, 11, 25, 12, 0)
    chat = to_demanding(engine)
    chat.press("⏰ あとでかける")
    answer = chat.say(typed)
    assert answer.replies[0].text == JA["bad_remind_time"]
    assert answer.replies[1].text.startswith("いつ知らせましょうか？")
    assert reminders(engine) == []
    assert engine.store.case_by_number(1, 1)["state"] == "scheduling"


def test_agreed_schedules_the_two_week_and_one_month_checks(engine, clock) -> None:
    clock.now = tokyo(2026, 11, 25, 12, 0)
    to_demanding(engine).say("応じた")
    rows = reminders(engine)
    assert [(r["kind"], local_due(r)) for r in rows] == [
        ("check_compliance", "2026-12-09 Wed 10:00"),
        ("check_calls", "2026-12-25 Fri 10:00"),
    ]


def test_declined_schedules_a_letter_and_unreachable_a_retry(engine, clock) -> None:
    clock.now = tokyo(2026, 11, 27, 18, 0)  # a Friday evening
    chat = to_demanding(engine)
    chat.press("📵 つながらない")
    chat.say("▶ 名簿業者に電話する")  # back to step 4 on the same case
    chat.press("🙅 断られた")  # now they refused
    rows = reminders(engine)
    # A refusal on the phone is not asked "did they do it?" in two weeks: the next move is
    # a letter to the broker, and the reminder says so.
    assert [(r["kind"], r["status"], local_due(r), r["addressee"], r["via"]) for r in rows] == [
        ("retry_broker", "done", "2026-11-30 Mon 10:00", None, None),
        ("write_letter", "pending", "2026-11-30 Mon 10:00", "broker", "phone"),
    ]


@pytest.mark.parametrize(
    ("zone", "now", "due_in_tokyo"),
    [
        # 10:00 in London was 19:00 in Tokyo; 01:00 there is quiet: 08:00, 17:00 in Tokyo.
        ("Europe/London", datetime(2026, 12, 7, 12, 0, tzinfo=UTC), "2026-12-08 Tue 17:00"),
        # Thursday 10:00 in New York is Friday in Tokyo: "the next business day" was Friday
        # 10:00 in New York, Saturday in Tokyo. Now Monday 10:00 in Tokyo (Sunday 20:00).
        ("America/New_York", datetime(2026, 12, 3, 15, 0, tzinfo=UTC), "2026-12-07 Mon 10:00"),
    ],
)
def test_a_call_to_the_broker_is_set_in_its_office_hours_wherever_the_user_is(
    engine: Engine, clock: FakeClock, zone: str, now: datetime, due_in_tokyo: str
) -> None:
    clock.now = now
    chat = EngineChat(engine)
    chat.say(f"/settings tz {zone}")
    chat.walk(*TO_STEP_4)
    chat.press("📵 つながらない")
    [row] = reminders(engine)
    assert (row["kind"], local_due(row)) == ("retry_broker", due_in_tokyo)


def test_the_office_morning_is_a_business_days_and_this_ones_in_its_small_hours() -> None:
    """Where a call to the broker is put off to: 10:00 in Japan on a business day."""
    assert office_morning(tokyo(2026, 12, 8, 0, 30)) == tokyo(2026, 12, 8, 10, 0)  # Tue
    assert office_morning(tokyo(2026, 12, 8, 5, 0)) == tokyo(2026, 12, 9, 10, 0)
    assert office_morning(tokyo(2026, 12, 11, 18, 0)) == tokyo(2026, 12, 14, 10, 0)  # Fri→Mon
    assert office_morning(tokyo(2026, 12, 12, 0, 30)) == tokyo(2026, 12, 14, 10, 0)  # a Sat
    assert office_morning(tokyo(2026, 12, 28, 12, 0)) == tokyo(2027, 1, 4, 10, 0)  # year end
    london = datetime(2026, 12, 11, 20, 0, tzinfo=ZoneInfo("Europe/London"))  # Sat 05:00 JST
    assert office_morning(london) == tokyo(2026, 12, 14, 10, 0)


def test_tomorrow_morning_in_the_small_hours_is_this_morning() -> None:
    """「明日の朝に」 pressed at 00:30 set 09:00 the day after, 32 hours away."""
    assert tomorrow_morning(tokyo(2026, 12, 8, 0, 30), TOKYO) == tokyo(2026, 12, 8, 9, 0)
    assert tomorrow_morning(tokyo(2026, 12, 8, 5, 0), TOKYO) == tokyo(2026, 12, 9, 9, 0)
    assert tomorrow_morning(tokyo(2026, 12, 7, 23, 30), TOKYO) == tokyo(2026, 12, 8, 9, 0)


def test_a_letter_to_the_broker_settles_the_reminder_to_call_it_again(engine, clock) -> None:
    """After 📵 unreachable and a letter to the broker, 「もう一度電話してみましょう」 still
    came the next day, though the case said 書面で請求→回答待ち."""
    clock.now = tokyo(2026, 12, 7, 10, 0)
    chat = to_demanding(engine)
    chat.press("📵 つながらない")
    chat.say("/case 1")
    chat.press("✉️ 書面を作る")
    chat.press("✉️ 名簿業者への請求書")
    chat.walk("skip", "山田 花子", "東京都渋谷区神南9-9-9", "skip", "いいえ")
    rows = reminders(engine)
    assert [(r["kind"], r["status"]) for r in rows] == [
        ("retry_broker", "done"),
        ("check_compliance", "pending"),
    ]
    clock.now = tokyo(2026, 12, 8, 10, 0)
    assert chat.deliver() == []


def test_a_reminder_is_delivered_once_when_due_and_done_closes_it(engine, clock) -> None:
    clock.now = tokyo(2026, 11, 20, 15, 0)
    chat = to_demanding(engine)
    chat.walk(Press("⏰ あとでかける"), Press("📅 次の営業日"))
    clock.now = tokyo(2026, 11, 24, 9, 59)
    assert chat.deliver() == []
    clock.now = tokyo(2026, 11, 24, 10, 0)
    [delivery] = chat.deliver()
    assert delivery.reply.text == (
        "⏰ ケース #1: 名簿業者「リスト社」に電話して、提供の停止と消去を求めましょう。"
    )
    assert [o.label for o in delivery.reply.options] == [
        "▶ ケースを開く",
        "⏰ 1時間後に",
        "🌅 次の営業日の朝に",
        "✅ 済んだ",
    ]
    assert chat.deliver() == [], "sent once"
    response = chat.press("✅ 済んだ")
    assert response.chosen == "✅ 済んだ"
    assert reminders(engine)[0]["status"] == "done"
    # "Done" is the call made: the follow-up waits on the broker's answer, which is asked.
    assert response.replies[0].text == JA["reminder_called"]
    assert response.replies[-1].text.startswith("④ 名簿業者「リスト社」に電話して")
    assert engine.store.case_by_number(1, 1)["state"] == "demanding"
    again = chat.press("⏰ 1時間後に", on=delivery)
    assert again.notice == JA["reminder_closed"] and again.replies == ()


def test_a_snoozed_reminder_pressed_again_says_when_it_comes_not_that_it_is_over(
    engine, clock
) -> None:
    """⏰ pressed a second time on a snoozed reminder said 「このリマインダーはもう終わって
    います」, though it came again an hour later."""
    clock.now = tokyo(2026, 11, 20, 15, 0)
    chat = to_demanding(engine)
    chat.walk(Press("⏰ あとでかける"), Press("📅 次の営業日"))
    clock.now = tokyo(2026, 11, 24, 10, 0)
    [delivery] = chat.deliver()
    chat.press("⏰ 1時間後に", on=delivery)
    again = chat.press("⏰ 1時間後に", on=delivery)
    when = JA["reminder_snoozed_already"].split("{")[0]
    assert again.notice is not None and again.notice.startswith(when), again.notice
    assert "2026年11月24日(火) 11:00" in again.notice
    assert reminders(engine)[0]["status"] == "snoozed"


def test_a_reminder_whose_send_timed_out_is_answered_from_its_message(engine, clock) -> None:
    """A push that timed out may have arrived: its ✅ said 「このリマインダーはもう終わっています」
    until the retry marked it sent."""
    clock.now = tokyo(2026, 11, 20, 15, 0)
    chat = to_demanding(engine)
    chat.walk(Press("⏰ あとでかける"), Press("📅 次の営業日"))
    clock.now = tokyo(2026, 11, 24, 10, 0)
    [delivery] = engine.due_deliveries(10, user_id=1)
    engine.reminder_failed(delivery.reminder_id, "TimeoutError")
    response = chat.press("✅ 済んだ", on=delivery)
    assert response.notice is None and response.replies[0].text == JA["reminder_called"]
    assert reminders(engine)[0]["status"] == "done"
    clock.now = tokyo(2026, 11, 24, 10, 5)
    assert engine.due_deliveries(10, user_id=1) == [], "answered: not sent again"


def test_an_unanswered_reminder_is_shown_again_from_its_case(engine, clock) -> None:
    """A reminder whose message scrolled away (or was deleted) could not be answered any
    more: /case offers it again while it is unanswered, and not once answered."""
    clock.now = tokyo(2026, 11, 20, 15, 0)
    chat = to_demanding(engine)
    chat.walk(Press("⏰ あとでかける"), Press("📅 次の営業日"))
    view = chat.say("/case 1").replies[0]
    assert JA["opt.r_again"] not in [o.label for o in view.options], "nothing sent yet"
    clock.now = tokyo(2026, 11, 24, 10, 0)
    [delivery] = chat.deliver()
    chat.say("/cases")
    view = chat.say("/case 1").replies[0]
    shown = chat.press(JA["opt.r_again"], on=view)
    assert shown.chosen == JA["opt.r_again"]
    assert [(r.text, [o.label for o in r.options]) for r in shown.replies] == [
        (delivery.reply.text, [o.label for o in delivery.reply.options])
    ]
    assert chat.press("✅ 済んだ", on=shown).replies[0].text == JA["reminder_called"]
    assert reminders(engine)[0]["status"] == "done"
    assert JA["opt.r_again"] not in [o.label for o in chat.say("/case 1").replies[0].options]
    assert chat.press(JA["opt.r_again"], on=view).notice == JA["reminder_closed"]
    other = EngineChat(engine, user_id=2)
    token = next(o.token for o in view.options if o.label == JA["opt.r_again"])
    assert other.engine.handle(Inbound(2, choice=token)).notice == JA["bad_button"]


def test_open_goes_straight_to_the_broker_script(engine, clock) -> None:
    clock.now = tokyo(2026, 11, 20, 15, 0)
    chat = to_demanding(engine)
    chat.walk(Press("⏰ あとでかける"), Press("📅 次の営業日"))
    chat.say("/call")  # another call meanwhile: case #2 is active
    clock.now = tokyo(2026, 11, 24, 10, 0)
    assert len(chat.deliver()) == 1
    response = chat.press("▶ ケースを開く")
    assert response.replies[-1].text.startswith("④ 名簿業者「リスト社」に電話して")
    assert engine.store.user(1)["active_case_id"] == engine.store.case_by_number(1, 1)["id"]


def test_snooze_respects_quiet_hours(engine, clock) -> None:
    clock.now = tokyo(2026, 11, 20, 15, 0)
    chat = to_demanding(engine)
    chat.walk(Press("⏰ あとでかける"), Press("🌆 今夜"))  # this evening 19:00
    clock.now = tokyo(2026, 11, 20, 20, 30)
    assert len(chat.deliver()) == 1
    response = chat.press("⏰ 1時間後に")
    assert response.replies[0].text == "⏰ 2026年11月21日(土) 08:00 にまたお知らせします。"
    row = reminders(engine)[0]
    assert (row["status"], local_due(row)) == ("snoozed", "2026-11-21 Sat 08:00")
    clock.now = tokyo(2026, 11, 21, 8, 0)
    assert len(chat.deliver()) == 1
    # A call to the broker: put off to its office's next business morning, not to Sunday
    # (nor to Monday 11/23, 勤労感謝の日).
    response = chat.press("🌅 次の営業日の朝に")
    assert local_due(reminders(engine)[0]) == "2026-11-24 Tue 10:00"
    assert response.replies[0].text == "⏰ 2026年11月24日(火) 10:00 にまたお知らせします。"
    timeline = "\n".join(r.text for r in chat.say("/case 1").replies)
    assert "🌅 次の営業日の朝に" in timeline and "明日の朝に" not in timeline
    # One pressed before the button read so (it set 09:00 the next day) keeps its words.
    case = engine.store.case_by_number(1, 1)
    detail = {"kind": "call_broker", "addressee": "broker"}
    engine.store.add_event(case, "reminder", trigger="snooze_morning", detail=detail)
    engine.store.conn.commit()
    timeline = "\n".join(r.text for r in chat.say("/case 1").replies)
    assert "🌅 明日の朝に" in timeline


def test_a_reminder_due_in_quiet_hours_waits_for_the_morning(engine, clock) -> None:
    clock.now = tokyo(2026, 11, 20, 15, 0)
    EngineChat(engine).say("/settings quiet 9-12")
    chat = to_demanding(engine)
    chat.walk(Press("⏰ あとでかける"), Press("📅 次の営業日"))
    # next business day 10:00 → inside 9-12 → 12:00
    assert local_due(reminders(engine)[0]) == "2026-11-24 Tue 12:00"
    chat.say("/settings quiet 21-8")
    chat.say("/settings quiet 23-13")
    clock.now = tokyo(2026, 11, 24, 12, 0)
    assert chat.deliver() == [], "the setting changed since: it waits again"
    assert local_due(reminders(engine)[0]) == "2026-11-24 Tue 13:00"
    clock.now = tokyo(2026, 11, 24, 13, 0)
    assert len(chat.deliver()) == 1


def test_calls_continued_records_a_repeat_call_and_checks_again(engine, clock) -> None:
    clock.now = tokyo(2026, 11, 25, 12, 0)
    chat = to_demanding(engine)
    chat.press("🙆 応じた")
    clock.now = tokyo(2026, 12, 25, 10, 0)
    deliveries = chat.deliver()
    check_calls = next(d for d in deliveries if "電話は止まりましたか" in d.reply.text)
    assert check_calls.reply.text == (
        "⏰ ケース #1: 1か月たちました。「みらい不動産」からの電話は止まりましたか？"
    )
    response = chat.press("📞 まだかかってくる", on=check_calls)
    assert response.chosen == "📞 まだかかってくる"
    assert response.replies[0].text == JA["again_when"].format(number=1)
    response = chat.say("昨日 16:00")  # the latest such call
    assert response.replies[0].text.startswith(
        "⚠️ 断った後の電話として記録しました（2026年12月24日(木) 16:00）。"
    )
    case = engine.store.case_by_number(1, 1)
    assert (case["repeat_calls"], case["last_repeat_at"]) == (1, "2026-12-24T07:00:00+00:00")
    assert "repeat_call" in [e["kind"] for e in engine.store.events(case["id"])]
    assert local_due(reminders(engine)[-1]) == "2027-01-24 Sun 10:00"
    assert "⚠️ 再勧誘あり" in chat.say("/cases").replies[0].text


def test_calls_stopped_says_so_not_marked_as_done(engine, clock) -> None:
    """「✅ 止まった」 answered 「完了にしました。」 though the case was not completed."""
    clock.now = tokyo(2026, 11, 25, 12, 0)
    chat = to_demanding(engine)
    chat.press("🙆 応じた")
    clock.now = tokyo(2026, 12, 25, 10, 0)
    check_calls = next(d for d in chat.deliver() if "電話は止まりましたか" in d.reply.text)
    response = chat.press("✅ 止まった", on=check_calls)
    assert [r.text for r in response.replies] == [JA["reminder_stopped"]]
    assert engine.store.case_by_number(1, 1)["state"] == "following_up", "not closed"


def test_reminders_list_and_cancel(engine, clock) -> None:
    clock.now = tokyo(2026, 11, 25, 12, 0)
    chat = to_demanding(engine)
    chat.press("🙆 応じた")
    listing = chat.say("/reminders")
    assert listing.replies[0].text.splitlines() == [
        "予定しているリマインダー:",
        "2026年12月9日(水) 10:00 ケース #1: 依頼への対応の確認（名簿業者「リスト社」）",
        "2026年12月25日(金) 10:00 ケース #1: 電話が止まったかの確認",
    ]
    cancel = listing.replies[0].options[0]
    assert cancel.label == "✖️ 取り消す: 2026年12月9日(水) 10:00 #1"
    assert chat.press(cancel.label).replies[0].text == "リマインダーを取り消しました。"
    assert [r["status"] for r in reminders(engine)] == ["cancelled", "pending"]
    assert chat.press(cancel.label, on=listing).notice == JA["reminder_closed"]
    # Another user cannot touch them, even with a well-formed token.
    second = listing.replies[0].options[1].label
    other = EngineChat(engine, user_id=2).press(second, on=listing)
    assert other.notice == JA["bad_button"]
    assert [r["status"] for r in reminders(engine)] == ["cancelled", "pending"]


def test_a_deleted_reminders_button_never_acts_on_a_new_one(engine, clock) -> None:
    clock.now = tokyo(2026, 11, 20, 15, 0)
    chat = to_demanding(engine)
    chat.walk(Press("⏰ あとでかける"), Press("📅 次の営業日"))
    clock.now = tokyo(2026, 11, 24, 10, 0)
    [delivery] = chat.deliver()
    assert delivery.reply.options[3].label == "✅ 済んだ"
    # Case #1 and its reminder (the highest id so far) are deleted …
    chat.say("/case 1")
    chat.press("🗑 このケースを削除")
    chat.press("🗑 削除する")
    assert reminders(engine) == []
    # … and the next case's reminder gets a new id, so the old button finds nothing.
    chat = to_demanding(engine, number=2)
    chat.walk(Press("⏰ あとでかける"), Press("📅 次の営業日"))
    [new] = reminders(engine)
    assert new["id"] > delivery.reminder_id
    assert chat.press("✅ 済んだ", on=delivery).notice == JA["bad_button"]
    assert reminders(engine)[0]["status"] == "pending"


def test_many_reminders_list_all_with_buttons_for_the_soonest(engine, clock) -> None:
    for number in range(1, 13):  # two reminders each
        to_demanding(engine, number=number).press("🙆 応じた")
        clock.advance(hours=1)
    listing = EngineChat(engine).say("/reminders").replies[0]
    assert len(listing.text.splitlines()) == 1 + 24 + 1  # header, every reminder, the note
    assert listing.text.splitlines()[-1] == JA["reminders_more"].format(count=13)
    assert len(listing.options) == 13, "as many as LINE's quick reply shows"
    due = [r["id"] for r in sorted(reminders(engine), key=lambda r: r["due_at"])]
    assert [int(o.token.split(".")[1]) for o in listing.options] == due[:13]


def test_closing_or_cancelling_a_case_ends_its_reminders(engine, clock) -> None:
    chat = to_demanding(engine)
    chat.press("🙆 応じた")
    closed = chat.say("完了にする")
    assert {r["status"] for r in reminders(engine)} == {"paused"}, "until it is reopened"
    clock.advance(days=60)
    assert engine.due_deliveries(10) == [], "none is sent while it is closed"
    assert JA["reminders_stopped"].format(count=2) in [r.text for r in closed.replies]
    chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"), "B社", "C社")
    chat.walk("skip", "skip", "skip", "skip", Press("✅ 保存する"))
    chat.walk(Press("📵 つながらない"), Press("▶ 名簿業者に電話する"))
    chat.say("/cancel")
    assert reminders(engine)[-1]["status"] == "cancelled"


def test_blocked_users_get_nothing_and_failures_back_off(engine, clock) -> None:
    chat = to_demanding(engine)
    chat.press("🙆 応じた")
    clock.advance(days=15)
    engine.user_unreachable(1)
    assert engine.due_deliveries(10) == []
    chat.say("/help")  # they came back
    [delivery] = engine.due_deliveries(10)
    engine.reminder_failed(delivery.reminder_id, "NetworkError")
    row = reminders(engine)[0]
    assert (row["status"], row["attempts"], row["last_error"]) == ("pending", 1, "NetworkError")
    assert engine.due_deliveries(10) == []
    clock.advance(minutes=1)
    [retry] = engine.due_deliveries(10)
    engine.reminder_failed(retry.reminder_id, "TimedOut")
    clock.advance(minutes=1)
    assert engine.due_deliveries(10) == [], "the second wait is two minutes"
    clock.advance(minutes=1)
    assert len(engine.due_deliveries(10)) == 1


def test_settings_time_zone_and_quiet_hours(engine) -> None:
    chat = EngineChat(engine)
    shown = chat.say("/settings")
    assert "タイムゾーン: Asia/Tokyo" in shown.replies[0].text
    assert "通知しない時間: 21時〜8時" in shown.replies[0].text
    assert chat.say("/settings tz Mars/Base").replies[0].text == (
        "「Mars/Base」というタイムゾーンはありません（例: Asia/Tokyo、Europe/London）。"
    )
    for not_a_place in ("localtime", "Factory", "posixrules"):  # ZoneInfo opens these
        said = chat.say(f"/settings tz {not_a_place}").replies[0].text
        assert said == JA["bad_tz"].format(tz=not_a_place)
    assert chat.say("/settings quiet 25-3").replies[0].text == JA["bad_quiet"]
    chat.say("/settings tz Europe/London")
    assert chat.press("🔔 いつでも通知する", on=shown).chosen == "🔔 いつでも通知する"
    user = engine.store.user(1)
    assert (user["time_zone"], user["quiet_hours"]) == ("Europe/London", "0-0")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("21-08", "21-8"),
        ("２１－８", "21-8"),
        ("21:00-8:00", "21-8"),
        ("22時〜7時", "22-7"),
        ("0 ~ 6", "0-6"),
        ("２１−８", "21-8"),  # the minus sign a Mac types
    ],
)
def test_quiet_hours_as_people_type_them(engine: Engine, typed: str, stored: str) -> None:
    chat = EngineChat(engine)
    chat.say(f"/settings quiet {typed}")
    assert engine.store.user(1)["quiet_hours"] == stored


@pytest.mark.parametrize("typed", ["25-3", "21", "21-8-9", "夜", "21:30-8"])
def test_quiet_hours_that_cannot_be_read_change_nothing(engine: Engine, typed: str) -> None:
    chat = EngineChat(engine)
    assert chat.say(f"/settings quiet {typed}").replies[0].text == JA["bad_quiet"]
    assert engine.store.user(1)["quiet_hours"] == "21-8"


def test_quiet_hours_arithmetic() -> None:
    quiet = QuietHours(21, 8)
    assert quiet.defer(tokyo(2026, 1, 1, 21, 0), TOKYO) == tokyo(2026, 1, 2, 8, 0)
    assert quiet.defer(tokyo(2026, 1, 1, 7, 59), TOKYO) == tokyo(2026, 1, 1, 8, 0)
    assert quiet.defer(tokyo(2026, 1, 1, 8, 0), TOKYO) == tokyo(2026, 1, 1, 8, 0)
    assert QuietHours(0, 0).defer(tokyo(2026, 1, 1, 3, 0), TOKYO) == tokyo(2026, 1, 1, 3, 0)
    assert QuietHours.parse("x") == QuietHours(21, 8)


def test_every_reminder_choice_button_works(engine, clock) -> None:
    clock.now = tokyo(2026, 11, 25, 12, 0)
    for index, label in enumerate(("📅 次の営業日", "🌆 今夜", "🌅 明日の朝", "🗓 3日後"), start=1):
        chat = to_demanding(engine, number=index)
        chat.press("⏰ あとでかける")
        response = chat.press(label)
        assert response.notice is None, label
        assert engine.store.case_by_number(1, index)["state"] == "awaiting_call"
    assert [local_due(r) for r in reminders(engine)] == [
        "2026-11-26 Thu 10:00",
        "2026-11-25 Wed 19:00",
        "2026-11-26 Thu 09:00",
        "2026-11-28 Sat 10:00",
    ]


def test_a_number_typed_after_a_reminder_is_not_for_the_hidden_step(engine, clock) -> None:
    """The reminder was the last thing shown: "2" must not press the step's 2nd option."""
    clock.now = tokyo(2026, 11, 20, 15, 0)
    chat = to_demanding(engine)
    chat.press("🙆 応じた")  # following up, whose option 1 closes it
    clock.now = tokyo(2026, 12, 4, 10, 0)
    assert len(chat.deliver()) == 1  # the two-week check
    response = chat.say("1")  # typed
    assert response.replies[0].text == JA["number_not_shown"]
    assert engine.store.case_by_number(1, 1)["state"] == "following_up"
    assert [r["status"] for r in reminders(engine)] == ["sent", "pending"]


def test_an_answer_typed_after_a_reminder_for_another_case_is_stored(engine, clock) -> None:
    """A reminder comes unasked: the company typed next answers the question the user was
    at (the kill test found it refused as if typed to a confirmation)."""
    clock.now = tokyo(2026, 11, 20, 15, 0)
    chat = to_demanding(engine)
    chat.press("🙆 応じた")
    clock.now = tokyo(2026, 12, 4, 10, 0)
    chat.walk(*TO_STEP_4[:4])  # case 2: the broker given, the company asked
    assert len(chat.deliver()) == 1  # case 1's two-week check
    chat.say("みらい不動産")
    assert engine.store.case_by_number(1, 2)["company"] == "みらい不動産"


def test_a_reminder_is_still_due_only_while_waiting_and_due(engine, clock) -> None:
    """What the dispatcher checks under the user's lock before sending."""
    clock.now = tokyo(2026, 11, 20, 15, 0)
    chat = to_demanding(engine)
    chat.press("🙆 応じた")
    first = reminders(engine)[0]["id"]
    assert not engine.still_due(first), "not due yet"
    clock.now = tokyo(2026, 12, 4, 10, 0)
    assert engine.still_due(first)
    engine.store.update_reminder(first, due_at=tokyo(2026, 12, 5, 8, 0).isoformat())
    assert not engine.still_due(first), "moved to later meanwhile"
    chat.say("/forget")
    chat.press("🗑 すべて削除する")
    assert not engine.still_due(first), "erased"


def test_the_dispatchers_query_reads_due_reminders_in_order_without_sorting(tmp_path) -> None:
    """At 100k due, sorting every due row for each batch held the event loop ~180 ms: a
    channel's query must be served in due order by m018's index on (route, due_at), its
    channel's rows only (no temp B-tree in the plan; at 100k due of another channel or of
    blocked users, reading past them cost ~20 ms a batch)."""
    from benchmarks.bench import seed
    from flows.store import due_reminders_sql, open_database

    path = tmp_path / "due.db"
    seed(path, 300, datetime(2026, 11, 25, tzinfo=UTC))
    db = open_database(path)
    # Without statistics (a database never analysed) and with them: the channel's condition
    # once made SQLite start from the users index and sort, without statistics only.
    for analysed in (False, True):
        if analysed:
            db.execute("analyze")
        for channel in ("telegram", "line"):
            sql = due_reminders_sql(one_channel=True)
            plan = [row[3] for row in db.execute(f"explain query plan {sql}", ["x", channel, 9])]
            assert not any("TEMP B-TREE" in step for step in plan), (analysed, plan)
            assert any(
                "idx_reminders_route_due_at (route=? AND due_at<?)" in step for step in plan
            ), (analysed, plan)
    db.close()


def test_each_channels_dispatcher_sends_its_own_users_reminders(engine, clock) -> None:
    from flows.store import LINE, TELEGRAM

    line_user = engine.storage.account_user(LINE, "U" + "4" * 32, "ja")
    for user_id in (1, line_user):
        EngineChat(engine, user_id).walk(*TO_STEP_4, Press("📵 つながらない"))
    clock.advance(days=4)
    telegram, _ = engine.due_batch(10, channel=TELEGRAM)
    line, _ = engine.due_batch(10, channel=LINE)
    assert [(d.user_id, d.address) for d in telegram] == [(1, "1")]
    assert [(d.user_id, d.address) for d in line] == [(line_user, "U" + "4" * 32)]
    assert len(engine.due_deliveries(10)) == 2, "without a channel: everyone's (the shell)"


def test_a_sent_mark_written_late_leaves_a_snooze_made_meanwhile(engine, clock) -> None:
    """The mark of a reminder that went out is kept in memory while the database is busy
    (``bot.rounds``); if the user snoozed it meanwhile, the late mark must not undo that."""
    from flows.store import TELEGRAM

    EngineChat(engine, 1).walk(*TO_STEP_4, Press("📵 つながらない"))
    clock.advance(days=4)
    [delivery], _ = engine.due_batch(10, channel=TELEGRAM)
    later = clock.now + timedelta(days=1)
    engine.store.update_reminder(delivery.reminder_id, status="snoozed", due_at=later.isoformat())
    engine.reminder_sent(delivery.reminder_id)  # the late mark
    row = engine.store.reminder(delivery.reminder_id)
    assert row is not None and (row["status"], row["due_at"]) == ("snoozed", later.isoformat())
    clock.advance(days=1)  # due again: sent, and now marked
    [again], _ = engine.due_batch(10, channel=TELEGRAM)
    assert again.reminder_id == delivery.reminder_id
    engine.reminder_sent(again.reminder_id)
    row = engine.store.reminder(again.reminder_id)
    assert row is not None and row["status"] == "sent"


@pytest.mark.parametrize(
    ("days", "ja", "en"),
    [
        (0, "0日", "0 days"),
        (1, "1日", "1 day"),
        (7, "1週間", "1 week"),
        (14, "2週間", "2 weeks"),
        (15, "15日", "15 days"),
        (21, "3週間", "3 weeks"),
        (28, "28日", "28 days"),
        (30, "1か月", "1 month"),
        (31, "31日", "31 days"),
        (60, "2か月", "2 months"),
    ],
)
def test_how_long_ago_is_said_in_whole_units_or_days(days: int, ja: str, en: str) -> None:
    from flows.reminders import elapsed
    from flows.texts import Texts

    tz = ZoneInfo("Asia/Tokyo")
    since = datetime(2026, 11, 1, 23, 30, tzinfo=tz)  # late at night: days are the calendar's
    now = datetime(2026, 11, 2, 0, 10, tzinfo=tz) + timedelta(days=days - 1)
    assert elapsed(since.isoformat(), now, tz, Texts("ja")) == ja
    assert elapsed(since.isoformat(), now, tz, Texts("en")) == en


def test_a_check_snoozed_past_two_weeks_does_not_say_two_weeks(engine, clock) -> None:
    chat = EngineChat(engine)
    chat.walk(*TO_STEP_4, Press("🙆 応じた"))
    clock.advance(days=14)
    [shown] = chat.deliver()
    assert "電話で求めてから2週間です。" in shown.reply.text
    chat.press("🌅 明日の朝に")
    clock.advance(days=1)
    [again] = chat.deliver()
    assert "電話で求めてから15日です。" in again.reply.text


def test_a_time_typed_in_quiet_hours_is_moved_and_says_why(engine, clock) -> None:
    clock.now = tokyo(2026, 12, 4, 10, 0)
    chat = to_demanding(engine)
    chat.press("⏰ あとでかける")
    said = chat.say("23:30").replies[0].text
    assert said == JA["reminder_set_quiet"].format(
        when="2026年12月5日(土) 08:00", what=JA["what.call_broker"], quiet="21時〜8時"
    )
    assert local_due(reminders(engine)[0]) == "2026-12-05 Sat 08:00"
    other = to_demanding(engine, user_id=2)
    other.say("/settings quiet off")
    other.say("/case 1")
    other.press("▶ 続ける")
    other.press("⏰ あとでかける")
    said = other.say("23:30").replies[0].text  # no quiet hours: when it was asked for
    assert said == JA["reminder_set"].format(
        when="2026年12月4日(金) 23:30", what=JA["what.call_broker"]
    )


def test_a_time_button_pressed_after_midnight_sets_the_time_its_label_said(
    engine: Engine, clock: FakeClock
) -> None:
    """「🌅 明日の朝 12月8日(火) 09:00」 shown at 23:59 and pressed at 00:01 set 12/9 09:00:
    the time was computed at the press. The button carries the moment its label showed."""
    clock.now = tokyo(2026, 12, 7, 23, 59)  # Monday
    chat = to_demanding(engine)
    asked = chat.say("あとでかける")
    assert "🌅 明日の朝 2026年12月8日(火) 09:00" in [o.label for o in asked.replies[-1].options]
    clock.now = tokyo(2026, 12, 8, 0, 1)
    chat.press("🌅 明日の朝", on=asked)
    [row] = reminders(engine)
    assert local_due(row) == "2026-12-08 Tue 09:00"


def test_a_time_button_days_old_is_computed_again_when_pressed(
    engine: Engine, clock: FakeClock
) -> None:
    """A moment already past (the step left on screen for days) is not set: the choice is
    computed from the press, as before buttons carried it."""
    clock.now = tokyo(2026, 12, 7, 12, 0)
    chat = to_demanding(engine)
    asked = chat.say("あとでかける")
    clock.now = tokyo(2026, 12, 10, 12, 0)  # Thursday
    chat.press("🌅 明日の朝", on=asked)
    [row] = reminders(engine)
    assert local_due(row) == "2026-12-11 Fri 09:00"
