"""What a case's step shows: its message, the line to read aloud, and its buttons.

``flows.machine`` says which step a case is at and which triggers it offers; this module
turns a ``CaseModel`` at a step into the ``Reply`` the user sees. Step content is data
(catalog keys per state), so one ``render_step`` serves every state instead of nineteen
near-identical ``on_enter_<state>`` methods. ``flows.stepping`` renders the step after each
trigger that moved a case; ``Turn.show`` renders it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flows.catalog.romaji import day_reading, year_reading
from flows.machine import (
    CALL_STATES,
    FIELDS,
    NAVIGATION,
    STEP_OPTIONS,
    TEXT_STATES,
    CaseModel,
    triggers_at,
)
from flows.moments import call_moment, refusal_moment
from flows.normalize import format_phone
from flows.port import Option, Reply
from flows.reminders import CHOICES, choice_trigger
from flows.router import step_shown
from flows.schedule import JAPAN
from flows.standing import PHONE_ANSWERS
from flows.texts import ROMAJI, Texts, product_label


def keeps_value(model: CaseModel, trigger: str) -> bool:
    """Whether ``trigger`` at the model's step is ⏭ at a field that has a value, whose button
    reads 「⏭ このまま」 (the timeline says so too)."""
    return trigger == "skip" and model.state in TEXT_STATES and bool(current_value(model))


def _option(model: CaseModel, trigger: str, secondary: bool = False) -> Option:
    case = model.case
    label_trigger = "keep" if keeps_value(model, trigger) else trigger
    values = {}
    carried = trigger
    if trigger in CHOICES:
        due = CHOICES[trigger](model.at, model.tz)
        values["when"] = model.texts.when(due, model.tz) if due else ""
        carried = choice_trigger(trigger, due, model.tz)
    letter = model.letter_due() if trigger == "write_letter" else None
    label = (
        model.texts(f"opt.letter_{letter}")
        if letter
        else model.texts.option(model.state, label_trigger, **values)
    )
    return Option(f"{step_shown(case)}.{carried}", label, secondary)


def offered(model: CaseModel) -> tuple[list[str], list[str]]:
    """The triggers shown as buttons at the model's step: main ones, then navigation."""
    available = triggers_at(model.state)
    main = [t for t in STEP_OPTIONS.get(model.state, ()) if t in available]
    if model.state == "scheduling" and CHOICES["remind_evening"](model.at, model.tz) is None:
        main.remove("remind_evening")  # it is already past 19:00
    if model.state == "choosing_fix" and not model.is_property():
        main.remove("fix_licence")
    if "write_letter" in main and model.letter_due() is None:
        main.remove("write_letter")
    if "check_number" in main and (model.case.get("phone_e164") or model.case.get("repeat_of")):
        main.remove("check_number")  # checked already, or known to be a refused caller
    return main, [t for t in NAVIGATION if t in available]


def option_for(model: CaseModel, trigger: str) -> Option | None:
    """The button for one trigger, if the step shows it."""
    main, nav = offered(model)
    if trigger not in main and trigger not in nav:
        return None
    return _option(model, trigger, secondary=trigger in nav)


def options_for(model: CaseModel) -> tuple[Option, ...]:
    main, nav = offered(model)
    return tuple(_option(model, t) for t in main) + tuple(
        _option(model, t, secondary=True) for t in nav
    )


def current_value(model: CaseModel, field: str | None = None) -> str | None:
    """A step ③ field's value as the step and the summary show it (None: nothing shown)."""
    field = field or model.state.removeprefix("recording_")
    case = model.case
    if field == "broker":
        return case.get("broker_name")
    if field == "phone":
        return format_phone(case["phone_e164"]) if case.get("phone_e164") else case.get("phone_raw")
    if field == "when":
        return model.texts.when_iso(at, model.tz) if (at := case.get("call_at")) else None
    if field == "product":
        return product_shown(case.get("product"), model.texts)
    value = case.get(field)
    return None if value is None else str(value)


def product_shown(product: object, t: Texts) -> str | None:
    """What was pitched, in the reader's language when it is a button's words (stored in the
    language of the user who pressed it: 「その他」 read after /language en)."""
    if product is None:
        return None
    key = product_label(product)
    return t(key) if key else str(product)


