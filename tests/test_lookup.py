"""Who is calling? A number pasted, typed or shared, or /who with a name: the user's own
history with that caller, in one message, the line to say first (``flows.features.lookup``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fakes.users import Person
from flows.catalog.romaji import day_reading, year_reading
from flows.engine import Engine
from flows.port import Reply, Response
from flows.steps import firmer_line
from flows.store.rows import Case
from flows.texts import EN, JA, Texts
from tests.conftest import START, FakeClock
from tests.test_telegram import running
from tests.transcript import Contact, EngineChat, Press, ShellChat, Step, TelegramChat, text_of

TOKYO = ZoneInfo("Asia/Tokyo")
LANGS = [pytest.param("ja", id="ja"), pytest.param("en", id="en")]
CATALOG = {"ja": JA, "en": EN}


def refused_call(
    t: dict[str, str], company: str = "株式会社みらい不動産", phone: str = "03-5555-0123"
) -> tuple[Step, ...]:
    """A call refused on the phone, its caller recorded, the broker agreeing to stop."""
    return (
        "/call",
        Press(t["opt.refused"]),
        Press(t["opt.named"]),
        "リスト社",
        company,
        "佐々木",
        phone,
        Press(t["opt.property"]),
        "skip",
        Press(t["opt.now"]),
        Press(t["opt.confirm"]),
        Press(t["opt.agreed"]),
    )


def not_refused_call(
    t: dict[str, str], phone: str = "03-5555-0123", company: str = "みらい不動産"
) -> tuple[Step, ...]:
    """A call recorded afterwards: not refused, the source not given, company and number."""
    return (
        "/after",
        Press(t["opt.not_refused"]),
        Press(t["opt.after_source.dodged"]),
        company,
        "skip",
        phone,
        "skip",
        "skip",
        Press(t["opt.confirm"]),
    )


def case(engine: Engine, number: int, user_id: int = 1) -> Case:
    found = engine.store.case_by_number(user_id, number)
    assert found is not None
    return found


def rows(engine: Engine, user_id: int = 1) -> dict[str, list[dict[str, Any]]]:
    """What the user has stored, bookkeeping of the user row aside."""
    db = engine.store.db
    return {
        table: list(db[table].rows_where("user_id = ?", [user_id], order_by="id"))
        for table in ("cases", "events", "reminders", "brokers")
    }


def only(response: Response) -> Reply:
    assert response.notice is None, response.notice
    [reply] = response.replies
    return reply


def say_line(lang: str, refused_iso: str | None, kind: str = "property") -> tuple[str, str]:
    """The firmer line (in Japanese) and its meaning in the user's language."""
    line = firmer_line(Texts(lang), refused_iso, kind)
    return JA[line.key].format(**line.ja_values), CATALOG[lang][line.key].format(**line.values)


def test_the_firmer_lines_day_is_japans_whatever_zone_the_user_reads_in(
    engine: Engine, clock: FakeClock
) -> None:
    """A refusal at 08:00 in Japan is 23:00 the day before in London: a user reading the bot
    there was told to say 「11月26日に、はっきりお断りしています」 to a caller in Japan."""
    clock.now = datetime(2026, 11, 27, 8, 0, tzinfo=TOKYO)
    chat = EngineChat(engine)
    chat.say("/settings tz Europe/London")
    chat.walk(*refused_call(JA))
    clock.advance(days=3)
    step = only(chat.say("/call 03-5555-0123"))
    assert step.say is not None and "11月27日に" in step.say, step.say


# -- a refused company calls again ------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_a_refused_caller_from_the_same_number(engine: Engine, clock: FakeClock, lang: str) -> None:
    t = CATALOG[lang]
    texts = Texts(lang)
    chat = EngineChat(engine, lang=lang)
    chat.walk(*refused_call(t))
    refused_at = case(engine, 1)["refused_at"]
    clock.advance(days=3)

    answer = only(chat.say("+81 3-5555-0123"))
    when = texts.when(START, TOKYO)
    assert answer.text == t["who.refused"].format(who="株式会社みらい不動産", date=when, number=1)
    say, gloss = say_line(lang, refused_at)
    assert answer.say == say and "11月27日" in say and "宅地建物取引業法" in say
    assert (answer.gloss is None) == (lang == "ja") and (lang == "ja" or answer.gloss == gloss)
    if lang == "en":  # how to say it, for a user who does not read Japanese
        assert answer.reading is not None
        assert answer.reading.startswith("Jūichi-gatsu nijūshichi-nichi ni, hakkiri")
        assert "Takuchi Tatemono Torihiki Gyō-hō de kinjirarete imasu" in answer.reading
    assert answer.note is not None
    for fact in ("佐々木", "リスト社", "03-5555-0123", t["who.no_calls_after"]):
        assert fact in answer.note
    labels = [o.label for o in answer.options]
    assert labels == [t["opt.who_now"], t["opt.who_earlier"], t["opt.who_not"]]

    # They are calling now: a /call case linked to the refusal, its caller filled in.
    step = only(chat.press(t["opt.who_now"]))
    assert step.text == t["step.refusing_again.text"].format(date=when, number=1)
    assert step.say == say
    assert t["opt.check_number"] not in [o.label for o in step.options]
    again = case(engine, 2)
    assert (again["repeat_of"], again["repeat_refused_at"]) == (1, refused_at)
    assert (again["company"], again["phone_e164"]) == ("株式会社みらい不動産", "+81355550123")
    assert again["product_kind"] == "property"

    chat.walk(
        Press(t["opt.refused"]), Press(t["opt.dodged"]), Press(t["opt.pressing_source.dodged"])
    )
    # Company and number kept; no caller's name, product or licence: when, and save.
    chat.walk(*["skip"] * 5, Press(t["opt.now"]), Press(t["opt.confirm"]))
    assert case(engine, 2)["repeat_of"] == 1, "confirming the same caller keeps the link"

    # Looked up again: one call after the refusal, and the report the evidence allows.
    answer = only(chat.say("0355550123"))
    later = texts.when(clock.now, TOKYO)
    assert t["who.calls_after"].format(count=1, date=later) in (answer.note or "")
    report = chat.press(t["opt.letter_resolicitation_report"])
    letter = _write_letter(chat, report, t)
    assert "令和8年11月27日14時" in letter, "the refusal"
    assert "令和8年11月30日14時" in letter, "the call after it"


def _write_letter(chat: EngineChat, asked: Response, t: dict[str, str]) -> str:
    """The letter dialog to its end (a new sender, no phone, not kept): the letter's text."""
    if t["letter_ask_office"] in text_of(asked):
        asked = chat.say("skip")
    if t["opt.sender_new"] in [o.label for r in asked.replies for o in r.options]:
        chat.press(t["opt.sender_new"], on=asked)
    for line in ("山田 花子", "東京都渋谷区神南9-9-9", "skip"):
        chat.say(line)
    done = chat.say("no")
    [text] = [a for r in done.replies for a in r.attachments if a.filename.endswith(".txt")]
    return text.data.decode("utf-8")


def a_later_call(chat: EngineChat, phone: str = "03-5555-0123", t: dict[str, str] = JA) -> None:
    """A call from ``phone`` after its refusal, recorded as a case of its own from /who's
    「いまかかってきている」: refused, the source dodged, saved."""
    chat.say(phone)
    chat.press(t["opt.who_now"])
    chat.walk(Press(t["opt.refused"]), Press(t["opt.dodged"]))
    chat.walk(Press(t["opt.pressing_source.dodged"]), *["skip"] * 5, Press(t["opt.now"]))
    chat.press(t["opt.confirm"])


