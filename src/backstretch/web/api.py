"""The JSON API: each route parses its input, calls one use case and answers JSON. Errors are
mapped once, in `web.app`: every 4xx has the same body (`ErrorAnswer`), as this description says.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, HTTPException, Path, Query
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from backstretch.core.catalogue import UnknownStretchError
from backstretch.core.models import Place, Position, Region, Sides
from backstretch.core.records import SessionStatus
from backstretch.core.safety import StopSignal
from backstretch.services import sessions
from backstretch.services.planning import PlanChoice, plan_today
from backstretch.web import api_description as described
from backstretch.web.app import BlockedAnswer, Runtime, error_answers
from backstretch.web.deps import OwnerDep, PersonDep, RuntimeDep

router = APIRouter(
    prefix="/api",
    tags=["api"],
    responses=error_answers(
        {
            422: "The request is not valid: `problems` names each input at fault",
            503: "The database cannot be used",
        }
    ),
)
JSON_TYPE = "application/json"
# A person's own data: only theirs, once logged in (with accounts).
PERSONAL = error_answers({401: "Not logged in (on a server with accounts)"})
# A change: refused from another site's page, or without the CSRF token.
CHANGE = error_answers(
    {403: "Refused: sent from another site, or without the CSRF token (x-csrftoken)"}
)


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


@router.get(
    "/stretches/{stretch_id}",
    summary="One stretch",
    responses=error_answers({404: "No such stretch: the closest ids are suggested"}),
)
def get_stretch(
    stretch_id: Annotated[
        str, Path(max_length=60, openapi_examples={"cat_cow": {"value": "cat-cow"}})
    ],
    runtime: RuntimeDep,
) -> Any:
    """Return one stretch; an unknown id is a 404 that suggests the closest ids."""
    try:
        return runtime.catalogue.get(stretch_id).model_dump(mode="json")
    except UnknownStretchError as error:
        raise HTTPException(404, detail=str(error)) from None


# Screening ---------------------------------------------------------------------------------------


@router.post(
    "/screen",
    summary="Answer the safety screening",
    responses={
        200: {"description": "The screening's result", "links": described.SCREEN_LINKS},
        **PERSONAL,
        **CHANGE,
    },
)
def screen(
    person: PersonDep,
    answers: Annotated[
        dict[str, Any],
        Body(
            description="Answers keyed by SCREENING.md ids",
            json_schema_extra=described.ANSWERS_SCHEMA,
            openapi_examples=described.ANSWERS_EXAMPLES,
        ),
    ],
) -> dict[str, Any]:
    """Screen the answers, store the result and return it (verdict, reasons, advice...)."""
    from backstretch.services.screening import record_screening

    return record_screening(person, answers).to_json()


# Planning ----------------------------------------------------------------------------------------


class PlanRequest(BaseModel):
    """What to plan, over the profile the person keeps (`services.planning.plan_today`): a
    profile's fields, a preset (a ready-made routine) or a saved routine, by name."""

    model_config = ConfigDict(extra="forbid")

    profile: dict[str, Any] = Field(
        default_factory=dict,
        description="Fields that differ from the profile the person keeps, for this plan only.",
        json_schema_extra=described.PROFILE_SCHEMA,
    )
    preset: Annotated[str, Field(max_length=60)] | None = None
    routine: Annotated[str, Field(max_length=240)] | None = None


@router.post(
    "/plan",
    summary="Plan a routine",
    responses={
        200: {"description": "Today's routine and its timeline", "links": described.PLAN_LINKS},
        **PERSONAL,
        **CHANGE,
        **error_answers({404: "No saved routine of that name"}),
        **error_answers(
            {409: "Safety blocks a routine: the verdict and the advice, and no plan"},
            BlockedAnswer,
        ),
    },
)
async def plan(
    runtime: RuntimeDep,
    owner: OwnerDep,
    body: Annotated[PlanRequest, Body(openapi_examples=described.PLAN_EXAMPLES)],
) -> Any:
    """Plan today's routine; when the screening or a safety block says no, answer 409."""
    # One trip to a worker thread for all the database work and the planning: each sync
    # dependency would cost a trip of its own, and under load those trips were most of the time.
    return await run_in_threadpool(_plan_answer, runtime, owner, body)


