"""Property-based tests: random interleavings of several users against the engine and the
Telegram adapter (hypothesis' stateful testing).

Each test case is a fresh database file and a short random story for three people: commands
with arguments, buttons (current, stale, forged), any Unicode typed, photos, contacts, the
clock moving on and due reminders delivered. After every step the invariants below must
hold; hypothesis shrinks a failure to a short story printed with the error.

Engine: nothing escapes ``Engine.handle`` (nor is logged at ERROR); every message gets a
reply or a notice, never both; a notice changes nothing; one user's message touches only that
user's rows; a message delivered again (same update id) changes nothing; every case is in a
known state, its ``seq`` is its number of step events, its number is unique (1..n while
nothing was deleted); an active case is the user's own; every option fits Telegram's
callback data; the latest buttons work; a stale step button never does.

Telegram: no error reaches the error handler (nothing logged at ERROR, every Bot API call
succeeds); every callback query is answered exactly once; every private text, photo or
contact gets at least one sendMessage; an update delivered again changes nothing; an edited
message causes no request; a group message stores nothing and is answered at most once per
group.

Bugs the properties found are kept as small regression tests at the end (mark a new, open
one xfail(strict=True) until it is fixed).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
import re
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlite_utils import Database

from bot.telegram_render import CALL_BUTTON_TEXTS, encode_callback
from fakes.request import FakeBotApi
from fakes.users import Person
from flows import letters, machine, stats
from flows.engine import Engine
from flows.machine import CALL_STATES, STATES, TEXT_STATES
from flows.normalize import phone_number_in
from flows.port import Inbound, Response
from flows.store import BROKERS, CASES, EVENTS, REMINDERS, USERS, Store, open_database
from flows.texts import CATALOGS, Texts
from tests.conftest import FakeClock
from tests.test_telegram import running

USER_IDS = (101, 202, 303)
STORAGE_ERRORS = {catalog["storage_error"] for catalog in CATALOGS.values()}
GENERIC_ERRORS = {catalog["error_generic"] for catalog in CATALOGS.values()}
_CASE_TOKEN = re.compile(r"^(\d+)\.(\d+)\.([a-z_]+)$")

# A few steps of every story are expensive (a PNG chart, a PDF letter: 0.1–0.3 s); the rest
# take about a millisecond. These budgets keep the whole file well under a minute.
# A failing story is shrunk for at most five minutes (hypothesis' own limit); one bug at a
# time and no "explain" phase keep that short.
SHRINK_FAST = {
    "report_multiple_bugs": False,
    "phases": [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
}
STORIES = settings(
    stateful_step_count=40,
    deadline=None,
    print_blob=True,
    **SHRINK_FAST,
    # Drawing a 10,000-character string or a whole story is deliberate, not a slow strategy.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ENGINE_SETTINGS = settings(STORIES, max_examples=80)
TELEGRAM_SETTINGS = settings(STORIES, max_examples=40)


# -- what people type ---------------------------------------------------------------------
ODD = (
    "\x00",
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u0301",  # combining acute
    "e\u0301\u0308",
    "😀",
    "👨\u200d👩\u200d👧",
    "🇯🇵",
    "\ufeff",
    "\u3000",
    "\u200b",  # zero-width space
    "\u00ad",  # soft hyphen
    "፩",  # a digit int() cannot read
    "²",
    "\n",
    "\r\n",
    "\t",
    "ｶﾀｶﾅ",
    "𠮷",
    "<b>",
    "&amp;",
    "</i>",
    "%_\\",
    "'; drop table cases; --",
)
# Answers the flow understands somewhere, so stories get past the first steps.
USEFUL = (
    "1",
    "2",
    "3",
    "4",
    "１",
    "②",
    "2)",
    "-5",
    "skip",
    "back",
    "cancel",
    "スキップ",
    "戻る",
    "はい",
    "いいえ",
    "yes",
    "no",
    "今",
    "now",
    "リスト社",
    "日本名簿センター",
    "みらい不動産",
    "株式会社みらい不動産",
    "佐々木",
    "090-1234-5678",
    "+81 3-5555-0123",
    "03(5555)0123",
    "投資用マンション",
    "東京都知事(5)第12345号",
    "明日 10:00",
    "11/28 14:30",
    "2026-11-27 09:00",
    "昨日 15:00",
    "昨日 午後2時半",
    "3日前 10:00 頃",
    "11/19",
    "tomorrow 18:00",
    "12/1",
    "2/30 10:00",
    "25:99",
    "9999-12-31 23:59",
    "山田 花子",
    "東京都渋谷区神南9-9-9",
    *CALL_BUTTON_TEXTS,
)


def _join(parts: tuple[str, ...]) -> str:
    return "".join(parts)


def typed_text(max_long: int = 10_000) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(USEFUL),
        st.text(max_size=40),
        st.tuples(
            st.sampled_from(USEFUL + ODD), st.sampled_from(ODD), st.sampled_from(USEFUL + ODD)
        ).map(_join),
        # Long strings: built from two draws, not thousands.
        st.tuples(
            st.sampled_from(("x", "あ", "😀", "\u0301", "a\u202e")), st.integers(50, 4000)
        ).map(lambda pair: pair[0] * pair[1]),
        st.just("あ" * max_long),
    )


COMMANDS = (
    "/start",
    "/start ref123",
    "/help",
    "/call",
    "/call",
    "/after",
    "/after",
    "/cases",
    "/case 1",
    "/case 2",
    "/case #1",
    "/case １",
    "/case 999",
    "/case 9999999999",
    "/case abc",
    "/case",
    "/brokers",
    "/find リスト",
    "/find 090-1234-5678",
    "/who",
    "/who 090-1234-5678",
    "/who ０３（５５５５）０１２３",
    "/who 株式会社みらい不動産",
    "/who （株）みらい不動産",
    "/who 株式会社",
    "/find %",
    "/find",
    "/stats",
    "/cancel",
    "/language",
    "/language en",
    "/language 日本語",
    "/language klingon",
    "/reminders",
    "/settings",
    "/settings quiet 22-7",
    "/settings quiet off",
    "/settings quiet 25-99",
    "/settings tz Europe/London",
    "/settings tz Nowhere/Zone",
    "/settings tz ../../etc/passwd",
    "/export",
    "/forget",
    "/CALL",
    "/call@kotowari_test_bot",
    "/nosuchcommand",
)
FORGED = (
    "1.99.refused",
    "1.1.refused",
    "1.1.nosuchtrigger",
    "999999999.1.refused",
    "g.case.999",
    "g.case.1",
    "g.open.1",
    "g.del.1",
    "g.delyes.1",
    "g.delyes.2",
    "g.close.1",
    "g.reopen.1",
    "g.again.1",
    "g.letter.1",
    "g.lk.1-b",
    "g.lk.1-z",
    "g.lk.x-b",
    "g.snd.saved",
    "g.lph.skip",
    "g.keep.yes",
    "g.page.99",
    "g.page.0",
    "g.lang.xx",
    "g.lang.en",
    "g.tz.99",
    "g.quiet.13-1",
    "g.forget.maybe",
    "g.start.call",
    "g.start.call-0",
    "g.start.after-1",
    "g.start.call-x",
    "g.again.1-0",
    "g.again.1-",
    "g.lk.1-r",
    "r.5.done",
    "r.1.cancel",
    "r.1.continued",
    "r.999999999999.open",
    "r.1.nosuch",
    # Today's names of the same buttons (the ones above are earlier names, still answered).
    "case.999",
    "case.1",
    "case_continue.1",
    "case_delete_yes.2",
    "case_close.1",
    "called_again.1-0",
    "letter_kind.1-b",
    "letter_kind.1-z",
    "sender.saved",
    "sender_no_phone.skip",
    "keep_sender.yes",
    "head_office_unknown.skip",
    "called_again_now.1-now",
    "cases_page.99",
    "language.xx",
    "time_zone.9",
    "quiet_hours.13-1",
    "forget.maybe",
    "start.call-0",
    "reminder.1.continued",
    "reminder.999999999999.open",
    "reminder.1.nosuch",
    "who_now.1-0",
    "who_now.1-p81355550123-0",
    "who_now.999-0",
    "who_earlier.1",
    "who_not.1",
    "who_start.call-0",
    "who_start.after-p819012345678-0",
    "who_start.call-c1-0",
    "who_start.call-c999-0",
    "who_start.call-p123456-0",
    "1.1.check_number",
    "nosuchbutton.1",
    "",
    "..",
    "k1:1.1.refused",
)
FIELD_ANSWERS = {
    "broker": ("日本名簿センター", "リスト社", "ABC Data", "skip"),
    "company": ("みらい不動産", "株式会社みらい不動産", "Acme Realty", "skip"),
    "person": ("佐々木", "skip", "back"),
    "phone": ("090-1234-5678", "03-5555-0123", "+44 20 7946 0000", "skip", "12"),
    "product": ("投資用マンション", "保険", "1", "2", "skip"),
    "licence": ("東京都知事(5)第12345号", "skip"),
    "when": ("今", "1", "昨日 15:00", "11/26 14:30", "0001-01-01 00:00", "2/30 10:00", "skip"),
}
# Built once: a strategy built inside a rule is validated again at every draw.
SHORT_TEXT = typed_text(300)
LETTER_TEXT = st.one_of(st.sampled_from(USEFUL), SHORT_TEXT)
ANSWERS = {
    f"recording_{field}": st.one_of(st.sampled_from(answers), SHORT_TEXT)
    for field, answers in FIELD_ANSWERS.items()
}
CONTACT_PHONES = ("+81 90 1234 5678", "09012345678", "+1 555 0100", "", "電話", "+" + "9" * 30)
# A caller's number in every format people paste or type (``normalize.phone_number_in``).
NUMBERS = (
    "090-1234-5678",
    "+81 90 1234 5678",
    "０９０１２３４５６７８",
    "０３－５５５５－０１２３",
    "(03)5555-0123",
    "03 5555 0123",
    "tel:0355550123",
    "81355550123",
    "090ー1234ー5678",
    "0120-123-456",
    "+44 20 7946 0000",
    "+1 555 0100",
)
# What a number sent at a step may change: that step's field (and what a step moves).
_STEPPED = {"seq", "state", "updated_at", "fixing", "repeat_of", "repeat_refused_at"}
FIELD_COLUMNS = {f"recording_{field}": set(cols) for field, cols in machine.FIELD_COLUMNS.items()}
FIELD_COLUMNS["recording_broker"].add("broker_id")  # the broker's row, linked
FIELD_COLUMNS["recording_when"].add("refused_at")  # a refusal's time is its call's
# During a call (steps 1 and 2) a number is this call's number; a refused caller's is linked.
STEP_ONE_COLUMNS = {
    "phone_raw",
    "phone_e164",
    "repeat_of",
    "repeat_refused_at",
    "company",
    "company_norm",
    "product_kind",
    "updated_at",
}
# Where the caller's company or person is asked, a phone number is the caller's number.
CALLER_NAME_STATES = {
    "recording_company",
    "recording_person",
    "recording_product",
    "recording_licence",
}
TEXT_COLUMNS = ("company", "person", "broker_name", "product", "licence")
CLOCK_STEPS = (
    timedelta(minutes=1),
    timedelta(hours=1),
    timedelta(hours=5),
    timedelta(days=1),
    timedelta(days=3),
    timedelta(days=15),
    timedelta(days=31),
)


class ErrorLog(logging.Handler):
    """Collects records logged at ERROR or above anywhere (the root logger)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        logging.getLogger().addHandler(self)
        try:
            yield
        finally:
            logging.getLogger().removeHandler(self)

    def describe(self) -> str:
        return "\n".join(f"{r.name}: {r.getMessage()} {r.exc_text or ''}" for r in self.records)


