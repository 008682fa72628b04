"""Who is calling? A number (typed, pasted, shared as a contact) or a company name, looked
up in the user's own cases, answered in one message with the line to say first.

Three answers: a caller **refused before** (when, what was recorded, how many calls came
after, the firmer line; buttons: it is them calling now, they called earlier, the report, not
them); a caller **seen** but never refused (what is known; start a case with the number); an
**unknown** one (start a case with the number). At step ① of a call, "🔎 check the number"
(or the number sent there) looks up the caller of *this* call and switches the step to the
firmer line when it is a refused one.

Nothing looked up is stored. Only what the user then does writes it: a case started from an
answer's button (the button carries the number), or the number checked at step ① (it is that
call's number, kept on its case).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from flows.dialogs import LookupDialog
from flows.features import called_again
from flows.features import letters as letter_feature
from flows.letters import RESOLICITATION_REPORT
from flows.moments import call_moment, refusal_moment
from flows.normalize import Phone, clean_text, format_phone, normalize_name, phone_number_in
from flows.port import Option, Reply
from flows.review import takes_another_call
from flows.router import DialogRoute, Router
from flows.stepping import double_tap, start_case
from flows.steps import firmer_line
from flows.store.rows import Case
from flows.turn import Turn

router = Router()

# "They are calling now": a /call case linked to the refused case N ("N[-p<digits>]-<cases>":
# the number looked up, if any; the user's case count when shown, against double taps).
NOW = router.button("who_now", r"\d{1,9}(-p\d{6,15})?-\d{1,9}")
# "They called earlier": when? (the called-again dialog of case N).
EARLIER = router.button("who_earlier", r"\d{1,9}")
NOT_THEM = router.button("who_not", r"\d{1,9}")
# Start a case with what was looked up: "<mode>[-p<digits>|-c<case>]-<cases>".
START = router.button("who_start", r"(call|after)(-p\d{6,15}|-c\d{1,9})?-\d{1,9}")
# Step ① of a call, where a number sent is this call's number.
STEP_ONE = ("refusing", "pushing")
NAME_LIMIT = 100


@dataclass(frozen=True)
class History:
    """What the user's own cases say of one caller."""

    refusal: Case | None  # the first refusal of this caller
    later: tuple[Case, ...]  # cases recorded as calls after it (linked: ``repeat_of``)
    latest: Case | None  # the latest case about this caller, refused or not

    @property
    def calls_after(self) -> int:
        """Calls after the refusal: recorded on its case (🔁) and as cases of their own."""
        if self.refusal is None:
            return 0
        own = int(self.refusal.get("repeat_calls") or 0)
        return own + sum(1 + int(c.get("repeat_calls") or 0) for c in self.later)

    @property
    def last_call(self) -> str | None:
        moments = [self.refusal.get("last_repeat_at")] if self.refusal else []
        for case in self.later:
            moments += [call_moment(case), case.get("last_repeat_at")]
        known = [datetime.fromisoformat(m) for m in moments if m]
        return max(known).isoformat() if known else None


def history(turn: Turn, phone: str | None, company_norm: str | None, leave: int | None) -> History:
    """The caller's history in the user's cases (case id ``leave`` left out: the call itself)."""
    cases = [
        c for c in turn.store.related_cases(turn.user_id, phone, company_norm) if c["id"] != leave
    ]
    refused = [c for c in cases if c.get("refused_at")]
    first = min(refused, key=lambda c: datetime.fromisoformat(str(c["refused_at"])), default=None)
    # A call after it dropped by the user (cancelled) is not counted: it may be a slip.
    later = tuple(
        c
        for c in cases
        if first is not None and c.get("repeat_of") == first["number"] and c["state"] != "cancelled"
    )
    return History(first, later, cases[-1] if cases else None)


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
    if phone is not None:
        answer(turn, phone, None, _this_call(turn.active_case()))
        return
    name = clean_text(typed)
    if len(name) > NAME_LIMIT:
        turn.say("too_long", limit=NAME_LIMIT)
    elif not normalize_name(name):
        turn.say("who_empty")
    else:
        answer(turn, None, name, _this_call(turn.active_case()))


def _this_call(case: Case | None) -> int | None:
    """The id of the case still being recorded, if any: that call, not the caller's history."""
    return case["id"] if case is not None and not case.get("confirmed_at") else None


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
    """A phone number typed, pasted or shared where no step waits for text: look it up, and
    return True; False if the message is not a phone number (``case_flow`` answers it)."""
    inbound = turn.inbound
    raw = inbound.contact_phone if inbound.contact_phone is not None else inbound.text
    phone = phone_number_in(raw) if raw is not None else None
    if phone is None:
        return False
    if case is not None and case["state"] in STEP_ONE:
        check_at_call(turn, case, phone)
    else:
        answer(turn, phone, None, _this_call(case))
    return True


