"""The LINE channel, offline: signed webhook requests into ``kotowari line``'s handler (a real
tornado server on 127.0.0.1), every Messaging API call answered and recorded by
``fakes.line_platform.FakeLine``. No network, no sleeps: time is the FakeClock's.

Expected messages come from the catalog, so the transcripts read like the chat.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest
from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration
from tornado.httpclient import AsyncHTTPClient

import bot.cli
from bot import line_app, line_render, upkeep
from bot.files import FILES
from bot.line_app import LineBot, line_webhook_server, update_id_of, valid_signature
from bot.line_files import FileLinks
from bot.line_render import (
    MAX_LABEL,
    MAX_TEXT,
    decode_postback,
    encode_postback,
    pack,
    short_label,
    shown_length,
)
from bot.logs import LIBRARY_LEVELS, quiet_libraries
from bot.upkeep import retry_scrub
from fakes.line_platform import (
    SECRET,
    TOKEN,
    Call,
    FakeLine,
    LineUser,
    redelivered,
    serving,
    signature,
    webhook,
)
from flows.engine import Engine
from flows.port import Attachment, Inbound, Option, Response
from flows.texts import CATALOGS, EN, JA, Texts
from tests.conftest import FakeClock, busy_once
from tests.test_transcript import STORY, assert_told
from tests.transcript import Press, Script, Step, Wait, fragments_in, pick

PATH = "/line/webhook"
FIRST_LINE_USER_ID = 2**53  # flows.store: ids of channels without numeric ids start here

# The same case as tests.test_transcript.STORY, by a user whose LINE is in English.
STORY_EN: Script = [
    ("/call", [EN["opt.refused"]]),
    (Press(EN["opt.refused"]), [EN["opt.named"]]),
    (Press(EN["opt.named"]), [EN["step.recording_broker.text"].splitlines()[0]]),
    ("名簿の森", [EN["step.recording_company.text"].splitlines()[0]]),
    ("みらい不動産", []),
    ("skip", []),
    ("090-1234-5678", [EN["opt.property"]]),
    (Press(EN["opt.property"]), []),
    ("skip", []),
    (Press(EN["opt.now"]), []),
    (Press(EN["opt.confirm"]), []),
    (Press(EN["opt.agreed"]), [EN["outcome.agreed"].splitlines()[0]]),
    (Wait(days=15), ["#1", EN["opt.r_complied"]]),
    (Press(EN["opt.r_complied"]), []),
]


# The story up to the broker's agreement: a check is due in two weeks.
TO_AGREED: tuple[Step, ...] = tuple(step for step, _ in STORY[:12])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def line() -> Iterator[FakeLine]:
    with serving(FakeLine()) as fake:
        yield fake


def message_texts(call_body: dict[str, Any]) -> list[str]:
    """A reply's or push's texts, image addresses and quick-reply buttons, one line each."""
    lines: list[str] = []
    for message in call_body.get("messages", []):
        if message.get("type") == "text":
            lines.append(message["text"])
        elif message.get("type") == "image":
            lines.append(f"[image {message['originalContentUrl']}]")
        for item in (message.get("quickReply") or {}).get("items", []):
            action = item["action"]
            lines.append(f"[{action['label']}] {action.get('displayText', '')}")
    return lines


def check_limits(call_body: dict[str, Any]) -> None:
    """What LINE would refuse: over 5 messages, 13 buttons, 20-character labels, 300-character
    postback data, 5000-character texts."""
    messages = call_body.get("messages", [])
    assert 1 <= len(messages) <= 5, len(messages)
    for index, message in enumerate(messages):
        if message.get("type") == "text":
            assert 0 < len(message["text"]) <= 5000
        items = (message.get("quickReply") or {}).get("items", [])
        assert len(items) <= 13
        assert not items or index == len(messages) - 1, "quick reply on the last message only"
        for item in items:
            action = item["action"]
            assert action["type"] == "postback"
            assert shown_length(action["label"]) <= MAX_LABEL, action["label"]
            assert len(action["data"]) <= 300
            assert decode_postback(action["data"]) is not None


@dataclass
class Running:
    """The bot's webhook on a free port, its engine and the fake platform."""

    bot: LineBot
    line: FakeLine
    clock: FakeClock
    http: AsyncHTTPClient
    url: str

    @property
    def engine(self) -> Engine:
        return self.bot.engine

    async def post(
        self, events: Sequence[dict[str, Any]], headers: dict[str, str] | None = None
    ) -> int:
        body, signed = webhook(events)
        response = await self.http.fetch(
            self.url,
            method="POST",
            body=body,
            headers=signed if headers is None else headers,
            raise_error=False,
        )
        return int(response.code)

    def users(self) -> int:
        return int(self.engine.store.db.execute("select count(*) from users").fetchone()[0])


@asynccontextmanager
async def running(
    line: FakeLine,
    make_engine: Callable[[], Engine],
    clock: FakeClock,
    file_link: line_app.FileLink | None = None,
    links: bool = False,
) -> AsyncIterator[Running]:
    """``links``: letters and charts served at expiring links under the webhook's server
    (``bot.line_files``, at http://127.0.0.1:<port>/line, as behind the proxy)."""
    client = AsyncApiClient(Configuration(host=line.base_url, access_token=TOKEN))
    http = AsyncHTTPClient(force_instance=True)
    extra = {} if file_link is None else {"file_link": file_link}
    bot = LineBot(make_engine(), AsyncMessagingApi(client), **extra)
    port = free_port()
    if links:
        bot.links = FileLinks(f"http://127.0.0.1:{port}/line", clock)
        bot.file_link = bot.links.attachment_link
    try:
        async with line_webhook_server(
            bot, secret=SECRET, listen="127.0.0.1", port=port, path=PATH
        ):
            yield Running(bot, line, clock, http, f"http://127.0.0.1:{port}{PATH}")
    finally:
        http.close()
        await client.close()


