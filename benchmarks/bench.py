"""``python -m benchmarks.bench``: measured numbers for BENCHMARKS.md (never run as part of
the tests; run from the source checkout, it is not installed with the bot).

Scenarios (with no name it runs the first three; name one to run it alone):

- ``bot``: N users (``--users``, default 1,000) go through a whole case each, about 15
  updates (buttons and text), through the real python-telegram-bot ``Application`` with an
  in-process fake Bot API (no sockets) and the SQLite file on disk. The same updates then go
  to a baseline bot on the same harness that makes the same Bot API calls per update but has
  no engine and no store, and to a *floor* bot: the baseline plus the framework work a
  durable step needs (one SQLite transaction of a step's statements, one ``transitions``
  event) and no coaching logic, which shows how much of the gap is the stack's; and to an
  *adapter* bot: the real bot (python-telegram-bot, the Telegram adapter, the store's
  transactions) whose engine does only the floor's statements and returns the full bot's
  recorded replies, which splits the rest of the gap into the adapter's and the engine's
  parts. The bots take turns, 20 users at a time. Prints updates/s for each, the ratios,
  per-update latency percentiles, RSS and the full bot's commit times. Between turns (untimed) the full and
  floor bots' databases are checkpointed, as the bot's reminder timer does; neither
  connection checkpoints inside a commit.
- ``growth``: the same per-update measurement on databases pre-filled for 1k, 10k and 100k
  users (10 events each: ~1M events at 100k), the databases taking turns 20 users at a time;
  the peak RSS of each size comes from a process of its own.
- ``core``: the engine alone (no Telegram): updates/s and µs per step.
- ``reminders``: find, send (to the fake Bot API, Telegram's rate limits off so that the
  bot's own cost is what is measured) and mark N due reminders; and start-up time with 1k,
  10k and 100k stored cases and reminders.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import AIORateLimiter, Application, CallbackQueryHandler, MessageHandler, filters
from transitions import Machine

from bot.config import Settings
from bot.telegram_app import (
    CHECKPOINT_PERIOD,
    build_application,
    checkpoint_wal,
    dispatch_reminders,
)
from fakes.request import FakeBotApi
from flows.engine import Engine
from flows.port import Inbound, Response
from flows.store import (
    BROKERS,
    CASES,
    EVENTS,
    REMINDERS,
    TELEGRAM,
    USERS,
    Store,
    checkpoint,
    open_database,
    utc_now,
)

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCHMARKTOKENBENCHMARKTOKENBENCHMARK"
COMMAND = "python -m benchmarks.bench"
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Wednesday 12:00 in Tokyo: not quiet hours


def counting_api(remember_chats: bool = True) -> FakeBotApi:
    """The shared fake Bot API in its lean mode: calls counted, answers the smallest valid
    ones (what is measured is the bot, not the fake); ``remember_chats`` False where no
    button is pressed (the reminder round: see ``FakeBotApi``)."""
    return FakeBotApi(record=False, remember_chats=remember_chats)


def _users(ids: range, stamp: str) -> Iterator[dict[str, Any]]:
    for i in ids:
        yield {
            "id": i,
            "language": "ja",
            "time_zone": "Asia/Tokyo",
            "created_at": stamp,
            "active": 1,
            "quiet_hours": "21-8",
        }


def seed(db_path: Path, count: int, due: datetime) -> None:
    """``count`` users, each with one case waiting for a broker call and a due reminder."""
    db = open_database(db_path)
    stamp = (due - timedelta(days=1)).isoformat()
    chunk = 10_000
    with db.atomic():
        for start in range(1, count + 1, chunk):
            ids = range(start, min(start + chunk, count + 1))
            db.table(USERS).insert_all(_users(ids, stamp))
            db.table(CASES).insert_all(
                {
                    "id": i,
                    "user_id": i,
                    "number": 1,
                    "state": "awaiting_call",
                    "mode": "call",
                    "seq": 14,
                    "opened_at": stamp,
                    "updated_at": stamp,
                    "broker_name": f"名簿{i}",
                    "company": f"会社{i}",
                    "outcome": "later",
                }
                for i in ids
            )
            db.table(REMINDERS).insert_all(
                {
                    "user_id": i,
                    "case_id": i,
                    "kind": "call_broker",
                    "due_at": due.isoformat(),
                    "status": "pending",
                    "attempts": 0,
                    "created_at": stamp,
                    "route": TELEGRAM,  # active Telegram users' (m018)
                }
                for i in ids
            )
    db.close()


def _application(db_path: Path, api: FakeBotApi, clock_now: datetime | None = None):  # type: ignore[no-untyped-def]
    """The real bot on the fake Bot API, Telegram's rate limits off; at a fixed moment if
    ``clock_now`` is given, else on the real clock."""
    return build_application(
        Settings(db_path=db_path, telegram_token=TOKEN),
        db_path,
        request=api,
        get_updates_request=counting_api(),
        rate_limiter=_no_limits(),
        clock=utc_now if clock_now is None else (lambda: clock_now),
    )


LOG_LOOK_TURNS = 1000  # the watcher's turns between two looks at the log's size


class LoopWatch:
    """The longest the event loop was held by others: a task that yields at once and
    notes the gaps between its turns (each gap is a stretch of someone else's work).

    ``longest`` is wall-clock time; ``longest_cpu`` the same gaps in this thread's CPU
    time, which leaves out the moments the shared machine gave the core to another
    process (on this VM those alone make gaps of several milliseconds)."""

    def __init__(self, log: Path | None = None) -> None:
        self.longest = 0.0
        self.longest_cpu = 0.0
        self._last = self._last_cpu = 0.0
        self._task: asyncio.Task[None] | None = None
        # The write-ahead log's largest size seen (a look every LOG_LOOK_TURNS turns).
        self._log, self.log_peak, self._turns = log, 0, 0
        # Garbage collections meanwhile, per generation, and the longest (ms, generation):
        # a collection runs inside whoever's stretch allocated last.
        self.collections = [0, 0, 0]
        self.longest_collection = (0.0, 0)
        self._collecting = 0.0

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(0)
            self._turn()

    def _turn(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.longest = max(self.longest, now - self._last)
        self.longest_cpu = max(self.longest_cpu, cpu - self._last_cpu)
        self._turns += 1
        if self._log is not None and self._turns % LOG_LOOK_TURNS == 0:
            with contextlib.suppress(FileNotFoundError):
                self.log_peak = max(self.log_peak, self._log.stat().st_size)
        self._last, self._last_cpu = now, cpu

    def _collected(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._collecting = time.perf_counter()
            return
        took, generation = (time.perf_counter() - self._collecting) * 1000, info["generation"]
        self.collections[generation] += 1
        self.longest_collection = max(self.longest_collection, (took, generation))

    def describe_collections(self) -> str:
        took, generation = self.longest_collection
        young, middle, old = self.collections
        return (
            f"garbage collections meanwhile: {young} / {middle} / {old} (generation 0 / 1 / 2), "
            f"the longest {took:.2f} ms (generation {generation})"
        )

    def __enter__(self) -> LoopWatch:
        self._last, self._last_cpu = time.perf_counter(), time.thread_time()
        self._task = asyncio.get_running_loop().create_task(self._watch())
        gc.callbacks.append(self._collected)
        return self

    def __exit__(self, *exc: object) -> None:
        self._turn()  # the stretch since the watcher's last turn counts too
        gc.callbacks.remove(self._collected)
        if self._task is not None:
            self._task.cancel()


async def _dispatch_all(db_path: Path, batch: int) -> tuple[float, int, int, LoopWatch]:
    """One round over every due reminder, with the checkpoint job's timer beside it as
    ``kotowari run`` has it (``checkpoint_wal`` every ``CHECKPOINT_PERIOD`` seconds)."""
    api = counting_api(remember_chats=False)  # the round presses no button
    app = _application(db_path, api, NOW)

    async def checkpoints() -> None:
        while True:
            await asyncio.sleep(CHECKPOINT_PERIOD)
            await checkpoint_wal(app.bot_data)

    async with app:
        await app.post_init(app)
        timer = asyncio.get_running_loop().create_task(checkpoints())
        with LoopWatch(db_path.with_name(db_path.name + "-wal")) as watch:
            await asyncio.sleep(0)  # the watcher's first turn
            started = time.perf_counter()
            sent = await dispatch_reminders(app, batch)
            elapsed = time.perf_counter() - started
        timer.cancel()
        await app.post_shutdown(app)
    return elapsed, sent, api.counts["sendMessage"], watch


def select_times(db_path: Path, batch: int, repeats: int = 21) -> list[float]:
    """How long selecting one batch of due reminders takes: the Telegram dispatcher's query
    (one channel's users: the channel's condition once cost a scan of every user, which the
    query without it did not show)."""
    store = Store(open_database(db_path), clock=lambda: NOW)
    try:
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            store.due_reminders(NOW, batch, channel=TELEGRAM)
            times.append(time.perf_counter() - started)
        return sorted(times)
    finally:
        store.close()


async def _startup(db_path: Path) -> float:
    app = _application(db_path, counting_api(), NOW)
    started = time.perf_counter()
    async with app:
        await app.post_init(app)
        elapsed = time.perf_counter() - started
        await app.post_shutdown(app)
    return elapsed


def run_reminders(count: int, batch: int, workdir: Path) -> list[str]:
    lines = []
    db_path = workdir / f"reminders-{count}.db"
    seed(db_path, count, NOW - timedelta(minutes=1))
    selects = select_times(db_path, batch)
    lines.append(
        f"select a batch of {batch} at {count} due (one channel's, as its dispatcher does): median {statistics.median(selects) * 1000:.2f} ms "
        f"(min {selects[0] * 1000:.2f}, max {selects[-1] * 1000:.2f}; {len(selects)} runs)"
    )
    elapsed, sent, calls, held = asyncio.run(_dispatch_all(db_path, batch))
    db = open_database(db_path)
    marked = db.execute(f"select count(*) from {REMINDERS} where status = 'sent'").fetchone()[0]
    db.close()
    lines.append(
        f"reminders: {count} due; sent {sent} ({calls} sendMessage calls), marked {marked}, "
        f"in {elapsed:.1f} s = {sent / elapsed:,.0f}/s, {elapsed / max(sent, 1) * 1e6:,.0f} µs each "
        f"(batch {batch})"
    )
    lines.append(
        f"  the event loop held at most {held.longest * 1000:.1f} ms at a time "
        f"({held.longest_cpu * 1000:.1f} ms of this thread's CPU time); the write-ahead "
        f"log at most {held.log_peak / 2**20:,.0f} MiB"
    )
    lines.append(f"  {held.describe_collections()}")
    for stored in (1_000, 10_000, 100_000):
        path = workdir / f"startup-{stored}.db"
        seed(path, stored, NOW + timedelta(days=30))
        runs = sorted(asyncio.run(_startup(path)) for _ in range(5))
        lines.append(
            f"start-up with {stored:>7,} stored cases and reminders: "
            f"median {runs[2] * 1000:.1f} ms (min {runs[0] * 1000:.1f}, max {runs[-1] * 1000:.1f})"
        )
    return lines


# -- a whole case, as a user would go through it --------------------------------------------
def script(i: int) -> list[tuple[str, str]]:
    """About 15 updates: ("text", what is typed) or ("tap", the trigger of a button)."""
    return [
        ("text", "/call"),
        ("tap", "refused"),
        ("tap", "named"),
        ("text", f"名簿業者{i}"),
        ("text", f"株式会社テスト不動産{i}"),
        ("tap", "skip"),
        ("text", f"090-{i % 10000:04d}-{(i * 7) % 10000:04d}"),
        ("tap", "property"),
        ("text", f"東京都知事(3)第{i}号"),
        ("tap", "now"),
        ("tap", "confirm"),
        ("tap", "agreed"),
        ("tap", "close"),
        ("text", "/cases"),
        ("text", "/help"),
    ]


def _user(uid: int) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": "User", "language_code": "ja"}


def _chat(uid: int) -> dict[str, Any]:
    return {"id": uid, "type": "private", "first_name": "User"}


class Driver:
    """Builds each user's next update from what the bot last sent them (buttons, ids)."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.update_ids = iter(range(1, 10**9))

    def payload(self, uid: int, action: str, value: str) -> dict[str, Any]:
        update_id = next(self.update_ids)
        if action == "text":
            message: dict[str, Any] = {
                "message_id": update_id,
                "date": 1_790_000_000,
                "chat": _chat(uid),
                "from": _user(uid),
                "text": value,
            }
            if value.startswith("/"):
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": len(value.split()[0])}
                ]
            return {"update_id": update_id, "message": message}
        data = next(d for d in self.api.buttons[uid] if d.endswith("." + value))
        return {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": _user(uid),
                "chat_instance": str(uid),
                "data": data,
                "message": {
                    "message_id": self.api.last_message[uid],
                    "date": 1_790_000_000,
                    "chat": _chat(uid),
                    "from": {"id": 1, "is_bot": True, "first_name": "Kotowari"},
                    "text": "…",
                },
            },
        }


