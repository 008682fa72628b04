"""What typed text means where a button was expected: an option's number, its label in any
language (or a telling part of it), a yes or a no, or a word such as 「戻る」 or "skip"."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from flows.machine import YES_NO
from flows.port import Option
from flows.reminders import choice_of
from flows.texts import CATALOGS, Texts

# What typed words mean wherever that trigger is on offer (any language, any step).
ALIASES: dict[str, tuple[str, ...]] = {
    "back": ("back", "戻る", "もどる", "戻"),
    "skip": (
        "skip",
        "スキップ",
        "とばす",
        "飛ばす",
        "keep",
        "このまま",
        "なし",
        "不明",
        "わからない",
        # English: "unknown" is a withheld number's word at the number's step; "don't know"
        # at step ② is 🤐 (they did not say), not a skip (as 「わかりません」 is not).
        "none",
        "n/a",
        "not known",
    ),
    "cancel": ("cancel", "キャンセル", "中止", "やめる"),
    # Typed where a field is asked (the company, the caller's name…): not its value, a skip.
    # Only there: at step ② a "don't know" is 🤐, at the number's step "unknown" is 非通知.
    "dont_know": (
        "わかりません",
        "分かりません",
        "分からない",
        "わかんない",
        "わからないです",
        "分からないです",
        "知りません",
        "知らない",
        "不明です",
        "覚えていない",
        "覚えてない",
        "忘れた",
        "忘れました",
        "忘れてしまいました",
        "覚えていません",
        "覚えてません",
        "知らないです",
        "わかりませんでした",
        "分かりませんでした",
        "わからん",
        "わかんないです",
        "聞いていません",
        "聞いてません",
        "聞けませんでした",
        "dont know",
        "i dont know",
        "do not know",
        "idk",
        "dunno",
        "no idea",
        "not sure",
        "forgot",
        "i forgot",
        "dont remember",
        "i dont remember",
    ),
    "now": ("now", "just now", "いま", "今", "さっき", "さきほど"),
    # Where a field has a value: empty it ("skip" keeps it). At ✏️ fix, 「なし」 too.
    "clear": ("消す", "けす", "消して", "削除", "削除して", "クリア", "clear", "delete", "remove"),
    "clear_at_fix": ("なし", "none"),
    # A caller's number not shown: recorded as said, at the number's step.
    "withheld": (
        "非通知",
        "番号非通知",
        "非通知設定",
        "通知不可能",
        "表示圏外",
        "公衆電話",
        "withheld",
        "unknown",
        "private",
        "private number",
        "no caller id",
    ),
    # A step's answer in the polite form people type under pressure (the labels are plain).
    "refused": ("断りました", "お断りしました", "断わりました"),
    "yes_refused": ("断りました", "お断りしました", "はい断りました"),
    "not_refused": ("断れませんでした", "断れなかったです"),
    "pushing": ("食い下がっています", "まだ食い下がっています"),
    "backed_off": ("引き下がりました", "諦めました", "あきらめました"),
    "ended": ("切れました", "電話が切れました", "切られました", "切りました"),
    "named": ("言いました", "入手先を言いました", "教えてくれました"),
    "dodged": ("言いませんでした", "答えませんでした", "はぐらかされました", "聞けませんでした"),
    "agreed": ("応じました", "応じてくれました"),
    "declined": ("断られました",),
    "no_record": ("記録がないと言われました", "記録がないそうです"),
    "unreachable": ("つながりませんでした", "繋がりませんでした"),
}
YES = ("yes", "y", "ok", "はい", "うん", "ええ", "そう", "済み")
NO = ("no", "n", "いいえ", "いや", "ううん", "まだ")


def trigger_of(option: Option) -> str:
    """The trigger a case's step button fires (the last part of ``3.5.refused``; a time
    choice's without the moment it carries: ``reminders.choice_trigger``)."""
    return choice_of(option.token.rsplit(".", 1)[1])


