"""Moving a case one step: fire a trigger on the machine, then store what it changed.

Every feature that moves a case (a step's button, a typed answer, closing from /case, a
reminder's "open") comes through ``fire``: the case row, its step event, the reminders the
step sets or settles and the repeat-caller check are written here, in the message's
transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import EllipsisType
from typing import Any, cast

from flows import machine, reminders, standing
from flows.features import letters as letter_feature
from flows.machine import FINISHED_STATES, CaseModel
from flows.moments import refusal_recorded
from flows.normalize import format_phone
from flows.port import Reply
from flows.reminders import CHOICES
from flows.schedule import CALLS_CHECK_DAYS, in_days
from flows.steps import keeps_value, render_step
from flows.store.rows import Case
from flows.turn import Turn

# A second press of a start button within this long of the case it started is a double tap.
DOUBLE_TAP = timedelta(minutes=2)


def fire(turn: Turn, case: Case, trigger: str, **kwargs: Any) -> None:
    before = case.copy()
    model = turn.model(case)
    letter = model.letter_due() if trigger == "write_letter" else None
    if letter is not None:
        # The step's own button for the letter its answer calls for: the letter dialog.
        letter_feature.begin(turn, case, letter)
        return
    kept = keeps_value(model, trigger)  # before the step moves on
    case["seq"] = before["seq"] + 1
    moved = machine.fire(model, trigger, **kwargs)
    if moved:
        model.replies.append(render_step(model))
    else:
        # A condition held the step back (e.g. "save" with nothing to identify the caller).
        cast(dict[str, Any], case).clear()
        case.update(before)
        if trigger == "confirm":
            turn.say("need_identity")
        turn.show(case)
        return
    case["state"] = model.state
    repeat = _detect_repeat(turn, before, case, model)
    turn.store.save_case(before, case)
    # A value replaced or cleared: its earlier answers keep no copy of it. (A field with
    # none has none to replace: no statement for the first answer.)
    answer = kwargs.get("answer") if trigger == "answer" else None
    columns = machine.FIELD_COLUMNS[answer["field"]] if answer else ()
    if answer and any(before.get(column) for column in columns):
        turn.store.supersede_answers(case["id"], answer["field"])
    turn.store.add_event(
        case,
        "step",
        trigger=trigger,
        state_from=before["state"],
        state_to=model.state,
        detail={"kept": True} if kept else kwargs.get("answer"),  # 「⏭ このまま」, as shown
    )
    if repeat is not None:  # after the answer that made it, in the timeline
        kind, detail = repeat
        turn.store.add_event(case, kind, detail=detail)
    _follow_up(turn, case, trigger, before["state"], model, kwargs.get("remind_at"))
    outcome = case.get("outcome")
    if outcome and outcome != before.get("outcome"):
        for hook in turn.outcome_hooks:
            model.replies.extend(hook(turn.store, case, outcome, turn.now()))
    if model.state == "cancelled":
        turn.set_active(None)
    turn.replies.extend(model.replies)


def start_case(
    turn: Turn,
    mode: str,
    fill: Case | None = None,
    current: Case | EllipsisType | None = ...,
    note: str | None = None,
) -> Case:
    """Open a new case (``"call"`` or ``"after"``), pausing the one in progress (``current``,
    if the caller has read it), and show its first step; ``fill``: what is already known of
    the caller (a looked-up number); ``note``: a line said just before the step."""
    if current is ...:
        current = turn.active_case()
    if (
        current is not None
        and current["state"] in machine.ACTIVE_STATES
        and current["state"] not in ("awaiting_call", "following_up")
    ):
        turn.say("case_paused", number=current["number"])
        turn.store.add_event(current, "paused")
    if note is not None:
        turn.replies.append(Reply(note))
    case = turn.store.new_case(turn.user_id, mode)
    if fill:
        before = case.copy()
        case.update(fill)
        turn.store.save_case(before, case)
    turn.set_active(case["id"])
    fire(turn, case, "start_call" if mode == "call" else "start_after")
    return case


def seen_changed(arg: str, now: object) -> bool:
    """Whether a button's "-N" suffix (a count when it was shown) no longer matches, i.e.
    what it does has been done since. Buttons from before the suffix have none: allowed."""
    _, dash, seen = arg.rpartition("-")
    return bool(dash) and seen != str(now or 0)


def double_tap(turn: Turn, mode: str, arg: str) -> bool:
    """Whether a start button (its "-N" suffix in ``arg``) was pressed again just after it
    started a case: then that case is shown again and no other is started (an old untouched
    case is left for a new one)."""
    if not seen_changed(arg, turn.user.get("last_case_number")):
        return False
    current = turn.active_case()
    if just_opened(turn, current, mode):
        assert current is not None
        turn.show(current)
        return True
    return False


def just_opened(turn: Turn, current: Case | None, mode: str) -> bool:
    """Whether the case in progress was opened in ``mode`` moments ago and is still at its
    first step: a second /call is the same call, not another empty case."""
    return current is not None and current["seq"] == 1 and _opened_moments_ago(turn, current, mode)


def at_first_step(turn: Turn, case: Case, mode: str) -> bool:
    """Whether ``case`` was opened in ``mode`` moments ago and nothing is answered yet: a
    lookup (🔎, a pasted number) shows the first step again without moving on (its ``seq``
    no longer 1)."""
    return (
        case["state"] == machine.FIRST_STATE[mode]
        and not case.get("refused_at")
        and _opened_moments_ago(turn, case, mode)
    )


def _opened_moments_ago(turn: Turn, case: Case, mode: str) -> bool:
    opened = datetime.fromisoformat(case["opened_at"])
    return case["mode"] == mode and turn.now() - opened < DOUBLE_TAP


def open_case(turn: Turn, case: Case) -> None:
    """Make ``case`` the one in progress and show where it stands."""
    turn.set_active(case["id"])
    if case["state"] == "awaiting_call":
        fire(turn, case, "resume")
    elif case["state"] in FINISHED_STATES and case["state"] == "cancelled":
        turn.say("case_finished", number=case["number"])
    else:
        turn.show(case)


def check_calls_again(turn: Turn, case: Case) -> None:
    """Data spreads: keep checking, a month at a time (from today, whenever the call was).
    The check this one replaces is answered (they called): one check waits, not two."""
    turn.store.close_reminders(case["id"], "done", ("check_calls",))
    turn.remind(case, "check_calls", in_days(turn.now(), CALLS_CHECK_DAYS, turn.tz))
    if case["state"] == "closed":  # rests with the case's others until it is reopened
        turn.store.close_reminders(case["id"], "done", ("check_calls",), pause=True)


def _follow_up(
    turn: Turn,
    case: Case,
    trigger: str,
    state_from: str,
    model: CaseModel,
    remind_at: datetime | None,
) -> None:
    """Create the reminders this step asks for, in the step's transaction."""
    store = turn.store
    if case["state"] in FINISHED_STATES:
        # Closed, they rest until it is reopened; cancelled, they end.
        status = "cancelled" if case["state"] == "cancelled" else "done"
        stopped = store.close_reminders(case["id"], status, pause=case["state"] == "closed")
        if stopped:
            note = Reply(turn.texts("reminders_stopped", count=stopped))
            model.replies.insert(max(len(model.replies) - 1, 0), note)
        return
    if trigger == "reopen" and (resumed := store.resume_reminders(case["id"])):
        now = turn.now()
        late = sum(datetime.fromisoformat(due) <= now for due in resumed)
        text = turn.texts("reminders_resumed", count=len(resumed))
        if late:
            text += turn.texts("reminders_resumed_late", count=late)
        model.replies.insert(max(len(model.replies) - 1, 0), Reply(text))
    now = turn.now()
    if state_from == "scheduling" and trigger in CHOICES and remind_at is None:
        remind_at = CHOICES[trigger](now, turn.tz)
    caller = bool(case.get("company") or case.get("phone_raw"))
    plan = reminders.planned(trigger, state_from, now, turn.tz, remind_at, caller)
    answered = state_from == "demanding" and trigger in standing.PHONE_ANSWERS
    if not plan and not answered:
        return  # "back", or "later" before its time is chosen: nothing is settled
    # A new answer from the broker settles any earlier "call the broker" reminder, and
    # the follow-ups of an earlier phone request to it.
    store.close_reminders(case["id"], "done", reminders.BROKER_KINDS)
    if answered:
        store.close_reminders(case["id"], "done", reminders.REQUEST_KINDS, "broker")
    notes = [turn.reminder_note(case, i.kind, i.due, i.addressee, i.via) for i in plan]
    model.replies[-1:-1] = notes


