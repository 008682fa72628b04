"""``kotowari`` — the command line: ``shell``, ``run`` (the Telegram bot), ``diagram``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bot.config import SettingsError, load_settings
from bot.logs import configure_logging

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
    run = sub.add_parser("run", help="start the Telegram bot (needs TELEGRAM_BOT_TOKEN)")
    run.add_argument("--db", help="SQLite file (default: $KOTOWARI_DB or the data folder)")
    sub.add_parser("bench", help="measure speed: kotowari bench --help (see BENCHMARKS.md)")
    backup = sub.add_parser("backup", help="a consistent copy of the live database")
    backup.add_argument("path", help="where to write the copy (must not exist yet)")
    backup.add_argument("--db", help="the database (default: $KOTOWARI_DB or the data folder)")
    restore = sub.add_parser("restore", help="replace the database with a backup (bot stopped)")
    restore.add_argument("path", help="the backup to restore")
    restore.add_argument("--db", help="the database (default: $KOTOWARI_DB or the data folder)")
    diagram = sub.add_parser("diagram", help="print the case machine as a Mermaid diagram")
    diagram.add_argument(
        "--update",
        action="store_true",
        help="rewrite docs/machine.mmd and the diagram in README.md (in a source checkout)",
    )
    return parser


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
        # The benchmark has options of its own (argparse cannot pass "--users" through).
        from bot.bench import main as bench_main

        return bench_main(argv[1:])
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
    if args.command in ("backup", "restore"):
        return _backup_or_restore(args.command, db_path, Path(args.path))
    if args.command == "shell":
        configure_logging("WARNING")
        return _shell(db_path, args.user, args.lang, args.now)
    configure_logging(settings.log_level, secrets=[settings.telegram_token])
    from bot.telegram_app import run_bot

    return run_bot(settings, db_path)


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
    except (OSError, ValueError, sqlite3.Error) as error:
        print(f"kotowari: {command} failed: {error}", file=sys.stderr)
        return 1
    return 0


def _shell(db_path: Path, user_id: int, lang: str | None, now: datetime | None) -> int:
    from bot.shell import Shell, ShellClock, interactive_lines, utf8_terminal
    from flows.engine import Engine
    from flows.store import Store, open_database

    utf8_terminal()
    db = open_database(db_path)
    try:
        engine = Engine(Store(db, ShellClock(now)))
        interactive = sys.stdin.isatty()
        shell = Shell(
            engine,
            user_id=user_id,
            lang_hint=lang,
            echo=not interactive,
            files_dir=db_path.parent / "files",
        )
        if interactive:
            shell.print(f"Kotowari shell — /help, !help, !quit.  (database: {db_path})")
            return shell.run(interactive_lines())
        return shell.run(sys.stdin)
    finally:
        db.close()


if __name__ == "__main__":
    raise SystemExit(main())
