"""A letter made from a finished letter dialog: built from the case, attached as PDF and
text (and the 内容証明 form for a request to a named business), recorded on the case, with a
reminder to check that a request was honoured."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import cast

from flows import letters, reminders
from flows.dialogs import LetterDialog
from flows.features.reported import calls_recorded_elsewhere, reported
from flows.moments import event_detail
from flows.port import Attachment, Reply
from flows.review import EXPORT_FILE
from flows.schedule import JAPAN, in_days
from flows.store import ADDRESS_OF
from flows.store.rows import Case
from flows.turn import Turn

BUILDERS = {
    letters.BROKER_REQUEST: letters.broker_request,
    letters.COMPANY_REQUEST: letters.company_request,
}


def file_stem(number: int, kind: str) -> str:
    """How a letter's files are named (a channel that keeps them finds a case's by it)."""
    return f"kotowari-case{number}-{kind.replace('_', '-')}"


def holds_case(filename: str, number: int, quoted_by: Iterable[int] = ()) -> bool:
    """Whether a file the user was sent holds case ``number``: its letters, the reports of
    later calls that quote it (``quoted_by``: their cases), and every export (a chart holds
    only counts). A channel that keeps files deletes these when the case is deleted."""
    reports = tuple(file_stem(n, letters.RESOLICITATION_REPORT) for n in quoted_by)
    return filename.startswith((file_stem(number, ""), *reports)) or bool(
        EXPORT_FILE.fullmatch(filename)
    )


def address_column(kind: str) -> str:
    """The case's column of the postal address of a request's addressee (``ADDRESS_OF``)."""
    return ADDRESS_OF[letters.ADDRESSEE_OF[kind]][0]


def named(case: Case, kind: str) -> str | None:
    """The business a request is addressed to by name (its broker, its company); None for a
    report, or a company known only by its number."""
    if kind == letters.BROKER_REQUEST:
        return case.get("broker_name")
    return case.get("company") if kind == letters.COMPANY_REQUEST else None


def write(turn: Turn, dialog: LetterDialog, name: str, address: str, phone: str | None) -> None:
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
    # A letter to a Japanese business or office states Japan's dates and times, whatever
    # time zone the user reads the bot in (its dates carry no zone).
    tz = JAPAN
    today = now.astimezone(tz).date()
    if kind == letters.RESOLICITATION_REPORT:
        earlier = turn.own_case(repeat_of) if (repeat_of := case.get("repeat_of")) else None
        calls = [*events, *calls_recorded_elsewhere(turn, case, earlier)]
        letter = letters.resolicitation_report(
            reported(turn, case, earlier), calls, sender, today, tz, dialog.office, earlier
        )
    else:
        # Addressed as this letter's dialog said (an address, or none to write in by hand).
        addressed = cast(Case, {**case, address_column(kind): dialog.to_address})
        letter = BUILDERS[kind](addressed, events, sender, today, tz)
    # A second letter of a kind is a file of its own: the first, as sent, is kept.
    made = sum(e["kind"] == "letter" and event_detail(e).get("kind") == kind for e in events)
    stem = file_stem(case["number"], kind) + (f"-{made + 1}" if made else "")
    business = kind in letters.BUSINESS_LETTERS
    # The post office takes 内容証明 only to a named addressee (the same on the letter, its
    # copies and the envelope): not to "the business calling from 090-…".
    naiyo = business and bool(named(case, kind))
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
    language = "letter_language" if business else "letter_language_office"
    if t(language):
        lines.append(t(language))
    missing = letters.missing_in_pdf(letter)
    if missing:
        lines.append(t("letter_missing_glyphs", chars=" ".join(missing)))
    lines += ["", *letter.notes_in(t)]
    if naiyo:
        lines += ["", t("letter_naiyo")]
        if not letter.recipient_address:
            lines.append(t("letter_naiyo_address"))
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