def a_dropped_later_call(chat: EngineChat, phone: str = "03-5555-0123") -> None:
    """A call from ``phone`` opened from /who's 「いまかかってきている」 (a case linked to the
    refusal), then cancelled: the user dropped it."""
    chat.say(phone)
    chat.press(JA["opt.who_now"])
    chat.say("/cancel")


def test_the_report_lists_every_call_after_the_refusal(engine: Engine, clock: FakeClock) -> None:
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))  # refused on 11/27 at 14:00
    clock.advance(days=1)
    chat.say("03-5555-0123")
    chat.press(JA["opt.who_earlier"])
    chat.say("昨日 15:00")  # a call after the refusal, recorded on its case
    for _ in range(2):  # two more calls, each recorded as a case of its own
        clock.advance(days=2)
        a_later_call(chat)
    answer = only(chat.say("03-5555-0123"))
    assert "お断りした後の電話: 3回（最後 2026年12月2日(水) 14:00）" in (answer.note or "")
    letter = _write_letter(chat, chat.press(JA["opt.letter_resolicitation_report"]), JA)
    history = letter[letter.index("令和8年11月27日14時") :]
    calls = ("令和8年11月27日15時", "令和8年11月30日14時", "令和8年12月2日14時")
    assert [history.index(c) for c in calls] == sorted(history.index(c) for c in calls)


def test_the_refused_case_shows_the_calls_recorded_after_it_and_offers_the_report(
    engine: Engine, clock: FakeClock
) -> None:
    """/case of a refused case said nothing of the later calls recorded as cases of their
    own, and its letters offered no report (only /who did): the proof was one case away."""
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))  # refused on 11/27 at 14:00
    assert JA["opt.letter_resolicitation_report"] not in labels(
        chat.press(JA["opt.case_letter"], on=chat.say("/case 1"))
    )
    clock.advance(days=3)
    a_later_call(chat)  # a new case for this call, linked to the refusal
    page = chat.say("/case 1")
    text = text_of(page)
    assert JA["status.repeat"] in text.splitlines()[0]
    later = JA["case.later_case"].format(number=2, date="2026年11月30日(月)")
    assert JA["case.later_cases"].format(cases=later) in text
    menu = chat.press(JA["opt.case_letter"], on=page)
    letter = _write_letter(chat, chat.press(JA["opt.letter_resolicitation_report"], on=menu), JA)
    history = letter[letter.index("令和8年11月27日14時") :]
    assert "令和8年11月30日14時" in history, "the later case's call, listed"


def test_the_list_marks_a_refused_case_whose_later_calls_are_cases_of_their_own(
    engine: Engine, clock: FakeClock
) -> None:
    """/cases and /find put ⚠️ on the refused case as /case does, not only on the later one;
    another user's later call marks nothing of this user's."""
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))
    other = EngineChat(engine, user_id=2)
    other.walk(*refused_call(JA))  # user 2's case #1: refused, never called again
    clock.advance(days=3)
    a_later_call(chat)  # user 1's case #2
    for command in ("/cases", "/find 03-5555-0123"):
        lines = text_of(chat.say(command)).splitlines()
        [refused] = [line for line in lines if line.startswith("#1 ") and "｜" in line]
        [later] = [line for line in lines if line.startswith("#2 ") and "｜" in line]
        assert refused.endswith(JA["status.repeat"]) and later.endswith(JA["status.repeat"])
    [untouched] = [line for line in text_of(other.say("/cases")).splitlines() if "｜" in line]
    assert JA["status.repeat"] not in untouched


def test_the_refused_cases_standing_counts_the_calls_recorded_as_cases_of_their_own(
    engine: Engine, clock: FakeClock
) -> None:
    """「断った後の電話 1回」 above 「別のケースに記録: #2、#3」: the count left out the
    later cases, which the report counts. A later case cancelled counts in neither."""
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))
    clock.advance(days=1)
    chat.say("03-5555-0123")
    chat.press(JA["opt.who_earlier"])
    chat.say("昨日 15:00")  # a call after the refusal, recorded on case #1
    for _ in range(2):
        clock.advance(days=2)
        a_later_call(chat)  # cases #2 and #3
    page = text_of(chat.say("/case 1"))
    assert JA["standing.calls_after"].format(count=3) in page.splitlines()[1]
    clock.advance(days=1)
    a_dropped_later_call(chat)  # case #4
    assert engine.store.case_by_number(1, 4)["repeat_of"] == 1
    page = text_of(chat.say("/case 1"))
    assert JA["standing.calls_after"].format(count=3) in page.splitlines()[1]
    assert "#4" not in page.split(JA["case.timeline"])[0]


def test_no_report_is_offered_for_a_refusal_whose_only_later_case_was_cancelled(
    engine: Engine, clock: FakeClock
) -> None:
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))
    clock.advance(days=1)
    a_dropped_later_call(chat)  # case #2
    menu = chat.press(JA["opt.case_letter"], on=chat.say("/case 1"))
    assert JA["opt.letter_resolicitation_report"] not in labels(menu)


def test_the_refused_cases_count_is_the_lookups_with_calls_on_a_later_case(
    engine: Engine, clock: FakeClock
) -> None:
    """A call recorded on the later case (#2, refused too) counted in /who and the report,
    not in /case 1's 現状 (from the session review)."""
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))
    clock.advance(days=3)
    a_later_call(chat)  # case #2
    clock.advance(days=1)
    chat.say("/case 2")
    chat.press("📞 この会社からまた電話があった")
    chat.say("昨日 15:00")
    answer = only(chat.say("03-5555-0123"))
    assert "お断りした後の電話: 2回" in (answer.note or "")
    page = text_of(chat.say("/case 1"))
    assert JA["standing.calls_after"].format(count=2) in page.splitlines()[1]


def labels(response: Response) -> list[str]:
    return [o.label for r in response.replies for o in r.options]


def test_a_refusal_in_an_earlier_year_is_read_aloud_with_its_year(
    engine: Engine, clock: FakeClock
) -> None:
    """In January, 「11月27日に、はっきりお断りしています」 let the caller say "not this year"."""
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))  # refused on 2026-11-27
    clock.advance(days=10)
    said = said_of(only(chat.say("03-5555-0123")))
    assert "11月27日に、はっきり" in said and "2026年11月27日に" not in said, "this year"
    clock.advance(days=40)  # 2027-01-16
    said = said_of(only(chat.say("03-5555-0123")))
    assert "2026年11月27日に、はっきりお断りしています。" in said
    english = EngineChat(engine, user_id=2, lang="en")
    english.walk(*refused_call(EN))
    clock.advance(days=400)
    said = said_of(only(english.say("03-5555-0123")))
    assert "on 16 January 2027" in said and "nisen-nijūnana-nen ichi-gatsu" in said.casefold()


def said_of(reply: Reply) -> str:
    """The reply's line to read aloud, its reading and its gloss."""
    return "\n".join(part or "" for part in (reply.say, reply.reading, reply.gloss))


def test_a_refusal_of_last_century_is_looked_up_without_a_reading_of_its_year(
    engine: Engine,
) -> None:
    """A call recorded as 1999-11-28 made /who of its number raise (no reading for 1999)."""
    english = EngineChat(engine, lang="en")
    english.walk("/after", Press(EN["opt.yes_refused"]), Press(EN["opt.after_source.dodged"]))
    english.walk("テスト不動産", "skip", "03-5555-0123", "skip", "1999-11-28 14:30")
    english.press(EN["opt.confirm"])
    said = said_of(only(english.say("/who 03-5555-0123")))
    assert "on 28 November 1999" in said
    assert "sen-kyūhyaku-kyūjūkyū-nen jūichi-gatsu nijūhachi-nichi" in said.casefold()