def match_option(state: str, options: Sequence[Option], text: str) -> str | None:
    """The trigger the typed text means: the option's number, its label in any language,
    a part of one label only, or a clear yes/no."""
    typed = fold(text)
    if not typed:
        return None
    triggers = [trigger_of(o) for o in options]
    number = option_number(text)
    if number is not None:
        return triggers[number - 1] if 1 <= number <= len(options) else None
    folded: dict[str, set[str]] = {}
    for option, trigger in zip(options, triggers, strict=True):
        # The label as shown, and in every language without its time ("次の営業日").
        labels = [option.label] + [Texts(lang).option(state, trigger, when="") for lang in CATALOGS]
        if trigger == "skip":
            labels += [Texts(lang).option(state, "keep") for lang in CATALOGS]
        folded[trigger] = {fold(label) for label in labels}
        if typed in folded[trigger] or typed in ALIASES.get(trigger, ()):
            return trigger
    yes_no = YES_NO.get(state)
    if yes_no:
        if typed in YES and yes_no[0] in triggers:
            return yes_no[0]
        if typed in NO and yes_no[1] in triggers:
            return yes_no[1]
    if typed in YES or typed in NO:
        return None  # a yes or no that means no one option here
    return _partly(typed, folded)


def match_choice(text: str, keys: dict[str, str]) -> str | None:
    """Which of a dialog's yes/no choices the typed text means (``keys``: choice → its
    label's catalog key): a yes or a no, the option's number, its label in any language, or
    a part of one label only."""
    choice = yes_or_no(text)
    if choice in keys:
        return choice
    number = option_number(text)
    if number is not None:
        return list(keys)[number - 1] if 1 <= number <= len(keys) else None
    typed = fold(text)
    folded = {choice: folded_labels(key) for choice, key in keys.items()}
    exact = [choice for choice, labels in folded.items() if typed in labels]
    return exact[0] if exact else _partly(typed, folded)


def button_typed(raw: str, shown: tuple[str, ...], labels: dict[str, str]) -> str | None:
    """Which of a question's buttons (``shown``, in order) the text names by its number or
    its label in any language (``labels``: button → catalog key; a button without one is
    named by its number only); "" for a number no button has; None: no button."""
    number = option_number(raw)
    if number is not None:
        return shown[number - 1] if 1 <= number <= len(shown) else ""
    typed = fold(raw)
    return next((arg for arg, key in labels.items() if typed in folded_labels(key)), None)


def folded_labels(key: str) -> set[str]:
    """A label's text in every language, folded for comparing with what was typed."""
    return {fold(Texts(lang)(key)) for lang in CATALOGS}


def _partly(typed: str, folded: dict[str, set[str]]) -> str | None:
    """The one choice ``typed`` is a telling part of the label of: 「切れた」, 「保存」,
    "ended" (whole words); None if it is part of none, or of more than one."""
    partly = [t for t, labels in folded.items() if any(_part_of(typed, x) for x in labels)]
    return partly[0] if len(partly) == 1 else None


def yes_or_no(text: str) -> str | None:
    typed = fold(text)
    return "yes" if typed in YES else "no" if typed in NO else None


def option_number(text: str) -> int | None:
    """The option number typed ("2", "２", "②", "2)"), or None; not a sign or a sum ("-5")."""
    plain = unicodedata.normalize("NFKC", text).strip().rstrip(").")
    if plain.isdecimal() and len(plain) <= 3:
        return int(plain)
    return None


def _part_of(typed: str, label: str) -> bool:
    """Whether folded ``typed`` is a telling part of folded ``label``: two characters or more
    of Japanese, or whole words of a language written with spaces."""
    if len(typed) < 2 or typed == label:
        return False
    if typed.isascii():
        return re.search(rf"(?<!\w){re.escape(typed)}(?!\w)", label) is not None
    return typed in label


def fold(text: str) -> str:
    """Compare typed text with labels: width-folded, case-folded, emoji and marks dropped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN" or ch in " /()（）・")
    return " ".join(kept.split())
