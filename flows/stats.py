"""Calls per month, counted in the user's zone, and a bar chart of them as PNG.

A case counts as one call in the month of its call time (its opening time when no call time
was recorded); each ``repeat_call`` event counts as one more call. The chart is drawn with
matplotlib's Agg canvas, imported only when a chart is made, on matplotlib's object API
(no pyplot: no global figure registry, no backend switch). Its font is ``flows.fonts``'s, loaded
by file so matplotlib's global settings stay untouched.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flows.fonts import font_path
from flows.moments import local_moment, repeat_call_at

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CHART_SIZE_IN = (8.0, 4.5)
CHART_DPI = 120
BAR_COLOUR = "#3b6ea5"


def _month_of(iso: Any, tz: ZoneInfo) -> tuple[int, int] | None:
    local = local_moment(iso, tz)
    return None if local is None else (local.year, local.month)


def monthly_counts(
    rows: Iterable[Mapping[str, Any]],
    tz: ZoneInfo,
    months: int = 12,
    *,
    today: date,
    events: Iterable[Mapping[str, Any]] = (),
) -> list[tuple[str, int]]:
    """Calls per month for the ``months`` months up to ``today``'s, oldest first, as
    ("2026-11", count); months without calls are included with 0.

    ``rows`` are cases (one call each, at ``call_at`` or else ``opened_at``); ``events`` may
    add the ``repeat_call`` events (one call each); other events are ignored. Calls outside
    the window, including future ones, are not counted.
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    window: list[tuple[int, int]] = []
    year, month = today.year, today.month
    for _ in range(months):
        window.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    window.reverse()

    counts: Counter[tuple[int, int]] = Counter()
    for row in rows:
        key = _month_of(row.get("call_at") or row.get("opened_at"), tz)
        if key is not None:
            counts[key] += 1
    for event in events:
        if event.get("kind") == "repeat_call":
            key = _month_of(repeat_call_at(event), tz)
            if key is not None:
                counts[key] += 1
    return [(f"{y:04d}-{m:02d}", counts[(y, m)]) for y, m in window]


def chart_png(
    counts: Sequence[tuple[str, int]],
    title: str,
    *,
    xlabel: str = "",
    ylabel: str = "",
) -> bytes:
    """A bar chart of calls per month as PNG bytes; the caller picks the labels' language."""
    buffer = io.BytesIO()
    chart_figure(counts, title, xlabel=xlabel, ylabel=ylabel).savefig(buffer, format="png")
    return buffer.getvalue()


def chart_figure(
    counts: Sequence[tuple[str, int]],
    title: str,
    *,
    xlabel: str = "",
    ylabel: str = "",
) -> Figure:
    """The chart as a matplotlib figure on an Agg canvas (``chart_png`` renders it)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator

    font = FontProperties(fname=str(font_path()), size=10)
    title_font = FontProperties(fname=str(font_path()), size=14)
    labels = [label for label, _ in counts]
    values = [value for _, value in counts]

    figure = Figure(figsize=CHART_SIZE_IN, dpi=CHART_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    bars = axes.bar(range(len(values)), values, color=BAR_COLOUR, width=0.7)
    axes.bar_label(
        bars, labels=[str(v) if v else "" for v in values], fontproperties=font, padding=2
    )
    axes.set_xticks(range(len(labels)))
    if len(labels) > 6:
        axes.set_xticklabels(
            labels, fontproperties=font, rotation=45, ha="right", rotation_mode="anchor"
        )
    else:
        axes.set_xticklabels(labels, fontproperties=font)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    top = max(values, default=0)
    axes.set_ylim(0, max(1, top) * 1.15)
    for tick in axes.get_yticklabels():
        tick.set_fontproperties(font)
    axes.set_title(title, fontproperties=title_font)
    if xlabel:
        axes.set_xlabel(xlabel, fontproperties=font)
    if ylabel:
        axes.set_ylabel(ylabel, fontproperties=font)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    return figure
