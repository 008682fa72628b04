"""Calls per month in the user's zone, and the chart as PNG with Japanese labels."""

from __future__ import annotations

import io
import json
import warnings
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from flows.stats import chart_figure, chart_png, monthly_counts

TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = date(2026, 12, 5)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_months_without_calls_are_included_oldest_first() -> None:
    rows = [
        {"call_at": "2026-09-10T03:00:00+00:00", "opened_at": "2026-09-10T03:05:00+00:00"},
        {"call_at": "2026-12-01T03:00:00+00:00", "opened_at": "2026-12-01T03:00:00+00:00"},
        {"call_at": "2026-12-02T03:00:00+00:00", "opened_at": "2026-12-02T03:00:00+00:00"},
    ]
    assert monthly_counts(rows, TOKYO, 4, today=TODAY) == [
        ("2026-09", 1),
        ("2026-10", 0),
        ("2026-11", 0),
        ("2026-12", 2),
    ]


def test_default_window_is_twelve_months_across_the_year_end() -> None:
    counts = monthly_counts([], TOKYO, today=date(2026, 3, 31))
    assert [label for label, _ in counts] == [
        "2025-04",
        "2025-05",
        "2025-06",
        "2025-07",
        "2025-08",
        "2025-09",
        "2025-10",
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    assert all(count == 0 for _, count in counts)


def test_months_are_counted_in_the_users_zone() -> None:
    rows = [
        # 2026-11-30 23:30 in Tokyo is 14:30 UTC the same day: November.
        {"call_at": "2026-11-30T14:30:00+00:00"},
        # 2026-12-01 00:30 in Tokyo is still 30 November in UTC: December.
        {"call_at": "2026-11-30T15:30:00+00:00"},
    ]
    assert monthly_counts(rows, TOKYO, 2, today=TODAY) == [("2026-11", 1), ("2026-12", 1)]
    # The same calls seen from UTC fall in November both.
    utc = monthly_counts(rows, ZoneInfo("UTC"), 2, today=TODAY)
    assert utc == [("2026-11", 2), ("2026-12", 0)]


def test_opened_at_stands_in_for_a_missing_call_time_and_old_or_future_calls_are_left_out() -> None:
    rows = [
        {"call_at": None, "opened_at": "2026-10-15T00:00:00+00:00"},
        {"call_at": "2025-01-15T00:00:00+00:00"},  # before the window
        {"call_at": "2027-01-15T00:00:00+00:00"},  # after today
        {"call_at": "not a time", "opened_at": "2026-10-01T00:00:00+00:00"},
        {"call_at": None, "opened_at": None},
    ]
    assert monthly_counts(rows, TOKYO, 3, today=TODAY) == [
        ("2026-10", 1),
        ("2026-11", 0),
        ("2026-12", 0),
    ]


def test_repeat_call_events_count_as_calls() -> None:
    events = [
        {"kind": "repeat_call", "at": "2026-11-05T00:00:00+00:00", "detail": None},
        {
            "kind": "repeat_call",
            "at": "2026-12-01T01:00:00+00:00",
            "detail": json.dumps({"at": "2026-11-30T20:00:00+00:00"}),  # 1 Dec 05:00 JST
        },
        {"kind": "opened", "at": "2026-11-06T00:00:00+00:00", "detail": None},
    ]
    counts = monthly_counts([], TOKYO, 2, today=TODAY, events=events)
    assert counts == [("2026-11", 1), ("2026-12", 1)]


def test_a_window_of_no_months_is_refused() -> None:
    with pytest.raises(ValueError):
        monthly_counts([], TOKYO, 0, today=TODAY)


def test_chart_png_with_japanese_labels_renders_without_missing_glyphs() -> None:
    counts = [(f"{month}月", month % 4) for month in range(1, 13)]
    with warnings.catch_warnings():
        # Any "Glyph … missing from font(s)" warning fails the test.
        warnings.simplefilter("error")
        png = chart_png(counts, "月ごとの営業電話", xlabel="月", ylabel="件数")
    assert png.startswith(PNG_SIGNATURE)
    assert 5_000 < len(png) < 500_000
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.format == "PNG"
    assert image.size == (960, 540)


def test_chart_png_with_no_calls_and_few_months() -> None:
    png = chart_png([("2026-11", 0), ("2026-12", 0)], "Calls per month")
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.size == (960, 540)


def test_chart_has_integer_ticks_and_the_japanese_font_everywhere() -> None:
    figure = chart_figure([("10月", 1), ("11月", 3), ("12月", 0)], "営業電話", ylabel="件数")
    figure.canvas.draw()
    axes = figure.axes[0]
    ticks = axes.get_yticks()
    assert len(ticks) >= 2
    assert all(float(tick).is_integer() for tick in ticks)
    texts = [axes.title, axes.yaxis.label, *axes.get_xticklabels(), *axes.get_yticklabels()]
    assert {text.get_fontname() for text in texts} == {"IPAexGothic"}


def test_the_glyph_check_would_catch_a_font_without_japanese() -> None:
    # Guards the test above: a default-font title in Japanese does warn.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure()
    FigureCanvasAgg(figure)
    figure.add_subplot().set_title("営業電話", family="DejaVu Sans")
    with pytest.warns(UserWarning, match="missing from font"):
        figure.canvas.draw()


def test_importing_flows_stats_does_not_import_matplotlib() -> None:
    import subprocess
    import sys

    code = "import sys, flows.stats, flows.letters; print('matplotlib' in sys.modules)"
    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert result.stdout.strip() == "False"
