"""What a re-solicitation report is written from: the reported case, with what it lacks of
the business from the refused case, and the calls after the refusal recorded elsewhere."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, cast

from flows.callers import history
from flows.moments import call_moment, refusal_moment, repeat_call_at
from flows.store.rows import Case
from flows.texts import product_label
from flows.turn import Turn

# What a report says of the business, each with what goes with it (a broker's name with
# whether the caller named it, a product with its kind). Not the person or the number: the
# later call's own (another caller, another line, perhaps).
_BUSINESS_FACTS = (
    ("company", "company_norm"),
    ("licence",),
    ("product", "product_kind"),
    ("broker_name", "source_named"),
)


def reported(turn: Turn, case: Case, earlier: Case | None = None) -> Case:
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
        if _lacks(case, fields[0]) and not _lacks(earlier, fields[0]):
            merged.update({field: earlier.get(field) for field in fields})
    return cast(Case, merged)


def _lacks(case: Case, field: str) -> bool:
    """No value; or, for the product, 📦 その他 pressed, which says only "not property": the
    refused case's product, recorded of the same company, says more (a report to the
    consumer centre instead of the licensing office lost the licence the user recorded)."""
    value = case.get(field)
    return not value or (field == "product" and product_label(value) == "product.other")


def calls_recorded_elsewhere(turn: Turn, case: Case, earlier: Case | None) -> list[dict[str, Any]]:
    """For a report: the other calls after the refusal it reports, as ``repeat_call`` events
    marked ``elsewhere``: those recorded on a refused case of the same caller, and the calls
    recorded as cases of their own, with their time or without (``flows.callers``: the
    lookup counts the same calls)."""
    refused = earlier if case.get("repeat_of") else case
    if refused is None:
        return []
    since = case.get("repeat_refused_at") if case.get("repeat_of") else refusal_moment(case)
    store = turn.store
    found: list[dict[str, Any]] = []
    caller = history(store, turn.user_id, refused.get("phone_e164"), refused.get("company_norm"))
    for other in caller.cases:
        if other["id"] == case["id"]:
            continue
        if other in caller.later:  # with its time, or counted as one without
            detail = {"at": call_moment(other), "refused": bool(other.get("refused_at"))}
            found.append({"kind": "repeat_call", "detail": json.dumps(detail), "elsewhere": True})
        if other.get("refused_at"):
            found += [
                {**e, "elsewhere": True}
                for e in store.events(other["id"])
                if e["kind"] == "repeat_call"
            ]
    if since is None:
        return found
    after = datetime.fromisoformat(since)
    # A later call's case without a time is after the refusal it is linked to all the same.
    return [e for e in found if not repeat_call_at(e) or _after(repeat_call_at(e), after)]


def _after(at: object, moment: datetime) -> bool:
    return bool(at) and datetime.fromisoformat(str(at)) > moment
