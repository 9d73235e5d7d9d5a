"""Errors are mapped once: every 4xx of the API has one body, the one its OpenAPI description
declares; a browser asking for a page gets the error page instead."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator, ValidationError

from backstretch.services.accounts import TooManyAttempts
from backstretch.services.context import PersonContext
from backstretch.services.errors import ServiceError, Unavailable
from backstretch.web.deps import get_person
from tests.factories import all_no_answers
from tests.web.conftest import register

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
CAT_COW = {"stretch": "cat-cow", "sets": 1, "reps": 10, "sides": "bilateral"}
STARTED = "2026-11-02T08:31:00+00:00"


def declared(spec: dict[str, Any], method: str, path: str, status: int) -> Draft202012Validator:
    """Return a validator of the body the description declares for this answer (its $refs
    resolved within the description)."""
    responses = spec["paths"][path][method.lower()]["responses"]
    assert str(status) in responses, f"{method} {path} does not declare {status}"
    schema = responses[str(status)]["content"]["application/json"]["schema"]
    return Draft202012Validator({**schema, "components": spec["components"]})


def check(spec: dict[str, Any], method: str, path: str, answer: Any, status: int) -> None:
    """Assert the answer has `status` and the body the description declares for it."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    declared(spec, method, path, status).validate(answer.json())


def test_the_422_404_and_409_bodies_are_the_ones_described(screened: TestClient) -> None:
    spec = screened.get("/openapi.json").json()
    # FastAPI's own validation, and a use case's `Invalid`.
    bad_filter = screened.get("/api/stretches", params={"area": "knees"})
    check(spec, "GET", "/api/stretches", bad_filter, 422)
    assert bad_filter.json()["problems"][0]["field"] == "query.area"
    bad_answers = screened.post("/api/screen", json={**all_no_answers(), "fever": 1})
    check(spec, "POST", "/api/screen", bad_answers, 422)
    assert bad_answers.json()["problems"][0]["field"] == "answers"
    # An unknown stretch, and a session that is nobody's.
    check(spec, "GET", "/api/stretches/{stretch_id}", screened.get("/api/stretches/cat-cw"), 404)
    nobodys = screened.get(f"/api/sessions/{uuid.uuid4()}")
    check(spec, "GET", "/api/sessions/{session_uuid}", nobodys, 404)
    # A session under way, then another start for the same uuid: a conflict.
    url = f"/api/sessions/{uuid.uuid4()}"
    body = {"items": [CAT_COW], "started_at": STARTED}
    assert screened.put(url, json=body).status_code == 200
    other_start = screened.put(url, json={**body, "started_at": "2026-11-02T07:00:00+00:00"})
    check(spec, "PUT", "/api/sessions/{session_uuid}", other_start, 409)
    assert other_start.json()["problems"] == []
    # Safety says no: the plan's 409 carries the verdict and the advice as well.
    emergency = screened.post("/api/screen", json=all_no_answers(saddle_numbness=True))
    assert emergency.json()["verdict"] == "emergency"
    blocked = screened.post("/api/plan", json={"profile": {"areas": ["lower_back"]}})
    check(spec, "POST", "/api/plan", blocked, 409)
    assert blocked.json()["blocked"] is True
    assert blocked.json()["verdict"] == "emergency"
    assert blocked.json()["advice"]["title"] == blocked.json()["detail"]
    refused = screened.put(f"/api/sessions/{uuid.uuid4()}", json=body)
    check(spec, "PUT", "/api/sessions/{session_uuid}", refused, 409)
    assert "safety does not allow" in refused.json()["detail"]


def test_the_described_body_is_checked_for_real(client: TestClient) -> None:
    """The checks above would catch a body of another shape."""
    spec = client.get("/openapi.json").json()
    validator = declared(spec, "GET", "/api/stretches/{stretch_id}", 404)
    validator.validate({"detail": "no stretch", "problems": []})
    for wrong in ({"detail": "no stretch"}, {"detail": ["x"], "problems": []}):
        with pytest.raises(ValidationError):
            validator.validate(wrong)


def test_a_refusal_without_a_login_or_a_token_has_the_same_body(accounts_app: Any) -> None:
    visitor = TestClient(accounts_app, raise_server_exceptions=False)
    spec = visitor.get("/openapi.json").json()
    check(spec, "GET", "/api/history", visitor.get("/api/history"), 401)
    ana = register(accounts_app, "ana")
    bare = TestClient(accounts_app, raise_server_exceptions=False)  # sends no CSRF token
    bare.cookies = ana.cookies
    check(spec, "POST", "/api/screen", bare.post("/api/screen", json=all_no_answers()), 403)
    elsewhere = ana.post(
        "/api/screen", json=all_no_answers(), headers={"origin": "https://evil.example"}
    )
    check(spec, "POST", "/api/screen", elsewhere, 403)


def test_fastapis_own_validation_schema_is_replaced_by_ours(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    operations = [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if path.startswith("/api/")
    ]
    assert len(operations) >= 9
    for method, path, operation in operations:
        for status, response in operation["responses"].items():
            if status[0] in "45":
                model = "BlockedAnswer" if (path, status) == ("/api/plan", "409") else "ErrorAnswer"
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": f"#/components/schemas/{model}"}, (method, path, status)
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in operation["responses"], (method, path)


def failing_person(error: ServiceError) -> Callable[[], PersonContext]:
    def fail() -> PersonContext:
        raise error

    return fail


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (Unavailable("cannot use the database test.sqlite3: disk I/O error"), 503),
        (TooManyAttempts(30), 429),
    ],
)
def test_a_use_case_error_is_mapped_once_for_the_api_and_the_pages(
    client: TestClient, error: ServiceError, status: int
) -> None:
    client.app.dependency_overrides[get_person] = failing_person(error)  # type: ignore[attr-defined]
    api = client.get("/api/history")
    assert api.status_code == status
    assert api.json() == {"detail": error.message, "problems": []}
    page = client.get("/history", headers=BROWSER)
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert error.message in page.text
    if status == 429:  # a wait the server asks for: said in words
        assert api.headers["retry-after"] == page.headers["retry-after"] == "30"
        assert "<h1>Please wait a little</h1>" in page.text
        assert "Try again in about 30 seconds." in page.text
    else:
        assert "<h1>Something went wrong</h1>" in page.text


def test_a_browser_gets_the_error_page_and_a_script_json(client: TestClient) -> None:
    missing = f"/history/{uuid.uuid4()}"
    page = client.get(missing, headers=BROWSER)
    assert page.status_code == 404 and "<h1>Page not found</h1>" in page.text
    assert client.get(missing).json()["detail"].startswith("no session ")
    bad = client.get("/plan", params={"items": "<script>"}, headers=BROWSER)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")
    assert "query.items" in bad.text
    api = client.get("/api/stretches/cat-cw", headers=BROWSER)  # the API answers JSON always
    assert api.status_code == 404 and api.json()["problems"] == []
