"""Letters made from a case: content, missing fields, and the PDF (A4, Japanese extractable)."""

from __future__ import annotations

import ast
import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from flows.letters import (
    BROKER_REQUEST,
    COMPANY_REQUEST,
    RESOLICITATION_REPORT,
    Letter,
    Sender,
    broker_request,
    company_request,
    lacks_a_block_number,
    later_calls,
    licensing_authority,
    looks_like_address,
    naiyo,
    naiyo_lines,
    naiyo_pages,
    resolicitation_report,
    to_pdf,
    wrap,
    wrap_words,
)
from flows.letters.naiyo import NAIYO_COLUMNS, _grid_wrap
from flows.letters.pdf import NO_LINE_START
from flows.moments import wareki
from flows.texts import DISCLAIMER_JA, JA, Texts

TZ = ZoneInfo("Asia/Tokyo")
TODAY = date(2026, 11, 28)
SENDER = Sender("山田 花子", "東京都渋谷区神南9丁目9番9号 サンプルハイツ101", "090-1234-5678")
# Brackets are allowed in the copy (「」（）【】); these never are.
PLACEHOLDER = re.compile(r"〔|〕|\{|\}|None|XXX|null|〇〇")


def full_case(**changes: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "number": 3,
        "company": "株式会社グランレジデンス東都",
        "person": "佐々木 健太",
        "phone_raw": "0312345678",
        "phone_e164": "+81312345678",
        "licence": "東京都知事(2)第109876号",
        "product": "投資用マンション・不動産",
        "product_kind": "property",
        "broker_name": "日本名簿センター株式会社",
        "source_named": 1,  # the caller named it
        # 14:30 in Tokyo
        "call_at": "2026-11-20T05:30:00+00:00",
        "refused_at": "2026-11-20T05:30:00+00:00",
        "opened_at": "2026-11-20T05:31:00+00:00",
        "repeat_calls": 2,
        "last_repeat_at": "2026-11-27T10:05:00+00:00",
        "repeat_of": None,
        "repeat_refused_at": None,
        "outcome": "agreed",
    }
    case.update(changes)
    return case


def repeat_event(at: str) -> dict[str, Any]:
    return {"at": at, "kind": "repeat_call", "detail": json.dumps({"at": at})}


def demand_event(outcome: str) -> dict[str, Any]:
    """Step ④'s answer, recorded on 2026-11-21 (Tokyo)."""
    at = "2026-11-21T00:40:00+00:00"
    return {"at": at, "kind": "step", "trigger": outcome, "state_from": "demanding"}


def demanded(outcome: str) -> Any:
    """The broker's letter after step ④'s call got ``outcome``."""
    events = [*EVENTS, demand_event(outcome)]
    return lambda: broker_request(full_case(outcome=outcome), events, SENDER, TODAY, TZ)


EVENTS = [
    {"at": "2026-11-20T05:31:00+00:00", "kind": "opened", "detail": '{"mode": "call"}'},
    repeat_event("2026-11-27T10:05:00+00:00"),  # 19:05 in Tokyo
    repeat_event("2026-11-25T01:12:00+00:00"),  # 10:12 in Tokyo
]

ONLY_PHONE = {
    "number": 7,
    "company": None,
    "person": None,
    "phone_raw": "090 9876 5432",
    "phone_e164": "+819098765432",
    "licence": None,
    "product": None,
    "product_kind": None,
    "broker_name": None,
    "mode": "call",  # opened during the call: that moment is the call's time
    "call_at": None,
    "refused_at": None,
    "opened_at": "2026-11-26T23:45:00+00:00",  # 27 Nov 08:45 in Tokyo
    "repeat_calls": 0,
    "last_repeat_at": None,
    "repeat_of": None,
    "repeat_refused_at": None,
    "outcome": None,
}

MAKERS = (broker_request, company_request, resolicitation_report)


def assert_clean(letter: Letter) -> None:
    text = letter.body + "\n".join(letter.notes)
    assert not PLACEHOLDER.search(text), PLACEHOLDER.search(text)
    assert "None" not in repr(letter)
    # The disclaimer is the product's word to its user, not the sender's to the recipient.
    assert DISCLAIMER_JA not in letter.body
    assert "法的助言" not in letter.body + "\n".join(letter.notes)
    assert letter.body.startswith("令和8年11月28日\n")
    assert letter.recipient in letter.body
    assert letter.title in letter.body
    for line in letter.sender:
        assert line in letter.body


@pytest.mark.parametrize("make", MAKERS)
def test_every_letter_is_dated_addressed_and_signed(make: Any) -> None:
    letter = make(full_case(), EVENTS, SENDER, TODAY, TZ)
    assert_clean(letter)
    assert letter.recipient.endswith((" 御中", " 殿"))
    assert letter.sender == (
        "東京都渋谷区神南9丁目9番9号 サンプルハイツ101",
        "山田 花子",
        "電話 090-1234-5678",
    )
    assert "・氏名：山田 花子" in letter.body
    assert "・電話番号：090-1234-5678" in letter.body


def test_broker_request() -> None:
    letter = broker_request(full_case(), EVENTS, SENDER, TODAY, TZ)
    body = letter.body
    assert letter.kind == BROKER_REQUEST
    assert letter.recipient == "日本名簿センター株式会社 御中"
    assert (
        "令和8年11月20日14時30分頃、株式会社グランレジデンス東都（担当者：佐々木 健太、"
        "電話番号：03-1234-5678）から" in body
    )
    assert "貴社の名称を挙げました" in body
    for article in ("第27条第2項", "第35条", "第33条", "第29条"):
        assert article in body
    assert "本書到達後2週間以内に書面で回答してください。" in body
    assert "03-6457-9849" in "\n".join(letter.notes)


