"""``kotowari bench``: measured numbers for BENCHMARKS.md (never run as part of the tests).

Scenario ``reminders``: the time to find, send (to an in-process fake Bot API, with
Telegram's own rate limits switched off so the bot's cost is what is measured) and mark N
due reminders; and the bot's start-up time with 1k, 10k and 100k stored cases and reminders,
which must not grow (start-up reads no cases or reminders).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram.ext import AIORateLimiter

from bot.config import Settings
from bot.fake_api import CountingBotApi
from bot.telegram_app import build_application, dispatch_reminders
from flows.store import CASES, REMINDERS, USERS, open_database

TOKEN = "123456:BENCHMARKTOKENBENCHMARKTOKENBENCHMARK"
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Wednesday 12:00 in Tokyo: not quiet hours


def seed(db_path: Path, count: int, due: datetime) -> None:
    """``count`` users, each with one case waiting for a broker call and a due reminder."""
    db = open_database(db_path)
    stamp = (due - timedelta(days=1)).isoformat()
    chunk = 10_000
    with db.atomic():
        for start in range(1, count + 1, chunk):
            ids = range(start, min(start + chunk, count + 1))
            db.table(USERS).insert_all(
                {
                    "id": i,
                    "language": "ja",
                    "time_zone": "Asia/Tokyo",
                    "created_at": stamp,
                    "active": 1,
                    "quiet_hours": "21-8",
                }
                for i in ids
            )
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
                }
                for i in ids
            )
    db.close()


def _application(db_path: Path, api: CountingBotApi, clock_now: datetime):  # type: ignore[no-untyped-def]
    return build_application(
        Settings(db_path=db_path, telegram_token=TOKEN),
        db_path,
        request=api,
        get_updates_request=CountingBotApi(),
        rate_limiter=AIORateLimiter(overall_max_rate=0, group_max_rate=0),
        clock=lambda: clock_now,
    )


async def _dispatch_all(db_path: Path, batch: int) -> tuple[float, int, int]:
    api = CountingBotApi()
    app = _application(db_path, api, NOW)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        started = time.perf_counter()
        sent = await dispatch_reminders(app, batch)
        elapsed = time.perf_counter() - started
        await app.post_shutdown(app)  # type: ignore[misc]
    return elapsed, sent, api.calls["sendMessage"]


async def _startup(db_path: Path) -> float:
    app = _application(db_path, CountingBotApi(), NOW)
    started = time.perf_counter()
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        elapsed = time.perf_counter() - started
        await app.post_shutdown(app)  # type: ignore[misc]
    return elapsed


def run_reminders(count: int, batch: int, workdir: Path) -> list[str]:
    lines = []
    db_path = workdir / f"reminders-{count}.db"
    seed(db_path, count, NOW - timedelta(minutes=1))
    elapsed, sent, calls = asyncio.run(_dispatch_all(db_path, batch))
    db = open_database(db_path)
    marked = db.execute(f"select count(*) from {REMINDERS} where status = 'sent'").fetchone()[0]
    db.close()
    lines.append(
        f"reminders: {count} due; sent {sent} ({calls} sendMessage calls), marked {marked}, "
        f"in {elapsed:.1f} s = {sent / elapsed:,.0f}/s, {elapsed / max(sent, 1) * 1e6:,.0f} µs each "
        f"(batch {batch})"
    )
    for stored in (1_000, 10_000, 100_000):
        path = workdir / f"startup-{stored}.db"
        seed(path, stored, NOW + timedelta(days=30))
        runs = sorted(asyncio.run(_startup(path)) for _ in range(5))
        lines.append(
            f"start-up with {stored:>7,} stored cases and reminders: "
            f"median {runs[2] * 1000:.1f} ms (min {runs[0] * 1000:.1f}, max {runs[-1] * 1000:.1f})"
        )
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kotowari bench")
    parser.add_argument("scenario", choices=["reminders"])
    parser.add_argument("--count", type=int, default=100_000, help="due reminders to send")
    parser.add_argument("--batch", type=int, default=100, help="dispatcher batch size")
    parser.add_argument("--workdir", type=Path, help="where to build the databases (temporary)")
    args = parser.parse_args(argv)
    print(f"command: kotowari bench {' '.join(argv)}")
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}")
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        for line in run_reminders(args.count, args.batch, Path(tmp)):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
