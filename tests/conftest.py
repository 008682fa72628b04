"""Shared fixtures: a controllable clock and engines on a temporary database file."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.files import FILES
from bot.logs import RedactingFilter
from flows import export
from flows.engine import Engine
from flows.store import Store, open_database
from tests.transcript import ShellChat

# Friday 2026-11-27 14:00 in Tokyo.
START = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(autouse=True)
def no_state_between_tests() -> Iterator[list[float]]:
    """What a process keeps between files: no test's left for the next. The exports held
    for their other files start no timers here; the list says which delays were asked.
    (A patch of its own: a test's ``monkeypatch.undo()`` leaves it in place.) A test that
    runs ``cli.main`` configures logging: its handler (writing to that test's captured
    stderr) is taken off the root logger afterwards, and the root's level put back."""
    scheduled: list[float] = []
    root = logging.getLogger()
    level = root.level
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(export, "_schedule", scheduled.append)
        yield scheduled
    for handler in list(root.handlers):
        if any(isinstance(f, RedactingFilter) for f in handler.filters):
            root.removeHandler(handler)
    root.setLevel(level)
    export._held.clear()
    FILES.after_each = None  # a channel's hook, left by a test that did not stop its bot


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "kotowari.db"


@pytest.fixture
def make_engine(db_path: Path, clock: FakeClock) -> Iterator[Callable[[], Engine]]:
    """Build engines on one database file; each call is like a restarted process."""
    opened = []

    def make() -> Engine:
        db = open_database(db_path)
        opened.append(db)
        return Engine(Store(db, clock))

    yield make
    for db in opened:
        db.close()


@pytest.fixture
def engine(make_engine: Callable[[], Engine]) -> Engine:
    return make_engine()


# The shell's transcripts (``talk()``); tests/transcript.py has the engine's and Telegram's.
Conversation = ShellChat


@pytest.fixture
def talk(engine: Engine) -> Callable[..., Conversation]:
    def make(user_id: int = 1, lang: str | None = None) -> Conversation:
        return Conversation(engine, user_id, lang)

    return make


def busy_once(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The engine's first "sent" mark fails as if another process held the database past
    the busy timeout; later ones are written. Returns the ids of every mark tried."""
    mark = engine.reminder_sent
    failures = iter([sqlite3.OperationalError("database is locked")])
    tries: list[int] = []

    def marked(reminder_id: int) -> None:
        tries.append(reminder_id)
        if (error := next(failures, None)) is not None:
            raise error
        mark(reminder_id)

    monkeypatch.setattr(engine, "reminder_sent", marked)
    return tries
