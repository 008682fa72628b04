"""The terminal shell as a user meets it: a whole case piped into ``kotowari shell``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from flows.engine import Engine
from flows.texts import JA
from tests.test_review import record
from tests.transcript import TO_STEP_4, EngineChat, Press, ShellChat, Step, typed_for_shell

NOW = "2026-11-27T14:00+09:00"
# The user's side of transcripts/after_case_ja.txt; presses are typed as the shown numbers.
STEPS: list[Step] = [
    "/after",
    Press("🙅 はい、断った"),
    "言った",
    "株式会社日本名簿センター",
    "株式会社みらいエステート",
    "佐藤",
    "03-1234-5678",
    Press("🏢 投資用マンション・不動産"),
    "skip",
    "2026-11-20 14:30",
    Press("✅ 保存する"),
    Press("🙆 応じた"),
    "!state",
    "/cases",
]

TRANSCRIPT = (Path(__file__).parent / "transcripts" / "after_case_ja.txt").read_text("utf-8")


def typed(steps: list[Step], now: str | None = None) -> list[str]:
    """What the user types for these steps into ``kotowari shell --now NOW``."""
    return typed_for_shell(steps, datetime.fromisoformat(now) if now else None)


def run_shell(tmp_path: Path, lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KOTOWARI_", "TELEGRAM_"))}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "shell", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        timeout=60,
        check=False,
    )


def test_a_whole_case_piped_into_the_shell(tmp_path: Path) -> None:
    db_path = tmp_path / "cases.db"
    lines = typed(STEPS, NOW)
    assert lines[1] == lines[7] == lines[10] == lines[11] == "1", "each pressed as typed"
    result = run_shell(tmp_path, lines, "--db", str(db_path), "--now", NOW)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == TRANSCRIPT

    db = Database(db_path)
    [case] = list(db["cases"].rows)
    assert case["state"] == "following_up"
    assert case["mode"] == "after"
    assert case["outcome"] == "agreed"
    assert case["company"] == "株式会社みらいエステート"
    assert case["person"] == "佐藤"
    assert (case["phone_raw"], case["phone_e164"]) == ("03-1234-5678", "+81312345678")
    assert case["call_at"] == case["refused_at"] == "2026-11-20T05:30:00+00:00"
    [broker] = list(db["brokers"].rows)
    assert (broker["name"], broker["name_norm"], broker["case_count"]) == (
        "株式会社日本名簿センター",
        "日本名簿センター",
        1,
    )
    assert case["broker_id"] == broker["id"]
    events = [(e["kind"], e["trigger"]) for e in db["events"].rows_where(order_by="id")]
    assert events[0] == ("opened", None)
    assert events[-1] == ("step", "agreed")
    assert ("step", "answer") in events
    db.close()


def test_the_default_database_lives_in_the_data_folder(tmp_path: Path) -> None:
    result = run_shell(tmp_path, ["/call", "!state", "!quit", "/help"])
    assert result.returncode == 0, result.stderr
    assert "(user 1: case #1, step refusing)" in result.stdout
    assert "使い方" not in result.stdout, "input after !quit is not read"
    assert (tmp_path / "data" / "kotowari" / "kotowari.db").exists()


def test_quit_and_exit_leave_the_shell_and_are_not_sent_to_the_coach(tmp_path: Path) -> None:
    for word in ("/quit", "/EXIT", "／ｑｕｉｔ", "！ｑｕｉｔ"):
        result = run_shell(tmp_path, ["/call", word, "/help"], "--db", str(tmp_path / "q.db"))
        assert result.returncode == 0, result.stderr
        assert "というコマンドはありません" not in result.stdout, f"{word} went to the coach"
        assert "使い方" not in result.stdout, f"input after {word} is not read"
    # Text that only contains the word is still an answer to the coach.
    result = run_shell(tmp_path, ["/call", "/quitter", "!state"], "--db", str(tmp_path / "q.db"))
    assert "/quitter というコマンドはありません" in result.stdout
    assert "(user 1: case #" in result.stdout


def test_switching_users_in_the_shell_keeps_them_apart(tmp_path: Path) -> None:
    lines = ["/call", "!user 2", "/cases", "!state", "!user 1", "!state", "!help"]
    result = run_shell(tmp_path, lines, "--db", str(tmp_path / "x.db"), "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert "No cases yet." in result.stdout
    assert "(user 2: no case in progress)" in result.stdout
    assert "(user 1: case #1, step refusing)" in result.stdout
    assert "!user N" in result.stdout


def test_a_user_id_that_is_not_one_is_refused(tmp_path: Path) -> None:
    lines = ["!user ②", "!user 99999999999999999999999", "!state"]
    result = run_shell(tmp_path, lines, "--db", str(tmp_path / "x.db"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("(!user needs a number from 1 to 4503599627370496)") == 2
    assert "(user 1: no case in progress)" in result.stdout
    refused = run_shell(tmp_path, [], "--db", str(tmp_path / "x.db"), "--user", "1" + "0" * 22)
    assert refused.returncode == 2
    assert "not a user id" in refused.stderr


def test_later_then_advance_the_clock_to_the_reminder_then_done(tmp_path: Path) -> None:
    now = "2026-11-20T15:00+09:00"
    steps = [
        *TO_STEP_4,
        Press("⏰ あとでかける"),
        # The next business day: Friday → the Monday is a holiday → Tuesday.
        Press("📅 次の営業日"),
        "!advance 3d",
        "!advance 19h",
        Press("✅ 済んだ"),
        "/reminders",
    ]
    result = run_shell(tmp_path, typed(steps, now), "--db", str(tmp_path / "r.db"), "--now", now)
    assert result.returncode == 0, result.stderr
    tail = result.stdout[result.stdout.index("> 1\n⏰") :]
    assert tail.startswith(
        "> 1\n"
        "⏰ 2026年11月24日(火) 10:00 にお知らせします（名簿業者に電話する）。\n"
        "ケース #1: 名簿業者「リスト社」への電話がまだです。\n"
        "  1) ▶ 名簿業者に電話する\n"
        "  2) 📁 完了にする\n"
        "  3) ✖️ 中止\n"
        "> !advance 3d\n"
        "(now 2026-11-23 15:00 Asia/Tokyo)\n"
        "> !advance 19h\n"
        "(now 2026-11-24 10:00 Asia/Tokyo)\n"
        "🔔\n"
        "⏰ ケース #1: 名簿業者「リスト社」に電話して、提供の停止と消去を求めましょう。\n"
        "  1) ▶ ケースを開く\n"
        "  2) ⏰ 1時間後に\n"
        "  3) 🌅 次の営業日の朝に\n"
        "  4) ✅ 済んだ\n"
        "> 4\n"
        f"{JA['reminder_called']}\n"
        "④ 名簿業者「リスト社」に電話して"
    ), "done: the call was made, and the broker's answer is asked"
    assert "  1) 🙆 応じた\n" in tail
    assert tail.endswith("> /reminders\n予定しているリマインダーはありません。\n")
    db = Database(tmp_path / "r.db")
    [reminder] = list(db["reminders"].rows)
    assert (reminder["kind"], reminder["status"]) == ("call_broker", "done")
    assert reminder["due_at"] == "2026-11-24T01:00:00+00:00"
    db.close()


def test_deleting_a_case_in_one_database_leaves_another_databases_files(tmp_path: Path) -> None:
    """Every database beside one folder shared ``files/``: deleting case #1 in b.db deleted
    a.db's letters of its case #1, and /forget all of user 1's files."""
    letter = [*TO_STEP_4, Press("🙆 応じた"), "/case 1", Press("✉️ 書面を作る")]
    letter += [Press("✉️ 名簿業者への請求書"), "skip", "山田 花子", "東京都渋谷区1-1", "skip"]
    letter += [Press("保存しない（この書面だけ）")]
    first = run_shell(tmp_path, typed(letter, NOW), "--db", str(tmp_path / "a.db"), "--now", NOW)
    assert first.returncode == 0, first.stderr
    kept = sorted((tmp_path / "a.db-files").iterdir())
    assert len(kept) == 3, kept
    shared = tmp_path / "files"  # the old shared folder, with a file of an older version
    shared.mkdir()
    (shared / "user1-kotowari-case1-broker-request.txt").write_text("older")
    steps = [*TO_STEP_4, Press("🙆 応じた"), "/case 1", Press("🗑 このケースを削除")]
    steps += [Press("🗑 削除する"), "/forget", Press("🗑 すべて削除する")]
    second = run_shell(tmp_path, typed(steps, NOW), "--db", str(tmp_path / "b.db"), "--now", NOW)
    assert second.returncode == 0, second.stderr
    assert "ケース #1 を削除しました。" in second.stdout
    assert sorted((tmp_path / "a.db-files").iterdir()) == kept, "a.db's letters stay"
    assert (shared / "user1-kotowari-case1-broker-request.txt").exists(), "not known whose"
    assert f"may be left in {shared}" in second.stdout


def test_exports_and_letters_are_written_owner_only(tmp_path: Path) -> None:
    steps = [*TO_STEP_4, Press("🙆 応じた"), "/export", "/case 1", Press("✉️ 書面を作る")]
    steps += [Press("✉️ 名簿業者への請求書"), "skip", "山田 花子", "東京都渋谷区1-1", "skip"]
    steps += [Press("保存しない（この書面だけ）")]
    files = tmp_path / "k.db-files"
    files.mkdir(mode=0o755)  # made before, looser (by hand): tightened when written to
    files.chmod(0o755)
    result = run_shell(tmp_path, typed(steps, NOW), "--db", str(tmp_path / "k.db"), "--now", NOW)
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in files.iterdir())
    assert written == [
        "user1-kotowari-20261127-cases.csv",
        "user1-kotowari-20261127-events.csv",
        "user1-kotowari-20261127.json",
        "user1-kotowari-case1-broker-request-naiyo-shomei.pdf",
        "user1-kotowari-case1-broker-request.pdf",
        "user1-kotowari-case1-broker-request.txt",
    ]
    for name in written:
        assert f"  📎 {files / name}" in result.stdout
        assert (files / name).stat().st_mode & 0o777 == 0o600, name
    assert files.stat().st_mode & 0o777 == 0o700

    # Erasing the data erases these files too; another user's stay.
    other = run_shell(tmp_path, ["/export"], "--db", str(tmp_path / "k.db"), "--user", "12")
    assert other.returncode == 0, other.stderr
    forget = typed(["/forget", Press("🗑 すべて削除する")])
    gone = run_shell(tmp_path, forget, "--db", str(tmp_path / "k.db"))
    assert gone.returncode == 0, gone.stderr
    assert f"(deleted 6 files of user 1 in {files})" in gone.stdout
    assert sorted(p.name.split("-")[0] for p in files.iterdir()) == ["user12"] * 3


def test_reminders_arriving_together_are_all_answerable(tmp_path: Path) -> None:
    """Each one's buttons are numbered on from the last, so the first can still be answered."""
    now = "2026-11-20T15:00+09:00"
    steps: list[Step] = []
    for company in ("A社", "B社"):
        steps += [*TO_STEP_4[:4], company, *TO_STEP_4[5:], Press("🙆 応じた")]
    # Typed numbers: case #1's check "🙆 対応された" (1), case #2's the same (6).
    lines = [*typed(steps, now), "!advance 15d", "1", "6"]
    result = run_shell(tmp_path, lines, "--db", str(tmp_path / "t.db"), "--now", now)
    assert result.returncode == 0, result.stderr
    shown = result.stdout[result.stdout.index("> !advance 15d") :]
    assert "  1) 🙆 対応された" in shown and "  6) 🙆 対応された" in shown
    db = Database(tmp_path / "t.db")
    checks = [r["status"] for r in db["reminders"].rows_where("kind = 'check_compliance'")]
    assert checks == ["done", "done"]
    db.close()


