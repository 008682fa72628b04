""" "This company called again": when? — a call after the refusal, recorded as evidence.

Asked from a case's page (🔁) or from a monthly check's "they called again"; the answer is a
time (typed, or "just now") after the refusal. The case counts the calls and keeps the
latest, and a check a month later is set (data spreads).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from flows import letters, moments
from flows.callers import history
from flows.dialogs import CalledAgainDialog
from flows.features import letters as letter_feature
from flows.normalize import parse_future, parse_when
from flows.port import Reply
from flows.review import takes_another_call
from flows.router import CASE_REF, DialogRoute, Router, case_ref, mark_fits, read_case_ref
from flows.stepping import check_calls_again
from flows.store.rows import Case
from flows.turn import Turn
from flows.typed import ALIASES, fold, folded_labels, option_number

router = Router()

# A time with its hour (「9:00」, 「9時」, "9am"): only such a one is told it is still to come
# (「9/1」 alone reads as next year's for a reminder, and is no time of a call).
_HOUR = re.compile(r"\d\s*(?:時|:|：)|\d\s*[ap]\.?m", re.IGNORECASE)
# A call typed within this of one recorded as a case of its own is taken for that call.
SAME_CALL = timedelta(minutes=10)

# 🔁 on a case's page, with the calls recorded when it was shown ("-N": a second tap finds N+1).
ASK = router.button("called_again", rf"{CASE_REF}(-\d{{1,9}})?", legacy="g.again")
# "Just now", the answer offered with the question.
NOW = router.button("called_again_now", rf"{CASE_REF}-now", legacy="g.agn", in_dialog=True)


def option(turn: Turn, case: Case) -> Any:
    """The case page's button."""
    calls = int(case.get("repeat_calls") or 0)
    return ASK.option(f"{case_ref(case)}-{calls}", turn.texts("opt.case_again"))


def ask(turn: Turn, case: Case) -> None:
    """Open the dialog for ``case`` and ask when they called."""
    turn.set_dialog(CalledAgainDialog(case["number"]))
    _question(turn, case)


def _question(turn: Turn, case: Case) -> None:
    now = NOW.option(f"{case_ref(case)}-now", turn.texts("opt.again_now"))
    turn.replies.append(Reply(turn.texts("again_when", number=case["number"]), options=(now,)))


def _case(turn: Turn, number: int) -> Case | None:
    """The case the question is about, if it can still take the call."""
    case = turn.own_case(number)
    return case if case and takes_another_call(case) else None


@ASK.handles
def pressed_ask(turn: Turn, arg: str) -> None:
    number, _, calls = arg.partition("-")
    case = turn.pressed_case(number)
    if case is None:
        return
    if not takes_another_call(case) or (calls and calls != str(case.get("repeat_calls") or 0)):
        turn.notice = turn.texts("stale_button")
        return
    turn.chosen = turn.texts("opt.case_again")
    ask(turn, case)


@NOW.handles
def pressed_now(turn: Turn, arg: str) -> None:
    number, mark = read_case_ref(arg.partition("-")[0])
    dialog = turn.dialog
    if not isinstance(dialog, CalledAgainDialog) or dialog.case != number:
        turn.notice = turn.texts("stale_button")  # the question was answered or dropped
        return
    case = _case(turn, number)
    if case is not None and not mark_fits(case, mark):
        turn.notice = turn.texts("case_replaced", number=number)  # asked before /forget
        return
    if case is None:
        turn.set_dialog(None)
        turn.notice = turn.texts("case_not_found", number=number)
        return
    turn.chosen = turn.texts("opt.again_now")
    if not _answered(turn, case, turn.now()):
        _question(turn, case)