def _no_limits() -> AIORateLimiter:
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0)


async def _timed(app: Any, payloads: Iterator[dict[str, Any]]) -> list[float]:
    latencies = []
    for payload in payloads:
        update = Update.de_json(payload, app.bot)
        started = time.perf_counter()
        await app.process_update(update)
        latencies.append(time.perf_counter() - started)
    return latencies


Calls = list[tuple[str, dict[str, Any]]]


class FullBot:
    """The real bot on a database file, and a driver pressing what it last sent."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.api = counting_api()
        self.app = _application(db_path, self.api)
        self.driver = Driver(self.api)
        self.commit_times: list[tuple[float, float]] = []

    async def __aenter__(self) -> Self:
        await self.app.initialize()
        await self.app.post_init(self.app)
        engine = self.app.bot_data.engine
        assert engine is not None
        engine.store.commit_times = self.commit_times
        self.app.bot_data.engine = self.engine(engine)
        return self

    def engine(self, engine: Engine) -> Engine:
        return engine

    def checkpoint(self) -> None:
        """What the bot's timer does every reminder period (the bench runs no JobQueue):
        between turns, untimed; the bot's connection itself never checkpoints."""
        checkpoint(self.db_path)

    async def __aexit__(self, *exc: object) -> None:
        await self.app.post_shutdown(self.app)
        await self.app.shutdown()

    async def cases(self, uids: range) -> tuple[list[float], list[dict[str, Any]], list[Calls]]:
        """Each user's whole case; returns latencies, the updates and each one's Bot API calls."""
        log: Calls = []
        self.api.on_call = lambda call: log.append((call.method, call.params))
        recorded: list[dict[str, Any]] = []
        calls: list[Calls] = []

        def payloads() -> Iterator[dict[str, Any]]:
            # One user after another, a step at a time, like messages arriving.
            for uid in uids:
                for action, value in script(uid):
                    payload = self.driver.payload(uid, action, value)
                    recorded.append(payload)
                    start = len(log)
                    yield payload
                    # Runs when the next update is asked for: the calls this one made.
                    calls.append(log[start:])

        latencies = await _timed(self.app, payloads())
        self.api.on_call = None
        return latencies, recorded, calls


