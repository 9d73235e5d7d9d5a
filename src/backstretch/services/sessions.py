"""Stretching sessions as use cases: begin, save as it goes, finish, stop, resume, log, and the
browser's report of a session (`record_session`), each in its own committed transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from backstretch.core.catalogue import Catalogue, UnknownStretchError
from backstretch.core.models import Place, Sides
from backstretch.core.player import item_spans
from backstretch.core.records import CheckinRecord, ItemRecord, SessionRecord, SessionStatus
from backstretch.core.safety import BlockKind, StopSignal, pain_pause_due, stop_outcome
from backstretch.core.screening import Restriction, ScreeningGuide
from backstretch.core.timeline import ItemDose, RoutineItem, Segment, TimelineSettings, timeline
from backstretch.db import repository
from backstretch.services.errors import Blocked, Conflict, Invalid, NotFound
from backstretch.services.planning import PlanChoice, TodayPlan, plan_today
from backstretch.services.screening import current_gate_in

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backstretch.services.context import PersonContext

PAIN_PAUSE_REASON = "pain_rose_twice"
FINAL = (SessionStatus.COMPLETED, SessionStatus.STOPPED, SessionStatus.ABANDONED)
NOT_NOW = "safety does not allow a session now: the weekly check is due or a block is open"
# What any session may hold, from the player, the terminal or an import (`services.your_data`).
PAIN_SCALE = range(0, 11)  # 0 = no pain, 10 = the worst imaginable
MAX_ITEMS = 100
MAX_SESSION_SECONDS = 4 * 60 * 60
MAX_REPS_PER_ITEM = 1000
# A check-in rates up to three everyday activities, each named in a few words.
MAX_ACTIVITIES = 3
MAX_ACTIVITY_NAME = 80
# How far ahead of the server's clock a player's may run: a session cannot start later than this.
CLOCK_SKEW = timedelta(days=1)


class SessionError(Invalid):
    """A session cannot be begun, resumed or logged; the message says why."""


def check_pain(value: int | None, field: str) -> None:
    """Raise `Invalid` unless `value` is on the 0-10 pain scale (or not given)."""
    if value is not None and (isinstance(value, bool) or value not in PAIN_SCALE):
        raise Invalid(f"{field}: pain is rated 0 to 10, not {value!r}", field=field)


# Storing a session -------------------------------------------------------------------------------


def plan_document(
    items: Sequence[RoutineItem], settings: TimelineSettings, changes: Sequence[str] = ()
) -> dict[str, Any]:
    """Return what is stored of a planned routine: enough to rebuild its timeline."""
    return {
        "items": [
            {"stretch": i.stretch.id, "way": i.way.place.value, **i.dose.to_json()} for i in items
        ],
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
        # Sessions stored before stretches had ways were done the usual way.
        items.append(RoutineItem(stretch, dose, stretch.way_at(entry.get("way"))))
    return tuple(items), TimelineSettings(**document["settings"])


def _begin(
    db: Session,
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
    check_pain(pain_before, "pain_before")
    if len(items) > MAX_ITEMS:
        raise SessionError(f"a session has at most {MAX_ITEMS} stretches")
    segments = timeline(items, settings)
    if segments[-1].end_ms // 1000 > MAX_SESSION_SECONDS:
        raise SessionError(f"a session lasts at most {MAX_SESSION_SECONDS // 3600} hours")
    spans = item_spans(segments)
    record = SessionRecord(
        uuid=uuid,
        started_at=now,
        timezone=timezone,
        status=SessionStatus.IN_PROGRESS,
        routine_name=routine_name,
        # Stretching time, as "done" is counted: get-ready, rests and transitions are neither.
        planned_seconds=sum(span.planned_seconds for span in spans),
        items=tuple(
            ItemRecord(
                position=span.position,
                stretch=span.stretch,
                planned_seconds=span.planned_seconds,
                planned_reps=span.planned_reps,
            )
            for span in spans
        ),
        pain_before=pain_before,
    )
    # A uuid stored already raises `repository.DuplicateSession`: each caller says what it means.
    repository.add_session(
        db=db, record=record, plan=plan_document(items, settings, changes), at=now
    )
    return record


def _save_items(db: Session, *, uuid: str, items: Sequence[ItemRecord], now: datetime) -> None:
    """Store what has been done of each item so far."""
    for item in items:
        repository.record_item(
            db=db,
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


def _finish(
    db: Session,
    person: PersonContext,
    *,
    uuid: str,
    status: SessionStatus,
    now: datetime,
    pain_after: int | None = None,
    stop_signal: StopSignal | None = None,
    stopped_stretch: str | None = None,
) -> Ending:
    """Close a session and apply the stop and pain rules: blocks open as the rules say."""
    check_pain(pain_after, "pain_after")
    repository.update_session(
        db=db,
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
        advice = stop_advice(person.guide, stop_signal, person.emergency_number)
        block = outcome.block
        if block is not None:
            repository.open_block(
                db=db,
                kind=block,
                reason=stop_signal.value,
                at=now,
                timezone=person.timezone,
            )
    paused = False
    if pain_after is not None:
        # Only sessions since the last pause ended count: one more bad session after a fresh
        # screening is not yet "two in a row".
        ended = [
            b.closed_at
            for b in repository.list_blocks(db=db)
            if b.kind is BlockKind.PAIN_PAUSE and b.closed_at is not None
        ]
        since = max(ended) if ended else None
        finished = [
            r
            for r in reversed(repository.list_sessions(db=db))
            if r.status in (SessionStatus.COMPLETED, SessionStatus.STOPPED)
            and (since is None or r.started_at > since)
        ]
        already = any(b.kind is BlockKind.PAIN_PAUSE for b in repository.open_blocks(db=db))
        if not already and pain_pause_due([(r.pain_before, r.pain_after) for r in finished]):
            repository.open_block(
                db=db,
                kind=BlockKind.PAIN_PAUSE,
                reason=PAIN_PAUSE_REASON,
                at=now,
                timezone=person.timezone,
            )
            paused = True
    return Ending(status=status, block=block, advice=advice, paused=paused)


def _note_stop(
    db: Session, *, uuid: str, signal: StopSignal, stretch: str | None, now: datetime
) -> None:
    """Note a signal that ended only a stretch (pain building): the next session eases off."""
    repository.update_session(db=db, uuid=uuid, at=now, stop_signal=signal, stopped_stretch=stretch)


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


def _find_resumable(db: Session, catalogue: Catalogue) -> Resumable | None:
    """Return the newest unfinished session with the items it has left, if any."""
    record = repository.latest_unfinished(db=db)
    if record is None:
        return None
    document = repository.session_plan(db=db, uuid=record.uuid)
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


def _pregnant_now(db: Session) -> bool:
    """Tell whether the screening on file or the remembered profile says pregnant."""
    latest = repository.latest_screening(db=db)
    if latest is not None and Restriction.PREGNANT in latest.restrictions:
        return True
    profile = repository.load_profile(db=db) or {}
    return Restriction.PREGNANT.value in profile.get("restrictions", [])


def _reopen(db: Session, *, uuid: str, now: datetime) -> None:
    """Mark an abandoned session as in progress again, for a player that resumes it."""
    repository.update_session(db=db, uuid=uuid, at=now, status=SessionStatus.IN_PROGRESS)


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


# The use cases -----------------------------------------------------------------------------------


def stop_advice_for(person: PersonContext, signal: StopSignal) -> str:
    """Return what to do now for a stop signal, with the person's emergency number."""
    return stop_advice(person.guide, signal, person.emergency_number)


