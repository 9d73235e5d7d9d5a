"""Journeys through the pages in a real Chromium: a red flag, and the pages on a phone."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, csrf_headers
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
    base = url.split("/api/", 1)[0]
    headers = {"content-type": "application/json", **csrf_headers(base)}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def answer_everything_no(page: Any) -> None:
    """From the first group screen, answer "None of these" on every screen, to the result."""
    while "/screen/result" not in page.url:
        page.locator('button[name="none"]').click()


def test_a_red_flag_gets_the_advice_and_no_plan(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
    page.goto(live_server.url)
    assert "Please read" in page.locator("main").inner_text()
    page.get_by_role("link", name="I understand, start the safety check").click()
    answer_everything_no(page)
    page.goto(f"{page.url.split('/screen')[0]}/screen?new=1")
    for _ in range(2):
        page.locator('button[name="none"]').click()
    page.get_by_text("Yes or not sure to one").click()
    page.locator("#q-chest_pain").get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Next").click()
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
        page.goto(f"{live_server.url}/screen?step=1")
        # Nothing may stick out sideways on a phone: no horizontal scrolling.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], width
        size = f"{viewport['width']}x{viewport['height']}"
        page.screenshot(path=str(artifacts / f"screening-{size}.png"))
        answer_everything_no(page)
        assert "You can start, gently" in page.locator("main").inner_text()
        page.get_by_role("link", name="Tell us where it feels tight").click()
        page.get_by_label("neck and shoulders").check()
        page.get_by_label("In a chair").check()
        page.get_by_role("button", name="Save and see today's routine").click()
        assert page.locator("ol.routine > li").count() >= 1
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=str(artifacts / f"plan-{size}.png"), full_page=True)
        page.keyboard.press("Tab")  # the skip link comes first for keyboard users
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
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
        page.get_by_role("link", name="I understand, start the safety check").click()
        answer_everything_no(page)
        expect(page.locator(".verdict-self_care")).to_be_visible()
        page.get_by_role("link", name="Tell us where it feels tight").click()
        page.get_by_label("neck and shoulders").check()
        page.get_by_label("3 min").check()
        page.get_by_label("In a chair").check()
        page.get_by_role("button", name="Save and start").click()
        page.click("#before button[name=pain_before][value='5']")  # one tap starts
        expect(page.locator("#stretch-name")).not_to_be_empty()
        first = page.locator("#stretch-name").inner_text()
        timeline = json.loads(page.locator("#player-data").text_content())["timeline"]
        total_ms = timeline[-1]["start_ms"] + timeline[-1]["duration_ms"]
        for _ in range(0, total_ms + 2_000, 5_000):
            page.clock.run_for(5_000)
        expect(page.locator("#after")).to_be_visible()
        page.click("#after button[name=pain_after][value='3']")
        page.wait_for_url("**/done")
        page.locator("details.menu > summary").click()  # the menu leads everywhere
        page.locator("details.menu").get_by_role("link", name="History").click()
        listed = page.locator("main").inner_text()
        assert "5 → 3" in listed
        page.screenshot(path=str(artifacts / "history-390x844.png"), full_page=True)
        page.get_by_role("link", name=re.compile(r"\d{4}, \d\d:\d\d")).first.click()
        assert first in page.locator("main").inner_text()  # planned against done, per stretch
        page.locator("header a.brand").click()  # home: the pain change shows
        assert "5 → 3" in page.locator("main .figures").inner_text()
    finally:
        context.close()
    assert errors == [], errors


# ---- the safety check as a stepper, at phone size ---------------------------------------------


def _shoot(page: Any, artifacts: Path, name: str) -> None:
    size = f"{page.viewport_size['width']}x{page.viewport_size['height']}"
    page.wait_for_load_state("load")  # a page still arriving cannot be captured
    page.screenshot(path=str(artifacts / f"stepper-{name}-{size}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390x844", "1280x800"])
def test_all_none_one_screen_per_group_with_progress_and_back(
    browser: Any, live_server: LiveServer, artifacts: Path, viewport: dict[str, int]
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(live_server.url)
        _shoot(page, artifacts, "0-welcome")
        page.get_by_role("link", name="I understand, start the safety check").click()
        for number in range(1, 7):
            main = page.locator("main")
            expect(main).to_contain_text(f"{number} of 6")
            heading = page.locator("main h1")
            assert heading.bounding_box()["y"] >= 0  # the group's heading is not clipped
            _shoot(page, artifacts, f"{number}-group")
            box = page.locator('button[name="none"]').bounding_box()
            assert box["y"] + box["height"] <= viewport["height"], number  # no scrolling needed
            if number == 2:  # back keeps what was answered
                page.get_by_role("link", name="Back", exact=True).click()
                expect(main).to_contain_text("1 of 6")
                page.reload()
                expect(main).to_contain_text("1 of 6")
                page.locator('button[name="none"]').click()
            if number == 1:
                page.get_by_text("Yes or not sure to one").click()
                page.locator("#q-saddle_numbness details summary").click()
                _shoot(page, artifacts, "1-what-does-this-mean")
            page.locator('button[name="none"]').click()
        expect(page.locator(".verdict-self_care")).to_be_visible()
        _shoot(page, artifacts, "result-self-care")
    finally:
        context.close()


def test_an_emergency_yes_stops_at_once(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
    from backstretch.services.screening import latest_answers

    page.goto(f"{live_server.url}/screen?step=1")
    page.get_by_text("Yes or not sure to one").click()
    _shoot(page, artifacts, "1-yes-or-not-sure")
    page.locator("#q-bladder_change").get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Next").click()
    assert page.url.endswith("/screen/result")  # group 2 of 6 is never asked
    assert "Please get help now" in page.locator(".verdict-emergency").inner_text()
    _shoot(page, artifacts, "result-emergency")
    answers = latest_answers(live_server.person())
    assert answers is not None and answers["bladder_change"] is True
    assert "hands_clumsy_unsteady" not in answers


def test_a_see_a_clinician_answer_gives_that_result(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
    from tests.browser.stepper import answer_every_group_none

    answer_every_group_none(page, live_server.url, yes="night_pain")
    verdict = page.locator(".verdict-see_clinician")
    assert "See a clinician before you stretch" in verdict.inner_text()
    assert page.get_by_role("link", name="Plan today's routine").count() == 0
    _shoot(page, artifacts, "result-see-clinician")


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390x844", "1280x800"])
def test_the_weekly_check_takes_one_answer(
    browser: Any, live_server: LiveServer, artifacts: Path, viewport: dict[str, int]
) -> None:
    from datetime import timedelta

    from backstretch.services.screening import record_screening

    record_screening(
        live_server.person(at=live_server.person().now() - timedelta(days=8)),
        all_no_answers(wrist_pain=True),
    )
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/screen")
        assert "Your weekly safety check" in page.locator("main").inner_text()
        _shoot(page, artifacts, "weekly")
        page.get_by_role("button", name="None of these, same as last time").click()
        assert "You can start, gently" in page.locator("main").inner_text()
        _shoot(page, artifacts, "weekly-result")
    finally:
        context.close()


# ---- home and the header, and the shortest journeys to the first stretch ---------------------


def returning(server: LiveServer, *, days_ago: int = 0) -> None:
    """A person who checked `days_ago` days ago (every answer no) and said where it is tight."""
    from datetime import timedelta

    from backstretch.services.planning import remember_profile
    from backstretch.services.screening import record_screening

    person = server.person()
    record_screening(server.person(at=person.now() - timedelta(days=days_ago)), all_no_answers())
    remember_profile(person, {"areas": ["lower_back"], "minutes": 10, "setting": "floor"})


def played_yesterday(server: LiveServer) -> None:
    """A session finished yesterday, rated 6 before and 4 after, sent as the player sends it."""
    from datetime import timedelta

    status, plan = post_json(f"{server.url}/api/plan", {})
    assert status == 200, plan
    first = plan["items"][0]
    started = server.person().now() - timedelta(days=1)
    body = {
        "routine_name": plan["name"],
        "started_at": started.isoformat(),
        "status": "completed",
        "pain_before": 6,
        "pain_after": 4,
        "items": [{k: first[k] for k in ("stretch", "sets", "reps", "sides", "hold_seconds")}],
        "done": [{"position": 0, "done_seconds": 30, "done_reps": first["reps"]}],
    }
    headers = {"content-type": "application/json", **csrf_headers(server.url)}
    request = urllib.request.Request(
        f"{server.url}/api/sessions/{uuid.uuid4()}",
        data=json.dumps(body).encode(),
        headers=headers,
        method="PUT",
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200


def first_stretch_shows(page: Any) -> None:
    from playwright.sync_api import expect

    page.click("#before button[name=pain_before][value='3']")  # one tap records it and starts
    expect(page.locator("#stretch-name")).not_to_be_empty()
    assert page.locator("#stretch-name").is_visible()


def shoot(page: Any, artifacts: Path, name: str) -> None:
    size = f"{page.viewport_size['width']}x{page.viewport_size['height']}"
    page.wait_for_load_state("load")  # a page still arriving cannot be captured
    page.screenshot(path=str(artifacts / f"home-{name}-{size}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def above_the_fold(page: Any, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= page.viewport_size["height"], selector


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390x844", "1280x800"])
def test_the_header_is_one_line_and_every_menu_target_is_big_enough(
    browser: Any, live_server: LiveServer, artifacts: Path, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        for path in ("/", "/stretches", "/learn", "/profile", "/screen?step=1"):
            page.goto(live_server.url + path)
            header = page.locator("header.bar").bounding_box()
            assert header is not None and header["height"] <= 64, (path, header)
            summary = page.locator("details.menu > summary").bounding_box()
            assert summary is not None and summary["height"] >= 44, path
        page.goto(live_server.url + "/learn")
        page.locator("details.menu > summary").click()
        menu = page.locator("details.menu > nav")
        targets = menu.locator("a:visible, button:visible")
        assert targets.count() >= 4
        for index in range(targets.count()):
            box = targets.nth(index).bounding_box()
            assert box is not None and box["height"] >= 44, targets.nth(index).inner_text()
        symptoms = menu.get_by_role("link", name="I have new symptoms")
        assert symptoms.is_visible()
        # Plain like the other links: the same colour as "Settings", not a red warning.
        colour = "el => getComputedStyle(el).color"
        assert symptoms.evaluate(colour) == menu.get_by_role("link", name="Settings").evaluate(
            colour
        )
        if viewport is PHONE:
            assert menu.get_by_role("link", name="History").is_visible()
        else:  # a wide screen shows the main places in the row itself
            assert page.locator("nav.wide").get_by_role("link", name="History").is_visible()
        shoot(page, artifacts, "menu-open")
        symptoms.click()
        assert "/screen" in page.url and "1 of 6" in page.locator("main").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390x844", "1280x800"])
def test_a_new_person_reaches_the_first_stretch_from_home(
    browser: Any, live_server: LiveServer, artifacts: Path, viewport: dict[str, int]
) -> None:
    """Home, "None of these" on each screen, the result's one button, one area, Save and start,
    a pain number: the first stretch. Each page's main button is on its first screen."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.clock.install()
    try:
        page.goto(live_server.url)
        assert page.locator("main").inner_text().count("not a medical device") == 1
        above_the_fold(page, "main a.button.start")
        shoot(page, artifacts, "new")
        page.get_by_role("link", name="I understand, start the safety check").click()
        answer_everything_no(page)
        above_the_fold(page, "main a.button.start")
        shoot(page, artifacts, "result")
        page.get_by_role("link", name="Tell us where it feels tight").click()
        assert page.get_by_label("10 min").is_checked()  # chosen for the person
        assert page.get_by_label("On the floor").is_checked()
        page.get_by_label("lower back").check()
        above_the_fold(page, "button[name=start]")
        shoot(page, artifacts, "profile")
        page.get_by_role("button", name="Save and start").click()
        assert page.url.endswith("/play")
        shoot(page, artifacts, "pre-session")
        first_stretch_shows(page)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390x844", "1280x800"])