class RecordingEngine(Engine):
    """The engine, keeping each response by update id (for ``AdapterBot``)."""

    def __init__(self, engine: Engine, responses: dict[int | None, Response]) -> None:
        super().__init__(engine.store, engine.outcome_hooks)
        self.responses = responses

    def handle(self, inbound: Inbound) -> Response:
        response = super().handle(inbound)
        self.responses[inbound.update_id] = response
        return response


class RecordingBot(FullBot):
    """The full bot, keeping its engine's responses for ``AdapterBot``."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(db_path)
        self.responses: dict[int | None, Response] = {}

    def engine(self, engine: Engine) -> Engine:
        return RecordingEngine(engine, self.responses)


class FloorEngine(Engine):
    """No coaching logic: the floor bot's statements in one of the store's transactions,
    then the response the full bot's engine gave to the same update."""

    def __init__(self, engine: Engine, responses: dict[int | None, Response]) -> None:
        super().__init__(engine.store, engine.outcome_hooks)
        self.responses = responses
        self.store.conn.row_factory = sqlite3.Row

    def handle(self, inbound: Inbound) -> Response:
        with self.store.transaction():
            floor_statements(self.store.conn, inbound.user_id, inbound.update_id or 0)
        return self.responses[inbound.update_id]


class AdapterBot(FullBot):
    """The real bot (python-telegram-bot, the Telegram adapter, the store's transactions)
    with ``FloorEngine`` for its engine: the full bot's replies, rendered and sent as the full
    bot sends them, after the floor bot's database work. What is left of the full bot when
    the engine's own work is taken out, so that the gap splits into the adapter's and the
    engine's parts."""

    def __init__(self, db_path: Path, responses: dict[int | None, Response]) -> None:
        super().__init__(db_path)
        self.responses = responses

    def engine(self, engine: Engine) -> Engine:
        return FloorEngine(engine, self.responses)

    async def replay(self, recorded: list[dict[str, Any]]) -> list[float]:
        return await _timed(self.app, iter(recorded))


