"""The profile and today's plan, with edits: drop or replace a stretch, never again, favourites.

Today's edits live in the address (`/plan?items=a,b,c`): a routine of chosen stretches that the
planner still runs through every safety rule, so an edit can never let a stretch through that
the screening rules out. "Never suggest again" and favourites are kept in the stored profile.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backstretch.core.catalogue import Catalogue, UnknownStretchError
from backstretch.core.models import Level, Region
from backstretch.core.plan_words import full_dose_words, plan_notes, summary_line
from backstretch.core.planner import Plan
from backstretch.core.profile import Setting, TimeOfDay
from backstretch.services.context import PersonContext
from backstretch.services.errors import Invalid
from backstretch.services.planning import (
    PlanChoice,
    mark_stretch,
    plan_today,
    remember_profile,
    remembered_profile,
    replacements,
)
from backstretch.web.deps import PersonDep
from backstretch.web.pages import TEMPLATES

router = APIRouter(include_in_schema=False)

MINUTE_CHOICES = (3, 5, 10, 15, 20, 30)
ItemsQuery = Annotated[str, Query(max_length=1000, pattern=r"^[a-z0-9,-]*$")]
# Today's plan may be a ready-made routine's (`?preset=`) or a saved routine's (`?routine=`).
PresetQuery = Annotated[str, Query(max_length=60)]
RoutineQuery = Annotated[str, Query(max_length=240)]


def _item_ids(items: str) -> list[str]:
    return [i for i in items.split(",") if i]


def _plan_url(ids: list[str], path: str = "/plan", *, preset: str = "", routine: str = "") -> str:
    asked = {"preset": preset, "routine": routine, "items": ",".join(ids)}
    query = {key: value for key, value in asked.items() if value}
    return f"{path}?{urlencode(query)}" if query else path


def asked_for(ids: list[str], preset: str, routine: str) -> PlanChoice:
    """Return the plan a page asks for: a preset's or a saved routine's (else the person's own),
    edited to these stretches when any are given."""
    return PlanChoice(stretch_ids=ids, preset=preset or None, routine=routine or None)


def _problems(request: Request, problems: list[str], back: str) -> Response:
    return TEMPLATES.TemplateResponse(
        request, "problem.html", {"problems": problems, "back": back}, status_code=422
    )


# The profile -------------------------------------------------------------------------------------


@router.get("/profile", response_class=HTMLResponse)
def profile_form(request: Request, person: PersonDep) -> Response:
    """Where it feels tight, the time there is, where the person is, and their lists.

    A first visit has the fewest taps to make: 10 minutes, and the floor unless the safety
    check said getting down to the floor is hard (then a chair)."""
    from backstretch.core.screening import Restriction
    from backstretch.services.screening import latest_answers

    names = {stretch.id: stretch.name for stretch in person.catalogue}
    no_floor = (latest_answers(person) or {}).get(Restriction.NO_FLOOR.value) is True
    return TEMPLATES.TemplateResponse(
        request,
        "profile.html",
        {
            "profile": remembered_profile(person),
            "default_setting": Setting.CHAIR if no_floor else Setting.FLOOR,
            "areas": list(Region),
            "settings": list(Setting),
            "levels": list(Level),
            "times": list(TimeOfDay),
            "minute_choices": MINUTE_CHOICES,
            "names": names,
        },
    )


@router.post("/profile", response_class=HTMLResponse)
def save_profile_form(
    request: Request,
    person: PersonDep,
    areas: Annotated[list[str], Form(max_length=10)] = [],  # noqa: B006 - FastAPI copies it
    minutes: Annotated[str, Form(max_length=3)] = "10",
    setting: Annotated[str, Form(max_length=20)] = "floor",
    level: Annotated[str, Form(max_length=20)] = "standard",
    time_of_day: Annotated[str, Form(max_length=20)] = "any",
    start: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Store the profile (keeping the lists) and go on to today's plan, or straight to the
    player ("Save and start")."""
    if not areas:
        return _problems(request, ["areas: choose at least one area"], "/profile")
    choices: dict[str, Any] = {
        "areas": areas,
        "minutes": int(minutes) if minutes.isdigit() else minutes,
        "setting": setting,
        "level": level,
        "time_of_day": time_of_day,
    }
    try:
        remember_profile(person, choices)
    except Invalid as error:
        return _problems(request, [error.message], "/profile")
    return RedirectResponse("/play" if start else "/plan", status_code=303)


def _marked(
    request: Request,
    person: PersonContext,
    stretch: str,
    back: str,
    *,
    avoid: bool | None = None,
    favourite: bool | None = None,
) -> Response:
    try:
        profile = mark_stretch(person, stretch, avoid=avoid, favourite=favourite)
    except Invalid as error:
        return _problems(request, [error.message], "/plan")
    return RedirectResponse("/profile" if profile is None else back, status_code=303)


@router.post("/profile/avoid", response_class=HTMLResponse)
def never_again(
    request: Request,
    person: PersonDep,
    stretch: Annotated[str, Form(max_length=60)],
    items: Annotated[str, Form(max_length=1000)] = "",
    undo: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Never suggest this stretch again (or, with `undo`, allow it again)."""
    if undo:
        return _marked(request, person, stretch, "/profile", avoid=False)
    back = _plan_url([i for i in _item_ids(items) if i != stretch])
    return _marked(request, person, stretch, back, avoid=True, favourite=False)


@router.post("/profile/favourite", response_class=HTMLResponse)
def favourite(
    request: Request,
    person: PersonDep,
    stretch: Annotated[str, Form(max_length=60)],
    items: Annotated[str, Form(max_length=1000)] = "",
    remove: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Mark a stretch as a favourite (planned first when it fits), or unmark it."""
    back = _plan_url(_item_ids(items))
    return _marked(request, person, stretch, back, avoid=False, favourite=not remove)


# Today's plan ------------------------------------------------------------------------------------


def _plan_view(plan: Plan, catalogue: Catalogue, setting: str) -> dict[str, Any]:
    from markupsafe import Markup

    from backstretch.render.figures import still_svg

    def name(stretch_id: str) -> str:
        return catalogue.get(stretch_id).name

    return {
        "items": [
            {
                "id": p.item.stretch.id,
                "name": p.item.stretch.name,
                "dose": full_dose_words(p.item),
                "sets": p.item.dose.sets,
                "reps": p.item.dose.reps,
                "hold": p.item.dose.hold_seconds,
                "sides": p.item.dose.sides.value,
                "way": p.item.way.place.value,
                "where": p.item.way.words,
                "why": p.why,
                # Our own renderer's SVG from validated data, every text in it escaped.
                "thumb": Markup(still_svg(p.item.stretch, key_only=True, way=p.item.way)),
            }
            for p in plan.items
        ],
        "summary": summary_line(plan.total_seconds, len(plan.items), setting),
        "notes": plan_notes(plan, name),
        "uncovered": [note.hint for note in plan.uncovered],
    }


@router.get("/plan", response_class=HTMLResponse)
def plan_page(
    request: Request,
    person: PersonDep,
    items: ItemsQuery = "",
    preset: PresetQuery = "",
    routine: RoutineQuery = "",
) -> Response:
    """Today's routine (or a preset's, or a saved routine's): dose, time, reasons, swaps and
    exclusions, with the edits."""
    if not (preset or routine) and remembered_profile(person) is None:
        return RedirectResponse("/profile", status_code=303)
    ids = _item_ids(items)
    try:
        today = plan_today(person, asked_for(ids, preset, routine), raise_blocked=False)
    except Invalid as error:
        return _problems(request, [error.message], "/plan")
    outcome = today.outcome
    setting = outcome.profile.setting.value
    view = _plan_view(outcome.plan, person.catalogue, setting) if outcome.plan else None
    planned = [i["id"] for i in view["items"]] if view else []
    asked = {"preset": preset, "routine": routine}
    return TEMPLATES.TemplateResponse(
        request,
        "plan.html",
        {
            "profile": outcome.profile,
            "outcome": outcome,
            "plan": view,
            # A ready-made or saved routine is named; the planner's own is "Today's routine".
            "named": bool(preset or routine),
            "name": today.name,
            "changes": today.changes,
            "edited": bool(ids),
            "planned": planned,
            "items_value": ",".join(planned),
            "drop_urls": {i: _plan_url([p for p in planned if p != i], **asked) for i in planned},
            "play_url": _plan_url(planned if ids else [], "/play", **asked),
            "suggested_url": _plan_url([], **asked),
            "reminder": person.guide.session_reminder,
        },
    )


@router.get("/plan/replace", response_class=HTMLResponse)
def replace_options(
    request: Request,
    person: PersonDep,
    stretch: Annotated[str, Query(max_length=60)],
    items: ItemsQuery = "",
) -> Response:
    """The stretches that could take this one's place: same area, allowed, not in the plan."""
    profile = remembered_profile(person)
    if profile is None:
        return RedirectResponse("/profile", status_code=303)
    try:
        current = person.catalogue.get(stretch)
    except UnknownStretchError as error:
        return _problems(request, [f"stretch: {error}"], "/plan")
    planned = _item_ids(items)
    options = [
        {
            "stretch": candidate,
            "url": _plan_url([candidate.id if i == current.id else i for i in planned]),
        }
        for candidate in replacements(person, profile, current, planned)
    ]
    return TEMPLATES.TemplateResponse(
        request,
        "replace.html",
        {"current": current, "options": options, "back": _plan_url(planned)},
    )
