"""What the full bot's slow commits waited for: the core, or the disk.

    python scripts/commit_waits.py USERS

Runs USERS whole cases through the full bot (checkpointing between turns, as the bench does)
with ``getrusage(RUSAGE_THREAD)`` around each COMMIT, and prints those over 5 ms: wall and CPU
milliseconds, voluntary context switches (blocked, e.g. on I/O), involuntary ones (the core
given to another process), blocks read and written.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import bench  # noqa: E402


class TimedCommits:
    """The bot's connection, with each COMMIT measured."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self.count = 0
        self.slow: list[tuple[float, float, int, int, int, int]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def execute(self, sql: str, *args: Any) -> Any:
        if sql != "COMMIT":
            return self._conn.execute(sql, *args)
        before, started = resource.getrusage(resource.RUSAGE_THREAD), time.perf_counter()
        result = self._conn.execute(sql, *args)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_THREAD)
        self.count += 1
        if wall > 0.005:
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
            self.slow.append(
                (
                    round(wall * 1000, 1),
                    round(cpu * 1000, 2),
                    after.ru_nvcsw - before.ru_nvcsw,
                    after.ru_nivcsw - before.ru_nivcsw,
                    after.ru_inblock - before.ru_inblock,
                    after.ru_oublock - before.ru_oublock,
                )
            )
        return result


async def run(users: int) -> None:
    async with bench.FullBot(Path(tempfile.mkdtemp()) / "bot.db") as bot:
        engine = bot.app.bot_data.engine
        assert engine is not None
        timed = TimedCommits(engine.store.conn)
        engine.store.conn = timed  # type: ignore[assignment]
        for first in range(1, users + 1, 20):
            await bot.cases(range(first, min(first + 20, users + 1)))
            bot.checkpoint()
    print(
        f"commits {timed.count}; slow (wall ms, cpu ms, voluntary switches, involuntary, "
        f"in-blocks, out-blocks): {timed.slow}"
    )


if __name__ == "__main__":
    asyncio.run(run(int(sys.argv[1])))