def test_a_reminder_printed_under_a_menu_leaves_the_menus_numbers(tmp_path: Path) -> None:
    """Due when /case 1 is typed, the reminder is printed under the case's menu: its "3"
    recorded the broker's answer to the reminder, not the menu's 📞 the user read."""
    now, later = "2026-11-20T15:00+09:00", "2026-12-05T15:00+09:00"
    db = str(tmp_path / "m.db")
    first = run_shell(
        tmp_path, typed([*TO_STEP_4, Press("🙆 応じた")], now), "--db", db, "--now", now
    )
    assert first.returncode == 0, first.stderr
    second = run_shell(tmp_path, ["/case 1", "3"], "--db", db, "--now", later)
    assert second.returncode == 0, second.stderr
    menu, _, reminder = second.stdout.partition("> 3")[0].partition("🔔")
    assert "  3) 📞 この会社からまた電話があった" in menu
    assert "  1) " not in reminder and "  6) " in reminder, "numbered on from the menu"
    assert JA["again_when"].format(number=1) in second.stdout.rpartition("> 3")[2]
    rows = Database(db)
    assert {r["status"] for r in rows["reminders"].rows_where("kind = 'check_compliance'")} == {
        "sent"
    }
    rows.close()


def test_a_number_typed_for_a_letters_question_does_not_press_the_menu(tmp_path: Path) -> None:
    """After a menu button, its numbers are gone (as Telegram removes the pressed keyboard):
    "2" typed for the name does not press the menu's second letter; the name question's one
    option is its way out, and "2" is no name: asked again."""
    steps = [*TO_STEP_4, Press("🙆 応じた"), "/case 1", Press("✉️ 書面を作る")]
    steps += [Press("✉️ 電話してきた会社への請求書")]
    lines = [*typed(steps), "skip", "2", "!state"]  # "2" typed for the name
    result = run_shell(tmp_path, lines, "--db", str(tmp_path / "n.db"))
    assert result.returncode == 0, result.stderr
    tail = result.stdout[result.stdout.rindex("> 2\n") :]
    assert JA["bad_sender_name"] in tail and "1) ✖️ 中止" in tail
    db = Database(tmp_path / "n.db")
    [user] = list(db["users"].rows)
    pending = json.loads(user["pending"])
    assert (pending["dialog"], pending["letter"], pending["step"], pending["name"]) == (
        "letter",
        "company_request",
        "name",
        None,
    )
    db.close()