# -- rows grouped by owner ----------------------------------------------------------------
def rows_by_owner(db: Database) -> dict[int, dict[str, list[tuple[Any, ...]]]]:
    """Every row of every table, grouped by the user it belongs to."""
    owners: dict[int, dict[str, list[tuple[Any, ...]]]] = {}
    for table in (USERS, CASES, EVENTS, BROKERS, REMINDERS):
        owner_column = "id" if table == USERS else "user_id"
        cursor = db.execute(f"select * from {table} order by id")
        names = [d[0] for d in cursor.description]
        index = names.index(owner_column)
        for row in cursor.fetchall():
            owners.setdefault(row[index], {}).setdefault(table, []).append(tuple(row))
    return owners


def without_bookkeeping(rows: dict[str, list[tuple[Any, ...]]], db: Database) -> dict[str, Any]:
    """A user's rows with the update-id bookkeeping blanked: which updates were seen is
    written for refused buttons too."""
    names = [d[0] for d in db.execute(f"select * from {USERS} limit 0").description]
    blank = {names.index(n) for n in ("last_update_id", "recent_update_ids") if n in names}
    users = [
        tuple(None if i in blank else value for i, value in enumerate(row))
        for row in rows.get(USERS, [])
    ]
    return {**rows, USERS: users}


