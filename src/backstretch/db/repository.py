"""Every query the app makes, as functions with keyword-only arguments; rows become core values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from backstretch.core.records import (
    Activity,
    CheckinRecord,
    ItemRecord,
    SessionRecord,
    SessionStatus,
)
from backstretch.core.safety import BlockKind, StopSignal
from backstretch.core.screening import Restriction, ScreeningResult, Verdict
from backstretch.db.tables import (
    CheckinRow,
    ClearanceRow,
    OwnStretchRow,
    PreferencesRow,
    ProfileRow,
    PushSubscriptionRow,
    ReminderDeliveryRow,
    ReminderScheduleRow,
    RoutineRow,
    SafetyBlockRow,
    ScreeningRow,
    SessionItemRow,
    SessionRow,
    SharedRoutineRow,
)


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
    db: Session,
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
    db.add(row)
    db.flush()
    return _screening(row)


def latest_screening(*, db: Session) -> StoredScreening | None:
    """Return the most recently recorded screening, if any."""
    row = db.scalars(
        select(ScreeningRow).order_by(ScreeningRow.recorded_at.desc(), ScreeningRow.id.desc())
    ).first()
    return _screening(row) if row else None


def active_clearances(*, db: Session) -> tuple[str, ...]:
    """Return the ids cleared by a clinician whose clearance has not lapsed."""
    flags = db.scalars(
        select(ClearanceRow.flag).where(ClearanceRow.lapsed_at.is_(None)).order_by(ClearanceRow.id)
    )
    return tuple(dict.fromkeys(flags))


def add_clearance(*, db: Session, flag: str, at: datetime, timezone: str) -> None:
    """Record that a clinician has checked `flag` and said gentle exercise is fine."""
    db.add(ClearanceRow(flag=flag, recorded_at=at, timezone=timezone))
    db.flush()


def lapse_clearances(*, db: Session, flags: Iterable[str], at: datetime) -> None:
    """Mark the clearances of these flags as lapsed (the flag was answered "no" since)."""
    wanted = set(flags)
    if not wanted:
        return
    rows = db.scalars(
        select(ClearanceRow).where(ClearanceRow.lapsed_at.is_(None), ClearanceRow.flag.in_(wanted))
    )
    for row in rows:
        row.lapsed_at = at
    db.flush()


def open_blocks(*, db: Session) -> list[StoredBlock]:
    """Return the safety blocks still open, oldest first."""
    rows = db.scalars(
        select(SafetyBlockRow).where(SafetyBlockRow.closed_at.is_(None)).order_by(SafetyBlockRow.id)
    )
    return [_block(row) for row in rows]


def list_blocks(*, db: Session) -> list[StoredBlock]:
    """Return every safety block, open or closed, oldest first."""
    return [_block(r) for r in db.scalars(select(SafetyBlockRow).order_by(SafetyBlockRow.id))]


def open_block(
    *, db: Session, kind: BlockKind, reason: str, at: datetime, timezone: str, note: str = ""
) -> StoredBlock:
    """Open a safety block."""
    row = SafetyBlockRow(kind=kind.value, reason=reason, opened_at=at, timezone=timezone, note=note)
    db.add(row)
    db.flush()
    return _block(row)


def close_blocks(
    *,
    db: Session,
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
    for row in db.scalars(query):
        row.closed_at = at
        row.closed_by_screening_id = screening_id
        closed.append(_block(row))
    db.flush()
    return closed


# The profile -------------------------------------------------------------------------------------


def load_profile(*, db: Session) -> dict[str, Any] | None:
    """Return the remembered profile data, if any."""
    # The person's one row, whatever its id: ids are shared by everyone's rows.
    row = db.scalars(select(ProfileRow).order_by(ProfileRow.id).limit(1)).first()
    return dict(row.data) if row else None


def save_profile(*, db: Session, data: dict[str, Any], at: datetime) -> None:
    """Remember the profile for the next session."""
    row = db.scalars(select(ProfileRow).order_by(ProfileRow.id).limit(1)).first()
    if row is None:
        db.add(ProfileRow(data=data, updated_at=at))
    else:
        row.data = data
        row.updated_at = at
    db.flush()


def load_preferences(*, db: Session) -> dict[str, Any]:
    """Return the stored settings (empty when none were saved)."""
    row = db.scalars(select(PreferencesRow).order_by(PreferencesRow.id).limit(1)).first()
    return dict(row.data) if row else {}


def save_preferences(*, db: Session, data: dict[str, Any], at: datetime) -> None:
    """Store the settings."""
    row = db.scalars(select(PreferencesRow).order_by(PreferencesRow.id).limit(1)).first()
    if row is None:
        db.add(PreferencesRow(data=data, updated_at=at))
    else:
        row.data = data
        row.updated_at = at
    db.flush()


# Sessions ----------------------------------------------------------------------------------------


class DuplicateSession(ValueError):
    """A session with this uuid is already stored."""


def _session(row: SessionRow, items: Iterable[SessionItemRow]) -> SessionRecord:
    return SessionRecord(
        uuid=row.uuid,
        started_at=row.started_at,
        timezone=row.timezone,
        status=SessionStatus(row.status),
        routine_name=row.routine_name,
        planned_seconds=row.planned_seconds,
        # The item columns are named as the record's fields.
        items=tuple(
            ItemRecord(**{f.name: getattr(item, f.name) for f in fields(ItemRecord)})
            for item in sorted(items, key=lambda i: i.position)
        ),
        ended_at=row.ended_at,
        pain_before=row.pain_before,
        pain_after=row.pain_after,
        stop_signal=StopSignal(row.stop_signal) if row.stop_signal else None,
        stopped_stretch=row.stopped_stretch,
        source=row.source,
    )


def add_session(*, db: Session, record: SessionRecord, plan: dict[str, Any], at: datetime) -> None:
    """Store a new session with its items; a uuid already stored raises `DuplicateSession`."""
    if db.get(SessionRow, record.uuid) is not None:
        raise DuplicateSession(f"session {record.uuid} is already recorded")
    db.add(
        SessionRow(
            uuid=record.uuid,
            started_at=record.started_at,
            updated_at=at,
            ended_at=record.ended_at,
            timezone=record.timezone,
            status=record.status.value,
            source=record.source,
            routine_name=record.routine_name,
            plan=plan,
            planned_seconds=record.planned_seconds,
            pain_before=record.pain_before,
            pain_after=record.pain_after,
            stop_signal=record.stop_signal.value if record.stop_signal else None,
            stopped_stretch=record.stopped_stretch,
        )
    )
    db.flush()  # the parent row first: PostgreSQL checks the foreign key at once
    for item in record.items:
        db.add(SessionItemRow(session_uuid=record.uuid, **asdict(item)))
    db.flush()


def _items(db: Session, uuids: Iterable[str]) -> dict[str, list[SessionItemRow]]:
    wanted = list(uuids)
    grouped: dict[str, list[SessionItemRow]] = {uuid: [] for uuid in wanted}
    if wanted:
        rows = db.scalars(select(SessionItemRow).where(SessionItemRow.session_uuid.in_(wanted)))
        for row in rows:
            grouped[row.session_uuid].append(row)
    return grouped


def get_session(*, db: Session, uuid: str) -> SessionRecord | None:
    """Return one session with its items, if stored."""
    row = db.get(SessionRow, uuid)
    if row is None:
        return None
    return _session(row, _items(db, [uuid])[uuid])


def session_uuid_taken(*, db: Session, uuid: str) -> bool:
    """Tell whether anybody at all has a session with this uuid (uuids are unique server-wide)."""
    from backstretch.db.owners import ALL_OWNERS

    found = db.execute(
        select(SessionRow.uuid)
        .where(SessionRow.uuid == uuid)
        .execution_options(**{ALL_OWNERS: True})
    ).first()
    return found is not None


def session_fingerprints(*, db: Session, uuid: str) -> tuple[str | None, str | None]:
    """Return the fingerprints of what the player sent: its identity and its ending."""
    row = db.get(SessionRow, uuid)
    return (row.identity_hash, row.final_hash) if row else (None, None)


def set_session_fingerprints(
    *, db: Session, uuid: str, identity: str | None = None, final: str | None = None
) -> None:
    """Keep the fingerprints of what the player sent (None leaves one as it is)."""
    row = db.get(SessionRow, uuid)
    if row is None:
        return
    if identity is not None:
        row.identity_hash = identity
    if final is not None:
        row.final_hash = final
    db.flush()


def session_plan(*, db: Session, uuid: str) -> dict[str, Any] | None:
    """Return the routine a session was planned with."""
    row = db.get(SessionRow, uuid)
    return dict(row.plan) if row else None


def lock_session(*, db: Session, uuid: str) -> bool:
    """Hold the session's row until the transaction ends (another writer of it waits); tell
    whether it is stored.

    A no-op UPDATE, which both backends order: PostgreSQL locks the row, SQLite takes its one
    write lock. Nothing is locked for a uuid not stored yet: its insert clashes instead.
    """
    result = db.execute(
        update(SessionRow)
        .where(SessionRow.uuid == uuid)
        .values(updated_at=SessionRow.updated_at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def list_sessions(*, db: Session) -> list[SessionRecord]:
    """Return every session with its items, oldest first."""
    rows = list(db.scalars(select(SessionRow).order_by(SessionRow.started_at, SessionRow.uuid)))
    items = _items(db, [row.uuid for row in rows])
    return [_session(row, items[row.uuid]) for row in rows]


def latest_unfinished(*, db: Session) -> SessionRecord | None:
    """Return the newest session a player left unfinished (in progress or abandoned)."""
    row = db.scalars(
        select(SessionRow)
        .where(SessionRow.status.in_([SessionStatus.IN_PROGRESS, SessionStatus.ABANDONED]))
        .order_by(SessionRow.started_at.desc())
    ).first()
    return _session(row, _items(db, [row.uuid])[row.uuid]) if row else None


def record_item(
    *,
    db: Session,
    uuid: str,
    position: int,
    done_seconds: int,
    done_reps: int,
    skipped: bool,
    at: datetime,
) -> None:
    """Store what was done of one item so far."""
    item = db.scalars(
        select(SessionItemRow).where(
            SessionItemRow.session_uuid == uuid, SessionItemRow.position == position
        )
    ).one()
    item.done_seconds = done_seconds
    item.done_reps = done_reps
    item.skipped = skipped
    row = db.get(SessionRow, uuid)
    assert row is not None  # the item's foreign key guarantees it
    row.updated_at = at
    db.flush()


def update_session(
    *,
    db: Session,
    uuid: str,
    at: datetime,
    status: SessionStatus | None = None,
    ended_at: datetime | None = None,
    pain_after: int | None = None,
    stop_signal: StopSignal | None = None,
    stopped_stretch: str | None = None,
) -> None:
    """Change a session's status and how it ended; arguments left as None are kept."""
    row = db.get(SessionRow, uuid)
    if row is None:
        raise KeyError(uuid)
    row.updated_at = at
    if status is not None:
        row.status = status.value
    if ended_at is not None:
        row.ended_at = ended_at
    if pain_after is not None:
        row.pain_after = pain_after
    if stop_signal is not None:
        row.stop_signal = stop_signal.value
    if stopped_stretch is not None:
        row.stopped_stretch = stopped_stretch
    db.flush()