def begin_session(
    person: PersonContext, today: TodayPlan, *, pain_before: int | None, uuid: str
) -> SessionRecord:
    """Store a new session of today's plan, in progress, once safety allows playing it."""
    with person.transaction() as db:
        if not current_gate_in(db, now=person.now()).may_play:
            raise Blocked(NOT_NOW)
        try:
            return _begin(
                db,
                uuid=uuid,
                routine_name=today.name,
                items=today.plan.routine,
                settings=today.settings,
                pain_before=pain_before,
                now=person.now(),
                timezone=person.timezone,
                changes=today.changes,
            )
        except repository.DuplicateSession as error:
            raise SessionError(str(error)) from None


def save_progress(person: PersonContext, uuid: str, items: Sequence[ItemRecord]) -> None:
    """Store what has been done of each item so far."""
    with person.transaction() as db:
        _save_items(db, uuid=uuid, items=items, now=person.now())


def note_pain_rising(person: PersonContext, uuid: str, stretch: str | None) -> None:
    """Note "pain is building", which ends only the stretch: the next session eases off."""
    with person.transaction() as db:
        _note_stop(db, uuid=uuid, signal=StopSignal.PAIN_RISING, stretch=stretch, now=person.now())


@dataclass(frozen=True)
class Finished:
    """A session as stored once it ended, and what ending it did."""

    record: SessionRecord
    ending: Ending


