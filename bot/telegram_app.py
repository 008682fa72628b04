"""The Telegram channel (python-telegram-bot 22): a thin adapter over the engine.

Update → ``Inbound`` → ``Engine.handle`` → messages. All state lives in SQLite; the
adapter keeps only a lock per user (so that, with concurrent updates, one user's updates
are handled and answered in order) and the set of group chats already told that the bot
works in private chats only.

- Private chats only. In a group, supergroup or channel the bot never calls the engine
  and stores nothing; it says "private only" once per chat per process (with privacy mode
  on, a bot in a group only sees commands and replies to it anyway). Channel posts are not
  handled (and not even requested from Telegram); edited messages are requested, but an
  edit in a group is ignored (the inbox keeps only its chat and sender until then), and
  one in a private chat is not read (the step took the message as first sent): the person
  is told how to correct the record.
- Buttons carry ``"k1:" + token`` (see ``bot.telegram_render``). Every callback query is
  answered exactly once: with the engine's notice for a stale or forged button (nothing
  changes), or empty when the choice is accepted; the pressed message is then edited to
  show the choice and lose its keyboard, and the replies follow as new messages.
- ``/start`` (and a language change) also sends the persistent "I'm on a sales call"
  reply-keyboard button; see ``outgoing_messages`` for how it shares the first message.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import html
import logging
import re
import signal
import sqlite3
import sys
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from telegram import BotCommand, InputFile, Message, Update
from telegram import User as TelegramUser
from telegram.constants import ChatType, ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    BaseRateLimiter,
    CallbackContext,
    CallbackQueryHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot import logs, upkeep
from bot.config import Settings
from bot.files import FILES, file_bytes
from bot.inbox import ATTACHMENT_STUBS, Inbox, current_receipt, flush_handled
from bot.logs import RedactingFilter
from bot.polling import CONFLICT_GIVE_UP, Poller
from bot.rounds import ReminderRound, Sent, settle_owed_marks
from bot.telegram_render import (
    CALL_BUTTON_TEXTS,
    call_keyboard,
    chosen_text,
    decode_callback,
    outgoing_messages,
)
from bot.upkeep import drop_stale_dialogs, retry_scrub
from bot.webhook import webhook_server
from flows import fonts
from flows.engine import COMMANDS as ENGINE_COMMANDS
from flows.engine import Engine, typed_command
from flows.port import Inbound, Reply, Response
from flows.reminders import Delivery
from flows.store import (
    TELEGRAM,
    DatabaseFileGone,
    DatabaseInUse,
    Store,
    in_use,
    open_database,
    utc_now,
)
from flows.texts import DEFAULT_LANGUAGE, LANGUAGES, Texts, pick_language

log = logging.getLogger(__name__)

# The command menu starts in this order; any other engine command follows once the catalog
# has a description for it (key cmd.<name>).
MENU_ORDER = (
    "start",
    "call",
    "after",
    "who",
    "cases",
    "cancel",
    "help",
    "language",
    "case",
    "brokers",
    "find",
    "stats",
    "reminders",
    "settings",
    "export",
    "forget",
)
ALLOWED_UPDATES = (Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY)
# Retries after a 429 "Too Many Requests" (AIORateLimiter waits retry_after each time).
MAX_RETRIES = 3
# The replies to a step already saved: tries per message when Telegram fails for a moment
# (a 502, a 429 past the limiter's retries), the wait before the second (doubling), and the
# longest 429 wait honoured before the bot says what was saved instead.
SEND_ATTEMPTS = 3
SEND_BACKOFF = 1.0
MAX_RETRY_AFTER = 60.0
# Bot API requests in flight at once, each with a connection of its own (getUpdates has a
# request object of its own). See BoundedRequest: 32 is ~128 requests/s at the ~250 ms round
# trip from Japan to Telegram's servers, ~1.8 times the ~70 requests/s that steps make at
# Telegram's 30 messages/s.
MAX_REQUESTS_IN_FLIGHT = 32
# Group chats remembered as already told "private only"; forgotten past this many.
MAX_WARNED_CHATS = 10_000
# Message kinds the engine hears about as an attachment (the caption is not used), in the
# order they are looked for: "animation" before "document" (a GIF message sets both),
# "venue" before "location". The inbox stores each as a stub (bot.inbox).
ATTACHMENT_KINDS = tuple(ATTACHMENT_STUBS)
# Loggers whose records can contain the bot token (in a URL).
_URL_LOGGERS = ("telegram", "telegram.Bot", "telegram.ext.ExtBot", "httpx", "httpcore")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Telegram's 400 for a chat that no longer exists (a deleted account).
_CHAT_NOT_FOUND = "chat not found"

NO_TOKEN_MESSAGE = (
    "kotowari: no Telegram bot token. Create a bot with @BotFather in Telegram, put its token "
    "in .env as TELEGRAM_BOT_TOKEN=..., and run `kotowari run` again "
    "(`kotowari shell` works without a token)."
)


@dataclass
class BotData:
    """What the application keeps between updates (``context.bot_data``)."""

    db_path: Path | None = None
    clock: Callable[[], datetime] = utc_now
    engine: Engine | None = None
    reminder_batch: int = 25
    reminder_period: float = 30.0
    # Long polling: the request object getUpdates goes through (the bot's own, for
    # getUpdates only), and how long 409 Conflicts are retried.
    updates_request: BaseRequest | None = None
    conflict_give_up: float = CONFLICT_GIVE_UP
    # Waits between tries of a reply (tests inject one that does not sleep).
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    locks: weakref.WeakValueDictionary[int, asyncio.Lock] = field(
        default_factory=weakref.WeakValueDictionary
    )
    warned_chats: set[int] = field(default_factory=set)
    # Reminders that went out but whose "sent" could not be written yet (see _deliver).
    owed_sent: set[int] = field(default_factory=set)
    # Under Litestream, which does the checkpoints (bot.replication).
    replicating: bool = False
    # Set by serve_polling / serve_webhook: stops the bot (signals, or a fatal problem).
    stop: asyncio.Event | None = None
    # Why the bot stopped itself (the database file gone): run_bot exits non-zero.
    fatal: str | None = None

    def lock_for(self, user_id: int) -> asyncio.Lock:
        # A lock lives as long as someone holds or waits for it: the dict cannot grow forever.
        lock = self.locks.get(user_id)
        if lock is None:
            lock = self.locks[user_id] = asyncio.Lock()
        return lock


class KotowariContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The callback context with a typed ``bot_data`` and the engine."""

    @property
    def engine(self) -> Engine:
        engine = self.bot_data.engine
        if engine is None:
            raise RuntimeError("the database is not open (post_init has not run)")
        return engine


