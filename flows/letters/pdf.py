"""A letter typeset on A4 as PDF, IPAexGothic embedded: line breaking with kinsoku, the
layout read from the shape of the content lines (see the package's docstring)."""

from __future__ import annotations

import re
from collections.abc import Callable

from flows.fonts import FONT_NAME, font_characters, font_path
from flows.letters.parts import ITEMS_CLOSE, ITEMS_OPEN, Letter


def missing_in_pdf(letter: Letter) -> list[str]:
    """Characters of the letter the PDF font cannot draw (e.g. 𠮷 in 𠮷田): the PDF would
    leave them out, so the user is told and can use the text version for those."""
    known = font_characters()
    seen: dict[str, None] = {}
    for ch in letter.body:
        if not ch.isspace() and ord(ch) not in known:
            seen.setdefault(ch, None)
    return list(seen)


# Kinsoku: characters that may not start a line hang in the margin; those that may not end
# one move down with the next word.
NO_LINE_START = frozenset(
    "、。，．,.)）」』】〕〉》・：；:;！？!?ー～…‥ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ々"
)
NO_LINE_END = frozenset("(（「『【〔〈《")
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
        if token[0] in NO_LINE_START:
            current += token
            continue
        carry = ""
        while len(current) > 1 and current[-1] in NO_LINE_END:
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
    if letter.recipient_address:  # above the name, as on an envelope
        for piece in wrap_words(letter.recipient_address, full, pdf.get_string_width):
            line(piece)
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
        elif text in (ITEMS_OPEN, ITEMS_CLOSE):
            line(text, align="C" if text == ITEMS_OPEN else "R")
        elif text.startswith("【"):
            if pdf.get_y() + LINE_MM * 2.5 > pdf.page_break_trigger:
                pdf.add_page()  # a heading never ends a page: it goes on with what it heads
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
