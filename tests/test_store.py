"""The schema, its migrations, and how the database file is created."""

from __future__ import annotations

import json
import sqlite3
import stat
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from flows import dialogs
from flows.store import (
    BROKERS,
    CASES,
    EVENTS,
    LINE,
    OWN_IDS_FROM,
    REMINDERS,
    TABLES,
    TELEGRAM,
    USERS,
    Store,
    open_database,
)
from flows.store.files import migrate
from flows.store.keys import NAME_KEYS
from flows.store.migrations import migrations


def test_blank_database_gets_every_table_column_and_index(tmp_path: Path) -> None:
    db = open_database(tmp_path / "new.db")
    assert set(TABLES) <= set(db.table_names())
    assert [m.name for m in migrations.applied(db)] == [
        "m001_initial",
        "m002_wal_journal",
        "m003_reminders",
        "m004_letters",
        "m005_events_by_case_only",
        "m006_update_ids",
        "m007_recent_update_ids",
        "m008_case_numbers_never_reused",
        "m009_reminder_ids_never_reused",
        "m010_shown_step",
        "m011_repeat_refusal_times_only_if_known",
        "m012_reminder_addressees_and_refusals",
        "m013_inbox_and_dead_letters",
        "m014_due_reminders_in_due_order",
        "m015_inbox_applied",
        "m016_typed_dialog_states",
        "m017_users_per_channel",
        "m018_reminders_routed_per_channel",
        "m019_reminders_routed_whoever_inserts",
        "m020_no_broker_without_a_case",
        "m021_source_named",
        "m022_erasures",
        "m023_recipient_addresses",
        "m024_open_dialogs_indexed",
    ]
    columns = {name: set(db[name].columns_dict) for name in TABLES}
    assert {
        "id",
        "language",
        "time_zone",
        "created_at",
        "active_case_id",
        "active",
        "quiet_hours",
        "sender_name",
        "sender_address",
        "sender_phone",
        "pending",
        "last_update_id",
        "recent_update_ids",
        "last_case_number",
        "channel",
        "external_id",
        "shown_step",
    } == columns[USERS]
    assert {
        "number",
        "state",
        "mode",
        "seq",
        "opened_at",
        "call_at",
        "refused_at",
        "company",
        "company_norm",
        "person",
        "phone_raw",
        "phone_e164",
        "licence",
        "product",
        "source_unknown",
        "broker_id",
        "broker_name",
        "broker_address",
        "company_address",
        "outcome",
        "repeat_of",
        "repeat_refused_at",
        "closed_at",
    } <= columns[CASES]
    assert {"case_id", "at", "kind", "trigger", "state_from", "state_to", "detail"} <= columns[
        EVENTS
    ]
    assert {"user_id", "name", "name_norm", "case_count", "last_named_at"} <= columns[BROKERS]
    indexes = {(name, tuple(i.columns), i.unique) for name in TABLES for i in db[name].indexes}
    assert (CASES, ("user_id", "number"), 1) in indexes
    assert (CASES, ("user_id", "company_norm"), 0) in indexes
    assert (CASES, ("user_id", "phone_e164"), 0) in indexes
    assert (EVENTS, ("case_id", "id"), 0) in indexes
    assert (BROKERS, ("user_id", "name_norm"), 1) in indexes
    fks = {(fk.table, fk.column, fk.other_table) for fk in db[CASES].foreign_keys}
    assert (CASES, "user_id", USERS) in fks
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    db.close()


STAMP = "2026-01-01T00:00:00+00:00"


def database_before(path: Path, migration: str) -> Database:
    """A database made by older code: migrated up to ``migration`` (not it), with user 7."""
    old = Database(path)
    migrations.apply(old, stop_before=migration)
    user = {"id": 7, "language": "ja", "time_zone": "Asia/Tokyo", "created_at": STAMP}
    old[USERS].insert({**user, "active": 1})
    return old


def old_case(**columns: object) -> dict[str, object]:
    """Case #1 of user 7 as older code stored it, with ``columns`` changed or added."""
    case = {"id": 1, "user_id": 7, "number": 1, "state": "demanding", "mode": "after"}
    return {**case, "opened_at": STAMP, "updated_at": STAMP, **columns}


def test_upgrade_from_the_first_migration_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = database_before(path, "m002_wal_journal")
    assert old.execute("pragma journal_mode").fetchone()[0] == "delete"
    old.close()
    db = open_database(path)
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert db[USERS].get(7)["language"] == "ja"
    assert migrations.pending(db) == []
    db.close()


