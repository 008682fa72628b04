"""A handled update's inbox row is deleted by the next write transaction, not by a COMMIT of
its own (``Store.inbox_done_later``); when the bot goes idle, settles or drains, one
transaction deletes what still waits (``Store.inbox_flush_done``).

Against ``fakes.request.FakeBotApi`` (no network), through ``bot.inbox.Inbox`` as polling
feeds it; nothing sleeps (the database's busy timeout is 10 ms where a lock is held).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import inbox as inbox_module
from bot import telegram_app
from bot.inbox import Inbox
from bot.telegram_app import KotowariApp
from fakes.request import FakeBotApi
from fakes.users import Person
from flows.engine import Engine
from flows.store import DatabaseFileGone, InboxEntry, Store
from tests.conftest import FakeClock
from tests.test_telegram import EN
from tests.test_transport import (
    application,
    numbered,
    polling_bot,
    query,
    sent_to,
    state_of,
    until,
)

GROUP = {"id": -100777, "type": "supergroup", "title": "Neighbours"}


@dataclass
class Running:
    app: KotowariApp
    api: FakeBotApi
    store: Store
    inbox: Inbox


@asynccontextmanager
async def running_inbox(db_path: Path, clock: FakeClock) -> AsyncIterator[Running]:
    """The application as ``serve_polling`` runs it, fed by hand through its inbox."""
    api = FakeBotApi()
    app = application(db_path, clock, api)
    async with app:
        await app.post_init(app)  # type: ignore[misc]
        store = app.bot_data.engine.store  # type: ignore[union-attr]
        try:
            yield Running(app, api, store, Inbox(app, store))
        finally:
            await app.post_shutdown(app)  # type: ignore[misc]


def rows(store: Store) -> list[int]:
    """The update ids in the inbox, read on the bot's own connection."""
    return [r[0] for r in store.conn.execute("select update_id from inbox order by id")]


def stored_entry(store: Store, update_id: int) -> InboxEntry:
    [entry] = store.inbox_add([(update_id, 1001, f'{{"update_id": {update_id}}}')])
    return entry


async def busy_with_a_held_user(run: Running) -> asyncio.Event:
    """A user whose reply is held: their lane stays busy, so the bot never goes idle."""
    held = Person(id=3003)
    gate = run.api.hold("sendMessage", held.id)
    run.inbox.receive([numbered(1, held.text("/call"))])
    await until(lambda: state_of_store(run.store, held.id) == "refusing", "the held step")
    assert held.id in run.inbox.workers
    return gate


def state_of_store(store: Store, user_id: int) -> str | None:
    found = store.conn.execute(
        "select state from cases where user_id = ? order by number desc", [user_id]
    ).fetchone()
    return found[0] if found else None


# (a) ---------------------------------------------------------------------------------------
async def test_a_handled_row_is_deleted_by_the_next_steps_transaction(
    db_path: Path, clock: FakeClock
) -> None:
    """While the bot is busy, a handled update costs no COMMIT of its own: the next step's
    transaction deletes its row."""
    async with running_inbox(db_path, clock) as run:
        gate = await busy_with_a_held_user(run)
        person = Person()
        run.store.commit_times = []
        run.inbox.receive([numbered(2, person.text("/call")), numbered(3, person.text("1"))])
        await until(lambda: person.id not in run.inbox.workers, "both of the person's steps")
        assert state_of_store(run.store, person.id) == "asking_source"
        # The batch stored (1 COMMIT), /call's step (1), 1's step (1): none for deletes.
        assert len(run.store.commit_times) == 3
        # /call's row went with 1's step; 1's waits for the next write (the held /call is
        # handled but still sending).
        assert rows(run.store) == [1, 3]
        assert run.store.inbox_done_waiting == 1
        gate.set()
        await until(lambda: not run.inbox.workers, "idle")
        assert rows(run.store) == []
        assert len(run.store.commit_times) == 4, "one transaction deletes both when idle"


# (b) ---------------------------------------------------------------------------------------
async def test_going_idle_deletes_the_rows_still_waiting(db_path: Path, clock: FakeClock) -> None:
    async with running_inbox(db_path, clock) as run:
        person = Person()
        run.inbox.receive([numbered(5, person.text("/call"))])
        # Not settle(): the last lane emptying is what deletes it.
        await until(lambda: not run.inbox.workers, "idle")
        assert rows(run.store) == [] and run.store.inbox_done_waiting == 0
        assert state_of_store(run.store, person.id) == "refusing"


