"""A caller's history in the user's own cases: whether they were refused, when, and the calls
recorded after it. One definition for the lookup (``features.lookup``: /who, a pasted number)
and for the report of re-solicitation, which lists the same calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from flows.moments import call_moment, refusal_moment, refusal_recorded
from flows.store import Store
from flows.store.rows import Case


@dataclass(frozen=True)
class History:
    """The user's cases of one caller, in number order."""

    cases: tuple[Case, ...]

    @cached_property
    def _first_refusal(self) -> tuple[Case, str | None] | None:
        """The case that records the first refusal, and when that refusal was (to state)."""
        numbers = {c["number"] for c in self.cases}
        # A call after a refusal whose case was deleted still knows when that refusal was
        # (or that it had no time): it came before the call, so before the call's own
        # refusal, and is listed first to win a tie.
        found: list[tuple[datetime, Case, str | None]] = [
            (
                _moment(c.get("repeat_refused_at") or call_moment(c) or c["opened_at"]),
                c,
                refusal_recorded(c),
            )
            for c in self.later
            if c["repeat_of"] not in numbers
        ]
        found += [
            (_moment(c["refused_at"]), c, refusal_moment(c))
            for c in self.cases
            if c.get("refused_at")
        ]
        if not found:
            return None
        _, case, stated = min(found, key=lambda f: f[0])
        return case, stated

    @property
    def refusal(self) -> Case | None:
        """The case that records the first refusal of this caller: a refused case (a cancelled
        one counts: it was still made), or a later call's case whose refused case is gone."""
        first = self._first_refusal
        return first[0] if first else None

    @property
    def refused_on(self) -> str | None:
        """When that first refusal was, as far as it is known (to state, as ``refusal_moment``)."""
        first = self._first_refusal
        return first[1] if first else None

    @property
    def latest(self) -> Case | None:
        return self.cases[-1] if self.cases else None

    @property
    def later(self) -> tuple[Case, ...]:
        """The calls recorded as cases of their own after a refusal of this caller (linked:
        ``repeat_of``), but those the user dropped (cancelled: it may have been a slip)."""
        return tuple(c for c in self.cases if c.get("repeat_of") and c["state"] != "cancelled")

    @property
    def calls_after(self) -> int:
        """Calls after a refusal: recorded on a refused case (🔁) or as cases of their own."""
        if self.refusal is None:
            return 0
        recorded = sum(int(c.get("repeat_calls") or 0) for c in self.cases if c.get("refused_at"))
        return recorded + len(self.later)

    @property
    def last_call(self) -> str | None:
        """When the latest call after a refusal came, as far as it is known."""
        moments = [c.get("last_repeat_at") for c in self.cases if c.get("refused_at")]
        moments += [call_moment(c) for c in self.later]
        known = [_moment(m) for m in moments if m]
        return max(known).isoformat() if known else None


def history(
    store: Store,
    user_id: int,
    phone: str | None,
    company: str | None,
    leave: int | None = None,
) -> History:
    """The caller with this number (E.164) or company key (``normalize_name``) in the user's
    cases; case id ``leave`` left out (the call being recorded is not its own history)."""
    cases = store.related_cases(user_id, phone, company)
    return History(tuple(c for c in cases if c["id"] != leave))


def _moment(iso: object) -> datetime:
    return datetime.fromisoformat(str(iso))
