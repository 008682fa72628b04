"""The coaching engine: one ``Inbound`` in, one ``Response`` out, one transaction.

Per message: open a transaction → load the user and the active case → work out what the
message means (command, option token, typed answer) → fire one trigger on a fresh model →
save the case, its events and the user in the same transaction. Nothing is held in memory
between messages, so a new engine on the same file resumes exactly where the last one was.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import unicodedata
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from flows import letters, machine, moments, reminders, review, standing, stats
from flows.machine import (
    FINISHED_STATES,
    TEXT_STATES,
    YES_NO,
    CaseModel,
    letter_option,
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
from flows.port import Attachment, Inbound, Option, Reply, Response
from flows.reminders import CHOICES, Delivery
from flows.schedule import (
    CALLS_CHECK_DAYS,
    QuietHours,
    in_days,
    tomorrow_morning,
)
from flows.store import DUE_STATUSES, Store
from flows.texts import CATALOGS, Texts, pick_language

log = logging.getLogger(__name__)

COMMANDS = (
    "start",
    "help",
    "call",
    "after",
    "cases",
    "case",
    "brokers",
    "find",
    "stats",
    "cancel",
    "language",
    "reminders",
    "settings",
    "export",
    "forget",
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
_CASE_TOKEN = re.compile(r"^(\d{1,9})\.(\d{1,9})\.([a-z0-9_]{1,32})$")
_GLOBAL_TOKEN = re.compile(
    r"^g\.(lang|start|quiet|tz|page|case|open|letter|again|close|reopen|del|delyes|delno|forget"
    r"|lk|snd|lph|keep|off|agn)"
    r"\.([a-z0-9-]{1,12})$"
)
# A second press of a start button within this long of the case it started is a double tap.
DOUBLE_TAP = timedelta(minutes=2)
# /reminders: cancel buttons for the soonest this many (a message's keyboard has limits).
MAX_REMINDER_BUTTONS = 20
# How many of a user's latest update ids are remembered to recognise a re-delivery.
RECENT_UPDATES = 64
# Letters: the kinds (by their short code in buttons) and the buttons of the letter dialog.
LETTER_KINDS = machine.LETTER_CODES
LETTER_BUILDERS = {
    letters.BROKER_REQUEST: letters.broker_request,
    letters.COMPANY_REQUEST: letters.company_request,
}
_LETTER_TOKENS = ("g.lk.", "g.snd.", "g.lph.", "g.keep.", "g.off.")
# Buttons that belong to a dialog in progress (``users.pending``) and so do not end it.
_DIALOG_TOKENS = (*_LETTER_TOKENS, "g.agn.")
SENDER_LIMITS = {"name": 60, "address": 200, "phone": 40, "office": 40}
# Global actions that name one of the user's cases by its number.
_CASE_ACTIONS = ("case", "open", "letter", "again", "close", "reopen", "del", "delyes", "delno")
_REMINDER_TOKEN = re.compile(r"^r\.(\d{1,12})\.([a-z_]{1,16})$")
# Zone names /settings tz accepts: IANA names, not the machine's own ("localtime") or a
# placeholder ("Factory"), which ZoneInfo also opens.
_TIME_ZONE_NAMES = frozenset(zoneinfo.available_timezones()) - {
    "localtime",
    "Factory",
    "posixrules",
}
# What "/language …" accepts (after NFKC and case folding); anything else shows the choice.
_LANGUAGE_NAMES = {
    **{name: "ja" for name in ("ja", "jp", "japanese", "日本語", "にほんご")},
    **{name: "en" for name in ("en", "english", "英語", "えいご")},
}
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
    language_changed: bool = False
    erased: bool = False
    pending_set: bool = False  # this message began or moved a dialog (users.pending)


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
                receipt = inbound.receipt
                if (receipt is not None and self.store.inbox_applied(receipt)) or (
                    self._seen_before(turn)
                ):
                    self._show_where(turn)  # changes nothing stored, not even shown_step
                else:
                    self._dispatch(turn)
                    self._remember_shown(turn)
                    if receipt is not None:
                        self.store.inbox_mark_applied(receipt)
        except sqlite3.Error as error:
            if inbound.receipt is not None or inbound.retried:
                # Passing (another writer held the lock past the busy timeout) or not, the
                # channel keeps the message and tries again.
                log.warning("could not store a step (%s); it is tried again", type(error).__name__)
                # No "send it again": it would be applied twice (the copy sent again, then
                # the stored one).
                return Response(stored=False)
            log.exception("storage error while handling a message")
            texts = Texts(pick_language(inbound.lang_hint))
            return Response(replies=(Reply(texts("storage_error")),), stored=False)
        return Response(
            tuple(turn.replies),
            turn.chosen,
            turn.notice,
            turn.texts.language,
            language_changed=turn.language_changed,
            erased=turn.erased,
        )

    # -- setup ------------------------------------------------------------------------
    def _begin(self, inbound: Inbound) -> _Turn:
        user = self.store.user_with_case(inbound.user_id)
        if user is None:
            user = self.store.create_user(inbound.user_id, pick_language(inbound.lang_hint))
        elif not user["active"]:
            self.store.update_user(user["id"], active=1)
        return _Turn(inbound, user, Texts(user["language"]), ZoneInfo(user["time_zone"]))

    def _seen_before(self, turn: _Turn) -> bool:
        """Whether this update was already applied (re-delivered after a crash); if not,
        remember it, in the same transaction as what it changes."""
        update_id = turn.inbound.update_id
        if update_id is None:
            return False
        # Not "ids up to the last one": Telegram restarts its numbering at random after a
        # quiet week. A re-delivery comes right after a crash, among the latest ids.
        recent = [int(i) for i in (turn.user.get("recent_update_ids") or "").split(",") if i]
        if update_id in recent:
            log.info("update already applied; showing the current step again")
            return True
        recent = [*recent, update_id][-RECENT_UPDATES:]
        self.store.update_user(turn.user["id"], recent_update_ids=",".join(map(str, recent)))
        return False

    def _remember_shown(self, turn: _Turn) -> None:
        """Note whether this response ends with a case step's options (``_hidden_number``)."""
        if not turn.replies or turn.erased:  # only a notice; or no user row any more
            return
        options = turn.replies[-1].options
        shown = None
        if options and _CASE_TOKEN.match(options[0].token):
            shown = options[0].token.rsplit(".", 1)[0]
        if shown != turn.user.get("shown_step"):
            self.store.update_user(turn.user["id"], shown_step=shown)
            turn.user["shown_step"] = shown

    @staticmethod
    def _hidden_number(turn: _Turn, case: dict[str, Any], text: str) -> bool:
        """Whether ``text`` is an option number while this case's step is not the last thing
        shown (after /cases, /help or a reminder, "1" must not press a hidden button). In a
        step that asks for text, only 1–9 are option numbers; longer ones are answers."""
        number = option_number(text)
        if number is None or turn.user.get("shown_step") == f"{case['number']}.{case['seq']}":
            return False
        return number < 10 or case["state"] not in TEXT_STATES

    def _show_where(self, turn: _Turn) -> None:
        """The answer to a message applied before: where the user is now, changing nothing."""
        pending = self._pending(turn)
        if pending and "again" in pending:
            asked = self._again_case(turn, pending["again"])
            if asked is not None:
                self._ask_again_when(turn, asked)  # still waiting for its answer
                return
        case = self._active_case(turn)
        if case is None:
            self._no_case(turn)
        else:
            self._show(turn, case)

    def _dispatch(self, turn: _Turn) -> None:
        inbound = turn.inbound
        pending = self._pending(turn)
        if inbound.choice is not None:
            self._on_choice(turn, inbound.choice)
            accepted = turn.notice is None
            dialog = inbound.choice.startswith(_DIALOG_TOKENS)
            if pending and accepted and not turn.pending_set and not dialog:
                self._set_pending(turn, None)  # the user moved on to something else
            return
        if inbound.text is not None:
            match = _COMMAND.match(inbound.text.strip())
            if match:
                command = match.group(1).lower()
                if pending:
                    self._set_pending(turn, None)
                    if command == "cancel":
                        key = "again_cancelled" if "again" in pending else "letter_cancelled"
                        turn.replies.append(Reply(turn.texts(key)))
                        return
                self._on_command(turn, command, (match.group(2) or "").strip())
                return
            if pending and pending.get("step"):
                self._letter_text(turn, pending, inbound.text)
                return
            if pending and "again" in pending:
                self._again_text(turn, pending, inbound.text)
                return
        if pending and "again" in pending:
            # A photo or a contact is no answer to "when?": the question is dropped, so that a
            # number typed next means the step shown below, not "just now".
            self._set_pending(turn, None)
        case = self._active_case(turn)
        if case is None:
            self._no_case(turn)
            return
        if inbound.text is not None and self._hidden_number(turn, case, inbound.text):
            turn.replies.append(Reply(turn.texts("number_not_shown")))
            self._show(turn, case)  # now shown: its numbers work from the next message
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
        turn.replies.append(
            Reply(turn.texts("no_case"), options=_start_options(turn.texts, turn.user))
        )

    # -- commands ---------------------------------------------------------------------
    def _on_command(self, turn: _Turn, command: str, args: str = "") -> None:
        t = turn.texts
        if command not in COMMANDS:
            turn.replies.append(Reply(t("unknown_command", command=f"/{command}")))
        elif command == "start":
            turn.replies.append(Reply(t("start"), options=_start_options(t, turn.user)))
        elif command == "help":
            turn.replies.append(Reply(t("help")))
        elif command in ("call", "after"):
            self._start_case(turn, command)
        elif command == "cases":
            turn.replies.append(
                review.cases_page(self.store, turn.user["id"], 0, turn.texts, turn.tz)
            )
        elif command == "case":
            case = self._case_arg(turn, args)
            if case is not None:
                turn.replies.append(review.case_view(self.store, case, turn.texts, turn.tz))
        elif command == "brokers":
            turn.replies.append(review.brokers_reply(self.store, turn.user["id"], t, turn.tz))
        elif command == "find":
            self._find(turn, args)
        elif command == "stats":
            self._stats(turn)
        elif command == "export":
            turn.replies.append(
                Reply(
                    t("export_done"),
                    attachments=review.export_files(
                        self.store, turn.user["id"], self.clock(), turn.tz
                    ),
                )
            )
        elif command == "forget":
            self._forget_confirm(turn)
        elif command == "cancel":
            self._cancel(turn)
        elif command == "reminders":
            self._list_reminders(turn)
        elif command == "settings":
            self._settings(turn, args)
        elif command == "language":
            language = _LANGUAGE_NAMES.get(unicodedata.normalize("NFKC", args).strip().casefold())
            if language is not None:
                self._set_language(turn, language)
                return
            turn.replies.append(
                Reply(
                    t("language_prompt"),
                    options=tuple(
                        Option(f"g.lang.{lang}", t(f"opt.lang_{lang}")) for lang in CATALOGS
                    ),
                )
            )

    def _set_language(self, turn: _Turn, language: str) -> None:
        self.store.update_user(turn.user["id"], language=language)
        turn.texts = Texts(language)
        turn.language_changed = True
        turn.replies.append(Reply(turn.texts("language_set")))
        case = self._active_case(turn)
        if case is not None and case["state"] not in FINISHED_STATES:
            self._show(turn, case)  # the step in progress, in the new language

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

    def _case_arg(self, turn: _Turn, args: str) -> dict[str, Any] | None:
        """The user's own case named by "/case 3" or "#3"; says why when there is none."""
        number = args.strip().lstrip("#＃").strip()
        number = unicodedata.normalize("NFKC", number)
        if not number.isdecimal() or len(number) > 9:
            turn.replies.append(Reply(turn.texts("case_usage")))
            return None
        case = self.store.case_by_number(turn.user["id"], int(number))
        if case is None:
            turn.replies.append(Reply(turn.texts("case_not_found", number=int(number))))
        return case

    def _find(self, turn: _Turn, args: str) -> None:
        text = clean_text(args)[: FIELD_LIMITS["company"]]
        if not text:
            turn.replies.append(Reply(turn.texts("find_usage")))
            return
        phone = parse_phone(text)
        turn.replies.append(
            review.search_reply(self.store, turn.user["id"], text, phone.e164, turn.texts, turn.tz)
        )

    def _stats(self, turn: _Turn) -> None:
        t = turn.texts
        rows = self.store.user_rows(turn.user["id"])
        numbers = review.counts(rows)
        attachments: tuple[Attachment, ...] = ()
        if numbers["calls"]:
            monthly = stats.monthly_counts(
                review.recorded_calls(rows["cases"]),
                turn.tz,
                today=self.clock().astimezone(turn.tz).date(),
                events=rows["events"],
            )
            # Drawn when the channel sends it (off its event loop), from the counts above.
            png = partial(stats.chart_png, monthly, t("stats_chart_title"))
            attachments = (Attachment("calls.png", png, "photo", t("stats_chart_caption")),)
        turn.replies.append(Reply(t("stats", **numbers), attachments=attachments))

    def _forget_confirm(self, turn: _Turn) -> None:
        t = turn.texts
        turn.replies.append(
            Reply(
                t("forget_confirm"),
                options=(
                    Option("g.forget.yes", t("opt.forget_yes")),
                    Option("g.forget.no", t("opt.forget_no")),
                ),
            )
        )

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
        option = machine.option_for(CaseModel(case, t, self.clock(), turn.tz), trigger)
        if option is None:
            turn.notice = t("bad_button")
            return
        turn.chosen = option.label
        self._fire(turn, case, trigger)

    def _on_global(self, turn: _Turn, action: str, arg: str) -> None:
        t = turn.texts
        if action == "lang" and arg in CATALOGS:
            self._set_language(turn, arg)
            turn.chosen = turn.texts(f"opt.lang_{arg}")
        elif action == "start" and (mode := arg.partition("-")[0]) in ("call", "after"):
            turn.chosen = t(f"opt.start_{mode}")
            if _seen_changed(arg, turn.user.get("last_case_number")):
                # A case was started since this button was shown. If it is an untouched case
                # of this kind, started moments ago, the press is a double tap: show that
                # case, start no other (an old untouched case is left for a new one).
                current = self._active_case(turn)
                if (
                    current is not None
                    and current["mode"] == mode
                    and current["seq"] == 1
                    and self.clock() - datetime.fromisoformat(current["opened_at"]) < DOUBLE_TAP
                ):
                    self._show(turn, current)
                    return
            self._start_case(turn, mode)
        elif action == "page" and arg.isdecimal():
            turn.replies.append(
                review.cases_page(self.store, turn.user["id"], int(arg), t, turn.tz)
            )
        elif action in _CASE_ACTIONS and (number := arg.partition("-")[0]).isdecimal():
            self._on_case_action(turn, action, int(number), arg)
        elif action in ("lk", "snd", "lph", "keep"):
            self._on_letter_button(turn, action, arg)
        elif action == "agn":
            self._again_now(turn, arg)
        elif action == "forget" and arg in ("yes", "no"):
            turn.chosen = t(f"opt.forget_{arg}")
            if arg == "no":
                turn.replies.append(Reply(t("not_deleted")))
                return
            self.store.forget_user(turn.user["id"])
            turn.erased = True
            turn.replies.append(Reply(t("forgotten")))
        elif action == "quiet" and arg in QUIET_PRESETS:
            turn.chosen = self._quiet_label(turn, QuietHours.parse(arg))
            self._save_settings(turn, quiet_hours=arg)
        elif action == "tz" and arg.isdecimal() and int(arg) < len(TIME_ZONES):
            turn.chosen = t("opt.tz", tz=TIME_ZONES[int(arg)])
            self._save_settings(turn, time_zone=TIME_ZONES[int(arg)])
        else:
            turn.notice = t("bad_button")

    def _on_case_action(self, turn: _Turn, action: str, number: int, arg: str = "") -> None:
        """A button about one of the user's cases (from /cases, /case, /find)."""
        t = turn.texts
        case = self.store.case_by_number(turn.user["id"], number)
        if case is None:
            turn.notice = t("case_not_found", number=number)
            return
        if action == "case":
            turn.chosen = t("opt.open_case", number=number)
            turn.replies.append(review.case_view(self.store, case, t, turn.tz))
        elif action == "open" and case["state"] not in FINISHED_STATES:
            turn.chosen = t("opt.case_continue")
            self.store.add_event(case, "resumed")
            turn.replies.append(Reply(t("resumed", number=number)))
            self._open_case(turn, case)
        elif action == "again" and review.takes_another_call(case):
            # "-N": the calls recorded when the button was shown; a second tap finds N+1.
            if _seen_changed(arg, case.get("repeat_calls")):
                turn.notice = t("stale_button")
                return
            turn.chosen = t("opt.case_again")
            self._set_pending(turn, {"again": number})
            self._ask_again_when(turn, case)
        elif action in ("close", "reopen") and action in machine.triggers_at(case["state"]):
            turn.chosen = t(f"opt.case_{action}")
            shown = len(turn.replies)
            self._fire(turn, case, action)
            if case["id"] != turn.user.get("active_case_id"):
                # Not the case in progress: say what happened; its step buttons would only
                # be refused, since buttons work for the active case.
                key = "case_closed_now" if action == "close" else "case_reopened"
                turn.replies[shown:] = [Reply(t(key, number=number))]
        elif action == "del":
            turn.chosen = t("opt.case_delete")
            turn.replies.append(
                Reply(
                    t("case_delete_confirm", number=number),
                    options=(
                        Option(f"g.delyes.{number}", t("opt.delete_yes")),
                        Option(f"g.delno.{number}", t("opt.delete_no")),
                    ),
                )
            )
        elif action == "delyes":
            turn.chosen = t("opt.delete_yes")
            self.store.delete_case(case)
            if turn.user.get("active_case_id") == case["id"]:
                turn.user["active_case_id"] = None
            turn.replies.append(Reply(t("case_deleted", number=number)))
        elif action == "delno":
            turn.chosen = t("opt.delete_no")
            turn.replies.append(Reply(t("not_deleted")))
        elif action == "letter":
            self._start_letter(turn, case)
        else:
            # A button for something this case no longer allows (e.g. closed meanwhile).
            turn.notice = t("stale_button")

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
        """The trigger the typed text means: the option's number, its label in any language,
        a part of one label only, or a clear yes/no."""
        typed = _fold(text)
        if not typed:
            return None
        triggers = [o.token.rsplit(".", 1)[1] for o in options]
        number = option_number(text)
        if number is not None:
            return triggers[number - 1] if 1 <= number <= len(options) else None
        folded: dict[str, set[str]] = {}
        for option, trigger in zip(options, triggers, strict=True):
            # The label as shown, and in every language without its time ("次の営業日").
            labels = [option.label] + [
                Texts(lang).option(state, trigger, when="") for lang in CATALOGS
            ]
            if trigger == "skip":
                labels += [Texts(lang).option(state, "keep") for lang in CATALOGS]
            folded[trigger] = {_fold(label) for label in labels}
            if typed in folded[trigger] or typed in _ALIASES.get(trigger, ()):
                return trigger
        yes_no = YES_NO.get(state)
        if yes_no:
            if typed in _YES and yes_no[0] in triggers:
                return yes_no[0]
            if typed in _NO and yes_no[1] in triggers:
                return yes_no[1]
        if typed in _YES or typed in _NO:
            return None  # a yes or no that means no one option here
        # Part of exactly one option's label: 「切れた」, 「保存」, "ended" (whole words).
        partly = [t for t, labels in folded.items() if any(_part_of(typed, x) for x in labels)]
        return partly[0] if len(partly) == 1 else None

    def _options(self, turn: _Turn, case: dict[str, Any]) -> tuple[Option, ...]:
        model = CaseModel(dict(case), turn.texts, self.clock(), turn.tz)
        return machine.options_for(model)

    # -- typed answers ----------------------------------------------------------------
    # A typed answer sent again within this long, identical to the one just saved, is taken
    # for a re-send (its reply was lost), not for the next step's answer.
    REPEAT_WINDOW = timedelta(minutes=2)

    def _repeated_answer(self, turn: _Turn, case: dict[str, Any], text: str) -> bool:
        """Whether ``text`` is the answer just saved for the step before, sent again because
        its reply was lost or late (a network error): then it is not stored in this field
        (a broker's name as the company); the user is told, and may send it once more if
        it is meant for this step too (the repeat is recorded, so a second one is stored)."""
        last = self.store.last_event(case["id"])
        if last is None or (last["kind"], last["trigger"]) != ("step", "answer"):
            return False
        earlier = json.loads(last["detail"] or "{}")
        if last["state_to"] != case["state"] or earlier.get("value") != text:
            return False
        if self.clock() - datetime.fromisoformat(last["at"]) > self.REPEAT_WINDOW:
            return False
        self.store.add_event(case, "answer_repeated", detail={"field": earlier.get("field")})
        turn.replies.append(Reply(turn.texts("answer_repeated", value=text)))
        self._show(turn, case)
        return True

    def _answer(
        self, turn: _Turn, case: dict[str, Any], raw: str, from_contact: bool = False
    ) -> None:
        t = turn.texts
        field_name = case["state"].removeprefix("recording_")
        text = clean_text(raw)
        available = machine.triggers_at(case["state"])
        folded = _fold(text)
        number = None if from_contact else option_number(text)
        if number is not None and number < 10:
            # The option's number, as every channel shows it (no field answer is "1"–"9").
            options = self._options(turn, case)
            if 1 <= number <= len(options):
                self._fire(turn, case, options[number - 1].token.rsplit(".", 1)[1])
                return
        for trigger in ("back", "skip", "cancel", "now"):
            if trigger in available and folded in _ALIASES[trigger]:
                self._fire(turn, case, trigger)
                return
        if self._repeated_answer(turn, case, text):
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
        # The step's event carries the answer as typed: one row per message.
        answer = {"field": field_name, "value": text}
        self._fire(turn, case, "answer", changes=changes, answer=answer)

    # -- written requests -------------------------------------------------------------
    def _pending(self, turn: _Turn) -> dict[str, Any] | None:
        raw = turn.user.get("pending")
        return json.loads(raw) if raw else None

    def _set_pending(self, turn: _Turn, value: dict[str, Any] | None) -> None:
        raw = json.dumps(value, ensure_ascii=False) if value else None
        self.store.update_user(turn.user["id"], pending=raw)
        turn.user["pending"] = raw
        turn.pending_set = value is not None

    @staticmethod
    def _letter_kinds(case: dict[str, Any]) -> list[str]:
        """The letters a case has the facts for (codes of ``LETTER_KINDS``)."""
        kinds = []
        caller = case.get("company") or case.get("phone_raw")
        if case.get("broker_name"):
            kinds.append("b")
        if caller:
            kinds.append("c")
        # A report of calls after a refusal needs such a call on record: this case's call came
        # after an earlier refusal, or calls after this case's refusal were recorded.
        repeated = case.get("repeat_of") or (case.get("refused_at") and case.get("repeat_calls"))
        if caller and repeated:
            kinds.append("r")
        return kinds

    def _start_letter(self, turn: _Turn, case: dict[str, Any]) -> None:
        t = turn.texts
        turn.chosen = t("opt.case_letter")
        kinds = self._letter_kinds(case)
        if not kinds:
            turn.replies.append(Reply(t("letter_none")))
            return
        turn.replies.append(
            Reply(
                t("letter_choose", number=case["number"]),
                options=tuple(
                    letter_option(t, case["number"], LETTER_KINDS[code]) for code in kinds
                ),
            )
        )

    def _on_letter_button(self, turn: _Turn, action: str, arg: str) -> None:
        t = turn.texts
        pending = self._pending(turn)
        user = turn.user
        if action == "lk":
            number, _, code = arg.partition("-")
            case = (
                self.store.case_by_number(user["id"], int(number)) if number.isdecimal() else None
            )
            if case is None or code not in LETTER_KINDS:
                turn.notice = t("case_not_found", number=number)
                return
            if code not in self._letter_kinds(case):
                turn.notice = t("bad_button")
                return
            kind = LETTER_KINDS[code]
            turn.chosen = t(f"opt.letter_{kind}")
            pending = {"case": case["number"], "kind": kind}
            if kind == letters.RESOLICITATION_REPORT and letters.needs_head_office(case):
                # The addressee depends on the head office's prefecture: ask it first.
                self._letter_ask(turn, {**pending, "step": "office"})
                return
            self._letter_sender(turn, pending)
            return
        if action == "off":
            if pending is None or pending.get("step") != "office":
                turn.notice = t("letter_expired")
                return
            turn.chosen = t("opt.skip")
            self._letter_sender(turn, {**pending, "office": None, "step": None})
            return
        expected = {"snd": None, "lph": "phone", "keep": "keep"}[action]
        if pending is None or "kind" not in pending or pending.get("step") != expected:
            turn.notice = t("letter_expired")
            return
        if action == "snd" and arg == "saved":
            turn.chosen = t("opt.sender_saved")
            sender = (user["sender_name"], user["sender_address"], user.get("sender_phone"))
            self._write_letter(turn, pending, *sender)
        elif action == "snd":
            turn.chosen = t("opt.sender_new")
            self._letter_ask(turn, {**pending, "step": "name"})
        elif action == "lph":
            turn.chosen = t("opt.skip")
            self._letter_ask(turn, {**pending, "step": "keep", "phone": None})
        elif action == "keep" and arg in ("yes", "no"):
            turn.chosen = t(f"opt.keep_sender_{arg}")
            if arg == "yes":
                self.store.update_user(
                    user["id"],
                    sender_name=pending["name"],
                    sender_address=pending["address"],
                    sender_phone=pending.get("phone"),
                )
            self._write_letter(
                turn, pending, pending["name"], pending["address"], pending.get("phone")
            )

    def _letter_sender(self, turn: _Turn, pending: dict[str, Any]) -> None:
        """Who sends the letter: the saved sender if there is one, else ask the name."""
        t = turn.texts
        user = turn.user
        if not (user.get("sender_name") and user.get("sender_address")):
            self._letter_ask(turn, {**pending, "step": "name"})
            return
        self._set_pending(turn, pending)
        turn.replies.append(
            Reply(
                t("letter_saved_sender", name=user["sender_name"], address=user["sender_address"]),
                options=(
                    Option("g.snd.saved", t("opt.sender_saved")),
                    Option("g.snd.new", t("opt.sender_new")),
                ),
            )
        )

    def _letter_ask(self, turn: _Turn, pending: dict[str, Any]) -> None:
        t = turn.texts
        self._set_pending(turn, pending)
        step = pending["step"]
        if step == "phone":
            options: tuple[Option, ...] = (Option("g.lph.skip", t("opt.skip"), secondary=True),)
        elif step == "office":
            options = (Option("g.off.skip", t("opt.skip"), secondary=True),)
        elif step == "keep":
            options = (
                Option("g.keep.yes", t("opt.keep_sender_yes")),
                Option("g.keep.no", t("opt.keep_sender_no")),
            )
        else:
            options = ()
        turn.replies.append(Reply(t(f"letter_ask_{step}"), options=options))

    def _letter_text(self, turn: _Turn, pending: dict[str, Any], raw: str) -> None:
        t = turn.texts
        step = pending["step"]
        text = clean_text(raw)
        if step == "keep":
            typed = _fold(text)
            choice = "yes" if typed in _YES else "no" if typed in _NO else None
            if choice is None:
                turn.replies.append(Reply(t("pick_hint")))
                self._letter_ask(turn, pending)
                return
            self._on_letter_button(turn, "keep", choice)
            return
        if step in ("phone", "office") and _fold(text) in _ALIASES["skip"]:
            self._on_letter_button(turn, "lph" if step == "phone" else "off", "skip")
            return
        if step == "office":
            office = letters.prefecture(text[: SENDER_LIMITS["office"]])
            if office is None:
                turn.replies.append(Reply(t("bad_office")))
                self._letter_ask(turn, pending)
                return
            self._letter_sender(turn, {**pending, "office": office, "step": None})
            return
        if not text or len(text) > SENDER_LIMITS[step]:
            problem = t("empty_text") if not text else t("too_long", limit=SENDER_LIMITS[step])
            turn.replies.append(Reply(problem))
            self._letter_ask(turn, pending)
            return
        if step == "phone":
            phone = parse_phone(text)
            text = format_phone(phone.e164) if phone.e164 else phone.raw
        following = {"name": "address", "address": "phone", "phone": "keep"}[step]
        self._letter_ask(turn, {**pending, step: text, "step": following})

    def _write_letter(
        self, turn: _Turn, pending: dict[str, Any], name: str, address: str, phone: str | None
    ) -> None:
        """Build the letter from the case, attach it as PDF and text, record it."""
        t = turn.texts
        self._set_pending(turn, None)
        case = self.store.case_by_number(turn.user["id"], int(pending["case"]))
        if case is None:
            turn.replies.append(Reply(t("case_not_found", number=pending["case"])))
            return
        now = self.clock()
        kind = pending["kind"]
        sender = letters.Sender(name, address, phone)
        events = self.store.events(case["id"])
        today = now.astimezone(turn.tz).date()
        if kind == letters.RESOLICITATION_REPORT:
            office = pending.get("office")
            earlier = (
                self.store.case_by_number(turn.user["id"], int(case["repeat_of"]))
                if case.get("repeat_of")
                else None
            )
            letter = letters.resolicitation_report(
                case, events, sender, today, turn.tz, office, earlier
            )
        else:
            letter = LETTER_BUILDERS[kind](case, events, sender, today, turn.tz)
        stem = f"kotowari-case{case['number']}-{kind.replace('_', '-')}"
        business = kind in letters.BUSINESS_LETTERS
        files = [
            # Typeset when the channel sends it (off its event loop), from the letter above.
            Attachment(f"{stem}.pdf", partial(letters.to_pdf, letter), caption=letter.title),
            Attachment(f"{stem}.txt", letter.body.encode("utf-8")),
        ]
        if business:
            files.append(
                Attachment(
                    f"{stem}-naiyo-shomei.pdf",
                    partial(letters.naiyo_pdf, letter),
                    caption=f"{letter.title}（内容証明用）",
                )
            )
        self.store.add_event(case, "letter", detail={"kind": kind, "title": letter.title})
        lines = [t("letter_done" if business else "letter_done_report", title=letter.title)]
        if t("letter_language"):
            lines.append(t("letter_language"))
        missing = letters.missing_in_pdf(letter)
        if missing:
            lines.append(t("letter_missing_glyphs", chars=" ".join(missing)))
        lines += ["", *letter.notes_in(t)]
        if business:
            lines += ["", t("letter_naiyo")]
        # The product's word to its user, never a line of the letter that is sent.
        lines += ["", t("letter_disclaimer")]
        turn.replies.append(Reply("\n".join(lines).strip(), attachments=tuple(files)))
        if not business:
            return
        before = dict(case)
        case["letter_at"] = now.isoformat()
        self.store.save_case(before, case)
        # The written request settles the earlier follow-ups of a request to the same
        # addressee ("write to them", an earlier letter's check): one check, naming them.
        addressee = letters.ADDRESSEE_OF[kind]
        self.store.close_reminders(case["id"], "done", reminders.REQUEST_KINDS, addressee)
        due = QuietHours.parse(turn.user.get("quiet_hours")).defer(
            in_days(now, reminders.LETTER_CHECK_DAYS, turn.tz), turn.tz
        )
        self.store.add_reminder(case, "check_compliance", due, addressee, "letter")
        turn.replies.append(
            Reply(t("reminder_set", when=t.when(due, turn.tz), what=t("what.check_compliance")))
        )

    # -- the machine ------------------------------------------------------------------
    def _fire(self, turn: _Turn, case: dict[str, Any], trigger: str, **kwargs: Any) -> None:
        before = dict(case)
        model = CaseModel(case, turn.texts, self.clock(), turn.tz)
        letter = model.letter_due() if trigger == "write_letter" else None
        if letter is not None:
            # The step's own button for the letter its answer calls for: the letter dialog.
            self._on_letter_button(turn, "lk", machine.letter_token_arg(case["number"], letter))
            return
        case["seq"] = before["seq"] + 1
        moved = machine.fire(model, trigger, **kwargs)
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
            case,
            "step",
            trigger=trigger,
            state_from=before["state"],
            state_to=model.state,
            detail=kwargs.get("answer"),
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
            stopped = self.store.close_reminders(case["id"], status)
            if stopped:
                note = Reply(turn.texts("reminders_stopped", count=stopped))
                model.replies.insert(max(len(model.replies) - 1, 0), note)
            return
        now = self.clock()
        if state_from == "scheduling" and trigger in CHOICES:
            remind_at = CHOICES[trigger](now, turn.tz)
        caller = bool(case.get("company") or case.get("phone_raw"))
        plan = reminders.planned(trigger, state_from, now, turn.tz, remind_at, caller)
        answered = state_from == "demanding" and trigger in standing.PHONE_ANSWERS
        if not plan and not answered:
            return  # "back", or "later" before its time is chosen: nothing is settled
        # A new answer from the broker settles any earlier "call the broker" reminder, and
        # the follow-ups of an earlier phone request to it.
        self.store.close_reminders(case["id"], "done", reminders.BROKER_KINDS)
        if answered:
            self.store.close_reminders(case["id"], "done", reminders.REQUEST_KINDS, "broker")
        quiet = QuietHours.parse(turn.user.get("quiet_hours"))
        notes = []
        for item in plan:
            due = quiet.defer(item.due, turn.tz)
            self.store.add_reminder(case, item.kind, due, item.addressee, item.via)
            notes.append(
                Reply(
                    turn.texts(
                        "reminder_set",
                        when=turn.texts.when(due, turn.tz),
                        what=turn.texts(f"what.{item.kind}"),
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
        shown = reminders.actions(row)
        allowed = (*shown, *reminders.LEGACY_ACTIONS.get(row["kind"], ()), "cancel")
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
        addressee = reminders.addressee_of(row)
        detail = {"kind": row["kind"], "addressee": addressee}
        self.store.add_event(case, "reminder", trigger=action, detail=detail)
        if action in ("done", "stopped"):
            self.store.update_reminder(reminder_id, status="done")
            turn.replies.append(Reply(t("reminder_done")))
        elif action == "complied":
            self.store.update_reminder(reminder_id, status="done")
            turn.replies.append(Reply(t("reminder_complied")))
        elif action == "answered":
            self.store.update_reminder(reminder_id, status="done")
            turn.replies.append(Reply(t("reminder_answered")))
        elif action == "no_reply":
            self.store.update_reminder(reminder_id, status="done")
            via = "letter" if row.get("via") == "letter" else "phone"
            option = letter_option(t, case["number"], letters.REQUEST_TO[addressee])
            turn.replies.append(Reply(t(f"reminder_no_reply.{via}"), options=(option,)))
        elif action == "letter":
            self.store.update_reminder(reminder_id, status="done")
            arg = machine.letter_token_arg(case["number"], letters.REQUEST_TO[addressee])
            self._on_letter_button(turn, "lk", arg)
        elif action == "cancel":
            self.store.update_reminder(reminder_id, status="cancelled")
            turn.replies.append(Reply(t("reminder_cancelled")))
        elif action == "continued":
            self.store.update_reminder(reminder_id, status="done")
            if review.takes_another_call(case):
                # As from the case's own button: when was the last one? (evidence)
                self._set_pending(turn, {"again": case["number"]})
                self._ask_again_when(turn, case)
            else:
                # No refusal on record: not a call after a refusal (no evidence to state);
                # coach the refusal, and keep checking a month at a time.
                turn.replies.append(Reply(t("not_refused_calls")))
                self._check_calls_again(turn, case)
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

    # -- "this company called again": when? ---------------------------------------------
    def _ask_again_when(self, turn: _Turn, case: dict[str, Any]) -> None:
        number = case["number"]
        option = Option(f"g.agn.{number}-now", turn.texts("opt.again_now"))
        turn.replies.append(Reply(turn.texts("again_when", number=number), options=(option,)))

    def _again_case(self, turn: _Turn, number: int) -> dict[str, Any] | None:
        """The case a pending "when?" question is about, if it can still take the call."""
        case = self.store.case_by_number(turn.user["id"], number)
        return case if case and review.takes_another_call(case) else None

    def _again_now(self, turn: _Turn, arg: str) -> None:
        """The "just now" button of the question."""
        number, _, when = arg.partition("-")
        pending = self._pending(turn) or {}
        if when != "now" or not number.isdecimal() or pending.get("again") != int(number):
            turn.notice = turn.texts("stale_button")  # the question was answered or dropped
            return
        case = self._again_case(turn, int(number))
        self._set_pending(turn, None)
        if case is None:
            turn.notice = turn.texts("case_not_found", number=number)
            return
        turn.chosen = turn.texts("opt.again_now")
        self._record_repeat_call(turn, case, self.clock())

    def _again_text(self, turn: _Turn, pending: dict[str, Any], raw: str) -> None:
        """The time typed in answer to "when did they call again?"."""
        t = turn.texts
        case = self._again_case(turn, pending["again"])
        if case is None:
            self._set_pending(turn, None)
            turn.replies.append(Reply(t("case_not_found", number=pending["again"])))
            return
        now = self.clock()
        number = option_number(raw)
        moment = now if number == 1 else None if number else parse_when(raw, now, turn.tz)
        # Without its own time, the refusal came before the case was recorded: a call before
        # that moment may have been the refused call itself, so it is not taken either.
        refused = datetime.fromisoformat(case["refused_at"])
        known = moments.refusal_moment(case) is not None
        if moment is None:
            turn.replies.append(Reply(t("again_bad_when")))
        elif moment <= refused:
            key = "again_before_refusal" if known else "again_before_record"
            turn.replies.append(Reply(t(key, date=t.when(refused, turn.tz))))
        else:
            self._set_pending(turn, None)
            self._record_repeat_call(turn, case, moment)
            return
        self._ask_again_when(turn, case)

    def _record_repeat_call(self, turn: _Turn, case: dict[str, Any], at: datetime) -> None:
        """The company called again after the refusal, at ``at``: evidence of
        re-solicitation."""
        before = dict(case)
        case["repeat_calls"] = int(case.get("repeat_calls") or 0) + 1
        latest = case.get("last_repeat_at")
        if not latest or datetime.fromisoformat(latest) < at:
            case["last_repeat_at"] = at.isoformat()
        self.store.save_case(before, case)
        self.store.add_event(case, "repeat_call", detail={"at": at.isoformat()})
        turn.replies.append(
            Reply(turn.texts("repeat_call_recorded", date=turn.texts.when(at, turn.tz)))
        )
        self._check_calls_again(turn, case)

    def _check_calls_again(self, turn: _Turn, case: dict[str, Any]) -> None:
        """Data spreads: keep checking, a month at a time (from today, whenever the call was)."""
        now = self.clock()
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
        options: list[Option] = []
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
            if len(options) < MAX_REMINDER_BUTTONS:
                label = t("opt.r_cancel", when=when, number=case.get("number"))
                options.append(Option(f"r.{row['id']}.cancel", label))
        if len(rows) > MAX_REMINDER_BUTTONS:
            lines.append(t("reminders_more", count=MAX_REMINDER_BUTTONS))
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
            if value not in _TIME_ZONE_NAMES:
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
        return self.due_batch(limit, user_id)[0]

    def due_batch(self, limit: int, user_id: int | None = None) -> tuple[list[Delivery], int]:
        """``due_deliveries``, and how many due rows the batch took (those moved past their
        user's quiet hours included: a full batch means more may be due)."""
        out: list[Delivery] = []
        with self.store.transaction():
            now = self.clock()
            rows = self.store.due_reminders(now, limit, user_id)
            for row in rows:
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
        return out, len(rows)

    def still_due(self, reminder_id: int) -> bool:
        """Whether a delivery from ``due_deliveries`` should still go out: checked under the
        user's lock, since the user may have cancelled or snoozed it (or erased everything)
        meanwhile."""
        return self.store.reminder_waiting(reminder_id, self.clock())

    def reminder_sent(self, reminder_id: int) -> None:
        with self.store.transaction():
            row = self.store.reminder(reminder_id)
            if row is None or row["status"] not in DUE_STATUSES:
                return  # cancelled or deleted while it was being sent: it stays so
            self.store.update_reminder(
                reminder_id,
                status="sent",
                sent_at=self.clock().isoformat(),
                attempts=row["attempts"] + 1,
            )
            # The reminder is now the last thing shown: a typed number is not for the step.
            self.store.update_user(row["user_id"], shown_step=None)

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
        """Flag a case whose company or number the user had already refused before this call
        (in another case); unflag it when a correction (name, number, time) undoes that."""
        if all(case.get(k) == before.get(k) for k in ("company_norm", "phone_e164", "call_at")):
            return
        earlier = self.store.earlier_refusal(case)
        flagged = case.get("repeat_of")
        if earlier is None:
            if flagged:
                case["repeat_of"] = case["repeat_refused_at"] = None
                model.replies.insert(
                    max(len(model.replies) - 1, 0),
                    Reply(turn.texts("repeat_cleared", number=flagged)),
                )
                self.store.add_event(case, "repeat_cleared", detail={"earlier_case": flagged})
            return
        if flagged == earlier["number"]:
            return
        # Its time, if known: an earlier case recorded after the call without a time has none.
        refused = moments.refusal_moment(earlier)
        case["repeat_of"] = earlier["number"]
        case["repeat_refused_at"] = refused
        who = earlier["company"] or (
            format_phone(earlier["phone_e164"]) if earlier["phone_e164"] else earlier["phone_raw"]
        )
        t = turn.texts
        if refused:
            date = t.when_iso(refused, turn.tz)
            text = t("repeat_detected", who=who, date=date, number=earlier["number"])
        else:
            text = t("repeat_detected_undated", who=who, number=earlier["number"])
        model.replies.insert(max(len(model.replies) - 1, 0), Reply(text))
        self.store.add_event(
            case,
            "repeat_detected",
            detail={"earlier_case": earlier["number"], "refused_at": refused},
        )

    def _show(self, turn: _Turn, case: dict[str, Any]) -> None:
        model = CaseModel(case, turn.texts, self.clock(), turn.tz)
        model.came_from = case["state"]
        turn.replies.append(render_step(model))


def _start_options(texts: Texts, user: dict[str, Any]) -> tuple[Option, ...]:
    """ "On a call" / "after a call": the two ways into a case (a second tap of the same
    button starts nothing: see ``_seen_changed``)."""
    cases = int(user.get("last_case_number") or 0)
    return (
        Option(f"g.start.call-{cases}", texts("opt.start_call")),
        Option(f"g.start.after-{cases}", texts("opt.start_after")),
    )


def _seen_changed(arg: str, now: object) -> bool:
    """Whether a button's "-N" suffix (a count when it was shown) no longer matches, i.e.
    what it does has been done since. Buttons from before the suffix have none: allowed."""
    _, dash, seen = arg.partition("-")
    return bool(dash) and seen != str(now or 0)


def option_number(text: str) -> int | None:
    """The option number typed ("2", "２", "②", "2)"), or None; not a sign or a sum ("-5")."""
    plain = unicodedata.normalize("NFKC", text).strip().rstrip(").")
    if plain.isdecimal() and len(plain) <= 3:
        return int(plain)
    return None


def _part_of(typed: str, label: str) -> bool:
    """Whether folded ``typed`` is a telling part of folded ``label``: two characters or more
    of Japanese, or whole words of a language written with spaces."""
    if len(typed) < 2 or typed == label:
        return False
    if typed.isascii():
        return re.search(rf"(?<!\w){re.escape(typed)}(?!\w)", label) is not None
    return typed in label


def _fold(text: str) -> str:
    """Compare typed text with labels: width-folded, case-folded, emoji and marks dropped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN" or ch in " /()（）・")
    return " ".join(kept.split())