async def run_full_bot(
    db_path: Path, users: int, first_uid: int = 1
) -> tuple[list[float], list[dict[str, Any]], list[Calls]]:
    """All users' cases through the real bot; returns latencies, the updates and the calls."""
    async with FullBot(db_path) as bot:
        return await bot.cases(range(first_uid, first_uid + users))


class _Model:
    state = "a"


FLOORS = {
    "commit": "one SQLite transaction per update, committed",
    "group": "the same statements, one commit per 100 updates",
    "memory": "no database: only the transitions event",
}
GROUP_COMMIT = 100


def floor_statements(conn: sqlite3.Connection, user_id: int, update_id: int) -> None:
    """A durable step's statements with no coaching logic, in the open transaction: read
    the user and their case (creating them on the user's first update, as the bot's first
    ``/call`` does), record the update id, update the case, insert an event."""
    now = datetime.now(UTC).isoformat()
    user = conn.execute(f"select * from {USERS} where id = ?", [user_id]).fetchone()
    if user is None:
        conn.execute(
            f"insert into {USERS} (id, language, created_at, active_case_id) "
            "values (?, 'ja', ?, ?)",
            [user_id, now, user_id],
        )
        conn.execute(
            f"insert into {CASES} (id, user_id, number, state, mode, opened_at, updated_at) "
            "values (?, ?, 1, 'refusing', 'call', ?, ?)",
            [user_id, user_id, now, now],
        )
        user = conn.execute(f"select * from {USERS} where id = ?", [user_id]).fetchone()
    case = conn.execute(f"select * from {CASES} where id = ?", [user["active_case_id"]])
    case_id = case.fetchone()["id"]
    recent = [*(user["recent_update_ids"] or "").split(",")[-63:], str(update_id)]
    conn.execute(
        f"update {USERS} set recent_update_ids = ? where id = ?",
        [",".join(filter(None, recent)), user_id],
    )
    conn.execute(f"update {CASES} set seq = seq + 1, updated_at = ? where id = ?", [now, case_id])
    conn.execute(
        f"insert into {EVENTS} (user_id, case_id, at, kind, trigger, state_from, state_to) "
        "values (?, ?, ?, 'step', 'step', 'a', 'b')",
        [user_id, case_id, now],
    )


