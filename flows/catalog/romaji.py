"""Readings of the lines to read aloud, for users who do not read Japanese."""

from __future__ import annotations

# Lines to read aloud are said in Japanese whatever the user's language (the caller speaks
# Japanese); an English user sees the Japanese, this reading of it, and the catalog's English
# as its meaning. Only fixed lines have a reading: step 4's line carries the case's names.
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
}
