"""Nothing lost, nothing leaked: backups, storage faults, logs, the webhook's secret."""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
import stat
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import bot.cli
from bot import serving
from bot.config import Settings
from bot.logs import Throttled
from bot.telegram_app import build_application, serve_webhook
from fakes.bot_api import TOKEN
from fakes.request import FakeBotApi
from fakes.users import Person
from flows.engine import Engine
from flows.port import Response
from flows.store import Store, backup, open_database, restore
from flows.texts import JA
from tests.conftest import FakeClock
from tests.transcript import EngineChat, Press


def say(engine: Engine, text: str) -> Response:
    return EngineChat(engine).say(text)


def walk_to_company(engine: Engine) -> None:
    """A case during a call, its broker and company given: the caller's name asked."""
    EngineChat(engine).walk(
        "/call", Press("🙅 断った"), Press("📝 入手先を言った"), "名簿の森", "みらい不動産"
    )


# -- backups ------------------------------------------------------------------------------
def test_backup_of_a_live_database_and_restore(tmp_path: Path, clock: FakeClock) -> None:
    live = tmp_path / "live.db"
    db = open_database(live)
    engine = Engine(Store(db, clock))
    walk_to_company(engine)
    copy = tmp_path / "backups" / "k.db"
    # The bot keeps its connection open (and a write in flight does not matter).
    assert bot.cli.main(["--env-file", "/nonexistent", "backup", str(copy), "--db", str(live)]) == 0
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    say(engine, "田中")  # after the backup
    db.close()
    assert bot.cli.main(["--env-file", "/nonexistent", "backup", str(copy), "--db", str(live)]) == 1

    assert (
        bot.cli.main(["--env-file", "/nonexistent", "restore", str(copy), "--db", str(live)]) == 0
    )
    restored = Engine(Store(open_database(live), clock))
    case = restored.store.case_by_number(1, 1)
    assert (case["state"], case["person"]) == ("recording_person", None), "as at the backup"
    assert (tmp_path / "live.db.before-restore").exists(), "the replaced one is kept"
    assert stat.S_IMODE(live.stat().st_mode) == 0o600
    restored.store.close()


def test_restore_refuses_a_damaged_or_foreign_file(tmp_path: Path) -> None:
    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("create table notes (x)")
    with pytest.raises(ValueError, match="not a Kotowari database"):
        restore(foreign, tmp_path / "k.db")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(sqlite3.DatabaseError):
        restore(garbage, tmp_path / "k.db")
    assert not (tmp_path / "k.db").exists()
    with pytest.raises(FileExistsError):
        backup(foreign, garbage)


# -- storage faults -----------------------------------------------------------------------
def faulty_engine(tmp_path: Path, clock: FakeClock) -> tuple[Engine, Path]:
    path = tmp_path / "k.db"
    engine = Engine(Store(open_database(path, busy_timeout_ms=20), clock))
    walk_to_company(engine)
    return engine, path


def assert_intact(engine: Engine) -> None:
    case = engine.store.case_by_number(1, 1)
    assert (case["state"], case["company"], case["person"]) == (
        "recording_person",
        "みらい不動産",
        None,
    )


def test_database_locked_by_another_writer(tmp_path: Path, clock: FakeClock) -> None:
    engine, path = faulty_engine(tmp_path, clock)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("begin immediate")  # holds the write lock past our busy timeout
    response = say(engine, "田中")
    assert [r.text for r in response.replies] == [JA["storage_error"]]
    other.execute("rollback")
    other.close()
    assert_intact(engine)
    assert "かかってきた電話番号は？" in say(engine, "田中").replies[-1].text, "recovers"


def test_a_message_waits_for_another_writer_instead_of_failing(
    tmp_path: Path, clock: FakeClock
) -> None:
    """A shell (or a backup) writing on the same file: the message waits for its lock.

    The other writer lets go once the engine's transaction has started asking for the lock
    (``BEGIN IMMEDIATE`` seen on the engine's connection). A deferred ``BEGIN`` reads first
    and fails at once when it then needs to write: SQLite does not wait on that upgrade.
    """
    path = tmp_path / "k.db"
    engine = Engine(Store(open_database(path, busy_timeout_ms=30_000), clock))
    walk_to_company(engine)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("begin immediate")
    other.execute("update users set quiet_hours = quiet_hours")
    asking = threading.Event()
    engine.store.conn.set_trace_callback(
        lambda sql: asking.set() if sql.upper().startswith("BEGIN IMMEDIATE") else None
    )

    def release_when_asked() -> None:
        asking.wait(timeout=30)
        other.execute("commit")

    releaser = threading.Thread(target=release_when_asked)
    releaser.start()
    try:
        response = say(engine, "田中")
    finally:
        asking.set()
        releaser.join()
        other.close()
        engine.store.conn.set_trace_callback(None)
    assert "かかってきた電話番号は？" in response.replies[-1].text
    assert engine.store.case_by_number(1, 1)["person"] == "田中"