# -- the answer -------------------------------------------------------------------------
def answer(turn: Turn, phone: Phone | None, name: str | None, leave: int | None = None) -> None:
    """The one message about a caller: refused before, seen, or unknown (case id ``leave``
    left out)."""
    company = normalize_name(name or "") or None
    found = history(turn, phone.e164 if phone else None, company, leave)
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
    refused = refusal_moment(case)
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
    lines.append(t("law.note"))
    line = firmer_line(t, refused, case.get("product_kind"), tz)
    cases = turn.user.get("last_case_number") or 0
    carried = f"-p{phone.e164.lstrip('+')}" if phone and phone.e164 else ""
    options = [NOW.option(f"{number}{carried}-{cases}", t("opt.who_now"))]
    if takes_another_call(case):
        options.append(EARLIER.option(number, t("opt.who_earlier")))
    report = _report_case(found)
    if report is not None:
        options.append(letter_feature.kind_option(t, report["number"], RESOLICITATION_REPORT))
    options.append(NOT_THEM.option(number, t("opt.who_not"), secondary=True))
    return line.reply(text, t, tuple(options), "\n".join(lines))


def _report_case(found: History) -> Case | None:
    """The case whose re-solicitation report the evidence allows: the latest call recorded
    as a case of its own, else the refused case if calls after it were recorded on it."""
    for case in (*reversed(found.later), found.refusal):
        if case is not None and RESOLICITATION_REPORT in letter_feature.kinds_for(case):
            return case
    return None


def _start_options(turn: Turn, carried: str) -> tuple[Option, ...]:
    """/call and /after, carrying the number (``-p…``) or a case's company (``-c…``)."""
    t = turn.texts
    cases = turn.user.get("last_case_number") or 0
    labels = ("opt.who_call", "opt.who_after") if carried else ("opt.start_call", "opt.start_after")
    return tuple(
        START.option(f"{mode}{carried}-{cases}", t(label))
        for mode, label in zip(("call", "after"), labels, strict=True)
    )


def _seen(turn: Turn, case: Case, phone: Phone | None) -> Reply:
    t = turn.texts
    called = call_moment(case) or case["opened_at"]
    text = t("who.seen", number=case["number"], date=t.when_iso(called, turn.tz))
    carried = f"-p{phone.e164.lstrip('+')}" if phone and phone.e164 else f"-c{case['number']}"
    note = "\n".join([*_facts(turn, case), t("who.seen_hint")])
    return Reply(text, note=note, options=_start_options(turn, carried))


def _unknown(turn: Turn, phone: Phone | None, name: str | None) -> Reply:
    t = turn.texts
    if phone is not None and phone.e164:
        text = t("who.unknown_number", phone=format_phone(phone.e164))
        return Reply(text, options=_start_options(turn, f"-p{phone.e164.lstrip('+')}"))
    return Reply(t("who.unknown_name", name=name or ""), options=_start_options(turn, ""))


# -- step ① of a call -------------------------------------------------------------------
def check_at_call(turn: Turn, case: Case, phone: Phone) -> None:
    """This call's number, sent at step ①: kept on the case; if the user refused this caller
    before, the case is linked to that refusal and step ① shows the firmer line."""
    assert phone.e164 is not None
    found = history(turn, phone.e164, None, case["id"])
    before = case.copy()
    case["phone_raw"], case["phone_e164"] = format_phone(phone.e164), phone.e164
    refused = found.refusal
    if refused is not None:
        _link(case, refused)
    turn.store.save_case(before, case)
    if refused is not None:
        _linked_event(turn, case, refused)
        turn.show(case)  # step ① with the firmer line
        return
    turn.show(case)
    seen = found.latest
    key = "who.step_seen" if seen is not None else "who.step_unknown"
    prefix = turn.texts(key, number=seen["number"] if seen else "")
    step = turn.replies[-1]
    turn.replies[-1] = dataclasses.replace(step, text=f"{prefix}\n{step.text}")


def _link(case: Case, refused: Case) -> None:
    """Make ``case`` a call after ``refused``'s refusal, with the caller's known company."""
    case["repeat_of"] = refused["number"]
    case["repeat_refused_at"] = refusal_moment(refused)
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
    number, *carried, _ = arg.split("-")
    refused = turn.pressed_case(int(number))
    if refused is None:
        return
    if not refused.get("refused_at"):
        turn.notice = turn.texts("stale_button")
        return
    turn.chosen = turn.texts("opt.who_now")
    if double_tap(turn, "call", arg):
        return
    fill: Case = {}
    if carried:
        fill.update(_phone_fill(carried[0]))
    _link(fill, refused)
    case = start_case(turn, "call", fill)
    _linked_event(turn, case, refused)


@EARLIER.handles
def called_earlier(turn: Turn, arg: str) -> None:
    case = turn.pressed_case(int(arg))
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
    turn.replies.append(Reply(turn.texts("who.not_them"), options=_start_options(turn, "")))


@START.handles
def start_with(turn: Turn, arg: str) -> None:
    mode, *carried, _ = arg.split("-")
    turn.chosen = turn.texts(f"opt.who_{mode}" if carried else f"opt.start_{mode}")
    if double_tap(turn, mode, arg):
        return
    fill: Case = {}
    if carried and carried[0].startswith("p"):
        fill = _phone_fill(carried[0])
    elif carried:
        known = turn.own_case(int(carried[0][1:]))
        if known is not None and known.get("company"):
            fill = {"company": known["company"], "company_norm": known.get("company_norm")}
    start_case(turn, mode, fill)


def _phone_fill(carried: str) -> Case:
    """The case's number from a button's ``p<digits>`` (E.164 without its "+")."""
    phone = phone_number_in("+" + carried[1:])
    if phone is None or phone.e164 is None:
        return {}
    return {"phone_raw": format_phone(phone.e164), "phone_e164": phone.e164}
