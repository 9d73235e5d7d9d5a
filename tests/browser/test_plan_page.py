"""Today's routine on a phone (issue 16): the summary and Start on the first screen, one
"Change" menu per stretch that opens by touch or keyboard and whose edits post like a form."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.factories import all_no_answers

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
NECK_AT_THE_DESK = {
    "areas": ["neck_shoulders", "upper_back"],
    "minutes": 10,
    "setting": "chair",
}
SUMMARY = re.compile(r"^\d+ min · \d+ stretches · chair$")


def expect(target: Any) -> Any:
    return pytest.importorskip("playwright.sync_api").expect(target)


def arrange(server: LiveServer, **answers: Any) -> None:
    """A screening answered (with these answers) and a profile for the neck, at the desk."""
    from backstretch.services.planning import remember_profile
    from backstretch.services.screening import record_screening

    record_screening(server.person(), all_no_answers(**answers))
    remember_profile(server.person(), NECK_AT_THE_DESK)


def test_on_a_phone_start_is_on_the_first_screen_and_the_menu_edits(
    browser: Any, live_server: LiveServer, artifacts: Path
) -> None:
    arrange(live_server)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{live_server.url}/plan")
        summary = page.locator("main .summary")
        expect(summary).to_have_text(SUMMARY)
        cards = page.locator("ol.routine > li.plan-item")
        count = cards.count()
        assert summary.inner_text().split(" · ")[1] == f"{count} stretches"
        start = page.get_by_role("link", name="Start", exact=True)
        box = start.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"]
        assert box["height"] >= 44
        page.screenshot(path=str(artifacts / "plan-390x844.png"))
        page.screenshot(path=str(artifacts / "plan-full-390x844.png"), full_page=True)

        # One menu a stretch, closed: none of the edits shows until it is opened.
        assert page.locator("details.change").count() == count
        hidden = page.locator("details.change button", has_text="Never suggest again")
        expect(hidden).to_have_count(count)
        for index in range(count):
            expect(hidden.nth(index)).to_be_hidden()
        first = cards.first
        name = first.locator("h2 a").inner_text()
        toggle = first.locator("summary")
        assert (toggle.bounding_box() or {}).get("height", 0) >= 44
        toggle.click()
        never = first.get_by_role("button", name="Never suggest again")
        expect(never).to_be_visible()
        for action in (first.get_by_role("link", name="Drop today"), never):
            assert (action.bounding_box() or {}).get("height", 0) >= 44
        page.screenshot(path=str(artifacts / "plan-menu-390x844.png"))
        # The menu closes again and opens from the keyboard.
        toggle.click()
        expect(never).to_be_hidden()
        toggle.focus()
        page.keyboard.press("Enter")
        expect(never).to_be_visible()
        # Its action posts the form, with the page's token, as any form does.
        with page.expect_request(
            lambda r: r.method == "POST" and r.url.endswith("/profile/avoid")
        ) as posted:
            never.click()
        assert "csrftoken=" in (posted.value.post_data or "")
        expect(page.locator("main .summary")).to_have_text(SUMMARY)
        names = page.locator("ol.routine > li.plan-item h2 a").all_inner_texts()
        assert name not in names
        page.goto(f"{live_server.url}/profile")
        expect(page.locator("main")).to_contain_text(name)
        expect(page.locator("main")).to_contain_text("Suggest it again")

        laptop = browser.new_page(viewport=LAPTOP)
        laptop.goto(f"{live_server.url}/plan")
        laptop.screenshot(path=str(artifacts / "plan-1280x800.png"), full_page=True)
        laptop.close()
    finally:
        context.close()
    assert errors == [], errors


def test_a_swap_is_one_line_with_the_details_behind_it(
    browser: Any, live_server: LiveServer, artifacts: Path
) -> None:
    arrange(live_server, knee_pain_kneeling=True)
    for size, viewport in (("390x844", PHONE), ("1280x800", LAPTOP)):
        page = browser.new_page(viewport=viewport)
        try:
            page.goto(f"{live_server.url}/plan?preset=basic-daily")
            swapped = page.locator("details.note.swapped")
            expect(swapped).to_have_count(1)
            line = swapped.locator("summary")
            expect(line).to_contain_text("Swapped for you: ")
            detail = swapped.locator("li", has_text="Cat-cow → ")
            expect(detail).to_be_hidden()
            start = page.get_by_role("link", name="Start", exact=True)
            box = start.bounding_box()
            assert box is not None and box["y"] + box["height"] <= viewport["height"]
            line.click()
            expect(detail).to_have_text("Cat-cow → Seated cat-cow: it puts weight on the knees")
            page.screenshot(path=str(artifacts / f"plan-swap-{size}.png"), full_page=True)
        finally:
            page.close()
