"""Writing a letter: which one a case has the facts for, who sends it, then the files.

The dialog (``flows.dialogs.LetterDialog``): [the head office's prefecture, for a report] →
the saved sender, or name → address → phone (may be skipped) → keep them for next time? →
the letter as PDF and text (and the 内容証明 form for a request), recorded on the case, with a
reminder to check that the request was honoured.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any, cast

from flows import letters, reminders
from flows.callers import history
from flows.dialogs import LETTER_NEXT, SENDER_LIMITS, LetterDialog
from flows.moments import call_moment, refusal_moment, repeat_call_at
from flows.normalize import clean_text, format_phone, parse_phone
from flows.port import Attachment, Option, Reply
from flows.router import CASE_REF, DialogRoute, Router, case_ref
from flows.schedule import in_days
from flows.store.rows import Case, Event
from flows.texts import Texts
from flows.turn import Turn
from flows.typed import ALIASES, fold, match_choice, yes_or_no

router = Router()

BUILDERS = {
    letters.BROKER_REQUEST: letters.broker_request,
    letters.COMPANY_REQUEST: letters.company_request,
}
# The short codes of the letters in buttons (``letter_kind.<case>-<code>``).
CODES = {
    "b": letters.BROKER_REQUEST,
    "c": letters.COMPANY_REQUEST,
    "r": letters.RESOLICITATION_REPORT,
}
_CODE_OF = {kind: code for code, kind in CODES.items()}

# ✉️ on a case's page: choose the letter.
CHOOSE = router.button("letter", CASE_REF, legacy="g.letter")
# One letter of one case: begins the dialog.
KIND = router.button("letter_kind", rf"{CASE_REF}-[bcr]", legacy="g.lk", in_dialog=True)
SENDER = router.button("sender", r"saved|new", legacy="g.snd", in_dialog=True)
NO_PHONE = router.button("sender_no_phone", r"skip", legacy="g.lph", in_dialog=True)
KEEP = router.button("keep_sender", r"yes|no", legacy="g.keep", in_dialog=True)
NO_OFFICE = router.button("head_office_unknown", r"skip", legacy="g.off", in_dialog=True)
# The way out of the sender's questions (typed: /cancel, 中止, cancel; back: 戻る).
CANCEL = router.button("letter_cancel", r"stop", in_dialog=True)
# The question before each of the sender's (the first ones have none).
_PREVIOUS = {"address": "name", "phone": "address", "keep": "phone"}


def kind_option(texts: Texts, case: Case, kind: str) -> Option:
    """The button that starts writing one letter for a case."""
    return KIND.option(f"{case_ref(case)}-{_CODE_OF[kind]}", texts(f"opt.letter_{kind}"))


def file_stem(number: int, kind: str) -> str:
    """How a letter's files are named (a channel that keeps them finds a case's by it)."""
    return f"kotowari-case{number}-{kind.replace('_', '-')}"


def kinds_for(case: Case, calls_after: bool = False) -> list[str]:
    """The letters a case has the facts for; ``calls_after``: calls after its refusal are
    recorded as cases of their own (``case_kinds`` looks)."""
    kinds = []
    caller = case.get("company") or case.get("phone_raw")
    if case.get("broker_name"):
        kinds.append(letters.BROKER_REQUEST)
    if caller:
        kinds.append(letters.COMPANY_REQUEST)
    # A report of calls after a refusal needs such a call on record: this case's call came
    # after an earlier refusal, or calls after this case's refusal were recorded.
    later = case.get("repeat_calls") or calls_after
    repeated = case.get("repeat_of") or (case.get("refused_at") and later)
    if caller and repeated:
        kinds.append(letters.RESOLICITATION_REPORT)
    return kinds


def case_kinds(turn: Turn, case: Case) -> list[str]:
    """``kinds_for``, with the calls after the case's refusal recorded as cases of their own
    (a report from the refused case lists them: ``_calls_recorded_elsewhere``)."""
    look = bool(case.get("refused_at")) and not case.get("repeat_calls")
    return kinds_for(case, look and bool(turn.store.calls_after(turn.user_id, case["number"])))


@CHOOSE.handles
def choose(turn: Turn, arg: str) -> None:
    t = turn.texts
    case = turn.pressed_case(arg)
    if case is None:
        return
    turn.chosen = t("opt.case_letter")
    kinds = case_kinds(turn, case)
    if not kinds:
        turn.say("letter_none")
        return
    options = tuple(kind_option(t, case, kind) for kind in kinds)
    turn.replies.append(Reply(t("letter_choose", number=case["number"]), options=options))


@KIND.handles
def pressed_kind(turn: Turn, arg: str) -> None:
    number, _, code = arg.partition("-")
    case = turn.pressed_case(number)
    if case is None:
        return
    begin(turn, case, CODES[code])


def begin(turn: Turn, case: Case, kind: str) -> None:
    """Start writing letter ``kind`` for ``case`` (from its button, a step, a reminder)."""
    if kind not in case_kinds(turn, case):
        turn.notice = turn.texts("bad_button")
        return
    turn.chosen = turn.texts(f"opt.letter_{kind}")
    dialog = LetterDialog(case["number"], kind)
    if kind == letters.RESOLICITATION_REPORT and letters.needs_head_office(_reported(turn, case)):
        # The addressee depends on the head office's prefecture: ask it first.
        _ask(turn, LetterDialog(case["number"], kind, step="office"))
        return
    _sender(turn, dialog)


def _waiting(turn: Turn, step: str | None) -> LetterDialog | None:
    """The letter dialog, if it is waiting for this button's answer; else says it expired."""
    dialog = turn.dialog
    if not isinstance(dialog, LetterDialog) or dialog.step != step:
        turn.notice = turn.texts("letter_expired")
        return None
    return dialog


