"""The user's settings: language, time zone, quiet hours; and erasing everything (/forget)."""

from __future__ import annotations

import unicodedata
import zoneinfo
from datetime import UTC, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from flows.machine import FINISHED_STATES
from flows.normalize import clean_text
from flows.port import Reply
from flows.router import Router
from flows.schedule import QuietHours
from flows.store.rows import User
from flows.texts import CATALOGS, Texts
from flows.turn import Turn

router = Router()

# Time zones offered as buttons in /settings; any IANA name can be typed.
TIME_ZONES = ("Asia/Tokyo", "UTC", "Europe/London", "America/Los_Angeles", "America/New_York")
QUIET_PRESETS = ("21-8", "22-7", "0-0")
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

LANGUAGE = router.button("language", "|".join(CATALOGS), legacy="g.lang")
QUIET = router.button("quiet_hours", "|".join(QUIET_PRESETS), legacy="g.quiet")
TIME_ZONE = router.button("time_zone", rf"[0-{len(TIME_ZONES) - 1}]", legacy="g.tz")
# The letters' sender kept for the next letter: removed without /forget.
SENDER_CLEAR = router.button("sender_clear", r"yes")
# The erasure's "yes" carries the minute it was asked (base 36): a confirmation left in the
# chat for days must not erase what was recorded since.
FORGET = router.button("forget", r"yes-[0-9a-z]{1,6}|yes|no", legacy="g.forget")
FORGET_VALID = timedelta(minutes=15)
_MINUTE = timedelta(minutes=1)


@router.command("language")
def language(turn: Turn, args: str) -> None:
    """/language [ja|en]: the bot's language."""
    chosen = _LANGUAGE_NAMES.get(unicodedata.normalize("NFKC", args).strip().casefold())
    if chosen is not None:
        set_language(turn, chosen)
        return
    t = turn.texts
    options = tuple(LANGUAGE.option(lang, t(f"opt.lang_{lang}")) for lang in CATALOGS)
    prompt = "language_unknown" if args.strip() else "language_prompt"  # "/language fr"
    turn.replies.append(Reply(t(prompt), options=options))


def typed_language(turn: Turn, text: str) -> bool:
    """A language's name typed while buttons are the last thing shown (「English」 at the
    language menu): that language, as its button would. False for anything else."""
    chosen = _LANGUAGE_NAMES.get(unicodedata.normalize("NFKC", text).strip().casefold())
    if chosen is None:
        return False
    set_language(turn, chosen)
    return True


@LANGUAGE.handles
def pressed_language(turn: Turn, arg: str) -> None:
    set_language(turn, arg)
    turn.chosen = turn.texts(f"opt.lang_{arg}")


def set_language(turn: Turn, chosen: str) -> None:
    turn.store.update_user(turn.user_id, language=chosen)
    turn.texts = Texts(chosen)
    turn.language_changed = True
    turn.say("language_set")
    case = turn.active_case()
    if case is not None and case["state"] not in FINISHED_STATES:
        turn.show(case)  # the step in progress, in the new language