def test_company_request() -> None:
    letter = company_request(full_case(), EVENTS, SENDER, TODAY, TZ)
    body = letter.body
    assert letter.kind == COMPANY_REQUEST
    assert letter.recipient == "株式会社グランレジデンス東都 御中"
    assert "貴社（担当者：佐々木 健太、電話番号：03-1234-5678）" in body
    assert "「日本名簿センター株式会社」の名称を挙げました" in body
    for article in ("第30条", "第33条", "第35条", "宅地建物取引業法第47条の2第3項"):
        assert article in body
    assert "取得した経緯" in body
    assert "私はその電話で勧誘を明確にお断りしました。" in body
    assert "本書到達後2週間以内に書面で回答してください。" in body
    assert "16条" not in body  # the regulation's article number is unverified


def test_company_request_names_the_refusal_date_and_an_earlier_refusal() -> None:
    case = full_case(
        refused_at="2026-11-20T06:00:00+00:00",
        repeat_of=1,
        repeat_refused_at="2026-10-02T00:15:00+00:00",
    )
    body = company_request(case, [], SENDER, TODAY, TZ).body
    assert "私はその電話で勧誘を明確にお断りし" in body, "on that call, not dated apart"
    assert "なお、私は令和8年10月2日9時15分頃に貴社から勧誘の電話を受けた際にも、" in body
    assert "上記の電話は、それにもかかわらず改めて行われた勧誘です。" in body


def test_company_request_other_product_cites_the_specified_commercial_transactions_act() -> None:
    case = full_case(product="健康食品", product_kind="other", licence=None)
    body = company_request(case, [], SENDER, TODAY, TZ).body
    assert "特定商取引に関する法律第17条" in body
    assert "宅地建物取引業法" not in body


def test_report_for_a_governor_licence() -> None:
    letter = resolicitation_report(full_case(), EVENTS, SENDER, TODAY, TZ)
    body, notes = letter.body, "\n".join(letter.notes)
    assert letter.kind == RESOLICITATION_REPORT
    assert letter.recipient == "東京都知事 殿"
    assert "宅地建物取引業法第47条の2第3項および同法施行規則" in body
    assert "16条" not in body + notes
    assert "・商号又は名称：株式会社グランレジデンス東都" in body
    assert "・免許番号：東京都知事(2)第109876号" in body
    assert "・担当者名：佐々木 健太" in body
    assert "・使用された電話番号：03-1234-5678" in body
    assert "・勧誘の内容：投資用マンション・不動産" in body
    assert "・勧誘をお断りした日時：令和8年11月20日14時30分" in body
    # Later calls in order and in Tokyo time, whatever order the events came in.
    assert "（2回）：\n　1. 令和8年11月25日10時12分頃\n　2. 令和8年11月27日19時5分頃\n" in body
    # The user recorded that they called again, not what was said: calls, not solicitations.
    assert "・お断りした後の電話（2回）：" in body
    assert "お断りした後にも、電話がありました。" in body
    assert "勧誘の電話" not in body
    assert "東京都の宅地建物取引業（不動産業）の担当部署" in notes
    assert "188" in notes
    assert "03-6457-9849（平日9:30〜17:30）" in notes


def test_report_for_a_minister_licence_goes_to_the_regional_bureau() -> None:
    case = full_case(licence="国土交通大臣(3)第1234号")
    letter = resolicitation_report(case, EVENTS, SENDER, TODAY, TZ, head_office="大阪府")
    assert letter.recipient == "近畿地方整備局長 殿"
    assert "・本店所在地の都道府県：大阪府" in letter.body
    assert "本店が大阪府にあるため、近畿地方整備局" in "\n".join(letter.notes)


def test_report_without_a_licence_explains_both_authorities() -> None:
    letter = resolicitation_report(full_case(licence=None), EVENTS, SENDER, TODAY, TZ)
    notes = "\n".join(letter.notes)
    assert "・免許番号：不明" in letter.body
    assert letter.recipient == "＿＿＿＿＿＿＿＿＿＿ 殿"
    assert "地方整備局" in notes
    assert "知事の免許" in notes
    assert "・九州地方整備局：福岡、佐賀、長崎、熊本、大分、宮崎、鹿児島" in notes
    assert "建設業者・宅建業者等企業情報検索システム" in notes
    assert_clean(letter)


def test_report_for_a_repeat_case_lists_its_own_call_after_the_earlier_refusal() -> None:
    case = full_case(
        repeat_of=1,
        repeat_refused_at="2026-10-02T00:15:00+00:00",
        refused_at="2026-11-20T05:30:00+00:00",
        repeat_calls=1,
    )
    events = [repeat_event("2026-11-25T01:12:00+00:00")]
    body = resolicitation_report(case, events, SENDER, TODAY, TZ).body
    assert "・勧誘をお断りした日時：令和8年10月2日9時15分" in body
    assert "（2回）：\n　1. 令和8年11月20日14時30分頃\n　2. 令和8年11月25日10時12分頃\n" in body


def test_report_counts_calls_recorded_without_a_time() -> None:
    case = full_case(repeat_calls=3)
    body = resolicitation_report(case, EVENTS, SENDER, TODAY, TZ).body
    assert "このほか、日時を記録していない電話が1回あります。" in body


