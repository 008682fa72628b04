"""The kill test's checks: the walks, their oracle, and what must hold after every kill.

``scripts/killtest.py`` (the driver) says what is checked and why; this module holds what a
simulated user does (``walk_for``, ``User``), what it must lead to (``Oracle``: the same
engine in-process on its own database), and ``Checks``: the database and the fake Bot API's
record compared after every kill and after the final run.

The engine (``flows``) is imported inside the functions that use it: ``--project`` puts
another source tree first on ``sys.path`` before they run.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fakes.bot_api import FakeTelegram
from fakes.users import POISON_QUESTION, Person

if TYPE_CHECKING:
    from killtest_line import LinePlatform

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


def seed(db_path: Path, user_ids: list[int], line_users: Sequence[str] = ()) -> list[int]:
    """Give users an old case whose two reminders are overdue (made 40 days ago). LINE users
    (``line_users``, LINE user ids) are given their accounts first, in order: their ids in
    the product are returned (the same in every database seeded alike)."""
    from flows.engine import Engine
    from flows.port import Inbound
    from flows.store import LINE, Store, open_database

    past = datetime.now(UTC) - timedelta(days=40)
    db = open_database(db_path)
    try:
        engine = Engine(Store(db, lambda: past))
        accounts = [engine.storage.account_user(LINE, line_user, "ja") for line_user in line_users]
        for user_id in user_ids:
            for line in SEED_LINES:
                engine.handle(Inbound(user_id, text=line.format(n=user_id % 10_000)))
            case = engine.store.case_by_number(user_id, 1)
            assert case is not None and case["state"] == "following_up", case
    finally:
        db.close()
    return accounts


def case_projection(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row.get(name) for name in COMPARED}


class Oracle:
    """The same engine in-process, on its own database: the expected rows after each step.

    One user's story does not depend on the others' (the property tests check that), so
    each walk can be run here when a user starts it, whatever the interleaving in the bot.
    """

    def __init__(self, workdir: Path, seeded: list[int], line_users: Sequence[str] = ()) -> None:
        from flows.engine import Engine
        from flows.store import Store, open_database

        path = workdir / "oracle.db"
        self.accounts = seed(path, seeded, line_users)  # the LINE users' ids
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
    person: Person = field(init=False)  # their Telegram account: the updates they send

    def __post_init__(self) -> None:
        self.person = Person(self.id, "User", "ja", updates=None, clock=lambda: int(time.time()))

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


# =========================================================================================
# The checks
# =========================================================================================
class Checks:
    """Compares the bot's database and the fake's record with the walks and the oracle;
    collects problems (``[run N] …``) and notes for the report."""

    def __init__(
        self,
        api: FakeTelegram | LinePlatform,
        users: list[User],
        oracle: Oracle,
        mode: str,
        workdir: Path,
        db_path: Path,
    ) -> None:
        self.api = api
        self.users = users
        self.oracle = oracle
        self.mode = mode
        self.workdir = workdir
        self.db_path = db_path
        self.run = 0  # the driver's current run, for the problems' prefix
        self.problems: list[str] = []
        self.notes: Counter[str] = Counter()
        self.lost_ids: set[int] = set()
        self.poison_ids: set[int] = set()  # the unreadable updates the driver sent
        self._sends: dict[int, list[int]] = {}
        self._sends_seen = 0
        with self.db() as db:
            self.seeded_reminders = {
                row[0]: row[1]
                for row in db.execute("select id, user_id from reminders where status = 'pending'")
            }

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
            if self.api.acknowledged(update_id) and (final or self.mode == "polling"):
                self.problem(f"POISON: update {update_id} acknowledged but not set aside ({when})")

    def reminder_sends(self) -> dict[int, list[int]]:
        """Reminder id -> the runs that sent it (from the recorded sendMessage calls)."""
        calls = self.api.calls_since(self._sends_seen)
        self._sends_seen += len(calls)
        for call in calls:
            if call.method != "sendMessage":
                continue
            found = re.search(r"k1:reminder\.(\d+)\.", str(call.params.get("reply_markup") or ""))
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
            left = len(self.api.held())
            self.problem(f"UNACKNOWLEDGED: {left} of {total} sent at the end")

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
