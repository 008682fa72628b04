"""What ``pip install .`` installs: the bot and the coaching core, and nothing of the test
doubles or the benchmark harness (they live in ``fakes/`` and ``benchmarks/``)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_ships_no_fake_bot_api_and_no_benchmark_harness(tmp_path: Path) -> None:
    # The wheel pip would install, built from the tree (no dependencies fetched).
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("kotowari-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"bot", "flows", wheel.name.split("-py")[0] + ".dist-info"}, top
    assert "bot/cli.py" in names and "flows/engine.py" in names
    harness = [n for n in names if any(word in n.lower() for word in ("fake", "bench"))]
    assert not harness, harness
