"""Looking back: the reads of /cases, /find, /who's similar names, /brokers and /stats."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, cast

from flows.normalize import normalize_name
from flows.store.base import StoreBase
from flows.store.rows import Case, Event
from flows.store.schema import BROKERS, CASES, EVENTS

# A case's number as its digits are dialled in Japan (090…; others without their "+").
_NATIONAL = (
    "(case when phone_e164 like '+81%' then '0' || substr(phone_e164, 4) "
    "else substr(phone_e164, 2) end)"
)
# What may separate a number's digits as typed (after NFKC): 090-1234, (03) 1234 5678.
_NUMBER_SIGNS = re.compile(r"[\s\-‐‑‒–—―−ー().+/]")


def _digits_typed(text: str) -> str | None:
    """The digits of a typed part of a phone number (four or more, nothing but digits and
    separators; a leading +81 read as Japan's 0), or None."""
    typed = unicodedata.normalize("NFKC", text).strip()
    plain = _NUMBER_SIGNS.sub("", typed)
    if typed.startswith("+81") and plain.startswith("81"):
        plain = "0" + plain[2:].removeprefix("0")  # 「+81 (0)90 1234」 on a business card
    return plain if len(plain) >= 4 and plain.isascii() and plain.isdigit() else None


def _like_escaped(text: str) -> str:
    """``text`` as a LIKE pattern matching itself (with ``escape '\\'``): % and _ literal."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class LookbackRows(StoreBase):
    """A user's history read whole: pages of cases, searches, brokers, counts."""

    def recent_cases(self, user_id: int, limit: int, offset: int = 0) -> list[Case]:
        return cast(
            "list[Case]",
            self._all(
                f"select * from {CASES} where user_id = ? order by number desc limit ? offset ?",
                [user_id, limit, offset],
            ),
        )

    def count_cases(self, user_id: int) -> int:
        row = self.db.execute(f"select count(*) from {CASES} where user_id = ?", [user_id])
        return int(row.fetchone()[0])

    def count_cases_called_after(self, user_id: int) -> tuple[int, set[int]]:
        """How many cases the user has, and which of them have calls after their refusal
        recorded as cases of their own (``repeat_of``): what a list of cases shows, read in
        one query."""
        sql = (
            "select count(*), group_concat(distinct case when state != 'cancelled' "
            f"then repeat_of end) from {CASES} where user_id = ?"
        )
        total, called = self.db.execute(sql, [user_id]).fetchone()
        return int(total), {int(n) for n in called.split(",")} if called else set()

    def search_cases(
        self, user_id: int, text: str, phone_e164: str | None, limit: int
    ) -> list[Case]:
        """Cases whose company, caller, broker or number match what the user typed: a part
        of a name as typed or folded (ﾘｽﾄ, りすと for リスト社), a part of a number in any
        formatting (０９０−１２３４, 1234-5678)."""
        escaped = _like_escaped(text)
        like = " like :pattern escape '\\'"
        norm = " like :norm escape '\\'"
        digits = _digits_typed(text)
        where = (
            f"user_id = :user and (company{like} or person{like} or broker_name{like} "
            f"or phone_raw{like} or company_norm{norm} or phone_e164 = :phone "
            f"or broker_id in (select id from {BROKERS} where user_id = :user and name_norm{norm})"
            + (f" or {_NATIONAL} like :digits" if digits else "")
            + ")"
        )
        return cast(
            "list[Case]",
            self._all(
                f"select * from {CASES} where {where} order by number desc limit :limit",
                {
                    "user": user_id,
                    "pattern": f"%{escaped}%",
                    "norm": f"%{_like_escaped(normalize_name(text)) or escaped}%",
                    "phone": phone_e164,
                    "digits": f"%{digits}%",
                    "limit": limit,
                },
            ),
        )

    def similar_companies(self, user_id: int, norm: str, limit: int) -> list[tuple[str, int]]:
        """Companies on record whose normalised name contains ``norm`` (みらい in
        株式会社みらい不動産), each once with its latest case number, the latest first."""
        rows = self.db.execute(
            f"select company, max(number) as latest from {CASES} where user_id = ? and "
            "company_norm like ? escape '\\' group by company_norm order by latest desc limit ?",
            [user_id, f"%{_like_escaped(norm)}%", limit],
        )
        return [(str(company), int(number)) for company, number in rows.fetchall()]

    def broker_named(self, user_id: int, norm: str) -> dict[str, Any] | None:
        """The user's broker of this normalised name, if they recorded one."""
        return self._one(
            f"select * from {BROKERS} where user_id = ? and name_norm = ?", [user_id, norm]
        )

    def brokers(self, user_id: int) -> list[dict[str, Any]]:
        return self._all(
            f"select * from {BROKERS} where user_id = ? order by last_named_at desc", [user_id]
        )

    def cases_by_broker(self, user_id: int) -> dict[int, list[Case]]:
        """The user's cases that name a broker, by broker id, each broker's in case order
        (one query for /brokers, whatever the number of brokers)."""
        by_broker: dict[int, list[Case]] = {}
        for case in self._all(
            f"select * from {CASES} where user_id = ? and broker_id is not null order by number",
            [user_id],
        ):
            by_broker.setdefault(case["broker_id"], []).append(cast("Case", case))
        return by_broker

    def broker_request_events(self, user_id: int) -> dict[int, list[Event]]:
        """The events that make and answer requests (``flows.standing.requests``) of the
        user's cases that name a broker, by case id, in order: one query for /brokers."""
        by_case: dict[int, list[Event]] = {}
        for event in self._all(
            f"select e.* from {EVENTS} e join {CASES} c on c.id = e.case_id "
            "where c.user_id = ? and c.broker_id is not null and (e.kind in "
            "('letter', 'reminder') or (e.kind = 'step' and e.state_from = 'demanding')) "
            "order by e.case_id, e.id",
            [user_id],
        ):
            by_case.setdefault(event["case_id"], []).append(cast("Event", event))
        return by_case

    def stats_rows(self, user_id: int) -> tuple[list[Case], int, list[Event]]:
        """What /stats counts: the user's cases, how many brokers they named, and their
        ``repeat_call`` events (not the rest of a long history's events)."""
        self._flush_users()
        cases = self._all(f"select * from {CASES} where user_id = ? order by id", [user_id])
        (brokers,) = self.conn.execute(
            f"select count(*) from {BROKERS} where user_id = ?", [user_id]
        ).fetchone()
        events = self._all(
            f"select * from {EVENTS} where kind = 'repeat_call' and case_id in "
            f"(select id from {CASES} where user_id = ?) order by id",
            [user_id],
        )
        return cast("list[Case]", cases), int(brokers), cast("list[Event]", events)
