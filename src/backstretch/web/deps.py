"""What routes ask for: the runtime, whose data the request may reach, and that person's context.

API routes and pages use the same dependencies, so they answer from the same state; tests replace
them with `app.dependency_overrides`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from backstretch.services.context import PersonContext
from backstretch.web.app import Runtime, get_runtime


async def get_owner(request: Request, runtime: Annotated[Runtime, Depends(get_runtime)]) -> int:
    """Return whose data this request may reach: the local person in single-person mode, the
    logged-in person with accounts (nobody logged in: `NotLoggedIn`, a 401 or a login page)."""
    from backstretch.web.auth import current_account

    return await current_account(request, runtime)


def get_person(
    runtime: Annotated[Runtime, Depends(get_runtime)], owner: Annotated[int, Depends(get_owner)]
) -> PersonContext:
    """Return the context of the person asking: their settings, catalogue and rows."""
    return runtime.services.person(owner)


async def get_known_person(request: Request) -> int | None:
    """Return the id of the person asking, or None for a visitor nobody has logged in as (on a
    public page, which shows a person's own things only to them)."""
    from backstretch.web.auth import identify

    await identify(request)
    account_id: int | None = request.state.account_id
    return account_id


def get_person_if_known(
    runtime: Annotated[Runtime, Depends(get_runtime)],
    owner: Annotated[int | None, Depends(get_known_person)],
) -> PersonContext | None:
    """Return the context of the person asking, or None for a visitor."""
    return runtime.services.person(owner) if owner is not None else None


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
OwnerDep = Annotated[int, Depends(get_owner)]
PersonDep = Annotated[PersonContext, Depends(get_person)]
MaybePersonDep = Annotated[PersonContext | None, Depends(get_person_if_known)]
