"""What the coach says and writes stands up before a Japanese lawyer or official.

One test (or a few) per finding of the review behind issue 12, each failing on the code as it
was before the fix. The letters and advice are checked as a user gets them: through the
engine (the shell's channel), in Japanese and in English, for every step-4 outcome and every
letter kind. Facts and hedges follow shared/domain/legal-ja.md.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from flows import letters
from flows.engine import Engine
from flows.letters import naiyo
from flows.letters.pdf import NO_LINE_END, NO_LINE_START
from flows.port import Inbound, Reply, Response
from flows.texts import DISCLAIMER_EN, DISCLAIMER_JA, EN, JA, Texts
from tests.conftest import Conversation, FakeClock
from tests.test_letters import full_case as letters_case
from tests.transcript import EngineChat, Press, Step

TZ = ZoneInfo("Asia/Tokyo")
TODAY = date(2026, 11, 28)
SENDER = letters.Sender("山田 花子", "〒150-0000 東京都渋谷区神南9丁目9番9号", "090-1234-5678")

# /call to step 4 with a broker, a company, a number and the property answer; the call's
# time is "now" (the case was opened during the call).
CALL_TO_STEP_4 = (
    "/call",
    Press("🙅 断った"),  # the refusal line, 「…今後、二度と電話しないでください。」, was read
    Press("📝 入手先を言った"),
    "日本名簿センター株式会社",
    "株式会社グランレジデンス東都",
    "佐々木",
    "03-5555-0123",
    Press("🏢 投資用マンション・不動産"),
    "skip",
    Press("🕒 いま（この電話）"),
    Press("✅ 保存する"),
)
# /after, "yes, I refused", the same details, a typed time.
AFTER_TO_STEP_4 = (
    "/after",
    Press("🙅 はい、断った"),  # only that they refused
    Press("📝 言った"),
    "日本名簿センター株式会社",
    "株式会社グランレジデンス東都",
    "skip",
    "03-5555-0123",
    Press("🏢 投資用マンション・不動産"),
    "skip",
    "11/27 13:00",
    Press("✅ 保存する"),
)
# The call ended at step 1; the broker typed afterwards: the caller never named it.
ENDED_TO_STEP_4 = (
    "/call",
    Press("🙅 断った"),
    Press("📴 電話が切れた"),
    "日本名簿センター株式会社",
    "株式会社グランレジデンス東都",
    "skip",
    "skip",
    "skip",
    Press("🕒 いま（この電話）"),
    Press("✅ 保存する"),
)
# At step 4, the broker's answer on the phone.
AGREED = Press("🙆 応じた")


def in_english(steps: Sequence[Step]) -> tuple[Step, ...]:
    """The same steps for a user who reads English: each option by its English label."""
    key_of = {label: key for key, label in JA.items() if key.startswith("opt.")}
    return tuple(Press(EN[key_of[s.label]]) if isinstance(s, Press) else s for s in steps)


def walk(engine: Engine, steps: Sequence[Step], user_id: int = 1) -> Response:
    """The steps through the transcript helper; the last answer."""
    answer = EngineChat(engine, user_id).walk(*steps)
    assert isinstance(answer, Response)
    return answer


def text_of(response: Response) -> str:
    return "\n".join(
        "\n".join(
            part
            for part in (
                r.text,
                r.say,
                getattr(r, "reading", None),
                getattr(r, "gloss", None),
                r.note,
            )
            if part
        )
        for r in response.replies
    )


def press(engine: Engine, response: Response, label: str, user_id: int = 1) -> Response:
    """The option with this label on ``response`` (a button left on an earlier answer)."""
    return EngineChat(engine, user_id).press(label, on=response)


def make_letter(engine: Engine, number: int, label: str, catalog: dict[str, str] = JA) -> Reply:
    """/case N → ✉️ → the letter → a new sender, no phone, not kept: the delivering reply."""
    view = engine.handle(Inbound(1, text=f"/case {number}"))
    menu = press(engine, view, catalog["opt.case_letter"])
    asked = press(engine, menu, label)
    if catalog.get("letter_ask_office", "\0") in text_of(asked):
        asked = engine.handle(Inbound(1, text="skip"))
    if asking_recipient(asked, catalog):
        asked = engine.handle(Inbound(1, text="skip"))
    if catalog["opt.sender_new"] in [o.label for r in asked.replies for o in r.options]:
        press(engine, asked, catalog["opt.sender_new"])
    for line in ("山田 花子", "東京都渋谷区神南9-9-9", "skip"):
        engine.handle(Inbound(1, text=line))
    done = engine.handle(Inbound(1, text="no"))
    return done.replies[0]


def asking_recipient(response: Any, catalog: dict[str, str] = JA) -> bool:
    """Whether ``response`` asks the postal address of the letter's addressee."""
    return catalog["letter_ask_recipient"].split("{name}")[0] in text_of(response)


def attachment(reply: Reply, suffix: str) -> bytes:
    [found] = [a for a in reply.attachments if a.filename.endswith(suffix)]
    return found.data


def letter_text(reply: Reply) -> str:
    return attachment(reply, ".txt").decode("utf-8")


def deliver(engine: Engine, clock: FakeClock, days: int) -> list[Any]:
    """Move the clock on and send what is due, as the bot's dispatcher does."""
    clock.advance(days=days)
    deliveries = engine.due_deliveries(50)
    for delivery in deliveries:
        engine.reminder_sent(delivery.reminder_id)
    return deliveries


def due_reminder_texts(engine: Engine, clock: FakeClock, days: int) -> list[str]:
    return [d.reply.text for d in deliver(engine, clock, days)]


def full_case(**changes: Any) -> dict[str, Any]:
    """test_letters' full case, recorded during the call (so "never call again" was said)."""
    return letters_case(**{"mode": "call", "repeat_calls": 1, **changes})


