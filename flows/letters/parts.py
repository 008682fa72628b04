"""A letter as plain data, and the facts about a case that every letter states the same way.

The helpers with a leading underscore are shared by the modules of this package only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flows.moments import asked_not_to_call, call_moment, local_datetime, local_moment, wareki
from flows.normalize import format_phone
from flows.texts import JA, LETTER_JA, Texts, product_label

BROKER_REQUEST = "broker_request"
COMPANY_REQUEST = "company_request"
RESOLICITATION_REPORT = "resolicitation_report"
# The letters that go to a business (and so may be sent by 内容証明郵便); the report goes to
# an office, which says itself how it takes reports.
BUSINESS_LETTERS = (BROKER_REQUEST, COMPANY_REQUEST)
# The request letter to each addressee of a follow-up ("broker", "company"), and back.
REQUEST_TO = {"broker": BROKER_REQUEST, "company": COMPANY_REQUEST}
ADDRESSEE_OF = {kind: addressee for addressee, kind in REQUEST_TO.items()}

# The layout markers of a letter's content (see the package's docstring): 「記」 opens the
# itemised part (centred), 「以上」 closes it (set right).
ITEMS_OPEN = "記"
ITEMS_CLOSE = "以上"
# A note for the sender: a catalog key and its values, said in the user's language.
Note = tuple[str, tuple[tuple[str, str], ...]]


def _note(key: str, **values: str) -> Note:
    return key, tuple(values.items())


def _say(key: str, **values: object) -> str:
    """A line of a letter, from the letters' catalog (``flows.texts.LETTER_JA``)."""
    return LETTER_JA[key].format(**values)


# How to post a request (shared/domain/legal-ja.md, "what each postal service proves").
POSTING_NOTES = (_note("note.post_first"), _note("note.post_proof"), _note("note.post_keep"))


@dataclass(frozen=True)
class Sender:
    """The user's own details, asked only when a letter is made (never stored with the case)."""

    name: str
    address: str
    phone: str | None = None


@dataclass(frozen=True)
class Letter:
    kind: str
    title: str
    recipient: str  # 「〇〇 御中」
    date: str  # 令和8年11月28日
    sender: tuple[str, ...]  # the sender block, one line each
    content: tuple[str, ...]  # the lines after the title
    # For the sender, not part of the letter: where to send it, whom else to ask.
    note_keys: tuple[Note, ...] = ()
    # For the 内容証明 layout, which puts both parties at the end: their names and addresses.
    sender_name: str = ""
    sender_address: str = ""
    # The addressee's postal address, where the user gave it ("" : written in by hand).
    recipient_address: str = ""

    def notes_in(self, texts: Texts) -> tuple[str, ...]:
        """The notes for the sender, in the sender's language."""
        return tuple(texts(key, **dict(values)) for key, values in self.note_keys)

    @property
    def notes(self) -> tuple[str, ...]:
        return self.notes_in(Texts("ja"))

    @property
    def body(self) -> str:
        """The whole letter as plain text, as it is sent."""
        parts = [
            self.date,
            "",
            *([self.recipient_address] if self.recipient_address else []),
            self.recipient,
            "",
            *self.sender,
            "",
            self.title,
            "",
            *self.content,
        ]
        return "\n".join(parts) + "\n"


def _text(value: Any) -> str | None:
    """A case field as text to print, or None when it is missing or blank."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _phone(case: Mapping[str, Any]) -> str | None:
    e164 = _text(case.get("phone_e164"))
    if e164:
        try:
            return format_phone(e164)
        except Exception:  # phonenumbers.NumberParseException: fall back to what was typed
            pass
    return _text(case.get("phone_raw"))


def _call_time(case: Mapping[str, Any], tz: ZoneInfo) -> str | None:
    return local_datetime(call_moment(case), tz)


def _is_property(case: Mapping[str, Any]) -> bool:
    kind = case.get("product_kind")
    # A licence number only exists for a 宅建業者: with no product recorded, it decides.
    return kind == "property" or (kind is None and bool(_text(case.get("licence"))))


def _sender_block(sender: Sender) -> tuple[str, ...]:
    lines = [_text(sender.address), _text(sender.name)]
    phone = _text(sender.phone)
    if phone:
        lines.append(_say("letter.sender_phone", phone=phone))
    return tuple(line for line in lines if line)


def _identity(sender: Sender) -> list[str]:
    """The sender's details as a list, so the business can find its record."""
    rows = [("name", sender.name), ("address", sender.address), ("phone", sender.phone)]
    return [
        _say("letter.item", label=_say(f"letter.label.{label}"), value=value)
        for label, raw in rows
        if (value := _text(raw))
    ]


