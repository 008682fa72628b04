"""The reminder round both channels run (``bot.rounds.ReminderRound``), on its own: what a
channel's ``send`` says, and what the round does with it."""

from __future__ import annotations

import sqlite3

import pytest

from bot import upkeep
from bot.rounds import ReminderRound, Sent, settle_owed_marks
from flows.engine import Engine
from flows.reminders import Delivery
from flows.store import TELEGRAM
from tests.conftest import FakeClock
from tests.transcript import TO_STEP_4, EngineChat, Press


def five_due(engine: Engine, clock: FakeClock) -> None:
    for user_id in range(1, 6):
        EngineChat(engine, user_id).walk(*TO_STEP_4, Press("📵 つながらない"))
    clock.advance(days=4)


async def test_the_round_checkpoints_for_reminders_tried_not_only_sent(
    engine: Engine, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure is written too (its retry time): a round of failing sends grows the log as
    a round of sent ones does, and LINE's loop makes no other checkpoint meanwhile."""
    monkeypatch.setattr(upkeep, "CHECKPOINT_EVERY_SENT", 2)
    five_due(engine, clock)
    made: list[int] = []
    tried: list[int] = []

    async def checkpoint() -> None:
        made.append(len(tried))

    async def failing(delivery: Delivery) -> Sent:
        tried.append(delivery.reminder_id)
        engine.reminder_failed(delivery.reminder_id, "TimedOut")  # retried later
        return Sent.NO

    this_round = ReminderRound(engine, TELEGRAM, set(), checkpoint)
    assert await this_round.run(1, failing) == 0
    assert len(tried) == 5 and made == [2, 4]


async def test_held_ends_the_round_after_its_batch_and_stop_at_once(
    engine: Engine, clock: FakeClock
) -> None:
    five_due(engine, clock)
    seen: list[int] = []

    def answering(outcome: Sent):  # type: ignore[no-untyped-def]
        async def send(delivery: Delivery) -> Sent:
            seen.append(delivery.reminder_id)
            return outcome

        return send

    assert await ReminderRound(engine, TELEGRAM, set()).run(2, answering(Sent.HELD)) == 0
    assert len(seen) == 2, "the batch, then the round ends: the rest wait"
    seen.clear()
    assert await ReminderRound(engine, TELEGRAM, set()).run(5, answering(Sent.STOP)) == 0
    assert len(seen) == 1, "nothing more this round"
    seen.clear()
    owed: set[int] = set()
    assert await ReminderRound(engine, TELEGRAM, owed).run(5, answering(Sent.YES)) == 5
    assert len(seen) == 5 and owed == set()
    assert engine.due_batch(5, channel=TELEGRAM)[0] == [], "each marked sent"


@pytest.mark.parametrize("busy", [False, True])
def test_marks_still_owed_at_shutdown_are_written_or_counted_in_the_log(
    engine: Engine, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, caplog, busy: bool
) -> None:
    """Held only in memory, they went with the process, and the next start sent those
    reminders again."""
    five_due(engine, clock)
    ids = {row["id"] for row in engine.store.db["reminders"].rows_where("status = 'pending'")}
    owed = set(ids)
    if busy:

        def locked(reminder_id: int) -> None:
            raise sqlite3.OperationalError("database is locked")

        monkeypatch.setattr(engine, "reminder_sent", locked)
    settle_owed_marks(engine, owed)
    statuses = {engine.store.reminder(i)["status"] for i in ids}
    if busy:
        assert owed == ids and statuses == {"pending"}
        assert f"{len(ids)} reminder(s) went out but could not be marked sent" in caplog.text
    else:
        assert owed == set() and statuses == {"sent"}
