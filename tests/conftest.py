"""Shared fixtures: a controllable clock and engines on a temporary database file."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.shell import Shell
from flows.engine import Engine
from flows.store import Store, open_database

# Friday 2026-11-27 14:00 in Tokyo.
START = datetime(2026, 11, 27, 5, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


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


class Conversation:
    """Drive an engine through the shell's channel and keep what the bot said per turn."""

    def __init__(
        self,
        engine: Engine,
        user_id: int = 1,
        lang: str | None = None,
        files_dir: Path | None = None,
    ) -> None:
        self.out = io.StringIO()
        # Files (charts, letters) go to a temporary folder, never into the project.
        files_dir = files_dir or Path(tempfile.mkdtemp(prefix="kotowari-test-files-"))
        self.shell = Shell(
            engine, out=self.out, user_id=user_id, lang_hint=lang, files_dir=files_dir
        )

    def say(self, line: str) -> str:
        start = self.out.tell()
        self.shell.feed(line)
        return self.out.getvalue()[start:]

    def said_whole(self, line: str) -> str:
        """The answer with each read-aloud line joined back into one line."""
        return self.say(line).replace("\n     ", "")

    def run(self, steps: Sequence[tuple[str, Sequence[str]]]) -> None:
        """Each step: what the user types, and lines the bot's answer must contain."""
        for said, expected in steps:
            answer = self.say(said)
            # A line to read aloud is printed one sentence per line; match it whole too.
            forms = (answer, answer.replace("\n     ", ""), answer.replace("\n     ", " "))
            for fragment in expected:
                assert any(fragment in form for form in forms), (
                    f"after {said!r} expected {fragment!r} in:\n{answer}"
                )


@pytest.fixture
def talk(engine: Engine) -> Callable[..., Conversation]:
    def make(user_id: int = 1, lang: str | None = None) -> Conversation:
        return Conversation(engine, user_id, lang)

    return make