def test_years_are_read_as_said() -> None:
    assert [year_reading(y) for y in (1900, 1999, 2000, 2001, 2004, 2019, 2026, 2030)] == [
        "sen-kyūhyaku-nen",
        "sen-kyūhyaku-kyūjūkyū-nen",
        "nisen-nen",
        "nisen-ichi-nen",
        "nisen-yo-nen",
        "nisen-jūkyū-nen",
        "nisen-nijūroku-nen",
        "nisen-sanjū-nen",
    ]


def test_a_report_from_a_later_calls_case_has_what_the_refused_case_recorded(
    engine: Engine, clock: FakeClock
) -> None:
    """A call after the refusal, recorded as a case of its own with little typed, gave a
    report with 免許番号: 不明 and a blank addressee, though the refused case held the
    licence, and without the broker it named."""
    chat = EngineChat(engine)
    steps = list(refused_call(JA))
    steps[steps.index("skip")] = "東京都知事(3)第45678号"  # the licence, recorded then
    chat.walk(*steps)
    clock.advance(days=2)
    a_later_call(chat)  # a new case for this call, linked to the refusal
    assert case(engine, 2)["repeat_of"] == 1 and case(engine, 2)["licence"] is None
    answer = only(chat.say("03-5555-0123"))
    letter = _write_letter(chat, chat.press(JA["opt.letter_resolicitation_report"], on=answer), JA)
    assert "東京都知事 殿" in letter
    assert "東京都知事(3)第45678号" in letter and "不明" not in letter.split("免許番号")[1][:12]
    assert "リスト社" in letter, "the broker named on the refused call"
    assert "佐々木" not in letter, "the person is the later call's own (not recorded)"
    assert "令和8年11月27日" in letter, "the refusal, from the refused case"


@pytest.mark.parametrize("lang", LANGS)
def test_the_same_company_from_another_number_found_by_name(
    engine: Engine, clock: FakeClock, lang: str
) -> None:
    t = CATALOG[lang]
    chat = EngineChat(engine, lang=lang)
    chat.walk(*refused_call(t, company="株式会社ミライ"))
    clock.advance(days=1)
    unknown = only(chat.say("０９０－９９９９－８８８８"))
    assert unknown.text == t["who.unknown_number"].format(phone="090-9999-8888")
    known = only(chat.say("/who （株）ミライ"))
    assert known.text.startswith("🚫") and "株式会社ミライ" in known.text
    assert known.say is not None and "11月27日" in known.say
    # On the phone: the new number's case, then the name they give, checked on that call.
    chat.press(t["opt.who_call"], on=unknown)
    step = only(chat.say("/who （株）ミライ"))
    assert step.say == say_line(lang, case(engine, 1)["refused_at"])[0], "the firmer line"
    again = case(engine, 2)
    assert (again["repeat_of"], again["company"], again["phone_e164"]) == (
        1,
        "株式会社ミライ",
        "+819099998888",
    )
    assert engine.store.count_cases(1) == 2, "one call, one case"


@pytest.mark.parametrize("lang", LANGS)
def test_a_number_recorded_but_never_refused(engine: Engine, clock: FakeClock, lang: str) -> None:
    t = CATALOG[lang]
    chat = EngineChat(engine, lang=lang)
    chat.walk(*not_refused_call(t))
    clock.advance(hours=5)
    before = rows(engine)
    seen = only(chat.say("03 5555 0123"))
    assert seen.text.startswith("📒") and "#1" in seen.text and seen.say is None
    assert "みらい不動産" in (seen.note or "")
    assert rows(engine) == before, "a lookup stores nothing"
    assert [o.label for o in seen.options] == [t["opt.who_call"], t["opt.who_after"]]
    first = chat.press(t["opt.who_call"])
    assert JA["step.refusing.say"] in text_of(first)
    started = case(engine, 2)
    assert (started["mode"], started["phone_e164"], started["repeat_of"]) == (
        "call",
        "+81355550123",
        None,
    )


@pytest.mark.parametrize("lang", LANGS)
def test_an_unknown_number_is_carried_into_the_new_case(engine: Engine, lang: str) -> None:
    t = CATALOG[lang]
    chat = EngineChat(engine, lang=lang)
    unknown = only(chat.say("(03)5555-0123"))
    assert unknown.text == t["who.unknown_number"].format(phone="03-5555-0123")
    assert engine.store.count_cases(1) == 0
    chat.press(t["opt.who_after"])
    chat.walk(Press(t["opt.yes_refused"]), Press(t["opt.after_source.dodged"]), "みらい", "skip")
    at_phone = text_of(chat.last)
    assert t["current_value"].format(value="03-5555-0123") in at_phone
    assert case(engine, 1)["phone_e164"] == "+81355550123"


@pytest.mark.parametrize("lang", LANGS)
def test_a_number_typed_at_a_text_step_is_that_steps_answer(
    engine: Engine, clock: FakeClock, lang: str
) -> None:
    t = CATALOG[lang]
    chat = EngineChat(engine, lang=lang)
    chat.walk(*refused_call(t))
    clock.advance(hours=2)
    chat.walk("/call", Press(t["opt.refused"]), Press(t["opt.named"]))
    answer = text_of(chat.say("03-5555-0123"))
    assert "🚫" not in answer and t["step.recording_company.text"] in answer
    assert case(engine, 2)["broker_name"] == "03-5555-0123"
    chat.say("みらい不動産")
    chat.say("skip")
    chat.say("０３－５５５５－０１２３")
    assert case(engine, 2)["phone_e164"] == "+81355550123"
    assert case(engine, 2)["repeat_of"] == 1, "recorded at step 3, the repeat is noticed there"


def test_the_call_being_recorded_is_not_its_own_history(engine: Engine) -> None:
    chat = EngineChat(engine)
    summary = chat.walk(*refused_call(JA)[:-2])  # at the summary, not yet saved
    answer = only(chat.say("03-5555-0123"))
    assert answer.text.startswith("❔"), "the refusal in this very case is not 'before'"
    chat.press(JA["opt.confirm"], on=summary)
    assert only(chat.say("03-5555-0123")).text.startswith("🚫")


@pytest.mark.parametrize("lang", LANGS)
def test_another_users_caller_is_unknown(engine: Engine, lang: str) -> None:
    EngineChat(engine, user_id=1).walk(*refused_call(JA))
    other = EngineChat(engine, user_id=2, lang=lang)
    for typed in ("03-5555-0123", "/who 株式会社みらい不動産", "/who みらい不動産"):
        answer = only(other.say(typed))
        assert answer.text.startswith("❔"), typed
        shown = text_of(answer)
        assert "佐々木" not in shown and "リスト社" not in shown and "#1" not in shown
    assert engine.store.count_cases(2) == 0


def test_who_without_a_name_asks_and_then_looks_up(engine: Engine) -> None:
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))
    assert only(chat.say("/who")).text == JA["who_prompt"]
    answer = only(chat.say("ミライ不動産"))  # katakana for みらい, no legal form
    assert answer.text.startswith("🚫")
    assert only(chat.say("/who 株式会社")).text == JA["who_empty"]
    assert only(chat.say("/who " + "あ" * 101)).text == JA["too_long"].format(limit=100)
    assert only(chat.say("/who")).text == JA["who_prompt"]
    assert only(chat.say("/cancel")).text == JA["who_cancelled"]


