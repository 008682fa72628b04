"""The case machine as a Mermaid state diagram, generated from ``flows.machine``."""

from __future__ import annotations

import re
from pathlib import Path

from transitions.extensions import GraphMachine

from flows.machine import STATES, TRANSITIONS

ROOT = Path(__file__).resolve().parent.parent
DIAGRAM_PATH = ROOT / "docs" / "machine.mmd"
README_PATH = ROOT / "README.md"
_README_BLOCK = re.compile(r"```mermaid\n.*?```", re.DOTALL)


class _Blank:
    """A model for drawing only; the real model's callbacks are not needed."""


def mermaid() -> str:
    """The diagram text, deterministic for a given machine definition."""
    graph_machine = GraphMachine(
        model=_Blank(),
        states=STATES,
        # "cancel" leaves every active state; drawn once as a note instead of 18 arrows.
        transitions=[t for t in TRANSITIONS if t["trigger"] != "cancel"],
        initial="new",
        auto_transitions=False,
        graph_engine="mermaid",
        show_conditions=True,
        title="Kotowari case",
    )
    text = graph_machine.models[0].get_graph().draw(None) or ""
    # Drop the "current state" colouring: the diagram documents the flow, not a snapshot.
    lines = [line.rstrip() for line in text.splitlines() if not line.strip().startswith("Class ")]
    lines.append("  note right of cancelled: cancel — from every state but new, closed, cancelled")
    return "\n".join(lines).strip() + "\n"


def update_files() -> None:
    """Rewrite docs/machine.mmd and the README's mermaid block from the current machine."""
    text = mermaid()
    DIAGRAM_PATH.write_text(text, encoding="utf-8")
    readme = README_PATH.read_text(encoding="utf-8")
    README_PATH.write_text(
        _README_BLOCK.sub(lambda _: f"```mermaid\n{text}```", readme, count=1), encoding="utf-8"
    )
