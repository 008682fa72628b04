"""The engine's plain replies as LINE messages: plain text, quick replies, postback data.

The only module that turns ``flows.port`` objects into LINE Messaging API models. LINE has
no markup: the line to read aloud is marked with 🗣 and put on lines of its own, the note
follows after a blank line.

- **Postback data** is ``"k1:" + option token`` (the format Telegram's callback data has:
  the prefix versions it). Anything else (an older format, something hand-made) is refused
  before the engine sees it; the engine then checks that the token belongs to the user's
  current step. At most 300 characters (LINE's limit; tokens are at most 61).
- **Options** become quick-reply postback buttons on the last message of a reply: at most
  13, each label at most 20 characters. A label too long is shortened: by its catalog's
  ``line.opt.*`` short label (matched against the full label's template, so a date in it
  is kept, written short), else cut with "…". ``displayText`` is the full label, so that
  the chat reads as a log of what was chosen.
- **Messages**: one reply is one text bubble (split at 5000 characters); a request carries
  at most 5 (``pack``): short neighbouring bubbles are merged first.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass

from linebot.v3.messaging import (
    ImageMessage,
    Message,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
)

from flows.port import Option, Reply
from flows.texts import CATALOGS

POSTBACK_PREFIX = "k1:"
_POSTBACK = re.compile(r"k1:([A-Za-z0-9._-]{1,61})")
MAX_POSTBACK = 300  # LINE's limit for postback data (characters)
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
MAX_DISPLAY_TEXT = 300
MAX_TEXT = 5000  # characters in one text message (counted as UTF-16 code units here)
MAX_MESSAGES = 5  # message objects in one reply or push request
# What the "I'm on a sales call" button sends on Telegram, in every language: typed (or sent
# by a rich menu's message action) it means /call here too.
CALL_TEXTS = frozenset(catalog["keyboard.call"] for catalog in CATALOGS.values())


def encode_postback(token: str) -> str:
    """An option token as postback data; a token that does not fit is a programming error."""
    data = POSTBACK_PREFIX + token
    if not _POSTBACK.fullmatch(data) or len(data) > MAX_POSTBACK:
        raise ValueError(f"option token cannot be postback data: {token!r}")
    return data


def decode_postback(data: object) -> str | None:
    """The option token in postback data, or None for anything ``encode_postback`` did not
    make."""
    if not isinstance(data, str) or len(data) > MAX_POSTBACK:
        return None
    match = _POSTBACK.fullmatch(data)
    return match.group(1) if match else None


def shown_length(text: str) -> int:
    """A label's length as LINE may count it: UTF-16 code units (an emoji counts 2), the
    cautious reading of "20 characters"."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


# -- short labels -----------------------------------------------------------------------
_JA_WHEN = re.compile(r"\d{4}年(\d{1,2})月(\d{1,2})日\(.\)(?: (\d{1,2}:\d{2}))?")
_EN_WHEN = re.compile(r"[A-Z][a-z]{2} (\d{1,2}) ([A-Z][a-z]{2}) \d{4}(?: (\d{1,2}:\d{2}))?")


def short_when(value: str) -> str:
    """A moment as ``Texts.when`` writes it, without year and weekday: 11/30 09:00,
    30 Nov 09:00 (a quick-reply button has room for little more)."""
    value = _JA_WHEN.sub(lambda m: f"{m[1]}/{m[2]}" + (f" {m[3]}" if m[3] else ""), value)
    return _EN_WHEN.sub(lambda m: f"{m[1]} {m[2]}" + (f" {m[3]}" if m[3] else ""), value)


@dataclass(frozen=True)
class _ShortLabel:
    pattern: re.Pattern[str]
    short: str
    weight: int  # the literal part's length: the most specific template wins


def _template_pattern(template: str) -> re.Pattern[str] | None:
    parts: list[str] = []
    names: set[str] = set()
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is None:
            continue
        if not name.isidentifier() or name in names:
            return None
        names.add(name)
        parts.append(f"(?P<{name}>.*?)")
    return re.compile("".join(parts), re.DOTALL)


def _short_labels() -> dict[str, list[_ShortLabel]]:
    table: dict[str, list[_ShortLabel]] = {}
    for language, catalog in CATALOGS.items():
        found = []
        for key, short in catalog.items():
            if not key.startswith("line.opt."):
                continue
            template = catalog.get(key.removeprefix("line."))
            pattern = None if template is None else _template_pattern(template)
            if template is not None and pattern is not None:
                literal = "".join(part[0] for part in string.Formatter().parse(template))
                found.append(_ShortLabel(pattern, short, len(literal)))
        table[language] = sorted(found, key=lambda entry: -entry.weight)
    return table


SHORT_LABELS = _short_labels()


def short_label(label: str, language: str) -> str:
    """A button's label in at most ``MAX_LABEL`` characters."""
    if shown_length(label) <= MAX_LABEL:
        return label
    for entry in SHORT_LABELS.get(language, ()):
        match = entry.pattern.fullmatch(label)
        if match is None:
            continue
        values = {name: short_when(value) for name, value in match.groupdict().items()}
        short = entry.short.format(**values)
        if shown_length(short) <= MAX_LABEL:
            return short
        label = short
        break
    return _cut(label, MAX_LABEL)