def test_they_called_earlier_records_a_call_after_the_refusal(
    engine: Engine, clock: FakeClock
) -> None:
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))
    clock.advance(days=3)
    chat.say("03-5555-0123")
    asked = chat.press(JA["opt.who_earlier"])
    assert JA["again_when"].format(number=1) in text_of(asked)
    chat.say("昨日 15:00")
    assert case(engine, 1)["repeat_calls"] == 1
    answer = only(chat.say("03-5555-0123"))
    assert "お断りした後の電話: 1回（最後 2026年11月29日(日) 15:00）" in (answer.note or "")
    assert JA["opt.letter_resolicitation_report"] in [o.label for o in answer.options]


def test_not_them_changes_nothing(engine: Engine) -> None:
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))
    chat.say("03-5555-0123")
    before = rows(engine)
    answer = only(chat.press(JA["opt.who_not"]))
    assert answer.text == JA["who.not_them"]
    assert [o.label for o in answer.options] == [JA["opt.start_call"], JA["opt.start_after"]]
    assert rows(engine) == before


def test_calling_now_pressed_twice_starts_one_case(engine: Engine) -> None:
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))
    shown = chat.say("03-5555-0123")
    chat.press(JA["opt.who_now"], on=shown)
    chat.press(JA["opt.who_now"], on=shown)
    assert engine.store.count_cases(1) == 2
    chat.say("/cancel")  # pressed by mistake: the dropped case is no call after the refusal
    assert JA["who.no_calls_after"] in (only(chat.say("03-5555-0123")).note or "")


def test_forged_and_stale_lookup_buttons(engine: Engine) -> None:
    chat = EngineChat(engine)
    chat.walk(*not_refused_call(JA))
    for token, notice in (
        ("who_now.999-0", JA["case_not_found"].format(number=999)),
        ("who_now.1-0", JA["stale_button"]),  # case 1 was never refused
        ("who_earlier.1", JA["stale_button"]),
        ("who_now.1-x", JA["bad_button"]),
        ("who_start.call-p81355550123", JA["bad_button"]),  # no case count
    ):
        before = rows(engine)
        response = chat.send(choice=token)
        assert (response.notice, response.replies) == (notice, ()), token
        assert rows(engine) == before, token


# -- step 1 of a call ---------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_checking_the_number_at_step_one_switches_to_the_firmer_line(
    engine: Engine, clock: FakeClock, lang: str
) -> None:
    t = CATALOG[lang]
    chat = EngineChat(engine, lang=lang)
    chat.walk(*refused_call(t))
    refused_at = case(engine, 1)["refused_at"]
    clock.advance(days=2)
    chat.say("/call")
    asked = only(chat.press(t["opt.check_number"]))
    assert t["step.check_number.text"] in asked.text
    step = only(chat.say("03-5555-0123"))
    assert step.text == t["step.refusing_again.text"].format(
        date=Texts(lang).when(START, TOKYO), number=1
    )
    assert step.say == say_line(lang, refused_at)[0]
    linked = case(engine, 2)
    assert (linked["repeat_of"], linked["phone_e164"], linked["company"]) == (
        1,
        "+81355550123",
        "株式会社みらい不動産",
    )
    assert [e["kind"] for e in engine.store.events(linked["id"])][-1] == "repeat_detected"


def test_an_unknown_number_at_step_one_is_kept_on_the_case(engine: Engine) -> None:
    chat = EngineChat(engine)
    chat.say("/call")
    step = only(chat.say("090-1234-5678"))
    assert step.text.startswith(JA["who.step_unknown"])
    assert step.say == JA["step.refusing.say"]
    assert JA["opt.check_number"] not in [o.label for o in step.options]
    assert case(engine, 1)["phone_e164"] == "+819012345678"


def test_in_the_shell_the_paste_answers_with_one_message_line_first(engine: Engine) -> None:
    chat = ShellChat(engine)
    chat.walk(*refused_call(JA))
    printed = chat.say("+81 3 5555 0123").splitlines()
    assert printed[0].startswith("🚫 ")
    assert printed[1].startswith("  🗣 ") and "11月27日に" in printed[1]
    assert printed[-3:] == [
        f"  1) {JA['opt.who_now']}",
        f"  2) {JA['opt.who_earlier']}",
        f"  3) {JA['opt.who_not']}",
    ]


# -- a shared contact -----------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGS)
def test_a_contact_shared_is_looked_up(engine: Engine, lang: str) -> None:
    chat = EngineChat(engine, lang=lang)
    chat.walk(*refused_call(CATALOG[lang]))
    answer = only(chat.contact("81355550123"))  # as Telegram may send it: no "+"
    assert answer.text.startswith("🚫")
    chat.say("/call")
    step = only(chat.contact("+81 3 5555 0123"))
    assert step.text.startswith("🚫") and case(engine, 2)["repeat_of"] == 1


@pytest.mark.parametrize("lang", LANGS)
async def test_a_contact_shared_on_telegram_is_looked_up(
    db_path: Path, clock: FakeClock, lang: str
) -> None:
    t = CATALOG[lang]
    async with running(db_path, clock, person=Person(language_code=lang)) as running_chat:
        chat = TelegramChat(running_chat.app, running_chat.api, running_chat.person)
        await chat.walk(*refused_call(t))
        clock.advance(days=1)
        headline = t["who.refused"].split(":")[0]
        firmer = t["step.refusing_again.text"].split("（")[0].split(" (")[0]
        await chat.run(
            [
                (Contact("+81355550123"), [headline, "宅地建物取引業法", t["opt.who_now"]]),
                (Press(t["opt.who_now"]), [firmer, "11月27日に、はっきりお断りしています。"]),
            ]
        )
        linked = running_chat.engine.store.case_by_number(running_chat.person.id, 2)
        assert linked is not None and linked["repeat_of"] == 1


@pytest.mark.parametrize(
    ("month", "day", "said"),
    [
        (1, 1, "ichi-gatsu tsuitachi"),
        (4, 4, "shi-gatsu yokka"),
        (9, 14, "ku-gatsu jūyokka"),
        (11, 20, "jūichi-gatsu hatsuka"),
        (12, 24, "jūni-gatsu nijūyokka"),
        (7, 17, "shichi-gatsu jūshichi-nichi"),
        (3, 31, "san-gatsu sanjūichi-nichi"),
        (10, 19, "jū-gatsu jūku-nichi"),
    ],
)
def test_a_day_is_read_as_it_is_said(month: int, day: int, said: str) -> None:
    assert day_reading(month, day) == said


# -- found in review: each a story that went wrong once ---------------------------------------
def test_a_number_checked_while_they_keep_pushing_shows_the_firmer_line(
    engine: Engine, clock: FakeClock
) -> None:
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))
    clock.advance(days=1)
    chat.walk("/call", Press(JA["opt.pushing"]))
    step = only(chat.say("03-5555-0123"))
    assert step.text.startswith("🚫") and step.say is not None and "11月27日に" in step.say
    assert JA["opt.backed_off"] in [o.label for o in step.options], "still the pushing step"
    assert case(engine, 2)["repeat_of"] == 1


def test_a_reminder_time_is_not_taken_for_a_phone_number(engine: Engine) -> None:
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA)[:-1], Press(JA["opt.later"]))
    assert case(engine, 1)["state"] == "scheduling"
    chat.say("2026-12-05 10:00")
    assert case(engine, 1)["state"] == "awaiting_call", "the time was the step's answer"
    for typed in ("123456789", "2026-12-05 10", "44 20 7946 0000"):
        assert "❔" not in text_of(chat.say(typed)), typed


