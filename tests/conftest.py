"""Shared fixtures: an isolated data folder per test, a fresh database per test, a fixed clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backstretch.cli.wiring import Wiring
from backstretch.config import get_settings
from backstretch.core.catalogue import Catalogue
from backstretch.data import builtin_catalogue
from backstretch.db.store import Store, open_store
from backstretch.services.context import PersonContext, Services, open_services
from tests.fakes import FakeNow

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


@pytest.fixture
def clock() -> FakeNow:
    """The one wall clock of a test: the terminal's and the web app's; move it with
    `clock.value = ...`."""
    return FakeNow(FIXED_NOW)


class WiredRunner(CliRunner):
    """Runs CLI commands in-process with the test's wiring (its clock, its player devices)."""

    def __init__(self, wiring: Wiring) -> None:
        super().__init__()
        self.wiring = wiring

    def invoke(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("obj", self.wiring)
        return super().invoke(*args, **kwargs)


@pytest.fixture
def runner(clock: FakeNow) -> WiredRunner:
    """Run CLI commands in-process, on the test's clock."""
    return WiredRunner(Wiring(clock=clock))


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


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The built-in catalogue, loaded once."""
    return builtin_catalogue()


@pytest.fixture
def services(database_url: str, clock: FakeNow) -> Iterator[Services]:
    """The use cases' shared parts over the fresh database of `database_url`, on the test's
    clock (single-person mode)."""
    del database_url  # the fixture set BACKSTRETCH_DATABASE_URL for the settings
    opened = open_services(get_settings(), clock=clock, accounts=False)
    yield opened
    opened.close()


@pytest.fixture
def me(services: Services) -> PersonContext:
    """The local person's context: what every use case takes."""
    return services.local_person()
