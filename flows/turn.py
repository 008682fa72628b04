"""One message while its transaction is open: what every feature's handler works with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from flows import dialogs
from flows.dialogs import Dialog
from flows.machine import FINISHED_STATES, CaseModel
from flows.port import Inbound, Reply
from flows.router import mark_fits, read_case_ref
from flows.schedule import QuietHours
from flows.steps import render_step
from flows.store import Store
from flows.store.rows import Case, User
from flows.texts import Texts


class OutcomeHook(Protocol):
    """Called in the step's transaction when step 4 records an outcome (for reminders)."""

    def __call__(
        self, store: Store, case: Case, outcome: str, now: datetime
    ) -> Sequence[Reply]: ...


# ``users.shown_step`` when the last thing shown has buttons that are not a step's (a
# confirmation, a case's page, a reminder): typed words then are not a step's answer.
OTHER_BUTTONS = "-"


@dataclass
class Turn:
    inbound: Inbound
    store: Store
    clock: Callable[[], datetime]
    user: User
    texts: Texts
    tz: ZoneInfo
    outcome_hooks: tuple[OutcomeHook, ...] = ()
    replies: list[Reply] = field(default_factory=list)
    chosen: str | None = None  # the label of the button pressed, to mark it in the chat
    notice: str | None = None  # a short answer to a button that did nothing (stale, forged)
    language_changed: bool = False
    erased: bool = False
    deleted_case: int | None = None  # the number of a case this message deleted
    quoted_by: tuple[int, ...] = ()  # … and of the later calls' cases whose reports quote it
    dialog_set: bool = False  # this message began or moved a dialog

    @property
    def user_id(self) -> int:
        return int(self.user["id"])

    def now(self) -> datetime:
        return self.clock()

    def say(self, key: str, **values: Any) -> None:
        """Reply with one catalog text."""
        self.replies.append(Reply(self.texts(key, **values)))

    def remind(self, case: Case, kind: str, due: datetime, *extra: str | None) -> None:
        """Set one reminder and say when it comes (``reminder_note``)."""
        self.replies.append(self.reminder_note(case, kind, due, *extra))

    def reminder_note(self, case: Case, kind: str, due: datetime, *extra: str | None) -> Reply:
        """Set one reminder (moved out of the user's quiet hours); the line saying when it
        comes. ``extra``: its addressee and how the request was made (``Store.add_reminder``)."""
        quiet = QuietHours.parse(self.user.get("quiet_hours"))
        deferred = quiet.defer(due, self.tz)
        self.store.add_reminder(case, kind, deferred, *extra)
        t = self.texts
        values = {"when": t.when(deferred, self.tz), "what": t(f"what.{kind}")}
        if deferred != due:  # "23:30" typed: said why it comes at 8:00 (the user chose it)
            quiet_range = t("quiet_range", start=quiet.start, end=quiet.end)
            return Reply(t("reminder_set_quiet", quiet=quiet_range, **values))
        return Reply(t("reminder_set", **values))

    # -- the dialog in progress ---------------------------------------------------------
    @property
    def dialog(self) -> Dialog | None:
        return dialogs.load(self.user.get("pending"))

    def set_dialog(self, dialog: Dialog | None) -> None:
        """Open, change or (None) end the dialog. The same question asked again (a message
        delivered twice, /help read mid-dialog) keeps when it was first asked: it changes
        no row, and a day-old question still ends (``dialogs.STALE_AFTER``)."""
        if dialog is not None and dialog == self.dialog:
            self.dialog_set = True
            return
        raw = dialogs.dump(dialog, self.now())
        self.store.update_user(self.user_id, pending=raw)
        self.user["pending"] = raw
        self.dialog_set = dialog is not None

    # -- the case in progress -----------------------------------------------------------
    def active_case(self) -> Case | None:
        case_id = self.user.get("active_case_id")
        if case_id is None:
            return None
        case = self.store.case(case_id)
        if case is None or (case["state"] in FINISHED_STATES and case["state"] != "closed"):
            return None
        return case

    def set_active(self, case_id: int | None) -> None:
        self.store.update_user(self.user_id, active_case_id=case_id)
        self.user["active_case_id"] = case_id

    def own_case(self, number: int) -> Case | None:
        """The user's case by its number (never another user's)."""
        return self.store.case_by_number(self.user_id, number)

    def pressed_case(self, ref: str) -> Case | None:
        """The user's case a button names (``router.CASE_REF``); if there is none (deleted
        since), or its number now belongs to a later case (after /forget), the button's short
        answer says so."""
        number, mark = read_case_ref(ref)
        case = self.own_case(number)
        if case is None:
            self.notice = self.texts("case_not_found", number=number)
        elif not mark_fits(case, mark):
            self.notice = self.texts("case_replaced", number=number)
            return None
        return case

    def model(self, case: Case) -> CaseModel:
        return CaseModel(case, self.texts, self.now(), self.tz)

    def show(self, case: Case) -> None:
        """The case's current step, again (after a hint, a refused button …)."""
        model = self.model(case)
        model.came_from = case["state"]
        self.replies.append(render_step(model))