@pytest.mark.parametrize("lang", LANGS)
def test_who_during_a_call_checks_that_call_instead_of_opening_another(
    engine: Engine, clock: FakeClock, lang: str
) -> None:
    t = CATALOG[lang]
    chat = EngineChat(engine, lang=lang)
    chat.walk(*refused_call(t))
    clock.advance(days=1)
    shown = chat.say("03-5555-0123")  # looked up before the call was opened
    chat.walk("/call", Press(t["opt.refused"]))  # at step ②
    step = only(chat.say("/who 03-5555-0123"))
    assert step.text.startswith("🚫") and t["step.asking_source.text"] in step.text
    assert engine.store.count_cases(1) == 2 and case(engine, 2)["repeat_of"] == 1
    # The earlier answer's "calling now", pressed during this call: still this call's case.
    again = only(chat.press(t["opt.who_now"], on=shown))
    assert t["step.asking_source.text"] in again.text
    assert engine.store.count_cases(1) == 2


@pytest.mark.parametrize("lang", LANGS)
def test_call_with_a_number_opens_the_call_with_its_caller_checked(
    engine: Engine, clock: FakeClock, lang: str
) -> None:
    t = CATALOG[lang]
    chat = EngineChat(engine, lang=lang)
    chat.walk(*refused_call(t))
    clock.advance(days=1)
    step = only(chat.say("/call +81 3 5555 0123"))
    assert step.text.startswith("🚫") and step.say is not None, "the firmer line at once"
    second = case(engine, 2)
    assert (second["mode"], second["phone_e164"], second["repeat_of"]) == (
        "call",
        "+81355550123",
        1,
    )
    # Typed again (the reply was slow): the same call, checked again, not a third case.
    assert only(chat.say("/call 03-5555-0123")).text.startswith("🚫")
    assert engine.store.count_cases(1) == 2
    # Another number while that call is at its first step: the next call.
    said = chat.say("/call 090-1111-2222")
    assert t["who.step_unknown"] in text_of(said) and t["step.refusing.text"] in text_of(said)
    third = case(engine, 3)
    assert (third["phone_e164"], third["repeat_of"]) == ("+819011112222", None)
    assert engine.store.count_cases(1) == 3


def test_call_with_a_company_name_keeps_it_and_finds_its_refusal(
    engine: Engine, clock: FakeClock
) -> None:
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))
    clock.advance(days=1)
    step = only(chat.say("/call （株）みらい不動産"))
    assert step.text.startswith("🚫")
    assert (case(engine, 2)["company"], case(engine, 2)["repeat_of"]) == ("株式会社みらい不動産", 1)


@pytest.mark.parametrize("lang", LANGS)
def test_call_with_unreadable_words_says_so_and_starts_the_call(engine: Engine, lang: str) -> None:
    t = CATALOG[lang]
    chat = EngineChat(engine, lang=lang)
    for typed in ("/call !!!", "/call ++++ 〜", "/call " + "あ" * 5000):
        response = chat.say(typed)
        assert response.replies[0].text == t["call_args_unread"], typed
        assert t["step.refusing.text"] in text_of(response), typed
    first = case(engine, 1)
    assert (first["phone_e164"], first["company"]) == (None, None)
    chat.say("/call ++++")  # during that call: nothing kept on it either
    assert engine.store.count_cases(1) == 1 and case(engine, 1)["company"] is None


@pytest.mark.parametrize("lang", LANGS)
def test_call_with_only_invisible_characters_is_a_plain_call(engine: Engine, lang: str) -> None:
    """「/call」 followed by a zero-width space (pasted with it) was told its words were
    unread, as if it had typed something."""
    t = CATALOG[lang]
    chat = EngineChat(engine, lang=lang)
    response = chat.say("/call \u200b\u2060")
    assert t["call_args_unread"] not in text_of(response)
    assert t["step.refusing.text"] in text_of(response)


@pytest.mark.parametrize("lang", LANGS)
def test_call_with_a_company_seen_before_names_it_not_a_number(
    engine: Engine, clock: FakeClock, lang: str
) -> None:
    """The line for a caller seen before said "this number" for a company's name too."""
    t = CATALOG[lang]
    chat = EngineChat(engine, lang=lang)
    chat.walk(*not_refused_call(t))
    clock.advance(days=1)
    said = text_of(chat.say("/call みらい不動産"))
    assert t["who.step_seen_name"].format(name="みらい不動産", number=1) in said
    assert t["who.step_seen"].format(number=1) not in said
    assert case(engine, 2)["company"] == "みらい不動産"


def test_a_second_number_during_a_call_is_only_looked_up(engine: Engine) -> None:
    chat = EngineChat(engine)
    chat.walk("/call")
    chat.say("090-1234-5678")
    other = only(chat.say("03-5555-0123"))
    assert other.text == JA["who.unknown_number"].format(phone="03-5555-0123")
    assert case(engine, 1)["phone_e164"] == "+819012345678", "the first number stays"


def test_seen_by_name_carries_the_company_and_says_so(engine: Engine) -> None:
    chat = EngineChat(engine)
    chat.walk(*not_refused_call(JA))
    seen = only(chat.say("/who みらい不動産"))
    assert [o.label for o in seen.options] == [
        JA["opt.who_call_company"],
        JA["opt.who_after_company"],
    ]
    assert JA["who.seen_hint_company"] in (seen.note or "")
    chat.press(JA["opt.who_call_company"])
    started = case(engine, 2)
    assert (started["company"], started["phone_e164"]) == ("みらい不動産", None)


def test_a_company_deleted_since_its_answer_is_not_carried_and_says_so(engine: Engine) -> None:
    chat = EngineChat(engine)
    chat.walk(*not_refused_call(JA))
    seen = only(chat.say("/who みらい不動産"))
    engine.store.delete_case(case(engine, 1))
    started = chat.press(JA["opt.who_call_company"], on=seen)
    assert started.replies[0].text == JA["who.case_gone"].format(number=1)
    assert JA["step.refusing.text"] in text_of(started), "the call's first step all the same"
    assert case(engine, 2)["company"] is None


def test_a_name_not_on_record_offers_the_similar_ones(engine: Engine) -> None:
    """/who みらい said "not in your records" of 株式会社みらい不動産 (/find found it): the
    person could take a caller refused before for a new one."""
    chat = EngineChat(engine)
    chat.walk(*not_refused_call(JA, "03-5555-0001", company="株式会社みらい不動産"))
    chat.walk(*not_refused_call(JA, "03-5555-0002", company="みらい商事"))
    chat.walk(*not_refused_call(JA, "03-5555-0003", company="大和不動産"))
    said = only(chat.say("/who みらい")).text
    assert said == "\n".join(
        [
            JA["who.unknown_name"].format(name="みらい"),
            JA["who.similar"].format(
                names="・みらい商事（ケース #2）\n・株式会社みらい不動産（ケース #1）"
            ),
        ]
    )
    assert "大和" not in said
    for alone in ("み", "100%", "_"):  # too short to mean one; LIKE's wildcards are letters
        assert JA["who.similar"].split("（")[0] not in only(chat.say(f"/who {alone}")).text
    other = EngineChat(engine, user_id=2)
    assert only(other.say("/who みらい")).text == JA["who.unknown_name"].format(name="みらい")


