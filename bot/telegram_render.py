"""The engine's plain replies as Telegram messages: HTML text, keyboards, callback data.

The only module that turns ``flows.port`` objects into Telegram types. Every string from
the engine (which may contain what the user typed) is HTML-escaped here; the only markup is
our own: the line to read aloud in bold, the note in italics.

Callback data is ``"k1:" + option token``. The prefix versions the format, so a button
from an older release (or anything hand-crafted) is recognised as not ours and refused
without reaching the engine; the engine then checks that the token belongs to the user's
current step.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram.constants import MessageLimit

from flows.port import Attachment, Option, Reply
from flows.texts import CATALOGS, Texts

CALLBACK_PREFIX = "k1:"
_CALLBACK = re.compile(r"k1:([A-Za-z0-9._-]{1,61})")
MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data
MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096, counted in UTF-16 code units
MAX_CAPTION = MessageLimit.CAPTION_LENGTH  # 1024
# What the persistent reply-keyboard button sends, in every language: it means /call.
CALL_BUTTON_TEXTS = frozenset(catalog["keyboard.call"] for catalog in CATALOGS.values())

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


def encode_callback(token: str) -> str:
    """An option token as callback data; tokens that do not fit are a programming error."""
    data = CALLBACK_PREFIX + token
    if not _CALLBACK.fullmatch(data) or len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"option token cannot be callback data: {token!r}")
    return data


def decode_callback(data: object) -> str | None:
    """The option token in callback data, or None for anything not made by encode_callback."""
    if not isinstance(data, str):
        return None
    match = _CALLBACK.fullmatch(data)
    return match.group(1) if match else None


def inline_keyboard(options: Sequence[Option]) -> InlineKeyboardMarkup | None:
    """Main options one per row; navigation (back / skip / cancel) together on the last row."""
    rows = [
        [InlineKeyboardButton(o.label, callback_data=encode_callback(o.token))]
        for o in options
        if not o.secondary
    ]
    navigation = [
        InlineKeyboardButton(o.label, callback_data=encode_callback(o.token))
        for o in options
        if o.secondary
    ]
    if navigation:
        rows.append(navigation)
    return InlineKeyboardMarkup(rows) if rows else None


def call_keyboard(texts: Texts) -> ReplyKeyboardMarkup:
    """The persistent one-tap "I'm on a sales call" button under the text field."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(texts("keyboard.call"))]], resize_keyboard=True, is_persistent=True
    )


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class _Line:
    """One line of a message: plain text, optionally wrapped in one HTML tag."""

    text: str
    tag: str | None = None
    prefix: str = ""

    def html(self) -> str:
        escaped = html.escape(self.text, quote=False)
        if self.tag and self.text:
            escaped = f"<{self.tag}>{escaped}</{self.tag}>"
        return html.escape(self.prefix, quote=False) + escaped

    def __len__(self) -> int:
        return utf16_length(self.prefix + self.text)


def _lines(reply: Reply) -> list[_Line]:
    lines = [_Line(line) for line in reply.text.splitlines()] if reply.text else []
    if reply.say:
        if lines:
            lines.append(_Line(""))
        # One sentence per line: easier to keep your place while reading it aloud.
        for index, sentence in enumerate(reply.say_lines):
            lines.append(_Line(sentence, "b", prefix="🗣 " if index == 0 else ""))
        # For a user who does not read Japanese: how to say it, and what it means.
        if reply.reading:
            lines.append(_Line(reply.reading, "i"))
        if reply.gloss:
            lines.append(_Line(reply.gloss, prefix="= "))
    if reply.note:
        if lines:
            lines.append(_Line(""))
        lines.extend(_Line(line, "i") for line in reply.note.splitlines())
    return lines


def _fit(line: _Line, limit: int) -> list[_Line]:
    """Split a single line too long for one message (never expected from the engine)."""
    pieces: list[_Line] = []
    prefix, rest = line.prefix, line.text
    while len(_Line(rest, prefix=prefix)) > limit:
        cut = limit - utf16_length(prefix)
        while utf16_length(rest[:cut]) > limit - utf16_length(prefix):
            cut -= 1
        pieces.append(_Line(rest[:cut], line.tag, prefix))
        prefix, rest = "", rest[cut:]
    pieces.append(_Line(rest, line.tag, prefix))
    return pieces


def render_html(reply: Reply, limit: int = MAX_TEXT) -> list[str]:
    """A reply as one or more HTML message texts, each at most ``limit`` long as shown."""
    lines = _lines(reply)
    shown = "\n".join(line.prefix + line.text for line in lines)
    if utf16_length(shown) <= limit:  # nearly always: one message, no splitting to work out
        text = "\n".join(line.html() for line in lines).strip("\n")
        return [text] if text else []
    chunks: list[list[_Line]] = [[]]
    size = 0
    for long_line in lines:
        for line in _fit(long_line, limit):
            length = len(line)
            if chunks[-1] and size + 1 + length > limit:
                chunks.append([])
                size = 0
            size += length + (1 if chunks[-1] else 0)
            chunks[-1].append(line)
    texts = ["\n".join(line.html() for line in chunk).strip("\n") for chunk in chunks]
    return [text for text in texts if text]


@dataclass(frozen=True)
class Outgoing:
    """One message to send: HTML text and an optional keyboard, or a file with a caption."""

    text: str
    markup: Markup | None = None
    attachment: Attachment | None = None


def outgoing_messages(
    replies: Sequence[Reply],
    *,
    persistent_keyboard: ReplyKeyboardMarkup | None = None,
    options_prompt: str,
) -> list[Outgoing]:
    """The messages for a response, in order.

    A message carries one keyboard only. When the persistent reply keyboard has to be sent
    (after /start or a language change) it goes with the first message; if that message
    also has inline options, they follow right after it on a short message of their own
    (``options_prompt``), so both keyboards arrive.
    """
    messages: list[Outgoing] = []
    prompt = html.escape(options_prompt, quote=False)
    for reply in replies:
        chunks = render_html(reply) or ([prompt] if reply.options else [])
        files = [
            Outgoing(html.escape(a.caption, quote=False)[:MAX_CAPTION], attachment=a)
            for a in reply.attachments
        ]
        if chunks:
            messages.extend(Outgoing(chunk) for chunk in chunks[:-1])
            if reply.options and files:
                # Keep the buttons under the last thing sent: the files go first.
                messages.extend(files)
                files = []
            messages.append(Outgoing(chunks[-1], inline_keyboard(reply.options)))
        messages.extend(files)
    if persistent_keyboard is not None and messages:
        first = messages[0]
        messages[0] = Outgoing(first.text, persistent_keyboard)
        if first.markup is not None:
            messages.insert(1, Outgoing(prompt, first.markup))
    return messages


def chosen_text(original_html: str, label: str, texts: Texts) -> str | None:
    """The pressed message's text with the choice appended, or None if it would not fit."""
    line = html.escape(texts("chosen", label=label), quote=False)
    text = f"{original_html}\n\n{line}" if original_html else line
    shown = html.unescape(re.sub(r"<[^>]*>", "", text))
    return text if utf16_length(shown) <= MAX_TEXT else None
