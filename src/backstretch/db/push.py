"""Web Push in the database: the server's VAPID key pair, each device's subscription, the
scheduler's checkpoint, and claiming due reminders so that exactly one app server sends each.

The key pair and the checkpoint are the deployment's (no owner). Subscriptions and deliveries
are a person's rows: the scheduler serves everyone, so its queries say so explicitly
(`ALL_OWNERS`) and name the owner in every statement; a page's session sees only its person's.

Claiming (see `claim_due`): one short transaction selects due rows with `FOR UPDATE SKIP
LOCKED` on PostgreSQL, so a second server passes over rows the first is claiming instead of
waiting for them, and turns each into `sent` with a conditional UPDATE (`WHERE state = <the
state it was read in>`). The conditional UPDATE alone is what makes the claim exclusive, on
SQLite too (which has no row locks: one writer at a time, and the loser's UPDATE matches no
row); SKIP LOCKED only spares PostgreSQL servers from queueing behind each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backstretch.core.schedule import DeliveryState
from backstretch.db.owners import ALL_OWNERS, NoOwnerError, owner_of
from backstretch.db.reminders import insert_delivery_if_new
from backstretch.db.tables import (
    PreferencesRow,
    PushKeyRow,
    PushSubscriptionRow,
    ReminderDeliveryRow,
    ReminderScheduleRow,
    SchedulerCheckpointRow,
)

EVERYONE = {ALL_OWNERS: True}
KEY_ID = 1  # one key pair per deployment: the fixed id makes "made once" a primary-key fact


@dataclass(frozen=True)
class StoredKey:
    """The server's VAPID key pair: the private key as PEM, the public one as base64url."""

    private_pem: str
    public_key: str


@dataclass(frozen=True)
class Subscription:
    """One device's push subscription (the browser's `PushSubscription.toJSON()`)."""

    id: int
    owner_id: int
    endpoint: str
    p256dh: str
    auth: str
    user_agent: str
    created_at: datetime

    def info(self) -> dict[str, Any]:
        """Return the subscription in the form a Web Push sender takes."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


@dataclass(frozen=True)
class Claimed:
    """A delivery this server claimed: it is `sent` now, stamped `claimed_at`."""

    id: int
    owner_id: int
    kind: str
    key: str
    due_at: datetime  # when it was meant to go: the end of its snooze, or its own due time
    claimed_at: datetime
    snoozed: bool = False  # it was claimed at the end of a snooze


def _subscription(row: PushSubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        owner_id=row.owner_id,
        endpoint=row.endpoint,
        p256dh=row.p256dh,
        auth=row.auth,
        user_agent=row.user_agent,
        created_at=row.created_at,
    )


# The key pair ------------------------------------------------------------------------------------


def load_key(*, db: Session) -> StoredKey | None:
    """Return the deployment's VAPID key pair, or None before the first is made."""
    row = db.get(PushKeyRow, KEY_ID, populate_existing=True)
    return StoredKey(row.private_key, row.public_key) if row is not None else None


def add_key(*, db: Session, private_pem: str, public_key: str, at: datetime) -> StoredKey:
    """Keep a new key pair unless another server kept one first; return the one kept."""
    try:
        with db.begin_nested():
            db.add(
                PushKeyRow(id=KEY_ID, private_key=private_pem, public_key=public_key, created_at=at)
            )
            db.flush()
    except IntegrityError:
        pass  # another app server made it at the same moment: everyone uses theirs
    stored = load_key(db=db)
    assert stored is not None
    return stored


# Subscriptions -----------------------------------------------------------------------------------


def save_subscription(
    *,
    db: Session,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str,
    at: datetime,
    login_token_hash: str | None = None,
) -> tuple[Subscription, bool]:
    """Keep this person's subscription for one device; return it and whether it is new.

    The endpoint names the device: the same endpoint again updates its keys, and notes the
    login saving it now (`login_token_hash`, None without accounts), so logging out of that
    login forgets it even when an older login saved it first. An endpoint kept for someone
    else (a shared browser, the other person logged out) moves to this person, so one device
    never shows another person's reminders.
    """
    owner = owner_of(db)
    if owner is None:
        raise NoOwnerError("a subscription belongs to a person: use a session made for them")
    found = db.scalars(
        select(PushSubscriptionRow)
        .where(PushSubscriptionRow.endpoint == endpoint)
        .execution_options(**EVERYONE)
    ).first()
    if found is not None and found.owner_id == owner:
        found.p256dh, found.auth, found.user_agent = p256dh, auth, user_agent
        found.login_token_hash = login_token_hash
        db.flush()
        return _subscription(found), False
    if found is not None:
        db.execute(
            delete(PushSubscriptionRow)
            .where(PushSubscriptionRow.id == found.id)
            .execution_options(**EVERYONE)
        )
    row = PushSubscriptionRow(
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
        user_agent=user_agent,
        created_at=at,
        login_token_hash=login_token_hash,
    )
    db.add(row)
    db.flush()
    return _subscription(row), True


