"""A test client per test over a fresh database (SQLite and PostgreSQL), on the test's clock
(`clock`, the one fake wall clock of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from backstretch.config import get_settings
from backstretch.services.context import PersonContext, Services
from backstretch.web.app import create_app
from backstretch.web.auth import CSRF_COOKIE
from tests.factories import all_no_answers
from tests.fakes import FakeNow


@pytest.fixture
def client(database_url: str, clock: FakeNow) -> Iterator[TestClient]:
    del database_url  # the fixture set BACKSTRETCH_DATABASE_URL for the settings
    app = create_app(get_settings(), clock=clock)
    with browser_like(TestClient(app, raise_server_exceptions=False)) as test_client:
        yield test_client


def services_of(app: Any) -> Services:
    """Return the use cases' services of a started app: to arrange or check what it stores."""
    services: Services = app.state.runtime.services
    return services


def local_person(client: TestClient) -> PersonContext:
    """Return the context of the one person a single-person app serves."""
    return services_of(client.app).local_person()


def browser_like(client: TestClient) -> TestClient:
    """Make `client` send the CSRF token with every write the way the app's pages do: a form
    (`data=` or `files=`) carries it as its first field, `csrftoken`, as the hidden input every
    form starts with; anything else (JSON, as `fetch` in the app's scripts) as the x-csrftoken
    header. The token is the one the pages show, the CSRF cookie's value; a client that has
    none yet opens the welcome page first, as a person would. Tests of the CSRF check itself
    use a client without this."""
    send = client.request

    def request(method: str, url: Any, **kwargs: Any) -> httpx.Response:
        if method.upper() not in {"GET", "HEAD", "OPTIONS"}:
            if not client.cookies.get(CSRF_COOKIE):
                send("GET", "/")
            token = client.cookies.get(CSRF_COOKIE) or ""
            if kwargs.get("data") is not None or kwargs.get("files") is not None:
                form = dict(kwargs.get("data") or {})
                kwargs["data"] = {"csrftoken": token, **form}
            else:
                headers = dict(kwargs.get("headers") or {})
                headers.setdefault("x-csrftoken", token)
                kwargs["headers"] = headers
        return send(method, url, **kwargs)

    client.request = request  # type: ignore[method-assign]
    return client


@pytest.fixture
def screened(client: TestClient) -> TestClient:
    response = client.post("/api/screen", json=all_no_answers())
    assert response.status_code == 200, response.text
    assert response.json()["verdict"] == "self_care"
    return client


PASSWORD = "correct horse battery"


@pytest.fixture
def accounts_app(database_url: str, clock: FakeNow) -> Iterator[Any]:
    """The app serving many people (accounts on), started once; people are `person` clients."""
    del database_url
    app = create_app(get_settings().model_copy(update={"accounts": True}), clock=clock)
    with TestClient(app):  # runs the app's start-up and shut-down once for every client
        yield app


def register(app: Any, name: str, *, base_url: str = "http://testserver") -> TestClient:
    """Return a browser-like client logged in to a new account `name` on `app`."""
    person = browser_like(TestClient(app, base_url=base_url, raise_server_exceptions=False))
    assert person.get("/register").status_code == 200
    made = person.post(
        "/register",
        data={"username": name, "password": PASSWORD, "password_again": PASSWORD},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    return person


@pytest.fixture
def person(accounts_app: Any) -> Callable[[str], TestClient]:
    """Make a person with an account, logged in, on the accounts app."""
    return lambda name: register(accounts_app, name)
