"""Shared fixtures: an isolated data folder per test, a fresh database per test, a fixed clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backstretch.cli import context as cli_context
from backstretch.config import get_settings
from backstretch.db.store import Store, open_store

POSTGRES_ADMIN_URL = os.environ.get(
    "BACKSTRETCH_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
FIXED_NOW = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Give every test its own data folder and no stray configuration."""
    for name in list(os.environ):
        if name.startswith("BACKSTRETCH_") and name != "BACKSTRETCH_TEST_POSTGRES_URL":
            monkeypatch.delenv(name)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("BACKSTRETCH_DATA_DIR", str(data_dir))
    monkeypatch.setenv("BACKSTRETCH_TIMEZONE", "Europe/London")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    get_settings.cache_clear()
    yield data_dir
    get_settings.cache_clear()


class FakeNow:
    """A wall clock that only moves when a test moves it."""

    def __init__(self, start: datetime = FIXED_NOW) -> None:
        self.value = start

    def __call__(self) -> datetime:
        return self.value


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> FakeNow:
    """Fix the time the CLI sees; move it with `now.value = ...`."""
    clock = FakeNow()
    monkeypatch.setattr(cli_context, "now", clock)
    return clock


@pytest.fixture
def runner() -> CliRunner:
    """Run CLI commands in-process."""
    return CliRunner()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """Create a PostgreSQL database for this test run and drop it afterwards."""
    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"backstretch_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        reason = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error.orig}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A fresh, empty database for one test: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.sqlite3'}"
        monkeypatch.setenv("BACKSTRETCH_DATABASE_URL", url)
        get_settings.cache_clear()
        yield url
        return
    import sqlalchemy as sa

    base = request.getfixturevalue("postgres_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    monkeypatch.setenv("BACKSTRETCH_DATABASE_URL", rendered)
    get_settings.cache_clear()
    yield rendered
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """The fresh database of `database_url`, opened and migrated, for a test to use directly."""
    opened = open_store(database_url)
    yield opened
    opened.close()