def delete_subscription(*, db: Session, endpoint: str) -> bool:
    """Forget this person's subscription for one device; tell whether there was one."""
    result = db.execute(delete(PushSubscriptionRow).where(PushSubscriptionRow.endpoint == endpoint))
    return bool(getattr(result, "rowcount", 0))


def list_subscriptions(*, db: Session) -> list[Subscription]:
    """Return this person's subscriptions, oldest first."""
    rows = db.scalars(select(PushSubscriptionRow).order_by(PushSubscriptionRow.id))
    return [_subscription(row) for row in rows]


def subscriptions_of(*, db: Session, owner_id: int) -> list[Subscription]:
    """Return one person's subscriptions, for the scheduler (which serves everyone)."""
    rows = db.scalars(
        select(PushSubscriptionRow)
        .where(PushSubscriptionRow.owner_id == owner_id)
        .order_by(PushSubscriptionRow.id)
        .execution_options(**EVERYONE)
    )
    return [_subscription(row) for row in rows]


def drop_subscription(*, db: Session, subscription_id: int) -> None:
    """Forget a subscription the push service says is gone (404 or 410)."""
    db.execute(
        delete(PushSubscriptionRow)
        .where(PushSubscriptionRow.id == subscription_id)
        .execution_options(**EVERYONE)
    )