@dataclass
class LineChat:
    """One person's chat with the bot: steps as in ``tests.transcript`` (typed text,
    ``Press(label)`` by the full label, ``Wait``); answers are what was replied or pushed."""

    run_: Running
    person: LineUser
    seen: int = 0
    last: list[str] = field(default_factory=list)

    def delivered(self) -> list[Call]:
        """The replies and pushes LINE accepted, in order."""
        paths = ("/v2/bot/message/reply", "/v2/bot/message/push")
        return [c for c in self.run_.line.calls if c.path in paths and c.status < 300]

    def _new_calls(self) -> list[dict[str, Any]]:
        calls = self.delivered()
        new, self.seen = calls[self.seen :], len(calls)
        for call in new:
            check_limits(call.body)
        return [call.body for call in new]

    async def send(self, event: dict[str, Any]) -> list[str]:
        assert await self.run_.post([event]) == 200
        self.last = [line for body in self._new_calls() for line in message_texts(body)]
        return self.last

    async def say(self, text: str) -> list[str]:
        return await self.send(self.person.text(text))

    def buttons(self) -> list[Option]:
        """The quick-reply buttons under the newest message sent (full labels)."""
        for call in reversed(self.delivered()):
            items = (call.body["messages"][-1].get("quickReply") or {}).get("items", [])
            return [Option(item["action"]["data"], item["action"]["displayText"]) for item in items]
        return []

    async def press(self, label: str) -> list[str]:
        option = pick(self.buttons(), label, " under the newest message")
        return await self.send(self.person.postback(option.token))

    async def wait(self, **delta: float) -> list[str]:
        self.run_.clock.advance(**delta)
        await self.run_.bot.dispatch_reminders(25)
        self.last = [line for body in self._new_calls() for line in message_texts(body)]
        return self.last

    async def act(self, step: Step) -> list[str]:
        if isinstance(step, str):
            return await self.say(step)
        if isinstance(step, Press):
            return await self.press(step.label)
        if isinstance(step, Wait):
            return await self.wait(days=step.days, hours=step.hours, minutes=step.minutes)
        raise TypeError(f"not a LINE step: {step!r}")

    async def walk(self, *steps: Step) -> list[str]:
        for step in steps:
            await self.act(step)
        return self.last

    async def run(self, script: Script) -> None:
        for step, expected in script:
            await self.act(step)
            text = "\n".join(self.last)
            fragments_in(f"{text}\n{text.replace(chr(10), '')}", expected, step)


async def follow(run: Running, user: str, language: str = "ja") -> LineChat:
    run.line.languages[user] = language
    chat = LineChat(run, LineUser(run.line, user))
    await chat.send(chat.person.follow())
    return chat


def line_user_id(run: Running, external: str) -> int:
    row = run.engine.store.db.execute(
        "select id from users where channel = 'line' and external_id = ?", [external]
    ).fetchone()
    assert row is not None
    return int(row[0])


