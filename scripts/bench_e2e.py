#!/usr/bin/env python3
"""End to end over loopback sockets: ``kotowari run`` against a bare python-telegram-bot bot,
and the head-of-line scenario. Run by hand, never in the tests; figures go to BENCHMARKS.md.

The shared fake Bot API on 127.0.0.1 (``fakes.server``: stdlib ``http.server``, replies with
``TCP_NODELAY`` set, ``getUpdates`` with Telegram's offset semantics, every call recorded) serves each bot on a port of its own. Simulated users go through
whole cases (``benchmarks/bench.py``'s 15-update case) in a closed loop: a user sends their next
update as soon as the fake has recorded the last Bot API call the previous one makes
(counted from a calibration walk, below). **Latency** of an update is the time from its
enqueueing at the fake to its last Bot API call; **updates/s** is the round's updates over the
time from its first enqueueing to its last call.

``e2e`` (default): the real ``kotowari run`` process (``python -m bot.cli run``: long polling
into the inbox, the engine, SQLite on disk, ``KOTOWARI_RATE_LIMIT_CAPS=off``) and
``scripts/bare_bot.py`` (python-telegram-bot's own polling, no engine, no store) take turns:
in each repeat the full bot runs a round of N fresh users and the bare bot replays, for the
same user ids, the calls the full bot made for each update (same texts and keyboards); every
other repeat the bare bot goes first, replaying the previous round's plan. A
calibration walk first (one user, waiting for the chat to fall quiet) gives the calls per
step and warms both processes. Prints each repeat, then min/median/max of the ratio and of
each bot's p50 and p99, and ``e2e ratio: X.XX`` (the median). Under each repeat, what each
bot did as the fake saw it: ``getUpdates`` calls per update and their mean batch, the other
calls, and the connections it opened and held open at once. ``--bare-request bounded`` gives
the bare bot ``kotowari run``'s own Bot API request (a connection pool per request in flight)
instead of python-telegram-bot's default one pool: what is left of the gap is then the rest of
kotowari's work.

``hol``: head of line, full bot only. User B walks plain cases; in the *busy* phases user A
meanwhile asks, in a loop, for ``/stats`` (a chart) and a letter (``/case 1`` → ✉️ → the
letter dialog → PDF); in the *idle* phases A does nothing. Idle and busy alternate
(``--repeat`` pairs) on two bot processes that also take turns: ``process`` (letters and
charts made in a worker process, as ``kotowari run`` does) and ``thread``
(``KOTOWARI_FILE_MAKER=thread``: made in a thread of the bot, as before). Prints B's p99
idle and busy and their ratio for each. With ``--a-history N``, A has N cases before the
run and loops over ``/export``, ``/stats`` and ``/brokers`` instead (the look-backs that
read a long history).

Usage: ``.venv/bin/python scripts/bench_e2e.py [e2e|hol] [--users 20|200] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench import script  # noqa: E402  (the 15-update case of benchmarks.bench)
from fakes import bot_api  # noqa: E402
from fakes.bot_api import BOT_USER, FakeTelegram, token_for  # noqa: E402
from fakes.server import BotApiServer  # noqa: E402
from fakes.users import Person  # noqa: E402
from flows.engine import Engine  # noqa: E402
from flows.store import Store, open_database  # noqa: E402

CONTROL_CHAT = 1  # scripts/bare_bot.py's
FIRST_UID = 500_000_001
QUIET = 0.4  # calibration: a step is complete once its chat has had no call for this long
STALL = 60.0  # seconds without a call for a waiting user: the run is stopped (bounded)
START_TIMEOUT = 60.0
ROUND_TIMEOUT = 600.0
# User A of the head-of-line scenario: a case at step 4 (typed), "they agreed"; then the loop.
A_SETUP = [
    ("text", "/after"),
    ("text", "1"),
    ("text", "1"),
    ("text", "名簿センター"),
    ("text", "みらい不動産"),
    ("text", "skip"),
    ("text", "skip"),
    ("text", "skip"),
    ("text", "skip"),
    ("text", "1"),
    ("tap", "agreed"),
]
A_LOOP = [
    ("text", "/stats"),
    ("text", "/case 1"),
    ("tap", "letter.1"),
    ("tap", "letter_kind.1-b"),
    ("text", "山田太郎"),
    ("text", "東京都千代田区千代田1-1"),
    ("tap", "skip"),
    ("tap", "keep_sender.no"),
]
# With --a-history N: A has N cases already, and loops over the look-backs instead.
A_HISTORY_LOOP = [("text", "/export"), ("text", "/stats"), ("text", "/brokers")]
Call = tuple[str, dict[str, Any]]


# -- simulated users --------------------------------------------------------------------------
@dataclass
class Walker:
    """One user's walk: the steps, what each is expected to cause, what it caused."""

    uid: int
    steps: list[tuple[str, str]]
    expected: list[list[str]] | None  # Bot API methods per step; None: calibrate (quiet)
    repeat_from: int | None = None  # loop from this step until ``stop`` (user A)
    index: int = 0
    sent_at: float = 0.0
    last_call: float = 0.0
    got: list[Call] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    calls: list[list[Call]] = field(default_factory=list)
    mismatches: int = 0
    done: bool = False
    quiet: float = QUIET  # calibration: how long the chat must be quiet after a step
    update_id: int = 0  # of the current step's update, at the fake
    waiting_for_button: bool = False  # user A: the next tap waits for its button

    def want(self) -> list[str] | None:
        if self.expected is None:
            return None
        return self.expected[self.index % len(self.expected)]


