"""Where a message goes: commands and buttons registered by the feature modules.

A feature module (``flows/features/…``) owns its commands, its buttons and the texts they
use. It makes a ``Router`` and registers each handler on it::

    router = Router()

    @router.command("cases")
    def cases(turn: Turn, args: str) -> None:
        \"\"\"/cases: the latest cases, five at a time.\"\"\"

    PAGE = router.button("cases_page", r"\\d{1,9}", legacy="g.page")

    @PAGE.handles
    def page(turn: Turn, arg: str) -> None: ...

and draws the button with ``PAGE.option(arg, label)``: the token is built and checked in one
place. The engine includes every feature's router in one table (``Router.include``) and looks
a command or a token up in it; there is no chain of ``if``s to extend.

Tokens are ``<name>.<arg>``: a readable name, and an argument its button's pattern accepts
(``letter_kind.3m1a2b3c-b``: a case is named by ``CASE_REF``, its number and its mark, so that
a button left in the chat never acts on a later case given that number). The step buttons of
a case (``3.5.refused``: case, step, trigger) are the one exception, routed to the handler
registered with ``Router.steps``. Buttons already sent under an earlier name (``g.lk.3-b``)
stay answerable: each button lists its old prefix.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from flows.port import Option

if TYPE_CHECKING:
    from flows.store.rows import Case
    from flows.turn import Turn

Handler = Callable[["Turn", str], None]
_T = TypeVar("_T")
_K = TypeVar("_K")
_NAME = re.compile(r"[a-z][a-z_]{0,23}")
# A token as a channel may carry it: Telegram's callback data, 64 bytes in all, is "k1:" and
# the token (bot.telegram_render; LINE's postbacks are the same).
TOKEN_BYTES = 61
_TOKEN = re.compile(r"([a-z][a-z_]{0,23})\.([A-Za-z0-9._-]{1,62})")
# A case in a button's argument: its number and a mark that tells it from a later case given
# the same number (/forget starts the numbers at #1 again), "3m1a2b3c". A button sent before
# the mark carries the number alone, and is still answered by it.
CASE_MARK = r"[0-9a-f]{6}"
CASE_REF = rf"\d{{1,9}}(?:m{CASE_MARK})?"
# A case's step button: ``<CASE_REF>.<seq>.<trigger>`` (number, mark, seq, trigger).
STEP_TOKEN = re.compile(rf"^(\d{{1,9}})(?:m({CASE_MARK}))?\.(\d{{1,9}})\.([a-z0-9_]{{1,32}})$")


@dataclass
class Button:
    """One kind of button: its token's name, what its argument may be, who answers it."""

    name: str
    arg: re.Pattern[str]
    legacy: str | None = None
    # Part of a dialog in progress (``flows.dialogs``): pressing it does not end the dialog.
    in_dialog: bool = False
    handler: Handler | None = field(default=None, repr=False)

    def handles(self, handler: Handler) -> Handler:
        """Decorator: ``handler(turn, arg)`` answers this button."""
        if self.handler is not None:
            raise ValueError(f"button {self.name!r} already has a handler")
        self.handler = handler
        return handler

    def token(self, arg: object) -> str:
        text = str(arg)
        if not self.arg.fullmatch(text):
            raise ValueError(f"not an argument of button {self.name!r}: {text!r}")
        token = f"{self.name}.{text}"
        if len(token) > TOKEN_BYTES:  # ASCII: characters are bytes
            raise ValueError(f"button {self.name!r}: token over {TOKEN_BYTES} bytes: {token!r}")
        return token

    def option(self, arg: object, label: str, secondary: bool = False) -> Option:
        return Option(self.token(arg), label, secondary)


def case_mark(case: Case) -> str:
    """Six hex digits of the case's row id and opening moment: another case that is given
    its number later (after /forget) has another mark."""
    return _mark(case["id"], case["opened_at"])


@lru_cache(maxsize=1024)  # a step's buttons each carry it
def _mark(case_id: int, opened_at: str) -> str:
    return hashlib.sha256(f"{case_id}:{opened_at}".encode()).hexdigest()[:6]


def mark_fits(case: Case, mark: str | None) -> bool:
    """Whether a button's mark names ``case``: it is the case's, or the button has none (sent
    before marks, answered by its number)."""
    return mark is None or mark == case_mark(case)


def case_ref(case: Case) -> str:
    """The case as a button names it (``CASE_REF``)."""
    return f"{case['number']}m{case_mark(case)}"


def step_shown(case: Case) -> str:
    """The case's current step as its buttons name it (``users.shown_step``)."""
    return f"{case_ref(case)}.{case['seq']}"


