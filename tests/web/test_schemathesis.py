"""Schemathesis against the app's own OpenAPI description: no input makes a server error, every
answer is one the description documents (status, content type and body), the deep routes are
reached with valid bodies (plans, and sessions recorded with PUT), and with accounts no input
shows one person another person's data.

The description makes the deep routes reachable (web/api_description.py): the screening's answers
and a profile are described field by field, every request body has examples, and OpenAPI links
say what a client does with an answer (plan, then record a session of the plan's first stretch,
then read or update that session), which schemathesis's state machine follows. A person with a
screening and a profile on file is the starting point of every case: generated screenings and
stop signals close the way to a plan (as they should), so each case starts with safety allowing
a routine again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backstretch.config import get_settings
from backstretch.db import repository
from backstretch.services.context import PersonContext
from backstretch.services.planning import remember_profile
from backstretch.services.screening import record_screening
from backstretch.web.app import create_app
from backstretch.web.auth import CSRF_COOKIE
from tests.factories import all_no_answers
from tests.fakes import FakeNow
from tests.web.conftest import register, services_of
from tests.web.test_isolation import make_ana

# Every answer: no server error, a documented status, content type and body. (Not schemathesis's
# positive_data_acceptance: a well-formed session can still name a stretch nobody has, or start
# in the future, and 422 is the right answer; no schema can say which ids exist.)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PROFILE = {"areas": ["lower_back", "neck_shoulders"], "minutes": 10, "setting": "floor"}
PUT_SESSION = "PUT /api/sessions/{session_uuid}"
PLAN = "POST /api/plan"
RELAXED = {
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
    "database": None,
    "derandomize": True,  # the same cases on every run: a figure to compare, never a flake
}


def allow_a_routine(person: PersonContext) -> None:
    """Close every safety block and store a screening with every answer no and the profile."""
    with person.transaction() as db:
        repository.close_blocks(db=db, at=person.now())
    record_screening(person, all_no_answers())
    remember_profile(person, PROFILE)


def label(case: Any) -> str:
    return f"{case.method.upper()} {case.operation.path}"


def tally(statuses: Counter[tuple[str, int]], where: str) -> Counter[str]:
    """Return requests, 2xx and 5xx answers of one operation (or "all")."""
    counted: Counter[str] = Counter()
    for (operation, status), count in statuses.items():
        if where in ("all", operation):
            counted["requests"] += count
            counted["2xx"] += count if 200 <= status < 300 else 0
            counted["5xx"] += count if status >= 500 else 0
    return counted


def summary(statuses: Counter[tuple[str, int]]) -> str:
    lines = [
        f"{count:5d}  {status}  {operation}" for (operation, status), count in statuses.items()
    ]
    return "\n".join(sorted(lines, key=lambda line: line[7:]))


@pytest.fixture
def started_app(clock: FakeNow) -> Iterator[tuple[Any, PersonContext, dict[str, str]]]:
    """A running app on SQLite, its person with a screening and a profile on file, and the
    headers a browser of theirs sends (the CSRF cookie and token)."""
    app = create_app(get_settings(), clock=clock)
    with TestClient(app) as browser:
        person = services_of(app).local_person()
        allow_a_routine(person)
        browser.get("/")
        token = browser.cookies.get(CSRF_COOKIE)
        assert token
        yield app, person, {"Cookie": f"{CSRF_COOKIE}={token}", "x-csrftoken": token}


@pytest.mark.slow
def test_every_route_answers_as_described(
    started_app: tuple[Any, PersonContext, dict[str, str]],
) -> None:
    app, person, headers = started_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9  # every route of the API is exercised
    statuses: Counter[tuple[str, int]] = Counter()
    for operation in operations:
        # The examples of the description first (test_api_description.py checks that each
        # works), then generated requests.
        for phase, examples in ((TestPhase.EXAMPLES, 10), (TestPhase.FUZZING, 40)):

            @given(case=operation.as_strategy(phase=phase))
            @settings(max_examples=examples, **RELAXED)
            def answers_as_described(case: Any) -> None:
                allow_a_routine(person)
                response = case.call(headers=headers)
                statuses[(label(case), response.status_code)] += 1
                case.validate_response(response, checks=CHECKS, headers=headers)

            answers_as_described()
    print(f"\nschemathesis, route by route:\n{summary(statuses)}")
    assert tally(statuses, "all")["5xx"] == 0
    assert tally(statuses, PLAN)["2xx"] > 0, summary(statuses)
    assert tally(statuses, PUT_SESSION)["2xx"] > 0, summary(statuses)


@pytest.mark.slow
def test_following_the_links_records_sessions(
    started_app: tuple[Any, PersonContext, dict[str, str]],
) -> None:
    app, person, headers = started_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    statuses: Counter[tuple[str, int]] = Counter()

    class Client(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            allow_a_routine(person)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def after_call(self, response: Any, case: Any) -> None:
            statuses[(label(case), response.status_code)] += 1

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    Client.run(settings=settings(max_examples=100, stateful_step_count=6, **RELAXED))
    print(f"\nschemathesis, following the links:\n{summary(statuses)}")
    assert tally(statuses, "all")["5xx"] == 0
    assert tally(statuses, PLAN)["2xx"] > 0, summary(statuses)
    assert tally(statuses, PUT_SESSION)["2xx"] > 0, summary(statuses)
    assert tally(statuses, "GET /api/sessions/{session_uuid}")["2xx"] > 0, summary(statuses)


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
