"""A person's own stretches and saved routines: add or remove a stretch, save, use or delete a
routine. Every route works on the rows of the person asking, and another person's stretch or
routine is answered as if it did not exist (404).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backstretch.data.own import MAX_DOCUMENT_BYTES
from backstretch.services.errors import Conflict, Invalid, NotFound
from backstretch.services.own_stretches import add_own_stretch, remove_own_stretch
from backstretch.services.planning import PlanChoice, plan_today, remembered_profile
from backstretch.services.routines import (
    MAX_NAME_LENGTH,
    clean_name,
    remove_routine,
    routine_stretch_ids,
    save_routine,
    saved_routines,
)
from backstretch.web.app import status_for
from backstretch.web.deps import PersonDep
from backstretch.web.pages import TEMPLATES

router = APIRouter(include_in_schema=False)

# Ids are INTEGER columns: a larger number could not be anyone's routine (and PostgreSQL would
# refuse to compare it).
MAX_ID = 2**31 - 1


def _problems(request: Request, problems: list[str], back: str, status: int = 422) -> Response:
    return TEMPLATES.TemplateResponse(
        request, "problem.html", {"problems": problems, "back": back}, status_code=status
    )


# Own stretches -----------------------------------------------------------------------------------


@router.post("/stretches/own", response_class=HTMLResponse)
def add_stretch(
    request: Request,
    person: PersonDep,
    file: UploadFile,
    replace: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Check an uploaded stretch file and add it to the person's own stretches.

    A plain function: FastAPI runs it on a worker thread, so reading the file and checking
    its YAML never hold up the event loop (and every other request with it)."""
    raw = file.file.read(MAX_DOCUMENT_BYTES + 1)
    name = file.filename or "the file"
    if len(raw) > MAX_DOCUMENT_BYTES:
        problem = f"{name}: larger than {MAX_DOCUMENT_BYTES // 1000} kB, not a stretch file"
        return _problems(request, [problem], "/stretches", 413)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _problems(request, [f"{name}: not a text file"], "/stretches")
    try:
        stretch = add_own_stretch(person, text, origin=name, replace=replace == "on")
    except Invalid as error:
        return _problems(request, [f"Not added: {error}"], "/stretches")
    except Conflict as error:
        # The message names the stretch; the way out here is the form's box, not a flag.
        said = error.message.partition(";")[0]
        problem = (
            f"Not added: {said}. To update it, add the file again with “Replace my stretch "
            "with the same id” ticked."
        )
        return _problems(request, [problem], "/stretches", status_for(error))
    return RedirectResponse(f"/stretches/{stretch.id}", status_code=303)


@router.post("/stretches/own/{stretch_id}/remove", response_class=HTMLResponse)
def remove_stretch(
    request: Request, person: PersonDep, stretch_id: Annotated[str, Path(max_length=60)]
) -> Response:
    """Remove one of the person's own stretches (never a built-in one)."""
    try:
        remove_own_stretch(person, stretch_id)
    except NotFound as error:
        return _problems(request, [error.message], "/stretches", status_for(error))
    except (Invalid, Conflict) as error:
        return _problems(request, [error.message], f"/stretches/{stretch_id}", status_for(error))
    return RedirectResponse("/stretches", status_code=303)


# Saved routines ----------------------------------------------------------------------------------


def _plan_url(stretch_ids: list[str]) -> str:
    return f"/plan?{urlencode({'items': ','.join(stretch_ids)})}" if stretch_ids else "/plan"


@router.get("/routines", response_class=HTMLResponse)
def routines_page(
    request: Request,
    person: PersonDep,
    done: Annotated[str, Query(max_length=20)] = "",
) -> Response:
    """The person's saved routines, each to use today or delete."""
    catalogue = person.catalogue
    shown: list[dict[str, Any]] = []
    for routine in saved_routines(person):
        ids = routine_stretch_ids(routine)
        shown.append(
            {
                "id": routine.id,
                "name": routine.name,
                # An own stretch removed since is shown by its id.
                "stretches": [catalogue.get(i).name if i in catalogue else i for i in ids],
                "saved": person.today(routine.saved_at).isoformat(),
                # By name, so the routine's own ways, doses and notes are used, not only its ids.
                "use_url": f"/plan?{urlencode({'routine': routine.name})}",
            }
        )
    from backstretch.web.share_pages import shares_view  # routines shared by link

    values = {"routines": shown, "done": done, "shares": shares_view(request, person)}
    return TEMPLATES.TemplateResponse(request, "routines.html", values)


@router.post("/routines", response_class=HTMLResponse)
def save_routine_form(
    request: Request,
    person: PersonDep,
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
    except Invalid as error:
        return _problems(request, [f"Nothing was saved: {error}."], back)
    if remembered_profile(person) is None:
        return RedirectResponse("/profile", status_code=303)
    try:
        today = plan_today(person, PlanChoice(stretch_ids=stretch_ids), raise_blocked=False)
    except Invalid as error:
        return _problems(request, [f"items: {error}"], "/plan")
    plan = today.outcome.plan
    if plan is None or not plan.items:
        problem = "Nothing was saved: no routine can be planned from these stretches today."
        return _problems(request, [problem], back)
    try:
        save_routine(person, name=cleaned, plan=plan)
    except Conflict as error:
        problem = (
            f"Nothing was saved: you already have a routine called “{cleaned}”. "
            "Choose another name, or delete that one on your routines page."
        )
        return _problems(request, [problem], back, status_for(error))
    except Invalid as error:
        return _problems(request, [f"Nothing was saved: {error}."], back)
    return RedirectResponse("/routines?done=saved", status_code=303)


@router.post("/routines/{routine_id}/delete", response_class=HTMLResponse)
def delete_routine(
    person: PersonDep, routine_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Response:
    """Delete one of the person's saved routines; any other id is not found (404)."""
    remove_routine(person, routine_id=routine_id)
    return RedirectResponse("/routines?done=deleted", status_code=303)
