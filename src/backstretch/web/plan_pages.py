"""The profile and today's plan, with edits: drop or replace a stretch, never again, favourites.

Today's edits live in the address (`/plan?items=a,b,c`): a routine of chosen stretches that the
planner still runs through every safety rule, so an edit can never let a stretch through that
the screening rules out. "Never suggest again" and favourites are kept in the stored profile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from backstretch.core.catalogue import Catalogue, UnknownStretchError
from backstretch.core.models import Level, Region
from backstretch.core.plan_words import clock_minutes, dose_words, reason_text
from backstretch.core.planner import Limits, Plan, resolve
from backstretch.core.profile import Profile, ProfileError, Setting, TimeOfDay, parse_profile
from backstretch.core.screening import ALWAYS_ON
from backstretch.db import repository
from backstretch.web.deps import ContextDep, DbDep, NowDep, PreferencesDep
from backstretch.web.pages import TEMPLATES
from backstretch.web.today import plan_with_items, stored_profile

router = APIRouter(include_in_schema=False)

MINUTE_CHOICES = (3, 5, 10, 15, 20, 30)
ItemsQuery = Annotated[str, Query(max_length=1000, pattern=r"^[a-z0-9,-]*$")]


def _item_ids(items: str) -> list[str]:
    return [i for i in items.split(",") if i]


def _plan_url(ids: list[str], path: str = "/plan") -> str:
    return f"{path}?{urlencode({'items': ','.join(ids)})}" if ids else path


def _problems(request: Request, problems: list[str], back: str) -> Response:
    return TEMPLATES.TemplateResponse(
        request, "problem.html", {"problems": problems, "back": back}, status_code=422
    )


# The profile -------------------------------------------------------------------------------------


@router.get("/profile", response_class=HTMLResponse)
def profile_form(request: Request, session: DbDep, context: ContextDep) -> Response:
    """Where it feels tight, the time there is, where the person is, and their lists."""
    profile = stored_profile(session)
    names = {stretch.id: stretch.name for stretch in context.catalogue}
    return TEMPLATES.TemplateResponse(
        request,
        "profile.html",
        {
            "profile": profile,
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
    session: DbDep,
    now: NowDep,
    areas: Annotated[list[str], Form(max_length=10)] = [],  # noqa: B006 - FastAPI copies it
    minutes: Annotated[str, Form(max_length=3)] = "10",
    setting: Annotated[str, Form(max_length=20)] = "floor",
    level: Annotated[str, Form(max_length=20)] = "standard",
    time_of_day: Annotated[str, Form(max_length=20)] = "any",
) -> Response:
    """Store the profile (keeping the lists) and go on to today's plan."""
    kept = stored_profile(session)
    data: dict[str, Any] = {
        "areas": areas,
        "minutes": int(minutes) if minutes.isdigit() else minutes,
        "setting": setting,
        "level": level,
        "time_of_day": time_of_day,
        "avoid": list(kept.avoid) if kept else [],
        "favourites": list(kept.favourites) if kept else [],
    }
    if not areas:
        return _problems(request, ["areas: choose at least one area"], "/profile")
    try:
        profile = parse_profile(data)
    except ProfileError as error:
        return _problems(request, [str(error)], "/profile")
    _store(session, profile, now)
    return RedirectResponse("/plan", status_code=303)


def _store(session: Session, profile: Profile, now: datetime) -> None:
    repository.save_profile(session=session, data=profile.model_dump(mode="json"), at=now)


def _unknown_stretch(request: Request, catalogue: Catalogue, stretch: str) -> Response | None:
    if stretch in {s.id for s in catalogue}:
        return None
    return _problems(request, [f"stretch: unknown stretch '{stretch}'"], "/plan")


def _lists_changed(
    session: Session, now: datetime, stretch: str, *, avoid: bool, favourite: bool
) -> Profile | None:
    """Put the stretch on (or take it off) the never-suggest and favourite lists."""
    profile = stored_profile(session)
    if profile is None:
        return None
    avoided = [s for s in profile.avoid if s != stretch] + ([stretch] if avoid else [])
    favourites = [s for s in profile.favourites if s != stretch]
    if favourite:
        favourites.append(stretch)
    changed = profile.model_copy(update={"avoid": tuple(avoided), "favourites": tuple(favourites)})
    _store(session, changed, now)
    return changed