def finish_session(
    person: PersonContext,
    uuid: str,
    *,
    status: SessionStatus,
    pain_after: int | None = None,
    stop_signal: StopSignal | None = None,
    stopped_stretch: str | None = None,
) -> Finished:
    """Close a session and apply the stop and pain rules: blocks open as the rules say."""
    with person.transaction() as db:
        if repository.get_session(db=db, uuid=uuid) is None:
            raise NotFound(f"no session {uuid}")
        ending = _finish(
            db,
            person,
            uuid=uuid,
            status=status,
            now=person.now(),
            pain_after=pain_after,
            stop_signal=stop_signal,
            stopped_stretch=stopped_stretch,
        )
        record = repository.get_session(db=db, uuid=uuid)
    if record is None:
        raise NotFound(f"no session {uuid}")
    return Finished(record=record, ending=ending)


@dataclass(frozen=True)
class Resuming:
    """The unfinished session being resumed, and whether pregnancy's stop signals apply."""

    left: Resumable
    pregnant: bool


def resume_last(person: PersonContext) -> Resuming:
    """Reopen the newest unfinished session for a player to carry on from what is left.

    Raises `Blocked` when safety does not allow a session now, `NotFound` when there is none.
    """
    with person.transaction() as db:
        if not current_gate_in(db, now=person.now()).may_play:
            raise Blocked(
                "a session cannot be resumed now: the safety check is due or a block is open "
                "(`backstretch plan` says why)"
            )
        left = _find_resumable(db, person.catalogue)
        if left is None:
            raise NotFound(
                "there is no unfinished session to resume: `backstretch start` begins a new one"
            )
        _reopen(db, uuid=left.record.uuid, now=person.now())
        return Resuming(left=left, pregnant=_pregnant_now(db))


@dataclass(frozen=True)
class Logged:
    """A session recorded without the player: the plan done and what finishing it did."""

    today: TodayPlan
    record: SessionRecord
    ending: Ending


def log_session(
    person: PersonContext,
    choice: PlanChoice,
    *,
    uuid: str,
    pain_before: int | None,
    pain_after: int | None,
    started_at: datetime | None = None,
) -> Logged:
    """Record a session done away from the player, planned as `start` would, done in full."""
    now = person.now()
    if started_at is not None and started_at > now:
        raise Invalid("--at: that time has not happened yet", field="at")
    on = person.today(started_at) if started_at else None
    today = plan_today(person, replace(choice, on=on))
    if not today.plan.items:
        raise Invalid("no stretch fits that routine: say more --minutes or another --area")
    started = started_at or now - timedelta(seconds=today.plan.total_seconds)
    with person.transaction() as db:
        try:
            record = _begin(
                db,
                uuid=uuid,
                routine_name=today.name,
                items=today.plan.routine,
                settings=today.settings,
                pain_before=pain_before,
                now=started,
                timezone=person.timezone,
            )
        except repository.DuplicateSession as error:
            raise SessionError(str(error)) from None
        repository.update_session(db=db, uuid=uuid, at=now)
        _save_items(
            db,
            uuid=uuid,
            items=[
                replace(i, done_seconds=i.planned_seconds, done_reps=i.planned_reps)
                for i in record.items
            ],
            now=now,
        )
        repository.set_source(db=db, uuid=uuid, source="log")
        ending = _finish(
            db,
            person,
            uuid=uuid,
            status=SessionStatus.COMPLETED,
            now=now,
            pain_after=pain_after,
        )
        stored = repository.get_session(db=db, uuid=uuid)
    assert stored is not None  # stored above
    return Logged(today=today, record=stored, ending=ending)


