"""Sessions as use cases: plan with progression, begin, save as it goes, finish, resume, log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from backstretch.core.catalogue import Catalogue, UnknownStretchError
from backstretch.core.models import Sides
from backstretch.core.planner import Plan, Request, Strategy
from backstretch.core.player import item_spans
from backstretch.core.profile import Profile
from backstretch.core.progression import (
    ChangeKind,
    Progress,
    describe_dose_change,
    progress,
)
from backstretch.core.records import ItemRecord, SessionRecord, SessionStatus
from backstretch.core.safety import BlockKind, StopSignal, pain_pause_due, stop_outcome
from backstretch.core.screening import Restriction, ScreeningGuide
from backstretch.core.timeline import ItemDose, RoutineItem, Segment, TimelineSettings, timeline
from backstretch.db import repository
from backstretch.services.planning import PlanOutcome, make_plan

PAIN_PAUSE_REASON = "pain_rose_twice"


class SessionError(ValueError):
    """A session cannot be begun, resumed or logged; the message says why."""


# Planning the next session -----------------------------------------------------------------------


@dataclass(frozen=True)
class NextPlan:
    """A plan for today with the progression behind it and what changed since last time."""

    outcome: PlanOutcome
    progress: Progress
    changes: tuple[str, ...]


def _previous_doses(
    session: Session, records: Sequence[SessionRecord]
) -> dict[str, dict[str, Any]]:
    for record in reversed(records):
        if record.source == "player" and record.reads_as is not SessionStatus.ABANDONED:
            stored = repository.session_plan(session=session, uuid=record.uuid) or {}
            return {item["stretch"]: item for item in stored.get("items", [])}
    return {}


def what_changed(
    plan: Plan,
    previous: dict[str, dict[str, Any]],
    progress_now: Progress,
    on: date,
    names: dict[str, str] | None = None,
) -> tuple[str, ...]:
    """Return, in words, how this plan differs from the last session's and why."""
    names = names or {}
    lines: list[str] = []
    latest = progress_now.latest
    if latest is not None and (on - latest.day).days < 7:
        if latest.kind is ChangeKind.RAISED:
            lines.append(f"One step up on {latest.day.isoformat()}: {latest.why}.")
        else:
            lines.append(f"Easing off since {latest.day.isoformat()}: {latest.why}.")
    if not previous:
        return tuple(lines)
    for planned in plan.items:
        item = planned.item
        before = previous.get(item.stretch.id)
        if before is None:
            lines.append(f"New today: {item.stretch.name}.")
            continue
        old = ItemDose(
            sets=before["sets"],
            reps=before["reps"],
            sides=Sides(before["sides"]),
            hold_seconds=before["hold_seconds"],
        )
        if change := describe_dose_change(old, item.dose):
            reason = f": {latest.why}" if latest else ""
            lines.append(f"{item.stretch.name}: {change}{reason}.")
    today = {p.item.stretch.id for p in plan.items}
    for stretch_id in previous:
        if stretch_id not in today:
            back = progress_now.rests_on(stretch_id, on)
            why = f" (resting until {back.isoformat()} after a stop)" if back else ""
            lines.append(f"Not today: {names.get(stretch_id, stretch_id)}{why}.")
    return tuple(lines)


def plan_next(
    session: Session,
    *,
    profile: Profile,
    catalogue: Catalogue,
    guide: ScreeningGuide,
    emergency_number: str,
    now: datetime,
    on: date,
    requests: Sequence[Request] | None = None,
    strategy: Strategy | None = None,
    settings: TimelineSettings | None = None,
) -> NextPlan:
    """Plan today's routine with the progression the stored sessions call for."""
    records = repository.list_sessions(session=session)
    progress_now = progress(records)
    outcome = make_plan(
        session,
        profile=profile,
        catalogue=catalogue,
        guide=guide,
        emergency_number=emergency_number,
        now=now,
        on=on,
        requests=requests,
        strategy=strategy,
        settings=settings,
        progress=progress_now,
    )
    changes: tuple[str, ...] = ()
    if outcome.plan is not None:
        names = {stretch.id: stretch.name for stretch in catalogue}
        previous = _previous_doses(session, records)
        changes = what_changed(outcome.plan, previous, progress_now, on, names)
    return NextPlan(outcome, progress_now, changes)


# Storing a session -------------------------------------------------------------------------------


