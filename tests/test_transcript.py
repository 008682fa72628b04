"""The transcript helper itself: one conversation, the same on every channel."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes.users import Person
from flows.engine import Engine
from flows.texts import JA
from tests.conftest import FakeClock
from tests.test_telegram import running
from tests.transcript import (
    Contact,
    EngineChat,
    Photo,
    Press,
    Script,
    ShellChat,
    TelegramChat,
    Wait,
    pick,
)

# A case during a call, through to the broker's agreement and the two-week check.
STORY: Script = [
    ("/call", [JA["step.refusing.say"], "🙅 断った"]),
    (Press("🙅 断った"), [JA["step.asking_source.say"], "📝 入手先を言った"]),
    (Press("📝 入手先を言った"), ["名簿業者（入手先）の名前は？"]),
    ("名簿の森", ["電話をかけてきた会社の名前は？"]),
    ("みらい不動産", ["担当者の名前は？"]),
    ("skip", ["かかってきた電話番号は？"]),
    ("090-1234-5678", ["何の勧誘でしたか？", "🏢 投資用マンション・不動産"]),
    (Press("🏢 投資用マンション・不動産"), ["宅建業の免許番号は？"]),
    ("skip", ["電話があった日時は？"]),
    (Press("🕒 いま"), ["この内容で保存しますか？", "会社名: みらい不動産"]),
    (Press("✅ 保存する"), ["④ 名簿業者「名簿の森」に電話して"]),
    (Press("🙆 応じた"), [JA["outcome.agreed"].splitlines()[0]]),
    (Wait(days=15), ["⏰ ケース #1", "🙆 対応された"]),
    (Press("🙆 対応された"), []),
]


def assert_told(engine: Engine, user_id: int) -> None:
    case = engine.store.case_by_number(user_id, 1)
    assert case is not None
    assert (case["state"], case["outcome"], case["company"]) == (
        "following_up",
        "agreed",
        "みらい不動産",
    )
    statuses = [r["status"] for r in engine.store.db["reminders"].rows_where(order_by="id")]
    assert statuses == ["done", "pending"], "the check answered by its button"


def test_the_story_through_the_engine(engine: Engine) -> None:
    EngineChat(engine).run(STORY)
    assert_told(engine, 1)


def test_the_story_through_the_shell(engine: Engine) -> None:
    chat = ShellChat(engine)
    chat.run(STORY)
    assert_told(engine, 1)
    assert chat.typed[1:3] == ["1", "1"], "the shell was typed the numbers it showed"


async def test_the_story_through_telegram(db_path: Path, clock: FakeClock) -> None:
    async with running(db_path, clock, person=Person(language_code="ja")) as running_chat:
        chat = TelegramChat(running_chat.app, running_chat.api, running_chat.person)
        await chat.run(STORY)
        assert_told(running_chat.engine, running_chat.person.id)


async def test_a_contact_and_a_photo_on_the_engine_and_on_telegram(
    engine: Engine, db_path: Path, clock: FakeClock
) -> None:
    to_phone = ["/after", Press("🤷 断れなかった"), Press("🤐 言わなかった"), "skip", "skip"]
    on_engine = EngineChat(engine)
    on_engine.walk(*to_phone)
    assert JA["phone_from_contact"] in [r.text for r in on_engine.contact("+819012345678").replies]
    assert on_engine.photo().replies[0].text == JA["attachment_hint"]
    async with running(db_path, clock, person=Person(id=7, language_code="ja")) as bot:
        chat = TelegramChat(bot.app, bot.api, bot.person)
        await chat.walk(*to_phone)
        await chat.run(
            [
                (Contact("+819012345678"), [JA["phone_from_contact"]]),
                (Photo(), [JA["attachment_hint"]]),
            ]
        )
    assert engine.store.case_by_number(1, 1)["phone_e164"] == "+819012345678"


def test_a_label_must_name_one_option(engine: Engine) -> None:
    shown = EngineChat(engine).say("/call").replies[-1].options
    assert pick(shown, "📴").label == "📴 電話が切れた"
    with pytest.raises(AssertionError, match="no option"):
        pick(shown, "🙆 応じた")
    with pytest.raises(AssertionError, match="several options fit"):
        pick(shown, "")
    with pytest.raises(AssertionError, match="the shell cannot send"):
        ShellChat(engine, user_id=2).act(Contact("+819012345678"))
