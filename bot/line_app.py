"""The LINE channel (Messaging API, ``line-bot-sdk`` 3): a thin adapter over the engine.

LINE POSTs a webhook request with one or more events; each event becomes an ``Inbound``, its
``Response`` goes back through the event's reply token. All state lives in SQLite, in the
same file the Telegram bot uses (both may run at once); the adapter keeps only a lock per
LINE user, the group chats already told "private only", what the push quota allows, and in
memory each user's latest event time (``latest_taken``: LINE user ids and times, at most
100,000, the quietest dropped first; an erased user's dropped at /forget).

- **Signature first.** ``X-Line-Signature`` is base64(HMAC-SHA256(channel secret, raw
  body)); it is checked on the raw bytes, in constant time, before anything is parsed. A
  request without a valid one is refused (400 without the header, 401 with a wrong one) and
  only that fact is logged.
- **Answered after the steps are committed.** The events of one request are handled (one
  user's in order, different users' in parallel) and the request is answered 200 only then;
  a step that could not be stored (the database busy) makes it 503, and LINE (with
  redelivery on) sends the events again.
- **Once only.** Every event carries ``webhookEventId`` (a ULID); a redelivered one
  (``deliveryContext.isRedelivery``) has the same id. Its first 56 bits of SHA-256 are the
  ``Inbound.update_id``; the engine remembers a user's latest update ids in the step's own
  transaction and only shows the current step again for one it applied (``Engine.handle``).
  No table of our own: the engine's record is exactly as durable as the step. 56 bits: two
  events of one user among their latest 64 share an id with odds below 1 in 10^13. A copy
  delivered again after later events of its user were taken (the user typed it again and
  went on) is not applied: its answer would land on another step. That is known for the
  process's lifetime (``LineBot.latest_taken``); after a restart only the ids are.
- **Events.** follow → the /start greeting (in the profile's language for a new user);
  unfollow → the user is unreachable (reminders stop until they write again); text → the
  engine; postback → the engine, for data made by ``bot.line_render.encode_postback`` (else
  "that button cannot be used" without the engine); stickers, images, audio, video,
  location, files → the engine's one-line hint; anything from a group or room → "message me
  privately", once per chat per process, nothing stored.
- **Replies and pushes.** Answers use the event's reply token (free, once, at most 5
  messages). Reminders are push messages, which count against the channel's monthly quota:
  it is read each round (``/v2/bot/message/quota`` and ``/quota/consumption``) and logged;
  once used up nothing more is pushed (the reminders stay due) and each user who has one
  waiting is told at their next message.
- **Files.** The Messaging API sends no documents, and images only from HTTPS URLs. A
  letter's plain text goes into the chat; a link to its PDF (and a chart's image) comes from
  the ``file_link`` hook (``bot.line_files``, built separately); without one the user is
  told the link is on its way. The loading indicator shows while a file is made.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import re
import signal
import sqlite3
import sys
import uuid
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from http import HTTPStatus
from pathlib import Path
from typing import Any

import aiohttp
import tornado.web
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    PushMessageRequest,
    ReplyMessageRequest,
    ShowLoadingAnimationRequest,
)
from linebot.v3.webhooks import (
    AudioMessageContent,
    Event,
    FileMessageContent,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    JoinEvent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    UserSource,
    VideoMessageContent,
)
from tornado.httpserver import HTTPServer

from bot import line_files
from bot.config import Settings
from bot.files import FILES, file_bytes
from bot.line_files import FileLinks
from bot.line_menu import link_user_menu
from bot.line_render import (
    CALL_TEXTS,
    Bubble,
    decode_postback,
    pack,
    plain_text,
    reply_options,
    split_text,
    to_messages,
)
from bot.logs import RedactingFilter, Throttled, describe_error
from bot.rounds import ReminderRound, Sent, settle_owed_marks
from bot.serving import InFlight, refuse_unless_json, webhook_server
from bot.upkeep import checkpoint_wal, drop_stale_dialogs, retry_scrub
from flows.engine import Engine
from flows.features.writing import holds_case
from flows.port import Attachment, Inbound, Reply, Response
from flows.reminders import Delivery
from flows.store import (
    LINE,
    DatabaseFileGone,
    DatabaseInUse,
    Store,
    in_use,
    open_database,
    utc_now,
)
from flows.texts import Texts, pick_language

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Line-Signature"
# A file link's loading indicator (seconds: 5 to 60, a multiple of 5); it ends sooner, when
# the reply arrives.
LOADING_SECONDS = 20
# How long a call to the Messaging API may take (a reply token is valid for about a minute).
API_TIMEOUT = 10.0
# Group and room chats remembered as already told "private only"; forgotten past this many.
MAX_WARNED_CHATS = 10_000
# Events whose answer reached the user, remembered (by webhook event id) so that one sent
# again after a 503 is not pushed a second answer; the oldest forgotten past this many.
MAX_ANSWERED_EVENTS = 4_096
MAX_LATEST_TAKEN = 100_000  # users whose latest event's time is kept (the oldest go first)
# What kind of message the engine hears about (the Telegram names it already knows).
ATTACHMENT_KINDS: tuple[tuple[type[Any], str], ...] = (
    (StickerMessageContent, "sticker"),
    (ImageMessageContent, "photo"),
    (VideoMessageContent, "video"),
    (AudioMessageContent, "audio"),
    (LocationMessageContent, "location"),
    (FileMessageContent, "document"),
)

NO_CREDENTIALS_MESSAGE = (
    "kotowari: no LINE channel secret or access token. In the LINE Developers console "
    "(https://developers.line.biz/console/) create a Messaging API channel, put its channel "
    "secret in .env as LINE_CHANNEL_SECRET=... and its channel access token as "
    "LINE_CHANNEL_ACCESS_TOKEN=..., and run `kotowari line` again "
    "(`kotowari shell` works without them)."
)

# The hook that gives a file (a letter's PDF, a chart) an HTTPS address the user can open:
# ``file_link(user_id, attachment)`` with the file's bytes made; None when there is none.
FileLink = Callable[[int, Attachment], str | None]


def file_link(user_id: int, attachment: Attachment) -> str | None:
    """The hook without LINE_PUBLIC_URL: no link (the user is told the file is not sent; a
    letter's text is in the chat). With it, ``serve_line`` uses ``bot.line_files``: an
    unguessable link, expiring, sent only in the user's own chat."""
    return None


def retry_key(delivery: Delivery) -> str:
    """The push's ``X-Line-Retry-Key``: the same for every try of one reminder until it is
    sent (LINE delivers a key's message once, and answers 409 to a repeat within a day); a
    try that failed moves its due time, not its key. Snoozed after a send, it is a new
    message (its key names that send)."""
    occurrence = delivery.sent_before or "first"
    name = f"kotowari-reminder-{delivery.reminder_id}-{occurrence}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def signature_of(secret: str, body: bytes) -> str:
    """``X-Line-Signature`` for ``body``: base64(HMAC-SHA256(channel secret, body))."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def valid_signature(secret: str, body: bytes, given: str) -> bool:
    """Whether ``given`` is the body's signature; compared in constant time, on raw bytes."""
    return hmac.compare_digest(
        signature_of(secret, body).encode("ascii"), given.encode("utf-8", "replace")
    )


def update_id_of(webhook_event_id: str) -> int:
    """A stable 56-bit number for an event id: the engine's ``Inbound.update_id``."""
    digest = hashlib.sha256(webhook_event_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:7], "big")