REPEAT = [{"kind": "repeat_call", "at": "2026-11-27T10:05:00+00:00"}]
# Every letter kind, with each kind of licensing authority for the report.
LETTER_KINDS = {
    "broker": lambda: letters.broker_request(full_case(), [], SENDER, TODAY, TZ),
    "company": lambda: letters.company_request(full_case(), [], SENDER, TODAY, TZ),
    # A long address: the 内容証明 grid wraps it under itself.
    "broker_addressed": lambda: letters.broker_request(
        full_case(broker_address="〒100-0005 東京都千代田区丸の内九丁目九番九号 " + "名簿" * 30),
        [],
        SENDER,
        TODAY,
        TZ,
    ),
    "report_governor": lambda: letters.resolicitation_report(
        full_case(), REPEAT, SENDER, TODAY, TZ
    ),
    "report_minister": lambda: letters.resolicitation_report(
        full_case(licence="国土交通大臣(3)第1234号"), REPEAT, SENDER, TODAY, TZ, "福岡県"
    ),
    "report_no_licence": lambda: letters.resolicitation_report(
        full_case(licence=None), REPEAT, SENDER, TODAY, TZ
    ),
    "report_other_product": lambda: letters.resolicitation_report(
        full_case(product="健康食品", product_kind="other", licence=None),
        REPEAT,
        SENDER,
        TODAY,
        TZ,
    ),
}


# -- 1. the disclaimer belongs to the user, not to the letter -------------------------------
def test_1_no_disclaimer_inside_a_letter_it_comes_with_the_delivery(engine: Engine) -> None:
    walk(engine, (*CALL_TO_STEP_4, AGREED))
    reply = make_letter(engine, 1, JA["opt.letter_broker_request"])
    assert DISCLAIMER_JA not in letter_text(reply)
    pdf = PdfReader(io.BytesIO(attachment(reply, "request.pdf")))
    assert "法的助言" not in "".join(page.extract_text() for page in pdf.pages)
    assert DISCLAIMER_JA in reply.text
    for make in LETTER_KINDS.values():
        letter = make()
        assert "法的助言" not in letter.body + "".join(letter.notes)
    assert DISCLAIMER_JA in JA["help"] and DISCLAIMER_EN in EN["help"]


# -- 2. what each postal service proves ----------------------------------------------------
def test_2_postal_advice_names_what_each_service_proves(engine: Engine) -> None:
    walk(engine, (*CALL_TO_STEP_4, AGREED))
    reply = make_letter(engine, 1, JA["opt.letter_broker_request"])
    advice = reply.text
    assert "届いた日が分かる" not in advice  # neither 特定記録 nor 内容証明 alone shows that
    assert "配達証明" in advice and "3通" in advice and "同封しません" in advice
    assert "内容証明は送った内容と差し出した日を、配達証明は届いた日を証明します" in advice
    assert "郵便受けに届いたことが記録されます" in advice  # 特定記録: the mailbox, not content
    for kind in ("report_governor", "report_minister", "report_no_licence"):
        notes = "".join(LETTER_KINDS[kind]().notes)
        assert "内容証明郵便で送るものではありません" in notes
        assert "内容証明郵便など" not in notes


# -- 3. APPI Art. 35 is not the ground for "stop soliciting" -------------------------------
def test_3_the_company_letter_asks_art_35_for_use_and_erasure_only() -> None:
    body = letters.company_request(full_case(), [], SENDER, TODAY, TZ).body
    assert "勧誘の中止（個人情報保護法第35条）" not in body
    assert "2. 利用停止および消去（個人情報保護法第35条）" in body
    assert "権利又は正当な利益が害されるおそれ" in body  # the ground, as in the broker letter
    stop = body[body.index("3. 勧誘の中止") : body.index("4. 回答")]
    assert "宅地建物取引業法第47条の2第3項" in stop and "個人情報保護法" not in stop


# -- 4. a letter states only what the user recorded -----------------------------------------
def test_4_never_call_again_is_stated_only_when_it_was_said(engine: Engine, clock) -> None:
    walk(engine, (*AFTER_TO_STEP_4, AGREED))
    after = letter_text(make_letter(engine, 1, JA["opt.letter_company_request"]))
    assert "今後電話をしないよう求めました" not in after
    assert "勧誘を明確にお断りしました。" in after
    walk(engine, (*CALL_TO_STEP_4, AGREED))
    during = letter_text(make_letter(engine, 2, JA["opt.letter_company_request"]))
    assert "勧誘を明確にお断りし、今後電話をしないよう求めました。" in during


# -- 5. reminders name the addressee and fit where the case stands --------------------------
def test_5_a_letters_check_names_its_addressee_and_the_next_move(engine: Engine, clock) -> None:
    walk(engine, (*CALL_TO_STEP_4, AGREED))  # the broker agreed on the phone
    make_letter(engine, 1, JA["opt.letter_company_request"])
    make_letter(engine, 1, JA["opt.letter_broker_request"])
    texts = due_reminder_texts(engine, clock, 22)
    company = [t for t in texts if "電話してきた会社「株式会社グランレジデンス東都」" in t]
    broker = [t for t in texts if "名簿業者「日本名簿センター株式会社」" in t]
    assert len(company) == 1 and len(broker) == 1, texts  # two reminders, each its addressee
    assert company != broker
    for text in company + broker:
        assert "書面を作ってから22日" in text and "届いてから2週間" in text  # sent a day late
        assert "書面で改めて求めましょう" not in text  # it was already written


def test_5_a_broker_that_refused_on_the_phone_is_not_asked_did_they_do_it(engine, clock) -> None:
    walk(engine, CALL_TO_STEP_4)
    said = engine.handle(Inbound(1, text=JA["opt.declined"]))
    assert JA["opt.letter_broker_request"] in [o.label for r in said.replies for o in r.options]
    texts = due_reminder_texts(engine, clock, 15)
    assert texts, "a reminder to write follows a refusal"
    assert not any("対応されましたか" in t or "応じたか" in t for t in texts)
    assert any("電話では応じませんでした" in t and "書面で請求しましょう" in t for t in texts)


def test_5_a_second_letter_to_the_same_addressee_replaces_the_first_check(engine, clock) -> None:
    walk(engine, (*CALL_TO_STEP_4, AGREED))
    make_letter(engine, 1, JA["opt.letter_broker_request"])
    make_letter(engine, 1, JA["opt.letter_broker_request"])
    texts = [t for t in due_reminder_texts(engine, clock, 22) if "書面を作ってから" in t]
    assert len(texts) == 1


