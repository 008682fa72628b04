"""The case machine: one unwanted call, from the refusal to the broker's answer.

The flow is data (``STATES``, ``TRANSITIONS``, ``STEP_OPTIONS``) and one ``Machine`` is built
from it at import. Per update the engine loads a case row, wraps it in a fresh ``CaseModel``,
adds it to ``MACHINE`` at the stored state, fires one trigger and removes it again.

Callbacks are pure: conditions are ``is_*``/``has_*``; ``before`` callbacks change the case
dict in memory (and may add a reply, e.g. the outcome's). The engine persists the result;
what the step then shows is ``flows.steps``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from transitions import Machine

from flows.letters import BROKER_REQUEST, COMPANY_REQUEST
from flows.port import Reply
from flows.store.rows import Case
from flows.texts import Texts

CALL_STATES = ("refusing", "pushing", "asking_source", "pressing_source")
AFTER_STATES = ("after_refusal", "after_source")
# The fields of step 3, in the order they are asked. "licence" is asked for property only.
FIELDS = ("broker", "company", "person", "phone", "product", "licence", "when")
# The case's columns each field fills (and clearing it empties).
FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "broker": ("broker_name",),
    "company": ("company", "company_norm"),
    "person": ("person",),
    "phone": ("phone_raw", "phone_e164"),
    "product": ("product", "product_kind"),
    "licence": ("licence",),
    "when": ("call_at",),
}
RECORDING_STATES = tuple(f"recording_{field}" for field in FIELDS)
FINISHED_STATES = ("closed", "cancelled")

STATES = [
    "new",
    *CALL_STATES,
    *AFTER_STATES,
    *RECORDING_STATES,
    "confirming",
    "choosing_fix",
    "demanding",
    "scheduling",
    "awaiting_call",
    "following_up",
    *FINISHED_STATES,
]
ACTIVE_STATES = [s for s in STATES if s not in ("new", *FINISHED_STATES)]
# Once the broker has answered, the case is a record to keep: close it, don't cancel it.
CANCELLABLE_STATES = [s for s in ACTIVE_STATES if s != "following_up"]
TEXT_STATES = frozenset(RECORDING_STATES)


def _t(trigger: str, source: str | list[str], dest: str, **extra: Any) -> dict[str, Any]:
    """One transition, written on one line in the tables below."""
    return {"trigger": trigger, "source": source, "dest": dest, **extra}


def _field_transitions() -> list[dict[str, Any]]:
    """Step 3: each field moves on by answer or skip, back to the previous field, or returns
    to the summary when it was opened from "fix"."""
    result: list[dict[str, Any]] = []
    for index, field in enumerate(FIELDS):
        state = f"recording_{field}"
        ahead = "confirming" if field == "when" else f"recording_{FIELDS[index + 1]}"
        for trigger in ("answer", "skip"):
            result.append(_t(trigger, state, "confirming", conditions="is_fixing", before="apply"))
            if field == "product":
                result.append(
                    _t(
                        trigger,
                        state,
                        "recording_licence",
                        conditions="is_property",
                        before="apply",
                    )
                )
                ahead = "recording_when"
            result.append(_t(trigger, state, ahead, before="apply"))
        result.append(_t("back", state, "confirming", conditions="is_fixing", before="apply"))
        result.append(_t(f"fix_{field}", "choosing_fix", state, before="start_fixing"))
    # Shortcut answers given by button rather than typed.
    for trigger, ahead in (("property", "recording_licence"), ("other_product", "recording_when")):
        product = "recording_product"
        result.append(
            _t(trigger, product, "confirming", conditions="is_fixing", before="pick_product")
        )
        result.append(_t(trigger, product, ahead, before="pick_product"))
    result.append(_t("now", "recording_when", "confirming", before="pick_now"))
    # Going back one field (the broker field goes back to the step that led to step 3).
    result += [
        _t(
            "back",
            "recording_broker",
            "after_source",
            conditions="is_after",
            before="unmark_source_named",
        ),
        _t("back", "recording_broker", "asking_source", before="unmark_source_named"),
        _t("back", "recording_company", "recording_broker"),
        _t("back", "recording_person", "recording_company"),
        _t("back", "recording_phone", "recording_person"),
        _t("back", "recording_product", "recording_phone"),
        _t("back", "recording_licence", "recording_product"),
        _t("back", "recording_when", "recording_licence", conditions="is_property"),
        _t("back", "recording_when", "recording_product"),
    ]
    return result


# The first step of a case in each mode (``start_call``, ``start_after``).
FIRST_STATE = {"call": "refusing", "after": "after_refusal"}
REMIND_CHOICES = ("remind_default", "remind_evening", "remind_morning", "remind_3days")

TRANSITIONS: list[dict[str, Any]] = [
    _t("start_call", "new", FIRST_STATE["call"]),
    _t("start_after", "new", FIRST_STATE["after"]),
    # Step 1 — refuse.
    _t("refused", "refusing", "asking_source", before="mark_refused"),
    _t("pushing", ["refusing", "pushing"], "pushing", before=["mark_refused", "count_push"]),
    _t("backed_off", "pushing", "asking_source"),
    _t("skip", ["refusing", "pushing"], "asking_source"),
    _t("back", "pushing", "refusing", before="unmark_refused"),
    # "🔎 Check the number": the step again, asking for the number (``features.lookup``).
    _t("check_number", "refusing", "refusing"),
    _t("check_number", "pushing", "pushing"),
    # Step 2 — ask where they got my details.
    _t(
        "named",
        ["asking_source", "pressing_source"],
        "recording_broker",
        before="mark_source_named",
    ),
    _t("dodged", "asking_source", "pressing_source"),
    _t("dodged", "pressing_source", "recording_company", before="mark_source_unknown"),
    _t("skip", "asking_source", "recording_broker"),
    _t("skip", "pressing_source", "recording_company", before="mark_source_unknown"),
    _t("back", "asking_source", "pushing", conditions="has_pushed"),
    _t("back", "asking_source", "refusing", before="unmark_refused"),
    _t("back", "pressing_source", "asking_source"),
    _t("ended", list(CALL_STATES), "recording_broker", before="mark_ended"),
    # After the call: what happened, then record.
    _t("yes_refused", "after_refusal", "after_source", before="mark_refused"),
    _t("not_refused", "after_refusal", "after_source", before="mark_not_refused"),
    _t("skip", "after_refusal", "after_source"),
    _t("named", "after_source", "recording_broker", before="mark_source_named"),
    _t("dodged", "after_source", "recording_company", before="mark_source_unknown"),
    _t("skip", "after_source", "recording_broker"),
    _t("back", "after_source", "after_refusal", before="unmark_refused"),
    # Step 3 — record, then confirm.
    *_field_transitions(),
    _t("back", "confirming", "recording_when"),
    _t("fix", "confirming", "choosing_fix"),
    _t("back", "choosing_fix", "confirming"),
    _t(
        "confirm",
        "confirming",
        "demanding",
        conditions=["has_identity", "has_broker"],
        before="mark_confirmed",
    ),
    _t(
        "confirm",
        "confirming",
        "following_up",
        conditions="has_identity",
        unless="has_broker",
        before=["mark_confirmed", "record_outcome"],
    ),
    # Step 4 — demand deletion from the broker; reminders follow the answer.
    _t("agreed", "demanding", "following_up", before="record_outcome"),
    _t("declined", "demanding", "following_up", before="record_outcome"),
    _t("no_record", "demanding", "following_up", before="record_outcome"),
    _t("unreachable", "demanding", "awaiting_call", before="record_outcome"),
    _t("later", "demanding", "scheduling", before="record_outcome"),
    _t("skip", "demanding", "awaiting_call", before="record_outcome"),
    _t("back", "demanding", "confirming"),
    *[_t(trigger, "scheduling", "awaiting_call") for trigger in (*REMIND_CHOICES, "answer")],
    _t("back", "scheduling", "demanding"),
    _t("resume", "awaiting_call", "demanding"),
    # After an answer that calls for a letter, the step offers it; the engine opens the
    # letter dialog for this trigger (the case stays where it is).
    _t("write_letter", "following_up", "following_up"),
    _t("close", ["following_up", "awaiting_call"], "closed", before="mark_closed"),
    _t("reopen", "closed", "following_up", before="mark_reopened"),
    _t("cancel", CANCELLABLE_STATES, "cancelled", before="mark_closed"),
]

# The buttons each state offers, in order; navigation (back / skip / cancel) comes last and
# is shown only where the machine has that transition.
STEP_OPTIONS: dict[str, tuple[str, ...]] = {
    "refusing": ("refused", "pushing", "ended", "check_number"),
    "pushing": ("backed_off", "pushing", "ended", "check_number"),
    "asking_source": ("named", "dodged", "ended"),
    "pressing_source": ("named", "dodged", "ended"),
    "after_refusal": ("yes_refused", "not_refused"),
    "after_source": ("named", "dodged"),
    "recording_product": ("property", "other_product"),
    "recording_when": ("now",),
    "confirming": ("confirm", "fix"),
    "choosing_fix": tuple(f"fix_{field}" for field in FIELDS),
    "demanding": ("agreed", "declined", "no_record", "unreachable", "later"),
    "scheduling": REMIND_CHOICES,
    "awaiting_call": ("resume", "close"),
    "following_up": ("write_letter", "close"),
    "closed": ("reopen",),
}
NAVIGATION = ("back", "skip", "cancel")
# What a typed "yes" or "no" means at a step, when it clearly means one option (not at step
# 4: there "yes" may only say "I will call", and must not record that the broker agreed).
YES_NO: dict[str, tuple[str, str]] = {
    "after_refusal": ("yes_refused", "not_refused"),
    "after_source": ("named", "dodged"),
    "confirming": ("confirm", "fix"),
}
OUTCOMES = ("agreed", "declined", "no_record", "unreachable", "later", "no_source")
# After these outcomes the next move is a letter: to the broker that refused on the phone; to
# the calling company, which must have recorded where it got the data (APPI Art. 30).
OUTCOME_LETTERS = {
    "declined": BROKER_REQUEST,
    "no_record": COMPANY_REQUEST,
    "no_source": COMPANY_REQUEST,
}


class CaseModel:
    """One case while one trigger runs: the row as a dict, plus the replies it produced."""

    def __init__(self, case: Case, texts: Texts, now: datetime, tz: ZoneInfo) -> None:
        self.state: str = case["state"]
        self.case = case
        self.texts = texts
        self.at = now
        self.tz = tz
        self.replies: list[Reply] = []
        self.came_from: str | None = None

    # -- conditions ---------------------------------------------------------------
    def is_fixing(self, *_: Any, **__: Any) -> bool:
        return bool(self.case.get("fixing"))

    def is_property(self, changes: Mapping[str, Any] | None = None, **_: Any) -> bool:
        # Conditions run before "apply", so look at the answer being given too.
        kind = (changes or {}).get("product_kind", self.case.get("product_kind"))
        return bool(kind == "property")

    def is_after(self, *_: Any, **__: Any) -> bool:
        return self.case.get("mode") == "after"

    def has_pushed(self, *_: Any, **__: Any) -> bool:
        return bool(self.case.get("push_count"))

    def has_broker(self, *_: Any, **__: Any) -> bool:
        return bool(self.case.get("broker_name"))

    def has_identity(self, *_: Any, **__: Any) -> bool:
        return any(self.case.get(k) for k in ("company", "phone_raw", "broker_name"))

    # -- changes to the case (in memory; the engine saves) ------------------------
    def remember_source(self, *_: Any, **__: Any) -> None:
        self.came_from = self.state

    def mark_not_refused(self, *_: Any, **__: Any) -> None:
        self.case["not_refused"] = 1
        self.case["refused_at"] = None
        # Without a refusal there is no soliciting-after-refusal to report: say so now.
        self.replies.append(Reply(self.texts("coach.not_refused")))

    def mark_refused(self, *_: Any, **__: Any) -> None:
        self.case["not_refused"] = 0
        if not self.case.get("refused_at"):
            # After the call the refusal happened at the call's time, not now.
            self.case["refused_at"] = self.case.get("call_at") or self.at.isoformat()

    def unmark_refused(self, *_: Any, **__: Any) -> None:
        """Back to "did you refuse?": what the answer recorded is undone (a letter must not
        state a refusal the user took back)."""
        self.case["refused_at"] = None
        self.case["not_refused"] = 0
        self.case["push_count"] = 0

    def count_push(self, *_: Any, **__: Any) -> None:
        self.case["push_count"] = int(self.case.get("push_count") or 0) + 1

    def mark_source_named(self, *_: Any, **__: Any) -> None:
        """The caller named where they got the details: the broker typed next is the one
        they named (a letter says so only then)."""
        self.case["source_named"] = 1
        self.case["source_unknown"] = 0

    def unmark_source_named(self, *_: Any, **__: Any) -> None:
        """Back to "did they say where?": its earlier answer, either way, is undone."""
        self.case["source_named"] = 0
        self.case["source_unknown"] = 0

    def mark_source_unknown(self, *_: Any, **__: Any) -> None:
        self.case["source_unknown"] = 1

    def mark_ended(self, *_: Any, **__: Any) -> None:
        self.case["ended_at"] = self.at.isoformat()

    def apply(self, changes: Mapping[str, Any] | None = None, **_: Any) -> None:
        if changes:
            self.case.update(cast(Case, changes))
            if "call_at" in changes:
                self._date_refusal_by_call()
        self.case["fixing"] = 0

    def _date_refusal_by_call(self) -> None:
        """Recorded after the call, the refusal happened at the call's time, not at the tap:
        an /after case, or a /call case given a time before it was opened (「昨日 15:00」:
        that call had ended; a letter dated the refusal by the tap, a day late). Nor is a
        refusal on the call ever before it (a time corrected to later than the tap)."""
        call_at, refused_at = self.case.get("call_at"), self.case.get("refused_at")
        if not (call_at and refused_at):
            return
        called = datetime.fromisoformat(call_at)
        opened = datetime.fromisoformat(self.case["opened_at"])
        if self.is_after() or called < opened or called > datetime.fromisoformat(refused_at):
            self.case["refused_at"] = call_at

    def start_fixing(self, *_: Any, **__: Any) -> None:
        self.case["fixing"] = 1

    def pick_product(self, *_: Any, **__: Any) -> None:
        kind = "property" if self.came_trigger == "property" else "other"
        self.case["product"] = self.texts(f"product.{kind}")
        self.case["product_kind"] = kind
        self.case["fixing"] = 0

    def pick_now(self, *_: Any, **__: Any) -> None:
        self.case["call_at"] = self.case["opened_at"]
        self._date_refusal_by_call()
        self.case["fixing"] = 0

    def mark_confirmed(self, *_: Any, **__: Any) -> None:
        self.case["confirmed_at"] = self.at.isoformat()

    def letter_due(self) -> str | None:
        """The letter the recorded outcome calls for, if there is someone to write to."""
        letter = OUTCOME_LETTERS.get(str(self.case.get("outcome")))
        caller = self.case.get("company") or self.case.get("phone_raw")
        if letter == COMPANY_REQUEST and not caller:
            return None
        return letter

    def record_outcome(self, *_: Any, **__: Any) -> None:
        trigger = "later" if self.came_trigger == "skip" else self.came_trigger
        outcome = trigger if trigger in OUTCOMES else "no_source"
        self.case["outcome"] = outcome
        if trigger == "later":  # "later" goes on to ask when; that step says the rest
            return
        key = f"outcome.{outcome}"
        if outcome == "no_record" and not self.case.get("source_named"):
            key += ".recorded"  # the user typed the broker: the caller did not name it
        self.replies.append(Reply(self.texts(key)))

    def mark_closed(self, *_: Any, **__: Any) -> None:
        self.case["closed_at"] = self.at.isoformat()

    def mark_reopened(self, *_: Any, **__: Any) -> None:
        self.case["closed_at"] = None

    # The trigger being fired (what a step's message may depend on: ``flows.steps``).
    came_trigger: str | None = None


MACHINE = Machine(
    model=None,
    states=STATES,
    transitions=TRANSITIONS,
    initial="new",
    auto_transitions=False,
    send_event=False,
    prepare_event="remember_source",
)


# The triggers each state offers, worked out once (the machine never changes).
_TRIGGERS_AT = {state: frozenset(MACHINE.get_triggers(state)) for state in STATES}


def triggers_at(state: str) -> frozenset[str]:
    return _TRIGGERS_AT[state]


def fire(model: CaseModel, trigger: str, **kwargs: Any) -> bool:
    """Run one trigger on a fresh model positioned at its stored state.

    The event is fired through the one shared ``MACHINE`` without ``add_model``: adding a
    model binds a method per trigger and per state to it, which cost more (~350 µs) than
    the rest of the step; nothing here uses those bound conveniences.
    """
    model.came_trigger = trigger
    return bool(MACHINE.events[trigger].trigger(model, **kwargs))
