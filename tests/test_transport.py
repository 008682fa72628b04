"""Getting updates from Telegram as production does it: long polling into the durable inbox,
updates that cannot be read, another poller on the token (409), bursts of slow updates.

Everything runs against ``fakes.request.FakeBotApi`` (no network); the poller's waits
go through an injected sleep on a fake clock (no real time passes).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Poll
from telegram.error import Conflict, NetworkError
from telegram.ext import _aioratelimiter as aioratelimiter

from bot import inbox as inbox_module
from bot import serving, telegram_app
from bot.config import Settings
from bot.inbox import Inbox
from bot.logs import LIBRARY_LEVELS, quiet_libraries
from bot.polling import Poller
from bot.telegram_app import KotowariApp, build_application
from fakes.bot_api import BOT_USER, CONFLICT, TOKEN, describe
from fakes.request import FakeBotApi, build_on_a_fake_api
from fakes.users import OLD_POLL, POISON_QUESTION, Person
from flows.store import Store, open_database
from tests.conftest import FakeClock
from tests.test_reliability import HOOK_SECRET, SECRET, webhook_bot
from tests.test_store import database_before
from tests.test_telegram import EN, FULL_CASE, JA, NAV, Chat, chose, no_limits, running, sends


def test_the_old_poll_is_unreadable_only_for_its_missing_members_only() -> None:
    with pytest.raises(TypeError, match="members_only"):
        Poll.de_json(OLD_POLL, None)  # type: ignore[arg-type]
    assert Poll.de_json({**OLD_POLL, "members_only": False}, None) is not None  # type: ignore[arg-type]


def numbered(update_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    return {**payload, "update_id": update_id}


def poison(person: Person, update_id: int) -> dict[str, Any]:
    """A message from ``person`` (name and all) python-telegram-bot cannot read."""
    return numbered(update_id, person.unreadable())


async def until(condition: Callable[[], bool], what: str = "the condition") -> None:
    for _ in range(20_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{what} never held")


def query(db_path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the bot's database from outside (read-only; empty until the bot has made it)."""
    if not db_path.exists():
        return []
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                return []
            raise


def state_of(db_path: Path, user_id: int) -> str | None:
    found = query(db_path, "select state from cases where user_id = ? order by number", user_id)
    return found[-1][0] if found else None


def sent_to(api: FakeBotApi, chat_id: int) -> list[str]:
    return [
        describe(c)
        for c in api.calls
        if c.method == "sendMessage" and int(c.params["chat_id"]) == chat_id
    ]


def served(api: FakeBotApi) -> set[int]:
    return {int(c.params["chat_id"]) for c in api.calls if c.method == "sendMessage"}


