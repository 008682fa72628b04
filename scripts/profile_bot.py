"""Where the full bot's time goes: the numbers behind BENCHMARKS.md's profile section.

    python scripts/profile_bot.py [--users 300]

1. cProfile around the full bot (``benchmarks.bench.run_full_bot``): own time per update, summed by
   package (python-telegram-bot, ours, SQLite, transitions, the rest), and our costliest
   functions. cProfile slows Python code more than C code, so read the shares as rough.
2. Every SQL statement of the core scenario (``Engine.handle`` alone) timed through a proxy
   around the connection: count and µs per statement kind.
3. Where one update's wall-clock time goes in the full bot, with no profiler: the time in
   ``Engine.handle``, in rendering, and in each Bot API call (which the baseline bot makes
   too), each measured by a clock around that call.
4. The same inside ``Engine.handle`` (the core scenario): each part of a step by a clock
   around it (inclusive: a part's callees are in its time), and what is left for the
   transaction (BEGIN, the buffered user row, COMMIT). This is the ceiling of each lever:
   memoising step replies saves at most what rendering costs.

Not a benchmark (profiling distorts absolute times); ``python -m benchmarks.bench`` measures.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import functools
import pstats
import sqlite3
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import bench  # noqa: E402
from bot import telegram_app  # noqa: E402
from flows import store  # noqa: E402
from flows.engine import Engine  # noqa: E402


def package(filename: str, function: str) -> str:
    if "/benchmarks/" in filename or "/fakes/" in filename:
        return "harness"
    # Before "ours": a virtual environment may live inside the project (.venv).
    if "site-packages" not in filename and filename.startswith(str(ROOT)):
        return "ours"
    if "/telegram/" in filename:
        return "python-telegram-bot"
    if "/transitions/" in filename:
        return "transitions"
    if "sqlite3" in function or "sqlite_utils" in filename:
        return "sqlite"
    return "rest (stdlib, builtins)"


def profile_full_bot(users: int) -> None:
    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory() as tmp:
        profiler.enable()
        latencies, _, _ = asyncio.run(bench.run_full_bot(Path(tmp) / "bot.db", users))
        profiler.disable()
    updates = len(latencies)
    stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    shares: Counter[str] = Counter()
    ours = []
    for (filename, line, function), (_, calls, own, _, _) in stats.items():
        kind = package(filename, function)
        shares[kind] += own
        if kind == "ours":
            ours.append((own, calls, f"{Path(filename).relative_to(ROOT)}:{line} {function}"))
    measured = sum(v for k, v in shares.items() if k != "harness")
    print(f"full bot, {users} users, {updates} updates under cProfile: own time by package")
    for kind, own in shares.most_common():
        if kind != "harness":
            print(f"  {kind:26} {own / updates * 1e6:7.1f} µs/update  {own / measured:5.1%}")
    print("  our costliest functions (own time):")
    for own, calls, where in sorted(ours, reverse=True)[:12]:
        print(
            f"    {own / updates * 1e6:6.1f} µs/update {own / measured:5.1%}  "
            f"{calls / updates:4.1f} calls/update  {where}"
        )


class TimedConnection:
    """Passes everything to the connection; times ``execute`` by statement kind."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.count: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        started = time.perf_counter()
        try:
            return self._conn.execute(sql, *args)
        finally:
            kind = " ".join(sql.split()[:3])
            self.seconds[kind] += time.perf_counter() - started
            self.count[kind] += 1


def time_core_sql(users: int) -> None:
    proxies: list[TimedConnection] = []
    real_init = store.Store.__init__

    def timed_init(self: store.Store, db: Any, *args: Any, **kwargs: Any) -> None:
        db.conn = TimedConnection(db.conn)
        proxies.append(db.conn)
        real_init(self, db, *args, **kwargs)

    store.Store.__init__ = timed_init  # type: ignore[method-assign]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            bench.run_core(users, Path(tmp))
    finally:
        store.Store.__init__ = real_init  # type: ignore[method-assign]
    proxy = proxies[0]
    steps = users * len(bench.script(1))
    print(f"core, {users} users, {steps} steps: SQL statements (timed through a proxy)")
    for kind, seconds in sorted(proxy.seconds.items(), key=lambda item: -item[1])[:10]:
        count = proxy.count[kind]
        print(
            f"  {kind[:32]:32} {count / steps:5.2f}/step  {seconds / count * 1e6:6.1f} µs each  "
            f"{seconds / steps * 1e6:6.1f} µs/step"
        )
    print(f"  all statements: {sum(proxy.seconds.values()) / steps * 1e6:.1f} µs/step")


