"""Transcript tests of the coaching engine: (user says, bot says) through the shell channel."""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata

import pytest

from flows.engine import Engine
from flows.port import Inbound, Reply
from flows.router import STEP_TOKEN
from flows.store import CASES, EVENTS
from flows.texts import EN, JA
from tests.conftest import Conversation, FakeClock
from tests.test_addressee import write as write_letter
from tests.test_review import record
from tests.transcript import TO_STEP_4, EngineChat, Press, pick, text_of

REFUSE_JA = JA["step.refusing.say"]
ASK_JA = JA["step.asking_source.say"]


def case_row(engine: Engine, number: int = 1, user_id: int = 1) -> dict:
    row = engine.store.case_by_number(user_id, number)
    assert row is not None
    return row


def kinds(engine: Engine, case_id: int) -> list[str]:
    return [e["kind"] for e in engine.store.events(case_id)]


def test_happy_path_through_the_four_steps(engine: Engine, talk) -> None:
    chat: Conversation = talk()
    chat.run(
        [
            ("/call", [REFUSE_JA, "1) 🙅 断った", "3) 📴 電話が切れた"]),
            (Press("🙅 断った"), [ASK_JA, "個人情報保護法30条", "1) 📝 入手先を言った"]),
            (Press("📝 入手先を言った"), ["③ 記録します", "名簿業者（入手先）の名前は？"]),
            ("ABCデータ株式会社", ["電話をかけてきた会社の名前は？"]),
            ("株式会社みらい不動産", ["担当者の名前は？"]),
            ("田中", ["かかってきた電話番号は？"]),
            ("090-1234-5678", ["何の勧誘でしたか？", "1) 🏢 投資用マンション・不動産"]),
            (Press("🏢 投資用マンション・不動産"), ["宅建業の免許番号は？"]),
            ("東京都知事(5)第12345号", ["電話があった日時は？", "1) 🕒 いま（この電話）"]),
            (
                Press("🕒 いま（この電話）"),
                [
                    "この内容で保存しますか？",
                    "名簿業者: ABCデータ株式会社",
                    "会社名: 株式会社みらい不動産",
                    "担当者: 田中",
                    "電話番号: 090-1234-5678",
                    "勧誘の内容: 投資用マンション・不動産",
                    "免許番号: 東京都知事(5)第12345号",
                    "日時: 2026年11月27日(金) 14:00",
                    "お断り: 済み（2026年11月27日(金) 14:00）",
                ],
            ),
            (
                Press("✅ 保存する"),
                [
                    "④ 名簿業者「ABCデータ株式会社」に電話して",
                    "11月27日に、株式会社みらい不動産から勧誘の電話がありました。",
                    "私の個人データの第三者への提供を、停止してください。",
                    "個人情報保護法27条2項",
                    "オプトアウト届出書検索",
                    "1) 🙆 応じた",
                ],
            ),
            (Press("🙆 応じた"), [JA["outcome.agreed"], "1) 📁 完了にする"]),
        ]
    )
    row = case_row(engine)
    assert row["state"] == "following_up"
    assert row["outcome"] == "agreed"
    assert row["phone_raw"] == "090-1234-5678"
    assert row["phone_e164"] == "+819012345678"
    assert row["company_norm"] == "ミライ不動産"
    assert row["product_kind"] == "property"
    assert row["refused_at"] == row["opened_at"] == "2026-11-27T05:00:00+00:00"
    assert row["call_at"] == row["opened_at"]
    broker = engine.store.db["brokers"].get(row["broker_id"])
    assert (broker["name"], broker["name_norm"], broker["case_count"]) == (
        "ABCデータ株式会社",
        "abcデータ",
        1,
    )
    steps = [
        (e["trigger"], e["state_from"], e["state_to"])
        for e in engine.store.events(row["id"])
        if e["kind"] == "step"
    ]
    assert steps[0] == ("start_call", "new", "refusing")
    assert steps[-1] == ("agreed", "demanding", "following_up")
    answers = [
        json.loads(e["detail"])["field"]
        for e in engine.store.events(row["id"])
        if e["kind"] == "step" and e["trigger"] == "answer"
    ]
    assert answers == ["broker", "company", "person", "phone", "licence"]


def test_they_keep_pushing_twice(engine: Engine, talk) -> None:
    chat = talk()
    chat.run(
        [
            ("/call", [REFUSE_JA]),
            (
                "まだ食い下がる",
                [JA["step.pushing.say"], "特定商取引法17条", "宅地建物取引業法47条の2第3項"],
            ),
            (Press("😤 まだ食い下がる"), [JA["step.pushing_again.say"], "もう切ってかまいません"]),
            ("引き下がった", [ASK_JA]),
        ]
    )
    row = case_row(engine)
    assert row["state"] == "asking_source"
    assert row["push_count"] == 2
    assert row["refused_at"] is not None


def test_source_refused_twice_moves_on_with_source_unknown(engine: Engine, talk) -> None:
    chat = talk()
    chat.run(
        [
            ("/call", [REFUSE_JA]),
            (Press("🙅 断った"), [ASK_JA]),
            (
                Press("🤐 答えない・はぐらかす"),
                [JA["step.pressing_source.say"], "1) 📝 入手先を言った", "2) 🤐 やはり答えない"],
            ),
            (Press("🤐 やはり答えない"), ["電話をかけてきた会社の名前は？"]),
            ("ミライ不動産", ["担当者の名前は？"]),
            ("スキップ", ["かかってきた電話番号は？"]),
            ("skip", ["何の勧誘でしたか？"]),
            (Press("📦 その他"), ["電話があった日時は？"]),
            ("13:45", ["日時: 2026年11月27日(金) 13:45", "名簿業者: —", "勧誘の内容: その他"]),
            ("保存する", [JA["outcome.no_source"]]),
        ]
    )
    row = case_row(engine)
    assert row["source_unknown"] == 1
    assert row["broker_id"] is None
    assert row["state"] == "following_up"
    assert row["outcome"] == "no_source"
    assert row["call_at"] == "2026-11-27T04:45:00+00:00"


@pytest.mark.parametrize(
    "before_end",
    [
        [],
        [Press("😤 まだ食い下がる")],
        [Press("🙅 断った")],
        [Press("🙅 断った"), Press("🤐 答えない・はぐらかす")],
    ],
    ids=["at-refusing", "at-pushing", "at-asking", "at-pressing"],
)
def test_the_call_ending_at_each_call_step(engine: Engine, talk, clock: FakeClock, before_end):
    chat = talk()
    chat.walk("/call", *before_end)
    clock.advance(minutes=3)
    answer = chat.say("電話が切れた")
    assert "③ 記録します" in answer
    assert "名簿業者（入手先）の名前は？" in answer
    row = case_row(engine)
    assert row["state"] == "recording_broker"
    assert row["ended_at"] == "2026-11-27T05:03:00+00:00"


def test_a_step_is_answered_in_the_polite_form_people_type(engine: Engine) -> None:
    """「断りました」 at step ① got "press a button or type its number" (English "refused"
    worked): a polite form of a label is that option."""
    chat = EngineChat(engine)
    chat.say("/call")
    for typed, state in (
        ("断りました。", "asking_source"),
        ("言いませんでした", "pressing_source"),
        ("切れました", "recording_broker"),
    ):
        chat.say(typed)
        assert case_row(engine)["state"] == state, typed
    assert case_row(engine)["refused_at"] is not None
    chat.walk("/after")
    chat.say("はい、断りました")
    assert case_row(engine, number=2)["state"] == "after_source"


