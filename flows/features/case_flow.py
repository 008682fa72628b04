"""A call, step by step: starting a case, its step buttons, and what is typed at a step."""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from datetime import datetime, timedelta
from typing import Any

from flows import machine, reminders, review, steps
from flows.features import lookup, settings
from flows.letters.offices import licensing_authority
from flows.machine import TEXT_STATES
from flows.normalize import (
    clean_text,
    format_phone,
    looks_like_property,
    normalize_name,
    parse_future,
    parse_phone,
    parse_when,
    phone_number_in,
)
from flows.port import Option, Reply
from flows.router import STEP_TOKEN, Router, mark_fits, step_shown
from flows.stepping import at_first_step, double_tap, fire, just_opened, start_case
from flows.store.rows import Case, User
from flows.texts import Texts
from flows.turn import OTHER_BUTTONS, Turn
from flows.typed import ALIASES, fold, match_option, option_number, yes_or_no

router = Router()
# The steps where a phone number typed is the caller's, not the answer: its name, and what it
# sold (its number is asked at its own step).
_NOT_A_NUMBER_STATES = frozenset(
    {"recording_company", "recording_person", "recording_product", "recording_licence"}
)

# Longest text accepted per field; anything longer is refused with a clear message.
FIELD_LIMITS = {
    "broker": 100,
    "company": 100,
    "person": 60,
    "phone": 40,
    "product": 200,
    "licence": 60,
    "when": 40,
}
# A typed answer sent again within this long, identical to the one just saved, is taken for a
# re-send (its reply was lost), not for the next step's answer.
REPEAT_WINDOW = timedelta(minutes=2)

# "On a call" / "after a call", with the number of the user's latest case when shown.
START = router.button("start", r"(call|after)(-\d{1,9})?", legacy="g.start")


def start_options(texts: Texts, user: User) -> tuple[Option, ...]:
    """The two ways into a case (a second tap of the same button starts nothing: see
    ``stepping.double_tap``)."""
    cases = int(user.get("last_case_number") or 0)
    return (
        START.option(f"call-{cases}", texts("opt.start_call")),
        START.option(f"after-{cases}", texts("opt.start_after")),
    )


def _start_typed(turn: Turn, mode: str) -> None:
    """/call or /after typed: a new case, unless one was opened so just now. One that has a
    number or company in it already (a lookup's) and is still at its first question may be
    that call or the next one: asked, with a button for the next."""
    current = turn.active_case()
    filled = current is not None and any(
        current.get(key) for key in ("phone_e164", "company", "repeat_of")
    )
    if current is not None and filled and at_first_step(turn, current, mode):
        t = turn.texts
        another = START.option(
            f"{mode}-{turn.user.get('last_case_number') or 0}", t("opt.another_call")
        )
        who = review.who(current, t)
        turn.say("case_just_opened_caller", number=current["number"], who=who)
        turn.show(current)
        # Under the step's own buttons (one keyboard: the shell numbers the last reply's).
        step = turn.replies[-1]
        turn.replies[-1] = dataclasses.replace(step, options=(*step.options, another))
        return
    if current is None or filled or not just_opened(turn, current, mode):
        start_case(turn, mode, current=current)
        return
    turn.say("case_just_opened", number=current["number"])
    turn.show(current)


def _hint(key: str, turn: Turn, case: Case) -> str:
    """A hint that names ⏭ as its button reads: 「このまま」 when the field has a value."""
    return f"{key}_kept" if steps.keeps_value(turn.model(case), "skip") else key


def no_case(turn: Turn) -> None:
    turn.replies.append(Reply(turn.texts("no_case"), options=start_options(turn.texts, turn.user)))


# -- commands -------------------------------------------------------------------------
@router.command("start")
def start(turn: Turn, args: str) -> None:
    """/start: the greeting and the two ways into a case."""
    turn.replies.append(Reply(turn.texts("start"), options=start_options(turn.texts, turn.user)))


@router.command("help")
def help_(turn: Turn, args: str) -> None:
    """/help: what the bot does, its commands, and that this is not legal advice."""
    turn.say("help")


@router.command("call")
def call(turn: Turn, args: str) -> None:
    """/call: on a call now — the line to say, one step at a time; ``/call 03-…`` (or a
    company's name) also checks the caller, as a number sent during the call is."""
    if all(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in args):
        args = ""  # only invisible characters after it (a zero-width space): a plain /call
    if args and lookup.call_about(turn, args):
        return
    if args:
        turn.say("call_args_unread")
    _start_typed(turn, "call")