class FakeTime:
    """A monotonic clock and a sleep that advances it (no real time passes)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@dataclass
class Polling:
    app: KotowariApp
    api: FakeBotApi
    stop: asyncio.Event
    serving: asyncio.Future[None]


def application(db_path: Path, clock: FakeClock, api: FakeBotApi, **settings: Any) -> KotowariApp:
    return build_application(
        Settings(db_path=db_path, telegram_token=TOKEN, **settings),
        db_path,
        request=api,
        get_updates_request=api,
        rate_limiter=no_limits(),
        clock=clock,
    )


@asynccontextmanager
async def polling_bot(
    db_path: Path, clock: FakeClock, api: FakeBotApi, **settings: Any
) -> AsyncIterator[Polling]:
    """``kotowari run`` in polling mode, until the block ends."""
    app = application(db_path, clock, api, **settings)
    stop = asyncio.Event()
    serving = asyncio.ensure_future(telegram_app.serve_polling(app, stop))
    try:
        yield Polling(app, api, stop, serving)
    finally:
        stop.set()
        await serving


# -- the inbox: stored, confirmed at once, processed per user in order ----------------------
async def test_a_batch_is_stored_and_confirmed_before_it_is_processed(
    db_path: Path, clock: FakeClock
) -> None:
    api = FakeBotApi()
    person, other = Person(), Person(id=2002)
    gate = api.hold("sendMessage", person.id)
    api.updates = [
        numbered(7, person.text("/call")),
        numbered(8, other.text("/after")),
        numbered(9, person.text("1")),
    ]
    async with polling_bot(db_path, clock, api):
        await until(lambda: api.confirmed == 10, "the batch confirmed")
        # Confirmed while /call's reply is still on its way: the batch is stored.
        stored = query(
            db_path, "select update_id from inbox where user_id = ? order by id", person.id
        )
        assert [row[0] for row in stored] == [7, 9], "the held user's two, in order"
        await until(lambda: state_of(db_path, other.id) == "after_refusal", "the other user")
        assert state_of(db_path, person.id) == "refusing", "1 waits for /call's replies"
        gate.set()
        await until(lambda: state_of(db_path, person.id) == "asking_source", "/call then 1")
        await until(lambda: not query(db_path, "select 1 from inbox"), "the inbox emptied")


async def test_a_burst_of_slow_updates_does_not_delay_a_new_users_update(
    db_path: Path, clock: FakeClock
) -> None:
    """150 users' updates whose replies are slow (held); a new user's /call comes after them.
    Telegram hands out at most 100 updates a call from the oldest unconfirmed one."""
    api = FakeBotApi()
    crowd = [Person(id=5000 + i) for i in range(150)]
    gates = [api.hold("sendMessage", p.id) for p in crowd]
    newcomer = Person(id=4999)
    api.updates = [numbered(100 + i, p.text("/help")) for i, p in enumerate(crowd)]
    api.updates.append(numbered(400, newcomer.text("/call")))
    async with polling_bot(db_path, clock, api):
        await until(lambda: state_of(db_path, newcomer.id) == "refusing", "the newcomer served")
        await until(lambda: api.confirmed == 401, "everything confirmed")
        assert not served(api) & {p.id for p in crowd}, "the crowd is still waiting"
        for gate in gates:
            gate.set()
        await until(lambda: served(api) >= {p.id for p in crowd}, "the crowd served")


async def test_updates_left_in_the_inbox_are_processed_first_at_the_next_start(
    db_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_module, "DRAIN_SECONDS", 0.0)
    api = FakeBotApi()
    person = Person()
    gate = api.hold("sendMessage", person.id)
    api.updates = [numbered(20, person.text("/call")), numbered(21, person.text("1"))]
    app = application(db_path, clock, api)
    stop = asyncio.Event()
    serving = asyncio.ensure_future(telegram_app.serve_polling(app, stop))
    await until(lambda: api.confirmed == 22, "the batch confirmed")
    # Stopped with both stored (/call's step saved, its reply not sent, then cut off).
    stop.set()
    await serving
    assert [r[0] for r in query(db_path, "select update_id from inbox order by id")] == [20, 21]
    gate.set()
    restarted = FakeBotApi()
    restarted.updates = [numbered(22, person.text("skip"))]
    async with polling_bot(db_path, clock, restarted):
        await until(lambda: state_of(db_path, person.id) == "recording_broker", "all three")
        await until(lambda: not query(db_path, "select 1 from inbox"), "the inbox emptied")
    assert query(db_path, "select count(*) from cases where user_id = ?", person.id) == [(1,)]
    # /call again was recognised as applied (its step shown again), then 1 and skip: 3 steps.
    assert query(db_path, "select seq from cases where user_id = ?", person.id) == [(3,)]
    assert sent_to(restarted, person.id)[0].startswith("send: "), "/call's step shown again"


async def test_updates_delivered_again_after_a_crash_are_applied_once(
    db_path: Path, clock: FakeClock
) -> None:
    """Stored, processed and deleted, but the confirmation never reached Telegram."""
    person = Person()
    batch = [numbered(20, person.text("/call")), numbered(21, person.text("1"))]
    api = FakeBotApi()
    api.updates = list(batch)
    async with polling_bot(db_path, clock, api):
        await until(lambda: state_of(db_path, person.id) == "asking_source", "processed")
        await until(lambda: not query(db_path, "select 1 from inbox"), "the inbox emptied")
    again = FakeBotApi()
    again.updates = list(batch)
    async with polling_bot(db_path, clock, again):
        await until(lambda: len(sent_to(again, person.id)) == 2, "both answered")
    assert query(db_path, "select count(*), max(seq) from cases where user_id = ?", person.id) == [
        (1, 2)
    ], "/call did not open a second case, 1 was not applied twice"


async def test_serve_polling_stops_cleanly_and_confirms_what_it_stored(db_path, clock) -> None:
    api = FakeBotApi()
    person = Person()
    api.updates = [numbered(40, person.text("/call"))]
    stop = asyncio.Event()
    api.on_empty_poll = stop.set  # the batch is stored and nothing else is waiting
    await telegram_app.serve_polling(application(db_path, clock, api), stop)
    assert api.confirmed == 41
    methods = [c.method for c in api.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    assert state_of(db_path, person.id) == "refusing", "processed before the bot stopped"
    assert query(db_path, "select recent_update_ids from users") == [("40",)]


async def test_forget_erases_the_user_and_later_messages_start_afresh(
    db_path: Path, clock: FakeClock
) -> None:
    """The confirming press erases everything stored about the user, its own stored copy
    included; a message the user sent after it is a new message (answered, not dropped)."""
    api = FakeBotApi()
    person, other = Person(), Person(id=2002)
    app = application(db_path, clock, api)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        inbox = Inbox(app, app.bot_data.engine.store)  # type: ignore[union-attr]
        inbox.receive([numbered(50, person.text("/call")), numbered(51, person.text("1"))])
        await inbox.settle()
        inbox.receive([numbered(52, person.text("/forget"))])
        await inbox.settle()
        [asked] = [
            m
            for m in api.messages.values()
            if m["chat"]["id"] == person.id and "reply_markup" in m and "forget" in str(m)
        ]
        confirm = asked["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        # The confirming press, with a message queued behind it and another user's.
        inbox.receive(
            [
                numbered(53, person.press(asked, confirm)),
                numbered(54, person.text("/help")),
                numbered(55, other.text("/call")),
            ]
        )
        await inbox.settle()
        await app.post_shutdown(app)  # type: ignore[misc]
    assert query(db_path, "select count(*) from inbox") == [(0,)]
    assert query(db_path, "select count(*) from cases where user_id = ?", person.id) == [(0,)]
    # /help after the erasure was answered (a fresh user row, no cases), not silently dropped.
    assert query(db_path, "select count(*) from users where id = ?", person.id) == [(1,)]
    assert sent_to(api, person.id)[-1].startswith("send: How to use"), sent_to(api, person.id)[-2:]
    assert state_of(db_path, other.id) == "refusing"


# -- updates that cannot be read ----------------------------------------------------------
async def test_an_unreadable_update_is_set_aside_without_content_and_the_rest_go_on(
    db_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    saved = {name: logging.getLogger(name).level for name in LIBRARY_LEVELS}
    quiet_libraries()
    caplog.set_level(logging.DEBUG)
    try:
        api = FakeBotApi()
        person, neighbour = Person(), Person(id=2002, first_name="Kenji")
        api.updates = [
            numbered(60, person.text("/call")),
            poison(Person(id=3003, first_name="山田太郎"), 61),
            numbered(62, neighbour.text("/after")),
        ]
        async with polling_bot(db_path, clock, api):
            await until(lambda: api.confirmed == 63, "past the unreadable one")
            await until(lambda: state_of(db_path, neighbour.id) == "after_refusal", "the rest")
            await until(lambda: not query(db_path, "select 1 from inbox"), "the inbox emptied")
        assert state_of(db_path, person.id) == "refusing"
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
    assert query(db_path, "select update_id, kind, error from dead_letters") == [
        (61, "message", "TypeError")
    ]
    assert (
        "山田太郎" not in caplog.text
        and POISON_QUESTION not in caplog.text
        and "Kenji" not in caplog.text
    )
    assert "update 61 set aside" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_half_an_emoji_escaped_alone_does_not_stop_polling(
    db_path: Path, clock: FakeClock
) -> None:
    """JSON may escape half of a UTF-16 pair alone ("\\ud83d"): the update could not be
    stored (SQLite stores UTF-8), so its batch was never confirmed, fetched again for ever,
    and no one else's update was handled."""
    api = FakeBotApi()
    person, neighbour = Person(), Person(id=2002)
    api.updates = [
        numbered(70, person.text("/call")),
        numbered(71, person.text("/who みらい\ud83d不動産")),
        numbered(72, neighbour.text("/after")),
    ]
    async with polling_bot(db_path, clock, api):
        await until(lambda: api.confirmed == 73, "the batch confirmed")
        await until(lambda: state_of(db_path, neighbour.id) == "after_refusal", "the rest")
        await until(lambda: not query(db_path, "select 1 from inbox"), "the inbox emptied")
    assert query(db_path, "select update_id from dead_letters") == []
    assert any("みらい\ufffd不動産" in call for call in sent_to(api, person.id)), sent_to(
        api, person.id
    )


