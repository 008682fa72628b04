"""What production does to the database file: readers, deletion, restores, damage."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import bot.cli
from benchmarks import bench
from bot import telegram_app, upkeep
from bot.config import Settings
from bot.logs import LIBRARY_LEVELS
from fakes.bot_api import TOKEN
from fakes.request import build_on_a_fake_api
from fakes.users import Person
from flows.engine import Engine
from flows.port import Inbound
from flows.store import (
    LINE,
    DatabaseFileGone,
    DatabaseMissing,
    Store,
    backup,
    files,
    in_use,
    lock_path,
    open_database,
    quick_check,
)
from flows.store import checkpoint as store_checkpoint
from tests.conftest import Conversation, FakeClock, busy_once
from tests.test_review import files_hold, record
from tests.test_telegram import Chat, running
from tests.transcript import EngineChat, TelegramChat

NO_ENV = ["--env-file", "/nonexistent"]
PERSONAL = ("消える不動産", "消える名簿社", "+819087654321", "090-8765-4321")


@pytest.fixture(autouse=True)
def keep_logging() -> Iterator[None]:
    """bot.cli configures the root logger and the libraries' levels: put them back."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    levels = {name: logging.getLogger(name).level for name in LIBRARY_LEVELS}
    yield
    root.handlers[:], level = saved
    root.setLevel(level)
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)