class BenchApi(FakeTelegram):
    """The shared fake, plus: each call is given to the user it answers, whose next update
    goes out (from the server thread that recorded the call) once the current one has made
    all its calls."""

    def __init__(self) -> None:
        super().__init__(clock=lambda: int(time.time()))
        self.lock = threading.Lock()
        self.walkers: dict[int, Walker] = {}
        self.people: dict[int, Person] = {}
        self.query_owner: dict[str, int] = {}
        self.keyboards: dict[int, tuple[int, str, list[str]]] = {}
        self.last_round = False  # loopers stop at the end of their loop
        self.finished = threading.Event()
        self.errors: list[str] = []
        self.on_call = self._answered

    # -- the bot's side ---------------------------------------------------------------------
    def _answered(self, call: bot_api.Call) -> None:
        if call.method != "getUpdates":
            at = time.monotonic()
            if call.status == 200:
                self._observe(call.method, call.params, call.result, at)
            else:
                self.errors.append(f"{call.method} answered {call.status}")

    def _observe(self, method: str, params: dict[str, Any], result: Any, at: float) -> None:
        if method == "answerCallbackQuery":
            chat = self.query_owner.get(str(params.get("callback_query_id")))
        elif "chat_id" in params:
            chat = int(params["chat_id"])
        else:
            return  # start-up calls
        if chat is None:
            return
        if method == "sendMessage":
            markup = params.get("reply_markup")
            data = json.loads(markup) if isinstance(markup, str) and markup[:1] == "{" else None
            if isinstance(data, dict) and "inline_keyboard" in data:
                buttons = [b["callback_data"] for row in data["inline_keyboard"] for b in row]
                self.keyboards[chat] = (int(result["message_id"]), str(params["text"]), buttons)
        kept = {k: v for k, v in params.items() if k in ("text", "reply_markup")}
        with self.lock:
            walker = self.walkers.get(chat)
            if walker is None or walker.done:
                if chat == CONTROL_CHAT:
                    self.finished.set()
                return
            if walker.waiting_for_button:
                self.send_step(walker)  # a late reply: perhaps with the awaited button
                return
            walker.got.append((method, kept))
            walker.last_call = at
            want = walker.want()
            if want is not None and len(walker.got) >= len(want):
                if [m for m, _ in walker.got] != want:
                    walker.mismatches += 1
                self._complete(walker)

    def _complete(self, walker: Walker) -> None:
        """The current step has made its calls (holding ``self.lock``): the next goes out."""
        walker.latencies.append(walker.last_call - walker.sent_at)
        walker.calls.append(walker.got)
        walker.got = []
        walker.index += 1
        if walker.index >= len(walker.steps):
            if walker.repeat_from is None or self.last_round:
                walker.done = True
                if all(w.done for w in self.walkers.values() if w.repeat_from is None):
                    self.finished.set()
                return
            walker.index = walker.repeat_from
            walker.steps = walker.steps  # the loop goes round again
        self.send_step(walker)

    # -- the users' side --------------------------------------------------------------------
    def person(self, uid: int) -> Person:
        if uid not in self.people:
            self.people[uid] = Person(uid, "User", "ja", updates=None, clock=self.clock)
        return self.people[uid]

    def send_step(self, walker: Walker) -> None:
        kind, value = walker.steps[walker.index]
        uid = walker.uid
        person = self.person(uid)
        if kind == "text":
            walker.sent_at = time.monotonic()
            walker.update_id = self.enqueue(person.text(value))
            return
        message_id, text, buttons = self.keyboards[uid]
        data = next(
            (d for d in buttons if d == f"k1:{value}" or d.endswith(f".{value}")),
            None,
        )
        if data is None and walker.repeat_from is not None:
            # User A, whose previous step made more calls than calibrated (its reply is
            # still to come): the tap goes out once the button has arrived.
            walker.waiting_for_button = True
            walker.mismatches += 1
            return
        if data is None:
            # Off its script (a step made other calls than calibrated): this user stops; the
            # round reports it.
            self.errors.append(f"user {uid}: no button {value!r} at step {walker.index}")
            walker.done = True
            self.finished.set()
            return
        walker.waiting_for_button = False
        walker.got = []
        shown = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": person.chat,
            "from": BOT_USER,
            "text": text,
        }
        update = person.press(shown, data)
        self.query_owner[update["callback_query"]["id"]] = uid
        walker.sent_at = time.monotonic()
        walker.update_id = self.enqueue(update)

    def run(self, walkers: list[Walker]) -> float:
        """Walk every walker to its end (loopers until the others are done); the seconds
        from the first update to the last call."""
        with self.lock:
            self.last_round = False
            self.finished.clear()
            self.walkers = {w.uid: w for w in walkers}
            started = time.monotonic()
            for walker in walkers:
                self.send_step(walker)
        deadline = started + ROUND_TIMEOUT
        while not self.finished.wait(0.02):
            now = time.monotonic()
            with self.lock:
                for walker in walkers:
                    if walker.done or (not walker.got and now - walker.sent_at < STALL):
                        continue
                    quiet = now - walker.last_call
                    if walker.expected is None and walker.got and quiet >= walker.quiet:
                        self._complete(walker)
                    elif quiet >= STALL and now - walker.sent_at >= STALL:
                        walker.mismatches += 1
                        if walker.repeat_from is None and walker.expected is not None:
                            raise RuntimeError(
                                f"user {walker.uid} stalled at step {walker.index} "
                                f"({walker.steps[walker.index]}): got {walker.got}; its update "
                                f"{walker.update_id} served {self.served.get(walker.update_id)}, "
                                f"confirmed below {self.confirmed}"
                            )
                        self._complete(walker)
            if now > deadline:
                raise RuntimeError("the round did not finish in time")
        with self.lock:
            self.last_round = True
            ended = max(w.last_call for w in walkers if w.repeat_from is None)
            loopers = [w for w in walkers if w.repeat_from is not None]
        for walker in loopers:  # let A's current step end, so the next round starts clean
            limit = time.monotonic() + STALL
            while not walker.done and time.monotonic() < limit:
                time.sleep(0.02)
        return ended - started

    def reload_control(self) -> None:
        """Ask the bare bot to read its plan again, and wait for its answer."""
        with self.lock:
            self.walkers = {}
            self.finished.clear()
        control = Person(CONTROL_CHAT, "Control", None, updates=None, clock=self.clock)
        self.enqueue(control.text("/reload"))
        if not self.finished.wait(30):
            raise RuntimeError("the bare bot did not reload its plan")