def test_bytes_that_are_not_utf8_under_a_c_locale_are_replaced(tmp_path: Path) -> None:
    """Python reads stdin under the C/POSIX locale with surrogateescape: a stray byte (a
    Shift_JIS paste) became a lone surrogate, which SQLite refuses, and the shell crashed."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KOTOWARI_", "TELEGRAM_", "LC_", "PYTHONIO", "PYTHONUTF8"))
    }
    env |= {"LC_ALL": "C", "LANG": "C", "XDG_DATA_HOME": str(tmp_path / "data")}
    start = "".join(f"{line}\n" for line in typed(TO_STEP_4[:3])).encode()
    piped = start + "名簿".encode() + b"\x83\x5c\xff" + "社\n".encode()
    db = tmp_path / "k.db"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--env-file", "/dev/null", "shell", "--db", str(db)],
        input=piped,
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in result.stderr
    [case] = Database(db)["cases"].rows
    assert case["broker_name"] == "名簿\ufffd\\\ufffd社"


def test_a_lone_surrogate_from_any_channel_is_never_stored(engine) -> None:
    EngineChat(engine).walk(*TO_STEP_4[:3], "名簿\ud800社")
    case = engine.store.case_by_number(1, 1)
    assert case["broker_name"] == "名簿\ufffd社"


def test_a_new_session_on_the_same_database_presses_no_option_it_did_not_show(
    tmp_path: Path,
) -> None:
    """The last session showed step ①; this one's screen shows nothing: "1" shows the step
    again (then "1" is its first option), rather than record a refusal unseen."""
    db = str(tmp_path / "r.db")
    first = run_shell(tmp_path, ["/call"], "--db", db, "--now", "2026-11-20T14:30+09:00")
    assert first.returncode == 0, first.stderr
    again = run_shell(tmp_path, ["1"], "--db", db, "--now", "2026-11-20T14:31+09:00")
    assert again.returncode == 0, again.stderr
    assert JA["number_not_shown"] in again.stdout
    rows = list(Database(db)["cases"].rows)
    assert [(r["state"], r["refused_at"]) for r in rows] == [("refusing", None)]
    last = run_shell(tmp_path, ["1", "1"], "--db", db, "--now", "2026-11-20T14:32+09:00")
    assert last.returncode == 0, last.stderr
    assert next(Database(db)["cases"].rows)["state"] == "asking_source"


def test_deleting_a_case_deletes_its_letters_and_the_exports_that_hold_it(
    engine: Engine, tmp_path: Path
) -> None:
    files = tmp_path / "files"
    record(engine, "消す不動産", broker="名簿の森")
    record(engine, "残る不動産", broker="別の名簿屋")
    shell = ShellChat(engine, files_dir=files)
    shell.say("/export")
    for number in (1, 2):
        shell.walk(f"/case {number}", Press("✉️ 書面を作る"), Press("✉️ 名簿業者への請求書"))
        shell.walk(
            "skip", "山田 花子", "東京都渋谷区1-1", "skip", Press("保存しない（この書面だけ）")
        )
    assert any(p.name.startswith("user1-kotowari-case1-") for p in files.iterdir())
    other = ShellChat(engine, user_id=2, files_dir=files)
    record(engine, "他人の会社", user_id=2)
    other.say("/export")
    said = shell.walk("/case 1", Press("🗑 このケースを削除"), Press("🗑 削除する"))
    assert "of case #1" in said
    left = sorted(p.name for p in files.iterdir())
    assert not [name for name in left if name.startswith("user1-kotowari-case1-")]
    assert not [name for name in left if "消す不動産".encode() in (files / name).read_bytes()]
    assert any(name.startswith("user1-kotowari-case2-") for name in left)  # the other case's
    assert any(name.startswith("user2-kotowari-2") for name in left)  # another user's export


def test_deleting_a_refused_case_deletes_the_reports_of_later_calls_that_quote_it(
    engine: Engine, tmp_path: Path, clock
) -> None:
    """Case #2, a call after #1's refusal, has a report quoting #1 (its refusal, licence,
    broker): deleting #1 left that report's files in the shell's folder."""
    files = tmp_path / "files"
    shell = refusal_and_a_later_call(engine, clock, files)
    for kind in ("📝 再勧誘の申告書", "✉️ 電話してきた会社への請求書"):
        write(shell, 2, kind)
    made = sorted(p.name for p in files.iterdir())
    assert any("case2-resolicitation-report" in name for name in made), made
    shell.walk("/case 1", Press("🗑 このケースを削除"), Press("🗑 削除する"))
    left = sorted(p.name for p in files.iterdir())
    assert not [name for name in left if "resolicitation-report" in name], left
    assert any(name.startswith("user1-kotowari-case2-company-request") for name in left), left


