"""The schema, one migration per change (``sqlite_utils.Migrations``): add ``m0NN_…``
functions at the end, never edit one that was released.

Table and column names are written out here, not taken from ``flows.store.schema``: a
migration does what it did when it was applied, whatever the code's constants become.
"""

from __future__ import annotations

import json

from sqlite_utils import Database, Migrations

migrations = Migrations("kotowari")


@migrations()
def m001_initial(db: Database) -> None:
    db.table("users").create(
        {
            "id": int,
            "language": str,
            "time_zone": str,
            "created_at": str,
            "active_case_id": int,
            "active": int,
        },
        pk="id",
        not_null={"language", "time_zone", "created_at", "active"},
        defaults={"active": 1, "time_zone": "Asia/Tokyo"},
    )
    db.table("brokers").create(
        {
            "id": int,
            "user_id": int,
            "name": str,
            "name_norm": str,
            "case_count": int,
            "first_named_at": str,
            "last_named_at": str,
        },
        pk="id",
        not_null={"user_id", "name", "name_norm", "case_count"},
        defaults={"case_count": 0},
        foreign_keys=[("user_id", "users", "id")],
    )
    db.table("cases").create(
        {
            "id": int,
            "user_id": int,
            "number": int,
            "state": str,
            "mode": str,
            "seq": int,
            "opened_at": str,
            "updated_at": str,
            "call_at": str,
            "ended_at": str,
            "refused_at": str,
            "push_count": int,
            "source_unknown": int,
            "broker_id": int,
            "broker_name": str,
            "company": str,
            "company_norm": str,
            "person": str,
            "phone_raw": str,
            "phone_e164": str,
            "licence": str,
            "product": str,
            "product_kind": str,
            "outcome": str,
            "repeat_of": int,
            "repeat_refused_at": str,
            "fixing": int,
            "confirmed_at": str,
            "closed_at": str,
        },
        pk="id",
        not_null={"user_id", "number", "state", "mode", "seq", "opened_at", "updated_at"},
        defaults={"seq": 0, "push_count": 0, "source_unknown": 0, "fixing": 0},
        foreign_keys=[("user_id", "users", "id"), ("broker_id", "brokers", "id")],
    )
    db.table("events").create(
        {
            "id": int,
            "user_id": int,
            "case_id": int,
            "at": str,
            "kind": str,
            "trigger": str,
            "state_from": str,
            "state_to": str,
            "detail": str,
        },
        pk="id",
        not_null={"user_id", "case_id", "at", "kind"},
        foreign_keys=[("user_id", "users", "id"), ("case_id", "cases", "id")],
    )
    db.table("cases").create_index(["user_id", "number"], unique=True)
    db.table("cases").create_index(["user_id", "company_norm"])
    db.table("cases").create_index(["user_id", "phone_e164"])
    db.table("cases").create_index(["broker_id"])
    db.table("events").create_index(["case_id", "id"])
    db.table("events").create_index(["user_id"])
    db.table("brokers").create_index(["user_id", "name_norm"], unique=True)


@migrations(transactional=False)
def m002_wal_journal(db: Database) -> None:
    # journal_mode is persistent in the file; it cannot change inside a transaction.
    db.execute("PRAGMA journal_mode=WAL")


