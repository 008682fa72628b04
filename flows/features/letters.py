"""Writing a letter: which one a case has the facts for, who sends it, then the files.

The dialog (``flows.dialogs.LetterDialog``): [the head office's prefecture, for a report] |
[the addressee's postal address, for a request to a named broker or company] → the saved
sender, or name → address → phone (may be skipped) → keep them for next time? → the letter
(``flows.features.writing``) as PDF and text (and the 内容証明 form for a request), recorded on the case, with a
reminder to check that the request was honoured.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

from flows import letters
from flows.dialogs import LETTER_NEXT, SENDER_LIMITS, LetterDialog, sender_answer
from flows.features.reported import reported
from flows.features.writing import address_column, named, write
from flows.normalize import clean_text
from flows.port import Option, Reply
from flows.router import CASE_REF, DialogRoute, Router, case_ref
from flows.store.rows import Case
from flows.texts import Texts
from flows.turn import Turn
from flows.typed import ALIASES, button_typed, fold, match_choice

router = Router()

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
# The addressee's address: the one given before, or none (written in by hand).
# Each carries its case and letter (``<case>-<code>``): a button left from another letter's
# question answers nothing else.
RECIPIENT_KEEP = router.button("recipient_known", rf"{CASE_REF}-[bc]", in_dialog=True)
NO_RECIPIENT = router.button("recipient_unknown", rf"{CASE_REF}-[bc]", in_dialog=True)
# The way out of the sender's questions (typed: /cancel, 中止, cancel; back: 戻る).
CANCEL = router.button("letter_cancel", r"stop", in_dialog=True)
# The question before each of the sender's (the first ones have none).
_PREVIOUS = {"address": "name", "phone": "address", "keep": "phone"}


def kind_option(texts: Texts, case: Case, kind: str) -> Option:
    """The button that starts writing one letter for a case."""
    return KIND.option(_letter_ref(case, kind), texts(f"opt.letter_{kind}"))


def _letter_ref(case: Case, kind: str) -> str:
    """One letter of one case, as its buttons carry it: ``<case>-<code>``."""
    return f"{case_ref(case)}-{_CODE_OF[kind]}"


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
    (a report from the refused case lists them: ``flows.features.reported``)."""
    look = bool(case.get("refused_at")) and not case.get("repeat_calls")
    later = turn.store.calls_after(turn.user_id, case["number"]) if look else []
    # Not a later case the user cancelled: the report leaves it out, as /case does.
    return kinds_for(case, any(c["state"] != "cancelled" for c in later))


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
    first = _first_question(turn, case, kind)
    dialog = LetterDialog(case["number"], kind, step=first)
    if first is None:
        _sender(turn, dialog)
    else:
        _ask(turn, dialog)


def _first_question(turn: Turn, case: Case, kind: str) -> str | None:
    """The question before the sender's: for a report whose addressee depends on it, the
    head office's prefecture; for a request to a named business, its postal address."""
    if kind == letters.RESOLICITATION_REPORT and letters.needs_head_office(reported(turn, case)):
        return "office"
    return "recipient" if named(case, kind) else None


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


def _known_address(turn: Turn, dialog: LetterDialog) -> str | None:
    """The address given before for the letter's addressee (on its case, or another case of
    the same broker or company)."""
    case = turn.own_case(dialog.case)
    if case is None:
        return None
    return turn.store.known_address(case, letters.ADDRESSEE_OF[dialog.letter])


def _recipient_ref(turn: Turn, dialog: LetterDialog) -> str | None:
    """What the address question's buttons carry: its case and letter."""
    case = turn.own_case(dialog.case)
    return None if case is None else _letter_ref(case, dialog.letter)


def _waiting_recipient(turn: Turn, arg: str) -> LetterDialog | None:
    """The letter dialog, if its address question is the one this button was shown with."""
    dialog = _waiting(turn, "recipient")
    if dialog is not None and _recipient_ref(turn, dialog) != arg:
        turn.notice = turn.texts("letter_expired")
        return None
    return dialog


