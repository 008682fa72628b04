#!/usr/bin/env python3
"""What a dispatcher's batch costs when rows it must not send lie ahead of its own.

    python scripts/due_scan.py [COUNT]

Seeds COUNT due reminders of Telegram users (``benchmarks.bench.seed``) and times one batch
of 25 (``Store.due_reminders``, the dispatchers' query; median and max of 15) for: Telegram
with all of them its own; LINE, with none of them its own; Telegram again after all but the
last 100 users blocked the bot (their reminders wait until they write again, due first).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import bench  # noqa: E402
from flows.store import LINE, TELEGRAM, Store, open_database  # noqa: E402


def main(count: int) -> None:
    path = Path(tempfile.mkdtemp()) / "due.db"
    bench.seed(path, count, bench.NOW - timedelta(minutes=1))
    store = Store(open_database(path), clock=lambda: bench.NOW)

    def batch(label: str, channel: str) -> None:
        times, rows = [], []
        for _ in range(15):
            started = time.perf_counter()
            rows = store.due_reminders(bench.NOW, 25, channel=channel)
            times.append(time.perf_counter() - started)
        print(
            f"{label}: median {statistics.median(times) * 1000:.2f} ms, "
            f"max {max(times) * 1000:.2f} ms ({len(rows)} rows)"
        )

    batch(f"Telegram, {count:,} due, all its own", TELEGRAM)
    batch(f"LINE, {count:,} Telegram reminders due, none its own", LINE)
    store.conn.execute("update users set active = 0 where id <= ?", [count - 100])
    batch(f"Telegram, {count - 100:,} of the {count:,} due users blocked", TELEGRAM)
    store.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
