"""Where a case stands: what the user asked of whom, how, when, and what came of it.

Everything here is derived from what is stored (the case row and its events), never kept
apart, so it cannot drift from the record: a request by phone is step 4's answer, a request
by letter is a letter the user made, an answer to a letter is the user's tap on the two-week
reminder. The one line that says it (``standing_line``) is what /case shows, and the status
in /cases and the follow-up reminders follow from the same ``Request`` values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flows.letters import ADDRESSEE_OF
from flows.moments import event_detail
from flows.normalize import format_phone
from flows.texts import Texts

BROKER = "broker"
COMPANY = "company"
PHONE = "phone"
LETTER = "letter"
# Step 4's answers that are a request made by phone, and what the broker answered.
PHONE_ANSWERS = {"agreed": "agreed", "declined": "refused", "no_record": "no_record"}
# The two-week check's answers to a request: it was done, an answer came, or nothing did.
CHECK_ANSWERS = {"complied": "complied", "answered": "answered", "no_reply": "no_reply"}


@dataclass(frozen=True)
class Request:
    """One request the user made: to the broker or the calling company, by phone or letter."""

    addressee: str  # BROKER | COMPANY
    via: str  # PHONE | LETTER
    at: str  # ISO moment it was made (the phone call's answer, the letter's making)
    # None while waiting; "agreed" / "refused" / "no_record" (said on the phone);
    # "complied" / "no_reply" (the user's answer to the two-week check).
    answer: str | None = None


def requests(case: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> list[Request]:
    """The case's requests in the order they were made, each with its latest answer."""
    made: list[Request] = []
    for event in events:
        kind = event.get("kind")
        detail = event_detail(event)
        if kind == "step" and event.get("state_from") == "demanding":
            answer = PHONE_ANSWERS.get(str(event.get("trigger")))
            if answer:
                made.append(Request(BROKER, PHONE, str(event["at"]), answer))
        elif kind == "letter" and detail.get("kind") in ADDRESSEE_OF:
            made.append(Request(ADDRESSEE_OF[detail["kind"]], LETTER, str(event["at"])))
        elif kind == "reminder" and event.get("trigger") in CHECK_ANSWERS:
            if detail.get("kind") != "check_compliance":
                continue
            addressee = detail.get("addressee") or BROKER
            for index in range(len(made) - 1, -1, -1):
                if made[index].addressee == addressee:
                    request = made[index]
                    answer = CHECK_ANSWERS[str(event["trigger"])]
                    made[index] = Request(request.addressee, request.via, request.at, answer)
                    break
    return made


def caller_name(case: Mapping[str, Any]) -> str | None:
    """Who called: the company, else the number (formatted), as far as it is known."""
    if case.get("company"):
        return str(case["company"])
    if case.get("phone_e164"):
        return format_phone(str(case["phone_e164"]))
    return str(case["phone_raw"]) if case.get("phone_raw") else None


def addressee_name(case: Mapping[str, Any], addressee: str, texts: Texts) -> str:
    """「名簿業者「X」」 or 「電話してきた会社「Y」」, as the user's texts say it."""
    unknown = texts("cases_unknown")
    if addressee == BROKER:
        return texts("addressee.broker", name=case.get("broker_name") or unknown)
    return texts("addressee.company", name=caller_name(case) or unknown)


def standing_line(
    case: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    texts: Texts,
    tz: ZoneInfo,
    calls_after: int | None = None,
) -> str:
    """One line that is always true of the case: the refusal, each addressee's latest
    request and its answer, calls after the refusal (``calls_after``: the caller's, as the
    lookup and the report count them, for a refused case; else the case's own), a report
    made."""
    parts: list[str] = []
    if case.get("refused_at"):
        parts.append(texts("standing.refused"))
    elif case.get("not_refused"):
        parts.append(texts("standing.not_refused"))
    made = requests(case, events)
    for addressee in (BROKER, COMPANY):
        steps = [
            texts(
                f"standing.{request.via}",
                date=texts.day(datetime.fromisoformat(request.at), tz),
                answer=texts(f"answer.{request.answer or 'waiting'}"),
            )
            for request in made
            if request.addressee == addressee
        ]
        if steps:
            whom = addressee_name(case, addressee, texts)
            parts.append(
                texts("standing.whom", whom=whom, steps=texts("standing.then").join(steps))
            )
    if not made and case.get("outcome") == "unreachable" and case.get("broker_name"):
        parts.append(texts("standing.unreachable", whom=addressee_name(case, BROKER, texts)))
    calls = int(case.get("repeat_calls") or 0) + (1 if case.get("repeat_of") else 0)
    if calls_after is not None:
        calls = calls_after
    if calls:
        parts.append(texts("standing.calls_after", count=calls))
    if any(event_detail(e).get("kind") == "resolicitation_report" for e in events):
        parts.append(texts("standing.reported"))
    if not parts:
        parts.append(texts("standing.nothing"))
    return texts("standing", line=texts("standing.separator").join(parts))


def status_key(case: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> str | None:
    """The /cases status that follows from the latest request, or None when no request has
    been made (the case's step then says it)."""
    made = requests(case, events)
    if not made:
        return None
    request = made[-1]
    if request.answer is None:
        return "status.waiting"
    return f"status.answer.{request.answer}"