async def test_an_unreadable_update_does_not_stop_a_restarted_bot(
    db_path: Path, clock: FakeClock
) -> None:
    """It used to kill every run (never confirmed): now it is set aside once."""
    api = FakeBotApi()
    person = Person()
    api.updates = [poison(person, 70), numbered(71, person.text("/call"))]
    async with polling_bot(db_path, clock, api) as bot:
        await until(lambda: state_of(db_path, person.id) == "refusing", "served after it")
        assert not bot.serving.done()
    assert api.confirmed == 72
    assert len(query(db_path, "select * from dead_letters")) == 1


# -- 409 Conflict: another process polls with the token -------------------------------------
async def poll_until_confirmed(
    db_path: Path, clock: FakeClock, api: FakeBotApi, offset: int, **poller: Any
) -> FakeTime:
    """Serve the bot by long polling (on a clock that does not really wait) until Telegram
    holds ``offset`` as confirmed and the inbox is empty; the clock, for its sleeps."""
    time = FakeTime()
    app = application(db_path, clock, api)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        inbox = Inbox(app, app.bot_data.engine.store)  # type: ignore[union-attr]
        polling = Poller(app, api, inbox, ["message"], clock=time, sleep=time.sleep, **poller)
        stop = asyncio.Event()
        serving = asyncio.ensure_future(polling.serve(stop))
        await until(lambda: api.confirmed == offset, "polling went on")
        await inbox.settle()
        stop.set()
        await serving
        await app.post_shutdown(app)  # type: ignore[misc]
    return time


def conflicts(api: FakeBotApi, count: int) -> None:
    for _ in range(count):
        api.fail("getUpdates", 409, CONFLICT)


