"""Open the configured database, migrated and ready, with errors a person can act on."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from backstretch.db.engine import DatabaseError, make_engine, session_factory
from backstretch.db.migrate import upgrade


@dataclass(frozen=True)
class Store:
    """An engine and its session factory."""

    engine: Engine
    sessions: sessionmaker[Session]
    url: str

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()


def open_store(url: str) -> Store:
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
        raise DatabaseError(f"cannot use the database {shown}: {reason}") from None
    return Store(engine=engine, sessions=session_factory(engine), url=url)
