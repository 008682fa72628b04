"""Written requests made from a case: to the list broker, to the calling company, and a report
of re-solicitation for the licensing authority.

They go to Japanese businesses and offices, so they are in Japanese only. A letter is plain
data: the parts (date, recipient, sender block, title, content lines) and ``body``, the whole
letter as plain text. ``notes`` are for the sender (where to send it, whom else to ask) and are
not part of the letter. Missing case fields are left out or written 「不明」, never shown as a
placeholder.

Content lines carry their layout in their shape, which ``to_pdf`` reads: "" is a gap, 「記」 is
centred, 「以上」 goes right, 【…】 is a heading, leading full-width spaces indent the whole
line, and a line starting with 「1. 」 or 「・」 hangs its continuation lines under the text.

Legal references follow shared/domain/legal-ja.md: the Enforcement Regulations of the
宅地建物取引業法 are cited without their article number, which is unverified.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flows.normalize import format_phone
from flows.texts import CATALOGS, DISCLAIMER_JA, JA

UNKNOWN = "不明"
PRODUCT_LABELS = ("product.property", "product.other")
BROKER_REQUEST = "broker_request"
COMPANY_REQUEST = "company_request"
RESOLICITATION_REPORT = "resolicitation_report"

APPI = "個人情報の保護に関する法律（以下「個人情報保護法」といいます。）"
REPLY_DEADLINE = "本書到達後2週間以内に書面で回答してください。"
HOTLINE_188 = "消費者ホットライン 188（最寄りの消費生活センターなどにつながります）"
PPC_DIAL = "個人情報保護法相談ダイヤル 03-6457-9849（平日9:30〜17:30）"
MLIT_SEARCH = "国土交通省の「建設業者・宅建業者等企業情報検索システム」"
PPC_OPTOUT_SEARCH = "個人情報保護委員会のウェブサイトの「オプトアウト届出書検索」"


@dataclass(frozen=True)
class Sender:
    """The user's own details, asked only when a letter is made (never stored with the case)."""

    name: str
    address: str
    phone: str | None = None


@dataclass(frozen=True)
class Letter:
    kind: str
    title: str
    recipient: str  # 「〇〇 御中」
    date: str  # 令和8年11月28日
    sender: tuple[str, ...]  # the sender block, one line each
    content: tuple[str, ...]  # the lines after the title, disclaimer excluded
    notes: tuple[str, ...] = ()  # for the sender: where to send it, whom else to ask

    @property
    def body(self) -> str:
        """The whole letter as plain text, as it is sent."""
        parts = [
            self.date,
            "",
            self.recipient,
            "",
            *self.sender,
            "",
            self.title,
            "",
            *self.content,
            "",
            DISCLAIMER_JA,
        ]
        return "\n".join(parts) + "\n"


# -- formatting ----------------------------------------------------------------------------


def wareki(day: date) -> str:
    """A date in the Japanese era calendar: 令和8年11月28日 (令和元年 for its first year)."""
    if day >= date(2019, 5, 1):
        era, year = "令和", day.year - 2018
    else:
        era, year = "平成", day.year - 1988
    return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"


def _moment(iso: str | None, tz: ZoneInfo) -> datetime | None:
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if moment.tzinfo is None:  # the store writes aware UTC; anything else is taken as UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz)


def local_datetime(iso: str | None, tz: ZoneInfo) -> str | None:
    """「2026年11月20日 14時30分」 in the user's zone, or None for a missing/unreadable time."""
    moment = _moment(iso, tz)
    if moment is None:
        return None
    return f"{moment.year}年{moment.month}月{moment.day}日 {moment.hour}時{moment.minute:02d}分"


