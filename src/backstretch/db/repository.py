"""Every query the app makes, as functions with keyword-only arguments; rows become core values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backstretch.core.safety import BlockKind
from backstretch.core.screening import Restriction, ScreeningResult, Verdict
from backstretch.db.tables import ClearanceRow, SafetyBlockRow, ScreeningRow


@dataclass(frozen=True)
class StoredScreening:
    """A screening as stored."""

    id: int
    answered_at: datetime
    recorded_at: datetime
    timezone: str
    answers: dict[str, Any]
    verdict: Verdict
    reasons: tuple[str, ...]
    missing: tuple[str, ...]
    cleared: tuple[str, ...]
    restrictions: tuple[Restriction, ...]
    pregnancy_weeks: int | None
    origin: str


@dataclass(frozen=True)
class StoredBlock:
    """A safety block as stored."""

    id: int
    kind: BlockKind
    reason: str
    opened_at: datetime
    closed_at: datetime | None
    note: str


def _screening(row: ScreeningRow) -> StoredScreening:
    return StoredScreening(
        id=row.id,
        answered_at=row.answered_at,
        recorded_at=row.recorded_at,
        timezone=row.timezone,
        answers=dict(row.answers),
        verdict=Verdict(row.verdict),
        reasons=tuple(row.reasons),
        missing=tuple(row.missing),
        cleared=tuple(row.cleared),
        restrictions=tuple(Restriction(r) for r in row.restrictions),
        pregnancy_weeks=row.pregnancy_weeks,
        origin=row.origin,
    )


def _block(row: SafetyBlockRow) -> StoredBlock:
    return StoredBlock(
        id=row.id,
        kind=BlockKind(row.kind),
        reason=row.reason,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        note=row.note,
    )


def save_screening(
    *,
    session: Session,
    result: ScreeningResult,
    answers: dict[str, Any],
    answered_at: datetime,
    recorded_at: datetime,
    timezone: str,
    origin: str = "answers",
) -> StoredScreening:
    """Store a screening result with the answers that led to it."""
    row = ScreeningRow(
        answered_at=answered_at,
        recorded_at=recorded_at,
        timezone=timezone,
        answers=answers,
        verdict=result.verdict.value,
        reasons=list(result.reasons),
        missing=list(result.missing),
        cleared=list(result.cleared),
        restrictions=[r.value for r in result.restrictions],
        pregnancy_weeks=result.pregnancy_weeks,
        origin=origin,
    )
    session.add(row)
    session.flush()
    return _screening(row)


def latest_screening(*, session: Session) -> StoredScreening | None:
    """Return the most recently recorded screening, if any."""
    row = session.scalars(
        select(ScreeningRow).order_by(ScreeningRow.recorded_at.desc(), ScreeningRow.id.desc())
    ).first()
    return _screening(row) if row else None


def list_screenings(*, session: Session) -> list[StoredScreening]:
    """Return every screening, oldest first."""
    rows = session.scalars(select(ScreeningRow).order_by(ScreeningRow.id))
    return [_screening(row) for row in rows]


def active_clearances(*, session: Session) -> tuple[str, ...]:
    """Return the ids cleared by a clinician whose clearance has not lapsed."""
    flags = session.scalars(
        select(ClearanceRow.flag).where(ClearanceRow.lapsed_at.is_(None)).order_by(ClearanceRow.id)
    )
    return tuple(dict.fromkeys(flags))


def add_clearance(*, session: Session, flag: str, at: datetime, timezone: str) -> None:
    """Record that a clinician has checked `flag` and said gentle exercise is fine."""
    session.add(ClearanceRow(flag=flag, recorded_at=at, timezone=timezone))
    session.flush()


def lapse_clearances(*, session: Session, flags: Iterable[str], at: datetime) -> None:
    """Mark the clearances of these flags as lapsed (the flag was answered "no" since)."""
    wanted = set(flags)
    if not wanted:
        return
    rows = session.scalars(
        select(ClearanceRow).where(ClearanceRow.lapsed_at.is_(None), ClearanceRow.flag.in_(wanted))
    )
    for row in rows:
        row.lapsed_at = at
    session.flush()


def open_blocks(*, session: Session) -> list[StoredBlock]:
    """Return the safety blocks still open, oldest first."""
    rows = session.scalars(
        select(SafetyBlockRow).where(SafetyBlockRow.closed_at.is_(None)).order_by(SafetyBlockRow.id)
    )
    return [_block(row) for row in rows]


def list_blocks(*, session: Session) -> list[StoredBlock]:
    """Return every safety block, open or closed, oldest first."""
    return [_block(r) for r in session.scalars(select(SafetyBlockRow).order_by(SafetyBlockRow.id))]


def open_block(
    *, session: Session, kind: BlockKind, reason: str, at: datetime, timezone: str, note: str = ""
) -> StoredBlock:
    """Open a safety block."""
    row = SafetyBlockRow(kind=kind.value, reason=reason, opened_at=at, timezone=timezone, note=note)
    session.add(row)
    session.flush()
    return _block(row)


def close_blocks(
    *,
    session: Session,
    at: datetime,
    kinds: Iterable[BlockKind] | None = None,
    reasons: Iterable[str] | None = None,
    screening_id: int | None = None,
) -> list[StoredBlock]:
    """Close the open blocks of these kinds (or with these reasons); return what was closed."""
    query = select(SafetyBlockRow).where(SafetyBlockRow.closed_at.is_(None))
    if kinds is not None:
        query = query.where(SafetyBlockRow.kind.in_([k.value for k in kinds]))
    if reasons is not None:
        query = query.where(SafetyBlockRow.reason.in_(list(reasons)))
    closed = []
    for row in session.scalars(query):
        row.closed_at = at
        row.closed_by_screening_id = screening_id
        closed.append(_block(row))
    session.flush()
    return closed