# The browser's report of a session ---------------------------------------------------------------


@dataclass(frozen=True)
class PlannedItem:
    """One routine item as the player was given it."""

    stretch: str
    sets: int
    reps: int
    sides: Sides
    hold_seconds: int | None = None
    way: Place | None = None  # None: the stretch's usual way


@dataclass(frozen=True)
class DoneItem:
    """What was done of one item so far."""

    position: int
    done_seconds: int
    done_reps: int
    skipped: bool = False


@dataclass(frozen=True)
class SessionReport:
    """A session as a player keeps it, sent again and again as it goes (`PUT /api/sessions`)."""

    items: tuple[PlannedItem, ...]
    started_at: datetime
    routine_name: str = "My routine"
    status: SessionStatus = SessionStatus.IN_PROGRESS
    pain_before: int | None = None
    pain_after: int | None = None
    stop_signal: StopSignal | None = None
    stopped_stretch: str | None = None
    done: tuple[DoneItem, ...] = ()

    def fingerprints(self) -> tuple[str, str]:
        """Return the SHA-256 of what makes the session this one (routine, items, start), and
        of the whole report but pain afterwards (which may follow the ending once)."""

        def digest(value: Any) -> str:
            canonical = json.dumps(value, sort_keys=True, separators=(",", ":"))
            return hashlib.sha256(canonical.encode()).hexdigest()

        data = {
            "routine_name": self.routine_name,
            "items": [
                {
                    "stretch": i.stretch,
                    "sets": i.sets,
                    "reps": i.reps,
                    "sides": i.sides.value,
                    "hold_seconds": i.hold_seconds,
                }
                for i in self.items
            ],
            "started_at": self.started_at.astimezone(UTC).isoformat(),
            "status": self.status.value,
            "pain_before": self.pain_before,
            "pain_after": self.pain_after,
            "stop_signal": self.stop_signal.value if self.stop_signal else None,
            "stopped_stretch": self.stopped_stretch,
            "done": [
                {
                    "position": d.position,
                    "done_seconds": d.done_seconds,
                    "done_reps": d.done_reps,
                    "skipped": d.skipped,
                }
                for d in self.done
            ],
        }
        identity = {key: data[key] for key in ("routine_name", "items", "started_at")}
        ending = {key: value for key, value in data.items() if key != "pain_after"}
        return digest(identity), digest(ending)


def _session_answer(db: Session, uuid: str, person: PersonContext) -> dict[str, Any]:
    """Return the stored session with what it means now: the advice for its stop signal, the
    safety blocks open after it and the advice that goes with them."""
    from backstretch.core.stats import session_to_json

    record = repository.get_session(db=db, uuid=uuid)
    if record is None:
        raise NotFound(f"no session {uuid}")
    blocks = list(dict.fromkeys(b.kind.value for b in repository.open_blocks(db=db)))
    number = person.emergency_number
    return {
        **session_to_json(record),
        "outcome": {
            "stop_advice": (
                stop_advice(person.guide, record.stop_signal, number)
                if record.stop_signal
                else None
            ),
            "blocks": blocks,
            "programme_advice": [
                person.guide.block_advice[kind].replace("{emergency_number}", number).strip()
                for kind in blocks
            ],
        },
    }


def session_view(person: PersonContext, uuid: str) -> dict[str, Any]:
    """Return one session with every item's target next to what was done, and its outcome."""
    with person.transaction() as db:
        return _session_answer(db, uuid, person)


def _routine_items(report: SessionReport, catalogue: Catalogue) -> list[RoutineItem]:
    items = []
    for planned in report.items:
        try:
            stretch = catalogue.get(planned.stretch)
        except UnknownStretchError as error:
            raise Invalid(f"items: {error}", field="items") from None
        dose = ItemDose(
            sets=planned.sets,
            reps=planned.reps,
            sides=planned.sides,
            hold_seconds=planned.hold_seconds,
            tempo=stretch.dose.tempo,
        )
        if (dose.hold_seconds is None) != (stretch.dose.hold_seconds is None):
            raise Invalid(f"items: {stretch.id}: hold_seconds is wrong", field="items")
        if planned.way is not None and planned.way not in {w.place for w in stretch.ways}:
            raise Invalid(f"items: {stretch.id} is not done {planned.way}", field="items")
        items.append(RoutineItem(stretch, dose, stretch.way_at(planned.way)))
    return items


