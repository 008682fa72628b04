"""Tests as conversations: one vocabulary for the engine, the shell and the Telegram adapter.

A step is what the user does:

- typed text, a plain ``str`` (``"/call"``, ``"みらい不動産"``, ``"skip"``);
- ``Press(label)``: the option the user sees with that label (``Press("🙅 断った")``, or
  ``Press(JA["opt.letter_broker_request"])`` where the label is long). A label given only in
  part (a reminder time's date left off) picks the one option it starts;
- ``Contact(phone)`` and ``Photo()``: a shared contact, a picture;
- ``Wait(days=3)``: the clock moves on, and the reminders then due are delivered.

``chat.run([(step, [fragment, …]), …])`` does each step and checks that every fragment is
in the answer; ``chat.walk(*steps)`` only does them (getting to a step), returning the last
answer. Each step also has its method: ``say``, ``press``, ``contact``, ``photo``, ``wait``.

Press by label, never by number or by token: labels say what the user chose and survive a
reordering of options or a renaming of tokens. A test of typing a number types the number.

Backends, one per channel:

- ``EngineChat``: the engine's port (``Inbound`` → ``Response``). Press sends the token of
  the option with that label in the last answer that showed options (a reminder delivered
  by ``deliver``/``Wait`` included), or in ``on=`` (an earlier answer: a button left on
  screen, pressed again or late). Answers are ``Response`` objects.
- ``ShellChat``: the terminal shell, as a user types into it. Press types the number the
  shell printed for that label (its numbers mean the last options shown: no ``on=``).
  Answers are the printed text. ``typed_for_shell`` gives the lines to pipe into the real
  ``kotowari shell`` for a list of steps.
- ``TelegramChat``: the Telegram adapter on a fake Bot API (async: ``await chat.say(…)``).
  Press sends the inline button's callback data. Answers are the Bot API calls made, one
  line each (``fakes.bot_api.describe``).
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.shell import Shell
from flows.engine import Engine
from flows.port import Inbound, Option, Reply, Response
from flows.reminders import Delivery


@dataclass(frozen=True)
class Press:
    """The option shown with this label (or the one label starting with it)."""

    label: str
    # An earlier answer whose button is pressed (engine and Telegram: buttons stay on
    # screen); by default the last answer's.
    on: Any = None


@dataclass(frozen=True)
class Contact:
    """A phone contact shared from the address book."""

    phone: str


@dataclass(frozen=True)
class Photo:
    """A picture (anything that is not text)."""


@dataclass(frozen=True)
class Wait:
    """Time passes (``Wait(days=3)``, ``Wait(hours=2)``); reminders then due arrive."""

    days: float = 0
    hours: float = 0
    minutes: float = 0


Step = str | Press | Contact | Photo | Wait

# The quickest walk to step 4 (/after → refused → source named → broker, company → skip the
# rest → save), shared by the engine, reminder and shell tests.
TO_STEP_4: tuple[Step, ...] = (
    "/after",
    Press("🙅 はい、断った"),
    Press("📝 言った"),
    "リスト社",
    "みらい不動産",
    "skip",
    "skip",
    "skip",
    "skip",
    Press("✅ 保存する"),
)
# A transcript: each step, and the fragments its answer must contain.
Script = Sequence[tuple[Step, Sequence[str]]]


def describe_step(step: Step) -> str:
    return repr(step) if not isinstance(step, str) else f"typed {step!r}"


def pick(options: Iterable[Option], label: str, where: str = "") -> Option:
    """The option labelled ``label``; else the only one whose label starts with it."""
    options = list(options)
    exact = {o.token: o for o in options if o.label == label}
    begun = {o.token: o for o in options if o.label.startswith(label)}
    found = exact or begun
    if len(found) != 1:
        shown = [o.label for o in options]
        problem = "several options fit" if found else "no option"
        raise AssertionError(f"{problem} {label!r}{where}; shown: {shown}")
    return next(iter(found.values()))


def fragments_in(answer: str, expected: Sequence[str], step: Step) -> None:
    """Each fragment is in the answer. A line to read aloud is printed one sentence per
    line (shell): it is matched whole too."""
    forms = (answer, answer.replace("\n     ", ""), answer.replace("\n     ", " "))
    for fragment in expected:
        assert any(fragment in form for form in forms), (
            f"after {describe_step(step)} expected {fragment!r} in:\n{answer}"
        )


# -- the engine ---------------------------------------------------------------------------
Answer = Response | list[Delivery]


def replies_of(answer: Any) -> list[Reply]:
    """The replies in an answer: a ``Response``, a ``Reply``, a ``Delivery``, or a list."""
    if isinstance(answer, Response):
        return list(answer.replies)
    if isinstance(answer, Reply):
        return [answer]
    if isinstance(answer, Delivery):
        return [answer.reply]
    if isinstance(answer, list | tuple):
        return [reply for part in answer for reply in replies_of(part)]
    raise TypeError(f"not an answer: {answer!r}")


def text_of(answer: Any) -> str:
    """An answer as one text: every reply's parts and option labels, and any notice."""
    lines: list[str] = []
    if isinstance(answer, Response) and answer.notice:
        lines.append(f"({answer.notice})")
    for reply in replies_of(answer):
        parts = (reply.text, reply.say, reply.reading, reply.gloss, reply.note)
        lines.extend(part for part in parts if part)
        lines.extend(option.label for option in reply.options)
    return "\n".join(lines)


