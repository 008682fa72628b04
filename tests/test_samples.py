"""The samples shown in the README are generated from the code; this keeps them current.

Regenerate with: python -m tests.test_samples
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from flows.letters import Sender, broker_request

SAMPLE = Path(__file__).resolve().parent.parent / "docs" / "letter-sample.txt"
TOKYO = ZoneInfo("Asia/Tokyo")

# A fictional case: every name, address and number here is made up.
CASE = {
    "number": 1,
    "company": "株式会社グランレジデンス東都",
    "person": "佐々木 健太",
    "phone_raw": "03-5555-0123",
    "phone_e164": "+81355550123",
    "product": "投資用マンション・不動産",
    "product_kind": "property",
    "broker_name": "日本名簿センター株式会社",
    "source_named": 1,  # the caller named it
    "call_at": "2026-11-20T05:30:00+00:00",
    "refused_at": "2026-11-20T05:30:00+00:00",
    "opened_at": "2026-11-20T05:30:00+00:00",
}
SENDER = Sender(
    "山田 花子", "〒150-0000 東京都渋谷区神南9丁目9番9号 サンプルハイツ101", "090-1234-5678"
)


def sample_letter() -> str:
    return broker_request(CASE, [], SENDER, date(2026, 11, 28), TOKYO).body


def test_the_sample_letter_in_docs_is_current() -> None:
    assert SAMPLE.read_text(encoding="utf-8") == sample_letter(), (
        "docs/letter-sample.txt is stale: python -m tests.test_samples"
    )


def test_the_readme_shows_the_sample_letter() -> None:
    readme = (SAMPLE.parent.parent / "README.md").read_text(encoding="utf-8")
    assert sample_letter().strip() in readme


if __name__ == "__main__":
    SAMPLE.write_text(sample_letter(), encoding="utf-8")