def _plan_answer(runtime: Runtime, owner: int, body: PlanRequest) -> Response:
    person = runtime.services.person(owner)
    choice = PlanChoice(profile=body.profile, preset=body.preset, routine=body.routine)
    today = plan_today(person, choice)
    # Straight to JSON: FastAPI's general encoder took longer than planning itself.
    return JSONResponse(today.to_json())


# Sessions ----------------------------------------------------------------------------------------


class PlannedItemBody(BaseModel):
    """One routine item as planned."""

    model_config = ConfigDict(extra="forbid")

    stretch: Annotated[str, Field(max_length=60)]
    sets: Annotated[int, Field(ge=1, le=3)]
    reps: Annotated[int, Field(ge=1, le=40)]
    sides: Sides
    hold_seconds: Annotated[int, Field(ge=5, le=60)] | None = None
    way: Place | None = Field(default=None, description="Where it is done; none: the usual way.")


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

    def report(self) -> sessions.SessionReport:
        """Return the body as the use case takes it."""
        return sessions.SessionReport(
            items=tuple(sessions.PlannedItem(**item.model_dump()) for item in self.items),
            started_at=self.started_at,
            routine_name=self.routine_name,
            status=self.status,
            pain_before=self.pain_before,
            pain_after=self.pain_after,
            stop_signal=self.stop_signal,
            stopped_stretch=self.stopped_stretch,
            done=tuple(sessions.DoneItem(**done.model_dump()) for done in self.done),
        )


@router.put(
    "/sessions/{session_uuid}",
    summary="Record a session (create, then update as it goes)",
    responses={
        200: {
            "description": "The session as stored, with its outcome",
            "links": described.SESSION_LINKS,
        },
        **PERSONAL,
        **CHANGE,
        **error_answers(
            {
                404: "The uuid is another person's session",
                409: "Safety does not allow a session now, or this uuid was recorded with a "
                "different body (or is being recorded by another request this moment: send "
                "it again)",
                422: "The body does not fit the session (an unknown item, a bad signal)",
            }
        ),
    },
)
def put_session(
    session_uuid: UUID,
    body: Annotated[SessionBody, Body(openapi_examples=described.SESSION_EXAMPLES)],
    person: PersonDep,
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
    return sessions.record_session(person, str(session_uuid), body.report())


@router.get(
    "/sessions/{session_uuid}",
    summary="One session",
    responses={**PERSONAL, **error_answers({404: "No such session (or another person's)"})},
)
def get_session(session_uuid: UUID, person: PersonDep) -> Any:
    """Return one session with every item's target next to what was done, and its outcome."""
    return sessions.session_view(person, str(session_uuid))


# History, stats, export --------------------------------------------------------------------------


@router.get("/history", summary="Every session, newest first", responses=PERSONAL)
def history(person: PersonDep) -> list[dict[str, Any]]:
    """Return every session with its items, newest first."""
    from backstretch.core.stats import history_to_json

    return history_to_json(sessions.session_history(person))


@router.get(
    "/stats", summary="Streak, weeks, heatmap, pain and activity trends", responses=PERSONAL
)
def stats(person: PersonDep, weeks: Annotated[int, Query(ge=1, le=53)] = 12) -> dict[str, Any]:
    """Return the statistics on the person's local days."""
    summary: dict[str, Any] = sessions.session_stats(person, weeks=weeks).to_json()
    return summary


@router.get("/export", summary="All your data, in the round-trip format", responses=PERSONAL)
def export(person: PersonDep) -> dict[str, Any]:
    """Return every stored row, as `backstretch export` writes it."""
    from backstretch.services.your_data import export_json

    return export_json(person)