# =========================================================================================
# The engine
# =========================================================================================
class EngineStories(RuleBasedStateMachine):
    """Three users talking to one engine on one database file, in any interleaving."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="kotowari-prop-"))
        self.db = open_database(self.dir / "kotowari.db")
        self.clock = FakeClock()
        self.engine = Engine(Store(self.db, self.clock))
        # The option tokens of the user's latest response that had options, and whether
        # nothing (no message of theirs, no clock change) happened since.
        self.latest: dict[int, list[str]] = {u: [] for u in USER_IDS}
        self.latest_fresh: dict[int, bool] = dict.fromkeys(USER_IDS, False)
        self.seen: dict[int, list[str]] = {u: [] for u in USER_IDS}
        self.reminder_buttons: dict[int, list[str]] = {u: [] for u in USER_IDS}
        # A user who deleted a case since their last /forget may have gaps in their numbers.
        self.deleted: dict[int, bool] = dict.fromkeys(USER_IDS, False)
        # Each message carries an increasing update id, as from Telegram; the ones sent since
        # the user's last /forget can be delivered again (a crash before confirmation).
        self.update_ids = itertools.count(1)
        self.delivered: dict[int, list[Inbound]] = {u: [] for u in USER_IDS}
        self.errors = ErrorLog()
        self._log = self.errors.installed()
        self._log.__enter__()

    def teardown(self) -> None:
        self._log.__exit__(None, None, None)
        self.db.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- one message ------------------------------------------------------------------
    def act(self, inbound: Inbound) -> Response:
        user = inbound.user_id
        if inbound.update_id is None:
            inbound = dataclasses.replace(inbound, update_id=next(self.update_ids))
            self.delivered[user].append(inbound)
        before = rows_by_owner(self.db)
        response = self.engine.handle(inbound)
        after = rows_by_owner(self.db)
        if response.erased:
            self.deleted[user] = False
            self.delivered[user] = []
        elif len(after.get(user, {}).get(CASES, [])) < len(before.get(user, {}).get(CASES, [])):
            self.deleted[user] = True
        assert not self.errors.records, f"logged at ERROR:\n{self.errors.describe()}"
        texts = [reply.text for reply in response.replies]
        assert not STORAGE_ERRORS & set(texts), f"storage error for {inbound!r}"
        assert response.replies or response.notice, f"no reply and no notice for {inbound!r}"
        assert not (response.replies and response.notice), f"replies and a notice: {response!r}"
        for reply in response.replies:
            assert reply.text or reply.attachments, f"an empty reply to {inbound!r}"
            tokens = [option.token for option in reply.options]
            assert len(tokens) == len(set(tokens)), f"duplicate buttons: {tokens}"
            for token in tokens:
                encode_callback(token)  # raises if it cannot be callback data
        for other in USER_IDS:
            if other != user:
                assert before.get(other) == after.get(other), (
                    f"user {user}'s {inbound!r} changed user {other}'s rows"
                )
        if response.notice is not None and user in before:
            # "Nothing changed" (flows.port.Response), bookkeeping aside.
            assert without_bookkeeping(before[user], self.db) == without_bookkeeping(
                after.get(user, {}), self.db
            ), f"{inbound!r} was refused ({response.notice}) but changed rows"
        offered = [o.token for reply in response.replies for o in reply.options]
        if offered:
            self.latest[user] = offered
            self.seen[user].extend(offered)
            self.latest_fresh[user] = True
        elif response.notice is None:
            self.latest_fresh[user] = False
        return response

    # -- rules ------------------------------------------------------------------------
    # Hypothesis picks rules evenly, so the cooperative user has two rules of the same body
    # and the odd messages share one: most steps move some case forward.
    @rule(user=st.sampled_from(USER_IDS), data=st.data())
    def follow_the_flow(self, user: int, data: st.DataObject) -> None:
        """A few steps as a cooperative user takes them: answer what is asked, press one of
        the step's buttons (rarely cancel), start a case when there is none."""
        for _ in range(data.draw(st.integers(1, 12), label="steps")):
            self._cooperate(user, data)

    @rule(user=st.sampled_from(USER_IDS), data=st.data())
    def follow_the_flow_again(self, user: int, data: st.DataObject) -> None:
        for _ in range(data.draw(st.integers(1, 12), label="steps")):
            self._cooperate(user, data)

    def _cooperate(self, user: int, data: st.DataObject) -> None:
        case = self._active_case(user)
        pending = (self.engine.store.user(user) or {}).get("pending")
        if pending and '"step"' in pending:
            text = data.draw(LETTER_TEXT, label="typed")
            self.act(Inbound(user, text=text))
        elif case is not None and case["state"] in TEXT_STATES:
            text = data.draw(ANSWERS[case["state"]], label="answer")
            self.act(Inbound(user, text=text))
        elif self.latest[user] and self.latest_fresh[user]:
            rare = (".cancel", ".back", ".close", ".reopen", "case_delete.1")
            options = [
                t for t in self.latest[user] if not t.endswith(rare) and "forget.yes" not in t
            ]
            if not options or data.draw(st.integers(0, 15), label="go back?") == 0:
                options = self.latest[user]
            token = data.draw(st.sampled_from(options), label="press")
            response = self.act(Inbound(user, choice=token))
            assert response.notice is None, f"the latest button {token!r} was refused"
        elif case is not None and data.draw(st.booleans(), label="where am I?"):
            self.act(Inbound(user, text="?"))  # shows the step again
        else:
            self.act(Inbound(user, text=data.draw(st.sampled_from(("/call", "/after", "/cases")))))

    @rule(
        user=st.sampled_from(USER_IDS),
        inbound=st.one_of(
            st.sampled_from(COMMANDS).map(lambda text: {"text": text}),
            typed_text(max_long=200).map(lambda text: {"text": f"/find {text}"}),
            st.sampled_from(COMMANDS).flatmap(
                lambda cmd: typed_text(60).map(lambda arg: {"text": f"{cmd} {arg}"})
            ),
            typed_text().map(lambda text: {"text": text}),
            st.sampled_from(("ja", "en", "fr", None)).map(
                lambda lang: {"text": "/start", "lang_hint": lang}
            ),
            st.sampled_from(("photo", "sticker", "voice", "document", "location")).map(
                lambda kind: {"attachment": kind}
            ),
            st.one_of(st.sampled_from(CONTACT_PHONES), st.text(max_size=30)).map(
                lambda phone: {"contact_phone": phone}
            ),
        ),
    )
    def odd_message(self, user: int, inbound: dict[str, Any]) -> None:
        """A command (with odd arguments), any text, a photo, a shared contact."""
        self.act(Inbound(user, **inbound))

    @rule(
        user=st.sampled_from(USER_IDS),
        number=st.sampled_from(NUMBERS),
        as_contact=st.booleans(),
    )
    def send_a_number(self, user: int, number: str, as_contact: bool) -> None:
        """A caller's number, typed, pasted or shared as a contact, at whatever step: it is
        that step's answer where a step asks for text (but the caller's name: there, it is
        the caller's number), else it is looked up; it never lands in another field."""
        active = self._active_case(user)
        state = active["state"] if active else None
        before = self._cases(user)
        if as_contact:
            self.act(Inbound(user, contact_phone=number))
        else:
            self.act(Inbound(user, text=number))
        after = self._cases(user)
        assert set(after) == set(before), f"{number!r} created or removed a case"
        for case_id, row in after.items():
            changed = {k for k, v in row.items() if before[case_id].get(k) != v}
            allowed: set[str] = set()
            caller_number = state in CALLER_NAME_STATES and not as_contact
            caller_number = caller_number and phone_number_in(number) is not None
            if active is not None and case_id == active["id"] and state is not None:
                if caller_number:
                    allowed = STEP_ONE_COLUMNS  # the caller's number, not its name
                elif state in FIELD_COLUMNS and (not as_contact or state == "recording_phone"):
                    allowed = FIELD_COLUMNS[state] | _STEPPED
                elif state in CALL_STATES:
                    allowed = STEP_ONE_COLUMNS  # the call's caller, checked (features.lookup)
            assert changed <= allowed, f"{number!r} at {state} changed {changed - allowed}"
            for column in TEXT_COLUMNS:
                if row.get(column) == number and before[case_id].get(column) != number:
                    assert column in allowed, f"{number!r} landed in {column} at {state}"
                    assert not caller_number, f"{number!r} stored as {column} at {state}"
            if "company" in changed and (state in CALL_STATES or caller_number):
                known = {c.get("company") for i, c in before.items() if i != case_id}
                assert row["company"] in known, "step 1 filled in a company not on record"

    def _cases(self, user: int) -> dict[int, dict[str, Any]]:
        return {
            row["id"]: row for row in self.engine.store.db[CASES].rows_where("user_id = ?", [user])
        }

    @precondition(lambda self: any(self.latest.values()))
    @rule(data=st.data())
    def press_latest(self, data: st.DataObject) -> None:
        user = data.draw(st.sampled_from([u for u in USER_IDS if self.latest[u]]))
        token = data.draw(st.sampled_from(self.latest[user]))
        fresh = self.latest_fresh[user]
        response = self.act(Inbound(user, choice=token))
        if fresh:
            assert response.notice is None, f"the latest button {token!r} was refused"

    @precondition(lambda self: any(self.seen.values()))
    @rule(data=st.data())
    def press_earlier(self, data: st.DataObject) -> None:
        """A button from any earlier message of this user's (often stale)."""
        user = data.draw(st.sampled_from([u for u in USER_IDS if self.seen[u]]))
        token = data.draw(st.sampled_from(self.seen[user]))
        active = self._active_case(user)
        response = self.act(Inbound(user, choice=token))
        match = _CASE_TOKEN.match(token)
        if match:
            pressed = (int(match.group(1)), int(match.group(2)))
            if active is None or (active["number"], active["seq"]) != pressed:
                assert response.notice is not None, f"a stale step button {token!r} worked"

    @rule(
        data=st.data(),
        user=st.sampled_from(USER_IDS),
        forged=st.one_of(st.sampled_from(FORGED), st.text(max_size=70)),
    )
    def press_forged(self, data: st.DataObject, user: int, forged: str) -> None:
        """Another user's button, a made-up token, or any text as a token."""
        owners = [u for u in USER_IDS if u != user and self.seen[u]]
        if owners and data.draw(st.booleans(), label="someone else's?"):
            forged = data.draw(st.sampled_from(self.seen[data.draw(st.sampled_from(owners))]))
        self.act(Inbound(user, choice=forged))

    @precondition(lambda self: any(self.reminder_buttons.values()))
    @rule(data=st.data())
    def press_reminder(self, data: st.DataObject) -> None:
        user = data.draw(st.sampled_from([u for u in USER_IDS if self.reminder_buttons[u]]))
        self.act(Inbound(user, choice=data.draw(st.sampled_from(self.reminder_buttons[user]))))

    @precondition(lambda self: any(self.delivered.values()))
    @rule(data=st.data())
    def delivered_again(self, data: st.DataObject) -> None:
        """A message already applied arrives again (the bot crashed before confirming it):
        it changes nothing, and the user is shown where they are."""
        user = data.draw(st.sampled_from([u for u in USER_IDS if self.delivered[u]]))
        inbound = data.draw(st.sampled_from(self.delivered[user][-20:]))
        before = rows_by_owner(self.db)
        response = self.act(inbound)
        assert rows_by_owner(self.db) == before, f"{inbound!r} delivered again changed rows"
        assert response.replies and response.notice is None

    @rule(step=st.sampled_from(CLOCK_STEPS), send=st.lists(st.booleans(), max_size=8))
    def time_passes(self, step: timedelta, send: list[bool]) -> None:
        """The clock moves on; the dispatcher sends what is due (a send may fail)."""
        self.clock.now += step
        self.latest_fresh = dict.fromkeys(USER_IDS, False)
        deliveries = self.engine.due_deliveries(100)
        assert not self.errors.records, self.errors.describe()
        for index, delivery in enumerate(deliveries):
            row = self.engine.store.reminder(delivery.reminder_id)
            assert row is not None and row["user_id"] == delivery.user_id
            assert row["status"] in ("pending", "snoozed")
            tokens = [option.token for option in delivery.reply.options]
            assert tokens and all(t.startswith(f"reminder.{delivery.reminder_id}.") for t in tokens)
            for token in tokens:
                encode_callback(token)
            if index < len(send) and not send[index]:
                self.engine.reminder_failed(delivery.reminder_id, "TimedOut")
                continue
            self.engine.reminder_sent(delivery.reminder_id)
            self.reminder_buttons[delivery.user_id].extend(tokens)
            sent = self.engine.store.reminder(delivery.reminder_id)
            assert sent is not None and sent["status"] == "sent"

    # -- invariants -------------------------------------------------------------------
    def _active_case(self, user: int) -> dict[str, Any] | None:
        row = self.engine.store.user(user)
        if row is None or row["active_case_id"] is None:
            return None
        return self.engine.store.case(row["active_case_id"])

    @invariant()
    def cases_are_whole(self) -> None:
        db = self.db
        for case_id, state, seq, steps in db.execute(
            f"select c.id, c.state, c.seq, (select count(*) from {EVENTS} e "
            f"where e.case_id = c.id and e.kind = 'step') from {CASES} c"
        ):
            assert state in STATES, f"case {case_id} in unknown state {state!r}"
            assert seq == steps, f"case {case_id}: seq {seq} but {steps} step events"
        orphans = db.execute(
            f"select count(*) from {EVENTS} where case_id not in (select id from {CASES})"
        ).fetchone()[0]
        orphans += db.execute(
            f"select count(*) from {REMINDERS} where case_id not in (select id from {CASES})"
        ).fetchone()[0]
        assert orphans == 0, "events or reminders without a case"
        mixed = db.execute(
            f"select count(*) from {EVENTS} e join {CASES} c on c.id = e.case_id "
            "where e.user_id != c.user_id"
        ).fetchone()[0]
        assert mixed == 0, "an event filed under another user than its case"

    @invariant()
    def numbers_are_the_users_own(self) -> None:
        for user in USER_IDS:
            numbers = [
                row[0]
                for row in self.db.execute(
                    f"select number from {CASES} where user_id = ? order by number", [user]
                )
            ]
            assert len(numbers) == len(set(numbers)), f"user {user}: duplicate numbers {numbers}"
            assert all(n >= 1 for n in numbers)
            if not self.deleted[user]:
                assert numbers == list(range(1, len(numbers) + 1)), f"user {user}: {numbers}"
            active = self.engine.store.user(user)
            if active is not None and active["active_case_id"] is not None:
                case = self.engine.store.case(active["active_case_id"])
                assert case is not None and case["user_id"] == user, "active case not the user's"


