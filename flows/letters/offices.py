"""Who takes a report: the prefectures, the regional bureaus, and the licensing authority
read from a licence number (shared/domain/legal-ja.md, "who takes a report about a
real-estate company")."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Literal

from flows.letters.parts import _is_property, _text
from flows.normalize import DASHES

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


# A postcode: after 〒 (a hyphen, a space or neither), on its own as 123-4567 (not inside a
# longer run of digits and hyphens: 090-1234-5678 is a phone number), or as seven digits
# that begin the address (1500001 東京都…).
_POSTCODE = re.compile(
    r"〒\s*\d{3}[-\s]?\d{4}(?!\d)|(?<![\d-])\d{3}-\d{4}(?![\d-])|^\s*\d{7}(?=\s)"
)
# A phone number inside an address ("TEL 045 123-4567", "(045)123-4567", "03(1234)5678",
# "+81 90 1234 5678"): not its block.
_PHONE = re.compile(
    r"(?:\+81[-\s]?\(?0?|(?<![\d-])\(?0)\d{1,4}[-\s()]{0,2}\d{1,4}[-\s()]{0,2}\d{3,4}(?![\d-])"
)
# The 20 designated cities (政令指定都市): an address may start with one, without its
# prefecture (横浜市中区…); each has wards, and its name is followed by one (not 千葉市郎).
DESIGNATED_CITIES = (
    "札幌市", "仙台市", "さいたま市", "千葉市", "横浜市", "川崎市", "相模原市", "新潟市",
    "静岡市", "浜松市", "名古屋市", "京都市", "大阪市", "堺市", "神戸市", "岡山市",
    "広島市", "北九州市", "福岡市", "熊本市",
)  # fmt: skip
_WARD = re.compile(rf"(?:{'|'.join(DESIGNATED_CITIES)})\s*\S{{1,4}}?区")
# The same cities in Latin letters, where they differ from their prefecture's name.
_ROMAJI_CITIES = (
    "sapporo", "sendai", "yokohama", "kawasaki", "sagamihara", "hamamatsu", "nagoya",
    "sakai", "kobe", "kitakyushu",
)  # fmt: skip
# Words that say a Latin address has a municipality or a block: Shibuya-ku, Chiba-shi,
# Kitasaku District, Sapporo's Kita 1 Nishi 2 (条 and 丁目 by the points of the compass).
_ROMAJI_PARTS = {
    *("ku", "shi", "cho", "machi", "gun", "mura", "son", "chome", "jo", "banchi", "aza"),
    *("ward", "city", "district", "town", "village", "prefecture", "pref", "ken", "fu"),
    *("kita", "minami", "higashi", "nishi"),
}
# A block number: digits, or kanji numerals before 丁目, 番, 号, の or a dash (三丁目,
# 十二番地, 一ノ七ノ一, 二-八-一), or ending the address or a part of it (阿古一〇〇).
_NUMBER = re.compile(r"\d|[〇一二三四五六七八九十百千]+(?:丁目|番|号|[のノ-]|\s|$)")
# Kyoto's streets say the way from a crossing instead of a number (寺町通御池上ル…町).
_KYOTO_WAY = re.compile(r"(?:上|下)(?:ル|る)|(?:東|西)入")
# A municipality that begins the address, then its town and a block (東大阪市荒本北1-1-1):
# a name that begins with a city's (千葉市郎 3) has no town and block after it.
_MUNICIPALITY_FIRST = re.compile(r"[^\s\d]{1,6}?[市郡]\s*\S*?(?:\d|[町村]|丁目)")


def looks_like_address(text: str) -> bool:
    return _address(text) == "yes"


def lacks_a_block_number(text: str) -> bool:
    """Whether ``text`` names a place to post to (a postcode, a prefecture, a designated
    city's ward) and its town, but no block number: a few real addresses have none
    (〒606-8501 京都市左京区吉田本町), most that lack one are unfinished (東京都千代田区永田町).
    Not 東京都, 〒150-0001 or 横浜市中区 alone: no town to deliver to."""
    return _address(text) == "no number"


def _address(text: str) -> Literal["yes", "no", "no number"]:
    """Whether ``text`` can be a postal address in Japan: a block number, with a postcode
    (〒123-4567), a prefecture (東京都…), a designated city and its ward (横浜市中区…), a
    city and its town (東大阪市荒本北1-1-1), or a prefecture's name and its municipality
    (山口市滝町1-1, 東京 渋谷区…); a Kyoto street's way (上ル) or a town in place of the
    number, after a postcode or a prefecture; in Latin letters,
    a prefecture or a designated city, a municipality or a postcode, and a number. 渋谷区
    alone is not enough to post a letter to, nor 東京都 without its block, nor a surname that
    is a prefecture's or a city's (山口, 千葉市郎, Chiba), nor a phone number."""
    # Neither a phone number's digits nor the postcode's are the block number.
    typed = _PHONE.sub(_unless_postcode, unicodedata.normalize("NFKC", text).translate(DASHES))
    typed = typed.strip()
    postcode = _POSTCODE.search(typed) is not None
    rest = _POSTCODE.sub(" ", typed).strip()
    placed = postcode or any(name in typed for name in PREFECTURES) or _WARD.search(typed)
    if _NUMBER.search(rest) is None:
        if not placed:
            return "no"
        # A Kyoto street says the way from a crossing instead (寺町通御池上ル…町).
        if _KYOTO_WAY.search(rest):
            return "yes"
        # A town after the municipality (吉田本町), else nothing to post to (東京都, 〒…).
        markers = list(re.finditer(r"[市区郡]", rest))
        town = rest[markers[-1].end() :].strip() if markers else ""
        return "no number" if len(town) >= 2 else "no"
    if placed or _MUNICIPALITY_FIRST.match(typed):
        return "yes"
    for name in PREFECTURES:
        short = name if name == "北海道" else name[:-1]
        if re.match(rf"{short}\s*\S{{0,4}}?[市区郡]\s*\S*?(?:\d|[町村]|丁目)", typed):
            return "yes"
    words = {_folded_romaji(w) for w in re.findall(r"[a-z]+", _latin(typed))}
    places = {_folded_romaji(p) for p in (*_ROMAJI_OF, *_ROMAJI_CITIES)}
    latin = bool(words & places) and (bool(words & _ROMAJI_PARTS) or "-" in rest)
    return "yes" if latin else "no"


def _unless_postcode(match: re.Match[str]) -> str:
    """A phone number (ten digits or eleven) blanked out; a postcode (〒060-0001) kept."""
    digits = sum(ch.isdigit() for ch in match.group())
    return " " if digits >= 10 else match.group()


def _latin(text: str) -> str:
    """Latin letters with their marks dropped (Tōkyō → tokyo), case-folded."""
    bare = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in bare if not unicodedata.combining(ch)).casefold()


def _folded_romaji(word: str) -> str:
    """A romanised word with its long vowels folded (Toukyou, Oosaka, Ohsaka → tokyo, osaka)."""
    return word.replace("ou", "o").replace("oo", "o").replace("oh", "o").replace("uu", "u")


def prefecture(text: str | None) -> str | None:
    """A prefecture's full name from how a person types it: 「東京」「東京都」「大阪府」
    「北海道」「神奈川」, "Tokyo", "Ōsaka-fu"; None when it names none (or more than one)."""
    typed = "".join(unicodedata.normalize("NFKC", text or "").split())
    if not typed:
        return None
    latin = _folded_romaji("".join(ch for ch in _latin(typed) if ch.isascii() and ch.isalpha()))
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
    # An address or a phrase that names exactly one prefecture in full, read from the left
    # (東京都府中市 is in 東京都, not in 京都府).
    found = {m.group() for m in _PREFECTURE_NAME.finditer(typed)}
    return found.pop() if len(found) == 1 else None


_PREFECTURE_NAME = re.compile("|".join(PREFECTURES))


_PREFECTURE_LICENCE = re.compile(r"(北海道|東京都|京都府|大阪府|[\u4e00-\u9fff]{2,3}県)\s*知事")


def licensing_authority(licence: str | None) -> tuple[str, str | None]:
    """("minister" | "governor" | "unknown", prefecture) read from a licence number."""
    text = _text(licence) or ""
    folded = text.casefold()
    if "大臣" in text or "minister" in folded or "mlit" in folded:
        return "minister", None
    if "知事" in text:
        match = _PREFECTURE_LICENCE.search(text)
        return "governor", match.group(1) if match else None
    if "governor" in folded:  # typed in English: "Tokyo Governor (5) No. 12345"
        named = {found for word in re.findall(r"[^\W\d_]+", text) if (found := prefecture(word))}
        return "governor", named.pop() if len(named) == 1 else None
    return "unknown", None


def needs_head_office(case: Mapping[str, Any]) -> bool:
    """Whether the report's addressee depends on where the company's head office is (a
    国土交通大臣 licence: the bureau for that prefecture)."""
    return _is_property(case) and licensing_authority(case.get("licence"))[0] == "minister"
