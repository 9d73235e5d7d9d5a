"""Open the configured database, migrated and ready, with errors a person can act on."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from backstretch.db.engine import DatabaseError, make_engine, session_factory
from backstretch.db.migrate import upgrade
from backstretch.db.tables import LOCAL_ACCOUNT_ID

# Enough for every person active on one server at a time; past it the cache starts again.
_FACTORIES_KEPT = 1024


@dataclass(frozen=True)
class Store:
    """An engine and its session factory.

    `sessions` are the default owner's: the local person for the terminal, nobody for the
    multi-person web app, which asks `for_owner` for each request's person instead.
    """

    engine: Engine
    sessions: sessionmaker[Session]
    url: str
    # Kept on the store, not in a module-wide cache, so a closed store's engine (and its
    # pool) can be freed: a process that opens many stores, the tests among them, keeps none.
    _owned: dict[int, sessionmaker[Session]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def for_owner(self, owner_id: int) -> sessionmaker[Session]:
        """Return a factory of sessions that see and write only `owner_id`'s rows."""
        factory = self._owned.get(owner_id)
        if factory is None:
            if len(self._owned) >= _FACTORIES_KEPT:
                self._owned.clear()
            factory = self._owned[owner_id] = session_factory(self.engine, owner_id=owner_id)
        return factory

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()


def open_store(url: str, *, owner_id: int | None = LOCAL_ACCOUNT_ID) -> Store:
    """Open the database at `url` and bring it to the newest schema.

    A file that is not a database, or a server that cannot be reached, raises `DatabaseError`
    naming it; nothing is written in that case.
    """
    engine = make_engine(url)
    try:
        upgrade(engine)
    except (SQLAlchemyDatabaseError, OperationalError, DBAPIError) as error:
        engine.dispose()
        shown = engine.url.render_as_string(hide_password=True)
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        problem = DatabaseError(f"cannot use the database {shown}: {reason}")
        problem.reason = reason
        raise problem from None
    return Store(engine=engine, sessions=session_factory(engine, owner_id=owner_id), url=url)
