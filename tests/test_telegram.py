"""The Telegram channel, offline: updates in through ``Application.process_update``, every
Bot API call recorded by ``fakes.request.FakeBotApi``.

Expected messages are built from the catalog (first line of a text, button labels), so the
transcripts read like the chat and survive copy edits.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import string
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database
from telegram.ext import AIORateLimiter
from telegram.ext import _aioratelimiter as aioratelimiter

import bot.cli
from bot import telegram_app
from bot.config import Settings
from bot.logs import LIBRARY_LEVELS, quiet_libraries
from bot.telegram_app import MENU_ORDER, build_application, menu_commands, run_bot
from bot.telegram_render import (
    MAX_TEXT,
    decode_callback,
    encode_callback,
    inline_keyboard,
    render_html,
)
from fakes.bot_api import TOKEN, button_data, button_rows, describe, markup_of, parse_html, plain
from fakes.request import FakeBotApi, build_on_a_fake_api
from fakes.users import Person
from flows import letters, stats
from flows.port import Inbound, Option, Reply
from flows.texts import CATALOGS, Texts
from tests.conftest import FakeClock, busy_once
from tests.transcript import TelegramChat

EN = Texts("en")
JA = Texts("ja")
NAV = ("back", "skip", "cancel")


# -- expected lines, from the catalog ---------------------------------------------------
def first_line(texts: Texts, key: str, **values: Any) -> str:
    template = CATALOGS[texts.language][key]
    return string.Formatter().vformat(template, (), defaultdict(str, values)).splitlines()[0]


def label(trigger: str, texts: Texts = EN) -> str:
    return texts(f"opt.{trigger}")


def keyboard(rows: Sequence[str | tuple[str, ...]], texts: Texts = EN) -> str:
    """Inline keyboard rows as describe() prints them: a trigger per row, or a tuple."""
    shown = []
    for row in rows:
        triggers = (row,) if isinstance(row, str) else row
        shown.append("[" + " | ".join(label(t, texts) for t in triggers) + "]")
    return (" " + "".join(shown)) if shown else ""


def sends(key: str, *rows: str | tuple[str, ...], texts: Texts = EN, **values: Any) -> str:
    return f"send: {first_line(texts, key, **values)}{keyboard(rows, texts)}"


def chose(trigger: str, texts: Texts = EN) -> str:
    return f"edit: {texts('chosen', label=label(trigger, texts))}"


# In an expected list: any number of plain notes here (e.g. reminders the engine announces).
NOTES = "…"


def matches(got: list[str], expected: list[str]) -> bool:
    if NOTES not in expected:
        return got == expected
    at = expected.index(NOTES)
    head, tail = expected[:at], expected[at + 1 :]
    middle = got[len(head) : len(got) - len(tail)]
    return (
        len(got) >= len(head) + len(tail)
        and got[: len(head)] == head
        and got[len(got) - len(tail) :] == tail
        and all(line.startswith("send: ") and not line.endswith("]") for line in middle)
    )


def pressed(trigger: str, then: list[str], texts: Texts = EN) -> list[str]:
    """What an accepted button does: answer, mark the pressed message, then the replies."""
    return ["answer", chose(trigger, texts), *then]


# -- a running bot ------------------------------------------------------------------------
def no_limits() -> AIORateLimiter:
    # The production limiter (30 messages/s) would make a long transcript wait; retries on
    # 429 work the same without it.
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)


async def no_wait(seconds: float) -> None:
    await asyncio.sleep(0)


@dataclass
class Chat(TelegramChat):
    """One person's private chat with a running bot: the transcript helper's Telegram side
    (``tests.transcript.TelegramChat``), plus taps by trigger name and exact call lists."""

    async def tap(self, trigger_or_label: str, message: dict[str, Any] | None = None) -> list[str]:
        return await self.press(self.label(trigger_or_label), on=message)

    async def press_data(self, data: str, message: dict[str, Any] | None = None) -> list[str]:
        """Send callback data as given (forged, stale, from an older version)."""
        message = message or list(self.api.messages.values())[-1]
        return await self.send(self.person.press(message, data))

    def label(self, trigger_or_label: str) -> str:
        texts = Texts("ja" if self.person.language_code == "ja" else "en")
        key = f"opt.{trigger_or_label}"
        return texts(key) if texts.has(key) else trigger_or_label

    async def run(self, steps: Sequence[tuple[str, list[str]]]) -> None:  # type: ignore[override]
        """Each step: ``"/text"``/``"text"`` typed, or ``"@trigger"`` tapped; the exact Bot
        API calls it made (``TelegramChat.run`` matches fragments instead)."""
        for action, expected in steps:
            if action.startswith("@"):
                got = await self.tap(action[1:])
            else:
                got = await self.say(action)
            assert matches(got, expected), f"after {action!r}:\n{got}\n!=\n{expected}"

    @property
    def engine(self) -> Any:
        return self.app.bot_data.engine

    def case(self, number: int = 1) -> dict[str, Any]:
        row = self.engine.store.case_by_number(self.person.id, number)
        assert row is not None
        return row


@asynccontextmanager
async def running(
    db_path: Path,
    clock: FakeClock,
    *,
    api: FakeBotApi | None = None,
    person: Person | None = None,
    settings: Settings | None = None,
) -> AsyncIterator[Chat]:
    """A bot as run_polling runs it (initialize, post_init … shutdown, post_shutdown)."""
    api = api or FakeBotApi()
    app = build_application(
        settings or Settings(db_path=db_path, telegram_token=TOKEN),
        db_path,
        request=api,
        get_updates_request=api,
        rate_limiter=no_limits(),
        clock=clock,
    )
    app.bot_data.sleep = no_wait  # a reply tried again does not wait for real
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        try:
            yield Chat(app, api, person or Person())
        finally:
            await app.post_shutdown(app)  # type: ignore[misc]


@pytest.fixture
async def chat(db_path: Path, clock: FakeClock) -> AsyncIterator[Chat]:
    async with running(db_path, clock) as chat:
        yield chat


def rows(db_path: Path, table: str) -> list[dict[str, Any]]:
    db = Database(db_path)
    try:
        return list(db[table].rows) if db[table].exists() else []
    finally:
        db.close()


def step_one(texts: Texts = EN) -> str:
    """Step 1 of a call as sent: its text and its buttons."""
    return sends(
        "step.refusing.text",
        "refused",
        "pushing",
        "ended",
        "check_number",
        ("skip", "cancel"),
        texts=texts,
    )


# The whole case of the issue: /call → refused → named → broker, company typed → person
# skipped → phone typed → property tapped → licence typed → now → save → agreed.
FULL_CASE = [
    (
        "/call",
        [step_one()],
    ),
    (
        "@refused",
        pressed("refused", [sends("step.asking_source.text", "named", "dodged", "ended", NAV)]),
    ),
    ("@named", pressed("named", [sends("step.recording.intro", NAV)])),
    ("Acme List", [sends("step.recording_company.text", NAV)]),
    ("Tokyo Estate", [sends("step.recording_person.text", NAV)]),
    ("@skip", pressed("skip", [sends("step.recording_phone.text", NAV)])),
    ("090-1234-5678", [sends("step.recording_product.text", "property", "other_product", NAV)]),
    ("@property", pressed("property", [sends("step.recording_licence.text", NAV)])),
    ("東京都知事(5)第12345号", [sends("step.recording_when.text", "now", NAV)]),
    ("@now", pressed("now", [sends("step.confirming.text", "confirm", "fix", ("back", "cancel"))])),
    (
        "@confirm",
        pressed(
            "confirm",
            [
                sends(
                    "step.demanding.text",
                    "agreed",
                    "declined",
                    "no_record",
                    "unreachable",
                    "later",
                    NAV,
                    broker="Acme List",
                )
            ],
        ),
    ),
    (
        "@agreed",
        pressed(
            "agreed",
            [
                sends("outcome.agreed"),
                NOTES,
                sends("step.following_up.text", "close", number=1),
            ],
        ),
    ),
]


# -- the whole case -----------------------------------------------------------------------
async def test_a_whole_case_by_buttons_and_text(db_path: Path, clock: FakeClock) -> None:
    async with running(db_path, clock) as chat:
        await chat.run(FULL_CASE)
        api = chat.api

    # Every press answered exactly once, without an alert.
    presses = [
        call.params["callback_query_id"]
        for call in api.calls
        if call.method == "answerCallbackQuery"
    ]
    assert len(presses) == len(set(presses)) == 7
    assert all(not p.get("show_alert") for p in api.of("answerCallbackQuery"))
    # A pressed message keeps its text, gains the choice, loses its keyboard.
    edits = api.of("editMessageText")
    assert len(edits) == 7
    for edit in edits:
        assert "reply_markup" not in edit and edit["parse_mode"] == "HTML"
        original = api.sent_text[edit["chat_id"], edit["message_id"]]
        choice = plain(edit["text"]).rsplit("\n", 1)[1]
        assert plain(edit["text"]) == f"{original}\n\n{choice}"
        assert "reply_markup" not in api.messages[edit["chat_id"], edit["message_id"]]
    # The read-aloud line is bold, the note italic, all as HTML.
    demand = next(
        p for p in api.of("sendMessage") if "Acme List" in p["text"] and "<b>" in p["text"]
    )
    _, entities = parse_html(demand["text"])
    assert {e["type"] for e in entities} == {"bold", "italic"}
    # Callback data: versioned, short.
    for params in api.of("sendMessage"):
        for row in (markup_of(params) or {}).get("inline_keyboard", []):
            for button in row:
                assert button["callback_data"].startswith("k1:")
                assert len(button["callback_data"].encode()) <= 64

    [case] = rows(db_path, "cases")
    assert case["state"] == "following_up"
    assert case["broker_name"] == "Acme List"
    assert case["company"] == "Tokyo Estate"
    assert case["person"] is None
    assert case["phone_e164"] == "+819012345678"
    assert case["product_kind"] == "property"
    assert case["licence"] == "東京都知事(5)第12345号"
    assert case["outcome"] == "agreed"
    [user] = rows(db_path, "users")
    assert (user["id"], user["language"], user["active"]) == (1001, "en", 1)


async def test_start_shows_the_persistent_call_button(db_path: Path, clock: FakeClock) -> None:
    async with running(db_path, clock, person=Person(language_code="ja")) as chat:
        said = await chat.say("/start")
        first, _options = chat.api.of("sendMessage")
        keyboard_markup = markup_of(first)
        assert keyboard_markup == {
            "keyboard": [[{"text": "📞 営業電話を受けている"}]],
            "resize_keyboard": True,
            "is_persistent": True,
        }
        # The engine's inline options follow on their own message (one keyboard each).
        assert said == [
            f"send: {first_line(JA, 'start')} ⌨[📞 営業電話を受けている]",
            sends("keyboard.options_prompt", "start_call", "start_after", texts=JA),
        ]
        # One tap on the persistent button starts /call.
        assert await chat.say("📞 営業電話を受けている") == [step_one(JA)]
        assert chat.case()["state"] == "refusing"
        # The inline options, split off onto their own message, work too.
        said = await chat.tap("start_after")
        assert said[:2] == ["answer", chose("start_after", JA)]


async def test_a_full_width_start_shows_the_persistent_call_button(
    db_path: Path, clock: FakeClock
) -> None:
    async with running(db_path, clock, person=Person(language_code="ja")) as chat:
        said = await chat.say("／ｓｔａｒｔ")  # a Japanese keyboard's
        assert said[0] == f"send: {first_line(JA, 'start')} ⌨[📞 営業電話を受けている]"


async def test_the_call_button_works_in_either_language(chat: Chat) -> None:
    said = await chat.say(JA("keyboard.call"))
    assert said == [step_one()]
    assert chat.case()["mode"] == "call"


async def test_a_language_change_resends_the_call_button(db_path: Path, clock: FakeClock) -> None:
    async with running(db_path, clock, person=Person(language_code="ja")) as chat:
        assert await chat.say("/language") == [
            sends("language_prompt", "lang_ja", "lang_en", texts=JA)
        ]
        assert await chat.tap("English") == [
            "answer",
            "edit: → English",
            f"send: {EN('language_set')} ⌨[{EN('keyboard.call')}]",
        ]
        # Named in the command, without the choice.
        assert await chat.say("/language ja") == [
            f"send: {JA('language_set')} ⌨[{JA('keyboard.call')}]"
        ]
        # Any other command leaves the keyboard as it is.
        assert await chat.say("/language") == [
            sends("language_prompt", "lang_ja", "lang_en", texts=JA)
        ]


async def test_a_press_too_old_to_answer_still_gets_its_replies(chat: Chat) -> None:
    """Telegram refuses to answer a press after ~15 s (a backlog after a restart); the step
    it saved must still be shown."""
    await chat.run(FULL_CASE[:1])
    chat.api.fail(
        "answerCallbackQuery",
        400,
        "Bad Request: query is too old and response timeout expired or query id is invalid",
    )
    got = await chat.tap("refused")
    assert got[0] == "answerCallbackQuery → 400"
    assert (
        got[1:]
        == pressed("refused", [sends("step.asking_source.text", "named", "dodged", "ended", NAV)])[
            1:
        ]
    )
    assert chat.case()["state"] == "asking_source"


# -- buttons that must not work -----------------------------------------------------------
async def test_a_stale_button_changes_nothing(chat: Chat) -> None:
    await chat.run(FULL_CASE[:3])
    broker_step = chat.api.latest_with_button(EN("opt.skip"))
    await chat.say("Acme List")  # typed, so the broker step's buttons stay on screen
    before = chat.case()
    assert await chat.tap("skip", message=broker_step) == [f"answer: {EN('stale_button')}"]
    assert chat.case() == before

    # A button of an earlier case is stale too.
    await chat.say("/cancel")
    await chat.say("/call")
    old_case = next(
        m
        for m in chat.api.messages.values()
        if re.match(r"k1:1(m[0-9a-f]{6})?\.", button_data(m, label("cancel")) or "")
    )
    assert await chat.tap("cancel", message=old_case) == [f"answer: {EN('stale_button')}"]
    assert chat.case(2)["state"] == "refusing"
    assert chat.case(1)["state"] == "cancelled"


async def test_an_old_erasure_confirmation_asks_again(chat: Chat, clock) -> None:
    """/forget's button, tapped 16 minutes later: the question again, not an erasure of
    what was recorded meanwhile."""
    await chat.say("/forget")
    clock.advance(minutes=16)
    await chat.run(FULL_CASE[:3])
    got = await chat.tap("forget_yes")
    assert got == [
        "answer",
        f"send: {EN('forget_expired')}",
        sends("forget_confirm", "forget_yes", "forget_no"),
    ]
    assert chat.case() is not None, "the case recorded meanwhile is kept"


@pytest.mark.parametrize(
    "data",
    [
        "garbage",
        "k2:1.1.refused",  # another version
        "k1:",
        "k1:1.1.refused;drop table",
        "k1:" + "9" * 70,
        "k1:99.1.refused",  # a case that does not exist
        "k1:1.1.confirm",  # a trigger this step does not offer
        "k1:g.lang.xx",
        "k1:g.resume.42",
    ],
)
async def test_forged_callback_data_is_refused(chat: Chat, data: str) -> None:
    await chat.say("/call")
    before = chat.case()
    said = await chat.press_data(data)
    assert len(said) == 1 and said[0].startswith("answer: ")
    assert chat.case() == before
    assert not chat.api.messages[1001, latest_message_id(chat)].get("edit_date")


def latest_message_id(chat: Chat) -> int:
    return max(key[1] for key in chat.api.messages)


# -- chats, message kinds, edits --------------------------------------------------------
async def test_a_group_gets_one_private_only_reply_and_nothing_is_stored(
    db_path: Path, chat: Chat
) -> None:
    group = {"id": -1001234567890, "type": "supergroup", "title": "Neighbours"}
    assert await chat.send(chat.person.text("/start@kotowari_test_bot", chat=group)) == [
        f"send: {EN('private_only')}"
    ]
    assert await chat.send(chat.person.text("/call", chat=group)) == []
    assert await chat.send(chat.person.text("hello", chat=group)) == []
    channel_post = {
        "update_id": 999,
        "channel_post": {
            "message_id": 5,
            "date": 1_764_300_000,
            "chat": {"id": -1009876543210, "type": "channel", "title": "News"},
            "text": "/call",
        },
    }
    assert await chat.send(channel_post) == []
    assert rows(db_path, "users") == []
    assert rows(db_path, "cases") == []


async def advance_to_the_phone_step(chat: Chat) -> None:
    await chat.run(FULL_CASE[:6])
    assert chat.case()["state"] == "recording_phone"


async def test_a_photo_at_a_text_step_gets_a_hint(chat: Chat) -> None:
    await advance_to_the_phone_step(chat)
    before = chat.case()
    assert await chat.send(chat.person.photo()) == [
        sends("attachment_hint"),
        sends("step.recording_phone.text", NAV),
    ]
    assert chat.case() == before


async def test_a_shared_contact_at_the_phone_step_is_the_phone(chat: Chat) -> None:
    await advance_to_the_phone_step(chat)
    said = await chat.send(chat.person.contact("+81 90-1234-5678"))
    assert said == [
        sends("phone_from_contact"),
        sends("step.recording_product.text", "property", "other_product", NAV),
    ]
    assert chat.case()["phone_e164"] == "+819012345678"


async def test_an_edited_message_never_reruns_a_step(chat: Chat) -> None:
    """An edit is not read (the step took the message as sent); it was ignored in silence,
    and a person who corrected a typo that way believed the record corrected."""
    await chat.run(FULL_CASE[:3])
    await chat.say("Acme Lits")
    before = chat.case()
    assert await chat.send(chat.person.edited(4, "Acme List")) == [sends("edit_not_read")]
    assert chat.case() == before
    assert before["broker_name"] == "Acme Lits"
    japanese = Chat(chat.app, chat.api, Person(id=77, language_code="ja"))
    await japanese.say("/call")
    assert await japanese.send(japanese.person.edited(1, "/after")) == [
        sends("edit_not_read", texts=JA)
    ]
    assert japanese.case()["state"] == "refusing"
    # In a group an edit is not even looked at.
    group = chat.person.edited(5, "/call")
    group["edited_message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "営業部"}
    assert await chat.send(group) == []


async def test_a_live_locations_moves_are_not_answered(chat: Chat) -> None:
    """Each move of a shared live location comes as an edit, for up to hours: each got
    「編集は読みません」, flooding the chat."""
    await chat.say("/call")
    before = chat.case()
    moved = chat.person.edited(2, "x")
    del moved["edited_message"]["text"]
    for step in range(3):
        spot = {"latitude": 35.68 + step / 1000, "longitude": 139.76, "live_period": 3600}
        moved["edited_message"]["location"] = spot
        assert await chat.send(moved) == []
    assert chat.case() == before


async def test_a_too_long_answer_is_refused_clearly(chat: Chat) -> None:
    await chat.run(FULL_CASE[:3])
    said = await chat.say("x" * 101)
    assert said == [sends("too_long", limit=100), sends("step.recording_broker.text", NAV)]
    assert chat.case()["state"] == "recording_broker"


async def test_user_text_is_escaped(chat: Chat) -> None:
    await chat.run(FULL_CASE[:3])
    await chat.say("<b>Acme</b> & Co")
    await chat.say("/cases")
    listing = chat.api.of("sendMessage")[-1]["text"]
    assert "&lt;b&gt;Acme&lt;/b&gt; &amp; Co" in listing  # the fake would reject it otherwise


# -- Telegram errors ------------------------------------------------------------------------
async def test_a_blocked_bot_marks_the_user_inactive(db_path: Path, chat: Chat) -> None:
    await chat.say("/help")
    chat.api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    assert await chat.say("/help") == ["sendMessage → 403"]  # nothing after it
    [user] = rows(db_path, "users")
    assert user["active"] == 0
    # Unblocking and writing again makes the user active again (the engine does that).
    assert await chat.say("/help") == [sends("help")]
    assert rows(db_path, "users")[0]["active"] == 1


async def test_too_many_requests_is_retried_and_delivered(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22 warns about RetryAfter's int attribute unless opted in to timedeltas.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    # The limiter waits retry_after + 0.1 s: record the wait instead of sleeping.
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(aioratelimiter.asyncio, "sleep", no_sleep)
    chat.api.fail("sendMessage", 429, "Too Many Requests: retry after 3", {"retry_after": 3})
    said = await chat.say("/help")
    assert said == ["sendMessage → 429", sends("help")]
    assert [w for w in waits if w] == [pytest.approx(3.1)]  # sleep(0) is a plain yield


async def test_an_unexpected_error_tells_the_user_and_keeps_the_state(
    chat: Chat, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await chat.run(FULL_CASE[:3])
    before = chat.case()

    def broken(inbound: Inbound) -> None:
        raise RuntimeError(f"cannot handle {inbound.text or inbound.choice}")

    with monkeypatch.context() as patch:
        patch.setattr(chat.engine, "handle", broken)
        assert await chat.say("Acme List") == [f"send: {EN('error_generic')}"]
        # A button press is still answered, once.
        assert await chat.tap("skip") == ["answer", f"send: {EN('error_generic')}"]
    assert chat.case() == before
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and all("RuntimeError" in r.getMessage() for r in errors)
    assert not any("Acme" in r.getMessage() for r in caplog.records)
    assert await chat.say("Acme List") == [sends("step.recording_company.text", NAV)]


async def test_logs_never_contain_the_token(
    db_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(db_path, clock) as chat:
        await chat.run(FULL_CASE[:5])
        chat.api.fail("sendMessage", 502, "Bad Gateway")
        assert await chat.tap("skip") == [
            "answer",
            chose("skip"),
            "sendMessage → 502",
            sends("step.recording_phone.text", NAV),  # sent again (the step is saved)
        ]
        await chat.run(FULL_CASE[6:])
    assert any(r.levelno == logging.WARNING for r in caplog.records)  # the failure was logged
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # DEBUG was on
    secret = TOKEN.split(":", 1)[1]
    assert secret not in caplog.text
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in (record.exc_text or "")


async def test_no_personal_data_in_logs_even_at_debug(
    db_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """KOTOWARI_LOG_LEVEL=DEBUG: python-telegram-bot would log each call's parameters."""
    saved = {name: logging.getLogger(name).level for name in LIBRARY_LEVELS}
    quiet_libraries()
    try:
        caplog.set_level(logging.DEBUG)
        async with running(db_path, clock) as chat:
            await chat.run(FULL_CASE)
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
    assert caplog.records, "something was logged"
    for personal in ("Acme List", "Tokyo Estate", "090-1234-5678", "+819012345678", "12345号"):
        assert personal not in caplog.text


