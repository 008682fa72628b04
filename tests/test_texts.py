"""The catalogs: same keys and placeholders in both languages; lines short enough to say."""

from __future__ import annotations

import re

from flows.machine import NAVIGATION, STEP_OPTIONS
from flows.texts import EN, JA, Texts, placeholders


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    assert set(JA) == set(EN)
    for key in JA:
        assert placeholders(JA[key]) == placeholders(EN[key]), key


def test_every_option_has_a_label_in_both_languages() -> None:
    for state, triggers in STEP_OPTIONS.items():
        for trigger in (*triggers, *NAVIGATION):
            for lang in ("ja", "en"):
                assert Texts(lang).option(state, trigger, when="x"), (lang, state, trigger)


def test_lines_to_read_aloud_are_short_sentences() -> None:
    for key, text in JA.items():
        if key.endswith(".say"):
            for sentence in filter(None, re.split(r"(?<=。)", text)):
                assert len(sentence) <= 40, (key, sentence)
    for key, text in EN.items():
        if key.endswith(".say"):
            for sentence in filter(None, re.split(r"(?<=[.?])\s", text)):
                assert len(sentence.split()) <= 20, (key, sentence)


def test_disclaimer_is_in_help_once() -> None:
    assert JA["help"].count("法的助言ではありません") == 1
    assert EN["help"].count("not legal advice") == 1