@router.command("after")
def after(turn: Turn, args: str) -> None:
    """/after: a call that has ended — record it."""
    _start_typed(turn, "after")


@router.command("cancel")
def cancel(turn: Turn, args: str) -> None:
    """/cancel: drop the case in progress (what it recorded stays in /cases). Sent while
    other buttons are on screen (the /forget question, a case's page), it is asked again
    with the case's step shown: it was most likely meant for those, and a cancelled case
    cannot be taken up again."""
    case = turn.active_case()
    if case is None or "cancel" not in machine.triggers_at(case["state"]):
        turn.say("cancel_nothing")
        return
    if turn.user.get("shown_step") == OTHER_BUTTONS:
        turn.say("cancel_which", number=case["number"])
        turn.show(case)
        return
    fire(turn, case, "cancel")


# -- buttons ----------------------------------------------------------------------------
@START.handles
def pressed_start(turn: Turn, arg: str) -> None:
    mode = arg.partition("-")[0]
    turn.chosen = turn.texts(f"opt.start_{mode}")
    if not double_tap(turn, mode, arg):
        start_case(turn, mode)


@router.steps
def pressed_step(turn: Turn, token: str) -> None:
    """A step button of a case (``3.5.refused``): only the active case's current step."""
    match = STEP_TOKEN.match(token)
    assert match is not None  # the router only sends step tokens here
    number, mark, seq = int(match[1]), match[2], int(match[3])
    trigger, shown = reminders.read_choice(match[4], turn.now(), turn.tz)
    case = turn.active_case()
    if case is not None and case["number"] == number and not mark_fits(case, mark):
        turn.notice = turn.texts("case_replaced", number=number)  # a button from before /forget
        return
    if case is None or case["number"] != number or case["seq"] != seq:
        turn.notice = turn.texts("stale_button" if turn.own_case(number) else "bad_button")
        return
    option = steps.option_for(turn.model(case), trigger)
    if option is None and trigger == "remind_evening" and case["state"] == "scheduling":
        turn.say("evening_passed")  # shown before 19:00, pressed after: the others shown
        turn.show(case)
        return
    if option is None:
        turn.notice = turn.texts("bad_button")
        return
    turn.chosen = option.label
    if shown is not None:
        fire(turn, case, trigger, remind_at=shown)  # the moment its label showed
    else:
        fire(turn, case, trigger)


# -- what is sent at a step -------------------------------------------------------------
@router.messages
def at_step(turn: Turn, text: str) -> None:
    """Text, a contact or an attachment that is neither a command nor a dialog's answer."""
    inbound = turn.inbound
    case = turn.active_case()
    other_buttons = inbound.text is not None and turn.user.get("shown_step") == OTHER_BUTTONS
    if case is None:
        if lookup.number_sent(turn, None):  # a phone number: who is it?
            return
        if other_buttons and settings.typed_language(turn, text):
            return
        if other_buttons:  # "yes" to a confirmation: said how to answer it
            turn.say("buttons_answer")
        else:
            no_case(turn)
        return
    if inbound.text is not None and _hidden_number(turn, case, inbound.text):
        turn.say("number_not_shown_text" if case["state"] in TEXT_STATES else "number_not_shown")
        turn.show(case)  # now shown: its numbers work from the next message
        return
    if other_buttons:
        # Typed while a confirmation, a case's page or a reminder is the last thing shown:
        # most likely its answer ("yes"), so neither stored nor taken for the hidden step's.
        if case["state"] not in TEXT_STATES and lookup.number_sent(turn, case):
            return  # a phone number: who is it? (as at the step)
        if settings.typed_language(turn, text):
            return
        turn.say("buttons_answer_step")
        turn.show(case)
        return
    if inbound.contact_phone is not None and case["state"] == "recording_phone":
        _answer(turn, case, inbound.contact_phone, from_contact=True)
    elif inbound.text is not None and _number_for_a_name(turn, case, inbound.text):
        return
    elif inbound.text is not None and case["state"] in TEXT_STATES:
        _answer(turn, case, inbound.text)  # a number typed here is this step's answer
    elif inbound.text is not None and case["state"] == "scheduling":
        _schedule_typed(turn, case, inbound.text)  # a time, else a number is looked up
    elif case["state"] not in TEXT_STATES and lookup.number_sent(turn, case):
        return  # a phone number where a button is expected: who is it?
    elif inbound.text is not None:
        _typed_choice(turn, case, inbound.text)
    else:
        turn.say("attachment_hint" if case["state"] in TEXT_STATES else "attachment_hint_option")
        turn.show(case)