def test_after_the_call(engine: Engine, talk, clock: FakeClock) -> None:
    clock.advance(hours=2)
    chat = talk()
    chat.run(
        [
            ("/after", ["電話のあとの記録です。相手には、はっきり断りましたか？"]),
            ("はい", ["どこで入手したか言いましたか？", "1) 📝 言った"]),
            ("言った", ["③ 記録します", "名簿業者（入手先）の名前は？"]),
            ("日本リスト", ["会社の名前"]),
            ("skip", ["担当者"]),
            ("skip", ["電話番号"]),
            ("03-1234-5678", ["何の勧誘"]),
            ("ワンルームマンション投資", ["免許番号"]),
            ("skip", ["日時"]),
            (
                "14:10",
                [
                    "日時: 2026年11月27日(金) 14:10",
                    "名簿業者: 日本リスト",
                    "電話番号: 03-1234-5678",
                    "お断り: 済み（2026年11月27日(金) 14:10）",
                ],
            ),
            (
                "yes",
                ["④ 名簿業者「日本リスト」", "11月27日に、ある会社から勧誘の電話がありました。"],
            ),
            (
                Press("⏰ あとでかける"),
                ["いつ知らせましょうか？", "1) 📅 次の営業日 2026年11月30日(月) 10:00"],
            ),
            (
                Press("📅 次の営業日"),
                [
                    "⏰ 2026年11月30日(月) 10:00 にお知らせします（名簿業者に電話する）。",
                    "1) ▶ 名簿業者に電話する",
                ],
            ),
        ]
    )
    row = case_row(engine)
    assert row["mode"] == "after"
    assert row["state"] == "awaiting_call"
    assert row["product_kind"] == "property"
    # Recorded after the call: the refusal is dated by the call, not by the tap.
    assert row["refused_at"] == row["call_at"] == "2026-11-27T05:10:00+00:00"


def test_back_skip_and_cancel(engine: Engine, talk) -> None:
    chat = talk()
    chat.run(
        [
            ("/call", [REFUSE_JA]),
            ("戻る", [JA["first_step"], REFUSE_JA]),
            ("skip", [ASK_JA]),
            ("back", [REFUSE_JA]),
            (Press("🙅 断った"), [ASK_JA]),
            (Press("📝 入手先を言った"), ["名簿業者"]),
            ("ABC", ["会社の名前"]),
            ("戻る", ["名簿業者（入手先）の名前は？", "いまの記録: ABC", "⏭ このまま"]),
            ("このまま", ["会社の名前"]),
            ("/cancel", [JA["step.cancelled.text"].format(number=1)]),
            ("hello", [JA["no_case"]]),
        ]
    )
    row = case_row(engine)
    assert row["state"] == "cancelled"
    assert row["broker_name"] == "ABC"
    assert engine.store.user(1)["active_case_id"] is None
    assert chat.say("/cancel").strip() == JA["cancel_nothing"]


def test_free_text_at_an_option_step_matched_and_unmatched(engine: Engine, talk) -> None:
    chat = talk()
    chat.say("/call")
    answer = chat.said_whole("うーん、どうしよう")
    assert JA["pick_hint_check"] in answer  # step ①, where 🔎 checks a number
    assert REFUSE_JA in answer, "the step is shown again"
    assert case_row(engine)["state"] == "refusing"
    assert ASK_JA in chat.said_whole("🙅 断った")
    assert "名簿業者" in chat.say("入手先を言った")


def test_numbers_out_of_range_and_unparseable_phone(engine: Engine, talk) -> None:
    chat = talk()
    chat.say("/call")
    said = chat.say("9")  # typed: no option has that number
    assert JA["no_such_option"].format(number=9, last=6) in said
    record(engine, "みらい不動産", broker="名簿の森", user_id=2)
    other = EngineChat(engine, 2)
    write_letter(other, "✉️ 名簿業者への請求書")
    other.say("/case 1")
    shown = other.press(JA["opt.case_continue"])
    assert [o.label for o in shown.replies[-1].options] == [JA["opt.close"]]
    assert text_of(other.say("99")).startswith(JA["no_such_option_one"].format(number=99))
    chat.walk(Press("🙅 断った"), Press("📝 入手先を言った"), "skip", "skip", "skip")
    answer = chat.say("03-555")  # digits, not a whole number: kept as typed, and said so
    assert "「03-555」は電話番号として読み取れませんでした" in answer
    row = case_row(engine)
    assert (row["phone_raw"], row["phone_e164"]) == ("03-555", None)
    assert row["state"] == "recording_product"


@pytest.mark.parametrize("typed", ["😀", "佐藤", "Tanaka Estate", "x" * 40])
def test_text_with_no_digit_at_the_number_step_is_refused(engine: Engine, talk, typed) -> None:
    """Any text was stored as the caller's number (with "couldn't read it"): one with no
    digit is no number, so it is refused and the question stays; nothing is stored."""
    chat = talk()
    chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    chat.walk("skip", "skip")
    answer = chat.said_whole(typed)
    assert JA["phone_no_digits"].format(typed=typed) in answer
    assert JA["step.recording_phone.text"] in answer
    row = case_row(engine)
    assert (row["phone_raw"], row["phone_e164"], row["state"]) == (None, None, "recording_phone")
    chat.say("skip")
    assert case_row(engine)["state"] == "recording_product", "skip still moves on"


def test_a_hint_at_a_step_with_a_value_names_the_keep_button(engine: Engine, talk) -> None:
    """Back at a step with its answer recorded, ⏭ reads 「このまま」: so does the hint."""
    chat = talk()
    chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    chat.walk("skip", "skip", "03-5555-0123")
    back = chat.said_whole(JA["opt.back"])
    assert JA["opt.keep"] in back and JA["step.recording_phone.text"] in back
    answer = chat.said_whole("佐藤")
    assert JA["phone_no_digits_kept"].format(typed="佐藤") in answer
    assert "スキップ" not in JA["phone_no_digits_kept"]
    assert case_row(engine)["phone_e164"] == "+81355550123", "the number recorded stays"
    chat.say(JA["opt.keep"])
    assert case_row(engine)["state"] == "recording_product"


@pytest.mark.parametrize("typed", ["非通知", "公衆電話", "Withheld"])
def test_a_withheld_number_is_recorded_as_said(engine: Engine, talk, typed) -> None:
    chat = talk()
    chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    chat.walk("skip", "skip")
    answer = chat.said_whole(typed)
    assert "読み取れません" not in answer, "not an unreadable number: none was shown"
    row = case_row(engine)
    assert (row["phone_raw"], row["phone_e164"]) == (typed, None)
    assert row["state"] == "recording_product"


def test_restart_mid_case_resumes_at_the_same_step(make_engine, clock: FakeClock) -> None:
    first = Conversation(make_engine())
    first.run(
        [
            ("/call", [REFUSE_JA]),
            (Press("🙅 断った"), [ASK_JA]),
            (Press("📝 入手先を言った"), ["名簿業者"]),
            ("XYZ", ["会社の名前"]),
        ]
    )
    # A new engine on the same file is a restarted process; it knows nothing in memory.
    second = Conversation(make_engine())
    second.run(
        [
            ("!state", ["case #1, step recording_company"]),
            ("戻る", ["名簿業者（入手先）の名前は？", "いまの記録: XYZ"]),
        ]
    )