def memoized(function: Callable[..., bytes]) -> Callable[..., bytes]:
    """The same chart or PDF for the same input, made once: shrinking a failing story replays
    it hundreds of times, and these two cost 0.1–0.3 s where a step costs a millisecond."""
    made: dict[str, bytes] = {}

    def wrapper(*args: Any, **kwargs: Any) -> bytes:
        key = repr((args, sorted(kwargs.items())))
        if key not in made:
            made[key] = function(*args, **kwargs)
        return made[key]

    return wrapper


def test_engine_stories_keep_every_invariant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stats, "chart_png", memoized(stats.chart_png))
    monkeypatch.setattr(letters, "to_pdf", memoized(letters.to_pdf))
    run_state_machine_as_test(EngineStories, settings=ENGINE_SETTINGS)


# =========================================================================================
# The Telegram adapter
# =========================================================================================
PEOPLE = ((1001, "Hana", "en"), (1002, "花子", "ja"), (1003, "Ken", None))
GROUPS = (
    {"id": -1001234567890, "type": "supergroup", "title": "Neighbours"},
    {"id": -4242, "type": "group", "title": "Family"},
)
SENDS = ("sendMessage", "sendPhoto", "sendDocument")
EDITS = ("editMessageText", "editMessageReplyMarkup")