def test_report_for_another_product_points_to_188_not_the_real_estate_act() -> None:
    case = full_case(product="健康食品", product_kind="other", licence="東京都知事(2)第1号")
    letter = resolicitation_report(case, EVENTS, SENDER, TODAY, TZ)
    body, notes = letter.body, "\n".join(letter.notes)
    assert letter.recipient == "消費生活センター 御中"
    assert "特定商取引に関する法律第17条" in body
    assert "宅地建物取引業法" not in body
    assert "免許番号" not in body
    # "Something else" does not establish that 特商法 applies: it has exclusions.
    assert "宅地建物取引業法は適用されません" not in notes
    assert "適用除外もある" in notes
    assert "電話勧誘販売に当たる場合" in body
    assert "188" in notes
    assert notes.count("188") == 1, "where it goes, not again among the other places"
    assert "【相談者の連絡先】" in body and "申告者" not in body, "a consultation, not a report"
    assert_clean(letter)


@pytest.mark.parametrize("make", MAKERS)
def test_only_a_phone_number_known(make: Any) -> None:
    letter = make(ONLY_PHONE, [], SENDER, TODAY, TZ)
    assert_clean(letter)
    body = letter.body
    assert "090-9876-5432" in body
    assert "令和8年11月27日8時45分" in body or make is resolicitation_report
    assert "株式会社" not in letter.recipient


def test_only_a_phone_number_known_details() -> None:
    broker = broker_request(ONLY_PHONE, [], SENDER, TODAY, TZ)
    assert broker.recipient == "個人情報ご担当者様"
    assert (
        "令和8年11月27日8時45分頃、電話番号 090-9876-5432 の発信者から、私に勧誘の電話"
        in broker.body
    )
    assert "入手先は明らかにされませんでした" in broker.body
    assert "宛先を書き入れて" in broker.notes[0]

    company = company_request(ONLY_PHONE, [], SENDER, TODAY, TZ)
    assert company.recipient == "電話番号 090-9876-5432 の発信元事業者 御中"
    assert "お断りし" not in company.body  # no refusal recorded
    assert "会社名と住所が分からない" in company.notes[0]

    report = resolicitation_report(ONLY_PHONE, [], SENDER, TODAY, TZ)
    assert "・商号又は名称：不明" in report.body
    assert "・勧誘をお断りした日時：不明" in report.body
    assert "日時の記録なし" in report.body


@pytest.mark.parametrize("make", MAKERS)
def test_recorded_after_the_call_without_a_time_states_no_time(make: Any) -> None:
    """The moment the case was typed in is not when the call came: no time is stated."""
    letter = make({**ONLY_PHONE, "mode": "after"}, [], SENDER, TODAY, TZ)
    assert_clean(letter)
    assert "8時45分" not in letter.body
    assert "頃、" not in letter.body


def test_a_refusal_recorded_afterwards_without_a_time_states_no_time() -> None:
    """``refused_at`` then only says when it was typed in: never printed as the refusal's
    time; the report says the refusal came no later than that day."""
    case = {**ONLY_PHONE, "mode": "after", "refused_at": "2026-11-27T01:00:00+00:00"}
    company = company_request(case, [], SENDER, TODAY, TZ).body
    assert "私はその電話で勧誘を明確にお断りしました。" in company
    assert "10時00分" not in company
    report = resolicitation_report({**case, "repeat_calls": 1}, [], SENDER, TODAY, TZ).body
    assert "・勧誘をお断りした日時：令和8年11月27日以前（日時の記録なし）" in report
    assert "10時" not in report
    repeat = {**ONLY_PHONE, "repeat_of": 1, "repeat_refused_at": None}
    assert (
        "なお、私は以前に貴社から勧誘の電話を受けた際に"
        in company_request(repeat, [], SENDER, TODAY, TZ).body
    )


def test_a_sender_without_phone_and_a_case_with_nothing() -> None:
    empty: dict[str, Any] = {"number": 1}
    sender = Sender("山田 花子", "東京都渋谷区")
    for make in MAKERS:
        letter = make(empty, [], sender, TODAY, TZ)
        assert_clean(letter)
        assert letter.sender == ("東京都渋谷区", "山田 花子")
        assert "・電話番号：" not in letter.body


def test_a_product_picked_in_english_is_written_in_japanese() -> None:
    body = broker_request(full_case(product="investment property"), [], SENDER, TODAY, TZ).body
    assert "私に投資用マンション・不動産の勧誘の電話がありました。" in body
    case = full_case(product="something else", product_kind="other")
    report = resolicitation_report(case, [], SENDER, TODAY, TZ).body
    assert "勧誘の内容" not in report
    assert "something" not in report


def test_letter_wording_found_in_review() -> None:
    """A lawyer's reading: no two 「なお、」 running; 保有個人データ where Art. 35 applies (and
    not 「保有する…保有」); the broker asked for what it discloses; the refusal's time said
    as about, as the calls after it are; the broker without an opt-out filing asked under
    35(3)."""
    repeat = full_case(repeat_of=1, outcome="no_record", repeat_refused_at=None)
    company = company_request(repeat, [], SENDER, TODAY, TZ).body
    assert "また、「日本名簿センター株式会社」に問い合わせたところ" in company
    assert "保有する私に関する保有" not in company
    broker = broker_request(full_case(), [], SENDER, TODAY, TZ).body
    assert "私に関する保有個人データの利用を停止し、消去してください。" in broker
    assert "開示の内容および対応の結果" in broker
    assert "同法第35条第3項に基づき、第三者への提供の停止を請求します。" in broker
    report = resolicitation_report(full_case(), [], SENDER, TODAY, TZ).body
    assert "日時：令和8年11月20日14時30分頃" in report


