"""Looking back at cases: paging, a case's timeline, brokers, search, stats, export, erasure."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows import dialogs
from flows.dialogs import CalledAgainDialog
from flows.engine import Engine
from flows.port import Attachment, Inbound, Response
from flows.store import TABLES
from flows.texts import CATALOGS, JA
from tests.conftest import FakeClock
from tests.transcript import EngineChat, Press


def record(engine: Engine, company: str, phone: str = "skip", broker: str = "skip", user_id=1):
    """A whole /after case saved with these details, refused, broker asked → agreed."""
    chat = EngineChat(engine, user_id)
    chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"), broker, company)
    chat.walk("skip", phone, "skip", "skip", Press("✅ 保存する"))
    if broker != "skip":
        chat.press("🙆 応じた")


def call_again(chat: EngineChat, number: int = 1) -> None:
    """Case ``number``'s "this company called again", answered "just now", a minute on (a
    call at the refusal's own moment is not one after it)."""
    chat.engine.clock.advance(minutes=1)  # type: ignore[attr-defined]
    chat.say(f"/case {number}")
    chat.press("📞 この会社からまた電話があった")
    chat.press("🕒 たった今")


def text_of(response: Response) -> str:
    return "\n".join(r.text for r in response.replies)


def test_cases_are_paged_five_at_a_time_newest_first(engine: Engine, clock: FakeClock) -> None:
    chat = EngineChat(engine)
    for index in range(12):
        record(engine, f"会社{index + 1}")
        clock.advance(days=1)
    first = chat.say("/cases")
    lines = first.replies[0].text.splitlines()
    assert lines[0] == "これまでのケース（新しい順）1〜5件目／全12件:"
    assert [line.split()[0] for line in lines[1:]] == ["#12", "#11", "#10", "#9", "#8"]
    assert lines[1] == "#12 2026年12月8日(火) 会社12｜不明｜📁 記録済み"
    labels = [o.label for o in first.replies[0].options]
    assert labels == [
        "#12 を見る",
        "#11 を見る",
        "#10 を見る",
        "#9 を見る",
        "#8 を見る",
        "古い方へ ▶",
    ]
    second = chat.press("古い方へ ▶", on=first)
    assert (
        second.replies[0].text.splitlines()[0] == "これまでのケース（新しい順）6〜10件目／全12件:"
    )
    third = chat.press("古い方へ ▶", on=second)
    assert third.replies[0].text.splitlines()[1:] == [
        "#2 2026年11月28日(土) 会社2｜不明｜📁 記録済み",
        "#1 2026年11月27日(金) 会社1｜不明｜📁 記録済み",
    ]
    assert [o.label for o in third.replies[0].options][-1] == "◀ 新しい方へ"
    # A made-up page number shows the last page rather than nothing.
    assert "11〜12件目" in engine.handle(Inbound(1, choice="g.page.99")).replies[0].text


def test_a_case_in_full_with_its_timeline_in_local_time(engine: Engine, clock) -> None:
    chat = EngineChat(engine)
    pushed = (Press("😤 まだ食い下がる"), Press("🙆 引き下がった"), Press("📝 入手先を言った"))
    for step in ("/call", *pushed, "名簿の森", "みらい不動産", "田中", "09012345678"):
        clock.advance(minutes=1)
        chat.act(step)
    chat.walk(Press("🏢 投資用マンション・不動産"), "東京都知事(5)第12345号")
    chat.walk(Press("🕒 いま（この電話）"), Press("✅ 保存する"), Press("🙆 応じた"))
    view = chat.say("/case 1")
    text = view.replies[0].text
    assert text.splitlines()[:10] == [
        "ケース #1｜🙆 電話で応じた",
        "現状: お断り済み／名簿業者「名簿の森」: 電話で依頼（2026年11月27日(金)）→ 応じた",
        "会社名: みらい不動産",
        "担当者: 田中",
        "電話番号: 090-1234-5678",
        "免許番号: 東京都知事(5)第12345号",
        "勧誘の内容: 投資用マンション・不動産",
        "名簿業者: 名簿の森",
        "日時: 2026年11月27日(金) 14:01",
        "お断り: 済み（2026年11月27日(金) 14:02）",
    ]
    timeline = text[text.index("経過:") :].splitlines()
    assert timeline[:6] == [
        "経過:",
        "2026年11月27日(金) 14:01  開始（通話中に記録）",
        "2026年11月27日(金) 14:02  😤 まだ食い下がる",
        "2026年11月27日(金) 14:03  🙆 引き下がった",
        "2026年11月27日(金) 14:04  📝 入手先を言った",
        "2026年11月27日(金) 14:05  記録 名簿業者: 名簿の森",
    ]
    assert "2026年11月27日(金) 14:08  記録 電話番号: 09012345678" in timeline
    assert "2026年11月27日(金) 14:08  🙆 応じた" in timeline
    assert "予定しているリマインダー:" in text
    assert "2026年12月11日(金) 10:00 依頼への対応の確認" in text
    assert [o.label for o in view.replies[0].options] == [
        "▶ 続ける",
        "✉️ 書面を作る",
        "📞 この会社からまた電話があった",
        "📁 完了にする",
        "🗑 このケースを削除",
    ]
    assert text_of(chat.say("/case 9")) == JA["case_not_found"].format(number=9)
    assert text_of(chat.say("/case abc")) == JA["case_usage"]
    assert "ケース #1｜" in text_of(chat.say("/case ＃１"))


def test_the_timeline_says_what_each_skip_passed_over(engine: Engine) -> None:
    """Three "⏭ スキップ" in a row said nothing of what was left out."""
    chat = EngineChat(engine)
    chat.walk("/after", "skip", "skip", "skip", "skip")
    english = EngineChat(engine, user_id=2)
    english.walk("/language en", "/after", "skip")
    timeline = text_of(chat.say("/case 1")).splitlines()
    assert [line.split("  ", 1)[1] for line in timeline if "スキップ" in line] == [
        "⏭ スキップ（お断り）",
        "⏭ スキップ（入手先）",
        "⏭ スキップ（名簿業者）",
        "⏭ スキップ（会社名）",
    ]
    assert text_of(english.say("/case 1")).endswith("  ⏭ Skip (Refusal)")