def forget_login_subscriptions(*, db: Session, login_token_hash: str) -> int:
    """Forget the subscriptions one login saved (it is logging out); return how many.

    A session made for nobody runs it, with the login's own row: a login's hash belongs to one
    person, so it names the rows without an owner."""
    result = db.execute(
        delete(PushSubscriptionRow)
        .where(PushSubscriptionRow.login_token_hash == login_token_hash)
        .execution_options(**EVERYONE)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def move_login_subscriptions(*, db: Session, owner_id: int, from_hash: str, to_hash: str) -> None:
    """Note a new login on the subscriptions an ending one saved: the browser that changed
    its password carries on under the new login, and logging out of it still forgets them."""
    db.execute(
        update(PushSubscriptionRow)
        .where(
            PushSubscriptionRow.owner_id == owner_id,
            PushSubscriptionRow.login_token_hash == from_hash,
        )
        .values(login_token_hash=to_hash)
        .execution_options(**EVERYONE)
    )


# The scheduler -----------------------------------------------------------------------------------


def load_checkpoint(*, db: Session, name: str) -> datetime | None:
    """Return how far the scheduler `name` has looked, or None before its first look."""
    row = db.get(SchedulerCheckpointRow, name, populate_existing=True)
    return row.at if row is not None else None


def advance_checkpoint(*, db: Session, name: str, to: datetime) -> None:
    """Move the checkpoint forward to `to` (never back: a server whose clock is behind leaves
    it where a faster one put it)."""
    moved = db.execute(
        update(SchedulerCheckpointRow)
        .where(SchedulerCheckpointRow.name == name, SchedulerCheckpointRow.at < to)
        .values(at=to)
    )
    if getattr(moved, "rowcount", 0) or load_checkpoint(db=db, name=name) is not None:
        return
    try:
        with db.begin_nested():
            db.add(SchedulerCheckpointRow(name=name, at=to))
            db.flush()
    except IntegrityError:
        pass  # another server started the checkpoint at the same moment


def _has_subscription() -> Any:
    return exists().where(PushSubscriptionRow.owner_id == ReminderScheduleRow.owner_id)


@dataclass(frozen=True)
class Subscribed:
    """A person the scheduler serves: their schedule document and their time-zone setting."""

    owner_id: int
    document: dict[str, Any]
    timezone: str | None  # None: the server's default zone


def subscribed_schedules(*, db: Session) -> list[Subscribed]:
    """Return everyone with a schedule and a device to tell, with their time-zone setting.

    People with no subscription are left to their other reminders (the terminal's `breaks`
    companion claims the same deliveries: a push scheduler must not take them for nobody).
    """
    statement = (
        select(ReminderScheduleRow.owner_id, ReminderScheduleRow.document, PreferencesRow.data)
        .outerjoin(PreferencesRow, PreferencesRow.owner_id == ReminderScheduleRow.owner_id)
        .where(_has_subscription())
        .order_by(ReminderScheduleRow.owner_id)
        .execution_options(**EVERYONE)
    )
    found = []
    for owner, document, preferences in db.execute(statement):
        zone = (preferences or {}).get("timezone")
        found.append(Subscribed(owner, dict(document), zone if isinstance(zone, str) else None))
    return found


def claim_due(*, db: Session, now: datetime, limit: int = 500) -> list[Claimed]:
    """Claim up to `limit` deliveries due by `now` for people with a device: each becomes
    `sent` (stamped `now`) in this transaction, and no other server can claim it again.

    Due means `due` with its time come, or `snoozed` with its snooze over.
    """
    subscribed = exists().where(PushSubscriptionRow.owner_id == ReminderDeliveryRow.owner_id)
    due = or_(
        and_(
            ReminderDeliveryRow.state == DeliveryState.DUE.value, ReminderDeliveryRow.due_at <= now
        ),
        and_(
            ReminderDeliveryRow.state == DeliveryState.SNOOZED.value,
            ReminderDeliveryRow.snoozed_until <= now,
        ),
    )
    candidates = db.execute(
        select(
            ReminderDeliveryRow.id,
            ReminderDeliveryRow.owner_id,
            ReminderDeliveryRow.kind,
            ReminderDeliveryRow.key,
            ReminderDeliveryRow.due_at,
            ReminderDeliveryRow.state,
            ReminderDeliveryRow.snoozed_until,
        )
        .where(due, subscribed)
        .order_by(ReminderDeliveryRow.due_at, ReminderDeliveryRow.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=ReminderDeliveryRow)
        .execution_options(**EVERYONE)
    ).all()
    claimed = []
    for row in candidates:
        won = db.execute(
            update(ReminderDeliveryRow)
            .where(ReminderDeliveryRow.id == row.id, ReminderDeliveryRow.state == row.state)
            .values(state=DeliveryState.SENT.value, sent_at=now, snoozed_until=None)
            .execution_options(**EVERYONE)
        )
        if getattr(won, "rowcount", 0) == 1:
            meant = row.snoozed_until if row.state == DeliveryState.SNOOZED.value else row.due_at
            snoozed = row.state == DeliveryState.SNOOZED.value
            claimed.append(
                Claimed(row.id, row.owner_id, row.kind, row.key, meant, now, snoozed=snoozed)
            )
    return claimed


def settle(*, db: Session, claimed: Claimed, state: DeliveryState) -> bool:
    """Change a claimed delivery's state after the attempt (`dropped`: not to be sent; `due`:
    try again next time, as it was: due, or at the end of its snooze), unless the person acted
    on it meanwhile; tell whether it changed."""
    values: dict[str, Any] = {"state": state.value, "sent_at": None}
    if state is DeliveryState.DUE and claimed.snoozed:
        values.update(state=DeliveryState.SNOOZED.value, snoozed_until=claimed.due_at)
    result = db.execute(
        update(ReminderDeliveryRow)
        .where(
            ReminderDeliveryRow.id == claimed.id,
            ReminderDeliveryRow.state == DeliveryState.SENT.value,
            ReminderDeliveryRow.sent_at == claimed.claimed_at,
        )
        .values(**values)
        .execution_options(**EVERYONE)
    )
    return bool(getattr(result, "rowcount", 0))


def record_notice(*, db: Session, owner_id: int, kind: str, key: str, at: datetime) -> bool:
    """Record a one-off notice (such as a safety block's advice) as sent, unless it was
    recorded before; tell whether this call recorded it (and so should send it)."""
    values = {
        "owner_id": owner_id,
        "kind": kind,
        "key": key,
        "due_at": at,
        "state": DeliveryState.SENT.value,
        "sent_at": at,
    }
    return insert_delivery_if_new(db, values)