def _number_for_a_name(turn: Turn, case: Case, text: str) -> bool:
    """A phone number typed where the caller's company, person, product or licence is asked
    is none of them (it was stored as one; no licence number is a valid phone number): it is
    the caller's number, kept on the case as one pasted during a call is, and the question
    asked again. (At the broker's, a number stays the answer: it may be all the caller said
    of their source, and the number step ④ calls.)"""
    if case["state"] not in _NOT_A_NUMBER_STATES:
        return False
    phone = phone_number_in(text)
    if phone is None:
        return False
    kept = case.get("phone_e164")
    if kept == phone.e164:  # sent again (its reply late): nothing new, the question stays
        turn.say("phone_same", phone=format_phone(kept))
        turn.show(case)
        return True
    if kept is not None or case.get("phone_raw"):
        # A second number: the first mistyped, or another the caller gave (or one for the
        # 「非通知」 recorded). The case keeps the first, and the question stays (the lookup's
        # buttons would take the name next); ✏️ fix changes it.
        typed = format_phone(phone.e164)
        shown = format_phone(kept) if kept else str(case["phone_raw"])
        turn.say("phone_second", kept=shown, typed=typed)
        turn.show(case)
        return True
    lookup.check_at_call(turn, case, phone, None)
    return True


def _hidden_number(turn: Turn, case: Case, text: str) -> bool:
    """Whether ``text`` is a number typed while this case's step is not the last thing
    shown (after /cases, /help or a reminder, "1" must not press a hidden button, nor be
    stored as the answer to a question not on the screen). In a step that asks for text,
    only 1–9 are taken so (then the answer; longer ones are answers at once)."""
    number = option_number(text)
    # "<number>.<seq>": noted before step buttons carried the case's mark.
    shown = turn.user.get("shown_step")
    if number is None or shown in (step_shown(case), f"{case['number']}.{case['seq']}"):
        return False
    return number < 10 or case["state"] not in TEXT_STATES


def _options(turn: Turn, case: Case) -> tuple[Option, ...]:
    return steps.options_for(turn.model(case.copy()))


def _typed_choice(turn: Turn, case: Case, text: str) -> None:
    options = _options(turn, case)
    trigger = match_option(case["state"], options, text)
    number = option_number(text)
    if trigger is None and number is not None:
        key = "no_such_option" if len(options) > 1 else "no_such_option_one"
        turn.say(key, number=number, last=len(options))
        turn.show(case)
        return
    if trigger is None:
        typed = fold(text)
        hint = (
            "first_step"
            if typed in ALIASES["back"]
            else "cannot_skip"
            if typed in ALIASES["skip"]
            else "pick_hint"
        )
        model = turn.model(case)
        named = steps.option_for(model, "named") if hint == "pick_hint" else None
        dodged = steps.option_for(model, "dodged") if named is not None else None
        if named is not None and dodged is not None and _a_name(typed):
            # Most likely the source itself, typed before its question, or 「わかりません」:
            # said which button each goes to (not taken for a broker's name).
            turn.say("source_typed_hint", named=named.label, dodged=dodged.label)
        elif hint == "pick_hint" and steps.option_for(model, "check_number") and _a_name(typed):
            # Where 🔎 asks for the caller's number, "its number" would be read as a phone
            # number's: a name typed is pointed to /who, which checks a company.
            turn.say("pick_hint_check")
        else:
            turn.say(hint)
        turn.show(case)
        return
    fire(turn, case, trigger)


def _a_name(typed: str) -> bool:
    """Whether folded typed text could be a name: it has letters, and is not yes or no."""
    return any(ch.isalpha() for ch in typed) and yes_or_no(typed) is None


def _schedule_typed(turn: Turn, case: Case, text: str) -> None:
    trigger = match_option(case["state"], _options(turn, case), text)
    if trigger is not None:
        fire(turn, case, trigger)
        return
    moment = parse_future(text, turn.now(), turn.tz)
    if moment is None and lookup.number_sent(turn, case):
        return
    if moment is None:
        turn.say("bad_remind_time")
        turn.show(case)
        return
    fire(turn, case, "answer", remind_at=moment)