def telegram_text() -> st.SearchStrategy[str]:
    """What Telegram delivers: stripped, not empty, at most 4096 characters."""
    return st.one_of(
        typed_text(max_long=4096).map(lambda text: text.strip()[:4096] or "?"),
        st.sampled_from(NUMBERS),
    )


def forged_data() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(FORGED).map(lambda token: "k1:" + token),
        st.sampled_from(
            ("k2:1.1.refused", "k1:", "k1:" + "9" * 61, "1.1.refused", "k1:g.start.call")
        ),
        st.text(min_size=1, max_size=64),
    )


class TelegramStories(RuleBasedStateMachine):
    """Three people (and two groups) writing to one running Application."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="kotowari-prop-tg-"))
        self.api = FakeBotApi()
        self.people = {pid: Person(pid, name, lang) for pid, name, lang in PEOPLE}
        # (chat id, message id, callback data) of every button ever shown, in order
        self.buttons: list[tuple[int, int, str]] = []
        # Private updates processed since the person's last /forget, to deliver again.
        self.processed: dict[int, list[dict[str, Any]]] = {pid: [] for pid in self.people}
        self.errors = ErrorLog()
        self._log = self.errors.installed()
        self._log.__enter__()
        self.runner = asyncio.Runner()
        self._running = running(self.dir / "kotowari.db", FakeClock(), api=self.api)
        try:
            self.chat = self.runner.run(self._running.__aenter__())
        except BaseException:
            self.runner.close()
            self._log.__exit__(None, None, None)
            shutil.rmtree(self.dir, ignore_errors=True)
            raise

    def teardown(self) -> None:
        try:
            self.runner.run(self._running.__aexit__(None, None, None))
        finally:
            self.runner.close()
            self._log.__exit__(None, None, None)
            shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def db(self) -> Database:
        return self.chat.engine.store.db

    # -- one update -------------------------------------------------------------------
    def deliver(self, payload: dict[str, Any]) -> list[Any]:
        """Process one update; the Bot API calls it caused."""
        start = len(self.api.calls)
        self.runner.run(self.chat.send(payload))
        calls = self.api.calls[start:]
        assert not self.errors.records, f"logged at ERROR:\n{self.errors.describe()}"
        for call in calls:
            if call.method in EDITS and call.status != 200:
                key = (int(call.params["chat_id"]), int(call.params["message_id"]))
                assert key not in self.api.messages, f"an edit failed: {call}"
            else:
                assert call.status == 200, f"a Bot API call failed: {call}"
            if call.method == "sendMessage":
                assert call.params["text"] not in GENERIC_ERRORS, "the error handler answered"
        for (chat_id, message_id), message in self.api.messages.items():
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    entry = (chat_id, message_id, button["callback_data"])
                    if entry not in self.buttons:
                        self.buttons.append(entry)
        return calls

    def private(self, person: Person, payload: dict[str, Any]) -> None:
        calls = self.deliver(payload)
        sent = [
            c for c in calls if c.method == "sendMessage" and int(c.params["chat_id"]) == person.id
        ]
        assert sent, f"no message answered {payload}"
        self.remember(person, payload)

    def remember(self, person: Person, payload: dict[str, Any]) -> None:
        if self.chat.engine.store.user(person.id) is None:
            self.processed[person.id] = []  # forgotten: older updates are not redelivered
        else:
            self.processed[person.id].append(payload)

    def press(self, person: Person, message: dict[str, Any], data: str) -> None:
        payload = person.press(message, data)
        query_id = payload["callback_query"]["id"]
        before = rows_by_owner(self.db) if message["chat"]["type"] != "private" else None
        calls = self.deliver(payload)
        answers = [c for c in calls if c.method == "answerCallbackQuery"]
        assert [c.params["callback_query_id"] for c in answers] == [query_id], (
            f"callback {data!r} answered {len(answers)} times"
        )
        if before is not None:
            assert rows_by_owner(self.db) == before, "a button in a group changed the database"
        else:
            self.remember(person, payload)

    def chat_messages(self, person: Person) -> list[dict[str, Any]]:
        return [m for (chat, _), m in self.api.messages.items() if chat == person.id]

    # -- rules ------------------------------------------------------------------------
    @rule(pid=st.sampled_from([p[0] for p in PEOPLE]), text=telegram_text())
    def writes(self, pid: int, text: str) -> None:
        person = self.people[pid]
        self.private(person, person.text(text))

    @rule(pid=st.sampled_from([p[0] for p in PEOPLE]), command=st.sampled_from(COMMANDS))
    def commands(self, pid: int, command: str) -> None:
        person = self.people[pid]
        self.private(person, person.text(command))

    @rule(pid=st.sampled_from([p[0] for p in PEOPLE]), data=st.data())
    def follows_the_flow(self, pid: int, data: st.DataObject) -> None:
        """A few steps as a cooperative person takes them: answer what is asked, else press
        a button of the newest message that has buttons (rarely back/cancel/close)."""
        person = self.people[pid]
        for _ in range(data.draw(st.integers(1, 12), label="steps")):
            user = self.chat.engine.store.user(pid) or {}
            case = self.chat.engine.store.case(user.get("active_case_id") or 0)
            if case is not None and case["state"] in TEXT_STATES:
                answers = FIELD_ANSWERS[case["state"].removeprefix("recording_")]
                text = data.draw(st.sampled_from(answers), label="answer")
                self.private(person, person.text(text))
                continue
            shown = [m for m in self.chat_messages(person) if m.get("reply_markup")]
            if not shown:
                command = data.draw(st.sampled_from(("/call", "/after", "/start")), label="start")
                self.private(person, person.text(command))
                continue
            message = shown[-1]
            rows = message["reply_markup"]["inline_keyboard"]
            buttons = [b["callback_data"] for row in rows for b in row]
            rare = (".cancel", ".back", ".close", ".reopen")
            usual = [b for b in buttons if not b.endswith(rare) and "forget.yes" not in b]
            if not usual or data.draw(st.integers(0, 15), label="go back?") == 0:
                usual = buttons
            self.press(person, message, data.draw(st.sampled_from(usual), label="button"))

    @precondition(lambda self: bool(self.buttons))
    @rule(data=st.data())
    def presses_earlier(self, data: st.DataObject) -> None:
        """Any button ever shown in the presser's chat, on the message it was on."""
        chat_id, message_id, button = data.draw(st.sampled_from(self.buttons))
        person = self.people[chat_id]
        self.press(person, self.api.messages[chat_id, message_id], button)

    @rule(pid=st.sampled_from([p[0] for p in PEOPLE]), forged=forged_data(), data=st.data())
    def presses_forged(self, pid: int, forged: str, data: st.DataObject) -> None:
        """Someone else's button, a made-up token, garbage; on a message of theirs or a
        message the bot never sent."""
        person = self.people[pid]
        others = [b for b in self.buttons if b[0] != pid]
        if others and data.draw(st.booleans(), label="someone else's?"):
            forged = data.draw(st.sampled_from(others))[2]
        mine = self.chat_messages(person)
        if mine and data.draw(st.booleans(), label="on my message?"):
            message = mine[-1]
        else:
            message = {"message_id": 99_999, "date": 1, "chat": person.chat, "text": "?"}
        self.press(person, message, forged)

    @rule(pid=st.sampled_from([p[0] for p in PEOPLE]))
    def sends_a_photo(self, pid: int) -> None:
        person = self.people[pid]
        self.private(person, person.photo())

    @rule(
        pid=st.sampled_from([p[0] for p in PEOPLE]),
        phone=st.one_of(st.sampled_from(CONTACT_PHONES[:3]), st.text(min_size=1, max_size=20)),
    )
    def shares_a_contact(self, pid: int, phone: str) -> None:
        person = self.people[pid]
        self.private(person, person.contact(phone))

    @precondition(lambda self: any(self.processed.values()))
    @rule(data=st.data())
    def gets_an_update_again(self, data: st.DataObject) -> None:
        """Telegram delivers an update again (the bot crashed before confirming it): the
        database does not change, a button is answered once, a message gets a reply."""
        pid = data.draw(st.sampled_from([p for p, sent in self.processed.items() if sent]))
        payload = data.draw(st.sampled_from(self.processed[pid][-20:]))
        before = rows_by_owner(self.db)
        calls = self.deliver(payload)
        assert rows_by_owner(self.db) == before, f"update {payload['update_id']} applied twice"
        if "callback_query" in payload:
            answers = [c for c in calls if c.method == "answerCallbackQuery"]
            assert len(answers) == 1, f"a repeated callback answered {len(answers)} times"
        else:
            assert any(c.method == "sendMessage" for c in calls), "a repeated message: no reply"

    @rule(pid=st.sampled_from([p[0] for p in PEOPLE]), text=telegram_text())
    def edits_a_message(self, pid: int, text: str) -> None:
        person = self.people[pid]
        before = rows_by_owner(self.db)
        calls = self.deliver(person.edited(1, text))
        assert [c.method for c in calls] == ["sendMessage"], "an edit: one hint, nothing else"
        assert calls[0].params["text"] in {Texts(lang)("edit_not_read") for lang in CATALOGS}
        assert rows_by_owner(self.db) == before, "an edited message changed what is stored"

    @rule(
        pid=st.sampled_from([p[0] for p in PEOPLE]),
        group=st.sampled_from(GROUPS),
        text=st.one_of(st.sampled_from(COMMANDS), telegram_text()),
        press=st.one_of(st.none(), forged_data()),
    )
    def writes_in_a_group(
        self, pid: int, group: dict[str, Any], text: str, press: str | None
    ) -> None:
        person = self.people[pid]
        before = rows_by_owner(self.db)
        if press is None:
            self.deliver(person.text(text, chat=group))
        else:
            message = {"message_id": 7, "date": 1, "chat": group, "text": text}
            self.press(person, message, press)
        assert rows_by_owner(self.db) == before, "a group message changed the database"
        told = [c for c in self.api.calls if c.method in SENDS and int(c.params["chat_id"]) < 0]
        per_group = Counter(int(c.params["chat_id"]) for c in told)
        assert all(n == 1 for n in per_group.values()), f"a group was answered twice: {per_group}"


