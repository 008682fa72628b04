"""The 内容証明 layout: the same letter on the post office's grid of characters."""

from __future__ import annotations

import re
import unicodedata

from flows.fonts import FONT_NAME, font_path
from flows.letters.parts import ITEMS_CLOSE, ITEMS_OPEN, Letter, _say
from flows.letters.pdf import NO_LINE_END, NO_LINE_START

# The post office keeps a copy (謄本) of a 内容証明 letter and accepts only documents on one of
# its grids; every character counts, punctuation and brackets included, so each character
# here takes one cell of a 26×20 grid (横書き, at most 520 a page). Line-start kinsoku never
# pushes a character past the grid: the character before a 「。」 moves down with it instead,
# leaving that line one cell short.

NAIYO_COLUMNS = 26
NAIYO_ROWS = 20
_NUMBERED = re.compile(r"^(　*)(\d+)\. ")


def full_width(text: str) -> str:
    """Every character as one full-width cell: ASCII letters, digits and signs become their
    full-width forms (half-width kana too, by NFKC), a space becomes 「　」."""
    plain = unicodedata.normalize("NFKC", text)
    return "".join(
        "　" if ch == " " else chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in plain
    )


def _movable(current: str, carry: str, hang: int, width: int) -> bool:
    """Whether one more character of a full line may move down: the line keeps one, and
    the next line (its hang, what moved, the character that follows) still fits."""
    return len(current.strip("　")) > 1 and hang + len(carry) + 2 <= width


# Runs of digits and Latin letters (０３－１２３４－５６７８, a 番地 「１－２－３」) are not
# split across lines where they fit whole on the next (as ``pdf``'s wrap keeps them).
_RUN = frozenset(
    "－"
    + "".join(chr(c) for c in range(ord("０"), ord("９") + 1))
    + "".join(chr(c) for c in range(ord("Ａ"), ord("Ｚ") + 1))
    + "".join(chr(c) for c in range(ord("ａ"), ord("ｚ") + 1))
)


_OPENERS = "".join(sorted(NO_LINE_END))
_CLOSERS = "".join(sorted(NO_LINE_START))
_RUN_TEXT = "".join(sorted(_RUN))


def _run_length(text: str) -> int:
    """How many characters of ``text`` from its start are one run (``_RUN``)."""
    return len(text) - len(text.lstrip(_RUN_TEXT))


def _run_block(line: str) -> int:
    """How many characters end ``line`` as a run (``_RUN``) with the brackets opening it."""
    tail = len(line) - len(line.rstrip(_RUN_TEXT))
    if not tail:
        return 0
    head = line[:-tail]
    return tail + len(head) - len(head.rstrip(_OPENERS))