def _text(value: Any) -> str | None:
    """A case field as text to print, or None when it is missing or blank."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _phone(case: Mapping[str, Any]) -> str | None:
    e164 = _text(case.get("phone_e164"))
    if e164:
        try:
            return format_phone(e164)
        except Exception:  # phonenumbers.NumberParseException: fall back to what was typed
            pass
    return _text(case.get("phone_raw"))


def call_moment(case: Mapping[str, Any]) -> str | None:
    """When the call came, as far as it is known: the time the user gave; during a call, the
    moment the case was opened; recorded afterwards without a time, None (not the moment it
    was typed in, which a letter would state as a fact)."""
    if case.get("call_at"):
        return str(case["call_at"])
    if case.get("mode") == "call" and case.get("opened_at"):
        return str(case["opened_at"])
    return None


def refusal_moment(case: Mapping[str, Any]) -> str | None:
    """When the user refused, as far as it is known: on the call, so at the call's time; a
    call recorded afterwards without a time leaves it unknown (``refused_at`` then only
    holds when it was typed in, an upper bound good for comparing, not for stating)."""
    if not case.get("refused_at") or call_moment(case) is None:
        return None
    return str(case["refused_at"])


def _call_time(case: Mapping[str, Any], tz: ZoneInfo) -> str | None:
    return local_datetime(call_moment(case), tz)


def _detail(event: Mapping[str, Any]) -> dict[str, Any]:
    raw = event.get("detail")
    if isinstance(raw, Mapping):
        return dict(raw)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _is_property(case: Mapping[str, Any]) -> bool:
    kind = case.get("product_kind")
    # A licence number only exists for a 宅建業者: with no product recorded, it decides.
    return kind == "property" or (kind is None and bool(_text(case.get("licence"))))


def _sender_block(sender: Sender) -> tuple[str, ...]:
    lines = [_text(sender.address), _text(sender.name)]
    phone = _text(sender.phone)
    if phone:
        lines.append(f"電話 {phone}")
    return tuple(line for line in lines if line)


def _identity(sender: Sender) -> list[str]:
    """The sender's details as a list, so the business can find its record."""
    rows = [("氏名", sender.name), ("住所", sender.address), ("電話番号", sender.phone)]
    return [f"・{label}：{value}" for label, raw in rows if (value := _text(raw))]


def _caller_desc(case: Mapping[str, Any], *, you: bool = False) -> str:
    """Who called: 「ABC不動産株式会社（担当者：鈴木 一郎、電話番号：03-…）」."""
    company = _text(case.get("company"))
    person = _text(case.get("person"))
    phone = _phone(case)
    extras = []
    if person:
        extras.append(f"担当者：{person}")
    if phone:
        extras.append(f"電話番号：{phone}")
    if you:
        name = "貴社"
    elif company:
        name = company
    elif phone:
        name = f"電話番号 {phone} の発信者"
        extras = [e for e in extras if not e.startswith("電話番号")]
    else:
        name = "ある事業者"
    return name + (f"（{'、'.join(extras)}）" if extras else "")


def _product(case: Mapping[str, Any]) -> str | None:
    """What was pitched, in Japanese: a button's label is stored in the user's language."""
    product = _text(case.get("product"))
    labels = {key: {texts[key] for texts in CATALOGS.values()} for key in PRODUCT_LABELS}
    if product in labels["product.property"]:
        return JA["product.property"]
    if product in labels["product.other"]:
        return None  # "other" says nothing worth writing
    return product


def _pitch(case: Mapping[str, Any]) -> str:
    product = _product(case)
    return f"{product}の勧誘の電話" if product else "勧誘の電話"


def _when_prefix(when: str | None) -> str:
    return f"{when}頃、" if when else ""


# -- the letters ---------------------------------------------------------------------------


