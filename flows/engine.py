"""The coaching engine: one ``Inbound`` in, one ``Response`` out, one transaction.

Per message: open a transaction → load the user and the active case → work out what the
message means (command, option token, typed answer) → fire one trigger on a fresh model →
save the case, its events and the user in the same transaction. Nothing is held in memory
between messages, so a new engine on the same file resumes exactly where the last one was.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from flows import machine, reminders
from flows.machine import (
    CALL_STATES,
    FINISHED_STATES,
    TEXT_STATES,
    YES_NO,
    CaseModel,
    local_time,
    render_step,
)
from flows.normalize import (
    clean_text,
    format_phone,
    looks_like_property,
    normalize_name,
    parse_future,
    parse_phone,
    parse_when,
)
from flows.port import Inbound, Option, Reply, Response
from flows.reminders import CHOICES, Delivery
from flows.schedule import CALLS_CHECK_DAYS, QuietHours, in_days, tomorrow_morning
from flows.store import DUE_STATUSES, Store
from flows.texts import CATALOGS, Texts, pick_language

log = logging.getLogger(__name__)

COMMANDS = (
    "start",
    "help",
    "call",
    "after",
    "cases",
    "cancel",
    "language",
    "reminders",
    "settings",
)
# Time zones offered as buttons in /settings; any IANA name can be typed.
TIME_ZONES = ("Asia/Tokyo", "UTC", "Europe/London", "America/Los_Angeles", "America/New_York")
QUIET_PRESETS = ("21-8", "22-7", "0-0")
# Longest text accepted per field; anything longer is refused with a clear message.
FIELD_LIMITS = {
    "broker": 100,
    "company": 100,
    "person": 60,
    "phone": 40,
    "product": 200,
    "licence": 60,
    "when": 40,
}
CASES_SHOWN = 10
RESUME_BUTTONS = 5
_CASE_TOKEN = re.compile(r"^(\d{1,9})\.(\d{1,9})\.([a-z_]{1,32})$")
_GLOBAL_TOKEN = re.compile(r"^g\.(lang|start|resume|quiet|tz)\.([a-z0-9-]{1,12})$")
_REMINDER_TOKEN = re.compile(r"^r\.(\d{1,12})\.([a-z_]{1,16})$")
_COMMAND = re.compile(r"^/([A-Za-z_]{1,32})(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)
# What typed words mean wherever that trigger is on offer (any language, any step).
_ALIASES: dict[str, tuple[str, ...]] = {
    "back": ("back", "戻る", "もどる", "戻"),
    "skip": (
        "skip",
        "スキップ",
        "とばす",
        "飛ばす",
        "keep",
        "このまま",
        "なし",
        "不明",
        "わからない",
    ),
    "cancel": ("cancel", "キャンセル", "中止", "やめる"),
    "now": ("now", "just now", "いま", "今", "さっき", "さきほど"),
}
_YES = ("yes", "y", "ok", "はい", "うん", "ええ", "そう", "済み")
_NO = ("no", "n", "いいえ", "いや", "ううん", "まだ")


def status_key(case: dict[str, Any]) -> str:
    state = case["state"]
    if state in CALL_STATES:
        return "status.calling"
    if state in ("demanding", "awaiting_call", "following_up", *FINISHED_STATES):
        return f"status.{state}"
    return "status.recording"


class OutcomeHook(Protocol):
    """Called in the step's transaction when step 4 records an outcome (for reminders)."""

    def __call__(
        self, store: Store, case: dict[str, Any], outcome: str, now: datetime
    ) -> Sequence[Reply]: ...


@dataclass
class _Turn:
    """What one message is working with while its transaction is open."""

    inbound: Inbound
    user: dict[str, Any]
    texts: Texts
    tz: ZoneInfo
    replies: list[Reply] = field(default_factory=list)
    chosen: str | None = None
    notice: str | None = None


