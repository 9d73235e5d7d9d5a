"""The JSON API on SQLite and PostgreSQL: the same rules as the terminal, 4xx for bad input."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import all_no_answers


def test_stretches_filter_by_area_and_position(client: TestClient) -> None:
    chairs = client.get("/api/stretches", params={"area": "lower_back", "position": "chair"})
    assert chairs.status_code == 200
    found = chairs.json()
    assert found
    for stretch in found:
        assert "lower_back" in stretch["regions"]
        assert any(way["position"] == "chair" for way in stretch["ways"])
    one = client.get("/api/stretches/cat-cow")
    assert one.json()["name"] == "Cat-cow"


def test_an_unknown_stretch_is_a_404_with_suggestions(client: TestClient) -> None:
    response = client.get("/api/stretches/cat-cw")
    assert response.status_code == 404
    assert "cat-cow" in response.json()["detail"]


@pytest.mark.parametrize(
    "params", [{"area": "knees"}, {"position": "upside_down"}, {"search": "x" * 500}]
)
def test_bad_filters_are_422(client: TestClient, params: dict[str, str]) -> None:
    response = client.get("/api/stretches", params=params)
    assert response.status_code == 422
    assert response.json()["problems"]


def test_an_emergency_answer_gives_advice_and_no_plan(client: TestClient) -> None:
    result = client.post("/api/screen", json=all_no_answers(saddle_numbness=True)).json()
    assert result["verdict"] == "emergency"
    assert result["advice"]["text"]
    blocked = client.post("/api/plan", json={"profile": {"areas": ["lower_back"]}})
    assert blocked.status_code == 409
    assert blocked.json()["blocked"] is True
    assert "items" not in blocked.json()


def test_malformed_answers_are_422_naming_the_key(client: TestClient) -> None:
    response = client.post("/api/screen", json={**all_no_answers(), "fever": 1})
    assert response.status_code == 422
    assert "fever" in response.json()["detail"]


def test_a_plan_after_screening(screened: TestClient) -> None:
    response = screened.post("/api/plan", json={"preset": "desk-break"})
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["screening"] == "ok"
    assert plan["items"]
    assert sum(s["duration_ms"] for s in plan["timeline"]) == plan["total_seconds"] * 1000


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"profile": {"areas": ["knees"]}}, "areas"),
        ({"profile": {"areas": ["lower_back"], "minutes": 0}}, "minutes"),
        ({"preset": "nope"}, "unknown preset"),
        ({"profile": {}, "extra": 1}, "extra"),
    ],
)
def test_bad_plan_requests_are_422(screened: TestClient, body: dict[str, Any], named: str) -> None:
    response = screened.post("/api/plan", json=body)
    assert response.status_code == 422
    assert named in response.text


def session_body(plan: dict[str, Any], **changes: Any) -> dict[str, Any]:
    items = [
        {k: item[k] for k in ("stretch", "sets", "reps", "sides", "hold_seconds")}
        for item in plan["items"]
    ]
    return {
        "routine_name": "Desk break",
        "items": items,
        "started_at": "2026-11-02T08:31:00+00:00",
        "pain_before": 4,
        **changes,
    }


def test_a_session_is_put_as_it_goes_and_a_retry_records_it_once(screened: TestClient) -> None:
    plan = screened.post("/api/plan", json={"preset": "desk-break"}).json()
    url = f"/api/sessions/{uuid.uuid4()}"
    first = screened.put(url, json=session_body(plan))
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "in_progress"
    planned = first.json()["items"][0]
    done = [{"position": 0, "done_seconds": planned["planned_seconds"], "done_reps": 99}]
    finished = session_body(plan, status="completed", pain_after=3, done=done)
    for _ in range(2):  # the same PUT twice: one session
        response = screened.put(url, json=finished)
        assert response.status_code == 200, response.text
    history = screened.get("/api/history").json()
    assert len(history) == 1
    assert history[0]["status"] == "completed"
    assert history[0]["pain_after"] == 3
    assert history[0]["items"][0]["done_reps"] == planned["planned_reps"]  # never past the target


def test_a_stop_signal_opens_the_block_and_plans_stop(screened: TestClient) -> None:
    plan = screened.post("/api/plan", json={"preset": "desk-break"}).json()
    body = session_body(
        plan,
        status="stopped",
        stop_signal="spreading",
        stopped_stretch=plan["items"][0]["stretch"],
    )
    assert screened.put(f"/api/sessions/{uuid.uuid4()}", json=body).status_code == 200
    assert screened.post("/api/plan", json={"preset": "desk-break"}).status_code == 409
    again = screened.put(f"/api/sessions/{uuid.uuid4()}", json=session_body(plan))
    assert again.status_code == 409


def test_no_session_without_a_screening(client: TestClient) -> None:
    body = {
        "items": [{"stretch": "cat-cow", "sets": 1, "reps": 10, "sides": "bilateral"}],
        "started_at": "2026-11-02T08:31:00+00:00",
    }
    response = client.put(f"/api/sessions/{uuid.uuid4()}", json=body)
    assert response.status_code == 409
    assert client.get("/api/history").json() == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/sessions/not-a-uuid", None),
        (None, {"items": [], "started_at": "2026-11-02T08:31:00+00:00"}),
        (
            None,
            {
                "items": [{"stretch": "nope", "sets": 1, "reps": 1, "sides": "bilateral"}],
                "started_at": "2026-11-02T08:31:00+00:00",
            },
        ),
        (
            None,
            {
                "items": [{"stretch": "cat-cow", "sets": 1, "reps": 10, "sides": "bilateral"}],
                "started_at": "2026-11-02T08:31:00",
            },
        ),
        (
            None,
            {
                "items": [
                    {
                        "stretch": "cat-cow",
                        "sets": 1,
                        "reps": 10,
                        "sides": "bilateral",
                        "hold_seconds": 30,
                    }
                ],
                "started_at": "2026-11-02T08:31:00+00:00",
            },
        ),
    ],
)
def test_bad_sessions_are_4xx_and_store_nothing(
    screened: TestClient, path: str | None, body: dict[str, Any] | None
) -> None:
    good = {
        "items": [{"stretch": "cat-cow", "sets": 1, "reps": 10, "sides": "bilateral"}],
        "started_at": "2026-11-02T08:31:00+00:00",
    }
    response = screened.put(path or f"/api/sessions/{uuid.uuid4()}", json=body or good)
    assert 400 <= response.status_code < 500, response.text
    assert screened.get("/api/history").json() == []


def test_stats_and_export(screened: TestClient) -> None:
    stats = screened.get("/api/stats").json()
    assert stats["streak"]["current"] == 0
    exported = screened.get("/api/export").json()
    assert exported["format"] == "backstretch-export"
    assert len(exported["tables"]["screenings"]) == 1


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/sessions/{session_uuid}" in spec["paths"]
    assert "put" in spec["paths"]["/api/sessions/{session_uuid}"]
