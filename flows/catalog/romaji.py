"""Readings of the lines to read aloud, for users who do not read Japanese."""

from __future__ import annotations

# Lines to read aloud are said in Japanese whatever the user's language (the caller speaks
# Japanese); an English user sees the Japanese, this reading of it, and the catalog's English
# as its meaning. Lines with values are read with them: a date and a law's name are read here
# too; a company's name is shown as the user recorded it (its reading is not known).
ROMAJI: dict[str, str] = {
    "step.refusing.say": "Keiyaku suru tsumori wa arimasen. Kongo, nido to denwa shinaide kudasai.",
    "step.pushing.say": (
        "O-kotowari shita ato no kan'yū wa, hōritsu de kinjirarete iru hazu desu. "
        "Onsha-mei to, o-namae o oshiete kudasai. "
        "Fudōsan-gaisha deshitara, takkengyō no menkyo bangō mo oshiete kudasai."
    ),
    "step.pushing_again.say": (
        "Kore ijō o-hanashi suru koto wa arimasen. "
        "Kiroku shite, kankei kikan ni sōdan shimasu. Shitsurei shimasu."
    ),
    "step.asking_source.say": (
        "Watashi no namae to renrakusaki o, doko de nyūshu shimashita ka. "
        "Nyūshu-saki no kaisha-mei o oshiete kudasai."
    ),
    "step.pressing_source.say": (
        "Onsha wa hōritsu-jō, nyūshu-saki o kakunin shite kiroku shite iru hazu desu. "
        "Kaisha-mei dake de kekkō desu."
    ),
    "say.refused_before": (
        "{date} ni, hakkiri o-kotowari shite imasu. "
        "O-kotowari shita ato no kan'yū wa, {law} de kinjirarete imasu. "
        "Kongo, nido to denwa shinaide kudasai."
    ),
    "say.refused_before_undated": (
        "Izen, hakkiri o-kotowari shite imasu. "
        "O-kotowari shita ato no kan'yū wa, {law} de kinjirarete imasu. "
        "Kongo, nido to denwa shinaide kudasai."
    ),
    "say.refused_before_hedged": (
        "{date} ni, hakkiri o-kotowari shite imasu. "
        "O-kotowari shita ato no kan'yū wa, {law} de kinjirarete iru hazu desu. "
        "Kongo, nido to denwa shinaide kudasai."
    ),
    "say.refused_before_undated_hedged": (
        "Izen, hakkiri o-kotowari shite imasu. "
        "O-kotowari shita ato no kan'yū wa, {law} de kinjirarete iru hazu desu. "
        "Kongo, nido to denwa shinaide kudasai."
    ),
    "say.refused_before_unsure": (
        "{date} ni, hakkiri o-kotowari shite imasu. "
        "O-kotowari shita ato no kan'yū wa, hōritsu de kinjirarete iru hazu desu. "
        "Kongo, nido to denwa shinaide kudasai."
    ),
    "say.refused_before_undated_unsure": (
        "Izen, hakkiri o-kotowari shite imasu. "
        "O-kotowari shita ato no kan'yū wa, hōritsu de kinjirarete iru hazu desu. "
        "Kongo, nido to denwa shinaide kudasai."
    ),
    "step.demanding.say": (
        "Watashi no kojin jōhō no ken de o-denwa shimashita. "
        "{when}, {company} kara kan'yū no denwa ga arimashita. "
        "{source} "
        "Watashi no shimei wa 〔your name〕, denwa bangō wa 〔your number〕 desu. "
        "Watashi no kojin dēta no daisansha e no teikyō o, teishi shite kudasai. "
        "Riyō o teishi shi, shōkyo shite kudasai. "
        "Kore made ni, doko e teikyō shita ka mo oshiete kudasai."
    ),
    # The values of those lines.
    "demand_when": "{date} ni",
    "demand_when_unknown": "Senjitsu",
    "demand_company_unknown": "aru kaisha",
    "demand_source.named": "Sono kaisha wa, watashi no jōhō o onsha kara nyūshu shita to itte imasu.",
    "demand_source.believed": "Watashi no jōhō wa, onsha kara teikyō sareta mono to kangaete imasu.",
    "law.property": "Takuchi Tatemono Torihiki Gyō-hō",
    "law.sales": "Tokutei Shō-torihiki-hō",
}
# A day as said on the phone (11月20日: jūichi-gatsu hatsuka): months, and the days whose
# reading is not "<number>-nichi".
MONTHS = (
    "ichi-gatsu",
    "ni-gatsu",
    "san-gatsu",
    "shi-gatsu",
    "go-gatsu",
    "roku-gatsu",
    "shichi-gatsu",
    "hachi-gatsu",
    "ku-gatsu",
    "jū-gatsu",
    "jūichi-gatsu",
    "jūni-gatsu",
)
_UNITS = ("", "ichi", "ni", "san", "yon", "go", "roku", "shichi", "hachi", "ku")
DAYS = {
    1: "tsuitachi",
    2: "futsuka",
    3: "mikka",
    4: "yokka",
    5: "itsuka",
    6: "muika",
    7: "nanoka",
    8: "yōka",
    9: "kokonoka",
    10: "tōka",
    14: "jūyokka",
    20: "hatsuka",
    24: "nijūyokka",
}


_TENS = ("", "jū", "nijū", "sanjū", "yonjū", "gojū", "rokujū", "nanajū", "hachijū", "kyūjū")
_YEAR_UNITS = ("", "ichi", "ni", "san", "yo", "go", "roku", "nana", "hachi", "kyū")


def year_reading(year: int) -> str:
    """「2026年」 as said: "nisen-nijūroku-nen"; 「1999年」 "sen-kyūhyaku-kyūjūkyū-nen"
    (the years 1900–2099)."""
    if not 1900 <= year < 2100:
        raise ValueError(f"no reading for the year {year}")
    head, rest = ("nisen", year - 2000) if year >= 2000 else ("sen-kyūhyaku", year - 1900)
    spoken = f"{_TENS[rest // 10]}{_YEAR_UNITS[rest % 10]}"
    return f"{head}-{spoken}-nen" if spoken else f"{head}-nen"


def day_reading(month: int, day: int) -> str:
    """「11月20日」 as said: "jūichi-gatsu hatsuka"."""
    if day in DAYS:
        spoken = DAYS[day]
    else:
        tens = ("", "jū", "nijū", "sanjū")[day // 10]
        spoken = f"{tens}{_UNITS[day % 10]}-nichi"
    return f"{MONTHS[month - 1]} {spoken}"