def test_upgrade_to_reminder_ids_never_reused_keeps_rows_and_indexes(tmp_path: Path) -> None:
    path = tmp_path / "m008.db"
    old = database_before(path, "m009_reminder_ids_never_reused")
    old[CASES].insert(old_case())
    for reminder_id in (3, 5):
        old[REMINDERS].insert(
            {
                "id": reminder_id,
                "user_id": 7,
                "case_id": 1,
                "kind": "call_broker",
                "due_at": STAMP,
                "created_at": STAMP,
            }
        )
    old.close()
    db = open_database(path)
    assert [(r["id"], r["status"]) for r in db[REMINDERS].rows] == [(3, "pending"), (5, "pending")]
    # (status, due_at), rebuilt by m009, became m014's index of waiting reminders by due_at,
    # then m018's by channel and due_at.
    assert {tuple(i.columns) for i in db[REMINDERS].indexes} == {
        ("route", "due_at"),
        ("case_id",),
        ("user_id", "status"),
    }
    db.execute(f"delete from {REMINDERS} where id = 5")
    row = {"user_id": 7, "case_id": 1, "kind": "call_broker", "due_at": STAMP, "created_at": STAMP}
    assert db[REMINDERS].insert(row).last_pk == 6, "the deleted highest id is not given again"
    assert migrations.pending(db) == []
    db.close()


def test_upgrade_keeps_a_repeat_refusal_time_only_where_it_is_known(tmp_path: Path) -> None:
    path = tmp_path / "m010.db"
    old = database_before(path, "m011_repeat_refusal_times_only_if_known")
    common = {"user_id": 7, "state": "closed", "opened_at": STAMP, "updated_at": STAMP}
    old[CASES].insert_all(
        [
            # Refused, recorded afterwards without a time: refused_at is when it was typed.
            {**common, "id": 1, "number": 1, "mode": "after", "refused_at": STAMP},
            # Refused on a call: its time is known.
            {**common, "id": 2, "number": 2, "mode": "call", "refused_at": STAMP},
            {**common, "id": 3, "number": 3, "mode": "call", "repeat_of": 1},
            {**common, "id": 4, "number": 4, "mode": "call", "repeat_of": 2},
            {**common, "id": 5, "number": 5, "mode": "call", "repeat_of": 9},  # #9 deleted
        ]
    )
    for number in (3, 4, 5):
        old.execute(f"update {CASES} set repeat_refused_at = ? where number = ?", [STAMP, number])
    old.close()
    db = open_database(path)
    times = {r["number"]: r["repeat_refused_at"] for r in db[CASES].rows_where("repeat_of > 0")}
    assert times == {3: None, 4: STAMP, 5: STAMP}
    db.close()


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    open_database(tmp_path / "x.db").close()
    db = open_database(tmp_path / "x.db")
    assert len(migrations.applied(db)) == len(migrations.pending(Database(memory=True)))
    db.close()


def test_database_and_wal_files_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "private.db"
    db = open_database(path)
    db[USERS].insert(
        {
            "id": 1,
            "language": "ja",
            "time_zone": "Asia/Tokyo",
            "created_at": "2026-01-01T00:00:00+00:00",
            "active": 1,
        }
    )
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        assert file.exists(), file
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    db.close()


def test_an_existing_file_with_loose_permissions_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "loose.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    open_database(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


GOLDEN_SCHEMA = Path(__file__).parent / "golden" / "schema.txt"


def schema_of(db: Database) -> str:
    rows = db.execute(
        "select type, name, tbl_name, sql from sqlite_master where name not like 'sqlite_%' "
        "and name != '_sqlite_migrations' order by type, name"
    ).fetchall()
    return "".join(f"{row!r}\n" for row in rows)


def test_the_migrations_build_the_schema_they_always_built(tmp_path: Path) -> None:
    """Written out once from the migrations as released (and checked against the code before
    they moved to flows/store/migrations.py): a migration edited by mistake changes it."""
    db = open_database(tmp_path / "schema.db")
    assert schema_of(db) == GOLDEN_SCHEMA.read_text(encoding="utf-8")
    db.close()