# -- whole cases --------------------------------------------------------------------------
async def test_the_story_on_line_in_japanese(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Uja")
        assert chat.last[0] == JA["start"]
        assert f"[{JA['opt.start_call']}] {JA['opt.start_call']}" in chat.last
        await chat.run(STORY)
        user_id = line_user_id(run, "Uja")
        assert user_id == FIRST_LINE_USER_ID
        assert_told(run.engine, user_id)
        assert [call.body["to"] for call in line.pushes] == ["Uja"], "the check was pushed"
        events = 1 + sum(not isinstance(step, Wait) for step, _ in STORY)  # the follow too
        assert len(line.replies) == events, "one reply per event"


async def test_an_answer_whose_reply_token_was_refused_is_pushed_once(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    """A redelivered event (the first try found the database busy) whose reply token has
    expired: its step was stored and the user saw nothing; typed again, the answer went into
    the next field. Now the answer is pushed, once however often LINE sends the event."""
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Ulate")
        await chat.say("/call")
        event = chat.person.text("/help")
        line.tokens.pop(event["replyToken"])  # expired
        before = len(line.pushes)
        assert await chat.send(event) == [JA["help"]]
        assert await run.post([event]) == 200  # delivered again: applied once, pushed once
        pushes = line.pushes[before:]
        assert [c.body["to"] for c in pushes] == ["Ulate"] and len(pushes) == 1
        assert run.bot.quota.used == 1


async def test_an_event_answered_before_a_busy_one_is_not_pushed_when_sent_again(
    line: FakeLine,
    make_engine: Callable[[], Engine],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two events of one chat in a request; the second finds the database busy (503) and
    LINE sends both again. The first was answered with its reply token: sent again, its
    used token is refused, and its answer must not be pushed to the user a second time."""
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Utwo")
        await chat.say("/call")
        first, second = chat.person.text("/help"), chat.person.text("/cases")
        handle, calls = run.engine.handle, []

        def busy_second(inbound: Any) -> Any:
            calls.append(inbound)
            if len(calls) == 2:
                return Response(stored=False)  # as when the lock outlived the busy timeout
            return handle(inbound)

        monkeypatch.setattr(run.engine, "handle", busy_second)
        assert await run.post([first, second]) == 503
        assert message_texts(line.replies[-1].body) == [JA["help"]], "the first, answered"
        monkeypatch.setattr(run.engine, "handle", handle)
        pushes = len(line.pushes)
        assert await run.post(redelivered([first, second])) == 200
        assert len(line.pushes) == pushes, "the answer already given is not pushed again"
        assert run.bot.quota.used == 0
        assert any("#1" in text for text in message_texts(line.replies[-1].body)), "/cases"


async def test_an_answer_lost_in_a_restart_is_pushed_when_the_event_comes_again(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    """The bot stopped after storing a step and before answering it; LINE sends the event
    again, and its reply token is refused: the new process pushes the answer."""
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Urestart")
        event = chat.person.text("/call")
        line.tokens.pop(event["replyToken"])  # the first process never used it, LINE expired it
        update_id = update_id_of(event["webhookEventId"])
        run.engine.handle(Inbound(line_user_id(run, "Urestart"), text="/call", update_id=update_id))
        assert await run.post(redelivered([event])) == 200
        assert [c.body["to"] for c in line.pushes] == ["Urestart"]
        assert run.bot.quota.used == 1


async def test_after_forget_an_english_user_is_answered_in_english(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    """/forget erases the account's row; the next message made a new one in Japanese (the
    profile's language was read only at a follow) while the English menu stayed linked."""
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Uforget", language="en")
        await chat.say("/forget")
        await chat.press(EN["opt.forget_yes"])
        assert await chat.say("/help") == [EN["help"]]
        assert run.engine.store.user(line_user_id(run, "Uforget"))["language"] == "en"


async def test_the_story_on_line_in_english(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Uen", language="en")
        assert chat.last[0] == EN["start"]
        await chat.run(STORY_EN)
        user_id = line_user_id(run, "Uen")
        assert_told(run.engine, user_id)
        # Long labels were shortened on the buttons; the chat shows the full one.
        shown = [label for body in (c.body for c in line.replies) for label in message_texts(body)]
        assert f"[{EN['line.opt.property']}] {EN['opt.property']}" in shown


async def test_follow_greets_and_unfollow_stops_the_reminders(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Ufollow")
        await chat.walk(*TO_AGREED)  # the broker agreed: a check in two weeks
        user_id = line_user_id(run, "Ufollow")
        assert await run.post([chat.person.unfollow()]) == 200
        assert run.engine.user_view(user_id) is not None
        row = run.engine.store.user(user_id)
        assert row is not None and row["active"] == 0
        assert await chat.wait(days=15) == []
        assert line.pushes == [], "nothing is pushed to a user who unfollowed"
        # Back again: the greeting, and the reminder goes out on the next round.
        await chat.send(chat.person.follow())
        assert chat.last[0] == JA["start"]
        assert any("#1" in text for text in await chat.wait(minutes=1))


# -- security ----------------------------------------------------------------------------
def test_the_line_sdks_response_bodies_are_never_logged_even_at_debug() -> None:
    """The LINE SDK logs every response body (a profile, what was sent) at DEBUG, held only
    by its own ``Configuration(debug=False)``; ``bot.logs`` holds it too."""
    body_logger = logging.getLogger("linebot.v3.messaging.async_rest")
    names = ("linebot.v3.messaging", "linebot.v3.messaging.async_rest", "urllib3")
    saved = {name: logging.getLogger(name).level for name in (*LIBRARY_LEVELS, *names)}
    root = logging.getLogger()
    root_level = root.level
    try:
        quiet_libraries()
        for name in names[:2]:
            logging.getLogger(name).setLevel(logging.NOTSET)  # as if the SDK's guard went
        root.setLevel(logging.DEBUG)  # KOTOWARI_LOG_LEVEL=DEBUG
        assert not body_logger.isEnabledFor(logging.DEBUG)
        assert body_logger.isEnabledFor(logging.INFO), "its errors still reach the log"
        assert not logging.getLogger("urllib3.connectionpool").isEnabledFor(logging.INFO)
    finally:
        root.setLevel(root_level)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


async def test_a_request_without_a_valid_signature_is_refused_and_nothing_stored(
    line: FakeLine,
    make_engine: Callable[[], Engine],
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(line, make_engine, clock) as run:
        person = LineUser(line, "Uforger")
        events = [person.follow(), person.text("秘密の電話番号 090-0000-0000")]
        body, headers = webhook(events)
        forged = {**headers, "X-Line-Signature": signature(body, "another secret")}
        assert await run.post(events, forged) == 401
        unsigned = {"Content-Type": "application/json"}
        assert await run.post(events, unsigned) == 400
        tampered = {**headers, "X-Line-Signature": headers["X-Line-Signature"][:-4] + "AAA="}
        assert await run.post(events, tampered) == 401
        assert run.users() == 0
        assert line.calls == [], "no reply, no profile looked up"
        for _ in range(20):  # anyone can send these: a flood writes a line a minute
            assert await run.post(events, unsigned) == 400
            assert await run.post(events, forged) == 401
        logged = "\n".join(record.getMessage() for record in caplog.records)
        assert logged.count("wrong signature") == 1 and logged.count("without a signature") == 1
        assert logged.count("answered 400") == 1 and logged.count("answered 401") == 1
    # The server stopped: the counts held back are written, one line each.
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert logged.count("wrong signature; refused (and 21 more since") == 1
    assert logged.count("without a signature; refused (and 20 more since") == 1
    assert logged.count("answered 400 (and 20 more") == 1
    assert logged.count("answered 401 (and 21 more") == 1
    assert "秘密" not in logged and "Uforger" not in logged


async def test_the_rich_menu_follows_the_users_language(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    line.menu_aliases.update({"kotowari-ja": "rm-ja", "kotowari-en": "rm-en"})
    async with running(line, make_engine, clock) as run:
        english = await follow(run, "Uenglish", language="en")
        assert line.user_menus == {"Uenglish": "rm-en"}, "linked at follow"
        await follow(run, "Ujapanese")
        assert "Ujapanese" not in line.user_menus, "the default: no call"
        await english.say("/language ja")
        assert line.user_menus == {}, "unlinked: the default again"
        # Erased, the language chosen goes too: the menu of the profile's, as the answers.
        japanese = await follow(run, "Ujapanese2")
        await japanese.say("/language en")
        assert line.user_menus == {"Ujapanese2": "rm-en"}
        await japanese.say("/forget")
        await japanese.press(EN["opt.forget_yes"])
        assert "Ujapanese2" not in line.user_menus, "the profile's (Japanese) menu again"
        assert "Ujapanese2" not in run.bot.latest_taken, "nothing of the erased kept"
        await english.say("/forget")
        await english.press(JA["opt.forget_yes"])
        assert line.user_menus == {"Uenglish": "rm-en"}, "its profile's: English"


async def test_a_stranger_unfollowing_or_pressing_a_forged_button_is_not_stored(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        stranger = LineUser(line, "U" + "5" * 32)
        assert await run.post([stranger.unfollow()]) == 200
        assert await run.post([stranger.postback("not ours")]) == 200
        assert run.users() == 0
        bodies = [c.body for c in line.calls if c.path == "/v2/bot/message/reply"]
        assert [message_texts(b) for b in bodies][-1] == [JA["bad_button"]]


def test_the_signature_is_checked_on_the_raw_bytes() -> None:
    body = '{"events": [], "x": "é"}'.encode()
    assert valid_signature(SECRET, body, signature(body))
    assert not valid_signature(SECRET, body + b" ", signature(body))
    assert not valid_signature(SECRET, body, "not base64 ☃")


# -- buttons -----------------------------------------------------------------------------
async def test_a_stale_and_a_forged_postback_change_nothing(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Ubuttons")
        await chat.say("/call")
        refused = pick(chat.buttons(), "🙅 断った")
        await chat.press("🙅 断った")
        user_id = line_user_id(run, "Ubuttons")
        state = run.engine.user_view(user_id)
        # The same button again (it was under an older message): the engine's notice.
        assert await chat.send(chat.person.postback(refused.token)) == [JA["stale_button"]]
        # Data this bot never made: refused before the engine.
        for data in ("k2:1.1.refused", "k1:../../etc", "k1:" + "x" * 400, ""):
            assert await chat.send(chat.person.postback(data)) == [JA["bad_button"]]
        assert run.engine.user_view(user_id) == state


def test_postback_data_is_versioned_and_bounded() -> None:
    assert encode_postback("1.2.refused") == "k1:1.2.refused"
    assert decode_postback("k1:1.2.refused") == "1.2.refused"
    for bad in ("1.2.refused", "k1:", "k1:a b", "k0:1.2.refused", None, 7, "k1:" + "a" * 62):
        assert decode_postback(bad) is None
    with pytest.raises(ValueError):
        encode_postback("has space")


def test_every_option_label_fits_a_quick_reply_button() -> None:
    """Every option's label in both catalogs, with a long date filled in, fits 20
    characters; a short label keeps the date, written short."""
    moment = {"ja": "2026年11月30日(月) 09:00", "en": "Mon 30 Nov 2026 09:00"}
    values = {"when": "", "number": "12", "tz": "America/Los_Angeles", "range": "22時〜7時"}
    for language, catalog in CATALOGS.items():
        for key, template in catalog.items():
            if not key.startswith("opt."):
                continue
            label = template.format(**{**values, "when": moment[language]})
            short = short_label(label, language)
            assert shown_length(short) <= MAX_LABEL, (key, short)
            if f"line.{key}" not in catalog:
                assert short == label or short.endswith("…"), (key, short)
    assert short_label(JA["opt.remind_default"].format(when=moment["ja"]), "ja") == (
        "📅 次の営業日 11/30 09:00"
    )
    assert short_label(EN["opt.r_cancel"].format(when=moment["en"], number=3), "en") == (
        "✖️ #3 30 Nov 09:00"
    )


def test_at_most_five_messages_go_in_one_request() -> None:
    bubbles = [line_render.Bubble(f"part {i}") for i in range(9)]
    packed = pack(bubbles)
    assert len(packed) == 5
    assert "\n\n".join(b.text for b in packed).split("\n\n") == [b.text for b in bubbles]
    long = [line_render.Bubble("x" * 4000) for _ in range(7)]
    packed = pack(long)
    assert len(packed) == 5 and packed[-1].text.endswith("…")


def test_images_past_five_messages_are_given_as_links() -> None:
    """Images are never merged: a fifth bubble that was one became "…" and the images after
    it were lost. Past the limit, the last images become their links, merged as text."""
    image = [line_render.Bubble(image_url=f"https://x.example/{i}.png") for i in range(6)]
    packed = pack([line_render.Bubble("a"), *image])
    assert [b.image_url for b in packed[:4]] == [None, *(b.image_url for b in image[:3])]
    assert packed[4].text.split("\n\n") == [b.image_url for b in image[3:]]
    assert len(packed) == 5 and not packed[4].image_url


def test_text_is_split_and_merged_by_utf16_units_as_line_may_count_them() -> None:
    """5,000 "characters" read cautiously: an emoji outside the BMP counts 2. A reply of
    3,000 emoji (6,000 units) goes in two messages, none over MAX_TEXT units, nothing lost."""
    text = "😀" * 3000
    pieces = line_render.split_text(text)
    assert [shown_length(p) for p in pieces] == [MAX_TEXT, 6000 - MAX_TEXT]
    assert "".join(pieces) == text
    # Cut between lines where it can, counting units: the second line would pass the limit.
    lines = "😀" * 2000 + "\n" + "あ" * 1500
    assert line_render.split_text(lines) == ["😀" * 2000, "あ" * 1500]
    assert line_render.split_text("あ" * MAX_TEXT) == ["あ" * MAX_TEXT]
    # Two texts whose characters fit one message but whose units do not stay apart; the
    # other pairs are longer in characters, so counting characters would merge this one.
    pair = [line_render.Bubble("😀" * 1300), line_render.Bubble("😀" * 1300)]  # 5,200 units
    rest = [line_render.Bubble("あ" * 1400) for _ in range(4)]
    packed = pack([*pair, *rest])
    assert len(packed) == 5
    assert all(shown_length(b.text) <= MAX_TEXT for b in packed)
    assert packed[0].text == "😀" * 1300, "the emoji pair is not merged"
    # A limit narrower than one character still makes progress; a lone surrogate is counted.
    assert line_render.split_text("😀😀", 1) == ["😀", "😀"]
    assert shown_length("a\ud800b") == 3
    cut = pack([line_render.Bubble("😀" * 2400) for _ in range(6)])
    assert len(cut) == 5 and all(shown_length(b.text) <= MAX_TEXT for b in cut)
    assert cut[-1].text.endswith("…")


# -- other chats and messages ------------------------------------------------------------
async def test_a_group_gets_one_private_only_reply_and_nothing_is_stored(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        person = LineUser(line, "Ugroupie")
        assert await run.post([person.in_group("/call"), person.in_group("/start")]) == 200
        assert await run.post([person.in_group("hello")]) == 200
        assert [message_texts(c.body) for c in line.replies] == [[JA["private_only"]]]
        assert run.users() == 0


async def test_a_sticker_or_an_image_gets_the_hint(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Usticker")
        await chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"))
        assert (await chat.send(chat.person.sticker()))[0] == JA["attachment_hint"]
        assert (await chat.send(chat.person.image()))[0] == JA["attachment_hint"]
        # A kind of message newer than the SDK was dropped unanswered: it gets the hint too.
        hologram = chat.person._message({"type": "hologram", "spin": 3})
        assert (await chat.send(hologram))[0] == JA["attachment_hint"]
        case = run.engine.store.case_by_number(line_user_id(run, "Usticker"), 1)
        assert (case["state"], case["broker_name"]) == ("recording_broker", None)
        # A text with a part the SDK cannot read (a new kind of mention) is still its text.
        mention = {"mentionees": [{"index": 0, "length": 2, "type": "newkind"}]}
        await chat.send(
            chat.person._message({"type": "text", "text": "リスト社", "mention": mention})
        )
        case = run.engine.store.case_by_number(line_user_id(run, "Usticker"), 1)
        assert case["broker_name"] == "リスト社"


async def test_a_redelivered_event_is_applied_once(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Uredo")
        await chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"))
        event = chat.person.text("リスト社")
        await chat.send(event)
        asked_company = chat.last[0]
        # LINE sends it again (with a new reply token, as a redelivery): its answer reached
        # the user, so nothing is said twice.
        again = {**redelivered([event])[0], "replyToken": line.reply_token("Uredo")}
        assert await chat.send(again) == []
        # A new process does not know whether it was answered: the current question.
        run.bot.answered.clear()
        again = {**redelivered([event])[0], "replyToken": line.reply_token("Uredo")}
        await chat.send(again)
        assert chat.last[0] == asked_company, "the current question, again"
        user_id = line_user_id(run, "Uredo")
        case = run.engine.store.case_by_number(user_id, 1)
        assert case is not None
        assert (case["broker_name"], case["company"]) == ("リスト社", None)
        assert update_id_of(event["webhookEventId"]) < 2**56


async def test_a_copy_delivered_after_later_events_is_not_applied_to_the_step_now_shown(
    line: FakeLine,
    make_engine: Callable[[], Engine],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """「名簿の森」 not stored (503); the user, seeing nothing, typed it again and went on;
    LINE's late copy of the first was then applied to the step shown by then: 名簿の森 as
    the caller's name. A late unfollow, after a follow back, stopped the friend's reminders."""
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Ulate2")
        await chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"))
        chat.person.timestamp += 1_000
        first = chat.person.text("名簿の森")
        handle = run.engine.handle
        monkeypatch.setattr(run.engine, "handle", lambda inbound: Response(stored=False))
        assert await run.post([first]) == 503
        monkeypatch.setattr(run.engine, "handle", handle)
        for typed in ("名簿の森", "みらい不動産"):
            chat.person.timestamp += 60_000
            await chat.say(typed)
        pushes = len(line.pushes)
        assert await run.post(redelivered([first])) == 200
        assert len(line.pushes) == pushes, "nothing said of it"
        case = run.engine.store.case_by_number(line_user_id(run, "Ulate2"), 1)
        assert case is not None
        assert (case["broker_name"], case["company"], case["person"]) == (
            "名簿の森",
            "みらい不動産",
            None,
        )
        assert case["state"] == "recording_person"
        # An unfollow not stored, a follow back, then the unfollow's late copy.
        chat.person.timestamp += 60_000
        gone = chat.person.unfollow()
        monkeypatch.setattr(run.engine, "mark_unreachable", lambda *args: False)
        assert await run.post([gone]) == 503
        monkeypatch.undo()
        chat.person.timestamp += 60_000
        await chat.send(chat.person.follow())
        assert await run.post(redelivered([gone])) == 200
        assert (run.engine.store.user(line_user_id(run, "Ulate2")) or {})["active"] == 1


async def test_events_of_one_request_are_applied_in_order_per_user(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        a, b = await follow(run, "Ua"), await follow(run, "Ub")
        for chat in (a, b):
            await chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"))
        events = [
            a.person.text("リスト社A"),
            b.person.text("リスト社B"),
            a.person.text("会社A"),
            b.person.text("会社B"),
        ]
        assert await run.post(events) == 200
        for who, chat in (("A", a), ("B", b)):
            case = run.engine.store.case_by_number(line_user_id(run, chat.person.user_id), 1)
            assert case is not None
            assert (case["broker_name"], case["company"]) == (f"リスト社{who}", f"会社{who}")


async def test_a_step_that_cannot_be_stored_is_answered_503(
    line: FakeLine,
    make_engine: Callable[[], Engine],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Ubusy")
        replies = len(line.replies)

        def busy(*args: Any, **kwargs: Any) -> int:
            raise sqlite3.OperationalError("database is locked")

        monkeypatch.setattr(run.engine.storage, "find_account", busy)
        monkeypatch.setattr(run.engine.storage, "account_user", busy)
        assert await run.post([chat.person.text("/call")]) == 503
        assert len(line.replies) == replies, "nothing said: LINE sends it again"


# -- reminders and the push quota ----------------------------------------------------------
async def test_a_reminder_is_pushed_until_the_quota_is_used_up(
    line: FakeLine,
    make_engine: Callable[[], Engine],
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    line.limit, line.used = 2, 1
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Uquota")
        await chat.walk(*TO_AGREED)  # agreed: a check in 14 days, calls checked later
        pushed = await chat.wait(days=15)
        assert any("#1" in text for text in pushed)
        assert [call.body["to"] for call in line.pushes] == ["Uquota"]
        assert run.bot.quota.exhausted, "2 of 2 used"
        quota_reads = [c.path for c in line.calls if "quota" in c.path]
        assert "/v2/bot/message/quota" in quota_reads
        assert "/v2/bot/message/quota/consumption" in quota_reads
        # The next reminder is due; the quota is used up: nothing is pushed, it stays due.
        await chat.press("🙆 対応された")
        assert await chat.wait(days=60) == []
        tried = [c for c in line.calls if c.path == "/v2/bot/message/push"]
        assert len(tried) == 1, "not even tried: the bot knew the quota was used up"
        user_id = line_user_id(run, "Uquota")
        due = run.engine.store.waiting_reminders(user_id)
        assert [r["status"] for r in due] == ["pending"]
        # At the user's next message they are told.
        await chat.say("/help")
        assert chat.last[0] == JA["line.quota_held"]
        assert await chat.wait(minutes=1) == [], "still used up"
        await chat.say("/help")
        assert JA["line.quota_held"] not in chat.last, "told once"
        # Next month: pushed.
        line.used = 0
        assert any("#1" in text for text in await chat.wait(minutes=1))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "LINE push quota: 1 of 2 messages used this month" in logged
    assert "Uquota" not in logged


async def test_a_long_push_round_checkpoints_every_so_many_pushes(
    line: FakeLine,
    make_engine: Callable[[], Engine],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As on Telegram (tests/test_storage.py): the round waits for a checkpoint every
    CHECKPOINT_EVERY_SENT pushes, so that its "sent" marks do not grow the log for ever."""
    monkeypatch.setattr(upkeep, "CHECKPOINT_EVERY_SENT", 2)
    async with running(line, make_engine, clock) as run:
        made: list[int] = []

        async def checkpoint() -> None:
            made.append(len(line.pushes))

        run.bot.checkpoint = checkpoint
        for user in ("Ua", "Ub", "Uc", "Ud", "Ue"):
            await (await follow(run, user)).walk(*TO_AGREED)
        clock.advance(days=15)
        assert await run.bot.dispatch_reminders(1) == 5
    assert made == [2, 4], "after 2 and 4 pushes; the round ended after the 5th"


async def test_after_one_busy_sent_mark_the_rounds_others_wait_in_memory(
    line: FakeLine,
    make_engine: Callable[[], Engine],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As on Telegram (the same round, ``bot.rounds``): once a "sent" mark waited out the
    busy timeout (another process holds the database), the round's other marks are kept in
    memory at once, not each waiting as long on the event loop; none is pushed again, and a
    later round writes them."""
    async with running(line, make_engine, clock) as run:
        for user in ("Ubusy1", "Ubusy2", "Ubusy3"):
            await (await follow(run, user)).walk(*TO_AGREED)
        clock.advance(days=15)
        tries = busy_once(run.engine, monkeypatch)
        assert await run.bot.dispatch_reminders(25) == 3, "the other reminders still went out"
        assert len(tries) == 1, "after one busy mark, the round's others wait in memory"
        assert len(run.bot.owed_sent) == 3
        pushed = len(line.pushes)
        for _ in range(2):
            clock.advance(hours=1)
            assert await run.bot.dispatch_reminders(25) == 0
        assert len(line.pushes) == pushed, "not pushed again"
        assert run.bot.owed_sent == set()
        statuses = [r["status"] for r in run.engine.store.db["reminders"].rows]
        assert statuses.count("sent") == 3, "written by the next round"


async def test_serve_line_makes_the_checkpoints_not_the_users_commits(
    line: FakeLine, db_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's automatic checkpoint would run inside the commit of the user's step that
    crosses 1,000 pages (20-30 ms); and under Litestream, an application's checkpoint makes
    it start a new snapshot."""
    from bot.config import Settings

    opened: list[sqlite3.Connection] = []
    made: list[tuple[Any, bool]] = []
    real_open = line_app.open_database

    def open_noted(path: Any, **kwargs: Any) -> Any:
        opened.append(real_open(path, **kwargs))
        return opened[-1]

    turned = asyncio.Event()

    async def checkpoint_noted(path: Any, replicating: bool = False) -> None:
        made.append((path, replicating))
        turned.set()

    monkeypatch.setattr(line_app, "open_database", open_noted)
    monkeypatch.setattr(line_app, "checkpoint_wal", checkpoint_noted)
    for replicating in (False, True):
        settings = Settings(
            db_path=db_path,
            line_channel_secret=SECRET,
            line_access_token=TOKEN,
            line_port=free_port(),
            line_api_base_url=line.base_url,
            replicating=replicating,
        )
        stop = asyncio.Event()
        turned.clear()
        serving = asyncio.create_task(line_app.serve_line(settings, db_path, stop))
        await asyncio.wait_for(turned.wait(), 30)  # the loop's first turn
        assert opened[-1].execute("pragma wal_autocheckpoint").fetchone()[0] == 0
        # The commit after a checkpoint cuts the log to its own frames; not under Litestream.
        limit = opened[-1].execute("pragma journal_size_limit").fetchone()[0]
        assert limit == (-1 if replicating else 0)
        stop.set()
        assert (await serving).fatal is None
    assert made == [
        (db_path, False),
        (db_path, True),
    ]  # upkeep.checkpoint_wal: none under Litestream


async def test_a_push_refused_with_429_leaves_the_reminder_due(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "U429")
        await chat.walk(*TO_AGREED)
        line.limit = 0  # used up, but the bot read "no limit" before: LINE says 429
        run.bot.quota = line_app.PushQuota(None, 0, known=True)
        run.bot.read_quota = _stale_quota(run.bot)  # type: ignore[method-assign]
        assert await chat.wait(days=15) == []
        user_id = line_user_id(run, "U429")
        waiting = run.engine.store.waiting_reminders(user_id)
        assert [r["status"] for r in waiting] == ["pending", "pending"]
        assert user_id in run.bot.held


async def test_a_429_with_no_known_limit_ends_the_round_instead_of_spinning(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        for name in ("Uspin1", "Uspin2", "Uspin3"):
            await (await follow(run, name)).walk(*TO_AGREED)
        line.limit = 0  # LINE says 429; the bot knows of no limit
        run.bot.quota = line_app.PushQuota(None, 0, known=True)
        run.bot.read_quota = _stale_quota(run.bot)  # type: ignore[method-assign]
        clock.advance(days=15)
        before = len(line.calls)
        assert await run.bot.dispatch_reminders(2) == 0  # a full batch of 2 due, refused
        pushes = [c for c in line.calls[before:] if c.path == "/v2/bot/message/push"]
        assert len(pushes) == 1, "one refusal ends the round"
        assert len(run.bot.held) == 2, "the batch's users are told at their next message"


async def test_after_a_429_only_users_whose_reminder_waits_are_told_it_is_held(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    """A user pushed earlier in the batch got the reminder: no "held back" notice for them."""
    async with running(line, make_engine, clock) as run:
        names = ("Uheld1", "Uheld2", "Uheld3")
        for name in names:
            await (await follow(run, name)).walk(*TO_AGREED)
        run.bot.quota = line_app.PushQuota(None, 0, known=True)
        run.bot.read_quota = _stale_quota(run.bot)  # type: ignore[method-assign]
        line.limit, line.used = 1, 0  # one push accepted, then 429
        clock.advance(days=15)
        before = len(line.calls)
        assert await run.bot.dispatch_reminders(10) == 1
        pushes = [c for c in line.calls[before:] if c.path == "/v2/bot/message/push"]
        assert [c.status for c in pushes] == [200, 429]
        pushed_to = {line_user_id(run, c.body["to"]) for c in pushes[:1]}
        users = {line_user_id(run, name) for name in names}
        assert run.bot.held == users - pushed_to and len(run.bot.held) == 2


async def test_a_push_is_sent_with_one_retry_key_and_a_repeat_is_marked_sent(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Ukey")
        await chat.walk(*TO_AGREED)
        clock.advance(days=15)
        user = line_user_id(run, "Ukey")
        [delivery, *_] = run.engine.due_deliveries(10, user_id=user)
        # A try that timed out moves the due time, not the key: LINE may have the push.
        run.engine.reminder_failed(delivery.reminder_id, "TimeoutError")
        clock.advance(minutes=1)
        [retried, *_] = run.engine.due_deliveries(10, user_id=user)
        assert retried.reminder_id == delivery.reminder_id
        assert line_app.retry_key(retried) == line_app.retry_key(delivery)
        line.accepted_keys.add(line_app.retry_key(delivery))  # LINE had it already
        await run.bot.dispatch_reminders(25)
        assert run.engine.store.reminder(delivery.reminder_id)["status"] == "sent"
        assert next(c.status for c in line.calls if c.path == "/v2/bot/message/push") == 409
        # Snoozed after it went out (only a sent one can be), it is a message of its own:
        # a key of its own.
        snooze = next(o.token for o in delivery.reply.options if o.token.endswith("snooze_hour"))
        run.engine.handle(Inbound(user, choice=snooze))
        clock.advance(hours=1)
        [snoozed, *_] = run.engine.due_deliveries(10, user_id=user)
        assert snoozed.reminder_id == delivery.reminder_id
        assert line_app.retry_key(snoozed) != line_app.retry_key(delivery)


async def test_an_unfollow_that_cannot_be_stored_is_answered_503(
    line: FakeLine,
    make_engine: Callable[[], Engine],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Ubusyunfollow")
        monkeypatch.setattr(run.engine, "mark_unreachable", lambda *args: False)
        assert await run.post([chat.person.unfollow()]) == 503


def _stale_quota(bot: LineBot) -> Callable[[], Any]:
    async def read() -> line_app.PushQuota:
        return bot.quota

    return read


# -- files ---------------------------------------------------------------------------------
async def test_a_chart_is_made_with_the_loading_indicator_and_linked(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    linked: list[tuple[int, str, int]] = []

    def file_link(user_id: int, attachment: Attachment) -> str | None:
        assert attachment.ready, "made before the hook is called"
        linked.append((user_id, attachment.filename, len(attachment.data)))
        return f"https://files.example/{attachment.filename}"

    async with running(line, make_engine, clock, file_link=file_link) as run:
        chat = await follow(run, "Ustats")
        await chat.walk(*TO_AGREED)
        answer = await chat.say("/stats")
        assert "[image https://files.example/calls.png]" in answer
        assert [c.body for c in line.loadings] == [{"chatId": "Ustats", "loadingSeconds": 20}]
        assert linked[0][:2] == (line_user_id(run, "Ustats"), "calls.png") and linked[0][2] > 0


async def test_without_a_link_the_file_is_announced(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Unolink")
        await chat.walk(*TO_AGREED)
        answer = await chat.say("/export")
        coming = [t for t in answer if JA["line.file_coming"].split("{")[0] in t]
        assert coming and "kotowari-" in coming[0]


async def broker_letter_links(chat: LineChat, number: int = 1) -> list[str]:
    """A case (``number``) to step 4 agreed, then its broker letter with a new sender: the
    links the chat got (the letter and its 内容証明 form; the text is in the chat)."""
    await chat.walk(*TO_AGREED)
    await chat.walk(f"/case {number}", Press(JA["opt.case_letter"]))
    await chat.press(JA["opt.letter_broker_request"])
    if any(JA["opt.sender_new"] in line for line in chat.last):
        await chat.press(JA["opt.sender_new"])
    answer = "\n".join(await chat.walk("skip", "山田 花子", "東京都渋谷区神南9-9-9", "skip", "no"))
    return re.findall(r"http://127\.0\.0\.1:\d+/line/files/\S+", answer)


async def test_a_letter_link_works_until_it_expires_and_only_as_issued(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock, links=True) as run:
        chat = await follow(run, "Ufiles")
        urls = await broker_letter_links(chat)
        assert len(urls) == 2, urls  # the letter and its 内容証明 form (the text is in the chat)
        # The user is told how long a link works: a 404 later would explain nothing.
        said = "\n".join(chat.last)
        assert said.count("（このリンクは10分間有効です。開いて保存してください）") == 2, said

        async def get(url: str) -> Any:
            return await run.http.fetch(url, raise_error=False)

        pdf = await get(urls[0])
        assert pdf.code == 200 and pdf.body.startswith(b"%PDF")
        assert pdf.headers["Cache-Control"] == "no-store, private"
        # Another address made from it (the other file's name, a changed token): nothing.
        token, name = urls[0].rsplit("/", 2)[-2:]
        other = urls[1].rsplit("/", 1)[-1]
        assert (await get(urls[0].replace(name, other))).code == 404
        changed = token[:-1] + ("B" if token.endswith("A") else "A")  # one character off
        assert (await get(urls[0].replace(token, changed))).code == 404
        clock.advance(minutes=11)
        assert (await get(urls[0])).code == 404, "expired"
        # Another user's links are theirs; an unfollow drops the user's own.
        await chat.walk("/stats")
        [chart] = re.findall(
            r"http://127\.0\.0\.1:\d+/line/files/\S+?(?=\]|$)", "\n".join(chat.last)
        )
        assert (await get(chart)).code == 200
        await chat.send(chat.person.unfollow())
        assert (await get(chart)).code == 404, "forgotten with the user"


async def test_a_deleted_cases_letter_links_go_with_it(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock, links=True) as run:
        chat = await follow(run, "Udelete")
        [url, _] = await broker_letter_links(chat)
        [other, _] = await broker_letter_links(chat, number=2)
        other_user = await follow(run, "Uother")
        [theirs, _] = await broker_letter_links(other_user)
        assert (await run.http.fetch(url, raise_error=False)).code == 200
        await chat.walk("/case 1", Press(JA["opt.case_delete"]), Press(JA["opt.delete_yes"]))
        assert (await run.http.fetch(url, raise_error=False)).code == 404, "gone with its case"
        # Not the letters of another case, nor another user's of their own case #1.
        assert (await run.http.fetch(other, raise_error=False)).code == 200
        assert (await run.http.fetch(theirs, raise_error=False)).code == 200


# -- start-up ------------------------------------------------------------------------------
def test_kotowari_line_without_credentials_says_where_to_get_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    # Not the process's logging: later tests' handlers and library levels stay as they are.
    monkeypatch.setattr(bot.cli, "configure_logging", lambda *args, **kwargs: None)
    code = bot.cli.main(
        ["--env-file", str(tmp_path / "none.env"), "line", "--db", str(tmp_path / "k.db")]
    )
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "LINE Developers console" in err and "Messaging API channel" in err
    assert "kotowari shell" in err
    assert not (tmp_path / "k.db").exists()


def test_kotowari_line_setup_without_a_token_says_where_to_get_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LINE_CHANNEL_ACCESS_TOKEN", raising=False)
    monkeypatch.setattr(bot.cli, "configure_logging", lambda *args, **kwargs: None)
    code = bot.cli.main(["--env-file", str(tmp_path / "none.env"), "line", "setup"])
    assert code == 2
    assert "LINE_CHANNEL_ACCESS_TOKEN" in capsys.readouterr().err


def test_a_public_url_that_is_not_https_is_refused() -> None:
    from bot.config import Settings, SettingsError

    for bad in ("http://bot.example.jp/line", "ftp://x", "https://x/?a=1", "not a url"):
        with pytest.raises(SettingsError, match="LINE_PUBLIC_URL"):
            Settings.from_env({"LINE_PUBLIC_URL": bad})
    ok = Settings.from_env({"LINE_PUBLIC_URL": "https://bot.example.jp/line/"})
    assert ok.line_public_url == "https://bot.example.jp/line"
    # The access token goes to the API root: never over plain HTTP but to a local fake.
    with pytest.raises(SettingsError, match="LINE_API_BASE_URL"):
        Settings.from_env({"LINE_API_BASE_URL": "http://api.example.com"})
    local = Settings.from_env({"LINE_API_BASE_URL": "http://127.0.0.1:9900/"})
    assert local.line_api_base_url == "http://127.0.0.1:9900"
    assert Settings.from_env({}).line_api_base_url == "https://api.line.me"


def test_texts_for_line_exist_in_both_languages() -> None:
    for key in ("line.quota_held", "line.file_coming", "line.file_link"):
        assert Texts("ja").has(key) and Texts("en").has(key)


async def test_a_letter_is_sent_as_text_into_the_chat(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Uletter")
        await chat.walk(*TO_AGREED)
        await chat.walk("/case 1", Press(JA["opt.case_letter"]))
        await chat.press(JA["opt.letter_broker_request"])
        if any(JA["opt.sender_new"] in line for line in chat.last):
            await chat.press(JA["opt.sender_new"])
        answer = await chat.walk("skip", "山田 花子", "東京都渋谷区神南9-9-9", "skip", "no")
        letter = [text for text in answer if "山田 花子" in text and "名簿の森" in text]
        assert letter, "the letter's text is in the chat"
        assert any("kotowari-case1-" in text and ".pdf" in text for text in answer)
        assert line.loadings[-1].body["chatId"] == "Uletter", "shown while the PDF was made"


async def test_an_event_that_fails_is_logged_without_data_and_the_user_told(
    line: FakeLine,
    make_engine: Callable[[], Engine],
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with running(line, make_engine, clock) as run:
        chat = await follow(run, "Ubug")
        handle = run.engine.handle

        def broken(inbound: Any) -> Any:
            raise RuntimeError(f"a bug that quotes {inbound.text}")

        monkeypatch.setattr(run.engine, "handle", broken)
        assert await chat.say("私の秘密") == [JA["error_generic"]]
        monkeypatch.setattr(run.engine, "handle", handle)
        english = await follow(run, "Ubugen", language="en")
        monkeypatch.setattr(run.engine, "handle", broken)
        assert await english.say("my secret") == [EN["error_generic"]], "in their language"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "RuntimeError" in logged and "私の秘密" not in logged


async def test_serve_line_answers_until_stopped(
    line: FakeLine, db_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.config import Settings

    port = free_port()
    settings = Settings(
        db_path=db_path,
        line_channel_secret=SECRET,
        line_access_token=TOKEN,
        line_port=port,
        line_api_base_url=line.base_url,
    )
    stop = asyncio.Event()
    serving_task = asyncio.create_task(line_app.serve_line(settings, db_path, stop))
    await asyncio.sleep(0)  # its first turn: the database opened, the webhook listening
    person = LineUser(line, "Userve")
    line.languages["Userve"] = "en"
    body, headers = webhook([person.follow()])
    http = AsyncHTTPClient(force_instance=True)
    try:
        answer = await http.fetch(
            f"http://127.0.0.1:{port}{PATH}", method="POST", body=body, headers=headers
        )
    finally:
        http.close()
    assert answer.code == 200
    assert message_texts(line.replies[0].body)[0] == EN["start"]
    hook = FILES.after_each  # after each file made: an erasure's scrub tried again
    stop.set()
    done = await serving_task
    assert done.fatal is None
    assert isinstance(hook, partial) and hook.func is retry_scrub
    assert hook.args == (done.engine.storage,) and FILES.after_each is None
    assert "/v2/bot/message/quota" in [call.path for call in line.calls]


async def test_the_consoles_verify_request_and_bad_bodies(
    line: FakeLine, make_engine: Callable[[], Engine], clock: FakeClock
) -> None:
    async with running(line, make_engine, clock) as run:
        assert await run.post([]) == 200, "the console's Verify: signed, no events"

        async def send(body: bytes, content_type: str = "application/json") -> int:
            headers = {"Content-Type": content_type, "X-Line-Signature": signature(body)}
            answer = await run.http.fetch(
                run.url, method="POST", body=body, headers=headers, raise_error=False
            )
            return int(answer.code)

        assert await send(b"not json") == 400
        assert await send(b'{"events": {}}') == 400
        assert await send(b'{"events": []}', "text/plain") == 415
        assert await send(b'{"events": [], "pad": "' + b"x" * 300_000 + b'"}') == 413
        assert await send(b'{"events": [{"type": "beacon-from-the-future"}]}') == 200
        assert run.users() == 0 and line.replies == []
