"""The two requests: to the list broker (stop providing, stop using, erase, disclose) and to
the calling company (disclose its source, stop using, erase, stop soliciting). Their wording
is the catalog's (``flows.texts.LETTER_JA``, keys ``letter.broker.*`` and ``letter.company.*``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flows.letters.parts import (
    BROKER_REQUEST,
    COMPANY_REQUEST,
    ITEMS_OPEN,
    POSTING_NOTES,
    Letter,
    Sender,
    _call_time,
    _caller_desc,
    _identity_part,
    _is_property,
    _letter,
    _note,
    _phone,
    _pitch,
    _refusal_fact,
    _say,
    _text,
    _unanswered_letter,
    _when_prefix,
)
from flows.moments import local_datetime, local_moment, wareki

# What the broker answered when the user called it (step ④): the letter puts it in writing.
_DEMAND_ANSWERS = ("agreed", "declined", "no_record")


def _called(case: Mapping[str, Any], when: str | None, *, you: bool = False) -> str:
    """The first fact: 「…頃、…から、私に…の勧誘の電話がありました。」"""
    caller = _caller_desc(case, you=you)
    return _say("letter.called", when=_when_prefix(when), caller=caller, pitch=_pitch(case))


def _opening(intro: str, facts: Sequence[str]) -> list[str]:
    """A request's first lines: what it asks under the APPI (``intro``, a catalog key), then
    「記」, the facts, and the heading of what is requested."""
    return [
        _say(intro, appi=_say("letter.appi")),
        "",
        ITEMS_OPEN,
        "",
        _say("letter.heading.history"),
        *facts,
        "",
        _say("letter.heading.requests"),
    ]


def broker_request(
    case: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    sender: Sender,
    today: date,
    tz: ZoneInfo,
) -> Letter:
    """To the list broker: stop providing my data (27(2)), stop use and erase it (35),
    disclose to whom it was provided (33, records under 29); reply within two weeks."""
    broker = _text(case.get("broker_name"))
    if not broker:
        source = "letter.broker.not_named"
    elif case.get("source_named"):
        source = "letter.broker.named"
    else:  # recorded, but not named by the caller (a skip, the call ended): the user's view
        source = "letter.broker.believed"
    facts = [_called(case, _call_time(case, tz)), _say(source)]
    demanded = _demand_fact(case, events, tz) if broker else None
    if demanded:
        facts.append(demanded)
    # 「本書により、改めて…請求します」 once: the phone call's answer may say it already.
    again = case.get("outcome") not in ("agreed", "no_record") or demanded is None
    if unanswered := _unanswered_letter(events, BROKER_REQUEST, tz, again):
        facts.append(unanswered)
    content = [
        *_opening("letter.broker.intro", facts),
        _say("letter.broker.stop_provision"),
        _say("letter.broker.stop_provision.text"),
        _say("letter.stop_use"),
        _say("letter.broker.stop_use.text"),
        _say("letter.broker.disclose"),
        _say("letter.broker.disclose.text"),
        _say("letter.reply"),
        _say("letter.broker.reply.text", deadline=_say("letter.reply_deadline")),
        "",
        *_identity_part("letter.heading.identity", sender, "letter.broker.identity"),
    ]
    if broker:
        recipient = _say("letter.to_business", name=broker)
    else:
        recipient = _say("letter.broker.to_unknown")
    # The address typed for this letter: only how the broker takes requests is left to look up.
    search = "note.optout_method" if _text(case.get("broker_address")) else "note.optout_search"
    notes = [
        _note(search),
        *POSTING_NOTES,
        _note("note.id_check"),
        _note("note.limits"),
        _note("note.no_reply"),
    ]
    if not broker:
        notes.insert(0, _note("note.broker_unknown"))
    return _letter(
        BROKER_REQUEST,
        _say("letter.broker.title"),
        recipient,
        sender,
        today,
        content,
        notes,
        case.get("broker_address") if broker else None,
    )


def _demand_fact(
    case: Mapping[str, Any], events: Sequence[Mapping[str, Any]], tz: ZoneInfo
) -> str | None:
    """The user's call to the broker (step ④) and its answer, as recorded: the day the answer
    was recorded and what it was; None if none is (or only "unreachable", "later")."""
    outcome = case.get("outcome")
    if outcome not in _DEMAND_ANSWERS:
        return None
    recorded = [
        e.get("at")
        for e in events
        if e.get("kind") == "step"
        and e.get("trigger") == outcome
        and e.get("state_from") == "demanding"
    ]
    moment = local_moment(recorded[-1], tz) if recorded else None
    if moment is None:
        return None
    return _say(f"letter.broker.demanded.{outcome}", day=wareki(moment.date()))


def company_request(
    case: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    sender: Sender,
    today: date,
    tz: ZoneInfo,
) -> Letter:
    """To the calling company: disclose where it got my data (its confirmation record under
    30, requested under 33), stop using and erase it (35), and stop soliciting (宅建業法 or
    特商法, which is what forbids soliciting after a refusal; not the APPI)."""
    company = _text(case.get("company"))
    broker = _text(case.get("broker_name"))
    phone = _phone(case)
    when = _call_time(case, tz)
    earlier = local_datetime(case.get("repeat_refused_at"), tz)
    facts = [_called(case, when, you=True)]
    if broker and case.get("source_named"):
        facts.append(_say("letter.company.named", broker=broker))
    refusal = _refusal_fact(case)
    if refusal:
        facts.append(refusal)
    if case.get("repeat_of"):
        if earlier:
            at = _say("letter.company.earlier.at", when=earlier)
        else:
            at = _say("letter.company.earlier.before")
        also = _say("letter.company.earlier.also" if refusal else "letter.company.earlier.only")
        facts.append(_say("letter.company.earlier", at=at, also=also))
    if broker and case.get("outcome") == "no_record":
        # 「なお、」 twice running reads badly: the second is 「また、」.
        key = (
            "letter.company.no_record.also" if case.get("repeat_of") else "letter.company.no_record"
        )
        facts.append(_say(key, broker=broker))
    if unanswered := _unanswered_letter(events, COMPANY_REQUEST, tz):
        facts.append(unanswered)

    source = _say("letter.company.source.text")
    if broker:
        named = "named" if case.get("source_named") else "recorded"
        source += _say(f"letter.company.source.{named}", broker=broker)
    # "Again" only where a refusal is on record (this call's, or an earlier one's).
    again = _say("letter.company.again") if case.get("refused_at") or case.get("repeat_of") else ""
    if _is_property(case):
        law = "letter.company.property_law"
    elif case.get("product_kind"):
        law = "letter.company.sales_law"
    else:
        law = "letter.company.no_law"
    content = [
        *_opening("letter.company.intro", facts),
        _say("letter.company.source"),
        source,
        _say("letter.stop_use"),
        _say("letter.company.stop_use.text"),
        _say("letter.company.stop_soliciting"),
        _say("letter.company.stop_soliciting.text"),
        _say(law, again=again),
        _say("letter.reply"),
        _say("letter.company.reply.text", deadline=_say("letter.reply_deadline")),
        _say("letter.company.fee"),
        "",
        *_identity_part("letter.heading.identity", sender, "letter.company.identity"),
    ]
    if company:
        recipient = _say("letter.to_business", name=company)
    elif phone:
        recipient = _say("letter.company.to_phone", phone=phone)
    else:
        recipient = _say("letter.company.to_unknown")
    notes = [*POSTING_NOTES, _note("note.disclosed_source"), _note("note.no_reply")]
    if not company:
        notes.insert(0, _note("note.company_unknown"))
    return _letter(
        COMPANY_REQUEST,
        _say("letter.company.title"),
        recipient,
        sender,
        today,
        content,
        notes,
        case.get("company_address") if company else None,
    )
