"""The JSON API: thin routes over the core and the services; bad input is a 4xx, never a 500."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, HTTPException, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backstretch.core.catalogue import UnknownStretchError
from backstretch.core.models import Position, Region, Sides
from backstretch.core.profile import ProfileError, parse_profile
from backstretch.core.records import ItemRecord, SessionStatus
from backstretch.core.safety import StopSignal
from backstretch.core.screening import AnswersError
from backstretch.core.timeline import ItemDose, RoutineItem
from backstretch.db import repository
from backstretch.db.engine import transaction
from backstretch.services.clock import local_day
from backstretch.services.preferences import Preferences
from backstretch.services.screening import Context
from backstretch.web import deps
from backstretch.web.app import Runtime
from backstretch.web.today import timeline_settings

router = APIRouter(prefix="/api", tags=["api"])
JSON_TYPE = "application/json"


RuntimeDep = deps.RuntimeDep
DbDep = deps.DbDep
OwnerDep = deps.OwnerDep
NowDep = deps.NowDep
ContextDep = deps.ContextDep
PreferencesDep = deps.PreferencesDep


# Stretches ---------------------------------------------------------------------------------------


@router.get(
    "/stretches",
    summary="List the stretches, optionally filtered",
    response_model=list[dict[str, Any]],
)
def list_stretches(
    runtime: RuntimeDep,
    area: Region | None = None,
    position: Position | None = None,
    search: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Return the stretches matching every filter given, in id order.

    The catalogue does not change while the server runs, so each answer is serialised once.
    """
    return Response(runtime.stretch_list_json(area, position, search), media_type=JSON_TYPE)


@router.get("/stretches/{stretch_id}", summary="One stretch")
def get_stretch(stretch_id: Annotated[str, Path(max_length=60)], runtime: RuntimeDep) -> Any:
    """Return one stretch; an unknown id is a 404 that suggests the closest ids."""
    try:
        return runtime.catalogue.get(stretch_id).model_dump(mode="json")
    except UnknownStretchError as error:
        raise HTTPException(404, detail=str(error)) from None


# Screening ---------------------------------------------------------------------------------------


@router.post("/screen", summary="Answer the safety screening")
def screen(
    context: ContextDep,
    session: DbDep,
    now: NowDep,
    answers: Annotated[dict[str, Any], Body(description="Answers keyed by SCREENING.md ids")],
) -> dict[str, Any]:
    """Screen the answers, store the result and return it (verdict, reasons, advice...)."""
    from backstretch.services.screening import record_screening

    try:
        _, result = record_screening(session, answers, context, now=now)
    except AnswersError as error:
        raise HTTPException(422, detail=f"answers: {error}") from None
    return result.to_json()


# Planning ----------------------------------------------------------------------------------------


class PlanRequest(BaseModel):
    """A profile, a preset, or both (the profile's fields override the preset's)."""

    model_config = ConfigDict(extra="forbid")

    profile: dict[str, Any] = Field(default_factory=dict)
    preset: str | None = None


def _plan(
    context: Context, preferences: Preferences, session: Session, now: datetime, body: PlanRequest
) -> Any:
    from backstretch.data import presets
    from backstretch.web.today import plan_today

    chosen = None
    if body.preset is not None:
        known = presets(context.catalogue)
        if body.preset not in known:
            raise HTTPException(422, detail=f"unknown preset '{body.preset}'")
        chosen = known[body.preset]
    data = {**(chosen.profile if chosen else {}), **body.profile}
    if "areas" not in data and chosen is not None and chosen.requests:
        regions = [
            r.value for q in chosen.requests for r in context.catalogue.get(q.stretch_id).regions
        ]
        data["areas"] = list(dict.fromkeys(regions))
    try:
        profile = parse_profile(data)
    except ProfileError as error:
        raise HTTPException(422, detail=f"profile: {error}") from None
    return plan_today(
        session,
        profile=profile,
        context=context,
        preferences=preferences,
        now=now,
        requests=chosen.requests if chosen else None,
        strategy=chosen.strategy if chosen else None,
    )