def _repeated_answer(turn: Turn, case: Case, text: str) -> bool:
    """Whether ``text`` is the answer just saved for the step before, sent again because its
    reply was lost or late (a network error): then it is not stored in this field (a broker's
    name as the company); the user is told, and may send it once more if it is meant for this
    step too (the repeat is recorded, so a second one is stored)."""
    last = turn.store.last_event(case["id"])
    if last is None or (last["kind"], last["trigger"]) != ("step", "answer"):
        return False
    earlier = json.loads(last["detail"] or "{}")
    if last["state_to"] != case["state"] or earlier.get("value") != text:
        return False
    if turn.now() - datetime.fromisoformat(last["at"]) > REPEAT_WINDOW:
        return False
    turn.store.add_event(case, "answer_repeated", detail={"field": earlier.get("field")})
    turn.say("answer_repeated", value=text)
    turn.show(case)
    return True


def _answer(turn: Turn, case: Case, raw: str, from_contact: bool = False) -> None:
    t = turn.texts
    field_name = case["state"].removeprefix("recording_")
    text = clean_text(raw)
    available = machine.triggers_at(case["state"])
    folded = fold(text)
    columns = machine.FIELD_COLUMNS[field_name]
    clearing = folded in ALIASES["clear"] or (
        case.get("fixing") and folded in ALIASES["clear_at_fix"]
    )
    if clearing:
        # 「消す」 where a value is shown (at ✏️ fix, 「なし」 too): there is none (a company's
        # name typed as the broker's). Elsewhere 「なし」 is a skip, which keeps a value the
        # bot filled in (the number sent during the call); so is "skip". Where nothing is
        # shown there is nothing to clear: a skip (「消す」 is no company's name).
        if _repeated_answer(turn, case, text):
            return  # 「消す」 sent twice: not a skip of the next field
        if steps.current_value(turn.model(case)) is None:
            fire(turn, case, "skip")
            return
        cleared = {"field": field_name, "value": text, "cleared": True}
        fire(turn, case, "answer", changes=dict.fromkeys(columns), answer=cleared)
        return
    # A typed number here is the step's answer ("9" at the call's time is 09:00), never an
    # option: Telegram's and LINE's buttons show no numbers (a typed "4" cancelled the case),
    # and the shell sends the number of an option on its screen as that option.
    for trigger in ("back", "skip", "cancel", "now"):
        if trigger in available and folded in ALIASES[trigger]:
            fire(turn, case, trigger)
            return
    if "skip" in available and folded in ALIASES["dont_know"]:
        fire(turn, case, "skip")  # 「わかりません」 is no company's name
        return
    if _repeated_answer(turn, case, text):
        return
    problem: str | None = None
    if not text:
        problem = t("empty_text")
    elif len(text) > FIELD_LIMITS[field_name]:
        problem = t("too_long", limit=FIELD_LIMITS[field_name])
    if problem:
        turn.replies.append(Reply(problem))
        turn.show(case)
        return
    changes: dict[str, Any] = {}
    notes: list[Reply] = []
    if field_name == "broker":
        changes = {"broker_name": text}
    elif field_name == "company":
        changes = {"company": text, "company_norm": normalize_name(text) or None}
    elif field_name == "phone":
        withheld = folded in ALIASES["withheld"]
        if not from_contact and not withheld and not any(ch.isdigit() for ch in text):
            # No digit at all: no number (a name, an emoji), refused; 「非通知」 is kept.
            turn.say(_hint("phone_no_digits", turn, case), typed=text)
            turn.show(case)
            return
        # A contact's number may come without its "+" (Telegram): read as a caller's number.
        phone = (phone_number_in(text, contact=True) if from_contact else None) or parse_phone(text)
        changes = {"phone_raw": phone.raw, "phone_e164": phone.e164}
        if from_contact:
            notes.append(Reply(t("phone_from_contact")))
        if not phone.valid and not withheld:
            notes.append(Reply(t("phone_unparsed", raw=phone.raw)))
    elif field_name == "product":
        kind = "property" if looks_like_property(text) else "other"
        changes = {"product": text, "product_kind": kind}
    elif field_name == "licence":
        changes = {"licence": text}
        authority, prefecture = licensing_authority(text)
        if authority == "unknown" or (authority == "governor" and prefecture is None):
            notes.append(Reply(t("licence_unread")))  # kept: it may be all they would say
    elif field_name == "when":
        moment = parse_when(text, turn.now(), turn.tz)
        if moment is None:
            turn.say(_hint("bad_when", turn, case))
            turn.show(case)
            return
        changes = {"call_at": moment.isoformat()}
    else:
        changes = {field_name: text}
    turn.replies.extend(notes)
    # The step's event carries the answer as typed: one row per message (a time also as
    # read then: 「昨日 15:00」 a week later is a date).
    answer = {"field": field_name, "value": text}
    if "call_at" in changes:
        answer["at"] = changes["call_at"]
    fire(turn, case, "answer", changes=changes, answer=answer)
