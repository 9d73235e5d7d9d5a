"""Journeys through the pages in a real Chromium: a red flag, and the pages on a phone."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.factories import all_no_answers

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A phone-sized page that fails the test on any console error or policy violation."""
    context = browser.new_context(viewport=PHONE)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: errors.append(str(e)))
    yield opened
    context.close()
    assert errors == [], errors


def post_json(url: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def answer_everything_no(page: Any) -> None:
    """Use the "none of these" buttons, then answer the adjustment questions one by one."""
    for group in ("emergency_back", "emergency_neck", "emergency_general"):
        page.locator(f'button[name="none"][value="{group}"]').click()
    for group in ("see_soon_general", "see_soon_history"):
        page.locator(f'button[name="none"][value="{group}"]').click()
    for question in page.locator("#group-restrictions fieldset.question").all():
        question.get_by_label("No", exact=True).check()


def test_a_red_flag_gets_the_advice_and_no_plan(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
    page.goto(live_server.url)
    assert "Please read" in page.locator("main").inner_text()
    page.get_by_role("link", name="Start with the safety questions").click()
    answer_everything_no(page)
    page.locator("#q-chest_pain").get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="See my result").click()
    verdict = page.locator(".verdict-emergency")
    assert "Please get help now" in verdict.inner_text()
    assert page.get_by_role("link", name="Call 999").get_attribute("href") == "tel:999"
    assert page.get_by_role("link", name="Plan today's routine").count() == 0
    page.screenshot(path=str(artifacts / "red-flag-390x844.png"), full_page=True)
    page.goto(f"{live_server.url}/profile")
    page.get_by_label("lower back").check()
    page.get_by_role("button", name="Save and see today's routine").click()
    assert page.get_by_role("link", name="Start").count() == 0
    assert "Please get help now" in page.locator("main").inner_text()
    status, body = post_json(f"{live_server.url}/api/plan", {"profile": {"areas": ["hips"]}})
    assert status == 409 and body["blocked"] is True and body["verdict"] == "emergency"
    assert "999" in body["advice"]["text"]


def test_the_api_alone_gives_advice_and_no_plan_for_a_red_flag(live_server: LiveServer) -> None:
    status, result = post_json(
        f"{live_server.url}/api/screen", all_no_answers(saddle_numbness=True)
    )
    assert status == 200 and result["verdict"] == "emergency"
    status, body = post_json(f"{live_server.url}/api/plan", {"profile": {"areas": ["neck"]}})
    assert status in (409, 422)
    status, body = post_json(
        f"{live_server.url}/api/plan", {"profile": {"areas": ["neck_shoulders"]}}
    )
    assert status == 409 and "plan" not in body and "items" not in body


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390x844", "1280x800"])
def test_screening_and_plan_read_well_at_both_sizes(
    browser: Any, live_server: LiveServer, artifacts: Path, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/screen")
        answer_everything_no(page)
        # Nothing may stick out sideways on a phone: no horizontal scrolling.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], width
        size = f"{viewport['width']}x{viewport['height']}"
        page.screenshot(path=str(artifacts / f"screening-{size}.png"))
        page.get_by_role("button", name="See my result").click()
        assert "You can start, gently" in page.locator("main").inner_text()
        page.get_by_role("link", name="Tell us where it feels tight").click()
        page.get_by_label("neck and shoulders").check()
        page.get_by_label("In a chair").check()
        page.get_by_role("button", name="Save and see today's routine").click()
        assert page.locator("ol.routine > li").count() >= 1
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=str(artifacts / f"plan-{size}.png"), full_page=True)
        page.keyboard.press("Tab")  # the skip link comes first for keyboard users
        assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    finally:
        context.close()


def test_the_library_filters_as_you_type_with_htmx(page: Any, live_server: LiveServer) -> None:
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/stretches")
    cards = page.locator("#results li")
    everything = cards.count()
    page.get_by_label("Search").press_sequentially("cobra")
    expect(cards).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("Cobra")
    assert "search=cobra" in page.url  # the address can be shared
    page.get_by_label("Search").fill("")
    page.get_by_label("Position").select_option("chair")
    expect(page.locator("#results")).not_to_contain_text("Cobra")
    assert 1 < cards.count() < everything


def test_the_full_journey_from_the_first_page_to_history(
    browser: Any, live_server: LiveServer, artifacts: Path
) -> None:
    """Screen, plan, play a short session on an accelerated clock, rate it, see it in history."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.clock.install()  # the player's clock runs as fast as the test moves it
    try:
        page.goto(live_server.url)
        page.get_by_role("link", name="Start with the safety questions").click()
        answer_everything_no(page)
        page.get_by_role("button", name="See my result").click()
        expect(page.locator(".verdict-self_care")).to_be_visible()
        page.get_by_role("link", name="Tell us where it feels tight").click()
        page.get_by_label("neck and shoulders").check()
        page.get_by_label("3 min").check()
        page.get_by_label("In a chair").check()
        page.get_by_role("button", name="Save and see today's routine").click()
        first = page.locator("ol.routine > li h2 a").first.inner_text()
        while page.locator("ol.routine > li").count() > 1:  # keep one stretch: a short session
            page.locator("ol.routine > li").last.get_by_role("link", name="Drop today").click()
        page.get_by_role("link", name="Start", exact=True).click()
        page.check("input[name=pain_before][value='5']")
        page.click("button.start")
        expect(page.locator("#stretch-name")).to_have_text(first)
        timeline = json.loads(page.locator("#player-data").text_content())["timeline"]
        total_ms = timeline[-1]["start_ms"] + timeline[-1]["duration_ms"]
        for _ in range(0, total_ms + 2_000, 5_000):
            page.clock.run_for(5_000)
        expect(page.locator("#after")).to_be_visible()
        page.check("input[name=pain_after][value='3']")
        page.click("#after-form button[type=submit]")
        expect(page.locator("#save-status")).to_have_text("Saved.")
        page.locator("#summary a[href='/history']").click()
        listed = page.locator("main").inner_text()
        assert "1 session, newest first" in listed and "pain 5 → 3" in listed
        page.screenshot(path=str(artifacts / "history-390x844.png"), full_page=True)
        page.get_by_role("link", name=re.compile(r"\d{4}, \d\d:\d\d")).first.click()
        assert first in page.locator("main").inner_text()  # planned against done, per stretch
    finally:
        context.close()
    assert errors == [], errors