CONTEXT_TYPES = ContextTypes(context=KotowariContext, bot_data=BotData)
KotowariApp = Application[
    ExtBot[None], KotowariContext, dict[Any, Any], dict[Any, Any], BotData, Any
]


# -- building and running -------------------------------------------------------------
def build_application(
    settings: Settings,
    db_path: str | Path,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> KotowariApp:
    """The bot's Application; the database opens in post_init and closes in post_shutdown."""
    if not settings.telegram_token:
        raise ValueError("a Telegram bot token is required")
    redact_library_logs(settings.telegram_token)
    builder = (
        Application.builder()
        .token(settings.telegram_token)
        .base_url(settings.api_base_url)
        .context_types(CONTEXT_TYPES)
        .concurrent_updates(True)
        .rate_limiter(rate_limiter or _rate_limiter(settings))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    # python-telegram-bot's own request, with the requests in flight bounded and a
    # connection pool per request in flight (see BoundedRequest).
    builder = builder.request(request or BoundedRequest())
    # Built here (as the builder would) so that the poller can call getUpdates through it.
    updates_request = get_updates_request or HTTPXRequest(connection_pool_size=1)
    builder = builder.get_updates_request(updates_request)
    app: KotowariApp = builder.build()
    app.bot_data.updates_request = updates_request
    app.bot_data.conflict_give_up = settings.conflict_give_up
    app.bot_data.db_path = Path(db_path)
    app.bot_data.clock = clock
    app.bot_data.reminder_batch = settings.reminder_batch
    app.bot_data.reminder_period = settings.reminder_period
    app.bot_data.replicating = settings.replicating
    private = filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE
    others = filters.UpdateType.MESSAGE & ~filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(private, on_private_message))
    app.add_handler(MessageHandler(others, on_other_chat))
    edited = filters.UpdateType.EDITED_MESSAGE & filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(edited, on_edited_message))
    app.add_handler(CallbackQueryHandler(on_callback))
    app.add_error_handler(on_error)
    return app