@router.post(
    "/plan",
    summary="Plan a routine",
    responses={409: {"description": "Safety blocks a routine: the advice, and no plan"}},
)
async def plan(runtime: RuntimeDep, owner: OwnerDep, now: NowDep, body: PlanRequest) -> Any:
    """Plan today's routine; when the screening or a safety block says no, answer 409."""
    # One trip to a worker thread for all the database work and the planning: each sync
    # dependency would cost a trip of its own, and under load those trips were most of the time.
    return await run_in_threadpool(_plan_answer, runtime, owner, now, body)


def _plan_answer(runtime: Runtime, owner: int, now: datetime, body: PlanRequest) -> Response:
    from backstretch.services.preferences import load_preferences

    with transaction(runtime.store.for_owner(owner)) as session:
        preferences = load_preferences(session, runtime.settings, runtime.context.timezone)
        context = deps.personal_context(runtime, session, preferences)
        upcoming = _plan(context, preferences, session, now, body)
    outcome = upcoming.outcome
    if outcome.plan is None:
        return JSONResponse(outcome.to_json(), status_code=409)
    # Straight to JSON: FastAPI's general encoder took longer than planning itself.
    return JSONResponse({**outcome.to_json(), "changes": list(upcoming.changes)})


# Sessions ----------------------------------------------------------------------------------------


class PlannedItemBody(BaseModel):
    """One routine item as planned."""

    model_config = ConfigDict(extra="forbid")

    stretch: Annotated[str, Field(max_length=60)]
    sets: Annotated[int, Field(ge=1, le=3)]
    reps: Annotated[int, Field(ge=1, le=40)]
    sides: Sides
    hold_seconds: Annotated[int, Field(ge=5, le=60)] | None = None


class DoneItemBody(BaseModel):
    """What was done of one item so far."""

    model_config = ConfigDict(extra="forbid")

    position: Annotated[int, Field(ge=0, le=100)]
    done_seconds: Annotated[int, Field(ge=0, le=3600)]
    done_reps: Annotated[int, Field(ge=0, le=1000)]
    skipped: bool = False


class SessionBody(BaseModel):
    """A session as the browser player keeps it; PUT it again and again as it goes."""

    model_config = ConfigDict(extra="forbid")

    routine_name: Annotated[str, Field(min_length=1, max_length=120)] = "My routine"
    items: Annotated[list[PlannedItemBody], Field(min_length=1, max_length=100)]
    started_at: AwareDatetime
    status: SessionStatus = SessionStatus.IN_PROGRESS
    pain_before: Annotated[int, Field(ge=0, le=10)] | None = None
    pain_after: Annotated[int, Field(ge=0, le=10)] | None = None
    stop_signal: StopSignal | None = None
    stopped_stretch: Annotated[str, Field(max_length=60)] | None = None
    done: list[DoneItemBody] = Field(default_factory=list, max_length=100)


FINAL = (SessionStatus.COMPLETED, SessionStatus.STOPPED, SessionStatus.ABANDONED)