# -- processes ---------------------------------------------------------------------------------
class CountingServer(BotApiServer):
    """The fake's server, counting the bot's connections: accepted in all, open now, and the
    most open at once since ``mark()`` (httpcore scans every pooled connection per request)."""

    def __init__(self, api: FakeTelegram) -> None:
        super().__init__(api)
        self.counting = threading.Lock()
        self.accepted = 0
        self.open = 0
        self.most_open = 0

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.counting:
            self.accepted += 1
            self.open += 1
            self.most_open = max(self.most_open, self.open)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.counting:
            self.open -= 1
        super().shutdown_request(request)

    def mark(self) -> tuple[int, int]:
        """Start a round: (connections accepted so far, calls recorded so far)."""
        with self.counting:
            self.most_open = self.open
            return self.accepted, len(self.api.calls_since(0))


@dataclass
class Traffic:
    """What one bot did in one round, from the fake's side."""

    polls: int  # getUpdates calls
    fetched: int  # updates they returned
    calls: int  # other Bot API calls
    accepted: int  # new connections
    most_open: int  # connections open at once, at most

    def line(self, updates: int) -> str:
        return (
            f"{self.polls / updates:.2f} getUpdates per update (mean batch "
            f"{self.fetched / max(1, self.polls):.2f}), {self.calls / updates:.2f} other calls, "
            f"{self.accepted} connections opened, at most {self.most_open} open"
        )


