"""Each person's rows are theirs alone, enforced where every query passes: the ORM session.

A session is made for one owner (`info["owner_id"]`). Every ORM select, update and delete it
runs is narrowed to that owner's rows of the `Owned` tables, and every row it inserts is
stamped with that owner, so a query written without thinking of owners still cannot reach
another person's data. A session made for nobody may not touch an `Owned` table at all: it
fails loudly instead of quietly answering from everyone's rows. (SQLAlchemy's documented
recipe for global criteria: `do_orm_execute` with `with_loader_criteria`.)
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from backstretch.db.tables import Owned

OWNER_KEY = "owner_id"
# An execution option for the few queries that must look across owners, e.g. whether a
# session uuid is taken by anyone (so another person's uuid answers 404, not a clash).
ALL_OWNERS = "all_owners"


class NoOwnerError(RuntimeError):
    """A session made for nobody tried to read or write a person's rows."""


def owner_of(db: Session) -> int | None:
    """Return the owner a session was made for, or None."""
    owner = db.info.get(OWNER_KEY)
    return int(owner) if owner is not None else None


def _touches_owned(state: ORMExecuteState) -> bool:
    return any(issubclass(mapper.class_, Owned) for mapper in state.all_mappers)


def _only_the_owners_rows(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the parent query was narrowed already
    if state.execution_options.get(ALL_OWNERS):
        return
    owner = owner_of(state.session)
    if owner is None and _touches_owned(state):
        raise NoOwnerError("a query of a person's data needs a session made for that person")
    # Added to every statement, not only those whose entities SQLAlchemy lists: a count
    # `select_from` an owned table lists none, and must be narrowed all the same. For a
    # session made for nobody the criterion matches no row at all.
    state.statement = state.statement.options(
        with_loader_criteria(Owned, lambda cls: cls.owner_id == owner, include_aliases=True)
    )


def _stamp_new_rows(db: Session, _context: Any, _instances: Any) -> None:
    owner = owner_of(db)
    for row in db.new:
        if not isinstance(row, Owned):
            continue
        if owner is None:
            raise NoOwnerError("a person's row can only be added by a session made for them")
        if row.owner_id is None:
            row.owner_id = owner
        elif row.owner_id != owner:
            raise NoOwnerError("a session cannot add a row for another person")


def enforce_owners(factory: sessionmaker[Session]) -> None:
    """Make every session from `factory` keep to its owner's rows."""
    event.listen(factory, "do_orm_execute", _only_the_owners_rows)
    event.listen(factory, "before_flush", _stamp_new_rows)