def opened_for_call(case: Mapping[str, Any], field: str, t: Texts, tz: ZoneInfo) -> str | None:
    """A call's time not given during the call: the moment its case was opened, which its
    letters state (``moments.call_moment``), said as such; None for any other field."""
    if field != "when" or case.get("call_at") or (at := call_moment(case)) is None:
        return None
    return t("when_case_opened", when=t.when_iso(at, tz))


def summary(model: CaseModel) -> str:
    t = model.texts
    lines = []
    for field in FIELDS:
        if field == "licence" and not model.is_property():
            continue
        value = current_value(model, field) or opened_for_call(model.case, field, t, model.tz)
        lines.append(f"{t(f'field.{field}')}: {value or t('field.empty')}")
    refused = refusal_moment(model.case)
    if model.case.get("not_refused"):
        refusal = t("refused_not")
    elif not model.case.get("refused_at"):
        refusal = t("refused_no")
    elif refused is None:
        # Recorded afterwards with no time given: the refusal's time is not known either.
        refusal = t("refused_yes_undated")
    else:
        refusal = t("refused_yes", date=t.when_iso(refused, model.tz))
    lines.append(f"{t('field.refused')}: {refusal}")
    return "\n".join(lines)


_JA = Texts("ja")


def say_reply(
    text: str,
    texts: Texts,
    key: str,
    options: tuple[Option, ...],
    note: str | None = None,
    values: Mapping[str, object] | None = None,
    ja_values: Mapping[str, object] | None = None,
    reading_values: Mapping[str, object] | None = None,
) -> Reply:
    """A step with a line to read aloud: in Japanese, the caller's language, whatever the
    user's; for a user of another language with its meaning (``gloss``) and, where the line
    has one, a reading (romaji; ``reading_values`` fill in its placeholders)."""
    say = _JA(key, **(ja_values if ja_values is not None else values or {}))
    if texts.language == "ja":
        return Reply(text, say, note, options=options)
    gloss = texts(key, **(values or {}))
    reading = ROMAJI.get(key)
    if reading is not None and reading_values is not None:
        reading = capitalized(reading.format(**reading_values))  # it may begin with a value
    return Reply(text, say, note, options=options, reading=reading, gloss=gloss)


def capitalized(reading: str) -> str:
    """A reading as a sentence begins: its first letter upper-case, the rest as it is."""
    return reading[:1].upper() + reading[1:]


def day_said(moment: str, tz: ZoneInfo, now: datetime | None = None) -> str:
    """The reading of a stored moment's day where the user is ("jūichi-gatsu hatsuka"),
    with its year when that is not ``now``'s (as ``Texts.spoken_day``)."""
    local = datetime.fromisoformat(moment).astimezone(tz)
    day = day_reading(local.month, local.day)
    if now is not None and now.astimezone(tz).year != local.year and 1900 <= local.year < 2100:
        return f"{year_reading(local.year)} {day}"  # (before 1900: the day only)
    return day


_LAWS = {"property": "law.property", "other": "law.sales"}


@dataclass(frozen=True)
class Line:
    """A line to read aloud with values: its key, its values in the user's language, in
    Japanese (the line itself is said in Japanese) and in its reading; and the note on the
    law it cites."""

    key: str
    values: dict[str, object]
    ja_values: dict[str, object]
    reading_values: dict[str, object]
    note: str  # a catalog key

    def reply(self, text: str, texts: Texts, options: tuple[Option, ...], note: str) -> Reply:
        return say_reply(
            text, texts, self.key, options, note, self.values, self.ja_values, self.reading_values
        )


def firmer_line(
    texts: Texts,
    refused_at: str | None,
    product_kind: object,
    now: datetime | None = None,
) -> Line:
    """The line for a caller refused before: that the user refused (on that day, if known),
    and that soliciting after a refusal is against the law: 宅地建物取引業法 for property,
    特定商取引法 for other sales ("should be": its exclusions are not known here); without the
    product, "the law should forbid it"."""
    law = _LAWS.get(str(product_kind))
    values: dict[str, object] = {"law": texts(law)} if law else {}
    ja_values: dict[str, object] = {"law": _JA(law)} if law else {}
    reading_values: dict[str, object] = {"law": ROMAJI[law]} if law else {}
    if refused_at:
        # Said to the caller, in Japan: Japan's day, whatever zone the user reads the bot in.
        tz = JAPAN
        day = datetime.fromisoformat(refused_at)
        values["date"] = texts.spoken_day(day, tz, now)
        ja_values["date"] = _JA.spoken_day(day, tz, now)
        reading_values["date"] = day_said(refused_at, tz, now)
    # 特定商取引法 applies to a 電話勧誘販売 not excluded (legal-ja.md): "it should be".
    hedge = "_unsure" if not law else "_hedged" if law == "law.sales" else ""
    key = "say.refused_before" + ("" if refused_at else "_undated") + hedge
    note = f"law.note.{(law or 'law.any').removeprefix('law.')}"
    return Line(key, values, ja_values, reading_values, note)


