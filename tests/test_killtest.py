"""The kill test's CI short form, Telegram (polling and webhook) and LINE: 5 users, 3
SIGKILLs, then a clean final run (5–12 s each).

``scripts/killtest.py`` runs the real bot (``python -m bot.cli run``, or ``line`` with
``--channel line``) against a fake Bot API (or a fake LINE platform) on 127.0.0.1 and kills it
at random and adversarial moments; see its docstring for what is checked. The long form
(``python scripts/killtest.py``: 30 users, 20 kills, about a minute; ``--channel line`` for
LINE) is for a release or a change to polling, the webhooks, storage or reminders.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHORT_FORM = ["--kills", "3", "--users", "5"]
TIMEOUT = 120  # seconds; it normally takes 5–12


@pytest.mark.parametrize(
    ("mode", "how"),
    [
        ("polling", ["--mode", "polling"]),
        ("webhook", ["--mode", "webhook"]),
        ("line", ["--channel", "line"]),
    ],
)
def test_kill_test_short_form_loses_nothing(mode: str, how: list[str]) -> None:
    channels = ("TELEGRAM_", "WEBHOOK_", "LINE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(channels)}
    # Its own process group: on a timeout the bot it started goes down with it.
    script = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "killtest.py"), *how, *SHORT_FORM],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        report, _ = script.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(script.pid, signal.SIGKILL)
        report, _ = script.communicate()
        raise AssertionError(f"the kill test took over {TIMEOUT} s:\n{report}") from None
    assert script.returncode == 0, report
    assert f"killtest ({mode}): 5 users, 3 kills" in report, report
    assert "users finished 5/5" in report, report
    # Another connection took the write lock meanwhile (as a shell on the same file would).
    assert re.search(r"write locks held by another connection: [1-9]", report), report