def broker_request(
    case: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    sender: Sender,
    today: date,
    tz: ZoneInfo,
) -> Letter:
    """To the list broker: stop providing my data (27(2)), stop use and erase it (35),
    disclose to whom it was provided (33, records under 29); reply within two weeks."""
    broker = _text(case.get("broker_name"))
    when = _call_time(case, tz)
    facts = [
        f"{_when_prefix(when)}{_caller_desc(case)}から、私に{_pitch(case)}がありました。",
    ]
    if broker:
        facts.append("その際、先方は私の連絡先の入手元として貴社の名前を挙げました。")
    else:
        facts.append(
            "その際、私の連絡先の入手元は明らかにされませんでした。"
            "貴社が私の個人データを保有している場合は、下記のとおり対応してください。"
        )
    content = [
        f"私は、貴社が保有する私の個人データについて、{APPI}に基づき、下記のとおり請求します。",
        "",
        "記",
        "",
        "【経緯】",
        *facts,
        "",
        "【請求の内容】",
        "1. 第三者提供の停止（個人情報保護法第27条第2項）",
        "　貴社が本人の同意なく私の個人データを第三者に提供しているのであれば、それは同項の"
        "規定（いわゆるオプトアウト）によるものと理解しています。同項は、本人の求めに応じて"
        "提供を停止することを条件としています。私は本書により提供の停止を求めますので、"
        "今後、私の個人データを第三者に提供しないでください。",
        "2. 利用停止および消去（個人情報保護法第35条）",
        "　私は望まない勧誘電話を受けており、私の個人データの取扱いにより私の権利又は正当な利益が"
        "害されるおそれがあります。私の個人データの利用を停止し、消去してください。",
        "3. 提供先の開示（個人情報保護法第33条）",
        "　貴社が同法第29条に基づき作成・保存している第三者提供の記録のうち、私に関するもの"
        "（提供した年月日、提供先の名称および住所など）を開示してください。あわせて、貴社が"
        "私の個人データを取得した方法（取得元）をお知らせください。開示に手数料が必要な場合は、"
        "その金額と支払方法をお知らせください。",
        "4. 回答",
        f"　上記1から3について、対応の結果（提供の停止、利用停止および消去を行った日を含みます）を"
        f"{REPLY_DEADLINE}",
        "",
        "【照合のための情報】",
        "貴社の記録と照合できるよう、私の情報を記します。貴社の記録では、住所や勤務先が"
        "これと異なる形で登録されている可能性があります。",
        *_identity(sender),
        "",
        "以上",
    ]
    recipient = f"{broker} 御中" if broker else "個人データ取扱担当者様"
    notes = [
        "特定記録郵便や内容証明郵便など、届いた日が分かる方法で送り、控えを保管してください。",
        f"名簿業者の住所と、提供停止の求めの受付方法は、{PPC_OPTOUT_SEARCH}で確認できます。",
        "提供の停止は今後の提供を止めるものです。すでに提供された名簿は提供先に残るため、"
        "別の会社から電話が来ることがあります。そのつど一件ずつ対応してください。",
        "到達から2週間たっても回答がない場合は、督促するか、" + PPC_DIAL + "に相談できます。",
    ]
    if not broker:
        notes.insert(0, "名簿業者の名前が分かっていません。宛先を書き入れてから送ってください。")
    return Letter(
        kind=BROKER_REQUEST,
        title="個人データの第三者提供停止等請求書",
        recipient=recipient,
        date=wareki(today),
        sender=_sender_block(sender),
        content=tuple(content),
        notes=tuple(notes),
    )


