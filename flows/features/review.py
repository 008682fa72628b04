"""Looking back: the lists and pages of the user's own cases, and what their buttons do.

Every lookup is by the user's own id (``Turn.own_case``): a case number from another user's
button finds nothing.
"""

from __future__ import annotations

import unicodedata
from functools import partial

from flows import machine, review, stats
from flows.features import called_again, letters
from flows.features import reminders as reminder_feature
from flows.features.case_flow import FIELD_LIMITS
from flows.machine import FINISHED_STATES
from flows.normalize import clean_text, parse_phone
from flows.port import Attachment, Option, Reply
from flows.router import CASE_MARK, CASE_REF, Router, case_ref
from flows.stepping import fire, open_case
from flows.store.rows import Case
from flows.turn import Turn

router = Router()

PAGE_SIZE = 5
PAGE = router.button("cases_page", r"\d{1,9}", legacy="g.page")
CASE = router.button("case", CASE_REF, legacy="g.case")
CONTINUE = router.button("case_continue", CASE_REF, legacy="g.open")
CLOSE = router.button("case_close", CASE_REF, legacy="g.close")
REOPEN = router.button("case_reopen", CASE_REF, legacy="g.reopen")
DELETE = router.button("case_delete", CASE_REF, legacy="g.del")
# The confirmation must carry the case's mark (CASE_REF; "3-1a2b3c" is its earlier spelling):
# an older one without it is refused, the user taps 🗑 again.
DELETE_YES = router.button("case_delete_yes", rf"\d{{1,9}}[m-]{CASE_MARK}", legacy="g.delyes")
DELETE_NO = router.button("case_delete_no", CASE_REF, legacy="g.delno")


def _open_buttons(turn: Turn, cases: list[Case]) -> list[Option]:
    return [
        CASE.option(case_ref(c), turn.texts("opt.open_case", number=c["number"])) for c in cases
    ]


def cases_page(turn: Turn, page: int) -> Reply:
    t, store = turn.texts, turn.store
    total, called_after = store.count_cases_called_after(turn.user_id)
    if total == 0:
        return Reply(t("cases_empty"))
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    cases = store.recent_cases(turn.user_id, PAGE_SIZE, offset=page * PAGE_SIZE)
    first = page * PAGE_SIZE + 1
    lines = [t("cases_page", first=first, last=first + len(cases) - 1, total=total)]
    lines += review.case_lines(cases, t, turn.tz, store, called_after)
    options = _open_buttons(turn, cases)
    if page > 0:
        options.append(PAGE.option(page - 1, t("opt.page_prev"), secondary=True))
    if page < pages - 1:
        options.append(PAGE.option(page + 1, t("opt.page_next"), secondary=True))
    return Reply("\n".join(lines), options=tuple(options))


def case_view(turn: Turn, case: Case) -> Reply:
    """One case in full, with what can be done with it."""
    t = turn.texts
    ref = case_ref(case)
    options = []
    if case["state"] not in FINISHED_STATES:
        options.append(CONTINUE.option(ref, t("opt.case_continue")))
    if case.get("company") or case.get("broker_name") or case.get("phone_raw"):
        options.append(letters.CHOOSE.option(ref, t("opt.case_letter")))
    if review.takes_another_call(case):
        options.append(called_again.option(turn, case))
    again = reminder_feature.again_option(turn, case)
    if again is not None:
        options.append(again)
    if case["state"] in ("following_up", "awaiting_call"):
        options.append(CLOSE.option(ref, t("opt.case_close")))
    if case["state"] == "closed":
        options.append(REOPEN.option(ref, t("opt.case_reopen")))
    options.append(DELETE.option(ref, t("opt.case_delete"), secondary=True))
    text = review.case_text(turn.store, case, t, turn.tz)
    return Reply(text, options=tuple(options))


# -- commands -----------------------------------------------------------------------------
@router.command("cases")
def cases(turn: Turn, args: str) -> None:
    """/cases: the latest cases, five at a time."""
    turn.replies.append(cases_page(turn, 0))


@router.command("case")
def case(turn: Turn, args: str) -> None:
    """/case N: one case in full — details, timeline, reminders, letters."""
    number = unicodedata.normalize("NFKC", args.strip().lstrip("#＃").strip())
    if not number.isdecimal() or len(number) > 9:
        turn.say("case_usage")
        return
    found = turn.own_case(int(number))
    if found is None:
        turn.say("case_not_found", number=int(number))
        return
    turn.replies.append(case_view(turn, found))


@router.command("brokers")
def brokers(turn: Turn, args: str) -> None:
    """/brokers: the list brokers named so far, and where each stands."""
    turn.replies.append(review.brokers_reply(turn.store, turn.user_id, turn.texts, turn.tz))


@router.command("find")
def find(turn: Turn, args: str) -> None:
    """/find text: cases by company, person, broker or number."""
    t = turn.texts
    text = clean_text(args)[: FIELD_LIMITS["company"]]
    if not text:
        turn.say("find_usage")
        return
    shown = PAGE_SIZE * 2
    found = turn.store.search_cases(turn.user_id, text, parse_phone(text).e164, limit=shown + 1)
    if not found:
        turn.say("find_none", text=text)
        return
    more, found = len(found) > shown, found[:shown]
    lines = [
        t("find_header", text=text),
        *review.case_lines(found, t, turn.tz, turn.store),
        *([t("find_more", count=shown)] if more else []),  # not cut off without a word
    ]
    turn.replies.append(Reply("\n".join(lines), options=tuple(_open_buttons(turn, found))))


