"""Schemathesis against the app's own OpenAPI description: no input makes a server error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from backstretch.config import get_settings
from backstretch.web.app import create_app
from tests.factories import all_no_answers
from tests.web.conftest import Clock


@pytest.fixture
def api_schema() -> Iterator[Any]:
    """The schema of a running app on SQLite, with a screening on file so plans go through."""
    app = create_app(get_settings())
    app.state.clock = Clock()
    with TestClient(app) as client:
        assert client.post("/api/screen", json=all_no_answers()).status_code == 200
        yield schemathesis.openapi.from_asgi("/openapi.json", app)


def test_no_input_makes_a_server_error(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 9  # every route of the API is exercised
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        def no_server_error(case: Any) -> None:
            response = case.call()
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path}: {response.text[:300]}"
            )

        no_server_error()