def set_source(*, db: Session, uuid: str, source: str) -> None:
    """Say how a session was recorded: by the player, or logged afterwards."""
    row = db.get(SessionRow, uuid)
    if row is None:
        raise KeyError(uuid)
    row.source = source
    db.flush()


# Check-ins ---------------------------------------------------------------------------------------


def add_checkin(*, db: Session, record: CheckinRecord) -> None:
    """Store a check-in."""
    activities = [{"name": a.name, "score": a.score} for a in record.activities]
    db.add(CheckinRow(at=record.at, timezone=record.timezone, activities=activities))
    db.flush()


def list_checkins(*, db: Session) -> list[CheckinRecord]:
    """Return every check-in, oldest first."""
    rows = db.scalars(select(CheckinRow).order_by(CheckinRow.at, CheckinRow.id))
    return [
        CheckinRecord(
            at=row.at,
            timezone=row.timezone,
            activities=tuple(Activity(a["name"], a["score"]) for a in row.activities),
        )
        for row in rows
    ]


# Own stretches -----------------------------------------------------------------------------------


def own_stretch_documents(*, db: Session) -> list[tuple[str, str]]:
    """Return `(stretch id, YAML text)` of the person's own stretches, by id."""
    rows = db.execute(
        select(OwnStretchRow.stretch_id, OwnStretchRow.document).order_by(OwnStretchRow.stretch_id)
    )
    return [(stretch_id, document) for stretch_id, document in rows]