def test_deleting_a_later_calls_case_deletes_the_refused_cases_report_listing_it(
    engine: Engine, tmp_path: Path, clock
) -> None:
    files = tmp_path / "files"
    shell = refusal_and_a_later_call(engine, clock, files)
    write(shell, 1, "📝 再勧誘の申告書")  # lists case #2's call
    write(shell, 1, "✉️ 名簿業者への請求書")
    shell.walk("/case 2", Press("🗑 このケースを削除"), Press("🗑 削除する"))
    left = sorted(p.name for p in files.iterdir())
    assert not [name for name in left if "resolicitation-report" in name], left
    assert any(name.startswith("user1-kotowari-case1-broker-request") for name in left), left


def refusal_and_a_later_call(engine: Engine, clock, files: Path) -> ShellChat:
    """Case #1 refused on the phone; case #2 a call after it (linked); the shell that writes
    their letters into ``files``."""
    from tests.test_lookup import a_later_call, refused_call

    EngineChat(engine).walk(*refused_call(JA, company="消したい不動産"))
    clock.advance(days=2)
    a_later_call(EngineChat(engine))  # case #2, linked to #1
    return ShellChat(engine, files_dir=files)


def write(shell: ShellChat, number: int, kind: str) -> None:
    asked = shell.walk(f"/case {number}", Press("✉️ 書面を作る"), Press(kind))
    if JA["letter_ask_office"] in asked:
        shell.say("skip")
    shell.walk(
        "skip", "山田 花子", "東京都渋谷区神南9-9-9", "skip", Press("保存しない（この書面だけ）")
    )


