"""Letters (PDF), charts (PNG) and exports are never made on the event loop's thread: in the worker
process when ``kotowari run`` started it, else in a worker thread (structure, not timings:
the head-of-line benchmark, ``scripts/bench_e2e.py hol``, measures what it buys)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import io
import json
import logging
import os
import signal
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from telegram.ext import AIORateLimiter

from bot import file_worker, files, telegram_app
from bot.config import Settings, SettingsError
from bot.files import FileMaker, FileNotMade
from bot.telegram_app import build_application, run_bot
from fakes.request import FakeBotApi
from flows import export, fonts, letters, stats
from flows.engine import Engine
from flows.port import Attachment, Inbound
from flows.store import Store, open_database
from tests.conftest import ShellChat

TOKEN = "123456:TESTTOKENTESTTOKENTESTTOKENTESTTOKEN"
REAL_SCHEDULE = export._schedule  # at import, before conftest's fixture replaces it
LETTER = letters.Letter(
    kind="broker_request",
    title="個人情報の第三者提供の停止等の請求書",
    recipient="名簿センター 御中",
    date="令和8年12月1日",
    sender=("山田太郎",),
    content=("第三者への提供を停止してください。",),
)


@pytest.fixture
def maker() -> Iterator[FileMaker]:
    made = FileMaker(pace=0.0)  # files back to back: no pacing's rests in these tests
    yield made
    made.stop_process()


async def test_letters_and_charts_are_made_in_the_worker_process(maker: FileMaker) -> None:
    assert maker.start_process()
    pdf = await maker.make(Attachment("letter.pdf", partial(letters.to_pdf, LETTER)))
    chart = partial(stats.chart_png, [("2026-11", 2), ("2026-12", 1)], "件数")
    png = await maker.make(Attachment("calls.png", chart, "photo"))
    assert pdf.startswith(b"%PDF") and png.startswith(b"\x89PNG")
    # What the engine hands over runs in another process (not this one, not its loop).
    worker: Any = await maker.make(Attachment("pid", partial(os.getpid)))  # type: ignore[arg-type]
    assert isinstance(worker, int) and worker != os.getpid()
    assert maker.made == {"process": 3}


async def test_the_worker_process_logs_nothing_of_a_letter(
    maker: FileMaker, capfd: pytest.CaptureFixture[str]
) -> None:
    """fpdf warns of the characters a font lacks, naming them (𠮷 of 𠮷田): in the worker,
    which has none of the bot's log settings, that went to the bot's log as it was."""
    assert maker.start_process()
    named = dataclasses.replace(LETTER, recipient="𠮷田不動産 御中", sender=("髙𠮷 太郎",))
    assert (await maker.make(Attachment("x.pdf", partial(letters.to_pdf, named)))).startswith(
        b"%PDF"
    )
    shout = partial(logging.getLogger("kotowari.probe").error, "山田太郎 090-1234-5678")
    await maker.make(Attachment("log", shout))  # type: ignore[arg-type]
    err = capfd.readouterr().err
    assert "𠮷" not in err and "山田太郎" not in err, err


@pytest.mark.skipif(not hasattr(os, "nice"), reason="no process priorities here")
async def test_the_worker_runs_at_the_lowest_cpu_priority(maker: FileMaker) -> None:
    """Typesetting yields the cores to the bot and to everything else on the machine: other
    users' steps wait less behind letters (BENCHMARKS.md, "the file worker at nice 19")."""
    assert maker.start_process()
    niceness: Any = await maker.make(Attachment("nice", partial(os.nice, 0)))  # type: ignore[arg-type]
    assert niceness == 19  # the lowest: raising it further is clamped


async def test_the_worker_makes_one_file_at_a_time_and_rests_as_long_as_it_took() -> None:
    """Two letters asked for at once: the second starts when the first is done and the worker
    has rested as long as it took; a rest is at most FILE_REST_MAX; a file asked for after the
    rest is over starts at once. (The clock is scripted: the rest check, a file's start and
    its end read it, in that order.)"""
    reads = iter([0.0, 0.0, 0.5, 0.5, 1.0, 1.25, 9.0, 9.0, 19.0, 19.0, 21.0, 21.1])
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    paced = FileMaker(clock=lambda: next(reads), sleep=sleep)
    try:
        assert paced.start_process()
        pid: Any = partial(os.getpid)
        made: tuple[Any, ...] = await asyncio.gather(
            paced.make(Attachment("a", pid)), paced.make(Attachment("b", pid))
        )
        assert made[0] == made[1] != os.getpid()
        assert slept == [0.5]  # the second waited for the first, then for its rest
        await paced.make(Attachment("c", pid))  # at 9.0: rested (until 1.5); takes 10 s
        assert slept == [0.5]
        await paced.make(Attachment("d", pid))  # after c's 10 s, a rest of 2 s, not 10
        assert slept == [0.5, files.FILE_REST_MAX]
        assert paced.made == {"process": 4} and next(reads, None) is None
    finally:
        paced.stop_process()