# -- 6. "they refused" and "they have no record" are different outcomes ----------------------
def test_6_no_record_is_its_own_outcome_with_its_own_advice(engine: Engine, clock) -> None:
    shown = walk(engine, CALL_TO_STEP_4)
    labels = [o.label for r in shown.replies for o in r.options]
    assert JA["opt.declined"] in labels and JA["opt.no_record"] in labels
    assert "拒否・記録なし" not in "".join(labels)
    said = engine.handle(Inbound(1, text=JA["opt.no_record"]))
    advice = text_of(said)
    assert "30条" in advice and "33条" in advice  # ask the caller for its source record
    assert "27条1項に反するおそれ" in advice and "35条3項" in advice  # hedged, as legal-ja says
    assert JA["opt.letter_company_request"] in [o.label for r in said.replies for o in r.options]
    assert engine.store.case_by_number(1, 1)["outcome"] == "no_record"
    texts = due_reminder_texts(engine, clock, 4)
    assert any("記録がない" in t and "電話してきた会社" in t for t in texts)


# -- 7. source unknown: the company letter is exactly for this ------------------------------
def test_7_source_unknown_offers_the_company_letter(engine: Engine) -> None:
    lines = (
        "/call",
        Press("🙅 断った"),
        Press("🤐 答えない・はぐらかす"),
        Press("🤐 やはり答えない"),
        "株式会社グランレジデンス東都",
        "skip",
        "skip",
        Press("📦 その他"),
        Press("🕒 いま（この電話）"),
        Press("✅ 保存する"),
    )
    said = walk(engine, lines)
    advice = text_of(said)
    assert "業者への依頼はできません" not in advice
    assert "30条" in advice and "33条" in advice
    assert JA["opt.letter_company_request"] in [o.label for r in said.replies for o in r.options]


# -- 8. disclosure of provision records is Art. 33 (Art. 29 is the duty to keep them) --------
def test_8_step_4_cites_art_33_for_the_disclosure(engine: Engine) -> None:
    note = text_of(walk(engine, CALL_TO_STEP_4))
    assert "提供記録（29条）の開示" not in note
    assert "開示も求められます（33条）" in note
    assert "(Art. 29)" not in EN["step.demanding.note"] and "(Art. 33)" in EN["step.demanding.note"]


# -- 9. the report is addressed to an office that exists ------------------------------------
def test_9_a_minister_licence_report_goes_to_the_bureau_of_the_head_office(engine, clock) -> None:
    walk(engine, (*CALL_TO_STEP_4, AGREED))
    engine.store.db.execute("update cases set licence = '国土交通大臣(3)第1234号'")
    clock.advance(minutes=1)  # a call after the refusal, not at its moment
    view = engine.handle(Inbound(1, text="/case 1"))
    press(engine, press(engine, view, JA["opt.case_again"]), JA["opt.again_now"])
    view = engine.handle(Inbound(1, text="/case 1"))
    menu = press(engine, view, JA["opt.case_letter"])
    asked = press(engine, menu, JA["opt.letter_resolicitation_report"])
    assert text_of(asked) == JA["letter_ask_office"]
    assert text_of(engine.handle(Inbound(1, text="ワシントン"))).startswith(JA["bad_office"])
    engine.handle(Inbound(1, text="大阪"))
    for line in ("山田 花子", "東京都渋谷区神南9-9-9", "skip"):
        engine.handle(Inbound(1, text=line))
    reply = engine.handle(Inbound(1, text="いいえ")).replies[0]
    body = letter_text(reply)
    assert "近畿地方整備局長 殿" in body
    assert "国土交通省 地方整備局" not in body
    assert not any(a.filename.endswith("naiyo-shomei.pdf") for a in reply.attachments)


def test_9_no_report_goes_to_an_office_that_does_not_exist() -> None:
    for kind in ("report_governor", "report_minister", "report_no_licence"):
        letter = LETTER_KINDS[kind]()
        assert "国土交通省 地方整備局 御中" not in letter.body
        assert "免許行政庁 御中" not in letter.body
    assert LETTER_KINDS["report_minister"]().recipient == "九州地方整備局長 殿"
    assert LETTER_KINDS["report_governor"]().recipient == "東京都知事 殿"
    blank = LETTER_KINDS["report_no_licence"]()
    assert blank.recipient.startswith("＿＿＿")
    assert "・関東地方整備局：" in "\n".join(blank.notes)  # the table, to fill it in
    skipped = letters.resolicitation_report(
        full_case(licence="国土交通大臣(3)第1234号"), REPEAT, SENDER, TODAY, TZ
    )
    assert skipped.recipient.startswith("＿＿＿") and "・沖縄総合事務局：沖縄" in skipped.notes


# -- 10. "something else" does not establish that 特商法 applies ------------------------------
def test_10_other_products_are_hedged() -> None:
    letter = LETTER_KINDS["report_other_product"]()
    text = letter.body + "\n".join(letter.notes)
    assert "適用されません" not in text
    assert "電話勧誘販売に当たる場合" in letter.body and "適用除外" in text
    company = letters.company_request(
        full_case(product="健康食品", product_kind="other", licence=None), [], SENDER, TODAY, TZ
    )
    assert "電話勧誘販売に当たる場合、特定商取引に関する法律第17条" in company.body
    assert "電話勧誘販売に当たる場合" in JA["step.pushing.note"]


# -- 11. every line to read aloud is sayable as written -------------------------------------
def test_11_lines_to_read_aloud_address_the_caller_only() -> None:
    says = {key: value for key, value in JA.items() if key.endswith(".say")}
    for key, line in says.items():
        assert "不動産なら" not in line, key  # an instruction to the user, not to the caller
    assert "購入するつもり" not in JA["step.refusing.say"]
    assert JA["step.refusing.say"].startswith("契約するつもりはありません。")
    assert "不動産会社でしたら、宅建業の免許番号も教えてください。" in JA["step.pushing.say"]


# -- 12. one calendar in letters, one style on screens, local time in exports ----------------
def test_12_letters_use_one_calendar(engine: Engine) -> None:
    for make in LETTER_KINDS.values():
        letter = make()
        assert not re.search(r"20\d\d年", letter.body), letter.kind
        assert letter.body.startswith("令和8年11月28日")
    assert "令和8年11月20日14時30分頃" in LETTER_KINDS["broker"]().body