async def test_settle_deletes_the_rows_still_waiting(db_path: Path, clock: FakeClock) -> None:
    async with running_inbox(db_path, clock) as run:
        entry = stored_entry(run.store, 6)
        run.store.inbox_done_later(entry)
        assert rows(run.store) == [6], "no SQL until a transaction"
        await run.inbox.settle()
        assert rows(run.store) == [] and run.store.inbox_done_waiting == 0


# (c) ---------------------------------------------------------------------------------------
def test_a_transaction_rolled_back_keeps_the_ids_waiting(engine: Engine) -> None:
    store = engine.store
    first, second = stored_entry(store, 10), stored_entry(store, 11)
    store.inbox_done_later(first)
    with pytest.raises(RuntimeError), store.transaction():
        store.conn.execute("update inbox set applied_at = 'x' where id = ?", [second.id])
        raise RuntimeError("the step failed")
    assert rows(store) == [10, 11] and store.inbox_done_waiting == 1
    # The delete itself failing (here a trigger; in life a full disk) rolls back too.
    store.conn.execute(
        "create temp trigger no_delete before delete on inbox begin select raise(abort, 'no'); end"
    )
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.conn.execute("update inbox set applied_at = 'y' where id = ?", [second.id])
    assert store.conn.execute(
        "select applied_at from inbox where id = ?", [second.id]
    ).fetchone() == (None,)
    assert rows(store) == [10, 11] and store.inbox_done_waiting == 1
    store.conn.execute("drop trigger no_delete")
    # The COMMIT failing after the delete ran (a deferred constraint; in life a full disk):
    # rolled back, and the ids still wait.
    store.conn.execute("create temp table parent (id integer primary key)")
    store.conn.execute(
        "create temp table child (parent_id integer references parent (id) "
        "deferrable initially deferred)"
    )
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.conn.execute("insert into child values (99)")
    assert not store.conn.in_transaction
    assert rows(store) == [10, 11] and store.inbox_done_waiting == 1
    with store.transaction():  # a later one (any write) deletes it
        store.conn.execute("update inbox set applied_at = 'z' where id = ?", [second.id])
    assert rows(store) == [11] and store.inbox_done_waiting == 0


async def test_a_step_that_fails_then_succeeds_deletes_the_row_waiting(
    db_path: Path, clock: FakeClock
) -> None:
    """A step that cannot be stored (another writer past the busy timeout) deletes nothing;
    the same step tried again deletes the row waiting before it."""
    async with running_inbox(db_path, clock) as run:
        store = run.store
        other_gate = await busy_with_a_held_user(run)
        person = Person()
        gate = run.api.hold("sendMessage", person.id)
        run.inbox.receive([numbered(20, person.text("/call")), numbered(21, person.text("1"))])
        await until(lambda: state_of_store(store, person.id) == "refusing", "/call's step")
        store.conn.execute("PRAGMA busy_timeout = 10")
        writer = sqlite3.connect(db_path, isolation_level=None)
        waits: list[float] = []

        async def sleep(seconds: float) -> None:
            waits.append(seconds)
            assert rows(store) == [1, 20, 21], "the failed step deleted nothing"
            assert store.inbox_done_waiting == 1
            writer.execute("ROLLBACK")  # the other writer lets go

        run.inbox.sleep = sleep
        writer.execute("BEGIN IMMEDIATE")
        gate.set()  # /call handled: its row waits; 1's step finds the database taken
        await until(lambda: person.id not in run.inbox.workers, "1, tried again")
        writer.close()
        assert waits == [1.0]
        assert state_of_store(store, person.id) == "asking_source"
        assert rows(store) == [1, 21], "20 deleted by 1's step, once that was stored"
        other_gate.set()
        await run.inbox.settle()
        assert rows(store) == []