class Engine:
    def __init__(
        self,
        store: Store,
        outcome_hooks: Sequence[OutcomeHook] = (),
    ) -> None:
        self.store = store
        self.outcome_hooks = tuple(outcome_hooks)

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.store.clock

    def handle(self, inbound: Inbound) -> Response:
        """Process one message; the whole state change commits or none of it does."""
        try:
            with self.store.transaction():
                turn = self._begin(inbound)
                self._dispatch(turn)
        except sqlite3.Error:
            log.exception("storage error while handling a message")
            texts = Texts(pick_language(inbound.lang_hint))
            return Response(replies=(Reply(texts("storage_error")),))
        return Response(tuple(turn.replies), turn.chosen, turn.notice)

    # -- setup ------------------------------------------------------------------------
    def _begin(self, inbound: Inbound) -> _Turn:
        user = self.store.user(inbound.user_id)
        if user is None:
            user = self.store.create_user(inbound.user_id, pick_language(inbound.lang_hint))
        elif not user["active"]:
            self.store.update_user(user["id"], active=1)
        return _Turn(inbound, user, Texts(user["language"]), ZoneInfo(user["time_zone"]))

    def _dispatch(self, turn: _Turn) -> None:
        inbound = turn.inbound
        if inbound.choice is not None:
            self._on_choice(turn, inbound.choice)
            return
        if inbound.text is not None:
            match = _COMMAND.match(inbound.text.strip())
            if match:
                self._on_command(turn, match.group(1).lower(), (match.group(2) or "").strip())
                return
        case = self._active_case(turn)
        if case is None:
            self._no_case(turn)
            return
        if inbound.contact_phone is not None and case["state"] == "recording_phone":
            self._answer(turn, case, inbound.contact_phone, from_contact=True)
        elif inbound.text is not None and case["state"] in TEXT_STATES:
            self._answer(turn, case, inbound.text)
        elif inbound.text is not None and case["state"] == "scheduling":
            self._schedule_typed(turn, case, inbound.text)
        elif inbound.text is not None:
            self._on_typed_choice(turn, case, inbound.text)
        else:
            key = "attachment_hint" if case["state"] in TEXT_STATES else "attachment_hint_option"
            turn.replies.append(Reply(turn.texts(key)))
            self._show(turn, case)

    def _active_case(self, turn: _Turn) -> dict[str, Any] | None:
        case_id = turn.user.get("active_case_id")
        if case_id is None:
            return None
        case = self.store.case(case_id)
        if case is None or (case["state"] in FINISHED_STATES and case["state"] != "closed"):
            return None
        return case

    def _no_case(self, turn: _Turn) -> None:
        t = turn.texts
        turn.replies.append(
            Reply(
                t("no_case"),
                options=(
                    Option("g.start.call", t("opt.start_call")),
                    Option("g.start.after", t("opt.start_after")),
                ),
            )
        )

    # -- commands ---------------------------------------------------------------------
    def _on_command(self, turn: _Turn, command: str, args: str = "") -> None:
        t = turn.texts
        if command not in COMMANDS:
            turn.replies.append(Reply(t("unknown_command", command=f"/{command}")))
        elif command == "start":
            turn.replies.append(
                Reply(
                    t("start"),
                    options=(
                        Option("g.start.call", t("opt.start_call")),
                        Option("g.start.after", t("opt.start_after")),
                    ),
                )
            )
        elif command == "help":
            turn.replies.append(Reply(t("help")))
        elif command in ("call", "after"):
            self._start_case(turn, command)
        elif command == "cases":
            self._list_cases(turn)
        elif command == "cancel":
            self._cancel(turn)
        elif command == "reminders":
            self._list_reminders(turn)
        elif command == "settings":
            self._settings(turn, args)
        elif command == "language":
            turn.replies.append(
                Reply(
                    t("language_prompt"),
                    options=tuple(
                        Option(f"g.lang.{lang}", t(f"opt.lang_{lang}")) for lang in CATALOGS
                    ),
                )
            )

    def _start_case(self, turn: _Turn, mode: str) -> None:
        current = self._active_case(turn)
        if (
            current is not None
            and current["state"] in machine.ACTIVE_STATES
            and current["state"] not in ("awaiting_call", "following_up")
        ):
            turn.replies.append(Reply(turn.texts("case_paused", number=current["number"])))
            self.store.add_event(current, "paused")
        case = self.store.new_case(turn.user["id"], mode)
        self._set_active(turn, case["id"])
        self._fire(turn, case, "start_call" if mode == "call" else "start_after")

    def _cancel(self, turn: _Turn) -> None:
        case = self._active_case(turn)
        if case is None or "cancel" not in machine.triggers_at(case["state"]):
            turn.replies.append(Reply(turn.texts("cancel_nothing")))
            return
        self._fire(turn, case, "cancel")

    def _set_active(self, turn: _Turn, case_id: int | None) -> None:
        self.store.update_user(turn.user["id"], active_case_id=case_id)
        turn.user["active_case_id"] = case_id

    def _list_cases(self, turn: _Turn) -> None:
        t = turn.texts
        cases = self.store.recent_cases(turn.user["id"], CASES_SHOWN)
        if not cases:
            turn.replies.append(Reply(t("cases_empty")))
            return
        lines = [t("cases_header", limit=CASES_SHOWN)]
        resumable: list[Option] = []
        for case in cases:
            status = t(status_key(case))
            if case.get("repeat_of") or case.get("repeat_calls"):
                status += " " + t("status.repeat")
            who = case.get("company") or (
                format_phone(case["phone_e164"])
                if case.get("phone_e164")
                else case.get("phone_raw")
            )
            lines.append(
                t(
                    "cases_line",
                    number=case["number"],
                    date=local_time(case.get("call_at") or case["opened_at"], turn.tz)[:10],
                    who=who or t("cases_unknown"),
                    broker=case.get("broker_name") or t("cases_unknown"),
                    status=status,
                )
            )
            if (
                case["state"] not in FINISHED_STATES
                and case["id"] != turn.user["active_case_id"]
                and len(resumable) < RESUME_BUTTONS
            ):
                resumable.append(
                    Option(
                        f"g.resume.{case['number']}", t("opt.resume_case", number=case["number"])
                    )
                )
        if resumable:
            lines.append(t("cases_resume_hint"))
        turn.replies.append(Reply("\n".join(lines), options=tuple(resumable)))

    # -- options ----------------------------------------------------------------------
    def _on_choice(self, turn: _Turn, token: str) -> None:
        t = turn.texts
        glob = _GLOBAL_TOKEN.match(token)
        if glob:
            self._on_global(turn, glob.group(1), glob.group(2))
            return
        reminder = _REMINDER_TOKEN.match(token)
        if reminder:
            self._on_reminder(turn, int(reminder.group(1)), reminder.group(2))
            return
        match = _CASE_TOKEN.match(token)
        case = self._active_case(turn)
        if not match:
            turn.notice = t("bad_button")
            return
        number, seq, trigger = int(match.group(1)), int(match.group(2)), match.group(3)
        if case is None or case["number"] != number or case["seq"] != seq:
            known = self.store.case_by_number(turn.user["id"], number) is not None
            turn.notice = t("stale_button") if known else t("bad_button")
            return
        offered = {o.token: o.label for o in self._options(turn, case)}
        if token not in offered:
            turn.notice = t("bad_button")
            return
        turn.chosen = offered[token]
        self._fire(turn, case, trigger)

    def _on_global(self, turn: _Turn, action: str, arg: str) -> None:
        t = turn.texts
        if action == "lang" and arg in CATALOGS:
            self.store.update_user(turn.user["id"], language=arg)
            turn.texts = Texts(arg)
            turn.chosen = turn.texts(f"opt.lang_{arg}")
            turn.replies.append(Reply(turn.texts("language_set")))
        elif action == "start" and arg in ("call", "after"):
            turn.chosen = t(f"opt.start_{arg}")
            self._start_case(turn, arg)
        elif action == "resume" and arg.isdigit():
            self._resume(turn, int(arg))
        elif action == "quiet" and arg in QUIET_PRESETS:
            turn.chosen = self._quiet_label(turn, QuietHours.parse(arg))
            self._save_settings(turn, quiet_hours=arg)
        elif action == "tz" and arg.isdigit() and int(arg) < len(TIME_ZONES):
            turn.chosen = t("opt.tz", tz=TIME_ZONES[int(arg)])
            self._save_settings(turn, time_zone=TIME_ZONES[int(arg)])
        else:
            turn.notice = t("bad_button")

    def _resume(self, turn: _Turn, number: int) -> None:
        t = turn.texts
        case = self.store.case_by_number(turn.user["id"], number)
        if case is None:
            turn.notice = t("case_not_found", number=number)
            return
        if case["state"] in FINISHED_STATES:
            turn.notice = t("case_finished", number=number)
            return
        turn.chosen = t("opt.resume_case", number=number)
        self._set_active(turn, case["id"])
        self.store.add_event(case, "resumed")
        turn.replies.append(Reply(t("resumed", number=number)))
        self._show(turn, case)

    def _on_typed_choice(self, turn: _Turn, case: dict[str, Any], text: str) -> None:
        options = self._options(turn, case)
        trigger = self._match_option(case["state"], options, text)
        if trigger is None:
            typed = _fold(text)
            hint = (
                "first_step"
                if typed in _ALIASES["back"]
                else "cannot_skip"
                if typed in _ALIASES["skip"]
                else "pick_hint"
            )
            turn.replies.append(Reply(turn.texts(hint)))
            self._show(turn, case)
            return
        self._fire(turn, case, trigger)

    @staticmethod
    def _match_option(state: str, options: Sequence[Option], text: str) -> str | None:
        typed = _fold(text)
        if not typed:
            return None
        triggers = [o.token.rsplit(".", 1)[1] for o in options]
        if typed.isdigit() and 1 <= int(typed) <= len(options):
            return triggers[int(typed) - 1]
        for option, trigger in zip(options, triggers, strict=True):
            # The label as shown, and in every language without its time ("次の営業日").
            labels = [option.label] + [
                Texts(lang).option(state, trigger, when="") for lang in CATALOGS
            ]
            if trigger == "skip":
                labels += [Texts(lang).option(state, "keep") for lang in CATALOGS]
            if typed in {_fold(label) for label in labels} or typed in _ALIASES.get(trigger, ()):
                return trigger
        yes_no = YES_NO.get(state)
        if yes_no:
            if typed in _YES and yes_no[0] in triggers:
                return yes_no[0]
            if typed in _NO and yes_no[1] in triggers:
                return yes_no[1]
        return None

    def _options(self, turn: _Turn, case: dict[str, Any]) -> tuple[Option, ...]:
        model = CaseModel(dict(case), turn.texts, self.clock(), turn.tz)
        model.state = case["state"]
        return machine.options_for(model)

    # -- typed answers ----------------------------------------------------------------
    def _answer(
        self, turn: _Turn, case: dict[str, Any], raw: str, from_contact: bool = False
    ) -> None:
        t = turn.texts
        field_name = case["state"].removeprefix("recording_")
        text = clean_text(raw)
        available = machine.triggers_at(case["state"])
        folded = _fold(text)
        for trigger in ("back", "skip", "cancel", "now"):
            if trigger in available and folded in _ALIASES[trigger]:
                self._fire(turn, case, trigger)
                return
        problem: str | None = None
        if not text:
            problem = t("empty_text")
        elif len(text) > FIELD_LIMITS[field_name]:
            problem = t("too_long", limit=FIELD_LIMITS[field_name])
        if problem:
            turn.replies.append(Reply(problem))
            self._show(turn, case)
            return
        changes: dict[str, Any] = {}
        notes: list[Reply] = []
        if field_name == "broker":
            changes = {"broker_name": text}
        elif field_name == "company":
            changes = {"company": text, "company_norm": normalize_name(text) or None}
        elif field_name == "phone":
            phone = parse_phone(text)
            changes = {"phone_raw": phone.raw, "phone_e164": phone.e164}
            if from_contact:
                notes.append(Reply(t("phone_from_contact")))
            if not phone.valid:
                notes.append(Reply(t("phone_unparsed", raw=phone.raw)))
        elif field_name == "product":
            kind = "property" if looks_like_property(text) else "other"
            changes = {"product": text, "product_kind": kind}
        elif field_name == "when":
            moment = parse_when(text, self.clock(), turn.tz)
            if moment is None:
                turn.replies.append(Reply(t("bad_when")))
                self._show(turn, case)
                return
            changes = {"call_at": moment.isoformat()}
        else:
            changes = {field_name: text}
        turn.replies.extend(notes)
        self.store.add_event(case, "answer", detail={"field": field_name, "value": text})
        self._fire(turn, case, "answer", changes=changes)

    # -- the machine ------------------------------------------------------------------
    def _fire(self, turn: _Turn, case: dict[str, Any], trigger: str, **kwargs: Any) -> None:
        before = dict(case)
        model = CaseModel(case, turn.texts, self.clock(), turn.tz)
        case["seq"] = before["seq"] + 1
        machine.attach(model, before["state"])
        try:
            moved = machine.fire(model, trigger, **kwargs)
        finally:
            machine.detach(model)
        if not moved:
            # A condition held the step back (e.g. "save" with nothing to identify the caller).
            case.clear()
            case.update(before)
            if trigger == "confirm":
                turn.replies.append(Reply(turn.texts("need_identity")))
            self._show(turn, case)
            return
        case["state"] = model.state
        self._detect_repeat(turn, before, case, model)
        self.store.save_case(before, case)
        self.store.add_event(
            case, "step", trigger=trigger, state_from=before["state"], state_to=model.state
        )
        self._follow_up(turn, case, trigger, before["state"], model, kwargs.get("remind_at"))
        if case.get("outcome") != before.get("outcome") and case.get("outcome"):
            for hook in self.outcome_hooks:
                model.replies.extend(hook(self.store, case, case["outcome"], self.clock()))
        if model.state == "cancelled":
            self._set_active(turn, None)
        turn.replies.extend(model.replies)

    def _follow_up(
        self,
        turn: _Turn,
        case: dict[str, Any],
        trigger: str,
        state_from: str,
        model: CaseModel,
        remind_at: datetime | None,
    ) -> None:
        """Create the reminders this step asks for, in the step's transaction."""
        if case["state"] in FINISHED_STATES:
            status = "cancelled" if case["state"] == "cancelled" else "done"
            self.store.close_reminders(case["id"], status)
            return
        now = self.clock()
        if state_from == "scheduling" and trigger in CHOICES:
            remind_at = CHOICES[trigger](now, turn.tz)
        plan = reminders.planned(trigger, state_from, now, turn.tz, remind_at)
        if not plan:
            return
        # A new answer from the broker settles any earlier "call the broker" reminder.
        self.store.close_reminders(case["id"], "done", reminders.BROKER_KINDS)
        quiet = QuietHours.parse(turn.user.get("quiet_hours"))
        notes = []
        for kind, due in plan:
            due = quiet.defer(due, turn.tz)
            self.store.add_reminder(case, kind, due)
            notes.append(
                Reply(
                    turn.texts(
                        "reminder_set",
                        when=turn.texts.when(due, turn.tz),
                        what=turn.texts(f"what.{kind}"),
                    )
                )
            )
        model.replies[-1:-1] = notes

    def _schedule_typed(self, turn: _Turn, case: dict[str, Any], text: str) -> None:
        trigger = self._match_option(case["state"], self._options(turn, case), text)
        if trigger is not None:
            self._fire(turn, case, trigger)
            return
        moment = parse_future(text, self.clock(), turn.tz)
        if moment is None:
            turn.replies.append(Reply(turn.texts("bad_remind_time")))
            self._show(turn, case)
            return
        self._fire(turn, case, "answer", remind_at=moment)

    # -- reminders ----------------------------------------------------------------------
    def _on_reminder(self, turn: _Turn, reminder_id: int, action: str) -> None:
        t = turn.texts
        row = self.store.reminder(reminder_id)
        if row is None or row["user_id"] != turn.user["id"]:
            turn.notice = t("bad_button")
            return
        allowed = (*reminders.ACTIONS[row["kind"]], "cancel")
        if action not in allowed or (action == "cancel") != (row["status"] in DUE_STATUSES):
            turn.notice = t("reminder_closed") if action in allowed else t("bad_button")
            return
        if row["status"] not in ("sent", *DUE_STATUSES):
            turn.notice = t("reminder_closed")
            return
        case = self.store.case(row["case_id"])
        assert case is not None  # a reminder's case is deleted with it
        now = self.clock()
        label_key = "opt.r_cancel" if action == "cancel" else f"opt.r_{action}"
        turn.chosen = t(
            label_key,
            when=t.when(datetime.fromisoformat(row["due_at"]), turn.tz),
            number=case["number"],
        )
        self.store.add_event(case, "reminder", trigger=action, detail={"kind": row["kind"]})
        if action in ("done", "stopped"):
            self.store.update_reminder(reminder_id, status="done")
            turn.replies.append(Reply(t("reminder_done")))
        elif action == "cancel":
            self.store.update_reminder(reminder_id, status="cancelled")
            turn.replies.append(Reply(t("reminder_cancelled")))
        elif action == "continued":
            self.store.update_reminder(reminder_id, status="done")
            self._record_repeat_call(turn, case, now)
        elif action in ("snooze_hour", "snooze_morning"):
            due = (
                now + reminders.SNOOZE_HOUR
                if action == "snooze_hour"
                else tomorrow_morning(now, turn.tz)
            )
            due = QuietHours.parse(turn.user.get("quiet_hours")).defer(due, turn.tz)
            self.store.update_reminder(reminder_id, status="snoozed", due_at=due.isoformat())
            turn.replies.append(Reply(t("reminder_snoozed", when=t.when(due, turn.tz))))
        elif action == "open":
            self._open_case(turn, case)

    def _record_repeat_call(self, turn: _Turn, case: dict[str, Any], now: datetime) -> None:
        """The calls went on after the broker was asked: evidence of re-solicitation."""
        before = dict(case)
        case["repeat_calls"] = int(case.get("repeat_calls") or 0) + 1
        case["last_repeat_at"] = now.isoformat()
        self.store.save_case(before, case)
        self.store.add_event(case, "repeat_call", detail={"at": now.isoformat()})
        turn.replies.append(
            Reply(turn.texts("repeat_call_recorded", date=local_time(now.isoformat(), turn.tz)))
        )
        # Data spreads: keep checking, a month at a time.
        due = QuietHours.parse(turn.user.get("quiet_hours")).defer(
            in_days(now, CALLS_CHECK_DAYS, turn.tz), turn.tz
        )
        self.store.add_reminder(case, "check_calls", due)
        turn.replies.append(
            Reply(
                turn.texts(
                    "reminder_set",
                    when=turn.texts.when(due, turn.tz),
                    what=turn.texts("what.check_calls"),
                )
            )
        )

    def _open_case(self, turn: _Turn, case: dict[str, Any]) -> None:
        self._set_active(turn, case["id"])
        if case["state"] == "awaiting_call":
            self._fire(turn, case, "resume")
        elif case["state"] in FINISHED_STATES and case["state"] == "cancelled":
            turn.replies.append(Reply(turn.texts("case_finished", number=case["number"])))
        else:
            self._show(turn, case)

    def _list_reminders(self, turn: _Turn) -> None:
        t = turn.texts
        rows = self.store.waiting_reminders(turn.user["id"])
        if not rows:
            turn.replies.append(Reply(t("reminders_empty")))
            return
        lines = [t("reminders_header")]
        options = []
        for row in rows:
            case = self.store.case(row["case_id"]) or {}
            when = t.when(datetime.fromisoformat(row["due_at"]), turn.tz)
            lines.append(
                t(
                    "reminders_line",
                    when=when,
                    number=case.get("number"),
                    what=t(f"what.{row['kind']}"),
                )
            )
            options.append(
                Option(
                    f"r.{row['id']}.cancel", t("opt.r_cancel", when=when, number=case.get("number"))
                )
            )
        turn.replies.append(Reply("\n".join(lines), options=tuple(options)))

    def _quiet_label(self, turn: _Turn, quiet: QuietHours) -> str:
        t = turn.texts
        if quiet.start == quiet.end:
            return t("opt.quiet_off")
        return t("opt.quiet", range=t("quiet_range", start=quiet.start, end=quiet.end))

    def _settings(self, turn: _Turn, args: str) -> None:
        t = turn.texts
        name, _, value = args.partition(" ")
        value = clean_text(value)
        if name == "tz" and value:
            try:
                ZoneInfo(value)
            except (ValueError, KeyError, OSError):
                turn.replies.append(Reply(t("bad_tz", tz=value[:60])))
                return
            self._save_settings(turn, time_zone=value)
            return
        if name == "quiet" and value:
            quiet = QuietHours.parse(value.replace("〜", "-").replace("~", "-"))
            if str(quiet) != value.replace("〜", "-").replace("~", "-") and value not in (
                "off",
                "なし",
            ):
                turn.replies.append(Reply(t("bad_quiet")))
                return
            self._save_settings(turn, quiet_hours="0-0" if value in ("off", "なし") else str(quiet))
            return
        quiet = QuietHours.parse(turn.user.get("quiet_hours"))
        shown = (
            t("quiet_none")
            if quiet.start == quiet.end
            else t("quiet_range", start=quiet.start, end=quiet.end)
        )
        options = [
            Option(f"g.quiet.{preset}", self._quiet_label(turn, QuietHours.parse(preset)))
            for preset in QUIET_PRESETS
        ] + [Option(f"g.tz.{i}", t("opt.tz", tz=tz)) for i, tz in enumerate(TIME_ZONES)]
        turn.replies.append(
            Reply(t("settings", tz=turn.user["time_zone"], quiet=shown), options=tuple(options))
        )

    def _save_settings(self, turn: _Turn, **values: str) -> None:
        self.store.update_user(turn.user["id"], **values)
        turn.user.update(values)
        turn.tz = ZoneInfo(turn.user["time_zone"])
        turn.replies.append(Reply(turn.texts("settings_saved")))
        self._settings(turn, "")

    # -- delivery (called by the channels' dispatchers) ---------------------------------
    def due_deliveries(self, limit: int, user_id: int | None = None) -> list[Delivery]:
        """Due reminders rendered for sending; ones in their user's quiet hours wait."""
        out: list[Delivery] = []
        with self.store.transaction():
            now = self.clock()
            for row in self.store.due_reminders(now, limit, user_id):
                tz = ZoneInfo(row["time_zone"])
                quiet = QuietHours.parse(row["quiet_hours"])
                deferred = quiet.defer(now, tz)
                if deferred != now:
                    self.store.update_reminder(row["id"], due_at=deferred.isoformat())
                    continue
                texts = Texts(row["language"])
                out.append(
                    Delivery(
                        row["id"], row["user_id"], texts.language, reminders.render(row, texts)
                    )
                )
        return out

    def reminder_sent(self, reminder_id: int) -> None:
        with self.store.transaction():
            row = self.store.reminder(reminder_id)
            attempts = (row or {}).get("attempts", 0) + 1
            self.store.update_reminder(
                reminder_id, status="sent", sent_at=self.clock().isoformat(), attempts=attempts
            )

    def reminder_failed(self, reminder_id: int, error: str) -> None:
        """A send failed for a passing reason: try again later, waiting longer each time."""
        with self.store.transaction():
            row = self.store.reminder(reminder_id)
            attempts = (row or {}).get("attempts", 0) + 1
            due = self.clock() + reminders.backoff(attempts)
            self.store.update_reminder(
                reminder_id, attempts=attempts, last_error=error[:200], due_at=due.isoformat()
            )

    def user_unreachable(self, user_id: int) -> None:
        """The user blocked the bot: stop sending until they write again."""
        try:
            with self.store.transaction():
                if self.store.user(user_id) is not None:
                    self.store.update_user(user_id, active=0)
        except sqlite3.Error:
            log.exception("could not mark a user inactive")

    def _detect_repeat(
        self, turn: _Turn, before: dict[str, Any], case: dict[str, Any], model: CaseModel
    ) -> None:
        """Flag a case whose company or number was already refused in an earlier case."""
        same = all(case.get(k) == before.get(k) for k in ("company_norm", "phone_e164"))
        if same or case.get("repeat_of"):
            return
        earlier = self.store.earlier_refusal(case)
        if earlier is None:
            return
        case["repeat_of"] = earlier["number"]
        case["repeat_refused_at"] = earlier["refused_at"]
        who = earlier["company"] or (
            format_phone(earlier["phone_e164"]) if earlier["phone_e164"] else earlier["phone_raw"]
        )
        warning = Reply(
            turn.texts(
                "repeat_detected",
                who=who,
                date=local_time(earlier["refused_at"], turn.tz),
                number=earlier["number"],
            )
        )
        model.replies.insert(max(len(model.replies) - 1, 0), warning)
        self.store.add_event(
            case,
            "repeat_detected",
            detail={"earlier_case": earlier["number"], "refused_at": earlier["refused_at"]},
        )

    def _show(self, turn: _Turn, case: dict[str, Any]) -> None:
        model = CaseModel(case, turn.texts, self.clock(), turn.tz)
        model.state = case["state"]
        model.came_from = case["state"]
        turn.replies.append(render_step(model))


def _fold(text: str) -> str:
    """Compare typed text with labels: width-folded, case-folded, emoji and marks dropped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN" or ch in " /()（）・")
    return " ".join(kept.split())