@NO_OFFICE.handles
def office_unknown(turn: Turn, arg: str) -> None:
    dialog = _waiting(turn, "office")
    if dialog is not None:
        turn.chosen = turn.texts("opt.skip")
        _sender(turn, dialog.answered("office", None, None))


@SENDER.handles
def pressed_sender(turn: Turn, arg: str) -> None:
    dialog = _waiting(turn, None)
    if dialog is None:
        return
    user = turn.user
    if arg == "saved":
        turn.chosen = turn.texts("opt.sender_saved")
        name, address = user.get("sender_name"), user.get("sender_address")
        if not (name and address):  # erased meanwhile (/forget from another device)
            turn.notice = turn.texts("letter_expired")
            return
        _write(turn, dialog, name, address, user.get("sender_phone"))
    else:
        turn.chosen = turn.texts("opt.sender_new")
        _ask(turn, LetterDialog(dialog.case, dialog.letter, "name", dialog.office))


@NO_PHONE.handles
def no_phone(turn: Turn, arg: str) -> None:
    dialog = _waiting(turn, "phone")
    if dialog is not None:
        turn.chosen = turn.texts("opt.skip")
        _ask(turn, dialog.answered("phone", None, "keep"))


@KEEP.handles
def keep_sender(turn: Turn, arg: str) -> None:
    dialog = _waiting(turn, "keep")
    if dialog is None:
        return
    turn.chosen = turn.texts(f"opt.keep_sender_{arg}")
    if arg == "yes":
        turn.store.update_user(
            turn.user_id,
            sender_name=dialog.name,
            sender_address=dialog.address,
            sender_phone=dialog.phone,
        )
    assert dialog.name is not None and dialog.address is not None
    _write(turn, dialog, dialog.name, dialog.address, dialog.phone)


