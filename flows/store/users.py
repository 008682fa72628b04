"""Users: one row per account on a channel (m017), with the product's own id."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from flows.store.base import StoreBase
from flows.store.rows import Case, User
from flows.store.schema import CASES, DEFAULT_TIME_ZONE, OWN_IDS, OWN_IDS_FROM, TELEGRAM, USERS

_CASE_FOLLOWS = "case_columns_follow"  # user_with_case: where the case's columns begin


class UserRows(StoreBase):
    """The user's row: their settings, the dialog and the case in progress, their account."""

    def user(self, user_id: int) -> User | None:
        self._flush_users()
        return cast("User | None", self._one(f"select * from {USERS} where id = ?", [user_id]))

    def drop_stale_dialogs(self, kept_for: timedelta) -> int:
        """Delete the side dialogs whose question has waited ``kept_for`` (a letter's sender
        typed halfway, then abandoned): what was typed for them is not kept for a user who
        never comes back. How many there were (``users_pending`` finds them)."""
        before = (self.clock() - kept_for).isoformat()
        with self.transaction():
            cursor = self.conn.execute(
                f"update {USERS} set pending = null where pending is not null and "
                "json_valid(pending) and json_extract(pending, '$.asked_at') < ?",
                [before],
            )
        return int(cursor.rowcount)

    def user_with_case(self, user_id: int) -> User | None:
        """The user's row, in one statement with their active case, which the next
        ``case()`` call for it returns without reading it again (if nothing changed)."""
        self._flush_users()
        # The marker column splits the row: counted here, not at start-up, so a column a
        # newer version's migration adds meanwhile cannot shift the case's values.
        cursor = self.conn.execute(
            f"select u.*, null as {_CASE_FOLLOWS}, c.* from {USERS} u "
            f"left join {CASES} c on c.id = u.active_case_id where u.id = ?",
            [user_id],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        names = [d[0] for d in cursor.description]
        split = names.index(_CASE_FOLLOWS)
        user = cast(User, dict(zip(names[:split], row[:split], strict=True)))
        case_id = user["active_case_id"]
        # Only inside a transaction (which forgets it at its end): outside one, another
        # connection could change the case before it is used.
        found = case_id is not None and row[split + 1 + names[split + 1 :].index("id")] is not None
        if case_id is not None and found and self.conn.in_transaction:
            case = cast(Case, dict(zip(names[split + 1 :], row[split + 1 :], strict=True)))
            self._prefetched = (case_id, self.conn.total_changes, case)
        return user

    def create_user(
        self, user_id: int, language: str, channel: str = TELEGRAM, external_id: str | None = None
    ) -> User:
        """A new user; by default a Telegram account (or the shell's), whose id is theirs."""
        row: User = {
            "id": user_id,
            "language": language,
            "time_zone": DEFAULT_TIME_ZONE,
            "created_at": self.clock().isoformat(),
            "active_case_id": None,
            "active": 1,
            "channel": channel,
            "external_id": str(user_id) if external_id is None else external_id,
        }
        self._insert(USERS, dict(row))
        return self.user(user_id) or row

    def find_account(self, channel: str, external_id: str) -> int | None:
        """The user id of an account on a channel, if it has one (nothing is created)."""
        found = self.conn.execute(
            f"select id from {USERS} where channel = ? and external_id = ?", [channel, external_id]
        ).fetchone()
        return None if found is None else int(found[0])

    def account_user(self, channel: str, external_id: str, language: str) -> int:
        """The user id of an account on a channel whose ids are not the product's (LINE):
        found (one read, no write lock), or created (in ``language``) with an id above every
        Telegram id, never given before (``own_ids``: not even to a user since erased)."""
        known = self.find_account(channel, external_id)
        if known is not None:
            return known
        with self.transaction():
            known = self.find_account(channel, external_id)  # made meanwhile by another writer
            if known is not None:
                return known
            drawn = self.conn.execute(f"insert into {OWN_IDS} default values").lastrowid
            self.conn.execute(f"delete from {OWN_IDS} where id = ?", [drawn])
            user_id = OWN_IDS_FROM + int(drawn or 0) - 1
            self.create_user(user_id, language, channel, external_id)
            return user_id