def traffic(server: CountingServer, mark: tuple[int, int]) -> Traffic:
    calls = server.api.calls_since(mark[1])
    polls = [c for c in calls if c.method == "getUpdates"]
    return Traffic(
        polls=len(polls),
        fetched=sum(len(c.result or ()) for c in polls),
        calls=len(calls) - len(polls),
        accepted=server.accepted - mark[0],
        most_open=server.most_open,
    )


@dataclass
class Served:
    name: str
    api: BenchApi
    server: CountingServer
    proc: subprocess.Popen[bytes]
    log: Path


@contextmanager
def served(
    name: str, run: int, command: list[str], env: dict[str, str], workdir: Path
) -> Iterator[Served]:
    """A fake Bot API on a free port of 127.0.0.1 and a bot process polling it; stopped
    (SIGTERM, then SIGKILL after 20 s) and the server closed at the end."""
    api = BenchApi()
    server = CountingServer(api)
    thread = threading.Thread(target=server.serve_forever, name=f"fake-{name}", daemon=True)
    thread.start()
    port = server.server_address[1]
    log = workdir / f"{name}.log"
    full_env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "WEBHOOK_", "KOTOWARI_"))
        },
        **env,
        "TELEGRAM_BOT_TOKEN": token_for(run),
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        limit = time.monotonic() + START_TIMEOUT
        while not any(c.method == "getUpdates" for c in api.calls_since(0)):
            if proc.poll() is not None or time.monotonic() > limit:
                raise RuntimeError(f"{name} did not start polling; see {log}")
            time.sleep(0.05)
        yield Served(name, api, server, proc, log)
    finally:
        api.stop()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        server.shutdown()
        server.server_close()
        warned = [
            line
            for line in log.read_text(errors="replace").splitlines()
            if " WARNING " in line or " ERROR " in line
        ]
        if warned:
            print(
                f"  {name}: {len(warned)} warnings or errors in its log (first: {warned[0][24:]})"
            )


def kotowari_command() -> list[str]:
    return [sys.executable, "-m", "bot.cli", "--env-file", "/dev/null", "run"]