def test_a_read_only_database(tmp_path: Path, clock: FakeClock) -> None:
    engine, _ = faulty_engine(tmp_path, clock)
    engine.store.conn.execute("pragma query_only = on")
    assert [r.text for r in say(engine, "田中").replies] == [JA["storage_error"]]
    engine.store.conn.execute("pragma query_only = off")
    assert_intact(engine)
    assert engine.store.case_by_number(1, 1)["state"] == "recording_person"
    say(engine, "田中")
    assert engine.store.case_by_number(1, 1)["person"] == "田中"


def test_a_full_disk(tmp_path: Path, clock: FakeClock) -> None:
    engine, _ = faulty_engine(tmp_path, clock)
    pages = engine.store.conn.execute("pragma page_count").fetchone()[0]
    engine.store.conn.execute(f"pragma max_page_count = {pages}")  # the file cannot grow
    for index in range(1000):  # back and forth until the free space in the pages runs out
        before = engine.store.case_by_number(1, 1)
        response = say(engine, "戻る" if index % 2 == 0 else "みらい不動産")
        if response.replies[0].text == JA["storage_error"]:
            break
    else:
        pytest.fail("the database never filled up")
    after = engine.store.case_by_number(1, 1)
    assert after == before, "the failed step left the case exactly as it was"
    steps = engine.store.conn.execute(
        "select count(*) from events where case_id = ? and kind = 'step'", [after["id"]]
    ).fetchone()[0]
    assert steps == after["seq"], "no half-written step"
    engine.store.conn.execute("pragma max_page_count = 1073741823")
    assert (
        say(engine, "戻る" if index % 2 == 0 else "みらい不動産").replies[0].text
        != JA["storage_error"]
    )


# -- privacy of logs ----------------------------------------------------------------------
def test_no_names_or_numbers_in_logs_at_info(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture, monkeypatch
) -> None:
    caplog.set_level(logging.INFO)
    engine = Engine(Store(open_database(tmp_path / "k.db"), clock))
    personal = ["名簿の森", "みらい不動産", "田中一郎", "090-1234-5678", "+819012345678"]
    chat = EngineChat(engine)
    chat.walk("/call", Press("🙅 断った"), Press("📝 入手先を言った"), *personal[:4])
    broken = sqlite3.OperationalError("disk I/O error")

    def fail(*args, **kwargs):
        raise broken

    monkeypatch.setattr(engine.store, "add_event", fail)
    chat.press("🏢 投資用マンション・不動産")
    chat.say("/call", update_id=5)
    chat.say("/call", update_id=5)
    text = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert "storage error" in text, "the failure itself is logged"
    for secret in personal:
        assert secret not in text


# -- the webhook --------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