class Stopwatch:
    """Seconds spent inside chosen functions, summed by label."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.count: Counter[str] = Counter()
        self._undo: list[tuple[Any, str, Any]] = []
        self.labels: list[tuple[Any, str, str]] = []  # in the order wrapped

    def _add(self, label: str, started: float) -> None:
        self.seconds[label] += time.perf_counter() - started
        self.count[label] += 1

    def wrap(self, owner: Any, name: str, label: str) -> None:
        real = getattr(owner, name)
        if asyncio.iscoroutinefunction(real):

            @functools.wraps(real)
            async def timed(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await real(*args, **kwargs)
                finally:
                    self._add(label, started)

        else:

            @functools.wraps(real)
            def timed(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return real(*args, **kwargs)
                finally:
                    self._add(label, started)

        self._undo.append((owner, name, real))
        self.labels.append((owner, name, label))
        setattr(owner, name, timed)

    def restore(self) -> None:
        for owner, name, real in reversed(self._undo):
            setattr(owner, name, real)
        self._undo.clear()


def wall_clock_breakdown(users: int) -> None:
    from telegram.ext import ExtBot

    watch = Stopwatch()
    watch.wrap(Engine, "handle", "ours: Engine.handle (with its SQL)")
    # Looked up in the module at call time, so wrapping the module attribute times them.
    watch.wrap(telegram_app, "outgoing_messages", "ours: rendering (text and keyboards)")
    watch.wrap(telegram_app, "chosen_text", "ours: marking the pressed message")
    for method in ("send_message", "edit_message_text", "answer_callback_query"):
        watch.wrap(ExtBot, method, f"Bot API: {method}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(bench.run_full_bot(Path(tmp) / "warm.db", 50))  # imports, caches
            watch.seconds.clear()
            watch.count.clear()
            latencies, _, _ = asyncio.run(bench.run_full_bot(Path(tmp) / "bot.db", users))
    finally:
        watch.restore()
    updates = len(latencies)
    total = sum(latencies)
    print(f"full bot, {users} users, {updates} updates: wall clock per update, no profiler")
    print(f"  {'process_update, in all':36} {total / updates * 1e6:7.1f} µs/update")
    for label, seconds in sorted(watch.seconds.items(), key=lambda item: -item[1]):
        print(
            f"  {label:36} {seconds / updates * 1e6:7.1f} µs/update  "
            f"{watch.count[label] / updates:4.2f} calls/update"
        )
    rest = total - sum(watch.seconds.values())
    print(f"  {'the rest (dispatch, adapter, locks)':36} {rest / updates * 1e6:7.1f} µs/update")


def engine_breakdown(users: int) -> None:
    from flows import engine, machine, stepping

    watch = Stopwatch()
    watch.wrap(Engine, "handle", "Engine.handle, in all")
    watch.wrap(Engine, "_begin", "  the user and the case read (_begin)")
    watch.wrap(Engine, "_seen_before", "  the update id checked and recorded")
    watch.wrap(engine, "_route", "  routing and the step (_route)")
    watch.wrap(machine, "fire", "    the transitions event")
    watch.wrap(stepping, "render_step", "    rendering the step")
    watch.wrap(store.Store, "save_case", "    writing the case")
    watch.wrap(store.Store, "add_event", "    writing the step's event")
    watch.wrap(stepping, "_follow_up", "    reminders set or settled")
    watch.wrap(stepping, "_detect_repeat", "    the repeat-caller check")
    watch.wrap(Engine, "_remember_shown", "  the step shown, noted")
    # The parts directly inside Engine.handle; the rest of it is its transaction.
    top_level = [
        "  the user and the case read (_begin)",
        "  the update id checked and recorded",
        "  routing and the step (_route)",
        "  the step shown, noted",
    ]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            bench.run_core(50, Path(tmp))  # imports, caches
        watch.seconds.clear()
        watch.count.clear()
        with tempfile.TemporaryDirectory() as tmp:
            bench.run_core(users, Path(tmp))
    finally:
        watch.restore()
    steps = watch.count["Engine.handle, in all"]
    print(f"core, {users} users, {steps} steps: inside Engine.handle, wall clock, no profiler")
    for label in [label for _, _, label in watch.labels]:
        seconds = watch.seconds[label]
        print(
            f"  {label:44} {seconds / steps * 1e6:6.1f} µs/step  "
            f"{watch.count[label] / steps:4.2f} calls/step"
        )
    inner = sum(seconds for label, seconds in watch.seconds.items() if label in top_level)
    rest = watch.seconds["Engine.handle, in all"] - inner
    label = "  the transaction (BEGIN, user row, COMMIT)"
    print(f"  {label:44} {rest / steps * 1e6:6.1f} µs/step")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    args = parser.parse_args()
    profile_full_bot(args.users)
    time_core_sql(args.users)
    wall_clock_breakdown(args.users)
    engine_breakdown(args.users)


if __name__ == "__main__":
    main()
