"""The router's table: every command and button registered once, answered, documented."""

from __future__ import annotations

import pytest

import flows.engine as engine_module
from flows.engine import COMMANDS, ROUTER
from flows.port import Inbound, Reply
from flows.router import Router
from flows.turn import Turn


def test_every_button_has_a_handler_and_a_readable_name() -> None:
    assert ROUTER.buttons
    for name, button in ROUTER.buttons.items():
        assert button.handler is not None, name
        assert len(name) >= 4, f"{name!r}: say what the button does"


def test_every_command_says_what_it_does() -> None:
    for name in COMMANDS:
        summary = ROUTER.commands[name].summary
        assert summary.startswith(f"/{name}"), f"/{name}'s handler needs a one-line docstring"


@pytest.mark.parametrize(
    ("earlier", "today"),
    [
        ("g.lk.1-b", "letter_kind.1-b"),
        ("g.snd.saved", "sender.saved"),
        ("g.lph.skip", "sender_no_phone.skip"),
        ("g.keep.no", "keep_sender.no"),
        ("g.off.skip", "head_office_unknown.skip"),
        ("g.agn.3-now", "called_again_now.3-now"),
        ("g.again.3-0", "called_again.3-0"),
        ("g.letter.3", "letter.3"),
        ("g.page.2", "cases_page.2"),
        ("g.case.12", "case.12"),
        ("g.delyes.4-0a1b2c", "case_delete_yes.4-0a1b2c"),
        ("g.lang.en", "language.en"),
        ("g.tz.1", "time_zone.1"),
        ("g.quiet.22-7", "quiet_hours.22-7"),
        ("g.forget.yes", "forget.yes"),
        ("g.start.call-0", "start.call-0"),
        ("r.57.done", "reminder.57.done"),
    ],
)
def test_buttons_sent_under_earlier_names_are_still_answered(earlier: str, today: str) -> None:
    old, new = ROUTER.press(earlier), ROUTER.press(today)
    assert old is not None and new is not None
    assert (old.button, old.arg) == (new.button, new.arg)


@pytest.mark.parametrize(
    "token",
    [
        "letter_kind.1-x",
        "letter_kind.1",
        "g.lk.x-b",
        "nosuch.1",
        "g.nosuch.1",
        "r.x.done",
        "",
        "language.xx",
        "time_zone.9",
        "case.1234567890",
        "LETTER.1",
        "letter.1.2",
        # A delete confirmation without its case's mark (before it had one): asked again.
        "case_delete_yes.4",
        "g.delyes.4",
    ],
)
def test_a_token_no_button_accepts_is_refused(token: str) -> None:
    assert ROUTER.press(token) is None


def test_the_longest_tokens_fit_in_telegram_callback_data() -> None:
    from bot.telegram_render import encode_callback

    for button in ROUTER.buttons.values():
        for arg in (
            "999999999-r",
            "999999999",
            "999999999999.snooze_morning",
            "999999999-now",
            "999999999-999999999",
            "after-999999999",
            "saved",
            "22-7",
        ):
            if button.arg.fullmatch(arg):
                encode_callback(button.token(arg))  # raises if it does not fit
        with pytest.raises(ValueError):
            button.token("not an argument")


def test_registering_a_name_twice_is_an_error() -> None:
    router = Router()
    router.button("twice", r"\d")
    with pytest.raises(ValueError, match="twice"):
        router.button("twice", r"\d")

    def handler(turn: Turn, args: str) -> None:
        """/x: nothing."""

    router.command("x")(handler)
    other = Router()
    other.command("x")(handler)
    with pytest.raises(ValueError, match="command 'x'"):
        router.include(other)


def test_a_new_feature_is_one_router_included(make_engine, monkeypatch) -> None:
    """How a feature is added: its module's router, included in the engine's table."""
    feature = Router()
    PING = feature.button("ping", r"\d{1,3}")
    seen: list[str] = []

    @feature.command("ping")
    def ping(turn: Turn, args: str) -> None:
        """/ping: a reply with a button."""
        turn.replies.append(Reply("pong", options=(PING.option(1, "again"),)))

    @PING.handles
    def pressed(turn: Turn, arg: str) -> None:
        seen.append(arg)

    engine = make_engine()
    table = Router()
    table.include(ROUTER, feature)
    monkeypatch.setattr(engine_module, "ROUTER", table)
    pong = engine.handle(Inbound(1, text="/ping"))
    assert [r.text for r in pong.replies] == ["pong"]
    assert engine.handle(Inbound(1, choice=pong.replies[0].options[0].token)).notice is None
    assert seen == ["1"]
