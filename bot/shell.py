"""The terminal channel: the same engine, options printed as numbered lines.

Reads one line at a time (interactive or piped). A number picks the option with that
number from the last message; anything else goes to the engine as typed text. Lines
starting with ``!`` are shell meta-commands and never reach the engine.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.rounds import write_owed_marks
from flows.engine import Engine
from flows.features.reminders import is_answer as is_reminder_answer
from flows.features.writing import holds_case
from flows.port import Attachment, Inbound, Option, Reply, without_lone_surrogates
from flows.store import DEFAULT_TIME_ZONE, SHELL
from flows.texts import DEFAULT_LANGUAGE, Texts
from flows.typed import option_number

META_HELP = """shell commands:
  !user N   act as user N (each user has their own cases and language)
  !state    show the current user, case and step
  !advance 3d   move the shell's clock forward (m, h or d) and show reminders now due
  !now      show the shell's clock
  !help     this text
  !quit     leave (/quit, /exit and the end of input do the same)"""


# Typed to leave the shell (after NFKC): not sent to the coach, which knows no such command.
QUIT_COMMANDS = frozenset({"/quit", "/exit", "!quit"})

_DURATION = re.compile(r"^(\d{1,4})\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}
REMINDER_BATCH = 20
# After an erasure, how long the shell keeps trying to empty the write-ahead log.
SCRUB_SECONDS = 5.0
SCRUB_PAUSE = 0.25


def files_folder(db_path: Path) -> Path:
    """Where the shell writes a database's letters, exports and charts: beside it, named
    after it as SQLite names its own (``kotowari.db-files``), so that deleting a case in one
    database never deletes another's files."""
    return db_path.with_name(f"{db_path.name}-files")


class ShellClock:
    """The shell's time: the real clock (or a fixed start) plus what ``!advance`` added."""

    def __init__(self, start: datetime | None = None) -> None:
        self.start = start
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return (self.start or datetime.now(UTC)) + self.offset


# Telegram's user ids fit in 52 bits; SQLite's integers in 63.
MAX_USER_ID = 2**52


def valid_user_id(text: str) -> bool:
    return text.isascii() and text.isdecimal() and 1 <= int(text) <= MAX_USER_ID


def render(reply: Reply, first: int = 1) -> list[str]:
    """A reply as terminal lines; options numbered from ``first`` (Rasa's button_to_string)."""
    lines: list[str] = []
    if reply.text:
        lines.extend(reply.text.splitlines())
    for index, sentence in enumerate(reply.say_lines):
        lines.append(f"  {'🗣' if index == 0 else '  '} {sentence}")
    if reply.reading:
        lines.append(f"     ({reply.reading})")
    if reply.gloss:
        lines.append(f"     = {reply.gloss}")
    if reply.note:
        lines.extend(f"  ※ {line}" for line in reply.note.splitlines())
    main = [(i, o) for i, o in enumerate(reply.options, first) if not o.secondary]
    nav = [(i, o) for i, o in enumerate(reply.options, first) if o.secondary]
    lines.extend(f"  {i}) {option.label}" for i, option in main)
    if nav:
        lines.append("  " + "   ".join(f"{i}) {option.label}" for i, option in nav))
    return lines


