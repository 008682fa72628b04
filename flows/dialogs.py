"""Side dialogs: a question the user is answering outside the case's own steps.

Three exist: writing a letter (who sends it, asked one field at a time), "the company called
again: when?" and "/who: which number or company?". At most one is open per user; it is stored in ``users.pending`` as JSON with
its kind (``{"dialog": "letter", …}``), so a restarted bot resumes it, and read back as a frozen
dataclass: a misspelt field is a type error, not a ``None`` read in silence.

The letter dialog is a declared list of questions (``LETTER_QUESTIONS``) rather than a second
``transitions`` machine: it is a straight line (the head office, only for a report; the
addressee's address, for a request to a named business; the sender, skipped when one is
saved; name, address, phone, keep) that 戻る walks back along, so a list
says all of it, and the case's machine stays the only state machine.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any, ClassVar

from flows import letters
from flows.normalize import format_phone, parse_phone
from flows.typed import ALIASES, fold, yes_or_no

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LetterDialog:
    """Writing letter ``letter`` (a ``flows.letters`` kind) for the user's case ``case``."""

    KIND: ClassVar[str] = "letter"
    case: int
    letter: str
    # The question waiting for typed text ("office", "name", …) or None: waiting for a button.
    step: str | None = None
    office: str | None = None
    # The addressee's postal address for this letter (None: left to be written in by hand).
    to_address: str | None = None
    name: str | None = None
    address: str | None = None
    phone: str | None = None

    def answered(self, step: str, value: str | None, following: str | None) -> LetterDialog:
        """This dialog with ``step``'s answer recorded, waiting on ``following``."""
        if step not in ("office", "name", "address", "phone"):
            raise ValueError(f"not a question of the letter dialog: {step!r}")
        changes: dict[str, Any] = {step: value, "step": following}
        return replace(self, **changes)


@dataclass(frozen=True)
class CalledAgainDialog:
    """The case ``case``'s company called again after the refusal: asked when."""

    KIND: ClassVar[str] = "called_again"
    case: int


@dataclass(frozen=True)
class LookupDialog:
    """/who without an argument: waiting for the number or the company name to look up."""

    KIND: ClassVar[str] = "lookup"


Dialog = LetterDialog | CalledAgainDialog | LookupDialog
KINDS: dict[str, type[LetterDialog] | type[CalledAgainDialog] | type[LookupDialog]] = {
    kind.KIND: kind for kind in (LetterDialog, CalledAgainDialog, LookupDialog)
}
# Letter dialog: what each question accepts, and which comes next.
LETTER_QUESTIONS = ("office", "recipient", "name", "address", "phone", "keep")
LETTER_NEXT = {"name": "address", "address": "phone", "phone": "keep"}
SENDER_LIMITS = {"name": 60, "address": 200, "phone": 40, "office": 40, "recipient": 120}


# A dialog whose question has waited this long ends at the user's next message, which then
# goes where it would without it: typed days later (a caller's number pasted to check it),
# it is not an answer to the old question (the letter's sender's phone).
STALE_AFTER = timedelta(hours=24)
# One never answered is deleted after this, whether or not the user writes again (the
# upkeep's sweep: ``Store.drop_stale_dialogs``).
KEPT_FOR = timedelta(days=7)


def dump(dialog: Dialog | None, asked_at: datetime | None = None) -> str | None:
    """``dialog`` as stored, with when its question was asked (``asked_at``)."""
    if dialog is None:
        return None
    data: dict[str, Any] = {"dialog": dialog.KIND, **asdict(dialog)}
    if asked_at is not None:
        data["asked_at"] = asked_at.isoformat()
    return json.dumps(data, ensure_ascii=False)


def is_stale(raw: str | None, now: datetime) -> bool:
    """Whether the stored dialog's question was asked ``STALE_AFTER`` ago or more. One
    stored before dialogs carried the moment is not: a restart resumes it, as before."""
    if not raw:
        return False
    try:
        asked = json.loads(raw).get("asked_at")
        return asked is not None and now - datetime.fromisoformat(asked) >= STALE_AFTER
    except (ValueError, TypeError, AttributeError):
        return False  # unreadable: ``load`` drops it


def load(raw: str | None) -> Dialog | None:
    """The dialog stored in ``users.pending``; None if there is none or it cannot be read
    (the user is then simply out of the dialog: nothing else depends on it)."""
    if not raw:
        return None
    try:
        data: dict[str, Any] = json.loads(raw)
        kind = KINDS[data.pop("dialog")]
        names = {f.name for f in fields(kind)}
        return kind(**{k: v for k, v in data.items() if k in names})
    except (ValueError, KeyError, TypeError):
        log.warning("an unreadable dialog state was dropped")
        return None


def sender_answer(step: str, text: str) -> str | None:
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