def test_upgrade_gives_each_dialog_state_its_kind(tmp_path: Path) -> None:
    path = tmp_path / "m015.db"
    old = database_before(path, "m016_typed_dialog_states")
    for user_id in (8, 9, 10, 11):
        old["users"].insert(
            {
                "id": user_id,
                "language": "ja",
                "time_zone": "Asia/Tokyo",
                "created_at": STAMP,
                "active": 1,
            }
        )
    letter = {"case": 3, "kind": "broker_request", "step": "address", "name": "山田 花子"}
    states = {7: {"again": 2}, 8: letter, 9: None, 10: "not json", 11: {"what": 1}}
    for user_id, state in states.items():
        raw = (
            state
            if isinstance(state, str) or state is None
            else json.dumps(state, ensure_ascii=False)
        )
        old.execute("update users set pending = ? where id = ?", [raw, user_id])
    old.close()
    db = open_database(path)
    pending = {r["id"]: r["pending"] for r in db["users"].rows}
    assert dialogs.load(pending[7]) == dialogs.CalledAgainDialog(2)
    assert dialogs.load(pending[8]) == dialogs.LetterDialog(
        3, "broker_request", "address", name="山田 花子"
    )
    assert (pending[9], pending[10], pending[11]) == (None, None, None)
    db.close()


def test_the_migrations_depend_on_nothing_of_the_code_that_may_change() -> None:
    """A migration does what it did when it was applied: it takes no names from the code."""
    import ast
    import importlib

    module = importlib.import_module("flows.store.migrations")
    assert module.__file__ is not None
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert not (node.module or "").startswith("flows"), node.module
        if isinstance(node, ast.Import):
            assert not any(alias.name.startswith("flows") for alias in node.names)


def test_upgrade_makes_every_user_a_telegram_account_and_keeps_their_cases(
    tmp_path: Path,
) -> None:
    path = tmp_path / "m016.db"
    old = database_before(path, "m017_users_per_channel")
    old[CASES].insert(
        {"user_id": 7, "number": 1, "state": "closed", "mode": "call", "seq": 3}
        | {"opened_at": STAMP, "updated_at": STAMP}
    )
    old.close()
    db = open_database(path)
    user = db[USERS].get(7)
    assert (user["channel"], user["external_id"]) == ("telegram", "7")
    assert [c["number"] for c in db[CASES].rows_where("user_id = 7")] == [1]
    db.close()


def test_an_account_on_another_channel_gets_an_id_no_telegram_user_has(
    tmp_path: Path,
) -> None:
    db = open_database(tmp_path / "k.db")
    store = Store(db, lambda: datetime(2026, 12, 2, tzinfo=UTC))
    with store.transaction():
        store.create_user(2**52 - 1, "ja")  # the largest Telegram id
    first = store.account_user(LINE, "U" + "a" * 32, "en")
    second = store.account_user(LINE, "U" + "b" * 32, "ja")
    assert (first, second) == (OWN_IDS_FROM, OWN_IDS_FROM + 1)
    assert store.account_user(LINE, "U" + "a" * 32, "ja") == first, "found, not made again"
    row = store.user(first)
    assert row is not None
    assert (row["channel"], row["external_id"], row["language"]) == (LINE, "U" + "a" * 32, "en")
    telegram = store.user(2**52 - 1)
    assert telegram is not None and telegram["channel"] == TELEGRAM
    db.close()


def test_upgrade_routes_each_waiting_reminder_to_its_users_channel(tmp_path: Path) -> None:
    """m018: reminders carry the channel they go out on, none while the user blocked the
    bot; the upgrade fills it in for the rows already there."""
    path = tmp_path / "m017.db"
    old = database_before(path, "m018_reminders_routed_per_channel")
    user = {"language": "ja", "time_zone": "Asia/Tokyo", "created_at": STAMP}
    old[USERS].insert({**user, "id": OWN_IDS_FROM, "channel": LINE, "external_id": "U1"})
    old[USERS].insert({**user, "id": 9, "active": 0, "external_id": "9"})
    for case_id, user_id in ((1, 7), (2, OWN_IDS_FROM), (3, 9)):
        old[CASES].insert(
            {"id": case_id, "user_id": user_id, "number": 1, "state": "calling"}
            | {"mode": "call", "seq": 1, "opened_at": STAMP, "updated_at": STAMP}
        )
        old[REMINDERS].insert(
            {"user_id": user_id, "case_id": case_id, "kind": "check", "due_at": STAMP}
            | {"status": "pending", "attempts": 0, "created_at": STAMP}
        )
    old.close()
    db = open_database(path)
    routes = {r["user_id"]: r["route"] for r in db[REMINDERS].rows}
    assert routes == {7: TELEGRAM, OWN_IDS_FROM: LINE, 9: None}
    db.close()