def demand_reading(
    company: str | None,
    called: str | None,
    tz: ZoneInfo,
    source: str = "demand_source.named",
    now: datetime | None = None,
) -> dict[str, object]:
    """The values of step 4's reading: the call's day as said (or "senjitsu", the other day),
    the company as recorded (or "aru kaisha", a company), and how the source is put."""
    if called:
        when = ROMAJI["demand_when"].format(date=capitalized(day_said(called, tz, now)))
    else:
        when = ROMAJI["demand_when_unknown"]
    company = company or ROMAJI["demand_company_unknown"]
    return {"when": when, "company": company, "source": ROMAJI[source]}


def refusing_again(model: CaseModel, options: tuple[Option, ...]) -> Reply:
    """Step 1 of a call from a caller the user refused before (linked: ``repeat_of``)."""
    t, case = model.texts, model.case
    refused = case.get("repeat_refused_at")
    if refused:
        text = t(
            "step.refusing_again.text", number=case["repeat_of"], date=t.when_iso(refused, model.tz)
        )
    else:
        text = t("step.refusing_again.text_undated", number=case["repeat_of"])
    line = firmer_line(t, refused, case.get("product_kind"), model.at)
    return line.reply(text, t, options, t(line.note))


def render_step(model: CaseModel) -> Reply:
    t = model.texts
    state = model.state
    case = model.case
    options = options_for(model)
    if state == "pushing" and int(case.get("push_count") or 0) >= 2:
        return say_reply(t("step.pushing_again.text"), t, "step.pushing_again.say", options)
    if state == "refusing" and case.get("repeat_of"):
        return refusing_again(model, options)
    if state in CALL_STATES:
        note = f"step.{state}.note"
        text = t(f"step.{state}.text")
        if model.came_trigger == "check_number":
            text += "\n" + t("step.check_number.text")
        return say_reply(text, t, f"step.{state}.say", options, t(note) if t.has(note) else None)
    if state in TEXT_STATES:
        lines = []
        if (
            model.came_from not in TEXT_STATES
            and not model.is_fixing()
            and (model.came_from not in ("confirming", "choosing_fix"))
        ):
            lines.append(t("step.recording.intro"))
        lines.append(t(f"step.{state}.text"))
        value = current_value(model)
        if value:
            lines.append(t("current_value", value=value))
        return Reply("\n".join(lines), options=options)
    if state == "confirming":
        return Reply(t("step.confirming.text", summary=summary(model)), options=options)
    if state == "demanding":
        called = call_moment(case)
        # "They say they got it from you" only if the caller named the source.
        source = "demand_source.named" if case.get("source_named") else "demand_source.believed"
        values: dict[str, object] = {}
        ja_values: dict[str, object] = {}
        for texts, out in ((t, values), (_JA, ja_values)):
            out["source"] = texts(source)
            if called:
                # Said to the broker, in Japan: Japan's day, whatever zone the user reads in.
                date = texts.spoken_day(datetime.fromisoformat(called), JAPAN, model.at)
                out["when"] = texts("demand_when", date=date)
            else:
                out["when"] = texts("demand_when_unknown")
            out["company"] = case.get("company") or texts("demand_company_unknown")
        return say_reply(
            t("step.demanding.text", broker=case.get("broker_name") or ""),
            t,
            "step.demanding.say",
            options,
            t("step.demanding.note"),
            values,
            ja_values,
            demand_reading(case.get("company"), called, JAPAN, source, model.at),
        )
    key = f"step.{state}.text"
    if state == "following_up" and not (
        case.get("outcome") in PHONE_ANSWERS or case.get("letter_at")
    ):
        key = "step.following_up.recorded"  # nothing asked of anyone yet: 📁 記録済み in /cases
    return Reply(
        t(key, number=case["number"], broker=case.get("broker_name") or ""), options=options
    )