def plan_document(
    items: Sequence[RoutineItem], settings: TimelineSettings, changes: Sequence[str] = ()
) -> dict[str, Any]:
    """Return what is stored of a planned routine: enough to rebuild its timeline."""
    return {
        "items": [{"stretch": i.stretch.id, **i.dose.to_json()} for i in items],
        "settings": {
            "lead_in_seconds": settings.lead_in_seconds,
            "transition_seconds": settings.transition_seconds,
            "rest_between_sets_seconds": settings.rest_between_sets_seconds,
            "rest_between_holds_seconds": settings.rest_between_holds_seconds,
        },
        "changes": list(changes),
    }


def routine_from_document(
    document: dict[str, Any], catalogue: Catalogue
) -> tuple[tuple[RoutineItem, ...], TimelineSettings]:
    """Rebuild a stored routine, or raise `SessionError` when a stretch no longer exists."""
    items = []
    for entry in document["items"]:
        try:
            stretch = catalogue.get(entry["stretch"])
        except UnknownStretchError:
            raise SessionError(
                f"the stretch '{entry['stretch']}' of this session is no longer in the catalogue"
            ) from None
        dose = ItemDose(
            sets=entry["sets"],
            reps=entry["reps"],
            sides=Sides(entry["sides"]),
            hold_seconds=entry["hold_seconds"],
            tempo=stretch.dose.tempo,
        )
        items.append(RoutineItem(stretch, dose))
    return tuple(items), TimelineSettings(**document["settings"])


def begin_session(
    session: Session,
    *,
    uuid: str,
    routine_name: str,
    items: Sequence[RoutineItem],
    settings: TimelineSettings,
    pain_before: int | None,
    now: datetime,
    timezone: str,
    changes: Sequence[str] = (),
) -> SessionRecord:
    """Store a new session, in progress, with every item's target."""
    segments = timeline(items, settings)
    record = SessionRecord(
        uuid=uuid,
        started_at=now,
        timezone=timezone,
        status=SessionStatus.IN_PROGRESS,
        routine_name=routine_name,
        planned_seconds=segments[-1].end_ms // 1000,
        items=tuple(
            ItemRecord(
                position=span.position,
                stretch=span.stretch,
                planned_seconds=span.planned_seconds,
                planned_reps=span.planned_reps,
            )
            for span in item_spans(segments)
        ),
        pain_before=pain_before,
    )
    try:
        repository.add_session(
            session=session,
            record=record,
            plan=plan_document(items, settings, changes),
            at=now,
        )
    except repository.DuplicateSession as error:
        raise SessionError(str(error)) from None
    return record


def save_items(session: Session, *, uuid: str, items: Sequence[ItemRecord], now: datetime) -> None:
    """Store what has been done of each item so far."""
    for item in items:
        repository.record_item(
            session=session,
            uuid=uuid,
            position=item.position,
            done_seconds=item.done_seconds,
            done_reps=item.done_reps,
            skipped=item.skipped,
            at=now,
        )


@dataclass(frozen=True)
class Ending:
    """What finishing a session did: the block it opened and the advice to show."""

    status: SessionStatus
    block: BlockKind | None = None
    advice: str | None = None
    paused: bool = False  # the pain rule paused the programme


def stop_advice(guide: ScreeningGuide, signal: StopSignal, emergency_number: str) -> str:
    """Return what to do now for a stop signal, in the screening's own words."""
    for text in guide.stop_signals:
        if text.id == signal.value:
            return text.advice.replace("{emergency_number}", emergency_number).strip()
    raise KeyError(signal.value)


def finish_session(
    session: Session,
    *,
    uuid: str,
    status: SessionStatus,
    now: datetime,
    timezone: str,
    guide: ScreeningGuide,
    emergency_number: str,
    pain_after: int | None = None,
    stop_signal: StopSignal | None = None,
    stopped_stretch: str | None = None,
) -> Ending:
    """Close a session and apply the stop and pain rules: blocks open as the rules say."""
    repository.update_session(
        session=session,
        uuid=uuid,
        at=now,
        status=status,
        ended_at=now,
        pain_after=pain_after,
        stop_signal=stop_signal,
        stopped_stretch=stopped_stretch,
    )
    block, advice = None, None
    if stop_signal is not None:
        outcome = stop_outcome(stop_signal)
        advice = stop_advice(guide, stop_signal, emergency_number)
        block = outcome.block
        if block is not None:
            repository.open_block(
                session=session, kind=block, reason=stop_signal.value, at=now, timezone=timezone
            )
    paused = False
    if pain_after is not None:
        # Only sessions since the last pause ended count: one more bad session after a fresh
        # screening is not yet "two in a row".
        ended = [
            b.closed_at
            for b in repository.list_blocks(session=session)
            if b.kind is BlockKind.PAIN_PAUSE and b.closed_at is not None
        ]
        since = max(ended) if ended else None
        finished = [
            r
            for r in reversed(repository.list_sessions(session=session))
            if r.status in (SessionStatus.COMPLETED, SessionStatus.STOPPED)
            and (since is None or r.started_at > since)
        ]
        already = any(
            b.kind is BlockKind.PAIN_PAUSE for b in repository.open_blocks(session=session)
        )
        if not already and pain_pause_due([(r.pain_before, r.pain_after) for r in finished]):
            repository.open_block(
                session=session,
                kind=BlockKind.PAIN_PAUSE,
                reason=PAIN_PAUSE_REASON,
                at=now,
                timezone=timezone,
            )
            paused = True
    return Ending(status=status, block=block, advice=advice, paused=paused)


