"""How many SQL statements a step costs: structure, not timings (benchmarks measure).

Each statement is ~5-10 µs of a step's ~150 µs in the engine; these tests keep the count
from creeping back: one read of the user with their active case, one write of the user
row however many of its columns a message changes, no schema look-ups (sqlite-utils'
``rows_where`` queried sqlite_master twice per call).
"""

from __future__ import annotations

import re
import statistics

from benchmarks.bench import script
from flows.engine import Engine
from flows.port import Inbound
from flows.store import REMINDERS

FRAME = ("BEGIN IMMEDIATE", "COMMIT")
# A step that moves the case and nothing else: read the user with the case, update the
# case, add its event, update the user (the update id, the step shown).
PLAIN_STEP = 4


def traced_case(
    engine: Engine, user_id: int, first_update: int = 1, variant: int | None = None
) -> list[tuple[str, list[str]]]:
    """The bench's whole case (15 updates) for one user: each step's statements inside its
    transaction. ``variant`` picks the case's broker and company (the user id's if None)."""
    statements: list[str] = []

    trigger_next = False

    def traced(sql: str) -> None:
        # m019's trigger is entered after each reminder's INSERT (it does nothing when the
        # INSERT set the route, as Store.add_reminder's does: ~0.15 µs), and Python 3.11's
        # trace reports that with the INSERT's own text: not a statement of the step's.
        nonlocal trigger_next
        if trigger_next and statements and sql == statements[-1]:
            trigger_next = False
            return
        trigger_next = sql.startswith(f"insert into {REMINDERS} ")
        statements.append(sql)

    engine.store.conn.set_trace_callback(traced)
    steps = []
    options: dict[str, str] = {}
    try:
        for update_id, (action, value) in enumerate(
            script(user_id if variant is None else variant), start=first_update
        ):
            inbound = (
                Inbound(user_id, text=value, lang_hint="ja", update_id=update_id)
                if action == "text"
                else Inbound(user_id, choice=options[value], lang_hint="ja", update_id=update_id)
            )
            statements.clear()
            response = engine.handle(inbound)
            shown = [o for r in response.replies for o in r.options]
            if shown:
                options = {o.token.rsplit(".", 1)[-1]: o.token for o in shown}
            steps.append((value, [s for s in statements if s not in FRAME]))
    finally:
        engine.store.conn.set_trace_callback(None)
    return steps


def test_a_plain_step_costs_four_statements_and_a_case_five_and_a_half_on_average(
    engine: Engine,
) -> None:
    traced_case(engine, 1)  # a second case: the user and a broker already exist
    steps = traced_case(engine, 1, first_update=100)
    counts = {value: len(statements) for value, statements in steps}
    for tap in ("refused", "named", "skip", "property", "confirm"):
        assert counts[tap] == PLAIN_STEP, (tap, dict(steps)[tap])
    assert statistics.mean(counts.values()) <= 5.5, counts
    assert max(counts.values()) <= 12, counts  # /call: user, case number, case, two events


def test_a_step_writes_the_user_row_once_and_never_reads_the_schema(engine: Engine) -> None:
    for value, statements in traced_case(engine, 2):
        user_writes = [s for s in statements if re.match(r"update users set", s)]
        assert len(user_writes) <= 1 or value == "/call", (value, user_writes)
        assert not [s for s in statements if "sqlite_master" in s], value
        reads_of_user = [
            s for s in statements if s.startswith("select u.*, null as case_columns_follow, c.*")
        ]
        assert len(reads_of_user) == 1, (value, statements)


def test_merged_user_changes_are_read_back_and_dropped_with_a_failed_savepoint(
    engine: Engine,
) -> None:
    store = engine.store
    with store.transaction():
        store.create_user(5, "ja")
    with store.transaction():
        store.update_user(5, language="en")
        assert (store.user(5) or {})["language"] == "en", "a read sees the merged change"
        try:
            with store.transaction():  # a savepoint
                store.update_user(5, time_zone="UTC")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        store.update_user(5, quiet_hours="22-7")
    user = store.user(5) or {}
    assert (user["language"], user["time_zone"], user["quiet_hours"]) == (
        "en",
        "Asia/Tokyo",
        "22-7",
    )
    try:
        with store.transaction():
            store.update_user(5, language="ja")
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    assert (store.user(5) or {})["language"] == "en", "nothing left over from a rollback"


def test_the_case_read_with_its_user_is_read_again_once_a_row_changed(engine: Engine) -> None:
    engine.handle(Inbound(6, text="/call", lang_hint="ja"))
    store = engine.store
    with store.transaction():
        user = store.user_with_case(6) or {}
        case_id = user["active_case_id"]
        store.conn.execute("update cases set seq = 99 where id = ?", [case_id])
        assert (store.case(case_id) or {})["seq"] == 99
    with store.transaction():
        store.user_with_case(6)
        first, second = store.case(case_id), store.case(case_id)
        assert first is not second and first == second, "handed out once, then read again"
    outside = store.user_with_case(6)
    assert outside is not None and store._prefetched is None, "only inside a transaction"


def test_a_column_added_to_users_meanwhile_does_not_shift_the_case(engine: Engine) -> None:
    """A newer version's migration (a shell run on the same file) may add a column while
    the bot runs: the row is split where the case's columns begin, not at a count."""
    engine.handle(Inbound(8, text="/call", lang_hint="ja"))
    engine.store.conn.execute("alter table users add column added_later text")
    with engine.store.transaction():
        user = engine.store.user_with_case(8) or {}
        case = engine.store.case(user["active_case_id"]) or {}
    assert "added_later" in user and case["user_id"] == 8 and case["state"] == "refusing"


def traced_command(engine: Engine, user_id: int, text: str, update_id: int) -> list[str]:
    statements: list[str] = []
    engine.store.conn.set_trace_callback(statements.append)
    try:
        engine.handle(Inbound(user_id, text=text, lang_hint="ja", update_id=update_id))
    finally:
        engine.store.conn.set_trace_callback(None)
    return [s for s in statements if s not in FRAME]


def test_looking_back_costs_the_same_statements_however_long_the_history(
    engine: Engine,
) -> None:
    """/brokers reads every broker's cases in one query (it read each broker's on its own),
    /stats reads the cases and only the repeat calls and requests of the events, and /export reads no
    rows in its step (its files do, off the event loop): on the event loop, a long history
    must not mean many more queries."""
    traced_case(engine, 1, variant=1)
    first = {c: traced_command(engine, 1, c, 50 + n) for n, c in enumerate(LOOKING_BACK)}
    for k in range(2, 5):
        traced_case(engine, 1, first_update=100 * k, variant=k)  # a broker of its own each
    later = {c: traced_command(engine, 1, c, 1000 + n) for n, c in enumerate(LOOKING_BACK)}
    assert len(engine.store.brokers(1)) == 4
    for command in LOOKING_BACK:
        assert len(later[command]) == len(first[command]), (command, later[command])
    events = [s for s in later["/stats"] if re.search(r"from events\b", s)]
    # The repeat calls, and the requests' events (what the broker answered), not the rest.
    assert len(events) == 2 and "kind = 'repeat_call'" in events[0], events
    assert "e.state_from = 'demanding'" in events[1], events
    # /export reads the rows when its files are written, off the event loop (test_files).
    assert not [s for s in later["/export"] if re.search(r"from (cases|events|brokers)\b", s)]


# Not /cases: it reads the events of the five cases of its page, each on its own (0.4 ms at
# 2,000 cases: bounded by the page, not the history).
LOOKING_BACK = ("/brokers", "/stats", "/export")
