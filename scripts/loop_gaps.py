"""Where the reminder dispatcher holds the event loop: each stretch over 5 ms of CPU.

    python scripts/loop_gaps.py COUNT BATCH

Seeds COUNT due reminders, runs the dispatcher under ``benchmarks.bench.LoopWatch`` and prints
every stretch (the work between two turns of the watcher) over 5 ms of this thread's CPU
time, with the watcher's turn number: stretches on batch boundaries (turns 1, BATCH + 1 …)
are the batch's select and rendering; others are collections or the machine.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import bench  # noqa: E402


def main(count: int, batch: int) -> None:
    path = Path(tempfile.mkdtemp()) / "reminders.db"
    bench.seed(path, count, bench.NOW - timedelta(minutes=1))
    stretches: list[tuple[int, float]] = []
    turns = 0
    noted = bench.LoopWatch._turn

    def turn(watch: bench.LoopWatch) -> None:
        nonlocal turns
        turns += 1
        cpu = time.thread_time() - watch._last_cpu
        if cpu > 0.005:
            stretches.append((turns, round(cpu * 1000, 1)))
        noted(watch)

    bench.LoopWatch._turn = turn  # type: ignore[method-assign]
    _, sent, _, held = asyncio.run(bench._dispatch_all(path, batch))
    print(
        f"sent {sent}; held {held.longest * 1000:.1f} cpu {held.longest_cpu * 1000:.1f}; "
        f"cpu stretches > 5 ms (turn, ms): {stretches[:30]}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
