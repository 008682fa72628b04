"""Property-based stories against the LINE adapter (hypothesis' stateful testing), as
``tests.test_properties.TelegramStories`` does for Telegram.

Each test case is a fresh database file, a fresh fake LINE platform on 127.0.0.1 and the
adapter's webhook (``bot.line_app``, a real tornado server), and a short random story for
three people on LINE (and two group chats): text (any Unicode, 10,000 characters),
commands, postbacks of the newest quick reply, of earlier ones, someone else's, forged and
garbage data; a case typed through to the broker's agreement (so that reminders come due);
follow and unfollow; stickers and images; events LINE delivers again
(``deliveryContext.isRedelivery``, the same ``webhookEventId``); requests with a forged
signature; messages and postbacks in a group or a room; the clock moving on with reminders
pushed, and the month's push quota used up.

Invariants, after every request: nothing is logged at ERROR; every Messaging API call
succeeds (a push may meet the quota's 429); every one-to-one event but an unfollow gets
exactly one reply (its reply token, once) and an unfollow none; every reply and push is
within LINE's limits (at most 5 messages, quick replies on the last one only, at most 13
buttons, labels at most 20 characters, postback data at most 300 characters and readable by
``bot.line_render.decode_postback``); no reply is the error handler's or a storage error;
one user's event changes no other user's rows; an event delivered again changes no rows; a
request with a forged signature is refused and changes nothing, calls nothing; a group or
room changes no rows and is answered at most once; nothing is pushed to a user who
unfollowed, nor while LINE says the quota is used up; a user whose reminder was held back by
the quota is told so in the reply that clears it.

Charts and PDFs are memoized (``tests.test_properties.memoized``): a failing story is
replayed hundreds of times while it is shrunk. What the stories found is kept as small
regression tests at the end.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlite_utils import Database

from bot.line_render import decode_postback
from fakes.line_platform import Call, FakeLine, LineUser, redelivered, serving, signature, webhook
from flows import letters, stats
from flows.engine import Engine
from flows.machine import TEXT_STATES
from flows.port import Attachment
from flows.store import LINE, Store, open_database
from flows.texts import CATALOGS
from scripts.killtest_checks import SEED_LINES as AGREED
from tests.conftest import FakeClock
from tests.test_line import Running, check_limits, line_user_id, running
from tests.test_properties import (
    CLOCK_STEPS,
    COMMANDS,
    FIELD_ANSWERS,
    GENERIC_ERRORS,
    NUMBERS,
    STORAGE_ERRORS,
    TELEGRAM_SETTINGS,
    ErrorLog,
    forged_data,
    memoized,
    rows_by_owner,
    typed_text,
)

# LINE user id, profile language (None: no profile language, the bot's default).
PEOPLE = (
    ("U4f1c2a0e9b7d6c5a4f3e2d1c0b9a8f71", "en"),
    ("U4f1c2a0e9b7d6c5a4f3e2d1c0b9a8f72", "ja"),
    ("U4f1c2a0e9b7d6c5a4f3e2d1c0b9a8f73", None),
)
LINE_IDS = [line_id for line_id, _ in PEOPLE]
GROUPS = (
    {"type": "group", "groupId": "C0123456789abcdef0123456789abcdef"},
    {"type": "room", "roomId": "R0123456789abcdef0123456789abcdef"},
)
REPLY = "/v2/bot/message/reply"
PUSH = "/v2/bot/message/push"
QUOTA_HELD = {catalog["line.quota_held"] for catalog in CATALOGS.values()}
# Every request goes through a real HTTP server and the fake platform (a few milliseconds);
# the Telegram stories' budget keeps this file within about half a minute.
LINE_SETTINGS = settings(TELEGRAM_SETTINGS, max_examples=25)
Owners = dict[int, dict[str, list[tuple[Any, ...]]]]


def line_text() -> st.SearchStrategy[str]:
    """What people type, as LINE delivers it (not empty), or a caller's number."""
    return st.one_of(typed_text().map(lambda text: text or "?"), st.sampled_from(NUMBERS))


