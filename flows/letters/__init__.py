"""Written requests made from a case: to the list broker, to the calling company, and a report
of re-solicitation for the licensing authority.

They go to Japanese businesses and offices, so they are in Japanese only. A letter is plain
data: the parts (date, recipient and its address, sender block, title, content lines) and ``body``, the whole
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

The package by job: ``parts`` (the letter as data, the facts every letter states alike),
``requests`` (to the broker and to the company), ``report`` (the re-solicitation report),
``offices`` (prefectures, bureaus, licensing authorities), ``pdf`` (A4 typesetting) and
``naiyo`` (the 内容証明 grid). Times and dates come from ``flows.moments``, the font from
``flows.fonts``; every sentence from the letters' catalog, ``flows.texts.LETTER_JA``
(tests/golden/letters.txt pins what they make). What the rest of the code uses is
importable from here.
"""

from __future__ import annotations

from flows.letters.naiyo import (
    NAIYO_COLUMNS,
    NAIYO_ROWS,
    naiyo_grid_origin,
    naiyo_lines,
    naiyo_pages,
    naiyo_pdf,
    naiyo_title,
)
from flows.letters.offices import (
    BUREAU_OF,
    BUREAUS,
    PREFECTURES,
    lacks_a_block_number,
    licensing_authority,
    looks_like_address,
    needs_head_office,
    prefecture,
)
from flows.letters.parts import (
    ADDRESSEE_OF,
    BROKER_REQUEST,
    BUSINESS_LETTERS,
    COMPANY_REQUEST,
    REQUEST_TO,
    RESOLICITATION_REPORT,
    Letter,
    Note,
    Sender,
)
from flows.letters.pdf import missing_in_pdf, to_pdf, wrap, wrap_words
from flows.letters.report import later_calls, report_addressee, resolicitation_report
from flows.letters.requests import broker_request, company_request

__all__ = [
    "ADDRESSEE_OF",
    "BROKER_REQUEST",
    "BUREAUS",
    "BUREAU_OF",
    "BUSINESS_LETTERS",
    "COMPANY_REQUEST",
    "NAIYO_COLUMNS",
    "NAIYO_ROWS",
    "PREFECTURES",
    "REQUEST_TO",
    "RESOLICITATION_REPORT",
    "Letter",
    "Note",
    "Sender",
    "broker_request",
    "company_request",
    "lacks_a_block_number",
    "later_calls",
    "licensing_authority",
    "looks_like_address",
    "missing_in_pdf",
    "naiyo_grid_origin",
    "naiyo_lines",
    "naiyo_pages",
    "naiyo_pdf",
    "naiyo_title",
    "needs_head_office",
    "prefecture",
    "report_addressee",
    "resolicitation_report",
    "to_pdf",
    "wrap",
    "wrap_words",
]
