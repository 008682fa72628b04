"""Who is calling? A number (typed, pasted, shared as a contact) or a company name, looked
up in the user's own cases, answered in one message with the line to say first.

Three answers: a caller **refused before** (when, what was recorded, how many calls came
after, the firmer line; buttons: it is them calling now, they called earlier, the report, not
them); a caller **seen** but never refused (what is known; start a case with it); an
**unknown** one (start a case with the number). During a call (its first two steps), a number
or a name sent is this call's caller: it is checked against the user's cases, kept on the
case, and a refused caller's case is linked to that refusal, step ① switching to the firmer
line (step ①'s "🔎 check the number" asks for it).

Nothing looked up is stored. Only what the user then does writes it: a case started from an
answer's button (the button carries the number), or the caller checked during a call.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from flows import steps
from flows.callers import History, history
from flows.dialogs import LookupDialog
from flows.features import called_again
from flows.features import letters as letter_feature
from flows.letters import RESOLICITATION_REPORT
from flows.machine import CALL_STATES
from flows.moments import call_moment, refusal_recorded
from flows.normalize import Phone, clean_text, format_phone, normalize_name, phone_number_in
from flows.port import Option, Reply
from flows.review import takes_another_call
from flows.router import CASE_REF, DialogRoute, Router, case_ref, mark_fits, read_case_ref
from flows.stepping import double_tap, start_case
from flows.store.rows import Case
from flows.texts import Texts
from flows.turn import Turn

router = Router()

# "They are calling now": a /call case linked to the refused case N ("N[-p…]-<cases>").
NOW = router.button("who_now", rf"{CASE_REF}(-p\d{{6,15}})?-\d{{1,9}}")
# "They called earlier": when? (the called-again dialog of case N).
EARLIER = router.button("who_earlier", CASE_REF)
NOT_THEM = router.button("who_not", CASE_REF)
# Start a case with what was looked up: "<mode>[-p…|-c…]-<cases>".
START = router.button("who_start", rf"(call|after)(-p\d{{6,15}}|-c{CASE_REF})?-\d{{1,9}}")
NAME_LIMIT = 100
# A name not on record: how many similar companies' names are offered instead.
SIMILAR = 3
# A /call case opened this recently and still at its first two steps is the call going on.
CALL_GOES_ON = timedelta(hours=1)


@dataclass(frozen=True)
class Carried:
    """What a lookup's button carries into a case: the number looked up (E.164), or the case
    whose company it copies; written into the token as ``-p<digits>`` / ``-c<CASE_REF>``."""

    phone: str | None = None
    company_of: str | None = None

    def arg(self, head: object, cases: object) -> str:
        """The button's argument: ``<head>[-p…|-c…]-<the user's case count when shown>``."""
        middle = f"-p{self.phone.lstrip('+')}" if self.phone else ""
        middle = f"-c{self.company_of}" if self.company_of is not None else middle
        return f"{head}{middle}-{cases or 0}"

    @staticmethod
    def parse(arg: str) -> tuple[str, Carried]:
        """The head and what is carried (the count is ``stepping.double_tap``'s)."""
        head, *middle, _ = arg.split("-")
        if not middle:
            return head, Carried()
        kind, value = middle[0][0], middle[0][1:]
        if kind == "c":
            return head, Carried(company_of=value)
        phone = phone_number_in("+" + value)
        return head, Carried(phone=phone.e164 if phone else None)


def _history(turn: Turn, phone: Phone | None, name: str | None, leave: int | None) -> History:
    company = normalize_name(name) if name else None
    return history(turn.store, turn.user_id, phone.e164 if phone else None, company or None, leave)


# -- where a lookup comes from ----------------------------------------------------------
@router.command("who")
def who(turn: Turn, args: str) -> None:
    """/who: who is calling? a number or a company name, looked up in your cases."""
    if not args:
        turn.set_dialog(LookupDialog())
        turn.say("who_prompt")
        return
    _look_up(turn, args)


def _look_up(turn: Turn, typed: str) -> None:
    phone = phone_number_in(typed)
    name = None if phone else clean_text(typed)
    if name is not None and len(name) > NAME_LIMIT:
        turn.say("too_long", limit=NAME_LIMIT)
        return
    if name is not None and not normalize_name(name):
        turn.say("who_empty")
        return
    case = turn.active_case()
    call = call_going_on(turn, case)
    if call is not None:
        check_at_call(turn, call, phone, name)
    else:
        answer(turn, phone, name, _this_call(case))


def call_about(turn: Turn, typed: str) -> bool:
    """/call with the caller's number or company typed after it: the call's case, with the
    caller checked as a number sent during the call is (the firmer line for a caller refused
    before). False, and nothing done, if ``typed`` is neither."""
    phone = phone_number_in(typed)
    name = None if phone else clean_text(typed)
    if name is not None and (
        len(name) > NAME_LIMIT or not any(ch.isalpha() for ch in normalize_name(name))
    ):
        return False  # no letter (「++++」): no company's name to keep on the case
    call = call_going_on(turn, turn.active_case())
    if call is not None and (phone is None or call.get("phone_e164") in (None, phone.e164)):
        check_at_call(turn, call, phone, name)  # this call's caller, not a second case
        return True
    found = _history(turn, phone, name, None)
    fill: Case = _phone_fill(Carried(phone=phone.e164 if phone else None))
    if found.refusal is not None:
        _link(fill, found.refusal)  # the company as recorded then
    if name is not None and not fill.get("company"):
        fill["company"], fill["company_norm"] = name, normalize_name(name)
    # A refused caller's case shows the firmer line itself.
    note = None if found.refusal is not None else _not_refused(turn.texts, found, phone, name)
    case = start_case(turn, "call", fill, note=note)
    if found.refusal is not None:
        _linked_event(turn, case, found.refusal)
    return True


def _typed(turn: Turn, dialog: LookupDialog, text: str) -> bool:
    turn.set_dialog(None)
    _look_up(turn, text)
    return True


def _ask_again(turn: Turn, dialog: LookupDialog) -> bool:
    turn.say("who_prompt")
    return True


router.dialog(
    LookupDialog,
    DialogRoute(
        on_text=_typed, cancelled="who_cancelled", ask_again=_ask_again, ends_on_attachment=True
    ),
)


def number_sent(turn: Turn, case: Case | None) -> bool:
    """A phone number typed, pasted or shared where no step waits for text: looked up (or
    checked, during a call), returning True; False if the message is not a phone number."""
    inbound = turn.inbound
    if inbound.contact_phone is not None:
        phone = phone_number_in(inbound.contact_phone, contact=True)
    else:
        phone = phone_number_in(inbound.text) if inbound.text is not None else None
    if phone is None:
        return False
    call = call_going_on(turn, case)
    if call is not None:
        check_at_call(turn, call, phone, None)
    else:
        answer(turn, phone, None, _this_call(case))
    return True


def call_going_on(turn: Turn, case: Case | None) -> Case | None:
    """The case of the call going on: a /call case at its first two steps, just opened."""
    if case is None or case["state"] not in CALL_STATES:
        return None
    if turn.now() - datetime.fromisoformat(case["opened_at"]) > CALL_GOES_ON:
        return None
    return case


def _this_call(case: Case | None) -> int | None:
    """The id of the case still being recorded, if any: that call, not the caller's history."""
    return case["id"] if case is not None and not case.get("confirmed_at") else None


# -- the answer -------------------------------------------------------------------------
def answer(turn: Turn, phone: Phone | None, name: str | None, leave: int | None = None) -> None:
    """The one message about a caller: refused before, seen, or unknown (case id ``leave``
    left out)."""
    found = _history(turn, phone, name, leave)
    if found.refusal is not None:
        turn.replies.append(_refused(turn, found, phone))
    elif found.latest is not None:
        turn.replies.append(_seen(turn, found.latest, phone))
    else:
        turn.replies.append(_unknown(turn, phone, name))


def _who(case: Case) -> str:
    if case.get("company"):
        return str(case["company"])
    return format_phone(case["phone_e164"]) if case.get("phone_e164") else str(case["phone_raw"])


def _facts(turn: Turn, case: Case) -> list[str]:
    """What the case recorded of the caller, a line each."""
    t = turn.texts
    phone = format_phone(case["phone_e164"]) if case.get("phone_e164") else case.get("phone_raw")
    values = {
        "company": case.get("company"),
        "person": case.get("person"),
        "phone": phone,
        "broker": case.get("broker_name"),
    }
    return [t(f"who.{key}", value=value) for key, value in values.items() if value]


def _refused(turn: Turn, found: History, phone: Phone | None) -> Reply:
    t, tz = turn.texts, turn.tz
    case = found.refusal
    assert case is not None
    refused = found.refused_on
    number = case["number"]
    if refused:
        text = t("who.refused", who=_who(case), date=t.when_iso(refused, tz), number=number)
    else:
        text = t("who.refused_undated", who=_who(case), number=number)
    lines = _facts(turn, case)
    last = found.last_call
    if found.calls_after and last:
        lines.append(t("who.calls_after", count=found.calls_after, date=t.when_iso(last, tz)))
    elif found.calls_after:
        lines.append(t("who.calls_after_undated", count=found.calls_after))
    else:
        lines.append(t("who.no_calls_after"))
    line = steps.firmer_line(t, refused, case.get("product_kind"), turn.now())
    lines.append(t(line.note))
    cases = turn.user.get("last_case_number")
    carried = Carried(phone=phone.e164 if phone else None)
    ref = case_ref(case)
    options = [NOW.option(carried.arg(ref, cases), t("opt.who_now"))]
    if takes_another_call(case):
        options.append(EARLIER.option(ref, t("opt.who_earlier")))
    report = _report_case(found)
    if report is not None:
        options.append(letter_feature.kind_option(t, report, RESOLICITATION_REPORT))
    options.append(NOT_THEM.option(ref, t("opt.who_not"), secondary=True))
    return line.reply(text, t, tuple(options), "\n".join(lines))


def _report_case(found: History) -> Case | None:
    """The case whose re-solicitation report the evidence allows: the latest call recorded
    as a case of its own, else the refused case if calls after it were recorded on it."""
    for case in (*reversed(found.later), found.refusal):
        if case is not None and RESOLICITATION_REPORT in letter_feature.kinds_for(case):
            return case
    return None


def _start_options(turn: Turn, carried: Carried) -> tuple[Option, ...]:
    """/call and /after, with what the answer carries into the case (if anything)."""
    t = turn.texts
    cases = turn.user.get("last_case_number")
    suffix = "_company" if carried.company_of is not None else ""
    filled = carried.phone is not None or carried.company_of is not None
    return tuple(
        START.option(carried.arg(mode, cases), t(f"opt.who_{mode}{suffix}" if filled else start))
        for mode, start in (("call", "opt.start_call"), ("after", "opt.start_after"))
    )


def _seen(turn: Turn, case: Case, phone: Phone | None) -> Reply:
    t = turn.texts
    called = call_moment(case) or case["opened_at"]
    text = t("who.seen", number=case["number"], date=t.when_iso(called, turn.tz))
    by_number = phone is not None
    carried = Carried(phone=phone.e164) if phone else Carried(company_of=case_ref(case))
    hint = t("who.seen_hint" if by_number else "who.seen_hint_company")
    note = "\n".join([*_facts(turn, case), hint])
    return Reply(text, note=note, options=_start_options(turn, carried))


def _unknown(turn: Turn, phone: Phone | None, name: str | None) -> Reply:
    t = turn.texts
    if phone is not None and phone.e164:
        text = t("who.unknown_number", phone=format_phone(phone.e164))
        return Reply(text, options=_start_options(turn, Carried(phone=phone.e164)))
    text = t("who.unknown_name", name=name or "")
    norm = normalize_name(name or "")
    broker = turn.store.broker_named(turn.user_id, norm) if norm else None
    if broker is not None:
        # Not a caller on record, but the list broker of some: said so (not "unknown").
        text = t("who.is_broker", name=broker["name"], count=broker["case_count"])
    similar = turn.store.similar_companies(turn.user_id, norm, SIMILAR) if len(norm) > 1 else []
    if similar:
        names = "\n".join(
            t("who.similar_one", company=company, number=number) for company, number in similar
        )
        text += "\n" + t("who.similar", names=names)
    return Reply(text, options=_start_options(turn, Carried()))


# -- during a call ----------------------------------------------------------------------
def check_at_call(turn: Turn, case: Case, phone: Phone | None, name: str | None) -> None:
    """This call's caller (a number, or a company's name), sent during the call: kept on the
    case; if the user refused this caller before, the case is linked to that refusal and the
    step shows the firmer line. A second, different number is only looked up."""
    if phone is not None and case.get("phone_e164") not in (None, phone.e164):
        answer(turn, phone, None, case["id"])
        return
    found = _history(turn, phone, name, case["id"])
    if phone is None and name is not None and not found.cases and _similar_named(turn, case, name):
        return  # a part of a name (「みらい」): the companies it may be, nothing kept yet
    _keep(turn, case, found.refusal, phone.e164 if phone else None, name)
    _show_checked(turn, case, found, phone, name)


def _similar_named(turn: Turn, case: Case, name: str) -> bool:
    """During a call, a name on record only as part of companies' names: those shown, with
    the call's step (a refused one among them is then checked by its whole name)."""
    norm = normalize_name(name)
    similar = turn.store.similar_companies(turn.user_id, norm, SIMILAR) if len(norm) > 1 else []
    if not similar:
        return False
    t = turn.texts
    names = "\n".join(t("who.similar_one", company=c, number=n) for c, n in similar)
    text = t("who.unknown_name", name=name) + "\n" + t("who.similar", names=names)
    turn.replies.append(Reply(text))
    turn.show(case)
    return True


def _keep(
    turn: Turn, case: Case, refused: Case | None, phone: str | None, name: str | None = None
) -> None:
    """Store what is now known of the call's caller on its case: its number (else the name it
    gave, if the case has none), and the refusal it comes after, if not linked already."""
    before = case.copy()
    linked = refused is not None and not case.get("repeat_of")
    if refused is not None and linked:
        _link(case, refused)  # the company as recorded then (株式会社ミライ for （株）ミライ)
    kept: tuple[str, str, str] | None = None  # the field, its column, what was typed
    if phone is not None:
        case["phone_raw"], case["phone_e164"] = format_phone(phone), phone
        kept = ("phone", "phone_e164", format_phone(phone))
    elif name is not None and not case.get("company"):
        case["company"], case["company_norm"] = name, normalize_name(name)
        kept = ("company", "company", name)
    turn.store.save_case(before, case)
    if kept is not None and case.get(kept[1]) != before.get(kept[1]):
        # In the timeline as an answer is (「記録 電話番号: 03-…」); not a step: none moved.
        turn.store.add_event(case, "noted", detail={"field": kept[0], "value": kept[2]})
    if refused is not None and linked:
        _linked_event(turn, case, refused)


def _show_checked(
    turn: Turn, case: Case, found: History, phone: Phone | None, name: str | None
) -> None:
    """The call's step again, with what the check found: at step ① of a refused caller, the
    firmer line itself; else a line about the caller above the step."""
    t = turn.texts
    model = turn.model(case)
    model.came_from = case["state"]
    if case.get("repeat_of") and case["state"] in ("refusing", "pushing"):
        turn.replies.append(steps.refusing_again(model, steps.options_for(model)))
        return
    step = steps.render_step(model)
    if case.get("repeat_of"):
        refused = case.get("repeat_refused_at")
        number = case["repeat_of"]
        if refused:
            prefix = t("who.step_refused", number=number, date=t.when_iso(refused, turn.tz))
        else:
            prefix = t("who.step_refused_undated", number=number)
    else:
        prefix = _not_refused(t, found, phone, name)
    turn.replies.append(dataclasses.replace(step, text=f"{prefix}\n{step.text}"))


def _not_refused(t: Texts, found: History, phone: Phone | None, name: str | None) -> str:
    """The line above a call's step about a caller never refused: seen in a case, or not
    in the records (its number or name now on this case)."""
    if found.latest is not None and phone is None:
        return t("who.step_seen_name", name=name or "", number=found.latest["number"])
    if found.latest is not None:
        return t("who.step_seen", number=found.latest["number"])
    if phone is not None:
        return t("who.step_unknown")
    return t("who.step_unknown_name", name=name or "")


def _link(case: Case, refused: Case) -> None:
    """Make ``case`` a call after ``refused``'s refusal, with the caller's known company."""
    case["repeat_of"] = refused["number"]
    case["repeat_refused_at"] = refusal_recorded(refused)
    if not case.get("company") and refused.get("company"):
        case["company"] = refused["company"]
        case["company_norm"] = refused.get("company_norm")
    if not case.get("product_kind") and refused.get("product_kind"):
        case["product_kind"] = refused["product_kind"]


def _linked_event(turn: Turn, case: Case, refused: Case) -> None:
    detail = {"earlier_case": refused["number"], "refused_at": case.get("repeat_refused_at")}
    turn.store.add_event(case, "repeat_detected", detail=detail)


# -- the answer's buttons ---------------------------------------------------------------
@NOW.handles
def calling_now(turn: Turn, arg: str) -> None:
    head, carried = Carried.parse(arg)
    refused = turn.pressed_case(head)
    if refused is None:
        return
    if not (refused.get("refused_at") or refused.get("repeat_of")):
        turn.notice = turn.texts("stale_button")
        return
    turn.chosen = turn.texts("opt.who_now")
    call = call_going_on(turn, turn.active_case())
    if call is not None and carried.phone in (None, call.get("phone_e164")):
        # The call is already being recorded (a press after /call, or a second press).
        _keep(turn, call, refused, carried.phone)
        _show_checked(turn, call, History(()), None, None)
        return
    if double_tap(turn, "call", arg):
        return
    fill: Case = _phone_fill(carried)
    _link(fill, refused)
    case = start_case(turn, "call", fill)
    _linked_event(turn, case, refused)


@EARLIER.handles
def called_earlier(turn: Turn, arg: str) -> None:
    case = turn.pressed_case(arg)
    if case is None:
        return
    if not takes_another_call(case):
        turn.notice = turn.texts("stale_button")
        return
    turn.chosen = turn.texts("opt.who_earlier")
    called_again.ask(turn, case)


@NOT_THEM.handles
def not_them(turn: Turn, arg: str) -> None:
    turn.chosen = turn.texts("opt.who_not")
    turn.replies.append(Reply(turn.texts("who.not_them"), options=_start_options(turn, Carried())))


@START.handles
def start_with(turn: Turn, arg: str) -> None:
    mode, carried = Carried.parse(arg)
    filled = carried.phone is not None or carried.company_of is not None
    suffix = "_company" if carried.company_of is not None else ""
    turn.chosen = turn.texts(f"opt.who_{mode}{suffix}" if filled else f"opt.start_{mode}")
    call = call_going_on(turn, turn.active_case()) if mode == "call" else None
    if call is not None and carried.phone is not None:
        # The number of the call being recorded: checked on it, not a second case.
        check_at_call(turn, call, Phone(format_phone(carried.phone), carried.phone), None)
        return
    if double_tap(turn, mode, arg):
        return
    fill = _phone_fill(carried)
    note = None
    if carried.company_of is not None:
        number, mark = read_case_ref(carried.company_of)
        known = turn.own_case(number)
        if known is None or not mark_fits(known, mark):
            # Deleted, or replaced (a later case with the number, after /forget).
            note = turn.texts("who.case_gone", number=number)
        elif known.get("company"):
            fill = {"company": known["company"], "company_norm": known.get("company_norm")}
        else:  # its company erased since the answer was shown
            note = turn.texts("who.company_gone", number=number)
    start_case(turn, mode, fill, note=note)


def _phone_fill(carried: Carried) -> Case:
    """The case's number, from what a button carries."""
    if carried.phone is None:
        return {}
    return {"phone_raw": format_phone(carried.phone), "phone_e164": carried.phone}