def _sender(turn: Turn, dialog: LetterDialog) -> None:
    """Who sends the letter: the saved sender if there is one, else ask the name."""
    t = turn.texts
    user = turn.user
    if not (user.get("sender_name") and user.get("sender_address")):
        _ask(turn, LetterDialog(dialog.case, dialog.letter, "name", dialog.office))
        return
    turn.set_dialog(dialog)
    saved = {"name": user["sender_name"], "address": user["sender_address"]}
    phone = user.get("sender_phone")
    turn.replies.append(
        Reply(
            t("letter_saved_sender_phone", **saved, phone=phone)
            if phone
            else t("letter_saved_sender", **saved),
            options=(
                SENDER.option("saved", t("opt.sender_saved")),
                SENDER.option("new", t("opt.sender_new")),
                CANCEL.option("stop", t("opt.cancel"), secondary=True),
            ),
        )
    )


def _ask(turn: Turn, dialog: LetterDialog) -> None:
    t = turn.texts
    turn.set_dialog(dialog)
    step = dialog.step
    cancel = CANCEL.option("stop", t("opt.cancel"), secondary=True)
    options: tuple[Option, ...] = (cancel,)
    if step == "phone":
        options = (NO_PHONE.option("skip", t("opt.skip"), secondary=True), cancel)
    elif step == "office":
        options = (NO_OFFICE.option("skip", t("opt.skip"), secondary=True), cancel)
    elif step == "keep":
        options = (
            KEEP.option("yes", t("opt.keep_sender_yes")),
            KEEP.option("no", t("opt.keep_sender_no")),
        )
    question = "letter_ask_keep_phone" if step == "keep" and dialog.phone else f"letter_ask_{step}"
    turn.replies.append(Reply(t(question), options=options))


def _typed(turn: Turn, dialog: LetterDialog, raw: str) -> bool:
    """The typed answer to the question the dialog waits on (none while it waits for the
    saved-sender button: the text then goes to the case's step)."""
    if dialog.step is None:
        # 中止 and 戻る are the dialog's own here too (中止 went on to cancel the case).
        typed = fold(clean_text(raw))
        if typed in ALIASES["cancel"]:
            _cancel(turn)
        elif typed in ALIASES["back"]:
            _back(turn, dialog, None)
        else:
            return False
        return True
    _answer(turn, dialog, dialog.step, clean_text(raw))
    return True


@CANCEL.handles
def pressed_cancel(turn: Turn, arg: str) -> None:
    if isinstance(turn.dialog, LetterDialog):
        turn.chosen = turn.texts("opt.cancel")
        _cancel(turn)
    else:
        turn.notice = turn.texts("letter_expired")


def _cancel(turn: Turn) -> None:
    turn.set_dialog(None)
    turn.say("letter_cancelled")


def _ask_again(turn: Turn, dialog: LetterDialog) -> bool:
    """A message delivered again (after a crash): the question it answered, asked again."""
    if turn.own_case(dialog.case) is None:
        return False
    if dialog.step is None:
        _sender(turn, dialog)
    else:
        _ask(turn, dialog)
    return True


_KEEP_LABELS = {"yes": "opt.keep_sender_yes", "no": "opt.keep_sender_no"}


def _answer(turn: Turn, dialog: LetterDialog, step: str, text: str) -> None:
    t = turn.texts
    typed = fold(text)
    if typed in ALIASES["cancel"]:
        _cancel(turn)  # "中止" is not a name
        return
    if typed in ALIASES["back"]:
        _back(turn, dialog, step)
        return
    if step == "keep":
        choice = match_choice(text, _KEEP_LABELS)
        if choice is None:
            turn.say("pick_hint")
            _ask(turn, dialog)
            return
        keep_sender(turn, choice)
        return
    if step in ("phone", "office") and fold(text) in ALIASES["skip"]:
        (no_phone if step == "phone" else office_unknown)(turn, "skip")
        return
    if step == "office":
        office = letters.prefecture(text[: SENDER_LIMITS["office"]])
        if office is None:
            turn.say("bad_office")
            _ask(turn, dialog)
            return
        _sender(turn, dialog.answered("office", office, None))
        return
    if not text or len(text) > SENDER_LIMITS[step]:
        problem = t("empty_text") if not text else t("too_long", limit=SENDER_LIMITS[step])
        turn.replies.append(Reply(problem))
        _ask(turn, dialog)
        return
    value = _as_sender(step, text)
    if value is None and step == "address" and letters.lacks_a_block_number(text):
        if dialog.address == text:
            value = text  # sent again as it was: an address without a number (吉田本町)
        else:
            # Kept as the answer sent once, for the question asked again.
            turn.say("sender_address_no_number")
            _ask(turn, replace(dialog, address=text))
            return
    if value is None:
        turn.say(f"bad_sender_{step}")
        _ask(turn, dialog)
        return
    _ask(turn, dialog.answered(step, value, LETTER_NEXT[step]))


