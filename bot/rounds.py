"""One round of the reminder dispatcher, the same for every channel.

A channel's dispatcher (Telegram's job, LINE's loop) hands ``ReminderRound.run`` the function
that sends one reminder its way; the round takes the due reminders a batch at a time, gives
users' updates a turn between two sends, writes each "sent" mark, keeps the marks it cannot
write in memory, and checkpoints the write-ahead log as it goes. Only the sending differs
between channels.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from bot import upkeep
from flows.engine import Engine
from flows.reminders import Delivery

log = logging.getLogger(__name__)


class Sent(enum.Enum):
    """What sending one reminder came to."""

    YES = "yes"  # the channel accepted it: the round marks it sent
    NO = "no"  # not now (no longer due, failed and retried later, the user gone)
    HELD = "held"  # kept due, and the round ends after this batch (LINE's used-up quota)
    STOP = "stop"  # kept due, and nothing more is sent this round (LINE said 429)


@dataclass
class ReminderRound:
    """Send every due reminder of ``channel``'s users, a batch at a time.

    A reminder is marked sent after the channel accepted it: a crash in between sends it
    once more after the restart (at most one duplicate), never zero times. A "sent" that
    cannot be written (another process holds the database past the busy timeout) goes to
    ``owed``, kept by the channel between rounds: the reminder is not sent again and the
    mark is written at the start of a later round. Once one mark has waited out the busy
    timeout, the round's other marks go to ``owed`` at once: each would wait as long, on
    the event loop. One reminder's failure never stops the others.

    ``checkpoint`` (``bot.upkeep.checkpoint_wal``) is awaited every
    ``upkeep.CHECKPOINT_EVERY_SENT`` reminders tried (sent or not: a failure is written too,
    and LINE's loop has no other checkpoint during a round): while the round waits nothing
    of it is written, and the log stays small (BENCHMARKS.md, "the write-ahead log of a long
    round").
    """

    engine: Engine
    channel: str
    owed: set[int]
    checkpoint: Callable[[], Awaitable[None]] | None = None
    sent: int = 0
    busy: bool = False  # a mark waited out the busy timeout this round
    batch: Sequence[Delivery] = field(default=())  # the batch being sent

    async def run(self, size: int, send: Callable[[Delivery], Awaitable[Sent]]) -> int:
        """Send what is due with ``send``; how many went out this round."""
        write_owed_marks(self.engine, self.owed)
        self.busy = bool(self.owed)  # still owed: the database is still busy
        tried = checkpointed = 0
        while True:
            try:
                self.batch, taken = self.engine.due_batch(size, channel=self.channel)
            except sqlite3.Error as error:
                log.warning("could not look for due reminders (%s)", type(error).__name__)
                return self.sent
            # Still due after this batch (sent but not marked, held, or a storage error): the
            # next batch would find them again, so they wait for the next round.
            stuck = False
            for delivery in self.batch:
                if delivery.reminder_id in self.owed:
                    stuck = True
                    continue
                try:
                    outcome = await send(delivery)
                except sqlite3.Error as error:
                    log.warning("reminder not sent: storage error (%s)", type(error).__name__)
                    stuck = True
                    continue
                if outcome is Sent.STOP:
                    return self.sent
                if outcome is Sent.HELD:
                    stuck = True
                    continue
                tried += 1
                if outcome is Sent.YES:
                    self.sent += 1
                    self.mark_sent(delivery.reminder_id)
                # Users' updates get their turn between two reminders even when sending
                # does not suspend (a send retried from a queue, a fast local API): a round
                # at 100k due must not hold the event loop for seconds.
                await asyncio.sleep(0)
            if stuck or taken < size:  # reminders moved past quiet hours count as taken
                return self.sent
            if self.checkpoint is not None and (
                tried - checkpointed >= upkeep.CHECKPOINT_EVERY_SENT
            ):
                await self.checkpoint()
                checkpointed = tried

    def mark_sent(self, reminder_id: int) -> None:
        """Write that the reminder went out, or keep it owed if the database is busy."""
        if self.busy:
            self.owed.add(reminder_id)
            return
        try:
            self.engine.reminder_sent(reminder_id)
        except sqlite3.Error as error:
            log.warning("a sent reminder is not marked sent yet (%s)", type(error).__name__)
            self.owed.add(reminder_id)
            self.busy = True


def settle_owed_marks(engine: Engine, owed: set[int]) -> None:
    """At shutdown: the marks still owed are written (held only in memory, they were lost,
    and the next start sent those reminders again); any the database still refuses are
    logged, by count."""
    if owed and not write_owed_marks(engine, owed):
        log.warning(
            "%d reminder(s) went out but could not be marked sent; they may go out again",
            len(owed),
        )


def write_owed_marks(engine: Engine, owed: set[int]) -> bool:
    """Write the "sent" marks that could not be written when their reminders went out;
    False if the database is still busy (the rest wait for the next try)."""
    for reminder_id in sorted(owed):
        try:
            engine.reminder_sent(reminder_id)
        except sqlite3.Error:
            return False
        owed.discard(reminder_id)
    return True
