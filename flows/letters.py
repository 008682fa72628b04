"""Written requests made from a case: to the list broker, to the calling company, and a report
of re-solicitation for the licensing authority.

They go to Japanese businesses and offices, so they are in Japanese only. A letter is plain
data: the parts (date, recipient, sender block, title, content lines) and ``body``, the whole
letter as plain text. ``notes`` are for the sender (where to send it, whom else to ask) and are
not part of the letter; nor is the "not legal advice" disclaimer, which is the product's word
to its user and would read, inside the letter, as the sender disclaiming their own demand.
Missing case fields are left out or written 「不明」, never shown as a placeholder, and a
letter states only what the user recorded.

Content lines carry their layout in their shape, which ``to_pdf`` reads: "" is a gap, 「記」 is
centred, 「以上」 goes right, 【…】 is a heading, leading full-width spaces indent the whole
line, and a line starting with 「1. 」 or 「・」 hangs its continuation lines under the text.
``naiyo_pages`` lays the same letter out for 内容証明郵便 (a fixed grid of characters).

Legal references follow shared/domain/legal-ja.md: the Enforcement Regulations of the
宅地建物取引業法 are cited without their article number, which is unverified.
"""

from __future__ import annotations

import importlib.util
import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flows.normalize import format_phone
from flows.texts import CATALOGS, JA, Texts

UNKNOWN = "不明"
PRODUCT_LABELS = ("product.property", "product.other")
BROKER_REQUEST = "broker_request"
COMPANY_REQUEST = "company_request"
RESOLICITATION_REPORT = "resolicitation_report"
# The letters that go to a business (and so may be sent by 内容証明郵便); the report goes to
# an office, which says itself how it takes reports.
BUSINESS_LETTERS = (BROKER_REQUEST, COMPANY_REQUEST)
# The request letter to each addressee of a follow-up ("broker", "company"), and back.
REQUEST_TO = {"broker": BROKER_REQUEST, "company": COMPANY_REQUEST}
ADDRESSEE_OF = {kind: addressee for addressee, kind in REQUEST_TO.items()}

APPI = "個人情報の保護に関する法律（以下「個人情報保護法」といいます。）"
REPLY_DEADLINE = "本書到達後2週間以内に書面で回答してください。"
ONLY_FOR_THIS = "この情報は、本請求への対応のためにのみ使用してください。"
# A note for the sender: a catalog key and its values, said in the user's language.
Note = tuple[str, tuple[tuple[str, str], ...]]


def _note(key: str, **values: str) -> Note:
    return key, tuple(values.items())


# How to post a request (shared/domain/legal-ja.md, "what each postal service proves").
POSTING_NOTES = (_note("note.post_first"), _note("note.post_proof"), _note("note.post_keep"))


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
    content: tuple[str, ...]  # the lines after the title
    # For the sender, not part of the letter: where to send it, whom else to ask.
    note_keys: tuple[Note, ...] = ()
    # For the 内容証明 layout, which puts both parties at the end: their names and addresses.
    sender_name: str = ""
    sender_address: str = ""

    def notes_in(self, texts: Texts) -> tuple[str, ...]:
        """The notes for the sender, in the sender's language."""
        return tuple(texts(key, **dict(values)) for key, values in self.note_keys)

    @property
    def notes(self) -> tuple[str, ...]:
        return self.notes_in(_JA)

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
    """「令和8年11月20日 14時30分」 in the user's zone (letters write every date in the era
    calendar, as their date line does), or None for a missing/unreadable time."""
    moment = _moment(iso, tz)
    if moment is None:
        return None
    return f"{wareki(moment.date())} {moment.hour}時{moment.minute:02d}分"


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


def asked_not_to_call(case: Mapping[str, Any]) -> bool:
    """Whether the user is on record as having said "never call me again": only by reading
    the refusal line of /call's first step. An /after case records only that they refused."""
    return bool(case.get("refused_at")) and case.get("mode") == "call"


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