class BoundedRequest(BaseRequest):
    """python-telegram-bot's request with at most ``in_flight`` Bot API requests at once,
    each in a slot of its own: an ``HTTPXRequest`` whose pool holds one connection.

    httpcore's connection pool does work for every connection it holds on each request and
    on each response (a readability poll of each idle socket, and a count of the whole pool
    for each idle connection: quadratic). Over loopback at 20 users, one pool of 16
    connections cost 4.7–5.1 ms of CPU per update against 2.5–2.8 ms with a pool per slot;
    one unbounded pool (the builder's 256) cost 9–13 ms at 200 users (BENCHMARKS.md,
    2026-12-02 evening and 2026-12-03 morning). A request takes the lowest free slot, so a
    quiet bot keeps reusing the first slot's connection; when every slot is busy the next
    request waits on a semaphore (cheap, no timeout), in order. The slots share one TLS
    context: loading the certificates costs ~20 ms per context.
    """

    def __init__(self, in_flight: int = MAX_REQUESTS_IN_FLIGHT, **kwargs: Any) -> None:
        if in_flight < 1:
            raise ValueError("in_flight must be at least 1")
        httpx_kwargs = dict(kwargs.pop("httpx_kwargs", None) or {})
        httpx_kwargs.setdefault("verify", httpx.create_ssl_context())
        self.in_flight = in_flight
        self.slots = [
            HTTPXRequest(connection_pool_size=1, httpx_kwargs=httpx_kwargs, **kwargs)
            for _ in range(in_flight)
        ]
        self._busy = [False] * in_flight
        self._waiting: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = None

    @property
    def read_timeout(self) -> float | None:
        return self.slots[0].read_timeout

    async def initialize(self) -> None:
        for slot in self.slots:
            await slot.initialize()

    async def shutdown(self) -> None:
        for slot in self.slots:
            await slot.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        loop = asyncio.get_running_loop()
        if self._waiting is None or self._waiting[0] is not loop:
            # A new event loop (tests run several): nothing of the old one is in flight.
            self._waiting = (loop, asyncio.Semaphore(self.in_flight))
            self._busy = [False] * self.in_flight
        async with self._waiting[1]:
            index = self._busy.index(False)
            self._busy[index] = True
            try:
                return await self.slots[index].do_request(
                    url,
                    method,
                    request_data,
                    read_timeout=read_timeout,
                    write_timeout=write_timeout,
                    connect_timeout=connect_timeout,
                    pool_timeout=pool_timeout,
                )
            finally:
                self._busy[index] = False


def _rate_limiter(settings: Settings) -> AIORateLimiter:
    """Telegram's limits (30 messages/s overall, 20/min per group) and 429 retries; the caps
    can be lifted for a benchmark against a fake Bot API (KOTOWARI_RATE_LIMIT_CAPS=off)."""
    if settings.rate_limit_caps:
        return AIORateLimiter(max_retries=MAX_RETRIES)
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=MAX_RETRIES)


def redact_library_logs(token: str) -> None:
    """Mask the token in records of the libraries that log URLs (PTB's Bot logs its API URL
    at DEBUG; httpx logs request URLs at INFO), whatever handler ends up receiving them.

    bot.logs masks it on our own handler; this also covers handlers added by others (e.g.
    pytest's caplog). Filters on a logger apply to its own records only, hence the loop.
    """
    names = set(_URL_LOGGERS) | {
        name for name in logging.root.manager.loggerDict if name.startswith(_URL_LOGGERS)
    }
    for name in sorted(names):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) and token in f.secrets for f in logger.filters):
            logger.addFilter(RedactingFilter([token]))


def webhook_problem(settings: Settings) -> str | None:
    """Why the webhook settings cannot work, or None."""
    url = urlsplit(settings.webhook_url or "")
    if url.scheme != "https" or not url.hostname:
        return "WEBHOOK_URL must be an https:// address (Telegram only calls HTTPS webhooks)."
    if not settings.webhook_secret:
        return (
            "WEBHOOK_SECRET is required when WEBHOOK_URL is set (1-256 characters: "
            "letters, digits, _ and -); Telegram sends it with every update."
        )
    if not _SECRET_TOKEN.fullmatch(settings.webhook_secret):
        return "WEBHOOK_SECRET may only use letters, digits, _ and - (at most 256 characters)."
    return None


def run_bot(settings: Settings, db_path: Path) -> int:
    """``kotowari run``: long polling, or a webhook server when WEBHOOK_URL is set."""
    if not settings.telegram_token:
        print(NO_TOKEN_MESSAGE, file=sys.stderr)
        return 2
    if settings.webhook_url and (problem := webhook_problem(settings)):
        print(f"kotowari: {problem}", file=sys.stderr)
        return 2
    try:
        # Fail here, with a clear line, rather than after connecting to Telegram.
        open_database(db_path).close()
    except (OSError, sqlite3.Error) as error:
        print(f"kotowari: cannot open the database {db_path}: {error}", file=sys.stderr)
        return 1
    redact = RedactingFilter([settings.telegram_token]).redact
    app = build_application(settings, db_path)
    # Off the event loop and in parallel with start-up: the font's character map (the
    # first letter reads it in its step) and the process that makes letters and charts.
    threading.Thread(target=fonts.warm_font, name="kotowari-font", daemon=True).start()
    if settings.file_maker == "process":
        FILES.start_process()
    try:
        with in_use(db_path):  # kotowari restore refuses while this runs
            if settings.webhook_url:
                log.info(
                    "starting (webhook on %s:%d)", settings.webhook_listen, settings.webhook_port
                )
                asyncio.run(serve_webhook(app, settings))
            else:
                log.info("starting (long polling)")
                asyncio.run(serve_polling(app))
    except DatabaseInUse as error:
        print(f"kotowari: {error}", file=sys.stderr)
        return 1
    except DatabaseFileGone as error:  # found while storing fetched updates
        log.error("%s; stopped: restore it (kotowari restore) and start again", error)
        return 1
    except InvalidToken:
        print(
            "kotowari: Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather.",
            file=sys.stderr,
        )
        return 1
    except Conflict:
        print(
            "kotowari: another process kept polling with this bot's token for "
            f"{settings.conflict_give_up:.0f} s (KOTOWARI_CONFLICT_GIVE_UP); stop it, or "
            "the webhook that uses it, and start again.",
            file=sys.stderr,
        )
        return 1
    except (TelegramError, OSError) as error:
        print(f"kotowari: could not start the bot: {redact(str(error))}", file=sys.stderr)
        return 1
    finally:
        FILES.stop_process()
    if app.bot_data.fatal:
        return 1  # a supervisor restarts it; the start-up checks then say what to do
    return 0