def test_a_reminders_route_follows_its_user_whoever_writes(tmp_path: Path) -> None:
    """The triggers: a new reminder takes its user's channel; blocking the bot takes every
    reminder of the user off the dispatchers' index range, and coming back puts them on."""
    db = open_database(tmp_path / "k.db")
    store = Store(db, lambda: datetime(2026, 12, 2, tzinfo=UTC))
    line_user = store.account_user(LINE, "U" + "c" * 32, "ja")
    with store.transaction():
        case = store.new_case(line_user, "call")
    due = datetime(2026, 12, 3, tzinfo=UTC)
    first = store.add_reminder(case, "check", due)

    def route(reminder_id: int) -> str | None:
        return db[REMINDERS].get(reminder_id)["route"]

    assert route(first) == LINE
    with store.transaction():
        store.update_user(line_user, active=0)  # buffered, written at the commit
    assert route(first) is None
    second = store.add_reminder(case, "check", due)
    assert route(second) is None, "set while blocked: not routed either"
    assert store.due_reminders(due, 10, channel=LINE) == []
    db.execute("update users set active = 1 where id = ?", [line_user])  # an operator's SQL
    assert (route(first), route(second)) == (LINE, LINE)
    # A reminder inserted without a route (older code, an operator): it takes the user's.
    third = (
        db[REMINDERS]
        .insert(
            {"user_id": line_user, "case_id": case["id"], "kind": "check"}
            | {"due_at": due.isoformat(), "status": "pending", "attempts": 0, "created_at": STAMP}
        )
        .last_pk
    )
    assert route(third) == LINE
    assert [r["id"] for r in store.due_reminders(due, 10, channel=LINE)] == [first, second, third]
    assert store.due_reminders(due, 10, channel=TELEGRAM) == []
    db.close()


def test_upgrade_deletes_brokers_an_earlier_version_left_at_no_case(tmp_path: Path) -> None:
    path = tmp_path / "m019.db"
    old = database_before(path, "m020_no_broker_without_a_case")
    broker = {"user_id": 7, "case_count": 0, "first_named_at": STAMP, "last_named_at": STAMP}
    old[BROKERS].insert({**broker, "id": 1, "name": "間違えた名前", "name_norm": "間違えた名前"})
    old[BROKERS].insert({**broker, "id": 2, "name": "名簿の森", "name_norm": "名簿の森"})
    old[CASES].insert(old_case(broker_id=2, broker_name="名簿の森"))
    old.close()
    db = open_database(path)
    assert [b["name"] for b in db[BROKERS].rows] == ["名簿の森"]
    db.close()


def source_named_after_upgrade(tmp_path: Path, timeline: list[tuple[str, str, str]]) -> int:
    """A case made before m021 with this timeline of steps: its source_named once upgraded."""
    path = tmp_path / "m020.db"
    old = database_before(path, "m021_source_named")
    old[CASES].insert(
        old_case(state="confirming", mode="call", broker_name="日本名簿センター株式会社")
    )
    for n, (trigger, state_from, state_to) in enumerate(timeline):
        step = {"trigger": trigger, "state_from": state_from, "state_to": state_to}
        old["events"].insert(
            {"case_id": 1, "user_id": 7, "at": STAMP, "kind": "step", **step, "id": n + 1}
        )
    old.close()
    db = open_database(path)
    value = int(db[CASES].get(1)["source_named"])
    db.close()
    return value


NAMED = ("named", "asking_source", "recording_broker")
BACK_TO_STEP_2 = ("back", "recording_broker", "asking_source")


@pytest.mark.parametrize(
    ("timeline", "named"),
    [
        ([NAMED, ("answer", "recording_broker", "recording_company")], 1),
        ([("skip", "asking_source", "recording_broker")], 0),
        ([NAMED, BACK_TO_STEP_2, ("skip", "asking_source", "recording_broker")], 0),
        (
            [
                ("named", "after_source", "recording_broker"),
                ("back", "recording_broker", "after_source"),
                ("dodged", "after_source", "recording_company"),
            ],
            0,
        ),
        # A back while fixing goes to the summary, not to the question: still named.
        (
            [
                NAMED,
                ("fix_broker", "choosing_fix", "recording_broker"),
                ("back", "recording_broker", "confirming"),
            ],
            1,
        ),
        ([NAMED, BACK_TO_STEP_2, NAMED], 1),
    ],
)
def test_upgrade_marks_a_source_named_as_its_timeline_last_said(
    tmp_path: Path, timeline: list[tuple[str, str, str]], named: int
) -> None:
    assert source_named_after_upgrade(tmp_path, timeline) == named