def _caller_desc(case: Mapping[str, Any], *, you: bool = False) -> str:
    """Who called: 「ABC不動産株式会社（担当者：鈴木 一郎、電話番号：03-…）」."""
    company = _text(case.get("company"))
    person = _text(case.get("person"))
    phone = _phone(case)
    if you:
        name = _say("letter.caller.you")
    elif company:
        name = company
    elif phone:
        name, phone = _say("letter.caller.by_phone", phone=phone), None  # said once
    else:
        name = _say("letter.caller.someone")
    details = []
    if person:
        details.append(_say("letter.caller.person", person=person))
    if phone:
        details.append(_say("letter.caller.phone", phone=phone))
    if not details:
        return name
    return name + _say("letter.caller.details", details="、".join(details))


def _product(case: Mapping[str, Any]) -> str | None:
    """What was pitched, in Japanese: a button's label is stored in the user's language."""
    product = _text(case.get("product"))
    label = product_label(product)
    if label == "product.property":
        return JA["product.property"]
    if label == "product.other":
        return None  # "other" says nothing worth writing
    if product and not _has_japanese(product):
        # Typed in English ("investment condo"): not put in a Japanese letter, nor on a
        # 内容証明 form, which takes Latin letters in proper nouns only. Said by its kind.
        return JA["product.property"] if case.get("product_kind") == "property" else None
    return product


def _has_japanese(text: str) -> bool:
    """Whether ``text`` has a kana or kanji (not only Latin letters, digits, signs)."""
    return any(
        "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uff66" <= ch <= "\uff9f"
        for ch in text
    )


def _pitch(case: Mapping[str, Any]) -> str:
    product = _product(case)
    return _say("letter.pitch", product=product) if product else _say("letter.pitch.unnamed")


def _when_prefix(when: str | None) -> str:
    return _say("letter.around", when=when) if when else ""


def _refusal_fact(case: Mapping[str, Any]) -> str | None:
    """What the user's refusal was, as recorded: "never call again" only where it was said.
    It was on that call (the product records no other): not dated apart (a /call case's
    refusal, tapped minutes after the call's opening time, read as a later event)."""
    if not case.get("refused_at"):
        return None
    at = _say("letter.refused.on_the_call")
    if asked_not_to_call(case):
        return _say("letter.refused.never_again", at=at)
    return _say("letter.refused", at=at)


def _unanswered_letter(
    events: Sequence[Mapping[str, Any]], kind: str, tz: ZoneInfo, again: bool = True
) -> str | None:
    """The fact of an earlier letter of this ``kind`` left unanswered, as the user recorded
    it: of the requests to its addressee (by phone or letter, ``flows.standing``), the latest
    with an answer is a letter whose check they answered 「対応がない・返事がない」 (a reply
    recorded since, to a later letter or a call, says otherwise). 「私は、令和…付の書面で…」
    (the date the letter bears, the day it was made), with 「本書により、改めて請求します。」
    unless ``again`` is False (another sentence says it); else None."""
    from flows import standing  # it reads this package's kinds: imported when first used

    addressee = ADDRESSEE_OF[kind]
    answered = [r for r in standing.requests({}, events) if r.addressee == addressee and r.answer]
    latest = answered[-1] if answered else None
    if latest is None or latest.via != standing.LETTER or latest.answer != "no_reply":
        return None
    moment = local_moment(latest.at, tz)
    if moment is None:
        return None
    key = "letter.unanswered" if again else "letter.unanswered.plain"
    return _say(key, day=wareki(moment.date()))


def _identity_part(heading: str, sender: Sender, intro: str | None = None) -> list[str]:
    """The letter's last part: the sender's details under ``heading`` (a catalog key), after
    the ``intro`` sentence (a key, given the shared phrases), then 「以上」."""
    lines = [_say(heading)]
    if intro:
        shared = {
            "identity": _say("letter.identity"),
            "only_for_this": _say("letter.only_for_this"),
        }
        lines.append(_say(intro, **shared))
    return [*lines, *_identity(sender), "", ITEMS_CLOSE]


def _letter(
    kind: str,
    title: str,
    recipient: str,
    sender: Sender,
    today: date,
    content: Sequence[str],
    notes: Sequence[Note],
    recipient_address: Any = None,
) -> Letter:
    """A letter dated ``today`` (in the era calendar) and signed by ``sender``, to
    ``recipient`` (at ``recipient_address``, a case's field, when it is known)."""
    return Letter(
        kind=kind,
        title=title,
        recipient=recipient,
        date=wareki(today),
        sender=_sender_block(sender),
        content=tuple(content),
        note_keys=tuple(notes),
        sender_name=_text(sender.name) or "",
        sender_address=_text(sender.address) or "",
        recipient_address=_text(recipient_address) or "",
    )
