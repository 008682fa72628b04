"""The engine's port: plain, frozen data in and out.

Channels (the Telegram adapter, the terminal shell) translate their own events into an
``Inbound`` and render the ``Reply`` objects they get back. Nothing here knows about Telegram.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from datetime import timedelta

    from flows.store import InboxEntry

_SENTENCE_END = re.compile(r"(?<=[。？！])|(?<=[.?!])\s+")


@dataclass(frozen=True)
class Option:
    """A button: ``token`` goes back to the engine unchanged when it is chosen."""

    token: str
    label: str
    # Navigation (back / skip / cancel): channels may show these smaller or on one row.
    secondary: bool = False


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a reply: a letter, an export, a chart.

    ``content`` is the file's bytes, or a function that makes them. The engine gives a
    function for files that take long to make (a PDF letter, a chart, up to ~0.5 s): it
    works only on values read in the step's transaction (or, for /export, reads the user's
    rows itself, over a connection of its own: ``flows.export``), so a channel may call it
    later, off its event loop, and get the same file, as long as it holds the user's lock
    until the file is sent. ``data`` makes the file once.
    ``kind`` is ``"photo"`` (an image to show) or ``"document"`` (a file to keep).
    """

    filename: str
    content: bytes | Callable[[], bytes] = field(repr=False)
    kind: str = "document"
    caption: str = ""

    @property
    def ready(self) -> bool:
        """Whether ``data`` is at hand (nothing left to make)."""
        return isinstance(self.content, bytes) or "_made" in self.__dict__

    @property
    def data(self) -> bytes:
        # Not functools.cached_property: on Python 3.11 it holds one lock for every
        # instance, so reading a ready file would wait while another file is being made.
        if isinstance(self.content, bytes):
            return self.content
        made: bytes | None = self.__dict__.get("_made")
        if made is None:
            made = self.content()
            object.__setattr__(self, "_made", made)
        return made


@dataclass(frozen=True)
class Reply:
    """One message to the user.

    Channels show, in order: ``text`` (the step's heading or question), ``say`` (the short
    line to read aloud on the phone, made to stand out: always Japanese, the caller's
    language), its ``reading`` (romaji) and ``gloss`` (its meaning in the user's language)
    where the user does not read Japanese, ``note`` (background such as the law behind the
    line), then the options.
    """

    text: str = ""
    say: str | None = None
    note: str | None = None
    options: tuple[Option, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    reading: str | None = None
    gloss: str | None = None

    @property
    def say_lines(self) -> list[str]:
        """The line to read aloud, one sentence per line: easier to follow mid-call."""
        if not self.say:
            return []
        return [part.strip() for part in _SENTENCE_END.split(self.say) if part.strip()]


@dataclass(frozen=True)
class Inbound:
    """One thing the user did.

    Exactly one of ``text`` (typed text, including ``/commands``), ``choice`` (an option
    token), ``contact_phone`` (a shared phone contact) or ``attachment`` (the kind of a
    non-text message: ``"photo"``, ``"sticker"`` …) is normally set.
    ``lang_hint`` is the channel's guess at the user's language, used on first contact only.
    """

    user_id: int
    text: str | None = None
    choice: str | None = None
    contact_phone: str | None = None
    attachment: str | None = None
    lang_hint: str | None = None
    # The channel's increasing id for this message (Telegram's update_id): a message seen
    # again after a crash is recognised and not applied twice.
    update_id: int | None = None
    # The channel's stored copy of this message (an inbox row), marked applied in the step's
    # own transaction: a copy found applied later is only shown again, never applied twice.
    receipt: int | None = None
    # The channel delivers this message again if it cannot be stored now (a webhook answered
    # with an error status): then nothing is said to the user, who would send it twice.
    retried: bool = False
    # The channel of a user first met here: None for Telegram (its users' ids are theirs);
    # the shell's own users are on no channel that pushes reminders ("shell").
    channel: str | None = None

    def __post_init__(self) -> None:
        # SQLite stores UTF-8 only: a lone surrogate (an undecodable byte read with
        # surrogateescape, or a "\ud800" escape in JSON) must never reach it.
        for name in ("text", "choice", "contact_phone"):
            value = getattr(self, name)
            if value is not None and not value.isascii():
                object.__setattr__(self, name, without_lone_surrogates(value))


def without_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD (a pair becomes its character)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


@dataclass(frozen=True)
class Response:
    """What the engine did with one ``Inbound``.

    ``chosen`` is the label of the option that was accepted (channels use it to mark the
    pressed button's message); ``notice`` is a short toast for a button that was not
    accepted (stale or forged), in which case nothing changed and ``replies`` is empty.
    """

    replies: tuple[Reply, ...] = field(default_factory=tuple)
    chosen: str | None = None
    notice: str | None = None
    # The user's language after this message (channels render their own chrome in it).
    language: str | None = None
    # This message switched the language: channels re-send chrome labelled in it.
    language_changed: bool = False
    # This message erased everything stored about the user: channels delete what they keep
    # themselves (the shell's files) or say what they cannot (Telegram's chat history).
    erased: bool = False
    # This message deleted one of the user's cases (its number): channels delete what they
    # keep of it (the shell's letters of it and exports that hold it; LINE's file links).
    deleted_case: int | None = None
    # The cases whose reports quote the deleted one: the later calls after its refusal, and
    # the refusal it came after (whose report lists its call).
    quoted_by: tuple[int, ...] = ()
    # False when nothing could be stored (the database was busy or failing): with a
    # ``receipt``, the channel keeps its copy and tries again, saying nothing to the user.
    stored: bool = True


@dataclass(frozen=True)
class UserView:
    """What a channel may know of a user between messages (its own words, its prompt)."""

    language: str
    time_zone: str
    case_number: int | None = None  # the case in progress, if any
    case_state: str | None = None


class ChannelStorage(Protocol):
    """What a channel does with the database besides sending messages to the engine: its
    inbox of fetched updates, the updates it could not read, and upkeep (``Engine.storage``).
    Everything else goes through ``Engine.handle``."""

    scrub_pending: bool  # an erasure's rows may still be in the write-ahead log
    scrub_attempts: int

    def inbox_add(self, updates: Sequence[tuple[int, int | None, str]]) -> list[InboxEntry]: ...
    def inbox_waiting(self) -> list[InboxEntry]: ...
    def inbox_raw(self, entry_id: int) -> str | None: ...
    def inbox_done_later(self, entry: InboxEntry) -> None: ...
    def inbox_flush_done(self) -> None: ...
    def set_aside(
        self, update_id: int | None, kind: str, error: str, entry_id: int | None = None
    ) -> int: ...
    def scrub_wal(self) -> bool: ...
    def drop_stale_dialogs(self, kept_for: timedelta) -> int: ...
    def check_file(self) -> None: ...
    def close(self) -> None: ...
    # A channel whose user ids are not numbers (LINE): the product's id for its account.
    def account_user(self, channel: str, external_id: str, language: str) -> int: ...
    def find_account(self, channel: str, external_id: str) -> int | None: ...