@pytest.fixture
def no_input(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """`kotowari shell` reading an empty standard input."""
    with open(os.devnull) as empty:
        monkeypatch.setattr("sys.stdin", empty)
        yield


@pytest.fixture
def reader(db_path: Path) -> Iterator[sqlite3.Connection]:
    """Another program reading the database (an operator's sqlite3 session, a backup)."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    yield conn
    conn.close()


def start_reading(conn: sqlite3.Connection) -> None:
    conn.execute("begin")
    conn.execute("select count(*) from cases").fetchone()


# -- 4: erasure reaches the files even while someone reads ---------------------------------
def test_erasure_reaches_the_wal_once_a_reader_lets_go(
    engine: Engine, db_path: Path, reader: sqlite3.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    record(engine, PERSONAL[0], phone=PERSONAL[3], broker=PERSONAL[1])
    start_reading(reader)
    chat = EngineChat(engine)
    chat.say("/forget")
    chat.press("🗑 すべて削除する")
    assert files_hold(db_path, PERSONAL[0]), "the reader holds the log: still there"
    upkeep.retry_scrub(engine.store)  # the bot's periodic job, while it still reads
    assert engine.store.scrub_pending
    reader.execute("commit")  # the reader lets go later
    upkeep.retry_scrub(engine.store)
    for text in PERSONAL:
        assert files_hold(db_path, text) == [], text
    assert not engine.store.scrub_pending
    assert "erasure reached the database files" in caplog.text
    for text in PERSONAL:
        assert text not in caplog.text


async def test_an_erasure_held_off_by_a_read_is_tried_again_after_the_next_file(
    db_path: Path, clock: FakeClock, reader: sqlite3.Connection
) -> None:
    """The file worker reads an export over a connection of its own: another user's erasure
    meanwhile cannot empty the write-ahead log. It is tried again as soon as a file has been
    made (the read has ended by then), not a reminder period later."""
    async with running(db_path, clock) as chat:
        engine = chat.app.bot_data.engine
        record(engine, PERSONAL[0], phone=PERSONAL[3], broker=PERSONAL[1], user_id=chat.person.id)
        other = TelegramChat(chat.app, chat.api, Person(id=2002, language_code="ja"))
        await other.say("/call")
        start_reading(reader)  # the worker, reading the other user's export
        erasing = TelegramChat(chat.app, chat.api, chat.person)  # Japanese, as recorded
        await erasing.say("/forget")
        await erasing.press("🗑 すべて削除する")
        assert engine.storage.scrub_pending and files_hold(db_path, PERSONAL[0])
        reader.execute("commit")  # that read ends
        await other.say("/export")
        assert chat.api.of("sendDocument"), "the export was sent"
        assert not engine.storage.scrub_pending
        for text in PERSONAL:
            assert files_hold(db_path, text) == [], text


def test_the_shell_keeps_trying_to_finish_an_erasure(
    engine: Engine, db_path: Path, reader: sqlite3.Connection
) -> None:
    talk = Conversation(engine)
    record(engine, PERSONAL[0], phone=PERSONAL[3], broker=PERSONAL[1])
    start_reading(reader)
    pauses: list[float] = []

    def pause(seconds: float) -> None:  # the reader ends during the shell's second wait
        pauses.append(seconds)
        if len(pauses) == 2:
            reader.execute("commit")

    talk.shell.sleep = pause
    talk.say("/forget")
    answer = talk.press("🗑 すべて削除する")
    assert "erasure complete in the database files" in answer
    assert len(pauses) == 2
    for text in PERSONAL:
        assert files_hold(db_path, text) == [], text


# -- 3: a sent mark that cannot be written (another process holds the database) ---------
def test_the_shell_shows_a_reminder_once_when_its_sent_mark_is_busy(
    engine: Engine, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    talk = Conversation(engine)
    record(engine, "会社", broker="名簿社")  # they agreed: a check in 14 days
    clock.advance(days=15)
    busy_once(engine, monkeypatch)
    assert talk.say("/help").count("🔔") == 1
    assert "🔔" not in talk.say("/help"), "shown once; its mark written now"
    statuses = [r["status"] for r in engine.store.db["reminders"].rows]
    assert statuses.count("sent") == 1


# -- 7: the database deleted or replaced under the running bot -----------------------------
async def test_a_deleted_database_stops_the_bot(
    db_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(db_path, clock) as chat:
        chat.app.bot_data.stop = asyncio.Event()
        person = TelegramChat(chat.app, chat.api, chat.person)
        await person.say("/call")
        db_path.unlink()
        await person.press("🙅 I refused")
        assert chat.app.bot_data.stop.is_set(), "it stops taking updates"
        assert "was deleted while open" in (chat.app.bot_data.fatal or "")
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any("kotowari restore" in r.getMessage() for r in errors)


async def test_a_replaced_database_is_noticed_by_the_periodic_check(
    db_path: Path, clock: FakeClock, tmp_path: Path
) -> None:
    async with running(db_path, clock) as chat:
        chat.app.bot_data.stop = asyncio.Event()
        await chat.say("/call")
        copy = tmp_path / "copy.db"
        backup(db_path, copy)
        os.replace(copy, db_path)
        await telegram_app.reminder_job(job_context(chat))  # no update needed
        assert chat.app.bot_data.stop.is_set()
        assert "replaced" in (chat.app.bot_data.fatal or "")


def job_context(chat: Chat) -> Any:
    return telegram_app.KotowariContext(chat.app)


def test_the_store_notices_a_deleted_file_on_the_next_write(db_path: Path, clock) -> None:
    store = Store(open_database(db_path), clock)
    db_path.unlink()
    with pytest.raises(DatabaseFileGone):
        Engine(store).handle(Inbound(1, text="/call"))
    store.close()


def test_the_shell_stops_when_its_database_is_deleted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "k.db"

    def lines() -> Iterator[str]:
        yield "/call"
        db.unlink()
        yield "🙅 断った"  # typed as the option reads

    class Typed:  # piped input, the file deleted between two lines
        def isatty(self) -> bool:
            return False

        def __iter__(self) -> Iterator[str]:
            return lines()

    monkeypatch.setattr("sys.stdin", Typed())
    assert bot.cli.main([*NO_ENV, "shell", "--db", str(db)]) == 1
    assert "was deleted while open" in capsys.readouterr().err


def test_the_bot_exits_non_zero_after_stopping_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def polling(app: Any) -> None:
        telegram_app.stop_fatally(app, "the database file was deleted while open")

    monkeypatch.setattr(telegram_app, "serve_polling", polling)
    build_on_a_fake_api(monkeypatch)
    settings = Settings(db_path=tmp_path / "k.db", telegram_token=TOKEN)
    assert telegram_app.run_bot(settings, settings.db_path) == 1


@pytest.mark.usefixtures("no_input")
def test_a_deleted_database_is_not_replaced_by_an_empty_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a fresh machine the first `kotowari shell` creates the database; once one existed
    (its .lock marker beside it), a missing file stops start-up unless --create."""
    db = tmp_path / "data" / "kotowari" / "kotowari.db"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("KOTOWARI_DB", raising=False)
    assert bot.cli.main([*NO_ENV, "shell"]) == 0, "a fresh machine just works"
    assert db.exists() and lock_path(db).exists()
    db.unlink()
    assert bot.cli.main([*NO_ENV, "shell"]) == 1
    assert not db.exists(), "no empty database was made"
    err = capsys.readouterr().err
    assert "ERROR" in err and "--create" in err and "kotowari restore" in err
    with pytest.raises(DatabaseMissing):
        open_database(db)
    assert bot.cli.main([*NO_ENV, "shell", "--create"]) == 0
    assert db.exists()


def test_a_missing_database_whose_log_remains_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    open_database(db).close()
    db.unlink()
    lock_path(db).unlink()
    Path(f"{db}-wal").write_bytes(b"x")  # a crash left its log
    with pytest.raises(DatabaseMissing, match=r"k\.db-wal"):
        open_database(db)
    open_database(db, create=True).close()
    assert [p.name.split(".orphaned")[0] for p in tmp_path.glob("*.orphaned-*")] == ["k.db-wal"]


# -- 8: restore while in use; numbers never reused ---------------------------------------
def test_restore_is_refused_while_a_bot_or_shell_has_the_database(
    tmp_path: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    live, copy = tmp_path / "live.db", tmp_path / "copy.db"
    store = Store(open_database(live), clock)
    record(Engine(store), "前の不動産")
    backup(live, copy)
    record(Engine(store), "後の不動産")
    with in_use(live):  # as `kotowari run` and `kotowari shell` hold it
        assert bot.cli.main([*NO_ENV, "restore", str(copy), "--db", str(live)]) == 1
    assert "in use" in capsys.readouterr().err
    assert store.count_cases(1) == 2, "nothing was replaced"
    store.close()


def test_after_a_restore_no_case_number_or_reminder_id_is_given_again(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Buttons sent after the backup (#2's, reminder 2's) must not act on new rows."""
    live, copy = tmp_path / "live.db", tmp_path / "copy.db"
    store = Store(open_database(live), clock)
    engine = Engine(store)
    record(engine, "前の不動産", broker="前の名簿")  # #1, with two reminders
    backup(live, copy)
    record(engine, "後の不動産", broker="後の名簿")  # #2 and its reminders: lost by the restore
    record(engine, "新人の不動産", user_id=5)  # a user who started after the backup
    highest_reminder = max(r["id"] for r in store.db["reminders"].rows)
    store.close()

    assert bot.cli.main([*NO_ENV, "restore", str(copy), "--db", str(live)]) == 0
    store = Store(open_database(live), clock)
    engine = Engine(store)
    assert [c["number"] for c in store.recent_cases(1, 10)] == [1]
    record(engine, "次の不動産", broker="次の名簿")
    assert [c["number"] for c in store.recent_cases(1, 10)] == [3, 1]
    assert min(r["id"] for r in store.db["reminders"].rows if r["case_id"] != 1) > (
        highest_reminder
    )
    record(engine, "新人の二件目", user_id=5)
    assert [c["number"] for c in store.recent_cases(5, 10)] == [2]
    store.close()


def test_after_a_restore_a_line_user_keeps_their_account_and_no_id_is_given_twice(
    tmp_path: Path, clock: FakeClock
) -> None:
    live, copy = tmp_path / "live.db", tmp_path / "copy.db"
    store = Store(open_database(live), clock)
    backup(live, copy)
    engine = Engine(store)
    first = store.account_user(LINE, "U" + "1" * 32, "ja")  # started after the backup
    record(engine, "線の不動産", user_id=first)
    gone = store.account_user(LINE, "U" + "2" * 32, "ja")
    with store.transaction():
        store.forget_user(gone)  # erased: their id is not given again
    store.close()

    assert bot.cli.main([*NO_ENV, "restore", str(copy), "--db", str(live)]) == 0
    store = Store(open_database(live), clock)
    assert store.account_user(LINE, "U" + "1" * 32, "ja") == first, "the same LINE user"
    assert [c["number"] for c in store.recent_cases(first, 10)] == []
    record(Engine(store), "線の二件目", user_id=first)
    assert [c["number"] for c in store.recent_cases(first, 10)] == [2], "numbers carried on"
    newcomer = store.account_user(LINE, "U" + "3" * 32, "ja")
    assert newcomer not in (first, gone), "an id drawn before the restore is never drawn again"
    store.close()


def test_a_user_erased_since_the_backup_is_not_brought_back_by_a_restore(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A restore copied back whole a user who had erased everything (/forget) after the
    backup was taken, and their reminders went out again, with the caller's details."""
    live, copy = tmp_path / "live.db", tmp_path / "copy.db"
    store = Store(open_database(live), clock)
    engine = Engine(store)
    record(engine, "消えたい不動産", phone="090-1111-2222", broker="名簿の森")  # user 1
    record(engine, "残る会社", user_id=2, broker="残る名簿")
    backup(live, copy)
    chat = EngineChat(engine)
    chat.press("🗑 すべて削除する", on=chat.say("/forget"))
    store.close()

    with caplog.at_level(logging.WARNING):
        assert bot.cli.main([*NO_ENV, "restore", str(copy), "--db", str(live)]) == 0
    assert "1 user(s) erased since the backup: erased again" in caplog.text
    store = Store(open_database(live), clock)
    assert store.user(1) is None and store.count_cases(1) == 0
    assert store.count_cases(2) == 1, "the other user's case, restored"
    clock.advance(days=30)
    assert {d.user_id for d in Engine(store).due_deliveries(100)} == {2}
    store.close()
    assert files_hold(live, "消えたい不動産") == [] and files_hold(live, "名簿の森") == []


def forget(engine: Engine, user_id: int = 1) -> None:
    chat = EngineChat(engine, user_id)
    chat.press("🗑 すべて削除する", on=chat.say("/forget"))


def test_a_restore_erases_only_users_who_asked_whatever_file_it_replaces(
    tmp_path: Path, clock: FakeClock
) -> None:
    """A user missing from the replaced file is not taken for erased (a stale copy of the
    database: its file without its log, an older state) — only an erasure recorded is."""
    live, stale, newer = tmp_path / "live.db", tmp_path / "stale.db", tmp_path / "newer.db"
    store = Store(open_database(live), clock)
    record(Engine(store), "会社A")
    store.close()
    shutil.copy(live, stale)  # the state before user 2 started
    store = Store(open_database(live), clock)
    record(Engine(store), "残したい会社", user_id=2)
    backup(live, newer)
    store.close()
    assert bot.cli.main([*NO_ENV, "restore", str(newer), "--db", str(stale)]) == 0
    store = Store(open_database(stale), clock)
    assert store.count_cases(2) == 1, "user 2 never asked to be erased"
    store.close()


def test_a_user_who_erased_and_came_back_does_not_get_the_erased_data_back(
    tmp_path: Path, clock: FakeClock
) -> None:
    live, copy = tmp_path / "live.db", tmp_path / "copy.db"
    store = Store(open_database(live), clock)
    engine = Engine(store)
    record(engine, "消えたい不動産", broker="名簿の森")
    backup(live, copy)
    clock.advance(minutes=1)
    forget(engine)
    clock.advance(minutes=1)
    EngineChat(engine).say("/start")  # back: a fresh start, the same Telegram id
    store.close()
    assert bot.cli.main([*NO_ENV, "restore", str(copy), "--db", str(live)]) == 0
    store = Store(open_database(live), clock)
    assert store.count_cases(1) == 0, "the case erased with /forget is not back"
    assert store.user(1) is not None, "the account they came back with keeps its numbers"
    store.close()


def test_erasures_outlive_a_restore_into_a_missing_or_unreadable_file(
    tmp_path: Path, clock: FakeClock
) -> None:
    """The disk lost, a backup restored into no file (run --replicate does so on a new
    machine): a user erased after a later backup is still not brought back by it; and a
    file SQLite cannot read is kept as it was."""
    live, first, second = tmp_path / "live.db", tmp_path / "b1.db", tmp_path / "b2.db"
    store = Store(open_database(live), clock)
    record(Engine(store), "会社A")
    backup(live, first)
    store.close()
    live.unlink()
    assert bot.cli.main([*NO_ENV, "restore", str(first), "--db", str(live)]) == 0
    store = Store(open_database(live), clock)
    engine = Engine(store)
    record(engine, "消えたい不動産", user_id=2)
    backup(live, second)
    forget(engine, 2)
    store.close()
    assert bot.cli.main([*NO_ENV, "restore", str(second), "--db", str(live)]) == 0
    store = Store(open_database(live), clock)
    assert store.user(2) is None, "user 2, erased after backup 2, not brought back"
    store.close()
    assert bot.cli.main([*NO_ENV, "restore", str(first), "--db", str(live)]) == 0
    store = Store(open_database(live), clock)
    assert store.user(2) is None and store.count_cases(1) == 1
    store.close()
    live.write_bytes(b"not a database at all, damaged beyond reading")
    (tmp_path / "live.db.before-restore").unlink()
    assert bot.cli.main([*NO_ENV, "restore", str(first), "--db", str(live)]) == 0
    kept = tmp_path / "live.db.before-restore"
    assert kept.read_bytes().startswith(b"not a database"), "the damaged file, kept as it was"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


# -- 11: a damaged page stops start-up --------------------------------------------------
def damaged_database(tmp_path: Path, clock: FakeClock) -> Path:
    path = tmp_path / "k.db"
    store = Store(open_database(path), clock)
    engine = Engine(store)
    for index in range(30):
        record(engine, f"会社{index}", phone=f"090-0000-{index:04d}")
    (root,) = store.conn.execute(
        "select rootpage from sqlite_master where name = 'idx_cases_user_id_company_norm'"
    ).fetchone()
    (page_size,) = store.conn.execute("pragma page_size").fetchone()
    store.close()  # the last connection checkpoints the log into the file
    with path.open("r+b") as file:
        file.seek((root - 1) * page_size)
        file.write(b"\x0d\xff\xff\xff" * 16)  # the index's page: a nonsense header
    with closing(sqlite3.connect(path)) as check:
        check.execute("select count(*) from users").fetchone()  # it still opens
    return path


@pytest.mark.usefixtures("no_input")
def test_a_damaged_database_stops_the_start_up_with_what_to_do(
    tmp_path: Path,
    clock: FakeClock,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = damaged_database(tmp_path, clock)
    damaged = path.read_bytes()
    served: list[str] = []

    async def polling(app: Any) -> None:
        served.append("polling")

    monkeypatch.setattr(telegram_app, "serve_polling", polling)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    for name in ("WEBHOOK_URL", "KOTOWARI_REPLICA_URL", "KOTOWARI_REPLICATING"):
        monkeypatch.delenv(name, raising=False)
    assert bot.cli.main([*NO_ENV, "run", "--db", str(path)]) == 1
    assert served == [], "stopped before connecting to Telegram"
    err = capsys.readouterr().err
    assert "ERROR" in err and "damaged" in err and "kotowari restore" in err, err
    assert bot.cli.main([*NO_ENV, "shell", "--db", str(path)]) == 1
    assert "damaged" in capsys.readouterr().err
    assert path.read_bytes() == damaged, "nothing was written to it"

    # What the message says to do works: restore a backup over the damaged file.
    good = tmp_path / "good.db"
    store = Store(open_database(good), clock)
    record(Engine(store), "無事な不動産")
    store.close()
    assert bot.cli.main([*NO_ENV, "restore", str(good), "--db", str(path)]) == 0
    assert bot.cli.main([*NO_ENV, "shell", "--db", str(path)]) == 0
    assert path.with_name("k.db.before-restore").exists(), "the damaged file is kept"


@pytest.mark.parametrize("folder", ["a?b", "h#x", "p%41x", "空白 と 名前"])
def test_the_start_up_check_reads_the_file_whatever_its_folder_is_called(
    tmp_path: Path, clock: FakeClock, folder: str
) -> None:
    # The check opens the file by a URI (read-only): "?", "#" and "%" in a folder's name
    # must not make it open another file (or a new, empty one) and find nothing wrong.
    (tmp_path / folder).mkdir()
    path = damaged_database(tmp_path / folder, clock)

    def files() -> set[str]:  # a reader of a WAL database may leave its -wal and -shm
        return {
            str(p.relative_to(tmp_path)).removesuffix("-wal").removesuffix("-shm")
            for p in tmp_path.rglob("*")
        }

    before = files()
    assert quick_check(path, log_time=False) != []
    assert files() == before


@pytest.mark.usefixtures("no_input")
def test_the_start_up_check_can_be_skipped_for_a_huge_file(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = damaged_database(tmp_path, clock)
    assert bot.cli.main([*NO_ENV, "shell", "--db", str(path), "--skip-check"]) == 0


def test_a_copy_over_the_database_beside_its_old_log_is_refused(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Replaced by hand while stopped after a crash: SQLite would apply the old file's
    write-ahead log to the new file."""
    path, copy = tmp_path / "k.db", tmp_path / "copy.db"
    store = Store(open_database(path), clock)
    record(Engine(store), "会社")
    backup(path, copy)
    saved_wal = Path(f"{path}-wal").read_bytes()
    store.close()
    shutil.copyfile(copy, tmp_path / "new.db")
    os.replace(tmp_path / "new.db", path)
    Path(f"{path}-wal").write_bytes(saved_wal)
    with pytest.raises(RuntimeError, match="write-ahead log of the one before"):
        open_database(path)
    lock_path(path).unlink()  # "copied here together": the operator says so
    open_database(path).close()


# -- checkpoints: never inside a user's commit ------------------------------------------------
def wal_size(db_path: Path) -> int:
    wal = db_path.with_name(db_path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


async def test_no_checkpoint_happens_inside_a_steps_commit(db_path: Path, clock) -> None:
    """SQLite's automatic checkpoint runs in the commit that passes 1,000 pages of log, so
    some user's step waited for it (20-30 ms). The bot's connection makes none: across
    well over 1,000 pages of steps the log only grows (a checkpoint would make the next
    commit write from its start again), until the timer's checkpoint; after that the
    log is written from its start again, and the file cut to that commit's frames."""
    async with running(db_path, clock) as chat:
        assert chat.engine.store.conn.execute("pragma wal_autocheckpoint").fetchone()[0] == 0
        sizes = []
        for _ in range(150):
            clock.advance(minutes=3)  # each /call a new case (not the one just opened)
            for text in ("/call", "/help", "/cases"):
                await chat.say(text)
                sizes.append(wal_size(db_path))
        assert sizes[-1] > 1_100 * 4096, "enough steps to pass the automatic threshold"
        assert all(b > a for a, b in itertools.pairwise(sizes)), "a commit checkpointed"
        await telegram_app.checkpoint_job(job_context(chat))  # the timer's checkpoint
        frames, copied, truncated, busy = store_checkpoint(db_path, truncate_above=2**40)
        assert (frames, copied, truncated, busy) == (frames, frames, False, False)
        await chat.say("/help")
        assert 0 < wal_size(db_path) <= sizes[2], "written from its start again, and cut"


def test_a_deleted_rows_frames_leave_the_log_after_the_next_checkpoint(db_path: Path) -> None:
    """A handled inbox row (a message's text) is deleted within a second, but its frames
    stayed in the write-ahead log: after a checkpoint SQLite writes the log from its start
    again without shortening the file, so frames past what later commits rewrote stayed
    there until an erasure or a 64 MiB log emptied it. The next commit after a complete
    checkpoint now cuts the file to its own frames."""
    store = Store(open_database(db_path, autocheckpoint=False))  # as the bot opens it
    with store.transaction():
        store.create_user(1, "ja")
        for n in range(40):  # a burst: the message lies deep in the log
            store.update_user(1, quiet_hours=f"{n % 24}-7")
    [entry] = store.inbox_add([(1, 7, '{"message": {"text": "090-5555-1234 山田太郎"}}')])
    store.inbox_done_later(entry)
    store.inbox_flush_done()
    assert files_hold(db_path, "山田太郎") == ["kotowari.db-wal"]
    for update_id in range(100, 103):  # the bot goes on: checkpoints and small writes
        assert not store_checkpoint(db_path).busy
        store.inbox_add([(update_id, 8, '{"message": {"text": "hello"}}')])
    assert files_hold(db_path, "山田太郎") == []
    store.close()


def test_an_idle_log_is_emptied_so_a_deleted_rows_frames_leave_it(db_path: Path) -> None:
    """The next commit cuts the log after a checkpoint, but an idle bot makes none: a row
    deleted (or a value corrected) just before stayed in the log's file until someone wrote
    again. A checkpoint finding the log idle for ``WAL_IDLE_SECONDS`` also empties it."""
    store = Store(open_database(db_path, autocheckpoint=False))
    with store.transaction():
        store.create_user(1, "ja")
    [entry] = store.inbox_add([(1, 7, '{"message": {"text": "090-5555-1234 山田太郎"}}')])
    store.inbox_done_later(entry)
    store.inbox_flush_done()
    done = store_checkpoint(db_path)
    assert (done.copied, done.truncated, done.busy) == (done.frames, False, False), "just written"
    assert files_hold(db_path, "山田太郎") == ["kotowari.db-wal"]
    wal = db_path.with_name(db_path.name + "-wal")
    written = wal.stat().st_mtime - files.WAL_IDLE_SECONDS
    os.utime(wal, (written, written))  # no commit since, for that long
    assert store_checkpoint(db_path).truncated
    assert files_hold(db_path, "山田太郎") == [] and wal_size(db_path) == 0
    store.close()


async def test_a_log_past_its_bound_is_emptied_by_the_timers_checkpoint(
    db_path: Path, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("flows.store.files.WAL_TRUNCATE_BYTES", 0)
    async with running(db_path, clock) as chat:
        await chat.say("/call")
        assert wal_size(db_path) > 0
        await telegram_app.checkpoint_job(job_context(chat))
        assert wal_size(db_path) == 0, "TRUNCATE once past the bound"


async def reminder_round(
    db_path: Path, clock: FakeClock, due: int, settings: Settings | None = None
) -> tuple[int, list[int], int]:
    """``due`` reminders sent in batches of 5: how many went out, the log's size after each
    of the round's checkpoints, and at the round's end (before the bot stops)."""
    bench.seed(db_path, due, clock.now - timedelta(minutes=1))
    sizes: list[int] = []
    real = telegram_app.checkpoint_wal

    async def checkpoint_noted(data: Any) -> None:
        await real(data)
        sizes.append(wal_size(db_path))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(telegram_app, "checkpoint_wal", checkpoint_noted)
        async with running(db_path, clock, settings=settings) as chat:
            sent = await telegram_app.dispatch_reminders(chat.app, 5)
            return sent, sizes, wal_size(db_path)


async def test_a_long_reminder_round_checkpoints_and_its_log_stays_small(
    tmp_path: Path, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each "sent" mark adds to the log: a round at 100k due grew it past a gigabyte before
    the timer's next checkpoint, and emptying it then held the event loop for 0.1-0.3 s. The
    round checkpoints every CHECKPOINT_EVERY_SENT reminders, waiting for it, so each copies
    the whole log and the next mark writes it from its start again: it does not grow."""
    monkeypatch.setattr(upkeep, "CHECKPOINT_EVERY_SENT", 10)
    sent, sizes, end = await reminder_round(tmp_path / "a.db", clock, 60)
    assert sent == 60 and len(sizes) == 6  # after 10, 20 … 60 sent
    # Ten marks write about the same pages each time (a page or two more where they cross
    # a page of the index): the log stays at what the first ten made it, give or take.
    assert max(sizes) <= 1.25 * sizes[0] and end <= 1.25 * sizes[0], sizes
    monkeypatch.setattr(upkeep, "CHECKPOINT_EVERY_SENT", 10**9)
    sent, none, grown = await reminder_round(tmp_path / "b.db", clock, 60)
    assert sent == 60 and none == []
    assert grown > 3 * end, "without them the log grows with the round"


async def test_under_litestream_a_reminder_round_makes_no_checkpoint(
    db_path: Path, clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upkeep, "CHECKPOINT_EVERY_SENT", 10)
    settings = Settings(db_path=db_path, telegram_token=TOKEN, replicating=True)
    sent, sizes, end = await reminder_round(db_path, clock, 30, settings)
    assert sent == 30 and len(sizes) == 3  # asked for, and checkpoint_wal made none:
    assert sizes[0] < sizes[1] < sizes[2] == end, "the log grows: Litestream's to checkpoint"


async def test_under_litestream_the_timer_makes_no_checkpoint(db_path: Path, clock) -> None:
    """Litestream checkpoints itself and must not find the log emptied under it."""
    settings = Settings(db_path=db_path, telegram_token=TOKEN, replicating=True)
    async with running(db_path, clock, settings=settings) as chat:
        await chat.say("/call")
        before = wal_size(db_path)
        await telegram_app.checkpoint_job(job_context(chat))
        await chat.say("/help")
        assert wal_size(db_path) > before, "not checkpointed: the log still grows"


def test_the_checkpoint_waits_for_no_reader(db_path: Path, reader: sqlite3.Connection) -> None:
    """A reader (Litestream, a backup) holds part of the log: the checkpoint returns at once
    and leaves the log as it is (no TRUNCATE), to try again next time."""
    store = Store(open_database(db_path, autocheckpoint=False))
    with store.transaction():
        store.create_user(1, "ja")
    start_reading(reader)
    with store.transaction():
        store.update_user(1, language="en")
    size = wal_size(db_path)
    done = store_checkpoint(db_path, truncate_above=0)
    assert done.busy and not done.truncated and done.copied < done.frames
    assert wal_size(db_path) == size
    reader.execute("commit")
    assert store_checkpoint(db_path, truncate_above=0).truncated
    store.close()


@pytest.mark.usefixtures("no_input")
@pytest.mark.parametrize(("replica", "limit"), [(None, 0), ("file:///srv/replica", -1)])
def test_the_shell_cuts_the_log_only_where_litestream_does_not_replicate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replica: str | None, limit: int
) -> None:
    """Litestream must not find the log shorter than it has read: a shell on a replicated
    database (KOTOWARI_REPLICA_URL in its .env) leaves journal_size_limit alone."""
    from flows import store as store_module

    opened: list[int] = []

    original = store_module.open_database

    def noted(path: Any, *args: Any, **kwargs: Any) -> Any:
        db = original(path, *args, **kwargs)
        opened.append(db.execute("pragma journal_size_limit").fetchone()[0])
        return db

    monkeypatch.setattr(store_module, "open_database", noted)
    if replica:
        monkeypatch.setenv("KOTOWARI_REPLICA_URL", replica)
    else:
        monkeypatch.delenv("KOTOWARI_REPLICA_URL", raising=False)
    assert bot.cli.main([*NO_ENV, "shell", "--db", str(tmp_path / "k.db")]) == 0
    assert opened[-1] == limit
