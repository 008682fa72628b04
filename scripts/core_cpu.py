"""The engine alone in CPU time per step (less noisy than wall clock on a shared machine).

    cd TREE && python /path/to/scripts/core_cpu.py USERS

Runs the bench's whole case for USERS users through ``Engine.handle`` of the tree in the
current directory (for before/after: see scripts/bench_turns.sh) and prints the mean thread
CPU time and the median wall time per step.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.getcwd())

try:
    from benchmarks.bench import script
except ImportError:  # a tree from before the harness left the bot package
    from bot.bench import script  # type: ignore[no-redef]

from flows.engine import Engine
from flows.port import Inbound
from flows.store import Store, open_database


def main(users: int) -> None:
    # The walk is benchmarks.bench.run_core's, written out here on purpose: this script measures
    # older trees too (before/after), whose bench has no shared helper to import.
    engine = Engine(Store(open_database(Path(tempfile.mkdtemp()) / "core.db")))
    update_ids = iter(range(1, 10**9))
    cpu: list[float] = []
    wall: list[float] = []
    for uid in range(1, users + 1):
        options: dict[str, str] = {}
        for action, value in script(uid):
            update_id = next(update_ids)
            inbound = (
                Inbound(uid, text=value, lang_hint="ja", update_id=update_id)
                if action == "text"
                else Inbound(uid, choice=options[value], lang_hint="ja", update_id=update_id)
            )
            started_cpu, started = time.thread_time(), time.perf_counter()
            response = engine.handle(inbound)
            cpu.append(time.thread_time() - started_cpu)
            wall.append(time.perf_counter() - started)
            shown = [o for r in response.replies for o in r.options]
            if shown:
                options = {o.token.rsplit(".", 1)[-1]: o.token for o in shown}
    print(
        f"{Path.cwd().name} core cpu mean {statistics.mean(cpu) * 1e6:.0f} µs/step, "
        f"wall median {statistics.median(wall) * 1e6:.0f} µs"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