def record_stop_signal(
    session: Session, *, uuid: str, signal: StopSignal, stretch: str | None, now: datetime
) -> None:
    """Note a signal that ended only a stretch (pain building): the next session eases off."""
    repository.update_session(
        session=session, uuid=uuid, at=now, stop_signal=signal, stopped_stretch=stretch
    )


# Resuming ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resumable:
    """An unfinished session, and the part of it still to do."""

    record: SessionRecord
    remaining: tuple[RoutineItem, ...]
    positions: tuple[int, ...]  # each remaining item's position in the original routine
    settings: TimelineSettings

    def segments(self) -> tuple[Segment, ...]:
        """Return the timeline of what is left."""
        return timeline(self.remaining, self.settings)


def find_resumable(session: Session, catalogue: Catalogue) -> Resumable | None:
    """Return the newest unfinished session with the items it has left, if any."""
    record = repository.latest_unfinished(session=session)
    if record is None:
        return None
    document = repository.session_plan(session=session, uuid=record.uuid)
    assert document is not None  # the record was just read
    items, settings = routine_from_document(document, catalogue)
    left = [
        (item, done) for item, done in zip(items, record.items, strict=True) if not done.finished
    ]
    return Resumable(
        record=record,
        remaining=tuple(item for item, _ in left),
        positions=tuple(done.position for _, done in left),
        settings=settings,
    )


def pregnant_now(session: Session) -> bool:
    """Tell whether the screening on file or the remembered profile says pregnant."""
    latest = repository.latest_screening(session=session)
    if latest is not None and Restriction.PREGNANT in latest.restrictions:
        return True
    profile = repository.load_profile(session=session) or {}
    return Restriction.PREGNANT.value in profile.get("restrictions", [])


def reopen(session: Session, *, uuid: str, now: datetime) -> None:
    """Mark an abandoned session as in progress again, for a player that resumes it."""
    repository.update_session(session=session, uuid=uuid, at=now, status=SessionStatus.IN_PROGRESS)


def shifted(items: Sequence[ItemRecord], positions: Sequence[int]) -> tuple[ItemRecord, ...]:
    """Map items of a resumed timeline back to their positions in the original routine."""
    return tuple(replace(item, position=positions[item.position]) for item in items)


def merged(earlier: ItemRecord, now_done: ItemRecord) -> ItemRecord:
    """Add what a resumed run did to what the first run had done of the same item."""
    return replace(
        earlier,
        done_seconds=min(earlier.planned_seconds, earlier.done_seconds + now_done.done_seconds),
        done_reps=min(earlier.planned_reps, earlier.done_reps + now_done.done_reps),
        skipped=now_done.skipped,
    )


# Logging a session done without the player -------------------------------------------------------


def log_session(
    session: Session,
    *,
    uuid: str,
    routine_name: str,
    items: Sequence[RoutineItem],
    settings: TimelineSettings,
    started_at: datetime,
    now: datetime,
    timezone: str,
    pain_before: int | None,
    pain_after: int | None,
    guide: ScreeningGuide,
    emergency_number: str,
) -> Ending:
    """Record a session done away from the player, as completed in full."""
    record = begin_session(
        session,
        uuid=uuid,
        routine_name=routine_name,
        items=items,
        settings=settings,
        pain_before=pain_before,
        now=started_at,
        timezone=timezone,
    )
    repository.update_session(session=session, uuid=uuid, at=now)
    save_items(
        session,
        uuid=uuid,
        items=[
            replace(i, done_seconds=i.planned_seconds, done_reps=i.planned_reps)
            for i in record.items
        ],
        now=now,
    )
    repository.set_source(session=session, uuid=uuid, source="log")
    return finish_session(
        session,
        uuid=uuid,
        status=SessionStatus.COMPLETED,
        now=now,
        timezone=timezone,
        guide=guide,
        emergency_number=emergency_number,
        pain_after=pain_after,
    )
