#!/usr/bin/env python3
"""Run a bot process with CPU timers around the functions that matter over sockets.

    python scripts/cpu_probe.py OUT.json -m bot.cli … run       # kotowari run
    python scripts/cpu_probe.py OUT.json scripts/bare_bot.py PLAN.json

For ``scripts/bench_e2e.py --cpu-probe DIR`` (which reads OUT.json back and prints it per
update): each timed function's calls and thread CPU time spent inside it (``time.thread_time``
around the call: its own work and its callees', on the thread that runs it; no profiler, so
Python code is not slowed down the way cProfile slows it). Timed in both bots: httpcore's
connection-pool pass (``AsyncConnectionPool._assign_requests_to_connections``, run when a
request enters the pool and when its response is closed; it scans every pooled connection),
with the number of connections in the pool at each pass. In ``kotowari run`` also: the inbox
(storing a batch, reading an update back, deleting handled ones when idle: otherwise the next
step's transaction deletes them), ``Engine.handle`` with its SQL, and rendering. Written at
exit (both bots stop normally on SIGTERM), with the process's whole CPU time.
"""

from __future__ import annotations

import atexit
import json
import runpy
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

timers: dict[str, list[float]] = {}  # label -> [calls, CPU seconds]
pool_sizes: Counter[int] = Counter()  # connections in the pool -> passes


def timed(owner: Any, name: str, label: str) -> None:
    """Replace ``owner.name`` by a wrapper that adds its thread CPU time to ``label``."""
    original: Callable[..., Any] = getattr(owner, name)
    entry = timers.setdefault(label, [0, 0.0])

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            entry[0] += 1
            entry[1] += time.thread_time() - started

    setattr(owner, name, wrapper)


def probe_pool() -> None:
    from httpcore._async.connection_pool import AsyncConnectionPool

    original = AsyncConnectionPool._assign_requests_to_connections

    def counted(self: AsyncConnectionPool) -> Any:
        pool_sizes[len(self._connections)] += 1
        return original(self)

    AsyncConnectionPool._assign_requests_to_connections = counted  # type: ignore[method-assign]
    timed(AsyncConnectionPool, "_assign_requests_to_connections", "httpcore: pool pass")


def probe_kotowari() -> None:
    sys.path.insert(0, str(ROOT))
    import bot.inbox
    import bot.telegram_app
    import flows.engine
    import flows.store

    timed(bot.inbox.Inbox, "receive", "inbox: store a fetched batch")
    timed(flows.store.Store, "inbox_raw", "inbox: read an update back")
    timed(bot.inbox, "read_update", "inbox: Update.de_json")
    # A handled row is deleted by the next write transaction (inside its timing, below); the
    # flush is the transaction of its own when the bot goes idle.
    timed(flows.store.Store, "inbox_flush_done", "inbox: delete handled updates (idle)")
    timed(flows.engine.Engine, "handle", "engine: Engine.handle (with its SQL)")
    timed(bot.telegram_app, "outgoing_messages", "adapter: rendering replies")
    timed(bot.telegram_app, "chosen_text", "adapter: marking the pressed message")


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        sys.exit("usage: cpu_probe.py OUT.json (-m MODULE | SCRIPT) ARGS…")
    out = Path(argv[0])
    probe_pool()
    if argv[1] == "-m":
        module, args = argv[2], argv[3:]
        if module == "bot.cli":
            probe_kotowari()
    else:
        module, args = "", argv[2:]

    def write() -> None:
        data = {
            "process_cpu": time.process_time(),
            "timers": timers,
            "pool_sizes": sorted(pool_sizes.items()),
        }
        out.write_text(json.dumps(data), encoding="utf-8")

    atexit.register(write)
    if module:
        sys.argv = [module, *args]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        sys.argv = [argv[1], *args]
        runpy.run_path(argv[1], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