class Shell:
    def __init__(
        self,
        engine: Engine,
        out: TextIO = sys.stdout,
        user_id: int = 1,
        lang_hint: str | None = None,
        echo: bool = False,
        files_dir: Path | None = None,
        shared_dir: Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.sleep = sleep  # between tries to finish an erasure
        # Letters, exports and charts go here (the CLI gives files_folder: beside the database).
        self.files_dir = files_dir or Path("kotowari-files")
        # The folder every database beside it once shared (``files/``): a deletion no longer
        # looks there (its files may be another database's), it says they may be left.
        self.shared_dir = shared_dir
        self.out = out
        self.user_id = user_id
        self.lang_hint = lang_hint
        self.echo = echo
        self.options: tuple[Option, ...] = ()
        self.owed_sent: set[int] = set()  # reminders shown whose "sent" is still to be written
        clock = engine.clock
        self.clock = clock if isinstance(clock, ShellClock) else None
        # A new session's screen shows no step: a "1" typed now must not press the option
        # the last session showed.
        engine.step_hidden(user_id)

    def print(self, line: str = "") -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def run(self, lines: Iterable[str]) -> int:
        for raw in lines:
            line = decoded_line(raw.rstrip("\r\n"))
            if self.echo:
                self.print(f"> {line}")
            if not self.feed(line):
                break
        return 0

    def feed(self, line: str) -> bool:
        """Handle one input line; False means the user asked to quit."""
        stripped = line.strip()
        # Compared after NFKC: a Japanese keyboard's full-width ／ｑｕｉｔ or ！ｑｕｉｔ leaves
        # too (other shell commands' arguments are not folded: !user ② is not user 2).
        if unicodedata.normalize("NFKC", stripped).casefold() in QUIT_COMMANDS:
            return False  # what a terminal user types first; the bot has no such command
        if stripped.startswith("!"):
            return self.meta(stripped)
        if not stripped:
            return True
        number = option_number(stripped)
        on_screen = self.options
        if number is not None and 1 <= number <= len(self.options):
            inbound = Inbound(
                self.user_id,
                choice=self.options[number - 1].token,
                lang_hint=self.lang_hint,
                channel=SHELL,
            )
        else:
            inbound = Inbound(self.user_id, text=line, lang_hint=self.lang_hint, channel=SHELL)
        pending_before = self.engine.storage.scrub_pending
        response = self.engine.handle(inbound)
        if response.notice:
            self.print(f"({response.notice})")
        self.show(response.replies)
        if (
            inbound.choice
            # A reminder's button: answering one leaves the others on screen answerable.
            and is_reminder_answer(inbound.choice)
            and not any(reply.options for reply in response.replies)
        ):
            # A reminder answered with no options of its own ("marked done"): the other
            # reminders on screen keep their numbers, as Telegram's buttons stay on theirs.
            # Any other press ends its menu (Telegram removes the pressed keyboard): a
            # number typed next answers the question asked, not the old menu.
            self.options = on_screen
        if response.erased:
            self.delete_files()
        elif response.deleted_case is not None:
            self.delete_case_files(response.deleted_case, response.quoted_by)
        store = self.engine.storage
        if store.scrub_pending and not pending_before:
            self.finish_erasure()  # this message erased something
        elif pending_before and store.scrub_wal():
            self.print("(erasure complete in the database files)")
        self.deliver_reminders(after_reply=True)
        return True

    def finish_erasure(self) -> None:
        """Erased rows are still in the write-ahead log (another program is reading the
        database): try again, for up to ``SCRUB_SECONDS``, and say how it ended."""
        store = self.engine.storage
        for _ in range(int(SCRUB_SECONDS / SCRUB_PAUSE)):
            self.sleep(SCRUB_PAUSE)
            if store.scrub_wal():
                self.print("(erasure complete in the database files)")
                return
        self.print(
            "(erased rows are still in the database's write-ahead log: another program is "
            "reading the database; they are removed at the next message after it stops)"
        )

    def delete_files(self) -> None:
        """The user erased their data: their letters, exports and charts go too."""
        self._delete(self.files_dir.glob(f"user{self.user_id}-*"), f"of user {self.user_id}")
        self._shared_left()

    def _shared_left(self) -> None:
        shared = self.shared_dir
        if shared is not None and shared.is_dir() and any(shared.glob(f"user{self.user_id}-*")):
            self.print(
                f"(older files of user {self.user_id} may be left in {shared}, a folder that "
                "databases beside it once shared: not deleted, they may be another "
                "database's; delete them by hand)"
            )

    def delete_case_files(self, number: int, quoted_by: Iterable[int] = ()) -> None:
        """The user deleted a case: its letters go, the reports of later calls (they quote
        its refusal, licence and broker), and the exports made before (they hold it); a
        chart holds only counts, and stays."""
        prefix = f"user{self.user_id}-"
        self._delete(
            (
                path
                for path in self.files_dir.glob(f"{prefix}*")
                if holds_case(path.name.removeprefix(prefix), number, quoted_by)
            ),
            f"of case #{number}",
            ": its letters, and the exports that held it",
        )
        self._shared_left()

    def _delete(self, paths: Iterable[Path], whose: str, what: str = "") -> None:
        files = sorted(paths)
        for path in files:
            path.unlink(missing_ok=True)
        if files:
            noun = "file" if len(files) == 1 else "files"
            self.print(f"(deleted {len(files)} {noun} {whose} in {self.files_dir}{what})")

    def show(self, replies: Iterable[Reply], after: tuple[Option, ...] = ()) -> None:
        """Print replies; numbers then mean the last options shown. ``after``: options still
        on screen that stay answerable (reminders arriving together): numbered after them."""
        replies = list(replies)
        for reply in replies:
            for out_line in render(reply, first=len(after) + 1):
                self.print(out_line)
            for attachment in reply.attachments:
                self.print(f"  📎 {self.saved(attachment)}")
            if reply.options:
                self.options = (*after, *reply.options)
        if replies and not any(reply.options for reply in replies):
            # A reminder's line after the options (「⏰ … にお知らせします」) leaves them on
            # screen and answerable; an answer with none leaves no numbers to press.
            self.options = ()

    def saved(self, attachment: Attachment) -> str:
        """Where a letter, export or chart was written; or why it was not (the session goes
        on): not made (the channels' notice, in the user's language), or not written."""
        try:
            data = attachment.data
        except Exception as error:  # a bug in one file, or the database gone meanwhile
            try:
                view = self.engine.user_view(self.user_id)
            except sqlite3.Error:
                view = None
            texts = Texts(view.language if view else DEFAULT_LANGUAGE)
            return f"{texts('file_failed', filename=attachment.filename)} ({type(error).__name__})"
        try:
            return str(self.save(attachment.filename, data))
        except OSError as error:
            reason = error.strerror or type(error).__name__
            return f"({attachment.filename}: could not be written in {self.files_dir}: {reason})"

    def save(self, filename: str, data: bytes) -> Path:
        """Write a file to the files folder, owner-only; its path. Written beside it first,
        then moved into place: a write that fails (a full disk) leaves the earlier file."""
        self.files_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self.files_dir.stat().st_mode & 0o077:
            # A folder made before (by hand, or looser): its files are owner-only, and so
            # are their names (a company's number in a chart's, a case's in a letter's).
            self.files_dir.chmod(0o700)
        path = self.files_dir / f"user{self.user_id}-{filename}"
        # A name of its own (0600, never an existing file or link): two shells writing the
        # same file do not mix their bytes; /forget's user{id}-* finds a part left behind.
        fd, part = tempfile.mkstemp(dir=self.files_dir, prefix=f"{path.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())  # on disk before it replaces the earlier file
            os.replace(part, path)
        except BaseException:
            Path(part).unlink(missing_ok=True)
            raise
        return path

    def deliver_reminders(self, after_reply: bool = False) -> None:
        """Show this user's due reminders, as the bot would push them into the chat.
        ``after_reply``: printed right under a reply, whose options keep their numbers (the
        reminders' are numbered on from them): a reminder printed under /case 1's menu took
        the "3" the user typed for the menu, as Telegram's buttons stay on their messages."""
        shown: tuple[Option, ...] = self.options if after_reply else ()
        engine = self.engine
        try:
            if not write_owed_marks(engine, self.owed_sent):
                return  # the database is busy (the bot writing): shown after the next line
            deliveries = engine.due_deliveries(REMINDER_BATCH, user_id=self.user_id)
        except sqlite3.Error:
            return  # the database is busy (the bot writing): shown after the next line
        for delivery in deliveries:
            if delivery.reminder_id in self.owed_sent:
                continue
            self.print("🔔")
            # Several at once: each one's buttons stay answerable, numbered on from the last.
            self.show([delivery.reply], after=shown)
            shown = self.options
            try:
                engine.reminder_sent(delivery.reminder_id)
            except sqlite3.Error:
                self.owed_sent.add(delivery.reminder_id)  # written later; not shown again

    def meta(self, command: str) -> bool:
        name, _, arg = command[1:].partition(" ")
        if name == "quit":
            return False
        if name == "user" and valid_user_id(arg.strip()):
            self.user_id = int(arg)
            self.options = ()
            self.engine.step_hidden(self.user_id)
            self.print(f"(user {self.user_id})")
        elif name == "user":
            self.print(f"(!user needs a number from 1 to {MAX_USER_ID})")
        elif name == "state":
            self.print(self.describe_state())
        elif name in ("advance", "now") and self.clock is None:
            self.print("(this shell uses the real clock)")
        elif name == "advance" and self.clock and (match := _DURATION.match(arg.strip())):
            self.clock.offset += timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
            self.print(self.describe_now())
            self.deliver_reminders()
        elif name == "now":
            self.print(self.describe_now())
        else:
            self.print(META_HELP)
        return True

    def describe_now(self) -> str:
        user = self.engine.user_view(self.user_id)
        zone = user.time_zone if user else DEFAULT_TIME_ZONE
        local = self.engine.clock().astimezone(ZoneInfo(zone))
        return f"(now {local:%Y-%m-%d %H:%M} {zone})"

    def describe_state(self) -> str:
        user = self.engine.user_view(self.user_id)
        if user is None or user.case_number is None:
            return f"(user {self.user_id}: no case in progress)"
        return f"(user {self.user_id}: case #{user.case_number}, step {user.case_state})"


def decoded_line(line: str) -> str:
    """A line as UTF-8 with replacement: bytes that were not UTF-8, read with Python's
    surrogateescape (its C/POSIX locale default), become U+FFFD, never lone surrogates."""
    try:
        return line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that no undecodable byte made
        return without_lone_surrogates(line)


def utf8_terminal() -> None:
    """Read and write UTF-8 whatever the locale says; undecodable input becomes U+FFFD."""
    for stream, errors in ((sys.stdin, "replace"), (sys.stdout, "replace")):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors=errors)


def interactive_lines(prompt: str = "> ") -> Iterable[str]:
    while True:
        try:
            yield input(prompt)
        except EOFError:
            print()
            return