@RECIPIENT_KEEP.handles
def recipient_known(turn: Turn, arg: str) -> None:
    dialog = _waiting_recipient(turn, arg)
    if dialog is None:
        return
    known = _known_address(turn, dialog)
    if known is None:  # no longer known (the case it came from deleted): asked again
        _ask(turn, dialog)
        return
    turn.chosen = turn.texts("opt.recipient_keep")
    _recipient_given(turn, dialog, known)


@NO_RECIPIENT.handles
def recipient_unknown(turn: Turn, arg: str) -> None:
    if _waiting_recipient(turn, arg) is not None:
        _recipient_skipped(turn, "skip")


def _recipient_skipped(turn: Turn, arg: str) -> None:
    dialog = _waiting(turn, "recipient")
    if dialog is not None:
        turn.chosen = turn.texts("opt.skip")
        _sender(turn, replace(dialog, step=None, to_address=None))


def _recipient_given(turn: Turn, dialog: LetterDialog, address: str) -> None:
    """The addressee's address for this letter, kept on the case for the next one."""
    case = turn.own_case(dialog.case)
    if case is not None:
        column = address_column(dialog.letter)
        if case.get(column) != address:
            before = case.copy()
            cast("dict[str, Any]", case)[column] = address
            turn.store.save_case(before, case)
    _sender(turn, replace(dialog, step=None, to_address=address))


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
        write(turn, dialog, name, address, user.get("sender_phone"))
    else:
        turn.chosen = turn.texts("opt.sender_new")
        _ask(turn, replace(dialog, step="name"))


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
    write(turn, dialog, dialog.name, dialog.address, dialog.phone)


def _sender(turn: Turn, dialog: LetterDialog) -> None:
    """Who sends the letter: the saved sender if there is one, else ask the name."""
    t = turn.texts
    user = turn.user
    if not (user.get("sender_name") and user.get("sender_address")):
        _ask(turn, replace(dialog, step="name"))
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
    elif step == "recipient":
        _ask_recipient(turn, dialog, cancel)
        return
    elif step == "keep":
        options = (
            KEEP.option("yes", t("opt.keep_sender_yes")),
            KEEP.option("no", t("opt.keep_sender_no")),
        )
    question = "letter_ask_keep_phone" if step == "keep" and dialog.phone else f"letter_ask_{step}"
    if step == "phone" and dialog.letter not in letters.BUSINESS_LETTERS:
        question = "letter_ask_phone_report"  # to an office: no business searches a record
    turn.replies.append(Reply(t(question), options=options))


def _ask_recipient(turn: Turn, dialog: LetterDialog, cancel: Option) -> None:
    t = turn.texts
    case = turn.own_case(dialog.case)
    if case is None:  # deleted meanwhile
        turn.set_dialog(None)
        turn.say("case_not_found", number=dialog.case)
        return
    addressee = letters.ADDRESSEE_OF[dialog.letter]
    lines = [
        t("letter_ask_recipient", name=named(case, dialog.letter)),
        t(f"letter_find_{addressee}"),
    ]
    ref = _letter_ref(case, dialog.letter)
    options: tuple[Option, ...] = (NO_RECIPIENT.option(ref, t("opt.skip"), secondary=True), cancel)
    known = turn.store.known_address(case, addressee)
    if known:
        lines.append(t("letter_recipient_known", address=known))
        options = (RECIPIENT_KEEP.option(ref, t("opt.recipient_keep")), *options)
    turn.replies.append(Reply("\n".join(lines), options=options))


def _typed(turn: Turn, dialog: LetterDialog, raw: str) -> bool:
    """The typed answer to the question the dialog waits on. While it waits for the saved
    sender's button: a button's label or number (one with no button: the question shown
    again; a "1" after a restart went to the case's step and recorded a refusal), 中止 or
    戻る; other text goes to the case's step."""
    if dialog.step is None:
        # 中止 and 戻る are the dialog's own here too (中止 went on to cancel the case).
        typed = fold(clean_text(raw))
        pressed = button_typed(raw, (*_SENDER_LABELS, "stop"), _SENDER_LABELS)
        if typed in ALIASES["cancel"] or pressed == "stop":
            _cancel(turn)
        elif typed in ALIASES["back"]:
            _back(turn, dialog, None)
        elif pressed:
            pressed_sender(turn, pressed)
        elif pressed == "":
            turn.say("letter_question_again")
            _sender(turn, dialog)
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


