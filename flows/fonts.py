"""The one Japanese font of the files the bot makes: the letters' PDF and the /stats chart.

IPAexGothic (IPA Font License, embedding allowed) as shipped by the matplotlib-fontja
package, so no system font is assumed. It is found by file, without importing the package:
its import changes matplotlib's global font settings.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

FONT_NAME = "IPAexGothic"
_FONT_PACKAGE = "matplotlib_fontja"
_FONT_FILE = "fonts/ipaexg.ttf"


def font_path() -> Path:
    """Where IPAexGothic is (fpdf embeds it; matplotlib draws with it)."""
    spec = importlib.util.find_spec(_FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the matplotlib-fontja package (Japanese font) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / _FONT_FILE
    if not path.is_file():
        raise RuntimeError(f"no Japanese font at {path}")
    return path


@lru_cache(maxsize=1)
def font_characters() -> frozenset[int]:
    """The code points the font can draw."""
    from fontTools.ttLib import TTFont  # comes with fpdf2

    with TTFont(font_path(), lazy=True) as font:
        return frozenset(font.getBestCmap())


def warm_font() -> None:
    """Load the font's character map now (a letter's check for characters the PDF cannot draw
    needs it on the first letter: ~0.1 s that would otherwise fall on whoever asks for the
    first letter). Thread-safe: at worst two callers both load it."""
    font_characters()