def _detect_repeat(
    turn: Turn, before: Case, case: Case, model: CaseModel
) -> tuple[str, dict[str, Any]] | None:
    """Flag a case whose company or number the user had already refused before this call
    (in another case); unflag it when a correction (name, number, time) undoes that. The
    event to record of it (its kind and detail), if any."""
    if all(case.get(k) == before.get(k) for k in ("company_norm", "phone_e164", "call_at")):
        return None
    earlier = turn.store.earlier_refusal(case)
    flagged = case.get("repeat_of")
    if earlier is None:
        if flagged:
            case["repeat_of"] = case["repeat_refused_at"] = None
            model.replies.insert(
                max(len(model.replies) - 1, 0),
                Reply(turn.texts("repeat_cleared", number=flagged)),
            )
            return "repeat_cleared", {"earlier_case": flagged}
        return None
    if flagged == earlier["number"]:
        return None
    # Its time, if known: an earlier case recorded after the call without a time has none.
    refused = refusal_recorded(earlier)
    case["repeat_of"] = earlier["number"]
    case["repeat_refused_at"] = refused
    who = earlier["company"] or (
        format_phone(earlier["phone_e164"]) if earlier["phone_e164"] else earlier["phone_raw"]
    )
    t = turn.texts
    if refused:
        date = t.when_iso(refused, turn.tz)
        text = t("repeat_detected", who=who, date=date, number=earlier["number"])
    else:
        text = t("repeat_detected_undated", who=who, number=earlier["number"])
    model.replies.insert(max(len(model.replies) - 1, 0), Reply(text))
    return "repeat_detected", {"earlier_case": earlier["number"], "refused_at": refused}
