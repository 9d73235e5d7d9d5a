"""The guided session in the browser: the page that carries the timeline, and its figures' CSS.

The page embeds today's timeline exactly as `POST /api/plan` returns it; `static/player.js` plays
it against `performance.now()` and records the session through `PUT /api/sessions/{uuid}`, so the
browser and the terminal follow one timeline and one set of stop rules.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from backstretch.core.catalogue import Catalogue, Stretch
from backstretch.core.durations import minutes
from backstretch.core.models import Sides
from backstretch.core.planner import Plan
from backstretch.core.safety import screening_expires_at, stop_outcome, stop_signals_for
from backstretch.core.screening import ScreeningGuide
from backstretch.core.timeline import steps_for_side
from backstretch.services.errors import Blocked
from backstretch.web.deps import PersonDep
from backstretch.web.pages import TEMPLATES
from backstretch.web.plan_pages import PresetQuery, RoutineQuery, asked_for

router = APIRouter(include_in_schema=False)

# Refusals answer 409 Conflict, as the API does when safety does not allow a session: the page
# still shows why and where to go next, and a script or a monitor sees that nothing can be played.
REFUSED = 409
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/player/figures.css")
def figures_css() -> Response:
    """Serve the CSS that shows the figure's pose for the current breath (no inline styles)."""
    from backstretch.render.figures import player_css

    return Response(
        player_css(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/play", response_class=HTMLResponse)
def play(
    request: Request,
    person: PersonDep,
    items: Annotated[str, Query(max_length=1000, description="stretch ids, comma separated")] = "",
    preset: PresetQuery = "",
    routine: RoutineQuery = "",
    desk_break: Annotated[bool, Query(description="the desk break's 1-3 minute routine")] = False,
) -> Any:
    """Play today's routine (a preset's, a saved routine's, these stretches, or the desk break's
    micro-routine); refuse with 409 when safety says no.

    Safety comes first: a missing, incomplete, stale or blocking screening (or an open safety
    block) gives a page that says why, links to the safety questions and has no player. Without
    a remembered profile there is nothing to plan from, so the person is sent to /plan (303).
    An unknown stretch or preset is a 422, an unknown saved routine a 404.
    """
    from backstretch.services.planning import plan_today, remembered_profile
    from backstretch.services.screening import screening_status

    status = screening_status(person)
    if not status.gate.may_play:
        return _refusal(request, status.gate.status.value, status.advice, _here(request))
    if not (preset or routine or desk_break) and remembered_profile(person) is None:
        return RedirectResponse("/plan", status_code=303)
    wanted = [part.strip() for part in items.split(",") if part.strip()]
    try:
        if desk_break:  # the reminders' desk break (services.reminders): 1-3 minutes, seated
            from backstretch.services.reminders import desk_break_plan

            today = desk_break_plan(person).today
        else:
            today = plan_today(person, asked_for(wanted, preset, routine))
    except Blocked as error:  # a block opened since the gate was asked
        return _refusal(request, "blocked", error.advice, _here(request))
    if not today.outcome.gate.may_play:
        return _refusal(request, today.outcome.gate.status.value, None, _here(request))
    plan = today.plan
    if not plan.items:
        return TEMPLATES.TemplateResponse(request, "player.html", {"empty": True}, headers=NO_STORE)
    data = player_data(
        plan,
        catalogue=person.catalogue,
        guide=person.guide,
        emergency_number=person.emergency_number,
        pregnant=any(r.value == "pregnant" for r in today.outcome.restrictions),
        voice=person.preferences.voice,
        lead_in_seconds=person.preferences.lead_in_seconds,
        routine_name=today.name,
    )
    # The page may be kept offline: it carries the moment its screening stops allowing a
    # session, and the browser refuses to start after it (the gate allowed play, so one exists).
    if status.latest is not None:
        data["screening_expires_at"] = screening_expires_at(status.latest.answered_at).isoformat()
    return TEMPLATES.TemplateResponse(
        request,
        "player.html",
        {
            "data": data,
            "items": data["items"],
            "changes": today.changes,
            "figures": _figures(plan),
            "reminder": person.guide.session_reminder,
            "signals": data["signals"],
            "screen_again": _screen_again(_here(request)),
            "length": minutes(plan.total_seconds),
        },
        headers=NO_STORE,
    )


def player_data(
    plan: Plan,
    *,
    catalogue: Catalogue,
    guide: ScreeningGuide,
    emergency_number: str,
    pregnant: bool,
    voice: bool,
    lead_in_seconds: int,
    routine_name: str,
) -> dict[str, Any]:
    """Return what the browser player needs: the routine, the timeline, the words to speak, and
    the stop signals with their advice."""
    from backstretch.core.dose import describe_dose
    from backstretch.core.timeline import spoken  # the terminal's words: both players say the same
    from backstretch.services.sessions import stop_advice

    items = []
    for planned in plan.items:
        stretch, dose = planned.item.stretch, planned.item.dose
        planned_dose = stretch.dose.model_copy(
            update={
                "sets": dose.sets,
                "reps": dose.reps,
                "sides": dose.sides,
                "hold_seconds": dose.hold_seconds,
            }
        )
        way = planned.item.way
        items.append(
            {
                **planned.to_json(),
                "dose": describe_dose(stretch, planned_dose),
                # The steps of the way it is planned: the player shows them large the first
                # time the stretch comes up, and folded away when it comes up again.
                "setup": list(way.setup),
                "movement": list(stretch.movement_of(way)),
            }
        )
        if stretch.dose.sides is Sides.EACH:
            # Done one side at a time: the steps as they read on each side, the side they are
            # not written for mirrored ("left ankle onto your right knee"); the player shows the
            # side that is playing.
            on = {side: steps_for_side(stretch, way, side) for side in ("left", "right")}
            items[-1]["steps_by_side"] = {
                side: {"setup": list(steps.setup), "movement": list(steps.movement)}
                for side, steps in on.items()
            }
    labels = {text.id: text.label for text in guide.stop_signals}
    signals = [
        {
            "id": signal.value,
            "label": labels[signal.value],
            "advice": stop_advice(guide, signal, emergency_number),
            "ends_session": stop_outcome(signal).ends_session,
            "opens_block": stop_outcome(signal).block is not None,
        }
        for signal in stop_signals_for(pregnant=pregnant)
    ]
    return {
        "routine_name": routine_name,
        "items": items,
        "timeline": [segment.to_json() for segment in plan.segments],
        "spoken": [spoken(segment, catalogue) for segment in plan.segments],
        "signals": signals,
        "voice": voice,
        "lead_in_seconds": lead_in_seconds,
        "total_seconds": plan.total_seconds,
    }


def _figures(plan: Plan) -> list[dict[str, Any]]:
    """Return each stretch's player figure, drawn the way it is planned: a left and a right one
    for a one-sided stretch."""
    from backstretch.render.figures import player_svg
    from backstretch.render.layout import Side, is_one_sided

    figures = []
    for planned in plan.items:
        stretch: Stretch = planned.item.stretch
        way = planned.item.way
        sides: tuple[Side | None, ...] = ("left", "right") if is_one_sided(stretch) else (None,)
        for side in sides:
            svg = player_svg(stretch, side=side, inline_style=False, way=way)
            figures.append(
                {
                    "stretch": stretch.id,
                    "side": side or "",
                    # Our own renderer, from validated data, with every text escaped.
                    "svg": Markup(svg),
                }
            )
    return figures


def _here(request: Request) -> str:
    """Return this page's own path and query, to come back to after the safety questions."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _screen_again(here: str) -> str:
    """Return the link to the safety questions that comes back here once they are answered."""
    return "/screen?next=" + quote(here, safe="/")


def _refusal(
    request: Request, refused: str, advice: dict[str, Any] | None, here: str = "/play"
) -> Any:
    """Return the page that says why no session can be played now (`refused`: the gate's
    status), with the advice when safety blocks a routine and a way back to the player once
    the safety questions are answered."""
    return TEMPLATES.TemplateResponse(
        request,
        "player.html",
        {"refused": refused, "advice": advice, "screen_again": _screen_again(here)},
        status_code=REFUSED,
        headers=NO_STORE,
    )