def save_own_stretch(*, db: Session, stretch_id: str, document: str, at: datetime) -> None:
    """Store an own stretch, replacing the person's stretch with the same id."""
    query = select(OwnStretchRow).where(OwnStretchRow.stretch_id == stretch_id)
    row = db.scalars(query).first()
    if row is None:
        db.add(OwnStretchRow(stretch_id=stretch_id, document=document, added_at=at))
    else:
        row.document = document
        row.added_at = at
    db.flush()


def delete_own_stretch(*, db: Session, stretch_id: str) -> bool:
    """Delete one of the person's own stretches; tell whether there was one."""
    result = db.execute(delete(OwnStretchRow).where(OwnStretchRow.stretch_id == stretch_id))
    db.flush()
    return bool(getattr(result, "rowcount", 0))


# Saved routines ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredRoutine:
    """A routine a person saved: its name and its routine document (`{name, items}`)."""

    id: int
    name: str
    document: dict[str, Any]
    saved_at: datetime


class RoutineNameTaken(ValueError):
    """The person already has a routine with this name."""


def _routine(row: RoutineRow) -> StoredRoutine:
    return StoredRoutine(
        id=row.id, name=row.name, document=dict(row.document), saved_at=row.saved_at
    )


def save_routine(
    *, db: Session, name: str, document: dict[str, Any], at: datetime
) -> StoredRoutine:
    """Store a routine under a name the person does not use yet (else `RoutineNameTaken`)."""
    if find_routine(db=db, name=name) is not None:
        raise RoutineNameTaken(name)
    row = RoutineRow(name=name, document=document, saved_at=at)
    db.add(row)
    db.flush()
    return _routine(row)