class ReplayBot:
    """A bot on the same harness that makes the given Bot API calls for each update.

    With ``floor_db`` it is the *floor* bot: before the calls it does the framework work a
    durable step needs, with no coaching logic: on a database of its own (the bot's schema),
    read the user and their case (creating them on the user's first update, as the bot's
    first ``/call`` does), record the update id, update the case, insert an event; and fire
    one ``transitions`` event. ``floor`` (see ``FLOORS``) says how the writes are committed;
    ``group`` also commits at the end of each turn, so the full bot never waits on its lock.
    """

    def __init__(self, floor_db: Path | None = None, floor: str = "commit") -> None:
        self.plan: dict[int, Calls] = {}
        self.api = counting_api()
        self.app = (
            Application.builder()
            .token(TOKEN)
            .request(self.api)
            .get_updates_request(counting_api())
            .rate_limiter(_no_limits())
            .concurrent_updates(True)
            .build()
        )
        self.app.add_handler(MessageHandler(filters.ALL, self.replay))
        self.app.add_handler(CallbackQueryHandler(self.replay))
        self.floor = floor
        self.conn = None
        self.floor_db = floor_db
        if floor_db is not None and floor != "memory":
            # Checkpoints as the full bot's: never in a commit, between turns (checkpoint()).
            self.conn = open_database(floor_db, autocheckpoint=False).conn
            self.conn.row_factory = sqlite3.Row
        self.steps = 0
        self.machine = Machine(
            model=None,
            states=["a", "b"],
            transitions=[["step", "a", "b"], ["step", "b", "a"]],
            initial="a",
            auto_transitions=False,
        )
        self.model = _Model() if floor_db else None

    async def __aenter__(self) -> ReplayBot:
        await self.app.initialize()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.shutdown()
        if self.conn is not None:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")
            self.conn.close()

    async def cases(self, recorded: list[dict[str, Any]], calls: list[Calls]) -> list[float]:
        self.plan = {
            payload["update_id"]: made for payload, made in zip(recorded, calls, strict=True)
        }
        latencies = await _timed(self.app, iter(recorded))
        if self.conn is not None and self.conn.in_transaction:
            # Untimed, but only with --floor group and a turn that is not a multiple of 100
            # updates (the default turn, 20 users × 15, is 300).
            self.conn.execute("COMMIT")
        return latencies

    def checkpoint(self) -> None:
        if self.conn is not None and self.floor_db is not None:
            checkpoint(self.floor_db)

    def durable_step(self, user_id: int, update_id: int) -> None:
        if self.model is not None:
            self.machine.events["step"].trigger(self.model)
        conn = self.conn
        if conn is None:
            return
        if not conn.in_transaction:
            conn.execute("BEGIN")
        floor_statements(conn, user_id, update_id)
        self.steps += 1
        if self.floor == "commit" or self.steps % GROUP_COMMIT == 0:
            conn.execute("COMMIT")

    async def replay(self, update: Update, context: Any) -> None:
        if update.effective_user is not None:
            self.durable_step(update.effective_user.id, update.update_id)
        bot = context.bot
        for method, params in self.plan.get(update.update_id, []):
            markup = params.get("reply_markup")
            keyboard = (
                InlineKeyboardMarkup.de_json(markup, bot)
                if isinstance(markup, dict) and "inline_keyboard" in markup
                else None
            )
            if method == "sendMessage":
                await bot.send_message(
                    params["chat_id"],
                    params["text"],
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard,
                )
            elif method == "editMessageText":
                await bot.edit_message_text(
                    params["text"],
                    params["chat_id"],
                    params["message_id"],
                    parse_mode=ParseMode.HTML,
                )
            elif method == "answerCallbackQuery":
                await bot.answer_callback_query(params["callback_query_id"], params.get("text"))