async def test_a_409_conflict_is_retried_with_a_warning(
    db_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    api = FakeBotApi()
    person = Person()
    conflicts(api, 4)  # the old instance during a deploy, for a moment
    api.updates = [numbered(80, person.text("/call"))]
    time = await poll_until_confirmed(db_path, clock, api, 81, conflict_give_up=60)
    assert state_of(db_path, person.id) == "refusing"
    assert time.slept == [1, 2, 4, 8], "backing off"
    warnings = [r.getMessage() for r in caplog.records if "409 Conflict" in r.getMessage()]
    assert len(warnings) == 4 and all(r.levelno == logging.WARNING for r in caplog.records)
    assert TOKEN.split(":")[1] not in caplog.text


async def test_polling_gives_up_after_the_configured_time_of_conflicts(
    db_path: Path, clock: FakeClock
) -> None:
    api = FakeBotApi()
    conflicts(api, 1000)
    time = FakeTime()
    app = application(db_path, clock, api)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        inbox = Inbox(app, app.bot_data.engine.store)  # type: ignore[union-attr]
        poller = Poller(
            app, api, inbox, ["message"], conflict_give_up=100, clock=time, sleep=time.sleep
        )
        with pytest.raises(Conflict):
            await poller.serve(asyncio.Event())
        await app.post_shutdown(app)  # type: ignore[misc]
    assert sum(time.slept) >= 100 > sum(time.slept[:-1])
    assert max(time.slept) == 30, "at most 30 s between attempts"


def test_the_conflict_give_up_time_is_a_setting() -> None:
    assert Settings.from_env({}).conflict_give_up == 300
    assert Settings.from_env({"KOTOWARI_CONFLICT_GIVE_UP": "45"}).conflict_give_up == 45
    example = Path(__file__).resolve().parent.parent / ".env.example"
    assert "KOTOWARI_CONFLICT_GIVE_UP=" in example.read_text()


# -- the webhook's edges ------------------------------------------------------------------
async def test_the_webhook_sets_an_unreadable_update_aside_and_accepts_it(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """Answered 200 (an error answer would make Telegram send it forever); the next one is
    processed as usual."""
    caplog.set_level(logging.DEBUG)
    api = FakeBotApi()
    person = Person(first_name="山田太郎")
    async with webhook_bot(tmp_path, clock, api) as hook, httpx.AsyncClient() as client:
        unreadable = await client.post(hook.url, json=poison(person, 90), headers=SECRET)
        after = await client.post(hook.url, json=numbered(91, person.text("/call")), headers=SECRET)
    assert (unreadable.status_code, after.status_code) == (200, 200)
    db_path = tmp_path / "k.db"
    assert query(db_path, "select update_id, kind, error from dead_letters") == [
        (90, "message", "TypeError")
    ]
    assert state_of(db_path, person.id) == "refusing"
    assert "山田太郎" not in caplog.text and POISON_QUESTION not in caplog.text
    assert "update 90 set aside" in caplog.text


async def test_the_webhook_takes_half_an_emoji_escaped_alone(
    tmp_path: Path, clock: FakeClock
) -> None:
    """A lone surrogate in a webhook's update (not stored before its step) is stored as
    U+FFFD by the step, as in polling, not refused."""
    api = FakeBotApi()
    person = Person()
    typed = ["/after", "Yes, I refused", "No, or I didn't ask", "みらい\ud83d不動産"]
    async with webhook_bot(tmp_path, clock, api) as hook, httpx.AsyncClient() as client:
        for n, text in enumerate(typed, 95):
            body = json.dumps(numbered(n, person.text(text))).encode()  # "\\ud83d" escaped
            answer = await client.post(
                hook.url, content=body, headers={**SECRET, "Content-Type": "application/json"}
            )
            assert answer.status_code == 200, (text, answer.status_code)
    assert query(tmp_path / "k.db", "select company from cases") == [("みらい\ufffd不動産",)]


async def test_the_webhook_refuses_a_deeply_nested_body_with_400(
    tmp_path: Path, clock: FakeClock
) -> None:
    """It raised RecursionError (500), which Telegram would retry for ever."""
    api = FakeBotApi()
    nested = b'{"update_id": 1, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    async with webhook_bot(tmp_path, clock, api) as hook, httpx.AsyncClient() as client:
        answer = await client.post(
            hook.url, content=nested, headers={**SECRET, "Content-Type": "application/json"}
        )
        still = await client.post(hook.url, json=Person().text("/help"), headers=SECRET)
    assert (answer.status_code, still.status_code) == (400, 200)


async def closed_by_the_server(url: str, sent: bytes) -> bytes:
    """Open a connection, send ``sent`` and stall; what the server sends before it closes."""
    parsed = httpx.URL(url)
    reader, writer = await asyncio.open_connection(parsed.host, parsed.port)
    try:
        writer.write(sent)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout=30)  # b"" once closed
    finally:
        writer.close()


async def test_the_webhook_closes_connections_that_send_too_slowly(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slow headers and a slow body each held a connection open for ever."""
    monkeypatch.setattr(serving, "HEADER_SECONDS", 0.05)
    monkeypatch.setattr(serving, "BODY_SECONDS", 0.05)
    api = FakeBotApi()
    async with webhook_bot(tmp_path, clock, api) as hook:
        path = httpx.URL(hook.url).path
        half_headers = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
        head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
        head += [f"X-Telegram-Bot-Api-Secret-Token: {HOOK_SECRET}", "Content-Length: 200"]
        half_body = ("\r\n".join(head) + "\r\n\r\n" + '{"update_id": 1, ').encode()
        assert await closed_by_the_server(hook.url, half_headers) == b""
        assert await closed_by_the_server(hook.url, half_body) == b""
    assert not api.of("sendMessage")


# -- replies to a saved step when Telegram fails ------------------------------------------
@dataclass
class Waits:
    """The bot's waits between tries of a reply (recorded, not slept)."""

    seconds: list[float]

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
async def chat(db_path: Path, clock: FakeClock) -> AsyncIterator[Chat]:
    async with running(db_path, clock) as chat:
        yield chat


def waits(chat: Chat) -> Waits:
    recorder = Waits([])
    chat.app.bot_data.sleep = recorder
    return recorder


async def at_the_broker_step(chat: Chat) -> None:
    await chat.run(FULL_CASE[:3])
    assert chat.case()["state"] == "recording_broker"


async def test_a_502_on_the_reply_to_a_saved_answer_sends_the_reply_again(chat: Chat) -> None:
    """It said "try again (your record is intact)": sending the name again stored it as the
    company too."""
    await at_the_broker_step(chat)
    waited = waits(chat)
    chat.api.fail("sendMessage", 502, "Bad Gateway")
    assert await chat.say("Acme List") == [
        "sendMessage → 502",
        sends("step.recording_company.text", NAV),
    ]
    assert waited.seconds == [1.0]
    assert (chat.case()["broker_name"], chat.case()["company"]) == ("Acme List", None)


async def test_a_timed_out_reply_is_not_followed_by_an_error(chat: Chat) -> None:
    """The send timed out but arrived: the user got the next question and "try again"."""
    await at_the_broker_step(chat)
    chat.api.time_out("sendMessage")
    assert await chat.say("Acme List") == [sends("step.recording_company.text", NAV)]
    assert chat.case()["state"] == "recording_company"


async def test_a_reply_that_never_left_is_sent_again(chat: Chat) -> None:
    """A connect (or pool) timeout: the request never left, so the reply is sent again
    (taking it as delivered, as a read timeout is, left the user with nothing)."""
    await at_the_broker_step(chat)
    chat.api.connect_time_out("sendMessage")
    assert await chat.say("Acme List") == [sends("step.recording_company.text", NAV)]
    assert chat.case()["state"] == "recording_company"


async def test_a_502_on_answering_a_press_does_not_stop_its_replies(chat: Chat) -> None:
    await chat.run(FULL_CASE[:1])
    chat.api.fail("answerCallbackQuery", 502, "Bad Gateway")
    assert await chat.tap("refused") == [
        "answerCallbackQuery → 502",
        chose("refused"),
        sends("step.asking_source.text", "named", "dodged", "ended", NAV),
    ]
    assert chat.case()["state"] == "asking_source"


async def test_six_429s_are_waited_out_and_the_reply_arrives(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rate limiter tries four times; the bot waits once more, as Telegram asks."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    limiter_waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        limiter_waits.append(seconds)

    monkeypatch.setattr(aioratelimiter.asyncio, "sleep", no_sleep)
    await at_the_broker_step(chat)
    waited = waits(chat)
    for _ in range(6):
        chat.api.fail("sendMessage", 429, "Too Many Requests: retry after 3", {"retry_after": 3})
    got = await chat.say("Acme List")
    assert got == ["sendMessage → 429"] * 6 + [sends("step.recording_company.text", NAV)]
    assert waited.seconds == [3.0]
    assert chat.case()["broker_name"] == "Acme List"


async def test_a_reply_that_cannot_be_sent_says_what_was_saved_and_shows_the_step(
    chat: Chat,
) -> None:
    await at_the_broker_step(chat)
    waited = waits(chat)
    for _ in range(telegram_app.SEND_ATTEMPTS):
        chat.api.fail("sendMessage", 502, "Bad Gateway")
    got = await chat.say("Acme List")
    assert got == ["sendMessage → 502"] * telegram_app.SEND_ATTEMPTS + [
        sends("send_failed_saved"),
        sends("step.recording_company.text", NAV),
    ]
    assert waited.seconds == [1.0, 2.0]
    assert EN("error_generic") not in "\n".join(got)
    assert chat.case()["seq"] == 4, "saved once; showing it again changed nothing"


async def test_a_busy_database_while_the_saved_step_is_shown_again_says_only_saved(
    chat: Chat, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Showing the step again found the database busy (a backup, the LINE bot): the user
    was told it was saved, then 「保存できませんでした。もう一度送ってください」 (and sending
    it again would store it in the next field), with the error's message logged."""
    await at_the_broker_step(chat)
    waits(chat)
    engine = chat.app.bot_data.engine

    def busy(turn: Any) -> None:
        raise sqlite3.OperationalError("database is locked: Acme List")

    monkeypatch.setattr(engine, "_show_where", busy)
    for _ in range(telegram_app.SEND_ATTEMPTS):
        chat.api.fail("sendMessage", 502, "Bad Gateway")
    got = await chat.say("Acme List")
    assert got == ["sendMessage → 502"] * telegram_app.SEND_ATTEMPTS + [sends("send_failed_saved")]
    assert chat.case()["broker_name"] == "Acme List"
    assert "Acme List" not in caplog.text


async def test_an_answer_sent_again_after_a_lost_reply_is_not_stored_in_the_next_field(
    chat: Chat, clock: FakeClock
) -> None:
    await at_the_broker_step(chat)
    waits(chat)
    for _ in range(2 * telegram_app.SEND_ATTEMPTS):  # the reply and the notice: both lost
        chat.api.fail("sendMessage", 502, "Bad Gateway")
    await chat.say("Acme List")
    clock.advance(seconds=40)
    assert await chat.say("Acme List") == [
        sends("answer_repeated", value="Acme List"),
        sends("step.recording_company.text", NAV),
    ]
    case = chat.case()
    assert (case["state"], case["broker_name"], case["company"]) == (
        "recording_company",
        "Acme List",
        None,
    )
    # Sent once more, it is this step's answer too (the broker and the caller can be one).
    assert await chat.say("Acme List") == [sends("step.recording_person.text", NAV)]
    assert chat.case()["company"] == "Acme List"


async def test_the_same_text_later_or_for_another_step_is_an_answer(
    chat: Chat, clock: FakeClock
) -> None:
    await at_the_broker_step(chat)
    await chat.say("Acme List")
    clock.advance(minutes=3)  # past the window: not a re-send
    assert await chat.say("Acme List") == [sends("step.recording_person.text", NAV)]
    assert chat.case()["company"] == "Acme List"
    await chat.say("Tanaka")
    await chat.say("skip")  # the number
    await chat.say("Acme List")  # at the product step: not the answer just saved
    assert chat.case()["product"] == "Acme List"


def test_library_records_that_would_quote_updates_are_kept_without_them(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """python-telegram-bot's get_updates logs the whole batch at CRITICAL when one update
    cannot be read; the bot no longer calls it, and such a record loses its quote anyway."""
    saved = {name: logging.getLogger(name).level for name in LIBRARY_LEVELS}
    quiet_libraries()
    caplog.set_level(logging.DEBUG)
    try:
        _library_records_are_kept_without_quotes(caplog)
    finally:  # the library levels are global: other tests log at DEBUG
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def _library_records_are_kept_without_quotes(caplog: pytest.LogCaptureFixture) -> None:
    batch = [{"update_id": 1, "message": {"from": {"first_name": "山田太郎"}, "text": "090-1"}}]
    try:
        raise TypeError("`members_only` is a required argument since Bot API 10.0")
    except TypeError as error:
        logging.getLogger("telegram.ext.ExtBot").critical(
            "Error while parsing updates! Received data was %r", batch, exc_info=error
        )
    logging.getLogger("telegram.request.BaseRequest").error(
        'Can not load invalid JSON data: "%s"', json.dumps(batch, ensure_ascii=False)
    )
    assert "山田太郎" not in caplog.text and "090-1" not in caplog.text
    assert "Error while parsing updates; content withheld" in caplog.text
    assert len(caplog.records) == 2


def test_the_inbox_and_dead_letter_tables(tmp_path: Path) -> None:
    db = open_database(tmp_path / "new.db")
    try:
        assert set(db["inbox"].columns_dict) == {
            "id",
            "update_id",
            "user_id",
            "received_at",
            "raw",
            "applied_at",
        }
        assert set(db["dead_letters"].columns_dict) == {"id", "update_id", "kind", "error", "at"}
        indexes = {
            (t, tuple(i.columns), i.unique)
            for t in ("inbox", "dead_letters")
            for i in db[t].indexes
        }
        assert {("inbox", ("update_id",), 1), ("inbox", ("user_id",), 0)} <= indexes
        store = Store(db)
        assert store.set_aside(7, "message", "TypeError") == 1
        assert store.set_aside(7, "message", "TypeError") == 1, "the same update: once"
        assert store.set_aside(None, "not-an-object", "NoUpdateId") == 2
    finally:
        db.close()


def test_run_says_why_it_stopped_after_conflicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def polling(app: Any) -> None:
        raise Conflict(CONFLICT)

    monkeypatch.setattr(telegram_app, "serve_polling", polling)
    build_on_a_fake_api(monkeypatch)
    settings = Settings(db_path=tmp_path / "k.db", telegram_token=TOKEN, conflict_give_up=120)
    assert telegram_app.run_bot(settings, settings.db_path) == 1
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "120 s" in err and "KOTOWARI_CONFLICT_GIVE_UP" in err and TOKEN not in err


def test_an_older_database_gets_the_inbox_and_keeps_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    database_before(path, "m013_inbox_and_dead_letters").close()
    db = open_database(path)
    try:
        assert {"inbox", "dead_letters"} <= set(db.table_names())
        assert [row["id"] for row in db["users"].rows] == [7]
        store = Store(db)
        [entry] = store.inbox_add([(5, 7, '{"update_id": 5}')])
        assert store.inbox_waiting() == [entry] and store.inbox_raw(entry.id) == '{"update_id": 5}'
        store.inbox_done_later(entry)
        store.inbox_flush_done()
        assert store.inbox_waiting() == [] and store.inbox_done_waiting == 0
    finally:
        db.close()


async def test_a_step_that_cannot_be_stored_is_tried_again_not_sent_again(
    db_path: Path, clock: FakeClock
) -> None:
    """Another writer holds the database past the busy timeout: the stored update is tried
    again (its user's later ones wait behind it), and the user is never told to send it
    again, which would have it applied twice (the copy sent again, then the stored one)."""
    api = FakeBotApi()
    person = Person()
    app = application(db_path, clock, api)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        store = app.bot_data.engine.store  # type: ignore[union-attr]
        store.conn.execute("PRAGMA busy_timeout = 10")
        writer = sqlite3.connect(db_path, isolation_level=None)
        waits: list[float] = []

        async def sleep(seconds: float) -> None:
            waits.append(seconds)
            if len(waits) == 2:
                writer.execute("ROLLBACK")  # the other writer lets go

        inbox = Inbox(app, store, sleep=sleep)
        inbox.receive([numbered(60, person.text("/call")), numbered(61, person.text("1"))])
        writer.execute("BEGIN IMMEDIATE")
        await inbox.settle()
        writer.close()
        await app.post_shutdown(app)  # type: ignore[misc]
    assert waits == [1.0, 2.0]
    said = " ".join(sent_to(api, person.id))
    assert EN("storage_error") not in said and JA("storage_error") not in said
    assert state_of(db_path, person.id) == "asking_source", "/call, then 1: each applied once"
    assert query(db_path, "select seq from cases where user_id = ?", person.id) == [(2,)]
    assert query(db_path, "select count(*) from inbox") == [(0,)]


async def test_the_webhook_answers_503_when_a_step_cannot_be_stored_now(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database busy past its timeout: Telegram is answered 503 and sends the update
    again (then it is applied, once); the user is not told to send it again."""
    api = FakeBotApi()
    person = Person()
    busy = {"left": 0}
    real_check = Store.check_file

    def check_file(self: Store) -> None:
        if busy["left"]:
            busy["left"] -= 1
            raise sqlite3.OperationalError("database is locked")
        real_check(self)

    monkeypatch.setattr(Store, "check_file", check_file)
    async with webhook_bot(tmp_path, clock, api) as hook, httpx.AsyncClient() as client:
        busy["left"] = 1
        update = numbered(70, person.text("/call"))
        first = await client.post(hook.url, json=update, headers=SECRET)
        again = await client.post(hook.url, json=update, headers=SECRET)
    assert (first.status_code, again.status_code) == (503, 200)
    said = " ".join(sent_to(api, person.id))
    assert EN("storage_error") not in said and JA("storage_error") not in said
    assert query(tmp_path / "k.db", "select seq from cases where user_id = ?", person.id) == [(1,)]


async def test_a_stored_update_keeps_no_names_and_no_group_content(
    db_path: Path, clock: FakeClock
) -> None:
    """The inbox holds raw updates until they are applied (and a replica keeps them for its
    retention): names the bot never uses are not stored, nor a group message's content. A
    shared contact's number, which step 3 records, is."""
    api = FakeBotApi()
    person = Person(first_name="山田太郎")
    app = application(db_path, clock, api)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        store = app.bot_data.engine.store  # type: ignore[union-attr]
        inbox = Inbox(app, store)
        group = numbered(81, person.text("田中一郎 090-1111-2222"))
        group["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "営業部"}
        contact = numbered(
            82,
            person.message(
                contact={
                    "phone_number": "0312345678",
                    "first_name": "鈴木花子",
                    "vcard": "BEGIN:VCARD FN:鈴木花子",
                }
            ),
        )
        inbox.receive([numbered(80, person.text("/call")), group, contact])
        raws = [raw for (raw,) in store.conn.execute("select raw from inbox order by id")]
        await inbox.settle()
        await app.post_shutdown(app)  # type: ignore[misc]
    stored = " ".join(raws)
    for name in ("山田太郎", "田中一郎", "090-1111-2222", "営業部", "鈴木花子"):
        assert name not in stored, name
    assert "0312345678" in stored
    assert state_of(db_path, person.id) == "refusing"
    assert [m for m in sent_to(api, -100123) if EN("private_only") in m], "the group answered"


def stored(update: dict[str, Any]) -> tuple[str, Any]:
    """The update as the inbox stores it (its JSON) and as the bot then reads it."""
    raw = json.dumps(inbox_module.minimized(update), ensure_ascii=False)
    return raw, inbox_module.read_update(json.loads(raw), telegram_app.ExtBot(TOKEN))


def test_a_stored_message_keeps_only_what_the_bot_reads() -> None:
    """Names and ids of third parties under keys a list of names to drop did not know (a
    hidden forwarder's name, an author's signature, a contact's user id, a quoted reply)
    are not stored: a message keeps only the fields the bot reads."""
    person = Person(first_name="山田太郎")
    text = person.text("この番号からでした")
    text["message"] |= {
        "forward_origin": {"type": "hidden_user", "date": 0, "sender_user_name": "佐藤一郎"},
        "forward_sender_name": "佐藤一郎",
        "author_signature": "鈴木花子",
        "reply_to_message": person.text("田中次郎 090-1111-2222")["message"],
        "quote": {"text": "田中次郎", "position": 0},
    }
    contact = person.message(
        contact={"phone_number": "0312345678", "first_name": "営業 田中", "user_id": 424242}
    )
    for update, leaks in (
        (numbered(1, text), ("山田太郎", "佐藤一郎", "鈴木花子", "田中次郎", "090-1111-2222")),
        (numbered(2, contact), ("山田太郎", "営業 田中", "424242")),
    ):
        raw, read = stored(update)
        for leaked in leaks:
            assert leaked not in raw, leaked
        message = read.message
        inbound = telegram_app.inbound_from_message(message, message.from_user)
        assert inbound is not None
        assert (inbound.user_id, inbound.lang_hint) == (person.id, person.user["language_code"])
    assert inbound.contact_phone == "0312345678"
    _, read = stored(numbered(1, text))
    assert read.message.text == "この番号からでした"


def test_a_stored_edit_keeps_no_content() -> None:
    """An edit is only answered "edits are not read": its text (the caller's name, typed
    again) is not stored, and it is read back as an edit from the same person."""
    person = Person(first_name="山田太郎")
    raw, read = stored(numbered(3, person.edited(1, "田中次郎 090-1111-2222")))
    for leaked in ("山田太郎", "田中次郎", "090-1111-2222"):
        assert leaked not in raw, leaked
    edit = read.edited_message
    assert (edit.chat.id, edit.from_user.id, edit.text) == (person.id, person.id, None)


def test_every_attachment_kind_is_stored_as_a_stub_read_as_that_kind() -> None:
    """A photo, a shared place, a poll …: the engine hears only the kind ("please type
    it"). Stored as the smallest value the Bot API type accepts: not the place, the file's
    name, the poll's question or the caption. (The names dropped before took a venue's or a
    game's required title with them: such a message was set aside, unanswered.)"""
    person = Person()
    secret = "秘密の住所 東京都千代田区1-1"
    realistic: dict[str, Any] = {
        "venue": {
            "location": {"latitude": 35.68, "longitude": 139.76},
            "title": secret,
            "address": secret,
        },
        "location": {"latitude": 35.68, "longitude": 139.76},
        "document": {"file_id": "BQAD", "file_unique_id": "AgAD", "file_name": secret},
        # A poll as a Bot API server before 10.0 sends it (python-telegram-bot 22.8 cannot
        # read it): set aside before, now read as "a poll".
        "poll": {**OLD_POLL, "question": secret},
        "game": {"title": secret, "description": secret, "photo": []},
    }
    assert set(telegram_app.ATTACHMENT_KINDS) == set(inbox_module.ATTACHMENT_STUBS)
    for n, kind in enumerate(telegram_app.ATTACHMENT_KINDS):
        content = realistic.get(kind, inbox_module.ATTACHMENT_STUBS[kind])
        update = numbered(n, person.message(**{kind: content, "caption": secret}))
        if kind == "venue":
            update["message"]["location"] = realistic["location"]
        raw, read = stored(update)
        assert secret not in raw and "35.68" not in raw, kind
        assert not isinstance(read, inbox_module.Unreadable), (kind, read)
        inbound = telegram_app.inbound_from_message(read.message, read.message.from_user)
        assert inbound is not None and inbound.attachment == kind


def test_a_pressed_buttons_message_is_stored_with_what_marking_it_needs() -> None:
    """The bot's own message under a pressed button: its text and formatting stay (the
    choice is shown under it, in the same HTML), not its keyboard."""
    person = Person()
    shown = {
        "message_id": 7,
        "date": 0,
        "chat": person.chat,
        "from": BOT_USER,
        "text": "ケース #1\n会社: みらい不動産",
        "entities": [{"type": "bold", "offset": 0, "length": 6}],
        "reply_markup": {"inline_keyboard": [[{"text": "OK", "callback_data": "k1:ok"}]]},
    }
    update = numbered(3, person.press(shown, "k1:ok"))
    raw, read = stored(update)
    full = inbox_module.read_update(update, telegram_app.ExtBot(TOKEN))
    query = read.callback_query
    assert (query.data, query.from_user.id) == ("k1:ok", person.id)
    assert query.message.text_html == full.callback_query.message.text_html
    assert query.message.text_html.startswith("<b>ケース #1</b>")
    assert "inline_keyboard" not in raw and "Kotowari" not in raw


async def test_an_update_that_finds_the_database_gone_is_not_accepted(
    tmp_path: Path, clock: FakeClock
) -> None:
    """The database file deleted while the bot runs: the update that finds it out is answered
    503 (Telegram sends it again, to the restarted bot), not 200 and lost."""
    api = FakeBotApi()
    person = Person()
    async with webhook_bot(tmp_path, clock, api) as hook, httpx.AsyncClient() as client:
        assert (
            await client.post(hook.url, json=numbered(75, person.text("/call")), headers=SECRET)
        ).status_code == 200
        (tmp_path / "k.db").unlink()
        answer = await client.post(hook.url, json=numbered(76, person.text("1")), headers=SECRET)
    assert answer.status_code == 503


async def test_a_garbled_getupdates_answer_is_retried_not_the_end(
    db_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A 200 whose body has no result (a proxy's page, a broken server) stopped polling."""
    caplog.set_level(logging.WARNING)
    api = FakeBotApi()
    person = Person()
    api.failures.setdefault("getUpdates", []).append((200, {"ok": True}))
    api.updates = [numbered(85, person.text("/call"))]
    time = await poll_until_confirmed(db_path, clock, api, 86)
    assert state_of(db_path, person.id) == "refusing"
    assert time.slept == [1]
    assert "a getUpdates answer could not be read" in caplog.text


class SlotRecorder:
    """Stands in for httpx behind each of BoundedRequest's slots: records which slot each
    request went to and holds it until released."""

    def __init__(self, request: telegram_app.BoundedRequest) -> None:
        self.request = request
        self.inside: list[tuple[str, int]] = []
        self.most = 0
        self.release = asyncio.Event()
        self.failing: set[str] = set()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        async def do_request(slot: Any, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
            return await self.answer(slot, url)

        monkeypatch.setattr(telegram_app.HTTPXRequest, "do_request", do_request)

    async def answer(self, slot: Any, url: str) -> tuple[int, bytes]:
        entry = (url, self.request.slots.index(slot))
        self.inside.append(entry)
        self.most = max(self.most, len(self.inside))
        try:
            await self.release.wait()
            if url in self.failing:
                raise NetworkError("the connection broke")
            return 200, url.encode()
        finally:
            self.inside.remove(entry)


async def settle_loop() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_bot_api_requests_in_flight_are_bounded_and_the_rest_wait_their_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """BoundedRequest lets ``in_flight`` requests into httpx at once, each in a slot of its
    own; the others go in, in order, as each one ends (httpcore's pool costs more per request
    the more connections it holds)."""
    request = telegram_app.BoundedRequest(in_flight=2)
    httpx_side = SlotRecorder(request)
    httpx_side.install(monkeypatch)
    calls = [asyncio.ensure_future(request.do_request(f"u{n}", "POST")) for n in range(5)]
    await settle_loop()
    assert httpx_side.inside == [("u0", 0), ("u1", 1)]
    httpx_side.release.set()
    assert await asyncio.gather(*calls) == [(200, f"u{n}".encode()) for n in range(5)]
    assert httpx_side.most == 2
    await request.shutdown()


async def test_a_request_takes_the_lowest_free_slot_so_a_quiet_bot_reuses_one_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = telegram_app.BoundedRequest(in_flight=3)
    httpx_side = SlotRecorder(request)
    httpx_side.install(monkeypatch)
    httpx_side.release.set()
    for n in range(3):  # one at a time: always the first slot
        assert await request.do_request(f"alone{n}", "POST") == (200, f"alone{n}".encode())
    httpx_side.release.clear()
    first = asyncio.ensure_future(request.do_request("first", "POST"))
    second = asyncio.ensure_future(request.do_request("second", "POST"))
    await settle_loop()
    assert httpx_side.inside == [("first", 0), ("second", 1)]
    first.cancel()  # a cancelled request gives its slot back
    await settle_loop()
    assert first.cancelled()
    third = asyncio.ensure_future(request.do_request("third", "POST"))
    await settle_loop()
    assert httpx_side.inside == [("second", 1), ("third", 0)]
    httpx_side.release.set()
    assert await asyncio.gather(second, third) == [(200, b"second"), (200, b"third")]
    await request.shutdown()


async def test_a_failed_request_gives_its_slot_back(monkeypatch: pytest.MonkeyPatch) -> None:
    request = telegram_app.BoundedRequest(in_flight=1)
    httpx_side = SlotRecorder(request)
    httpx_side.install(monkeypatch)
    httpx_side.failing.add("broken")
    httpx_side.release.set()
    with pytest.raises(NetworkError):
        await request.do_request("broken", "POST")
    assert await request.do_request("next", "POST") == (200, b"next")
    await request.shutdown()


async def test_each_slot_pools_one_connection_and_they_share_one_tls_context() -> None:
    request = telegram_app.BoundedRequest(in_flight=3, read_timeout=7.0)
    pools = [slot._client._transport._pool for slot in request.slots]  # type: ignore[attr-defined]
    assert [pool._max_connections for pool in pools] == [1, 1, 1]
    assert len({id(pool._ssl_context) for pool in pools}) == 1
    assert pools[0]._ssl_context.verify_mode == ssl.CERT_REQUIRED
    assert request.read_timeout == 7.0
    await request.shutdown()
    assert all(slot._client.is_closed for slot in request.slots)  # type: ignore[attr-defined]
    await request.initialize()
    assert not any(slot._client.is_closed for slot in request.slots)  # type: ignore[attr-defined]
    await request.shutdown()
    with pytest.raises(ValueError, match="at least 1"):
        telegram_app.BoundedRequest(in_flight=0)


def test_the_bot_api_requests_are_bounded_and_getupdates_has_its_own(db_path: Path) -> None:
    app = build_application(Settings(db_path=db_path, telegram_token=TOKEN), db_path)
    assert isinstance(app.bot.request, telegram_app.BoundedRequest)
    assert app.bot.request.in_flight == telegram_app.MAX_REQUESTS_IN_FLIGHT
    assert not isinstance(app.bot_data.updates_request, telegram_app.BoundedRequest)