def _typed(turn: Turn, dialog: CalledAgainDialog, raw: str) -> bool:
    """The time typed in answer to "when did they call again?"."""
    case = _case(turn, dialog.case)
    if case is None:
        turn.set_dialog(None)
        turn.say("case_not_found", number=dialog.case)
        return True
    now = turn.now()
    number = option_number(raw)
    if number == 1 or _means_now(raw):  # its button, by number or in words
        moment: datetime | None = now
    else:
        moment = None if number else parse_when(raw, now, turn.tz)
    if moment is None and _HOUR.search(raw) and parse_future(raw, now, turn.tz) is not None:
        turn.say("again_future")  # read, but later than now: said so, not "not read"
    elif moment is None:
        turn.say("again_bad_when")
    elif _answered(turn, case, moment):
        return True
    _question(turn, case)
    return True


def _answered(turn: Turn, case: Case, moment: datetime) -> bool:
    """Record the call at ``moment`` and end the dialog; or say why not (False: asked again).

    Without its own time, the refusal came before the case was recorded: a call before that
    moment may have been the refused call itself, so it is not taken either. A call within
    minutes of one recorded as a case of its own (📞 from /who) is that call: counted once."""
    t = turn.texts
    refused_at = case.get("refused_at")
    assert refused_at is not None  # takes_another_call: it was refused
    refused = datetime.fromisoformat(refused_at)
    if moment <= refused:
        known = moments.refusal_moment(case) is not None
        key = "again_before_refusal" if known else "again_before_record"
        turn.say(key, date=t.when(refused, turn.tz))
        return False
    if (same := _recorded_as_case(turn, case, moment)) is not None:
        at = moments.call_moment(same)
        assert at is not None  # how it was found
        turn.say("again_recorded_as_case", number=same["number"], date=t.when_iso(at, turn.tz))
        return False
    turn.set_dialog(None)
    _record(turn, case, moment)
    return True


def _recorded_as_case(turn: Turn, case: Case, moment: datetime) -> Case | None:
    """The later call of this caller recorded as a case of its own within ``SAME_CALL`` of
    ``moment``, if any (the calls a report lists: ``callers.History.later``)."""
    caller = history(
        turn.store, turn.user_id, case.get("phone_e164"), case.get("company_norm"), case["id"]
    )
    for later in caller.later:
        at = moments.call_moment(later)
        if at and abs(datetime.fromisoformat(at) - moment) <= SAME_CALL:
            return later
    return None


def _means_now(raw: str) -> bool:
    """「たった今」「さっき」 "just now": the button's own words, typed (as at step ③)."""
    typed = fold(raw)
    labels = folded_labels("opt.again_now")
    return typed in ALIASES["now"] or typed in labels or typed == "たったいま"


def _ask_again(turn: Turn, dialog: CalledAgainDialog) -> bool:
    case = _case(turn, dialog.case)
    if case is not None:
        _question(turn, case)  # still waiting for its answer
    return case is not None


router.dialog(
    CalledAgainDialog,
    DialogRoute(
        on_text=_typed,
        cancelled="again_cancelled",
        ask_again=_ask_again,
        ends_on_attachment=True,
    ),
)


def _record(turn: Turn, case: Case, at: datetime) -> None:
    """The company called again after the refusal, at ``at``: evidence of re-solicitation."""
    before = case.copy()
    case["repeat_calls"] = int(case.get("repeat_calls") or 0) + 1
    latest = case.get("last_repeat_at")
    if not latest or datetime.fromisoformat(latest) < at:
        case["last_repeat_at"] = at.isoformat()
    turn.store.save_case(before, case)
    turn.store.add_event(case, "repeat_call", detail={"at": at.isoformat()})
    # The report this evidence allows, offered at once (as /who offers it).
    report = letters.RESOLICITATION_REPORT
    options = (
        (letter_feature.kind_option(turn.texts, case, report),)
        if report in letter_feature.kinds_for(case)
        else ()
    )
    said = turn.texts("repeat_call_recorded", date=turn.texts.when(at, turn.tz))
    turn.replies.append(Reply(said, options=options))
    check_calls_again(turn, case)