class EngineChat:
    """One user talking to the engine through its port."""

    def __init__(self, engine: Engine, user_id: int = 1, lang: str | None = None) -> None:
        self.engine = engine
        self.user_id = user_id
        self.lang = lang
        # What Press looks at: the last answer that showed options (buttons stay on screen).
        self.last: Answer = Response()

    def send(self, **inbound: Any) -> Response:
        response = self.engine.handle(Inbound(self.user_id, lang_hint=self.lang, **inbound))
        if any(reply.options for reply in response.replies):
            self.last = response
        return response

    def say(self, text: str, update_id: int | None = None) -> Response:
        return self.send(text=text, update_id=update_id)

    def press(self, label: str, on: Any = None, update_id: int | None = None) -> Response:
        shown = self.last if on is None else on
        options = [o for reply in replies_of(shown) for o in reply.options]
        option = pick(options, label)
        return self.send(choice=option.token, update_id=update_id)

    def contact(self, phone: str) -> Response:
        return self.send(contact_phone=phone)

    def photo(self) -> Response:
        return self.send(attachment="photo")

    def deliver(self) -> list[Delivery]:
        """What the bot's dispatcher sends this user now; their buttons are then on screen."""
        deliveries = self.engine.due_deliveries(100, user_id=self.user_id)
        for delivery in deliveries:
            self.engine.reminder_sent(delivery.reminder_id)
        if deliveries:
            self.last = deliveries
        return deliveries

    def wait(self, **delta: float) -> list[Delivery]:
        self.engine.store.clock.advance(**delta)  # type: ignore[attr-defined]
        return self.deliver()

    def act(self, step: Step) -> Answer:
        if isinstance(step, str):
            return self.say(step)
        if isinstance(step, Press):
            return self.press(step.label, on=step.on)
        if isinstance(step, Contact):
            return self.contact(step.phone)
        if isinstance(step, Photo):
            return self.photo()
        return self.wait(days=step.days, hours=step.hours, minutes=step.minutes)

    def walk(self, *steps: Step) -> Answer:
        answer: Answer = Response()
        for step in steps:
            answer = self.act(step)
        return answer

    def run(self, steps: Script) -> None:
        """Each step: what the user does, and fragments the answer must contain."""
        for step, expected in steps:
            fragments_in(text_of(self.act(step)), expected, step)


# -- the shell ----------------------------------------------------------------------------
class ShellChat:
    """One user at the terminal shell (``kotowari shell``), in process."""

    def __init__(
        self,
        engine: Engine,
        user_id: int = 1,
        lang: str | None = None,
        files_dir: Path | None = None,
    ) -> None:
        self.out = io.StringIO()
        # Files (charts, letters) go to a temporary folder, never into the project.
        files_dir = files_dir or Path(tempfile.mkdtemp(prefix="kotowari-test-files-"))
        self.shell = Shell(
            engine, out=self.out, user_id=user_id, lang_hint=lang, files_dir=files_dir
        )
        self.typed: list[str] = []  # every line typed, numbers for presses included

    def printed(self, do: Any) -> str:
        start = self.out.tell()
        do()
        return self.out.getvalue()[start:]

    def say(self, line: str) -> str:
        self.typed.append(line)
        return self.printed(lambda: self.shell.feed(line))

    def said_whole(self, line: str) -> str:
        """The answer with each read-aloud line joined back into one line."""
        return self.say(line).replace("\n     ", "")

    def number_of(self, label: str) -> int:
        """The number the shell printed before this label (its options, numbered from 1)."""
        option = pick(self.shell.options, label, " on the shell's screen")
        return self.shell.options.index(option) + 1

    def press(self, label: str) -> str:
        return self.say(str(self.number_of(label)))

    def wait(self, **delta: float) -> str:
        """The clock moves on; the shell shows what is due (as after ``!advance``)."""
        self.shell.engine.store.clock.advance(**delta)  # type: ignore[attr-defined]
        return self.printed(self.shell.deliver_reminders)

    def act(self, step: Step) -> str:
        if isinstance(step, str):
            return self.say(step)
        if isinstance(step, Press):
            assert step.on is None, "the shell's numbers mean the last options shown only"
            return self.press(step.label)
        if isinstance(step, Wait):
            return self.wait(days=step.days, hours=step.hours, minutes=step.minutes)
        raise AssertionError(f"the shell cannot send {describe_step(step)}")

    def walk(self, *steps: Step) -> str:
        answer = ""
        for step in steps:
            answer = self.act(step)
        return answer

    def run(self, steps: Script) -> None:
        """Each step: what the user does, and lines the bot's answer must contain."""
        for step, expected in steps:
            fragments_in(self.act(step), expected, step)