@pytest.mark.parametrize("typed", ["たった今", "さっき", "今", "just now", "Now"])
def test_the_call_again_is_just_now_in_words_too(engine: Engine, clock, typed: str) -> None:
    """At 「また電話があったのはいつですか？」 the button's own words were refused
    (「日時を読み取れませんでした」) while 「いま」 worked at step ③."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    clock.advance(days=2)
    chat.say("/case 1")
    chat.press("📞 この会社からまた電話があった")
    recorded = chat.say(typed)
    said = text_of(recorded)
    assert said.startswith("⚠️ 断った後の電話として記録しました"), said
    # The report this allows is offered at once (it was only on /who's answer).
    assert [o.label for o in recorded.replies[0].options] == ["📝 再勧誘の申告書"]
    case = engine.store.case_by_number(1, 1)
    assert (case["repeat_calls"], case["last_repeat_at"]) == (1, clock.now.isoformat())


def test_the_timeline_gives_a_typed_call_time_as_the_date_it_was_read(engine, clock) -> None:
    """「記録 日時: 昨日 15:00」 a week later named the wrong day."""
    chat = EngineChat(engine)
    chat.walk("/after", "skip", "skip", "skip", "skip", "skip", "skip", "skip", "昨日 15:00")
    clock.advance(days=7)
    timeline = text_of(chat.say("/case 1"))
    assert "記録 日時: 2026年11月26日(木) 15:00" in timeline
    assert "昨日" not in timeline


def test_a_field_is_cleared_where_a_value_is_recorded(engine: Engine) -> None:
    """A company's name typed as the broker could not be removed at ✏️ 修正する: 「なし」
    kept it, and step ④ and the letters were addressed to it."""
    chat = EngineChat(engine)
    chat.walk(
        "/call", Press("🙅 断った"), Press("📝 入手先を言った"), "株式会社グランレジデンス東都"
    )
    chat.walk("skip", "skip", "skip", "skip", Press("🕒 いま（この電話）"))
    chat.walk(Press("✏️ 修正する"), Press("名簿業者"))
    summary = text_of(chat.say("なし"))
    assert "名簿業者: —" in summary
    row = engine.store.case_by_number(1, 1)
    assert (row["state"], row["broker_name"], row["broker_id"]) == ("confirming", None, None)
    assert engine.store.brokers(1) == [], "a broker no case names is not kept"
    timeline = text_of(chat.say("/case 1"))
    assert "✏️ 修正: 名簿業者" in timeline and "記録 名簿業者: （消去）" in timeline
    # Where nothing is recorded, 「なし」 is a skip, as before; and outside ✏️ fix it keeps
    # what the bot filled in (the number sent during the call), as "skip" does.
    chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"), "なし")
    assert engine.store.case_by_number(1, 2)["state"] == "recording_company"
    chat.walk("/call", "03-5555-0123", Press("🙅 断った"), Press("🤐 答えない・はぐらかす"))
    chat.walk(Press("🤐 やはり答えない"), "なし", "なし", "なし")
    row = engine.store.case_by_number(1, 3)
    assert (row["state"], row["phone_e164"]) == ("recording_product", "+81355550123")


def test_a_clear_word_where_nothing_is_shown_is_a_skip_never_a_value(engine: Engine) -> None:
    """「消す」 at an empty company step was stored as the company (a broker named 「消す」
    at the broker's); sent twice after a clear, the second became the next field's value."""
    chat = EngineChat(engine)
    chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"), "消す", "消して")
    row = engine.store.case_by_number(1, 1)
    assert (row["state"], row["broker_name"], row["company"]) == ("recording_person", None, None)
    assert engine.store.brokers(1) == []
    # The number sent during the call, cleared at its step; 「消す」 sent again is said to
    # be a repeat, not a skip of the next field.
    chat.walk("/call", "03-5555-0123", Press("🙅 断った"), Press("🤐 答えない・はぐらかす"))
    chat.walk(Press("🤐 やはり答えない"), "skip", "skip", "消す")
    said = text_of(chat.say("消す"))
    assert said.startswith(JA["answer_repeated"].format(value="消す")), said
    row = engine.store.case_by_number(1, 2)
    assert (row["state"], row["phone_e164"], row["product"]) == ("recording_product", None, None)
    # A kind not shown (borrowed from a refused case with the link) is not "cleared".
    engine.store.db.execute("update cases set product_kind = 'property' where number = 2")
    chat.walk("skip", "skip", Press("🕒 いま（この電話）"), Press("✏️ 修正する"))
    chat.walk(Press("勧誘の内容"), "なし")
    assert engine.store.case_by_number(1, 2)["product_kind"] == "property"


def test_record_another_call_close_reopen_and_delete(engine: Engine, clock) -> None:
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    view = chat.say("/case 1")
    clock.advance(days=40)
    asked = chat.press("📞 この会社からまた電話があった", on=view)
    assert asked.replies[0].text == JA["again_when"].format(number=1)
    assert engine.store.case_by_number(1, 1)["repeat_calls"] == 0, "not before it is answered"
    # Before the refusal: not a call after it.
    before = chat.say("2026-11-20 10:00")  # recorded with no call time: before the record
    assert before.replies[0].text.startswith(
        "その日時は、このケースを記録した2026年11月27日(金) 14:00"
    )
    again = chat.say("昨日 9:30")
    assert again.replies[0].text.startswith(
        "⚠️ 断った後の電話として記録しました（2027年1月5日(火) 09:30）"
    )
    case = engine.store.case_by_number(1, 1)
    assert (case["repeat_calls"], case["last_repeat_at"]) == (1, "2027-01-05T00:30:00+00:00")
    # The question's "just now" button, once answered, is stale.
    assert chat.press("🕒 たった今", on=asked).notice == JA["stale_button"]
    # Asked again, and answered with the button this time.
    chat.say("/case 1")
    asked = chat.press("📞 この会社からまた電話があった")
    now = chat.press("🕒 たった今", on=asked)
    assert now.replies[0].text.startswith(
        "⚠️ 断った後の電話として記録しました（2027年1月6日(水) 14:00）"
    )
    assert engine.store.case_by_number(1, 1)["repeat_calls"] == 2
    # /cancel drops the question.
    chat.say("/case 1")
    chat.press("📞 この会社からまた電話があった")
    assert text_of(chat.say("/cancel")) == JA["again_cancelled"]
    assert engine.store.user(1)["pending"] is None
    chat.say("/case 1")
    closed = chat.press("📁 完了にする")
    assert engine.store.case_by_number(1, 1)["state"] == "closed"
    assert closed.replies[-1].options[0].label == "↩️ 再開する"
    chat.say("/case 1")
    chat.press("↩️ 再開する")
    assert engine.store.case_by_number(1, 1)["state"] == "following_up"
    chat.say("/case 1")
    asked = chat.press("🗑 このケースを削除")
    assert asked.replies[0].text == JA["case_delete_confirm"].format(number=1)
    assert text_of(chat.press("やめる", on=asked)) == JA["not_deleted"]
    assert engine.store.case_by_number(1, 1) is not None
    done = chat.press("🗑 削除する", on=asked)
    assert text_of(done) == "ケース #1 を削除しました。"
    assert engine.store.case_by_number(1, 1) is None
    for table in ("events", "reminders"):
        assert engine.store.db[table].count == 0
    assert engine.store.db["brokers"].count == 0  # no case names it any more
    stale = chat.press("🗑 削除する", on=asked)
    assert stale.notice == JA["case_not_found"].format(number=1)


def test_deleting_a_refusal_later_calls_came_after_says_so(engine: Engine) -> None:
    """The refused case is what a later call's report quotes ("I said never call again"):
    its confirmation names the cases that would lose it."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", phone="03-5555-0123")
    chat.walk("/call", "03-5555-0123")  # the same number again: linked to #1
    assert engine.store.case_by_number(1, 2)["repeat_of"] == 1
    chat.say("/case 1")
    asked = chat.press("🗑 このケースを削除")
    assert asked.replies[0].text == "\n".join(
        (
            JA["case_delete_repeats"].format(numbers="#2"),
            JA["case_delete_confirm"].format(number=1),
        )
    )
    chat.say("/case 2")
    plain = chat.press("🗑 このケースを削除")  # nothing came after #2's
    assert plain.replies[0].text == JA["case_delete_confirm"].format(number=2)


def test_case_numbers_are_per_user_and_users_are_isolated(engine: Engine) -> None:
    other = EngineChat(engine, user_id=2)
    record(engine, "Aの会社", broker="Aの業者", user_id=1)
    record(engine, "Aの会社2", user_id=1)
    record(engine, "Bの会社", user_id=2)
    assert engine.store.case_by_number(2, 1)["company"] == "Bの会社"
    assert text_of(other.say("/case 2")) == JA["case_not_found"].format(number=2)
    b_view = text_of(other.say("/case 1"))
    assert "Bの会社" in b_view and "Aの会社" not in b_view
    # User A's buttons for their case #2, sent by user B (forged: B never saw them), do
    # nothing for B.
    a = EngineChat(engine)
    listing, view = a.say("/cases"), a.say("/case 2")
    confirm = a.press("🗑 このケースを削除")  # asked, not yet deleted
    a_buttons = [(listing, "#2 を見る"), (confirm, "🗑 削除する")]
    a_buttons += [(view, label) for label in ("▶ 続ける", "✉️ 書面を作る", "📁 完了にする")]
    a_buttons += [(view, "📞 この会社からまた電話があった"), (view, "🗑 このケースを削除")]
    for shown, label in a_buttons:
        response = other.press(label, on=shown)
        assert response.notice == JA["case_not_found"].format(number=2), label
        assert response.replies == ()
    # A's reminder button pressed by B.
    a_reminders = a.say("/reminders")
    cancel = a_reminders.replies[0].options[0].label
    assert other.press(cancel, on=a_reminders).notice == JA["bad_button"]
    assert engine.store.case_by_number(1, 2) is not None
    assert "Aの" not in text_of(other.say("/find 会社"))
    assert "Aの業者" not in text_of(other.say("/brokers"))
    assert "Aの" not in json.dumps(json.loads(other.say("/export").replies[0].attachments[0].data))


@pytest.mark.parametrize("typed", ["090-1234-5678", "09012345678", "+81 90 1234 5678"])
def test_find_by_a_phone_number_written_any_way(engine: Engine, typed: str) -> None:
    chat = EngineChat(engine)
    record(engine, "みらい不動産", phone="+81-90-1234-5678")
    record(engine, "ほかの会社", phone="03-1111-2222")
    found = chat.say(f"/find {typed}")
    lines = found.replies[0].text.splitlines()
    assert lines[0] == f"「{typed}」の検索結果:"
    assert lines[1:] == ["#1 2026年11月27日(金) みらい不動産｜不明｜📁 記録済み"]
    assert [o.label for o in found.replies[0].options] == ["#1 を見る"]