def test_12_screens_write_moments_one_way(engine: Engine, talk) -> None:
    chat: Conversation = talk()
    shown = "".join(chat.act(step) for step in (*CALL_TO_STEP_4, AGREED, "/cases", "/case 1"))
    # Ways of writing a moment other than 「2026年11月27日(金) 14:00」 (spoken lines aside).
    for other in (r"\d{4}-\d\d-\d\d \d\d:\d\d", r"\b\d\d-\d\d \d\d:\d\d", r"\d{1,2}/\d{1,2}\("):
        assert not re.search(other, shown), (other, shown)
    assert "2026年11月27日(金) 14:00" in shown
    assert "2026年12月11日(金) 10:00" in shown  # a reminder, in the same style


def test_12_exports_write_local_time_with_its_offset(engine: Engine) -> None:
    walk(engine, (*CALL_TO_STEP_4, AGREED))
    files = engine.handle(Inbound(1, text="/export")).replies[0].attachments
    document = json.loads(files[0].data)
    assert document["cases"][0]["opened_at"] == "2026-11-27T14:00:00+09:00"
    assert all(not str(e["at"]).endswith("+00:00") for e in document["events"])
    csv_text = files[1].data.decode("utf-8-sig")
    assert "2026-11-27T14:00:00+09:00" in csv_text and "+00:00" not in csv_text


# -- 13. data minimisation in the broker letter ---------------------------------------------
def test_13_the_broker_letter_limits_the_use_of_what_it_gives() -> None:
    letter = LETTER_KINDS["broker"]()
    assert "この情報は、本請求への対応のためにのみ使用してください。" in letter.body
    assert (
        "本請求を受けた事実の記録に必要な範囲に限り、保存することは差し支えありません"
        in letter.body
    )
    assert any("本人確認書類を求められることがあります" in note for note in letter.notes)


# -- 14. one concept, one name -------------------------------------------------------------
def test_14_a_broker_that_refused_is_not_shown_as_deletion_requested(engine: Engine) -> None:
    walk(engine, CALL_TO_STEP_4)
    engine.handle(Inbound(1, text=JA["opt.declined"]))
    listing = text_of(engine.handle(Inbound(1, text="/cases")))
    assert "削除依頼済み" not in listing
    assert JA["status.answer.refused"] in listing
    assert "拒否" in text_of(engine.handle(Inbound(1, text="/brokers")))


def test_the_broker_letter_states_what_the_broker_said_on_the_phone(engine, clock) -> None:
    """Step ④ is the user's call to the broker: the letter that follows says when it was
    made and what the broker answered (it said only who named the broker)."""
    walk(engine, CALL_TO_STEP_4)
    clock.advance(days=2)  # the broker called on Sunday 29 November
    engine.handle(Inbound(1, text=JA["opt.declined"]))
    clock.advance(days=1)
    body = letter_text(make_letter(engine, 1, JA["opt.letter_broker_request"]))
    said = "令和8年11月29日、私は貴社に電話で、私の個人データの第三者提供の停止と消去を求めましたが"
    assert said in body
    assert body.index("その際、先方は") < body.index(said) < body.index("【請求の内容】")


def test_14_user_facing_words_are_consistent() -> None:
    user_facing = "\n".join(JA.values())
    for variant in ("入手元", "取得元", "提供元"):
        assert variant not in user_facing, variant
    for make in LETTER_KINDS.values():
        body = make().body
        assert "入手元" not in body and "取得元" not in body
    assert "/cancel — 進行中のケースを中止する" in JA["help"]


# -- 15. "I couldn't refuse" -----------------------------------------------------------------
def test_15_not_refused_is_said_and_coached(engine: Engine) -> None:
    coached = engine.handle(Inbound(1, text="/after"))
    coached = engine.handle(Inbound(1, text=JA["opt.not_refused"]))
    assert JA["coach.not_refused"] in text_of(coached)
    assert "「再勧誘」として申告できません" in JA["coach.not_refused"]
    lines = ("2", "株式会社グランレジデンス東都", "skip", "skip", "skip", "skip", "skip")
    summary = text_of(walk(engine, lines))
    assert "お断り: 断っていない" in summary
    assert "お断り: 未確認" not in summary


# -- 16. in English, what to say is still Japanese -----------------------------------------
def test_16_english_users_see_the_japanese_line_with_a_reading_and_a_gloss(engine) -> None:
    chat = EngineChat(engine, 1, lang="en")
    step = chat.say("/call").replies[-1]
    assert step.say == JA["step.refusing.say"]
    assert step.gloss == EN["step.refusing.say"]
    assert step.reading and step.reading.startswith("Keiyaku suru tsumori wa arimasen")
    assert "Refused, or say they have no record" not in "".join(EN.values())
    answer = chat.walk(*in_english(CALL_TO_STEP_4[1:]))
    assert isinstance(answer, Response)
    step4 = answer.replies[-1]
    assert (
        step4.say is not None
        and "その会社は、私の情報を御社から入手したと言っています。" in step4.say
    )
    assert step4.gloss is not None and "They say they got my details from you." in step4.gloss
    # Step 4 is read aloud to the broker too: its reading, with the call's day and company.
    assert step4.reading is not None and step4.reading.startswith(
        "Watashi no kojin jōhō no ken de o-denwa shimashita. "
    )
    assert "onsha kara nyūshu shita to itte imasu" in step4.reading
    assert "{" not in step4.reading and "〔your name〕" in step4.reading


# -- 17. where to turn, and the honest limits -----------------------------------------------
def test_17_help_says_where_to_turn_and_what_cannot_be_undone(engine: Engine) -> None:
    for texts, words in (
        (JA, ("188", "03-6457-9849", "地方整備局", "違法ではありません")),
        (EN, ("188", "03-6457-9849", "regional bureau", "not illegal")),
    ):
        for word in words:
            assert word in texts["help"], word
    assert "すでに売られた名簿は買った会社に残る" in JA["help"]
    assert "すでに売られた名簿は、買った会社に残ります" in text_of(walk(engine, CALL_TO_STEP_4))
    assert "迷惑だという気持ち" in JA["step.refusing.note"]  # the seed column's advice