def file_link(user_id: int, attachment: Attachment) -> str:
    """A file's address (``bot.line_app.file_link``'s shape, without the file server)."""
    return f"https://files.kotowari.test/{user_id}/{attachment.filename}"


class LineStories(RuleBasedStateMachine):
    """Three people (and a group and a room) writing to one running LINE webhook."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="kotowari-prop-line-"))
        self.clock = FakeClock()
        # Every postback data shown to a person, in order; the newest reply's buttons.
        self.shown: dict[str, list[str]] = {line_id: [] for line_id in LINE_IDS}
        self.latest: dict[str, list[str]] = {line_id: [] for line_id in LINE_IDS}
        # One-to-one events handled since the person's last erasure, to deliver again.
        self.processed: dict[str, list[dict[str, Any]]] = {line_id: [] for line_id in LINE_IDS}
        # Events answered by this process (since the last restart): not answered again.
        self.answered: set[str] = set()
        self.unfollowed: set[str] = set()
        self.errors = ErrorLog()
        self.stack = ExitStack()
        self.runner = asyncio.Runner()
        try:
            self.stack.enter_context(self.errors.installed())
            self.line = self.stack.enter_context(serving(FakeLine()))
            self.line.languages = {line_id: lang for line_id, lang in PEOPLE if lang}
            self.people = {line_id: LineUser(self.line, line_id) for line_id in LINE_IDS}
            self.stack.callback(self.runner.close)
            self.db = open_database(self.dir / "kotowari.db")
            self.stack.callback(self.db.close)
            self._running = running(self.line, self.make_engine, self.clock, file_link=file_link)
            self.run: Running = self.runner.run(self._running.__aenter__())
        except BaseException:
            self.stack.close()
            shutil.rmtree(self.dir, ignore_errors=True)
            raise

    def make_engine(self) -> Engine:
        return Engine(Store(self.db, self.clock))

    def teardown(self) -> None:
        try:
            self.runner.run(self._running.__aexit__(None, None, None))
        finally:
            self.stack.close()
            shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def sqlite(self) -> Database:
        return self.run.engine.store.db

    def user_id(self, line_id: str) -> int | None:
        row = self.sqlite.execute(
            "select id from users where channel = ? and external_id = ?", [LINE, line_id]
        ).fetchone()
        return None if row is None else int(row[0])

    # -- one request --------------------------------------------------------------------
    def post(
        self, events: list[dict[str, Any]], headers: dict[str, str] | None = None
    ) -> list[Call]:
        """POST one webhook request; the Messaging API calls it caused (all checked)."""
        start = len(self.line.calls)
        status = self.runner.run(self.run.post(events, headers))
        calls = self.line.calls[start:]
        assert not self.errors.records, f"logged at ERROR:\n{self.errors.describe()}"
        if headers is not None:
            assert status in (400, 401), f"a forged request answered {status}"
            return calls
        assert status == 200, f"a webhook request answered {status}"
        for call in calls:
            if call.path in (REPLY, PUSH):
                check_limits(call.body)
                texts = [m.get("text", "") for m in call.body["messages"]]
                assert not GENERIC_ERRORS & set(texts), "the error handler answered"
                assert not STORAGE_ERRORS & set(texts), "a storage error was answered"
            if call.path.startswith("/v2/bot/profile/"):
                continue  # 404: a profile without a language (the bot's default then)
            assert call.status < 300, f"a Messaging API call failed: {call}"
        return calls

    def private(self, line_id: str, event: dict[str, Any]) -> list[Call]:
        """One of the person's own events: one reply to them (an unfollow: none); no other
        user's rows changed."""
        before = rows_by_owner(self.sqlite)
        was = self.user_id(line_id)
        owed = self.owed_notice(was)
        calls = self.post([event])
        after = rows_by_owner(self.sqlite)
        me = self.user_id(line_id)
        for owner in set(before) | set(after):
            if owner not in (was, me):
                assert before.get(owner) == after.get(owner), (
                    f"{line_id}'s {event['type']} changed user {owner}'s rows"
                )
        replies = [c for c in calls if c.path == REPLY]
        if event["type"] == "unfollow":
            assert calls == [], "an unfollow was answered"
            self.unfollowed.add(line_id)
        else:
            assert [c.body["replyToken"] for c in replies] == [event["replyToken"]], (
                f"{event['type']} answered {len(replies)} times"
            )
            self.unfollowed.discard(line_id)  # back to where they can be reached
            self.answered.add(event["webhookEventId"])
            self.note_buttons(line_id, replies[0].body)
            first = replies[0].body["messages"][0].get("text", "")
            if owed and not self.owed_notice(me):
                assert first in QUOTA_HELD, "told nothing of the reminder held back"
            elif first in QUOTA_HELD:
                assert owed, "told of a reminder held back that was not (or again)"
        if me is None:
            self.processed[line_id] = []  # erased: older events are not delivered again
        else:
            self.processed[line_id].append(event)
        return calls

    def owed_notice(self, user_id: int | None) -> bool:
        """Whether the user has a reminder held back by the quota and was not told yet
        (``LineBot.held``, less ``LineBot.told`` where the adapter has it)."""
        bot = self.run.bot
        return user_id in bot.held and user_id not in getattr(bot, "told", ())

    def note_buttons(self, line_id: str, body: dict[str, Any]) -> None:
        items = (body["messages"][-1].get("quickReply") or {}).get("items", [])
        data = [item["action"]["data"] for item in items]
        for datum in data:
            assert decode_postback(datum) is not None, datum
        self.latest[line_id] = data
        self.shown[line_id].extend(d for d in data if d not in self.shown[line_id])

    # -- rules --------------------------------------------------------------------------
    @rule(line_id=st.sampled_from(LINE_IDS), text=line_text())
    def writes(self, line_id: str, text: str) -> None:
        self.private(line_id, self.people[line_id].text(text))

    @rule(line_id=st.sampled_from(LINE_IDS), command=st.sampled_from(COMMANDS))
    def commands(self, line_id: str, command: str) -> None:
        self.private(line_id, self.people[line_id].text(command))

    @rule(line_id=st.sampled_from(LINE_IDS), data=st.data())
    def follows_the_flow(self, line_id: str, data: st.DataObject) -> None:
        """A few steps as a cooperative person takes them: answer what is asked, else press
        a quick reply under the newest message (rarely back/cancel/close)."""
        person = self.people[line_id]
        for _ in range(data.draw(st.integers(1, 12), label="steps")):
            user_id = self.user_id(line_id)
            user = (self.run.engine.store.user(user_id) if user_id else None) or {}
            case = self.run.engine.store.case(user.get("active_case_id") or 0)
            if case is not None and case["state"] in TEXT_STATES:
                answers = FIELD_ANSWERS[case["state"].removeprefix("recording_")]
                self.private(line_id, person.text(data.draw(st.sampled_from(answers))))
                continue
            buttons = self.latest[line_id]
            if not buttons:
                start = data.draw(st.sampled_from(("/call", "/after", "/start")), label="start")
                self.private(line_id, person.text(start))
                continue
            rare = (".cancel", ".back", ".close", ".reopen")
            usual = [b for b in buttons if not b.endswith(rare) and "forget.yes" not in b]
            if not usual or data.draw(st.integers(0, 15), label="go back?") == 0:
                usual = buttons
            self.private(line_id, person.postback(data.draw(st.sampled_from(usual))))

    @rule(line_id=st.sampled_from(LINE_IDS), quiet=st.booleans(), leaves=st.booleans())
    def records_an_agreement(self, line_id: str, quiet: bool, leaves: bool) -> None:
        """A whole case typed (numbers for the options) up to the broker's agreement: two
        reminders to come (most random walks never get that far); then perhaps the person
        unfollows (blocks) the bot before the first is due."""
        user_id = self.user_id(line_id)
        user = (self.run.engine.store.user(user_id) if user_id else None) or {}
        if user.get("active_case_id") is not None:
            self.private(line_id, self.people[line_id].text("/cancel"))
        lines = AGREED if quiet else AGREED[1:]
        for text in lines:
            self.private(line_id, self.people[line_id].text(text.format(n=len(line_id))))
        if leaves:  # and the reminder comes due: nothing may be pushed to them
            self.private(line_id, self.people[line_id].unfollow())
            self._pass(timedelta(days=15), None)

    @precondition(lambda self: any(self.shown.values()))
    @rule(data=st.data())
    def presses_earlier(self, data: st.DataObject) -> None:
        """A quick reply shown to this person before (often no longer current)."""
        line_id = data.draw(st.sampled_from([p for p, shown in self.shown.items() if shown]))
        datum = data.draw(st.sampled_from(self.shown[line_id]), label="postback")
        self.private(line_id, self.people[line_id].postback(datum))

    @rule(line_id=st.sampled_from(LINE_IDS), forged=forged_data(), data=st.data())
    def presses_forged(self, line_id: str, forged: str, data: st.DataObject) -> None:
        """Someone else's postback data, a made-up token, garbage, data too long."""
        others = [d for other, shown in self.shown.items() if other != line_id for d in shown]
        if others and data.draw(st.booleans(), label="someone else's?"):
            forged = data.draw(st.sampled_from(others))
        elif data.draw(st.integers(0, 9), label="too long?") == 0:
            forged = "k1:" + "9" * 400
        self.private(line_id, self.people[line_id].postback(forged))

    @rule(line_id=st.sampled_from(LINE_IDS), kind=st.sampled_from(("sticker", "image")))
    def sends_a_sticker_or_an_image(self, line_id: str, kind: str) -> None:
        person = self.people[line_id]
        self.private(line_id, person.sticker() if kind == "sticker" else person.image())

    @rule(line_id=st.sampled_from(LINE_IDS), back=st.booleans())
    def unfollows_or_follows(self, line_id: str, back: bool) -> None:
        person = self.people[line_id]
        self.private(line_id, person.follow() if back else person.unfollow())

    @precondition(lambda self: any(self.processed.values()))
    @rule(data=st.data())
    def gets_an_event_again(self, data: st.DataObject) -> None:
        """LINE delivers an event again: the same webhookEventId, marked a redelivery, with a
        new reply token; nothing changes. Its answer reached the user: nothing is said; but
        after a restart (the bot cannot know whether it did), one reply."""
        line_id = data.draw(st.sampled_from([p for p, sent in self.processed.items() if sent]))
        event = data.draw(st.sampled_from(self.processed[line_id][-20:]), label="event")
        restarted = data.draw(st.booleans(), label="restarted")
        if restarted:
            self.run.bot.answered.clear()  # what a new process remembers
            self.answered.clear()
        answered = event["webhookEventId"] in self.answered
        again = redelivered([event])[0]
        if "replyToken" in event:
            again["replyToken"] = self.line.reply_token(line_id)
        before = rows_by_owner(self.sqlite)
        calls = self.post([again])
        after = rows_by_owner(self.sqlite)
        assert after == before, f"{event['webhookEventId']} applied twice"
        replies = [c for c in calls if c.path == REPLY]
        assert len(replies) == (0 if answered or event["type"] == "unfollow" else 1), calls
        if replies:
            self.answered.add(event["webhookEventId"])
            self.note_buttons(line_id, replies[0].body)

    @rule(
        line_id=st.sampled_from(LINE_IDS),
        text=st.one_of(st.sampled_from(COMMANDS), line_text()),
        tamper=st.sampled_from(("secret", "body", "missing")),
    )
    def forges_a_signature(self, line_id: str, text: str, tamper: str) -> None:
        """A request not signed with the channel secret: refused, nothing stored or sent."""
        person = self.people[line_id]
        events = [person.text(text), person.follow()]
        body, headers = webhook(events)
        if tamper == "secret":
            headers["X-Line-Signature"] = signature(body, "not the channel secret")
        elif tamper == "body":
            headers["X-Line-Signature"] = signature(body + b" ")
        else:
            del headers["X-Line-Signature"]
        before = rows_by_owner(self.sqlite)
        calls = self.post(events, headers)
        assert calls == [], f"a forged request caused calls: {calls}"
        assert rows_by_owner(self.sqlite) == before, "a forged request changed the database"

    @rule(
        line_id=st.sampled_from(LINE_IDS),
        chat=st.sampled_from(GROUPS),
        text=st.one_of(st.sampled_from(COMMANDS), line_text()),
        press=st.one_of(st.none(), forged_data()),
    )
    def writes_in_a_group(
        self, line_id: str, chat: dict[str, str], text: str, press: str | None
    ) -> None:
        person = self.people[line_id]
        source = {**chat, "userId": line_id}
        event = person.in_group(text) if press is None else person.postback(press)
        event["source"] = source
        before = rows_by_owner(self.sqlite)
        self.post([event])
        assert rows_by_owner(self.sqlite) == before, "a group message changed the database"
        told = Counter(call.body["replyToken"] for call in self.line.calls if call.path == REPLY)
        assert all(n == 1 for n in told.values()), "a reply token used twice"
        groups = [c for c in self.line.calls if c.path == REPLY and self._in_group(c)]
        assert len(groups) <= len(GROUPS), "a group or room was answered twice"

    def _in_group(self, call: Call) -> bool:
        texts = [m.get("text") for m in call.body["messages"]]
        return any(t == catalog["private_only"] for catalog in CATALOGS.values() for t in texts)

    @rule(step=st.sampled_from(CLOCK_STEPS), quota=st.sampled_from((None, "left", "used up")))
    def time_passes(self, step: timedelta, quota: str | None) -> None:
        """The clock moves on and the dispatcher pushes what is due; now and then the
        month's push quota is (or stops being) used up."""
        self._pass(step, quota)

    def _pass(self, step: timedelta, quota: str | None) -> None:
        if quota == "left":
            self.line.limit = self.line.used + 3
        elif quota == "used up":
            self.line.limit = self.line.used
        self.clock.now += step
        start = len(self.line.calls)
        self.runner.run(self.run.bot.dispatch_reminders(25))
        calls = self.line.calls[start:]
        assert not self.errors.records, f"logged at ERROR:\n{self.errors.describe()}"
        pushes = [c for c in calls if c.path == PUSH]
        for call in pushes:
            to = call.body["to"]
            assert to in LINE_IDS and to not in self.unfollowed, f"pushed to {to}"
            if call.status == 429:
                continue
            assert call.status == 200, call
            check_limits(call.body)
            self.note_buttons(to, call.body)
        if quota == "used up":
            assert not pushes, "pushed although LINE said the quota is used up"