def stop_fatally(app: Application[Any, Any, Any, Any, BotData, Any], reason: str) -> None:
    """A problem no update can get past (the database file deleted or replaced): log it,
    take no more updates, and stop, so that ``run_bot`` exits non-zero."""
    data = app.bot_data
    if data.fatal is None:
        log.error(
            "stopping: %s. Updates are no longer accepted (Telegram keeps those not yet "
            "confirmed). Put the database back (kotowari restore BACKUP or "
            "kotowari restore --from-replica URL) before starting again.",
            reason,
        )
    data.fatal = data.fatal or reason
    if data.stop is not None:
        data.stop.set()


def _stop_on_signals(stop: asyncio.Event | None) -> asyncio.Event:
    """``stop``, or a new event, set by SIGINT/SIGTERM."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    return stop


@contextlib.asynccontextmanager
async def _serving(app: KotowariApp) -> AsyncIterator[None]:
    """The application initialised, its database open and its jobs running, for the block;
    then stopped and the database closed, whatever happens."""
    async with app:
        try:
            await _post_init(app)
            await app.start()
            yield
        finally:
            if app.running:
                await app.stop()
            await _post_shutdown(app)


def _describer(*secrets: str | None) -> Callable[[BaseException], str]:
    """``describe_error`` with these secrets (and anything shaped like a token) masked."""
    redact = RedactingFilter(secrets).redact
    return lambda error: describe_error(error, redact)


async def serve_webhook(
    app: KotowariApp, settings: Settings, stop: asyncio.Event | None = None
) -> None:
    """Run the bot as a webhook server until SIGINT/SIGTERM (or ``stop`` is set).

    Each update is answered after it was processed (``bot.webhook``), so a crash never loses
    one; the webhook is registered with Telegram with the secret it must send.
    """
    stop = app.bot_data.stop = _stop_on_signals(stop)
    url = settings.webhook_url or ""
    async with (
        _serving(app),
        webhook_server(
            app,
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            path=urlsplit(url).path,
            secret=settings.webhook_secret or "",
            describe=_describer(app.bot.token, settings.webhook_secret),
        ),
    ):
        # Registered once the server listens: Telegram may call at once.
        await app.bot.set_webhook(
            url, secret_token=settings.webhook_secret, allowed_updates=list(ALLOWED_UPDATES)
        )
        await stop.wait()


async def serve_polling(app: KotowariApp, stop: asyncio.Event | None = None) -> None:
    """Run the bot by long polling until SIGINT/SIGTERM (or ``stop`` is set).

    ``bot.polling`` and ``bot.inbox``: an update is stored, then confirmed to Telegram, then
    processed (per user in order); what an earlier run left stored is processed first.
    """
    stop = app.bot_data.stop = _stop_on_signals(stop)
    data = app.bot_data
    async with _serving(app):
        if data.engine is None or data.updates_request is None:
            raise RuntimeError("the application was not built by build_application")
        await app.bot.delete_webhook()
        inbox = Inbox(
            app, data.engine.storage, describe=_describer(app.bot.token), sleep=data.sleep
        )
        inbox.resume()
        poller = Poller(
            app,
            data.updates_request,
            inbox,
            ALLOWED_UPDATES,
            conflict_give_up=data.conflict_give_up,
        )
        try:
            await poller.serve(stop)
        finally:
            await inbox.drain()


async def _post_init(app: KotowariApp) -> None:
    data = app.bot_data
    if data.db_path is None:
        raise RuntimeError("no database path")
    # Never a checkpoint inside a user's commit: the reminder job makes them (checkpoint_wal),
    # or Litestream does under it. (No JobQueue, which the installed extras always bring:
    # SQLite's automatic ones, rather than a log that grows for ever.)
    autocheckpoint = app.job_queue is None and not data.replicating
    db = open_database(data.db_path, autocheckpoint=autocheckpoint, shrink_wal=not data.replicating)
    data.engine = Engine(Store(db, clock=data.clock))
    FILES.after_each = partial(retry_scrub, data.engine.storage, replicating=data.replicating)
    await register_commands(app.bot)
    if app.job_queue is not None:
        # Reminders live in SQLite; this loop only finds the due ones, so nothing is lost
        # across restarts and start-up does not grow with the number stored.
        app.job_queue.run_repeating(
            reminder_job, interval=data.reminder_period, first=0, name="reminders"
        )
        # Its own job: a long reminder round (100k due) must not hold back the checkpoints
        # (the scheduler skips a job's ticks while it still runs).
        app.job_queue.run_repeating(
            checkpoint_job,
            interval=min(CHECKPOINT_PERIOD, data.reminder_period),
            first=CHECKPOINT_PERIOD,
            name="checkpoint",
        )
    # What start-up made (modules, phone-number metadata, the library) stays for the life
    # of the process: out of the collector's sight, a full collection takes ~7 ms instead of
    # 40-60 ms, which it spent on the event loop (in the middle of someone's step).
    gc.collect()
    gc.freeze()


async def _post_shutdown(app: KotowariApp) -> None:
    engine, app.bot_data.engine = app.bot_data.engine, None
    FILES.after_each = None
    if engine is not None:
        settle_owed_marks(engine, app.bot_data.owed_sent)
        engine.storage.close()


def menu_commands() -> list[str]:
    """The commands in the menu: every engine command described in both catalogs."""
    names = [*MENU_ORDER, *(name for name in ENGINE_COMMANDS if name not in MENU_ORDER)]
    return [name for name in names if all(Texts(lang).has(f"cmd.{name}") for lang in LANGUAGES)]


async def register_commands(bot: ExtBot[None]) -> None:
    """The command menu: Japanese by default, and per language for ja and en clients."""
    for language_code in (None, *LANGUAGES):
        texts = Texts(language_code or DEFAULT_LANGUAGE)
        commands = [BotCommand(name, texts(f"cmd.{name}")) for name in menu_commands()]
        try:
            await bot.set_my_commands(commands, language_code=language_code)
        except TelegramError as error:
            # The menu is a convenience; the commands work without it.
            log.warning("could not register the command menu: %s", error.message)


# -- updates ------------------------------------------------------------------------
def inbound_from_message(
    message: Message, user: TelegramUser, update_id: int | None = None
) -> Inbound | None:
    """What a private message means to the engine, or None for a service message."""
    hint = user.language_code
    if message.text is not None:
        text = "/call" if message.text.strip() in CALL_BUTTON_TEXTS else message.text
        return Inbound(user.id, text=text, lang_hint=hint, update_id=update_id)
    if message.contact is not None:
        return Inbound(
            user.id,
            contact_phone=message.contact.phone_number,
            lang_hint=hint,
            update_id=update_id,
        )
    for kind in ATTACHMENT_KINDS:
        if getattr(message, kind, None):
            return Inbound(user.id, attachment=kind, lang_hint=hint, update_id=update_id)
    return None


def user_texts(engine: Engine, user: TelegramUser) -> Texts:
    """The catalog in the user's chosen language (Telegram's guess for a new user)."""
    row = engine.user_view(user.id)
    return Texts(row.language if row else pick_language(user.language_code))


def chat_replies(response: Response, texts: Texts) -> tuple[Reply, ...]:
    """The engine's replies, and after an erasure what only Telegram keeps: the chat."""
    if response.erased:
        return (*response.replies, Reply(texts("forgotten_chat_history")))
    return response.replies