HOOK_SECRET = "s3cret_-token"
SECRET = {"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET}


@dataclass
class Hook:
    url: str
    stop: asyncio.Event
    serving: asyncio.Future[None]


@asynccontextmanager
async def webhook_bot(tmp_path: Path, clock: FakeClock, api: FakeBotApi) -> AsyncIterator[Hook]:
    """The bot serving its webhook on 127.0.0.1 (as ``kotowari run`` would)."""
    db_path = tmp_path / "k.db"
    port = free_port()
    settings = Settings(
        db_path=db_path,
        telegram_token=TOKEN,
        webhook_url="https://bot.example.jp/hook",
        webhook_listen="127.0.0.1",
        webhook_port=port,
        webhook_secret=HOOK_SECRET,
    )
    app = build_application(settings, db_path, request=api, get_updates_request=api, clock=clock)
    stop = asyncio.Event()
    serving = asyncio.ensure_future(serve_webhook(app, settings, stop))
    while not api.of("setWebhook"):  # registered once the server listens
        assert not serving.done(), serving.exception()
        await asyncio.sleep(0)
    try:
        yield Hook(f"http://127.0.0.1:{port}/hook", stop, serving)
    finally:
        stop.set()
        await serving


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


def cases_of(tmp_path: Path, user_id: int) -> int:
    with closing(sqlite3.connect(tmp_path / "k.db")) as conn:
        return int(
            conn.execute("select count(*) from cases where user_id = ?", [user_id]).fetchone()[0]
        )


async def post_held(
    tmp_path: Path, hook: Hook, client: httpx.AsyncClient, person: Person
) -> asyncio.Future[httpx.Response]:
    """POST the person's /call (their reply held by ``FakeBotApi.hold``); returns once the
    step is stored, the answer to Telegram still to come."""
    post = asyncio.ensure_future(client.post(hook.url, json=person.text("/call"), headers=SECRET))
    await until(lambda: cases_of(tmp_path, person.id) == 1)
    return post


async def test_the_webhook_is_registered_with_its_secret(tmp_path: Path, clock) -> None:
    api = FakeBotApi()
    async with webhook_bot(tmp_path, clock, api):
        (registered,) = api.of("setWebhook")
    assert registered["url"] == "https://bot.example.jp/hook"
    assert registered["secret_token"] == HOOK_SECRET
    assert registered["allowed_updates"] == ["message", "edited_message", "callback_query"]


async def test_webhook_rejects_requests_without_the_secret(tmp_path: Path, clock) -> None:
    api = FakeBotApi()
    payload = Person().text("/call")
    async with webhook_bot(tmp_path, clock, api) as hook, httpx.AsyncClient() as client:
        url = hook.url
        no_secret = await client.post(url, json=payload)
        wrong = await client.post(
            url, json=payload, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
        )
        right = await client.post(url, json=payload, headers=SECRET)
    assert (no_secret.status_code, wrong.status_code, right.status_code) == (403, 403, 200)
    sends = [c for c in api.calls if c.method == "sendMessage"]
    assert len(sends) == 1, "only the request with the secret was processed"


async def test_a_flood_of_requests_without_the_secret_is_one_log_line(
    tmp_path: Path, clock, caplog: pytest.LogCaptureFixture
) -> None:
    """Anyone can POST to the webhook: 50 refused requests write one line at once, not 50,
    and the count of the rest when the server stops."""
    caplog.set_level(logging.INFO)
    api = FakeBotApi()
    payload = Person().text("/call")

    def refused() -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.getMessage().startswith("webhook: answered 403") and r.levelno == logging.WARNING
        ]

    async with webhook_bot(tmp_path, clock, api) as hook, httpx.AsyncClient() as client:
        for _ in range(50):
            assert (await client.post(hook.url, json=payload)).status_code == 403
        assert (await client.post(hook.url, json=payload, headers=SECRET)).status_code == 200
        assert refused() == ["webhook: answered 403"]
    assert refused() == [
        "webhook: answered 403",
        "webhook: answered 403 (and 49 more since the last such line)",
    ]


def test_throttled_lines_say_how_many_were_held_back(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    throttled = Throttled(logging.getLogger("kotowari.test"), period=60.0, clock=lambda: now[0])
    caplog.set_level(logging.INFO, logger="kotowari.test")
    for _ in range(5):
        throttled.warning("refused")
    throttled.info("refused")  # another level is another kind
    throttled.warning("other")
    now[0] += 59.9
    throttled.warning("refused")
    now[0] += 0.1  # the period is over
    throttled.warning("refused")
    throttled.warning("refused")
    now[0] += 60.0
    throttled.warning("refused")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.WARNING, "refused"),
        (logging.INFO, "refused"),
        (logging.WARNING, "other"),
        (logging.WARNING, "refused (and 5 more since the last such line)"),
        (logging.WARNING, "refused (and 1 more since the last such line)"),
    ]
    caplog.clear()
    throttled.warning("refused")
    throttled.warning("refused")
    throttled.flush()  # the server stops: what was held is written
    throttled.flush()
    assert [r.getMessage() for r in caplog.records] == [
        "refused (and 2 more since the last such line)"
    ]


async def status_before_the_body(url: str, headers: dict[str, str], length: int) -> int:
    """Send only a request's headers, announcing a body of ``length`` bytes; read the answer."""
    parsed = httpx.URL(url)
    reader, writer = await asyncio.open_connection(parsed.host, parsed.port)
    head = [f"POST {parsed.path} HTTP/1.1", f"Host: {parsed.host}"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    head += [f"Content-Length: {length}", "", ""]
    writer.write("\r\n".join(head).encode())
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=10)
    writer.close()
    return int(status_line.split()[1])


async def test_the_webhook_answers_from_the_headers_before_reading_a_body(
    tmp_path: Path, clock
) -> None:
    """A request without the secret is refused before its body is read (none is sent here),
    however long it says the body is; one announcing more than an update can be, too."""
    api = FakeBotApi()
    json_type = {"Content-Type": "application/json"}
    guess = {**json_type, "X-Telegram-Bot-Api-Secret-Token": "guess"}
    async with webhook_bot(tmp_path, clock, api) as hook:
        without = await status_before_the_body(hook.url, json_type, 100_000)
        wrong = await status_before_the_body(hook.url, guess, serving.MAX_BODY_BYTES)
        too_long = await status_before_the_body(
            hook.url, {**json_type, **SECRET}, serving.MAX_BODY_BYTES + 1
        )
    assert (without, wrong, too_long) == (403, 403, 413)
    assert not api.of("sendMessage")