def _within(text: str, limit: int) -> int:
    """How many characters of ``text`` fit in ``limit`` UTF-16 code units (``shown_length``)."""
    if len(text) <= limit // 2 or shown_length(text) <= limit:
        return len(text)
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _cut(text: str, limit: int) -> str:
    if shown_length(text) <= limit:
        return text
    return text[: _within(text, limit - 1)].rstrip() + "…"


def quick_reply(options: Sequence[Option], language: str) -> QuickReply | None:
    """The options as quick-reply postback buttons: main ones first, then navigation
    (back / skip / cancel); at most ``MAX_QUICK_REPLIES``."""
    ordered = [o for o in options if not o.secondary] + [o for o in options if o.secondary]
    items = [
        QuickReplyItem(
            action=PostbackAction(
                label=short_label(option.label, language),
                data=encode_postback(option.token),
                display_text=_cut(option.label, MAX_DISPLAY_TEXT),
            )
        )
        for option in ordered[:MAX_QUICK_REPLIES]
    ]
    return QuickReply(items=items) if items else None


# -- text --------------------------------------------------------------------------------
def plain_text(reply: Reply) -> str:
    """A reply's parts as plain text: heading, the line to read aloud (one sentence per
    line, 🗣 first), its reading and meaning for a user who does not read Japanese, note."""
    blocks: list[str] = []
    if reply.text:
        blocks.append(reply.text.strip("\n"))
    if reply.say:
        lines = [("🗣 " if index == 0 else "") + line for index, line in enumerate(reply.say_lines)]
        if reply.reading:
            lines.append(reply.reading)
        if reply.gloss:
            lines.append(f"= {reply.gloss}")
        blocks.append("\n".join(lines))
    if reply.note:
        blocks.append(reply.note.strip("\n"))
    return "\n\n".join(block for block in blocks if block)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters as LINE may count them (UTF-16
    code units, ``shown_length``: an emoji counts 2), cut between lines where it can."""
    pieces: list[str] = []
    while (end := _within(text, limit)) < len(text):
        cut = text.rfind("\n", 0, end + 1)
        if cut <= 0:
            cut = max(end, 1)  # a character wider than the limit still goes, alone
        pieces.append(text[:cut].rstrip("\n"))
        text = text[cut:].lstrip("\n")
    if text:
        pieces.append(text)
    return pieces


@dataclass(frozen=True)
class Bubble:
    """One message to send: text, or an image at an HTTPS address (``image_url``)."""

    text: str = ""
    image_url: str | None = None


def pack(bubbles: Sequence[Bubble], limit: int = MAX_MESSAGES) -> list[Bubble]:
    """At most ``limit`` bubbles: neighbouring texts merged (the shortest pair first, while
    it fits one message), then images given as their links from the last one (an image is
    never merged, and was cut: "…"); what still does not fit is cut, and says so."""
    out = list(bubbles)
    while len(out) > limit:
        best: int | None = None
        best_size = 0
        for index in range(len(out) - 1):
            a, b = out[index], out[index + 1]
            size = shown_length(a.text) + shown_length(b.text)
            if a.image_url or b.image_url or size + 2 > MAX_TEXT:
                continue
            if best is None or size < best_size:
                best, best_size = index, size
        if best is None:
            images = [index for index, bubble in enumerate(out) if bubble.image_url]
            if not images:
                break
            out[images[-1]] = Bubble(out[images[-1]].image_url or "")
            continue
        merged = Bubble(f"{out[best].text}\n\n{out[best + 1].text}")
        out[best : best + 2] = [merged]
    if len(out) > limit:
        out = [*out[: limit - 1], Bubble(_cut(out[limit - 1].text or "…", MAX_TEXT - 2) + "\n…")]
    return out


def to_messages(
    bubbles: Sequence[Bubble], options: Sequence[Option], language: str
) -> list[Message]:
    """LINE message objects for packed bubbles; the quick reply goes on the last one (LINE
    shows it only under the newest message)."""
    buttons = quick_reply(options, language)
    messages: list[Message] = []
    for index, bubble in enumerate(bubbles):
        last = index == len(bubbles) - 1
        markup = buttons if last else None
        if bubble.image_url:
            messages.append(
                ImageMessage(
                    original_content_url=bubble.image_url,
                    preview_image_url=bubble.image_url,
                    quick_reply=markup,
                )
            )
        else:
            messages.append(TextMessage(text=bubble.text, quick_reply=markup))
    return messages


def reply_options(replies: Sequence[Reply]) -> list[Option]:
    """The options offered under the last message: the last reply's that has options first,
    then earlier replies' (LINE keeps no buttons under older messages), no token twice."""
    seen: set[str] = set()
    options: list[Option] = []
    for reply in reversed(replies):
        for option in reply.options:
            if option.token not in seen:
                seen.add(option.token)
                options.append(option)
    return options