def response_texts(response: Response, engine: Engine, user: TelegramUser) -> Texts:
    """The catalog the engine answered in (no second look-up), else the stored choice."""
    return Texts(response.language) if response.language else user_texts(engine, user)


async def send_replies(
    bot: ExtBot[None],
    chat_id: int,
    replies: Sequence[Reply],
    texts: Texts,
    persistent_keyboard: bool = False,
    retry_sleep: Callable[[float], Awaitable[None]] | None = None,
) -> None:
    """Send the replies in order. With ``retry_sleep``, each message is tried again when
    Telegram fails for a moment (``_retrying``); without, the first failure raises."""
    messages = outgoing_messages(
        replies,
        persistent_keyboard=call_keyboard(texts) if persistent_keyboard else None,
        options_prompt=options_prompt(texts),
    )
    for message in messages:
        attachment = message.attachment
        if attachment is None:
            await _retrying(
                partial(
                    bot.send_message,
                    chat_id,
                    message.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=message.markup,
                ),
                retry_sleep,
            )
            continue
        try:
            content = await file_bytes(attachment)
        except Exception as error:  # a bug in making a PDF or chart must not stop the rest
            log.error("could not make a file: %s", _describer(bot.token)(error))
            notice = texts("file_failed", filename=attachment.filename)
            await bot.send_message(chat_id, html.escape(notice, quote=False))
            continue
        caption = message.text or None
        send = bot.send_photo if attachment.kind == "photo" else bot.send_document
        file = InputFile(content, filename=attachment.filename)
        await _retrying(
            partial(send, chat_id, file, caption=caption, parse_mode=ParseMode.HTML),
            retry_sleep,
        )