def test_a_refusal_recorded_without_its_time_is_dated_no_later_than_its_record() -> None:
    """Recorded after the call with no time, the report's refusal read 「不明」, though the
    refusal came no later than the day it was recorded (found in review)."""
    case = full_case(mode="after", call_at=None, refused_at="2026-12-07T01:00:00+00:00")
    body = resolicitation_report(case, [], SENDER, TODAY, TZ).body
    assert "・勧誘をお断りした日時：令和8年12月7日以前（日時の記録なし）" in body


def test_a_product_typed_in_english_is_said_by_its_kind() -> None:
    """ "investment condo" typed in the English UI went into the Japanese letter as it was,
    and onto the 内容証明 form in full-width Latin letters (found in review)."""
    body = broker_request(full_case(product="investment condo"), [], SENDER, TODAY, TZ).body
    assert "私に投資用マンション・不動産の勧誘の電話がありました。" in body
    assert "condo" not in body
    case = full_case(product="health food", product_kind="other")
    report = resolicitation_report(case, [], SENDER, TODAY, TZ).body
    assert "勧誘の内容" not in report and "health" not in report
    # Typed in Japanese (with Latin letters in it): written as typed.
    typed = full_case(product="REIT型の投資商品", product_kind="other")
    assert "REIT型の投資商品" in resolicitation_report(typed, [], SENDER, TODAY, TZ).body


def test_unreadable_phone_falls_back_to_what_was_typed() -> None:
    case = full_case(phone_e164="garbage", phone_raw="03-1111-2222")
    assert "電話番号：03-1111-2222" in broker_request(case, [], SENDER, TODAY, TZ).body


def test_wareki() -> None:
    assert wareki(date(2026, 11, 28)) == "令和8年11月28日"
    assert wareki(date(2019, 5, 1)) == "令和元年5月1日"
    assert wareki(date(2020, 1, 1)) == "令和2年1月1日"
    assert wareki(date(2019, 4, 30)) == "平成31年4月30日"


def test_licensing_authority() -> None:
    assert licensing_authority("国土交通大臣(3)第1234号") == ("minister", None)
    assert licensing_authority("東京都知事(5)第12345号") == ("governor", "東京都")
    assert licensing_authority("神奈川県知事（2）第3333号") == ("governor", "神奈川県")
    assert licensing_authority("北海道知事石狩(1)第1号") == ("governor", "北海道")
    assert licensing_authority("12345") == ("unknown", None)
    assert licensing_authority(None) == ("unknown", None)
    # Typed in English (the user's language), as the licence screen reads in romaji.
    assert licensing_authority("MLIT Minister (1) No. 9999") == ("minister", None)
    assert licensing_authority("Tokyo Governor (5) No. 12345") == ("governor", "東京都")
    assert licensing_authority("Governor of Ōsaka (2) 1234") == ("governor", "大阪府")
    assert licensing_authority("Governor (3) No. 1") == ("governor", None)


def test_a_report_on_a_licence_that_names_no_office_says_so_not_that_there_is_none() -> None:
    case = full_case(licence="Land Ministry (1) 9999")  # neither 大臣 nor minister
    letter = resolicitation_report(case, EVENTS, SENDER, TODAY, TZ)
    assert "宛名が空欄です。記録した免許番号（Land Ministry (1) 9999）からは" in letter.notes[0]
    missing = resolicitation_report(full_case(licence=None), EVENTS, SENDER, TODAY, TZ)
    assert missing.notes[0] == JA["note.unknown_blank"]


def test_later_calls_without_events_uses_the_last_repeat() -> None:
    refusal, calls = later_calls(full_case(), [])
    assert refusal == "2026-11-20T05:30:00+00:00"
    assert calls == ["2026-11-27T10:05:00+00:00"]


def test_wrap_keeps_numbers_whole_and_hangs_punctuation() -> None:
    def measure(text: str) -> float:
        return float(len(text))

    lines = wrap("電話番号090-1234-5678から電話がありました。", 16, measure)
    assert "090-1234-5678" in "".join(lines)
    assert any("090-1234-5678" in line for line in lines)
    assert all(not line.startswith(("。", "、")) for line in lines)
    assert "".join(lines) == "電話番号090-1234-5678から電話がありました。"
    # An opening bracket does not end a line.
    lines = wrap("あいうえおかきく「けこ」さし", 9, measure)
    assert not any(line.endswith("「") for line in lines)
    # A token wider than the line is broken per character.
    assert wrap("1234567890123", 5, measure) == ["12345", "67890", "123"]


def test_wrap_words_breaks_an_address_at_its_spaces() -> None:
    def measure(text: str) -> float:
        return float(len(text))

    address = "〒150-0000 東京都渋谷区神南9丁目9番9号 サンプルハイツ101"
    assert wrap_words(address, 25, measure) == [
        "〒150-0000 東京都渋谷区神南9丁目9番9号",
        "サンプルハイツ101",
    ]
    assert wrap_words("東京都渋谷区神南9丁目9番9号", 8, measure) == [
        "東京都渋谷区神南",
        "9丁目9番9号",
    ]


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    return reader, re.sub(r"\s+", "", text)


def test_pdf_is_a4_with_extractable_japanese() -> None:
    letter = broker_request(full_case(), EVENTS, SENDER, TODAY, TZ)
    data = to_pdf(letter)
    assert data.startswith(b"%PDF")
    reader, text = pdf_text(data)
    assert len(reader.pages) == 1
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - 595) <= 1
        assert abs(float(page.mediabox.height) - 842) <= 1
    for expected in (
        "日本名簿センター株式会社御中",
        "株式会社グランレジデンス東都",
        "個人情報保護法",
        "第27条第2項",
        "090-1234-5678",
        "令和8年11月28日",
        "本書到達後2週間以内に書面で回答してください。",
    ):
        assert expected in text
    assert "法的助言" not in text
    # The font is embedded, so any viewer can show it.
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descendant = next(iter(fonts.values())).get_object()["/DescendantFonts"][0].get_object()
    assert "/FontFile2" in descendant["/FontDescriptor"].get_object()