# -- restarts, concurrency, start-up -----------------------------------------------------
async def test_a_rebuilt_application_resumes_at_the_same_step(
    db_path: Path, clock: FakeClock
) -> None:
    person = Person()
    async with running(db_path, clock, person=person) as chat:
        await chat.run(FULL_CASE[:3])
        history = chat.api.messages
    # A new process: new Application, same database file; the chat history stays on Telegram
    # (and Telegram's update ids keep increasing).
    async with running(db_path, clock, api=FakeBotApi(messages=history), person=person) as chat:
        assert chat.case()["state"] == "recording_broker"
        # The buttons sent before the restart still work …
        assert await chat.tap("skip") == pressed(
            "skip", [sends("step.recording_company.text", NAV)]
        )
        # … and typing carries on.
        await chat.run(FULL_CASE[4:5])
        assert chat.case()["state"] == "recording_person"


async def test_one_users_updates_stay_in_order(chat: Chat) -> None:
    await chat.say("/call")
    start = len(chat.api.calls)
    # A second /call shows the case just opened again (two messages); /help sent right after
    # it must not land between them.
    await asyncio.gather(chat.say("/call"), chat.say("/help"))
    said = [describe(call) for call in chat.api.calls[start:]]
    assert said == [
        sends("case_just_opened", number=1),
        step_one(),
        sends("help"),
    ]