async def _retrying(
    send: Callable[[], Awaitable[object]],
    sleep: Callable[[float], Awaitable[None]] | None,
) -> None:
    """``send()``, tried again (with ``sleep`` between) while Telegram fails for a moment: a
    network error or 5xx, a 429 past the rate limiter's own retries.

    A timed-out send is not tried again: Telegram has most likely received it (a duplicate
    would be worse; if it was lost, the user sends their answer again and the engine knows
    it, see ``Engine._repeated_answer``). A 400 or 403 is never tried again.
    """
    delay = SEND_BACKOFF
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            await send()
            return
        except TimedOut as error:
            if sleep is None:
                raise
            if not _never_sent(error):
                log.warning("a reply timed out; taken as delivered")
                return
            if attempt == SEND_ATTEMPTS:
                raise
            # No connection was made (a connect or pool timeout): it was not sent at all.
            log.warning("a reply could not be sent (no connection); sending again in %.0f s", delay)
            await sleep(delay)
            delay *= 2
        except RetryAfter as error:
            wait = _seconds(error.retry_after)
            if sleep is None or attempt == SEND_ATTEMPTS or wait > MAX_RETRY_AFTER:
                raise
            log.warning("a reply hit Telegram's rate limit; sending again in %.0f s", wait)
            await sleep(wait)
        except NetworkError as error:
            if sleep is None or isinstance(error, BadRequest) or attempt == SEND_ATTEMPTS:
                raise  # BadRequest is a NetworkError in python-telegram-bot
            log.warning("a reply failed (%s); sending again in %.0f s", type(error).__name__, delay)
            await sleep(delay)
            delay *= 2


def _never_sent(error: TimedOut) -> bool:
    """Whether a timeout came before the request left (connecting, or waiting for one of the
    connection pool's connections): then the message was certainly not sent."""
    return isinstance(error.__cause__, (httpx.ConnectTimeout, httpx.PoolTimeout))


def _seconds(value: object) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)  # type: ignore[arg-type]


async def deliver(
    context: KotowariContext,
    chat_id: int,
    response: Response,
    texts: Texts,
    *,
    persistent_keyboard: bool,
    show_again: Callable[[], Response] | None,
) -> None:
    """Send the replies of a step the engine has already saved.

    Failures that may pass are tried again (``_retrying``). If the replies still cannot be
    sent, the user is told that what they sent is saved, and the current step is shown
    again (``show_again``: the same update once more, which the engine recognises as applied
    and answers with where the user is, changing nothing). Never "try again": that would
    store the same answer in the next field. A user who blocked the bot (403) goes to
    ``on_error``.
    """
    sleep = context.bot_data.sleep
    try:
        await send_replies(
            context.bot,
            chat_id,
            chat_replies(response, texts),
            texts,
            persistent_keyboard=persistent_keyboard,
            retry_sleep=sleep,
        )
        return
    except Forbidden:
        raise
    except TelegramError as error:
        log.warning("the replies to a saved step were not sent (%s)", type(error).__name__)
    current = show_again().replies if show_again is not None else ()
    try:
        await send_replies(
            context.bot,
            chat_id,
            (Reply(texts("send_failed_saved")), *current),
            texts,
            retry_sleep=sleep,
        )
    except Forbidden:
        raise
    except TelegramError as error:
        log.warning("could not say that the step was saved (%s)", type(error).__name__)


def options_prompt(texts: Texts) -> str:
    """The text above inline options split off from the /start message."""
    return texts("keyboard.options_prompt")


def _is_start(text: str | None) -> bool:
    """Whether the text is /start (with or without a payload), as the engine reads it."""
    typed = typed_command(text) if text is not None else None
    return isinstance(typed, tuple) and typed[0] == "start"


async def on_private_message(update: Update, context: KotowariContext) -> None:
    """A message in a private chat: one Inbound to the engine, its replies back."""
    message, user = update.message, update.effective_user
    if message is None or user is None or user.is_bot:
        return
    inbound = inbound_from_message(message, user, update.update_id)
    if inbound is None:
        return
    engine = context.engine
    async with context.bot_data.lock_for(user.id):
        response = handle(engine, inbound)
        texts = response_texts(response, engine, user)
        await deliver(
            context,
            message.chat_id,
            response,
            texts,
            persistent_keyboard=response.language_changed or _is_start(inbound.text),
            show_again=_show_again(engine, inbound),
        )


