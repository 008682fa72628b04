"""The rows the store hands out, as typed dictionaries: a misspelt column is a type error
(``case["compnay"]``), not a ``None`` read in silence. ``total=False``: a row read with a
narrower query (or a draft not yet stored) may lack columns; the schema says which are
NOT NULL (``flows.store.migrations``)."""

from __future__ import annotations

from typing import Any, TypedDict

# A table's rows as read for export: its column names, and each row as a tuple of values.
Table = tuple[tuple[str, ...], list[tuple[Any, ...]]]


class User(TypedDict, total=False):
    id: int
    language: str
    time_zone: str
    created_at: str
    active_case_id: int | None
    active: int
    quiet_hours: str
    sender_name: str | None
    sender_address: str | None
    sender_phone: str | None
    pending: str | None  # a dialog in progress (flows.dialogs), as JSON
    last_update_id: int | None
    recent_update_ids: str | None
    last_case_number: int
    shown_step: str | None
    channel: str  # the account's channel (m017): "telegram" or "line"
    external_id: str | None  # the account's id on that channel


class Case(TypedDict, total=False):
    id: int
    user_id: int
    number: int
    state: str
    mode: str
    seq: int
    opened_at: str
    updated_at: str
    call_at: str | None
    ended_at: str | None
    refused_at: str | None
    push_count: int | None
    source_unknown: int | None
    source_named: int | None
    broker_id: int | None
    broker_name: str | None
    broker_address: str | None
    company: str | None
    company_norm: str | None
    company_address: str | None
    person: str | None
    phone_raw: str | None
    phone_e164: str | None
    licence: str | None
    product: str | None
    product_kind: str | None
    outcome: str | None
    repeat_of: int | None
    repeat_refused_at: str | None
    fixing: int | None
    confirmed_at: str | None
    closed_at: str | None
    repeat_calls: int
    last_repeat_at: str | None
    letter_at: str | None
    not_refused: int


class Event(TypedDict, total=False):
    id: int
    user_id: int
    case_id: int
    at: str
    kind: str
    trigger: str | None
    state_from: str | None
    state_to: str | None
    detail: str | None


class Reminder(TypedDict, total=False):
    id: int
    user_id: int
    case_id: int
    kind: str
    due_at: str
    status: str
    attempts: int
    last_error: str | None
    created_at: str
    sent_at: str | None
    updated_at: str | None
    addressee: str | None
    via: str | None


class DueReminder(Reminder, total=False):
    """A reminder with what sending it needs from its user and case (``due_reminders``)."""

    language: str
    time_zone: str
    quiet_hours: str
    channel: str
    external_id: str | None
    number: int
    broker_name: str | None
    company: str | None
    phone_raw: str | None
    phone_e164: str | None