async def test_different_users_are_served_in_parallel(chat: Chat) -> None:
    """While one user's reply waits on Telegram, another user's update goes ahead."""
    other = Person(id=3003)
    # The first user's send hangs until the other is answered.
    gate = chat.api.hold("sendMessage", chat.person.id)
    first = asyncio.ensure_future(chat.say("/call"))
    for _ in range(50):
        await asyncio.sleep(0)
    second = await chat.send(other.text("/call"))  # not held up behind the first user
    assert second == [step_one()]
    assert not first.done()
    gate.set()
    await first
    assert chat.case()["state"] == "refusing"
    assert chat.engine.store.case_by_number(3003, 1)["state"] == "refusing"


async def test_the_command_menu_is_registered_in_both_languages(chat: Chat) -> None:
    menus = {p.get("language_code"): p["commands"] for p in chat.api.of("setMyCommands")}
    assert set(menus) == {None, "ja", "en"}
    for code, texts in ((None, JA), ("ja", JA), ("en", EN)):
        commands = [json.loads(c) if isinstance(c, str) else c for c in menus[code]]
        names = [c["command"] for c in commands]
        assert names == menu_commands()
        assert names[: len(MENU_ORDER)] == list(MENU_ORDER)
        assert [c["description"] for c in commands] == [texts(f"cmd.{n}") for n in names]