def _refusal_fact(case: Mapping[str, Any], tz: ZoneInfo, when: str | None) -> str | None:
    """What the user's refusal was, as recorded: "never call again" only where it was said."""
    if not case.get("refused_at"):
        return None
    refused = local_datetime(refusal_moment(case), tz)
    at = "その電話で" if refused is None or refused == when else f"{refused}頃、"
    if asked_not_to_call(case):
        return f"私は{at}勧誘をはっきりお断りし、今後電話をしないよう求めました。"
    return f"私は{at}勧誘をはっきりお断りしました。"


_JA = Texts("ja")


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
        facts.append("その際、先方は私の連絡先の入手先として貴社の名前を挙げました。")
    else:
        facts.append(
            "その際、私の連絡先の入手先は明らかにされませんでした。"
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
        "害されるおそれがあります。私の個人データの利用を停止し、消去してください。"
        "ただし、私の個人データが再び提供されることのないよう、本請求を受けたことの記録に"
        "必要な範囲の情報に限り、保存してください。",
        "3. 提供先の開示（個人情報保護法第33条）",
        "　貴社が同法第29条に基づき作成・保存している第三者提供の記録のうち、私に関するもの"
        "（提供した年月日、提供先の名称および住所など）を開示してください。あわせて、貴社が"
        "私の個人データを取得した方法（取得の経緯）をお知らせください。開示に手数料が必要な"
        "場合は、その金額と支払方法をお知らせください。",
        "4. 回答",
        f"　上記1から3について、対応の結果（提供の停止、利用停止および消去を行った日を含みます）を"
        f"{REPLY_DEADLINE}",
        "",
        "【照合のための情報】",
        "貴社の記録と照合できるよう、私の情報を記します。貴社の記録では、住所や勤務先が"
        "これと異なる形で登録されている可能性があります。" + ONLY_FOR_THIS,
        *_identity(sender),
        "",
        "以上",
    ]
    recipient = f"{broker} 御中" if broker else "個人データ取扱担当者様"
    notes = [
        _note("note.optout_search"),
        *POSTING_NOTES,
        _note("note.id_check"),
        _note("note.limits"),
        _note("note.no_reply"),
    ]
    if not broker:
        notes.insert(0, _note("note.broker_unknown"))
    return Letter(
        kind=BROKER_REQUEST,
        title="個人データの第三者提供停止等請求書",
        recipient=recipient,
        date=wareki(today),
        sender=_sender_block(sender),
        content=tuple(content),
        note_keys=tuple(notes),
        sender_name=_text(sender.name) or "",
        sender_address=_text(sender.address) or "",
    )