def test_restart_at_an_option_step_accepts_the_typed_number(make_engine) -> None:
    """The bot restarted (its chat still shows the step): "1" is that step's first option.
    A new shell session shows the step first (tests/test_shell.py)."""
    EngineChat(make_engine()).say("/call")
    assert ASK_JA in text_of(EngineChat(make_engine()).say("1"))


def test_resolicitation_is_detected_with_the_earlier_date(engine: Engine, talk, clock) -> None:
    chat = talk()
    chat.walk(
        "/call", Press("🙅 断った"), Press("📴 電話が切れた"), "skip", "(株)みらい不動産", "skip"
    )
    chat.say("090-1111-2222")
    chat.say("/cancel")
    clock.advance(days=30)
    chat.run(
        [
            ("/call", [REFUSE_JA]),
            ("電話が切れた", ["名簿業者"]),
            ("skip", ["会社の名前"]),
            (
                "ミライ不動産株式会社",
                [
                    "⚠️ 再勧誘です。「(株)みらい不動産」には、2026年11月27日(金) 14:00にお断り済みです（ケース #1）。",
                    "担当者の名前は？",
                ],
            ),
        ]
    )
    row = case_row(engine, 2)
    assert row["repeat_of"] == 1
    assert row["repeat_refused_at"] == "2026-11-27T05:00:00+00:00"
    assert "repeat_detected" in kinds(engine, row["id"])
    assert "⚠️ 再勧誘あり" in chat.say("/cases")


def test_resolicitation_by_a_differently_written_number(engine: Engine, talk, clock) -> None:
    chat = talk()
    chat.walk("/call", Press("🙅 断った"), Press("📴 電話が切れた"), "skip", "skip", "skip")
    chat.say("09012345678")
    clock.advance(days=3)
    chat.say("/after")
    chat.say("not")  # unmatched: shown again
    chat.walk(Press("🤷 断れなかった"), Press("🤐 言わなかった・聞けなかった"), "skip", "skip")
    answer = chat.say("+81 90 1234 5678")
    assert "「090-1234-5678」には、2026年11月27日(金) 14:00にお断り済みです（ケース #1）" in answer
    assert case_row(engine, 2)["repeat_of"] == 1


def test_resolicitation_by_a_name_with_invisible_characters(engine: Engine, talk, clock) -> None:
    chat = talk()
    chat.walk("/call", Press("🙅 断った"), Press("📴 電話が切れた"), "skip", "みらい不動産")
    clock.advance(days=3)
    chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    assert "お断り済み" in chat.say("みらい\u200b不動\u00ad産")
    assert case_row(engine, 2)["repeat_of"] == 1
    assert case_row(engine, 2)["company"] == "みらい不動産", "stored without them"