def record_session(person: PersonContext, uuid: str, report: SessionReport) -> dict[str, Any]:
    """Create the session on the first report, then store progress and how it ended.

    The uuid is made by the player, so a retry (or an offline replay) never records a session
    twice: the same report again changes nothing; a report that names another routine, other
    items or another start for the same uuid, or another ending once it has ended, raises
    `Conflict`; another person's uuid raises `NotFound`. A session can only be started while
    safety allows one (`Blocked`). "Pain is building" (`pain_rising`) may come with an
    `in_progress` status, as it ends only the current stretch; every other stop signal ends the
    session (`stopped`). Pain afterwards may follow the final report once. Return the session
    with its outcome (`session_view`), as committed.

    The same first report sent several times at once (a retry racing the original) stores one
    session: the requests that lose the race to insert it are answered as replays of it.
    """
    from sqlalchemy.exc import IntegrityError

    if (
        report.status is SessionStatus.IN_PROGRESS
        and report.stop_signal is not None
        and report.stop_signal is not StopSignal.PAIN_RISING
    ):
        raise Invalid(
            f"stop_signal: '{report.stop_signal.value}' ends the session: send 'stopped'",
            field="stop_signal",
        )
    check_pain(report.pain_before, "pain_before")
    check_pain(report.pain_after, "pain_after")
    if report.started_at > person.now() + CLOCK_SKEW:
        raise Invalid("started_at: that time has not happened yet", field="started_at")
    try:
        return _record_session(person, uuid, report)
    except (IntegrityError, repository.DuplicateSession):
        # Another request stored this uuid between our look and our insert, and committed:
        # look again, now that it is there (a uuid cannot be inserted twice).
        pass
    try:
        return _record_session(person, uuid, report)
    except (IntegrityError, repository.DuplicateSession):
        raise Conflict("this session is being recorded by another request: send it again") from None


def _record_session(person: PersonContext, uuid: str, report: SessionReport) -> dict[str, Any]:
    identity, ending = report.fingerprints()
    now = person.now()
    with person.transaction() as db:
        # Reports of one session are applied one at a time: a replay racing the original waits
        # here, then finds what the original stored (so an ending is never applied twice).
        stored = (
            repository.get_session(db=db, uuid=uuid)
            if repository.lock_session(db=db, uuid=uuid)
            else None
        )
        if stored is None and repository.session_uuid_taken(db=db, uuid=uuid):
            # Taken: by another person (never theirs: 404), or by a racing report of this very
            # session that committed a moment ago (then it is this person's, and locked now).
            if not repository.lock_session(db=db, uuid=uuid):
                raise NotFound(f"no session {uuid}")
            stored = repository.get_session(db=db, uuid=uuid)
        if stored is not None:
            known_identity, known_ending = repository.session_fingerprints(db=db, uuid=uuid)
            if known_identity is not None and known_identity != identity:
                raise Conflict("this session id belongs to a different session (routine or start)")
            if known_ending is not None and (
                known_ending != ending
                or (
                    report.pain_after not in (None, stored.pain_after)
                    and stored.pain_after is not None
                )
            ):
                raise Conflict("this session was already recorded with a different ending")
        if stored is None:
            if not current_gate_in(db, now=now).may_play:
                raise Blocked("safety does not allow a session now: see POST /api/plan for why")
            stored = _begin(
                db,
                uuid=uuid,
                routine_name=report.routine_name,
                items=_routine_items(report, person.catalogue),
                settings=TimelineSettings(lead_in_seconds=person.preferences.lead_in_seconds),
                pain_before=report.pain_before,
                now=report.started_at,
                timezone=person.timezone,
            )
            repository.set_session_fingerprints(db=db, uuid=uuid, identity=identity)
        elif stored.status in FINAL and stored.status is not SessionStatus.ABANDONED:
            # A retry of the last report: already recorded. Pain afterwards, asked once the
            # ending was saved, is added once; the pain rule runs then, and no stop signal is
            # applied again.
            if report.pain_after is not None and stored.pain_after is None:
                _finish(
                    db,
                    person,
                    uuid=uuid,
                    status=stored.status,
                    now=max(now, stored.started_at),
                    pain_after=report.pain_after,
                )
            return _session_answer(db, uuid, person)
        planned = {item.position: item for item in stored.items}
        updates = []
        for progress_now in report.done:
            if progress_now.position not in planned:
                raise Invalid(f"done: no item at position {progress_now.position}", field="done")
            target = planned[progress_now.position]
            updates.append(
                replace(
                    target,
                    done_seconds=min(progress_now.done_seconds, target.planned_seconds),
                    done_reps=min(progress_now.done_reps, target.planned_reps),
                    skipped=progress_now.skipped,
                )
            )
        _save_items(db, uuid=uuid, items=updates, now=now)
        if report.status in FINAL:
            repository.set_session_fingerprints(db=db, uuid=uuid, final=ending)
            _finish(
                db,
                person,
                uuid=uuid,
                status=report.status,
                # A player whose clock runs ahead cannot make a session end before it started.
                now=max(now, stored.started_at),
                pain_after=report.pain_after,
                stop_signal=report.stop_signal,
                stopped_stretch=report.stopped_stretch,
            )
        elif report.stop_signal is StopSignal.PAIN_RISING:
            # Pain building ends only this stretch: noted now, so the next plan eases off even
            # if the rest of the session is never saved.
            _note_stop(
                db,
                uuid=uuid,
                signal=StopSignal.PAIN_RISING,
                stretch=report.stopped_stretch,
                now=now,
            )
        return _session_answer(db, uuid, person)