def _grid_wrap(text: str, width: int = NAIYO_COLUMNS, hang: int = 0) -> list[str]:
    """``text`` (already full-width) in lines of at most ``width`` characters; continuation
    lines start with ``hang`` blank cells."""
    lines: list[str] = []
    current = ""
    for i, ch in enumerate(text):
        if len(current) >= width:
            carry = ""
            # Never start a line with 「。」「」」…, never end one with 「「」「（」…: move
            # characters down, the line stays shorter; as long as what moves still fits
            # the next line with the character after it (a run of 「。」 stays put).
            while (carry or ch)[0] in NO_LINE_START and _movable(current, carry, hang, width):
                carry, current = current[-1] + carry, current[:-1]
            block = _run_block(current)
            if block:
                # The whole run, and what it must not be parted from (「（」 before it, 「）」
                # 「。」 after it), on the next line; what moved down already with the
                # character after it, too.
                rest = carry + text[i : i + width]
                ahead = _run_length(rest)
                closing = len(rest[ahead:]) - len(rest[ahead:].lstrip(_CLOSERS))
                need = hang + block + max(ahead + closing, len(carry) + 1)
                if ahead and need <= width and len(current.strip("　")) > block:
                    carry, current = current[-block:] + carry, current[:-block]
            while current and current[-1] in NO_LINE_END and _movable(current, carry, hang, width):
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
    text = full_width(text)
    indent = len(text) - len(text.lstrip("　"))
    body = text[indent:]
    hang = indent
    if body.startswith("・"):
        hang += 1
    elif numbered:
        hang += len(full_width(numbered.group(2))) + 1
    return _grid_wrap(text, hang=min(hang, NAIYO_COLUMNS // 2))


def _grid_party(role: str, label: str, value: str) -> list[str]:
    """「差出人　住所　…」: the role (three cells) once, the items under one another, and a
    value's continuation under the value (seven cells in)."""
    lead = f"{role}　" if role else "　" * 4
    return _grid_wrap(lead + full_width(f"{label}　{value}"), hang=len(lead) + 3)


def _content(letter: Letter) -> list[tuple[list[str], bool]]:
    """The title and the content as paragraphs of grid lines, each with whether it heads
    what follows (【経緯】, 「１．入手先の開示…」: it never ends a page)."""
    title = full_width(letter.title)
    pad = max((NAIYO_COLUMNS - len(title)) // 2, 0)
    paragraphs = [(_grid_wrap("　" * pad + title), False), ([""], False)]
    for text in letter.content:
        if not text:
            paragraphs.append(([""], False))
        elif text == ITEMS_OPEN:
            paragraphs.append((["　" * (NAIYO_COLUMNS // 2 - 1) + ITEMS_OPEN], False))
        elif text == ITEMS_CLOSE:
            paragraphs.append((["　" * (NAIYO_COLUMNS - 3) + ITEMS_CLOSE], False))
        else:
            heading = text.startswith("【") or bool(_NUMBERED.match(text) and text[0] != "　")
            paragraphs.append((_grid_paragraph(text), heading))
    return paragraphs


def _closing(letter: Letter) -> list[str]:
    address, recipient = letter.sender_address, letter.recipient_address
    return [
        full_width(letter.date),
        *_grid_party(_say("letter.naiyo.sender"), _say("letter.label.address"), address),
        *_grid_party("", _say("letter.label.name"), letter.sender_name),
        *_grid_party(_say("letter.naiyo.recipient"), _say("letter.label.address"), recipient),
        # Not given: the row, and a second one, for the address written in by hand.
        *([] if recipient else [""]),
        *_grid_party("", _say("letter.label.recipient"), letter.recipient),
    ]


def naiyo_lines(letter: Letter) -> tuple[list[str], list[str]]:
    """The letter as the lines of a 内容証明 grid: the title and the content; then, apart
    (they stay together on one page), the date and both parties, which the post office
    expects at the end (the recipient's address, when it is not known, is left for the sender to write in)."""
    return [line for lines, _ in _content(letter) for line in lines], _closing(letter)


def naiyo_pages(letter: Letter) -> list[list[str]]:
    """The letter cut into pages of ``NAIYO_ROWS`` lines: a page never starts blank nor
    ends with a heading (【…】, a numbered item's title: it goes on with what it heads), and
    the closing block moves whole to a new page when it does not fit under the content
    (only names and addresses near their limits make it longer than a page, and then it
    goes on over the next)."""
    pages: list[list[str]] = []

    def add(line: str) -> None:
        if not pages or len(pages[-1]) == NAIYO_ROWS:
            if not line:
                return
            pages.append([])
        pages[-1].append(line)

    paragraphs = _content(letter)
    for n, (lines, heading) in enumerate(paragraphs):
        if heading and not paragraphs[n - 1][1]:
            # Headings in a row (【請求の内容】「１．…」) and the first line they head: on
            # one page.
            need = 1
            for more, more_heading in paragraphs[n:]:
                if not more_heading:
                    break
                need += len(more)
            if pages and len(pages[-1]) + need > NAIYO_ROWS >= need:
                pages.append([])
        for line in lines:
            add(line)
    closing = _closing(letter)
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


def naiyo_title(letter: Letter) -> str:
    """The 内容証明 version's title: 「…請求書（内容証明用）」."""
    return _say("letter.naiyo.title", title=letter.title)


def naiyo_pdf(letter: Letter) -> bytes:
    """The 内容証明 layout on A4: one character a cell of a faint 26×20 grid, the page number
    under the grid (outside it, so it is not counted), the margin above left blank."""
    from fpdf import FPDF

    pages = naiyo_pages(letter)
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_auto_page_break(False)
    pdf.add_font(FONT_NAME, fname=str(font_path()))
    pdf.set_title(naiyo_title(letter))
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
