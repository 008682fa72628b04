"""The durable inbox: an update is stored, confirmed to Telegram at once, then processed.

Long polling used to confirm an update only once it (and every one before it) had been
processed. Telegram hands out at most 100 updates from the oldest unconfirmed one, so a burst
of slow updates (150 users asking for a /stats chart) held back everyone else's: a new user's
/call waited half a minute to be fetched. Now each fetched batch is written to SQLite (the
``inbox`` table, in the owner-only database) in one transaction, and the next ``getUpdates``
confirms it: fetching never waits for processing. Processing takes the stored updates per
user, in the order received (different users in parallel). Whatever a crash leaves in the
inbox is processed first at the next start. An update that was processed but not yet deleted
when the process died is processed again and recognised by the engine as applied (its step
marked in the step's own transaction, ``inbox_mark_applied``/``inbox_applied``, and
``Inbound.update_id``): its step is only shown again; nothing is lost, nothing applied twice.

A handled update's row is not deleted in a transaction of its own (a COMMIT per update, the
inbox's largest cost): the store keeps its id and the next write transaction (the next step,
the next batch stored) deletes it just before its COMMIT (``Store.inbox_done_later``). When
the process goes idle (the last user's lane emptied), on ``settle`` and at the end of
``drain``, one transaction deletes what still waits. So a crash may leave a few more handled
rows than before, which is harmless by the argument above; an update that stores nothing (a
group chat's message, a button of a message the bot no longer knows) is handled once more at
the next start: the group is told once more that the bot works in private chats.

An update python-telegram-bot cannot read (a newer or older Bot API than it knows: e.g. a
poll without ``members_only`` from a server before Bot API 10.0) used to make ``get_updates``
raise, for the whole batch, on every restart. Updates are read one at a time here, and only
what the bot reads of them (``minimized``: that poll is now read, as "a poll", of which nothing
is kept). One that still cannot be read (a field the bot reads, changed by another Bot API
version) is *set aside* (a dead-letter row with its update id, its kind and the error's
class, never its content), counted in the log without content, and the others go on.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import Update

from flows.port import ChannelStorage, without_lone_surrogates
from flows.store import DatabaseFileGone, InboxEntry

log = logging.getLogger(__name__)

# Updates being processed at once (different users'); the rest wait in the inbox.
MAX_PROCESSING = 256
# On shutdown, how long the updates being processed get to finish (the rest stay stored).
DRAIN_SECONDS = 10.0
_KIND = re.compile(r"[a-z_]{1,40}")
# A stored update whose step could not be stored (the database busy past its timeout, or
# failing) is tried again after these many seconds, doubling to the last, for as long as it
# takes: its user's later updates wait behind it, in order.
RETRY_FIRST = 1.0
RETRY_MAX = 30.0
RETRIES_BEFORE_ERROR = 10


@dataclass
class Receipt:
    """The inbox row of the update being processed, for the handler that gives it to the
    engine (``Inbound.receipt``: the row is marked applied in the step's own transaction),
    and what came of it: ``stored`` True (applied), False (nothing could be stored: try
    again), None (no engine step took it). Once the handler is done the row is deleted by the
    next write transaction (``Store.inbox_done_later``)."""

    entry_id: int | None  # None: not stored, the channel (a webhook) gets it again instead
    stored: bool | None = None


RECEIPT: contextvars.ContextVar[Receipt | None] = contextvars.ContextVar("receipt", default=None)


def current_receipt() -> Receipt | None:
    """The receipt of the stored update being processed in this context, if any."""
    return RECEIPT.get()


@dataclass(frozen=True)
class Unreadable:
    """What may be said about an update that cannot be read: no content."""

    update_id: int | None
    kind: str  # the top-level key: "message", "callback_query" …
    error: str  # the exception's class


# What a stored update keeps: only what the bot reads (``bot.telegram_app``), field by
# field; everything else (names, usernames, titles, captions, forwarded-from names and ids,
# an author's signature, a contact card, replied-to and quoted messages) is dropped. A
# person's ``first_name`` is required by the Bot API's User and Contact: kept, empty.
_USER_KEEPS = ("id", "is_bot", "language_code")
_CHAT_KEEPS = ("id", "type")
_ENTITY_KEEPS = (
    *("type", "offset", "length", "url", "language", "custom_emoji_id"),
    *("unix_time", "date_time_format"),  # a date_time entity's (text_html writes them)
)
_CALLBACK_KEEPS = ("id", "from", "message", "chat_instance", "data")
_MESSAGE_KEEPS = ("message_id", "date", "chat", "from", "text", "entities", "contact")
# A message in a group is only answered "write to me privately": its content is not kept.
_GROUP_MESSAGE_KEEPS = ("message_id", "date", "chat", "from")
# A message that is a photo, a sticker, a shared place …: the engine hears only its kind
# (``telegram_app.ATTACHMENT_KINDS``, the order in which they are looked for), so it is
# stored as the smallest value the Bot API's type accepts, not the file, the place or
# the poll's question.
_ZERO_FILE = {"file_id": "", "file_unique_id": ""}
_PRIVATE_CHAT = {"id": 0, "type": "private"}
ATTACHMENT_STUBS: dict[str, Any] = {
    "photo": [{**_ZERO_FILE, "width": 0, "height": 0}],
    "sticker": {
        **_ZERO_FILE,
        "width": 0,
        "height": 0,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    },
    "animation": {**_ZERO_FILE, "width": 0, "height": 0, "duration": 0},  # before "document":
    "video": {**_ZERO_FILE, "width": 0, "height": 0, "duration": 0},  # a GIF sets both
    "video_note": {**_ZERO_FILE, "length": 0, "duration": 0},
    "voice": {**_ZERO_FILE, "duration": 0},
    "audio": {**_ZERO_FILE, "duration": 0},
    "document": dict(_ZERO_FILE),
    "venue": {"location": {"latitude": 0.0, "longitude": 0.0}, "title": "", "address": ""},
    "location": {"latitude": 0.0, "longitude": 0.0},  # after "venue": a venue sets both
    "poll": {
        "id": "",
        "question": "",
        "options": [],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
        "allows_revoting": False,  # required since Bot API 9.6
        "members_only": False,  # required since Bot API 10.0
    },
    "dice": {"emoji": "🎲", "value": 1},
    "game": {"title": "", "description": "", "photo": []},
    "story": {"chat": _PRIVATE_CHAT, "id": 0},
    "paid_media": {"star_count": 0, "paid_media": []},
    "invoice": {
        "title": "",
        "description": "",
        "start_parameter": "",
        "currency": "",
        "total_amount": 0,
    },
    "checklist": {"title": "", "tasks": []},
}
# An update of a kind the bot does not ask for (``ALLOWED_UPDATES``) keeps no names either.
_NAMES = ("last_name", "username", "title", "vcard", "bio", "description")


def _kept(data: object, keys: Sequence[str]) -> dict[str, Any]:
    return {key: data[key] for key in keys if key in data} if isinstance(data, dict) else {}


def _user(data: object) -> dict[str, Any]:
    return {**_kept(data, _USER_KEEPS), "first_name": ""}


def _message(data: object) -> dict[str, Any]:
    """A message (the user's, or the bot's own under a pressed button) as it is stored."""
    out = _kept(data, _MESSAGE_KEEPS)
    if "chat" in out:
        out["chat"] = _kept(out["chat"], _CHAT_KEEPS)
    if "from" in out:
        out["from"] = _user(out["from"])
    if out.get("chat", {}).get("type") != "private":
        return _kept(out, _GROUP_MESSAGE_KEEPS)
    if isinstance(out.get("entities"), list):
        out["entities"] = [_kept(entity, _ENTITY_KEEPS) for entity in out["entities"]]
    if "contact" in out:  # step 3 records the number; the card's name and user id go
        out["contact"] = {**_kept(out["contact"], ("phone_number",)), "first_name": ""}
    for kind, stub in ATTACHMENT_STUBS.items():
        if isinstance(data, dict) and data.get(kind):
            out[kind] = stub
    return out


def _names_dropped(data: Any) -> Any:
    if isinstance(data, list):
        return [_names_dropped(item) for item in data]
    if not isinstance(data, dict):
        return data
    out = {key: _names_dropped(value) for key, value in data.items() if key not in _NAMES}
    if "first_name" in out:
        out["first_name"] = ""  # required by the Bot API's User: kept, empty
    return out


def minimized(data: Any) -> Any:
    """An update as it is stored: only what the bot reads of a message or a pressed
    button (the content of a message outside a private chat not even that); an update of
    another kind (not asked for) without names."""
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "message":
            out[key] = _message(value)
        elif key == "edited_message":  # only answered "edits are not read": no content
            edit = _kept(_message(value), _GROUP_MESSAGE_KEEPS)
            if isinstance(value, dict) and value.get("location"):
                # A live location's moves come as edits, and are not answered: its stub
                # says so (the handler would answer each move otherwise).
                edit["location"] = ATTACHMENT_STUBS["location"]
            out[key] = edit
        elif key == "callback_query":
            query = _kept(value, _CALLBACK_KEEPS)
            if "from" in query:
                query["from"] = _user(query["from"])
            if "message" in query:
                query["message"] = _message(query["message"])
            out[key] = query
        else:
            out[key] = _names_dropped(value)
    return out


def update_id_of(data: object) -> int | None:
    value = data.get("update_id") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def kind_of(data: object) -> str:
    """The update's type (its top-level key other than update_id), if it looks like one."""
    if not isinstance(data, dict):
        return "not-an-object"
    for key in data:
        if key != "update_id":
            return key if isinstance(key, str) and _KIND.fullmatch(key) else "unknown"
    return "empty"


def owner_of(data: object) -> int | None:
    """Whose update this is (the sender, else the chat): their updates go in order."""
    if not isinstance(data, dict):
        return None
    for value in data.values():
        if not isinstance(value, dict):
            continue
        for key in ("from", "chat"):
            who = value.get(key)
            ident = who.get("id") if isinstance(who, dict) else None
            if isinstance(ident, int) and not isinstance(ident, bool):
                return ident
    return None


def read_update(data: object, bot: Any) -> Update | Unreadable:
    """The update in ``data`` (decoded JSON), or what can be said about it if it is not one.

    It is read as the inbox stores it (``minimized``), in webhook mode too: a field the bot
    does not read (a poll's, from a Bot API of another version) cannot make it unreadable.
    """
    update_id, kind = update_id_of(data), kind_of(data)
    if update_id is None:
        return Unreadable(None, kind, "NoUpdateId")
    try:
        update = Update.de_json(minimized(data), bot)
    except Exception as error:  # TypeError for an unknown field set, RecursionError …
        return Unreadable(update_id, kind, type(error).__name__)
    if update is None:
        return Unreadable(update_id, kind, "Empty")
    return update


def set_aside(store: ChannelStorage, unreadable: Unreadable, entry_id: int | None = None) -> None:
    """Record an unreadable update as a dead letter (and drop it from the inbox); log it
    without content."""
    total = store.set_aside(unreadable.update_id, unreadable.kind, unreadable.error, entry_id)
    log.warning(
        "update %s set aside: a %s that could not be read (%s); %d set aside in all",
        unreadable.update_id,
        unreadable.kind,
        unreadable.error,
        total,
    )


def flush_handled(store: ChannelStorage) -> None:
    """Delete the handled rows still waiting, in one transaction (none if none wait): when
    the inbox goes idle, settles or drains, and on the reminder job's timer (while one
    user's update keeps failing the inbox never goes idle, and the others' rows, their
    messages' text, would wait for some other write). If the database will not have it,
    they wait for the next write transaction."""
    try:
        store.inbox_flush_done()
    except DatabaseFileGone:
        # The reminder job finds it too and stops the bot; not raised from a worker's
        # ``finally`` or from ``drain`` on the way out.
        log.warning("could not delete handled updates: the database file is gone")
    except sqlite3.Error as error:
        # Deleted by a later transaction; a row left at a crash is handled again at the
        # next start: marked applied (its step only shown again), or an update that
        # stores nothing (a group chat, a foreign button).
        log.warning("could not delete handled updates (%s)", type(error).__name__)


class Inbox:
    """The stored updates of this process: queued per user, processed in order."""

    def __init__(
        self,
        app: Any,
        store: ChannelStorage,
        describe: Callable[[BaseException], str] = repr,
        max_processing: int = MAX_PROCESSING,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.app = app
        self.storage = store
        self.describe = describe
        self.sleep = sleep
        self.lanes: dict[int | None, deque[InboxEntry]] = {}
        self.workers: dict[int | None, asyncio.Task[None]] = {}
        self.slots = asyncio.Semaphore(max_processing)
        self.closing = False

    def receive(self, batch: Sequence[object]) -> int | None:
        """Store a fetched batch (one transaction) and queue it; the offset that confirms it.

        Raises ``sqlite3.Error`` when it cannot be stored: then it must not be confirmed.
        """
        rows: list[tuple[int, int | None, str]] = []
        unreadable: list[Unreadable] = []
        last: int | None = None
        for data in batch:
            update_id = update_id_of(data)
            if update_id is None:
                unreadable.append(Unreadable(None, kind_of(data), "NoUpdateId"))
                continue
            last = update_id if last is None else max(last, update_id)
            try:
                raw = json.dumps(minimized(data), ensure_ascii=False)
                if not raw.isascii():  # half of a UTF-16 pair ("\ud83d") alone: U+FFFD
                    raw = without_lone_surrogates(raw)
            except (ValueError, TypeError, RecursionError) as error:
                unreadable.append(Unreadable(update_id, kind_of(data), type(error).__name__))
                continue
            rows.append((update_id, owner_of(data), raw))
        self.schedule(self.storage.inbox_add(rows))
        for item in unreadable:
            set_aside(self.storage, item)
        return None if last is None else last + 1

    def resume(self) -> int:
        """Queue what an earlier run left in the inbox (before anything new); how many."""
        entries = self.storage.inbox_waiting()
        if entries:
            log.info("%d stored updates from the last run to process first", len(entries))
        self.schedule(entries)
        return len(entries)

    def schedule(self, entries: Sequence[InboxEntry]) -> None:
        for entry in entries:
            self.lanes.setdefault(entry.user_id, deque()).append(entry)
            if entry.user_id not in self.workers and not self.closing:
                self.workers[entry.user_id] = asyncio.ensure_future(self._work(entry.user_id))

    @property
    def waiting(self) -> int:
        """Updates queued in this process and not yet processed."""
        return sum(len(lane) for lane in self.lanes.values())

    async def _work(self, owner: int | None) -> None:
        lane = self.lanes[owner]
        failures = 0
        try:
            while lane and not self.closing:
                if await self._process(lane[0]):
                    lane.popleft()
                    failures = 0
                    continue
                # Not stored: it stays first in its user's lane (their order is kept) and is
                # tried again; the user is not told to send it again (it would count twice).
                failures += 1
                if failures == RETRIES_BEFORE_ERROR:
                    log.error("a stored update still cannot be applied; trying on")
                await self.sleep(min(RETRY_FIRST * 2 ** (failures - 1), RETRY_MAX))
        finally:
            # Nothing awaited since the lane was found empty: none can have been added.
            self.workers.pop(owner, None)
            self.lanes.pop(owner, None)
            if not self.workers:
                flush_handled(self.storage)  # idle: no step is coming to delete them

    async def _process(self, entry: InboxEntry) -> bool:
        """Process one stored update; False when it must be tried again (nothing stored)."""
        async with self.slots:
            try:
                raw = self.storage.inbox_raw(entry.id)
                if raw is None:
                    return True  # gone meanwhile
                update = read_update(json.loads(raw), self.app.bot)
                if isinstance(update, Unreadable):
                    set_aside(self.storage, update, entry.id)
                    return True
            except sqlite3.Error as error:
                log.warning("could not read a stored update (%s)", type(error).__name__)
                return False
            receipt = Receipt(entry.id)
            token = RECEIPT.set(receipt)
            try:
                await self.app.process_update(update)
            except Exception as error:
                # Handlers' errors end in the application's error handler; this is the
                # framework's. Counted as processed, so that one bad update cannot stop the rest.
                log.error("update not processed: %s", self.describe(error))
            finally:
                RECEIPT.reset(token)
            if receipt.stored is False:
                log.warning("a stored update could not be applied (the database is busy)")
                return False
            # Not in its step's transaction, which is over: see ``Store.inbox_done_later``.
            self.storage.inbox_done_later(entry)
            return True

    async def settle(self) -> None:
        """Wait until every queued update is processed."""
        while self.workers:
            await asyncio.wait(list(self.workers.values()))
        flush_handled(self.storage)

    async def drain(self, seconds: float | None = None) -> None:
        """Start nothing new; give the updates being processed ``seconds`` (DRAIN_SECONDS),
        then cancel them (at an ``await``: never inside a step's transaction); then delete the
        handled rows still waiting. What is left stays stored, for the next start."""
        seconds = DRAIN_SECONDS if seconds is None else seconds
        self.closing = True
        if self.workers:
            _, late = await asyncio.wait(list(self.workers.values()), timeout=seconds)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        flush_handled(self.storage)