@router.command("settings")
def settings(turn: Turn, args: str) -> None:
    """/settings [tz Zone | quiet 21-8]: time zone and quiet hours."""
    t = turn.texts
    # Keywords and zone names are ASCII: ｔｚ, ｑｕｉｅｔ and full-width digits read so too.
    name, _, value = unicodedata.normalize("NFKC", args).partition(" ")
    value = clean_text(value)
    if name == "tz" and value:
        if value not in _TIME_ZONE_NAMES:
            turn.say("bad_tz", tz=value[:60])
            return
        _save(turn, time_zone=value)
        return
    if name == "quiet" and value:
        if value in ("off", "なし"):
            _save(turn, quiet_hours="0-0")
            return
        if (quiet := QuietHours.read(value)) is None:
            turn.say("bad_quiet")
            return
        _save(turn, quiet_hours=str(quiet))
        return
    quiet = QuietHours.parse(turn.user.get("quiet_hours"))
    shown = (
        t("quiet_none")
        if quiet.start == quiet.end
        else t("quiet_range", start=quiet.start, end=quiet.end)
    )
    options = [
        QUIET.option(preset, _quiet_label(t, QuietHours.parse(preset))) for preset in QUIET_PRESETS
    ] + [TIME_ZONE.option(i, t("opt.tz", tz=tz)) for i, tz in enumerate(TIME_ZONES)]
    text = t("settings", tz=turn.user["time_zone"], quiet=shown)
    if turn.user.get("sender_name"):
        text += "\n" + t("settings_sender", name=turn.user["sender_name"])
        options.append(SENDER_CLEAR.option("yes", t("opt.sender_clear"), secondary=True))
    turn.replies.append(Reply(text, options=tuple(options)))


def _quiet_label(t: Texts, quiet: QuietHours) -> str:
    if quiet.start == quiet.end:
        return t("opt.quiet_off")
    return t("opt.quiet", range=t("quiet_range", start=quiet.start, end=quiet.end))


def _save(turn: Turn, **values: str) -> None:
    turn.store.update_user(turn.user_id, **values)
    turn.user.update(cast(User, values))
    turn.tz = ZoneInfo(turn.user["time_zone"])
    turn.say("settings_saved")
    settings(turn, "")


@QUIET.handles
def pressed_quiet(turn: Turn, arg: str) -> None:
    turn.chosen = _quiet_label(turn.texts, QuietHours.parse(arg))
    _save(turn, quiet_hours=arg)


@SENDER_CLEAR.handles
def pressed_sender_clear(turn: Turn, arg: str) -> None:
    turn.chosen = turn.texts("opt.sender_clear")
    if not turn.user.get("sender_name"):
        turn.notice = turn.texts("stale_button")
        return
    cleared = {"sender_name": None, "sender_address": None, "sender_phone": None}
    turn.store.update_user(turn.user_id, **cleared)
    turn.user.update(cast(User, cleared))
    turn.say("sender_cleared")
    settings(turn, "")


@TIME_ZONE.handles
def pressed_time_zone(turn: Turn, arg: str) -> None:
    turn.chosen = turn.texts("opt.tz", tz=TIME_ZONES[int(arg)])
    _save(turn, time_zone=TIME_ZONES[int(arg)])


@router.command("forget")
def forget(turn: Turn, args: str) -> None:
    """/forget: erase everything stored about the user (asks first)."""
    t = turn.texts
    asked = _base36(int(turn.now().timestamp()) // 60)
    options = (
        FORGET.option(f"yes-{asked}", t("opt.forget_yes")),
        FORGET.option("no", t("opt.forget_no")),
    )
    turn.replies.append(Reply(t("forget_confirm"), options=options))


@FORGET.handles
def pressed_forget(turn: Turn, arg: str) -> None:
    t = turn.texts
    choice, _, asked = arg.partition("-")
    turn.chosen = t(f"opt.forget_{choice}")
    if choice == "no":
        turn.say("not_deleted")
        return
    now = turn.now()
    # The minute is rounded down: a button is good for 15 minutes at least, 16 at most.
    if not asked or not timedelta(0) <= now - _minute(asked) < FORGET_VALID + _MINUTE:
        # From before the minute was in the button, or asked too long ago: asked again.
        turn.chosen = None
        turn.say("forget_expired")
        forget(turn, "")
        return
    turn.store.forget_user(turn.user_id)
    turn.erased = True
    turn.say("forgotten")


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, digit = divmod(number, 36)
        out = digits[digit] + out
        if not number:
            return out


def _minute(stamp: str) -> datetime:
    """The minute a stamp from ``_base36`` names (one that cannot be a minute: the epoch)."""
    return datetime.fromtimestamp(int(stamp, 36) * 60, UTC)