async def on_edited_message(update: Update, context: KotowariContext) -> None:
    """An edit in a private chat: not read (the message was taken as first sent, perhaps
    as a step's answer); the person is told how to correct a record. Nothing is stored."""
    message, user = update.edited_message, update.effective_user
    if message is None or user is None or user.is_bot:
        return
    if message.location is not None:
        return  # a live location's every move comes as an edit: not answered each time
    async with context.bot_data.lock_for(user.id):
        texts = user_texts(context.engine, user)
        await send_text(context, message.chat_id, texts("edit_not_read"))


def handle(engine: Engine, inbound: Inbound) -> Response:
    """The engine's step for an update; a stored one (the inbox) is settled in the step's
    own transaction, and the inbox learns whether it was (else it tries again)."""
    receipt = current_receipt()
    if receipt is None:
        return engine.handle(inbound)
    if receipt.entry_id is None:  # a webhook's update: Telegram sends it again on an error
        response = engine.handle(replace(inbound, retried=True))
    else:
        response = engine.handle(replace(inbound, receipt=receipt.entry_id))
    receipt.stored = response.stored
    return response


def _show_again(engine: Engine, inbound: Inbound) -> Callable[[], Response] | None:
    """The engine's answer to this update handled once more: recognised as applied, it
    shows the current step and changes nothing. Only with an update id (else it would be
    applied again)."""
    if inbound.update_id is None:
        return None
    # Retried: if the database is busy now, nothing is said of it (the step is saved), not
    # the 「保存できませんでした」 of a message that was not.
    return lambda: engine.handle(replace(inbound, retried=True))


async def on_other_chat(update: Update, context: KotowariContext) -> None:
    """A group or supergroup: say once that the bot works in private chats; store nothing."""
    message, chat = update.message, update.effective_chat
    if message is None or chat is None:
        return
    warned = context.bot_data.warned_chats
    if chat.id in warned:
        return
    if len(warned) >= MAX_WARNED_CHATS:
        warned.clear()
    warned.add(chat.id)
    language = pick_language(message.from_user.language_code if message.from_user else None)
    await send_text(context, chat.id, Texts(language)("private_only"))


async def on_callback(update: Update, context: KotowariContext) -> None:
    """A button press: answered exactly once, whatever happens."""
    query = update.callback_query
    if query is None:
        return
    answered = False

    async def answer(text: str | None = None) -> None:
        nonlocal answered
        if not answered:
            answered = True
            try:
                await query.answer(text, show_alert=False)
            except BadRequest as error:
                # "Query is too old": a press handled late (a backlog after a restart, or
                # delivered again after a crash). The step is saved; its replies still go.
                log.debug("could not answer a button press: %s", error.message)
            except (NetworkError, RetryAfter) as error:
                # Only the button's spinner is affected: the step is saved, its replies go.
                log.warning("could not answer a button press (%s)", type(error).__name__)

    try:
        user, message = query.from_user, query.message
        token = decode_callback(query.data)
        if message is None or message.chat.type != ChatType.PRIVATE:
            await answer(Texts(pick_language(user.language_code))("private_only"))
            return
        engine = context.engine
        if token is None:
            # Not made by this bot (or by an older format): the engine never sees it.
            await answer(user_texts(engine, user)("bad_button"))
            return
        async with context.bot_data.lock_for(user.id):
            inbound = Inbound(
                user.id, choice=token, lang_hint=user.language_code, update_id=update.update_id
            )
            response = handle(engine, inbound)
            if not response.replies:
                await answer(response.notice)
                return
            await answer()
            texts = response_texts(response, engine, user)
            if response.chosen is not None:
                await mark_chosen(context, message, response.chosen, texts)
            await deliver(
                context,
                message.chat.id,
                response,
                texts,
                persistent_keyboard=response.language_changed,
                show_again=_show_again(engine, inbound),
            )
    finally:
        if not answered:
            with contextlib.suppress(TelegramError):
                await query.answer()


async def mark_chosen(context: KotowariContext, message: object, label: str, texts: Texts) -> None:
    """Show the choice under the pressed message and remove its keyboard."""
    if not isinstance(message, Message):
        return  # inaccessible (older than 48 hours): it cannot be edited
    original = message.text_html if message.text else ""
    text = chosen_text(original, label, texts)
    try:
        if text is None:
            await context.bot.edit_message_reply_markup(message.chat.id, message.message_id)
        else:
            await context.bot.edit_message_text(
                text, message.chat.id, message.message_id, parse_mode=ParseMode.HTML
            )
    except BadRequest as error:
        # E.g. already edited by a double tap; the replies still go out.
        log.debug("could not mark the pressed message: %s", error.message)
    except (NetworkError, RetryAfter) as error:
        log.warning("could not mark the pressed message (%s)", type(error).__name__)


# -- reminders ----------------------------------------------------------------------
# Seconds between the bot's checkpoints of the write-ahead log (at most; the reminder period
# if it is shorter).
CHECKPOINT_PERIOD = 30.0