def list_routines(*, db: Session) -> list[StoredRoutine]:
    """Return the person's saved routines, by name."""
    rows = db.scalars(select(RoutineRow).order_by(RoutineRow.name, RoutineRow.id))
    return [_routine(row) for row in rows]


def get_routine(*, db: Session, routine_id: int) -> StoredRoutine | None:
    """Return one of the person's saved routines by id (another person's is None too)."""
    row = db.scalars(select(RoutineRow).where(RoutineRow.id == routine_id)).first()
    return _routine(row) if row else None


def find_routine(*, db: Session, name: str) -> StoredRoutine | None:
    """Return the person's saved routine with this name, if any."""
    row = db.scalars(select(RoutineRow).where(RoutineRow.name == name)).first()
    return _routine(row) if row else None


def delete_routine(*, db: Session, routine_id: int) -> bool:
    """Delete one of the person's saved routines; tell whether there was one."""
    result = db.execute(delete(RoutineRow).where(RoutineRow.id == routine_id))
    db.flush()
    return bool(getattr(result, "rowcount", 0))


# Everything --------------------------------------------------------------------------------------

# Children before parents, so foreign keys never object.
ALL_TABLES = (
    ReminderDeliveryRow,
    PushSubscriptionRow,
    ReminderScheduleRow,
    RoutineRow,
    OwnStretchRow,
    SessionItemRow,
    SessionRow,
    CheckinRow,
    SafetyBlockRow,
    ClearanceRow,
    ScreeningRow,
    ProfileRow,
    PreferencesRow,
)
# Deleted with the rest, never exported: the reminders' working state on this server (which
# reminders went out, each device's push address and keys) and the schedule, which is set again
# after an import (its row is keyed by the owner, which an export leaves out).
NOT_EXPORTED = (ReminderDeliveryRow, PushSubscriptionRow, ReminderScheduleRow)