def test_telegram_stories_keep_every_invariant() -> None:
    run_state_machine_as_test(TelegramStories, settings=TELEGRAM_SETTINGS)


# -- what the properties found, kept as small regression tests ----------------------------
def _to_step(engine: Engine, lines: tuple[str, ...], state: str, user: int = 1) -> None:
    for line in lines:
        engine.handle(Inbound(user, text=line))
    case = engine.store.case_by_number(user, 1)
    assert case is not None and case["state"] == state


TO_WHEN = ("/after", "1", "1", "リスト社", "みらい不動産", "skip", "skip", "skip")
TO_DEMANDING = (*TO_WHEN, "skip", "1")


@pytest.mark.parametrize(
    ("lines", "state"),
    [(TO_WHEN, "recording_when"), ((*TO_DEMANDING, "later"), "scheduling")],
    ids=["call time", "reminder time"],
)
def test_a_date_in_year_one_is_refused_not_a_crash(
    engine: Engine, lines: tuple[str, ...], state: str
) -> None:
    _to_step(engine, lines, state)
    response = engine.handle(Inbound(1, text="0001-01-01 00:00"))
    assert response.replies  # "bad_when" / "bad_remind_time", and the step again
    case = engine.store.case_by_number(1, 1)
    assert case is not None and case["state"] == state


