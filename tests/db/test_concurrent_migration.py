"""Several app servers starting at once on one new PostgreSQL database: one migrates, the others
wait for it and find the schema current (docs/production.md: start them all together)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from backstretch.db.migrate import is_current
from backstretch.db.store import open_store

# What each app server does first: open the database, migrating it if it is new.
OPEN = "import sys; from backstretch.db.store import open_store; open_store(sys.argv[1]).close()"


@pytest.mark.slow
@pytest.mark.postgres
def test_servers_starting_together_on_a_new_database_all_start(
    request: pytest.FixtureRequest,
) -> None:
    import sqlalchemy as sa

    base = request.getfixturevalue("postgres_database")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    url = sa.engine.make_url(base)
    # Separate processes, as servers are. Without the lock about half of such rounds failed
    # (duplicate key value violates unique constraint "pg_type_typname_nsp_index").
    try:
        for round_ in range(2):
            name = f"{url.database}_race{round_}"
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            target = url.set(database=name).render_as_string(hide_password=False)
            try:
                servers = [
                    subprocess.Popen(
                        [sys.executable, "-c", OPEN, target],
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT,
                    )
                    for _ in range(4)
                ]
                outputs = [server.communicate(timeout=120)[0].decode() for server in servers]
                failed = [o for s, o in zip(servers, outputs, strict=True) if s.returncode != 0]
                assert failed == [], failed[0][-1500:]
                store = open_store(target)
                try:
                    assert is_current(store.engine)
                finally:
                    store.close()
            finally:
                with admin.connect() as connection:
                    connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