@pytest.mark.parametrize(
    "typed",
    [
        "090-1234",
        "1234-5678",
        "０９０１２３４",
        "(090) 1234",
        "+81 90 1234",
        "+81 (0)90 1234",
        "090–1234",
    ],
)
def test_find_by_a_part_of_a_number_written_another_way(engine: Engine, typed: str) -> None:
    """Only the whole number, or the part as it was typed in the case, was found."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", phone="０９０−１２３４−５６７８")
    record(engine, "ほかの会社", phone="03-1111-2222")
    lines = text_of(chat.say(f"/find {typed}")).splitlines()
    assert lines[1:] == ["#1 2026年11月27日(金) みらい不動産｜不明｜📁 記録済み"], lines


@pytest.mark.parametrize("typed", ["ﾘｽﾄ", "りすと", "リスト"])
def test_find_by_a_brokers_name_folded_as_a_companys_is(engine: Engine, typed: str) -> None:
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="リスト社")
    record(engine, "ほかの会社", broker="名簿の森")
    assert [line[:2] for line in text_of(chat.say(f"/find {typed}")).splitlines()[1:]] == ["#1"]


def test_find_by_company_caller_or_broker(engine: Engine) -> None:
    chat = EngineChat(engine)
    record(engine, "株式会社みらい不動産", broker="名簿の森")
    record(engine, "100%リアルティ")
    assert "#1" in text_of(chat.say("/find ミライ不動産"))  # kana and legal form folded
    assert "#1" in text_of(chat.say("/find 名簿"))
    assert "#2" in text_of(chat.say("/find 100%"))
    assert "#1" not in text_of(chat.say("/find 100%"))  # % is literal, not a wildcard
    for wildcard in ("み%", "み%産"):
        assert text_of(chat.say(f"/find {wildcard}")) == JA["find_none"].format(text=wildcard)
    assert text_of(chat.say("/find 存在しない")) == JA["find_none"].format(text="存在しない")
    assert text_of(chat.say("/find")) == JA["find_usage"]


def test_brokers_with_counts_and_status(engine: Engine, clock) -> None:
    chat = EngineChat(engine)
    record(engine, "A社", broker="名簿の森")
    record(engine, "B社", broker="（株）名簿の森")
    chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"), "データ商会", "C社")
    chat.walk("skip", "skip", "skip", "skip", Press("✅ 保存する"), Press("🙅 断られた"))
    lines = chat.say("/brokers").replies[0].text.splitlines()
    assert lines[0] == "記録した名簿業者:"
    assert sorted(lines[1:]) == sorted(
        [
            "名簿の森｜2件｜応じた｜最終依頼: 2026年11月27日(金)",
            "データ商会｜1件｜拒否｜最終依頼: 2026年11月27日(金)",
        ]
    )


def test_stats_with_a_chart(engine: Engine, clock) -> None:
    chat = EngineChat(engine)
    assert chat.say("/stats").replies[0].attachments == ()
    chat.say("/call")
    chat.say("/cancel")  # tapped by mistake: nothing recorded, not a sales call
    assert chat.say("/stats").replies[0].attachments == ()
    clock.advance(minutes=3)
    chat.say("/call")
    chat.say("/after")  # left for /after at once: the /call case, kept, records no call
    chat.say("/cancel")
    assert chat.say("/stats").replies[0].attachments == ()
    record(engine, "A社", broker="名簿の森")
    clock.advance(days=35)
    record(engine, "A社")
    reply = chat.say("/stats").replies[0]
    assert reply.text.splitlines() == [
        "統計",
        "営業電話: 2件",
        "再勧誘: 1件",
        "名簿業者: 1社",
        "提供停止・消去に応じた: 1件",
    ]
    [chart] = reply.attachments
    assert (chart.kind, chart.filename) == ("photo", "calls.png")
    assert chart.data.startswith(b"\x89PNG\r\n\x1a\n")


def test_export_files_are_named_by_the_users_date_not_utcs(engine: Engine, clock) -> None:
    chat = EngineChat(engine)
    record(engine, "みらい不動産")
    clock.now = datetime(2026, 12, 4, 19, 50, tzinfo=UTC)  # 04:50 on 12-05 in Tokyo
    names = [a.filename for a in chat.say("/export").replies[0].attachments]
    assert names == [
        "kotowari-20261205.json",
        "kotowari-20261205-cases.csv",
        "kotowari-20261205-events.csv",
    ]
    chat.say("/settings tz Europe/London")  # 19:50 on 12-04 there
    names = [a.filename for a in chat.say("/export").replies[0].attachments]
    assert names[0] == "kotowari-20261204.json"


def test_export_then_forget_then_export_is_empty(engine: Engine, clock) -> None:
    chat = EngineChat(engine)
    record(engine, "みらい不動産", phone="090-1234-5678", broker="名簿の森")
    chat.say("/settings quiet 22-7")
    record(engine, "他人の会社", user_id=2)
    exported = chat.say("/export").replies[0]
    assert exported.text == JA["export_done"]
    data = json.loads(exported.attachments[0].data)
    assert data["users"][0]["quiet_hours"] == "22-7"
    assert [c["company"] for c in data["cases"]] == ["みらい不動産"]
    assert data["brokers"][0]["name"] == "名簿の森"
    assert {e["kind"] for e in data["events"]} >= {"opened", "step"}
    assert {e["detail"]["field"] for e in data["events"] if e["trigger"] == "answer"} == {
        "broker",
        "company",
        "phone",
    }
    assert len(data["reminders"]) == 2
    cases_csv = exported.attachments[1].data.decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(cases_csv)))
    # A value a spreadsheet would run as a formula starts with ' there; JSON keeps it as is.
    assert (row["company"], row["phone_e164"]) == ("みらい不動産", "'+819012345678")
    assert data["cases"][0]["phone_e164"] == "+819012345678"

    asked = chat.say("/forget")
    assert asked.replies[0].text == JA["forget_confirm"]
    assert text_of(chat.press("やめる", on=asked)) == JA["not_deleted"]
    assert engine.store.count_cases(1) == 1
    gone = chat.press("🗑 すべて削除する", on=asked)
    assert text_of(gone) == JA["forgotten"]
    for table in TABLES:
        column = "id" if table == "users" else "user_id"
        count = engine.store.db.execute(f"select count(*) from {table} where {column} = 1")
        assert count.fetchone()[0] == 0, table
    assert engine.store.count_cases(2) == 1, "the other user keeps everything"

    again = json.loads(chat.say("/export").replies[0].attachments[0].data)
    assert again["cases"] == again["events"] == again["brokers"] == again["reminders"] == []
    assert len(again["users"]) == 1, "writing /export created a fresh, empty user"


def test_a_forgotten_erasure_confirmation_erases_nothing(engine: Engine, clock) -> None:
    """/forget's 「すべて削除する」 left in the chat erased, days later, every case recorded
    since. It holds for 15 minutes; then it asks again (and so does a button without its
    minute, from before)."""
    chat = EngineChat(engine)
    asked = chat.say("/forget")
    clock.advance(minutes=16)
    record(engine, "みらい不動産", broker="名簿の森")
    late = chat.press("🗑 すべて削除する", on=asked)
    assert [r.text for r in late.replies] == [JA["forget_expired"], JA["forget_confirm"]]
    assert (late.erased, late.chosen) == (False, None)
    assert engine.store.count_cases(1) == 1, "nothing erased"
    for old in ("forget.yes", "g.forget.yes", "forget.yes-zzzzzz"):
        assert text_of(engine.handle(Inbound(1, choice=old))).startswith(JA["forget_expired"])
    assert engine.store.count_cases(1) == 1
    clock.advance(minutes=15, seconds=-1)  # the one asked again is still good
    assert text_of(chat.press("🗑 すべて削除する", on=late)) == JA["forgotten"]
    assert engine.store.count_cases(1) == 0


def files_hold(db_path: Path, text: str) -> list[str]:
    """Which of the database's files contain ``text`` (UTF-8), byte for byte."""
    needle = text.encode()
    paths = [db_path, Path(f"{db_path}-wal")]
    return [p.name for p in paths if p.exists() and needle in p.read_bytes()]


