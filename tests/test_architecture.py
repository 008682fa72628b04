"""Boundaries: flows/ never imports telegram or bot/; the committed diagram is current."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from flows.diagram import DIAGRAM_PATH, mermaid

ROOT = Path(__file__).resolve().parent.parent
# Data rather than logic: every user-facing string, one module per catalog.
CATALOGS = ROOT / "flows" / "catalog"


def test_flows_imports_neither_telegram_nor_bot() -> None:
    for path in (ROOT / "flows").rglob("*.py"):  # its packages too
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top not in ("telegram", "bot"), f"{path.name} imports {name}"


def test_importing_the_engine_loads_no_telegram() -> None:
    code = "import sys, flows.engine, flows.diagram; print('telegram' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "False"


def test_committed_diagram_is_current() -> None:
    assert DIAGRAM_PATH.read_text(encoding="utf-8") == mermaid(), (
        "docs/machine.mmd is stale: run `kotowari diagram --update`"
    )


def test_readme_embeds_the_diagram() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```mermaid\n{mermaid()}```" in readme


def _python_files(folder: str) -> list[Path]:
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files
    return files


def test_channels_use_the_engine_only_through_the_port() -> None:
    """bot/ never reaches into the engine's store: what a channel needs is on the Engine
    (``handle``, ``storage`` typed as ``flows.port.ChannelStorage``, ``user_view`` …)."""
    for path in _python_files("bot"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "store":
                raise AssertionError(f"{path.name}:{node.lineno} uses .store")


def test_no_module_of_the_core_is_over_500_lines_nor_a_class_over_300() -> None:
    for path in _python_files("flows"):
        source = path.read_text(encoding="utf-8")
        if path.parent == CATALOGS:
            continue
        assert source.count("\n") <= 520, f"{path.relative_to(ROOT)} is over ~500 lines"
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ClassDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                assert length <= 300, f"{path.name}: class {node.name} has {length} lines"


def test_the_line_channel_loads_no_telegram_library() -> None:
    """``kotowari line`` runs without python-telegram-bot: what both channels use (files made
    off the loop, upkeep, error descriptions) lives in modules of their own."""
    code = (
        "import sys, bot.line_app, bot.line_files, bot.line_menu; "
        "print(sorted(m for m in sys.modules if m == 'telegram' or m.startswith('telegram.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
