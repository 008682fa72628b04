"""Where the reminder dispatcher holds the event loop: each stretch over 5 ms of CPU.

    python scripts/loop_gaps.py COUNT BATCH

Seeds COUNT due reminders, runs the dispatcher under ``benchmarks.bench.LoopWatch`` and prints
every stretch (the work between two turns of the watcher) over 5 ms of this thread's CPU
time, with the watcher's turn number: stretches on batch boundaries (turns 1, BATCH + 1 …)
are the batch's select and rendering; others are collections or the machine.

Each stretch also lists the garbage collections inside it (``gc.callbacks``: generation and
CPU ms), and the run ends with every collection's count and longest time per generation, and
what the oldest generation holds afterwards by type: whether a long stretch is the collector,
and whether what it scans is the bot's or the harness's.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import bench  # noqa: E402


def main(count: int, batch: int) -> None:
    path = Path(tempfile.mkdtemp()) / "reminders.db"
    bench.seed(path, count, bench.NOW - timedelta(minutes=1))
    stretches: list[tuple[int, float, list[tuple[int, float]]]] = []
    turns = 0
    noted = bench.LoopWatch._turn
    collections: list[tuple[int, float]] = []  # since the watcher's last turn
    per_generation: dict[int, list[float]] = {0: [], 1: [], 2: []}
    watching = False
    started_cpu = 0.0

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        nonlocal started_cpu
        if phase == "start":
            started_cpu = time.thread_time()
        elif watching:
            ms = round((time.thread_time() - started_cpu) * 1000, 2)
            collections.append((info["generation"], ms))
            per_generation[info["generation"]].append(ms)

    def turn(watch: bench.LoopWatch) -> None:
        nonlocal turns, watching
        turns += 1
        watching = True  # post_init's own gc.collect() (before the freeze) is not counted
        cpu = time.thread_time() - watch._last_cpu
        if cpu > 0.005:
            stretches.append((turns, round(cpu * 1000, 1), list(collections)))
        collections.clear()
        noted(watch)

    bench.LoopWatch._turn = turn  # type: ignore[method-assign]
    gc.callbacks.append(on_gc)
    _, sent, _, held = asyncio.run(bench._dispatch_all(path, batch))
    gc.callbacks.remove(on_gc)
    print(
        f"sent {sent}; held {held.longest * 1000:.1f} cpu {held.longest_cpu * 1000:.1f}; "
        f"cpu stretches > 5 ms (turn, ms, collections in it): {stretches[:30]}"
    )
    print(
        "collections during the round (generation: count, longest CPU ms): "
        + ", ".join(
            f"{generation}: {len(times)}, {max(times, default=0.0):.2f}"
            for generation, times in per_generation.items()
        )
    )
    oldest = Counter(type(o).__qualname__ for o in gc.get_objects(2))
    print(
        f"after the round: {gc.get_freeze_count():,} objects frozen; the oldest generation "
        f"holds {sum(oldest.values()):,}, most by type: {oldest.most_common(8)}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