def test_a_broker_looked_up_by_name_is_said_to_be_one(engine: Engine) -> None:
    """/who リスト社 (the broker of case #1) said 「あなたの記録にありません」."""
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))  # the broker: リスト社
    said = only(chat.say("/who （株）リスト社")).text
    assert said == JA["who.is_broker"].format(name="リスト社", count=1)
    english = EngineChat(engine, user_id=2, lang="en")
    assert only(english.say("/who リスト社")).text == EN["who.unknown_name"].format(
        name="リスト社"
    ), "another user's broker is not theirs"


def test_a_company_erased_since_its_answer_is_said_after_the_pause(engine: Engine) -> None:
    """The note about the company came before "case #N is paused": it is said just above
    the step it is about; and a case still on record is not said to be gone."""
    chat = EngineChat(engine)
    chat.walk(*not_refused_call(JA))
    seen = only(chat.say("/who みらい不動産"))
    engine.store.db.execute("update cases set company = null where number = 1")
    chat.say("/after")  # a case in progress, paused by the next
    started = chat.press(JA["opt.who_call_company"], on=seen)
    assert [r.text for r in started.replies][:2] == [
        JA["case_paused"].format(number=2),
        JA["who.company_gone"].format(number=1),
    ]
    assert case(engine, 3)["company"] is None


def test_one_number_shared_by_two_companies_keeps_them_apart(
    engine: Engine, clock: FakeClock
) -> None:
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA, company="B商事"))
    chat.walk(*not_refused_call(JA))  # みらい不動産, from the same number
    clock.advance(days=1)
    answer = only(chat.say("/who みらい不動産"))
    assert answer.text.startswith("📒") and "B商事" not in text_of(answer)


def test_calls_linked_to_a_later_refusal_are_counted_too(engine: Engine, clock: FakeClock) -> None:
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA, company="A社", phone="03-1111-1111"))
    clock.advance(days=1)
    chat.walk(*refused_call(JA, company="A社", phone="03-2222-2222"))  # a repeat of #1
    clock.advance(days=1)
    chat.walk(*not_refused_call(JA, phone="03-2222-2222"))  # recorded afterwards: linked
    assert case(engine, 3)["repeat_of"] in (1, 2)
    answer = only(chat.say("03-2222-2222"))
    assert "お断りした後の電話: 2回" in (answer.note or "")


def test_a_contact_while_a_text_step_waits_gets_the_hint(engine: Engine) -> None:
    chat = EngineChat(engine)
    chat.walk("/call", Press(JA["opt.refused"]), Press(JA["opt.named"]))  # the broker's name
    before = rows(engine)
    hint, step = chat.contact("+81355550123").replies
    assert hint.text == JA["attachment_hint"] and "名簿業者（入手先）の名前は？" in step.text
    assert rows(engine) == before


@pytest.mark.parametrize("lang", LANGS)
def test_who_asks_then_they_called_earlier_in_either_language(
    engine: Engine, clock: FakeClock, lang: str
) -> None:
    t = CATALOG[lang]
    chat = EngineChat(engine, lang=lang)
    chat.walk(*refused_call(t))
    clock.advance(days=2)
    assert only(chat.say("/who")).text == t["who_prompt"]
    answer = only(chat.say("株式会社みらい不動産"))
    assert answer.text.startswith("🚫")
    chat.press(t["opt.who_earlier"])
    chat.say("昨日 15:00" if lang == "ja" else "yesterday 15:00")
    assert case(engine, 1)["repeat_calls"] == 1


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("property", "宅地建物取引業法で禁じられています。"),
        ("other", "特定商取引法で禁じられているはずです。"),  # its exclusions unknown here
        (None, "法律で禁じられているはずです。"),
    ],
)
def test_the_firmer_line_hedges_what_legal_ja_leaves_open(kind: str | None, said: str) -> None:
    for refused in ("2026-11-27T05:00:00+00:00", None):
        say, gloss = say_line("en", refused, kind)  # type: ignore[arg-type]
        assert said in say
        assert ("I believe" in gloss) == (kind != "property")


def _letter_waiting_for_the_sender(chat: EngineChat, t: dict[str, str]) -> None:
    """The broker's request opened from case 1's page and taken to its sender's name."""
    menu = chat.press(t["opt.case_letter"], on=chat.say("/case 1"))
    asked = chat.press(t["opt.letter_broker_request"], on=menu)
    while t["letter_ask_name"] not in text_of(asked):
        labels_shown = [o.label for r in asked.replies for o in r.options]
        asked = (
            chat.press(t["opt.sender_new"], on=asked)
            if t["opt.sender_new"] in labels_shown
            else chat.say("skip")
        )


@pytest.mark.parametrize("lang", LANGS)
def test_a_letter_left_for_a_day_does_not_take_a_pasted_number_for_its_sender(
    engine: Engine, clock: FakeClock, lang: str
) -> None:
    """A letter dialog left at the sender's name kept waiting: days later, the caller's
    number pasted to check it was taken for the sender's name, into the next question."""
    t = CATALOG[lang]
    chat = EngineChat(engine, lang=lang)
    chat.walk(*refused_call(t))
    _letter_waiting_for_the_sender(chat, t)
    clock.advance(hours=23)  # within the day: still the answer
    assert t["letter_ask_address"] in text_of(chat.say("山田 花子"))
    clock.advance(hours=25)
    said = text_of(chat.say("090-1234-5678"))
    assert f"{t['letter_cancelled']}{t['dialog_stale']}" in said
    assert t["who.unknown_number"].format(phone="090-1234-5678") in said
    assert engine.store.user(1)["pending"] is None, "what was typed for it is gone"


@pytest.mark.parametrize("lang", LANGS)
def test_the_reports_phone_question_speaks_of_the_office_not_a_business(
    engine: Engine, clock: FakeClock, lang: str
) -> None:
    """The report goes to an authority, but its phone question said the business would use
    the number to find the user's record."""
    t = CATALOG[lang]
    chat = EngineChat(engine, lang=lang)
    chat.walk(*refused_call(t))
    clock.advance(days=3)
    a_later_call(chat, t=t)
    menu = chat.press(t["opt.case_letter"], on=chat.say("/case 1"))
    asked = chat.press(t["opt.letter_resolicitation_report"], on=menu)
    if t["letter_ask_office"] in text_of(asked):
        asked = chat.say("skip")
    for line in ("山田 花子", "東京都渋谷区神南9-9-9"):
        asked = chat.say(line)
    assert text_of(asked).startswith(t["letter_ask_phone_report"])
    assert t["letter_ask_phone"] not in text_of(asked)


@pytest.mark.parametrize("lang", LANGS)
def test_a_calls_skipped_time_shows_the_moment_its_letters_state(engine: Engine, lang: str) -> None:
    """On a call's case the time skipped showed "When: —" in the summary and none on the
    case's page, while its letters stated the moment the case was opened (found in review)."""
    t = CATALOG[lang]
    chat = EngineChat(engine, lang=lang)
    summary = text_of(chat.walk(*refused_call(t)[:-3], "skip"))
    opened = t["when_case_opened"].format(when=Texts(lang).when_iso(START.isoformat(), TOKYO))
    assert f"{t['field.when']}: {opened}" in summary
    chat.walk(Press(t["opt.confirm"]), Press(t["opt.agreed"]))
    assert f"{t['field.when']}: {opened}" in text_of(chat.say("/case 1"))
    assert case(engine, 1)["call_at"] is None, "nothing stored for it"