def company_request(
    case: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    sender: Sender,
    today: date,
    tz: ZoneInfo,
) -> Letter:
    """To the calling company: disclose where it got my data (its confirmation record under
    30, requested under 33), stop using and erase it (35), and stop soliciting (宅建業法 or
    特商法, which is what forbids soliciting after a refusal; not the APPI)."""
    company = _text(case.get("company"))
    broker = _text(case.get("broker_name"))
    phone = _phone(case)
    when = _call_time(case, tz)
    earlier = local_datetime(case.get("repeat_refused_at"), tz)
    facts = [
        f"{_when_prefix(when)}{_caller_desc(case, you=True)}から、私に{_pitch(case)}がありました。"
    ]
    if broker:
        facts.append(f"その際、貴社は私の連絡先の入手先として「{broker}」の名前を挙げました。")
    refusal = _refusal_fact(case, tz, when)
    if refusal:
        facts.append(refusal)
    if case.get("repeat_of"):
        at = f"{earlier}頃" if earlier else "以前"
        also = "にも" if refusal else "に"  # "also refused then" only if this call was refused
        facts.append(f"また、{at}にも同様の勧誘があり、その際{also}お断りしています。")
    if broker and case.get("outcome") == "no_record":
        facts.append(
            f"なお、「{broker}」に問い合わせたところ、私の個人データの記録はないとの回答でした。"
        )

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
    stop_soliciting = ["　今後、電話、訪問、郵便その他の方法で、私に一切の勧誘をしないでください。"]
    # "Again" only where a refusal is on record (this call's, or an earlier one's).
    again = "改めて" if case.get("refused_at") or case.get("repeat_of") else ""
    if _is_property(case):
        stop_soliciting.append(
            "　宅地建物取引業法第47条の2第3項および同法施行規則は、契約を締結しない旨の"
            "意思（勧誘を引き続き受けることを希望しない旨の意思を含みます）を表示した相手方に"
            f"勧誘を続けることを禁じています。私は本書により、{again}その意思を表示します。"
        )
    elif case.get("product_kind"):
        stop_soliciting.append(
            "　電話勧誘販売に当たる場合、特定商取引法第17条は、契約を締結しない旨の意思を"
            "表示した相手方に勧誘を続けることを禁じています。"
            f"私は本書により、{again}その意思を表示します。"
        )
    else:
        stop_soliciting.append(f"　私は本書により、契約を締結しない旨の意思を{again}表示します。")
    content = [
        f"私は、貴社による私の個人情報の取扱いについて、{APPI}に基づき下記1および2のとおり"
        "請求するとともに、下記3のとおり求めます。",
        "",
        "記",
        "",
        "【経緯】",
        *facts,
        "",
        "【請求の内容】",
        "1. 入手先の開示（個人情報保護法第30条・第33条）",
        source,
        "2. 利用停止および消去（個人情報保護法第35条）",
        "　私は望まない勧誘電話を受けており、貴社による私の個人情報の取扱いにより私の権利又は"
        "正当な利益が害されるおそれがあります。私の個人情報の利用を停止し、消去してください。"
        "ただし、再び勧誘することのないよう、本請求を受けたことの記録に必要な範囲の情報に限り、"
        "保存してください。",
        "3. 勧誘の中止",
        *stop_soliciting,
        "4. 回答",
        "　上記1および2について、開示の内容と対応の結果を" + REPLY_DEADLINE,
        "　開示に手数料が必要な場合は、その金額と支払方法をお知らせください。",
        "",
        "【照合のための情報】",
        "貴社の記録と照合できるよう、私の情報を記します。" + ONLY_FOR_THIS,
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
    notes = [*POSTING_NOTES, _note("note.disclosed_source"), _note("note.no_reply")]
    if not company:
        notes.insert(0, _note("note.company_unknown"))
    return Letter(
        kind=COMPANY_REQUEST,
        title="個人情報の入手先の開示および利用停止等請求書",
        recipient=recipient,
        date=wareki(today),
        sender=_sender_block(sender),
        content=tuple(content),
        note_keys=tuple(notes),
        sender_name=_text(sender.name) or "",
        sender_address=_text(sender.address) or "",
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


# The bureau that takes reports about a 国土交通大臣 licensee, by the prefecture of its head
# office (shared/domain/legal-ja.md, "who takes a report about a real-estate company").
BUREAUS: dict[str, tuple[str, ...]] = {
    "北海道開発局": ("北海道",),
    "東北地方整備局": ("青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県"),
    "関東地方整備局": (
        "茨城県",
        "栃木県",
        "群馬県",
        "埼玉県",
        "千葉県",
        "東京都",
        "神奈川県",
        "山梨県",
        "長野県",
    ),
    "北陸地方整備局": ("新潟県", "富山県", "石川県"),
    "中部地方整備局": ("岐阜県", "静岡県", "愛知県", "三重県"),
    "近畿地方整備局": ("福井県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県"),
    "中国地方整備局": ("鳥取県", "島根県", "岡山県", "広島県", "山口県"),
    "四国地方整備局": ("徳島県", "香川県", "愛媛県", "高知県"),
    "九州地方整備局": (
        "福岡県",
        "佐賀県",
        "長崎県",
        "熊本県",
        "大分県",
        "宮崎県",
        "鹿児島県",
    ),
    "沖縄総合事務局": ("沖縄県",),
}
BUREAU_OF = {pref: bureau for bureau, prefs in BUREAUS.items() for pref in prefs}
PREFECTURES = tuple(BUREAU_OF)


# Prefectures in romaji, in the order of PREFECTURES (the table above), for Latin input.
_ROMAJI = [
    "hokkaido",
    "aomori",
    "iwate",
    "miyagi",
    "akita",
    "yamagata",
    "fukushima",
    "ibaraki",
    "tochigi",
    "gunma",
    "saitama",
    "chiba",
    "tokyo",
    "kanagawa",
    "yamanashi",
    "nagano",
    "niigata",
    "toyama",
    "ishikawa",
    "gifu",
    "shizuoka",
    "aichi",
    "mie",
    "fukui",
    "shiga",
    "kyoto",
    "osaka",
    "hyogo",
    "nara",
    "wakayama",
    "tottori",
    "shimane",
    "okayama",
    "hiroshima",
    "yamaguchi",
    "tokushima",
    "kagawa",
    "ehime",
    "kochi",
    "fukuoka",
    "saga",
    "nagasaki",
    "kumamoto",
    "oita",
    "miyazaki",
    "kagoshima",
    "okinawa",
]
_ROMAJI_OF = dict(zip(_ROMAJI, PREFECTURES, strict=True))


def prefecture(text: str | None) -> str | None:
    """A prefecture's full name from how a person types it: 「東京」「東京都」「大阪府」
    「北海道」「神奈川」, "Tokyo", "Ōsaka-fu"; None when it names none (or more than one)."""
    typed = "".join(unicodedata.normalize("NFKC", text or "").split())
    if not typed:
        return None
    latin = "".join(
        ch
        for ch in unicodedata.normalize("NFKD", typed).casefold()
        if ch.isascii() and ch.isalpha()
    )
    latin = latin.replace("ou", "o").replace("oo", "o").replace("uu", "u")
    for suffix in ("prefecture", "ken", "fu", "to"):
        if latin.endswith(suffix) and latin[: -len(suffix)] in _ROMAJI_OF:
            latin = latin[: -len(suffix)]
    if latin in _ROMAJI_OF:
        return _ROMAJI_OF[latin]
    for name in PREFECTURES:
        if typed == name:
            return name
    for name in PREFECTURES:
        short = name if name == "北海道" else name[:-1]
        if typed == short:
            return name
    # An address or a phrase that contains exactly one prefecture's full name.
    found = [name for name in PREFECTURES if name in typed]
    return found[0] if len(found) == 1 else None


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


def needs_head_office(case: Mapping[str, Any]) -> bool:
    """Whether the report's addressee depends on where the company's head office is (a
    国土交通大臣 licence: the bureau for that prefecture)."""
    return _is_property(case) and licensing_authority(case.get("licence"))[0] == "minister"


# A clearly marked blank for an addressee the user has to write in.
BLANK_ADDRESSEE = "＿＿＿＿＿＿＿＿＿＿"


def report_addressee(case: Mapping[str, Any], head_office: str | None = None) -> str:
    """Whom the report is addressed to: the licensing authority's head (the prefecture's
    governor, or the bureau for the head office's prefecture), or a marked blank."""
    if not _is_property(case):
        return "消費生活センター 御中"
    kind, pref = licensing_authority(case.get("licence"))
    if kind == "governor" and pref:
        return f"{pref}知事 殿"
    if kind == "minister" and head_office in BUREAU_OF:
        return f"{BUREAU_OF[head_office]}長 殿"
    return f"{BLANK_ADDRESSEE} 殿"


def resolicitation_report(
    case: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    sender: Sender,
    today: date,
    tz: ZoneInfo,
    head_office: str | None = None,
    earlier_case: Mapping[str, Any] | None = None,
) -> Letter:
    """A report that a business went on soliciting after a refusal: to the licensing authority
    under 宅地建物取引業法 47-2(3) for property, to the consumer centre otherwise.
    ``head_office``: the prefecture of the company's head office, where the user gave it.
    ``earlier_case``: for a repeat case, the case of the refusal it came after (what was said
    then is that case's record, not this one's)."""
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
    office = head_office if head_office in BUREAU_OF else None

    business = [
        f"・商号又は名称：{company or UNKNOWN}",
        f"・免許番号：{licence or UNKNOWN}" if prop else "",
        f"・本店所在地の都道府県：{office}" if prop and office else "",
        f"・担当者名：{person or UNKNOWN}",
        f"・使用された電話番号：{phone or UNKNOWN}",
        f"・勧誘の内容：{product}" if product else "",
        f"・連絡先の入手先として挙げた名簿業者：{broker}" if broker else "",
    ]
    refused_in = (earlier_case or {}) if case.get("repeat_of") else case
    said = "お断りし、今後電話をしないよう求めた" if asked_not_to_call(refused_in) else "お断りした"
    history = [f"・勧誘を{said}日時：{refusal or UNKNOWN}"]
    if calls:
        history.append(f"・お断りした後の勧誘の電話（{len(calls)}回）：")
        history += [f"　{n}. {when}" for n, when in enumerate(calls, 1)]
        if recorded > len(calls):
            history.append(
                f"　このほか、日時を記録していない電話が{recorded - len(calls)}回あります。"
            )
    else:
        history.append("・お断りした後の勧誘の電話：日時の記録なし")
    if case.get("repeat_of") and case.get("refused_at"):
        history.append("・お断りした後の電話でも、改めてお断りしています。")

    if prop:
        law = (
            "宅地建物取引業法第47条の2第3項および同法施行規則は、宅地建物取引業者が、"
            "契約を締結しない旨の意思（勧誘を引き続き受けることを希望しない旨の意思を含みます）"
            "を表示した相手方に勧誘を続けることを禁じています。"
        )
        ask = "事実を確認のうえ、当該業者に対し適切な指導・監督を行ってくださるようお願いします。"
        intro = (
            "下記の宅地建物取引業者から、私が勧誘をお断りした後も勧誘の電話が続いています。"
            + law
            + "本件はこれに当たると考えますので、申告します。"
        )
    else:
        law = (
            "電話勧誘販売に当たる場合、特定商取引法第17条は、契約を締結しない旨の意思を表示した"
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
    return Letter(
        kind=RESOLICITATION_REPORT,
        title="再勧誘に関する申告書" if prop else "勧誘の継続に関する相談書",
        recipient=report_addressee(case, office),
        date=wareki(today),
        sender=_sender_block(sender),
        content=tuple(content),
        note_keys=tuple(_report_notes(case, office)),
        sender_name=_text(sender.name) or "",
        sender_address=_text(sender.address) or "",
    )


def _bureau_table() -> list[Note]:
    """The bureaus and their prefectures, one line each (for the sender's notes)."""
    return [
        _note(
            "note.bureau",
            bureau=bureau,
            prefectures="、".join(p if p == "北海道" else p[:-1] for p in prefs),
        )
        for bureau, prefs in BUREAUS.items()
    ]


def _report_notes(case: Mapping[str, Any], office: str | None) -> list[Note]:
    others = [_note("note.others_heading"), _note("note.others_188"), _note("note.others_ppc")]
    if not _is_property(case):
        return [_note("note.other_product_hedge"), _note("note.other_product_where"), *others]
    kind, pref = licensing_authority(case.get("licence"))
    if kind == "governor" and pref:
        where = [_note("note.where_governor", pref=pref)]
    elif kind == "minister" and office:
        where = [_note("note.where_minister", office=office, bureau=BUREAU_OF[office])]
    elif kind == "minister":
        where = [_note("note.minister_blank"), *_bureau_table()]
    else:
        where = [
            _note("note.unknown_blank"),
            _note("note.unknown_governor"),
            _note("note.unknown_minister"),
            *_bureau_table(),
        ]
    return [*where, _note("note.report_sending"), *others]


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


def warm_font() -> None:
    """Load the font's character map now (``missing_in_pdf`` needs it on the first letter:
    ~0.1 s that would otherwise fall on whoever asks for the first letter). Thread-safe:
    at worst two callers both load it."""
    _font_characters()


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
LINE_MM = 5.2


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
    pages = pdf.pages_count
    if pages > 1:
        pdf.set_auto_page_break(False)
        pdf.set_font(FONT_NAME, size=FONT_PT * 0.8)
        for number in range(1, pages + 1):
            pdf.page = number
            pdf.set_xy(pdf.l_margin, pdf.h - BOTTOM_MM * 0.75)
            pdf.cell(full, LINE_MM, f"{number} / {pages}", align="C")
    return bytes(pdf.output())


# -- 内容証明 layout ------------------------------------------------------------------------
# The post office keeps a copy (謄本) of a 内容証明 letter and accepts only documents on one of
# its grids; every character counts, punctuation and brackets included, so each character
# here takes one cell of a 26×20 grid (横書き, at most 520 a page). Line-start kinsoku never
# pushes a character past the grid: the character before a 「。」 moves down with it instead,
# leaving that line one cell short.

NAIYO_COLUMNS = 26
NAIYO_ROWS = 20
_NUMBERED = re.compile(r"^(　*)(\d+)\. ")


def _full_width(text: str) -> str:
    """Every character as one full-width cell: ASCII letters, digits and signs become their
    full-width forms (half-width kana too, by NFKC), a space becomes 「　」."""
    plain = unicodedata.normalize("NFKC", text)
    return "".join(
        "　" if ch == " " else chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in plain
    )


def _grid_wrap(text: str, width: int = NAIYO_COLUMNS, hang: int = 0) -> list[str]:
    """``text`` (already full-width) in lines of at most ``width`` characters; continuation
    lines start with ``hang`` blank cells."""
    lines: list[str] = []
    current = ""
    for ch in text:
        if len(current) >= width:
            carry = ""
            # Never start a line with 「。」「」」…, never end one with 「「」「（」…: move
            # characters down, the line stays shorter.
            while (carry or ch)[0] in _NO_LINE_START and len(current.strip("　")) > 1:
                carry, current = current[-1] + carry, current[:-1]
            while current and current[-1] in _NO_LINE_END and len(current.strip("　")) > 1:
                carry, current = current[-1] + carry, current[:-1]
            lines.append(current.rstrip("　"))
            current = "　" * hang + carry
        current += ch
    lines.append(current.rstrip("　"))
    return lines


def _grid_paragraph(text: str) -> list[str]:
    numbered = _NUMBERED.match(text)
    if numbered:  # 「1. 」→「１．」: two cells, not three
        text = numbered.group(1) + numbered.group(2) + "．" + text[numbered.end() :]
    text = _full_width(text)
    indent = len(text) - len(text.lstrip("　"))
    body = text[indent:]
    hang = indent
    if body.startswith("・"):
        hang += 1
    elif numbered:
        hang += len(_full_width(numbered.group(2))) + 1
    return _grid_wrap(text, hang=min(hang, NAIYO_COLUMNS // 2))


def _grid_party(role: str, label: str, value: str) -> list[str]:
    """「差出人　住所　…」: the role (three cells) once, the items under one another, and a
    value's continuation under the value (seven cells in)."""
    lead = f"{role}　" if role else "　" * 4
    return _grid_wrap(lead + _full_width(f"{label}　{value}"), hang=len(lead) + 3)


def naiyo_lines(letter: Letter) -> tuple[list[str], list[str]]:
    """The letter as the lines of a 内容証明 grid: the title and the content; then, apart
    (they stay together on one page), the date and both parties, which the post office
    expects at the end (the recipient's address is left for the sender to write in)."""
    lines: list[str] = []
    title = _full_width(letter.title)
    pad = max((NAIYO_COLUMNS - len(title)) // 2, 0)
    lines += _grid_wrap("　" * pad + title)
    lines.append("")
    for text in letter.content:
        if not text:
            lines.append("")
        elif text == "記":
            lines.append("　" * (NAIYO_COLUMNS // 2 - 1) + "記")
        elif text == "以上":
            lines.append("　" * (NAIYO_COLUMNS - 3) + "以上")
        else:
            lines += _grid_paragraph(text)
    closing = [
        _full_width(letter.date),
        *_grid_party("差出人", "住所", letter.sender_address),
        *_grid_party("", "氏名", letter.sender_name),
        *_grid_party("受取人", "住所", ""),
        "",  # a second row for the recipient's address, written in by hand
        *_grid_party("", "名称", letter.recipient),
    ]
    return lines, closing


def naiyo_pages(letter: Letter) -> list[list[str]]:
    """``naiyo_lines`` cut into pages of ``NAIYO_ROWS`` lines: a page never starts blank, and
    the closing block moves whole to a new page when it does not fit under the content."""
    pages: list[list[str]] = []

    def add(line: str) -> None:
        if not pages or len(pages[-1]) == NAIYO_ROWS:
            if not line:
                return
            pages.append([])
        pages[-1].append(line)

    lines, closing = naiyo_lines(letter)
    for line in lines:
        add(line)
    if len(pages[-1]) + 1 + len(closing) > NAIYO_ROWS:
        pages.append([])
    else:
        add("")
    for line in closing:
        add(line)
    return pages


NAIYO_CELL_MM = 6.4  # 26 cells: 166.4 mm across A4
NAIYO_ROW_MM = 9.6  # 20 rows: 192 mm
NAIYO_TOP_MM = 45.0  # blank above the grid: room for the post office's certification stamp
NAIYO_FONT_PT = 13.0


def naiyo_grid_origin() -> tuple[float, float]:
    """The grid's top-left corner on the A4 page, in mm."""
    return ((210.0 - NAIYO_CELL_MM * NAIYO_COLUMNS) / 2, NAIYO_TOP_MM)


def naiyo_pdf(letter: Letter) -> bytes:
    """The 内容証明 layout on A4: one character a cell of a faint 26×20 grid, the page number
    under the grid (outside it, so it is not counted), the margin above left blank."""
    from fpdf import FPDF

    pages = naiyo_pages(letter)
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.add_font(FONT_NAME, fname=str(font_path()))
    pdf.set_title(f"{letter.title}（内容証明用）")
    pdf.set_lang("ja")
    pdf.set_creator("Kotowari")
    left, top = naiyo_grid_origin()
    width, height = NAIYO_CELL_MM * NAIYO_COLUMNS, NAIYO_ROW_MM * NAIYO_ROWS
    for number, page in enumerate(pages, 1):
        pdf.add_page()
        pdf.set_draw_color(205)
        pdf.set_line_width(0.1)
        for col in range(NAIYO_COLUMNS + 1):
            pdf.line(left + col * NAIYO_CELL_MM, top, left + col * NAIYO_CELL_MM, top + height)
        for row in range(NAIYO_ROWS + 1):
            pdf.line(left, top + row * NAIYO_ROW_MM, left + width, top + row * NAIYO_ROW_MM)
        pdf.set_font(FONT_NAME, size=NAIYO_FONT_PT)
        for row, line in enumerate(page):
            for col, ch in enumerate(line):
                if ch == "　":
                    continue
                pdf.set_xy(left + col * NAIYO_CELL_MM, top + row * NAIYO_ROW_MM)
                pdf.cell(NAIYO_CELL_MM, NAIYO_ROW_MM, ch, align="C")
        pdf.set_font(FONT_NAME, size=9)
        pdf.set_xy(left, top + height + 4)
        pdf.cell(width, 5, f"{number}／{len(pages)}", align="C")
    return bytes(pdf.output())
