"""Boundaries: flows/ never imports telegram or bot/; the committed diagram is current."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from flows.diagram import DIAGRAM_PATH, mermaid

ROOT = Path(__file__).resolve().parent.parent


def test_flows_imports_neither_telegram_nor_bot() -> None:
    for path in (ROOT / "flows").rglob("*.py"):  # flows/letters/ too
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
