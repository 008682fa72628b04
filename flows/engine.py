"""The coaching engine: one ``Inbound`` in, one ``Response`` out, one transaction.

Per message: open a transaction → load the user and the active case → route the message (a
command, a button, a dialog's answer, or what is typed at a step) to the feature that
registered it (``flows.features``) → that handler fires the case's trigger and stores what
changed, in the same transaction. Nothing is held in memory between messages, so a new
engine on the same file resumes exactly where the last one was.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import traceback
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from flows import dialogs
from flows.features import (
    called_again,
    case_flow,
    letters,
    lookup,
    reminders,
    review,
    settings,
)
from flows.port import ChannelStorage, Inbound, Reply, Response, UserView
from flows.reminders import Delivery
from flows.router import STEP_TOKEN, Router
from flows.store import TELEGRAM, Store
from flows.store.rows import User
from flows.texts import Texts, pick_language
from flows.turn import OTHER_BUTTONS, OutcomeHook, Turn

log = logging.getLogger(__name__)

ROUTER = Router()
ROUTER.include(
    case_flow.router,
    lookup.router,
    review.router,
    called_again.router,
    letters.router,
    reminders.router,
    settings.router,
)
# Every command, in the order the features list them (the channels' menus use it).
COMMANDS = tuple(ROUTER.commands)
# How many of a user's latest update ids are remembered to recognise a re-delivery.
RECENT_UPDATES = 64
_COMMAND = re.compile(r"^/([A-Za-z_]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)
_SLASHES = ("/", "／")
_SHOWN_COMMAND = 40  # characters of a would-be command quoted back
# Commands that leave a side dialog open (its question asked again after them).
_DIALOG_KEEPING = frozenset({"help"})

__all__ = ["COMMANDS", "Engine", "OutcomeHook"]


class Engine:
    def __init__(self, store: Store, outcome_hooks: Sequence[OutcomeHook] = ()) -> None:
        self.store = store
        self.outcome_hooks = tuple(outcome_hooks)

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.store.clock

    # -- for the channels, besides messages -----------------------------------------------
    @property
    def storage(self) -> ChannelStorage:
        """The database as a channel may use it: its inbox and upkeep (``flows.port``)."""
        return self.store

    def user_view(self, user_id: int) -> UserView | None:
        """The user's language and time zone, and the case in progress; None if unknown."""
        user = self.store.user(user_id)
        if user is None:
            return None
        case = self.store.case(user["active_case_id"]) if user["active_case_id"] else None
        return UserView(
            user["language"],
            user["time_zone"],
            case["number"] if case else None,
            case["state"] if case else None,
        )

    def handle(self, inbound: Inbound) -> Response:
        """Process one message; the whole state change commits or none of it does."""
        try:
            with self.store.transaction():
                receipt = inbound.receipt
                applied = receipt is not None and self.store.inbox_applied(receipt)
                if applied and self.store.user(inbound.user_id) is None:
                    # Applied, and the user is gone since: their erasure (most likely this
                    # very update, stored again after a crash). Nothing is stored for them.
                    texts = Texts(pick_language(inbound.lang_hint))
                    said = (Reply(texts("forgotten")),)
                    return Response(said, language=texts.language, erased=True)
                turn = self._begin(inbound)
                if applied or self._seen_before(turn):
                    if _looks_back(inbound) and turn.dialog is None:
                        # Its answer again (a crash may have lost an export's files): a
                        # look-back stores nothing (but for ending an open question, so
                        # not then), so it is not applied twice.
                        _route(turn)
                    else:
                        self._show_where(turn)  # changes nothing stored, not even shown_step
                else:
                    if not turn.user["active"]:  # they write again: reminders resume
                        self.store.update_user(turn.user_id, active=1)
                        turn.user["active"] = 1
                    _route(turn)
                    self._remember_shown(turn)
                    if receipt is not None:
                        self.store.inbox_mark_applied(receipt)
        except sqlite3.Error as error:
            if inbound.receipt is not None or inbound.retried:
                # Passing (another writer held the lock past the busy timeout) or not, the
                # channel keeps the message and tries again.
                log.warning("could not store a step (%s); it is tried again", type(error).__name__)
                # No "send it again": it would be applied twice (the copy sent again, then
                # the stored one).
                return Response(stored=False)
            # Its type and frames, not its message (as the channels' error reports).
            frames = "".join(traceback.format_tb(error.__traceback__))
            log.error(
                "storage error while handling a message (%s)\n%s", type(error).__name__, frames
            )
            texts = Texts(pick_language(inbound.lang_hint))
            return Response(replies=(Reply(texts("storage_error")),), stored=False)
        return Response(
            tuple(turn.replies),
            turn.chosen,
            turn.notice,
            turn.texts.language,
            language_changed=turn.language_changed,
            erased=turn.erased,
            deleted_case=turn.deleted_case,
            quoted_by=turn.quoted_by,
        )

    # -- setup ------------------------------------------------------------------------
    def _begin(self, inbound: Inbound) -> Turn:
        user = self.store.user_with_case(inbound.user_id)
        if user is None:
            language = pick_language(inbound.lang_hint)
            user = self.store.create_user(inbound.user_id, language, inbound.channel or TELEGRAM)
        texts, tz = Texts(user["language"]), ZoneInfo(user["time_zone"])
        return Turn(inbound, self.store, self.clock, user, texts, tz, self.outcome_hooks)

    def _seen_before(self, turn: Turn) -> bool:
        """Whether this update was already applied (re-delivered after a crash); if not,
        remember it, in the same transaction as what it changes."""
        update_id = turn.inbound.update_id
        if update_id is None:
            return False
        # Not "ids up to the last one": Telegram restarts its numbering at random after a
        # quiet week. A re-delivery comes right after a crash, among the latest ids.
        recent = _recent_ids(turn.user)
        if update_id in recent:
            log.info("update already applied; showing the current step again")
            return True
        self.store.update_user(turn.user_id, recent_update_ids=_remember(recent, update_id))
        return False

    def _remember_shown(self, turn: Turn) -> None:
        """Note whether this response ends with a case step's options (a typed number means
        one of them only then: ``case_flow``)."""
        if not turn.replies or turn.erased:  # only a notice; or no user row any more
            return
        options = turn.replies[-1].options
        shown = OTHER_BUTTONS if options else None
        if options and STEP_TOKEN.match(options[0].token):
            shown = options[0].token.rsplit(".", 1)[0]
        if shown != turn.user.get("shown_step"):
            self.store.update_user(turn.user_id, shown_step=shown)
            turn.user["shown_step"] = shown

    @staticmethod
    def _show_where(turn: Turn) -> None:
        """The answer to a message applied before: where the user is now, changing nothing."""
        dialog = turn.dialog
        route = ROUTER.dialogs.get(type(dialog))
        ask_again = route.ask_again if route is not None else None
        if dialog is not None and ask_again is not None and ask_again(turn, dialog):
            return
        case = turn.active_case()
        if case is None:
            case_flow.no_case(turn)
        else:
            turn.show(case)

    # -- the reminders' dispatchers (``flows.features.reminders``) --------------------------
    def due_deliveries(self, limit: int, user_id: int | None = None) -> list[Delivery]:
        """Due reminders rendered for sending; ones in their user's quiet hours wait."""
        return reminders.due_batch(self.store, limit, user_id)[0]

    def due_batch(
        self, limit: int, user_id: int | None = None, channel: str | None = None
    ) -> tuple[list[Delivery], int]:
        """A dispatcher's batch: due reminders of ``channel``'s users (all, if None)."""
        return reminders.due_batch(self.store, limit, user_id, channel)

    def still_due(self, reminder_id: int) -> bool:
        """Whether a delivery should still go out: checked under the user's lock, since the
        user may have cancelled or snoozed it (or erased everything) meanwhile."""
        return self.store.reminder_waiting(reminder_id, self.clock())

    def reminder_sent(self, reminder_id: int) -> None:
        reminders.sent(self.store, reminder_id)

    def reminder_failed(self, reminder_id: int, error: str) -> None:
        reminders.failed(self.store, reminder_id, error)

    def step_hidden(self, user_id: int) -> None:
        """The channel's screen no longer shows the user's step (a new shell session on the
        same database, or the shell switched to this user): a typed number is not taken for
        one of its options until it is shown again. Nothing is stored for a user never
        seen; a busy database leaves it as it was (logged)."""
        try:
            user = self.store.user(user_id)  # read first: no write lock when nothing is shown
            if user is None or user.get("shown_step") is None:
                return
            with self.store.transaction():
                self.store.update_user(user_id, shown_step=None)
        except sqlite3.Error as error:
            log.warning("could not note the step as not shown (%s)", type(error).__name__)

    def user_unreachable(self, user_id: int) -> None:
        """The user blocked the bot: stop sending until they write again (a dispatcher tries
        again at its next send if this cannot be stored now)."""
        self.mark_unreachable(user_id)

    def mark_unreachable(self, user_id: int, update_id: int | None = None) -> bool:
        """The user blocked the bot (a channel's event ``update_id``, recognised if it comes
        again: a late copy must not stop a user who came back). False if it could not be
        stored now (the database busy)."""
        try:
            with self.store.transaction():
                user = self.store.user(user_id)
                if user is None:
                    return True
                recent = _recent_ids(user)
                if update_id is not None and update_id in recent:
                    return True  # applied already
                changes: dict[str, object] = {"active": 0}
                if update_id is not None:
                    changes["recent_update_ids"] = _remember(recent, update_id)
                self.store.update_user(user_id, **changes)
        except sqlite3.Error as error:
            log.warning("could not mark a user inactive (%s)", type(error).__name__)
            return False
        return True


