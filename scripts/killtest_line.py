"""The kill test's LINE side (``scripts/killtest.py --channel line``).

``LinePlatform`` is ``fakes.line_platform.FakeLine`` (the Messaging API: replies, pushes,
quota, profiles) with what the driver and ``killtest_checks.Checks`` read from the fake Bot
API in the Telegram modes: the events the users send (``enqueue``), which were answered 200
(``acknowledged``, ``ack_run``), and every reply or push as a ``fakes.bot_api.Call``
(``calls_since``): method ``sendMessage``, the user's id in the product as ``chat_id``, the
quick-reply buttons' postback data in ``reply_markup`` (``k1:`` + option token, the format of
Telegram's callback data), ``line`` = ``reply`` or ``push``. Each bot process calls with its
own access token (``fakes.bot_api.token_for(run)``), so a call says which run made it.

``LineWebhookSender`` is LINE's webhook side: it POSTs signed requests of several events to
the bot (several users' events in one request, each user's in order: a user's next events go
out only once the earlier ones were answered 200), on a few connections at once, and sends a
request's events again (``deliveryContext.isRedelivery``, the same ``webhookEventId``, a new
reply token) until a request carrying them is answered 200.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fakes.bot_api import Call, run_of
from fakes.line_platform import SECRET, TOKEN, FakeLine, signature

REPLY = "/v2/bot/message/reply"
PUSH = "/v2/bot/message/push"


@dataclass
class Held:
    """One event a user sent, until a request carrying it is answered 200."""

    id: int  # the driver's number for it (``Sent.update_id``)
    user: str  # the LINE user id
    event: dict[str, Any]


@dataclass
class LinePlatform(FakeLine):
    """The fake Messaging API, and the record the kill test's checks read."""

    cond: threading.Condition = field(default_factory=threading.Condition)
    # LINE user id -> the user's id in the product (``flows.store`` allocates it)
    accounts: dict[str, int] = field(default_factory=dict)
    events: list[Held] = field(default_factory=list)
    answered: dict[int, int] = field(default_factory=dict)  # event -> the run answering 200
    served: dict[int, list[int]] = field(default_factory=dict)  # event -> runs POSTed to
    fetched: dict[int, set[int]] = field(default_factory=dict)  # run -> events POSTed to it
    record: list[Call] = field(default_factory=list)
    shown: dict[int, set[str]] = field(default_factory=dict)  # user -> postback data shown
    run: int = 0  # the bot process now started (the one POSTs go to)
    stopping: bool = False
    # Called outside the locks for every reply or push LINE accepted, before the bot has
    # the answer (the driver may kill it right then).
    on_call: Callable[[Call], None] | None = None
    on_confirm: Callable[[int, set[int]], None] | None = None  # never: no getUpdates

    # -- the Messaging API ----------------------------------------------------------------
    def handle(
        self, method: str, path: str, auth: str, body: dict[str, Any], retry_key: str = ""
    ) -> tuple[int, Any]:
        run = run_of(auth.removeprefix("Bearer "))
        with self.lock:
            to = self.tokens.get(str(body.get("replyToken"))) if path == REPLY else body.get("to")
        bearer = f"Bearer {TOKEN}" if run else auth
        status, answer = super().handle(method, path, bearer, body, retry_key)
        if status >= 300 or path not in (REPLY, PUSH) or not isinstance(to, str):
            return status, answer
        data = [
            str(item["action"].get("data"))
            for message in body.get("messages") or []
            for item in (message.get("quickReply") or {}).get("items", [])
        ]
        texts = [str(m.get("text", "")) for m in body.get("messages") or []]
        with self.cond:
            chat = self.accounts.get(to, 0)
            call = Call(
                "sendMessage",
                {
                    "chat_id": chat,
                    "text": "\n".join(texts),
                    "reply_markup": json.dumps(data),
                    "line": "reply" if path == REPLY else "push",
                },
                seq=len(self.record) + 1,
                run=run,
                at=time.monotonic(),
            )
            self.record.append(call)
            self.shown.setdefault(chat, set()).update(data)
        if self.on_call is not None:
            self.on_call(call)
        return status, answer

    # -- the users' events (what the checks read) ---------------------------------------
    def enqueue(self, user: str, event: dict[str, Any]) -> int:
        with self.cond:
            number = len(self.events) + 1
            self.events.append(Held(number, user, event))
            self.cond.notify_all()
            return number

    @property
    def updates(self) -> list[Held]:
        return self.events

    @property
    def confirmed(self) -> int:
        """How many events were answered 200."""
        with self.cond:
            return len(self.answered)

    def held(self) -> list[Held]:
        """The events not answered 200 yet, oldest first."""
        with self.cond:
            return [held for held in self.events if held.id not in self.answered]

    def acknowledge(self, ids: list[int], run: int) -> None:
        with self.cond:
            for number in ids:
                self.answered.setdefault(number, run)
            self.cond.notify_all()

    def acknowledged(self, update_id: int) -> bool:
        with self.cond:
            return update_id in self.answered

    def all_acknowledged(self) -> bool:
        return not self.held()

    def ack_run(self, update_id: int) -> int | None:
        with self.cond:
            return self.answered.get(update_id)

    def calls_since(self, seq: int) -> list[Call]:
        with self.cond:
            return self.record[seq:]

    def shown_button(self, chat_id: int, data: re.Pattern[str]) -> str | None:
        """Postback data matching ``data`` that the bot showed the user (any of them)."""
        with self.cond:
            return next((d for d in self.shown.get(chat_id, set()) if data.fullmatch(d)), None)

    def latest_message(self, chat_id: int, button: str | None = None) -> dict[str, Any] | None:
        """Whether the bot ever showed the user this button (LINE has no message to press it
        on: a postback carries only its data)."""
        with self.cond:
            shown = self.shown.get(chat_id, set())
            if (button is None and shown) or button in shown:
                return {"chat": chat_id}
        return None

    def stop(self) -> None:
        with self.cond:
            self.stopping = True
            self.cond.notify_all()


