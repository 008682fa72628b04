"""The report of re-solicitation: to the licensing authority for property, to the consumer
centre otherwise; and the calls it lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flows.letters.offices import BUREAU_OF, BUREAUS, licensing_authority
from flows.letters.parts import (
    ITEMS_OPEN,
    RESOLICITATION_REPORT,
    Letter,
    Note,
    Sender,
    _identity_part,
    _is_property,
    _letter,
    _note,
    _phone,
    _product,
    _say,
    _text,
)
from flows.moments import (
    asked_not_to_call,
    call_moment,
    local_datetime,
    local_moment,
    refusal_moment,
    refused_on_call,
    repeat_call_at,
    wareki,
)


def later_calls(
    case: Mapping[str, Any], events: Sequence[Mapping[str, Any]]
) -> tuple[str | None, list[str]]:
    """The refusal time and the calls after it (ISO, in order) for a re-solicitation report.

    A repeat case is itself a later call of the case that was refused; its own recorded
    repeat calls come after that.
    """
    calls: list[str] = []
    if case.get("repeat_of"):
        refusal = case.get("repeat_refused_at")
        own = call_moment(case)
        if own:
            calls.append(own)
    else:
        refusal = refusal_moment(case)
    for event in events:
        if event.get("kind") == "repeat_call":
            at = repeat_call_at(event)
            if at:
                calls.append(str(at))
    if not any(e.get("kind") == "repeat_call" for e in events) and case.get("last_repeat_at"):
        calls.append(case["last_repeat_at"])

    def key(iso: str) -> datetime:
        return local_moment(iso, ZoneInfo("UTC")) or datetime.min.replace(tzinfo=UTC)

    return refusal, sorted(set(calls), key=key)


def report_addressee(case: Mapping[str, Any], head_office: str | None = None) -> str:
    """Whom the report is addressed to: the licensing authority's head (the prefecture's
    governor, or the bureau for the head office's prefecture), or a marked blank."""
    if not _is_property(case):
        return _say("letter.report.to_consumer_centre")
    kind, pref = licensing_authority(case.get("licence"))
    if kind == "governor" and pref:
        return _say("letter.report.to_governor", pref=pref)
    if kind == "minister" and head_office in BUREAU_OF:
        return _say("letter.report.to_bureau", bureau=BUREAU_OF[head_office])
    return _say("letter.to_office", name=_say("letter.report.blank"))