@dataclass
class Comparison:
    """Per-update latencies of the three bots, and what each asked of the Bot API."""

    full: list[float] = field(default_factory=list)
    base: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    adapter: list[float] = field(default_factory=list)  # AdapterBot: the engine's work taken out
    calls: dict[str, Counter[str]] = field(default_factory=dict)
    update_calls: int = 0  # the full bot's Bot API calls while handling the updates
    # The full bot's COMMITs: seconds of wall clock and of CPU time.
    commits: list[tuple[float, float]] = field(default_factory=list)
    full_rss: float = 0.0


async def compare_bots(
    db_path: Path, users: int, floor: str = "commit", chunk: int = 20
) -> Comparison:
    """The full bot, the baseline, the floor bot and the adapter bot, taking turns a few
    users at a time.

    Taking turns puts the three under the same conditions: on a shared machine the speed
    drifts over seconds, and a bot measured after another would take the drift as its own.
    """
    result = Comparison()
    floor_db = db_path.with_name(db_path.stem + "-floor.db")
    bot = RecordingBot(db_path)
    async with (
        bot,
        ReplayBot() as baseline,
        ReplayBot(floor_db, floor) as least,
        AdapterBot(db_path.with_name(db_path.stem + "-adapter.db"), bot.responses) as adapter,
    ):
        for first in range(1, users + 1, chunk):
            uids = range(first, min(first + chunk, users + 1))
            latencies, recorded, calls = await bot.cases(uids)
            bot.checkpoint()
            result.full += latencies
            result.full_rss = max(result.full_rss, rss_mb())
            result.update_calls += sum(len(made) for made in calls)
            result.base += await baseline.cases(recorded, calls)
            result.floor += await least.cases(recorded, calls)
            least.checkpoint()
            result.adapter += await adapter.replay(recorded)
            adapter.checkpoint()
            bot.responses.clear()
        result.commits = bot.commit_times
        result.calls = {
            "full": bot.api.counts,
            "baseline": baseline.api.counts,
            "floor": least.api.counts,
            "adapter": adapter.api.counts,
        }
    return result


def percentiles(latencies: list[float]) -> str:
    cuts = statistics.quantiles(latencies, n=100)
    return (
        f"p50 {cuts[49] * 1000:.2f} ms, p95 {cuts[94] * 1000:.2f} ms, "
        f"p99 {cuts[98] * 1000:.2f} ms, max {max(latencies) * 1000:.2f} ms"
    )


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss it is not inherited across exec)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_bot_scenario(users: int, workdir: Path, floor: str = "commit") -> list[str]:
    run = asyncio.run(compare_bots(workdir / "bot.db", users, floor))
    full_rate, base_rate, floor_rate, adapter_rate = (
        len(x) / sum(x) for x in (run.full, run.base, run.floor, run.adapter)
    )
    return [
        f"bot: {users} users, {len(run.full)} updates ({run.update_calls / len(run.full):.1f} Bot API "
        "calls per update); the bots take turns, 20 users at a time",
        f"  full bot:     {full_rate:,.0f} updates/s; {percentiles(run.full)}",
        f"  baseline bot: {base_rate:,.0f} updates/s; {percentiles(run.base)}",
        f"ratio: {full_rate / base_rate:.2f}",
        f"  floor bot:    {floor_rate:,.0f} updates/s; {percentiles(run.floor)}",
        f"  floor ratio: {floor_rate / base_rate:.2f} (floor: the baseline plus a step's framework "
        f"work with no coaching logic; --floor {floor}: {FLOORS[floor]})",
        f"  adapter bot:  {adapter_rate:,.0f} updates/s; {percentiles(run.adapter)}",
        f"  adapter ratio: {adapter_rate / base_rate:.2f} (adapter: the full bot with the "
        "engine's work replaced by the floor's statements and the full bot's recorded replies)",
        f"  RSS during the full bot {run.full_rss:.0f} MB; peak {peak_rss_mb():.0f} MB",
        commit_line(run.commits),
    ]