BROKER_AT = "〒100-0005 東京都千代田区丸の内9-9-9 名簿ビル3階"
COMPANY_AT = "〒160-0023 東京都新宿区西新宿9-9-9 東都タワー12階"


@pytest.mark.parametrize(
    ("make", "address"), [(broker_request, BROKER_AT), (company_request, COMPANY_AT)]
)
def test_a_request_prints_its_addressees_address_above_the_name(make: Any, address: str) -> None:
    """As on an envelope: the address, then 「… 御中」; on the 内容証明 grid the recipient's
    address row holds it, and no blank row is left to write it in."""
    case = full_case(broker_address=BROKER_AT, company_address=COMPANY_AT)
    letter = make(case, EVENTS, SENDER, TODAY, TZ)
    unaddressed = make(full_case(), EVENTS, SENDER, TODAY, TZ)
    assert letter.recipient_address == address and unaddressed.recipient_address == ""
    assert f"\n\n{address}\n{letter.recipient}\n\n" in letter.body
    assert letter.body.replace(f"{address}\n", "", 1) == unaddressed.body
    _, closing = naiyo_lines(letter)
    _, blank = naiyo_lines(unaddressed)
    at = [line.startswith("受取人") for line in closing].index(True)
    given = "".join(line.strip("　") for line in closing[at:-1])
    assert given == naiyo.full_width(f"受取人 住所 {address}")
    assert "" in blank and "" not in closing, "no row left for a hand-written address"
    _, text = pdf_text(to_pdf(letter))
    assert address.replace(" ", "") + letter.recipient.replace(" ", "") in text


def test_an_address_of_a_business_not_named_is_not_printed() -> None:
    """A broker's address kept on a case whose broker is no longer named stays off the
    broker's letter (addressed to whoever holds the list); likewise the company's."""
    case = full_case(broker_name=None, company=None, broker_address=BROKER_AT)
    case["company_address"] = COMPANY_AT
    for make in (broker_request, company_request):
        letter = make(case, EVENTS, SENDER, TODAY, TZ)
        assert letter.recipient_address == ""
        assert BROKER_AT not in letter.body and COMPANY_AT not in letter.body


def test_a_long_company_name_wraps_in_the_pdf_with_its_honorific() -> None:
    name = "株式会社" + "グランレジデンス東都ホールディングス" * 5  # 99 characters, as allowed
    letter = company_request(full_case(company=name), EVENTS, SENDER, TODAY, TZ)
    reader, text = pdf_text(to_pdf(letter))
    assert f"{name}御中" in text
    page = reader.pages[0]
    runs: list[tuple[str, float]] = []
    page.extract_text(visitor_text=lambda text, cm, tm, *_: runs.append((text, tm[4])))
    lines = [(text, x) for text, x in runs if text.strip()][1:4]  # after the date
    assert "".join(text for text, _ in lines).replace(" ", "") == f"{name}御中"
    width = float(page.mediabox.width)
    for text, x in lines:  # each line starts on the page and is no longer than a full line
        assert 0 < x < width / 4
        assert len(text) < 40


def test_long_report_pdf_spans_pages_with_page_numbers() -> None:
    events = [repeat_event(f"2026-11-{day:02d}T01:00:00+00:00") for day in range(1, 29)]
    case = full_case(refused_at="2026-10-01T01:00:00+00:00", repeat_calls=len(events))
    data = to_pdf(resolicitation_report(case, events, SENDER, TODAY, TZ))
    reader, text = pdf_text(data)
    assert len(reader.pages) == 2
    assert "1/2" in text and "2/2" in text
    assert "28.令和8年11月28日10時頃" in text


def test_a_heading_never_ends_a_page_of_the_pdf() -> None:
    """19 calls put 【申告者の連絡先】 at the foot of page 1: it starts page 2 instead."""
    events = [repeat_event(f"2026-11-{day:02d}T01:00:00+00:00") for day in range(1, 20)]
    case = full_case(refused_at="2026-10-01T01:00:00+00:00", repeat_calls=len(events))
    reader = PdfReader(io.BytesIO(to_pdf(resolicitation_report(case, events, SENDER, TODAY, TZ))))
    first, second = (
        [line for line in p.extract_text().splitlines() if line.strip()] for p in reader.pages
    )
    assert not first[-2].startswith("【"), first[-2]  # the last line is the page number
    assert second[0].startswith("【申告者の連絡先】")


@pytest.mark.parametrize("length", range(60, 85))
def test_a_heading_never_ends_a_page_of_the_naiyo_grid(length: int) -> None:
    """A long company name moves 【請求の内容】 to a page's last row: it moves to the next
    page, and nothing else moves or is lost."""
    case = full_case(company="株式会社" + "東" * length)
    for make in (broker_request, company_request):
        letter = make(case, EVENTS, SENDER, TODAY, TZ)
        pages = naiyo_pages(letter)
        assert all(not page[-1].startswith("【") for page in pages)
        lines, closing = naiyo_lines(letter)
        laid = [line for page in pages for line in page if line]
        assert laid == [line for line in (*lines, *closing) if line]


