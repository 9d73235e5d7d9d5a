"""Counters of attempts (password checks, registrations, documents drawn) that every app server
shares.

One row per key, locked while an attempt is counted: a burst of concurrent attempts is counted
one after another, on PostgreSQL (the row's lock) and on SQLite (the first statement writes, and
SQLite has one writer), so a limit of five lets exactly five through. The rules (how many, how
often) are the use cases' (`services/accounts.py`, `services/documents.py`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from backstretch.db.tables import AttemptCounterRow


@dataclass(frozen=True)
class Counter:
    """A key's attempts so far: how many since `started_at`, the last at `last_at` (a key not
    seen before counts 0, started now)."""

    key: str
    count: int
    started_at: datetime
    last_at: datetime


def counter_key(kind: str, *parts: str) -> str:
    """Return a counter's key: its kind and a hash of what it counts (no name or address kept)."""
    digest = hashlib.sha256("\x00".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{kind}:{digest}"


def _insert_missing(db: Session, key: str, now: datetime) -> Executable:
    values = {"key": key, "count": 0, "started_at": now, "last_at": now}
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return (
            postgresql_insert(AttemptCounterRow)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["key"])
        )
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return (
        sqlite_insert(AttemptCounterRow)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["key"])
    )


def lock_counters(*, db: Session, keys: Iterable[str], now: datetime) -> dict[str, Counter]:
    """Return the counters of these keys, held until the transaction ends: another transaction
    counting the same key waits until this one commits or rolls back."""
    wanted = sorted(set(keys))  # always locked in the same order: no deadlock between two
    for key in wanted:
        # A write first, even for a key seen before: on SQLite it takes the one write lock.
        db.execute(_insert_missing(db, key, now))
    rows = db.scalars(
        select(AttemptCounterRow).where(AttemptCounterRow.key.in_(wanted)).with_for_update()
    )
    return {row.key: Counter(row.key, row.count, row.started_at, row.last_at) for row in rows}


def save_counter(*, db: Session, counter: Counter) -> None:
    """Store a counter locked with `lock_counters`."""
    db.execute(
        update(AttemptCounterRow)
        .where(AttemptCounterRow.key == counter.key)
        .values(count=counter.count, started_at=counter.started_at, last_at=counter.last_at)
    )


def forget_counter(*, db: Session, key: str) -> None:
    """Start a key afresh (after a successful login, say)."""
    db.execute(delete(AttemptCounterRow).where(AttemptCounterRow.key == key))


def prune_counters(*, db: Session, before: datetime) -> None:
    """Delete the counters of keys not seen since `before`: they would start afresh anyway."""
    db.execute(delete(AttemptCounterRow).where(AttemptCounterRow.last_at < before))