def _fingerprints(body: SessionBody) -> tuple[str, str]:
    """Return the SHA-256 of what makes the session this one (routine, items, start), and of
    the whole body but pain afterwards (which may follow the ending once)."""
    import hashlib
    import json

    def digest(value: Any) -> str:
        canonical = json.dumps(value, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    data = body.model_dump(mode="json")
    data["started_at"] = body.started_at.astimezone(UTC).isoformat()
    identity = {key: data[key] for key in ("routine_name", "items", "started_at")}
    ending = {key: value for key, value in data.items() if key != "pain_after"}
    return digest(identity), digest(ending)


def _session_answer(session: Session, uuid: str, context: Context) -> dict[str, Any]:
    """Return the stored session with what it means now: the advice for its stop signal, the
    safety blocks open after it and the advice that goes with them."""
    from backstretch.core.stats import session_to_json
    from backstretch.services.sessions import stop_advice

    record = repository.get_session(session=session, uuid=uuid)
    assert record is not None  # stored before the answer is made
    blocks = list(dict.fromkeys(b.kind.value for b in repository.open_blocks(session=session)))
    number = context.emergency_number
    return {
        **session_to_json(record),
        "outcome": {
            "stop_advice": (
                stop_advice(context.guide, record.stop_signal, number)
                if record.stop_signal
                else None
            ),
            "blocks": blocks,
            "programme_advice": [
                context.guide.block_advice[kind].replace("{emergency_number}", number).strip()
                for kind in blocks
            ],
        },
    }


@router.put(
    "/sessions/{session_uuid}",
    summary="Record a session (create, then update as it goes)",
    responses={
        401: {"description": "Not logged in (with accounts)"},
        404: {"description": "The uuid is another person's session"},
        409: {
            "description": "Safety does not allow a session now, or this uuid was recorded "
            "with a different body"
        },
        422: {"description": "The body does not fit the session (an unknown item, a bad signal)"},
    },
)
def put_session(
    session_uuid: UUID,
    body: SessionBody,
    context: ContextDep,
    preferences: PreferencesDep,
    session: DbDep,
    now: NowDep,
) -> Any:
    """Create the session on the first PUT, then store progress and how it ended.

    The uuid is made by the browser, so a retry (or an offline replay) never records a session
    twice: the same body again answers 200 and changes nothing; a body that names another
    routine, other items or another start for the same uuid, or another ending once it has
    ended, is a 409; another person's uuid is a 404. A session can only be started while
    safety allows a routine. The stop rules are the terminal's: "pain is building"
    (`pain_rising`) may come with an `in_progress` status, as it ends only the current
    stretch; every other stop signal ends the session (`stopped`). Pain afterwards may follow
    the final PUT once, for a player that records the ending first and asks afterwards. The
    answer is the session with an `outcome`: what to do now for its stop signal and the safety
    blocks now open, with their advice.
    """
    from backstretch.services import sessions
    from backstretch.services.screening import current_gate

    uuid = str(session_uuid)
    if (
        body.status is SessionStatus.IN_PROGRESS
        and body.stop_signal is not None
        and body.stop_signal is not StopSignal.PAIN_RISING
    ):
        raise HTTPException(
            422, detail=f"stop_signal: '{body.stop_signal.value}' ends the session: send 'stopped'"
        )
    identity, ending = _fingerprints(body)
    stored = repository.get_session(session=session, uuid=uuid)
    if stored is None and repository.session_uuid_taken(session=session, uuid=uuid):
        raise HTTPException(404, detail=f"no session {uuid}")  # another person's: never theirs
    if stored is not None:
        known_identity, known_ending = repository.session_fingerprints(session=session, uuid=uuid)
        if known_identity is not None and known_identity != identity:
            raise HTTPException(
                409, detail="this session id belongs to a different session (routine or start)"
            )
        if known_ending is not None and (
            known_ending != ending
            or (body.pain_after not in (None, stored.pain_after) and stored.pain_after is not None)
        ):
            raise HTTPException(
                409, detail="this session was already recorded with a different ending"
            )
    if stored is None:
        if not current_gate(session, now=now).may_play:
            raise HTTPException(
                409, detail="safety does not allow a session now: see POST /api/plan for why"
            )
        items = []
        for planned_item in body.items:
            try:
                stretch = context.catalogue.get(planned_item.stretch)
            except UnknownStretchError as error:
                raise HTTPException(422, detail=f"items: {error}") from None
            dose = ItemDose(
                sets=planned_item.sets,
                reps=planned_item.reps,
                sides=planned_item.sides,
                hold_seconds=planned_item.hold_seconds,
                tempo=stretch.dose.tempo,
            )
            if (dose.hold_seconds is None) != (stretch.dose.hold_seconds is None):
                raise HTTPException(422, detail=f"items: {stretch.id}: hold_seconds is wrong")
            items.append(RoutineItem(stretch, dose))
        stored = sessions.begin_session(
            session,
            uuid=uuid,
            routine_name=body.routine_name,
            items=items,
            settings=timeline_settings(preferences),
            pain_before=body.pain_before,
            now=body.started_at,
            timezone=context.timezone,
        )
        repository.set_session_fingerprints(session=session, uuid=uuid, identity=identity)
    elif stored.status in FINAL and stored.status is not SessionStatus.ABANDONED:
        # A retry of the last PUT: already recorded. Pain afterwards, asked once the ending was
        # saved, is added once; the pain rule runs then, and no stop signal is applied again.
        if body.pain_after is not None and stored.pain_after is None:
            sessions.finish_session(
                session,
                uuid=uuid,
                status=stored.status,
                now=now,
                timezone=context.timezone,
                guide=context.guide,
                emergency_number=context.emergency_number,
                pain_after=body.pain_after,
            )
        return _session_answer(session, uuid, context)
    planned = {item.position: item for item in stored.items}
    updates = []
    for progress in body.done:
        if progress.position not in planned:
            raise HTTPException(422, detail=f"done: no item at position {progress.position}")
        target = planned[progress.position]
        updates.append(
            ItemRecord(
                position=progress.position,
                stretch=target.stretch,
                planned_seconds=target.planned_seconds,
                planned_reps=target.planned_reps,
                done_seconds=min(progress.done_seconds, target.planned_seconds),
                done_reps=min(progress.done_reps, target.planned_reps),
                skipped=progress.skipped,
            )
        )
    sessions.save_items(session, uuid=uuid, items=updates, now=now)
    if body.status in FINAL:
        repository.set_session_fingerprints(session=session, uuid=uuid, final=ending)
        sessions.finish_session(
            session,
            uuid=uuid,
            status=body.status,
            now=now,
            timezone=context.timezone,
            guide=context.guide,
            emergency_number=context.emergency_number,
            pain_after=body.pain_after,
            stop_signal=body.stop_signal,
            stopped_stretch=body.stopped_stretch,
        )
    elif body.stop_signal is StopSignal.PAIN_RISING:
        # Pain building ends only this stretch: noted now, so the next plan eases off even if
        # the rest of the session is never saved.
        sessions.record_stop_signal(
            session,
            uuid=uuid,
            signal=StopSignal.PAIN_RISING,
            stretch=body.stopped_stretch,
            now=now,
        )
    return _session_answer(session, uuid, context)


@router.get("/sessions/{session_uuid}", summary="One session")
def get_session(session_uuid: UUID, session: DbDep, context: ContextDep) -> Any:
    """Return one session with every item's target next to what was done, and its outcome."""
    uuid = str(session_uuid)
    if repository.get_session(session=session, uuid=uuid) is None:
        raise HTTPException(404, detail=f"no session {session_uuid}")
    return _session_answer(session, uuid, context)


# History, stats, export --------------------------------------------------------------------------


@router.get("/history", summary="Every session, newest first")
def history(session: DbDep) -> list[dict[str, Any]]:
    """Return every session with its items, newest first."""
    from backstretch.core.stats import history_to_json

    return history_to_json(repository.list_sessions(session=session))


@router.get("/stats", summary="Streak, weeks, heatmap, pain and activity trends")
def stats(
    context: ContextDep,
    session: DbDep,
    now: NowDep,
    weeks: Annotated[int, Query(ge=1, le=53)] = 12,
) -> dict[str, Any]:
    """Return the statistics on the person's local days."""
    from backstretch.core.stats import compute_stats

    summary = compute_stats(
        repository.list_sessions(session=session),
        repository.list_checkins(session=session),
        local_day(now, context.timezone),
        weeks=weeks,
    )
    return summary.to_json()


@router.get("/export", summary="All your data, in the round-trip format")
def export(session: DbDep, now: NowDep) -> dict[str, Any]:
    """Return every stored row, as `backstretch export` writes it."""
    from backstretch.db.portability import export_document

    return export_document(session, exported_at=now)