@router.post("/profile/avoid", response_class=HTMLResponse)
def never_again(
    request: Request,
    session: DbDep,
    now: NowDep,
    context: ContextDep,
    stretch: Annotated[str, Form(max_length=60)],
    items: Annotated[str, Form(max_length=1000)] = "",
    undo: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Never suggest this stretch again (or, with `undo`, allow it again)."""
    if (unknown := _unknown_stretch(request, context.catalogue, stretch)) is not None:
        return unknown
    profile = stored_profile(session)
    favourite = profile is not None and stretch in profile.favourites and bool(undo)
    if _lists_changed(session, now, stretch, avoid=not undo, favourite=favourite) is None:
        return RedirectResponse("/profile", status_code=303)
    back = "/profile" if undo else _plan_url([i for i in _item_ids(items) if i != stretch])
    return RedirectResponse(back, status_code=303)


@router.post("/profile/favourite", response_class=HTMLResponse)
def favourite(
    request: Request,
    session: DbDep,
    now: NowDep,
    context: ContextDep,
    stretch: Annotated[str, Form(max_length=60)],
    items: Annotated[str, Form(max_length=1000)] = "",
    remove: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Mark a stretch as a favourite (planned first when it fits), or unmark it."""
    if (unknown := _unknown_stretch(request, context.catalogue, stretch)) is not None:
        return unknown
    if _lists_changed(session, now, stretch, avoid=False, favourite=not remove) is None:
        return RedirectResponse("/profile", status_code=303)
    return RedirectResponse(_plan_url(_item_ids(items)), status_code=303)


# Today's plan ------------------------------------------------------------------------------------


def _reasons(reasons: Any) -> str:
    return reason_text([r.to_json() for r in reasons])


def _plan_view(plan: Plan, catalogue: Catalogue) -> dict[str, Any]:
    return {
        "items": [
            {
                "id": p.item.stretch.id,
                "name": p.item.stretch.name,
                "dose": dose_words(p.item),
                "sides": p.item.dose.sides.value,
                "time": clock_minutes(p.seconds),
                "why": p.why,
            }
            for p in plan.items
        ],
        "swaps": [
            {
                "from": catalogue.get(s.from_id).name,
                "to": catalogue.get(s.to_id).name,
                "why": _reasons(s.reasons),
            }
            for s in plan.swaps
        ],
        "excluded": [
            {"name": catalogue.get(e.stretch).name, "why": _reasons(e.reasons)}
            for e in plan.excluded
            if not all(r.kind.value == "time" for r in e.reasons)
        ],
        "total": clock_minutes(plan.total_seconds),
        "budget": clock_minutes(plan.budget_seconds),
    }


@router.get("/plan", response_class=HTMLResponse)
def plan_page(
    request: Request,
    session: DbDep,
    now: NowDep,
    context: ContextDep,
    preferences: PreferencesDep,
    items: ItemsQuery = "",
) -> Response:
    """Today's routine: dose, time, reasons, swaps and exclusions, with the edits."""
    profile = stored_profile(session)
    if profile is None:
        return RedirectResponse("/profile", status_code=303)
    ids = _item_ids(items)
    try:
        upcoming = plan_with_items(
            session,
            profile=profile,
            context=context,
            preferences=preferences,
            now=now,
            stretch_ids=ids,
        )
    except UnknownStretchError as error:
        return _problems(request, [f"items: {error}"], "/plan")
    outcome = upcoming.outcome
    view = _plan_view(outcome.plan, context.catalogue) if outcome.plan else None
    planned = [i["id"] for i in view["items"]] if view else []
    return TEMPLATES.TemplateResponse(
        request,
        "plan.html",
        {
            "profile": profile,
            "outcome": outcome,
            "plan": view,
            "changes": upcoming.changes,
            "edited": bool(ids),
            "planned": planned,
            "items_value": ",".join(planned),
            "drop_urls": {i: _plan_url([p for p in planned if p != i]) for i in planned},
            "play_url": _plan_url(planned, "/play") if ids else "/play",
            "reminder": context.guide.session_reminder,
        },
    )


@router.get("/plan/replace", response_class=HTMLResponse)
def replace_options(
    request: Request,
    session: DbDep,
    context: ContextDep,
    stretch: Annotated[str, Query(max_length=60)],
    items: ItemsQuery = "",
) -> Response:
    """The stretches that could take this one's place: same area, allowed, not in the plan."""
    profile = stored_profile(session)
    if profile is None:
        return RedirectResponse("/profile", status_code=303)
    try:
        current = context.catalogue.get(stretch)
    except UnknownStretchError as error:
        return _problems(request, [f"stretch: {error}"], "/plan")
    planned = _item_ids(items)
    latest = repository.latest_screening(session=session)
    limits = Limits(
        restrictions=frozenset({*(latest.restrictions if latest else ()), *ALWAYS_ON}),
        pregnancy_weeks=latest.pregnancy_weeks if latest else None,
    )
    options = []
    for candidate in context.catalogue:
        if candidate.id == current.id or candidate.id in planned:
            continue
        if not set(candidate.regions) & set(current.regions):
            continue
        choice, swap, _ = resolve(candidate, context.catalogue, profile, limits)
        if choice is None or swap is not None:
            continue  # only stretches allowed as they are; the planner checks again anyway
        ids = [candidate.id if i == current.id else i for i in planned]
        options.append({"stretch": candidate, "url": _plan_url(ids)})
    return TEMPLATES.TemplateResponse(
        request,
        "replace.html",
        {"current": current, "options": options, "back": _plan_url(planned)},
    )