# (d) ---------------------------------------------------------------------------------------
async def test_a_flush_the_database_refuses_warns_without_content_and_waits(
    db_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=inbox_module.__name__)
    async with running_inbox(db_path, clock) as run:
        store = run.store
        person = Person(id=4004, first_name="山田")
        gate = run.api.hold("sendMessage", person.id)
        run.inbox.receive([numbered(30, person.text("/call 090-1234-5678"))])
        await until(lambda: state_of_store(store, person.id) == "refusing", "the step")
        # Another writer takes the database between the step and the idle flush.
        store.conn.execute("PRAGMA busy_timeout = 10")
        writer = sqlite3.connect(db_path, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        gate.set()
        await until(lambda: not run.inbox.workers, "idle")
        assert store.inbox_done_waiting == 1
        writer.execute("ROLLBACK")
        writer.close()
        assert rows(store) == [30]
        warnings = [r for r in caplog.records if r.name == inbox_module.__name__]
        assert [r.getMessage() for r in warnings] == [
            "could not delete handled updates (OperationalError)"
        ]
        # The messages and any traceback, not the source's file and line ("inbox.py:301").
        plain = logging.Formatter("%(message)s")
        logged = "\n".join(plain.format(record) for record in caplog.records)
        for said in ("/call", "090", "山田", str(person.id), "30"):
            assert said not in logged, said
        # The next write (here the next batch stored) deletes it.
        run.inbox.receive([numbered(31, person.text("1"))])
        assert rows(store) == [31]
        await run.inbox.settle()
        assert rows(store) == []


# (e) ---------------------------------------------------------------------------------------
async def test_rows_left_by_a_crash_are_recognised_as_applied_at_the_next_start(
    db_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies with handled rows not yet deleted (marked applied, or a group's
    message that stores nothing): at the next start each is handled again, harmlessly."""
    person = Person()
    group_message = numbered(42, person.text("hello", chat=GROUP))
    with monkeypatch.context() as crash:
        # Dies before any delete: nothing handled leaves the inbox.
        crash.setattr(Store, "inbox_done_later", lambda self, entry: None)
        async with running_inbox(db_path, clock) as run:
            run.inbox.receive(
                [numbered(40, person.text("/call")), numbered(41, person.text("1")), group_message]
            )
            await run.inbox.settle()
            first_run = run.api
    assert query(db_path, "select update_id, applied_at is not null from inbox order by id") == [
        (40, 1),
        (41, 1),
        (42, 0),
    ]
    assert sent_to(first_run, GROUP["id"]) == [f"send: {EN('private_only')}"]
    restarted = FakeBotApi()
    async with polling_bot(db_path, clock, restarted):
        await until(lambda: not query(db_path, "select 1 from inbox"), "the inbox emptied")
    assert state_of(db_path, person.id) == "asking_source"
    assert query(db_path, "select count(*), max(seq) from cases where user_id = ?", person.id) == [
        (1, 2)
    ], "/call did not open a second case, 1 was not applied twice"
    assert len(sent_to(restarted, person.id)) == 2, "each step shown again"
    assert sent_to(restarted, GROUP["id"]) == [f"send: {EN('private_only')}"], "told once more"


# (f) ---------------------------------------------------------------------------------------
def test_a_savepoint_deletes_nothing_its_outer_transaction_does(engine: Engine) -> None:
    store = engine.store
    entry = stored_entry(store, 50)
    store.inbox_done_later(entry)
    with store.transaction():
        with store.transaction():  # a savepoint
            store.conn.execute("update inbox set applied_at = 'x' where id = ?", [entry.id])
        assert rows(store) == [50], "not at the savepoint's release"
        with pytest.raises(RuntimeError), store.transaction():
            raise RuntimeError("a failed savepoint")
        assert rows(store) == [50] and store.inbox_done_waiting == 1
    assert rows(store) == [] and store.inbox_done_waiting == 0


# (g) ---------------------------------------------------------------------------------------
async def test_drain_deletes_the_rows_waiting_with_no_update_in_progress(
    db_path: Path, clock: FakeClock
) -> None:
    async with running_inbox(db_path, clock) as run:
        entry = stored_entry(run.store, 60)
        run.store.inbox_done_later(entry)
        assert not run.inbox.workers
        await run.inbox.drain()
        assert rows(run.store) == [] and run.store.inbox_done_waiting == 0


async def test_drain_deletes_the_handled_rows_and_keeps_the_cut_off_update(
    db_path: Path, clock: FakeClock
) -> None:
    async with running_inbox(db_path, clock) as run:
        await busy_with_a_held_user(run)
        person = Person()
        run.inbox.receive([numbered(61, person.text("/call"))])
        await until(lambda: person.id not in run.inbox.workers, "the person's step")
        assert rows(run.store) == [1, 61]
        await run.inbox.drain(0.0)  # the held reply is cut off: its update stays stored
        assert rows(run.store) == [1] and run.store.inbox_done_waiting == 0


# /forget and set_aside delete rows too ------------------------------------------------------
def test_deleting_a_row_already_gone_is_harmless(engine: Engine) -> None:
    store = engine.store
    entry = stored_entry(store, 70)
    store.inbox_done_later(entry)
    store.set_aside(70, "message", "TypeError", entry.id)  # deletes it, and the hook once more
    assert rows(store) == [] and store.inbox_done_waiting == 0
    store.inbox_done_later(entry)  # handled twice: nothing to delete
    store.inbox_flush_done()
    assert store.inbox_done_waiting == 0


def test_a_row_id_reused_by_a_newer_update_is_not_deleted_with_the_old_one(
    engine: Engine, db_path: Path
) -> None:
    """Another connection (an operator's sqlite3 session) deletes a row waiting; the next
    update stored gets its row id (SQLite reuses the largest rowid once it is gone). The
    transaction that stores it also deletes the rows waiting: not the new one."""
    store = engine.store
    old = stored_entry(store, 90)
    store.inbox_done_later(old)
    with closing(sqlite3.connect(db_path)) as shell:
        shell.execute("delete from inbox where id = ?", [old.id])
        shell.commit()
    new = stored_entry(store, 91)
    assert new.id == old.id, "the row id is reused"
    assert rows(store) == [91] and store.inbox_done_waiting == 0
    assert store.inbox_raw(new.id) == '{"update_id": 91}'


async def test_an_erasure_deletes_the_rows_waiting_and_is_scrubbed(
    db_path: Path, clock: FakeClock
) -> None:
    """The confirming press's transaction (the erasure) deletes the rows waiting with it."""
    async with running_inbox(db_path, clock) as run:
        person = Person()
        gate = await busy_with_a_held_user(run)  # never idle: only steps delete
        run.inbox.receive(
            [numbered(80, person.text("/call")), numbered(81, person.text("/forget"))]
        )
        await until(lambda: person.id not in run.inbox.workers, "/forget asked")
        assert rows(run.store) == [1, 81]
        [asked] = [
            m
            for m in run.api.messages.values()
            if m["chat"]["id"] == person.id and "forget" in str(m.get("reply_markup"))
        ]
        confirm = asked["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        run.inbox.receive([numbered(82, person.press(asked, confirm))])
        await until(lambda: person.id not in run.inbox.workers, "the erasure")
        assert rows(run.store) == [1, 82], "/forget's row went with the erasure"
        assert run.store.scrub_pending is False
        assert state_of_store(run.store, person.id) is None
        gate.set()
        await run.inbox.settle()
        assert rows(run.store) == []


async def test_the_reminder_job_deletes_rows_a_busy_inbox_keeps_waiting(
    db_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one user's lane stays busy (a reply held; an update whose step keeps failing
    does the same) the inbox never goes idle: the periodic job deletes the others' rows,
    which hold their messages' text, whether or not it has reminders to send."""

    async def nothing_due(app: object, batch: int) -> int:
        return 0  # no write of the dispatcher's to carry the delete

    monkeypatch.setattr(telegram_app, "dispatch_reminders", nothing_due)
    async with running_inbox(db_path, clock) as run:
        other_gate = await busy_with_a_held_user(run)
        person = Person()
        run.inbox.receive([numbered(40, person.text("/call 090-1234-5678"))])
        await until(lambda: person.id not in run.inbox.workers, "the other user's step")
        assert rows(run.store) == [1, 40] and run.inbox.workers, "waiting: the inbox is busy"
        await telegram_app.reminder_job(telegram_app.KotowariContext(run.app))
        assert rows(run.store) == [1] and run.store.inbox_done_waiting == 0
        other_gate.set()
        await run.inbox.settle()
        assert rows(run.store) == []


async def test_a_flush_that_finds_the_database_file_gone_does_not_raise(
    db_path: Path,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``DatabaseFileGone`` is the reminder job's to act on (it stops the bot); the flush in a
    worker's ``finally`` or at the end of ``drain`` only warns."""
    caplog.set_level(logging.WARNING, logger=inbox_module.__name__)
    async with running_inbox(db_path, clock) as run:

        def gone() -> None:
            raise DatabaseFileGone("the database file was deleted while open")

        run.store.inbox_done_later(stored_entry(run.store, 50))
        monkeypatch.setattr(run.store, "inbox_flush_done", gone)
        await run.inbox.drain(0)
        assert [r.getMessage() for r in caplog.records if r.name == inbox_module.__name__] == [
            "could not delete handled updates: the database file is gone"
        ]
        assert run.store.inbox_done_waiting == 1
