"""Looking back: case lists, a case's full timeline, brokers, search and export.

Every function takes the user's own id or row and only reads that user's rows. The commands and
buttons that show these are the review feature's (``flows.features.review``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flows import export, standing
from flows.callers import history
from flows.machine import FIELDS, FINISHED_STATES
from flows.moments import refusal_moment
from flows.normalize import format_phone
from flows.port import Attachment, Reply
from flows.steps import opened_for_call, product_shown
from flows.store import CASES, EVENTS, Store
from flows.store.rows import Case, Event
from flows.texts import Texts

# A case row, typed (Case) or as exported (a plain dict).
_Row = TypeVar("_Row", bound=Mapping[str, Any])
TIMELINE_LIMIT = 200  # events shown in /case; the export has them all


def status_text(
    case: Case, texts: Texts, events: Sequence[Event] = (), called_after: bool = False
) -> str:
    """The case's status as emoji and word, with the re-solicitation mark where it applies
    (``called_after``: calls after its refusal are recorded as cases of their own): once a
    request was made, its latest answer (``flows.standing``)."""
    state = case["state"]
    answered = standing.status_key(case, events)
    if state in FINISHED_STATES:
        key = f"status.{state}"
    elif answered and state in ("following_up", "awaiting_call"):
        key = answered
    elif state == "following_up":
        key = "status.recorded"
    else:
        key = "status.in_progress"
    status = texts(key)
    if case.get("repeat_of") or case.get("repeat_calls") or called_after:
        status += " " + texts("status.repeat")
    return status


def who(case: Case, texts: Texts) -> str:
    if case.get("company"):
        return str(case["company"])
    if case.get("phone_e164"):
        return format_phone(case["phone_e164"])
    return str(case.get("phone_raw") or texts("cases_unknown"))


def case_lines(
    cases: Sequence[Case],
    texts: Texts,
    tz: ZoneInfo,
    store: Store,
    called_after: set[int] | None = None,
) -> list[str]:
    """A line for each case of a list (/cases, /find), ⚠️ on a refused case whose later calls
    are cases of their own (``called_after``: their numbers, when they are known; else looked
    up for the whole list in one query)."""
    refused = [c["number"] for c in cases if c.get("refused_at") and not c.get("repeat_calls")]
    if called_after is None:
        called_after = store.called_after(cases[0]["user_id"], refused) if refused else set()
    lines = []
    for case in cases:
        when = texts.day(_called(case), tz)
        broker = case.get("broker_name") or texts("cases_unknown")
        events = store.events(case["id"])
        status = status_text(case, texts, events, case["number"] in called_after)
        lines.append(f"#{case['number']} {when} {who(case, texts)}｜{broker}｜{status}")
    return lines


# What a skip at each step passed over, for the timeline ("⏭ スキップ（会社名）").
_SKIPPED = {
    "after_refusal": "field.refused",
    **dict.fromkeys(("asking_source", "pressing_source", "after_source"), "field.source"),
    "demanding": "field.demand",
    **{f"recording_{field}": f"field.{field}" for field in FIELDS},
}


def _answer_line(event: Event, detail: dict[str, Any], texts: Texts, tz: ZoneInfo) -> str:
    """「記録 電話番号: 03-…」: an answer to a field, or the caller's number noted at another
    step; one replaced or cleared since says so, without its value."""
    field = detail["field"]
    name = texts(f"field.{field}") if field in FIELDS else field
    value = detail.get("value", "")
    if detail.get("cleared"):
        value = texts("field.cleared")
    elif detail.get("superseded"):
        value = texts("field.superseded")
    elif detail.get("at"):  # a time as it was read, not 「昨日」 days later
        value = texts.when_iso(detail["at"], tz)
    return f"{texts.when_iso(event['at'], tz)}  " + texts("event.answer", field=name, value=value)


def _event_line(event: Event, texts: Texts, tz: ZoneInfo) -> str | None:
    detail = json.loads(raw) if (raw := event.get("detail")) else {}
    kind = event["kind"]
    if kind in ("step", "noted") and "field" in detail:  # noted: a number sent elsewhere
        return _answer_line(event, detail, texts, tz)
    if kind == "step":
        trigger, state_from = event["trigger"], event["state_from"]
        labelled = texts.has(f"opt.{state_from}.{trigger}") or texts.has(f"opt.{trigger}")
        if state_from == "new" or not labelled:
            return None  # start_call, a typed time …: the "opened" event or the next says it
        shown = "keep" if trigger == "skip" and detail.get("kept") else str(trigger)
        text = texts.option(str(state_from), shown, when="").strip()
        if trigger == "skip" and state_from in _SKIPPED:
            text = texts("event.skipped", label=text, field=texts(_SKIPPED[state_from]))
        elif str(trigger).startswith("fix_"):  # 「名簿業者」 alone said nothing
            text = texts("event.fixing", field=text)
        if event["state_to"] in FINISHED_STATES:
            text += " → " + texts("status." + event["state_to"])
    elif kind == "opened":
        text = texts("event.opened", mode=texts(f"case.mode.{detail.get('mode', 'call')}"))
    elif kind in ("repeat_detected", "repeat_cleared"):
        text = texts(f"event.{kind}", number=detail.get("earlier_case", "?"))
    elif kind == "reminder":
        # The button as it read (a broker call's 🌅 before it was 「次の営業日の朝に」: 明日の朝)
        key = str(detail.get("label") or "")
        if not texts.has(key):
            key = f"opt.r_{event['trigger']}"
        label = texts(key, when="", number="").rstrip(": #")
        text = texts("event.reminder", label=label)
    elif kind == "letter":
        text = texts("event.letter", title=detail.get("title", ""))
    elif kind == "repeat_call" and detail.get("at"):
        # Stamped when it was recorded: the call's own time said, or it reads as the call's.
        text = texts("event.repeat_call_at", when=texts.when_iso(detail["at"], tz))
    elif texts.has(f"event.{kind}"):
        text = texts(f"event.{kind}")
    else:
        text = kind
    return f"{texts.when_iso(event['at'], tz)}  {text}"


def _called(case: Case) -> datetime:
    return datetime.fromisoformat(case.get("call_at") or case["opened_at"])


def _calls_after(store: Store, case: Case) -> int | None:
    """For a refused case not itself a later call: its caller's calls after the refusal,
    counted as /who and the report count them (``flows.callers``); else None."""
    if not case.get("refused_at") or case.get("repeat_of"):
        return None
    caller = history(store, case["user_id"], case.get("phone_e164"), case.get("company_norm"))
    return caller.calls_after if caller.cases else int(case.get("repeat_calls") or 0)


def case_text(store: Store, case: Case, texts: Texts, tz: ZoneInfo) -> str:
    """One case in full: the details, the timeline in local time, its reminders (its buttons
    are the review feature's: ``flows.features.review.case_view``)."""
    all_events = store.events(case["id"])
    # The calls after this refusal recorded as cases of their own (``repeat_of``).
    later = store.calls_after(case["user_id"], case["number"]) if case.get("refused_at") else []
    later = [c for c in later if c["state"] != "cancelled"]  # as the report counts them
    status = status_text(case, texts, all_events, bool(later))
    lines = [
        texts("case.header", number=case["number"], status=status),
        standing.standing_line(case, all_events, texts, tz, _calls_after(store, case)),
    ]
    details = {
        "company": case.get("company"),
        "company_address": case.get("company_address"),
        "person": case.get("person"),
        "phone": format_phone(case["phone_e164"])
        if case.get("phone_e164")
        else case.get("phone_raw"),
        "licence": case.get("licence"),
        "product": product_shown(case.get("product"), texts),
        "broker": case.get("broker_name"),
        "broker_address": case.get("broker_address"),
        "when": texts.when_iso(at, tz)
        if (at := case.get("call_at"))
        else opened_for_call(case, "when", texts, tz),
    }
    for field, value in details.items():
        if value:
            lines.append(f"{texts(f'field.{field}')}: {value}")
    if case.get("source_unknown"):
        lines.append(texts("case.source_unknown"))
    if case.get("refused_at"):
        refused = refusal_moment(case)
        shown = (
            texts("refused_yes", date=texts.when_iso(refused, tz))
            if refused
            else texts("refused_yes_undated")
        )
        lines.append(f"{texts('field.refused')}: {shown}")
    elif case.get("not_refused"):
        lines.append(f"{texts('field.refused')}: {texts('refused_not')}")
    if (repeat_of := case.get("repeat_of")) is not None:
        earlier = case.get("repeat_refused_at")
        said = (
            texts("case.repeat_of", number=repeat_of, date=texts.when_iso(earlier, tz))
            if earlier
            else texts("case.repeat_of_undated", number=repeat_of)
        )
        if store.case_by_number(case["user_id"], repeat_of) is None:
            gone = "case.repeat_of_gone" if earlier else "case.repeat_of_gone_undated"
            said += texts(gone, number=repeat_of)  # what this case keeps of it
        lines.append(said)
    if case.get("repeat_calls"):
        lines.append(
            texts(
                "case.repeat_calls",
                count=case["repeat_calls"],
                date=texts.when_iso(case.get("last_repeat_at") or "", tz),
            )
        )
    if later:
        cases = texts("list_sep").join(
            texts("case.later_case", number=c["number"], date=texts.day(_called(c), tz))
            for c in later
        )
        lines.append(texts("case.later_cases", cases=cases))
    events = all_events[-TIMELINE_LIMIT:]
    lines.append("")
    lines.append(texts("case.timeline"))
    lines += [line for e in events if (line := _event_line(e, texts, tz))]
    waiting = [r for r in store.waiting_reminders(case["user_id"]) if r["case_id"] == case["id"]]
    if waiting:
        lines.append("")
        lines.append(texts("case.reminders"))
        for reminder in waiting:
            when = texts.when(datetime.fromisoformat(reminder["due_at"]), tz)
            lines.append(f"{when} {texts('what.' + reminder['kind'])}")
    return "\n".join(lines)


def broker_status(cases: Sequence[Case]) -> str:
    """Where the user stands with a broker: the answer in its most recent case."""
    outcomes = [c.get("outcome") for c in cases if c.get("outcome")]
    latest = outcomes[-1] if outcomes else None
    return {
        "agreed": "agreed",
        "declined": "refused",
        "no_record": "no_record",
        "unreachable": "no_answer",
        "later": "asked",
    }.get(latest or "", "not_asked")


def brokers_reply(store: Store, user_id: int, texts: Texts, tz: ZoneInfo) -> Reply:
    brokers = store.brokers(user_id)
    if not brokers:
        return Reply(texts("brokers_empty"))
    lines = [texts("brokers_header")]
    by_broker = store.cases_by_broker(user_id)
    events = store.broker_request_events(user_id)
    for broker in brokers:
        cases = by_broker.get(broker["id"], [])
        # The latest request to it, by phone or letter, with its answer (as /cases and
        # /case say it); else step ④'s plan. "Last": that request, else when it was named.
        asked = [
            request
            for case in cases
            for request in standing.requests(case, events.get(case["id"], []))
            if request.addressee == standing.BROKER
        ]
        latest = max(asked, key=lambda request: request.at, default=None)
        if latest is not None:
            status = texts(f"answer.{latest.answer or 'waiting'}")
            last, key = latest.at, "brokers_line"
        else:  # not asked yet: the date is when it was last named, and says so
            status = texts(f"broker_status.{broker_status(cases)}")
            last, key = broker["last_named_at"], "brokers_line_named"
        lines.append(
            texts(
                key,
                name=broker["name"],
                count=broker["case_count"],
                status=status,
                date=texts.day(datetime.fromisoformat(last), tz),
            )
        )
    return Reply("\n".join(lines))


def takes_another_call(case: Case) -> bool:
    """Whether "this company called again" can be recorded on the case: it was refused, and
    not cancelled."""
    return bool(case.get("refused_at")) and case["state"] != "cancelled"


# What makes a case a record of a call: something about the call was recorded.
_CALL_FACTS = (
    "refused_at",
    "not_refused",
    "company",
    "person",
    "phone_raw",
    "broker_name",
    "product",
    "call_at",
)


def recorded_calls(cases: Sequence[_Row]) -> list[_Row]:
    """The cases that record a call: something about it was recorded. A /call tapped by
    mistake, or left for /after at once, is not a sales call, cancelled or not."""
    return [c for c in cases if any(c.get(k) for k in _CALL_FACTS)]


# The broker's latest answer that counts as its agreeing to stop and delete.
_AGREED = ("agreed", "complied")


def counts(
    cases: Sequence[Case], brokers: int, requests: Mapping[int, Sequence[Event]]
) -> dict[str, int]:
    """The /stats figures from a user's cases, the number of brokers they named and the
    events of their requests by case id (``Store.broker_request_events``)."""
    calls = recorded_calls(cases)
    repeat_calls = sum(int(c.get("repeat_calls") or 0) for c in calls)
    return {
        "calls": len(calls) + repeat_calls,
        "repeats": sum(1 for c in calls if c.get("repeat_of")) + repeat_calls,
        "brokers": brokers,
        "agreed": sum(1 for c in calls if _broker_agreed(c, requests.get(c["id"], ()))),
    }


def _broker_agreed(case: Case, events: Sequence[Event]) -> bool:
    """Whether the broker's latest answer is that it agreed (on the phone, or done at the
    two-week check): as /cases and /brokers show it. 📭 no reply after an agreement is not."""
    made = [r for r in standing.requests(case, events) if r.addressee == standing.BROKER]
    return made[-1].answer in _AGREED if made else case.get("outcome") == "agreed"


# The names export_files gives its files (the shell finds an earlier export by it).
EXPORT_FILE = re.compile(r"kotowari-\d{8}(?:-[a-z]+)?\.(?:json|csv)")


def export_files(store: Store, user_id: int, now: datetime, tz: ZoneInfo) -> tuple[Attachment, ...]:
    """All of the user's rows: one JSON file with every table, CSV files for cases and
    events, read (once, for the three) and written when the channel sends them, off its
    event loop (``flows.export``)."""
    tables = store.user_export(user_id)
    if isinstance(tables, export.Stored):
        tables = tables.for_files(("json", CASES, EVENTS))  # read once for the three
    local = now.astimezone(tz)  # the date on the files is the user's, as on their cases
    stamp = local.strftime("%Y%m%d")
    json_file = partial(export.export_json, tables, local.isoformat(), tz)
    return (
        Attachment(f"kotowari-{stamp}.json", json_file),
        *(
            Attachment(f"kotowari-{stamp}-{name}.csv", partial(export.export_csv, tables, name, tz))
            for name in (CASES, EVENTS)
        ),
    )