def test_a_broker_no_case_names_any_more_is_not_kept(engine: Engine, db_path) -> None:
    chat = EngineChat(engine)
    record(engine, "消す不動産", broker="消える名簿社")
    record(engine, "残る不動産", broker="残る名簿社")
    record(engine, "他人の会社", broker="消える名簿社", user_id=2)
    chat.say("/case 1")
    asked = chat.press("🗑 このケースを削除")
    chat.press("🗑 削除する", on=asked)
    assert "消える名簿社" not in text_of(chat.say("/brokers"))
    data = json.loads(chat.say("/export").replies[0].attachments[0].data)
    assert [b["name"] for b in data["brokers"]] == ["残る名簿社"]
    assert "名簿業者: 1社" in text_of(chat.say("/stats"))
    # The other user's broker of the same name is theirs, and stays.
    assert [b["name"] for b in engine.store.brokers(2)] == ["消える名簿社"]

    # A broker corrected before the case is saved: only the corrected name is kept.
    chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"), "山田太郎", "みらい不動産")
    chat.walk("skip", "skip", "skip", "skip")
    chat.walk(Press("✏️ 修正する"), Press("名簿業者"), "名簿の森", Press("✅ 保存する"))
    assert engine.store.case_by_number(1, 3)["broker_name"] == "名簿の森"
    assert sorted(b["name"] for b in engine.store.brokers(1)) == ["名簿の森", "残る名簿社"]


def test_erased_data_is_gone_from_the_files_not_only_the_tables(engine, db_path) -> None:
    chat = EngineChat(engine)
    record(engine, "消える不動産", phone="090-8765-4321", broker="消える名簿社")
    record(engine, "残る不動産", user_id=2)
    assert files_hold(db_path, "消える不動産"), "the check can see stored text"
    assert not chat.say("/case 1").notice
    chat.say("/forget")
    chat.press("🗑 すべて削除する")
    for text in ("消える不動産", "消える名簿社", "+819087654321", "090-8765-4321"):
        assert files_hold(db_path, text) == [], text
    assert files_hold(db_path, "残る不動産"), "the other user's data is still there"


def test_a_deleted_case_is_gone_from_the_files(engine, db_path) -> None:
    chat = EngineChat(engine)
    record(engine, "一件だけ消す不動産")
    record(engine, "残すほうの不動産")
    chat.say("/case 1")
    asked = chat.press("🗑 このケースを削除")
    assert text_of(chat.press("🗑 削除する", on=asked)) == "ケース #1 を削除しました。"
    assert files_hold(db_path, "一件だけ消す不動産") == []
    assert files_hold(db_path, "残すほうの不動産")


def test_a_letter_from_a_case_asks_the_sender_and_keeps_it_only_if_told(engine, clock) -> None:
    chat = EngineChat(engine)
    from pypdf import PdfReader

    record(engine, "株式会社みらい不動産", phone="090-1234-5678", broker="名簿の森")
    view = chat.say("/case 1")
    menu = chat.press("✉️ 書面を作る", on=view)
    assert menu.replies[0].text == "どの書面を作りますか？（ケース #1）"
    assert [o.label for o in menu.replies[0].options] == [
        "✉️ 名簿業者への請求書",
        "✉️ 電話してきた会社への請求書",
    ], "no re-solicitation report before a call after the refusal is on record"
    assert chat.press("✉️ 名簿業者への請求書", on=menu).notice is None
    # Its button, made up, is refused too.
    assert engine.handle(Inbound(1, choice="g.lk.1-r")).notice == JA["bad_button"]
    call_again(chat)
    chat.say("/case 1")
    menu = chat.press("✉️ 書面を作る")
    assert [o.label for o in menu.replies[0].options][-1] == "📝 再勧誘の申告書"
    asked = chat.press("✉️ 名簿業者への請求書", on=menu)
    assert text_of(asked) == "\n".join(
        (JA["letter_ask_recipient"].format(name="名簿の森"), JA["letter_find_broker"])
    )
    assert text_of(chat.say("東京都千代田区丸の内")) == JA["address_no_number"] + "\n" + text_of(
        asked
    )
    assert (
        text_of(chat.say("〒100-0005 東京都千代田区丸の内9-9-9 森ビル3階"))
        == (JA["letter_ask_name"])
    )
    assert text_of(chat.say("あ" * 61)).startswith("長すぎます（60文字まで）")
    assert text_of(chat.say("山田 花子")) == JA["letter_ask_address"]
    assert text_of(chat.say("〒150-0000 東京都渋谷区神南9-9-9")) == JA["letter_ask_phone"]
    keep = chat.say("09087654321")
    assert keep.replies[0].text == JA["letter_ask_keep_phone"], "the phone is kept too"
    done = chat.press("保存しない（この書面だけ）", on=keep)
    reply = done.replies[0]
    assert reply.text.startswith(
        "「個人データの第三者提供停止等請求書」を作りました（PDF とテキスト）。"
    )
    pdf, txt, naiyo = reply.attachments
    assert (pdf.filename, txt.filename, naiyo.filename) == (
        "kotowari-case1-broker-request.pdf",
        "kotowari-case1-broker-request.txt",
        "kotowari-case1-broker-request-naiyo-shomei.pdf",
    )
    body = txt.data.decode("utf-8")
    assert "\n〒100-0005 東京都千代田区丸の内9-9-9 森ビル3階\n名簿の森 御中\n" in body
    grid = "".join(
        "".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(naiyo.data)).pages
    )
    assert "受取人住所〒１００－０００５東京都千代田区丸の内９－９－９森ビル３階" in grid
    assert JA["letter_naiyo_address"] not in reply.text, "nothing to write in by hand"
    assert engine.store.case_by_number(1, 1)["broker_address"] == (
        "〒100-0005 東京都千代田区丸の内9-9-9 森ビル3階"
    )
    assert "山田 花子" in body and "090-8765-4321" in body
    assert "株式会社みらい不動産" in body and "第27条第2項" in body
    assert JA["step.demanding.say"][:5] not in body
    extracted = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "株式会社みらい不動産" in extracted.replace(" ", "").replace("\n", "")
    assert (
        done.replies[1].text
        == "⏰ 2026年12月18日(金) 10:00 にお知らせします（依頼への対応の確認）。"
    )
    user = engine.store.user(1)
    assert (user["sender_name"], user["sender_address"], user["pending"]) == (None, None, None)
    case = engine.store.case_by_number(1, 1)
    assert case["letter_at"] == clock.now.isoformat()
    assert "⏳ 書面の回答待ち" in chat.say("/cases").replies[0].text
    events = [e for e in engine.store.events(case["id"]) if e["kind"] == "letter"]
    assert json.loads(events[0]["detail"])["kind"] == "broker_request"
    # A stale button from the finished dialog changes nothing.
    assert chat.press("保存する", on=keep).notice == JA["letter_expired"]


def start_letter(chat: EngineChat, kind: str, to: str | None = None) -> Response:
    """Case 1's "write a letter" button, then the letter ``kind`` (its button label); the
    addressee's postal address, when asked, answered with ``to`` or skipped."""
    chat.say("/case 1")
    menu = chat.press("✉️ 書面を作る")
    asked = chat.press(kind, on=menu)
    if text_of(asked).startswith("宛先「"):
        return chat.say(to) if to else chat.press("⏭ スキップ", on=asked)
    return asked


def give_sender(chat: EngineChat, name: str) -> None:
    """The letter dialog's questions: the name, an address, no phone."""
    chat.walk(name, "東京都渋谷区1-1", "skip")


def test_a_kept_sender_is_offered_next_time_and_cancel_stops_a_letter(engine) -> None:
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    call_again(chat)
    start_letter(chat, "✉️ 電話してきた会社への請求書")
    give_sender(chat, "山田 花子")
    done = chat.say("はい")  # keep
    assert done.replies[0].attachments[0].filename.endswith("company-request.pdf")
    assert engine.store.user(1)["sender_name"] == "山田 花子"
    offer = start_letter(chat, "📝 再勧誘の申告書")
    assert offer.replies[0].text == "保存してある差出人: 山田 花子（東京都渋谷区1-1）"
    report = chat.press("この差出人で作る", on=offer)
    assert (
        "特定商取引に関する法律第17条" in report.replies[0].attachments[1].data.decode()
    )  # not property
    assert len(report.replies) == 1, "a report schedules no broker check"
    start_letter(chat, "📝 再勧誘の申告書")
    chat.press("別の氏名・住所を入力する")
    assert text_of(chat.say("/cancel")) == JA["letter_cancelled"]
    assert engine.store.user(1)["pending"] is None
    assert engine.store.case_by_number(1, 1)["state"] == "following_up", "the case is untouched"