@dataclass
class PushQuota:
    """The channel's monthly push allowance as last read (``limit`` None: no limit set)."""

    limit: int | None = None
    used: int = 0
    known: bool = False

    @property
    def exhausted(self) -> bool:
        return self.limit is not None and self.used >= self.limit

    def describe(self) -> str:
        limit = "no limit" if self.limit is None else str(self.limit)
        return f"{self.used} of {limit}"


@dataclass
class LineBot:
    """The LINE adapter: webhook events in, replies and reminder pushes out."""

    engine: Engine
    api: AsyncMessagingApi
    # Where a made file can be fetched (the ``file_link`` hook; tests give their own), and
    # the links held for users (``bot.line_files``; None without LINE_PUBLIC_URL).
    file_link: FileLink = file_link
    links: FileLinks | None = None
    locks: weakref.WeakValueDictionary[str, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )
    warned_chats: set[str] = field(default_factory=set)
    # Event ids answered (by reply or push), oldest first: ``MAX_ANSWERED_EVENTS``.
    answered: dict[str, None] = field(default_factory=dict)
    # Each user's latest event taken (its timestamp, ms), the latest taken last: a copy of
    # an older one delivered again after it is not applied to the step the user is on now.
    latest_taken: dict[str, int] = field(default_factory=dict)
    # Users with a reminder held back by the used-up quota: told at their next message,
    # once (``told``) until one gets through.
    held: set[int] = field(default_factory=set)
    told: set[int] = field(default_factory=set)
    quota: PushQuota = field(default_factory=PushQuota)
    # Reminders pushed whose "sent" could not be written yet (the database busy).
    owed_sent: set[int] = field(default_factory=set)
    # Why the bot stopped itself (its database file gone): requests are refused with 503.
    fatal: str | None = None
    stop: asyncio.Event | None = None
    # The write-ahead log's checkpoint (``bot.upkeep.checkpoint_wal``), made by the loop and
    # every CHECKPOINT_EVERY_SENT pushes of a round (``serve_line`` sets it); None: a round
    # makes none.
    checkpoint: Callable[[], Awaitable[None]] | None = None

    def lock_for(self, chat: str) -> asyncio.Lock:
        lock = self.locks.get(chat)
        if lock is None:
            lock = self.locks[chat] = asyncio.Lock()
        return lock

    # -- a webhook request ----------------------------------------------------------------
    async def process(self, raw_events: Sequence[object]) -> bool:
        """Handle one request's events: one chat's in order, different chats' at once.
        False if a step could not be stored (the request is then answered 503)."""
        by_chat: dict[str, list[Event]] = {}
        for raw in raw_events:
            event = read_event(raw)
            if event is not None:
                by_chat.setdefault(chat_of(event), []).append(event)
        done = await asyncio.gather(
            *(self._chat(chat, events) for chat, events in by_chat.items()),
            return_exceptions=True,
        )
        for result in done:  # every chat had its turn; now the first failure, if any
            if isinstance(result, BaseException):
                raise result
        return all(done)

    async def _chat(self, chat: str, events: Sequence[Event]) -> bool:
        async with self.lock_for(chat):
            for event in events:
                # A step not stored stops the chat's later events too: LINE sends them all
                # again, and they must be applied in order.
                try:
                    if not await self.on_event(event):
                        return False
                except sqlite3.Error as error:  # e.g. busy past the timeout: sent again
                    log.warning("LINE: an event not stored now (%s)", type(error).__name__)
                    return False
                except DatabaseFileGone:
                    raise
                except Exception as error:  # a bug: logged without data, the user told
                    log.error("LINE: an event not handled: %s", describe_error(error, _no_redact))
                    await self.reply(
                        getattr(event, "reply_token", None),
                        None,
                        None,
                        [Reply(self._chat_texts(chat)("error_generic"))],
                    )
        return True

    async def on_event(self, event: Event) -> bool:
        """One event; False when its step could not be stored now."""
        if getattr(event, "mode", None) == "standby":
            return True  # another channel module answers this chat
        source = event.source
        if isinstance(source, GroupSource | RoomSource):
            await self._private_only(event, source)
            return True
        if not isinstance(source, UserSource) or not source.user_id:
            return True
        line_user = source.user_id
        if event.webhook_event_id in self.answered:
            # Sent again because another event of its request was not stored (503): its
            # answer reached the user (it is stored: answers come after), so nothing again.
            log.info("LINE: an event answered before came again; not answered twice")
            return True
        if self._overtaken(event, line_user):
            # Sent again (its first delivery not stored) after later events of the user
            # were: applied now, its answer would land on another step (「名簿の森」 as the
            # caller's name), or an unfollow stop a friend who came back.
            log.info("LINE: an event delivered again after later ones; not applied")
            return True
        if isinstance(event, UnfollowEvent):
            known = self.engine.storage.find_account(LINE, line_user)
            if known is not None:  # a user never seen is not stored just to be marked
                if not self.engine.mark_unreachable(known, update_id_of(event.webhook_event_id)):
                    return False  # not stored (busy): 503, LINE sends it again
                self._taken(event, line_user)
                if self.links is not None:
                    self.links.forget_user(known)
            log.info("a LINE user unfollowed; marked inactive")
            return True
        reply_token = getattr(event, "reply_token", None)
        update_id = update_id_of(event.webhook_event_id)
        hint: str | None = None
        if isinstance(event, FollowEvent):
            hint = await self._profile_language(line_user)
            user_id = self._user_id(line_user, hint)
            inbound = Inbound(user_id, text="/start", lang_hint=hint, update_id=update_id)
        elif isinstance(event, PostbackEvent):
            token = decode_postback(event.postback.data)
            if token is None:
                # Not made by this bot (or an older format): the engine never sees it, and
                # a user never seen is not stored for it.
                known = self.engine.storage.find_account(LINE, line_user)
                texts = self._texts(known) if known is not None else Texts(pick_language(None))
                await self.reply(
                    reply_token,
                    line_user,
                    known,
                    [Reply(texts("bad_button"))],
                    event_id=event.webhook_event_id,
                )
                return True
            user_id = await self._account(line_user)
            inbound = Inbound(user_id, choice=token, update_id=update_id)
        elif isinstance(event, MessageEvent):
            user_id = await self._account(line_user)
            inbound = inbound_from_message(event, user_id, update_id)
        else:
            return True
        # Answered after it is stored: an error means LINE sends it again, so nothing is
        # said now (the user would send it twice).
        response = self.engine.handle(replace(inbound, retried=True))
        if not response.stored:
            return False
        self._taken(event, line_user)
        await self.answer(
            reply_token, line_user, user_id, response, event_id=event.webhook_event_id
        )
        if response.erased:
            self.latest_taken.pop(line_user, None)  # nothing of the erased kept, here either
            if self.links is not None:
                self.links.forget_user(user_id)
            # The settings go with the data: the menu of the language the next answers are
            # in (the LINE profile's, as for a new friend), not the one the erased chose.
            await self._menu_for(line_user, pick_language(await self._profile_language(line_user)))
        elif self.links is not None and (number := response.deleted_case) is not None:
            # The deleted case's letters, the reports quoting it, the exports holding it.
            held = partial(holds_case, number=number, quoted_by=response.quoted_by)
            self.links.forget_files(user_id, held)
        # The menu in the user's language: the default (Japanese) needs no link, so a new
        # Japanese-speaking friend costs no call.
        new_friend = isinstance(event, FollowEvent) and response.language not in (None, "ja")
        if response.language_changed or new_friend:
            await self._menu_for(line_user, response.language or "ja")
        return True

    async def _menu_for(self, line_user: str, language: str) -> None:
        """The rich menu in the user's language (``kotowari line setup`` made them)."""
        try:
            await link_user_menu(self.api, line_user, language)
        except (ApiException, aiohttp.ClientError, TimeoutError) as error:
            # No menus set up yet (or LINE refused): the default one, or none, stays.
            log.info("LINE: the rich menu was not linked (%s)", _error_name(error))

    def _user_id(self, line_user: str, hint: str | None) -> int:
        return self.engine.storage.account_user(LINE, line_user, pick_language(hint))

    async def _account(self, line_user: str) -> int:
        """The user writing; one not stored (a friend since before the bot kept accounts, or
        after /forget) starts in their LINE language, as at a follow, not in Japanese."""
        known = self.engine.storage.find_account(LINE, line_user)
        if known is not None:
            return known
        return self._user_id(line_user, await self._profile_language(line_user))

    def _chat_texts(self, chat: str) -> Texts:
        """The texts of a chat's user, as far as they can be read now (else the default)."""
        try:
            known = self.engine.storage.find_account(LINE, chat)
            return self._texts(known) if known is not None else Texts(pick_language(None))
        except Exception:  # the database itself may be what failed
            return Texts(pick_language(None))

    def _texts(self, user_id: int) -> Texts:
        view = self.engine.user_view(user_id)
        return Texts(view.language if view else pick_language(None))

    async def _profile_language(self, line_user: str) -> str | None:
        """The user's LINE language (a new user's first language); None if unknown."""
        try:
            profile = await self.api.get_profile(line_user, _request_timeout=API_TIMEOUT)
        except (ApiException, aiohttp.ClientError, TimeoutError) as error:
            log.info("LINE: no profile language (%s)", _error_name(error))
            return None
        language = getattr(profile, "language", None)
        return str(language) if language else None

    async def _private_only(self, event: Event, source: GroupSource | RoomSource) -> None:
        """Once per group or room: the bot works in a one-to-one chat only."""
        if not isinstance(event, MessageEvent | PostbackEvent | JoinEvent):
            return
        chat = source.group_id if isinstance(source, GroupSource) else source.room_id
        if chat in self.warned_chats:
            return
        if len(self.warned_chats) >= MAX_WARNED_CHATS:
            self.warned_chats.clear()
        self.warned_chats.add(chat)
        texts = Texts(pick_language(None))
        await self.reply(
            getattr(event, "reply_token", None), None, None, [Reply(texts("private_only"))]
        )

    # -- answers ------------------------------------------------------------------------
    async def answer(
        self,
        reply_token: str | None,
        line_user: str,
        user_id: int,
        response: Response,
        event_id: str | None = None,
    ) -> None:
        """The engine's replies through the reply token (or its notice for a button it
        refused), with what the adapter owes the user: a reminder held back."""
        texts = Texts(response.language) if response.language else self._texts(user_id)
        replies = list(response.replies)
        if not replies and response.notice:
            replies = [Reply(response.notice)]
        if response.erased:
            replies.append(Reply(texts("line.forgotten_chat_history")))
        if user_id in self.held and user_id not in self.told and replies:
            self.told.add(user_id)
            replies.insert(0, Reply(texts("line.quota_held")))
        await self.reply(reply_token, line_user, user_id, replies, texts, event_id=event_id)

    async def reply(
        self,
        reply_token: str | None,
        line_user: str | None,
        user_id: int | None,
        replies: Sequence[Reply],
        texts: Texts | None = None,
        event_id: str | None = None,
    ) -> None:
        """Send ``replies`` with the reply token (once; at most 5 messages). A token LINE
        refuses (400: expired, as in an event redelivered after a busy database) is replaced
        by a push of the same messages to the user, under a retry key of the event
        (``event_id``), so that a step stored is never left unanswered."""
        if not reply_token or not replies:
            return
        texts = texts or Texts(pick_language(None))
        bubbles = await self.bubbles(replies, line_user, user_id, texts)
        messages = to_messages(pack(bubbles), reply_options(replies), texts.language)
        if not messages:
            return
        try:
            await self.api.reply_message(
                ReplyMessageRequest(reply_token=reply_token, messages=messages),
                _request_timeout=API_TIMEOUT,
            )
        except ApiException as error:
            if error.status != HTTPStatus.BAD_REQUEST or not (line_user and event_id):
                # The step is stored; the user sees its answer the next time they write.
                log.warning("LINE: a reply was not sent (%s)", _error_name(error))
            elif await self._push_instead(line_user, event_id, messages):
                self._answered(event_id)
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("LINE: a reply was not sent (%s)", _error_name(error))
        else:
            if event_id:
                self._answered(event_id)

    def _overtaken(self, event: Event, line_user: str) -> bool:
        """Whether ``event`` is a redelivery older than an event of its user taken since."""
        context = getattr(event, "delivery_context", None)
        stamp = getattr(event, "timestamp", None)
        latest = self.latest_taken.get(line_user)
        return (
            bool(getattr(context, "is_redelivery", False))
            and isinstance(stamp, int)
            and latest is not None
            and stamp < latest
        )

    def _taken(self, event: Event, line_user: str) -> None:
        stamp = getattr(event, "timestamp", None)
        if not isinstance(stamp, int):
            return
        latest = self.latest_taken.pop(line_user, None)
        self.latest_taken[line_user] = stamp if latest is None else max(latest, stamp)
        if len(self.latest_taken) > MAX_LATEST_TAKEN:
            del self.latest_taken[next(iter(self.latest_taken))]  # the longest quiet

    def _answered(self, event_id: str) -> None:
        self.answered[event_id] = None
        if len(self.answered) > MAX_ANSWERED_EVENTS:
            del self.answered[next(iter(self.answered))]

    async def _push_instead(self, line_user: str, event_id: str, messages: list[Any]) -> bool:
        """The reply token refused: the answer pushed (one message of the month's quota).
        Whether it reached the user (a 409: pushed before under the event's key)."""
        if self.quota.exhausted:
            log.warning("LINE: a reply token was refused and the push quota is used up")
            return False
        key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"kotowari-reply-{event_id}"))
        try:
            await self.api.push_message(
                PushMessageRequest(to=line_user, messages=messages),
                x_line_retry_key=key,
                _request_timeout=API_TIMEOUT,
            )
        except (ApiException, aiohttp.ClientError, TimeoutError) as error:
            if isinstance(error, ApiException) and error.status == HTTPStatus.CONFLICT:
                return True
            log.warning("LINE: a reply was not sent, nor pushed (%s)", _error_name(error))
            return False
        self.quota.used += 1
        log.info("LINE: a reply token was refused; the answer was pushed")
        return True

    async def bubbles(
        self,
        replies: Sequence[Reply],
        line_user: str | None,
        user_id: int | None,
        texts: Texts,
    ) -> list[Bubble]:
        """The replies as bubbles: each reply's text, then its files (a letter's text in
        the chat; a PDF or chart as a link, made off the event loop)."""
        out: list[Bubble] = []
        loading = False
        for reply in replies:
            text = plain_text(reply) or (texts("keyboard.options_prompt") if reply.options else "")
            out.extend(Bubble(piece) for piece in split_text(text))
            coming: list[str] = []
            for attachment in reply.attachments:
                if attachment.filename.endswith(".txt") and attachment.ready:
                    body = attachment.data.decode("utf-8", "replace")
                    out.extend(Bubble(piece) for piece in split_text(body))
                    continue
                link = None
                if user_id is not None:
                    if not loading and line_user is not None:
                        loading = True
                        await self.show_loading(line_user)
                    try:
                        content = await file_bytes(attachment)
                        link = self.file_link(user_id, replace(attachment, content=content))
                    except Exception as error:  # a bug in one file must not stop the rest
                        log.error("could not make a file: %s", describe_error(error, _no_redact))
                        out.append(Bubble(texts("file_failed", filename=attachment.filename)))
                        continue
                if link and attachment.kind == "photo":
                    out.append(Bubble(image_url=link))
                elif link:
                    name = attachment.caption or attachment.filename
                    ttl = self.links.ttl if self.links is not None else line_files.DEFAULT_TTL
                    minutes = int(ttl.total_seconds() // 60)
                    said = texts("line.file_link", name=name, url=link, minutes=minutes)
                    out.append(Bubble(said))
                else:
                    coming.append(texts("line.file_coming", filename=attachment.filename))
            if coming:
                out.append(Bubble("\n".join(coming)))
        return out

    async def show_loading(self, line_user: str) -> None:
        """LINE's loading indicator in the user's chat while a file is made."""
        try:
            await self.api.show_loading_animation(
                ShowLoadingAnimationRequest(chat_id=line_user, loading_seconds=LOADING_SECONDS),
                _request_timeout=API_TIMEOUT,
            )
        except (ApiException, aiohttp.ClientError, TimeoutError) as error:
            log.debug("LINE: no loading indicator (%s)", _error_name(error))

    # -- reminders ----------------------------------------------------------------------
    async def read_quota(self) -> PushQuota:
        """The month's push quota and how much of it is used, logged (numbers only)."""
        try:
            quota = await self.api.get_message_quota(_request_timeout=API_TIMEOUT)
            used = await self.api.get_message_quota_consumption(_request_timeout=API_TIMEOUT)
        except (ApiException, aiohttp.ClientError, TimeoutError) as error:
            log.warning("LINE: could not read the push quota (%s)", _error_name(error))
            return self.quota
        limited = getattr(quota.type, "value", quota.type) == "limited"
        fresh = PushQuota(quota.value if limited else None, int(used.total_usage), known=True)
        if fresh != self.quota:
            log.info("LINE push quota: %s messages used this month", fresh.describe())
        self.quota = fresh
        return fresh

    async def dispatch_reminders(self, batch: int) -> int:
        """Push every due reminder of LINE users, a batch at a time; how many were pushed.

        The round is Telegram's (``bot.rounds.ReminderRound``: marked sent after LINE
        accepted it, marks the database cannot take now kept for a later round). Once the
        month's quota is used up nothing is pushed: the reminders stay due, and their users
        are told at their next message (``held``).
        """
        await self.read_quota()
        held: set[int] = set()
        this_round = ReminderRound(self.engine, LINE, self.owed_sent, self.checkpoint)
        warned = False

        async def push(delivery: Delivery) -> Sent:
            nonlocal warned
            if self.quota.exhausted:
                held.add(delivery.user_id)
                if not warned:
                    warned = True
                    log.warning(
                        "LINE push quota used up (%s): reminders wait for next month or a "
                        "larger plan",
                        self.quota.describe(),
                    )
                return Sent.HELD
            outcome = await self._push(delivery, held, this_round)
            if outcome is Sent.STOP:  # LINE said 429: no more pushes this round
                # The batch's reminders from this one on wait; those before it went out.
                batch = list(this_round.batch)
                held.update(d.user_id for d in batch[batch.index(delivery) :])
            return outcome

        try:
            return await this_round.run(batch, push)
        finally:
            # Who has a reminder waiting now: one answered or cancelled meanwhile is not.
            self.held = held
            self.told &= held

    async def _push(self, delivery: Delivery, held: set[int], this_round: ReminderRound) -> Sent:
        """Push one reminder. LINE's 429 (the monthly limit or the rate limit) stops the
        round (``Sent.STOP``): else a full batch due would be taken and refused again and
        again."""
        address = delivery.address
        if not address:
            return Sent.NO
        async with self.lock_for(address):
            if not self.engine.still_due(delivery.reminder_id):
                return Sent.NO
            texts = Texts(delivery.language)
            bubbles = await self.bubbles([delivery.reply], address, delivery.user_id, texts)
            messages = to_messages(pack(bubbles), delivery.reply.options, texts.language)
            try:
                await self.api.push_message(
                    PushMessageRequest(to=address, messages=messages),
                    x_line_retry_key=retry_key(delivery),
                    _request_timeout=API_TIMEOUT,
                )
            except ApiException as error:
                if error.status == HTTPStatus.CONFLICT:
                    # Accepted before under this retry key (a timeout, or a crash before it was
                    # marked sent): LINE does not deliver it twice; now it is marked.
                    log.info("LINE already had this push (409); marked sent")
                    this_round.mark_sent(delivery.reminder_id)
                    return Sent.NO
                if error.status == HTTPStatus.TOO_MANY_REQUESTS:
                    # The monthly limit (or the rate limit): it stays due, nothing counted.
                    if self.quota.limit is not None:
                        self.quota.used = max(self.quota.used, self.quota.limit)
                    held.add(delivery.user_id)
                    log.warning("LINE refused a push (429); reminders wait")
                    return Sent.STOP
                log.warning("reminder not pushed (HTTP %s); will retry", error.status)
                self.engine.reminder_failed(delivery.reminder_id, f"HTTP {error.status}")
                return Sent.NO
            except (aiohttp.ClientError, TimeoutError) as error:
                log.warning("reminder not pushed (%s); will retry", _error_name(error))
                self.engine.reminder_failed(delivery.reminder_id, _error_name(error))
                return Sent.NO
            self.quota.used += 1  # one push to one user is one message of the quota
            return Sent.YES  # marked by the round before anything else runs on the loop


def read_event(raw: object) -> Event | None:
    """One event of a webhook body as the SDK's model; None for a kind not handled."""
    if not isinstance(raw, dict):
        return None
    try:
        return Event.from_dict(raw)
    except (ValueError, TypeError, KeyError):
        pass
    message = raw.get("message")
    if raw.get("type") == "message" and isinstance(message, dict):
        # A kind of message newer than the SDK (or one it cannot read): still a message from
        # a person, who is told to type; the content is not kept.
        text = message.get("text")
        content: dict[str, object]
        if message.get("type") == "text" and isinstance(text, str):
            # A text with a part the SDK cannot read (a new kind of mention): its text.
            content = {"type": "text", "id": "0", "text": text, "quoteToken": ""}
        else:
            content = {**_PLACEHOLDER, "id": "0"}
        try:
            event = Event.from_dict({**raw, "message": content})
        except (ValueError, TypeError, KeyError):
            event = None
        if isinstance(event, MessageEvent):
            kind = message.get("type")
            log.info("LINE: a message of a kind not read (%s)", _short(kind))
            return event if content["type"] == "text" else event.copy(update={"message": None})
    log.info("LINE: an event not handled (%s)", _short(raw.get("type")))
    return None


# What stands in for a message's content the SDK cannot read (``read_event``).
_PLACEHOLDER: dict[str, object] = {"type": "file", "fileName": "-", "fileSize": 0}


def _short(kind: object) -> str:
    return kind[:40] if isinstance(kind, str) else "?"


def chat_of(event: Event) -> str:
    """The chat an event belongs to (a lock's key): the user, group or room id."""
    source = event.source
    if isinstance(source, UserSource):
        return str(source.user_id)
    if isinstance(source, GroupSource):
        return f"group:{source.group_id}"
    if isinstance(source, RoomSource):
        return f"room:{source.room_id}"
    return "?"


def inbound_from_message(event: MessageEvent, user_id: int, update_id: int) -> Inbound:
    """What a one-to-one message means to the engine."""
    message = event.message
    if isinstance(message, TextMessageContent):
        text = "/call" if message.text.strip() in CALL_TEXTS else message.text
        return Inbound(user_id, text=text, update_id=update_id)
    for kind_type, kind in ATTACHMENT_KINDS:
        if isinstance(message, kind_type):
            return Inbound(user_id, attachment=kind, update_id=update_id)
    return Inbound(user_id, attachment="other", update_id=update_id)


def _error_name(error: BaseException) -> str:
    if isinstance(error, ApiException):
        return f"HTTP {error.status}"
    return type(error).__name__


def _no_redact(text: str) -> str:
    return text


# -- the webhook server ---------------------------------------------------------------
@tornado.web.stream_request_body
class LineWebhookHandler(tornado.web.RequestHandler):
    """``POST <LINE_WEBHOOK_PATH>``: one request's events, handled before the answer.

    Headers are checked before the body is read (a request without a signature, of another
    type or too long is refused unread); the signature is checked on the raw body before it
    is parsed.
    """

    def initialize(
        self, bot: LineBot, secret: str, in_flight: InFlight, refused: Throttled
    ) -> None:
        self.bot = bot
        self.secret = secret
        self.in_flight = in_flight
        self.refused = refused
        self.body = bytearray()

    def prepare(self) -> None:
        if not self.request.headers.get(SIGNATURE_HEADER):
            self.refused.warning("LINE webhook: a request without a signature; refused")
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        refuse_unless_json(self.request.headers)

    def data_received(self, chunk: bytes) -> None:
        self.body += chunk

    async def post(self) -> None:
        body = bytes(self.body)
        if not valid_signature(self.secret, body, self.request.headers.get(SIGNATURE_HEADER, "")):
            self.refused.warning("LINE webhook: a request with a wrong signature; refused")
            raise tornado.web.HTTPError(HTTPStatus.UNAUTHORIZED)
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):
            payload = None
        events = payload.get("events") if isinstance(payload, dict) else None
        if not isinstance(events, list):
            log.warning("LINE webhook: a signed request that is not a webhook body")
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST)
        if self.in_flight.closing or self.bot.fatal:
            raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE)
        processing = self.in_flight.start(self.bot.process(events))
        try:
            stored = await processing
        except asyncio.CancelledError:
            if not processing.cancelled():
                raise
            raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE) from None
        except DatabaseFileGone as error:
            stop_fatally(self.bot, str(error))
            raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE) from None
        except sqlite3.OperationalError as error:
            log.warning("LINE webhook: events not stored now (%s)", type(error).__name__)
            raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE) from None
        except Exception as error:  # logged without data; LINE sends the events again
            log.error("LINE webhook: events not handled: %s", describe_error(error, _no_redact))
            raise tornado.web.HTTPError(HTTPStatus.INTERNAL_SERVER_ERROR) from None
        if not stored:
            log.warning("LINE webhook: a step not stored now; LINE sends it again")
            raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE)
        self.set_status(HTTPStatus.OK)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, tornado.web.HTTPError):
            log.error("LINE webhook: %s", describe_error(value, _no_redact))


