"""Logging set-up that never writes the bot token.

The ``httpx`` logger prints request URLs, which contain the token, at INFO: it is raised to
WARNING, and a filter on every handler masks the token wherever else it might appear. Other
libraries that would log personal data are held above the level at which they do
(``LIBRARY_LEVELS``), even when the bot's own level is DEBUG.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
from collections.abc import Callable, Iterable

# A Telegram token looks like 123456789:AAH... ; mask any such string even if unknown to us.
_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")


class RedactingFilter(logging.Filter):
    """Replace secrets (and anything shaped like a bot token) in a record's final text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return _TOKEN_SHAPE.sub("[redacted]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = self.redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = self.redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(level: str, secrets: Iterable[str | None] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level if level in logging.getLevelNamesMapping() else "INFO")
    quiet_libraries()


# Libraries whose records would carry the token or personal data, and the level they are
# held to whatever KOTOWARI_LOG_LEVEL says: httpx prints request URLs (with the token) at
# INFO; python-telegram-bot logs every Bot API call with its parameters (what the user typed,
# names, numbers) and every update at DEBUG; fpdf names the characters a font lacks, taken
# from a letter's names; transitions logs every callback; tornado.access every request; the
# LINE SDK logs response bodies (profiles, messages) at DEBUG, and urllib3 request URLs.
LIBRARY_LEVELS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
    "fpdf": logging.ERROR,
    "transitions": logging.WARNING,
    "tornado.access": logging.WARNING,
    "linebot": logging.INFO,
    "urllib3": logging.WARNING,
}


# python-telegram-bot records, above those levels, that quote what Telegram sent (a batch of
# updates: other people's names and messages): the logger and how the message starts. The bot
# reads updates itself (bot.inbox), so they should not occur; if they do, the quote goes.
CONTENT_RECORDS = {
    "telegram.Bot": "Error while parsing updates",
    "telegram.ext.ExtBot": "Error while parsing updates",
    "telegram.request.BaseRequest": "Can not load invalid JSON data",
}


class WithholdContent(logging.Filter):
    """Keep a record that would quote Telegram's data, without the data."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def filter(self, record: logging.LogRecord) -> bool:
        # Also after RedactingFilter, which has formatted the message and its traceback.
        if isinstance(record.msg, str) and record.msg.startswith(self.prefix):
            record.msg, record.args = f"{self.prefix}; content withheld", None
            record.exc_info, record.exc_text = None, None
        return True


def quiet_libraries() -> None:
    for name, level in LIBRARY_LEVELS.items():
        logging.getLogger(name).setLevel(level)
    for name, prefix in CONTENT_RECORDS.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, WithholdContent) for f in logger.filters):
            logger.addFilter(WithholdContent(prefix))


def describe_error(
    error: BaseException, redact: Callable[[str], str], safe: tuple[type[BaseException], ...] = ()
) -> str:
    """The exception's type and stack, without its message unless it is of a ``safe`` type
    (a channel's API errors: their messages quote no user).

    Messages of other exceptions can quote what the user typed; frames and types cannot.
    """
    head = f"{type(error).__module__}.{type(error).__qualname__}"
    if safe and isinstance(error, safe):
        head += f": {redact(str(getattr(error, 'message', error)))}"
    lines = [head, *traceback.format_tb(error.__traceback__)]
    cause = error.__cause__ or error.__context__
    if cause is not None:
        lines.append(f"caused by {type(cause).__module__}.{type(cause).__qualname__}")
    return "\n".join(line.rstrip("\n") for line in lines)


# A line that anyone on the internet can cause (a webhook request without the secret or the
# signature, a guessed file link) is written at most once per this many seconds, per kind.
REFUSED_LOG_PERIOD = 60.0


class Throttled:
    """Log lines a stranger's requests cause, held to one per ``period`` seconds for each
    message: the first is written at once, the ones after it in the period are counted, and
    the next line written says how many there were (or ``flush``, when the server stops). A
    scanner hammering the webhook cannot fill the disk or bury the bot's own lines; a single
    refused request is still seen."""

    def __init__(
        self,
        logger: logging.Logger,
        period: float = REFUSED_LOG_PERIOD,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger, self._period, self._clock = logger, period, clock
        self._kinds: dict[tuple[int, str], tuple[float, int]] = {}  # -> (quiet until, held)

    def log(self, level: int, message: str) -> None:
        """Write ``message`` (already formatted, with no personal data) unless held back."""
        now = self._clock()
        quiet_until, held = self._kinds.get((level, message), (float("-inf"), 0))
        if now < quiet_until:
            self._kinds[(level, message)] = (quiet_until, held + 1)
            return
        if held:
            self._logger.log(level, "%s (and %d more since the last such line)", message, held)
        else:
            self._logger.log(level, "%s", message)
        self._kinds[(level, message)] = (now + self._period, 0)

    def flush(self) -> None:
        """Write the counts held back so far (a server stopping): none leaves unsaid."""
        for (level, message), (_, held) in self._kinds.items():
            if held:
                self._logger.log(level, "%s (and %d more since the last such line)", message, held)
        self._kinds.clear()

    def warning(self, message: str) -> None:
        self.log(logging.WARNING, message)

    def info(self, message: str) -> None:
        self.log(logging.INFO, message)