def resolicitation_report(
    case: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    sender: Sender,
    today: date,
    tz: ZoneInfo,
    head_office: str | None = None,
    earlier_case: Mapping[str, Any] | None = None,
) -> Letter:
    """A report that a business went on soliciting after a refusal: to the licensing authority
    under 宅地建物取引業法 47-2(3) for property, to the consumer centre otherwise.
    ``head_office``: the prefecture of the company's head office, where the user gave it.
    ``earlier_case``: for a repeat case, the case of the refusal it came after (what was said
    then is that case's record, not this one's)."""
    prop = _is_property(case)
    company = _text(case.get("company"))
    licence = _text(case.get("licence"))
    person = _text(case.get("person"))
    phone = _phone(case)
    product = _product(case)
    broker = _text(case.get("broker_name"))
    refusal_iso, calls_iso = later_calls(case, events)
    refusal = local_datetime(refusal_iso, tz)
    if refusal:
        refusal += "頃"  # as the calls after it are: a time to the hour, said as about
    calls = [c for c in (local_datetime(iso, tz) for iso in calls_iso) if c]
    # The calls known without their time: the case's own it counts and does not list, and
    # those recorded elsewhere (a later call's case with none given).
    recorded = int(case.get("repeat_calls") or 0) + (1 if case.get("repeat_of") else 0)
    own_timed = later_calls(case, [e for e in events if not e.get("elsewhere")])[1]
    untimed = max(recorded - len(own_timed), 0) + sum(
        1
        for e in events
        if e.get("elsewhere") and e.get("kind") == "repeat_call" and not repeat_call_at(e)
    )
    office = head_office if head_office in BUREAU_OF else None

    unknown = _say("letter.unknown")

    def item(key: str, value: str | None) -> list[str]:
        return [_say(f"letter.report.{key}", value=value)] if value else []

    business = [
        *item("company", company or unknown),
        *item("licence", (licence or unknown) if prop else None),
        *item("head_office", office if prop else None),
        *item("person", person or unknown),
        *item("phone", phone or unknown),
        *item("product", product),
        # "The broker it named" only if the caller named it; else the user's own view.
        *item("broker" if case.get("source_named") else "broker_recorded", broker),
    ]
    refused_in = (earlier_case or {}) if case.get("repeat_of") else case
    said = _say(
        "letter.report.said.never_again" if asked_not_to_call(refused_in) else "letter.report.said"
    )
    if refusal is None and (bound := local_moment(refused_in.get("refused_at"), tz)):
        # Recorded after the call, with no time: no later than when it was recorded.
        refusal = _say("letter.report.refused_by", date=wareki(bound.date()))
    history = [_say("letter.report.refused_at", said=said, when=refusal or unknown)]
    if calls:
        history.append(_say("letter.report.calls", count=len(calls)))
        history += [_say("letter.report.call", n=n, when=when) for n, when in enumerate(calls, 1)]
        if untimed:
            history.append(_say("letter.report.untimed", count=untimed))
    elif untimed:  # calls counted, none with its time: the count, not "no record"
        history.append(_say("letter.report.untimed_only", count=untimed))
    else:
        history.append(_say("letter.report.no_calls"))
    # Refused again on a later call: this one, or one recorded as a case of its own.
    later_refused = any(e.get("kind") == "repeat_call" and refused_on_call(e) for e in events)
    if (case.get("repeat_of") and case.get("refused_at")) or later_refused:
        history.append(_say("letter.report.refused_again"))

    if prop:
        law = _say("letter.report.property_law")
        ask = _say("letter.report.property_ask")
        intro = _say("letter.report.property_intro", law=law)
    else:
        law = _say("letter.report.sales_law")
        ask = _say("letter.report.sales_ask")
        intro = _say("letter.report.sales_intro", law=law)

    content = [
        intro,
        ask,
        "",
        ITEMS_OPEN,
        "",
        _say("letter.report.heading.business"),
        *business,
        "",
        _say("letter.heading.history"),
        *history,
        "",
        *_identity_part(
            "letter.report.heading.reporter" if prop else "letter.report.heading.consulter", sender
        ),
    ]
    return _letter(
        RESOLICITATION_REPORT,
        _say("letter.report.title" if prop else "letter.report.title.other"),
        report_addressee(case, office),
        sender,
        today,
        content,
        _report_notes(case, office),
    )


def _bureau_table() -> list[Note]:
    """The bureaus and their prefectures, one line each (for the sender's notes)."""
    return [
        _note(
            "note.bureau",
            bureau=bureau,
            prefectures="、".join(p if p == "北海道" else p[:-1] for p in prefs),
        )
        for bureau, prefs in BUREAUS.items()
    ]


def _report_notes(case: Mapping[str, Any], office: str | None) -> list[Note]:
    others = [_note("note.others_heading"), _note("note.others_188"), _note("note.others_ppc")]
    if not _is_property(case):
        # 188 is where this one goes: not said again among the others.
        rest = [_note("note.others_heading"), _note("note.others_ppc")]
        return [_note("note.other_product_hedge"), _note("note.other_product_where"), *rest]
    kind, pref = licensing_authority(case.get("licence"))
    if kind == "governor" and pref:
        where = [_note("note.where_governor", pref=pref)]
    elif kind == "minister" and office:
        where = [_note("note.where_minister", office=office, bureau=BUREAU_OF[office])]
    elif kind == "minister":
        where = [_note("note.minister_blank"), *_bureau_table()]
    else:
        licence = _text(case.get("licence"))
        where = [
            _note("note.unreadable_blank", licence=licence)
            if licence
            else _note("note.unknown_blank"),
            _note("note.unknown_governor"),
            _note("note.unknown_minister"),
            *_bureau_table(),
        ]
    return [*where, _note("note.report_sending"), *others]
