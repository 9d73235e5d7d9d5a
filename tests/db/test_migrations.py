"""Migrations build the schema from empty, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from backstretch.db.engine import DatabaseError
from backstretch.db.migrate import is_current
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
