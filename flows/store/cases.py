"""Cases, brokers and events (and erasing a user's: ``forget_user``)."""

from __future__ import annotations

import json
from typing import Any, cast

from flows.export import Stored
from flows.normalize import normalize_name
from flows.store.base import StoreBase
from flows.store.rows import Case, Event, Table
from flows.store.schema import (
    ADDRESS_OF,
    BROKERS,
    CASES,
    ERASURES,
    EVENTS,
    REMINDERS,
    USERS,
    erasure_token,
)

# A caller's cases: the same number, the same company, or the company of a case with the same
# number (a number last heard from 株式会社X finds X's refusal made from another number).
# Not further: one number shared by two companies (a call centre) must not make them one.
_RELATED = f"""select * from {CASES} where user_id = :user and (phone_e164 = :phone
    or (company_norm != '' and (company_norm = :company or company_norm in (
        select company_norm from {CASES} where user_id = :user and phone_e164 = :phone))))
    order by number"""


class CaseRows(StoreBase):
    """The user's cases, with each case's events and the brokers named."""

    def case(self, case_id: int) -> Case | None:
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is not None:
            known_id, changes, row = prefetched
            if known_id == case_id and changes == self.conn.total_changes:
                return row
        return cast("Case | None", self._one(f"select * from {CASES} where id = ?", [case_id]))

    def case_by_number(self, user_id: int, number: int) -> Case | None:
        return cast(
            "Case | None",
            self._one(f"select * from {CASES} where user_id = ? and number = ?", [user_id, number]),
        )

    def new_case(self, user_id: int, mode: str) -> Case:
        # Plain UPDATE then SELECT (not RETURNING: that needs SQLite 3.35, newer than some
        # systems' Python has); both run inside the message's transaction.
        self._flush_users()
        self.conn.execute(
            f"update {USERS} set last_case_number = last_case_number + 1 where id = ?", [user_id]
        )
        row = self.conn.execute(
            f"select last_case_number from {USERS} where id = ?", [user_id]
        ).fetchone()
        now = self.clock().isoformat()
        case: Case = {
            "user_id": user_id,
            "number": row[0],
            "state": "new",
            "mode": mode,
            "seq": 0,
            "opened_at": now,
            "updated_at": now,
            "push_count": 0,
            "source_unknown": 0,
            "source_named": 0,
            "fixing": 0,
        }
        case["id"] = self._insert(CASES, dict(case))
        self.add_event(case, "opened", detail={"mode": mode})
        return self.case(case["id"]) or case

    def save_case(self, before: Case, after: Case) -> None:
        """Write the columns that changed; keep the broker table in step."""
        if after.get("broker_name") != before.get("broker_name"):
            after["broker_id"] = self._broker_for(after["user_id"], after.get("broker_name"))
        fields = cast("dict[str, Any]", after)
        for column, key in ADDRESS_OF.values():
            kept = before.get(column) and fields.get(column) == before.get(column)
            if kept and fields.get(key) != before.get(key):
                fields[column] = None
        changed = {k: v for k, v in after.items() if before.get(k) != v and k != "id"}
        if not changed:
            return
        now = self.clock().isoformat()
        changed["updated_at"] = now
        self._update(CASES, after["id"], changed)
        after["updated_at"] = now
        if "broker_id" in changed:
            for broker_id in (before.get("broker_id"), after.get("broker_id")):
                if broker_id is not None:
                    self._recount_broker(broker_id)

    def _broker_for(self, user_id: int, name: str | None) -> int | None:
        if not name:
            return None
        norm = normalize_name(name) or name
        now = self.clock().isoformat()
        row = self._one(
            f"select id from {BROKERS} where user_id = ? and name_norm = ?", [user_id, norm]
        )
        if row is not None:
            self._update(BROKERS, row["id"], {"last_named_at": now})
            return int(row["id"])
        return self._insert(
            BROKERS,
            {
                "user_id": user_id,
                "name": name,
                "name_norm": norm,
                "case_count": 0,
                "first_named_at": now,
                "last_named_at": now,
            },
        )

    def _recount_broker(self, broker_id: int) -> None:
        """Count the broker's cases again; a broker no case names any more (its case deleted,
        or the name corrected) is deleted: a wrong entry, perhaps a person's name typed in
        the wrong field, is not kept for /brokers, /stats and the export."""
        self.conn.execute(
            f"update {BROKERS} set case_count = "
            f"(select count(*) from {CASES} where broker_id = ?) where id = ?",
            [broker_id, broker_id],
        )
        self.conn.execute(f"delete from {BROKERS} where id = ? and case_count = 0", [broker_id])

    def earlier_refusal(self, case: Case) -> Case | None:
        """The user's first refusal of the same company or number *before this call*, in
        another case (a cancelled case counts: the refusal was still made); or a later call's
        case that keeps when one was, its refused case deleted since (not a cancelled one)."""
        company, phone = case.get("company_norm"), case.get("phone_e164")
        if not company and not phone:
            return None
        # The call's time; until the user says when (after a call), it was before now.
        called = case.get("call_at") or case["opened_at"]
        # When the refusal a case records was: a later call's, the one it came after.
        refused = (
            f"case when repeat_of is not null and state != 'cancelled' and not exists (select 1 "
            f"from {CASES} e where e.user_id = {CASES}.user_id and e.number = {CASES}.repeat_of) "
            "then coalesce(repeat_refused_at, call_at, opened_at) else refused_at end"
        )
        return cast(
            "Case | None",
            self._one(
                f"""select number, refused_at, company, phone_raw, phone_e164, mode, call_at,
            opened_at, repeat_of, repeat_refused_at from {CASES}
            where user_id = ? and id != ? and {refused} < ?
              and ((company_norm = ? and company_norm != '') or phone_e164 = ?)
            order by {refused}, number limit 1""",
                [case["user_id"], case["id"], called, company or None, phone or None],
            ),
        )

    def related_cases(self, user_id: int, phone: str | None, company: str | None) -> list[Case]:
        """The user's cases of one caller: with this number (E.164) or company
        (``normalize_name``), or the company of a case with this number; in number order."""
        if not phone and not company:
            return []
        params = {"user": user_id, "phone": phone or None, "company": company or None}
        return cast("list[Case]", self._all(_RELATED, params))

    def known_address(self, case: Case, addressee: str) -> str | None:
        """The postal address last given for ``case``'s broker or company (``ADDRESS_OF``):
        the case's own, else that of the user's latest case naming the same one."""
        column, key = ADDRESS_OF[addressee]
        own = case.get(column)
        if own or not case.get(key):
            return cast("str | None", own)
        row = self._one(
            f"select {column} from {CASES} where user_id = ? and {key} = ? "
            f"and {column} is not null order by updated_at desc limit 1",
            [case["user_id"], case.get(key)],
        )
        return None if row is None else cast(str, row[column])

    def called_after(self, user_id: int, numbers: list[int]) -> set[int]:
        """Which of the user's cases ``numbers`` have calls after their refusal recorded as
        cases of their own (``repeat_of``; not cancelled ones, which the report leaves out)."""
        marks = ", ".join("?" * len(numbers))
        sql = (
            f"select distinct repeat_of from {CASES} where user_id = ? "
            f"and repeat_of in ({marks}) and state != 'cancelled'"
        )
        return {row["repeat_of"] for row in self._all(sql, [user_id, *numbers])}

    def calls_after(self, user_id: int, number: int) -> list[Case]:
        """The cases recorded as calls after case ``number``'s refusal (``repeat_of``)."""
        sql = f"select * from {CASES} where user_id = ? and repeat_of = ? order by number"
        return cast("list[Case]", self._all(sql, [user_id, number]))

    def delete_case(self, case: Case) -> None:
        """Remove a case with its events and reminders (the user asked; confirmed)."""
        self._erased = True
        self._flush_users()
        for table in (EVENTS, REMINDERS):
            self.db.execute(f"delete from {table} where case_id = ?", [case["id"]])
        self.db.execute(
            f"update {USERS} set active_case_id = null where active_case_id = ?", [case["id"]]
        )
        self.db.execute(f"delete from {CASES} where id = ?", [case["id"]])
        broker_id = case.get("broker_id")
        if broker_id is not None:
            self._recount_broker(broker_id)

    def user_export(self, user_id: int) -> Stored | dict[str, Table]:
        """Everything stored about one user, table by table, for /export: where to read it
        when the files are written, off the event loop (``flows.export``), or for a database
        in memory (no file another connection could open) its rows read now, as column names
        and tuples. The user's row is written first, for the reader to see it."""
        self._flush_users()
        queries = (
            (USERS, f"select * from {USERS} where id = ?", (user_id,)),
            *(
                (table, f"select * from {table} where user_id = ? order by id", (user_id,))
                for table in (CASES, BROKERS, REMINDERS)
            ),
            (
                EVENTS,
                f"select * from {EVENTS} where case_id in "
                f"(select id from {CASES} where user_id = ?) order by id",
                (user_id,),
            ),
        )
        if self.path is None or self._file_id is None:
            return {table: self._table(sql, params) for table, sql, params in queries}
        return Stored(str(self.path), self._file_id, queries)

    def forget_user(self, user_id: int) -> None:
        """Delete every row that belongs to the user, in every table; what is kept is a
        token of the erasure (``schema.erasure_token``), for a restore to erase it again."""
        self._erased = True
        self._flush_users()
        row = self.conn.execute(f"select created_at from {USERS} where id = ?", [user_id])
        if (found := row.fetchone()) is not None:
            self.conn.execute(
                f"insert or ignore into {ERASURES} (token) values (?)",
                [erasure_token(user_id, str(found[0]))],
            )
        self.db.execute(f"update {USERS} set active_case_id = null where id = ?", [user_id])
        self.db.execute(
            f"delete from {EVENTS} where case_id in (select id from {CASES} where user_id = ?)",
            [user_id],
        )
        # Not the inbox: its rows are messages the user sent after this one (processed in
        # order, so none from before is left); they start afresh.
        for table in (REMINDERS, CASES, BROKERS):
            self.db.execute(f"delete from {table} where user_id = ?", [user_id])
        self.db.execute(f"delete from {USERS} where id = ?", [user_id])

    def add_event(
        self,
        case: Case,
        kind: str,
        *,
        trigger: str | None = None,
        state_from: str | None = None,
        state_to: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        self._insert(
            EVENTS,
            {
                "user_id": case["user_id"],
                "case_id": case["id"],
                "at": self.clock().isoformat(),
                "kind": kind,
                "trigger": trigger,
                "state_from": state_from,
                "state_to": state_to,
                "detail": json.dumps(detail, ensure_ascii=False) if detail else None,
            },
        )

    def supersede_answers(self, case_id: int, field: str) -> None:
        """Before a new answer to ``field`` is recorded: the earlier ones keep their field,
        not their value (a person's name typed as the broker's, corrected, is not kept in
        the timeline, the export or the file: ``secure_delete`` zeroes the old row)."""
        self.conn.execute(
            f"update {EVENTS} set detail = json_object('field', ?, 'superseded', 1)"
            " where case_id = ? and (kind = 'step' and trigger = 'answer' or kind = 'noted')"
            " and json_extract(detail, '$.field') = ?"
            " and json_extract(detail, '$.superseded') is null"
            " and json_extract(detail, '$.cleared') is null",
            [field, case_id, field],
        )

    def events(self, case_id: int) -> list[Event]:
        return cast(
            "list[Event]",
            self._all(f"select * from {EVENTS} where case_id = ? order by id", [case_id]),
        )

    def last_event(self, case_id: int) -> Event | None:
        """The case's latest event (engine: a typed answer sent twice), but the repeat mark
        an answer set or cleared, which is recorded after it, and a number noted at a step
        (the answer before it, sent again, is still the one just recorded)."""
        sql = (
            f"select * from {EVENTS} where case_id = ?"
            " and kind not in ('repeat_detected', 'repeat_cleared', 'noted')"
            " order by id desc limit 1"
        )
        return cast("Event | None", self._one(sql, [case_id]))