# History and check-ins ---------------------------------------------------------------------------


def session_history(person: PersonContext) -> list[SessionRecord]:
    """Return every session of the person, oldest first."""
    with person.transaction() as db:
        return repository.list_sessions(db=db)


def find_session(person: PersonContext, uuid: str) -> SessionRecord:
    """Return one session, or raise `NotFound`."""
    with person.transaction() as db:
        record = repository.get_session(db=db, uuid=uuid)
    if record is None:
        raise NotFound(f"no session {uuid}")
    return record


def session_stats(person: PersonContext, *, weeks: int = 12) -> Any:
    """Return the statistics on the person's local days (`core.stats.Stats`)."""
    from backstretch.core.stats import compute_stats

    with person.transaction() as db:
        records = repository.list_sessions(db=db)
        checkins = repository.list_checkins(db=db)
    return compute_stats(records, checkins, person.today(), weeks=weeks)


def checkins(person: PersonContext) -> list[CheckinRecord]:
    """Return the person's activity check-ins, oldest first."""
    with person.transaction() as db:
        return repository.list_checkins(db=db)


def record_checkin(person: PersonContext, record: CheckinRecord) -> None:
    """Store an activity check-in: one to three activities, each named and rated 0-10."""
    if not 1 <= len(record.activities) <= MAX_ACTIVITIES:
        raise Invalid(f"a check-in rates 1 to {MAX_ACTIVITIES} activities", field="activities")
    for activity in record.activities:
        if not 0 < len(activity.name.strip()) <= MAX_ACTIVITY_NAME:
            problem = f"an activity is named in 1 to {MAX_ACTIVITY_NAME} characters"
            raise Invalid(problem, field="activities")
        if isinstance(activity.score, bool) or activity.score not in range(11):
            raise Invalid("an activity is rated 0 to 10", field="activities")
    with person.transaction() as db:
        repository.add_checkin(db=db, record=record)


CHECKIN_EVERY = timedelta(days=7)


def checkin_due(person: PersonContext) -> bool:
    """Tell whether the optional weekly check-in is due (a week since the last, or none)."""
    earlier = checkins(person)
    return not earlier or person.now() - earlier[-1].at >= CHECKIN_EVERY


def pregnant_now(person: PersonContext) -> bool:
    """Tell whether the screening on file or the remembered profile says pregnant."""
    with person.transaction() as db:
        return _pregnant_now(db)
