#!/usr/bin/env python3
"""A control for the loop-stretch benchmarks: how long the machine makes fixed work take.

    python scripts/cpu_control.py COUNT

Runs the same small piece of pure-Python arithmetic (no I/O, nothing allocated that lives)
COUNT times and prints the median, the 99.99th percentile and the longest piece, in this
thread's CPU time and in wall-clock time. Whatever the longest piece adds to the median is
the shared machine's (another tenant on the core, caches, frequency), not the code's: a
stretch of the reminder round that goes past the round's usual ones by much more than that
is worth tracing; one within it is not.
"""

from __future__ import annotations

import statistics
import sys
import time


def piece(n: int = 2000) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def main(count: int) -> None:
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(count):
        started, started_cpu = time.perf_counter(), time.thread_time()
        piece()
        cpu.append(time.thread_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    for name, times in (("cpu", cpu), ("wall", wall)):
        ordered = sorted(times)
        print(
            f"{name}: median {statistics.median(ordered) * 1e6:.0f} µs, "
            f"p99.99 {ordered[int(len(ordered) * 0.9999)] * 1e3:.2f} ms, "
            f"max {ordered[-1] * 1e3:.2f} ms; pieces over 5 ms: "
            f"{sum(t > 0.005 for t in ordered)}, over 10 ms: {sum(t > 0.010 for t in ordered)} "
            f"(of {len(ordered)})"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]))