class LineWebhookSender:
    """LINE's webhook side (see the module's docstring); stopped by ``platform.stop()``."""

    def __init__(
        self,
        platform: LinePlatform,
        port: int,
        path: str,
        seed: int = 0,
        max_users: int = 3,
        max_events: int = 4,
    ) -> None:
        self.platform = platform
        self.url = f"http://127.0.0.1:{port}{path}"
        self.rng = random.Random(seed)
        self.max_users = max_users
        self.max_events = max_events
        self.delivering: Counter[int] = Counter()  # event -> requests under way carrying it
        self.posted: set[int] = set()  # events that reached the bot at least once
        self.requests = 0
        self.redeliveries = 0  # events that reached the bot again (isRedelivery)
        # HTTP status -> how often (0: cut off by a kill; -1: refused, the bot not up)
        self.answers: Counter[int] = Counter()
        self.sizes: Counter[int] = Counter()  # events per request -> how often
        # Called after a 200 (outside the lock) as on_answered(run, event).
        self.on_answered: Callable[[int, int], None] | None = None

    def start(self, connections: int) -> None:
        for _ in range(connections):
            threading.Thread(target=self._send, daemon=True).start()

    def in_flight(self) -> int:
        """Events in requests under way now."""
        with self.platform.cond:
            return sum(self.delivering.values())

    def _send(self) -> None:
        while (picked := self._next()) is not None:
            ids, events, run = picked
            body = json.dumps({"destination": "Ukilltest", "events": events}).encode()
            request = urllib.request.Request(
                self.url,
                data=body,
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "X-Line-Signature": signature(body, SECRET),
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    status = int(answer.status)
            except urllib.error.HTTPError as error:
                status = int(error.code)  # 503: a step not stored now; sent again
            except urllib.error.URLError as error:
                refused = isinstance(error.reason, ConnectionRefusedError)
                status = -1 if refused else 0
            except (OSError, http.client.HTTPException):
                status = 0  # cut off by a kill
            with self.platform.cond:
                self.answers[status] += 1
                for number in ids:
                    self.delivering[number] -= 1
                if status != -1:  # it reached the bot: LINE's next try is a redelivery
                    self.redeliveries += sum(number in self.posted for number in ids)
                    self.posted.update(ids)
            if status == 200:
                self.platform.acknowledge(ids, run)
                if self.on_answered is not None:
                    for number in ids:
                        self.on_answered(run, number)
            else:
                time.sleep(0.1 if status == -1 else 0.02)  # LINE, too, waits a little

    def _next(self) -> tuple[list[int], list[dict[str, Any]], int] | None:
        """The next request's events (waits for some): the oldest held events of up to
        ``max_users`` users with nothing under way, up to ``max_events`` each, in order."""
        platform = self.platform
        with platform.cond:
            while not platform.stopping:
                picked = self._pick()
                if picked:
                    run = platform.run
                    events = []
                    for held in picked:
                        self.delivering[held.id] += 1
                        again = held.id in self.posted
                        events.append(
                            {
                                **held.event,
                                "replyToken": platform.reply_token(held.user),
                                "deliveryContext": {"isRedelivery": again},
                            }
                        )
                        platform.fetched.setdefault(run, set()).add(held.id)
                        platform.served.setdefault(held.id, []).append(run)
                    self.requests += 1
                    self.sizes[len(picked)] += 1
                    return [held.id for held in picked], events, run
                platform.cond.wait(0.05)
        return None

    def _pick(self) -> list[Held]:
        busy = {self.platform.events[i - 1].user for i, n in self.delivering.items() if n}
        users = self.rng.randint(1, self.max_users)
        chosen: dict[str, list[Held]] = {}
        for held in self.platform.events:
            if held.id in self.platform.answered or held.user in busy:
                continue
            mine = chosen.get(held.user)
            if mine is None:
                if len(chosen) == users:
                    continue
                mine = chosen[held.user] = []
            if len(mine) < self.max_events:
                mine.append(held)
            else:
                busy.add(held.user)  # the rest of theirs wait for these
        out = [held for mine in chosen.values() for held in mine]
        self.rng.shuffle(out)  # users interleaved; each user's own stay in order below
        return sorted(out, key=lambda held: (held.user, held.id)) if len(chosen) < 2 else _mix(out)


def _mix(events: list[Held]) -> list[Held]:
    """Interleave users' events (as LINE does) keeping each user's own in order."""
    order = [held.user for held in events]  # a random interleaving of the users
    queues: dict[str, list[Held]] = {}
    for held in sorted(events, key=lambda held: held.id):
        queues.setdefault(held.user, []).append(held)
    return [queues[user].pop(0) for user in order]