def test_after_a_restart_a_number_shows_the_letters_question_not_the_cases_step(
    engine: Engine, tmp_path: Path
) -> None:
    """The saved sender's question was on screen when the shell stopped. After the restart
    a "1" showed case #2's step, and the next "1" recorded 「🙅 断った」 on it, a refusal
    (and its time) the user never gave."""
    files = tmp_path / "files"
    record(engine, "みらい不動産", broker="名簿の森")
    shell = ShellChat(engine, files_dir=files)
    shell.walk("/case 1", Press("✉️ 書面を作る"), Press("✉️ 名簿業者への請求書"))
    shell.walk("skip", "山田 花子", "東京都渋谷区1-1", "skip", Press("保存する"))
    shell.say("/call")  # case #2, in progress at its first step
    shell.walk("/case 1", Press("✉️ 書面を作る"), Press("✉️ 名簿業者への請求書"), "skip")
    restarted = ShellChat(engine, files_dir=files)
    said = restarted.say("7")  # no such option of the letter's question: shown again
    assert JA["letter_question_again"] in said and "1) この差出人で作る" in said
    restarted = ShellChat(engine, files_dir=files)  # restarted again: nothing shown
    assert "を作りました" in restarted.say("1"), "the letter's 1, as a chat's typed 1 is"
    case = engine.store.case_by_number(1, 2)
    assert (case["state"], case["refused_at"]) == ("refusing", None)
    # Typed, the button's label is taken too.
    restarted.walk("/case 1", Press("✉️ 書面を作る"), Press("✉️ 名簿業者への請求書"), "skip")
    assert "を作りました" in restarted.say("この差出人で作る")


