#!/usr/bin/env python3
"""Kill test: SIGKILL the bot again and again; nothing acknowledged may be lost.

A fake Bot API (stdlib ``http.server`` on 127.0.0.1, a free port) serves ``getUpdates`` with
Telegram's offset semantics and records every call. Simulated users walk case after case:
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
6. *Unreadable updates and 409s*: now and then a user's step is preceded by an update
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

Usage: ``python scripts/killtest.py [--mode polling|webhook] [--kills 20] [--users 30]
[--seed N] [--keep] [-v]``;
``--project DIR`` runs another source tree's bot (e.g. an older commit unpacked with
``git archive``). Exit status 0 when every check passes, 1 with a report otherwise; the work
folder (database, one log per run, ``trace.jsonl`` of every call) is kept on failure.
"""

from __future__ import annotations

import argparse
import email.parser
import email.policy
import http.client
import itertools
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BOT_ID = 7_000_000_001
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Kotowari", "username": "kotowari_kill_bot"}
TOKEN_RUN = re.compile(r"AAkilltest(\d{4})")
LONG_POLL_CAP = 0.25  # seconds a getUpdates waits for updates, whatever timeout it asks for
STALL_SECONDS = 6.0  # final run: a waiting user with everything acknowledged is looked at
FIRST_USER_ID = 810_000_001
# The columns a walk fills in; times differ between the bot and the oracle and are left out.
COMPARED = (
    "number",
    "state",
    "mode",
    "seq",
    "broker_name",
    "company",
    "company_norm",
    "person",
    "phone_raw",
    "phone_e164",
    "product",
    "product_kind",
    "licence",
    "outcome",
    "push_count",
    "source_unknown",
    "fixing",
    "repeat_of",
)
KILL_MODES = ("random", "after-ack", "mid-batch")
WEBHOOK_SECRET = "killtest_secret"
WEBHOOK_CONNECTIONS = 4  # updates of different chats delivered at once, as Telegram does
RESEND_WHILE_PROCESSING = 0.1  # webhook mode: an update POSTed again while still in the bot
POISON_RATE = 0.08  # before a user's step, how often an unreadable update comes first
CONFLICT_BURST = 2  # 409s in a row on getUpdates (an old instance polling during a deploy)
LOCK_HOLD_MAX = 1.2  # seconds another writer usually holds the database's write lock
LOCK_GAP = (0.1, 0.8)  # seconds between its locks
# Now and then it holds the lock past the bot's busy timeout (5 s): the steps that could not
# be stored are tried again, never applied twice, never answered "send it again".
LONG_LOCK = 5.6
LONG_LOCK_RATE = 0.1
CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
# A poll as a Bot API server older than 10.0 sends it (no members_only): python-telegram-bot
# 22.8 cannot read the message. Its question must never appear in a log.
POISON_QUESTION = "毒入りの投票"
OLD_POLL = {
    "id": "9001",
    "question": POISON_QUESTION,
    "options": [{"text": "はい", "voter_count": 0, "persistent_id": "o1"}],
    "total_voter_count": 0,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
    "allows_revoting": False,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def token_for(run: int) -> str:
    return f"{BOT_ID}:AAkilltest{run:04d}" + "x" * 24


# =========================================================================================
# The walks and their oracle
# =========================================================================================
@dataclass(frozen=True)
class Step:
    kind: str  # "text" or "press"
    value: str  # the text typed, or the trigger whose button is pressed


def walk_for(index: int, user_id: int) -> list[Step]:
    """A whole case: a call with a property broker (agreed), or one recorded afterwards."""
    n = user_id % 10_000
    if index % 2 == 0:
        return [
            Step("text", "/call"),
            Step("press", "refused"),
            Step("press", "named"),
            Step("text", f"名簿センター{n}"),
            Step("text", f"みらい不動産{n}"),
            Step("text", "skip"),
            Step("text", f"03-5555-{n:04d}"),
            Step("press", "property"),
            Step("press", "skip"),
            Step("press", "now"),
            Step("press", "confirm"),
            Step("press", "agreed"),
        ]
    return [
        Step("text", "/after"),
        Step("press", "yes_refused"),
        Step("press", "named"),
        Step("text", f"リスト社{n}"),
        Step("text", f"株式会社ひかり投資{n}"),
        Step("text", f"担当{n}"),
        Step("press", "skip"),
        Step("text", "保険の勧誘"),
        Step("text", "今"),
        Step("press", "confirm"),
        Step("press", "declined"),
    ]


SEED_LINES = (
    "/settings quiet off",
    "/after",
    "1",
    "1",
    "旧名簿{n}",
    "旧不動産{n}",
    "skip",
    "skip",
    "skip",
    "skip",
    "1",
    "1",  # they agreed: a compliance check in 14 days, a calls check in 30
)


def seed(db_path: Path, user_ids: list[int]) -> None:
    """Give users an old case whose two reminders are overdue (made 40 days ago)."""
    from flows.engine import Engine
    from flows.port import Inbound
    from flows.store import Store, open_database

    past = datetime.now(UTC) - timedelta(days=40)
    db = open_database(db_path)
    try:
        engine = Engine(Store(db, lambda: past))
        for user_id in user_ids:
            for line in SEED_LINES:
                engine.handle(Inbound(user_id, text=line.format(n=user_id % 10_000)))
            case = engine.store.case_by_number(user_id, 1)
            assert case is not None and case["state"] == "following_up", case
    finally:
        db.close()


def case_projection(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row.get(name) for name in COMPARED}


class Oracle:
    """The same engine in-process, on its own database: the expected rows after each step.

    One user's story does not depend on the others' (the property tests check that), so
    each walk can be run here when a user starts it, whatever the interleaving in the bot.
    """

    def __init__(self, workdir: Path, seeded: list[int]) -> None:
        from flows.engine import Engine
        from flows.store import Store, open_database

        path = workdir / "oracle.db"
        seed(path, seeded)
        self.db = open_database(path)
        self.engine = Engine(Store(self.db))

    def walk(self, user: User, walk: int, steps: list[Step]) -> list[list[dict[str, Any]]]:
        """Run one walk; the user's walk cases (projected) after each of its steps."""
        from flows.port import Inbound

        number = user.base + walk
        after = []
        for index, step in enumerate(steps):
            if step.kind == "text":
                inbound = Inbound(user.id, text=step.value, lang_hint="ja")
            else:
                inbound = Inbound(user.id, choice=f"{number}.{index}.{step.value}")
            response = self.engine.handle(inbound)
            row = self.engine.store.case_by_number(user.id, number)
            assert row is not None and row["seq"] == index + 1, (
                f"walk {walk} of user {user.id} stuck at step {index}: {response}"
            )
            after.append(walk_cases(self.db.conn, user))
        return after

    def reminders(self, user: User) -> list[tuple[int, str, str]]:
        return walk_reminders(self.db.conn, user)

    def close(self) -> None:
        self.db.close()


def walk_cases(db: sqlite3.Connection, user: User) -> list[dict[str, Any]]:
    """The user's walk cases (not the seeded one), projected, by number."""
    cursor = db.execute(
        "select * from cases where user_id = ? and number >= ? order by number",
        [user.id, user.base],
    )
    names = [d[0] for d in cursor.description]
    return [case_projection(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def inbox_ids(
    db: sqlite3.Connection, user_id: int | None = None, waiting_only: bool = False
) -> set[int]:
    """The update ids in the bot's inbox (none in a tree from before the inbox);
    ``waiting_only``: not yet applied (a row marked applied is only shown again)."""
    if not db.execute("select 1 from sqlite_master where name = 'inbox'").fetchone():
        return set()
    columns = {row[1] for row in db.execute("pragma table_info(inbox)")}
    sql, where, params = "select update_id from inbox", [], []
    if user_id is not None:
        where, params = ["user_id = ?"], [user_id]
    if waiting_only and "applied_at" in columns:
        where.append("applied_at is null")
    if where:
        sql += " where " + " and ".join(where)
    return {int(row[0]) for row in db.execute(sql, params)}


def walk_reminders(db: sqlite3.Connection, user: User) -> list[tuple[int, str, str]]:
    rows = db.execute(
        "select c.number, r.kind, r.status from reminders r join cases c on c.id = r.case_id "
        "where r.user_id = ? and c.number >= ?",
        [user.id, user.base],
    )
    return sorted((number, kind, status) for number, kind, status in rows)


# =========================================================================================
# The fake Bot API
# =========================================================================================
@dataclass
class Call:
    seq: int
    run: int
    method: str
    params: dict[str, Any]
    at: float


class FakeTelegram:
    """Telegram's side: the update queue with offsets, and a record of every call."""

    def __init__(self, seed: int = 0) -> None:
        self.cond = threading.Condition()
        self.updates: list[dict[str, Any]] = []  # update id i is at index i - 1
        self.confirmed = 1  # ids below this are acknowledged
        self.acks: list[tuple[int, int, float]] = []  # (offset, run, when)
        self.served: dict[int, list[int]] = {}  # update id -> runs it was returned to
        self.calls: list[Call] = []
        self.messages: dict[int, dict[int, dict[str, Any]]] = {}  # chat -> id -> message
        self.message_ids = itertools.count(1)
        self.call_seq = itertools.count(1)
        # Called (outside the lock) as on_event(kind, run): "ack" when a getUpdates
        # acknowledges a burst this run fetched, "reply" for a request answering an update.
        self.on_event: Callable[[str, int], None] | None = None
        self.fetched: dict[int, set[int]] = {}  # run -> update ids served to it
        self.stopping = False
        # Webhook mode: where setWebhook said to deliver, and what was answered 200.
        self.webhook: dict[str, Any] | None = None
        self.answered: dict[int, int] = {}  # update id -> the run that answered it
        self.delivering: Counter[int] = Counter()  # update id -> POSTs under way
        self.doubled: set[int] = set()  # updates sent twice at once
        self.rng = random.Random(seed)
        self.conflicts_left = 0  # the next getUpdates calls answered 409 Conflict
        self.conflicts = 0

    # -- the driver's side ------------------------------------------------------------
    def enqueue(self, update: dict[str, Any]) -> int:
        with self.cond:
            update_id = len(self.updates) + 1
            self.updates.append({"update_id": update_id, **update})
            self.cond.notify_all()
            return update_id

    def acknowledged(self, update_id: int) -> bool:
        with self.cond:
            return update_id < self.confirmed or update_id in self.answered

    def all_acknowledged(self) -> bool:
        with self.cond:
            return self.confirmed == len(self.updates) + 1

    def ack_run(self, update_id: int) -> int | None:
        """The run whose getUpdates (or webhook answer) acknowledged this update."""
        with self.cond:
            if update_id in self.answered:
                return self.answered[update_id]
            for offset, run, _ in self.acks:
                if offset > update_id:
                    return run
        return None

    # -- webhook mode: Telegram POSTs each update until it is answered 200 -----------------
    def next_delivery(self) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The next update to POST, and where to (waits for one). Chats are served in
        parallel, each one's updates in order: a person's next message goes out once the
        previous one was answered. Now and then an update still being processed is sent
        again at the same time, as Telegram does when an answer is slow to come."""
        with self.cond:
            while not self.stopping:
                if self.webhook is not None:
                    picked = self._pick_delivery()
                    if picked is not None:
                        run = self.webhook["run"]
                        update_id = picked["update_id"]
                        self.delivering[update_id] += 1
                        self.fetched.setdefault(run, set()).add(update_id)
                        self.served.setdefault(update_id, []).append(run)
                        return picked, dict(self.webhook)
                self.cond.wait(0.05)
        return None

    def _pick_delivery(self) -> dict[str, Any] | None:
        busy = {_chat_of(self.updates[i - 1]) for i, n in self.delivering.items() if n}
        for update in self.updates[self.confirmed - 1 :]:
            update_id = update["update_id"]
            if update_id in self.answered:
                continue
            chat = _chat_of(update)
            if chat not in busy:
                return update
            if (
                self.delivering[update_id] == 1
                and update_id not in self.doubled
                and self.rng.random() < RESEND_WHILE_PROCESSING
            ):
                self.doubled.add(update_id)
                return update
            busy.add(chat)  # later ones of this chat wait for this one
        return None

    def delivered(self, update: dict[str, Any], run: int, ok: bool) -> None:
        """The bot's answer: 200 acknowledges the update (Telegram forgets it)."""
        update_id = update["update_id"]
        event = None
        with self.cond:
            self.delivering[update_id] -= 1
            if ok:
                self.answered.setdefault(update_id, run)
                while self.confirmed in self.answered:
                    self.confirmed += 1
                # Other updates are in the bot right now: the adversarial moment.
                if any(n for n in self.delivering.values()):
                    event = "ack"
            self.cond.notify_all()
        if event and self.on_event:
            self.on_event(event, run)

    def chat_messages(self, chat_id: int) -> list[dict[str, Any]]:
        with self.cond:
            return list(self.messages.get(chat_id, {}).values())

    def calls_since(self, seq: int) -> list[Call]:
        with self.cond:
            return self.calls[seq:]  # call seq n is at index n - 1

    # -- the bot's side ---------------------------------------------------------------
    def handle(self, run: int, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        needed = {"sendMessage": ("chat_id", "text"), "editMessageText": ("chat_id", "text")}
        missing = [name for name in needed.get(method, ()) if name not in params]
        if method in ("sendPhoto", "sendDocument", "editMessageReplyMarkup"):
            missing += [] if "chat_id" in params else ["chat_id"]
        if missing:
            description = f"Bad Request: {missing[0]} is empty"
            return 400, {"ok": False, "error_code": 400, "description": description}
        if method == "getUpdates":
            with self.cond:
                conflict = self.conflicts_left > 0
                if conflict:
                    # Another process is polling with the token: nothing is confirmed.
                    self.conflicts_left -= 1
                    self.conflicts += 1
                    self.calls.append(
                        Call(next(self.call_seq), run, "getUpdates", params, time.monotonic())
                    )
            if conflict:
                return 409, {"ok": False, "error_code": 409, "description": CONFLICT}
            return 200, {"ok": True, "result": self._get_updates(run, params)}
        event = None
        with self.cond:
            call = Call(next(self.call_seq), run, method, params, time.monotonic())
            self.calls.append(call)
            if self.fetched.get(run) and _answers_an_update(method, params):
                event = "reply"
            status, result = self._answer(method, params)
            if method == "setWebhook" and self.webhook is not None:
                self.webhook["run"] = run
                self.cond.notify_all()
        if event and self.on_event:
            self.on_event(event, run)
        if status != 200:
            return status, {"ok": False, "error_code": status, "description": result}
        return 200, {"ok": True, "result": result}

    def _get_updates(self, run: int, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = max(1, min(int(params.get("limit") or 100), 100))
        wait = min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        event = None
        with self.cond:
            self.calls.append(
                Call(next(self.call_seq), run, "getUpdates", params, time.monotonic())
            )
            if offset > self.confirmed:
                newly = set(range(self.confirmed, offset)) & self.fetched.get(run, set())
                self.confirmed = offset
                self.acks.append((offset, run, time.monotonic()))
                chats = Counter(_chat_of(self.updates[i - 1]) for i in newly)
                # A burst (one person's several messages in a batch) is the likeliest to be
                # still in progress: with per-user ordering, the later ones wait their turn.
                if chats and max(chats.values()) > 1:
                    event = "ack"
        if event and self.on_event:
            self.on_event(event, run)  # may kill the bot: it then never sees the answer
        deadline = time.monotonic() + wait
        with self.cond:
            while True:
                start = max(offset, self.confirmed)
                batch = self.updates[start - 1 : start - 1 + limit]
                left = deadline - time.monotonic()
                if batch or left <= 0 or self.stopping:
                    break
                self.cond.wait(left)
            for update in batch:
                self.served.setdefault(update["update_id"], []).append(run)
                self.fetched.setdefault(run, set()).add(update["update_id"])
            return batch

    def _answer(self, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        if method == "getMe":
            return 200, {**BOT_USER, "can_join_groups": False, "can_read_all_group_messages": False}
        if method in ("sendMessage", "sendPhoto", "sendDocument"):
            chat_id = int(params["chat_id"])
            message: dict[str, Any] = {
                "message_id": next(self.message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private", "first_name": "User"},
                "from": BOT_USER,
            }
            if method == "sendMessage":
                message["text"] = str(params.get("text", ""))
                markup = _json(params.get("reply_markup"))
                if isinstance(markup, dict) and "inline_keyboard" in markup:
                    message["reply_markup"] = markup
            elif method == "sendPhoto":
                message["photo"] = [
                    {"file_id": "p", "file_unique_id": "pu", "width": 10, "height": 10}
                ]
            else:
                message["document"] = {"file_id": "d", "file_unique_id": "du"}
            self.messages.setdefault(chat_id, {})[message["message_id"]] = message
            return 200, message
        if method in ("editMessageText", "editMessageReplyMarkup"):
            chat_id, message_id = int(params["chat_id"]), int(params["message_id"])
            stored = self.messages.get(chat_id, {}).get(message_id)
            if stored is None:
                return 400, "Bad Request: message to edit not found"
            if "text" in params:
                stored["text"] = str(params["text"])
            markup = _json(params.get("reply_markup"))
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                stored["reply_markup"] = markup
            else:
                stored.pop("reply_markup", None)
            return 200, stored
        if method == "getMyCommands":
            return 200, []
        if method == "setWebhook":
            self.webhook = {"url": str(params["url"]), "secret": params.get("secret_token")}
            return 200, True
        return 200, True  # setMyCommands, deleteWebhook, answerCallbackQuery, close …


def _chat_of(update: dict[str, Any]) -> int:
    if "callback_query" in update:
        return int(update["callback_query"]["from"]["id"])
    return int(update["message"]["chat"]["id"])


def _json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _answers_an_update(method: str, params: dict[str, Any]) -> bool:
    """A request made while handling an update (not a reminder, not start-up)."""
    if method in ("answerCallbackQuery", "editMessageText", "editMessageReplyMarkup"):
        return True
    if method != "sendMessage":
        return False
    return "k1:r." not in str(params.get("reply_markup") or "")


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Form-encoded (PTB's default), multipart (uploads) or JSON parameters."""
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        return dict(json.loads(body))
    if kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        params: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename():
                params[str(name)] = payload
            else:
                params[str(name)] = payload.decode("utf-8")
        return params
    return dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))


class ApiServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, api: FakeTelegram) -> None:
        super().__init__(("127.0.0.1", 0), ApiHandler)
        self.api = api

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):  # a killed bot resets its connections
            super().handle_error(request, client_address)


class ApiHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the second waits ~40 ms
    # for the client's delayed ACK, which would slow every call down to Telegram-like pace.
    disable_nagle_algorithm = True
    server: ApiServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise ConnectionResetError("the bot was killed while sending a request")
        return body

    def _handle(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        parts = url.path.strip("/").split("/")
        body = self._read_body()  # a request cut short by a kill is dropped, as by Telegram
        match = TOKEN_RUN.search(parts[0]) if parts else None
        if len(parts) != 2 or match is None:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        params = parse_body(self.headers.get("Content-Type", ""), body)
        params.update(urllib.parse.parse_qsl(url.query))
        status, payload = self.server.api.handle(int(match.group(1)), parts[1], params)
        self._reply(status, payload)

    def _reply(self, status: int, payload: Any) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the bot was killed while it waited


# =========================================================================================
# Simulated users
# =========================================================================================
@dataclass
class Sent:
    update_id: int
    step: int  # index in the walk


@dataclass
class User:
    id: int
    index: int
    seeded: bool
    walks: list[list[Step]] = field(default_factory=list)
    steps: list[tuple[int, int]] = field(default_factory=list)  # (walk, step in walk)
    # The oracle: the user's walk cases after 0, 1, 2 … steps.
    rows: list[list[dict[str, Any]]] = field(default_factory=lambda: [[]])
    next_step: int = 0  # the first step (index into steps) not yet sent
    done_steps: int = 0  # steps whose reply was seen (or resynced)
    outstanding: list[Sent] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    waiting_since: float = 0.0
    seen_call: int = 0  # calls up to this seq were looked at for replies
    derailed: str | None = None
    message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def base(self) -> int:
        """The number of the user's first walk case (a seeded user has case 1 already)."""
        return 2 if self.seeded else 1

    def step(self, index: int) -> tuple[int, int, Step]:
        walk, at = self.steps[index]
        return self.base + walk, at, self.walks[walk][at]

    @property
    def finished(self) -> bool:
        return bool(self.steps) and self.done_steps == len(self.steps)

    @property
    def person(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": "User", "language_code": "ja"}

    @property
    def chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": "User"}


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
        self.api = FakeTelegram(args.seed)
        self.server = ApiServer(self.api)
        self.port = self.server.server_address[1]
        self.hook_port = free_port() if args.mode == "webhook" else 0
        self.problems: list[str] = []
        self.notes: Counter[str] = Counter()
        self.runs: list[dict[str, Any]] = []
        self.proc: subprocess.Popen[bytes] | None = None
        self.run = 0
        self.kill_plan: dict[str, Any] = {}
        self.kill_lock = threading.Lock()
        self.api.on_event = self._on_event
        self.lost_ids: set[int] = set()
        self.poison_ids: set[int] = set()
        self._sends: dict[int, list[int]] = {}
        self._sends_seen = 0
        ids = [FIRST_USER_ID + i for i in range(args.users)]
        self.users = [User(user_id, i, seeded=i % 2 == 0) for i, user_id in enumerate(ids)]
        seeded = [user.id for user in self.users if user.seeded]
        self.oracle = Oracle(workdir, seeded)
        seed(self.db_path, seeded)
        self.writer = ExternalWriter(self.db_path, self.rng)
        with self.db() as db:
            self.seeded_reminders = {
                row[0]: row[1]
                for row in db.execute("select id, user_id from reminders where status = 'pending'")
            }

    # -- the bot process ----------------------------------------------------------------
    def start_bot(self) -> None:
        self.run += 1
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": token_for(self.run),
            "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{self.port}/bot",
            "KOTOWARI_DB": str(self.db_path),
            "REMINDER_PERIOD_SECONDS": "1",
            "KOTOWARI_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("WEBHOOK_URL", None)
        if self.args.mode == "webhook":
            env |= {
                "WEBHOOK_URL": "https://kotowari.test/hook",
                "WEBHOOK_LISTEN": "127.0.0.1",
                "WEBHOOK_PORT": str(self.hook_port),
                "WEBHOOK_SECRET": WEBHOOK_SECRET,
            }
        log = (self.workdir / f"run-{self.run:02d}.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "--env-file", "/dev/null", "run"],
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

    def _on_event(self, kind: str, run: int) -> None:
        """Called from the server's threads: the adversarial kill moments."""
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
            poll = {
                "message_id": next(user.message_ids),
                "date": int(time.time()),
                "chat": user.chat,
                "from": user.person,
                "poll": OLD_POLL,
            }
            self.poison_ids.add(self.api.enqueue({"message": poll}))
        first = True
        while user.next_step < len(user.steps):
            number, at, step = user.step(user.next_step)
            if step.kind == "press" and not first:
                break
            update_id = self.api.enqueue(self.payload(user, step, number, at))
            sent = Sent(update_id, user.next_step)
            user.outstanding.append(sent)
            user.sent.append(sent)
            user.next_step += 1
            first = False
            if step.kind == "press":
                break
        user.waiting_since = time.monotonic()

    def payload(self, user: User, step: Step, number: int, at: int) -> dict[str, Any]:
        """An update (without its id) for one step of the user's walk."""
        if step.kind == "text":
            message: dict[str, Any] = {
                "message_id": next(user.message_ids),
                "date": int(time.time()),
                "chat": user.chat,
                "from": user.person,
                "text": step.value,
            }
            if step.value.startswith("/"):
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": len(step.value)}
                ]
            return {"message": message}
        data = f"k1:{number}.{at}.{step.value}"
        shown = self.api.chat_messages(user.id)
        holder = next((m for m in reversed(shown) if data in _buttons(m)), None)
        if holder is None:
            # The reply with this button was lost to a kill (the step itself was saved): the
            # person re-opens the step; the button's data is what the bot would have sent.
            self.notes["presses without the message (reply lost)"] += 1
            holder = (
                shown[-1]
                if shown
                else {"message_id": 1, "date": int(time.time()), "chat": user.chat, "text": "…"}
            )
        query = {
            "id": f"{user.id}-{next(user.message_ids)}",
            "from": user.person,
            "chat_instance": str(user.id),
            "message": holder,
            "data": data,
        }
        return {"callback_query": query}

    def look_for_replies(self, user: User) -> None:
        """The reply to the last outstanding step: a message with the next step's buttons."""
        calls = self.api.calls_since(user.seen_call)
        if calls:
            user.seen_call = calls[-1].seq
        if not user.outstanding:
            return
        last = user.outstanding[-1].step
        number, at, _ = user.step(last)
        prefix = f"k1:{number}.{at + 1}."
        for call in calls:
            if (
                call.method == "sendMessage"
                and int(call.params.get("chat_id", 0)) == user.id
                and prefix in str(call.params.get("reply_markup") or "")
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
                with self.db() as db:
                    self.resolve(user, db, "final run")
                user.waiting_since = time.monotonic()

    # -- checks ---------------------------------------------------------------------------
    @contextmanager
    def db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.db_path, timeout=10)) as db:
            db.row_factory = sqlite3.Row
            yield db

    def problem(self, text: str) -> None:
        self.problems.append(f"[run {self.run}] {text}")

    def resolve(self, user: User, db: sqlite3.Connection, when: str) -> None:
        """Compare the user's cases with what was sent and acknowledged; settle a wait."""
        cases = walk_cases(db, user)
        applied = sum(case["seq"] for case in cases)  # every step fires one transition
        acked = [
            s
            for s in user.sent
            if self.api.acknowledged(s.update_id) and s.update_id not in self.lost_ids
        ]
        must = max((s.step + 1 for s in acked), default=0)
        sent_steps = max((s.step + 1 for s in user.sent), default=0)
        where = f"user {user.id} ({when})"
        # Acknowledged and not applied yet is fine while the update waits in the bot's inbox
        # (stored before it was confirmed; processed at the next start).
        stored = inbox_ids(db, user.id)
        missing = [s for s in acked if s.step >= applied and s.update_id not in stored]
        if missing:
            for s in missing:
                self.lost_ids.add(s.update_id)
                number, at, step = user.step(s.step)
                self.problem(
                    f"LOST: update {s.update_id} ({step.kind} {step.value!r}, step {at + 1} of "
                    f"case {number} of user {user.id}) was acknowledged by run "
                    f"{self.api.ack_run(s.update_id)} but is not in the database ({applied} of "
                    f"{must} acknowledged steps are)"
                )
            user.derailed = "lost an acknowledged update"
            return
        if applied > sent_steps:
            self.problem(
                f"APPLIED TWICE: {where}: {applied} steps in the database, {sent_steps} sent"
            )
            user.derailed = "a step was applied twice"
            return
        if cases != user.rows[applied]:
            want = user.rows[applied]
            diffs = []
            for got, expected in itertools.zip_longest(cases, want, fillvalue={}):
                diff = {
                    k: (got.get(k), expected.get(k))
                    for k in COMPARED
                    if got.get(k) != expected.get(k)
                }
                if diff:
                    diffs.append(diff)
            self.problem(f"WRONG ROWS: {where}: after {applied} steps, (got, expected): {diffs}")
            user.derailed = "the cases differ from the oracle"
            return
        if user.seeded:
            seeded = db.execute(
                "select state from cases where user_id = ? and number = 1", [user.id]
            ).fetchone()
            if seeded is None or seeded[0] != "following_up":
                self.problem(f"SEEDED CASE: {where}: case 1 is {seeded and seeded[0]!r}")
        if (
            user.outstanding
            and applied >= user.outstanding[-1].step + 1
            and all(self.api.acknowledged(s.update_id) for s in user.outstanding)
        ):
            # Saved and acknowledged, but the reply never came: the person carries on.
            self.notes["replies lost to a kill (step saved, user resynced)"] += 1
            user.done_steps = applied
            user.outstanding.clear()

    def check_database(self, when: str, final: bool = False) -> None:
        with self.db() as db:
            if db.execute("pragma integrity_check").fetchone()[0] != "ok":
                self.problem(f"HALF-WRITTEN: integrity_check failed ({when})")
            if db.execute("pragma foreign_key_check").fetchall():
                self.problem(f"HALF-WRITTEN: foreign_key_check found rows ({when})")
            from flows.machine import STATES

            for row in db.execute(
                "select c.id, c.user_id, c.state, c.seq, (select count(*) from events e "
                "where e.case_id = c.id and e.kind = 'step') as steps from cases c"
            ):
                if row["state"] not in STATES:
                    self.problem(f"HALF-WRITTEN: case {row['id']} in state {row['state']!r}")
                if row["seq"] != row["steps"]:
                    self.problem(
                        f"HALF-WRITTEN: case {row['id']} of user {row['user_id']} has seq "
                        f"{row['seq']} but {row['steps']} step events ({when})"
                    )
            for table in ("events", "reminders"):
                orphans = db.execute(
                    f"select count(*) from {table} where case_id not in (select id from cases)"
                ).fetchone()[0]
                if orphans:
                    self.problem(f"HALF-WRITTEN: {orphans} {table} without a case ({when})")
            for user in self.users:
                if not user.derailed:
                    self.resolve(user, db, when)
            self.check_reminders(db, when, final)
            self.check_dead_letters(db, when, final)

    def check_dead_letters(self, db: sqlite3.Connection, when: str, final: bool) -> None:
        """Unreadable updates are set aside (only those), and only once they are acknowledged
        (or still in the inbox) can they be missing."""
        if not db.execute("select 1 from sqlite_master where name = 'dead_letters'").fetchone():
            return
        aside = {int(row[0]) for row in db.execute("select update_id from dead_letters")}
        if aside - self.poison_ids:
            self.problem(
                f"DEAD LETTERS: readable updates set aside: {sorted(aside - self.poison_ids)}"
            )
        stored = inbox_ids(db)
        for update_id in sorted(self.poison_ids - aside - stored):
            if self.api.acknowledged(update_id) and (final or self.args.mode == "polling"):
                self.problem(f"POISON: update {update_id} acknowledged but not set aside ({when})")

    def reminder_sends(self) -> dict[int, list[int]]:
        """Reminder id -> the runs that sent it (from the recorded sendMessage calls)."""
        calls = self.api.calls_since(self._sends_seen)
        self._sends_seen += len(calls)
        for call in calls:
            if call.method != "sendMessage":
                continue
            found = re.search(r"k1:r\.(\d+)\.", str(call.params.get("reply_markup") or ""))
            if found:
                self._sends.setdefault(int(found.group(1)), []).append(call.run)
        return self._sends

    def check_reminders(self, db: sqlite3.Connection, when: str, final: bool) -> None:
        sends = self.reminder_sends()
        for reminder_id, user_id in self.seeded_reminders.items():
            row = db.execute("select status from reminders where id = ?", [reminder_id]).fetchone()
            status = row["status"] if row else None
            runs = sends.get(reminder_id, [])
            label = f"reminder {reminder_id} of user {user_id} ({when})"
            if status not in ("pending", "sent"):
                self.problem(f"REMINDER: {label} is {status!r}, not waiting nor sent")
            if status == "sent" and not runs:
                self.problem(f"REMINDER: {label} is marked sent but was never sent")
            twice = [run for run, n in Counter(runs).items() if n > 1]
            if twice:
                self.problem(f"REMINDER: {label} was sent twice by run(s) {twice}")
            if len(runs) > 2:
                self.problem(f"REMINDER: {label} was sent {len(runs)} times (runs {runs})")
            if final and status != "sent":
                self.problem(f"REMINDER: {label} still {status!r} after the final run")
        self.notes["reminder duplicates (sent, killed before marked)"] = sum(
            max(len(runs) - 1, 0) for runs in sends.values()
        )

    def final_checks(self) -> None:
        with self.db() as db:
            for user in self.users:
                if user.derailed:
                    continue
                if not user.finished:
                    waiting = [user.step(s.step)[2] for s in user.outstanding]
                    self.problem(
                        f"UNFINISHED: user {user.id} stopped after {user.done_steps} of "
                        f"{len(user.steps)} steps (waiting on {waiting}, updates "
                        f"{[s.update_id for s in user.outstanding]})"
                    )
                    continue
                got, want = walk_reminders(db, user), self.oracle.reminders(user)
                if got != want:
                    self.problem(f"REMINDERS: user {user.id} has {got}, expected {want}")
            left = inbox_ids(db, waiting_only=True)
            if left:
                self.problem(f"INBOX: {len(left)} updates not applied after the final run")
            self.notes["inbox rows applied, not yet deleted at the end"] = len(inbox_ids(db)) - len(
                left
            )
        total = len(self.api.updates)
        if not self.api.all_acknowledged():
            self.problem(f"UNACKNOWLEDGED: offset {self.api.confirmed} at the end, {total} sent")

    def write_trace(self) -> None:
        """Every Bot API call and acknowledgement, one JSON object a line (for a post-mortem)."""
        with (self.workdir / "trace.jsonl").open("w") as out:
            for call in self.api.calls_since(0):
                params = {k: v for k, v in call.params.items() if isinstance(v, str | int)}
                keep = ("chat_id", "offset", "callback_query_id", "message_id", "reply_markup")
                record = {"seq": call.seq, "run": call.run, "at": round(call.at, 4)}
                record |= {"method": call.method, **{k: params[k] for k in keep if k in params}}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            for update_id, runs in sorted(self.api.served.items()):
                out.write(json.dumps({"update": update_id, "served_to": runs}) + "\n")

    def scan_logs(self) -> None:
        for path in sorted(self.workdir.glob("run-*.log")):
            for line in path.read_text(errors="replace").splitlines():
                if " ERROR " in line or " CRITICAL " in line:
                    self.problem(f"LOG {path.name}: {line[:300]}")
                if POISON_QUESTION in line or "Received data" in line:
                    self.problem(f"LOG {path.name}: an update's content: {line[:100]}")

    # -- the whole test ---------------------------------------------------------------------
    def run_all(self) -> int:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        if self.args.mode == "webhook":
            for _ in range(WEBHOOK_CONNECTIONS):
                threading.Thread(target=self.deliver_updates, daemon=True).start()
        started = time.monotonic()
        try:
            for index in range(self.args.kills):
                self.one_run(KILL_MODES[index % len(KILL_MODES)], index)
            self.final_run()
        finally:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            with self.api.cond:
                self.api.stopping = True
                self.api.cond.notify_all()
            self.server.shutdown()
            self.server.server_close()
            self.oracle.close()
            self.writer.stop()
        self.scan_logs()
        self.write_trace()
        self.report(time.monotonic() - started)
        return 1 if self.problems else 0

    def deliver_updates(self) -> None:
        """Telegram's webhook side: POST each update to the bot until it answers 200."""
        while (item := self.api.next_delivery()) is not None:
            update, hook = item
            path = urllib.parse.urlsplit(hook["url"]).path
            request = urllib.request.Request(
                f"http://127.0.0.1:{self.hook_port}{path}",
                data=json.dumps(update, ensure_ascii=False).encode(),
                headers={
                    "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": hook["secret"] or "",
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    ok = answer.status == 200
            except (OSError, http.client.HTTPException):
                ok = False  # refused (the bot is down), cut off by a kill, or an error status
            self.api.delivered(update, hook["run"], ok)
            if not ok:
                time.sleep(0.02)  # Telegram, too, waits before trying again

    def one_run(self, mode: str, index: int) -> None:
        self.kill_plan = {"mode": mode, "skip": self.rng.randrange(3) if mode != "random" else 0}
        if index == 1 and self.args.mode == "polling":
            self.api.conflicts_left = CONFLICT_BURST  # the previous instance is still polling
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
            self.problem(
                f"the bot exited by itself with status {code} (see run-{self.run:02d}.log)"
            )
        self.runs.append(
            {
                "run": self.run,
                "kill": fired or "none",
                "alive": round(time.monotonic() - start, 2),
            }
        )
        self.check_database(f"after kill {index + 1}")

    def final_run(self) -> None:
        self.kill_plan = {"mode": None}
        if self.args.mode == "polling":
            self.api.conflicts_left = CONFLICT_BURST
        start = time.monotonic()
        deadline = start + 30 + 2 * len(self.users)
        self.writer.start()
        self.start_bot()
        assert self.proc is not None
        while self.proc.poll() is None and time.monotonic() < deadline:
            self.step_users(final=True)
            users_done = all(u.finished or u.derailed for u in self.users)
            sent = self.reminder_sends()
            reminders_out = all(r in sent for r in self.seeded_reminders)
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
            self.problem(f"the bot exited by itself with status {self.proc.returncode}")
        else:
            if time.monotonic() >= deadline:
                self.problem("TIMEOUT: the final run did not finish every walk in time")
            self.proc.send_signal(signal.SIGTERM)
            try:
                code = self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                code = None
            if code != 0:
                self.problem(f"the bot did not stop cleanly on SIGTERM (status {code})")
        self.runs.append({"run": self.run, "kill": "SIGTERM (final)", "alive": 0})
        self.runs[-1]["alive"] = round(time.monotonic() - start, 2)
        self.check_database("after the final run", final=True)
        self.final_checks()

    def report(self, seconds: float) -> None:
        finished = sum(u.finished for u in self.users)
        walks = sum(len(u.walks) for u in self.users)
        print(
            f"killtest ({self.args.mode}): {len(self.users)} users, {self.args.kills} kills, "
            f"seed {self.args.seed}, "
            f"{seconds:.1f} s"
        )
        print(
            f"  updates sent {len(self.api.updates)}, acknowledged up to offset "
            f"{self.api.confirmed}; {walks} walks, users finished {finished}/{len(self.users)}; "
            f"seeded reminders {len(self.seeded_reminders)}"
        )
        if self.args.mode == "webhook":
            print(
                f"  updates POSTed twice at once (a resend while in the bot): {len(self.api.doubled)}"
            )
        with self.db() as db:
            has = db.execute("select 1 from sqlite_master where name = 'dead_letters'").fetchone()
            aside = db.execute("select count(*) from dead_letters").fetchone()[0] if has else 0
        print(
            f"  unreadable updates sent {len(self.poison_ids)}, dead letters {aside}; "
            f"409 Conflict answers to getUpdates {self.api.conflicts}"
        )
        print(
            f"  write locks held by another connection: {self.writer.locks} "
            f"({self.writer.long_locks} past the bot's busy timeout)"
        )
        kills = Counter(str(r["kill"]).split(",")[0] for r in self.runs)
        print("  runs: " + ", ".join(f"{kind} ×{n}" for kind, n in sorted(kills.items())))
        for note, count in sorted(self.notes.items()):
            print(f"  {note}: {count}")
        if self.args.verbose:
            for run in self.runs:
                print(f"    run {run['run']:2d}: {run['kill']} after {run['alive']} s")
        if self.problems:
            print(f"FAILED: {len(self.problems)} problem(s)")
            for line in self.problems[:60]:
                print(f"  - {line}")
            if len(self.problems) > 60:
                print(f"  … and {len(self.problems) - 60} more")
            print(f"  logs and database: {self.workdir}")
        else:
            print("OK: nothing acknowledged was lost, nothing applied twice, no half-written case")


def _buttons(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [str(button.get("callback_data")) for row in rows for button in row]


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
