"""Table names and the few statements more than one part of the store shares: the only
place the code names a table (migrations write theirs out: ``flows.store.migrations``)."""

from __future__ import annotations

import hashlib

USERS = "users"
CASES = "cases"
EVENTS = "events"
BROKERS = "brokers"
REMINDERS = "reminders"
TABLES = (USERS, CASES, EVENTS, BROKERS, REMINDERS)
# The Telegram channel's own tables (m013): updates received and not yet processed, and those
# set aside because they could not be read. Not in TABLES: a backup made before m013 is still
# a Kotowari database.
INBOX = "inbox"
DEAD_LETTERS = "dead_letters"
# Erasures (m022): a token per user who erased everything (``erasure_token``). Not in
# TABLES either: a backup made before m022 is still a Kotowari database.
ERASURES = "erasures"
# Each addressee of a request: the case's column of its postal address, and the column that
# says who it is (the broker's row; the company's name as recorded, not its normalised one:
# 株式会社みらい不動産 and みらい不動産有限会社 are one caller but two addressees). A case
# naming another broker or company keeps no address of the one before.
ADDRESS_OF = {
    "broker": ("broker_address", "broker_id"),
    "company": ("company_address", "company"),
}
# A reminder waiting to be sent; "sent" ones wait for the user's answer.
DUE_STATUSES = ("pending", "snoozed")
# A reminder r to send now (due by the parameter) to its user u, who has not blocked the bot.
# Its status test is word for word the WHERE of the partial index m018 creates, which
# SQLite uses only then.
DUE = f"r.status in ({', '.join(repr(s) for s in DUE_STATUSES)}) and r.due_at <= ? and u.active = 1"
DEFAULT_TIME_ZONE = "Asia/Tokyo"
# The channels a user's account may be on (m017): a Telegram user's id is their Telegram
# user id (below 2**52); a LINE user's, one the product allocates from here.
TELEGRAM = "telegram"
LINE = "line"
SHELL = "shell"  # a user the terminal shell met first: no dispatcher pushes to it
OWN_IDS_FROM = 2**53
OWN_IDS = "own_ids"  # draws those ids (m017)


def erasure_token(user_id: int, created_at: str) -> str:
    """What is kept of an erasure: it names no one without the erased row (its id and the
    moment it was created, to the microsecond), which a restore's backup has."""
    return hashlib.sha256(f"{user_id}\n{created_at}".encode()).hexdigest()


def due_reminders_sql(one_user: bool = False, one_channel: bool = False) -> str:
    """``Store.due_reminders``' query (parameters: now, the user if ``one_user``, the channel
    if ``one_channel``, the limit).

    With a channel and no user it is a dispatcher's: served in due order by m018's index
    on (route, due_at), so a batch reads its channel's active users' rows and stops (tests
    check the plan: no sort), past none of another channel's or of blocked users'. Without
    either (tests), the waiting reminders of every channel are sorted.

    ``cross join``: SQLite then keeps the reminders as the outer loop. With a plain join and
    no statistics (a database never analysed), the channel's condition made it start from
    the users index instead (every user of the channel, then a temp B-tree to sort their due
    reminders): ~180 ms on the event loop per batch at 100k due."""
    where = DUE + (" and r.user_id = ?" if one_user else "")
    # r.route follows u.channel and u.active (m018's triggers); u's conditions stay as well.
    where += " and r.route = ? and u.channel = r.route" if one_channel else ""
    return f"{RENDERED_REMINDERS} where {where} order by r.due_at limit ?"


# Reminders with what rendering one takes from its user and case (``DueReminder``).
RENDERED_REMINDERS = (
    "select r.*, u.language, u.time_zone, u.quiet_hours, u.channel, u.external_id, "
    "c.number, c.broker_name, c.company, c.phone_raw, c.phone_e164 "
    f"from {REMINDERS} r cross join {USERS} u on u.id = r.user_id "
    f"join {CASES} c on c.id = r.case_id"
)