def delete_everything(*, db: Session) -> None:
    """Delete every stored row of the person's data."""
    for table in ALL_TABLES:
        db.execute(delete(table))
    db.flush()


def is_empty(*, db: Session) -> bool:
    """Tell whether no data at all is stored."""
    return all(db.scalars(select(table).limit(1)).first() is None for table in ALL_TABLES)


# The clinician summary (services/summary.py): the safety history, read only ---------------------


@dataclass(frozen=True)
class StoredClearance:
    """A clinician's clearance as stored: what was cleared, when, and when it lapsed."""

    flag: str
    recorded_at: datetime
    lapsed_at: datetime | None


def list_clearances(*, db: Session) -> list[StoredClearance]:
    """Return every clearance ever recorded, lapsed or not, oldest first."""
    rows = db.scalars(select(ClearanceRow).order_by(ClearanceRow.recorded_at, ClearanceRow.id))
    return [StoredClearance(row.flag, row.recorded_at, row.lapsed_at) for row in rows]


def list_screenings(*, db: Session) -> list[StoredScreening]:
    """Return every stored screening, oldest first."""
    rows = db.scalars(select(ScreeningRow).order_by(ScreeningRow.recorded_at, ScreeningRow.id))
    return [_screening(row) for row in rows]


# Routines shared by link (services/sharing.py) ---------------------------------------------------
# Not a person's rows but keys handed out, like logins: found by token from anyone's request, and
# listed or revoked only with the account id of the person who shared them.


@dataclass(frozen=True)
class StoredShare:
    """A routine shared by link: its token, the copy shared, and when."""

    id: int
    token: str
    name: str
    document: dict[str, Any]
    created_at: datetime


def _share(row: SharedRoutineRow) -> StoredShare:
    return StoredShare(row.id, row.token, row.name, dict(row.document), row.created_at)


def add_share(
    *, db: Session, account_id: int, token: str, name: str, document: dict[str, Any], at: datetime
) -> StoredShare:
    """Store a shared routine's copy under its token."""
    row = SharedRoutineRow(
        account_id=account_id, token=token, name=name, document=document, created_at=at
    )
    db.add(row)
    db.flush()
    return _share(row)


def find_share(*, db: Session, token: str) -> StoredShare | None:
    """Return the shared routine with this token, whoever shared it (None: no such link)."""
    row = db.scalars(select(SharedRoutineRow).where(SharedRoutineRow.token == token)).first()
    return _share(row) if row else None


def list_shares(*, db: Session, account_id: int) -> list[StoredShare]:
    """Return the routines this account shares, newest first."""
    rows = db.scalars(
        select(SharedRoutineRow)
        .where(SharedRoutineRow.account_id == account_id)
        .order_by(SharedRoutineRow.created_at.desc(), SharedRoutineRow.id.desc())
    )
    return [_share(row) for row in rows]


def delete_share(*, db: Session, account_id: int, share_id: int) -> bool:
    """Delete one of this account's shared routines; tell whether there was one."""
    result = db.execute(
        delete(SharedRoutineRow).where(
            SharedRoutineRow.id == share_id, SharedRoutineRow.account_id == account_id
        )
    )
    db.flush()
    return bool(getattr(result, "rowcount", 0))