def test_the_senders_questions_take_only_what_can_go_on_a_letter(engine) -> None:
    """ "戻る" was stored as the name and "中止" as the address; an address typed for the phone
    went into the letter as 「電話 東京都…」. Now: back, cancel, and each answer checked."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    asked = start_letter(chat, "✉️ 名簿業者への請求書")
    assert [o.label for o in asked.replies[-1].options] == ["✖️ 中止"]
    back = chat.say("戻る")
    assert text_of(back).startswith("宛先「名簿の森」の住所を"), "the address was asked first"
    assert [o.label for o in back.replies[-1].options] == ["⏭ スキップ", "✖️ 中止"]
    assert text_of(chat.say("戻る")).startswith(JA["letter_first_question"])
    chat.say("スキップ")
    assert text_of(chat.say("1")).startswith(JA["bad_sender_name"])
    chat.say("山田 花子")
    for bad in ("123", "中央区1-2-3", "山田"):
        assert text_of(chat.say(bad)).startswith(JA["bad_sender_address"]), bad
    assert "氏名" in text_of(chat.say("戻る"))  # back to the name: asked again
    chat.say("山田 花子")
    chat.say("〒150-0001 渋谷区神宮前1-2-3")  # a postcode is enough
    assert text_of(chat.say("東京都渋谷区神南9-9-9")).startswith(JA["bad_sender_phone"])
    chat.say("０９０－１２３４－５６７８")
    dialog = json.loads(engine.store.user(1)["pending"])
    assert (dialog["name"], dialog["address"], dialog["phone"]) == (
        "山田 花子",
        "〒150-0001 渋谷区神宮前1-2-3",
        "090-1234-5678",
    )
    assert text_of(chat.say("中止")) == JA["letter_cancelled"]
    assert engine.store.user(1)["pending"] is None and engine.store.user(1)["sender_name"] is None
    # The way out as a button, and English addresses by their prefecture.
    start_letter(chat, "✉️ 名簿業者への請求書")
    chat.say("Hanako Yamada")
    assert "電話番号" in text_of(chat.say("1-2-3 Jingumae, Shibuya-ku, Tokyo"))
    assert text_of(chat.press("✖️ 中止")) == JA["letter_cancelled"]


def test_an_address_without_a_block_number_is_taken_when_sent_again(engine) -> None:
    """〒606-8501 京都市左京区吉田本町 (a university's address: no number) was refused for
    good; an unfinished one (東京都千代田区永田町) must still be questioned."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    start_letter(chat, "✉️ 名簿業者への請求書")
    chat.say("山田 花子")
    asked = [r.text for r in chat.say("東京都千代田区永田町").replies]
    assert asked == [JA["address_no_number"], JA["letter_ask_address"]]
    asked = [r.text for r in chat.say("〒606-8501 京都市左京区吉田本町").replies]
    assert asked == [JA["address_no_number"], JA["letter_ask_address"]], "another"
    assert text_of(chat.say("〒606-8501 京都市左京区吉田本町")) == JA["letter_ask_phone"]
    assert json.loads(engine.store.user(1)["pending"])["address"] == (
        "〒606-8501 京都市左京区吉田本町"
    )
    # What names no place is refused however often it is sent.
    start_letter(chat, "✉️ 名簿業者への請求書")
    chat.say("山田 花子")
    for _ in range(2):
        assert text_of(chat.say("渋谷区神南")).startswith(JA["bad_sender_address"])


def test_a_kept_phone_is_asked_about_and_shown_before_it_is_used(engine) -> None:
    """The keep question named the name and address only, yet the phone was kept too, and
    the next letter printed it though the saved sender's line did not show it."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    start_letter(chat, "✉️ 名簿業者への請求書")
    asked = chat.walk("山田 花子", "東京都渋谷区1-1", "090-1234-5678")
    assert text_of(asked) == JA["letter_ask_keep_phone"]
    chat.say("はい")
    offer = start_letter(chat, "✉️ 名簿業者への請求書")
    assert text_of(offer) == "保存してある差出人: 山田 花子（東京都渋谷区1-1、電話 090-1234-5678）"


def test_a_word_meant_for_a_button_is_not_taken_as_the_sender(engine) -> None:
    """「スキップ」 or 「はい」 at the name went on the letter as its sender; the keep question
    refused its own buttons' labels typed ("保存する", "Keep them")."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    start_letter(chat, "✉️ 名簿業者への請求書")
    for word in ("スキップ", "はい", "なし", "わからない", "No"):
        assert text_of(chat.say(word)).startswith(JA["bad_sender_name"]), word
    chat.walk("山田 花子", "東京都渋谷区1-1")
    assert text_of(chat.say("skip")) == JA["letter_ask_keep"]
    # Part of both labels is not an answer; the question is asked again.
    assert text_of(chat.say("保存")).startswith(JA["pick_hint"])
    done = chat.say("保存する")
    assert done.replies[0].attachments[0].filename.endswith("broker-request.pdf")
    assert engine.store.user(1)["sender_name"] == "山田 花子"
    for typed, kept in (("Don't keep", None), ("2", None), ("Keep them", "山田 太郎")):
        engine.store.update_user(1, sender_name=None, sender_address=None)
        start_letter(chat, "✉️ 名簿業者への請求書")
        chat.walk("山田 太郎", "東京都渋谷区1-1", "skip")
        assert chat.say(typed).replies[0].attachments, typed
        assert engine.store.user(1)["sender_name"] == kept, typed


def test_back_at_the_name_goes_to_the_question_before_it(engine) -> None:
    """戻る at the name said "this is the first question" even when the saved sender's
    choice or, for a report, the head office's prefecture came before it."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    engine.store.db.execute("update cases set licence = '国土交通大臣(3)第1234号'")
    call_again(chat)
    asked = start_letter(chat, "📝 再勧誘の申告書")
    assert text_of(asked) == JA["letter_ask_office"]
    assert text_of(chat.say("戻る")).startswith(JA["letter_first_question"])
    assert text_of(chat.say("大阪")) == JA["letter_ask_name"]
    assert text_of(chat.say("戻る")) == JA["letter_ask_office"]
    chat.say("福岡")
    give_sender(chat, "山田 花子")
    report = chat.say("はい")  # kept
    assert "九州地方整備局長 殿" in report.replies[0].attachments[1].data.decode()
    # With a saved sender, the name comes after its choice: back shows the choice again.
    start_letter(chat, "✉️ 名簿業者への請求書")
    assert text_of(chat.press("別の氏名・住所を入力する")) == JA["letter_ask_name"]
    offer = chat.say("戻る")
    assert text_of(offer) == "保存してある差出人: 山田 花子（東京都渋谷区1-1）"
    done = chat.press("この差出人で作る", on=offer)
    assert done.replies[0].attachments[0].filename.endswith("broker-request.pdf")


def test_help_and_the_way_out_keep_to_the_letter_and_leave_the_case(engine) -> None:
    """/help mid-letter ended the dialog in silence, and the address typed next became the
    caller's name; at the saved sender's offer a typed 中止 cancelled the whole case."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    start_letter(chat, "✉️ 名簿業者への請求書")
    chat.say("山田 花子")
    helped = chat.say("/help")
    assert helped.replies[0].text.startswith("使い方")
    assert helped.replies[-1].text == JA["letter_ask_address"]
    chat.say("東京都渋谷区1-1")
    assert json.loads(engine.store.user(1)["pending"])["address"] == "東京都渋谷区1-1"
    moved_on = chat.say("/cases")
    assert moved_on.replies[0].text == JA["letter_cancelled"], "said, not silent"
    assert engine.store.user(1)["pending"] is None
    start_letter(chat, "✉️ 名簿業者への請求書")
    give_sender(chat, "山田 花子")
    chat.say("はい")  # kept
    offer = start_letter(chat, "✉️ 名簿業者への請求書")
    assert [o.label for o in offer.replies[-1].options][-1] == JA["opt.cancel"]
    back = text_of(chat.say("戻る"))
    assert back.startswith("宛先「名簿の森」の住所を"), "back to the addressee's address"
    back = text_of(chat.say("戻る"))
    assert back.startswith(JA["letter_first_question"]) and "宛先「名簿の森」" in back
    assert text_of(chat.say("中止")) == JA["letter_cancelled"]
    assert engine.store.case_by_number(1, 1)["state"] == "following_up", "the case goes on"
    assert engine.store.user(1)["pending"] is None


def test_a_letters_question_is_asked_again_when_its_answer_comes_again(engine) -> None:
    """A crash after the name was stored: the name, delivered again, changes nothing and the
    next question (the address) is asked again, not the case's step."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    start_letter(chat, "✉️ 名簿業者への請求書")
    chat.say("山田 花子", update_id=500)
    again = chat.say("山田 花子", update_id=500)
    assert text_of(again) == JA["letter_ask_address"]
    assert json.loads(engine.store.user(1)["pending"])["name"] == "山田 花子"


def test_a_refused_button_does_not_end_a_letter_dialog(engine) -> None:
    chat = EngineChat(engine)
    first = chat.say("/after")  # recorded as record() does; this first question kept
    chat.walk(Press("🙅 はい、断った"), Press("📝 言った"), "名簿の森", "みらい不動産")
    chat.walk("skip", "skip", "skip", "skip", Press("✅ 保存する"), Press("🙆 応じた"))
    start_letter(chat, "✉️ 名簿業者への請求書")
    stale = chat.press("🙅 はい、断った", on=first)  # the case's first button, long answered
    assert stale.notice == JA["stale_button"]
    assert text_of(chat.say("山田 花子")) == JA["letter_ask_address"], "the dialog goes on"


def test_closing_a_case_that_is_not_in_progress_just_says_so(engine) -> None:
    chat = EngineChat(engine)
    record(engine, "A社", broker="名簿の森")
    chat.say("/call")  # case #2 is now the one in progress
    chat.say("/case 1")
    closed = chat.press("📁 完了にする")
    assert [(r.text, r.options) for r in closed.replies] == [
        ("このケースのリマインダー（2件）も止めました。", ()),
        ("ケース #1 を完了にしました。", ()),
    ]
    chat.say("/case 1")
    reopened = chat.press("↩️ 再開する")
    assert [r.text for r in reopened.replies] == [
        "止めていたリマインダー（2件）も再開しました。",
        "ケース #1 を再開しました。",
    ]
    assert engine.store.user(1)["active_case_id"] == engine.store.case_by_number(1, 2)["id"]


def test_a_name_the_pdf_font_cannot_draw_is_pointed_out(engine) -> None:
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    start_letter(chat, "✉️ 名簿業者への請求書")
    give_sender(chat, "𠮷田 花子")
    done = chat.say("いいえ")
    text = done.replies[0].text
    assert "⚠️ PDF のフォントにない文字があり、PDF では抜けています: 𠮷" in text
    assert "𠮷田 花子" in done.replies[0].attachments[1].data.decode(), "the text version keeps it"


def test_a_deleted_cases_number_is_never_given_again(engine) -> None:
    chat = EngineChat(engine)
    record(engine, "A社")
    record(engine, "B社")
    chat.say("/case 2")
    asked = chat.press("🗑 このケースを削除")
    chat.press("🗑 削除する", on=asked)
    chat.say("/call")
    assert engine.store.case_by_number(1, 3) is not None, "the new case is #3, not #2 again"
    again = chat.press("🗑 削除する", on=asked)  # the old confirmation, pressed once more
    assert again.notice == JA["case_not_found"].format(number=2)
    assert engine.store.count_cases(1) == 2


def test_a_file_given_as_a_function_is_made_once_when_first_asked() -> None:
    made: list[str] = []

    def typeset() -> bytes:
        made.append("pdf")
        return b"%PDF-1.7"

    letter = Attachment("letter.pdf", typeset)
    assert not letter.ready and made == []  # nothing made until a channel asks
    assert letter.data == b"%PDF-1.7"
    assert letter.data == b"%PDF-1.7"
    assert made == ["pdf"] and letter.ready
    assert Attachment("export.json", b"{}").ready


def test_a_double_tap_starts_one_case_and_records_one_call(engine: Engine, clock) -> None:
    chat = EngineChat(engine)
    shown = chat.say("/start")
    first = chat.press("📞 電話中（/call）", on=shown)
    again = chat.press("📞 電話中（/call）", on=shown)
    assert engine.store.count_cases(1) == 1, "the second tap showed the same case"
    assert again.replies[-1].text == first.replies[-1].text
    # A start button of the other kind still starts one.
    chat.press("📝 電話のあと（/after）", on=shown)
    assert engine.store.count_cases(1) == 2
    # A typed /after moments later is the same case too; later, another one.
    assert text_of(chat.say("/after")).startswith(JA["case_just_opened"].format(number=2))
    assert engine.store.count_cases(1) == 2
    clock.advance(minutes=3)
    record(engine, "みらい不動産")
    clock.advance(minutes=1)  # a call after the refusal, not at its moment
    view = chat.say("/case 3")
    asked = chat.press("📞 この会社からまた電話があった", on=view)
    assert text_of(chat.press("🕒 たった今", on=asked))
    assert chat.press("📞 この会社からまた電話があった", on=view).notice == JA["stale_button"]
    assert chat.press("🕒 たった今", on=asked).notice == JA["stale_button"]
    row = engine.store.case_by_number(1, 3)
    assert row["repeat_calls"] == 1
    checks = engine.store.db.execute(
        "select count(*) from reminders where case_id = ? and kind = 'check_calls'", [row["id"]]
    ).fetchone()[0]
    assert checks == 1


def test_a_start_button_pressed_days_later_starts_a_new_case(engine: Engine, clock) -> None:
    chat = EngineChat(engine)
    shown = chat.say("/start")
    chat.press("📞 電話中（/call）", on=shown)  # then left at step 1
    clock.advance(days=3)
    chat.press("📞 電話中（/call）", on=shown)
    assert engine.store.count_cases(1) == 2, "not the old untouched case, dated 3 days ago"
    assert engine.store.case_by_number(1, 2)["opened_at"] == clock.now.isoformat()


def ask_again(chat: EngineChat, number: int = 1) -> Response:
    chat.say(f"/case {number}")
    return chat.press("📞 この会社からまた電話があった")


def test_the_when_question_survives_a_double_tap_and_stays_apart_from_letters(
    engine: Engine, clock: FakeClock
) -> None:
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    # Letters written first (the sender kept), one dropped: their buttons are still shown.
    start_letter(chat, "✉️ 名簿業者への請求書")
    chat.say("山田 花子")
    phone = chat.say("東京都渋谷区1-1")
    keep = chat.press("⏭ スキップ")
    chat.press("保存する")
    sender = start_letter(chat, "✉️ 電話してきた会社への請求書")
    chat.say("/cancel")
    old_buttons = [
        (sender, "この差出人で作る"),
        (sender, "別の氏名・住所を入力する"),
        (phone, "⏭ スキップ"),
        (keep, "保存する"),
    ]
    clock.advance(days=1)
    view = chat.say("/case 1")
    chat.press("📞 この会社からまた電話があった", on=view)
    chat.press("📞 この会社からまた電話があった", on=view)  # a double tap: still asked
    assert dialogs.load(engine.store.user(1)["pending"]) == CalledAgainDialog(1)
    # An old letter-dialog button is not part of this question.
    for shown, label in old_buttons:
        assert chat.press(label, on=shown).notice == JA["letter_expired"], label
    assert dialogs.load(engine.store.user(1)["pending"]) == CalledAgainDialog(1)
    # Not a time: said so, with the way out; a bare "2" is not 2 a.m., a date alone (read
    # as next year's for a reminder) no time still to come.
    for typed in ("わからない", "2", "9/1"):
        said = chat.say(typed)
        assert [r.text for r in said.replies] == [
            JA["again_bad_when"],
            JA["again_when"].format(number=1),
        ]
    # A time read but still to come: said so, not "could not read it".
    for typed in ("明日 9:00", "12/25 10:00"):
        said = chat.say(typed)
        assert [r.text for r in said.replies] == [
            JA["again_future"],
            JA["again_when"].format(number=1),
        ]
    assert engine.store.case_by_number(1, 1)["repeat_calls"] == 0
    chat.press("🕒 たった今")  # the question's one option
    assert engine.store.case_by_number(1, 1)["repeat_calls"] == 1


def test_a_photo_drops_the_when_question_and_a_redelivery_asks_it_again(engine) -> None:
    chat = EngineChat(engine)
    record(engine, "みらい不動産")
    ask_again(chat)
    helped = chat.say("/help")  # read mid-question: the question is asked again
    assert helped.replies[0].text.startswith("使い方")
    assert helped.replies[-1].text == JA["again_when"].format(number=1)
    assert engine.store.user(1)["pending"] is not None
    again = chat.say("/cases", update_id=77)  # another command drops it, and says so
    assert engine.store.user(1)["pending"] is None
    assert again.replies[0].text == JA["again_cancelled"]
    assert again.replies[1].text.startswith("これまでのケース")
    ask_again(chat)
    chat.photo()
    assert engine.store.user(1)["pending"] is None, "a photo is no answer"
    ask_again(chat)
    repeated = chat.say("/cases", update_id=77)  # delivered again
    assert [r.text for r in repeated.replies] == [JA["again_when"].format(number=1)]


def rows_of(engine: Engine) -> dict[str, list[dict]]:
    return {table: list(engine.store.db[table].rows) for table in ("cases", "events", "reminders")}


def test_a_button_from_before_forget_does_not_act_on_the_new_case_of_its_number(
    engine: Engine, clock: FakeClock
) -> None:
    """After /forget the numbers start at #1 again: every button of the old #1 left in the
    chat (its page, its letters, "called again", a lookup's answer) is refused, and the new
    #1 is left as it was."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産", phone="03-1234-5678", broker="名簿の森")
    view = chat.say("/case 1")
    letters = chat.press("✉️ 書面を作る", on=view)
    asked = chat.press("📞 この会社からまた電話があった", on=view)
    looked_up = chat.say("/who 03-1234-5678")
    old = [o for shown in (view, letters, looked_up) for r in shown.replies for o in r.options]
    assert {o.token.partition(".")[0] for o in old} >= {
        "case_continue", "letter", "called_again", "case_close", "case_delete",
        "letter_kind", "who_now", "who_earlier",
    }  # fmt: skip
    old = [o for o in old if not o.token.startswith("who_not.")]  # names no case: always fine
    chat.say("/forget")
    chat.press("🗑 すべて削除する")
    clock.advance(minutes=5)
    record(engine, "みらい不動産", phone="03-1234-5678", broker="名簿の森")  # #1 again
    before = rows_of(engine)
    for option in old:
        pressed = engine.handle(Inbound(1, choice=option.token))
        assert pressed.notice == JA["case_replaced"].format(number=1), option
        assert not pressed.replies, option
    assert rows_of(engine) == before
    # The old "just now" while the new #1 asks when they called: refused, still asked.
    chat.press("📞 この会社からまた電話があった", on=chat.say("/case 1"))
    pending = engine.store.user(1)["pending"]
    assert chat.press("🕒 たった今", on=asked).notice == JA["case_replaced"].format(number=1)
    assert engine.store.user(1)["pending"] == pending
    assert engine.store.case_by_number(1, 1)["repeat_calls"] == 0
    # A button from before marks (the number alone) still means the case of that number, but
    # a delete confirmation is only taken with the mark: the user asks again.
    assert engine.handle(Inbound(1, choice="case_delete_yes.1")).notice is not None
    assert engine.store.count_cases(1) == 1
    assert "#1" in text_of(engine.handle(Inbound(1, choice="case.1")))
    confirm = chat.press("🗑 このケースを削除", on=chat.say("/case 1"))
    assert text_of(chat.press("🗑 削除する", on=confirm)) == "ケース #1 を削除しました。"


def test_a_step_button_from_before_forget_is_refused_at_the_same_step(
    engine: Engine, clock: FakeClock
) -> None:
    """The new #1 at the step the old #1 was left at: same number, same step, same trigger."""
    chat = EngineChat(engine)
    old = chat.say("/call")
    chat.say("/forget")
    chat.press("🗑 すべて削除する")
    clock.advance(minutes=5)
    chat.say("/call")
    pressed = chat.press("🙅 断った", on=old)
    assert pressed.notice == JA["case_replaced"].format(number=1) and not pressed.replies
    assert engine.store.case_by_number(1, 1)["state"] == "refusing"
    assert chat.press("🙅 断った").notice is None  # the new step's own button
    assert engine.store.case_by_number(1, 1)["state"] == "asking_source"


def test_call_typed_after_a_lookups_case_asks_whether_it_is_another_call(
    engine: Engine, clock: FakeClock
) -> None:
    """/call typed at once after a lookup opened a case may be that call (typed again under
    pressure: a second case counted one call twice in a report) or the next one (the
    looked-up caller hung up): asked, with a button for the next. Later, it is the next."""
    chat = EngineChat(engine)
    chat.press("📞 電話中（番号入力済み）", on=chat.say("0312345678"))
    asked = chat.say("/call")
    assert asked.replies[0].text == JA["case_just_opened_caller"].format(
        number=1, who="03-1234-5678"
    )
    assert engine.store.count_cases(1) == 1
    assert "🙅 断った" in [o.label for o in asked.replies[-1].options], "the step, shown again"
    chat.press(JA["opt.another_call"], on=asked)
    assert engine.store.count_cases(1) == 2
    assert engine.store.case_by_number(1, 2)["phone_e164"] is None
    assert chat.press(JA["opt.another_call"], on=asked).notice is None  # pressed twice
    assert engine.store.count_cases(1) == 2, "a double tap starts no third case"
    # The same, through 🔎 at the first step, then a /call over two minutes later.
    chat.say("/cancel")
    chat.say("/call")
    chat.press("🔎 番号を調べる")
    chat.say("03-5555-0123")
    clock.advance(minutes=3)
    chat.say("/call")
    assert engine.store.count_cases(1) == 4


def test_a_delete_confirmation_of_the_earlier_spelling_is_still_taken(engine: Engine) -> None:
    """Sent before marks were in every case button: "<number>-<mark>"."""
    record(engine, "会社")
    chat = EngineChat(engine)
    confirm = chat.press("🗑 このケースを削除", on=chat.say("/case 1"))
    token = next(o.token for o in confirm.replies[0].options if o.label == "🗑 削除する")
    earlier = token.replace("case_delete_yes.1m", "case_delete_yes.1-")
    assert earlier != token
    engine.handle(Inbound(1, choice=earlier))
    assert engine.store.count_cases(1) == 0


def test_find_reads_its_words_as_typed(engine: Engine) -> None:
    """Only the command's name is read after NFKC: a broker stored in half-width kana is
    found by the same half-width words."""
    record(engine, "会社", broker="ﾒｲﾎﾞﾉﾓﾘ")
    assert "#1" in text_of(EngineChat(engine).say("／find ﾒｲﾎﾞ"))


def test_a_corrected_or_cleared_value_is_not_kept_in_the_timeline_or_export(
    engine: Engine,
) -> None:
    """Every answer was kept word for word in its event: a person's name typed as the
    broker's and corrected stayed in /case's timeline and the export for good."""
    chat = EngineChat(engine)
    chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"), "山田太郎", "みらい不動産")
    chat.walk("佐藤", "skip", "skip", "skip")
    chat.walk(Press("✏️ 修正する"), Press("名簿業者"), "名簿の森")
    chat.walk(Press("✏️ 修正する"), Press("担当者"), "消す", Press("✅ 保存する"))
    case = engine.store.case_by_number(1, 1)
    assert (case["broker_name"], case["person"]) == ("名簿の森", None)
    page = text_of(chat.say("/case 1"))
    assert "山田太郎" not in page and "佐藤" not in page
    assert "記録 名簿業者: （のちに訂正）" in page and "記録 名簿業者: 名簿の森" in page
    assert "記録 担当者: （のちに訂正）" in page and "記録 担当者: （消去）" in page
    data = json.loads(chat.say("/export").replies[0].attachments[0].data)
    kept = json.dumps(data["events"], ensure_ascii=False)
    assert "山田太郎" not in kept and "佐藤" not in kept and "名簿の森" in kept


@pytest.mark.parametrize("word", ["none", "None.", "N/A", "not known"])
def test_a_word_for_nothing_known_is_a_skip_in_english_too(engine: Engine, word: str) -> None:
    """「なし」 and 「わからない」 skipped a name's step, but "none" was stored as the broker's
    name: step ④ said to call the list broker “none”, and a letter went to 「none 御中」."""
    chat = EngineChat(engine, lang="en")
    chat.walk("/after", Press("🙅 Yes, I refused"), "1", word)
    row = engine.store.case_by_number(1, 1)
    assert (row["state"], row["broker_name"]) == ("recording_company", None)
    assert engine.store.brokers(1) == []


@pytest.mark.parametrize(
    ("lang", "word"),
    [
        ("ja", "わかりません"),
        ("ja", "知らない"),
        ("ja", "覚えていません"),
        ("ja", "知らないです"),
        ("en", "I don't know."),
        ("en", "dunno"),
    ],
)
def test_a_dont_know_typed_for_a_field_is_a_skip_not_its_value(
    engine: Engine, lang: str, word: str
) -> None:
    """「わかりません」 at the company's step was stored as its name, and a letter then
    stated a call from 「わかりません」."""
    t = CATALOGS[lang]
    chat = EngineChat(engine, lang=lang)
    chat.walk("/after", Press(t["opt.yes_refused"]), Press(t["opt.after_source.dodged"]))
    assert engine.store.case_by_number(1, 1)["state"] == "recording_company"
    chat.walk(word, word)  # the company, then the caller's name
    row = engine.store.case_by_number(1, 1)
    assert (row["state"], row["company"], row["person"]) == ("recording_phone", None, None)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_cancel_typed_at_a_confirmation_does_not_cancel_the_hidden_case(
    engine: Engine, lang: str
) -> None:
    """/cancel sent at the /forget question (or a case's page) cancelled the case in
    progress behind it, for good: a cancelled case offers only 🗑 (found in review)."""
    t = CATALOGS[lang]
    chat = EngineChat(engine, lang=lang)
    chat.walk("/call", "03-5555-0123")
    chat.say("/forget")
    said = chat.say("/cancel")
    assert text_of(said).startswith(t["cancel_which"].format(number=1))
    assert t["step.refusing.text"] in text_of(said), "the case's step shown"
    assert engine.store.case_by_number(1, 1)["state"] == "refusing"
    chat.say("/cancel")  # its step on screen: now meant for the case
    assert engine.store.case_by_number(1, 1)["state"] == "cancelled"


def test_a_second_call_again_replaces_the_check_it_answers(engine: Engine, clock) -> None:
    """Each call after the refusal set a check a month on, and the earlier one stayed: two
    identical "did the calls stop?" checks came (found in review)."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産")
    call_again(chat)
    clock.advance(days=3)
    call_again(chat)
    rows = engine.store.db.execute(
        "select status, due_at from reminders where kind = 'check_calls' order by id"
    ).fetchall()
    assert [status for status, _ in rows] == ["done", "pending"]
    assert rows[1][1] > rows[0][1], "the one waiting is the later"


def test_a_pressed_product_reads_in_the_language_the_case_is_read_in(engine: Engine) -> None:
    """📦 その他 pressed, then /language en: the case showed "Product: その他" (review)."""
    chat = EngineChat(engine)
    chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"), "リスト社", "みらい不動産")
    chat.walk("skip", "skip", Press("📦 その他"))
    assert engine.store.case_by_number(1, 1)["product"] == "その他", "stored as pressed"
    chat.say("/language en")
    page = text_of(chat.say("/case 1"))
    assert "Product: something else" in page and "その他" not in page


def test_the_timeline_says_when_a_call_after_the_refusal_came(engine: Engine, clock) -> None:
    """The timeline stamped a call after the refusal with the moment it was typed in, and
    said no more: read as a timeline, the call seemed to come then (review)."""
    chat = EngineChat(engine)
    record(engine, "みらい不動産")
    clock.advance(days=3)
    asked = chat.press("📞 この会社からまた電話があった", on=chat.say("/case 1"))
    assert JA["again_when"].format(number=1) in text_of(asked)
    chat.say("昨日 10:00")
    timeline = text_of(chat.say("/case 1")).split(JA["case.timeline"])[1]
    typed_at = "2026年11月30日(月) 14:00"  # the clock: 3 days after 11/27 14:00
    assert f"{typed_at}  断った後の電話（2026年11月29日(日) 10:00）を記録" in timeline


def test_a_broker_not_asked_yet_is_dated_by_when_it_was_named(engine: Engine) -> None:
    """/brokers said 「最終: …」 for a broker marked 未依頼 too: last what? (review)"""
    chat = EngineChat(engine)
    chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"), "名簿の森", "A社")
    chat.walk("skip", "skip", "skip", "skip", Press("✅ 保存する"))
    [line] = chat.say("/brokers").replies[0].text.splitlines()[1:]
    assert line.startswith("名簿の森｜1件｜") and line.endswith("｜最終記録: 2026年11月27日(金)")


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_reopening_a_closed_case_brings_back_the_reminders_its_closing_stopped(
    engine: Engine, clock: FakeClock, lang: str
) -> None:
    """Closing (one tap, no question) ended the case's checks for good: reopening it left
    「予定しているリマインダーはありません」, and did not say so."""
    t = CATALOGS[lang]
    chat = EngineChat(engine, lang=lang)
    chat.walk("/after", Press(t["opt.yes_refused"]), Press(t["opt.after_source.named"]), "A社")
    chat.walk(*["skip"] * 5, Press(t["opt.confirm"]), Press(t["opt.agreed"]))
    store = engine.store
    waiting = [(r["kind"], r["due_at"]) for r in store.waiting_reminders(1)]
    assert len(waiting) == 2, waiting
    chat.say("/after")  # another case in progress: this one closed from its page
    closed = chat.press(t["opt.case_close"], on=chat.say("/case 1"))
    said = [reply.text for reply in closed.replies]
    assert said == [
        t["reminders_stopped"].format(count=2),
        t["case_closed_now"].format(number=1),
    ]
    assert store.waiting_reminders(1) == []
    clock.advance(days=20)  # the first check fell due while it was closed
    reopened = chat.press(t["opt.case_reopen"], on=chat.say("/case 1"))
    note = t["reminders_resumed"].format(count=2) + t["reminders_resumed_late"].format(count=1)
    assert reopened.replies[0].text == note
    assert [(r["kind"], r["due_at"]) for r in store.waiting_reminders(1)] == waiting


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_kept_sender_is_removed_from_settings(engine: Engine, lang: str) -> None:
    """A sender kept for the next letter could only be removed with /forget (everything)."""
    t = CATALOGS[lang]
    chat = EngineChat(engine)
    record(engine, "みらい不動産", broker="名簿の森")
    start_letter(chat, "✉️ 名簿業者への請求書")
    give_sender(chat, "山田 花子")
    chat.say("はい")  # keep
    if lang == "en":
        chat.say("/language en")
    shown = chat.say("/settings")
    assert t["settings_sender"].format(name="山田 花子") in text_of(shown)
    cleared = chat.press(t["opt.sender_clear"], on=shown)
    assert text_of(cleared).startswith(t["sender_cleared"])
    user = engine.store.user(1) or {}
    assert (user["sender_name"], user["sender_address"], user["sender_phone"]) == (None,) * 3
    assert t["opt.sender_clear"] not in text_of(cleared), "nothing left to remove"
    assert chat.press(t["opt.sender_clear"], on=shown).notice == t["stale_button"]
    assert engine.store.case_by_number(1, 1) is not None, "the cases stay"


def test_a_saved_case_with_nothing_asked_is_said_to_be_recorded_not_followed_up(
    engine: Engine,
) -> None:
    """Saved with no broker to call, its step said 「経過確認中です」 while /cases said
    📁 記録済み, with nothing scheduled."""
    chat = EngineChat(engine)
    saved = chat.walk("/after", Press("🙅 はい、断った"), Press("🤐 言わなかった・聞けなかった"))
    saved = chat.walk("みらい不動産", "skip", "skip", "skip", "skip", Press("✅ 保存する"))
    assert JA["step.following_up.recorded"].format(number=1) in text_of(saved)
    assert "📁 記録済み" in text_of(chat.say("/cases"))


def test_a_check_replaced_while_its_case_was_closed_does_not_come_back_beside_the_new(
    engine: Engine, clock: FakeClock
) -> None:
    """Closed, then 📞 また電話があった on its page: reopening brought back the paused
    check beside the one the call set, two checks where one waits."""
    chat = EngineChat(engine)
    chat.walk("/after", Press("🙅 はい、断った"), Press("📝 言った"), "A社", "B社")
    chat.walk(*["skip"] * 4, Press("✅ 保存する"), Press("🙆 応じた"))
    chat.press("📁 完了にする", on=chat.say("/case 1"))
    clock.advance(days=1)
    call_again(chat)
    assert engine.store.waiting_reminders(1) == [], "the new check rests with the case"
    chat.press("↩️ 再開する", on=chat.say("/case 1"))
    kinds = sorted(r["kind"] for r in engine.store.waiting_reminders(1))
    assert kinds.count("check_calls") == 1, kinds


def test_find_says_when_it_shows_only_the_newest_matches(engine: Engine) -> None:
    """With more matches than it lists, /find showed ten, with no word of the rest."""
    chat = EngineChat(engine)
    for n in range(11):
        record(engine, f"みらい不動産{n}")
    lines = text_of(chat.say("/find みらい")).splitlines()
    assert len(lines) == 1 + 10 + 1 and lines[-1] == JA["find_more"].format(count=10), lines
    assert lines[1].startswith("#11 ")
    record(engine, "ほかの会社")
    assert JA["find_more"].format(count=10) not in text_of(chat.say("/find ほか"))
