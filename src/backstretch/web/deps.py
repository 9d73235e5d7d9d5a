"""What routes ask for: the runtime, a database session, the time, the person's settings.

API routes and pages use the same dependencies, so they answer from the same state.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from backstretch.db.engine import transaction
from backstretch.services.preferences import Preferences, load_preferences, with_preferences
from backstretch.services.screening import Context
from backstretch.web.app import Runtime, get_runtime


async def get_owner(request: Request, runtime: Annotated[Runtime, Depends(get_runtime)]) -> int:
    """Return whose data this request may reach: the local person in single-person mode, the
    logged-in person with accounts (nobody logged in: `NotLoggedIn`, a 401 or a login page)."""
    from backstretch.web.auth import current_account

    return await current_account(request, runtime)


def get_db(
    runtime: Annotated[Runtime, Depends(get_runtime)], owner: Annotated[int, Depends(get_owner)]
) -> Iterator[Session]:
    """Yield a session over the person's own rows, committed together when the route succeeds."""
    with transaction(runtime.store.for_owner(owner)) as session:
        yield session


async def get_now(request: Request) -> datetime:
    """Return the current time from the app's clock (tests replace it)."""
    now: datetime = request.app.state.clock()
    return now


def get_preferences(
    runtime: Annotated[Runtime, Depends(get_runtime)], session: Annotated[Session, Depends(get_db)]
) -> Preferences:
    """Return the person's settings: stored ones over the environment's defaults."""
    return load_preferences(session, runtime.settings, runtime.context.timezone)


def personal_context(runtime: Runtime, session: Session, preferences: Preferences) -> Context:
    """Return the screening context of the person `session` was made for: their emergency
    number and time zone, and their catalogue (the built-in stretches and their own)."""
    from dataclasses import replace

    from backstretch.data.own import catalogue_for

    context = with_preferences(runtime.context, preferences)
    return replace(context, catalogue=catalogue_for(session))


def get_context(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    preferences: Annotated[Preferences, Depends(get_preferences)],
    session: Annotated[Session, Depends(get_db)],
) -> Context:
    """Return the person's screening context: settings applied, their own stretches included."""
    return personal_context(runtime, session, preferences)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
OwnerDep = Annotated[int, Depends(get_owner)]
DbDep = Annotated[Session, Depends(get_db)]
NowDep = Annotated[datetime, Depends(get_now)]
PreferencesDep = Annotated[Preferences, Depends(get_preferences)]
ContextDep = Annotated[Context, Depends(get_context)]