def _log_request(refused: Throttled, handler: tornado.web.RequestHandler) -> None:
    """The access log without the caller's address or the path; refused requests (anyone's:
    no signature, a guessed file link) at most once a minute each (``Throttled``)."""
    status = handler.get_status()
    if status >= 500:
        log.warning("LINE webhook: answered %d (LINE sends the events again)", status)
    elif status >= 400:
        refused.info(f"LINE webhook: answered {status}")


@asynccontextmanager
async def line_webhook_server(
    bot: LineBot, *, secret: str, listen: str, port: int, path: str
) -> AsyncIterator[HTTPServer]:
    """Serve the webhook on ``listen:port`` for the block, and the file links if the bot
    has them (``bot.line_files``); on leaving, events being handled get ``DRAIN_SECONDS``
    to finish (the rest are answered 503, and sent again)."""
    in_flight = InFlight()
    refused = Throttled(log)
    route = (
        re.escape(path),
        LineWebhookHandler,
        {"bot": bot, "secret": secret, "in_flight": in_flight, "refused": refused},
    )
    files = line_files.routes(bot.links) if bot.links is not None else []
    app = tornado.web.Application([route, *files], log_function=partial(_log_request, refused))
    try:
        async with webhook_server(app, listen=listen, port=port, in_flight=in_flight) as server:
            yield server
    finally:
        refused.flush()
        if bot.links is not None:
            bot.links.not_served.flush()


