"""The printable handout of the plan page's routine: `GET /plan/handout.pdf`.

It takes the plan page's own query (`preset`, `routine`, `items`) and a `paper` size, so the
handout shows exactly the routine the page shows; the link printed under its QR code is that
plan page, on the address the request came to. A safety block answers 409 with the advice, as
the API does; nothing is printed then. Drawn in turn and within an allowance (`web/documents.py`).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from backstretch.web.deps import PersonDep
from backstretch.web.documents import draw
from backstretch.web.pages import TEMPLATES
from backstretch.web.plan_pages import (
    ItemsQuery,
    PresetQuery,
    RoutineQuery,
    _item_ids,
    _plan_url,
    asked_for,
)

router = APIRouter(include_in_schema=False)

HANDOUT_PATH = "/plan/handout.pdf"
PaperQuery = Annotated[str, Query(max_length=10)]


def handout_url(address: str = "/plan", *, paper: str = "a4", routine: str = "") -> str:
    """Return the handout's address for the plan page at `address` (its preset, routine and
    edited items), or for the saved routine named `routine`, on `paper`."""
    query = dict(parse_qsl(urlsplit(address).query))
    if routine:
        query["routine"] = routine
    return f"{HANDOUT_PATH}?{urlencode({**query, 'paper': paper})}"


TEMPLATES.env.globals["handout_url"] = handout_url


@router.get(HANDOUT_PATH)
async def handout(
    request: Request,
    person: PersonDep,
    paper: PaperQuery = "a4",
    items: ItemsQuery = "",
    preset: PresetQuery = "",
    routine: RoutineQuery = "",
) -> Response:
    """The handout of today's routine (or a preset's, or a saved routine's) as a PDF."""
    from backstretch.services.handout import handout_pdf
    from backstretch.services.planning import remembered_profile

    if not (preset or routine) and await run_in_threadpool(remembered_profile, person) is None:
        return RedirectResponse("/profile", status_code=303)
    ids = _item_ids(items)
    plan_page = _plan_url(ids, preset=preset, routine=routine)
    link = str(request.base_url).rstrip("/") + plan_page
    choice = asked_for(ids, preset, routine)
    made = await draw(request, lambda: handout_pdf(person, choice, paper=paper, link=link))
    return Response(
        made.pdf,
        media_type="application/pdf",
        headers={
            # Shown in the browser's viewer, ready to print; saved under the routine's name.
            "Content-Disposition": f'inline; filename="{made.filename}"',
            "Cache-Control": "no-store",
        },
    )