def _recent_ids(user: User) -> list[int]:
    """The user's latest update ids, as recorded (``RECENT_UPDATES`` of them)."""
    return [int(i) for i in (user.get("recent_update_ids") or "").split(",") if i]


def _remember(recent: list[int], update_id: int) -> str:
    return ",".join(map(str, [*recent, update_id][-RECENT_UPDATES:]))


# Commands that only read (and send files of) what is stored: answered again when their
# message comes again, whose answer may not have reached the user.
_LOOK_BACKS = frozenset({"export", "stats", "brokers", "cases", "reminders", "help"})


def _looks_back(inbound: Inbound) -> bool:
    typed = typed_command(inbound.text) if inbound.text is not None else None
    return isinstance(typed, tuple) and typed[0] in _LOOK_BACKS


def typed_command(text: str) -> tuple[str, str] | str | None:
    """A typed command: its name (lower case) and arguments; None for text that is no
    command; the first word, read, for what starts with a slash but is no command's form.

    The name is read after NFKC (a Japanese keyboard's ／ｃａｎｃｅｌ is /cancel); its
    arguments as typed (/find ﾒｲﾎﾞ finds what was stored so). What starts with a slash is
    never a field's answer ("/case1", "/キャンセル")."""
    if text.lstrip()[:1] not in _SLASHES:
        return None
    head, *rest = re.split(r"\s+", text.strip(), maxsplit=1)
    folded = unicodedata.normalize("NFKC", head)
    match = _COMMAND.match(" ".join((folded, *rest)))
    if match is None or " " in folded:
        return folded
    return match.group(1).lower(), (match.group(2) or "").strip()


