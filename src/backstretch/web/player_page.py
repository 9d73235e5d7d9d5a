"""The guided session in the browser: the page that carries the timeline, and its figures' CSS.

The page embeds today's timeline exactly as `POST /api/plan` returns it; `static/player.js` plays
it against `performance.now()` and records the session through `PUT /api/sessions/{uuid}`, so the
browser and the terminal follow one timeline and one set of stop rules.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from backstretch.core.catalogue import Catalogue, Stretch, UnknownStretchError
from backstretch.core.planner import Plan
from backstretch.core.safety import (
    Gate,
    GateStatus,
    screening_expires_at,
    stop_outcome,
    stop_signals_for,
)
from backstretch.core.screening import ScreeningGuide
from backstretch.services.screening import Context
from backstretch.web.deps import ContextDep, DbDep, NowDep, PreferencesDep
from backstretch.web.pages import TEMPLATES

router = APIRouter(include_in_schema=False)

# Refusals answer 409 Conflict, as the API does when safety does not allow a session: the page
# still shows why and where to go next, and a script or a monitor sees that nothing can be played.
REFUSED = 409
NO_STORE = {"Cache-Control": "no-store"}


@router.get("/player/figures.css")
def figures_css() -> Response:
    """Serve the CSS that shows the figure's pose for the current breath (no inline styles)."""
    from backstretch.core.figures.render import player_css

    return Response(
        player_css(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/play", response_class=HTMLResponse)
def play(
    request: Request,
    context: ContextDep,
    preferences: PreferencesDep,
    session: DbDep,
    now: NowDep,
    items: Annotated[str, Query(max_length=1000, description="stretch ids, comma separated")] = "",
) -> Any:
    """Play today's routine (or these stretches); refuse with 409 when safety says no.

    Safety comes first: a missing, incomplete, stale or blocking screening (or an open safety
    block) gives a page that says why, links to the safety questions and has no player. Without
    a remembered profile there is nothing to plan from, so the person is sent to /plan (303).
    """
    from backstretch.services.screening import current_gate
    from backstretch.web.today import plan_with_items, stored_profile

    gate = current_gate(session, now=now)
    if not gate.may_play:
        return _refusal(request, session, context, gate)
    profile = stored_profile(session)
    if profile is None:
        return RedirectResponse("/plan", status_code=303)
    wanted = [part.strip() for part in items.split(",") if part.strip()]
    try:
        upcoming = plan_with_items(
            session,
            profile=profile,
            context=context,
            preferences=preferences,
            now=now,
            stretch_ids=wanted,
        )
    except UnknownStretchError as error:
        raise HTTPException(422, detail=f"items: {error}") from None
    outcome = upcoming.outcome
    if outcome.plan is None or not outcome.gate.may_play:
        return _refusal(request, session, context, outcome.gate)
    if not outcome.plan.items:
        return TEMPLATES.TemplateResponse(request, "player.html", {"empty": True}, headers=NO_STORE)
    pregnant = any(r.value == "pregnant" for r in outcome.restrictions)
    data = player_data(
        outcome.plan,
        catalogue=context.catalogue,
        guide=context.guide,
        emergency_number=context.emergency_number,
        pregnant=pregnant,
        voice=preferences.voice,
        lead_in_seconds=preferences.lead_in_seconds,
        routine_name="My routine",
    )
    # The page may be kept offline: it carries the moment its screening stops allowing a
    # session, and the browser refuses to start after it (the gate allowed play, so one exists).
    from backstretch.db import repository

    latest = repository.latest_screening(session=session)
    if latest is not None:
        data["screening_expires_at"] = screening_expires_at(latest.answered_at).isoformat()
    return TEMPLATES.TemplateResponse(
        request,
        "player.html",
        {
            "data": data,
            "items": data["items"],
            "changes": upcoming.changes,
            "figures": _figures(outcome.plan, context.catalogue),
            "reminder": context.guide.session_reminder,
            "signals": data["signals"],
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
        items.append(
            {
                **planned.to_json(),
                "dose": describe_dose(stretch, planned_dose),
            }
        )
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


def _figures(plan: Plan, catalogue: Catalogue) -> list[dict[str, Any]]:
    """Return each stretch's player figure: a left and a right one for a one-sided stretch."""
    from backstretch.core.figures.layout import Side, is_one_sided
    from backstretch.core.figures.render import player_svg

    figures = []
    for stretch_id in dict.fromkeys(p.item.stretch.id for p in plan.items):
        stretch: Stretch = catalogue.get(stretch_id)
        sides: tuple[Side | None, ...] = ("left", "right") if is_one_sided(stretch) else (None,)
        for side in sides:
            figures.append(
                {
                    "stretch": stretch.id,
                    "side": side or "",
                    # Our own renderer, from validated data, with every text escaped.
                    "svg": Markup(player_svg(stretch, side=side, inline_style=False)),
                }
            )
    return figures


def _refusal(request: Request, session: Session, context: Context, gate: Gate) -> Any:
    """Return the page that says why no session can be played now."""
    from backstretch.services.planning import blocking_advice

    advice = None
    if gate.status is GateStatus.BLOCKED:
        advice = blocking_advice(session, context.guide, context.emergency_number)
    return TEMPLATES.TemplateResponse(
        request,
        "player.html",
        {"refused": gate.status.value, "advice": advice},
        status_code=REFUSED,
        headers=NO_STORE,
    )