async def test_the_webhook_answers_telegram_only_after_processing(tmp_path: Path, clock) -> None:
    """So a crash before the answer makes Telegram send the update again: nothing is lost."""
    api = FakeBotApi()
    person = Person()
    gate = api.hold("sendMessage", person.id)
    async with webhook_bot(tmp_path, clock, api) as hook, httpx.AsyncClient() as client:
        post = await post_held(tmp_path, hook, client, person)
        for _ in range(100):
            await asyncio.sleep(0)
        assert not post.done(), "answered before the update was processed"
        gate.set()
        assert (await post).status_code == 200
        assert [c.method for c in api.calls].count("sendMessage") == 1


async def test_on_shutdown_updates_in_flight_finish_and_new_ones_are_refused(
    tmp_path: Path, clock
) -> None:
    api = FakeBotApi()
    person, later = Person(), Person(id=3004)
    gate = api.hold("sendMessage", person.id)
    async with (
        webhook_bot(tmp_path, clock, api) as hook,
        httpx.AsyncClient() as idle,
        httpx.AsyncClient() as busy,
    ):
        # A kept-alive connection, as Telegram keeps them.
        assert (
            await idle.post(hook.url, json=Person(id=3005).text("/help"), headers=SECRET)
        ).status_code == 200
        post = await post_held(tmp_path, hook, busy, person)
        hook.stop.set()
        refused = await idle.post(hook.url, json=later.text("/call"), headers=SECRET)
        assert refused.status_code == 503  # Telegram sends it again to the next run
        assert not post.done() and not hook.serving.done()
        gate.set()
        assert (await post).status_code == 200
        await hook.serving
    assert cases_of(tmp_path, later.id) == 0
    replies = [int(c.params["chat_id"]) for c in api.calls if c.method == "sendMessage"]
    assert replies.count(person.id) == 1 and later.id not in replies


async def test_an_update_still_running_when_the_drain_ends_is_cancelled(
    tmp_path: Path, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serving, "DRAIN_SECONDS", 0.0)
    api = FakeBotApi()
    person = Person()
    gate = api.hold("sendMessage", person.id)
    async with webhook_bot(tmp_path, clock, api) as hook, httpx.AsyncClient() as client:
        post = await post_held(tmp_path, hook, client, person)
        hook.stop.set()
        await hook.serving  # does not wait for the held reply
        try:
            status = (await post).status_code
        except httpx.TransportError:
            status = None  # the connection was closed first: unanswered either way
        assert status in (503, None)
        gate.set()
        for _ in range(100):
            await asyncio.sleep(0)
    # Nothing ran on after shutdown; Telegram will resend the update and the saved step is
    # shown again (tested above: an update sent twice is applied once).
    assert not [c for c in api.calls if c.method == "sendMessage"]


async def test_an_update_telegram_sends_twice_is_applied_once(tmp_path: Path, clock) -> None:
    api = FakeBotApi()
    person = Person()
    first = person.text("/call")
    async with webhook_bot(tmp_path, clock, api) as hook, httpx.AsyncClient() as client:
        url = hook.url
        answers = [await client.post(url, json=first, headers=SECRET) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert cases_of(tmp_path, person.id) == 1  # the repeat only showed the current step


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b'{"no": "update_id"}', "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"update_id": 1}', "text/plain", 415),
    ],
)
async def test_the_webhook_refuses_what_is_not_an_update(
    tmp_path: Path,
    clock,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
    status: int,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, every level: a body appears in none
    api = FakeBotApi()
    async with webhook_bot(tmp_path, clock, api) as hook, httpx.AsyncClient() as client:
        answer = await client.post(
            hook.url, content=body, headers={**SECRET, "Content-Type": content_type}
        )
    assert answer.status_code == status
    assert not [c for c in api.calls if c.method == "sendMessage"]
    assert body.decode() not in caplog.text  # a body is never logged


def test_kotowari_run_masks_the_webhook_secret_as_it_does_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the token was a secret to the logs; a library logging the webhook's headers
    would have printed the secret that proves a request is Telegram's."""
    secrets: list[str | None] = []
    masked: list[str | None] = secrets
    monkeypatch.setattr(
        bot.cli, "configure_logging", lambda level, secrets=(): masked.extend(secrets)
    )
    monkeypatch.setattr("bot.telegram_app.run_bot", lambda settings, db_path: 0)
    env = tmp_path / "k.env"
    env.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nWEBHOOK_SECRET=s3cret-abcdefgh\n")
    env.chmod(0o600)
    for name in ("TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET", "KOTOWARI_REPLICA_URL"):
        monkeypatch.delenv(name, raising=False)
    assert bot.cli.main(["--env-file", str(env), "run", "--db", str(tmp_path / "k.db")]) == 0
    assert TOKEN in secrets and "s3cret-abcdefgh" in secrets