def company_request(
    case: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    sender: Sender,
    today: date,
    tz: ZoneInfo,
) -> Letter:
    """To the calling company: disclose where it got my data (its confirmation record under
    30, requested under 33), stop using it (35) and stop calling."""
    company = _text(case.get("company"))
    broker = _text(case.get("broker_name"))
    phone = _phone(case)
    when = _call_time(case, tz)
    refused = local_datetime(refusal_moment(case), tz)
    earlier = local_datetime(case.get("repeat_refused_at"), tz)
    facts = [
        f"{_when_prefix(when)}{_caller_desc(case, you=True)}から、私に{_pitch(case)}がありました。"
    ]
    if broker:
        facts.append(f"その際、貴社は私の連絡先の入手元として「{broker}」の名前を挙げました。")
    if case.get("refused_at"):
        at = "その電話で" if refused is None or refused == when else f"{refused}頃、"
        facts.append(f"私は{at}勧誘をはっきりお断りし、今後電話をしないよう求めました。")
    if case.get("repeat_of"):
        at = f"{earlier}頃" if earlier else "以前"
        facts.append(f"また、{at}にも同様の勧誘があり、その際にもお断りしています。")

    source = (
        "　個人情報保護法第30条により、貴社は第三者から個人データの提供を受ける際、提供者の"
        "氏名又は名称、住所、代表者の氏名、および提供者がそのデータを取得した経緯を確認し、"
        "その記録を作成・保存しなければなりません。私に関するこの確認の記録（提供者の名称、"
        "住所、提供者による取得の経緯、提供を受けた年月日）を、同法第33条に基づき開示して"
        "ください。"
    )
    if broker:
        source += (
            f"貴社が電話で挙げた「{broker}」から取得したのであれば、その記録を示してください。"
        )
    stop = [
        "　私の個人情報の利用を停止し、消去してください。",
        "　今後、電話、訪問、郵便その他の方法で、私に一切の勧誘をしないでください。",
    ]
    if _is_property(case):
        stop.append(
            "　なお、宅地建物取引業法第47条の2第3項および同法施行規則は、契約を締結しない旨の"
            "意思（勧誘を引き続き受けることを希望しない旨の意思を含みます）を表示した相手方に"
            "勧誘を続けることを禁じています。"
        )
    elif case.get("product_kind"):
        stop.append(
            "　なお、特定商取引法第17条は、電話勧誘販売において、契約を締結しない旨の意思を"
            "表示した相手方に勧誘を続けることを禁じています。"
        )
    content = [
        f"私は、貴社による私の個人情報の取扱いについて、{APPI}に基づき、下記のとおり請求します。",
        "",
        "記",
        "",
        "【経緯】",
        *facts,
        "",
        "【請求の内容】",
        "1. 取得元の開示（個人情報保護法第30条・第33条）",
        source,
        "2. 利用停止および勧誘の中止（個人情報保護法第35条）",
        *stop,
        "3. 回答",
        "　上記1および2について、開示の内容と対応の結果を" + REPLY_DEADLINE,
        "　開示に手数料が必要な場合は、その金額と支払方法をお知らせください。",
        "",
        "【照合のための情報】",
        "貴社の記録と照合できるよう、私の情報を記します。",
        *_identity(sender),
        "",
        "以上",
    ]
    if company:
        recipient = f"{company} 御中"
    elif phone:
        recipient = f"電話番号 {phone} の発信元事業者 御中"
    else:
        recipient = "ご担当者様"
    notes = [
        "特定記録郵便や内容証明郵便など、届いた日が分かる方法で送り、控えを保管してください。",
        "開示された取得元（名簿業者）には、提供の停止と消去を求める請求書を送れます。",
    ]
    if not company:
        notes.insert(
            0,
            "会社名と住所が分からないと郵送できません。次に電話が来たら会社名と住所を"
            "確認してください。",
        )
    return Letter(
        kind=COMPANY_REQUEST,
        title="個人情報の取得元の開示および利用停止等請求書",
        recipient=recipient,
        date=wareki(today),
        sender=_sender_block(sender),
        content=tuple(content),
        notes=tuple(notes),
    )


def later_calls(
    case: Mapping[str, Any], events: Sequence[Mapping[str, Any]]
) -> tuple[str | None, list[str]]:
    """The refusal time and the calls after it (ISO, in order) for a re-solicitation report.

    A repeat case is itself a later call of the case that was refused; its own recorded
    repeat calls come after that.
    """
    calls: list[str] = []
    if case.get("repeat_of"):
        refusal = case.get("repeat_refused_at")
        own = call_moment(case)
        if own:
            calls.append(own)
    else:
        refusal = refusal_moment(case)
    for event in events:
        if event.get("kind") == "repeat_call":
            at = _detail(event).get("at") or event.get("at")
            if at:
                calls.append(str(at))
    if not any(e.get("kind") == "repeat_call" for e in events) and case.get("last_repeat_at"):
        calls.append(case["last_repeat_at"])

    def key(iso: str) -> datetime:
        return _moment(iso, ZoneInfo("UTC")) or datetime.min.replace(tzinfo=UTC)

    return refusal, sorted(set(calls), key=key)


