"""Reminders: their buttons, /reminders, and what the channels' dispatchers call.

A reminder is set by a step (``flows.stepping``) or a letter; a dispatcher asks for the due
ones (``due_batch``), sends them, and marks each sent or failed. Its buttons answer it: done,
what came of the request, snooze, open the case, write the letter, "they called again".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from flows import letters, reminders, review
from flows.features import called_again
from flows.features import letters as letter_feature
from flows.port import Option, Reply
from flows.reminders import Delivery
from flows.router import Router
from flows.schedule import QuietHours, office_morning, tomorrow_morning
from flows.standing import addressee_name
from flows.stepping import check_calls_again, open_case
from flows.store import DUE_STATUSES, Store
from flows.store.rows import Case, DueReminder, Reminder
from flows.texts import Texts
from flows.turn import Turn

log = logging.getLogger(__name__)
router = Router()
# What a reminder's button does, given the reminder and its case.
_Action = Callable[[Turn, Reminder, Case], None]

# /reminders: cancel buttons for the soonest this many; 13 is the most LINE's quick reply
# shows (Telegram's keyboard takes more), and a list this long is read, not tapped through.
MAX_REMINDER_BUTTONS = 13
# One reminder's answer: "<reminder id>.<action>" (``flows.reminders.actions``).
ANSWER = router.button("reminder", r"\d{1,12}\.[a-z_]{1,16}", legacy="r")


# A sent reminder shown again from its case (its message scrolled away, or deleted).
AGAIN = router.button("reminder_again", r"\d{1,12}")


def again_option(turn: Turn, case: Case) -> Option | None:
    """The case view's button that shows its unanswered reminder again, if it has one."""
    row = turn.store.unanswered_reminder(case["id"])
    return None if row is None else AGAIN.option(str(row["id"]), turn.texts("opt.r_again"))


@AGAIN.handles
def show_again(turn: Turn, arg: str) -> None:
    row = turn.store.rendered_reminder(int(arg))
    if row is None or row["user_id"] != turn.user_id:
        turn.notice = turn.texts("bad_button")
        return
    if row["status"] != "sent":
        turn.notice = turn.texts("reminder_closed")
        return
    turn.chosen = turn.texts("opt.r_again")
    turn.replies.append(render(row, turn.texts, turn.now()))


def render(row: DueReminder, texts: Texts, now: datetime) -> Reply:
    """A reminder message sent at ``now``, with its buttons."""
    options = tuple(
        ANSWER.option(f"{row['id']}.{action}", texts(reminders.label_key(row["kind"], action)))
        for action in reminders.actions(row)
    )
    return Reply(reminders.render_text(row, texts, now), options=options)


def is_answer(token: str | None) -> bool:
    """Whether a token answers a reminder (the shell keeps such buttons answerable)."""
    pressed = router.press(token or "")
    return pressed is not None and pressed.button is ANSWER


@router.command("reminders")
def list_reminders(turn: Turn, args: str) -> None:
    """/reminders: what is coming, with a button to cancel each."""
    t = turn.texts
    rows = turn.store.waiting_reminders(turn.user_id)
    if not rows:
        turn.say("reminders_empty")
        return
    lines = [t("reminders_header")]
    options: list[Option] = []
    for row in rows:
        case = turn.store.case(row["case_id"]) or {}
        when = t.when(datetime.fromisoformat(row["due_at"]), turn.tz)
        what = t(f"what.{row['kind']}")
        if row["kind"] in reminders.REQUEST_KINDS:  # two checks of one case: to whom
            whom = addressee_name(case, reminders.addressee_of(row), t)
            what = t("reminders_what_whom", what=what, whom=whom)
        lines.append(t("reminders_line", when=when, number=case.get("number"), what=what))
        if len(options) < MAX_REMINDER_BUTTONS:
            label = t("opt.r_cancel", when=when, number=case.get("number"))
            options.append(ANSWER.option(f"{row['id']}.cancel", label))
    if len(rows) > MAX_REMINDER_BUTTONS:
        lines.append(t("reminders_more", count=MAX_REMINDER_BUTTONS))
    turn.replies.append(Reply("\n".join(lines), options=tuple(options)))


