"""Schemathesis against the app's own OpenAPI description: no input makes a server error, and
with accounts no input shows one person another person's data."""

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
from tests.fakes import FakeNow
from tests.web.conftest import register
from tests.web.test_isolation import make_ana


@pytest.fixture
def api_schema(clock: FakeNow) -> Iterator[Any]:
    """The schema of a running app on SQLite, with a screening on file so plans go through."""
    app = create_app(get_settings(), clock=clock)
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


# With accounts: Bob logged in, Ana's data on the same server ------------------------------------


@pytest.fixture
def accounts_schema(accounts_app: Any) -> Iterator[tuple[Any, TestClient, list[str]]]:
    """The accounts app's schema, Bob logged in (and screened), and Ana's markers: Ana has data
    of every kind on the same server."""
    ana = make_ana(accounts_app)
    bob = register(accounts_app, "bob")
    assert bob.post("/api/screen", json=all_no_answers()).status_code == 200
    # From the app's own description, not through the app: every request goes through Bob's client.
    yield schemathesis.openapi.from_dict(accounts_app.openapi()), bob, ana.markers


def send(client: TestClient, case: Any) -> Any:
    """Send a generated case through `client` (Bob's browser: his cookies and CSRF token)."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    body: dict[str, Any] = {}
    if "json" in kwargs:
        body["json"] = kwargs["json"]
    elif isinstance(kwargs.get("data"), bytes | str):
        body["content"] = kwargs["data"]
    elif kwargs.get("data") is not None:
        body["data"] = kwargs["data"]
    return client.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params"),
        headers=kwargs.get("headers"),
        follow_redirects=False,
        **body,
    )


def test_no_input_makes_a_server_error_or_shows_another_persons_data(
    accounts_schema: tuple[Any, TestClient, list[str]],
) -> None:
    schema, bob, markers = accounts_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def no_server_error_nor_leak(case: Any) -> None:
            response = send(bob, case)
            where = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, f"{where}: {response.text[:300]}"
            # Logged in, with the CSRF token: never refused as a stranger.
            assert response.status_code not in (401, 403), f"{where}: {response.text[:300]}"
            said = response.text.lower()
            sent = str(case.as_transport_kwargs(base_url="http://testserver")).lower()
            shown = [m for m in markers if m.lower() in said and m.lower() not in sent]
            assert shown == [], f"{where} shows Ana's {shown}"

        no_server_error_nor_leak()
