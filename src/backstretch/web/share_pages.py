"""Routines from a therapist in the browser: build one, share it by link or as a file, and
add one that was shared.

The builder is two plain forms (no script needed): pick the stretches, then set each one's way,
dose (within its ranges) and note, and name the routine. A link `/r/<token>` opens a read-only
copy of a shared routine for anyone who has it, logged in or not: its stretches, ways, doses and
notes, its handout and its file, and for a person with an account "Add to my routines". Once
added, the routine is planned like any saved routine, through that person's own safety rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from backstretch.core.catalogue import Stretch
from backstretch.core.dose import describe_dose
from backstretch.core.plan_words import dose_words, sides_words
from backstretch.core.routine import MAX_NOTE_LENGTH, dose_range
from backstretch.services.context import PersonContext
from backstretch.services.errors import Conflict, Invalid, NotFound
from backstretch.services.routines import MAX_NAME_LENGTH
from backstretch.services.sharing import (
    MAX_FILE_BYTES,
    MAX_ITEMS,
    build_routine,
    my_shares,
    open_share,
    receive_file,
    receive_share,
    revoke_share,
    routine_file,
    share_routine,
    shared_file,
    shared_handout,
)
from backstretch.web.app import status_for
from backstretch.web.deps import MaybePersonDep, PersonDep, RuntimeDep
from backstretch.web.documents import draw
from backstretch.web.pages import TEMPLATES

router = APIRouter(include_in_schema=False)

# Ids are INTEGER columns: a larger number could not be anyone's row.
MAX_ID = 2**31 - 1
# A link's token is 32 characters; a longer path segment is no link (answered 404 by the use case).
TokenPath = Annotated[str, Path(max_length=64)]
PaperQuery = Annotated[str, Query(max_length=10)]
NO_STORE = {"Cache-Control": "no-store"}
# A shared page is for the people given its link: kept out of caches and search engines.
SHARED_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}
# The groups of the builder's first step, in the order a routine usually goes.
AREA_ORDER = ("neck_shoulders", "upper_back", "mid_back", "lower_back", "hips")


def _problems(request: Request, problems: list[str], back: str, status: int = 422) -> Response:
    return TEMPLATES.TemplateResponse(
        request, "problem.html", {"problems": problems, "back": back}, status_code=status
    )


def share_link(request: Request, token: str) -> str:
    """Return the full address of a shared routine, on the address the request came to."""
    return f"{str(request.base_url).rstrip('/')}/r/{token}"


# The routines page's part: what the person shares ----------------------------------------------


def shares_view(request: Request, person: PersonContext) -> list[dict[str, Any]]:
    """Return the routines the person shares, for the routines page's "Routines you share"."""
    return [
        {
            "id": share.id,
            "name": share.name,
            "link": share_link(request, share.token),
            "path": f"/r/{share.token}",
            "since": person.today(share.created_at).isoformat(),
        }
        for share in my_shares(person)
    ]


# Building ----------------------------------------------------------------------------------------


def _stretch_view(stretch: Stretch) -> dict[str, Any]:
    bounds = dose_range(stretch)
    dose = stretch.dose
    return {
        "id": stretch.id,
        "name": stretch.name,
        "summary": stretch.summary,
        "own": stretch.is_own,
        "ways": [(way.place.value, way.words) for way in stretch.ways],
        "usual": describe_dose(stretch),
        "hold": bounds.hold,
        "reps": bounds.reps,
        "sets": bounds.sets,
        "reps_word": "holds" if bounds.hold is not None else "reps",
        "default": {
            "way": stretch.usual_way.place.value,
            "hold": dose.hold_seconds,
            "reps": dose.reps,
            "sets": dose.sets,
            "note": "",
        },
    }


def _groups(person: PersonContext) -> list[dict[str, Any]]:
    """Return the person's stretches for the first step: their own first, then by area."""
    stretches = sorted(person.catalogue, key=lambda s: s.name.lower())
    groups = [
        {"title": "your own stretches", "stretches": [s for s in stretches if s.is_own]},
        *(
            {
                "title": area,
                "stretches": [s for s in stretches if not s.is_own and s.regions[0].value == area],
            }
            for area in AREA_ORDER
        ),
    ]
    return [group for group in groups if group["stretches"]]