def read_case_ref(ref: str) -> tuple[int, str | None]:
    """A ``CASE_REF``'s number and mark (None: a button from before marks)."""
    number, _, mark = ref.partition("m")
    return int(number), mark or None


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler

    @property
    def summary(self) -> str:
        """The handler's docstring's first line (the table of commands reads as a list)."""
        doc = (self.handler.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""


@dataclass(frozen=True)
class DialogRoute:
    """How one kind of side dialog (``flows.dialogs``) is answered."""

    # The typed answer to its question; False if the dialog waits for no text now.
    on_text: Callable[[Turn, Any, str], bool]
    cancelled: str  # the catalog text said when /cancel ends it
    # Asks its question again (a re-delivered message, which changes nothing); returns
    # whether it did (False: the dialog no longer applies, show the case instead).
    ask_again: Callable[[Turn, Any], bool] | None = None
    # A photo or a contact is no answer: end the dialog, so that what is typed next goes
    # to the case's step rather than to the dropped question.
    ends_on_attachment: bool = False
    # Else: a photo or a contact sent while it waits, answered (True); else the case's step
    # gets it.
    on_attachment: Callable[[Turn, Any], bool] | None = None


@dataclass(frozen=True)
class Pressed:
    """A token looked up: the button and its argument (validated by the button's pattern)."""

    button: Button
    arg: str


class Router:
    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}
        self.buttons: dict[str, Button] = {}
        self._legacy: dict[str, Button] = {}
        self.step_handler: Handler | None = None
        self.message_handler: Handler | None = None
        self.dialogs: dict[type, DialogRoute] = {}

    # -- registration -----------------------------------------------------------------
    def command(self, *names: str) -> Callable[[Handler], Handler]:
        """Decorator: ``handler(turn, args)`` answers ``/name args`` (each of ``names``)."""

        def register(handler: Handler) -> Handler:
            for name in names:
                self._add(self.commands, name, Command(name, handler), "command")
            return handler

        return register

    def button(
        self, name: str, arg: str, *, legacy: str | None = None, in_dialog: bool = False
    ) -> Button:
        if not _NAME.fullmatch(name):
            raise ValueError(f"not a button name: {name!r}")
        button = Button(name, re.compile(arg), legacy, in_dialog)
        self._add(self.buttons, name, button, "button")
        if legacy is not None:
            self._add(self._legacy, legacy, button, "legacy prefix")
        return button

    def steps(self, handler: Handler) -> Handler:
        """Decorator: ``handler(turn, token)`` answers a case's step buttons."""
        if self.step_handler is not None:
            raise ValueError("step buttons already have a handler")
        self.step_handler = handler
        return handler

    def messages(self, handler: Handler) -> Handler:
        """Decorator: ``handler(turn, text)`` answers what is neither a command, a button nor
        a dialog's answer (typed text at a step, a contact, a photo; ``text`` may be "")."""
        if self.message_handler is not None:
            raise ValueError("messages already have a handler")
        self.message_handler = handler
        return handler

    def dialog(self, kind: type, route: DialogRoute) -> None:
        self._add(self.dialogs, kind, route, "dialog")

    def include(self, *others: Router) -> None:
        for other in others:
            for name, command in other.commands.items():
                self._add(self.commands, name, command, "command")
            for name, button in other.buttons.items():
                self._add(self.buttons, name, button, "button")
            for prefix, button in other._legacy.items():
                self._add(self._legacy, prefix, button, "legacy prefix")
            if other.step_handler is not None:
                self.steps(other.step_handler)
            for kind, route in other.dialogs.items():
                self.dialog(kind, route)
            if other.message_handler is not None:
                self.messages(other.message_handler)

    @staticmethod
    def _add(table: dict[_K, _T], key: _K, value: _T, what: str) -> None:
        if key in table:
            raise ValueError(f"{what} {key!r} is registered twice")
        table[key] = value

    # -- lookup -----------------------------------------------------------------------
    def press(self, token: str) -> Pressed | None:
        """The button a token belongs to, or None (forged, malformed, from no feature)."""
        match = _TOKEN.fullmatch(token) if len(token) <= TOKEN_BYTES else None
        if match is None:
            return None
        name, arg = match.groups()
        button = self.buttons.get(name)
        if button is None and name == "g":  # an earlier name: "g.<action>.<arg>"
            action, _, arg = arg.partition(".")
            button = self._legacy.get(f"g.{action}")
        elif button is None:  # an earlier name: "r.<arg>"
            button = self._legacy.get(name)
        if button is None or button.handler is None or not button.arg.fullmatch(arg):
            return None
        return Pressed(button, arg)
