"""The reward page after a session, reached as the browser player reaches it: its reports
through PUT /api/sessions, then GET /sessions/{uuid}/done."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi.testclient import TestClient

from backstretch.core.durations import minutes
from backstretch.services.reminders import ScheduleChange, change_schedule
from tests.web.conftest import local_person
from tests.web.test_api_sessions import advice_for, body, planned


def main_text(page: str) -> str:
    part = page[page.index("<main") : page.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", part).split())


def play(client: TestClient, *, done: str, **ending: Any) -> tuple[str, dict[str, Any]]:
    """Begin a session as the player does, then save its ending with `done` of every item:
    "all", "none" (every stretch skipped) or "first" (the first item only)."""
    plan = planned(client)
    key = str(uuid.uuid4())
    url = f"/api/sessions/{key}"
    first = client.put(url, json=body(plan))
    assert first.status_code == 200, first.text
    items = first.json()["items"]
    reports = []
    for item in items:
        full = done == "all" or (done == "first" and item["position"] == 0)
        reports.append(
            {
                "position": item["position"],
                "done_seconds": item["planned_seconds"] if full else 0,
                "done_reps": item["planned_reps"] if full else 0,
                "skipped": not full,
            }
        )
    final = client.put(url, json=body(plan, done=reports, **ending))
    assert final.status_code == 200, final.text
    return key, final.json()


def test_a_whole_session_reads_done_with_the_week_and_pain(screened: TestClient) -> None:
    key, saved = play(screened, done="all", status="completed", pain_after=1)
    page = screened.get(f"/sessions/{key}/done")
    assert page.status_code == 200
    text = main_text(page.text)
    assert "Session complete" in text
    # Planned and done count the same stretching time: the whole routine reads as itself.
    assert saved["done_seconds"] == saved["planned_seconds"] > 0
    assert f"{minutes(saved['done_seconds'])} of stretching" in text
    assert "1 of 3 days" in text  # no target set: three days a week
    assert "2 more days to go" in text
    assert "3 → 1" in text and "2 points lower" in text
    assert re.search(r'<a class="button" href="/">Back to home</a>', page.text)
    assert text.count("Back to home") == 1  # one next step
    assert "skipped" not in text.lower()


def test_every_stretch_skipped_is_not_praised_and_counts_for_nothing(
    screened: TestClient,
) -> None:
    key, saved = play(screened, done="none", status="completed")
    assert saved["status"] == "completed" and saved["skipped"] is True
    text = main_text(screened.get(f"/sessions/{key}/done").text)
    assert "Nothing done this time" in text
    assert "does not count toward your week" in text
    for praise in ("Session complete", "Well done", "Great"):
        assert praise not in text
    assert "0 of 3 days" in text
    assert "0 min" in text
    history = main_text(screened.get("/history").text)
    assert "skipped" in history
    assert "completed" not in history


def test_a_stop_reads_gently_with_what_to_do_and_leads_to_the_advice(
    screened: TestClient,
) -> None:
    plan_first = planned(screened)["items"][0]["stretch"]
    key, _ = play(
        screened,
        done="first",
        status="stopped",
        stop_signal="sharp_pain",
        stopped_stretch=plan_first,
    )
    page = screened.get(f"/sessions/{key}/done").text
    text = main_text(page)
    assert "Session stopped" in text
    assert "What to do now" in text
    assert " ".join(advice_for("sharp_pain").split()) in text
    assert '<a class="button" href="/safety">' in page
    assert "Back to home" not in text
    for praise in ("Session complete", "Well done", "Great"):
        assert praise not in text


def test_ending_early_keeps_what_was_done(screened: TestClient) -> None:
    key, saved = play(screened, done="first", status="abandoned", pain_after=3)
    text = main_text(screened.get(f"/sessions/{key}/done").text)
    assert "Ended early" in text
    assert f"{minutes(saved['done_seconds'])} of {minutes(saved['planned_seconds'])} done" in text
    assert "1 of 3 days" in text


def test_the_weekly_target_a_person_set_is_the_one_shown(screened: TestClient) -> None:
    change_schedule(local_person(screened), ScheduleChange(weekly_target=1))
    key, _ = play(screened, done="all", status="completed")
    text = main_text(screened.get(f"/sessions/{key}/done").text)
    assert "1 of 1 days" in text or "1 of 1 day" in text
    assert "weekly target reached" in text


def test_an_unknown_session_is_not_found(screened: TestClient) -> None:
    assert screened.get(f"/sessions/{uuid.uuid4()}/done").status_code == 404