def commit_line(commits: list[tuple[float, float]]) -> str:
    """The commits' times; for those over 5 ms, how much of it was CPU time (the rest
    was waiting: for the disk, or for a core the shared machine gave someone else)."""
    walls = [wall for wall, _ in commits]
    cuts = statistics.quantiles(walls, n=100)
    slow = [(wall, cpu) for wall, cpu in commits if wall > 0.005]
    line = (
        f"  full bot's commits: {len(commits):,}; p50 {cuts[49] * 1000:.3f} ms, "
        f"p99 {cuts[98] * 1000:.3f} ms, max {max(walls) * 1000:.2f} ms; over 5 ms: {len(slow)}"
    )
    if slow:
        shown = ", ".join(f"{wall * 1000:.1f} ({cpu * 1000:.2f} CPU)" for wall, cpu in slow[:5])
        line += f": {shown} ms"
    return line


# -- growth: the same per-update work on a database that already holds many users ---------
def prefill(db_path: Path, users: int, events_each: int = 10) -> None:
    """``users`` users, each with a closed case, a broker and ``events_each`` events."""
    db = open_database(db_path)
    stamp = "2026-01-01T00:00:00+00:00"
    chunk = 5_000
    with db.atomic():
        for start in range(1, users + 1, chunk):
            ids = range(start, min(start + chunk, users + 1))
            db.table(USERS).insert_all(_users(ids, stamp))
            db.table(BROKERS).insert_all(
                {
                    "id": i,
                    "user_id": i,
                    "name": f"名簿{i}",
                    "name_norm": f"名簿{i}",
                    "case_count": 1,
                    "first_named_at": stamp,
                    "last_named_at": stamp,
                }
                for i in ids
            )
            db.table(CASES).insert_all(
                {
                    "id": i,
                    "user_id": i,
                    "number": 1,
                    "state": "closed",
                    "mode": "call",
                    "seq": 15,
                    "opened_at": stamp,
                    "updated_at": stamp,
                    "broker_id": i,
                    "broker_name": f"名簿{i}",
                    "company": f"会社{i}",
                    "company_norm": f"会社{i}",
                    "phone_e164": f"+8190{i:08d}",
                    "refused_at": stamp,
                    "outcome": "agreed",
                }
                for i in ids
            )
            db.table(EVENTS).insert_all(
                {
                    "user_id": i,
                    "case_id": i,
                    "at": stamp,
                    "kind": "step",
                    "trigger": "refused",
                    "state_from": "refusing",
                    "state_to": "asking_source",
                }
                for i in ids
                for _ in range(events_each)
            )
    db.close()


def growth_db(workdir: Path, prefilled: int) -> Path:
    return workdir / f"growth-{prefilled}.db"


def growth_rss(prefilled: int, users: int, workdir: Path) -> dict[str, Any]:
    """Run in a process of its own: fill the database, run ``users`` new users' cases, and
    report this process's peak RSS (its own, not the parent's)."""
    db_path = growth_db(workdir, prefilled)
    prefill(db_path, prefilled)
    asyncio.run(run_full_bot(db_path, users, first_uid=prefilled + 1))
    return {"prefilled": prefilled, "peak_rss": peak_rss_mb()}


async def growth_latencies(
    workdir: Path, sizes: tuple[int, ...], users: int, chunk: int = 20
) -> dict[int, list[float]]:
    """New users' cases on each filled database, the databases taking turns ``chunk`` users
    at a time (so drift on a shared machine does not land on one size)."""
    latencies: dict[int, list[float]] = {size: [] for size in sizes}
    async with contextlib.AsyncExitStack() as stack:
        bots = {
            size: await stack.enter_async_context(FullBot(growth_db(workdir, size)))
            for size in sizes
        }
        for offset in range(0, users, chunk):
            for size, bot in bots.items():
                # Past the users the RSS run added: new users again.
                first = size + users + offset + 1
                measured, _, _ = await bot.cases(range(first, first + min(chunk, users - offset)))
                bot.checkpoint()
                latencies[size] += measured
    return latencies