# -- the 内容証明 layout --------------------------------------------------------------------
_WIDE = ("W", "F")


@pytest.mark.parametrize("kind", list(LETTER_KINDS))
def test_naiyo_layout_of_every_letter_kind_fits_the_grid(kind: str) -> None:
    letter = LETTER_KINDS[kind]()
    pages = letters.naiyo_pages(letter)
    assert pages
    for page in pages:
        assert 0 < len(page) <= 20
        assert sum(len(line) for line in page) <= 520
        for line in page:
            assert len(line) <= 26, line
            # One cell a character, every character full width (as the post office counts).
            assert all(unicodedata.east_asian_width(ch) in _WIDE for ch in line), line
            # Kinsoku without pushing past the grid: no line starts with 「。」「」」…, none
            # ends with 「「」「（」… (a character moves down instead). 「・」 starts list items.
            assert not line or line[0] not in NO_LINE_START - {"・"}, line
            assert not line or line[-1] not in NO_LINE_END, line
    # Nothing is lost: the grid holds the letter's every character, in order, then the
    # date and both parties at the end.
    flat = "".join(line.replace("　", "") for page in pages for line in page)
    at = 0
    for text in (letter.title, *letter.content, letter.date, letter.sender_name, letter.recipient):
        cells = naiyo.full_width(re.sub(r"^(　*\d+)\. ", r"\1．", text)).replace("　", "")
        found = flat.find(cells, at)
        assert found >= 0, (text, flat[at : at + 80])
        at = found + len(cells)
    assert flat.endswith(naiyo.full_width(letter.recipient).replace("　", ""))
    assert any(line.startswith("差出人") for line in pages[-1])