def kotowari_env(db_path: Path, file_maker: str = "process") -> dict[str, str]:
    return {
        "KOTOWARI_DB": str(db_path),
        "KOTOWARI_RATE_LIMIT_CAPS": "off",
        "KOTOWARI_LOG_LEVEL": "WARNING",
        "KOTOWARI_FILE_MAKER": file_maker,
        # Nothing is ever due in this run; the dispatcher's round would only add noise.
        "REMINDER_PERIOD_SECONDS": "3600",
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- figures -----------------------------------------------------------------------------------
def cut(latencies: list[float], q: int) -> float:
    return statistics.quantiles(latencies, n=100, method="inclusive")[q - 1]


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    return (
        f"min {fmt.format(min(values))}, median {fmt.format(statistics.median(values))}, "
        f"max {fmt.format(max(values))}"
    )


def header(argv: list[str]) -> None:
    print("command: .venv/bin/python scripts/bench_e2e.py " + " ".join(argv))
    print(
        f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, python-telegram-bot {version('python-telegram-bot')}, "
        f"httpx {version('httpx')}; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


# -- e2e ---------------------------------------------------------------------------------------
def profiled(command: list[str], profile: Path | None, name: str) -> list[str]:
    """``command`` under cProfile (``--profile DIR``: DIR/NAME.prof, written at SIGTERM)."""
    if profile is None:
        return command
    return [command[0], "-m", "cProfile", "-o", str(profile / f"{name}.prof"), *command[1:]]


def probed(command: list[str], probe: Path | None, name: str) -> list[str]:
    """``command`` under ``scripts/cpu_probe.py`` (``--cpu-probe DIR``: DIR/NAME.json)."""
    if probe is None:
        return command
    return [
        command[0],
        str(ROOT / "scripts" / "cpu_probe.py"),
        str(probe / f"{name}.json"),
        *command[1:],
    ]


def print_probe(probe: Path, updates: dict[str, int]) -> None:
    """What ``scripts/cpu_probe.py`` measured in each bot, per update it was given."""
    print(
        "CPU probe (thread CPU time inside each function, whole run: calibration and control "
        "messages included; per update given to that bot):"
    )
    for name in ("kotowari", "bare"):
        data = json.loads((probe / f"{name}.json").read_text(encoding="utf-8"))
        n = max(1, updates[name])
        sizes = data["pool_sizes"]
        passes = sum(count for _, count in sizes)
        mean = sum(size * count for size, count in sizes) / max(1, passes)
        print(
            f"  {name}: {n} updates; the process's CPU {data['process_cpu'] / n * 1e6:,.0f} µs per "
            f"update; {passes / n:.1f} pool passes per update, {mean:.1f} connections in the pool "
            "at a pass (mean)"
        )
        for label, (calls, seconds) in sorted(data["timers"].items(), key=lambda kv: -kv[1][1]):
            print(
                f"    {label:<40} {seconds / n * 1e6:7.1f} µs per update "
                f"({calls / n:.2f} calls, {seconds / max(1, calls) * 1e6:.1f} µs each)"
            )


def run_e2e(
    users: int,
    repeat: int,
    workdir: Path,
    profile: Path | None = None,
    probe: Path | None = None,
    bare_request: str = "stock",
) -> None:
    plan_path = workdir / "plan.json"
    plan_path.write_text("{}", encoding="utf-8")
    bare_cmd = [sys.executable, str(ROOT / "scripts" / "bare_bot.py"), str(plan_path)]
    if bare_request == "bounded":
        bare_cmd.append("--bounded")
    full_cmd = probed(profiled(kotowari_command(), profile, "kotowari"), probe, "kotowari")
    bare_cmd = probed(profiled(bare_cmd, profile, "bare"), probe, "bare")
    with (
        served("kotowari", 1, full_cmd, kotowari_env(workdir / "e2e.db"), workdir) as full,
        served("bare", 2, bare_cmd, {}, workdir) as bare,
    ):
        steps = script(FIRST_UID)
        calibration = Walker(FIRST_UID, steps, None)
        full.api.run([calibration])
        expected = [[m for m, _ in made] for made in calibration.calls]
        print(
            f"calibration: {len(steps)} updates per case, "
            f"{sum(map(len, expected)) / len(steps):.1f} Bot API calls per update "
            f"({', '.join(str(len(e)) for e in expected)})"
        )

        def replay(walkers: list[Walker]) -> list[Walker]:
            plan = {w.uid: w.calls for w in walkers}
            plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
            bare.api.reload_control()
            return [Walker(w.uid, w.steps, expected) for w in walkers]

        bare.api.run(replay([calibration]))  # the bare bot's warm-up
        ratios, fulls, bares = [], [], []
        cpus: list[tuple[float, float]] = []
        base = FIRST_UID + 1
        previous: list[Walker] = []

        traffics: dict[str, list[Traffic]] = {"kotowari": [], "bare": []}

        def timed(served_bot: Served, walkers: list[Walker]) -> tuple[float, float]:
            cpu0 = cpu_seconds(served_bot.proc.pid)
            mark = served_bot.server.mark()
            elapsed = served_bot.api.run(walkers)
            cpu = cpu_seconds(served_bot.proc.pid) - cpu0
            traffics[served_bot.name].append(traffic(served_bot.server, mark))
            return elapsed, cpu

        for r in range(repeat):
            uids = range(base + r * users, base + (r + 1) * users)
            walkers = [Walker(uid, script(uid), expected) for uid in uids]
            if r % 2 == 1:
                # Every other repeat the bare bot goes first, replaying the previous round's
                # users again (it stores nothing, so they are new to it): a bot that always
                # ran second would take any drift of the machine within a repeat as its own.
                replayers = replay(previous)
                bare_time, bare_cpu = timed(bare, replayers)
                full_time, full_cpu = timed(full, walkers)
            else:
                full_time, full_cpu = timed(full, walkers)
                replayers = replay(walkers)
                bare_time, bare_cpu = timed(bare, replayers)
            previous = walkers
            n = users * len(steps)
            full_lat = [x for w in walkers for x in w.latencies]
            bare_lat = [x for w in replayers for x in w.latencies]
            bad = sum(w.mismatches for w in walkers + replayers)
            if full.api.errors or bare.api.errors:
                raise RuntimeError(f"off script: {(full.api.errors + bare.api.errors)[:3]}")
            f_rate, b_rate = n / full_time, n / bare_time
            ratios.append(f_rate / b_rate)
            cpus.append((full_cpu / n, bare_cpu / n))
            fulls.append((cut(full_lat, 50), cut(full_lat, 99)))
            bares.append((cut(bare_lat, 50), cut(bare_lat, 99)))
            print(
                f"  repeat {r + 1}: kotowari {f_rate:,.0f} updates/s, p50 {fulls[-1][0] * 1e3:.2f} ms, "
                f"p99 {fulls[-1][1] * 1e3:.2f} ms | bare {b_rate:,.0f} updates/s, "
                f"p50 {bares[-1][0] * 1e3:.2f} ms, p99 {bares[-1][1] * 1e3:.2f} ms | "
                f"ratio {ratios[-1]:.2f}; CPU per update {cpus[-1][0] * 1e3:.2f} / "
                f"{cpus[-1][1] * 1e3:.2f} ms" + (f" ({bad} steps off script)" if bad else "")
            )
            for name in ("kotowari", "bare"):
                print(f"    {name:<8}: {traffics[name][-1].line(n)}")
        errors = full.api.errors + bare.api.errors
        given = {
            b.name: sum(
                len(c.result or ()) for c in b.api.calls_since(0) if c.method == "getUpdates"
            )
            for b in (full, bare)
        }
    if probe is not None:
        print_probe(probe, given)  # written when the bots stopped, at the end of the block
    ms = "{:.2f} ms"
    print(
        f"e2e: {users} users at once, {users * len(steps)} updates per round, {repeat} rounds each"
    )
    print(f"  kotowari p50: {spread([f[0] * 1e3 for f in fulls], ms)}")
    print(f"  kotowari p99: {spread([f[1] * 1e3 for f in fulls], ms)}")
    print(f"  bare     p50: {spread([b[0] * 1e3 for b in bares], ms)}")
    print(f"  bare     p99: {spread([b[1] * 1e3 for b in bares], ms)}")
    p50r = [f[0] / b[0] for f, b in zip(fulls, bares, strict=True)]
    p99r = [f[1] / b[1] for f, b in zip(fulls, bares, strict=True)]
    print(f"  p50 kotowari/bare: {spread(p50r)}; p99 kotowari/bare: {spread(p99r)}")
    print(f"  updates/s ratio: {spread(ratios)}")
    print(
        "  CPU time per update (the bot process, user + system): kotowari "
        f"{spread([c[0] * 1e3 for c in cpus], ms)}; bare {spread([c[1] * 1e3 for c in cpus], ms)}"
    )
    if errors:
        print(f"  Bot API errors: {len(errors)} (first: {errors[0]})")
    print(f"e2e ratio: {statistics.median(ratios):.2f}")


# -- head of line ------------------------------------------------------------------------------
def run_hol(steps_b: int, repeat: int, workdir: Path, a_history: int = 0) -> None:
    cases = max(1, steps_b // len(script(0)))
    results: dict[str, list[tuple[float, float]]] = {"process": [], "thread": []}
    letters: dict[str, int] = {"process": 0, "thread": 0}
    a_loop = A_HISTORY_LOOP if a_history else A_LOOP
    if a_history:
        for name in ("hol-p.db", "hol-t.db"):
            history(workdir / name, FIRST_UID, a_history)
    with (
        served(
            "hol-process", 3, kotowari_command(), kotowari_env(workdir / "hol-p.db"), workdir
        ) as proc_bot,
        served(
            "hol-thread",
            4,
            kotowari_command(),
            kotowari_env(workdir / "hol-t.db", "thread"),
            workdir,
        ) as thread_bot,
    ):
        bots = {"process": proc_bot, "thread": thread_bot}
        expected_b: list[list[str]] = []
        expected_a: list[list[str]] = []
        a_uid, b_first = FIRST_UID, FIRST_UID + 1
        for bot in bots.values():
            # Quiet for longer: the first chart and letter of a process take a while.
            setup = Walker(a_uid, A_SETUP + a_loop, None, quiet=3.0)
            bot.api.run([setup])  # A's case, and one round of A's loop (warms the files)
            expected_a = [[m for m, _ in made] for made in setup.calls[len(A_SETUP) :]]
            calib = Walker(b_first, script(b_first), None)
            bot.api.run([calib])
            expected_b = [[m for m, _ in made] for made in calib.calls]
        print(
            "calibration: A's loop makes "
            + ", ".join(
                f"{step[1]} → {'+'.join(e)}" for step, e in zip(a_loop, expected_a, strict=True)
            )
        )
        next_b = b_first + 1
        for r in range(repeat):
            for name, bot in bots.items():
                idle = Walker(next_b, b_walk(next_b, cases), expected_b * cases)
                bot.api.run([idle])
                busy = Walker(next_b + 1, b_walk(next_b + 1, cases), expected_b * cases)
                a = Walker(a_uid, list(a_loop), expected_a, repeat_from=0)
                # A starts first and is busy for the whole of B's walk.
                with bot.api.lock:
                    bot.api.walkers = {a_uid: a}
                    bot.api.last_round = False  # the idle phase ended with its last round
                    bot.api.send_step(a)
                time.sleep(0.3)
                looped = run_with_looper(bot.api, busy, a)
                letters[name] += looped.files
                next_b += 2
                if bot.api.errors or busy.done is False or busy.mismatches or idle.mismatches:
                    raise RuntimeError(f"{name}: off script: {bot.api.errors[:3]}")
                p_idle, p_busy = cut(idle.latencies, 99), cut(busy.latencies, 99)
                results[name].append((p_idle, p_busy))
                print(
                    f"  repeat {r + 1} {name:>7}: B p99 idle {p_idle * 1e3:.2f} ms, busy "
                    f"{p_busy * 1e3:.2f} ms (p50 {cut(idle.latencies, 50) * 1e3:.2f} / "
                    f"{cut(busy.latencies, 50) * 1e3:.2f} ms, max {max(busy.latencies) * 1e3:.1f} ms); "
                    f"ratio {p_busy / p_idle:.2f}; A made {looped.files} files meanwhile, "
                    f"quiet {looped.quiet:.1f} s at most"
                    + (f" ({looped.stuck})" if looped.stuck else "")
                )
    ms = "{:.2f} ms"
    doing = (
        f"{a_history} cases before, then {', '.join(v for _, v in a_loop)}"
        if a_history
        else "/stats and a letter"
    )
    print(
        f"hol: B walks {cases} cases ({cases * len(script(0))} updates) per phase; A: {doing}, in a loop"
    )
    for name, rows in results.items():
        maker = "a worker process" if name == "process" else "a thread of the bot"
        print(f"  files made in {maker} ({name}):")
        print(f"    B p99, A idle: {spread([i * 1e3 for i, _ in rows], ms)}")
        print(f"    B p99, A busy: {spread([b * 1e3 for _, b in rows], ms)}")
        print(f"    busy/idle:     {spread([b / i for i, b in rows])}")
    ratios = [b / i for i, b in results["process"]]
    print(f"hol ratio: {statistics.median(ratios):.2f}")


def history(db_path: Path, uid: int, cases: int) -> None:
    """User A's earlier cases, stored before the bot starts (``scripts/heavy_user.py``)."""
    from heavy_user import build  # this script's folder is on sys.path

    store = Store(open_database(db_path))
    try:
        build(Engine(store), cases, uid, first_update=None)  # the fake numbers the updates
    finally:
        store.close()


def b_walk(uid: int, cases: int) -> list[tuple[str, str]]:
    """User B's cases, one after another, each with another broker, company and number (the
    same company again would be a repeat call, a longer walk)."""
    return [step for k in range(cases) for step in script(uid % 100_000 * 100 + k)]


@dataclass
class Looped:
    """What user A did during B's walk: the files it got, and its longest silence."""

    files: int
    quiet: float  # seconds: A's longest wait for a call while B walked
    stuck: str  # where A was waiting at the start of that silence, if it was over A_QUIET


A_QUIET = 2.0  # seconds: A, busy by design, waited longer than this for a call: say where


def run_with_looper(api: BenchApi, walker: Walker, looper: Walker) -> Looped:
    """B's walk while A (already started) loops; the files A received meanwhile, and how
    long A was quiet at most (a repeat where A waited for most of B's walk measured B alone)."""
    before = sum(1 for c in api.calls_since(0) if c.method in ("sendDocument", "sendPhoto"))
    with api.lock:
        api.walkers[walker.uid] = walker
        api.finished.clear()
        api.last_round = False
        api.send_step(walker)
    limit = time.monotonic() + ROUND_TIMEOUT
    quiet, stuck = 0.0, ""
    while not api.finished.wait(0.05):
        now = time.monotonic()
        with api.lock:
            waited = now - max(looper.sent_at, looper.last_call)
            if waited > quiet and not looper.done:
                quiet = waited
                if waited > A_QUIET and not stuck:
                    got = "+".join(m for m, _ in looper.got) or "nothing"
                    stuck = (
                        f"A at step {looper.index} {looper.steps[looper.index]}, wanting "
                        f"{'+'.join(looper.want() or [])}, got {got}; its update "
                        f"{looper.update_id} served {api.served.get(looper.update_id)}"
                    )
            if looper.got and now - looper.last_call >= STALL:
                looper.mismatches += 1
                api._complete(looper)  # fewer calls than calibrated: go on after a pause
            if not walker.done and now - max(walker.sent_at, walker.last_call) >= STALL:
                raise RuntimeError(f"user B stalled at step {walker.index}: got {walker.got}")
        if now > limit:
            raise RuntimeError("the head-of-line round did not finish in time")
    with api.lock:
        api.last_round = True
    # A finishes its loop first: a letter dialog left half-way would take the next phase's
    # /stats as the sender's name.
    limit = time.monotonic() + 3 * STALL
    while not looper.done and time.monotonic() < limit:
        time.sleep(0.02)
    files = sum(1 for c in api.calls_since(0) if c.method in ("sendDocument", "sendPhoto"))
    return Looped(files - before, quiet, stuck)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?", choices=("e2e", "hol"), default="e2e")
    parser.add_argument("--users", type=int, default=20, help="e2e: users at once (20 or 200)")
    parser.add_argument(
        "--repeat", type=int, default=5, help="rounds (e2e) or idle/busy pairs (hol)"
    )
    parser.add_argument("--steps", type=int, default=600, help="hol: B's updates per phase")
    parser.add_argument(
        "--a-history",
        type=int,
        default=0,
        help="hol: user A has this many cases already and loops over /export, /stats, /brokers",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the work folder (logs, databases)"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="e2e: both bots under cProfile, into DIR/kotowari.prof and DIR/bare.prof",
    )
    parser.add_argument(
        "--cpu-probe",
        type=Path,
        help="e2e: both bots under scripts/cpu_probe.py, into DIR/kotowari.json and DIR/bare.json",
    )
    parser.add_argument(
        "--bare-request",
        choices=("stock", "bounded"),
        default="stock",
        help="e2e: the bare bot's Bot API request: python-telegram-bot's default (stock) or "
        "kotowari's own (bounded)",
    )
    args = parser.parse_args(argv)
    if (
        not 1 <= args.users <= 5000
        or not 1 <= args.repeat <= 100
        or not 15 <= args.steps <= 100_000
    ):
        parser.error("--users 1..5000, --repeat 1..100, --steps 15..100000")
    header(argv)
    workdir = Path(tempfile.mkdtemp(prefix="kotowari-e2e-"))
    try:
        if args.scenario == "e2e":
            if args.profile:
                args.profile.mkdir(parents=True, exist_ok=True)
            if args.cpu_probe:
                args.cpu_probe.mkdir(parents=True, exist_ok=True)
            run_e2e(
                args.users, args.repeat, workdir, args.profile, args.cpu_probe, args.bare_request
            )
        else:
            run_hol(args.steps, args.repeat, workdir, args.a_history)
    except RuntimeError as error:
        print(f"bench_e2e: {error}; logs in {workdir}", file=sys.stderr)
        return 1
    if args.keep:
        print(f"work folder: {workdir}")
    else:
        for path in sorted(workdir.iterdir()):
            path.unlink()
        workdir.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