@pytest.mark.parametrize("lang", LANGS)
def test_a_call_recorded_as_its_own_case_is_not_recorded_again_on_the_refusal(
    engine: Engine, clock: FakeClock, lang: str
) -> None:
    """The call answered from /who's 「いまかかってきている」 (a case of its own) and then
    recorded on the refused case as "called again, just now" was counted twice: the page
    said 2 calls after the refusal, /stats 2 repeats, the report listed both (review)."""
    t = CATALOG[lang]
    chat = EngineChat(engine, lang=lang)
    chat.walk(*refused_call(t))
    clock.advance(days=1)
    a_later_call(chat, t=t)  # case #2, the call now
    clock.advance(minutes=2)
    asked = chat.press(t["opt.case_again"], on=chat.say("/case 1"))
    said = text_of(chat.press(t["opt.again_now"], on=asked))
    opened = Texts(lang).when_iso(case(engine, 2)["opened_at"], TOKYO)
    assert said.startswith(t["again_recorded_as_case"].format(number=2, date=opened))
    assert t["again_when"].format(number=1) in said, "asked again"
    assert int(case(engine, 1)["repeat_calls"] or 0) == 0
    clock.advance(hours=3)  # another call, later: recorded
    assert text_of(chat.say(t["opt.again_now"])).startswith(t["repeat_call_recorded"][:8])
    assert case(engine, 1)["repeat_calls"] == 1


def test_just_now_pressed_at_the_refusals_moment_is_refused_as_typed(
    engine: Engine, clock: FakeClock
) -> None:
    """Typed, 「たった今」 at the refusal's own minute was "before the refusal"; pressed,
    the same moment was recorded as a call after it, and the report listed it."""
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))
    asked = chat.press(JA["opt.case_again"], on=chat.say("/case 1"))
    said = text_of(chat.press(JA["opt.again_now"], on=asked))
    assert said.startswith(JA["again_before_refusal"].split("{")[0])
    assert not case(engine, 1)["repeat_calls"]


def test_a_call_recorded_late_in_call_mode_dates_its_refusal_by_the_call(
    engine: Engine, clock: FakeClock
) -> None:
    """/call opened a day after the call, its time typed (「昨日 15:00」): the refusal was
    dated by the tap, so the report said the user refused a day late, and a real call in
    between was refused as "before the refusal" (found in review)."""
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA)[:-3], "昨日 15:00", Press(JA["opt.confirm"]))
    row = case(engine, 1)
    assert row["refused_at"] == row["call_at"] == "2026-11-26T06:00:00+00:00"
    # A call during the call: the tap's own moment stays the refusal's.
    chat.walk("/call", Press(JA["opt.refused"]))
    assert case(engine, 2)["refused_at"] == START.isoformat()


def test_a_call_time_corrected_to_after_its_refusal_moves_the_refusal(
    engine: Engine, clock: FakeClock
) -> None:
    """A /call case's time corrected to later than the tap (a day later) left the refusal
    before the call it was made on: 日時 11/28 09:00, お断り 11/27 14:00."""
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA)[:-3], Press(JA["opt.now"]), Press(JA["opt.fix"]))
    clock.advance(days=2)
    chat.walk(Press(JA["opt.fix_when"]), "11/28 9:00", Press(JA["opt.confirm"]))
    row = case(engine, 1)
    assert row["call_at"] == "2026-11-28T00:00:00+00:00"
    assert row["refused_at"] == row["call_at"], "refused on that call, not before it"


def test_a_later_call_marked_other_keeps_the_refused_cases_licence_in_its_report(
    engine: Engine, clock: FakeClock
) -> None:
    """The later call's product pressed as 📦 その他: its report went to the consumer centre
    under the 特商法 and dropped the licence recorded on the refused case of the same
    company, though the call's own line had cited the 宅建業法 (found in review)."""
    steps = list(refused_call(JA))
    steps[8] = "東京都知事(3)第12345号"  # the licence, where refused_call skips it
    chat = EngineChat(engine)
    chat.walk(*steps)
    clock.advance(days=3)
    chat.say("03-5555-0123")
    chat.press(JA["opt.who_now"])
    asked = chat.walk(Press(JA["opt.refused"]), Press(JA["opt.dodged"]))
    asked = chat.press(JA["opt.pressing_source.dodged"], on=asked)
    while JA["opt.other_product"] not in [o.label for r in asked.replies for o in r.options]:
        asked = chat.say("skip")
    chat.walk(Press(JA["opt.other_product"]), Press(JA["opt.now"]), Press(JA["opt.confirm"]))
    menu = chat.press(JA["opt.case_letter"], on=chat.say("/case 2"))
    letter = _write_letter(chat, chat.press(JA["opt.letter_resolicitation_report"], on=menu), JA)
    assert "東京都知事 殿" in letter and "東京都知事(3)第12345号" in letter
    assert "消費生活センター" not in letter


def test_a_dialog_abandoned_for_a_week_is_deleted_by_the_upkeep(
    engine: Engine, clock: FakeClock
) -> None:
    """A letter's sender typed halfway, then abandoned: the name stayed in users.pending
    until the user wrote again, which a user who never comes back does not."""
    from bot.upkeep import drop_stale_dialogs
    from flows.dialogs import KEPT_FOR

    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))
    _letter_waiting_for_the_sender(chat, JA)
    chat.say("山田 花子")
    other = EngineChat(engine, user_id=2)
    db = engine.store.db
    db.execute(
        "insert into users (id, language, time_zone, created_at, active, pending) "
        "values (3, 'ja', 'Asia/Tokyo', '2026-01-01', 1, '{not json')"
    )
    clock.advance(days=6)
    other.say("/who")  # user 2's dialog, opened six days later
    drop_stale_dialogs(engine.storage)
    assert "山田 花子" in engine.store.user(1)["pending"], "not a week yet"
    clock.advance(days=1, minutes=1)
    drop_stale_dialogs(engine.storage)
    assert engine.store.user(1)["pending"] is None, "the name typed is gone"
    assert engine.store.user(2)["pending"] is not None, "a day old: kept"
    assert engine.store.user(3)["pending"] == "{not json", "unreadable: left to load()"
    plan = " ".join(
        str(row[-1])
        for row in db.execute(
            "explain query plan update users set pending = null where pending is not null "
            "and json_valid(pending) and json_extract(pending, '$.asked_at') < ?",
            [(clock.now - KEPT_FOR).isoformat()],
        ).fetchall()
    )
    assert "users_pending" in plan, plan


def delete_case(chat: EngineChat, number: int) -> None:
    chat.say(f"/case {number}")
    chat.press(JA["opt.case_delete"])
    assert chat.press(JA["opt.delete_yes"]).deleted_case == number


def test_a_later_call_keeps_the_refusal_whose_case_was_deleted(
    engine: Engine, clock: FakeClock
) -> None:
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))  # #1, refused on 11/27 at 14:00
    clock.advance(days=2)
    a_later_call(chat)  # #2 on 11/29, refused again
    delete_case(chat, 1)
    answer = only(chat.say("03-5555-0123"))
    # The refusal of 11/27, which #2 keeps, and #2 a call after it: not a call after itself.
    assert "（2026年11月27日(金) 14:00、ケース #2）" in answer.text
    assert "お断りした後の電話: 1回（最後 2026年11月29日(日) 14:00）" in (answer.note or "")
    assert "11月27日に、はっきりお断りしています。" in (answer.say or "")
    page = text_of(chat.say("/case 2"))
    assert JA["case.repeat_of_gone"].format(number=1) in page, "its #1 said to be deleted"
    clock.advance(days=1)
    chat.press(JA["opt.who_now"], on=answer)
    third = case(engine, 3)
    assert (third["repeat_of"], third["repeat_refused_at"]) == (2, "2026-11-27T05:00:00+00:00")


