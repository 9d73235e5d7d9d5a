"""Saved routines as a use case: name a planned routine, keep it, find it, use it again.

A saved routine is a routine document (`core.routine.routine_document`: a name and its items
with their doses), the same shape as a routine file, so one can be shared as a file too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from backstretch.core.catalogue import Catalogue
from backstretch.core.planner import Plan, Request
from backstretch.core.routine import parse_routine, routine_document
from backstretch.db import repository
from backstretch.db.repository import RoutineNameTaken, StoredRoutine

MAX_NAME_LENGTH = 120

__all__ = [
    "MAX_NAME_LENGTH",
    "RoutineNameError",
    "RoutineNameTaken",
    "clean_name",
    "routine_requests",
    "routine_stretch_ids",
    "save_plan_as",
]


class RoutineNameError(ValueError):
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


def save_plan_as(session: Session, *, name: str, plan: Plan, at: datetime) -> StoredRoutine:
    """Save a planned routine under a new name (a name in use raises `RoutineNameTaken`)."""
    cleaned = clean_name(name)
    return repository.save_routine(
        session=session, name=cleaned, document=routine_document(cleaned, plan), at=at
    )


def routine_requests(
    routine: StoredRoutine, catalogue: Catalogue
) -> tuple[str, tuple[Request, ...]]:
    """Return a saved routine's name and items, checked against the person's catalogue.

    A stretch that is no longer there (an own stretch removed since) raises `CatalogueError`.
    """
    return parse_routine(routine.document, catalogue, origin=f"saved routine '{routine.name}'")


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