@ANSWER.handles
def answered(turn: Turn, arg: str) -> None:
    t = turn.texts
    reminder_id, _, action = arg.partition(".")
    row = turn.store.reminder(int(reminder_id))
    if row is None or row["user_id"] != turn.user_id:
        turn.notice = t("bad_button")
        return
    shown = reminders.actions(row)
    allowed = (*shown, *reminders.LEGACY_ACTIONS.get(row["kind"], ()), "cancel")
    waiting = row["status"] in DUE_STATUSES
    # A try that failed (a timeout) may still have reached the user: its buttons answer it,
    # as a sent one's do. Cancel is /reminders' button for one still waiting.
    answerable = row["status"] == "sent" or (waiting and bool(row.get("last_error")))
    if action not in allowed or not (waiting if action == "cancel" else answerable):
        if action in allowed and row["status"] == "snoozed":
            # Pressed again after ⏰: it is not over, it comes again then.
            due = t.when(datetime.fromisoformat(row["due_at"]), turn.tz)
            turn.notice = t("reminder_snoozed_already", when=due)
        else:
            turn.notice = t("reminder_closed") if action in allowed else t("bad_button")
        return
    case = turn.store.case(row["case_id"])
    assert case is not None  # a reminder's case is deleted with it
    label = reminders.label_key(row["kind"], action)
    when = t.when(datetime.fromisoformat(row["due_at"]), turn.tz)
    turn.chosen = t(label, when=when, number=case["number"])
    addressee = reminders.addressee_of(row)
    detail: dict[str, object] = {"kind": row["kind"], "addressee": addressee}
    if label != f"opt.r_{action}":
        detail["label"] = label  # the button as it read
    turn.store.add_event(case, "reminder", trigger=action, detail=detail)
    _ACTIONS[action](turn, row, case)


def _close(status: str, said: str | None = None) -> _Action:
    def close(turn: Turn, row: Reminder, case: Case) -> None:
        turn.store.update_reminder(row["id"], status=status)
        if said:
            turn.say(said)

    return close


def _done(turn: Turn, row: Reminder, case: Case) -> None:
    """✅ 済んだ. To "call the broker" it means the call was made: what the broker said is
    asked (step ④ again), else the follow-up would stop with no answer on record."""
    turn.store.update_reminder(row["id"], status="done")
    if row["kind"] in reminders.BROKER_KINDS and case["state"] == "awaiting_call":
        turn.say("reminder_called")
        open_case(turn, case)
        return
    turn.say("reminder_done")


def _no_reply(turn: Turn, row: Reminder, case: Case) -> None:
    turn.store.update_reminder(row["id"], status="done")
    via = "letter" if row.get("via") == "letter" else "phone"
    kind = letters.REQUEST_TO[reminders.addressee_of(row)]
    option = letter_feature.kind_option(turn.texts, case, kind)
    turn.replies.append(Reply(turn.texts(f"reminder_no_reply.{via}"), options=(option,)))


def _letter(turn: Turn, row: Reminder, case: Case) -> None:
    turn.store.update_reminder(row["id"], status="done")
    letter_feature.begin(turn, case, letters.REQUEST_TO[reminders.addressee_of(row)])


def _continued(turn: Turn, row: Reminder, case: Case) -> None:
    turn.store.update_reminder(row["id"], status="done")
    if review.takes_another_call(case):
        # As from the case's own button: when was the last one? (evidence)
        called_again.ask(turn, case)
    else:
        # No refusal on record: not a call after a refusal (no evidence to state); coach
        # the refusal, and keep checking a month at a time.
        turn.say("not_refused_calls")
        check_calls_again(turn, case)


