"""Reminders, and the channel's inbox of updates and its dead letters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from flows.store.base import StoreBase
from flows.store.rows import Case, DueReminder, Reminder
from flows.store.schema import (
    DEAD_LETTERS,
    DUE,
    INBOX,
    REMINDERS,
    RENDERED_REMINDERS,
    USERS,
    due_reminders_sql,
)


class InboxEntry(NamedTuple):
    """An update waiting in the inbox (its JSON stays in the database until it is needed)."""

    id: int
    update_id: int
    user_id: int | None


class QueueRows(StoreBase):
    """Reminders (set by steps, sent by the dispatcher) and the inbox (updates stored before
    they are processed; dead letters: those that could not be read)."""

    def add_reminder(
        self,
        case: Case,
        kind: str,
        due_at: datetime,
        addressee: str | None = None,
        via: str | None = None,
    ) -> int:
        """A reminder for the case; ``addressee`` ("broker" or "company") and ``via`` ("phone"
        or "letter") say which request it follows up, where it follows one."""
        now = self.clock().isoformat()
        row = {
            "user_id": case["user_id"],
            "case_id": case["id"],
            "kind": kind,
            "due_at": due_at.isoformat(),
            "status": "pending",
            "attempts": 0,
            "created_at": now,
            "updated_at": now,
            "addressee": addressee,
            "via": via,
        }
        # The channel it goes out on, none while the user has blocked the bot (m018; m019's
        # trigger sets it for rows inserted without it, m018's follows the user's changes).
        columns = ", ".join(f'"{name}"' for name in row)
        marks = ", ".join("?" for _ in row)
        cursor = self.conn.execute(
            f"insert into {REMINDERS} ({columns}, route) values ({marks}, "
            f"(select case when active = 1 then channel end from {USERS} where id = ?))",
            [*row.values(), case["user_id"]],
        )
        return int(cursor.lastrowid or 0)

    def reminder(self, reminder_id: int) -> Reminder | None:
        return cast(
            "Reminder | None", self._one(f"select * from {REMINDERS} where id = ?", [reminder_id])
        )

    def rendered_reminder(self, reminder_id: int) -> DueReminder | None:
        """One reminder with what rendering it takes (as ``due_reminders`` reads them)."""
        self._flush_users()
        return cast(
            "DueReminder | None", self._one(f"{RENDERED_REMINDERS} where r.id = ?", [reminder_id])
        )

    def unanswered_reminder(self, case_id: int) -> Reminder | None:
        """The case's latest reminder that was sent and not answered yet, if any."""
        return cast(
            "Reminder | None",
            self._one(
                f"select * from {REMINDERS} where case_id = ? and status = 'sent' "
                "order by due_at desc, id desc limit 1",
                [case_id],
            ),
        )

    def reminder_waiting(self, reminder_id: int, now: datetime) -> bool:
        """Whether the reminder is still due by ``now`` (not cancelled, done, snoozed to later
        or deleted since it was found due) for a user who has not blocked the bot."""
        self._flush_users()
        row = self.conn.execute(
            f"select 1 from {REMINDERS} r join {USERS} u on u.id = r.user_id "
            f"where r.id = ? and {DUE}",
            [reminder_id, now.isoformat()],
        ).fetchone()
        return row is not None

    def update_reminder(self, reminder_id: int, **values: Any) -> None:
        values["updated_at"] = self.clock().isoformat()
        self._update(REMINDERS, reminder_id, values)

    def close_reminders(
        self,
        case_id: int,
        status: str,
        kinds: tuple[str, ...] | None = None,
        addressee: str | None = None,
        pause: bool = False,
    ) -> int:
        """End a case's open reminders (waiting or sent) as ``done`` or ``cancelled``, of
        these kinds and about this addressee if given; how many there were. ``pause``: the
        case is closed, its waiting ones rest (``paused``) until it is reopened (one sent and
        not answered ends)."""
        # A paused one (its case closed) is settled too: a request or call since replaces it,
        # and reopening the case must not bring back a second check beside the new one.
        sql = (
            f"update {REMINDERS} set status = case when ? and status != 'sent' then 'paused' "
            "else ? end, updated_at = ? "
            "where case_id = ? and status in ('pending', 'snoozed', 'sent', 'paused')"
        )
        params: list[Any] = [pause, status, self.clock().isoformat(), case_id]
        if kinds:
            sql += f" and kind in ({', '.join('?' for _ in kinds)})"
            params += list(kinds)
        if addressee:
            # Rows from before m012 have no addressee: a broker's, where the case has one.
            sql += " and coalesce(addressee, 'broker') = ?"
            params.append(addressee)
        return int(self.conn.execute(sql, params).rowcount)

    def resume_reminders(self, case_id: int) -> list[str]:
        """A case reopened: the reminders its closing paused wait again (one due meanwhile
        comes at the next round); when each is due."""
        paused = "where case_id = ? and status = 'paused'"
        due = [
            row[0]
            for row in self.conn.execute(f"select due_at from {REMINDERS} {paused}", [case_id])
        ]
        if due:
            sql = f"update {REMINDERS} set status = 'pending', updated_at = ? {paused}"
            self.conn.execute(sql, [self.clock().isoformat(), case_id])
        return due

    def due_reminders(
        self, now: datetime, limit: int, user_id: int | None = None, channel: str | None = None
    ) -> list[DueReminder]:
        """Waiting reminders due by ``now`` for users who have not blocked the bot (of one
        channel's, if given), with what it takes to render and send them (the user's language,
        zone and account, the case's names)."""
        self._flush_users()
        params: list[Any] = [now.isoformat()]
        if user_id is not None:
            params.append(user_id)
        if channel is not None:
            params.append(channel)
        params.append(limit)
        sql = due_reminders_sql(user_id is not None, channel is not None)
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [cast(DueReminder, dict(zip(names, row, strict=True))) for row in cursor]

    def waiting_reminders(self, user_id: int) -> list[Reminder]:
        return cast(
            "list[Reminder]",
            self._all(
                f"select * from {REMINDERS} where user_id = ? and status in ('pending', 'snoozed') "
                "order by due_at",
                [user_id],
            ),
        )

    def inbox_add(self, updates: Sequence[tuple[int, int | None, str]]) -> list[InboxEntry]:
        """Store received updates ``(update_id, user_id, raw JSON)`` in one transaction; the
        entries added (an update already waiting is not added twice)."""
        now = self.clock().isoformat()
        added: list[InboxEntry] = []
        with self.transaction():
            for update_id, user_id, raw in updates:
                cursor = self.conn.execute(
                    f"insert or ignore into {INBOX} (update_id, user_id, received_at, raw) "
                    "values (?, ?, ?, ?)",
                    [update_id, user_id, now, raw],
                )
                if cursor.rowcount:
                    added.append(InboxEntry(int(cursor.lastrowid or 0), update_id, user_id))
        return added

    def inbox_waiting(self) -> list[InboxEntry]:
        """Every update stored and not yet processed, in the order received."""
        rows = self.conn.execute(f"select id, update_id, user_id from {INBOX} order by id")
        return [InboxEntry(*row) for row in rows.fetchall()]

    def inbox_raw(self, entry_id: int) -> str | None:
        """An update's JSON, or None once it is gone (processed, or erased by /forget)."""
        row = self.conn.execute(f"select raw from {INBOX} where id = ?", [entry_id]).fetchone()
        return None if row is None else str(row[0])

    def inbox_mark_applied(self, entry_id: int) -> None:
        """In the step's transaction: this stored update's step is applied."""
        self.conn.execute(
            f"update {INBOX} set applied_at = ? where id = ?", [self.clock().isoformat(), entry_id]
        )

    def inbox_applied(self, entry_id: int) -> bool:
        row = self.conn.execute(
            f"select applied_at is not null from {INBOX} where id = ?", [entry_id]
        ).fetchone()
        return bool(row and row[0])

    def inbox_done_later(self, entry: InboxEntry) -> None:
        """This stored update is handled (its step applied or shown, its replies out): its
        row is deleted by the next write transaction, just before that one's COMMIT (no
        COMMIT of its own), or by ``inbox_flush_done`` when the channel goes idle.

        Not inside the update's own step transaction: the row is what shows the step again
        if the replies never left (a crash before them); deleted with the step, it could not.
        Until it is deleted a crash leaves it, marked applied: processed again at the next
        start, its step only shown again.

        Kept as (row id, update id): row ids are reused once the newest row is gone, and
        another connection (an operator's sqlite3 session) may delete this one first; a
        new update stored under the same id must not go with it.
        """
        self._inbox_done_waiting.add((entry.id, entry.update_id))

    def inbox_flush_done(self) -> None:
        """Delete the handled rows still waiting, in one transaction (none if none wait).

        Raises ``sqlite3.Error`` when it cannot: then they go on waiting."""
        if self._inbox_done_waiting:
            with self.transaction():
                pass  # the transaction deletes them before its COMMIT

    @property
    def inbox_done_waiting(self) -> int:
        """How many handled rows wait to be deleted."""
        return len(self._inbox_done_waiting)

    def set_aside(
        self, update_id: int | None, kind: str, error: str, entry_id: int | None = None
    ) -> int:
        """Record an update that cannot be read, once (a webhook may deliver it twice at
        once), and drop it from the inbox; how many are set aside in all."""
        with self.transaction():
            known = (
                update_id is not None
                and self.conn.execute(
                    f"select 1 from {DEAD_LETTERS} where update_id = ?", [update_id]
                ).fetchone()
            )
            if not known:
                row = {"update_id": update_id, "kind": kind, "error": error}
                self._insert(DEAD_LETTERS, {**row, "at": self.clock().isoformat()})
            if entry_id is not None:
                self.conn.execute(f"delete from {INBOX} where id = ?", [entry_id])
        return int(self.conn.execute(f"select count(*) from {DEAD_LETTERS}").fetchone()[0])

    def dead_letters(self) -> list[dict[str, Any]]:
        return list(self.db.table(DEAD_LETTERS).rows_where(order_by="id"))
