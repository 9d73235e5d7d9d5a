"""A person's own stretches and saved routines: add or remove a stretch, save, use or delete a
routine. Every route works on the rows of the person asking, and another person's stretch or
routine is answered as if it did not exist (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backstretch.core.catalogue import Catalogue, CatalogueError, UnknownStretchError
from backstretch.data.own import (
    MAX_DOCUMENT_BYTES,
    NoSuchOwnStretch,
    OwnStretchError,
    OwnStretchExists,
    add_own_stretch,
    catalogue_for,
    remove_own_stretch,
)
from backstretch.db import repository
from backstretch.db.engine import transaction
from backstretch.services.clock import local_day
from backstretch.services.routines import (
    MAX_NAME_LENGTH,
    RoutineNameError,
    RoutineNameTaken,
    clean_name,
    routine_stretch_ids,
    save_plan_as,
)
from backstretch.web.app import Runtime
from backstretch.web.deps import ContextDep, DbDep, NowDep, PreferencesDep
from backstretch.web.pages import TEMPLATES
from backstretch.web.today import plan_with_items, stored_profile

router = APIRouter(include_in_schema=False)

# Ids are INTEGER columns: a larger number could not be anyone's routine (and PostgreSQL would
# refuse to compare it).
MAX_ID = 2**31 - 1


def _problems(request: Request, problems: list[str], back: str, status: int = 422) -> Response:
    return TEMPLATES.TemplateResponse(
        request, "problem.html", {"problems": problems, "back": back}, status_code=status
    )


def identified(request: Request) -> int | None:
    """Return the id of the person asking (the local person, or someone logged in), or None."""
    account_id = getattr(request.state, "account_id", None)
    return int(account_id) if account_id is not None else None


def request_catalogue(request: Request, runtime: Runtime) -> Catalogue:
    """Return the catalogue a page shows: the person's own stretches included when someone is
    asking (logged in, or the local person), the built-in ones for a visitor."""
    account_id = identified(request)
    if account_id is None:
        return runtime.catalogue
    with transaction(runtime.store.for_owner(account_id)) as session:
        return catalogue_for(session)


# Own stretches -----------------------------------------------------------------------------------


def _add(session: Session, text: str, name: str, now: datetime, replace: bool) -> str:
    return add_own_stretch(session, text, origin=name, at=now, replace=replace).id


@router.post("/stretches/own", response_class=HTMLResponse)
async def add_stretch(
    request: Request,
    session: DbDep,
    now: NowDep,
    file: UploadFile,
    replace: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Check an uploaded stretch file and add it to the person's own stretches."""
    raw = await file.read(MAX_DOCUMENT_BYTES + 1)
    name = file.filename or "the file"
    if len(raw) > MAX_DOCUMENT_BYTES:
        problem = f"{name}: larger than {MAX_DOCUMENT_BYTES // 1000} kB, not a stretch file"
        return _problems(request, [problem], "/stretches", 413)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _problems(request, [f"{name}: not a text file"], "/stretches")
    try:
        stretch_id = await run_in_threadpool(_add, session, text, name, now, replace == "on")
    except CatalogueError as error:
        return _problems(request, [f"Not added: {error}"], "/stretches")
    except OwnStretchExists as error:
        problem = (
            f"Not added: you already have {error.stretch_id}. To update it, add the file again "
            "with “Replace my stretch with the same id” ticked."
        )
        return _problems(request, [problem], f"/stretches/{error.stretch_id}", 409)
    return RedirectResponse(f"/stretches/{stretch_id}", status_code=303)


@router.post("/stretches/own/{stretch_id}/remove", response_class=HTMLResponse)
def remove_stretch(
    request: Request, session: DbDep, stretch_id: Annotated[str, Path(max_length=60)]
) -> Response:
    """Remove one of the person's own stretches (never a built-in one)."""
    try:
        remove_own_stretch(session, stretch_id)
    except NoSuchOwnStretch as error:
        return _problems(request, [str(error)], "/stretches", 404)
    except OwnStretchError as error:
        return _problems(request, [str(error)], f"/stretches/{stretch_id}")
    return RedirectResponse("/stretches", status_code=303)


# Saved routines ----------------------------------------------------------------------------------


def _plan_url(stretch_ids: list[str]) -> str:
    return f"/plan?{urlencode({'items': ','.join(stretch_ids)})}" if stretch_ids else "/plan"


@router.get("/routines", response_class=HTMLResponse)
def routines_page(
    request: Request,
    session: DbDep,
    context: ContextDep,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The person's saved routines, each to use today or delete."""
    catalogue = context.catalogue
    shown: list[dict[str, Any]] = []
    for routine in repository.list_routines(session=session):
        ids = routine_stretch_ids(routine)
        shown.append(
            {
                "id": routine.id,
                "name": routine.name,
                # An own stretch removed since is shown by its id.
                "stretches": [catalogue.get(i).name if i in catalogue else i for i in ids],
                "saved": local_day(routine.saved_at, context.timezone).isoformat(),
                "use_url": _plan_url(ids),
            }
        )
    return TEMPLATES.TemplateResponse(request, "routines.html", {"routines": shown, "done": done})


@router.post("/routines", response_class=HTMLResponse)
def save_routine(
    request: Request,
    session: DbDep,
    now: NowDep,
    context: ContextDep,
    preferences: PreferencesDep,
    name: Annotated[str, Form(max_length=MAX_NAME_LENGTH * 2)] = "",
    items: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Save the routine the plan page shows (its stretches, with today's doses) under a name."""
    stretch_ids = [i for i in items.split(",") if i]
    back = _plan_url(stretch_ids)
    if not stretch_ids:
        return _problems(request, ["Nothing was saved: the routine has no stretches."], back)
    try:
        cleaned = clean_name(name)
    except RoutineNameError as error:
        return _problems(request, [f"Nothing was saved: {error}."], back)
    profile = stored_profile(session)
    if profile is None:
        return RedirectResponse("/profile", status_code=303)
    try:
        upcoming = plan_with_items(
            session,
            profile=profile,
            context=context,
            preferences=preferences,
            now=now,
            stretch_ids=stretch_ids,
        )
    except UnknownStretchError as error:
        return _problems(request, [f"items: {error}"], "/plan")
    plan = upcoming.outcome.plan
    if plan is None or not plan.items:
        problem = "Nothing was saved: no routine can be planned from these stretches today."
        return _problems(request, [problem], back)
    try:
        save_plan_as(session, name=cleaned, plan=plan, at=now)
    except RoutineNameTaken as error:
        problem = (
            f"Nothing was saved: you already have a routine called “{error}”. "
            "Choose another name, or delete that one on your routines page."
        )
        return _problems(request, [problem], back, 409)
    return RedirectResponse("/routines?done=saved", status_code=303)


@router.post("/routines/{routine_id}/delete", response_class=HTMLResponse)
def delete_routine(session: DbDep, routine_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    """Delete one of the person's saved routines; any other id is not found."""
    if not repository.delete_routine(session=session, routine_id=routine_id):
        raise HTTPException(404, detail=f"no saved routine {routine_id}")
    return RedirectResponse("/routines?done=deleted", status_code=303)