@router.command("stats")
def stats_(turn: Turn, args: str) -> None:
    """/stats: the calls, refusals and requests so far, with a chart by month."""
    t = turn.texts
    cases, brokers, repeat_calls = turn.store.stats_rows(turn.user_id)
    numbers = review.counts(cases, brokers, turn.store.broker_request_events(turn.user_id))
    attachments: tuple[Attachment, ...] = ()
    if numbers["calls"]:
        monthly = stats.monthly_counts(
            review.recorded_calls(cases),
            turn.tz,
            today=turn.now().astimezone(turn.tz).date(),
            events=repeat_calls,
        )
        # Drawn when the channel sends it (off its event loop), from the counts above.
        png = partial(stats.chart_png, monthly, t("stats_chart_title"))
        attachments = (Attachment("calls.png", png, "photo", t("stats_chart_caption")),)
    turn.replies.append(Reply(t("stats", **numbers), attachments=attachments))


@router.command("export")
def export(turn: Turn, args: str) -> None:
    """/export: everything stored about the user, as JSON and CSV files."""
    files = review.export_files(turn.store, turn.user_id, turn.now(), turn.tz)
    turn.replies.append(Reply(turn.texts("export_done"), attachments=files))


# -- buttons ------------------------------------------------------------------------------
@PAGE.handles
def page(turn: Turn, arg: str) -> None:
    turn.replies.append(cases_page(turn, int(arg)))


@CASE.handles
def pressed_case(turn: Turn, arg: str) -> None:
    if (found := turn.pressed_case(arg)) is not None:
        turn.chosen = turn.texts("opt.open_case", number=found["number"])
        turn.replies.append(case_view(turn, found))


@CONTINUE.handles
def pressed_continue(turn: Turn, arg: str) -> None:
    if (found := turn.pressed_case(arg)) is None:
        return
    if found["state"] in FINISHED_STATES:
        turn.notice = turn.texts("stale_button")  # finished meanwhile
        return
    turn.chosen = turn.texts("opt.case_continue")
    turn.store.add_event(found, "resumed")
    turn.say("resumed", number=found["number"])
    open_case(turn, found)


def _close_or_reopen(turn: Turn, arg: str, action: str) -> None:
    if (found := turn.pressed_case(arg)) is None:
        return
    if action not in machine.triggers_at(found["state"]):
        turn.notice = turn.texts("stale_button")
        return
    turn.chosen = turn.texts(f"opt.case_{action}")
    shown = len(turn.replies)
    fire(turn, found, action)
    if found["id"] != turn.user.get("active_case_id"):
        # Not the case in progress: say what happened; its step buttons would only be
        # refused, since buttons work for the active case.
        # Its notes (the reminders stopped or back) stay.
        key = "case_closed_now" if action == "close" else "case_reopened"
        turn.replies[max(shown, len(turn.replies) - 1) :] = [
            Reply(turn.texts(key, number=found["number"]))
        ]


@CLOSE.handles
def pressed_close(turn: Turn, arg: str) -> None:
    _close_or_reopen(turn, arg, "close")


@REOPEN.handles
def pressed_reopen(turn: Turn, arg: str) -> None:
    _close_or_reopen(turn, arg, "reopen")


@DELETE.handles
def pressed_delete(turn: Turn, arg: str) -> None:
    if (found := turn.pressed_case(arg)) is None:
        return
    t, ref = turn.texts, case_ref(found)
    turn.chosen = t("opt.case_delete")
    text = t("case_delete_confirm", number=found["number"])
    later = turn.store.calls_after(turn.user_id, found["number"])
    if later:
        # The refusal those calls came after: their letters quote what was said then.
        numbers = t("list_sep").join(f"#{case['number']}" for case in later)
        text = f"{t('case_delete_repeats', numbers=numbers)}\n{text}"
    turn.replies.append(
        Reply(
            text,
            options=(
                DELETE_YES.option(ref, t("opt.delete_yes")),
                DELETE_NO.option(ref, t("opt.delete_no")),
            ),
        )
    )


@DELETE_YES.handles
def pressed_delete_yes(turn: Turn, arg: str) -> None:
    if (found := turn.pressed_case(arg.replace("-", "m"))) is None:
        return
    turn.chosen = turn.texts("opt.delete_yes")
    later = turn.store.calls_after(turn.user_id, found["number"])
    turn.store.delete_case(found)
    turn.deleted_case = found["number"]
    # Their reports quote its refusal; the refused case's report lists its call.
    quoting = [case["number"] for case in later]
    if (earlier := found.get("repeat_of")) is not None:
        quoting.append(earlier)
    turn.quoted_by = tuple(quoting)
    if turn.user.get("active_case_id") == found["id"]:
        turn.user["active_case_id"] = None
    turn.say("case_deleted", number=found["number"])


@DELETE_NO.handles
def pressed_delete_no(turn: Turn, arg: str) -> None:
    if turn.pressed_case(arg) is not None:
        turn.chosen = turn.texts("opt.delete_no")
        turn.say("not_deleted")
