#!/usr/bin/env python3
"""Kill test: SIGKILL the bot again and again; nothing acknowledged may be lost.

The shared fake Bot API (``fakes.server``: stdlib ``http.server`` on 127.0.0.1, a free port)
serves ``getUpdates`` with Telegram's offset semantics and records every call. Simulated users walk case after case:
they type (a run of typed answers goes out at once, as a fast typist sends them) and press
the buttons the bot sent them (callback data taken from the recorded ``sendMessage``). Half
of them also have an old case whose reminders are overdue. The bot runs as
``python -m bot.cli --env-file /dev/null run``; it is killed with SIGKILL, restarted, killed
again …; a final run finishes the walks and is stopped with SIGTERM.

Terms, precisely:

- **acknowledged**: ``getUpdates(offset=X)`` tells Telegram that every update with an id
  below ``X`` is handled; Telegram forgets them and never serves them again. The fake records
  the highest offset received (as soon as the request arrives). An update is acknowledged
  when its id is below it. With ``--mode webhook`` the bot registers a webhook and the fake
  POSTs each update to it (several chats at once, each chat's updates one at a time and in
  order), again and again until the bot answers 200; an update is acknowledged when it was
  answered 200.
  With ``--channel line`` the bot is ``kotowari line`` and a fake LINE platform
  (``scripts/killtest_line.py``, over ``fakes.line_platform``) POSTs signed webhook requests
  of several events (several users' events in one request, each user's in order, on four
  connections at once), sending a request's events again (``isRedelivery``, the same
  ``webhookEventId``) until one carrying them is answered 200; an event is acknowledged when
  it was answered 200. Users are LINE accounts (``account_user``); reminders are pushes.
- **applied**: each step of a walk fires exactly one transition, so the sum of ``seq`` over
  the user's walk cases is the number of the user's steps in the database. An oracle — the
  same engine in-process on its own database, fed the same walks — gives the expected rows
  of those cases after each number of steps.

Checks, after every kill (the bot dead, the database quiet) and after the final run:

1. *No acknowledged update is lost*: each of the user's steps whose update was acknowledged
   is applied, or waits in the bot's inbox (polling stores a batch before it confirms it,
   and processes what is stored at the next start).
2. *Nothing is applied twice or invented*: ``applied`` is at most the number of steps the
   user has sent, and the user's cases (state and every column a walk fills in) equal the
   oracle's after ``applied`` steps — a step applied twice shows as a wrong row.
3. *No case is half-written*: ``PRAGMA integrity_check`` and ``foreign_key_check`` are clean;
   every case is in a known state and its ``seq`` equals its number of ``step`` events; no
   event or reminder without its case.
4. *Reminders*: every seeded, due reminder is still waiting or was sent; one marked sent was
   really sent; no run sends it twice, and at most one duplicate overall (a kill between
   "Telegram accepted it" and "marked sent").
5. *Flows resume*: at the end every update is acknowledged, every walk is finished with the
   oracle's rows and reminders, every seeded reminder was sent, the inbox is empty, the bot
   exited 0 on SIGTERM, and no run logged at ERROR or CRITICAL.
6. *Unreadable updates and 409s* (on LINE: events of a kind the SDK does not know, which
   are skipped): now and then a user's step is preceded by an update
   python-telegram-bot cannot read (a poll without ``members_only``, as a Bot API server
   before 10.0 sends it); each is set aside as a dead letter (and only those are), none
   stops the bot or the user's walk, and its content never appears in a log. In polling
   mode the second run and the final run start with a burst of 409 Conflicts on getUpdates
   (the previous instance still polling), which the bot waits out.
7. *Another writer*: during every other run and the final run a second connection (as an
   operator's ``kotowari shell`` on the same file would) takes the database's write lock
   again and again and holds it for up to ``LOCK_HOLD_MAX`` seconds, now and then past the
   bot's busy timeout (``LONG_LOCK``); the bot waits for it or tries the stored step again (no
   "couldn't save" reply, which would derail a walk), and checks 1–5 still hold, at most one
   duplicate reminder included.

When a kill swallows a reply whose step was saved and acknowledged, the simulated person
carries on from the saved step (as one would after reopening the chat); the summary counts
these. Kill moments rotate between three kinds: *random* (0.2–2.5 s after start, start-up
included); *after-ack*, the moment a ``getUpdates`` acknowledges a batch this run fetched
with several messages of one person (with python-telegram-bot's own Updater the later ones
are then still waiting for the first one's replies), or in webhook mode the moment an update
is answered 200 while others are in the bot (python-telegram-bot's own webhook server
answered before processing: this found it losing updates); and *mid-batch*, a reply
this run sends after fetching a batch (the rest of the batch is in flight).

On LINE, *after-ack* is the moment a request is answered 200 while other requests are in
the bot, and *mid-batch* a reply sent while a request's events are being handled (the rest
of the request's events, and other requests, still in the bot).

Usage: ``python scripts/killtest.py [--channel telegram|line] [--mode polling|webhook]
[--kills 20] [--users 30] [--seed N] [--keep] [-v]``;
``--project DIR`` runs another source tree's bot (e.g. an older commit unpacked with
``git archive``). Exit status 0 when every check passes, 1 with a report otherwise; the work
folder (database, one log per run, ``trace.jsonl`` of every call) is kept on failure.

This file is the driver (the bot's processes, the users' steps, the kill moments, the
report); ``scripts/killtest_checks.py`` holds the walks, their oracle and the checks.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "scripts"):  # fakes/, and the checks beside this file
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from killtest_checks import Checks, Oracle, Sent, Step, User, seed, walk_for  # noqa: E402
from killtest_line import LinePlatform, LineWebhookSender  # noqa: E402

from fakes.bot_api import (  # noqa: E402
    CONFLICT,
    Call,
    FakeTelegram,
    chat_of,
    token_for,
)
from fakes.line_platform import SECRET as LINE_SECRET  # noqa: E402
from fakes.line_platform import LineUser  # noqa: E402
from fakes.line_platform import serving as line_serving  # noqa: E402
from fakes.server import BotApiServer, WebhookSender, free_port  # noqa: E402
from flows.router import CASE_MARK  # noqa: E402

STALL_SECONDS = 6.0  # final run: a waiting user with everything acknowledged is looked at
FIRST_USER_ID = 810_000_001
KILL_MODES = ("random", "after-ack", "mid-batch")
WEBHOOK_SECRET = "killtest_secret"
WEBHOOK_CONNECTIONS = 4  # updates of different chats delivered at once, as Telegram does
LINE_PATH = "/line/webhook"
# A LINE event of a kind the SDK does not know (LINE adds kinds): skipped, never in the way.
UNKNOWN_EVENT = {"type": "x-killtest-unknown", "mode": "active", "timestamp": 0}
RESEND_WHILE_PROCESSING = 0.1  # webhook mode: an update POSTed again while still in the bot
POISON_RATE = 0.08  # before a user's step, how often an unreadable update comes first
CONFLICT_BURST = 2  # 409s in a row on getUpdates (an old instance polling during a deploy)
LOCK_HOLD_MAX = 1.2  # seconds another writer usually holds the database's write lock
LOCK_GAP = (0.1, 0.8)  # seconds between its locks
# Now and then it holds the lock past the bot's busy timeout (5 s): the steps that could not
# be stored are tried again, never applied twice, never answered "send it again".
LONG_LOCK = 5.6
LONG_LOCK_RATE = 0.1


def step_data(number: int, seq: int) -> str:
    """The start of a step button's callback data as the bot sends it: the case, with its
    mark (flows.router.CASE_MARK) or without (a button the bot would have sent), the step."""
    return rf"k1:{number}(m{CASE_MARK})?\.{seq}\."


class ExternalWriter:
    """Another process writing to the bot's database: it takes the write lock (``BEGIN
    IMMEDIATE``) again and again, holds it a while, and lets go. Stopped before any check."""

    def __init__(self, db_path: Path, rng: random.Random) -> None:
        self.db_path = db_path
        self.rng = random.Random(rng.random())
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self.locks = 0
        self.long_locks = 0

    def start(self) -> None:
        self.stopping.clear()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join()
            self.thread = None

    def _run(self) -> None:
        with closing(sqlite3.connect(self.db_path, timeout=30, isolation_level=None)) as db:
            while not self.stopping.wait(self.rng.uniform(*LOCK_GAP)):
                db.execute("BEGIN IMMEDIATE")
                self.locks += 1
                if self.rng.random() < LONG_LOCK_RATE:
                    self.long_locks += 1
                    self.stopping.wait(LONG_LOCK)
                else:
                    self.stopping.wait(self.rng.uniform(0.05, LOCK_HOLD_MAX))
                db.execute("ROLLBACK")


class Driver:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.workdir = workdir
        self.db_path = workdir / "kotowari.db"
        self.line = args.mode == "line"
        self.api: FakeTelegram | LinePlatform
        self.webhook: WebhookSender | LineWebhookSender
        self.hook_port = free_port() if args.mode in ("webhook", "line") else 0
        if self.line:
            self.api = LinePlatform()
            self.webhook = LineWebhookSender(self.api, self.hook_port, LINE_PATH, args.seed)
        else:
            self.api = FakeTelegram(clock=lambda: int(time.time()))
            self.server = BotApiServer(self.api)
            self.webhook = WebhookSender(
                self.api, self.hook_port, RESEND_WHILE_PROCESSING, args.seed
            )
        self.fakes = ExitStack()
        self.runs: list[dict[str, Any]] = []
        self.proc: subprocess.Popen[bytes] | None = None
        self.run = 0
        self.kill_plan: dict[str, Any] = {}
        self.kill_lock = threading.Lock()
        self.api.on_confirm = self._on_confirm
        self.api.on_call = self._on_call
        self.webhook.on_answered = self._on_answered
        ids = [FIRST_USER_ID + i for i in range(args.users)]
        line_ids = [f"U{user_id:032x}" for user_id in ids] if self.line else []
        if self.line:  # their accounts first: the product's ids for them
            ids = seed(self.db_path, [], line_ids)
            people = zip(ids, line_ids, strict=True)
            self.line_people = {i: LineUser(self.api, line) for i, line in people}
            self.api.accounts = dict(zip(line_ids, ids, strict=True))
        self.users = [User(user_id, i, seeded=i % 2 == 0) for i, user_id in enumerate(ids)]
        seeded = [user.id for user in self.users if user.seeded]
        self.oracle = Oracle(workdir, seeded, line_ids)
        assert not self.line or self.oracle.accounts == ids, "the oracle's ids differ"
        seed(self.db_path, seeded)
        self.writer = ExternalWriter(self.db_path, self.rng)
        self.checks = Checks(self.api, self.users, self.oracle, args.mode, workdir, self.db_path)

    # -- the bot process ----------------------------------------------------------------
    def start_bot(self) -> None:
        self.run += 1
        self.checks.run = self.run
        env = {
            **os.environ,
            "KOTOWARI_DB": str(self.db_path),
            "REMINDER_PERIOD_SECONDS": "1",
            "KOTOWARI_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("WEBHOOK_URL", None)
        command = "run"
        if isinstance(self.api, LinePlatform):
            command = "line"
            env |= {
                "LINE_CHANNEL_SECRET": LINE_SECRET,
                "LINE_CHANNEL_ACCESS_TOKEN": token_for(self.run),
                "LINE_API_BASE_URL": self.api.base_url,
                "LINE_LISTEN": "127.0.0.1",
                "LINE_PORT": str(self.hook_port),
                "LINE_WEBHOOK_PATH": LINE_PATH,
            }
            with self.api.cond:
                self.api.run = self.run  # the webhook's requests go to this process now
        else:
            env |= {
                "TELEGRAM_BOT_TOKEN": token_for(self.run),
                "TELEGRAM_API_BASE_URL": self.server.base_url,
            }
        if self.args.mode == "webhook":
            env |= {
                "WEBHOOK_URL": "https://kotowari.test/hook",
                "WEBHOOK_LISTEN": "127.0.0.1",
                "WEBHOOK_PORT": str(self.hook_port),
                "WEBHOOK_SECRET": WEBHOOK_SECRET,
            }
        log = (self.workdir / f"run-{self.run:02d}.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--env-file", "/dev/null", command],
            cwd=self.args.project,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def kill_bot(self, why: str) -> None:
        with self.kill_lock:
            proc = self.proc
            if proc is not None and proc.poll() is None and not self.kill_plan.get("fired"):
                os.kill(proc.pid, signal.SIGKILL)
                self.kill_plan["fired"] = why

    # The adversarial kill moments, called from the server's threads (see the docstring).
    def _on_confirm(self, run: int, update_ids: set[int]) -> None:
        """A getUpdates of ``run`` acknowledged updates it had fetched: a burst (one person's
        several messages in a batch) is the likeliest to be still in progress (with per-user
        ordering, the later ones wait their turn)."""
        chats = Counter(chat_of(update) for i in update_ids if (update := self.api.update(i)))
        if chats and max(chats.values()) > 1:
            self._on_event("ack", run)

    def _on_answered(self, run: int, update_id: int) -> None:
        """A webhook answer of 200 while other updates are in the bot."""
        if self.webhook.in_flight():
            self._on_event("ack", run)

    def _on_call(self, call: Call) -> None:
        """A request answering an update (not a reminder, not start-up) after a fetch."""
        if self.api.fetched.get(call.run) and _answers_an_update(call.method, call.params):
            self._on_event("reply", call.run)

    def _on_event(self, kind: str, run: int) -> None:
        plan = self.kill_plan
        if run != self.run or plan.get("mode") != {"ack": "after-ack", "reply": "mid-batch"}[kind]:
            return
        with self.kill_lock:
            plan["skip"] -= 1
            ready = plan["skip"] < 0
        if ready:
            self.kill_bot(plan["mode"])

    # -- users --------------------------------------------------------------------------
    def new_walk(self, user: User) -> None:
        walk = len(user.walks)
        steps = walk_for(user.index + walk, user.id)
        user.walks.append(steps)
        user.steps += [(walk, at) for at in range(len(steps))]
        user.rows += self.oracle.walk(user, walk, steps)

    def send_steps(self, user: User) -> None:
        """The next step, and the typed ones after it (a fast typist does not wait); now and
        then an update the bot cannot read comes first."""
        if self.rng.random() < POISON_RATE:
            if isinstance(self.api, LinePlatform):
                unknown = {**UNKNOWN_EVENT, "source": {"type": "user", "userId": "?"}}
                self.enqueue(user, unknown | {"webhookEventId": f"unknown-{self.rng.random()}"})
                self.checks.notes["events of a kind the SDK does not know"] += 1
            else:
                self.checks.poison_ids.add(self.api.enqueue(user.person.unreadable()))
        first = True
        while user.next_step < len(user.steps):
            number, at, step = user.step(user.next_step)
            if step.kind == "press" and not first:
                break
            update_id = self.enqueue(user, self.payload(user, step, number, at))
            sent = Sent(update_id, user.next_step)
            user.outstanding.append(sent)
            user.sent.append(sent)
            user.next_step += 1
            first = False
            if step.kind == "press":
                break
        user.waiting_since = time.monotonic()

    def enqueue(self, user: User, payload: dict[str, Any]) -> int:
        """Hold an update (a LINE event) for the bot; its number."""
        if isinstance(self.api, LinePlatform):
            return self.api.enqueue(self.line_people[user.id].user_id, payload)
        return self.api.enqueue(payload)

    def payload(self, user: User, step: Step, number: int, at: int) -> dict[str, Any]:
        """An update (without its id), or a LINE event, for one step of the user's walk."""
        # The button's data as the bot sent it (with the case's mark); if the reply with it
        # was lost, the data without the mark, which the bot still answers.
        shown = re.compile(step_data(number, at) + re.escape(step.value))
        data = self.api.shown_button(user.id, shown) or f"k1:{number}.{at}.{step.value}"
        if self.line:
            person = self.line_people[user.id]
            if step.kind == "text":
                return person.text(step.value)
            if self.api.latest_message(user.id, data) is None:
                self.checks.notes["presses without the message (reply lost)"] += 1
            return person.postback(data)
        if step.kind == "text":
            return user.person.text(step.value)
        holder = self.api.latest_message(user.id, data)
        if holder is None:
            # The reply with this button was lost to a kill (the step itself was saved): the
            # person re-opens the step; the button's data is what the bot would have sent.
            self.checks.notes["presses without the message (reply lost)"] += 1
            holder = self.api.latest_message(user.id) or {
                "message_id": 1,
                "date": int(time.time()),
                "chat": user.person.chat,
                "text": "…",
            }
        return user.person.press(holder, data)

    def look_for_replies(self, user: User) -> None:
        """The reply to the last outstanding step: a message with the next step's buttons."""
        calls = self.api.calls_since(user.seen_call)
        if calls:
            user.seen_call = calls[-1].seq
        if not user.outstanding:
            return
        last = user.outstanding[-1].step
        number, at, _ = user.step(last)
        shown = re.compile(step_data(number, at + 1))  # the next step's buttons
        for call in calls:
            if (
                call.method == "sendMessage"
                and int(call.params.get("chat_id", 0)) == user.id
                and shown.search(str(call.params.get("reply_markup") or ""))
            ):
                user.done_steps = last + 1
                user.outstanding.clear()
                return

    def step_users(self, final: bool) -> None:
        for user in self.users:
            if user.derailed:
                continue
            self.look_for_replies(user)
            # Walk after walk while the kills go on; the final run finishes the last one.
            idle = not user.outstanding and user.next_step == len(user.steps)
            if idle and (not final or not user.steps):
                self.new_walk(user)
            if not user.outstanding and user.next_step < len(user.steps):
                self.send_steps(user)
            elif (
                final
                and user.outstanding
                and time.monotonic() - user.waiting_since > STALL_SECONDS
                and all(self.api.acknowledged(s.update_id) for s in user.outstanding)
            ):
                with self.checks.db() as db:
                    self.checks.resolve(user, db, "final run")
                user.waiting_since = time.monotonic()

    # -- checks ---------------------------------------------------------------------------

    def run_all(self) -> int:
        if isinstance(self.api, LinePlatform):
            self.fakes.enter_context(line_serving(self.api))
        else:
            threading.Thread(target=self.server.serve_forever, daemon=True).start()
        if self.args.mode in ("webhook", "line"):
            self.webhook.start(WEBHOOK_CONNECTIONS)
        started = time.monotonic()
        try:
            for index in range(self.args.kills):
                self.one_run(KILL_MODES[index % len(KILL_MODES)], index)
            self.final_run()
        finally:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.api.stop()
            if self.line:
                self.fakes.close()
            else:
                self.server.shutdown()
                self.server.server_close()
            self.oracle.close()
            self.writer.stop()
        self.checks.scan_logs()
        self.checks.write_trace()
        self.report(time.monotonic() - started)
        return 1 if self.checks.problems else 0

    def conflicts(self) -> None:
        """The next getUpdates calls meet another instance still polling with the token."""
        for _ in range(CONFLICT_BURST):
            self.api.fail("getUpdates", 409, CONFLICT)

    def one_run(self, mode: str, index: int) -> None:
        self.kill_plan = {"mode": mode, "skip": self.rng.randrange(3) if mode != "random" else 0}
        if index == 1 and self.args.mode == "polling":
            self.conflicts()  # the previous instance is still polling
        start = time.monotonic()
        at = start + self.rng.uniform(0.2, 2.5)
        fallback = start + 6.0  # the adversarial moment may never come
        if index % 2 == 1:
            self.writer.start()
        self.start_bot()
        assert self.proc is not None
        while self.proc.poll() is None:
            self.step_users(final=False)
            now = time.monotonic()
            if (mode == "random" and now >= at) or now >= fallback:
                self.kill_bot("random" if mode == "random" else f"{mode}, fell back to a timer")
            time.sleep(0.005)
        self.proc.wait()
        self.writer.stop()
        code = self.proc.returncode
        fired = self.kill_plan.get("fired")
        if code != -signal.SIGKILL or not fired:
            self.checks.problem(
                f"the bot exited by itself with status {code} (see run-{self.run:02d}.log)"
            )
        self.runs.append(
            {
                "run": self.run,
                "kill": fired or "none",
                "alive": round(time.monotonic() - start, 2),
            }
        )
        self.checks.check_database(f"after kill {index + 1}")

    def final_run(self) -> None:
        self.kill_plan = {"mode": None}
        if self.args.mode == "polling":
            self.conflicts()
        start = time.monotonic()
        deadline = start + 30 + 2 * len(self.users)
        self.writer.start()
        self.start_bot()
        assert self.proc is not None
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.step_users(final=True)
            users_done = all(u.finished or u.derailed for u in self.users)
            sent = self.checks.reminder_sends()
            reminders_out = all(r in sent for r in self.checks.seeded_reminders)
            all_acked = self.api.all_acknowledged()
            if users_done and reminders_out and all_acked:
                # Reminders are marked sent just after the send (or, while another writer
                # holds the lock, at the next round): give the mark a moment.
                self.writer.stop()
                time.sleep(2.5)
                break
            time.sleep(0.01)
        self.writer.stop()
        if self.proc.poll() is not None:
            self.checks.problem(f"the bot exited by itself with status {self.proc.returncode}")
        else:
            if time.monotonic() >= deadline:
                self.checks.problem("TIMEOUT: the final run did not finish every walk in time")
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                code = None
            if code != 0:
                self.checks.problem(f"the bot did not stop cleanly on SIGTERM (status {code})")
        self.runs.append({"run": self.run, "kill": "SIGTERM (final)", "alive": 0})
        self.runs[-1]["alive"] = round(time.monotonic() - start, 2)
        self.checks.check_database("after the final run", final=True)
        self.checks.final_checks()

    def report(self, seconds: float) -> None:
        finished = sum(u.finished for u in self.users)
        walks = sum(len(u.walks) for u in self.users)
        print(
            f"killtest ({self.args.mode}): {len(self.users)} users, {self.args.kills} kills, "
            f"seed {self.args.seed}, "
            f"{seconds:.1f} s"
        )
        if isinstance(self.webhook, LineWebhookSender):
            hook = self.webhook
            print(
                f"  events sent {len(self.api.updates)}, answered 200 {self.api.confirmed}; "
                f"{walks} walks, users finished {finished}/{len(self.users)}; "
                f"seeded reminders {len(self.checks.seeded_reminders)}"
            )
            sizes = ", ".join(f"{n}×{count}" for n, count in sorted(hook.sizes.items()))
            names = {-1: "refused", 0: "cut off"}
            answers = ", ".join(
                f"{names.get(code, code)}×{n}" for code, n in sorted(hook.answers.items())
            )
            print(
                f"  webhook requests {hook.requests} (events per request: {sizes}); "
                f"events redelivered {hook.redeliveries}; answers {answers}"
            )
        else:
            print(
                f"  updates sent {len(self.api.updates)}, acknowledged up to offset "
                f"{self.api.confirmed}; {walks} walks, users finished "
                f"{finished}/{len(self.users)}; "
                f"seeded reminders {len(self.checks.seeded_reminders)}"
            )
        if self.args.mode == "webhook" and isinstance(self.webhook, WebhookSender):
            print(
                f"  updates POSTed twice at once (a resend while in the bot): {len(self.webhook.doubled)}"
            )
        if not self.line:
            conflicts = sum(
                1 for c in self.api.calls_since(0) if c.method == "getUpdates" and c.status == 409
            )
            with self.checks.db() as db:
                has = db.execute(
                    "select 1 from sqlite_master where name = 'dead_letters'"
                ).fetchone()
                aside = db.execute("select count(*) from dead_letters").fetchone()[0] if has else 0
            print(
                f"  unreadable updates sent {len(self.checks.poison_ids)}, dead letters {aside}; "
                f"409 Conflict answers to getUpdates {conflicts}"
            )
        print(
            f"  write locks held by another connection: {self.writer.locks} "
            f"({self.writer.long_locks} past the bot's busy timeout)"
        )
        kills = Counter(str(r["kill"]).split(",")[0] for r in self.runs)
        print("  runs: " + ", ".join(f"{kind} ×{n}" for kind, n in sorted(kills.items())))
        for note, count in sorted(self.checks.notes.items()):
            print(f"  {note}: {count}")
        if self.args.verbose:
            for run in self.runs:
                print(f"    run {run['run']:2d}: {run['kill']} after {run['alive']} s")
        if self.checks.problems:
            print(f"FAILED: {len(self.checks.problems)} problem(s)")
            for line in self.checks.problems[:60]:
                print(f"  - {line}")
            if len(self.checks.problems) > 60:
                print(f"  … and {len(self.checks.problems) - 60} more")
            print(f"  logs and database: {self.workdir}")
        else:
            print("OK: nothing acknowledged was lost, nothing applied twice, no half-written case")


