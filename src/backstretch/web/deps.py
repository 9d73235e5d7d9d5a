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


def get_db(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Iterator[Session]:
    """Yield a database session whose work is committed together when the route succeeds."""
    with transaction(runtime.store.sessions) as session:
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


async def get_context(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    preferences: Annotated[Preferences, Depends(get_preferences)],
) -> Context:
    """Return the screening context with the person's emergency number and time zone."""
    return with_preferences(runtime.context, preferences)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
DbDep = Annotated[Session, Depends(get_db)]
NowDep = Annotated[datetime, Depends(get_now)]
PreferencesDep = Annotated[Preferences, Depends(get_preferences)]
ContextDep = Annotated[Context, Depends(get_context)]