def _builder(
    request: Request,
    person: PersonContext,
    *,
    picked: Sequence[str],
    change: bool = False,
    values: dict[str, dict[str, Any]] | None = None,
    name: str = "",
    problems: Sequence[str] = (),
    status: int = 200,
) -> Response:
    catalogue = person.catalogue
    chosen = [catalogue.get(i) for i in dict.fromkeys(picked) if i in catalogue][:MAX_ITEMS]
    views = [] if change else [_stretch_view(stretch) for stretch in chosen]
    for view in views:
        view["value"] = {**view["default"], **(values or {}).get(view["id"], {})}
    return TEMPLATES.TemplateResponse(
        request,
        "routine_builder.html",
        {
            "groups": _groups(person) if not views else [],
            "chosen": views,
            "picked": [stretch.id for stretch in chosen],
            "change_url": "/routines/build?"
            + urlencode({"pick": [s.id for s in chosen], "change": "1"}, doseq=True),
            "unknown": [i for i in picked if i not in catalogue],
            "name": name,
            "problems": list(problems),
            "max_items": MAX_ITEMS,
            "max_note": MAX_NOTE_LENGTH,
            "max_name": MAX_NAME_LENGTH,
            "max_file_kb": MAX_FILE_BYTES // 1000,
        },
        status_code=status,
        headers=NO_STORE,
    )


@router.get("/routines/build", response_class=HTMLResponse)
def builder_page(
    request: Request,
    person: PersonDep,
    pick: Annotated[list[str], Query(max_length=MAX_ITEMS * 2)] = [],  # noqa: B006
    change: Annotated[str, Query(max_length=5)] = "",
) -> Response:
    """Build a routine: first pick the stretches, then set each one's way, dose and note."""
    return _builder(request, person, picked=[p[:60] for p in pick], change=bool(change))


def _number(text: str) -> int | str | None:
    """Return a number field's whole number, None when left empty, else the text as it is (the
    routine's validation names what is wrong with it)."""
    text = text.strip()
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 6 else text


@router.post("/routines/build", response_class=HTMLResponse)
async def build(request: Request, person: PersonDep) -> Response:
    """Save the routine built in the second step, or show the form again with the problems."""
    form = await request.form(max_fields=MAX_ITEMS * 8 + 10, max_files=0)
    picked = [str(value)[:60] for value in form.getlist("pick")][: MAX_ITEMS + 1]
    name = str(form.get("name", ""))[: MAX_NAME_LENGTH * 2]
    items: list[dict[str, Any]] = []
    values: dict[str, dict[str, Any]] = {}
    for stretch_id in picked:
        item: dict[str, Any] = {"stretch": stretch_id}
        shown: dict[str, Any] = {}
        way = str(form.get(f"way-{stretch_id}", ""))[:20]
        if way:
            item["way"] = shown["way"] = way
        for field, key in (("hold", "hold_seconds"), ("reps", "reps"), ("sets", "sets")):
            text = str(form.get(f"{field}-{stretch_id}", ""))[:10]
            number = _number(text)
            if number is not None:
                item[key] = number
                shown[field] = text
        note = str(form.get(f"note-{stretch_id}", ""))[: MAX_NOTE_LENGTH * 2]
        if note.strip():
            item["note"] = shown["note"] = note
        items.append(item)
        values[stretch_id] = shown
    try:
        built = await run_in_threadpool(build_routine, person, name=name, items=items)
    except (Invalid, Conflict) as error:
        return _builder(
            request,
            person,
            picked=picked,
            values=values,
            name=name,
            problems=[f"Nothing was saved: {error}."],
            status=status_for(error),
        )
    del built  # saved: the routines page lists it
    return RedirectResponse("/routines?done=built", status_code=303)


@router.post("/routines/receive", response_class=HTMLResponse)
async def receive_upload(
    request: Request,
    person: PersonDep,
    file: UploadFile,
    name: Annotated[str, Form(max_length=MAX_NAME_LENGTH * 2)] = "",
) -> Response:
    """Add a routine file someone gave the person: its stretches are checked like an upload."""
    raw = await file.read(MAX_FILE_BYTES + 1)
    shown = file.filename or "the file"
    try:
        await run_in_threadpool(receive_file, person, raw, origin=shown, name=name or None)
    except (Invalid, Conflict) as error:
        status = 413 if len(raw) > MAX_FILE_BYTES else status_for(error)
        return _problems(request, [f"Not added: {error}."], "/routines/build", status)
    return RedirectResponse("/routines?done=added", status_code=303)


# Sharing -----------------------------------------------------------------------------------------