def test_a_linked_call_never_refused_itself_still_shows_the_refusal_after_its_deletion(
    engine: Engine, clock: FakeClock
) -> None:
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))
    clock.advance(days=1)
    chat.walk(*not_refused_call(JA, phone="03-5555-0123"))  # #2, linked to #1's refusal
    assert case(engine, 2)["repeat_of"] == 1
    delete_case(chat, 1)
    answer = only(chat.say("03-5555-0123"))
    assert answer.text.startswith("🚫") and "2026年11月27日(金) 14:00" in answer.text
    assert "お断りした後の電話: 1回" in (answer.note or "")
    response = chat.press(JA["opt.who_now"])
    assert response.notice is None, "its button is not stale"
    assert case(engine, 3)["repeat_refused_at"] == "2026-11-27T05:00:00+00:00"


def test_a_call_recorded_after_the_deletion_is_linked_to_the_first_refusal(
    engine: Engine, clock: FakeClock
) -> None:
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))  # #1 on 11/27
    clock.advance(days=2)
    a_later_call(chat)  # #2 on 11/29
    delete_case(chat, 1)
    clock.advance(days=1)
    chat.walk(*refused_call(JA))  # #3: the company typed at its step finds #2
    third = case(engine, 3)
    assert (third["repeat_of"], third["repeat_refused_at"]) == (2, "2026-11-27T05:00:00+00:00")


@pytest.mark.parametrize("refused_again", [True, False])
def test_the_refused_cases_report_says_a_later_call_was_refused_again(
    engine: Engine, clock: FakeClock, refused_again: bool
) -> None:
    """The report from the later call's case said 「改めてお断りしています」, the report
    from the refused case (listing the same call) did not: one history, two stories."""
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))
    clock.advance(days=3)
    if refused_again:
        a_later_call(chat)  # #2, refused on that call too
    else:
        chat.walk(*not_refused_call(JA, company="株式会社みらい不動産"))  # #2, not refused
    assert case(engine, 2)["repeat_of"] == 1
    reports = []
    for number in (1, 2):
        menu = chat.press(JA["opt.case_letter"], on=chat.say(f"/case {number}"))
        asked = chat.press(JA["opt.letter_resolicitation_report"], on=menu)
        reports.append(_write_letter(chat, asked, JA))
    line = "・お断りした後の電話でも、改めてお断りしています。"
    assert [line in report for report in reports] == [refused_again] * 2, reports


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_name_typed_at_step_one_points_to_who_not_to_a_number(engine: Engine, lang: str) -> None:
    """Where 🔎 asks for the caller's number, a company's name typed got 「ボタンを押すか、
    番号を入力してください」: 番号 read as the phone number just asked for."""
    t = CATALOG[lang]
    chat = EngineChat(engine, lang=lang)
    chat.say("/call")
    said = chat.say("みらい不動産")
    assert said.replies[0].text == t["pick_hint_check"]
    assert case(engine, 1)["state"] == "refusing" and case(engine, 1)["company"] is None


def test_a_later_call_never_refused_itself_still_links_a_call_recorded_after_the_deletion(
    engine: Engine, clock: FakeClock
) -> None:
    """#2 (an /after case, not refused, linked to #1's refusal), #1 deleted: a call recorded
    through /call's steps found no refusal (only refused cases were looked at)."""
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))
    clock.advance(days=1)
    chat.walk(*not_refused_call(JA, phone="03-5555-0123"))
    delete_case(chat, 1)
    clock.advance(days=1)
    chat.walk(*refused_call(JA))
    third = case(engine, 3)
    assert (third["repeat_of"], third["repeat_refused_at"]) == (2, "2026-11-27T05:00:00+00:00")


def test_a_deleted_refusal_without_a_time_is_not_dated_by_the_later_calls_own(
    engine: Engine, clock: FakeClock
) -> None:
    """The refused case had no time (/after, none given): after its deletion, /who dated
    "the" refusal by #2's own refusal on the later call, #2 then a call after itself, and
    #2's page said the refusal's time was kept on it."""
    chat = EngineChat(engine)
    chat.walk("/after", Press(JA["opt.yes_refused"]), Press(JA["opt.after_source.dodged"]))
    chat.walk(
        "株式会社みらい不動産", "skip", "03-5555-0123", "skip", "skip", Press(JA["opt.confirm"])
    )
    clock.advance(days=2)
    chat.say("03-5555-0123")
    chat.press(JA["opt.who_now"])  # #2, refused on it
    shown = chat.walk(Press(JA["opt.refused"]), Press(JA["opt.dodged"]))
    shown = chat.press(JA["opt.pressing_source.dodged"])
    while JA["opt.confirm"] not in labels(shown):
        now = JA["opt.now"] in labels(shown)
        shown = chat.press(JA["opt.now"]) if now else chat.say("skip")
    chat.press(JA["opt.confirm"])
    assert case(engine, 2)["repeat_of"] == 1 and case(engine, 2)["repeat_refused_at"] is None
    delete_case(chat, 1)
    answer = only(chat.say("03-5555-0123"))
    refused = JA["who.refused_undated"].format(who="株式会社みらい不動産", number=2)
    assert answer.text == refused
    assert "お断りした後の電話: 1回" in (answer.note or "")
    page = text_of(chat.say("/case 2"))
    assert JA["case.repeat_of_gone_undated"].format(number=1) in page
    assert JA["case.repeat_of_gone"].format(number=1) not in page


def test_part_of_a_name_during_a_call_shows_the_companies_it_may_be(engine: Engine) -> None:
    """/who みらい outside a call lists みらい不動産; during a call it said 「記録にありません」
    and kept 「みらい」 as this call's company, the refusal of みらい不動産 unseen."""
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA, company="株式会社みらい不動産"))
    chat.say("/call")
    said = chat.say("/who みらい")
    text = text_of(said)
    assert JA["who.similar_one"].format(company="株式会社みらい不動産", number=1) in text
    assert JA["step.refusing.text"] in text, "the call's step, again"
    assert case(engine, 2)["company"] is None, "a part of a name is not kept"
    chat.say("/who みらい不動産")  # the whole name: checked, linked
    assert (case(engine, 2)["repeat_of"], case(engine, 2)["company"]) == (1, "株式会社みらい不動産")


def test_a_later_call_without_its_time_is_in_both_reports(engine: Engine, clock: FakeClock) -> None:
    """A later call recorded with /after and no time: the refused case's report said
    「日時の記録なし」 with no call at all and no 「改めてお断り」, the later case's 「1回」
    and 「改めてお断り」: one history, two stories."""
    chat = EngineChat(engine)
    chat.walk(*refused_call(JA))
    clock.advance(days=2)
    chat.walk("/after", Press(JA["opt.yes_refused"]), Press(JA["opt.after_source.dodged"]))
    chat.walk(
        "株式会社みらい不動産", "skip", "03-5555-0123", "skip", "skip", Press(JA["opt.confirm"])
    )
    assert case(engine, 2)["repeat_of"] == 1 and case(engine, 2)["call_at"] is None
    reports = []
    for number in (1, 2):
        menu = chat.press(JA["opt.case_letter"], on=chat.say(f"/case {number}"))
        reports.append(
            _write_letter(chat, chat.press(JA["opt.letter_resolicitation_report"], on=menu), JA)
        )
    for report in reports:
        assert "・お断りした後の電話：1回（日時の記録なし）" in report, report
        assert "・お断りした後の電話でも、改めてお断りしています。" in report, report
