"""PUT /api/sessions as the browser player uses it: the terminal's stop rules, pain afterwards
given after the ending was saved, and the advice that goes with the outcome."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from backstretch.data import screening_guide
from backstretch.web.auth import CSRF_COOKIE
from tests.fakes import FakeNow

PROFILE = {"areas": ["lower_back"], "minutes": 5, "setting": "chair"}


def advice_for(signal: str) -> str:
    for text in screening_guide().stop_signals:
        if text.id == signal:
            return text.advice.strip()
    raise KeyError(signal)


def planned(client: TestClient) -> dict[str, Any]:
    response = client.post("/api/plan", json={"profile": PROFILE})
    assert response.status_code == 200, response.text
    return response.json()


def body(plan: dict[str, Any], **changes: Any) -> dict[str, Any]:
    items = [
        {k: item[k] for k in ("stretch", "sets", "reps", "sides", "hold_seconds")}
        for item in plan["items"]
    ]
    return {
        "routine_name": "My routine",
        "items": items,
        "started_at": "2026-11-02T08:31:00+00:00",
        "pain_before": 3,
        **changes,
    }


def test_pain_building_ends_only_the_stretch(screened: TestClient) -> None:
    plan = planned(screened)
    first = plan["items"][0]["stretch"]
    url = f"/api/sessions/{uuid.uuid4()}"
    assert screened.put(url, json=body(plan)).status_code == 200
    rising = screened.put(
        url, json=body(plan, stop_signal="pain_rising", stopped_stretch=first)
    ).json()
    assert rising["status"] == "in_progress"
    assert rising["stop_signal"] == "pain_rising"
    assert rising["stopped_stretch"] == first
    assert rising["outcome"]["stop_advice"] == advice_for("pain_rising")
    assert rising["outcome"]["blocks"] == []
    assert screened.post("/api/plan", json={"profile": PROFILE}).status_code == 200
    done = screened.put(
        url,
        json=body(
            plan, status="completed", pain_after=3, stop_signal="pain_rising", stopped_stretch=first
        ),
    ).json()
    assert done["status"] == "completed"
    assert done["stop_signal"] == "pain_rising"
    assert done["outcome"]["blocks"] == []


def test_a_signal_that_ends_the_session_cannot_come_mid_session(screened: TestClient) -> None:
    plan = planned(screened)
    response = screened.put(
        f"/api/sessions/{uuid.uuid4()}",
        json=body(plan, stop_signal="numbness_tingling", stopped_stretch="x"),
    )
    assert response.status_code == 422
    assert "stopped" in response.json()["detail"]
    assert screened.get("/api/history").json() == []


def test_a_stop_answers_with_what_to_do_and_the_block(screened: TestClient) -> None:
    plan = planned(screened)
    url = f"/api/sessions/{uuid.uuid4()}"
    answer = screened.put(
        url,
        json=body(
            plan,
            status="stopped",
            stop_signal="numbness_tingling",
            stopped_stretch=plan["items"][0]["stretch"],
        ),
    ).json()
    assert answer["status"] == "stopped"
    assert answer["outcome"]["stop_advice"] == advice_for("numbness_tingling")
    assert answer["outcome"]["blocks"] == ["see_clinician"]
    assert "clinician" in answer["outcome"]["programme_advice"][0]
    assert screened.get(url).json()["outcome"] == answer["outcome"]
    assert screened.post("/api/plan", json={"profile": PROFILE}).status_code == 409


def test_pain_afterwards_is_added_once_after_the_ending(screened: TestClient) -> None:
    plan = planned(screened)
    url = f"/api/sessions/{uuid.uuid4()}"
    ending = body(plan, status="stopped", stop_signal="sharp_pain", stopped_stretch="x")
    assert screened.put(url, json=ending).json()["pain_after"] is None
    assert screened.put(url, json={**ending, "pain_after": 5}).json()["pain_after"] == 5
    changed = screened.put(url, json={**ending, "pain_after": 7})
    assert changed.status_code == 409, changed.text
    assert screened.put(url, json={**ending, "pain_after": 5}).status_code == 200
    history = screened.get("/api/history").json()
    assert len(history) == 1
    assert history[0]["stop_signal"] == "sharp_pain"
    assert history[0]["pain_after"] == 5


def test_a_replayed_body_is_recorded_once_and_a_different_one_is_refused(
    screened: TestClient,
) -> None:
    plan = planned(screened)
    url = f"/api/sessions/{uuid.uuid4()}"
    done = [{"position": 0, "done_seconds": 20, "done_reps": 1}]
    ending = body(plan, status="completed", pain_after=2, done=done)
    first = screened.put(url, json=ending)
    assert first.status_code == 200, first.text
    again = screened.put(url, json=ending)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert len(screened.get("/api/history").json()) == 1

    for different in (
        body(plan, status="stopped", stop_signal="sharp_pain", pain_after=2, done=done),
        body(plan, status="completed", pain_after=2, done=[{**done[0], "done_seconds": 5}]),
        body(plan, status="completed", pain_after=2, started_at="2026-11-02T09:00:00+00:00"),
        body(plan, status="completed", pain_after=2, routine_name="Another"),
    ):
        refused = screened.put(url, json=different)
        assert refused.status_code == 409, different
    stored = screened.get(url).json()
    assert stored["status"] == "completed"
    assert stored["items"][0]["done_seconds"] == 20


def test_a_new_body_for_a_session_under_way_must_be_the_same_session(
    screened: TestClient,
) -> None:
    plan = planned(screened)
    url = f"/api/sessions/{uuid.uuid4()}"
    assert screened.put(url, json=body(plan)).status_code == 200
    progress = body(plan, done=[{"position": 0, "done_seconds": 10, "done_reps": 1}])
    assert screened.put(url, json=progress).status_code == 200
    other_start = body(plan, started_at="2026-11-02T07:00:00+00:00")
    assert screened.put(url, json=other_start).status_code == 409
    assert screened.get(url).json()["items"][0]["done_seconds"] == 10


def test_pain_after_given_late_still_pauses_the_programme(
    screened: TestClient, clock: FakeNow
) -> None:
    plan = planned(screened)
    answers = []
    for day in range(2):
        clock.value += timedelta(hours=day)
        url = f"/api/sessions/{uuid.uuid4()}"
        ending = body(plan, status="completed", pain_before=2)
        assert screened.put(url, json=ending).status_code == 200
        answers.append(screened.put(url, json={**ending, "pain_after": 5}).json())
    assert answers[0]["outcome"]["blocks"] == []
    assert answers[1]["outcome"]["blocks"] == ["pain_pause"]
    assert "two sessions in a row" in answers[1]["outcome"]["programme_advice"][0]
    assert screened.post("/api/plan", json={"profile": PROFILE}).status_code == 409


def test_an_unknown_session_is_a_404(client: TestClient) -> None:
    assert client.get(f"/api/sessions/{uuid.uuid4()}").status_code == 404


def test_eight_identical_first_puts_at_once_answer_the_stored_copy_never_a_500(
    screened: TestClient,
) -> None:
    plan = planned(screened)
    first = body(plan, done=[{"position": 0, "done_seconds": 10, "done_reps": 1}])
    token = screened.cookies.get(CSRF_COOKIE) or ""

    def put(url: str, start: threading.Barrier) -> tuple[int, Any]:
        # A client of its own per thread (one client is not for concurrent use), with the
        # screened browser's cookies and CSRF token.
        racer = TestClient(screened.app, raise_server_exceptions=False, cookies=screened.cookies)
        start.wait()
        answer = racer.put(url, json=first, headers={"x-csrftoken": token})
        return answer.status_code, answer.json()

    urls = [f"/api/sessions/{uuid.uuid4()}" for _ in range(5)]
    for url in urls:  # five rounds: the losers of a race meet it at different moments
        start = threading.Barrier(8)
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda _, u=url, s=start: put(u, s), range(8)))
        # The stored copy, or 409 (send it again): never 500, never 404 ("another person's").
        assert {status for status, _ in answers} <= {200, 409}, answers
        stored = screened.get(url).json()
        assert all(json == stored for status, json in answers if status == 200)
    assert len(screened.get("/api/history").json()) == len(urls)