def test_rows_as_the_store_keeps_them() -> None:
    from datetime import UTC, datetime

    from flows.store import EVENTS as EVENTS_TABLE
    from flows.store import Store, open_database

    now = datetime(2026, 11, 20, 5, 30, tzinfo=UTC)
    store = Store(open_database(":memory:"), clock=lambda: now)
    store.create_user(1, "ja")
    case = store.new_case(1, "after")
    before = dict(case)
    case.update(
        company="株式会社グランレジデンス東都",
        phone_raw="03-1234-5678",
        phone_e164="+81312345678",
        product="投資用マンション・不動産",
        product_kind="property",
        call_at=now.isoformat(),
        refused_at=now.isoformat(),
        repeat_calls=1,
    )
    store.save_case(before, case)
    store.add_event(case, "repeat_call", detail={"at": "2026-11-25T01:12:00+00:00"})
    row = store.case(case["id"])
    assert row is not None
    events = list(store.db.table(EVENTS_TABLE).rows_where("case_id = ?", [case["id"]]))
    letter = resolicitation_report(row, events, SENDER, TODAY, TZ)
    assert_clean(letter)
    assert "・勧誘をお断りした日時：令和8年11月20日14時30分" in letter.body
    assert "（1回）：\n　1. 令和8年11月25日10時12分頃\n" in letter.body
    assert "・免許番号：不明" in letter.body
    store.close()


# -- every wording, pinned -------------------------------------------------------------------
# Each letter kind in each of its branches, as the sender gets it: the body, the notes in both
# languages and the 内容証明 pages. Moving the copy (into the catalog, between modules) must
# leave this unchanged. Regenerate, after a deliberate change of wording, with:
#   python -m tests.test_letters
GOLDEN = Path(__file__).resolve().parent / "golden" / "letters.txt"
_REPEAT = {"repeat_of": 1, "repeat_refused_at": "2026-10-02T00:15:00+00:00"}
_OTHER = {"product": "健康食品", "product_kind": "other", "licence": None}
_MINISTER = {"licence": "国土交通大臣(3)第1234号"}
_AFTER = {**ONLY_PHONE, "mode": "after", "refused_at": "2026-11-27T01:00:00+00:00"}
_NO_PHONE = Sender("山田 花子", "東京都渋谷区")
# The broker's letter made on 11/22 (Tokyo), its check answered "no answer" on 12/14.
UNANSWERED = [
    {
        "at": "2026-11-22T01:00:00+00:00",
        "kind": "letter",
        "detail": json.dumps({"kind": "broker_request", "title": "…"}),
    },
    {
        "at": "2026-12-14T01:00:00+00:00",
        "kind": "reminder",
        "trigger": "no_reply",
        "detail": json.dumps({"kind": "check_compliance", "addressee": "broker"}),
    },
]

VARIANTS: dict[str, Any] = {
    "broker/full": lambda: broker_request(full_case(), EVENTS, SENDER, TODAY, TZ),
    # The broker typed after the call ended or a skip: the caller never named it.
    "broker/not-named": lambda: broker_request(
        full_case(source_named=0), EVENTS, SENDER, TODAY, TZ
    ),
    # Step ④'s call to the broker, and what it answered.
    **{f"broker/demanded-{o}": demanded(o) for o in ("agreed", "declined", "no_record")},
    # A second letter after the first's check was answered 「対応がない」 (a 督促), addressed.
    "broker/unanswered-addressed": lambda: broker_request(
        full_case(broker_address="〒100-0005 東京都千代田区丸の内9-9-9 名簿ビル3階"),
        [*EVENTS, *UNANSWERED],
        SENDER,
        TODAY,
        TZ,
    ),
    "broker/only-phone": lambda: broker_request(ONLY_PHONE, [], SENDER, TODAY, TZ),
    "broker/empty": lambda: broker_request({"number": 1}, [], _NO_PHONE, TODAY, TZ),
    "company/full": lambda: company_request(full_case(), EVENTS, SENDER, TODAY, TZ),
    "company/repeat-no-record": lambda: company_request(
        full_case(**_REPEAT, outcome="no_record", refused_at="2026-11-20T06:00:00+00:00"),
        [],
        SENDER,
        TODAY,
        TZ,
    ),
    "company/repeat-not-refused": lambda: company_request(
        full_case(**_REPEAT, refused_at=None), [], SENDER, TODAY, TZ
    ),
    "company/other-product": lambda: company_request(full_case(**_OTHER), [], SENDER, TODAY, TZ),
    "company/not-named": lambda: company_request(
        full_case(source_named=0), EVENTS, SENDER, TODAY, TZ
    ),
    "company/only-phone": lambda: company_request(ONLY_PHONE, [], SENDER, TODAY, TZ),
    "company/after": lambda: company_request(_AFTER, [], SENDER, TODAY, TZ),
    "company/empty": lambda: company_request({"number": 1}, [], _NO_PHONE, TODAY, TZ),
    "report/governor": lambda: resolicitation_report(full_case(), EVENTS, SENDER, TODAY, TZ),
    "report/minister-osaka": lambda: resolicitation_report(
        full_case(**_MINISTER), EVENTS, SENDER, TODAY, TZ, head_office="大阪府"
    ),
    "report/minister-blank": lambda: resolicitation_report(
        full_case(**_MINISTER), EVENTS, SENDER, TODAY, TZ
    ),
    "report/no-licence": lambda: resolicitation_report(
        full_case(licence=None, repeat_calls=3), EVENTS, SENDER, TODAY, TZ
    ),
    "report/repeat": lambda: resolicitation_report(
        full_case(**_REPEAT, repeat_calls=1),
        [repeat_event("2026-11-25T01:12:00+00:00")],
        SENDER,
        TODAY,
        TZ,
        earlier_case=full_case(mode="call"),
    ),
    "report/other-product": lambda: resolicitation_report(
        full_case(**_OTHER), EVENTS, SENDER, TODAY, TZ
    ),
    "report/not-named": lambda: resolicitation_report(
        full_case(source_named=0), EVENTS, SENDER, TODAY, TZ
    ),
    "report/only-phone": lambda: resolicitation_report(ONLY_PHONE, [], SENDER, TODAY, TZ),
    "report/after": lambda: resolicitation_report(
        {**_AFTER, "repeat_calls": 1}, [], SENDER, TODAY, TZ
    ),
    "report/empty": lambda: resolicitation_report({"number": 1}, [], _NO_PHONE, TODAY, TZ),
}