def _answers_an_update(method: str, params: dict[str, Any]) -> bool:
    """A request made while handling an update (not a reminder, not start-up)."""
    if method in ("answerCallbackQuery", "editMessageText", "editMessageReplyMarkup"):
        return True
    if method != "sendMessage" or params.get("line") == "push":
        return False
    return "k1:reminder." not in str(params.get("reply_markup") or "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs before the final run")
    parser.add_argument("--users", type=int, default=30, help="simulated users")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument(
        "--mode",
        choices=["polling", "webhook"],
        default="polling",
        help="how the bot gets its updates (webhook: the fake Telegram POSTs each one to the "
        "bot until it answers 200)",
    )
    parser.add_argument(
        "--channel",
        choices=["telegram", "line"],
        default="telegram",
        help="which adapter is killed: `kotowari run` (Telegram, --mode says how it gets its "
        "updates) or `kotowari line` (LINE: signed webhook requests of several events)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--verbose", "-v", action="store_true", help="list every run")
    parser.add_argument(
        "--project",
        type=Path,
        default=ROOT,
        help="the source tree whose bot is run and whose engine is the oracle "
        "(default: this checkout; e.g. an older commit unpacked with git archive)",
    )
    args = parser.parse_args(argv)
    if args.channel == "line":
        args.mode = "line"  # LINE has webhooks only
    if args.seed is None:
        args.seed = random.randrange(1_000_000)
    if args.users < 1 or args.kills < 0:
        parser.error("--users must be at least 1 and --kills at least 0")
    args.project = args.project.resolve()
    sys.path.insert(0, str(args.project))
    workdir = Path(tempfile.mkdtemp(prefix="kotowari-killtest-"))
    driver = Driver(args, workdir)
    status = driver.run_all()
    if status == 0 and not args.keep:
        for path in sorted(workdir.iterdir()):
            path.unlink()
        workdir.rmdir()
    return status


if __name__ == "__main__":
    raise SystemExit(main())