def _back(turn: Turn, dialog: LetterDialog, step: str | None) -> None:
    """戻る: the question before ``step`` (None: the saved sender's choice). Before the name
    comes that choice (when a sender is saved); before the choice, or the name, for a report
    the head office's prefecture (when it was asked); before the first question there is
    none, and it is asked again."""
    previous = _PREVIOUS.get(step or "")
    if previous is not None:
        _ask(turn, replace(dialog, step=previous))
        return
    user = turn.user
    if step == "name" and user.get("sender_name") and user.get("sender_address"):
        _sender(turn, replace(dialog, step=None))
        return
    case = turn.own_case(dialog.case)
    asked_office = (
        dialog.letter == letters.RESOLICITATION_REPORT
        and case is not None
        and letters.needs_head_office(_reported(turn, case))
    )
    if step != "office" and asked_office:
        _ask(turn, replace(dialog, step="office"))
        return
    turn.say("letter_first_question")
    if step is None:
        _sender(turn, dialog)
    else:
        _ask(turn, dialog)


def _as_sender(step: str, text: str) -> str | None:
    """``text`` as the letter gives the sender's name, address or phone; None if it cannot be
    one ("1" as a name, "123" as an address, an address typed for the phone)."""
    if step == "name":
        # A word typed for the button it is not ("スキップ", "はい") is not a name either.
        if fold(text) in ALIASES["skip"] or yes_or_no(text) is not None:
            return None
        return text if any(ch.isalpha() for ch in text) else None
    if step == "address":
        return text if letters.looks_like_address(text) else None
    e164 = parse_phone(text).e164
    return format_phone(e164) if e164 else None


router.dialog(
    LetterDialog,
    DialogRoute(on_text=_typed, cancelled="letter_cancelled", ask_again=_ask_again),
)


# What a report says of the business, each with what goes with it (a broker's name with
# whether the caller named it, a product with its kind). Not the person or the number: the
# later call's own (another caller, another line, perhaps).
_BUSINESS_FACTS = (
    ("company", "company_norm"),
    ("licence",),
    ("product", "product_kind"),
    ("broker_name", "source_named"),
)


def _reported(turn: Turn, case: Case, earlier: Case | None = None) -> Case:
    """The case a report is written from: for a call after a refusal recorded as a case of
    its own, what that case lacks of the business (its licence, the broker it named) from
    the refused case, which the user recorded of the same company."""
    repeat_of = case.get("repeat_of")
    if not repeat_of:
        return case
    if earlier is None:
        earlier = turn.own_case(repeat_of)
    if earlier is None:
        return case
    merged: dict[str, Any] = dict(case)
    for fields in _BUSINESS_FACTS:
        if not case.get(fields[0]) and earlier.get(fields[0]):
            merged.update({field: earlier.get(field) for field in fields})
    return cast(Case, merged)