def _snooze(turn: Turn, row: Reminder, case: Case, hour: bool) -> None:
    now = turn.now()
    if hour:
        due = now + reminders.SNOOZE_HOUR
    elif row["kind"] in reminders.BROKER_KINDS:
        due = office_morning(now)  # when the broker's office answers
    else:
        due = tomorrow_morning(now, turn.tz)
    due = QuietHours.parse(turn.user.get("quiet_hours")).defer(due, turn.tz)
    turn.store.update_reminder(row["id"], status="snoozed", due_at=due.isoformat())
    turn.say("reminder_snoozed", when=turn.texts.when(due, turn.tz))


_ACTIONS: dict[str, _Action] = {
    "done": _done,
    "stopped": _close("done", "reminder_stopped"),
    "complied": _close("done", "reminder_complied"),
    "answered": _close("done", "reminder_answered"),
    "cancel": _close("cancelled", "reminder_cancelled"),
    "no_reply": _no_reply,
    "letter": _letter,
    "continued": _continued,
    "snooze_hour": lambda turn, row, case: _snooze(turn, row, case, hour=True),
    "snooze_morning": lambda turn, row, case: _snooze(turn, row, case, hour=False),
    "open": lambda turn, row, case: open_case(turn, case),
}


# -- for the channels' dispatchers ----------------------------------------------------------
def due_batch(
    store: Store, limit: int, user_id: int | None = None, channel: str | None = None
) -> tuple[list[Delivery], int]:
    """Due reminders rendered for sending (ones in their user's quiet hours wait), and how
    many due rows the batch took (those moved past quiet hours included: a full batch means
    more may be due). ``channel``: only its users' (each channel's dispatcher sends its own)."""
    out: list[Delivery] = []
    with store.transaction():
        now = store.clock()
        rows = store.due_reminders(now, limit, user_id, channel)
        for row in rows:
            tz = ZoneInfo(row["time_zone"])
            deferred = QuietHours.parse(row["quiet_hours"]).defer(now, tz)
            if deferred != now:
                store.update_reminder(row["id"], due_at=deferred.isoformat())
                continue
            texts = Texts(row["language"])
            reply = render(row, texts, now)
            out.append(
                Delivery(
                    row["id"],
                    row["user_id"],
                    texts.language,
                    reply,
                    row.get("external_id"),
                    row.get("sent_at"),
                )
            )
    return out, len(rows)


def sent(store: Store, reminder_id: int) -> None:
    """Mark a reminder that went out. A mark written late (kept in memory while the database
    was busy) finds what the user did meanwhile, and leaves it: cancelled, deleted, or
    snoozed to later (a reminder goes out only once due, so a due time still ahead means
    it was moved after it went out)."""
    with store.transaction():
        row = store.reminder(reminder_id)
        if row is None or row["status"] not in DUE_STATUSES:
            return  # cancelled or deleted while it was being sent: it stays so
        if datetime.fromisoformat(row["due_at"]) > store.clock():
            return  # snoozed to later since it went out: it comes again then
        store.update_reminder(
            reminder_id,
            status="sent",
            sent_at=store.clock().isoformat(),
            attempts=row["attempts"] + 1,
        )
        # The reminder is now the last thing shown: a typed number is not for the step. Typed
        # words still are (unlike after a confirmation the user asked for): a reminder comes
        # unasked, and what the user goes on typing answers the question they were at.
        store.update_user(row["user_id"], shown_step=None)


def failed(store: Store, reminder_id: int, error: str) -> None:
    """A send failed for a passing reason: try again later, waiting longer each time."""
    with store.transaction():
        row = store.reminder(reminder_id)
        attempts = (row or {}).get("attempts", 0) + 1
        due = store.clock() + reminders.backoff(attempts)
        store.update_reminder(
            reminder_id, attempts=attempts, last_error=error[:200], due_at=due.isoformat()
        )