async def test_without_the_process_a_file_is_made_in_a_thread_not_the_loops(
    maker: FileMaker,
) -> None:
    seen: list[threading.Thread] = []

    def make() -> bytes:
        seen.append(threading.current_thread())
        return b"made"

    assert await maker.make(Attachment("a.txt", partial(make))) == b"made"
    assert seen and seen[0] is not threading.main_thread()
    assert maker.made == {"thread": 1}


def _failing() -> bytes:
    raise RuntimeError("no file")


async def test_the_channels_hook_runs_after_each_file_made_or_failed(maker: FileMaker) -> None:
    after: list[bool] = []
    maker.after_each = lambda: after.append(True)
    assert await maker.make(Attachment("a.txt", content=b"ready")) == b"ready"
    assert after == [], "nothing was made: nothing read the database"
    assert await maker.make(Attachment("b.txt", partial(bytes, 3))) == bytes(3)
    with pytest.raises(RuntimeError, match="no file"):
        await maker.make(Attachment("c.txt", partial(_failing)))
    assert after == [True, True]


async def test_what_cannot_be_pickled_is_made_in_the_thread(maker: FileMaker) -> None:
    """A lambda, or a function replaced in a test: no process can call it."""
    assert maker.start_process()
    seen: list[threading.Thread] = []

    def record() -> bytes:
        seen.append(threading.current_thread())
        return b"x"

    assert await maker.make(Attachment("a", lambda: record())) == b"x"
    assert await maker.make(Attachment("b", partial(record))) == b"x"
    assert maker.made == {"thread": 2}
    assert all(thread is not threading.main_thread() for thread in seen)


async def test_an_export_is_read_and_written_in_the_worker_process(
    maker: FileMaker, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/export of a user with thousands of cases is ~0.8 s of reading rows and writing JSON
    and CSV: the step reads none of the user's rows and writes no file (it names the file
    and the queries); the worker reads and writes them, the same bytes as here."""
    chat = ShellChat(engine, 1)
    for step in ("/call", "1", "1", "名簿センター", "株式会社テスト不動産"):
        chat.act(step)
    written: list[str] = []
    for name in ("export_json", "export_csv"):
        monkeypatch.setattr(export, name, partial(_recording, getattr(export, name), written))
    read: list[tuple[str, ...] | None] = []
    monkeypatch.setattr(export.Stored, "read", _recording_reads(export.Stored.read, read))
    files = engine.handle(Inbound(1, text="/export")).replies[0].attachments
    assert [f.filename.rsplit(".", 1)[-1] for f in files] == ["json", "csv", "csv"]
    assert written == [] and read == [] and not any(f.ready for f in files)
    monkeypatch.undo()  # pickle finds a function by its name: the real one again
    assert maker.start_process()
    made = [await maker.make(f) for f in files]
    assert maker.made == {"process": 3} and written == []  # written there, not here
    assert made == [f.data for f in files]  # the same files, read and written here this time
    assert written == ["export_json", "export_csv", "export_csv"]
    assert json.loads(made[0])["cases"][0]["company"] == "株式会社テスト不動産"


def _recording_reads(read: Any, calls: list[Any]) -> Any:
    def recorded(self: export.Stored, names: tuple[str, ...] | None = None) -> Any:
        calls.append(names)
        return read(self, names)

    return recorded


def test_the_worker_reads_what_the_step_would_have_read(engine: Engine) -> None:
    """The rows read later, over a read-only connection of the worker's own, are the rows of
    the step's own connection (another user's are not among them)."""
    for user in (1, 2):
        chat = ShellChat(engine, user)
        for step in ("/call", "1", "1", f"名簿{user}", f"株式会社{user}", "/note 話した"):
            chat.act(step)
    stored = engine.store.user_export(1)
    assert isinstance(stored, export.Stored)
    here = {t: engine.store._table(sql, params) for t, sql, params in stored.queries}
    assert stored.read() == here
    assert [len(rows) for _, rows in here.values()] == [1, 1, 1, 0, len(here["events"][1])]
    assert {row[here["cases"][0].index("company")] for row in here["cases"][1]} == {"株式会社1"}
    assert list(stored.read(("events",))) == ["events"]


def test_one_exports_files_are_read_once_and_show_the_same_moment(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each file is made on its own, seconds apart (the worker is paced): a case stored
    meanwhile (another program on the database, e.g. a shell) is in none of this export's
    files, and is in the next export's."""
    ShellChat(engine, 1).act("/call")
    read: list[tuple[str, ...] | None] = []
    monkeypatch.setattr(export.Stored, "read", _recording_reads(export.Stored.read, read))
    files = engine.handle(Inbound(1, text="/export")).replies[0].attachments
    document = json.loads(files[0].data)
    Engine(engine.store).handle(Inbound(1, text="/after"))  # case 2, between the files
    cases_csv, events_csv = (f.data.decode("utf-8-sig") for f in files[1:])
    assert [c["number"] for c in document["cases"]] == [1]
    assert cases_csv.count("\n") == 2, "the header and case 1"
    assert events_csv.count("\n") == 1 + len(document["events"])
    assert read == [None], "one read for the three files"

    again = engine.handle(Inbound(1, text="/export")).replies[0].attachments
    assert [c["number"] for c in json.loads(again[0].data)["cases"]] == [1, 2]
    assert len(read) == 2


