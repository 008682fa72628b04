"""Logging set-up that never writes the bot token.

The ``httpx`` logger prints request URLs, which contain the token, at INFO: it is raised to
WARNING, and a filter on every handler masks the token wherever else it might appear. Other
libraries that would log personal data are held above the level at which they do
(``LIBRARY_LEVELS``), even when the bot's own level is DEBUG.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

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
# from a letter's names; transitions logs every callback; tornado.access every request.
LIBRARY_LEVELS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
    "fpdf": logging.ERROR,
    "transitions": logging.WARNING,
    "tornado.access": logging.WARNING,
}


def quiet_libraries() -> None:
    for name, level in LIBRARY_LEVELS.items():
        logging.getLogger(name).setLevel(level)