_PREFECTURE_LICENCE = re.compile(r"(北海道|東京都|京都府|大阪府|[\u4e00-\u9fff]{2,3}県)\s*知事")


def licensing_authority(licence: str | None) -> tuple[str, str | None]:
    """("minister" | "governor" | "unknown", prefecture) read from a licence number."""
    text = _text(licence) or ""
    if "大臣" in text:
        return "minister", None
    if "知事" in text:
        match = _PREFECTURE_LICENCE.search(text)
        return "governor", match.group(1) if match else None
    return "unknown", None


def resolicitation_report(
    case: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    sender: Sender,
    today: date,
    tz: ZoneInfo,
) -> Letter:
    """A report that a business went on soliciting after a refusal: to the licensing authority
    under 宅地建物取引業法 47-2(3) for property, to the consumer centre otherwise."""
    prop = _is_property(case)
    company = _text(case.get("company"))
    licence = _text(case.get("licence"))
    person = _text(case.get("person"))
    phone = _phone(case)
    product = _product(case)
    broker = _text(case.get("broker_name"))
    refusal_iso, calls_iso = later_calls(case, events)
    refusal = local_datetime(refusal_iso, tz)
    calls = [c for c in (local_datetime(iso, tz) for iso in calls_iso) if c]
    recorded = int(case.get("repeat_calls") or 0) + (1 if case.get("repeat_of") else 0)

    business = [
        f"・商号又は名称：{company or UNKNOWN}",
        f"・免許番号：{licence or UNKNOWN}" if prop else "",
        f"・担当者名：{person or UNKNOWN}",
        f"・使用された電話番号：{phone or UNKNOWN}",
        f"・勧誘の内容：{product}" if product else "",
        f"・連絡先の入手元として挙げた名簿業者：{broker}" if broker else "",
    ]
    history = [f"・勧誘をお断りした日時：{refusal or UNKNOWN}"]
    if calls:
        history.append(f"・お断りした後の勧誘の電話（{len(calls)}回）：")
        history += [f"　{n}. {when}" for n, when in enumerate(calls, 1)]
        if recorded > len(calls):
            history.append(
                f"　このほか、日時を記録していない電話が{recorded - len(calls)}回あります。"
            )
    else:
        history.append("・お断りした後の勧誘の電話：日時の記録なし")

    if prop:
        kind, prefecture = licensing_authority(licence)
        law = (
            "宅地建物取引業法第47条の2第3項および同法施行規則は、宅地建物取引業者が、"
            "契約を締結しない旨の意思（勧誘を引き続き受けることを希望しない旨の意思を含みます）"
            "を表示した相手方に勧誘を続けることを禁じています。"
        )
        ask = "事実を確認のうえ、当該業者に対し適切な指導・監督を行ってくださるようお願いします。"
        if kind == "minister":
            recipient = "国土交通省 地方整備局 御中"
        elif kind == "governor" and prefecture:
            recipient = f"{prefecture} 宅地建物取引業担当課 御中"
        else:
            recipient = "宅地建物取引業 免許行政庁 御中"
        intro = (
            "下記の宅地建物取引業者から、私が勧誘をお断りした後も勧誘の電話が続いています。"
            + law
            + "本件はこれに当たると考えますので、申告します。"
        )
    else:
        recipient = "消費生活センター 御中"
        law = (
            "特定商取引法第17条は、電話勧誘販売において、契約を締結しない旨の意思を表示した"
            "相手方に勧誘を続けることを禁じています。"
        )
        ask = "本件がこれに当たるかどうかを含め、ご相談したく、助言と対応をお願いします。"
        intro = "下記の事業者から、私が勧誘をお断りした後も勧誘の電話が続いています。" + law

    content = [
        intro,
        ask,
        "",
        "記",
        "",
        "【事業者】",
        *(line for line in business if line),
        "",
        "【経緯】",
        *history,
        "",
        "【申告者の連絡先】",
        *_identity(sender),
        "",
        "以上",
    ]
    notes = _report_notes(prop, licence)
    return Letter(
        kind=RESOLICITATION_REPORT,
        title="再勧誘に関する申告書" if prop else "勧誘の継続に関する相談書",
        recipient=recipient,
        date=wareki(today),
        sender=_sender_block(sender),
        content=tuple(content),
        notes=tuple(notes),
    )