async def test_a_self_hosted_bot_api_server_is_used(db_path: Path, clock: FakeClock) -> None:
    settings = Settings(
        db_path=db_path, telegram_token=TOKEN, api_base_url="http://127.0.0.1:8081/bot"
    )
    async with running(db_path, clock, settings=settings) as chat:
        await chat.say("/help")
        assert chat.api.calls
        assert all(
            call.url.startswith(f"http://127.0.0.1:8081/bot{TOKEN}/") for call in chat.api.calls
        )


@pytest.fixture
def keep_logging() -> Any:
    """bot.cli configures the root logger; put it back for the tests that follow."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    yield
    root.handlers[:], level = saved
    root.setLevel(level)
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)


def test_run_without_a_token_explains_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    keep_logging: None,
) -> None:
    for name in ("TELEGRAM_BOT_TOKEN", "KOTOWARI_DB", "WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert bot.cli.main(["--env-file", "/nonexistent", "run"]) != 0
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    for needed in ("BotFather", "TELEGRAM_BOT_TOKEN", ".env", "kotowari shell"):
        assert needed in err


def test_a_webhook_needs_a_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(
        db_path=tmp_path / "k.db", telegram_token=TOKEN, webhook_url="https://bot.example/hook"
    )
    assert run_bot(settings, settings.db_path) != 0
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "WEBHOOK_SECRET" in err
    assert not (tmp_path / "k.db").exists()


@pytest.mark.parametrize(
    ("webhook_url", "expected"),
    [
        (None, ("polling", {})),
        (
            "https://bot.example/kotowari/hook",
            ("webhook", {"url": "https://bot.example/kotowari/hook", "secret": "s3cret_-token"}),
        ),
    ],
)
def test_run_polls_or_serves_a_webhook(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    webhook_url: str | None,
    expected: tuple[str, dict[str, Any]],
) -> None:
    started: list[tuple[str, dict[str, Any]]] = []

    async def polling(app: Any) -> None:
        started.append(("polling", {}))

    async def webhook(app: Any, settings: Settings) -> None:
        started.append(
            ("webhook", {"url": settings.webhook_url, "secret": settings.webhook_secret})
        )

    monkeypatch.setattr(telegram_app, "serve_polling", polling)
    monkeypatch.setattr(telegram_app, "serve_webhook", webhook)
    build_on_a_fake_api(monkeypatch)
    settings = Settings(
        db_path=tmp_path / "k.db",
        telegram_token=TOKEN,
        webhook_url=webhook_url,
        webhook_listen="0.0.0.0",
        webhook_secret="s3cret_-token",
    )
    assert run_bot(settings, settings.db_path) == 0
    assert started == [expected]
    assert (tmp_path / "k.db").exists()


# -- rendering --------------------------------------------------------------------------
def test_callback_data_is_versioned_and_validated() -> None:
    assert encode_callback("12.3.refused") == "k1:12.3.refused"
    assert decode_callback("k1:12.3.refused") == "12.3.refused"
    for bad in (None, 42, "", "k1:", "k2:1.1.x", "1.1.x", "k1:a b", "k1:" + "a" * 62):
        assert decode_callback(bad) is None
    with pytest.raises(ValueError):
        encode_callback("a" * 62)


def test_options_render_one_per_row_with_navigation_together() -> None:
    markup = inline_keyboard(
        [
            Option("1.1.a", "A"),
            Option("1.1.back", "Back", secondary=True),
            Option("1.1.b", "B"),
            Option("1.1.cancel", "Cancel", secondary=True),
        ]
    )
    assert markup is not None
    assert button_rows(markup.to_dict()) == [["A"], ["B"], ["Back", "Cancel"]]
    assert inline_keyboard([]) is None


def test_replies_are_escaped_and_styled() -> None:
    reply = Reply(text="<x> & y", say="say <this>", note="note & more")
    [text] = render_html(reply)
    assert text == "&lt;x&gt; &amp; y\n\n🗣 <b>say &lt;this&gt;</b>\n\n<i>note &amp; more</i>"


def test_a_line_to_read_aloud_comes_with_its_reading_and_meaning() -> None:
    """For a user who does not read Japanese: the Japanese line (what to say) in bold, its
    romaji in italics, its meaning after "="."""
    reply = Reply(
        text="Step 1", say="契約するつもりはありません。", reading="Keiyaku <…>", gloss="No & no."
    )
    [text] = render_html(reply)
    assert text == (
        "Step 1\n\n🗣 <b>契約するつもりはありません。</b>\n<i>Keiyaku &lt;…&gt;</i>\n= No &amp; no."
    )


async def test_an_english_user_is_given_the_japanese_line_to_say(chat: Chat) -> None:
    await chat.say("/call")
    sent = chat.api.of("sendMessage")[-1]["text"]
    assert f"🗣 <b>{JA('step.refusing.say').split('。')[0]}。</b>" in sent
    assert "<i>Keiyaku suru tsumori wa arimasen." in sent
    assert f"= {EN('step.refusing.say')}" in sent


def test_a_very_long_reply_is_split_under_the_limit() -> None:
    reply = Reply(text="\n".join(["a line of text"] * 400), note="n" * 5000)
    chunks = render_html(reply)
    assert len(chunks) > 2
    for chunk in chunks:
        plain_text, _ = parse_html(chunk)  # well-formed HTML in every piece
        assert len(plain_text.encode("utf-16-le")) // 2 <= MAX_TEXT


# -- follow-up reminders pushed into the chat ---------------------------------------------
async def to_broker_step(chat: Chat) -> None:
    """A case at step 4, typed (the buttons of these steps are covered above)."""
    for line in ("/after", "1", "1", "Acme List", "Tokyo Estate", "skip", "skip", "skip", "skip"):
        await chat.say(line)
    await chat.say("1")
    assert chat.case()["state"] == "demanding"


def reminder_rows(chat: Chat) -> list[dict[str, Any]]:
    return list(chat.engine.store.db["reminders"].rows_where(order_by="id"))


async def dispatch(chat: Chat, batch: int = 100) -> list[str]:
    start = len(chat.api.calls)
    await telegram_app.dispatch_reminders(chat.app, batch)
    return [describe(call) for call in chat.api.calls[start:]]


REMINDER_BUTTONS = "[▶ Open the case][⏰ In an hour][🌅 Next business morning][✅ Done]"
ACME = "the list broker “Acme List”"


async def test_a_due_reminder_is_pushed_once_and_done_closes_it(chat: Chat, clock) -> None:
    await to_broker_step(chat)
    got = await chat.tap("unreachable")
    assert got[-2] == "send: ⏰ I'll remind you Mon 30 Nov 2026 10:00 (call the broker again)."
    assert await dispatch(chat) == [], "not due yet"
    clock.advance(days=3)
    first = EN("reminder.retry_broker.text", number=1, broker="Acme List")
    assert await dispatch(chat) == [f"send: {first} {REMINDER_BUTTONS}"]
    assert await dispatch(chat) == [], "sent exactly once"
    [row] = reminder_rows(chat)
    assert (row["status"], row["attempts"]) == ("sent", 1)
    got = await chat.tap("✅ Done")
    # The call was made: its answer is asked (the case waited on it).
    assert got[:3] == ["answer", "edit: → ✅ Done", f"send: {EN('reminder_called')}"]
    assert got[-1].startswith(f"send: {first_line(EN, 'step.demanding.text', broker='Acme List')}")
    assert reminder_rows(chat)[0]["status"] == "done"
    assert chat.case()["state"] == "demanding"


async def test_open_from_a_reminder_shows_the_broker_script(chat: Chat, clock) -> None:
    await to_broker_step(chat)
    await chat.tap("later")
    await chat.say("4")  # in 3 days
    clock.advance(days=4)
    await dispatch(chat)
    got = await chat.tap("▶ Open the case")
    assert got[:2] == ["answer", "edit: → ▶ Open the case"]
    assert got[-1].startswith(f"send: {first_line(EN, 'step.demanding.text', broker='Acme List')}")
    assert chat.case()["state"] == "demanding"


async def test_a_blocked_user_gets_no_reminders_until_they_write_again(chat: Chat, clock) -> None:
    await to_broker_step(chat)
    await chat.tap("agreed")
    clock.advance(days=15)
    chat.api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")
    assert await dispatch(chat) == ["sendMessage → 403"]
    assert rows_of(chat, "users")[0]["active"] == 0
    assert [r["status"] for r in reminder_rows(chat)] == ["pending", "pending"]
    assert await dispatch(chat) == [], "nothing is tried while blocked"
    await chat.say("/help")
    assert len(await dispatch(chat)) == 1, "the 14-day check, once they are back"


async def test_a_network_error_is_retried_later(chat: Chat, clock) -> None:
    await to_broker_step(chat)
    await chat.tap("declined")
    clock.advance(days=15)
    chat.api.fail("sendMessage", 502, "Bad Gateway")
    assert await dispatch(chat) == ["sendMessage → 502"]
    [row] = reminder_rows(chat)
    assert (row["status"], row["attempts"], row["last_error"]) == ("pending", 1, "NetworkError")
    assert await dispatch(chat) == [], "waits a minute"
    clock.advance(minutes=1)
    assert len(await dispatch(chat)) == 1
    assert reminder_rows(chat)[0]["status"] == "sent"


@pytest.mark.parametrize("meanwhile", ["cancel", "forget"])
async def test_a_reminder_cancelled_or_erased_while_a_batch_is_sent_is_not_sent(
    chat: Chat, clock, meanwhile: str
) -> None:
    """The batch is found first and sent user by user; a user may act in between."""
    first, second = chat.person, Person(id=chat.person.id + 1)
    await to_broker_step(chat)
    await chat.tap("declined")  # first's check, due first
    clock.advance(minutes=5)
    chat.person = second
    await to_broker_step(chat)
    await chat.tap("declined")
    clock.advance(days=15)
    gate = chat.api.hold("sendMessage", first.id)
    sending = asyncio.ensure_future(dispatch(chat))
    for _ in range(100):  # until the first user's reminder waits in the fake Telegram
        await asyncio.sleep(0)
    assert not sending.done()
    if meanwhile == "cancel":
        await chat.say("/reminders")
        listing = list(chat.api.messages.values())[-1]
        [cancel] = [
            button["text"]
            for row in listing["reply_markup"]["inline_keyboard"]
            for button in row
            if button["text"].startswith("✖️ Cancel")
        ]
        await chat.tap(cancel)
    else:
        await chat.say("/forget")
        assert await chat.tap("forget_yes") == [
            "answer",
            chose("forget_yes"),
            f"send: {EN('forgotten')}",
            f"send: {EN('forgotten_chat_history')}",
        ]
    before = len(chat.api.calls)
    gate.set()
    await sending
    sent = [(c.method, int(c.params["chat_id"])) for c in chat.api.calls[before:]]
    assert sent == [("sendMessage", first.id)], "only the first user's reminder"
    statuses = {r["user_id"]: r["status"] for r in reminder_rows(chat)}
    assert statuses == (
        {first.id: "sent", second.id: "cancelled"} if meanwhile == "cancel" else {first.id: "sent"}
    )


async def test_a_sent_mark_that_cannot_be_written_neither_resends_nor_stops_the_batch(
    chat: Chat, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram accepted the first reminder, then "mark sent" failed (another process held
    the database past the busy timeout): it went out again every round, and the failure
    stopped the rest of the batch."""
    people = [chat.person, *(Person(id=chat.person.id + i) for i in (1, 2))]
    for person in people:
        chat.person = person
        await to_broker_step(chat)
        await chat.tap("declined")
        clock.advance(minutes=5)
    clock.advance(days=15)
    tries = busy_once(chat.engine, monkeypatch)
    got = await dispatch(chat)
    assert len(got) == 3, "the other reminders still went out"
    assert len(tries) == 1, "after one busy mark, the round's others wait in memory"
    for _ in range(3):
        clock.advance(hours=1)
        assert await dispatch(chat) == [], "not sent again"
    assert [r["status"] for r in reminder_rows(chat)] == ["sent"] * 3, "written later"