def run_growth(users: int, workdir: Path, sizes: tuple[int, ...] = (1_000, 10_000, 100_000)):  # type: ignore[no-untyped-def]
    lines = [
        f"growth: {users} new users' cases on databases already holding N users (10 events "
        "each); the databases take turns, 20 users at a time; peak RSS from a process per size"
    ]
    rss = {}
    for size in sizes:
        # A process of its own per size, so its RSS is its own.
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.bench",
                "_growth",
                "--prefilled",
                str(size),
                "--users",
                str(users),
                "--workdir",
                str(workdir),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        rss[size] = json.loads(out.stdout.strip().splitlines()[-1])["peak_rss"]
    latencies = asyncio.run(growth_latencies(workdir, sizes, users))
    cuts = {size: statistics.quantiles(latencies[size], n=100) for size in sizes}
    for size in sizes:
        lines.append(
            f"  {size:>7,} users: {len(latencies[size]) / sum(latencies[size]):,.0f} updates/s; "
            f"p50 {cuts[size][49] * 1000:.2f} ms, p95 {cuts[size][94] * 1000:.2f} ms, "
            f"p99 {cuts[size][98] * 1000:.2f} ms; peak RSS {rss[size]:.0f} MB"
        )
    first, last = sizes[0], sizes[-1]
    lines.append(
        f"  p50 at {last:,} ÷ at {first:,}: {cuts[last][49] / cuts[first][49]:.2f}; "
        f"p99: {cuts[last][98] / cuts[first][98]:.2f}; "
        f"peak RSS growth: {rss[last] - rss[first]:+.0f} MB"
    )
    return lines


# -- the engine alone ---------------------------------------------------------------------
def run_core(users: int, workdir: Path) -> list[str]:
    db = open_database(workdir / "core.db")
    engine = Engine(Store(db))
    latencies = []
    update_ids = iter(range(1, 10**9))
    for uid in range(1, users + 1):
        options: dict[str, str] = {}
        for action, value in script(uid):
            # As the Telegram adapter passes them: with the update id (recorded, so that a
            # re-delivered update is not applied twice) and the client's language.
            update_id = next(update_ids)
            inbound = (
                Inbound(uid, text=value, lang_hint="ja", update_id=update_id)
                if action == "text"
                else Inbound(uid, choice=options[value], lang_hint="ja", update_id=update_id)
            )
            started = time.perf_counter()
            response = engine.handle(inbound)
            latencies.append(time.perf_counter() - started)
            shown = [o for r in response.replies for o in r.options]
            if shown:
                options = {o.token.rsplit(".", 1)[-1]: o.token for o in shown}
    db.close()
    total = sum(latencies)
    return [
        f"core: {users} users, {len(latencies)} steps through Engine.handle (no Telegram)",
        f"  {len(latencies) / total:,.0f} steps/s, {total / len(latencies) * 1e6:,.0f} µs per step; "
        f"{percentiles(latencies)}",
    ]


def _header(argv: list[str]) -> None:
    import sqlite3

    import telegram

    print(f"command: {COMMAND} {' '.join(argv)}".rstrip())
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"python-telegram-bot {telegram.__version__}; {datetime.now(UTC):%Y-%m-%d}"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND)
    parser.add_argument(
        "scenario", nargs="?", choices=["bot", "growth", "core", "reminders", "_growth"]
    )
    parser.add_argument("--users", type=int, default=1_000, help="simulated users (default 1000)")
    parser.add_argument("--count", type=int, default=100_000, help="due reminders to send")
    parser.add_argument(
        "--floor",
        choices=sorted(FLOORS),
        default="commit",
        help="how the floor bot commits (bot scenario): "
        + "; ".join(f"{name}: {what}" for name, what in FLOORS.items()),
    )
    parser.add_argument("--batch", type=int, default=25, help="dispatcher batch size")
    parser.add_argument("--prefilled", type=int, default=1_000, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help="where to build the databases (temporary)")
    args = parser.parse_args(argv)
    if args.scenario == "_growth":
        print(json.dumps(growth_rss(args.prefilled, args.users, args.workdir)))
        return 0
    _header(argv)
    runs: dict[str, Callable[[Path], list[str]]] = {
        "bot": lambda tmp: run_bot_scenario(args.users, tmp, args.floor),
        "growth": lambda tmp: run_growth(min(args.users, 200), tmp),
        "core": lambda tmp: run_core(args.users, tmp),
        "reminders": lambda tmp: run_reminders(args.count, args.batch, tmp),
    }
    chosen = [args.scenario] if args.scenario else ["bot", "growth", "core"]
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        for name in chosen:
            for line in runs[name](Path(tmp)):
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
