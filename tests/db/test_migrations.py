"""Migrations build the schema from empty, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from backstretch.db.engine import DatabaseError, make_engine
from backstretch.db.migrate import is_current, upgrade
from backstretch.db.store import open_store
from backstretch.db.tables import Base


def test_migrations_from_empty_match_the_tables(database_url: str) -> None:
    store = open_store(database_url)
    try:
        assert is_current(store.engine)
        inspector = sa.inspect(store.engine)
        for table in Base.metadata.sorted_tables:
            migrated = {c["name"] for c in inspector.get_columns(table.name)}
            assert migrated == {c.name for c in table.columns}, table.name
    finally:
        store.close()


def test_opening_twice_is_harmless(database_url: str) -> None:
    open_store(database_url).close()
    store = open_store(database_url)
    assert is_current(store.engine)
    store.close()


def test_sqlite_uses_wal_and_a_private_file(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "db.sqlite3"
    store = open_store(f"sqlite:///{path}")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    store.close()
    mode = stat.S_IMODE(os.stat(path).st_mode)
    assert mode & (stat.S_IRWXG | stat.S_IRWXO) == 0, oct(mode)


def test_a_corrupt_file_is_named_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "broken.sqlite3"
    path.write_bytes(b"this is not a database at all" * 100)
    before = path.read_bytes()
    with pytest.raises(DatabaseError) as raised:
        open_store(f"sqlite:///{path}")
    assert "broken.sqlite3" in str(raised.value)
    assert "not a database" in str(raised.value)
    assert path.read_bytes() == before


def test_the_fast_version_check_knows_the_newest_migration() -> None:
    from backstretch.db.migrate import SCHEMA_REVISION, head_revision

    assert head_revision() == SCHEMA_REVISION, "update SCHEMA_REVISION with each new migration"


def migrate_to(engine: sa.Engine, revision: str, *, down: bool = False) -> None:
    """Bring the database to the schema of `revision` (downgrading to it with `down`)."""
    from alembic import command

    from backstretch.db.migrate import alembic_config

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def engine_at(database_url: str, revision: str) -> sa.Engine:
    """Return an engine over the empty database of `database_url` migrated to `revision`."""
    engine = make_engine(database_url)
    migrate_to(engine, revision)
    return engine


def test_data_kept_before_accounts_becomes_the_local_persons(database_url: str) -> None:
    """Upgrading from 0003 keeps every row, items of sessions included, for the local person."""
    engine = engine_at(database_url, "0003")
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO sessions (uuid, started_at, updated_at, timezone, status, source,"
                " routine_name, plan, planned_seconds) VALUES ('u-1', '2026-11-01 08:00:00',"
                " '2026-11-01 08:10:00', 'UTC', 'completed', 'player', 'Mine', '{}', 60)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO session_items (session_uuid, position, stretch, planned_seconds,"
                " planned_reps, done_seconds, done_reps, skipped)"
                " VALUES ('u-1', 0, 'cat-cow', 60, 8, 60, 8, false)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO profiles (id, data, updated_at)"
                " VALUES (1, '{\"areas\": [\"neck_shoulders\"]}', '2026-11-01 08:00:00')"
            )
        )
    upgrade(engine)
    with engine.connect() as connection:
        owners = {
            table: connection.execute(sa.text(f"SELECT owner_id FROM {table}")).scalars().all()
            for table in ("sessions", "session_items", "profiles")
        }
        local = connection.execute(sa.text("SELECT username FROM accounts WHERE id = 1")).one()
    engine.dispose()
    assert owners == {"sessions": [1], "session_items": [1], "profiles": [1]}
    assert local.username is None  # the local person: no name, no password
    store = open_store(database_url)
    try:
        from backstretch.db import repository
        from backstretch.db.engine import transaction

        with transaction(store.sessions) as session:
            found = repository.get_session(db=session, uuid="u-1")
        assert found is not None and found.items[0].done_seconds == 60
    finally:
        store.close()


SUBSCRIPTION_OF_0007 = (
    "INSERT INTO push_subscriptions (owner_id, endpoint, p256dh, auth, user_agent, created_at)"
    " VALUES (1, 'https://push.example/phone', 'p', 'a', 'phone', '2026-11-01 08:00:00')"
)


def test_subscriptions_kept_before_logins_were_noted_outlast_the_upgrade_and_a_downgrade(
    database_url: str,
) -> None:
    """Upgrading to 0008 keeps every device's subscription (tied to no login yet); going back
    to 0007 keeps them too, without the column."""
    engine = engine_at(database_url, "0007")
    with engine.begin() as connection:
        connection.execute(sa.text(SUBSCRIPTION_OF_0007))
    upgrade(engine)
    with engine.connect() as connection:
        kept = connection.execute(
            sa.text("SELECT endpoint, login_token_hash FROM push_subscriptions")
        ).all()
    assert [tuple(row) for row in kept] == [("https://push.example/phone", None)]
    migrate_to(engine, "0007", down=True)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("push_subscriptions")}
    with engine.connect() as connection:
        endpoints = connection.execute(sa.text("SELECT endpoint FROM push_subscriptions")).all()
    engine.dispose()
    assert "login_token_hash" not in columns
    assert [row.endpoint for row in endpoints] == ["https://push.example/phone"]