async def test_marks_owed_at_a_restart_are_written_so_nothing_goes_out_twice(
    db_path, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database busy when the reminder's "sent" was to be written: the mark waits in
    memory; a normal shutdown writes it (it went with the process, and the next start sent
    the reminder again)."""
    async with running(db_path, clock) as first:
        await to_broker_step(first)
        await first.tap("declined")
        clock.advance(days=15)
        busy_once(first.engine, monkeypatch)
        assert len(await dispatch(first)) == 1
        assert first.app.bot_data.owed_sent, "the mark waits in memory"
    async with running(db_path, clock) as second:
        assert await dispatch(second) == [], "not sent again after the restart"
        assert [r["status"] for r in reminder_rows(second)] == ["sent"]


async def test_a_deleted_account_gets_no_more_reminders(chat: Chat, clock) -> None:
    await to_broker_step(chat)
    await chat.tap("agreed")
    clock.advance(days=15)
    chat.api.fail("sendMessage", 400, "Bad Request: chat not found")
    assert await dispatch(chat) == ["sendMessage → 400"]
    assert rows_of(chat, "users")[0]["active"] == 0
    assert await dispatch(chat) == [], "not retried"


async def test_pending_reminders_survive_a_restart_and_go_out_once(db_path, clock) -> None:
    people = [Person(id=2001 + i) for i in range(3)]
    async with running(db_path, clock) as first:
        for person in people:
            first.person = person
            await to_broker_step(first)
            await first.tap("agreed")
    clock.advance(days=14, hours=1)
    async with running(db_path, clock) as second:
        got = await dispatch(second, batch=2)  # smaller than what is due: several batches
        assert sorted(got) == sorted(
            [
                f"send: {EN('reminder.check_compliance.text', number=1, whom=ACME, elapsed='2 weeks')}"
                f" [🙆 They did it][📭 No answer, or not done][▶ Open the case][⏰ In an hour]"
                f"[🌅 Tomorrow morning]"
            ]
            * 3
        )
        sent_to = sorted(int(params["chat_id"]) for params in second.api.of("sendMessage"))
        assert sent_to == [2001, 2002, 2003]
        assert await dispatch(second) == []


def rows_of(chat: Chat, table: str) -> list[dict[str, Any]]:
    return list(chat.engine.store.db[table].rows)


async def test_export_and_stats_arrive_as_documents_and_a_photo(chat: Chat) -> None:
    await to_broker_step(chat)
    await chat.tap("agreed")
    got = await chat.say("/export")
    stamp = "20261127"
    assert got == [
        f"send: {EN('export_done')}",
        f"document: kotowari-{stamp}.json",
        f"document: kotowari-{stamp}-cases.csv",
        f"document: kotowari-{stamp}-events.csv",
    ]
    exported = json.loads(chat.api.of("sendDocument")[0]["_content"])
    assert exported["cases"][0]["company"] == "Tokyo Estate"
    got = await chat.say("/stats")
    assert got[0].startswith("send: Statistics")
    assert got[1] == f"photo: calls.png ({EN('stats_chart_caption')})"
    assert chat.api.of("sendPhoto")[0]["_content"].startswith(b"\x89PNG")


async def test_a_chart_being_drawn_does_not_hold_up_other_users(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Charts and PDF letters (up to ~0.5 s of work) are made off the event loop."""
    await to_broker_step(chat)
    await chat.tap("agreed")
    drawing, finish = threading.Event(), threading.Event()
    draw = stats.chart_png

    def slow_chart(*args: Any) -> bytes:
        drawing.set()
        # Made on the event loop, this would stall every user until it gave up.
        assert finish.wait(timeout=10), "the chart held up the event loop"
        return draw(*args)

    monkeypatch.setattr(stats, "chart_png", slow_chart)
    other = Person(id=3003)
    await chat.send(other.text("/call"))
    first = asyncio.ensure_future(chat.say("/stats"))
    assert await asyncio.to_thread(drawing.wait, 10)
    # Meanwhile another user's steps go out; their export's files wait for the chart (one
    # file at a time, whoever asked: bot.files).
    for step in ("/cancel", "/cases"):
        second = await chat.send(other.text(step))
        assert second and all(line.startswith("send: ") for line in second)
    sent = len(chat.api.of("sendMessage"))
    exported = asyncio.ensure_future(chat.send(other.text("/export")))
    for _ in range(1000):  # until the export's step answered ("export_done"), no timer
        if len(chat.api.of("sendMessage")) > sent:
            break
        await asyncio.sleep(0)
    assert chat.api.of("sendMessage")[-1]["chat_id"] == other.id
    assert not first.done() and not exported.done() and not chat.api.of("sendDocument")
    finish.set()
    await first
    await exported
    assert [int(d["chat_id"]) for d in chat.api.of("sendDocument")] == [other.id] * 3
    (photo,) = chat.api.of("sendPhoto")
    assert int(photo["chat_id"]) == chat.person.id
    assert photo["_content"].startswith(b"\x89PNG")


async def test_a_file_that_cannot_be_made_is_reported_and_the_rest_goes_out(
    chat: Chat, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The PDF is made after the step was saved: if making it fails, the user is told, the
    text version and the rest still arrive, and nothing personal reaches the log."""
    await to_broker_step(chat)
    await chat.tap("agreed")

    def broken(letter: Any) -> bytes:
        raise RuntimeError(f"cannot typeset {letter.sender}")

    monkeypatch.setattr(letters, "to_pdf", broken)
    await chat.press_data("k1:g.letter.1")
    await chat.press_data("k1:g.lk.1-b")
    await chat.say("100-0005 Tokyo, Chiyoda-ku, Marunouchi 2-2-2")  # the broker's address
    await chat.say("Taro Yamada")
    await chat.say("100-0001 Tokyo, Chiyoda-ku, Chiyoda 1-1")
    await chat.tap("skip")
    got = await chat.tap("Don't keep (this letter only)")
    stem = "kotowari-case1-broker-request"
    failed = EN("file_failed", filename=f"{stem}.pdf")
    assert got.index(f"send: {failed}") < got.index(f"document: {stem}.txt")
    assert got[-1].startswith("send: ⏰")  # the reminder the request set is still announced
    assert "Taro Yamada" not in caplog.text and "could not make a file" in caplog.text