def test_another_call_is_pressed_in_the_shell_too(engine: Engine, tmp_path: Path) -> None:
    """Its button was on a reply of its own, above the step's: the shell numbers only the
    last reply's options, so 「📞 別の電話として記録」 had no number."""
    shell = ShellChat(engine, files_dir=tmp_path / "files")
    shell.walk("03-5555-0123", Press("📞 電話中（番号入力済み）"))
    said = shell.say("/call")
    assert f") {JA['opt.another_call']}" in said and "1) 🙅 断った" in said
    shell.walk(Press(JA["opt.another_call"]))
    assert engine.store.count_cases(1) == 2


def test_options_above_a_reminders_line_keep_their_numbers(engine: Engine, tmp_path: Path) -> None:
    """A call after the refusal, recorded: the report's button came above the line saying
    when the next check comes (⏰), and its "1" showed the case's step instead, as if no
    option were on screen."""
    shell = ShellChat(engine, files_dir=tmp_path / "files")
    shell.walk(*TO_STEP_4, Press("🙆 応じた"))
    engine.clock.advance(minutes=1)  # type: ignore[attr-defined]
    shell.say("/case 1")
    shell.press("📞 この会社からまた電話があった")
    said = shell.press(JA["opt.again_now"])
    assert "⏰" in said.rpartition(JA["opt.letter_resolicitation_report"])[2]
    asked = shell.press(JA["opt.letter_resolicitation_report"])
    assert JA["letter_ask_office"] in asked or JA["letter_ask_name"] in asked, asked


def test_the_shells_users_reminders_are_never_pushed_to_telegram(engine: Engine, clock) -> None:
    """The shell's user 1 was Telegram user 1: on the bot's own database (both start on the
    default file) the bot's round pushed the shell's reminders to Telegram chat 1."""
    chat = ShellChat(engine)
    for line in typed_for_shell([*TO_STEP_4, Press("🙆 応じた")]):
        chat.say(line)
    user = engine.store.user(1)
    assert user is not None and user["channel"] == "shell"
    clock.advance(days=15)
    assert engine.store.due_reminders(clock.now, 10, channel="telegram") == []
    assert engine.store.due_reminders(clock.now, 10, channel="line") == []
    shown = chat.say("/help")
    assert JA["opt.r_complied"] in shown, "the shell shows its own user's reminders"
    # A Telegram user the shell acts as (!user, on the bot's database) stays Telegram's.
    EngineChat(engine, 5).say("/help")
    ShellChat(engine, 5).say("/help")
    assert (engine.store.user(5) or {})["channel"] == "telegram"