def test_a_returning_person_starts_in_two_taps(
    browser: Any, live_server: LiveServer, artifacts: Path, viewport: dict[str, int]
) -> None:
    returning(live_server)
    played_yesterday(live_server)
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.clock.install()
    try:
        page.goto(live_server.url)
        main = page.locator("main").inner_text()
        assert "stretches" in main and "min" in main  # today's routine in one line
        assert "6 → 4" in page.locator("main .figures").inner_text()  # the last pain change
        above_the_fold(page, "main a.button.start")
        shoot(page, artifacts, "returning")
        page.locator("main a.button.start").click()  # 1
        first_stretch_shows(page)  # 2
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390x844", "1280x800"])
def test_a_due_weekly_check_and_the_first_stretch_in_three_taps(
    browser: Any, live_server: LiveServer, artifacts: Path, viewport: dict[str, int]
) -> None:
    returning(live_server, days_ago=8)
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.clock.install()
    try:
        page.goto(live_server.url)
        assert "weekly safety check comes first" in page.locator("main").inner_text()
        shoot(page, artifacts, "weekly-due")
        page.locator("main a.button.start").click()  # 1
        assert "Your weekly safety check" in page.locator("main").inner_text()
        page.get_by_role("button", name="None of these, same as last time").click()  # 2
        assert page.url.endswith("/play")  # straight on, no result page in between
        first_stretch_shows(page)  # 3
    finally:
        context.close()
