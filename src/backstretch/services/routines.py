"""Saved routines as a use case: name a planned routine, keep it, find it, use it again.

A saved routine is a routine document (`core.routine.routine_document`: a name and its items
with their doses), the same shape as a routine file, so one can be shared as a file too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from backstretch.core.catalogue import Catalogue, CatalogueError
from backstretch.core.planner import Plan, Request
from backstretch.core.routine import parse_routine, routine_document
from backstretch.db import repository
from backstretch.db.repository import RoutineNameTaken, StoredRoutine
from backstretch.services.errors import Conflict, Invalid, NotFound

if TYPE_CHECKING:
    from backstretch.services.context import PersonContext

MAX_NAME_LENGTH = 120


class RoutineNameError(Invalid):
    """A routine name is empty, too long or has characters a name cannot have."""


def clean_name(name: str) -> str:
    """Return `name` without surrounding spaces, or raise `RoutineNameError` saying why not."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise RoutineNameError("give the routine a name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise RoutineNameError(f"a routine name has at most {MAX_NAME_LENGTH} characters")
    if any(not character.isprintable() for character in cleaned):
        raise RoutineNameError("a routine name cannot hold control characters")
    return cleaned


def clean_name_or_none(name: str) -> str | None:
    """Return the cleaned name, or None when `name` cannot be a routine's name."""
    try:
        return clean_name(name)
    except RoutineNameError:
        return None


def name_taken(name: str) -> str:
    """Return the message for a routine name in use, with the way out."""
    import shlex

    return (
        f"you already have a routine called '{name}': choose another name, or remove it first "
        f"with `backstretch routines remove {shlex.quote(name)}`"
    )


def check_name_free(person: PersonContext, name: str) -> str:
    """Return the cleaned name, or raise `Invalid` (a bad name) or `Conflict` (in use)."""
    cleaned = clean_name(name)
    with person.transaction() as db:
        if repository.find_routine(db=db, name=cleaned) is not None:
            raise Conflict(name_taken(cleaned), field="name")
    return cleaned


def save_routine(person: PersonContext, *, name: str, plan: Plan) -> StoredRoutine:
    """Save a planned routine under a new name (a name in use raises `Conflict`)."""
    cleaned = clean_name(name)
    if not plan.items:
        raise Invalid(f"nothing saved as '{cleaned}': no stretch fits this plan")
    try:
        with person.transaction() as db:
            return repository.save_routine(
                db=db,
                name=cleaned,
                document=routine_document(cleaned, plan),
                at=person.now(),
            )
    except RoutineNameTaken:
        raise Conflict(name_taken(cleaned), field="name") from None


def saved_routines(person: PersonContext) -> list[StoredRoutine]:
    """Return the person's saved routines, by name."""
    with person.transaction() as db:
        return repository.list_routines(db=db)


def remove_routine(
    person: PersonContext, *, name: str | None = None, routine_id: int | None = None
) -> StoredRoutine:
    """Remove a saved routine, found by name or id; raise `NotFound` naming what there is."""
    with person.transaction() as db:
        found = None
        if routine_id is not None:
            found = repository.get_routine(db=db, routine_id=routine_id)
        elif name is not None:
            cleaned = clean_name_or_none(name)
            found = repository.find_routine(db=db, name=cleaned) if cleaned else None
        if found is None:
            names = [routine.name for routine in repository.list_routines(db=db)]
            known = f" Saved routines: {', '.join(names)}." if names else " You have none saved."
            asked = clean_name_or_none(name) or name if name is not None else routine_id
            raise NotFound(f"no saved routine called '{asked}'.{known}")
        repository.delete_routine(db=db, routine_id=found.id)
        return found


def routine_requests(
    routine: StoredRoutine, catalogue: Catalogue
) -> tuple[str, tuple[Request, ...]]:
    """Return a saved routine's name and items, checked against the person's catalogue.

    A stretch that is no longer there (an own stretch removed since) raises `Invalid`.
    """
    try:
        return parse_routine(routine.document, catalogue, origin=f"saved routine '{routine.name}'")
    except CatalogueError as error:
        raise Invalid(str(error), field="routine") from None


def routine_stretch_ids(routine: StoredRoutine) -> list[str]:
    """Return the stretch ids of a saved routine's items, in order."""
    items = routine.document.get("items")
    if not isinstance(items, list):
        return []
    return [
        item["stretch"]
        for item in items
        if isinstance(item, dict) and isinstance(item.get("stretch"), str)
    ]
