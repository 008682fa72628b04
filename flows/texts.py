"""Every user-facing string, one catalog per language, keyed by id.

Keys ending in ``.say`` are lines to read aloud on the phone: one breath per sentence.
Placeholders use ``str.format`` names; a test checks both catalogs have the same keys and
the same placeholders. Option labels are looked up as ``opt.<state>.<trigger>`` first and
``opt.<trigger>`` second, so one trigger can read differently at different steps.
Legal references follow shared/domain/legal-ja.md: no sub-numbers that are unverified.
"""

from __future__ import annotations

import string
from datetime import datetime
from zoneinfo import ZoneInfo

from flows.catalog.en import DISCLAIMER_EN, EN
from flows.catalog.ja import DISCLAIMER_JA, JA
from flows.catalog.letters_ja import LETTER_JA
from flows.catalog.romaji import ROMAJI

__all__ = ["DISCLAIMER_EN", "DISCLAIMER_JA", "EN", "JA", "LETTER_JA", "ROMAJI"]

CATALOGS: dict[str, dict[str, str]] = {"ja": JA, "en": EN}
LANGUAGES = tuple(CATALOGS)
DEFAULT_LANGUAGE = "ja"


# What 🏢 and 📦 at the product step store: their words, in the language of the user who
# pressed them.
PRODUCT_LABELS = ("product.property", "product.other")


def product_label(product: object) -> str | None:
    """The ``PRODUCT_LABELS`` key whose words (in any language) ``product`` is; None for a
    product typed in the user's own words (or none)."""
    return next(
        (key for key in PRODUCT_LABELS if any(product == c[key] for c in CATALOGS.values())),
        None,
    )


def pick_language(hint: str | None) -> str:
    """Map a channel's language hint (e.g. Telegram's ``en-US``) to a catalog."""
    if hint and hint.split("-")[0].lower() == "en":
        return "en"
    return DEFAULT_LANGUAGE


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Texts:
    """One language's catalog with formatting."""

    def __init__(self, language: str) -> None:
        self.language = language if language in CATALOGS else DEFAULT_LANGUAGE
        self._catalog = CATALOGS[self.language]

    def __call__(self, key: str, **values: object) -> str:
        return self._catalog[key].format(**values)

    def has(self, key: str) -> bool:
        return key in self._catalog

    # Screens write every moment one way (letters have their own, in flows.moments):
    # 2026年11月27日(金) 14:00 / Fri 27 Nov 2026 14:00, and a day alone as its first part.

    def day(self, moment: datetime, tz: ZoneInfo) -> str:
        """The day of a moment in the user's zone: 2026年11月27日(金) / Fri 27 Nov 2026."""
        local = moment.astimezone(tz)
        if self.language == "ja":
            weekday = "月火水木金土日"[local.weekday()]
            return f"{local.year}年{local.month}月{local.day}日({weekday})"
        return f"{local:%a} {local.day} {local:%b %Y}"

    def spoken_day(self, moment: datetime, tz: ZoneInfo, now: datetime | None = None) -> str:
        """A day as said on the phone, without weekday: 11月27日 / 27 November; with its year
        when that is not ``now``'s (a caller told 「12月7日」 in January can deny it)."""
        local = moment.astimezone(tz)
        if now is not None and now.astimezone(tz).year != local.year:
            if self.language == "ja":
                return f"{local.year}年{local.month}月{local.day}日"
            return f"{local.day} {local:%B} {local.year}"
        return (
            f"{local.month}月{local.day}日" if self.language == "ja" else f"{local.day} {local:%B}"
        )

    def when(self, moment: datetime, tz: ZoneInfo) -> str:
        """A moment in the user's zone: 2026年11月27日(金) 14:00 / Fri 27 Nov 2026 14:00."""
        return f"{self.day(moment, tz)} {moment.astimezone(tz):%H:%M}"

    def when_iso(self, iso: str, tz: ZoneInfo) -> str:
        """``when`` for a stored ISO moment."""
        return self.when(datetime.fromisoformat(iso), tz)

    def option(self, state: str, trigger: str, **values: object) -> str:
        specific = f"opt.{state}.{trigger}"
        return self(specific if specific in self._catalog else f"opt.{trigger}", **values)
