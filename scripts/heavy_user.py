#!/usr/bin/env python3
"""How long one user with a long history holds the event loop with each look back.

    python scripts/heavy_user.py CASES [--repeat N]

Builds one user with CASES whole cases (the benchmark's script: a broker and a company of
their own each) through ``Engine.handle``, then times each command that reads the history:
the step itself (``Engine.handle``: on the bot's event loop, where no other user's step is
answered meanwhile) and, for each file it hands over still to be made, the pickling that
sends it to the worker process (``bot.files``; also on the loop). Files made in the worker
are not counted: they run beside the loop. Prints min/median/max over ``--repeat`` runs of
each command. Runs on any tree of this project (for before/after in one sitting).
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench import script  # noqa: E402
from flows.engine import Engine  # noqa: E402
from flows.port import Inbound  # noqa: E402
from flows.store import Store, open_database  # noqa: E402

COMMANDS = ("/export", "/stats", "/brokers", "/cases", "/find 株式会社")
USER = 7


def build(engine: Engine, cases: int, user: int = USER, first_update: int | None = 1) -> int:
    """The user's cases; the next update id. With ``first_update`` None the updates have
    no id (none is remembered that a later update could be mistaken for)."""
    update_ids = itertools.count(first_update or 0)
    for k in range(cases):
        options: dict[str, str] = {}
        for action, value in script(k)[:13]:  # the whole case, not /cases and /help
            update_id = next(update_ids) if first_update is not None else None
            inbound = (
                Inbound(user, text=value, lang_hint="ja", update_id=update_id)
                if action == "text"
                else Inbound(user, choice=options[value], lang_hint="ja", update_id=update_id)
            )
            shown = [o for r in engine.handle(inbound).replies for o in r.options]
            if shown:
                options = {o.token.rsplit(".", 1)[-1]: o.token for o in shown}
    return next(update_ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", type=int)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Store(open_database(Path(tmp) / "heavy.db")))
        update_id = build(engine, args.cases)
        print(f"one user, {args.cases} cases; event loop held per command, ms (min/median/max)")
        for command in COMMANDS:
            held = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                response = engine.handle(Inbound(USER, text=command, update_id=update_id))
                for reply in response.replies:
                    for attachment in reply.attachments:
                        if not attachment.ready:
                            pickle.dumps(attachment.content, protocol=pickle.HIGHEST_PROTOCOL)
                held.append(time.perf_counter() - started)
                update_id += 1
            low, mid, high = (1e3 * x for x in (min(held), statistics.median(held), max(held)))
            print(f"  {command:14} {low:8.1f} {mid:8.1f} {high:8.1f}")


if __name__ == "__main__":
    main()