def _end_stale_dialog(turn: Turn) -> None:
    """A side dialog whose question waited a day (``dialogs.STALE_AFTER``) ends at the next
    message, what was typed for it deleted, and the message goes where it would without it.
    A button pressed is no such mistake: the dialog's own goes on, another ends it."""
    stale = dialogs.is_stale(turn.user.get("pending"), turn.now())
    if not stale or turn.inbound.choice is not None:
        return
    route = ROUTER.dialogs.get(type(turn.dialog))
    turn.set_dialog(None)
    if route is not None:
        t = turn.texts
        turn.replies.append(Reply(f"{t(route.cancelled)}{t('dialog_stale')}"))


def _route(turn: Turn) -> None:
    _end_stale_dialog(turn)
    inbound = turn.inbound
    dialog = turn.dialog
    route = ROUTER.dialogs.get(type(dialog)) if dialog is not None else None
    if inbound.choice is not None:
        pressed = ROUTER.press(inbound.choice)
        if pressed is not None:
            assert pressed.button.handler is not None
            pressed.button.handler(turn, pressed.arg)
        elif STEP_TOKEN.match(inbound.choice) and ROUTER.step_handler is not None:
            ROUTER.step_handler(turn, inbound.choice)
        else:
            turn.notice = turn.texts("bad_button")
        in_dialog = pressed is not None and pressed.button.in_dialog
        if dialog is not None and turn.notice is None and not turn.dialog_set and not in_dialog:
            turn.set_dialog(None)  # the user moved on to something else
        return
    text = inbound.text
    if text is not None:
        typed = typed_command(text)
        if isinstance(typed, str):  # a slash, but no command's form
            turn.say("unknown_command", command=typed[:_SHOWN_COMMAND])
            return
        if typed is not None:
            name, args = typed
            command = ROUTER.commands.get(name)
            if route is not None and name in _DIALOG_KEEPING and command is not None:
                # Help read mid-dialog: the question is asked again, its answers kept.
                command.handler(turn, args)
                if route.ask_again is None or not route.ask_again(turn, dialog):
                    turn.set_dialog(None)
                return
            if route is not None:
                turn.set_dialog(None)
                if name == "cancel":
                    turn.say(route.cancelled)
                    return
            if command is None:
                turn.say("unknown_command", command=f"/{name}")
                return
            command.handler(turn, args)
            if route is not None and not turn.dialog_set:
                # Another command ends the dialog: said, so that what is typed next is not
                # taken for the dropped question's answer unawares.
                turn.replies.insert(0, Reply(turn.texts(route.cancelled)))
            return
        if route is not None and route.on_text(turn, dialog, text):
            return
    elif route is not None and route.ends_on_attachment:
        turn.set_dialog(None)
    elif (
        route is not None and route.on_attachment is not None and route.on_attachment(turn, dialog)
    ):
        return
    assert ROUTER.message_handler is not None
    ROUTER.message_handler(turn, text or "")