def _report_notes(prop: bool, licence: str | None) -> list[str]:
    others = [
        "ほかの相談先：",
        f"・{HOTLINE_188}",
        f"・{PPC_DIAL}：個人情報の取扱いについての相談",
    ]
    if not prop:
        return [
            "勧誘の対象が不動産（宅地建物）ではないため、宅地建物取引業法は適用されません。"
            "代わりに、特定商取引法第17条が、断った後の勧誘の継続を禁じています。",
            "提出先：消費者ホットライン 188 に電話すると、最寄りの消費生活センターにつながります。"
            "この書面は、相談のときの記録として使えます。",
            *others,
        ]
    kind, prefecture = licensing_authority(licence)
    minister = (
        "国土交通大臣免許の業者：本店所在地を管轄する国土交通省の地方整備局に提出します"
        f"（本店所在地は{MLIT_SEARCH}で確認できます）。"
    )
    governor = "都道府県知事免許の業者：免許を出した都道府県の、宅地建物取引業（不動産業）の担当課に提出します。"
    if kind == "minister":
        where = ["提出先：" + minister]
    elif kind == "governor":
        pref = prefecture or "免許を出した都道府県"
        where = [
            f"提出先：{pref}知事免許のため、{pref}の宅地建物取引業（不動産業）の担当課に提出します。"
        ]
    else:
        where = [
            f"免許番号が分からないため、提出先が決まりません。{MLIT_SEARCH}で、商号から"
            "免許番号を調べてください。",
            "・" + minister,
            "・" + governor,
        ]
    return [
        *where,
        "提出前に、宛先の部署名と送り方を提出先のウェブサイトで確認してください。",
        *others,
    ]


# -- PDF ------------------------------------------------------------------------------------

FONT_NAME = "IPAexGothic"
_FONT_PACKAGE = "matplotlib_fontja"
_FONT_FILE = "fonts/ipaexg.ttf"


def font_path() -> Path:
    """IPAexGothic as shipped by matplotlib-fontja, found without importing the package (its
    import changes matplotlib's global font settings)."""
    spec = importlib.util.find_spec(_FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the matplotlib-fontja package (Japanese font) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / _FONT_FILE
    if not path.is_file():
        raise RuntimeError(f"no Japanese font at {path}")
    return path


@lru_cache(maxsize=1)
def _font_characters() -> frozenset[int]:
    from fontTools.ttLib import TTFont  # comes with fpdf2

    with TTFont(font_path(), lazy=True) as font:
        return frozenset(font.getBestCmap())


def missing_in_pdf(letter: Letter) -> list[str]:
    """Characters of the letter the PDF font cannot draw (e.g. 𠮷 in 𠮷田): the PDF would
    leave them out, so the user is told and can use the text version for those."""
    known = _font_characters()
    seen: dict[str, None] = {}
    for ch in letter.body:
        if not ch.isspace() and ord(ch) not in known:
            seen.setdefault(ch, None)
    return list(seen)


# Kinsoku: characters that may not start a line hang in the margin; those that may not end
# one move down with the next word.
_NO_LINE_START = frozenset(
    "、。，．,.)）」』】〕〉》・：；:;！？!?ー～…‥ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々"
)
_NO_LINE_END = frozenset("(（「『【〔〈《")
# Runs of Latin letters and digits (090-1234-5678, 9:30, 27) stay whole; anything else breaks
# per character.
_TOKEN = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-.,:/@_+%]*|\s+|.")
_HANGING = re.compile(r"^(\d+\.\s|・)")