async def reminder_job(context: KotowariContext) -> None:
    """The JobQueue's periodic call: check the database file is still there, finish an
    erasure still in the write-ahead log, send what is due."""
    app: KotowariApp = context.application  # type: ignore[assignment]
    engine = context.bot_data.engine
    if engine is None:
        return
    try:
        engine.storage.check_file()
    except DatabaseFileGone as error:
        stop_fatally(app, str(error))
        return
    retry_scrub(engine.storage, replicating=context.bot_data.replicating)
    drop_stale_dialogs(engine.storage)
    flush_handled(engine.storage)
    await dispatch_reminders(app, context.bot_data.reminder_batch)


async def checkpoint_job(context: KotowariContext) -> None:
    """The JobQueue's other periodic call: the write-ahead log's checkpoint."""
    await checkpoint_wal(context.bot_data)


async def checkpoint_wal(data: BotData) -> None:
    """The bot's checkpoint (``bot.upkeep.checkpoint_wal``), on the reminder job's timer and
    every ``CHECKPOINT_EVERY_SENT`` reminders of a round; none under Litestream."""
    if data.db_path is not None:
        await upkeep.checkpoint_wal(data.db_path, data.replicating)


async def dispatch_reminders(app: KotowariApp, batch: int) -> int:
    """Send every due reminder, a batch at a time (``bot.rounds.ReminderRound``: marked sent
    once Telegram accepted it, marks the database cannot take now kept for a later round);
    returns how many were sent. A failure that may pass is retried later with backoff; a
    user who blocked the bot gets nothing more until they write again.
    """
    data = app.bot_data
    engine = data.engine
    if engine is None:
        return 0
    this_round = ReminderRound(engine, TELEGRAM, data.owed_sent, partial(checkpoint_wal, data))
    return await this_round.run(batch, partial(_deliver, app, engine))


async def _deliver(app: KotowariApp, engine: Engine, delivery: Delivery) -> Sent:
    """Send one reminder. ``sqlite3.Error`` before sending: not sent."""
    async with app.bot_data.lock_for(delivery.user_id):
        # The batch was found before this lock: since then the user may have cancelled
        # this reminder, erased their data or blocked the bot.
        if not engine.still_due(delivery.reminder_id):
            return Sent.NO
        try:
            await send_replies(
                app.bot, delivery.user_id, [delivery.reply], Texts(delivery.language)
            )
        except Forbidden:
            engine.user_unreachable(delivery.user_id)
            return Sent.NO
        except TelegramError as error:
            if isinstance(error, BadRequest) and _CHAT_NOT_FOUND in error.message.lower():
                # The account is gone: like a block, nothing more until they write.
                engine.user_unreachable(delivery.user_id)
                return Sent.NO
            # NetworkError, TimedOut, RetryAfter past the limiter's retries …
            log.warning("reminder not sent (%s); will retry", type(error).__name__)
            engine.reminder_failed(delivery.reminder_id, type(error).__name__)
            return Sent.NO
        return Sent.YES  # marked by the round before anything else runs on the loop


# -- errors -------------------------------------------------------------------------
def describe_error(error: BaseException, redact: Callable[[str], str]) -> str:
    """``bot.logs.describe_error``, with Telegram's own messages kept (they quote no user)."""
    return logs.describe_error(error, redact, safe=(TelegramError,))


async def on_error(update: object, context: KotowariContext) -> None:
    """Log without personal data or the token; tell the user their record is intact."""
    error = context.error
    if error is None:
        return
    if isinstance(error, DatabaseFileGone):
        stop_fatally(context.application, str(error))
        return
    user = update.effective_user if isinstance(update, Update) else None
    chat = update.effective_chat if isinstance(update, Update) else None
    private = user is not None and chat is not None and chat.type == ChatType.PRIVATE
    engine = context.bot_data.engine
    if isinstance(error, Forbidden) and private and user is not None:
        # The user blocked the bot. The engine marks them active again when they return.
        if engine is not None:
            engine.user_unreachable(user.id)
        log.info("a user has blocked the bot; marked inactive")
        return
    redact = RedactingFilter([context.bot.token]).redact
    log.error("error while handling an update: %s", describe_error(error, redact))
    if not private or user is None or chat is None:
        return
    try:
        texts = user_texts(engine, user) if engine else Texts(pick_language(user.language_code))
    except sqlite3.Error:
        texts = Texts(pick_language(user.language_code))
    try:
        await send_text(context, chat.id, texts("error_generic"))
    except TelegramError as send_error:
        log.warning("could not tell the user about the error: %s", redact(send_error.message))


async def send_text(context: KotowariContext, chat_id: int, text: str) -> None:
    await context.bot.send_message(
        chat_id, html.escape(text, quote=False), parse_mode=ParseMode.HTML
    )