def typed_for_shell(
    steps: Iterable[Step], now: datetime | None = None, lang: str | None = None
) -> list[str]:
    """The lines a user types into a new ``kotowari shell --now NOW`` for these steps: a
    press becomes the number the shell prints for it, found by doing the steps in a shell in
    process on a new database (so a test can pipe them to the real command)."""
    from bot.shell import ShellClock
    from flows.store import Store, open_database

    with tempfile.TemporaryDirectory(prefix="kotowari-typed-") as folder:
        db = open_database(Path(folder) / "k.db")
        try:
            chat = ShellChat(
                Engine(Store(db, ShellClock(now))), lang=lang, files_dir=Path(folder) / "files"
            )
            chat.walk(*steps)
        finally:
            db.close()
    return chat.typed


# -- Telegram -----------------------------------------------------------------------------
@dataclass
class TelegramChat:
    """One person's private chat with a running bot on ``fakes.request.FakeBotApi``.

    Built from what ``tests.test_telegram.running`` yields: ``TelegramChat(chat.app,
    chat.api, chat.person)``. Every method is a coroutine; answers are the Bot API calls
    made, one line each; ``run`` matches fragments against the whole text of the messages
    sent or edited (and their buttons' labels).
    """

    app: Any  # bot.telegram_app.KotowariApp
    api: Any  # fakes.request.FakeBotApi
    person: Any  # fakes.users.Person
    last_text: str = field(default="", init=False)

    async def send(self, payload: dict[str, Any]) -> list[str]:
        """Handle ``payload`` as the bot reads an update it fetched: as the inbox stores it
        (``bot.inbox.read_update``), names and content it does not read left out."""
        from bot.inbox import Unreadable, read_update

        start = len(self.api.calls)
        update = read_update(payload, self.app.bot)
        assert not isinstance(update, Unreadable), update
        await self.app.process_update(update)
        return self.made_since(start)

    def made_since(self, start: int) -> list[str]:
        """The Bot API calls since call ``start``, one line each; their text kept."""
        from fakes.bot_api import button_rows, describe, markup_of, plain

        calls = self.api.calls[start:]
        texts = []
        for call in calls:
            params = call.params
            for key in ("text", "caption"):
                if isinstance(params.get(key), str):
                    html = params.get("parse_mode") == "HTML"
                    texts.append(plain(params[key]) if html else params[key])
            texts.extend(label for row in button_rows(markup_of(params)) for label in row)
        lines = [describe(call) for call in calls]
        self.last_text = "\n".join([*texts, *lines])
        return lines

    async def say(self, text: str) -> list[str]:
        return await self.send(self.person.text(text))

    async def press(self, label: str, on: dict[str, Any] | None = None) -> list[str]:
        """The button with this label on ``on`` (a message as the fake API holds it), or
        on the newest message showing it."""
        messages = [on] if on is not None else list(reversed(self.api.messages.values()))
        for message in messages:
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            buttons = [
                Option(button["callback_data"], button["text"])
                for row in rows
                for button in row
                if "callback_data" in button
            ]
            try:
                option = pick(buttons, label)
            except AssertionError:
                continue
            return await self.send(self.person.press(message, option.token))
        raise AssertionError(f"no message shows a button {label!r}")

    async def contact(self, phone: str) -> list[str]:
        return await self.send(self.person.contact(phone))

    async def photo(self) -> list[str]:
        return await self.send(self.person.photo())

    async def wait(self, **delta: float) -> list[str]:
        """The clock moves on and the bot's reminder job runs once."""
        from bot import telegram_app

        self.app.bot_data.engine.store.clock.advance(**delta)
        start = len(self.api.calls)
        await telegram_app.reminder_job(telegram_app.KotowariContext(self.app))
        return self.made_since(start)

    async def act(self, step: Step) -> list[str]:
        if isinstance(step, str):
            return await self.say(step)
        if isinstance(step, Press):
            return await self.press(step.label, on=step.on)
        if isinstance(step, Contact):
            return await self.contact(step.phone)
        if isinstance(step, Photo):
            return await self.photo()
        return await self.wait(days=step.days, hours=step.hours, minutes=step.minutes)

    async def walk(self, *steps: Step) -> list[str]:
        answer: list[str] = []
        for step in steps:
            answer = await self.act(step)
        return answer

    async def run(self, steps: Script) -> None:
        """Each step: what the user does, and fragments the messages must contain."""
        for step, expected in steps:
            await self.act(step)
            # A line to read aloud is sent one sentence per line: matched whole too.
            whole = self.last_text.replace("\n", "")
            fragments_in(f"{self.last_text}\n{whole}", expected, step)
