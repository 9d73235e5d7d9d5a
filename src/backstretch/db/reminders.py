"""Reminder schedules and deliveries: what was chosen, and what happened to each reminder.

A delivery is keyed by `Reminder.key` and unique per person, so recording one twice (two app
servers, the terminal and a push at once, a retry) leaves one row: `record_due` inserts with
"on conflict do nothing" and tells whether this call made the row. Web Push keys,
subscriptions and claiming due deliveries live in `db/push.py`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from backstretch.core.schedule import DeliveryState, Reminder, ReminderKind
from backstretch.db.owners import ALL_OWNERS, NoOwnerError, owner_of
from backstretch.db.tables import ReminderDeliveryRow, ReminderScheduleRow


@dataclass(frozen=True)
class StoredDelivery:
    """One reminder's fate as stored."""

    id: int
    kind: ReminderKind
    key: str
    due_at: datetime
    state: DeliveryState
    snoozed_until: datetime | None
    sent_at: datetime | None

    @property
    def next_due(self) -> datetime:
        """Return when it is due now: the end of its snooze, or its own due time."""
        if self.state is DeliveryState.SNOOZED and self.snoozed_until is not None:
            return self.snoozed_until
        return self.due_at


def _delivery(row: ReminderDeliveryRow) -> StoredDelivery:
    return StoredDelivery(
        id=row.id,
        kind=ReminderKind(row.kind),
        key=row.key,
        due_at=row.due_at,
        state=DeliveryState(row.state),
        snoozed_until=row.snoozed_until,
        sent_at=row.sent_at,
    )


# Schedules -------------------------------------------------------------------------------------


def load_schedule(*, db: Session) -> dict[str, Any] | None:
    """Return the person's schedule document, or None when they never set one."""
    row = db.scalars(select(ReminderScheduleRow)).first()
    return dict(row.document) if row is not None else None


def save_schedule(*, db: Session, document: dict[str, Any], at: datetime) -> None:
    """Store the person's schedule document, replacing the one before."""
    row = db.scalars(select(ReminderScheduleRow)).first()
    if row is None:
        db.add(ReminderScheduleRow(document=document, updated_at=at))
    else:
        row.document = document
        row.updated_at = at
    db.flush()


def owners_with_schedules(*, db: Session) -> list[int]:
    """Return every person who has a schedule (for the scheduler, which serves everyone)."""
    statement = select(ReminderScheduleRow.owner_id).order_by(ReminderScheduleRow.owner_id)
    return list(db.scalars(statement.execution_options(**{ALL_OWNERS: True})))


# Deliveries ------------------------------------------------------------------------------------


def _owner(db: Session) -> int:
    owner = owner_of(db)
    if owner is None:
        raise NoOwnerError("a delivery belongs to a person: use a session made for them")
    return owner


def insert_delivery_if_new(db: Session, values: dict[str, Any]) -> bool:
    """Insert a delivery unless its (owner, key) is there already; tell whether it was new.

    RETURNING answers a row only when this statement inserted it, on both backends.
    """
    table = cast(Table, ReminderDeliveryRow.__table__)
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(table).values(**values).on_conflict_do_nothing()
        result = db.execute(pg.returning(table.c.id))
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(table).values(**values).on_conflict_do_nothing()
        result = db.execute(lite.returning(table.c.id))
    return result.first() is not None


def record_due(
    *, db: Session, reminder: Reminder, state: DeliveryState = DeliveryState.DUE
) -> bool:
    """Record a reminder as due (or in `state`) unless it is recorded already; tell if it is new."""
    return insert_delivery_if_new(
        db,
        {
            "owner_id": _owner(db),
            "kind": reminder.kind.value,
            "key": reminder.key,
            "due_at": reminder.due,
            "state": state.value,
        },
    )


def get_delivery(*, db: Session, key: str) -> StoredDelivery | None:
    """Return the delivery of one reminder, or None if it was never recorded."""
    row = db.scalars(select(ReminderDeliveryRow).where(ReminderDeliveryRow.key == key)).first()
    return _delivery(row) if row is not None else None


def set_state(
    *,
    db: Session,
    reminder: Reminder,
    state: DeliveryState,
    at: datetime,
    snoozed_until: datetime | None = None,
) -> StoredDelivery:
    """Record what happened to a reminder, creating its delivery if it was never recorded.

    `sent` stamps `sent_at`; `snoozed` keeps `snoozed_until`; any other state clears it.
    """
    record_due(db=db, reminder=reminder, state=state)
    values: dict[str, Any] = {
        "state": state.value,
        "snoozed_until": snoozed_until if state is DeliveryState.SNOOZED else None,
    }
    if state is DeliveryState.SENT:
        values["sent_at"] = at
    db.execute(
        update(ReminderDeliveryRow).where(ReminderDeliveryRow.key == reminder.key).values(**values)
    )
    db.flush()
    stored = get_delivery(db=db, key=reminder.key)
    assert stored is not None
    return stored


def mark_sent_if_due(*, db: Session, key: str, at: datetime) -> bool:
    """Turn a due (or snoozed) delivery into sent; tell whether this call did it (else it was
    sent, skipped or dropped already)."""
    result = db.execute(
        update(ReminderDeliveryRow)
        .where(
            ReminderDeliveryRow.key == key,
            ReminderDeliveryRow.state.in_([DeliveryState.DUE.value, DeliveryState.SNOOZED.value]),
        )
        .values(state=DeliveryState.SENT.value, sent_at=at, snoozed_until=None)
    )
    db.flush()
    return bool(getattr(result, "rowcount", 0))


def list_deliveries(
    *, db: Session, since: datetime | None = None, kind: ReminderKind | None = None
) -> list[StoredDelivery]:
    """Return the person's deliveries due since a moment (all if None), oldest first."""
    statement = select(ReminderDeliveryRow).order_by(
        ReminderDeliveryRow.due_at, ReminderDeliveryRow.key
    )
    if since is not None:
        statement = statement.where(ReminderDeliveryRow.due_at >= since)
    if kind is not None:
        statement = statement.where(ReminderDeliveryRow.kind == kind.value)
    return [_delivery(row) for row in db.scalars(statement)]


def drop_pending(*, db: Session, after: datetime, keep: Collection[str] = ()) -> int:
    """Mark the due and snoozed deliveries from a moment on as dropped, except those in `keep`
    (reminders turned off, or no longer in a changed schedule); return how many."""
    statement = update(ReminderDeliveryRow).where(
        ReminderDeliveryRow.state.in_([DeliveryState.DUE.value, DeliveryState.SNOOZED.value]),
        (ReminderDeliveryRow.due_at >= after) | (ReminderDeliveryRow.snoozed_until >= after),
    )
    if keep:
        statement = statement.where(ReminderDeliveryRow.key.not_in(list(keep)))
    result = db.execute(statement.values(state=DeliveryState.DROPPED.value, snoozed_until=None))
    db.flush()
    return int(getattr(result, "rowcount", 0))