def test_a_refused_button_keeps_the_letter_dialog(engine: Engine) -> None:
    _to_step(engine, TO_DEMANDING, "demanding")
    for choice in ("letter.1", "letter_kind.1-b"):
        assert engine.handle(Inbound(1, choice=choice)).notice is None
    pending = engine.store.user(1)["pending"]
    assert pending is not None
    stale = engine.handle(Inbound(1, choice="1.1.yes_refused"))
    assert stale.notice is not None and not stale.replies
    assert engine.store.user(1)["pending"] == pending
    # The address typed next is the letter's (its addressee's), not an answer to the step.
    asked = engine.handle(Inbound(1, text="東京都渋谷区神南9-9-9"))
    assert [r.text for r in asked.replies] == [CATALOGS["ja"]["letter_ask_name"]]


def test_the_in_3_days_button_works(engine: Engine) -> None:
    _to_step(engine, (*TO_DEMANDING, "later"), "scheduling")
    case = engine.store.case_by_number(1, 1)
    assert case is not None
    response = engine.handle(Inbound(1, choice=f"1.{case['seq']}.remind_3days"))
    assert response.notice is None
    case = engine.store.case_by_number(1, 1)
    assert case is not None and case["state"] == "awaiting_call"


def test_the_buttons_after_closing_another_case_work(engine: Engine) -> None:
    _to_step(engine, (*TO_DEMANDING, "応じた"), "following_up")
    engine.handle(Inbound(1, text="/call"))  # case 2 is now the active one
    closed = engine.handle(Inbound(1, choice="case_close.1"))
    assert closed.notice is None and closed.replies
    case = engine.store.case_by_number(1, 1)
    assert case is not None and case["state"] == "closed"
    for token in [o.token for r in closed.replies for o in r.options][:1]:
        assert engine.handle(Inbound(1, choice=token)).notice is None


# Found by reading the redelivery fix (not by a property): the Bot API says update ids are
# chosen at random after a week without updates, so a lower id is not necessarily older.
def test_update_ids_chosen_anew_after_a_quiet_week_are_not_taken_for_repeats(
    engine: Engine,
) -> None:
    engine.handle(Inbound(1, text="/call", update_id=987_654_321))
    # Eight days later Telegram numbers updates afresh, from a random (here lower) id.
    answer = engine.handle(Inbound(1, text="/help", update_id=4_242))
    assert [r.text for r in answer.replies] == [Texts("ja")("help")]
    assert engine.handle(Inbound(1, choice="1.1.refused", update_id=4_243)).notice is None
    case = engine.store.case_by_number(1, 1)
    assert case is not None and case["state"] == "asking_source"