def _cells_of(page: Any) -> tuple[dict[tuple[int, int], str], str]:
    """Where each character of a 内容証明 PDF page sits: its (row, column) in the grid, and
    what stands below the grid (the page number)."""
    left, top = letters.naiyo_grid_origin()
    mm = 72 / 25.4
    height = float(page.mediabox.height)
    cells: dict[tuple[int, int], str] = {}
    footer: list[str] = []

    def visit(text: str, cm: Any, tm: Any, *_: Any) -> None:
        if not text.strip():
            return
        x_mm, y_mm = tm[4] / mm, (height - tm[5]) / mm
        col = int((x_mm - left) // naiyo.NAIYO_CELL_MM)
        row = int((y_mm - top) // naiyo.NAIYO_ROW_MM)
        if row >= letters.NAIYO_ROWS:
            footer.append(text.strip())
            return
        assert 0 <= col < 26 and 0 <= row < 20, (text, col, row)
        assert (row, col) not in cells, (text, row, col)
        cells[(row, col)] = text.strip()

    page.extract_text(visitor_text=visit)
    return cells, "".join(footer)


@pytest.mark.parametrize("kind", ["broker", "company", "report_no_licence"])
def test_naiyo_pdf_puts_every_character_in_a_cell_of_the_grid(kind: str) -> None:
    letter = LETTER_KINDS[kind]()
    pages = letters.naiyo_pages(letter)
    reader = PdfReader(io.BytesIO(letters.naiyo_pdf(letter)))
    assert len(reader.pages) == len(pages)
    for number, (page, lines) in enumerate(zip(reader.pages, pages, strict=True), 1):
        cells, footer = _cells_of(page)
        expected = {
            (row, col): ch
            for row, line in enumerate(lines)
            for col, ch in enumerate(line)
            if ch != "　"
        }
        assert cells == expected
        assert footer == f"{number}／{len(pages)}"


def test_the_letter_an_answer_calls_for_is_the_steps_own_first_option(engine, talk) -> None:
    """In the shell as on Telegram: the number typed after "they refused" starts the letter,
    it does not close the case (the button is the step's, numbered with it)."""
    chat: Conversation = talk()
    chat.walk(*CALL_TO_STEP_4)
    shown = chat.say(JA["opt.declined"])
    assert f"  1) {JA['opt.letter_broker_request']}\n  2) {JA['opt.close']}" in shown
    assert "宛先「日本名簿センター株式会社」の住所を" in chat.say("1")
    assert engine.store.case_by_number(1, 1)["state"] == "following_up"
    agreed: Conversation = talk(user_id=2)
    shown = agreed.walk(*CALL_TO_STEP_4, AGREED)
    assert JA["opt.letter_broker_request"] not in shown  # they agreed: no letter is due


def test_the_senders_notes_come_in_the_users_language(engine: Engine) -> None:
    """The letter is Japanese (it goes to a Japanese business); the advice around it is the
    user's."""
    walk(engine, (*CALL_TO_STEP_4, AGREED))
    engine.handle(Inbound(1, text="/language en"))
    reply = make_letter(engine, 1, EN["opt.letter_broker_request"], EN)
    assert "配達証明 when it was delivered" in reply.text
    assert "送り方" not in reply.text and "実務上の手引き" not in reply.text
    assert DISCLAIMER_EN in reply.text
    assert "貴社" in letter_text(reply)  # the letter itself stays Japanese
    report = LETTER_KINDS["report_no_licence"]()
    english = report.notes_in(Texts("en"))
    assert any("addressee is blank" in note for note in english)
    assert any(note.startswith("- 関東地方整備局: 茨城、栃木") for note in english)


def test_the_company_letter_states_a_no_record_answer_and_repeats_only_a_real_refusal() -> None:
    said = letters.company_request(full_case(outcome="no_record"), [], SENDER, TODAY, TZ).body
    answer = "なお、「日本名簿センター株式会社」に問い合わせたところ、私の個人データの記録はない"
    assert answer in said
    # The refusal is told with the call ("その電話で"), before the broker's later answer.
    assert said.index("私はその電話で勧誘を明確にお断り") < said.index(answer)
    refused = letters.company_request(full_case(), [], SENDER, TODAY, TZ).body
    assert "私は本書により、改めてその意思を表示します。" in refused
    never = letters.company_request(full_case(refused_at=None), [], SENDER, TODAY, TZ).body
    assert "改めて" not in never and "私は本書により、その意思を表示します。" in never


# -- from the review of this change ----------------------------------------------------------
def test_a_repeat_cases_report_states_what_was_said_in_the_earlier_case(engine, clock) -> None:
    """The refusal a repeat case came after is the earlier case's: "never call again" only if
    it was said there (an /after case only records that the user refused)."""
    walk(engine, (*AFTER_TO_STEP_4, AGREED))  # case 1: refused, recorded afterwards
    clock.advance(days=2)
    walk(engine, (*CALL_TO_STEP_4, AGREED))  # case 2: the same company again, refused on /call
    assert engine.store.case_by_number(1, 2)["repeat_of"] == 1
    reply = make_letter(engine, 2, JA["opt.letter_resolicitation_report"])
    body = letter_text(reply)
    assert "・勧誘をお断りした日時：令和8年11月27日13時" in body
    assert "今後電話をしないよう求めた" not in body
    assert "・お断りした後の電話でも、改めてお断りしています。" in body


def test_an_english_report_is_said_to_go_to_an_office_not_a_business(engine, clock) -> None:
    walk(engine, (*AFTER_TO_STEP_4, AGREED))
    clock.advance(days=2)
    walk(engine, (*CALL_TO_STEP_4, AGREED))  # case 2: a call after case 1's refusal
    engine.handle(Inbound(1, text="/language en"))
    reply = make_letter(engine, 2, EN["opt.letter_resolicitation_report"], EN)
    assert EN["letter_language_office"] in reply.text
    assert EN["letter_language"] not in reply.text
    request = make_letter(engine, 2, EN["opt.letter_company_request"], EN)
    assert EN["letter_language"] in request.text


def test_a_repeat_not_refused_this_time_does_not_say_refused_then_too() -> None:
    case = full_case(refused_at=None, repeat_of=1, repeat_refused_at="2026-10-02T00:15:00+00:00")
    body = letters.company_request(case, [], SENDER, TODAY, TZ).body
    assert "を受けた際に、勧誘をお断りしています。" in body and "際にも、" not in body
    assert "改めてその意思を表示します" in body  # refused before, in the earlier case


def test_going_back_from_step_4_keeps_the_reminders(engine: Engine) -> None:
    walk(engine, CALL_TO_STEP_4)
    engine.handle(Inbound(1, text=JA["opt.unreachable"]))  # retry reminder
    engine.handle(Inbound(1, text=JA["opt.resume"]))
    engine.handle(Inbound(1, text=JA["opt.back"]))
    engine.handle(Inbound(1, text=JA["opt.confirm"]))
    engine.handle(Inbound(1, text=JA["opt.later"]))
    waiting = [r["kind"] for r in engine.store.waiting_reminders(1)]
    assert waiting == ["retry_broker"]


def test_they_still_call_without_a_refusal_on_record_is_not_a_call_after_refusal(
    engine: Engine, clock
) -> None:
    lines = (
        "/after",
        Press("🤷 断れなかった"),
        Press("📝 言った"),
        "日本名簿センター株式会社",
        "株式会社グランレジデンス東都",
    )
    walk(engine, (*lines, "skip", "skip", "skip", "skip", Press("✅ 保存する")))
    engine.handle(Inbound(1, text=JA["opt.agreed"]))
    [check] = [d for d in deliver(engine, clock, 31) if "止まりましたか" in d.reply.text]
    [still] = [o for o in check.reply.options if o.label == JA["opt.r_continued"]]
    said = text_of(engine.handle(Inbound(1, choice=still.token)))
    assert JA["not_refused_calls"] in said
    assert "断った後の電話として記録しました" not in said
    case = engine.store.case_by_number(1, 1)
    assert case["repeat_calls"] == 0
    assert [r["kind"] for r in engine.store.waiting_reminders(1)][-1] == "check_calls"


def test_brokers_says_the_latest_answer_by_phone_or_letter(engine: Engine, clock) -> None:
    """/brokers said 「拒否」 (the phone's answer) after the letter that followed was done
    as asked, and its 「最終」 was the case's last change, not the last request."""
    walk(engine, (*CALL_TO_STEP_4, Press(JA["opt.declined"])))
    clock.advance(days=2)
    make_letter(engine, 1, JA["opt.letter_broker_request"])
    [check] = [d for d in deliver(engine, clock, 22) if "書面を作ってから" in d.reply.text]
    [done] = [o for o in check.reply.options if o.label == JA["opt.r_complied"]]
    engine.handle(Inbound(1, choice=done.token))
    clock.advance(days=5)
    engine.store.db.execute("update cases set updated_at = ?", [clock.now.isoformat()])
    [line] = text_of(engine.handle(Inbound(1, text="/brokers"))).splitlines()[1:]
    assert line.endswith("｜1件｜対応された｜最終依頼: 2026年11月29日(日)"), line


def test_a_letters_check_asks_whether_an_answer_came(engine: Engine, clock) -> None:
    walk(engine, (*CALL_TO_STEP_4, AGREED))
    make_letter(engine, 1, JA["opt.letter_broker_request"])
    [check] = [d for d in deliver(engine, clock, 22) if "書面を作ってから" in d.reply.text]
    labels = [o.label for o in check.reply.options]
    assert labels[:3] == [JA["opt.r_complied"], JA["opt.r_answered"], JA["opt.r_no_reply"]]
    [answered] = [o for o in check.reply.options if o.label == JA["opt.r_answered"]]
    assert JA["reminder_answered"] in text_of(engine.handle(Inbound(1, choice=answered.token)))
    view = text_of(engine.handle(Inbound(1, text="/case 1")))
    assert "書面で請求（2026年11月27日(金)）→ 回答あり" in view
    assert "電話で依頼（2026年11月27日(金)）→ 応じた、" in view  # the earlier request stays


def test_a_letter_after_an_unanswered_one_says_so_and_keeps_the_first(engine, clock) -> None:
    """The 督促 offered after 「対応がない・返事がない」 was the first letter again, dated
    anew, written over its file (the copy of what was sent was gone)."""
    walk(engine, (*CALL_TO_STEP_4, AGREED))
    first = make_letter(engine, 1, JA["opt.letter_broker_request"])  # 2026-11-27
    assert "付の書面で" not in letter_text(first)
    [check] = [d for d in deliver(engine, clock, 22) if "書面を作ってから" in d.reply.text]
    [no_reply] = [o for o in check.reply.options if o.label == JA["opt.r_no_reply"]]
    engine.handle(Inbound(1, choice=no_reply.token))
    second = make_letter(engine, 1, JA["opt.letter_broker_request"])
    body = letter_text(second)
    assert (
        "私は、令和8年11月27日付の書面で、貴社に同じ内容を請求しましたが、現在まで、"
        "貴社による回答または対応を確認できていません。\n"
    ) in body
    assert body.count("本書により、改めて") == 1, "said once: the phone answer's sentence has it"
    assert body.startswith("令和8年12月19日\n")
    names = [a.filename for a in second.attachments]
    assert names == [
        "kotowari-case1-broker-request-2.pdf",
        "kotowari-case1-broker-request-2.txt",
        "kotowari-case1-broker-request-2-naiyo-shomei.pdf",
    ]
    # Not for the other addressee; the 督促 made again still says it.
    assert "付の書面で" not in letter_text(make_letter(engine, 1, JA["opt.letter_company_request"]))
    again = make_letter(engine, 1, JA["opt.letter_broker_request"])
    assert "令和8年11月27日付の書面で" in letter_text(again)
    assert again.attachments[0].filename == "kotowari-case1-broker-request-3.pdf"


def test_no_unanswered_sentence_once_a_later_answer_is_recorded(engine, clock) -> None:
    """The 督促's sentence held after an answer to the 督促 itself, and a phone check's
    「対応がない」 after the letter was read as the letter's (from the session review)."""
    walk(engine, (*CALL_TO_STEP_4, AGREED))
    make_letter(engine, 1, JA["opt.letter_broker_request"])
    [check] = [d for d in deliver(engine, clock, 22) if "書面を作ってから" in d.reply.text]
    [no_reply] = [o for o in check.reply.options if o.label == JA["opt.r_no_reply"]]
    engine.handle(Inbound(1, choice=no_reply.token))
    assert "付の書面で" in letter_text(make_letter(engine, 1, JA["opt.letter_broker_request"]))
    [check] = [d for d in deliver(engine, clock, 22) if "書面を作ってから" in d.reply.text]
    [answered] = [o for o in check.reply.options if o.label == JA["opt.r_answered"]]
    engine.handle(Inbound(1, choice=answered.token))  # the 督促 got an answer
    assert "付の書面で" not in letter_text(make_letter(engine, 1, JA["opt.letter_broker_request"]))


def test_the_head_office_can_be_typed_in_romaji(engine: Engine) -> None:
    assert letters.prefecture("Osaka") == "大阪府" and letters.prefecture("Hokkaido") == "北海道"
    assert letters.prefecture("Tōkyō-to") == "東京都" and letters.prefecture("ワシントン") is None
    assert "Hokkaido" in EN["bad_office"]
    assert letters.prefecture("Ohsaka") == "大阪府"


def test_the_head_office_is_read_from_an_address_from_its_left() -> None:
    """東京都府中市 holds 東京都 and 京都府: it was taken as naming two, and refused."""
    assert letters.prefecture("東京都府中市宮西町2-24") == "東京都"
    assert letters.prefecture("京都府京都市") == "京都府"
    assert letters.prefecture("東京都と大阪府") is None, "two prefectures: which is unsure"


def test_reminders_from_before_the_change_are_given_what_they_follow(tmp_path) -> None:
    """m012: an old two-week check after a letter follows that letter (its addressee); one
    after a refusal on the phone becomes a reminder to write; an old "done" button closes a
    check without saying the broker complied."""
    from flows.store import Store, open_database
    from tests.test_store import database_before

    stamp, later = "2026-11-20T05:00:00+00:00", "2026-11-21T05:00:00+00:00"
    old = database_before(tmp_path / "old.db", "m012_reminder_addressees_and_refusals")
    base = {"user_id": 7, "state": "following_up", "mode": "call", "opened_at": stamp}
    old["cases"].insert(
        {
            **base,
            "id": 1,
            "number": 1,
            "updated_at": stamp,
            "outcome": "declined",
            "broker_name": "名簿社",
            "refused_at": stamp,
        }
    )
    old["cases"].insert(
        {
            **base,
            "id": 2,
            "number": 2,
            "updated_at": stamp,
            "outcome": "agreed",
            "broker_name": "名簿社",
            "company": "会社",
            "letter_at": later,
        }
    )
    old["events"].insert(
        {
            "user_id": 7,
            "case_id": 2,
            "at": later,
            "kind": "letter",
            "detail": json.dumps({"kind": "company_request", "title": "t"}),
        }
    )
    check = {
        "user_id": 7,
        "kind": "check_compliance",
        "due_at": stamp,
        "status": "pending",
        "attempts": 0,
    }
    old["reminders"].insert({**check, "id": 1, "case_id": 1, "created_at": stamp})
    old["reminders"].insert({**check, "id": 2, "case_id": 2, "created_at": stamp})
    old["reminders"].insert({**check, "id": 3, "case_id": 2, "created_at": later})
    old.close()
    db = open_database(tmp_path / "old.db")
    rows = {r["id"]: (r["kind"], r["addressee"], r["via"]) for r in db["reminders"].rows}
    assert rows == {
        1: ("write_letter", "broker", "phone"),
        2: ("check_compliance", "broker", "phone"),
        3: ("check_compliance", "company", "letter"),
    }
    engine = Engine(Store(db, FakeClock()))
    engine.reminder_sent(2)
    done = engine.handle(Inbound(7, choice="r.2.done"))  # an old message's button
    assert done.notice is None and text_of(done) == JA["reminder_done"]
    view = text_of(engine.handle(Inbound(7, text="/case 2")))
    assert "対応された" not in view
    db.close()


def test_step_4s_reading_says_the_day_as_spoken_or_the_other_day() -> None:
    from zoneinfo import ZoneInfo

    from flows.steps import demand_reading

    tokyo = ZoneInfo("Asia/Tokyo")
    # 20 Nov 23:30 UTC is 21 Nov in Tokyo: the day the user had the call.
    named = "Sono kaisha wa, watashi no jōhō o onsha kara nyūshu shita to itte imasu."
    assert demand_reading("株式会社テスト", "2026-11-20T23:30:00+00:00", tokyo) == {
        "when": "Jūichi-gatsu nijūichi-nichi ni",
        "company": "株式会社テスト",
        "source": named,
    }
    assert demand_reading(None, None, tokyo, "demand_source.believed") == {
        "when": "Senjitsu",
        "company": "aru kaisha",
        "source": "Watashi no jōhō wa, onsha kara teikyō sareta mono to kangaete imasu.",
    }


def test_a_broker_the_caller_never_named_is_not_said_to_be_named(engine: Engine) -> None:
    """A broker typed after 📴 the call ended (or a skip at step 2) is the user's own view:
    step 4's line and the letters said "the caller named you" all the same."""
    step_4 = text_of(walk(engine, ENDED_TO_STEP_4))
    assert JA["demand_source.believed"] in step_4
    assert JA["demand_source.named"] not in step_4
    broker = letter_text(make_letter(engine, 1, JA["opt.letter_broker_request"]))
    assert "貴社が私の個人データを保有し、第三者に提供しているものと考えています" in broker
    assert "名前を挙げました" not in broker
    company = letter_text(make_letter(engine, 1, JA["opt.letter_company_request"]))
    assert "名前を挙げました" not in company and "電話で挙げた" not in company
    assert "「日本名簿センター株式会社」から取得したのであれば" in company
    # Named at step 2: said so.
    named = text_of(walk(engine, CALL_TO_STEP_4))
    assert JA["demand_source.named"] in named
    broker = letter_text(make_letter(engine, 2, JA["opt.letter_broker_request"]))
    assert "先方は私の連絡先の入手先として貴社の名称を挙げました" in broker


def test_named_then_back_then_skip_is_not_named(engine: Engine) -> None:
    chat = EngineChat(engine)
    chat.walk("/call", Press("🙅 断った"), Press("📝 入手先を言った"), Press("↩️ 戻る"))
    chat.walk(Press("⏭ スキップ"), "日本名簿センター株式会社")
    row = engine.store.case_by_number(1, 1)
    assert (row["broker_name"], row["source_named"]) == ("日本名簿センター株式会社", 0)


def test_no_record_advice_does_not_say_the_caller_named_a_source(engine: Engine) -> None:
    chat = EngineChat(engine)
    chat.walk(*ENDED_TO_STEP_4)
    said = text_of(chat.press("🔍 記録がないと言われた"))
    assert JA["outcome.no_record.recorded"] in said and "違う名前で伝えた" not in said
    chat.walk(*CALL_TO_STEP_4)  # named at step 2
    assert JA["outcome.no_record"] in text_of(chat.press("🔍 記録がないと言われた"))


def test_no_naiyo_shomei_form_for_a_company_known_only_by_its_number(engine: Engine) -> None:
    """The post office takes 内容証明 only to a named addressee: a form addressed to
    「電話番号 090-… の発信元事業者 御中」 could not be posted (the note says so)."""
    walk(
        engine,
        (
            "/after",
            Press(JA["opt.yes_refused"]),
            Press(JA["opt.after_source.dodged"]),
            "skip",
            "skip",
            "090-9876-5432",
            "skip",
            "skip",
            Press(JA["opt.confirm"]),
        ),
    )
    reply = make_letter(engine, 1, JA["opt.letter_company_request"])
    names = [a.filename for a in reply.attachments]
    assert names and not any(name.endswith("naiyo-shomei.pdf") for name in names), names
    assert JA["letter_naiyo"] not in (reply.text or "")
    assert "郵送できません" in (reply.text or "")


def test_stats_counts_the_brokers_latest_answer_as_cases_and_brokers_show_it(
    engine: Engine, clock
) -> None:
    """Agreed on the phone, then 📭 at the two-week check: /brokers said 対応なし and /stats
    still 「提供停止・消去に応じた: 1件」; refused on the phone, then done after a letter:
    /stats said 0."""
    walk(engine, (*CALL_TO_STEP_4, AGREED))
    assert "提供停止・消去に応じた: 1件" in text_of(engine.handle(Inbound(1, text="/stats")))
    [check] = [d for d in deliver(engine, clock, 15) if d.reply.options]
    [no_reply] = [o for o in check.reply.options if o.label == JA["opt.r_no_reply"]]
    engine.handle(Inbound(1, choice=no_reply.token))
    assert "｜対応なし｜" in text_of(engine.handle(Inbound(1, text="/brokers")))
    assert "提供停止・消去に応じた: 0件" in text_of(engine.handle(Inbound(1, text="/stats")))
    walk(engine, (*CALL_TO_STEP_4, Press(JA["opt.declined"])))  # case 2: refused
    clock.advance(days=2)
    make_letter(engine, 2, JA["opt.letter_broker_request"])
    [check] = [d for d in deliver(engine, clock, 22) if "書面を作ってから" in d.reply.text]
    [done] = [o for o in check.reply.options if o.label == JA["opt.r_complied"]]
    engine.handle(Inbound(1, choice=done.token))
    assert "提供停止・消去に応じた: 1件" in text_of(engine.handle(Inbound(1, text="/stats")))


def test_step_4s_line_says_japans_day_to_the_broker_whatever_the_users_zone(
    engine: Engine, clock: FakeClock
) -> None:
    """For a user reading in London, a call at 20:00 their time on 12/6 (05:00 on 12/7 in
    Tokyo) was 「12月6日に」 in the line said to the broker, and 12月7日 in the letters."""
    from datetime import UTC, datetime

    clock.now = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # 01:00 in London, 10:00 in Tokyo
    chat = EngineChat(engine)
    chat.say("/settings tz Europe/London")
    chat.walk("/after", Press(JA["opt.yes_refused"]), Press(JA["opt.after_source.named"]))
    chat.walk("リスト社", "みらい不動産", "skip", "skip", "skip", "昨日 20:00")
    step_4 = chat.press(JA["opt.confirm"])
    said = [reply.say for reply in step_4.replies if reply.say]
    assert said and "12月7日に、みらい不動産から勧誘の電話がありました。" in said[0], said
