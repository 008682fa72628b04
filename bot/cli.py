"""``kotowari`` — the command line: ``shell``, ``run`` (the Telegram bot), ``line`` (the LINE
bot), ``diagram``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings, SettingsError, load_settings
from bot.logs import configure_logging

if TYPE_CHECKING:
    from sqlite_utils import Database

log = logging.getLogger("kotowari")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kotowari",
        description="Kotowari (断り): a coach for refusing unwanted sales calls in Japan.",
    )
    parser.add_argument(
        "--env-file", default=".env", help="settings file to read (default: ./.env, if present)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    shell = sub.add_parser("shell", help="talk to the coach in this terminal (no token needed)")
    shell.add_argument("--db", help="SQLite file (default: $KOTOWARI_DB or the data folder)")
    shell.add_argument("--user", type=_user_id, default=1, help="user id to act as (default: 1)")
    shell.add_argument("--lang", choices=["ja", "en"], help="language for a new user")
    shell.add_argument(
        "--now",
        type=_moment,
        help="pretend the time is this ISO 8601 moment, e.g. 2026-11-27T14:00+09:00 "
        "(demos and scripted runs; !advance moves it on)",
    )
    _start_up_options(shell)
    run = sub.add_parser("run", help="start the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    run.add_argument("--db", help="SQLite file (default: $KOTOWARI_DB or the data folder)")
    _start_up_options(run)
    run.add_argument(
        "--replicate",
        metavar="URL",
        help="run under Litestream, replicating the database continuously to URL (a folder "
        "path, file:///…, or s3://bucket/path); default: $KOTOWARI_REPLICA_URL",
    )
    line = sub.add_parser(
        "line",
        help="serve the LINE webhook (needs LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN)",
    )
    line.add_argument(
        "action",
        nargs="?",
        choices=["setup"],
        help="setup: create the rich menus (Japanese and English) through the Messaging API "
        "and make the Japanese one the default; run it once, and again after an upgrade",
    )
    line.add_argument("--db", help="SQLite file (default: $KOTOWARI_DB or the data folder)")
    _start_up_options(line)
    backup = sub.add_parser("backup", help="a consistent copy of the live database")
    backup.add_argument("path", help="where to write the copy (must not exist yet)")
    backup.add_argument("--db", help="the database (default: $KOTOWARI_DB or the data folder)")
    restore = sub.add_parser(
        "restore", help="replace the database with a backup or a replica (bot stopped)"
    )
    restore.add_argument("path", nargs="?", help="the backup to restore")
    restore.add_argument(
        "--from-replica", metavar="URL", help="restore the latest state from a Litestream replica"
    )
    restore.add_argument(
        "--db",
        "--to",
        dest="db",
        help="the database to replace or create (default: $KOTOWARI_DB or the data folder)",
    )
    diagram = sub.add_parser("diagram", help="print the case machine as a Mermaid diagram")
    diagram.add_argument(
        "--update",
        action="store_true",
        help="rewrite docs/machine.mmd and the diagram in README.md (in a source checkout)",
    )
    return parser


def _start_up_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--create",
        action="store_true",
        help="start on a new, empty database even where one existed before (it was deleted)",
    )
    parser.add_argument(
        "--skip-check",
        action="store_true",
        help="skip the start-up PRAGMA quick_check (reads the whole file: for very large ones)",
    )


def _user_id(text: str) -> int:
    from bot.shell import MAX_USER_ID, valid_user_id

    if not valid_user_id(text):
        raise argparse.ArgumentTypeError(f"not a user id (1 to {MAX_USER_ID}): {text!r}")
    return int(text)


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date and time: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a UTC offset, e.g. 2026-11-27T14:00+09:00")
    return moment.astimezone(UTC)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:
        # BENCHMARKS.md's older runs say "kotowari bench": say where the harness went (it is
        # not installed with the bot, so this cannot run it).
        print(
            "kotowari: the benchmarks are not part of the installed bot; from a source "
            "checkout run: " + " ".join(["python -m benchmarks.bench", *argv[1:]]),
            file=sys.stderr,
        )
        return 2
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.env_file)
    except SettingsError as error:
        print(f"kotowari: {error}", file=sys.stderr)
        return 2
    if args.command == "diagram":
        from flows.diagram import mermaid, update_files

        if args.update:
            update_files()
        else:
            sys.stdout.write(mermaid())
        return 0
    db_path = Path(args.db).expanduser() if args.db else settings.db_path
    if args.command == "restore" and args.from_replica:
        configure_logging("WARNING")
        from bot.replication import restore_from_replica

        return restore_from_replica(args.from_replica, db_path)
    if args.command in ("backup", "restore"):
        if args.path is None:
            print("kotowari: restore needs a backup file or --from-replica URL", file=sys.stderr)
            return 2
        return _backup_or_restore(args.command, db_path, Path(args.path))
    if args.command == "shell":
        configure_logging("WARNING")
        if (code := prepare_database(db_path, args.create, args.skip_check)) is not None:
            return code
        # Litestream replicates this database: the shell must not cut the log under it either.
        replicated = bool(settings.replica_url or settings.replicating)
        return _shell(db_path, args.user, args.lang, args.now, replicated)
    if args.command == "line" and args.action == "setup":
        configure_logging(settings.log_level, secrets=[settings.line_access_token])
        from bot.line_menu import setup_command

        return setup_command(settings.line_access_token, settings.line_api_base_url)
    if args.command == "line":
        return _line(settings, db_path, args.create, args.skip_check)
    configure_logging(
        settings.log_level, secrets=[settings.telegram_token, settings.webhook_secret]
    )
    from bot.telegram_app import run_bot

    if not settings.telegram_token:
        return run_bot(settings, db_path)  # says how to get one
    replica = args.replicate or settings.replica_url
    if replica and not settings.replicating:
        from bot.replication import run_replicated

        return run_replicated(replica, db_path, argv, create=args.create)
    if (code := prepare_database(db_path, args.create, args.skip_check)) is not None:
        return code
    return run_bot(settings, db_path)


def _line(settings: Settings, db_path: Path, create: bool, skip_check: bool) -> int:
    """``kotowari line``: the LINE webhook, on the same database as the Telegram bot."""
    configure_logging(
        settings.log_level, secrets=[settings.line_access_token, settings.line_channel_secret]
    )
    from bot.line_app import run_line

    if not settings.line_channel_secret or not settings.line_access_token:
        return run_line(settings, db_path)  # says how to get them
    if (code := prepare_database(db_path, create, skip_check)) is not None:
        return code
    return run_line(settings, db_path)


def prepare_database(db_path: Path, create: bool, skip_check: bool) -> int | None:
    """Start-up checks before serving: the exit status to stop with, or None to go on.

    A deleted database is not replaced by an empty one unless ``create``; a damaged one
    (``PRAGMA quick_check``) stops here, with what to do, rather than failing every write.
    """
    import sqlite3

    from flows.store import DatabaseInUse, DatabaseMissing, open_database

    # Checked before it is opened for writing: migrations never touch a damaged file.
    problems = [] if skip_check or not db_path.exists() else _quick_check(db_path)
    if problems:
        log.error(
            "the database %s is damaged (PRAGMA quick_check: %s). Nothing was changed. "
            "Stop here and restore it: kotowari restore BACKUP (kotowari backup makes them), "
            "or kotowari restore --from-replica URL; the restore keeps the damaged file as "
            "<name>.before-restore.",
            db_path,
            "; ".join(problems[:3]),
        )
        return 1
    try:
        open_database(db_path, create=create).close()
    except (DatabaseMissing, DatabaseInUse) as error:
        log.error("%s", error)
        return 1
    except (OSError, sqlite3.Error) as error:
        log.error("cannot open the database %s: %s", db_path, error)
        return 1
    return None


def _quick_check(db_path: Path) -> list[str]:
    import sqlite3

    from flows.store import quick_check

    try:
        return quick_check(db_path)
    except sqlite3.Error as error:  # e.g. not a database at all
        return [f"{type(error).__name__}: {error}"]


def _backup_or_restore(command: str, db_path: Path, path: Path) -> int:
    import sqlite3

    from flows.store import backup, restore

    try:
        if command == "backup":
            if not db_path.exists():
                print(f"kotowari: no database at {db_path}", file=sys.stderr)
                return 1
            cases = backup(db_path, path)
            print(f"backed up {db_path} to {path} ({cases} cases)")
        else:
            cases = restore(path, db_path)
            print(f"restored {path} into {db_path} ({cases} cases)")
    except (OSError, ValueError, RuntimeError, sqlite3.Error) as error:
        print(f"kotowari: {command} failed: {error}", file=sys.stderr)
        return 1
    return 0


def _shell(
    db_path: Path,
    user_id: int,
    lang: str | None,
    now: datetime | None,
    replicated: bool = False,
) -> int:
    from bot.shell import utf8_terminal
    from flows.store import DatabaseFileGone, DatabaseInUse, in_use, open_database

    utf8_terminal()
    try:
        with in_use(db_path):
            db = open_database(db_path, shrink_wal=not replicated)
            return _run_shell(db, db_path, user_id, lang, now)
    except DatabaseInUse as error:
        log.error("%s", error)
        return 1
    except DatabaseFileGone as error:
        log.error("stopping: %s; what you typed last was not saved", error)
        return 1


def _run_shell(
    db: Database, db_path: Path, user_id: int, lang: str | None, now: datetime | None
) -> int:
    from bot.shell import Shell, ShellClock, files_folder, interactive_lines
    from flows.engine import Engine
    from flows.store import Store

    try:
        engine = Engine(Store(db, ShellClock(now)))
        interactive = sys.stdin.isatty()
        shell = Shell(
            engine,
            user_id=user_id,
            lang_hint=lang,
            echo=not interactive,
            files_dir=files_folder(db_path),
            shared_dir=db_path.parent / "files",
        )
        if interactive:
            shell.print(f"Kotowari shell — /help, !help, /quit.  (database: {db_path})")
            return shell.run(interactive_lines())
        return shell.run(sys.stdin)
    finally:
        db.close()


if __name__ == "__main__":
    raise SystemExit(main())