@router.post("/routines/shares", response_class=HTMLResponse)
def make_link(
    request: Request,
    person: PersonDep,
    routine_id: Annotated[int, Form(ge=1, le=MAX_ID)],
) -> Response:
    """Share one of the person's saved routines by link."""
    try:
        share_routine(person, routine_id=routine_id)
    except (Invalid, Conflict) as error:
        return _problems(request, [f"No link was made: {error}."], "/routines", status_for(error))
    return RedirectResponse("/routines?done=shared#shares", status_code=303)


@router.post("/routines/shares/{share_id}/revoke", response_class=HTMLResponse)
def revoke(person: PersonDep, share_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    """Close one of the person's links: it answers "not found" from now on."""
    revoke_share(person, share_id=share_id)
    return RedirectResponse("/routines?done=revoked#shares", status_code=303)


def _download(made: Any) -> Response:
    return Response(
        made.text,
        media_type="application/yaml",
        headers={**NO_STORE, "Content-Disposition": f'attachment; filename="{made.filename}"'},
    )


@router.get("/routines/file")
def download_routine(
    person: PersonDep, routine_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None
) -> Response:
    """One of the person's saved routines as a routine file, own stretches inside (no routine
    asked for: back to the routines page, where the form asks which)."""
    if routine_id is None:
        return RedirectResponse("/routines#shares", status_code=303)
    return _download(routine_file(person, routine_id=routine_id))


# The shared routine: anyone with the link ------------------------------------------------------


def _item_view(item: Any) -> dict[str, Any]:
    from backstretch.render.figures import still_svg

    stretch, way = item.stretch, item.way
    routine_item = item.routine_item
    return {
        "id": stretch.id,
        "name": stretch.name,
        "own": stretch.is_own,
        "summary": stretch.summary,
        "where": way.words,
        "dose": dose_words(routine_item),
        "sides": sides_words(routine_item),
        "note": item.note,
        # Our own renderer's SVG from validated data, every text in it escaped.
        "figure": Markup(still_svg(stretch, way=way, key_only=True)),
        "setup": way.setup,
        "movement": (*stretch.movement_of(way), *stretch.steps.finish),
        "stop_if": stretch.stop_if,
    }


@router.get("/r/{token}", response_class=HTMLResponse)
def shared_page(
    request: Request, runtime: RuntimeDep, person: MaybePersonDep, token: TokenPath
) -> Response:
    """A shared routine, read-only: its stretches, ways, doses and notes, its handout and file,
    and "Add to my routines" for a person with an account."""
    shared = open_share(runtime.services, token)
    return TEMPLATES.TemplateResponse(
        request,
        "shared_routine.html",
        {
            "token": token,
            "routine": shared,
            "items": [_item_view(item) for item in shared.items],
            "minutes": max(1, round(shared.seconds / 60)),
            "can_add": person is not None,
            "login_url": f"/login?next={quote(f'/r/{token}', safe='')}",
            "max_name": MAX_NAME_LENGTH,
        },
        headers=SHARED_HEADERS,
    )


@router.post("/r/{token}/add", response_class=HTMLResponse)
def add_shared(
    request: Request,
    person: PersonDep,
    token: TokenPath,
    name: Annotated[str, Form(max_length=MAX_NAME_LENGTH * 2)] = "",
) -> Response:
    """Add the shared routine to the person's routines (and its stretches to their own)."""
    try:
        receive_share(person, token, name=name or None)
    except (Invalid, Conflict) as error:
        return _problems(request, [f"Not added: {error}."], f"/r/{token}", status_for(error))
    except NotFound as error:
        return _problems(request, [f"Not added: {error}."], "/routines", status_for(error))
    return RedirectResponse("/routines?done=added", status_code=303)


@router.get("/r/{token}/handout.pdf")
async def shared_handout_pdf(
    request: Request, runtime: RuntimeDep, token: TokenPath, paper: PaperQuery = "a4"
) -> Response:
    """The printable handout of a shared routine, as written, with its link as a QR code
    (counted against the viewer's allowance: their account's, or their address's)."""
    link = share_link(request, token)
    pdf = await draw(
        request, lambda: shared_handout(runtime.services, token, link=link, paper=paper)
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            **SHARED_HEADERS,
            "Content-Disposition": 'inline; filename="handout-shared-routine.pdf"',
        },
    )


@router.get("/r/{token}/routine.yaml")
def shared_routine_file(runtime: RuntimeDep, token: TokenPath) -> Response:
    """The shared routine as a routine file (`plan --routine FILE` reads it as it is)."""
    response = _download(shared_file(runtime.services, token))
    response.headers["X-Robots-Tag"] = SHARED_HEADERS["X-Robots-Tag"]
    return response