def test_a_case_not_refused_is_not_a_repeat(engine: Engine, talk) -> None:
    chat = talk()
    chat.walk("/after", Press("🤷 断れなかった"), Press("🤐 言わなかった・聞けなかった"))
    chat.say("みらい不動産")
    chat.say("/cancel")
    chat.say("/after")
    chat.walk(Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    assert "再勧誘" not in chat.say("みらい不動産")
    assert case_row(engine, 2)["repeat_of"] is None


def test_english(engine: Engine, talk) -> None:
    chat = talk(lang="en-US")
    chat.run(
        [
            # The line to read is Japanese (the caller's language), with a reading and its
            # meaning in English.
            (
                "/call",
                [
                    JA["step.refusing.say"],
                    "(Keiyaku suru tsumori wa arimasen.",
                    "= " + EN["step.refusing.say"],
                    "1) 🙅 I refused",
                ],
            ),
            ("They keep pushing", [JA["step.pushing.say"], EN["step.pushing.say"], "Art. 47-2(3)"]),
            (
                Press("🙆 They backed off"),
                [JA["step.asking_source.say"], EN["step.asking_source.say"], "APPI Art. 30"],
            ),
            (
                Press("📝 They named a source"),
                ["Step 3: record the call.", "The list broker's name"],
            ),
            ("Tokyo Lists Inc.", ["company that called"]),
            ("Sakura Estate", ["caller's name"]),
            ("skip", ["number they called from"]),
            ("+81 3 1234 5678", ["What were they selling?"]),
            ("an apartment to rent out", ["licence number"]),
            ("skip", ["When did the call come?"]),
            ("now", ["Save this?", "Phone: 03-1234-5678", "Product: an apartment to rent out"]),
            (
                "yes",
                [
                    "11月27日に、Sakura Estateから勧誘の電話がありました。",
                    "= I am calling about my personal data. On 27 November, Sakura Estate called me",
                    "APPI Art. 27(2)",
                ],
            ),
            ("They refused", [EN["outcome.declined"], "03-6457-9849"]),
        ]
    )
    assert EN["help"].splitlines()[-1] in chat.say("/help")


def test_language_switch_and_help_disclaimer(engine: Engine, talk) -> None:
    chat = talk()
    assert "法的助言ではありません" in chat.say("/help")
    chat.run(
        [("/language", ["1) 日本語", "2) English"]), (Press("English"), ["Switched to English."])]
    )
    assert "practical guidance, not legal advice" in chat.say("/help")
    assert engine.store.user(1)["language"] == "en"


@pytest.mark.parametrize(
    ("typed", "language", "reply"),
    [
        ("/language en", "en", "Switched to English."),
        ("/language ＥＮＧＬＩＳＨ", "en", "Switched to English."),
        ("/language 英語", "en", "Switched to English."),
        ("/language 日本語", "ja", "日本語に切り替えました。"),
        ("/language Japanese", "ja", "日本語に切り替えました。"),
    ],
)
def test_language_named_in_the_command(engine: Engine, typed, language, reply) -> None:
    engine.handle(Inbound(1, text="/help", lang_hint="en" if language == "ja" else "ja"))
    response = engine.handle(Inbound(1, text=typed))
    assert [r.text for r in response.replies] == [reply]
    assert (response.language, response.language_changed) == (language, True)
    assert engine.store.user(1)["language"] == language


def test_an_unknown_language_shows_the_choice_and_changes_nothing(engine: Engine) -> None:
    engine.handle(Inbound(1, text="/help"))
    response = engine.handle(Inbound(1, text="/language klingon"))
    assert response.replies[0].text == JA["language_unknown"]  # said, not just the choice
    assert [o.label for o in response.replies[0].options] == ["日本語", "English"]
    assert response.language_changed is False
    assert engine.store.user(1)["language"] == "ja"
    assert engine.handle(Inbound(1, text="/language")).replies[0].text == JA["language_prompt"]


def test_the_greeting_points_to_the_other_language(engine: Engine) -> None:
    assert "/language en" in engine.handle(Inbound(1, text="/start")).replies[0].text
    engine.handle(Inbound(1, text="/language en"))
    assert "/language ja" in engine.handle(Inbound(1, text="/start")).replies[0].text


def test_fix_a_field_from_the_summary(engine: Engine, talk) -> None:
    chat = talk()
    chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    chat.walk("Aリアルティ", "skip", "skip", Press("📦 その他"), "skip")
    chat.run(
        [
            (Press("✏️ 修正する"), ["どの項目を直しますか？", "2) 会社名"]),
            ("会社名", ["電話をかけてきた会社の名前は？", "いまの記録: Aリアルティ"]),
            ("Bリアルティ", ["この内容で保存しますか？", "会社名: Bリアルティ"]),
            ("修正する", ["どの項目"]),
            ("戻る", ["この内容で保存しますか？"]),
        ]
    )
    row = case_row(engine)
    assert (row["company"], row["state"], row["fixing"]) == ("Bリアルティ", "confirming", 0)


def test_saving_needs_company_number_or_broker(engine: Engine, talk) -> None:
    chat = talk()
    chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    chat.walk("skip", "skip", "skip", "skip", "skip")
    answer = chat.press("✅ 保存する")
    assert JA["need_identity"] in answer
    assert "この内容で保存しますか？" in answer
    assert case_row(engine)["state"] == "confirming"


def test_a_new_call_pauses_the_case_in_progress_and_it_can_be_resumed(engine, talk) -> None:
    chat = talk()
    chat.walk("/call", Press("🙅 断った"), Press("📝 入手先を言った"), "業者A")
    chat.run(
        [
            ("/call", ["ケース #1 は保存したまま中断しました", REFUSE_JA]),
            (
                "/cases",
                [
                    "これまでのケース（新しい順）1〜2件目／全2件:",
                    "#2 2026年11月27日(金) 不明｜不明｜📝 進行中",
                    "#1 2026年11月27日(金) 不明｜業者A｜📝 進行中",
                    "1) #2 を見る",
                ],
            ),
            (Press("#1 を見る"), ["ケース #1｜📝 進行中", "名簿業者: 業者A", "1) ▶ 続ける"]),
            (Press("▶ 続ける"), ["ケース #1 を再開します。", "電話をかけてきた会社の名前は？"]),
        ]
    )
    assert engine.store.user(1)["active_case_id"] == case_row(engine, 1)["id"]


def test_buttons_stale_forged_and_from_another_user(engine: Engine) -> None:
    chat = EngineChat(engine)
    first = chat.say("/call")
    refused = first.replies[-1].options[0]
    assert re.fullmatch(r"1m[0-9a-f]{6}\.1\.refused", refused.token)
    accepted = chat.press("🙅 断った")
    assert accepted.chosen == "🙅 断った"
    stale = chat.press("🙅 断った", on=first)  # the same button, pressed again
    assert (stale.replies, stale.notice) == ((), JA["stale_button"])
    forgeries = ("1.2.fix_licence", "7.1.refused", "g.lang.xx", "g.resume.99", "x", "1.2.drop")
    forgeries += (refused.token.replace(".1.", ".2."), "1m000000.2.drop", "1mabc.2.dropped")
    for forged in forgeries:
        response = engine.handle(Inbound(1, choice=forged))
        assert response.replies == () and response.notice, forged
    assert case_row(engine)["state"] == "asking_source"
    # User 2 sends user 1's button (forged: never shown to them); nothing of user 1 changes.
    response = EngineChat(engine, user_id=2).press("📝 入手先を言った", on=accepted)
    assert response.notice == JA["bad_button"]
    assert case_row(engine)["state"] == "asking_source"
    assert engine.store.case_by_number(2, 1) is None


def test_bad_input_never_breaks_a_step(engine: Engine, talk) -> None:
    chat = talk()
    chat.walk("/call", Press("🙅 断った"), Press("📝 入手先を言った"))
    assert "100文字まで" in chat.say("あ" * 10_000)
    answer = chat.say("\x00\u202e\u0301")
    assert JA["empty_text"] in answer
    assert "名簿業者（入手先）の名前は？" in answer
    response = EngineChat(engine).photo()
    assert response.replies[0].text == JA["attachment_hint"]
    assert case_row(engine)["state"] == "recording_broker"
    assert case_row(engine)["broker_name"] is None
    assert chat.say("/nonsense").strip() == JA["unknown_command"].format(command="/nonsense")


def test_odd_unicode_is_stored_as_typed_without_controls(engine: Engine, talk) -> None:
    chat = talk()
    chat.walk("/call", Press("🙅 断った"), Press("📝 入手先を言った"))
    chat.say("👨‍👩‍👧 Ｄａｔａ\x00 \u202eبيانات")
    assert case_row(engine)["broker_name"] == "👨‍👩‍👧 Ｄａｔａ بيانات"


def test_a_contact_is_the_answer_at_the_phone_step_only(engine: Engine) -> None:
    """At the phone step a contact is the number; at another step that asks for text it is
    no answer; where a button is expected it is looked up (``features.lookup``)."""
    chat = EngineChat(engine)
    chat.walk("/after", Press("🤷 断れなかった"), Press("🤐 言わなかった・聞けなかった"))
    chat.walk("skip", "skip")
    response = chat.contact("+819098765432")
    assert JA["phone_from_contact"] in [r.text for r in response.replies]
    assert case_row(engine)["phone_e164"] == "+819098765432"
    response = chat.contact("+819098765432")
    assert response.replies[0].text == JA["attachment_hint"]
    chat.walk(Press("🏢 投資用マンション・不動産"), "skip", "skip")
    before = case_row(engine)
    response = chat.contact("+819098765432")
    [answer] = response.replies
    # Looked up: not found, since the case being recorded is this call, not its history.
    assert answer.text == JA["who.unknown_number"].format(phone="090-9876-5432")
    assert case_row(engine) == before, "a lookup changes no case"


def test_outcome_hooks_run_in_the_step_transaction(engine: Engine) -> None:
    seen = []

    def hook(store, case, outcome, now):
        seen.append((case["number"], outcome, now.isoformat()))
        return [Reply("hook reply")]

    engine.outcome_hooks = (hook,)
    chat = EngineChat(engine)
    chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"), "業者")
    chat.walk("skip", "skip", "skip", "skip", "skip", Press("✅ 保存する"))
    response = chat.press("📵 つながらない")
    assert seen == [(1, "unreachable", "2026-11-27T05:00:00+00:00")]
    assert "hook reply" in [r.text for r in response.replies]


def test_a_storage_error_leaves_the_previous_state_intact(engine: Engine, monkeypatch) -> None:
    chat = EngineChat(engine)
    chat.say("/call")

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(engine.store, "add_event", broken)
    response = chat.press("🙅 断った")
    assert [r.text for r in response.replies] == [JA["storage_error"]]
    monkeypatch.undo()
    row = case_row(engine)
    assert (row["state"], row["seq"], row["refused_at"]) == ("refusing", 1, None)
    count = engine.store.db.execute(f"select count(*) from {EVENTS}").fetchone()[0]
    assert count == 2  # opened + start_call only
    assert engine.store.db[CASES].count == 1


def test_users_are_isolated(engine: Engine) -> None:
    EngineChat(engine).walk("/call", Press("🙅 断った"), Press("📝 入手先を言った"), "Aの業者")
    other = EngineChat(engine, user_id=2)
    response = other.say("/cases")
    assert response.replies[0].text == JA["cases_empty"]
    other.say("/call")
    assert case_row(engine, 1, user_id=2)["state"] == "refusing"
    assert case_row(engine, 1, user_id=1)["state"] == "recording_company"


def test_an_update_seen_again_is_not_applied_twice(engine: Engine) -> None:
    chat = EngineChat(engine)
    refusing = chat.say("/call", update_id=100)
    first = chat.press("🙅 断った", update_id=101)
    assert ASK_JA in [r.say for r in first.replies]
    again = chat.press("🙅 断った", on=refusing, update_id=101)  # the same update, again
    assert [r.say for r in again.replies] == [ASK_JA], "the current step, shown again"
    older = chat.say("/call", update_id=100)
    assert older.replies[-1].say == ASK_JA
    row = case_row(engine)
    assert (row["state"], row["seq"]) == ("asking_source", 2)
    assert engine.store.count_cases(1) == 1
    assert engine.store.user(1)["recent_update_ids"] == "100,101"
    # Other users' ids are theirs: user 2's update 50 is new to them.
    assert engine.handle(Inbound(2, text="/call", update_id=50)).replies[-1].say == REFUSE_JA


@pytest.mark.parametrize("typed", ["፩", "𐩀", "᧚", "-5", "1+1", "99999999999999999999"])
def test_digits_that_are_not_an_option_number_never_crash(engine: Engine, typed: str) -> None:
    """Text where an option is expected, and in /case: a hint; nothing changes."""
    engine.handle(Inbound(1, text="/call"))
    assert engine.handle(Inbound(1, text=typed)).replies[0].text == JA["pick_hint"]
    assert case_row(engine)["state"] == "refusing"
    assert engine.handle(Inbound(1, text=f"/case {typed}")).replies


@pytest.mark.parametrize("typed", ["②", "２", "2)", "²"])
def test_an_option_number_as_people_type_it(engine: Engine, typed: str) -> None:
    engine.handle(Inbound(1, text="/call"))
    engine.handle(Inbound(1, text=typed))
    assert case_row(engine)["state"] == "pushing"


@pytest.mark.parametrize("typed", ["はい", "yes", "いいえ"])
def test_yes_or_no_at_step_4_records_nothing(engine: Engine, typed: str) -> None:
    """There "yes" may only mean "I will call": it must not record that the broker agreed."""
    chat = EngineChat(engine)
    chat.walk(*TO_STEP_4)
    assert case_row(engine)["state"] == "demanding"
    response = chat.say(typed)
    assert response.replies[0].text == JA["pick_hint"]
    assert (case_row(engine)["state"], case_row(engine)["outcome"]) == ("demanding", None)


def test_the_same_call_recorded_twice_is_not_a_repeat(engine: Engine, talk) -> None:
    chat = talk()
    chat.walk("/call", Press("🙅 断った"), Press("📴 電話が切れた"), "skip", "Z不動産")
    chat.walk("/call", Press("🙅 断った"), Press("📴 電話が切れた"), "skip")
    assert "再勧誘" not in chat.say("Z不動産"), "refused at the very moment of this call"
    assert case_row(engine, 2)["repeat_of"] is None


def test_a_call_dated_before_the_refusal_is_not_a_repeat(engine: Engine, talk, clock) -> None:
    chat = talk()
    chat.walk("/call", Press("🙅 断った"), Press("📴 電話が切れた"), "skip", "X不動産")
    clock.advance(hours=1)
    chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    # Until the user says when, the call could have been after the refusal: flagged …
    assert "再勧誘です" in chat.say("X不動産")
    chat.walk("skip", "skip", "skip")
    # … and unflagged once its time turns out to be before it.
    said = chat.say("昨日 10:00")
    assert JA["repeat_cleared"].format(number=1) in said
    row = case_row(engine, 2)
    assert (row["repeat_of"], row["repeat_refused_at"]) == (None, None)
    page = chat.say("/case 2")
    assert "再勧誘の記録を取り消し（ケース #1）" in page
    # In the timeline after the answer that withdrew it (it came before its cause).
    lines = page.splitlines()
    [withdrawn] = [i for i, line in enumerate(lines) if "再勧誘の記録を取り消し" in line]
    [flagged] = [i for i, line in enumerate(lines) if "再勧誘を検出（ケース #1）" in line]
    [company] = [i for i, line in enumerate(lines) if "記録 会社名: X不動産" in line]
    [answered] = [i for i, line in enumerate(lines) if "記録 日時:" in line]
    assert company < flagged < answered < withdrawn, page


def test_a_company_that_marks_a_repeat_sent_twice_is_taken_for_a_re_send(
    engine: Engine, talk, clock
) -> None:
    """The repeat mark is recorded after the answer that set it: the answer is still the
    case's last, so the same name sent again (its reply lost) is not the next field's."""
    chat = talk()
    chat.walk("/call", Press("🙅 断った"), Press("📴 電話が切れた"), "skip", "X不動産")
    clock.advance(hours=1)
    chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    assert "再勧誘です" in chat.say("X不動産")
    assert JA["answer_repeated"].format(value="X不動産") in chat.say("X不動産")
    assert case_row(engine, 2)["person"] is None


def test_correcting_the_company_withdraws_the_repeat(engine: Engine, talk, clock) -> None:
    chat = talk()
    chat.walk("/call", Press("🙅 断った"), Press("📴 電話が切れた"), "skip", "Y不動産")
    clock.advance(days=2)
    chat.walk("/call", Press("🙅 断った"), Press("📴 電話が切れた"), "skip")
    assert "再勧誘です" in chat.say("Y不動産")
    chat.say("戻る")
    assert JA["repeat_cleared"].format(number=1) in chat.say("W不動産")
    assert case_row(engine, 2)["repeat_of"] is None


def test_after_a_call_with_no_time_the_script_says_recently(engine: Engine, talk) -> None:
    """Not the moment the case was typed in: that is not when the call came."""
    chat = talk()
    chat.walk(*TO_STEP_4[:8])  # to the call's time
    assert "時刻も入れてください" in chat.say("11/19")
    assert "お断り: 済み（日時は未記録）" in chat.say("skip")
    assert "先日、みらい不動産から勧誘の電話がありました。" in chat.press("✅ 保存する")
    assert case_row(engine)["state"] == "demanding"


@pytest.mark.parametrize("listing", ["/help", "/brokers", "/stats"])
def test_a_number_typed_after_a_list_presses_no_hidden_button(
    engine: Engine, talk, listing: str
) -> None:
    """Numbers mean the options last shown; the case's step is not, after a list."""
    chat = talk()
    chat.walk(*TO_STEP_4[:-1])
    assert "1) 🙆 応じた" in chat.act(TO_STEP_4[-1])  # step 4, shown: its numbers work
    chat.say(listing)
    shown = chat.say("1")
    assert JA["number_not_shown"] in shown and "1) 🙆 応じた" in shown
    assert (case_row(engine)["state"], case_row(engine)["outcome"]) == ("demanding", None)
    chat.say("1")  # the step was just shown again: now "1" is its first option
    assert case_row(engine)["outcome"] == "agreed"


def test_a_number_is_not_taken_as_a_typed_answer_after_a_list(engine: Engine) -> None:
    chat = EngineChat(engine)
    chat.walk(*TO_STEP_4[:4])  # the broker given: the company asked
    chat.say("/help")
    response = chat.say("2")  # typed
    assert response.replies[0].text == JA["number_not_shown_text"]
    row = case_row(engine)
    assert (row["state"], row["company"]) == ("recording_company", None)
    chat.say("2")  # the question on the screen again: now "2" is its answer
    assert case_row(engine)["company"] == "2"


@pytest.mark.parametrize(
    ("shown", "label"),
    [("/forget", "すべて削除する"), ("/case 1", "このケースを削除")],
)
def test_yes_typed_to_a_confirmation_is_not_the_hidden_steps_answer(
    engine: Engine, shown: str, label: str
) -> None:
    """「はい」 typed to "delete everything?" pressed 「🙅 はい、断った」 of the case in progress;
    at a step that asks for text it was stored as the company. Neither, now: the user is told to
    answer with the buttons, and the step is shown again."""
    chat = EngineChat(engine)

    def confirmation() -> None:
        asked = chat.say(shown)
        if shown == "/case 1":
            chat.press(f"🗑 {label}", on=asked)

    chat.say("/call")  # step 1: refuse, with a "はい…" option
    confirmation()
    response = chat.say("はい")
    assert response.replies[0].text == JA["buttons_answer_step"]
    assert STEP_TOKEN.match(response.replies[-1].options[0].token)  # the step, shown again
    assert case_row(engine)["state"] == "refusing" and case_row(engine)["refused_at"] is None
    chat.walk(Press("🙅 断った"), Press("📴 電話が切れた"), "skip")  # at the company
    confirmation()
    assert chat.say("はい").replies[0].text == JA["buttons_answer_step"]
    assert (case_row(engine)["state"], case_row(engine)["company"]) == ("recording_company", None)
    assert engine.store.count_cases(1) == 1
    chat.say("みらい不動産")  # the question on the screen again: now it is the answer
    assert case_row(engine)["company"] == "みらい不動産"


def test_a_broker_typed_at_the_source_question_is_told_where_it_goes(engine) -> None:
    """Step ② asks whether they said where they got the details: a name typed there got
    "tap an option". It is not taken as the broker (「わかりません」 is no broker), but the
    hint says which button comes first; nothing is stored."""
    chat = EngineChat(engine)
    chat.walk("/call", Press("🙅 断った"))
    said = text_of(chat.say("リスト社"))
    hint = JA["source_typed_hint"].format(named=JA["opt.named"], dodged=JA["opt.dodged"])
    assert said.startswith(hint)
    assert text_of(chat.say("わかりません")).startswith(hint), "told to press 🤐 too"
    assert JA["step.asking_source.text"] in said, "the step shown again"
    assert text_of(chat.say("はい")).startswith(JA["pick_hint"])
    assert text_of(chat.say("123")).startswith(JA["no_such_option"].format(number=123, last=6))
    row = case_row(engine)
    assert (row["state"], row["broker_name"]) == ("asking_source", None)
    english = EngineChat(engine, user_id=2)
    english.walk("/language en", "/after", Press("🙅 Yes, I refused"))
    assert text_of(english.say("List Co.")).startswith(
        EN["source_typed_hint"].format(
            named=EN["opt.after_source.named"], dodged=EN["opt.after_source.dodged"]
        )
    )


def test_a_phone_number_typed_for_a_name_is_not_stored_as_one(engine) -> None:
    """A number typed at "the caller's name?" was stored as the person; at the company's or
    the person's question it is the caller's number (linked to an earlier refusal from it),
    and the name is asked again."""
    chat = EngineChat(engine)
    chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"), "名簿の森", "みらい不動産")
    chat.walk("skip", "03-5555-0123", "skip", "skip", Press("✅ 保存する"))
    chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"), "名簿の森")
    said = text_of(chat.say("０３－５５５５－０１２３"))  # at the company's name
    assert said.startswith("🚫 以前お断りした相手です") and "ケース #1" in said.splitlines()[0]
    assert JA["step.recording_company.text"] in said
    row = case_row(engine, number=2)
    assert (row["phone_e164"], row["repeat_of"]) == ("+81355550123", 1)
    assert row["company"] == "みらい不動産", "the company refused then, offered to keep"
    assert row["state"] == "recording_company" and row["broker_name"] == "名簿の森"
    chat.say("skip")  # the company kept
    said = text_of(chat.say("03-5555-0123"))  # at the person's name: the same number
    assert JA["step.recording_person.text"] in said
    assert case_row(engine, number=2)["person"] is None
    assert chat.say("佐藤").replies[-1].text.startswith(JA["step.recording_phone.text"])
    assert case_row(engine, number=2)["person"] == "佐藤"


def test_a_phone_number_typed_for_the_product_is_the_callers_number(engine) -> None:
    """A number typed at "what did they sell?" (the number's step skipped, or the number
    given late) was stored as the product (勧誘の内容: 03-5555-0123)."""
    chat = EngineChat(engine)
    chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    chat.walk("みらい不動産", "skip", "skip")  # the person and the number skipped
    said = text_of(chat.say("03-5555-0123"))
    assert JA["step.recording_product.text"] in said, "the product is asked again"
    row = case_row(engine)
    assert (row["phone_e164"], row["product"], row["state"]) == (
        "+81355550123",
        None,
        "recording_product",
    )
    said = text_of(chat.say("090-1234-5678"))  # a second number: not recorded
    assert JA["phone_second"].format(kept="03-5555-0123", typed="090-1234-5678") in said
    assert case_row(engine)["phone_e164"] == "+81355550123"
    said = text_of(chat.say("03-5555-0123"))  # the same number sent again
    assert JA["phone_same"].format(phone="03-5555-0123") in said
    assert JA["step.recording_product.text"] in said
    chat.say("投資用マンション")
    assert case_row(engine)["product"] == "投資用マンション"


def test_a_phone_number_typed_for_the_licence_is_the_callers_number(engine) -> None:
    """「03-5555-0123」 at the licence's question was stored as the licence (免許番号:
    03-5555-0123, on a report to the prefecture); a real licence number is still taken."""
    chat = EngineChat(engine)
    chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    chat.walk("みらい不動産", "skip", "skip", Press(JA["opt.property"]))
    said = text_of(chat.say("03-5555-0123"))
    assert JA["step.recording_licence.text"] in said, "the licence is asked again"
    row = case_row(engine)
    assert (row["phone_e164"], row["licence"]) == ("+81355550123", None)
    chat.say("東京都知事(2)第012345号")
    row = case_row(engine)
    assert (row["licence"], row["state"]) == ("東京都知事(2)第012345号", "recording_when")


@pytest.mark.parametrize(
    ("typed", "unread"),
    [
        ("第12345号", True),
        ("12345", True),
        ("知事(3)第123号", True),  # which governor: not said
        ("東京都知事(2)第012345号", False),
        ("国土交通大臣(3)第1234号", False),
        ("Tokyo Governor (5) No. 12345", False),
    ],
)
def test_a_licence_that_names_no_office_is_kept_and_said_to_leave_no_addressee(
    engine, typed: str, unread: bool
) -> None:
    """Any text was taken as the licence without a word, and the report then had no
    addressee: the user learns it at the step, and it is still recorded as typed."""
    chat = EngineChat(engine)
    chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    chat.walk("みらい不動産", "skip", "skip", Press(JA["opt.property"]))
    said = text_of(chat.say(typed))
    assert (JA["licence_unread"] in said) is unread
    assert JA["step.recording_when.text"] in said, "it moves on either way"
    assert case_row(engine)["licence"] == typed


def test_the_timeline_says_a_number_typed_early_and_a_value_kept(engine) -> None:
    """A number typed at the person's question was stored with no line in the timeline, and
    「⏭ このまま」 at the number's step was written 「⏭ スキップ（電話番号）」."""
    chat = EngineChat(engine)
    chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    chat.walk("みらい不動産", "+81 3-1234-5678")  # at the person's question
    chat.walk("佐藤", Press(JA["opt.keep"]))  # the number's step: keep it
    timeline = text_of(chat.say("/case 1")).split(JA["case.timeline"])[1]
    number = JA["event.answer"].format(field=JA["field.phone"], value="03-1234-5678")
    kept = JA["event.skipped"].format(label=JA["opt.keep"], field=JA["field.phone"])
    assert number in timeline and kept in timeline
    assert timeline.index(number) < timeline.index(kept)
    assert JA["event.skipped"].format(label=JA["opt.skip"], field=JA["field.phone"]) not in (
        timeline
    )
    chat.say("/case 1")
    chat.press(JA["opt.case_continue"])
    chat.walk(Press(JA["opt.back"]), "03-9999-0000")  # the number corrected
    timeline = text_of(chat.say("/case 1")).split(JA["case.timeline"])[1]
    assert "03-1234-5678" not in timeline, "a corrected number keeps no copy"
    assert JA["event.answer"].format(field=JA["field.phone"], value=JA["field.superseded"]) in (
        timeline
    )


def test_a_number_typed_after_withheld_was_recorded_is_not_put_over_it(engine) -> None:
    """「非通知」 at the number's step, then a number at the product's: it replaced the
    recorded 「非通知」 silently (the timeline still said 非通知)."""
    chat = EngineChat(engine)
    chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    chat.walk("みらい不動産", "skip", "非通知")
    said = text_of(chat.say("090-1234-5678"))
    assert JA["phone_second"].format(kept="非通知", typed="090-1234-5678") in said
    row = case_row(engine)
    assert (row["phone_raw"], row["phone_e164"], row["product"]) == ("非通知", None, None)


def test_a_second_number_at_a_name_is_not_recorded_and_the_name_is_still_asked(engine) -> None:
    """A different number typed at the person's name showed /who's answer with new-case
    buttons, and the name typed next was refused ("press a button")."""
    chat = EngineChat(engine)
    chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    chat.walk("みらい不動産", "090-1234-5678")  # at the person's name: the caller's number
    said = chat.say("03-5555-0123")
    assert [r.text for r in said.replies] == [
        JA["phone_second"].format(kept="090-1234-5678", typed="03-5555-0123"),
        JA["step.recording_person.text"],
    ]
    assert case_row(engine)["phone_e164"] == "+819012345678"
    assert chat.say("佐藤").replies[-1].text.startswith(JA["step.recording_phone.text"])
    assert case_row(engine)["person"] == "佐藤"


def test_yes_typed_to_a_confirmation_with_no_case_is_told_to_use_the_buttons(engine) -> None:
    chat = EngineChat(engine)
    chat.say("/forget")
    assert [r.text for r in chat.say("はい").replies] == [JA["buttons_answer"]]
    assert "削除" in chat.press("🗑 すべて削除する", on=chat.say("/forget")).replies[0].text


@pytest.mark.parametrize(
    ("typed", "call_at"),
    [("4", "2026-11-26T19:00:00+00:00"), ("9", "2026-11-27T00:00:00+00:00")],
)
def test_a_number_typed_where_text_is_asked_is_the_answer_never_an_option(
    engine: Engine, typed: str, call_at: str
) -> None:
    """Telegram's and LINE's buttons show no numbers: at the call's time (now / back / skip
    / cancel), a typed "4" cancelled the case and "2" went back. It is the hour."""
    chat = EngineChat(engine)
    chat.walk(*TO_STEP_4[:8])  # to the call's time
    assert case_row(engine)["state"] == "recording_when"
    chat.say(typed)
    row = case_row(engine)
    assert (row["state"], row["call_at"]) == ("confirming", call_at)
    chat.walk(*TO_STEP_4[:6])  # another case; at the phone step "3" is typed
    assert case_row(engine, 2)["state"] == "recording_phone"
    chat.say("3")
    row = case_row(engine, 2)
    assert (row["state"], row["phone_raw"]) == ("recording_product", "3")


def test_switching_language_mid_case_shows_the_step_its_typed_numbers_work(engine: Engine) -> None:
    engine.handle(Inbound(1, text="/call"))
    response = engine.handle(Inbound(1, text="/language en"))
    assert response.replies[0].text == "Switched to English."
    assert response.replies[1].text == EN["step.refusing.text"]
    assert response.replies[1].options[0].label == EN["opt.refused"]
    assert engine.handle(Inbound(1, text="1")).replies  # its numbers work
    assert case_row(engine)["state"] == "asking_source"


def test_a_repeat_of_a_refusal_whose_time_is_unknown_gives_no_date(
    engine: Engine, talk, clock
) -> None:
    chat = talk()
    chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    chat.walk("V不動産", "skip", "skip", "skip", "skip", Press("✅ 保存する"))
    # refused, recorded afterwards, no call time
    clock.advance(days=2)
    chat.walk("/call", Press("🙅 断った"), Press("📴 電話が切れた"), "skip")
    said = chat.say("V不動産")
    assert JA["repeat_detected_undated"].format(who="V不動産", number=1) in said
    row = case_row(engine, 2)
    assert (row["repeat_of"], row["repeat_refused_at"]) == (1, None)
    view = chat.say("/case 2")
    assert JA["case.repeat_of_undated"].format(number=1) in view
    assert "お断り: 済み（日時は未記録）" in chat.say("/case 1")


def test_a_call_again_dated_before_the_refusal_is_not_recorded(engine: Engine, clock) -> None:
    chat = EngineChat(engine)
    chat.walk("/call", Press("🙅 断った"), Press("📴 電話が切れた"), "skip", "みらい不動産")
    chat.walk("skip", "skip", "skip", "now", Press("✅ 保存する"))
    # refused on the call, 2026-11-27 14:00
    clock.advance(days=3)
    chat.say("/case 1")
    chat.press(JA["opt.case_again"])
    said = chat.say("2026-11-27 13:00").replies[0].text
    assert said == JA["again_before_refusal"].format(date="2026年11月27日(金) 14:00")
    assert case_row(engine)["repeat_calls"] == 0
    chat.say("2026-11-29 13:00")
    assert case_row(engine)["repeat_calls"] == 1


@pytest.mark.parametrize(
    ("lines", "typed", "state"),
    [
        (("/call",), "切れた", "recording_broker"),  # 📴 電話が切れた
        (("/call",), "食い下がる", "pushing"),
        (("/call",), "ended", "recording_broker"),  # The call ended (whole word)
        (("/after",), "断った", "after_source"),  # 🙅 はい、断った; 断れなかった does not match
        (TO_STEP_4[:-1], "保存", "demanding"),  # ✅ 保存する
    ],
)
def test_part_of_one_options_label_picks_it(engine: Engine, lines, typed, state) -> None:
    chat = EngineChat(engine)
    chat.walk(*lines)
    chat.say(typed)
    assert case_row(engine)["state"] == state


@pytest.mark.parametrize("typed", ["った", "refus", "end", "電話"])
def test_a_part_that_fits_several_options_or_none_picks_nothing(engine: Engine, typed) -> None:
    chat = EngineChat(engine)
    chat.say("/after")  # はい、断った / 断れなかった
    response = chat.say(typed)
    assert response.replies[0].text in (JA["pick_hint"], JA["number_not_shown"])
    assert case_row(engine)["state"] == "after_refusal"


@pytest.mark.parametrize(
    "steps",
    [
        ("/call", Press("🙅 断った"), Press("↩️ 戻る")),
        ("/call", Press("😤 まだ食い下がる"), Press("😤 まだ食い下がる"), Press("↩️ 戻る")),
        ("/after", Press("🙅 はい、断った"), Press("↩️ 戻る")),
    ],
)
def test_going_back_to_did_you_refuse_takes_the_refusal_back(engine: Engine, steps) -> None:
    """The refusal was kept after ↩️ back and a skip: the summary said お断り: 済み, and the
    company's letter stated a refusal the user had taken back."""
    chat = EngineChat(engine)
    chat.walk(*steps)
    row = case_row(engine)
    assert row["state"] in ("refusing", "after_refusal")
    assert (row["refused_at"], row["push_count"]) == (None, 0)
    chat.walk("skip", Press("📝 言った") if steps[0] == "/after" else "skip")
    assert case_row(engine)["refused_at"] is None
    # A new case refused: recorded as before.
    chat.walk(*steps[:2])
    assert case_row(engine, 2)["refused_at"] is not None


@pytest.mark.parametrize(
    "typed", ["／cancel", "／ｃａｎｃｅｌ", "/cancel!", "/case1", "/ cancel", "/キャンセル"]
)
def test_what_starts_with_a_slash_is_a_command_never_a_fields_answer(
    engine: Engine, typed: str
) -> None:
    """A Japanese keyboard's full-width slash, a typo: stored as the broker's name before (and
    printed on a letter as 「／cancel 御中」)."""
    chat = EngineChat(engine)
    chat.walk(*TO_STEP_4[:3])  # the broker's name asked
    answer = chat.say(typed)
    row = case_row(engine)
    if unicodedata.normalize("NFKC", typed) in ("/cancel",):
        assert row["state"] == "cancelled", "read as /cancel"
        return
    assert answer.replies[0].text.endswith("/help で一覧を見られます。")
    assert (row["state"], row["broker_name"]) == ("recording_broker", None)


def test_a_commands_full_width_arguments_are_read_too(engine: Engine) -> None:
    EngineChat(engine).say("／ｓｅｔｔｉｎｇｓ ｑｕｉｅｔ ２２-７")
    assert engine.store.user(1)["quiet_hours"] == "22-7"


def test_a_source_named_after_going_back_is_not_also_unknown(engine: Engine) -> None:
    """Dodged twice (source unknown), back twice, then named: the case said both."""
    chat = EngineChat(engine)
    chat.walk("/call", Press("🙅 断った"), Press("🤐 答えない・はぐらかす"))
    chat.walk(Press("🤐 やはり答えない"), Press("↩️ 戻る"), Press("↩️ 戻る"))
    chat.walk(Press("📝 入手先を言った"), "日本名簿センター株式会社")
    row = case_row(engine)
    assert (row["source_named"], row["source_unknown"]) == (1, 0)


def test_the_erasure_processed_again_after_a_crash_stores_nothing(engine: Engine) -> None:
    """Polling: the bot died after /forget's step committed, before its inbox row went. At
    the next start the row (marked applied) is processed again: that made a new user row
    (Telegram id, language, time) for the person who had just erased everything."""
    chat = EngineChat(engine)
    chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    chat.say("みらい不動産")
    asked = chat.say("/forget")
    token = pick([o for r in asked.replies for o in r.options], "🗑 すべて削除する").token
    [entry] = engine.store.inbox_add([(500, 1, '{"update_id": 500}')])
    press = Inbound(1, choice=token, update_id=500, receipt=entry.id)
    assert engine.handle(press).erased
    assert engine.store.user(1) is None
    again = engine.handle(press)  # the same stored row, after a restart
    assert engine.store.user(1) is None, "nothing stored for them"
    assert again.erased and [r.text for r in again.replies] == [JA["forgotten"]]
    # A message they send afterwards starts afresh, as after any /forget.
    assert JA["no_case"] in text_of(chat.say("こんにちは"))
    assert engine.store.user(1) is not None


def test_a_language_typed_at_the_language_menu_is_taken(engine: Engine) -> None:
    """「en」 typed under /language's buttons got "answer with the buttons"."""
    chat = EngineChat(engine)
    chat.say("/language")
    assert text_of(chat.say("English")).startswith(EN["language_set"])
    assert engine.store.user(1)["language"] == "en"
    chat.walk("/call", "/language")
    said = text_of(chat.say("日本語"))
    assert said.startswith(JA["language_set"]) and JA["step.refusing.text"] in said
    chat.say("/language")
    assert engine.store.case_by_number(1, 1)["state"] == "refusing"
    assert text_of(chat.say("français")).startswith(JA["buttons_answer_step"])


def test_an_answer_sent_again_after_a_number_noted_is_still_a_resend(engine: Engine) -> None:
    """The company's name, sent again after a number typed at the person's question (its
    reply was slow), was stored as the person (from the session review)."""
    chat = EngineChat(engine)
    chat.walk("/call", Press("🙅 断った"), Press("📝 入手先を言った"))
    chat.walk("リスト社", "株式会社みらい不動産", "03-5555-0123", "株式会社みらい不動産")
    row = case_row(engine)
    assert (row["company"], row["person"], row["state"]) == (
        "株式会社みらい不動産",
        None,
        "recording_person",
    )


def test_a_storage_error_is_logged_by_its_type_and_frames_not_its_message(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """``log.exception`` put the error's message in the log; SQLite's can quote a value."""

    quoted = "株式会社みらい不動産"

    def failing(turn: object) -> None:
        raise sqlite3.IntegrityError(f"CHECK constraint failed: {quoted}")

    monkeypatch.setattr("flows.engine._route", failing)
    response = engine.handle(Inbound(1, text="/help"))
    assert [reply.text for reply in response.replies] == [JA["storage_error"]]
    assert "IntegrityError" in caplog.text and "in failing" in caplog.text, "type and frames"
    assert quoted not in caplog.text


def test_a_look_back_seen_again_is_answered_again(engine: Engine) -> None:
    """An /export applied and then lost with its files (a crash before they were sent) came
    again after the restart and got only the current step: the files never came."""
    chat = EngineChat(engine)
    chat.walk(*TO_STEP_4)
    first = chat.say("/export", update_id=300)
    names = [a.filename for r in first.replies for a in r.attachments]
    assert len(names) == 3
    before = engine.store.case_by_number(1, 1)
    again = chat.say("/export", update_id=300)
    assert [a.filename for r in again.replies for a in r.attachments] == names
    assert engine.store.case_by_number(1, 1) == before, "nothing applied twice"