def test_line_stories_keep_every_invariant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stats, "chart_png", memoized(stats.chart_png))
    monkeypatch.setattr(letters, "to_pdf", memoized(letters.to_pdf))
    run_state_machine_as_test(LineStories, settings=LINE_SETTINGS)


# -- what the stories found, kept as small regression tests --------------------------------
@pytest.fixture(name="line")
def fake_line() -> Iterator[FakeLine]:
    with serving(FakeLine()) as fake:
        yield fake


def _active(run: Running, line_id: str) -> int:
    row = run.engine.store.user(line_user_id(run, line_id))
    assert row is not None
    return int(row["active"])


async def test_a_message_delivered_again_does_not_bring_back_a_user_who_unfollowed(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        person = LineUser(line, "Ugone")
        message = person.text("/help")
        assert await run.post([person.follow(), message, person.unfollow()]) == 200
        assert _active(run, "Ugone") == 0
        again = {**redelivered([message])[0], "replyToken": line.reply_token("Ugone")}
        assert await run.post([again]) == 200
        assert _active(run, "Ugone") == 0, "a repeat made a user who left reachable again"


async def test_an_unfollow_delivered_again_does_not_stop_a_user_who_came_back(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        person = LineUser(line, "Uback")
        unfollow = person.unfollow()
        assert await run.post([person.follow(), unfollow, person.follow()]) == 200
        assert _active(run, "Uback") == 1
        assert await run.post(redelivered([unfollow])) == 200
        assert _active(run, "Uback") == 1, "a repeated unfollow stopped a user who is back"
