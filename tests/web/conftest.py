"""A test client per test over a fresh database (SQLite and PostgreSQL), with a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from backstretch.config import get_settings
from backstretch.web.app import create_app
from tests.factories import all_no_answers


class Clock:
    def __init__(self) -> None:
        self.value = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.value


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(database_url: str, clock: Clock) -> Iterator[TestClient]:
    del database_url  # the fixture set BACKSTRETCH_DATABASE_URL for the settings
    app = create_app(get_settings())
    app.state.clock = clock
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def screened(client: TestClient) -> TestClient:
    response = client.post("/api/screen", json=all_no_answers())
    assert response.status_code == 200, response.text
    assert response.json()["verdict"] == "self_care"
    return client
