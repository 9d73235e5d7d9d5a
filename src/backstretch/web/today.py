"""Today's plan, as the API, the plan page and the player page all make it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from backstretch.core.catalogue import Catalogue
from backstretch.core.planner import Request, Strategy
from backstretch.core.profile import Profile, ProfileError, parse_profile
from backstretch.core.timeline import ItemDose, TimelineSettings
from backstretch.db import repository
from backstretch.services.clock import local_day
from backstretch.services.preferences import Preferences
from backstretch.services.screening import Context
from backstretch.services.sessions import NextPlan, plan_next


def stored_profile(session: Session) -> Profile | None:
    """Return the remembered profile, or None when there is none (or it no longer parses)."""
    data = repository.load_profile(session=session)
    if data is None:
        return None
    try:
        return parse_profile(data)
    except ProfileError:
        return None


def timeline_settings(preferences: Preferences) -> TimelineSettings:
    """Return the timeline settings the person chose."""
    return TimelineSettings(lead_in_seconds=preferences.lead_in_seconds)


def plan_today(
    session: Session,
    *,
    profile: Profile,
    context: Context,
    preferences: Preferences,
    now: datetime,
    requests: Sequence[Request] | None = None,
    strategy: Strategy | None = None,
) -> NextPlan:
    """Plan today's routine (or say why not) with the stored progression and the settings."""
    return plan_next(
        session,
        profile=profile,
        catalogue=context.catalogue,
        guide=context.guide,
        emergency_number=context.emergency_number,
        now=now,
        on=local_day(now, context.timezone),
        requests=requests,
        strategy=strategy,
        settings=timeline_settings(preferences),
    )


def requests_for(
    stretch_ids: Sequence[str], catalogue: Catalogue, doses: Mapping[str, ItemDose] | None = None
) -> tuple[Request, ...] | None:
    """Return the routine asked for by a list of stretch ids (None for an empty list).

    A stretch found in `doses` keeps that dose; others get the catalogue's. Unknown ids raise
    `UnknownStretchError`; the planner still applies every safety rule.
    """
    if not stretch_ids:
        return None
    doses = doses or {}
    return tuple(Request(catalogue.get(i).id, doses.get(i)) for i in stretch_ids)


def plan_with_items(
    session: Session,
    *,
    profile: Profile,
    context: Context,
    preferences: Preferences,
    now: datetime,
    stretch_ids: Sequence[str],
) -> NextPlan:
    """Plan today's routine, edited to these stretches when any are given.

    A stretch kept from the suggested routine keeps its suggested dose, so dropping one stretch
    never squeezes out another; a stretch put in its place starts at the catalogue's dose.
    """
    suggested = plan_today(
        session, profile=profile, context=context, preferences=preferences, now=now
    )
    if not stretch_ids or suggested.outcome.plan is None:
        return suggested
    doses = {item.stretch.id: item.dose for item in suggested.outcome.plan.routine}
    return plan_today(
        session,
        profile=profile,
        context=context,
        preferences=preferences,
        now=now,
        requests=requests_for(stretch_ids, context.catalogue, doses),
    )
