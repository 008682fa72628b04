"""The benchmark harness measures what it says: the same updates and the same Bot API calls
for the four bots, and the floor and adapter bots' database work really done. No timings are checked
here (they prove nothing on a shared CI machine); BENCHMARKS.md has the measured runs."""

from __future__ import annotations

import gc
import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from benchmarks import bench
from bot import cli
from fakes.server import parse_body

USERS = 3
UPDATES = USERS * len(bench.script(1))
PER_UPDATE = {"sendMessage", "editMessageText", "answerCallbackQuery"}


def floor_events(db_path: Path) -> int:
    with closing(sqlite3.connect(db_path)) as conn:
        row = conn.execute("select count(*) from events where trigger = 'step'").fetchone()
    return int(row[0])


async def test_the_four_bots_get_the_same_updates_and_make_the_same_calls(
    tmp_path: Path,
) -> None:
    run = await bench.compare_bots(tmp_path / "bot.db", USERS, chunk=2)

    assert len(run.full) == len(run.base) == len(run.floor) == UPDATES
    full = {m: n for m, n in run.calls["full"].items() if m in PER_UPDATE}
    assert full["sendMessage"] >= UPDATES  # every update is answered
    taps = sum(1 for i in range(1, USERS + 1) for kind, _ in bench.script(i) if kind == "tap")
    assert full["answerCallbackQuery"] == full["editMessageText"] == taps
    for name in ("baseline", "floor", "adapter"):
        replayed = {m: n for m, n in run.calls[name].items() if m in PER_UPDATE}
        assert replayed == full, name
    assert run.update_calls == sum(full.values())
    # Every update of the floor bot did a step's database work, committed, in its own file.
    assert floor_events(tmp_path / "bot-floor.db") == UPDATES
    assert floor_events(tmp_path / "bot.db") == 0
    # The adapter bot did the floor's database work too, in its own file, and the full
    # bot's replies went out through it (the same calls, above).
    assert len(run.adapter) == UPDATES
    assert floor_events(tmp_path / "bot-adapter.db") == UPDATES


@pytest.mark.parametrize(("floor", "events"), [("group", UPDATES), ("memory", 0)])
async def test_floor_modes(tmp_path: Path, floor: str, events: int) -> None:
    # "group" commits every 100 steps and at the end of each turn: the full bot, taking its
    # turn next, never waits on the floor bot's lock, and nothing is left pending.
    await bench.compare_bots(tmp_path / "bot.db", USERS, floor=floor, chunk=2)
    floor_db = tmp_path / "bot-floor.db"
    assert (floor_events(floor_db) if floor_db.exists() else 0) == events


def test_bot_scenario_prints_the_ratio_and_its_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(["bot", "--users", "2", "--workdir", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "command: python -m benchmarks.bench bot --users 2 --workdir " + str(tmp_path)
    ratio = next(line for line in out if line.startswith("ratio: "))
    assert float(ratio.removeprefix("ratio: ")) > 0
    assert any(line.strip().startswith("floor ratio: ") for line in out)
    assert "30 updates" in out[2]


def test_growth_compares_the_sizes(tmp_path: Path) -> None:
    lines = bench.run_growth(2, tmp_path, sizes=(5, 50))
    assert lines[1].startswith("        5 users: ") and "peak RSS" in lines[1]
    assert lines[2].startswith("       50 users: ")
    assert lines[3].startswith("  p50 at 50 ÷ at 5: ")
    # The filled database holds the filled users, the RSS run's and the measured run's.
    with closing(sqlite3.connect(bench.growth_db(tmp_path, 50))) as conn:
        users = conn.execute("select count(*) from users").fetchone()[0]
    assert users == 50 + 2 + 2


def test_kotowari_bench_says_where_the_benchmarks_are(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["bench", "--users", "300"]) == 2
    err = capsys.readouterr().err
    assert "python -m benchmarks.bench --users 300" in err


def test_the_reminder_rounds_fake_keeps_nothing_per_chat() -> None:
    """The reminder round's fake shares the bot's event loop: 100k chats' last messages and
    buttons made its dict resizes the round's longest stretch (5–23 ms at 87,382 entries)."""
    keyboard = {"inline_keyboard": [[{"text": "✅", "callback_data": "k1:reminder.1.done"}]]}
    params = {"chat_id": 7, "text": "…", "reply_markup": keyboard}
    pressing, round_api = bench.counting_api(), bench.counting_api(remember_chats=False)
    for api in (pressing, round_api):
        status, body = api.handle("sendMessage", dict(params))
        assert status == 200 and body["result"]["message_id"] > 0
    assert pressing.buttons == {7: ("k1:reminder.1.done",)} and 7 in pressing.last_message
    assert round_api.buttons == {} and round_api.last_message == {}
    assert round_api.counts["sendMessage"] == 1


async def test_the_loop_watch_counts_the_garbage_collections_in_its_stretches() -> None:
    """A collection runs inside whoever allocated last: the reminder round says how many
    ran and the longest, so a long stretch can be told apart from one."""
    before = len(gc.callbacks)
    with bench.LoopWatch() as watch:
        gc.collect(2)
        gc.collect(0)
    assert watch.collections[2] == 1 and watch.collections[0] >= 1
    assert watch.longest_collection[0] > 0
    assert "generation 0 / 1 / 2" in watch.describe_collections()
    assert len(gc.callbacks) == before, "the watch leaves the collector as it found it"
    gc.collect(2)
    assert watch.collections[2] == 1


@pytest.mark.parametrize(
    "filename", ["letter.pdf", "申出書-株式会社テスト不動産.pdf", "a b;c.json"]
)
def test_the_fake_bot_api_reads_an_upload_as_httpx_sent_it(filename: str) -> None:
    # The loopback benchmarks' server splits multipart bodies itself (the email package took
    # ~70 ms of the GIL for an export): every field and every byte must still come through.
    content = b"%PDF\r\n--not-a-boundary\r\n\r\n\x00\xff" * 1000 + b"\r\n"
    request = httpx.Request(
        "POST",
        "http://127.0.0.1/botTOKEN/sendDocument",
        data={"chat_id": "42", "caption": '件名\r\n二行目 "引用"'},
        files={"document": (filename, content, "application/pdf")},
    )

    params = parse_body(request.headers["content-type"], request.read())

    assert params["chat_id"] == "42"
    assert params["caption"] == '件名\r\n二行目 "引用"'
    assert params["_filename"] == filename
    assert params["_content"] == params["document"] == content


def test_the_fake_bot_api_refuses_a_multipart_body_cut_short() -> None:
    request = httpx.Request(
        "POST", "http://127.0.0.1/botTOKEN/sendDocument", files={"document": ("a.pdf", b"x" * 99)}
    )
    body = request.read()

    with pytest.raises(ValueError, match="cut short"):
        parse_body(request.headers["content-type"], body[: len(body) // 2])