def test_two_exports_made_in_turn_are_each_read_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two users export at once: the worker makes their files in turn (A's JSON, B's JSON,
    A's CSV …). Each export is still read once, and A's files show one moment."""
    for user in (1, 2):
        ShellChat(engine, user).act("/call")
    read: list[tuple[str, ...] | None] = []
    monkeypatch.setattr(export.Stored, "read", _recording_reads(export.Stored.read, read))
    a, b = (engine.handle(Inbound(u, text="/export")).replies[0].attachments for u in (1, 2))
    a_json, b_json = json.loads(a[0].data), json.loads(b[0].data)
    Engine(engine.store).handle(Inbound(1, text="/call"))  # A's case 2, between the files
    a_cases, b_cases, a_events, b_events = (
        f.data.decode("utf-8-sig") for f in (*a[1:2], *b[1:2], *a[2:], *b[2:])
    )
    assert [c["number"] for c in a_json["cases"]] == [1] == [c["number"] for c in b_json["cases"]]
    assert a_cases.count("\n") == 2 == b_cases.count("\n"), "the header and case 1"
    assert a_events.count("\n") == 1 + len(a_json["events"])
    assert b_events.count("\n") == 1 + len(b_json["events"])
    assert len(read) == 2
    assert export._held == {}, "nothing kept once the last files have their rows"


def test_an_export_whose_other_files_never_come_is_not_kept(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, no_state_between_tests: list[float]
) -> None:
    """Its send failed after the JSON (the user blocked the bot): the rows are dropped
    ``HOLD_SECONDS`` after the reading, by a timer, even if no other file is made."""
    now = [1000.0]
    monkeypatch.setattr(export, "_clock", lambda: now[0])
    ShellChat(engine, 1).act("/call")
    files = engine.handle(Inbound(1, text="/export")).replies[0].attachments
    _ = files[0].data
    assert len(export._held) == 1
    assert no_state_between_tests == [export.HOLD_SECONDS + 0.1], "a timer to drop them"
    now[0] += export.HOLD_SECONDS - 1
    export.expire_held()
    assert len(export._held) == 1, "not yet"
    now[0] += 1
    export.expire_held()  # what the timer runs
    assert export._held == {}
    assert b"\n" in files[1].data, "a file asked for after all reads the rows again"
    assert len(export._held) == 1 and len(no_state_between_tests) == 2


def test_the_timer_drops_what_is_held_past_its_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "_schedule", REAL_SCHEDULE)  # conftest replaces it
    stale = export.Stored("k.db", (0, 0), (), export_id="x", parts=("json", "cases"))
    export._held["x"] = (stale, {}, frozenset({"cases"}), export._clock() - 1)
    timer = export._schedule(0.0)
    assert timer is not None
    timer.join()
    assert export._held == {}


def test_one_timer_for_every_export_held(monkeypatch: pytest.MonkeyPatch) -> None:
    """The timer drops what is past its time, then waits for the next export still held."""
    monkeypatch.setattr(export, "_schedule", REAL_SCHEDULE)
    now = [1000.0]
    monkeypatch.setattr(export, "_clock", lambda: now[0])
    monkeypatch.setattr(export, "_timer", None)
    for key, until in (("old", 999.0), ("new", 1100.0)):
        stored = export.Stored("k.db", (0, 0), (), export_id=key, parts=("json", "cases"))
        export._held[key] = (stored, {}, frozenset({"cases"}), until)
    with export._held_lock:
        export._arm(0.0)
        first = export._timer
        export._arm(0.0)  # set already: not a second one
        assert export._timer is first
    assert first is not None
    first.join()
    assert list(export._held) == ["new"]
    again = export._timer
    assert again is not None and again is not first and again.is_alive()
    assert again.interval == pytest.approx(100.1)
    again.cancel()


def test_an_export_is_not_read_from_a_database_file_put_in_its_place(
    engine: Engine, db_path: Path
) -> None:
    """Restored from a backup (another file at the same path) between the step and the
    writing: the file is not made from it; the channel says the file failed."""
    ShellChat(engine, 1).act("/call")
    files = engine.handle(Inbound(1, text="/export")).replies[0].attachments
    moved = db_path.with_name("moved.db")
    os.link(db_path, moved)
    os.unlink(db_path)
    with pytest.raises(export.StoreChanged, match="gone"):
        _ = files[0].data
    moved.with_name("other.db").write_bytes(moved.read_bytes())
    os.replace(moved.with_name("other.db"), db_path)
    with pytest.raises(export.StoreChanged, match="replaced"):
        _ = files[1].data


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_shell_says_an_export_failed_and_goes_on(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """The shell writes the files itself: one that cannot be read (the database put away
    meanwhile) is a line saying so in the user's language, no empty file, and the session
    goes on."""
    chat = ShellChat(engine, 1, lang=lang, files_dir=tmp_path / "files")
    chat.say("/call")

    def failing(self: export.Stored, names: tuple[str, ...] | None = None) -> Any:
        raise export.StoreChanged("the database file is gone")

    monkeypatch.setattr(export.Stored, "read", failing)
    said = chat.say("/export")
    monkeypatch.undo()
    failed = {"ja": "を作れませんでした", "en": "Couldn't make the file"}[lang]
    assert said.count(failed) == 3, said
    assert not (tmp_path / "files").exists() or list((tmp_path / "files").iterdir()) == []
    assert "📎" in chat.say("/export")  # the next one is made
    assert len(list((tmp_path / "files").iterdir())) == 3


def test_the_shell_says_where_a_file_could_not_be_written(engine: Engine, tmp_path: Path) -> None:
    blocked = tmp_path / "files"
    blocked.write_text("not a folder")  # the files folder cannot be made
    chat = ShellChat(engine, 1, files_dir=blocked)
    chat.say("/call")
    said = chat.say("/export")
    assert said.count(f"could not be written in {blocked}") == 3, said
    assert "を作れませんでした" not in said, "made, not written: not the same notice"
    assert "/call" in chat.say("/help"), "the session goes on"


def test_a_file_that_cannot_be_written_leaves_the_earlier_one(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = ShellChat(engine, 1, files_dir=tmp_path / "files")
    path = chat.shell.save("a.txt", b"before")

    class Full(io.BytesIO):
        def write(self, data: Any) -> int:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: (os.close(fd), Full())[1])
    with pytest.raises(OSError):
        chat.shell.save("a.txt", b"after, longer")
    monkeypatch.undo()
    assert path.read_bytes() == b"before"
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name], "no part left"


def test_the_shell_writes_no_file_but_its_own(engine: Engine, tmp_path: Path) -> None:
    """A part of the same name left behind (a link, another shell's, world-readable) is
    neither written through nor used: each write has a new 0600 file of its own."""
    files = tmp_path / "files"
    files.mkdir(mode=0o700)
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"untouched")
    (files / "user1-a.txt.part").symlink_to(outside)
    path = ShellChat(engine, 1, files_dir=files).shell.save("a.txt", b"rows")
    assert path.read_bytes() == b"rows" and path.stat().st_mode & 0o777 == 0o600
    assert outside.read_bytes() == b"untouched" and not path.is_symlink()


def test_a_database_in_memory_is_read_in_the_step() -> None:
    """No file for another connection to open: the rows go with the files."""
    store = Store(open_database(":memory:", create=True))
    engine = Engine(store)
    ShellChat(engine, 1).act("/call")
    assert isinstance(store.user_export(1), dict)
    files = engine.handle(Inbound(1, text="/export")).replies[0].attachments
    assert json.loads(files[0].data)["users"][0]["id"] == 1


def _recording(write: Any, written: list[str], *args: Any) -> bytes:
    written.append(write.__name__)
    data: bytes = write(*args)
    return data


async def test_a_ready_file_is_not_sent_anywhere(maker: FileMaker) -> None:
    assert await maker.make(Attachment("a.txt", b"bytes")) == b"bytes"
    assert maker.made == {}


async def test_a_dead_worker_process_is_replaced_and_its_file_is_not_made_in_the_bot(
    maker: FileMaker,
) -> None:
    """Killed (as the kernel's OOM killer would): the file it was making fails (the user is
    told, and asks again) rather than be made in the bot's own process, which it might kill
    too; a new worker makes the next one."""
    assert maker.start_process()
    worker: Any = await maker.make(Attachment("pid", partial(os.getpid)))  # type: ignore[arg-type]
    os.kill(worker, signal.SIGKILL)
    with pytest.raises(FileNotMade):
        await maker.make(Attachment("letter.pdf", partial(letters.to_pdf, LETTER)))
    assert maker.has_process and maker.restarts == 1
    pdf = await maker.make(Attachment("letter.pdf", partial(letters.to_pdf, LETTER)))
    assert pdf.startswith(b"%PDF")
    assert maker.made == {"process": 2}


async def test_a_file_waiting_its_turn_goes_to_the_new_worker(maker: FileMaker) -> None:
    """The worker dies making one file while another waits its turn: the first fails, the
    second is made by the worker started in its place."""
    assert maker.start_process()
    worker: Any = await maker.make(Attachment("pid", partial(os.getpid)))  # type: ignore[arg-type]
    os.kill(worker, signal.SIGKILL)
    pid: Any = partial(os.getpid)
    first, second = await asyncio.gather(
        maker.make(Attachment("a", pid)), maker.make(Attachment("b", pid)), return_exceptions=True
    )
    assert isinstance(first, FileNotMade)
    assert isinstance(second, int) and second not in (worker, os.getpid())
    assert maker.restarts == 1 and maker.made == {"process": 2}


class HeldPool(concurrent.futures.Executor):
    """A worker process that makes each file only when the test says (``finish``)."""

    def __init__(self) -> None:
        self.files: list[concurrent.futures.Future[Any]] = []

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        future.set_running_or_notify_cancel()  # the worker has it: it cannot be taken back
        self.files.append(future)
        return future


async def turns(count: int = 20) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


async def test_a_file_given_up_while_being_made_keeps_the_next_one_waiting() -> None:
    """The asker of a file gives up (cancelled: a drain, a restart) while the worker makes it;
    the worker goes on with it, so the next file waits for it: sent to the worker meanwhile,
    it would queue there with its timeout running and could time out, costing a restart."""
    maker = FileMaker(pace=0.0)
    pool = HeldPool()
    maker._process = pool  # type: ignore[assignment]
    pid: Any = partial(os.getpid)
    first = asyncio.create_task(maker.make(Attachment("a", pid)))
    await turns()
    assert len(pool.files) == 1
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    second = asyncio.create_task(maker.make(Attachment("b", pid)))
    await turns()
    assert len(pool.files) == 1, "not sent while the worker still makes the first"
    pool.files[0].set_result(b"given up")
    await turns()
    assert len(pool.files) == 2
    pool.files[1].set_result(b"b")
    assert await second == b"b"
    assert maker.restarts == 0 and maker.made == {"process": 1}
    maker._process = None


async def test_a_file_given_up_that_hangs_the_worker_gets_it_replaced() -> None:
    """The file given up runs past its own timeout: the worker hangs on it, and is replaced
    before the next file is sent (the clock jumps past FILE_TIMEOUT meanwhile)."""
    now = [0.0]
    maker = FileMaker(pace=0.0, clock=lambda: now[0])
    pool = HeldPool()
    maker._process = pool  # type: ignore[assignment]
    pid: Any = partial(os.getpid)
    first = asyncio.create_task(maker.make(Attachment("a", pid)))
    await turns()
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    now[0] = files.FILE_TIMEOUT + 1
    try:
        made: Any = await maker.make(Attachment("b", pid))
        assert maker.restarts == 1 and len(pool.files) == 1, "the next file went to a new worker"
        assert isinstance(made, int) and made != os.getpid()
    finally:
        maker.stop_process()


async def test_a_worker_that_stops_too_often_leaves_the_files_to_the_thread(
    maker: FileMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "FILE_PROCESS_RESTARTS", 0)
    assert maker.start_process()
    worker: Any = await maker.make(Attachment("pid", partial(os.getpid)))  # type: ignore[arg-type]
    os.kill(worker, signal.SIGKILL)
    with pytest.raises(FileNotMade):
        await maker.make(Attachment("letter.pdf", partial(letters.to_pdf, LETTER)))
    assert not maker.has_process
    pdf = await maker.make(Attachment("letter.pdf", partial(letters.to_pdf, LETTER)))
    assert pdf.startswith(b"%PDF") and maker.made["thread"] == 1


def test_the_worker_keeps_none_of_the_bots_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:SECRET")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t")
    monkeypatch.setattr(file_worker.os, "nice", lambda _: 0)
    monkeypatch.setattr(file_worker.signal, "signal", lambda *_: None)
    monkeypatch.setattr(file_worker.sys, "platform", "other")
    file_worker.init()
    assert "TELEGRAM_BOT_TOKEN" not in os.environ and "AWS_SECRET_ACCESS_KEY" not in os.environ


@pytest.mark.parametrize(("parent", "exits"), [("alive", False), ("dead", True), (None, False)])
def test_a_worker_whose_bot_died_while_it_started_ends(
    monkeypatch: pytest.MonkeyPatch, parent: str | None, exits: bool
) -> None:
    """Reparented (to init) before it asked for the death signal: it would never get one."""
    pid = {"alive": os.getppid(), "dead": os.getppid() + 1, None: None}[parent]
    monkeypatch.setattr(
        file_worker.multiprocessing,
        "parent_process",
        lambda: None if pid is None else SimpleNamespace(pid=pid),
    )
    ended: list[int] = []
    monkeypatch.setattr(file_worker.os, "_exit", ended.append)
    file_worker.exit_if_orphaned()
    assert ended == ([0] if exits else [])


def test_the_worker_warms_the_files_and_reports_its_process() -> None:
    assert file_worker.warm() == os.getpid()
    assert fonts.font_characters.cache_info().currsize == 1


@pytest.mark.parametrize(("file_maker", "started"), [("process", True), ("thread", False)])
def test_kotowari_run_starts_the_file_process_and_stops_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file_maker: str, started: bool
) -> None:
    seen: list[bool] = []

    async def polling(app: Any) -> None:
        seen.append(files.FILES.has_process)

    monkeypatch.setattr(telegram_app, "serve_polling", polling)
    real_build = telegram_app.build_application
    monkeypatch.setattr(
        telegram_app,
        "build_application",
        lambda settings, db_path: real_build(settings, db_path, request=FakeBotApi()),
    )
    settings = Settings(db_path=tmp_path / "k.db", telegram_token=TOKEN, file_maker=file_maker)
    assert run_bot(settings, settings.db_path) == 0
    assert seen == [started]
    assert not files.FILES.has_process


def test_the_benchmark_settings() -> None:
    assert Settings.from_env({}).rate_limit_caps
    assert not Settings.from_env({"KOTOWARI_RATE_LIMIT_CAPS": "off"}).rate_limit_caps
    assert Settings.from_env({"KOTOWARI_FILE_MAKER": "thread"}).file_maker == "thread"
    for name, value in (("KOTOWARI_RATE_LIMIT_CAPS", "none"), ("KOTOWARI_FILE_MAKER", "gpu")):
        with pytest.raises(SettingsError):
            Settings.from_env({name: value})
    example = (Path(__file__).resolve().parent.parent / ".env.example").read_text()
    assert "KOTOWARI_RATE_LIMIT_CAPS=" in example and "KOTOWARI_FILE_MAKER=" in example


@pytest.mark.parametrize(("caps", "rate"), [("on", 30), ("off", 0)])
def test_the_rate_limit_caps_can_be_lifted_for_benchmarks(caps: str, rate: int) -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "KOTOWARI_RATE_LIMIT_CAPS": caps})
    app = build_application(settings, "unused.db", request=FakeBotApi())
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, AIORateLimiter)
    assert limiter._base_limiter is None if rate == 0 else limiter._base_limiter is not None