MARGIN_MM = 22.0  # left and right
TOP_MM = 20.0
BOTTOM_MM = 18.0
FONT_PT = 10.5
LINE_MM = 5.5


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (punctuation may hang past it)."""
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        tokens.extend(list(token) if measure(token) > width else [token])
    lines: list[str] = []
    current = ""
    for token in tokens:
        if not current or measure(current + token) <= width:
            current += "" if not current and token.isspace() else token
            continue
        if token[0] in _NO_LINE_START:
            current += token
            continue
        carry = ""
        while len(current) > 1 and current[-1] in _NO_LINE_END:
            carry, current = current[-1] + carry, current[:-1]
        lines.append(current.rstrip())
        current = carry + ("" if token.isspace() else token)
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def wrap_words(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Like ``wrap``, but break at spaces where possible (addresses: 「〒… 東京都… ビル101」)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and measure(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.extend(wrap(word, width, measure))
    return lines


def to_pdf(letter: Letter) -> bytes:
    """The letter on A4, IPAexGothic embedded (subset) so any viewer shows the Japanese."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(MARGIN_MM, TOP_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=BOTTOM_MM)
    pdf.add_font(FONT_NAME, fname=str(font_path()))
    pdf.set_title(letter.title)
    pdf.set_lang("ja")
    pdf.set_creator("Kotowari")
    pdf.add_page()
    full = pdf.w - pdf.l_margin - pdf.r_margin

    def line(text: str, *, size: float = FONT_PT, align: str = "L", x: float | None = None) -> None:
        pdf.set_font(FONT_NAME, size=size)
        if x is not None:
            pdf.set_x(x)
        width = full - (pdf.get_x() - pdf.l_margin)
        pdf.cell(width, LINE_MM * size / FONT_PT, text, align=align, new_x="LMARGIN", new_y="NEXT")

    def paragraph(text: str, *, size: float = FONT_PT) -> None:
        # Leading full-width spaces indent the whole block; a list marker hangs.
        pdf.set_font(FONT_NAME, size=size)
        stripped = text.lstrip("　")
        left = pdf.get_string_width("　") * (len(text) - len(stripped))
        match = _HANGING.match(stripped)
        hang = pdf.get_string_width(match.group(0)) if match else 0.0
        for n, part in enumerate(wrap(stripped, full - left - hang, pdf.get_string_width)):
            line(part, size=size, x=pdf.l_margin + left + (hang if n else 0.0))

    line(letter.date, align="R")
    pdf.ln(LINE_MM * 0.5)
    paragraph(letter.recipient, size=FONT_PT * 1.25)  # a long name wraps, 御中 included
    pdf.ln(LINE_MM * 0.5)
    column = full * 0.45
    for part in letter.sender:
        for piece in wrap_words(part, full - column, pdf.get_string_width):
            line(piece, x=pdf.l_margin + column)
    pdf.ln(LINE_MM * 0.75)
    # IPAexGothic has no bold face: stroke the outline to thicken the title and headings.
    with pdf.local_context(text_mode="FILL_STROKE", line_width=0.25):
        line(letter.title, size=FONT_PT * 1.45, align="C")
    pdf.ln(LINE_MM * 0.5)
    for text in letter.content:
        if not text:
            pdf.ln(LINE_MM * 0.5)
        elif text in ("記", "以上"):
            line(text, align="C" if text == "記" else "R")
        elif text.startswith("【"):
            pdf.ln(LINE_MM * 0.25)
            with pdf.local_context(text_mode="FILL_STROKE", line_width=0.15):
                line(text)
        else:
            paragraph(text)
    pdf.ln(LINE_MM)
    pdf.set_text_color(90)
    paragraph(DISCLAIMER_JA, size=FONT_PT * 0.85)
    pages = pdf.pages_count
    if pages > 1:
        pdf.set_auto_page_break(False)
        pdf.set_font(FONT_NAME, size=FONT_PT * 0.8)
        for number in range(1, pages + 1):
            pdf.page = number
            pdf.set_xy(pdf.l_margin, pdf.h - BOTTOM_MM * 0.75)
            pdf.cell(full, LINE_MM, f"{number} / {pages}", align="C")
    return bytes(pdf.output())