def every_wording() -> str:
    parts = []
    for name, make in VARIANTS.items():
        letter = make()
        pages = ["\n".join(page) for page in naiyo_pages(letter)]
        parts += [
            f"=== {name} ({letter.kind})",
            letter.body,
            "--- notes",
            *letter.notes,
            "--- notes (en)",
            *letter.notes_in(Texts("en")),
            "--- 内容証明",
            "\n\f\n".join(pages),
            "",
        ]
    return "\n".join(parts)


def test_every_wording_of_every_letter_is_unchanged() -> None:
    assert GOLDEN.read_text(encoding="utf-8") == every_wording(), (
        "a letter's wording changed: if on purpose, python -m tests.test_letters"
    )


KANA = re.compile(r"[\u3041-\u3096\u30a1-\u30fa]")  # kana letters, not 「・」「ー」


def test_the_letters_wording_is_in_the_catalog_not_in_code() -> None:
    """A reviewer of wording finds every sentence in flows/texts.py (LETTER_JA): no string in
    flows/letters/ has kana, docstrings, the line-breaking rules' character sets, place
    names (the one designated city written in kana) and the patterns that read a typed
    address (``re.compile``'s: 一ノ七, 上ル) aside."""
    package = Path(__file__).resolve().parent.parent / "flows" / "letters"
    allowed = {"".join(sorted(NO_LINE_START)), "".join(sorted("さいたま市"))}
    for path in sorted(package.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        patterns = {
            id(node.args[0])
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "compile"
            and node.args
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings | patterns
                and KANA.search(node.value)
                and "".join(sorted(node.value)) not in allowed
            ):
                raise AssertionError(f"{path.name}:{node.lineno}: {node.value!r}")


@pytest.mark.parametrize("hang", [0, 3, 7, 13])
@pytest.mark.parametrize(
    "text",
    [
        "あ" * 25 + "。" * 30,
        "（" * 60 + "あ",
        "い" * 24 + "「" * 22 + "う" * 10,
        "え」。" * 20,
        "０" * 60,
        "お" * 20 + "０３－１２３４－５６７８" + "）" * 8,
        "か" * 3 + "Ａ" * 24 + "。" * 3,
        ("き" * 17 + "（" + "１－２－３" * 2) * 3,
    ],
)
def test_no_grid_line_is_wider_than_the_post_offices_grid(text: str, hang: int) -> None:
    """A run of 「。」 or 「「」 moved down whole made a continuation line 27 cells wide."""
    lines = _grid_wrap(text, hang=hang)
    assert all(len(line) <= NAIYO_COLUMNS for line in lines), [len(line) for line in lines]
    assert "".join(line[hang:] if n else line for n, line in enumerate(lines)) == text


# Runs of one character each, long ones too: a number or a Latin word next to brackets.
_GRID_TEXT = st.lists(
    st.tuples(st.sampled_from("あＡ０－（「）」。、"), st.integers(min_value=1, max_value=20)),
    min_size=1,
    max_size=12,
).map(lambda runs: "".join(ch * n for ch, n in runs))


@given(text=_GRID_TEXT, hang=st.integers(min_value=0, max_value=13))
@example(text="あ" * 7 + "Ａ" * 18 + "）。" + "い" * 20, hang=7)
@example(text="お" * 20 + "（０３－１２３４－５６７８）」。" + "か" * 30, hang=13)
@settings(max_examples=400, deadline=None)
def test_any_text_fits_the_post_offices_grid_and_loses_nothing(text: str, hang: int) -> None:
    """Keeping a number whole once made a 27-cell line (a run moved down beside what
    kinsoku had moved already), and left 「（」 at a line's end."""
    lines = _grid_wrap(text, hang=hang)
    assert all(len(line) <= NAIYO_COLUMNS for line in lines), [len(line) for line in lines]
    assert "".join(line[hang:] if n else line for n, line in enumerate(lines)) == text


@pytest.mark.parametrize("lead", range(14, 26))
@pytest.mark.parametrize("run", ["０３－１２３４－５６７８", "１－２－３", "ＡＢＣ"])
def test_a_grid_line_does_not_split_a_number_or_a_latin_word(lead: int, run: str) -> None:
    """A phone number or a 番地 where the line ends moves down whole: the line stays short."""
    text = "あ" * lead + run + "から、"
    lines = _grid_wrap(text, hang=1)
    assert sum(run in line for line in lines) == 1, lines
    assert "".join(line[1:] if n else line for n, line in enumerate(lines)) == text


def test_a_numbered_items_title_never_ends_a_page_of_the_naiyo_grid() -> None:
    """「３．勧誘の中止」 at the foot of a page, its text on the next, or 【請求の内容】 there
    with 「１．…」 on the next: each goes to the next page with the first line it heads."""
    seen = set()
    for length in range(0, 160, 3):
        for make in (broker_request, company_request):
            letter = make(full_case(company="株式会社" + "東" * length), EVENTS, SENDER, TODAY, TZ)
            pages = naiyo_pages(letter)
            for page in pages:
                last = [line for line in page if line][-1]
                assert not last.startswith("【"), last
                assert not re.match(r"[０-９]+．", last), last
            lines, closing = naiyo_lines(letter)
            laid = [line for page in pages for line in page if line]
            assert laid == [line for line in (*lines, *closing) if line], "nothing moved or lost"
            seen |= {page[0][:2] for page in pages[1:]}
    assert {"【請", "３．"} <= seen, seen  # the lengths reach both cases


if __name__ == "__main__":
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(every_wording(), encoding="utf-8")


@pytest.mark.parametrize(
    "typed",
    [
        "〒150-0001 東京都渋谷区神宮前1-2-3",
        "〒1500001 渋谷区神宮前1-2-3",
        "150-0001 渋谷区神宮前1-2-3",
        "〒100‐0001 千代田区千代田1-1",  # U+2010, as some keyboards type the hyphen
        "１５０－０００１ 渋谷区神宮前１－２－３",
        "東京都渋谷区神宮前1-2-3",
        "北海道札幌市中央区北1条西2丁目",
        "横浜市中区日本大通1",  # a designated city, without its prefecture
        "札幌市中央区北1条西2丁目",
        "さいたま市浦和区高砂3-15-1",
        "大阪市北区梅田1-1-1",
        "山口市滝町1-1",  # the prefecture's name first, then its city
        "1-2-3 Jingumae, Shibuya-ku, Tokyo 150-0001",
        "1-2-3 Jingumae, Shibuya-ku, Tōkyō",
        "2-1 Minami-cho, Chiba-shi, Chiba",
        "東京 渋谷区神宮前1-2-3",  # the prefecture's short name, and a space
        "1500001 東京都渋谷区神宮前1-2-3",  # the postcode's seven digits first
        "〒150 0001 渋谷区神宮前1-2-3",
        "東京都府中市宮西町2-24",
        "1-1 Minatomirai, Nishi-ku, Yokohama",  # a designated city in Latin letters
        "1-1 Sakae, Naka-ku, Nagoya-shi",
        "1-1 Umeda, Kita-ku, Ohsaka",
        "東京都渋谷区神宮前1-2-3 TEL 03-1234-5678",
        "東京都千代田区霞が関三丁目1番",
        "〒060-0001 中央区北1条西2丁目",  # a postcode that begins with 0 is not a phone
        "東京都千代田区永田町一ノ七ノ一",  # block numbers in kanji, as formal letters write them
        "東京都渋谷区神宮前一の二の三",
        "東京都新宿区西新宿二―八―一",
        "長野県下伊那郡阿智村大字智里三七三一",
        "東京都三宅村阿古一〇〇",
        "岡山市北区大供一ノ一ノ一",
        "京都市中京区河原町通三条上ル下丸屋町",  # Kyoto: the way from a crossing
        "東大阪市荒本北1-1-1",  # a city that begins the address, not a designated one
        "東広島市西条栄町8-29",
        "1323 Karuizawa, Kitasaku District, Nagano",
        "Karuizawa 1323, Nagano Prefecture",
        "10 Nishi 2 Kita 1 Sapporo Hokkaido",
    ],
)
def test_an_address_is_taken_as_one(typed: str) -> None:
    assert looks_like_address(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "090-1234-5678",  # a phone number typed for the address
        "03-1234-5678",
        "0312345678",
        "+81 90 1234 5678",
        "山口",  # a surname that is also a prefecture's
        "石川 花子",
        "Chiba",
        "Hanako Chiba",
        "Tokyo",
        "中央区1-2-3",
        "123",
        "2026-1205",
        "045 123-4567",  # phone numbers, as people write them
        "(045)123-4567",
        "TEL 045 123-4567",
        "東京都 03-1234-5678",
        "千葉市郎 3",  # names that begin with a city's or a prefecture's
        "石川町子 3",
        "Chiba 090-1234-5678",
        "Tokyo 2020",
        "東京都",  # no block number to deliver to
        "東京都渋谷区",
        "〒150-0001",
        "150-0001 渋谷区",
        "東京都 +81312345678",  # phone numbers in the other ways they are written
        "東京都渋谷区神宮前 +81-90-1234-5678",
        "東京都 03(1234)5678",
        "高市早苗 3",
        "東京都千代田区永田町",  # no block number: asked again (see below)
    ],
)
def test_what_cannot_be_posted_to_is_not_an_address(typed: str) -> None:
    assert not looks_like_address(typed)


def test_an_address_without_a_block_number_is_told_apart() -> None:
    """A few real addresses have no block number (〒606-8501 京都市左京区吉田本町): refusing
    them outright left the person no way to write a letter. Told apart, they are asked
    once more (``flows.features.letters``); what names no place is not."""
    for typed in ("〒606-8501 京都市左京区吉田本町", "東京都千代田区永田町"):
        assert lacks_a_block_number(typed) and not looks_like_address(typed), typed
    for typed in ("渋谷区神南", "山口", "東京都渋谷区神南1-1", "Tokyo"):
        assert not lacks_a_block_number(typed), typed
    # Sent twice, these would have gone on a letter: no town to deliver to.
    for typed in ("東京都", "〒150-0001", "北海道", "横浜市中区", "東京都三鷹市"):
        assert not lacks_a_block_number(typed) and not looks_like_address(typed), typed