@migrations()
def m003_reminders(db: Database) -> None:
    db.table("reminders").create(
        {
            "id": int,
            "user_id": int,
            "case_id": int,
            "kind": str,
            "due_at": str,
            "status": str,
            "attempts": int,
            "last_error": str,
            "created_at": str,
            "sent_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"user_id", "case_id", "kind", "due_at", "status", "attempts", "created_at"},
        defaults={"status": "pending", "attempts": 0},
        foreign_keys=[("user_id", "users", "id"), ("case_id", "cases", "id")],
    )
    _reminder_indexes(db)
    db.table("users").add_column("quiet_hours", str, not_null_default="21-8")
    db.table("cases").add_column("repeat_calls", int, not_null_default=0)
    db.table("cases").add_column("last_repeat_at", str)


def _reminder_indexes(db: Database) -> None:
    # The dispatcher's query: due reminders in due order, without a scan.
    db.table("reminders").create_index(["status", "due_at"])
    db.table("reminders").create_index(["case_id"])
    db.table("reminders").create_index(["user_id", "status"])


@migrations()
def m004_letters(db: Database) -> None:
    # The user's own name and address, kept only when they say so; "pending" holds a
    # multi-message dialog (the letter being prepared) between messages.
    for column in ("sender_name", "sender_address", "sender_phone", "pending"):
        db.table("users").add_column(column, str)
    db.table("cases").add_column("letter_at", str)


@migrations()
def m005_events_by_case_only(db: Database) -> None:
    # Every message appends an event; a second index on it made that write ~30% dearer.
    # Export and erasure reach a user's events through their cases instead.
    db.execute("drop index if exists idx_events_user_id")


@migrations()
def m006_update_ids(db: Database) -> None:
    # The last channel update applied for each user, saved with the step it caused.
    db.table("users").add_column("last_update_id", int)


@migrations()
def m007_recent_update_ids(db: Database) -> None:
    # Telegram numbers updates afresh (at random) after a week without any, so "not above
    # the last id" does not mean "seen": the ids recently applied are kept instead
    # (users.last_update_id from m006 is no longer written).
    db.table("users").add_column("recent_update_ids", str)


@migrations()
def m008_case_numbers_never_reused(db: Database) -> None:
    # "max(number) + 1" gave a deleted last case's number to the next case, so an old
    # button ("delete #3") could act on the new #3. The highest number ever given is kept.
    db.table("users").add_column("last_case_number", int, not_null_default=0)
    db.execute(
        "update users set last_case_number = "
        "(select coalesce(max(number), 0) from cases where user_id = users.id)"
    )


@migrations()
def m009_reminder_ids_never_reused(db: Database) -> None:
    # A reminder's buttons carry its row id ("r.57.done"). Without AUTOINCREMENT, SQLite gives
    # the highest id again once that row is deleted (with its case, or by /forget), so an
    # old button could act on somebody's new reminder 57. AUTOINCREMENT never reuses an id.
    # SQLite cannot add it to a table: the table is rebuilt, rows and indexes kept.
    (create,) = db.execute(
        "select sql from sqlite_master where type = 'table' and name = ?", ["reminders"]
    ).fetchone()
    column = '"id" INTEGER PRIMARY KEY,'
    if create.count(column) != 1:
        raise RuntimeError(f"unexpected schema for reminders: {create}")
    rebuilt = "reminders_m009"
    db.execute(
        create.replace('CREATE TABLE "reminders"', f'CREATE TABLE "{rebuilt}"', 1).replace(
            column, '"id" INTEGER PRIMARY KEY AUTOINCREMENT,', 1
        )
    )
    # Copying the rows with their ids also starts the sequence after the highest of them.
    db.execute(f'insert into "{rebuilt}" select * from "reminders"')
    db.execute('drop table "reminders"')
    db.execute(f'alter table "{rebuilt}" rename to "reminders"')
    _reminder_indexes(db)


@migrations()
def m010_shown_step(db: Database) -> None:
    # The case step ("number.seq") whose options were the last thing shown to the user: a
    # typed option number means one of those, not a step hidden behind a list since.
    db.table("users").add_column("shown_step", str)


@migrations()
def m011_repeat_refusal_times_only_if_known(db: Database) -> None:
    # A repeat case copied the earlier case's refused_at even when that case was recorded
    # after the call without a time (refused_at then holds when it was typed in, which
    # letters would state as a fact). Keep it only where the earlier case's call time is
    # known, the rule of letters.refusal_moment; rows whose earlier case is gone stay as
    # they are.
    db.execute(
        """update cases set repeat_refused_at = (
            select case when e.call_at is not null or (e.mode = 'call' and e.opened_at is not null)
                then e.refused_at end
            from cases e where e.user_id = cases.user_id and e.number = cases.repeat_of)
        where repeat_of is not null and exists (
            select 1 from cases e where e.user_id = cases.user_id and e.number = cases.repeat_of)"""
    )


@migrations()
def m012_reminder_addressees_and_refusals(db: Database) -> None:
    # A follow-up names whom the request went to (the broker or the calling company) and
    # how (by phone or by letter), so that its text and its next step fit. A case records
    # "I did not refuse" apart from "not recorded": the coaching and the summary differ.
    db.table("reminders").add_column("addressee", str)
    db.table("reminders").add_column("via", str)
    db.table("cases").add_column("not_refused", int, not_null_default=0)
    # The two-week checks made before: one made with or after a letter follows that letter
    # (to whom the latest letter before it went); the others followed step 4's answer on the
    # phone, to the broker. One after a refusal on the phone becomes what it now is: a
    # reminder to write. Literal names: a migration never changes with the code's constants.
    db.execute(
        """update reminders set via = 'letter', addressee = coalesce((
            select case json_extract(e.detail, '$.kind') when 'company_request' then 'company'
                else 'broker' end
            from events e where e.case_id = reminders.case_id and e.kind = 'letter'
                and e.at <= reminders.created_at
            order by e.at desc, e.id desc limit 1), 'broker')
        where kind = 'check_compliance' and exists (
            select 1 from events e where e.case_id = reminders.case_id and e.kind = 'letter'
                and e.at <= reminders.created_at)"""
    )
    db.execute(
        """update reminders set via = 'phone', addressee = 'broker'
        where kind = 'check_compliance' and via is null"""
    )
    db.execute(
        """update reminders set kind = 'write_letter'
        where kind = 'check_compliance' and via = 'phone' and status in ('pending', 'snoozed')
            and (select outcome from cases c where c.id = reminders.case_id) = 'declined'"""
    )


@migrations()
def m013_inbox_and_dead_letters(db: Database) -> None:
    # An update is stored here as Telegram sent it, then confirmed to Telegram, then
    # processed (per user, in order) and deleted. user_id: whose it is, for their order and
    # for /forget. No foreign key: the user may have no row yet.
    db.table("inbox").create(
        {"id": int, "update_id": int, "user_id": int, "received_at": str, "raw": str},
        pk="id",
        not_null={"update_id", "received_at", "raw"},
    )
    db.table("inbox").create_index(["update_id"], unique=True)
    db.table("inbox").create_index(["user_id"])
    # An update that could not be read: only what identifies it, never its content.
    db.table("dead_letters").create(
        {"id": int, "update_id": int, "kind": str, "error": str, "at": str},
        pk="id",
        not_null={"kind", "error", "at"},
    )
    db.table("dead_letters").create_index(["update_id"])


@migrations()
def m014_due_reminders_in_due_order(db: Database) -> None:
    # The dispatcher's query asks for waiting reminders (two statuses) in due order. On the
    # (status, due_at) index that is two ranges, merged by sorting every due row for each
    # batch (a temp B-tree: ~50 ms a batch at 100k due). This index holds only waiting reminders,
    # in due order: a batch reads its rows and stops. Its WHERE must stay word for word the
    # dispatcher's (flows.store.schema.DUE), or SQLite will not use it. The old index served nothing else
    # (the other reminder queries go by case or by user), and left in place the planner
    # could still prefer it. Literal names: a migration never changes with the code's
    # constants.
    db.execute("drop index if exists idx_reminders_status_due_at")
    db.execute(
        "create index if not exists idx_reminders_waiting_due_at on reminders (due_at) "
        "where status in ('pending', 'snoozed')"
    )


@migrations()
def m015_inbox_applied(db: Database) -> None:
    # A stored update is marked applied in its step's own transaction and deleted once its
    # replies are out: one found applied at the next start is only shown again, never
    # applied twice (the engine's recent update ids cover only the latest 64).
    db.table("inbox").add_column("applied_at", str)


@migrations()
def m016_typed_dialog_states(db: Database) -> None:
    """users.pending held untyped JSON told apart by its keys ({"again": 3}; {"case": 3,
    "kind": "broker_request", "step": "name", …}); it now holds a dialog with its kind
    (``flows.dialogs``). Written out here, not through that module, so that changing it never
    changes what this migration did."""
    for row in list(db.query("select id, pending from users where pending is not null")):
        try:
            old = json.loads(row["pending"])
        except ValueError:
            old = None
        if isinstance(old, dict) and "dialog" in old:
            continue
        new: dict[str, object] | None = None
        if isinstance(old, dict) and isinstance(old.get("again"), int):
            new = {"dialog": "called_again", "case": old["again"]}
        elif isinstance(old, dict) and isinstance(old.get("case"), int) and old.get("kind"):
            new = {"dialog": "letter", "case": old["case"], "letter": old["kind"]}
            for name in ("step", "office", "name", "address", "phone"):
                new[name] = old.get(name)
        value = json.dumps(new, ensure_ascii=False) if new else None
        db.execute("update users set pending = ? where id = ?", [value, row["id"]])


@migrations()
def m017_users_per_channel(db: Database) -> None:
    """A user is an account on one channel: (channel, external id), with the product's own
    id. Every user so far came from Telegram (or the shell, which acts as one), and keeps its
    id, its Telegram user id; a channel whose ids are not numbers (LINE) gets ids above every
    Telegram id (``flows.store.schema.OWN_IDS_FROM``)."""
    db.table("users").add_column("channel", str, not_null_default="telegram")
    db.table("users").add_column("external_id", str)
    db.execute("update users set external_id = cast(id as text) where external_id is null")
    db.execute(
        "create unique index if not exists idx_users_channel_external_id "
        "on users (channel, external_id)"
    )
    # The product's own ids, each used once: a row is inserted to draw one and deleted at
    # once; AUTOINCREMENT's sqlite_sequence keeps the last one, so an id freed by an erasure
    # is never given to someone else (and a restore carries it forward, as reminders' ids).
    db.execute("create table if not exists own_ids (id integer primary key autoincrement)")


@migrations()
def m018_reminders_routed_per_channel(db: Database) -> None:
    """Each waiting reminder carries the channel it goes out on (``route``), NULL while its
    user has blocked the bot, and the dispatchers' index is (route, due_at).

    A dispatcher asks for its channel's active users' reminders in due order; the index
    held every waiting reminder, so a batch read past all those of the other channel and
    of blocked users (who keep theirs until they write again) before finding its own:
    ~20 ms a batch on the event loop with 100k of them ahead (BENCHMARKS.md). A reminder
    gets its route in its INSERT (``Store.add_reminder``; m019 covers other writers); a
    trigger keeps the user's reminders following them, whoever writes, when they block the
    bot or come back."""
    db.table("reminders").add_column("route", str)
    db.execute(
        "update reminders set route = (select case when u.active = 1 then u.channel end "
        "from users u where u.id = reminders.user_id)"
    )
    db.execute(
        "create trigger if not exists reminders_route_on_user after update of active, channel "
        "on users when old.active is not new.active or old.channel is not new.channel "
        "begin update reminders set route = case when new.active = 1 then new.channel end "
        "where user_id = new.id; end"
    )
    db.execute("drop index if exists idx_reminders_waiting_due_at")
    db.execute(
        "create index if not exists idx_reminders_route_due_at on reminders (route, due_at) "
        "where status in ('pending', 'snoozed')"
    )


@migrations()
def m019_reminders_routed_whoever_inserts(db: Database) -> None:
    """A reminder inserted without a route (by a process still running code from before
    m018, or an operator's SQL) was never sent: it takes its user's now. Entered for every
    reminder inserted (``Store.add_reminder`` sets the route itself, so then it does nothing),
    and rows inserted so between m018 and this are given theirs."""
    db.execute(
        "create trigger if not exists reminders_route_on_insert after insert on reminders "
        "when new.route is null begin update reminders set route = (select case when "
        "active = 1 then channel end from users where id = new.user_id) where id = new.id; end"
    )
    db.execute(
        "update reminders set route = (select case when u.active = 1 then u.channel end "
        "from users u where u.id = reminders.user_id) where route is null"
    )


@migrations()
def m020_no_broker_without_a_case(db: Database) -> None:
    """A broker no case names any more (its case deleted, or the name corrected) is deleted
    since ``Store._recount_broker`` does so; the ones an earlier version left at 0 cases
    go here (zeroed in the file, ``secure_delete``)."""
    db.execute(
        "delete from brokers where id not in "
        "(select broker_id from cases where broker_id is not null)"
    )


@migrations()
def m021_source_named(db: Database) -> None:
    """Whether the caller named the source (``named`` at step 2, or after the call): a broker
    recorded after a skip or a call that ended was not named by them, and a letter must not
    say it was. Cases from before: named where the latest of their ``named`` steps and their
    steps back from the broker's field to the question is a ``named`` one."""
    db.table("cases").add_column("source_named", int, not_null_default=0)
    db.execute(
        "update cases set source_named = coalesce((select e.trigger = 'named' from events e "
        "where e.case_id = cases.id and e.kind = 'step' and (e.trigger = 'named' or "
        "(e.trigger = 'back' and e.state_from = 'recording_broker' "
        "and e.state_to in ('asking_source', 'after_source'))) order by e.id desc limit 1), 0)"
    )


@migrations()
def m022_erasures(db: Database) -> None:
    """Who erased everything (/forget), so that a restore of an older backup erases them
    again (``flows.store.backup``): per erasure, a SHA-256 of the user's id and the moment
    their row was created, which only the erased row (and its backups) held."""
    db.table("erasures").create({"token": str}, pk="token")


@migrations()
def m023_recipient_addresses(db: Database) -> None:
    """The postal addresses of a case's broker and calling company, asked when a request is
    written to them (a 内容証明 letter names its addressee's address), printed on it and
    offered again for the next letter."""
    cases = db.table("cases")
    cases.add_column("broker_address", str)
    cases.add_column("company_address", str)


@migrations()
def m024_open_dialogs_indexed(db: Database) -> None:
    """The users with a side dialog open: the upkeep's sweep of abandoned ones reads only
    those, however many users there are."""
    db.execute("create index users_pending on users(id) where pending is not null")