def stop_fatally(bot: LineBot, reason: str) -> None:
    """The database file is gone: take no more events and stop (``run_line`` exits 1)."""
    if bot.fatal is None:
        log.error("stopping: %s. Put the database back (kotowari restore) and start again.", reason)
    bot.fatal = bot.fatal or reason
    if bot.stop is not None:
        bot.stop.set()


# -- running --------------------------------------------------------------------------
def messaging_api(settings: Settings) -> tuple[AsyncApiClient, AsyncMessagingApi]:
    """The SDK's async client on ``LINE_API_BASE_URL`` (inside a running event loop)."""
    configuration = Configuration(
        host=settings.line_api_base_url, access_token=settings.line_access_token or ""
    )
    client = AsyncApiClient(configuration)
    return client, AsyncMessagingApi(client)


async def serve_line(
    settings: Settings, db_path: Path, stop: asyncio.Event | None = None
) -> LineBot:
    """Run the LINE webhook and the reminder pushes until ``stop`` (or SIGINT/SIGTERM)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    # Never a checkpoint inside a user's commit (SQLite's automatic one made that user wait
    # 20-30 ms): this loop makes them, or Litestream does (bot.replication).
    database = open_database(db_path, autocheckpoint=False, shrink_wal=not settings.replicating)
    engine = Engine(Store(database))
    client, api = messaging_api(settings)
    bot = LineBot(engine, api, stop=stop)
    bot.checkpoint = partial(checkpoint_wal, db_path, settings.replicating)
    if settings.line_public_url:
        # Letters and charts at expiring links under the public address (the proxy's).
        bot.links = FileLinks(settings.line_public_url, utc_now)
        bot.file_link = bot.links.attachment_link
    else:
        log.info("no LINE_PUBLIC_URL: letters go into the chat as text, without their files")
    try:
        FILES.after_each = partial(retry_scrub, engine.storage, replicating=settings.replicating)
        async with line_webhook_server(
            bot,
            secret=settings.line_channel_secret or "",
            listen=settings.line_listen,
            port=settings.line_port,
            path=settings.line_path,
        ):
            while not stop.is_set():
                try:
                    engine.storage.check_file()
                except DatabaseFileGone as error:
                    stop_fatally(bot, str(error))
                    break
                retry_scrub(engine.storage, replicating=settings.replicating)
                drop_stale_dialogs(engine.storage)
                if bot.links is not None:
                    bot.links.purge()
                await bot.dispatch_reminders(settings.reminder_batch)
                await bot.checkpoint()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), settings.reminder_period)
    finally:
        FILES.after_each = None
        await client.close()
        settle_owed_marks(engine, bot.owed_sent)
        engine.storage.close()
    return bot


def run_line(settings: Settings, db_path: Path) -> int:
    """``kotowari line``: serve the LINE webhook (behind the reverse proxy)."""
    if not settings.line_channel_secret or not settings.line_access_token:
        print(NO_CREDENTIALS_MESSAGE, file=sys.stderr)
        return 2
    redact = RedactingFilter([settings.line_access_token, settings.line_channel_secret]).redact
    if settings.file_maker == "process":
        FILES.start_process()  # letters and charts made off the bot's process (its GIL)
    try:
        with in_use(db_path):  # kotowari restore refuses while this runs
            log.info("starting (LINE webhook on %s:%d)", settings.line_listen, settings.line_port)
            bot = asyncio.run(serve_line(settings, db_path))
    except DatabaseInUse as error:
        print(f"kotowari: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"kotowari: could not start the LINE webhook: {redact(str(error))}", file=sys.stderr)
        return 1
    finally:
        FILES.stop_process()
    return 1 if bot.fatal else 0
