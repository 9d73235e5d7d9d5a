"""The OpenAPI description says what the app does: every error body is the app's `ErrorAnswer`,
the examples of the request bodies work as documented, and the links lead where they say."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from backstretch.services.planning import remember_profile
from backstretch.web import api_description as described
from tests.factories import all_no_answers
from tests.web.conftest import local_person


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


def test_every_error_is_described_as_the_body_the_app_sends(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    error = {"$ref": "#/components/schemas/ErrorAnswer"}
    for method, path, operation in operations(schema):
        for status, answer in operation["responses"].items():
            if status.startswith("4") and status != "409":
                body = answer["content"]["application/json"]["schema"]
                assert body == error, (method, path, status)
        if "requestBody" in operation:
            assert {"400", "413", "422"} <= operation["responses"].keys(), (method, path)
    # And the app answers so: an invalid request's 422 has the described fields, nothing else.
    answer = client.put("/api/sessions/not-a-uuid", json={})
    assert answer.status_code == 422
    assert set(answer.json()) == {"detail", "problems"}
    assert all(set(p) == {"field", "problem"} for p in answer.json()["problems"])


def test_the_documented_examples_work(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()

    def examples(path: str, method: str) -> dict[str, Any]:
        body = schema["paths"][path][method]["requestBody"]["content"]["application/json"]
        return {name: example["value"] for name, example in body["examples"].items()}

    for name, answers in examples("/api/screen", "post").items():
        screened = client.post("/api/screen", json=answers)
        assert screened.status_code == 200, (name, screened.text)
    # "as_kept" plans from the profile the person keeps (saved by the profile page).
    remember_profile(local_person(client), {"areas": ["neck_shoulders"], "minutes": 5})
    for name, body in examples("/api/plan", "post").items():
        planned = client.post("/api/plan", json=body)
        assert planned.status_code == 200, (name, planned.text)
    session = f"/api/sessions/{uuid.uuid4()}"
    sessions = examples("/api/sessions/{session_uuid}", "put")
    for name in ("started", "completed"):  # in the order a player sends them
        recorded = client.put(session, json=sessions[name])
        assert recorded.status_code == 200, (name, recorded.text)
    assert client.get(session).json()["status"] == "completed"
    stretch = schema["paths"]["/api/stretches/{stretch_id}"]["get"]["parameters"][0]
    for example in stretch["examples"].values():
        assert client.get(f"/api/stretches/{example['value']}").status_code == 200


def test_a_plan_links_to_recording_a_session_of_it(client: TestClient) -> None:
    assert client.post("/api/screen", json=all_no_answers()).status_code == 200
    planned = client.post("/api/plan", json={"profile": {"areas": ["lower_back"]}}).json()
    link = described.PLAN_LINKS["RecordASession"]["requestBody"]["items"][0]
    # Each field of the link's item, read from the plan as its runtime expression says.
    pointer = "$response.body#/items/0/"
    item = {name: planned["items"][0][value.removeprefix(pointer)] for name, value in link.items()}
    body = {"items": [item], "started_at": "2026-11-02T08:00:00Z"}
    recorded = client.put(f"/api/sessions/{uuid.uuid4()}", json=body)
    assert recorded.status_code == 200, recorded.text
