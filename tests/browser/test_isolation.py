"""Two people on one server, each in their own browser: neither sees the other's data."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, register_in_browser
from tests.browser.stepper import answer_every_group_none

pytestmark = pytest.mark.slow

SESSION_ROUTINE = "Ana kingfisher routine"
SAVED_ROUTINE = "Ana heron routine"
PROFILE = {"areas": ["lower_back"], "minutes": 5, "setting": "chair"}


def expect(target: Any) -> Any:
    return pytest.importorskip("playwright.sync_api").expect(target)


@contextmanager
def person(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """Yield a page in a browser context of its own (its own cookies), and its script errors."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    try:
        yield page, errors
    finally:
        context.close()


def answer_safety_questions(page: Any, server: LiveServer) -> None:
    """Answer every safety question "no" through the form, then save a profile."""
    answer_every_group_none(page, server.url)
    expect(page.locator("main")).to_contain_text("You can start, gently")
    page.goto(f"{server.url}/profile")
    page.get_by_label("lower back").check()
    page.get_by_label("In a chair").check()
    page.get_by_role("button", name="Save and see today's routine").click()
    expect(page.locator("ol.routine > li").first).to_be_visible()


def record_session(page: Any, session_uuid: str) -> int:
    """Plan and record a finished session with the page's own fetch, as the player does."""
    status: int = page.evaluate(
        """async ([sessionUuid, name, profile]) => {
          const token = document.querySelector("meta[name=csrf-token]").content;
          const headers = {"content-type": "application/json", "x-csrftoken": token};
          const planned = await fetch("/api/plan", {
            method: "POST", headers, body: JSON.stringify({profile}),
          });
          const plan = await planned.json();
          const items = plan.items.map((i) => ({
            stretch: i.stretch, sets: i.sets, reps: i.reps, sides: i.sides,
            hold_seconds: i.hold_seconds,
          }));
          const body = {
            routine_name: name, items, started_at: new Date().toISOString(),
            status: "completed", pain_before: 4, pain_after: 2,
            done: [{position: 0, done_seconds: 20, done_reps: 1}],
          };
          const put = await fetch(`/api/sessions/${sessionUuid}`, {
            method: "PUT", headers, body: JSON.stringify(body),
          });
          return put.status;
        }""",
        [session_uuid, SESSION_ROUTINE, PROFILE],
    )
    return status


def test_two_people_never_see_each_others_data(
    browser: Any, accounts_live_server: LiveServer
) -> None:
    server = accounts_live_server
    ana_uuid = str(uuid.uuid4())
    with person(browser) as (ana, ana_errors), person(browser) as (bob, bob_errors):
        # Ana: an account, the safety questions, a session and a saved routine.
        register_in_browser(ana, server, "ana")
        answer_safety_questions(ana, server)
        assert record_session(ana, ana_uuid) == 200
        ana.goto(f"{server.url}/plan")
        save = ana.locator("form[action='/routines']")
        save.get_by_label("Name").fill(SAVED_ROUTINE)
        save.get_by_role("button", name="Save").click()
        expect(ana.locator("main")).to_contain_text(SAVED_ROUTINE)
        ana.goto(f"{server.url}/history")
        expect(ana.locator("main")).to_contain_text(SESSION_ROUTINE)
        ana.goto(f"{server.url}/history/{ana_uuid}")
        expect(ana.locator("main")).to_contain_text(SESSION_ROUTINE)

        # Bob, in his own browser: an account of his own, and nothing of Ana's anywhere.
        register_in_browser(bob, server, "bob")
        ana_key = ana.get_attribute("meta[name=backstretch-account]", "content")
        assert bob.get_attribute("meta[name=backstretch-account]", "content") != ana_key
        for path in ("/history", "/plan", "/routines"):
            bob.goto(f"{server.url}{path}")
            main = bob.locator("main")
            expect(main).not_to_contain_text(SESSION_ROUTINE)
            expect(main).not_to_contain_text(SAVED_ROUTINE)
            expect(main).not_to_contain_text(ana_uuid)
        # With his own screening and profile, his plan is his alone too.
        answer_safety_questions(bob, server)
        for path in ("/plan", "/history", "/routines"):
            bob.goto(f"{server.url}{path}")
            expect(bob.locator("main")).not_to_contain_text(SAVED_ROUTINE)
            expect(bob.locator("main")).not_to_contain_text(SESSION_ROUTINE)
        # Ana's session by its address: not found, in the page and in the API.
        answer = bob.goto(f"{server.url}/history/{ana_uuid}")
        assert answer is not None and answer.status == 404
        expect(bob.locator("h1")).to_have_text("Page not found")
        expect(bob.locator("body")).not_to_contain_text(SESSION_ROUTINE)
        api = bob.request.get(f"{server.url}/api/sessions/{ana_uuid}")
        assert api.status == 404
        assert SESSION_ROUTINE not in api.text()
        assert bob.request.get(f"{server.url}/api/history").json() == []

        # Ana still has all of hers.
        assert ana.request.get(f"{server.url}/api/sessions/{ana_uuid}").status == 200
        ana.goto(f"{server.url}/routines")
        expect(ana.locator("main")).to_contain_text(SAVED_ROUTINE)
        assert ana_errors == [] and bob_errors == []
