"""Database engines and sessions: SQLite (WAL) by default, PostgreSQL by URL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


class DatabaseError(RuntimeError):
    """The database cannot be opened or used; the message says which file or URL and why, and
    `reason` what the driver said."""

    reason: str = ""


# The web server runs sync routes and dependencies on a pool of 40 threads, and a request can
# hold its connection while it waits for a thread to finish on. With fewer connections than
# threads, 50 concurrent requests deadlocked until the pool's 30 s timeout (benchmarks/web_load.py
# found it). Idle connections beyond `POOL_SIZE` are closed again.
POOL_SIZE, POOL_OVERFLOW = 5, 45
# A PostgreSQL connection is a server process: the soak run (benchmarks/soak.py, 50 clients)
# opened 8,585 of them in 10 minutes when only 5 were kept. Keep one per worker thread there.
POSTGRES_POOL_SIZE, POSTGRES_POOL_OVERFLOW = 40, 10


def make_engine(url: str) -> Engine:
    """Create an engine for `url`; a SQLite file gets its folder, WAL mode and owner-only access."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            _create_private_file(Path(database))
        engine = create_engine(
            url, connect_args={"timeout": 15}, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=POSTGRES_POOL_SIZE,
        max_overflow=POSTGRES_POOL_OVERFLOW,
    )


def _create_private_file(path: Path) -> None:
    # Health data: the file is created readable and writable by its owner only.
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(descriptor)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: Engine, *, owner_id: int | None) -> sessionmaker[Session]:
    """Return a factory of sessions bound to `engine` that see only `owner_id`'s rows (none
    of anybody's for None)."""
    from backstretch.db.owners import OWNER_KEY, enforce_owners

    factory = sessionmaker(bind=engine, expire_on_commit=False, info={OWNER_KEY: owner_id})
    enforce_owners(factory)
    return factory


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session whose work is committed together, or rolled back on any error."""
    with factory() as db, db.begin():
        yield db