def migrating_in_a_thread(db: Database) -> Callable[[], None]:
    """``migrate(db)`` started in a thread (another process starting on the file); the call
    returned waits for it to end and fails with what it raised."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            migrate(db)
        except BaseException as error:  # reported by the call returned
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()

    def finished() -> None:
        thread.join(10)
        assert not thread.is_alive()
        assert failures == []

    return finished


def test_two_processes_migrating_at_once_both_start(tmp_path: Path) -> None:
    """`kotowari run` and `kotowari line` started together on a file needing migrations:
    both read the same pending list, and the second one's first migration failed
    ("database is locked": its snapshot was stale) once the first had applied it, so that
    bot did not start."""
    path = tmp_path / "both.db"
    database_before(path, "m021_source_named").close()
    first = Database(sqlite3.connect(path, isolation_level=None, check_same_thread=False))
    second_conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    second_conn.execute("PRAGMA busy_timeout=10000")
    waiting = threading.Event()

    def trace(statement: str) -> None:  # the second is about to take the write lock
        if statement.upper().startswith("BEGIN"):
            waiting.set()

    second_conn.set_trace_callback(trace)
    second = Database(second_conn)
    first.conn.execute("BEGIN IMMEDIATE")  # the first process is migrating
    finished = migrating_in_a_thread(second)
    assert waiting.wait(10), "the second process never reached its migration"
    migrations.apply(first)
    first.conn.execute("COMMIT")
    finished()
    assert migrations.pending(second) == []
    names = [m.name for m in migrations.applied(second)]
    assert len(names) == len(set(names)), "a migration was applied twice"
    first.close()
    second.close()


def test_the_journal_mode_waits_for_another_process_reading_the_new_file(
    tmp_path: Path,
) -> None:
    """Two processes creating the file together: the second's switch to WAL found the
    first writing its migrations, and SQLite refused at once ("database is locked")
    instead of waiting as a write does."""
    path = tmp_path / "new.db"
    database_before(path, "m002_wal_journal").close()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # the other process, migrating under the write lock
    tries = 0
    tried_again = threading.Event()

    def trace(statement: str) -> None:
        nonlocal tries
        if "journal_mode=WAL" in statement:
            tries += 1
            if tries == 2:
                tried_again.set()

    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.set_trace_callback(trace)
    db = Database(conn)
    finished = migrating_in_a_thread(db)
    assert tried_again.wait(10), "the switch to WAL was not tried again"
    writer.execute("COMMIT")
    finished()
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert migrations.pending(db) == []
    writer.close()
    db.close()


def test_upgrade_keys_names_again_with_whole_legal_forms(tmp_path: Path) -> None:
    """ "Prince Realty" was keyed "prerealty" ("inc" dropped from inside the word), the key
    of "Pre Realty": the stored keys are made again, and no two brokers merged."""
    path = tmp_path / "m024.db"
    old = Database(path)
    migrations.apply(old)  # every migration: the keys are not theirs
    user = {"id": 7, "language": "ja", "time_zone": "Asia/Tokyo", "created_at": STAMP}
    old[USERS].insert({**user, "active": 1})
    old[BROKERS].insert_all(
        [
            {"id": 1, "user_id": 7, "name": "Vincent Data", "name_norm": "ventdata"},
            # Two rows that the new key would make one (not made by the bot: a check that
            # the unique key holds): the second keeps its old key.
            {"id": 2, "user_id": 7, "name": "Saltdome", "name_norm": "x"},
            {"id": 3, "user_id": 7, "name": "Saltdome", "name_norm": "saome"},
        ],
        pk="id",
    )
    old[CASES].insert(old_case(company="Prince Realty", company_norm="prerealty", broker_id=1))
    old[CASES].insert(old_case(id=2, number=2, company=None, company_norm=None))
    old.close()
    db = open_database(path)
    assert db[CASES].get(1)["company_norm"] == "princerealty"
    assert db[CASES].get(2)["company_norm"] is None
    keys = {row["id"]: row["name_norm"] for row in db[BROKERS].rows}
    assert keys == {1: "vincentdata", 2: "saltdome", 3: "saome"}
    assert db.execute("pragma user_version").fetchone()[0] == NAME_KEYS
    db[CASES].update(1, {"company_norm": "kept"})  # made once: not again at the next open
    db.close()
    db = open_database(path)
    assert db[CASES].get(1)["company_norm"] == "kept"
    db.close()