def _attachment(turn: Turn, dialog: LetterDialog) -> bool:
    """A photo or a contact sent for the letter's question: said to answer it as asked (by
    typing, or with its buttons), and the question asked again. A contact shared for the
    sender's phone is its number."""
    contact = turn.inbound.contact_phone
    if dialog.step == "phone" and contact is not None and turn.own_case(dialog.case):
        _answer(turn, dialog, "phone", clean_text(contact))
        return True
    if not _ask_again(turn, dialog):
        return False
    waits_for_a_button = dialog.step in (None, "keep")
    hint = "attachment_hint_option" if waits_for_a_button else "attachment_hint"
    turn.replies.insert(0, Reply(turn.texts(hint)))
    return True


# The questions a typed スキップ answers as their skip button does.
_SKIPPED = {"phone": no_phone, "office": office_unknown, "recipient": _recipient_skipped}
# The questions asking an address, each with the dialog's field of the answer sent once.
_ADDRESSES = {"address": "address", "recipient": "to_address"}
_SENDER_LABELS = {"saved": "opt.sender_saved", "new": "opt.sender_new"}
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
    if step == "recipient" and _recipient_button(turn, dialog, text):
        return
    if step in _SKIPPED and typed in ALIASES["skip"]:
        _SKIPPED[step](turn, "skip")
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
    value = sender_answer("address" if step == "recipient" else step, text)
    if value is None and step in _ADDRESSES and letters.lacks_a_block_number(text):
        field = _ADDRESSES[step]
        if getattr(dialog, field) == text:
            value = text  # sent again as it was: an address without a number (吉田本町)
        else:
            # Kept as the answer sent once, for the question asked again.
            turn.say("address_no_number")
            sent_once: dict[str, Any] = {field: text}
            _ask(turn, replace(dialog, **sent_once))
            return
    if value is None:
        turn.say("bad_recipient_address" if step == "recipient" else f"bad_sender_{step}")
        _ask(turn, dialog)
        return
    if step == "recipient":
        _recipient_given(turn, dialog, value)
    else:
        _ask(turn, dialog.answered(step, value, LETTER_NEXT[step]))


def _recipient_button(turn: Turn, dialog: LetterDialog, text: str) -> bool:
    """The address question's button typed: its number, or 「この住所で作る」 (taken for an
    address before, and refused as none). No address is a lone number."""
    known = _known_address(turn, dialog)
    shown = ("keep", "skip", "stop") if known else ("skip", "stop")
    pressed = button_typed(text, shown, {"keep": "opt.recipient_keep"} if known else {})
    if pressed is None:
        return False
    if pressed == "keep" and known:
        turn.chosen = turn.texts("opt.recipient_keep")
        _recipient_given(turn, dialog, known)
    elif pressed == "skip":
        _recipient_skipped(turn, "skip")
    elif pressed == "stop":
        _cancel(turn)
    else:
        turn.say("letter_question_again")
        _ask(turn, dialog)
    return True


def _back(turn: Turn, dialog: LetterDialog, step: str | None) -> None:
    """戻る: the question before ``step`` (None: the saved sender's choice). Before the name
    comes that choice (when a sender is saved); before the choice, or the name, the first
    question (``_first_question``: the head office, the addressee's address) when there is
    one; before the first question there is none, and it is asked again."""
    previous = _PREVIOUS.get(step or "")
    if previous is not None:
        _ask(turn, replace(dialog, step=previous))
        return
    user = turn.user
    if step == "name" and user.get("sender_name") and user.get("sender_address"):
        _sender(turn, replace(dialog, step=None))
        return
    case = turn.own_case(dialog.case)
    first = None if case is None else _first_question(turn, case, dialog.letter)
    if first is not None and step != first:
        _ask(turn, replace(dialog, step=first))
        return
    turn.say("letter_first_question")
    if step is None:
        _sender(turn, dialog)
    else:
        _ask(turn, dialog)


router.dialog(
    LetterDialog,
    DialogRoute(
        on_text=_typed,
        cancelled="letter_cancelled",
        ask_again=_ask_again,
        on_attachment=_attachment,
    ),
)