def _calls_recorded_elsewhere(turn: Turn, case: Case, earlier: Case | None) -> list[Event]:
    """For a report: the other calls after the refusal it reports, as ``repeat_call`` events:
    those recorded on a refused case of the same caller, and the calls recorded as cases of
    their own (``flows.callers``: the lookup counts the same calls)."""
    refused = earlier if case.get("repeat_of") else case
    if refused is None:
        return []
    since = case.get("repeat_refused_at") if case.get("repeat_of") else refusal_moment(case)
    store = turn.store
    found: list[Event] = []
    caller = history(store, turn.user_id, refused.get("phone_e164"), refused.get("company_norm"))
    for other in caller.cases:
        if other["id"] == case["id"]:
            continue
        if other in caller.later and (at := call_moment(other)):
            found.append({"kind": "repeat_call", "detail": json.dumps({"at": at})})
        if other.get("refused_at"):
            found += [e for e in store.events(other["id"]) if e["kind"] == "repeat_call"]
    if since is None:
        return found
    after = datetime.fromisoformat(since)
    return [e for e in found if _after(repeat_call_at(e), after)]


def _after(at: object, moment: datetime) -> bool:
    return bool(at) and datetime.fromisoformat(str(at)) > moment


def _write(turn: Turn, dialog: LetterDialog, name: str, address: str, phone: str | None) -> None:
    """Build the letter from the case, attach it as PDF and text, record it."""
    t = turn.texts
    turn.set_dialog(None)
    case = turn.own_case(dialog.case)
    if case is None:
        turn.say("case_not_found", number=dialog.case)
        return
    now = turn.now()
    kind = dialog.letter
    sender = letters.Sender(name, address, phone)
    events = turn.store.events(case["id"])
    today = now.astimezone(turn.tz).date()
    if kind == letters.RESOLICITATION_REPORT:
        earlier = turn.own_case(repeat_of) if (repeat_of := case.get("repeat_of")) else None
        events = [*events, *_calls_recorded_elsewhere(turn, case, earlier)]
        letter = letters.resolicitation_report(
            _reported(turn, case, earlier), events, sender, today, turn.tz, dialog.office, earlier
        )
    else:
        letter = BUILDERS[kind](case, events, sender, today, turn.tz)
    stem = file_stem(case["number"], kind)
    business = kind in letters.BUSINESS_LETTERS
    # The post office takes 内容証明 only to a named addressee (the same on the letter, its
    # copies and the envelope): not to "the business calling from 090-…".
    named = case.get("broker_name") if kind == letters.BROKER_REQUEST else case.get("company")
    naiyo = business and bool(named)
    files = [
        # Typeset when the channel sends it (off its event loop), from the letter above.
        Attachment(f"{stem}.pdf", partial(letters.to_pdf, letter), caption=letter.title),
        Attachment(f"{stem}.txt", letter.body.encode("utf-8")),
    ]
    if naiyo:
        files.append(
            Attachment(
                f"{stem}-naiyo-shomei.pdf",
                partial(letters.naiyo_pdf, letter),
                caption=letters.naiyo_title(letter),
            )
        )
    turn.store.add_event(case, "letter", detail={"kind": kind, "title": letter.title})
    lines = [t("letter_done" if business else "letter_done_report", title=letter.title)]
    if t("letter_language"):
        lines.append(t("letter_language"))
    missing = letters.missing_in_pdf(letter)
    if missing:
        lines.append(t("letter_missing_glyphs", chars=" ".join(missing)))
    lines += ["", *letter.notes_in(t)]
    if naiyo:
        lines += ["", t("letter_naiyo")]
    # The product's word to its user, never a line of the letter that is sent.
    lines += ["", t("letter_disclaimer")]
    turn.replies.append(Reply("\n".join(lines).strip(), attachments=tuple(files)))
    if not business:
        return
    before = case.copy()
    case["letter_at"] = now.isoformat()
    turn.store.save_case(before, case)
    # The written request settles the earlier follow-ups of a request to the same addressee
    # ("write to them", an earlier letter's check; to the broker, "call them (again)"):
    # one check, naming them.
    addressee = letters.ADDRESSEE_OF[kind]
    settled: tuple[str, ...] = reminders.REQUEST_KINDS
    if addressee == "broker":
        settled += reminders.BROKER_KINDS
    turn.store.close_reminders(case["id"], "done", settled, addressee)
    due = in_days(now, reminders.LETTER_CHECK_DAYS, turn.tz)
    turn.remind(case, "check_compliance", due, addressee, "letter")
