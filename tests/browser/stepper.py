"""Answer the safety check's stepper in a browser, as a person would: one screen per group."""

from __future__ import annotations

from typing import Any

LAST_GROUP = "restrictions"


def answer_every_group_none(page: Any, base_url: str, *, yes: str | None = None) -> None:
    """From the disclaimer, answer "None of these" on every screen (or "yes" to one question,
    on its screen, then carry on) and arrive at the result."""
    page.goto(f"{base_url}/screen")
    page.get_by_role("link", name="I understand, start").click()
    finish_the_stepper(page, yes=yes)


def report_something_changed(page: Any, base_url: str, *, yes: str | None = None) -> None:
    """Someone checked before: /screen is the weekly check. Say "Something has changed" and
    answer the stepper afresh ("None of these" everywhere, or "yes" to one question)."""
    page.goto(f"{base_url}/screen")
    page.get_by_role("link", name="Something has changed").click()
    page.locator(".progress").wait_for()  # the first group's screen, "1 of ..."
    finish_the_stepper(page, yes=yes)


def finish_the_stepper(page: Any, *, yes: str | None = None) -> None:
    """Carry on from a group screen of the stepper until the result."""
    while "/screen/result" not in page.url:
        if yes is not None and page.locator(f"#q-{yes}").count():
            page.locator("details.some > summary").click()
            page.locator(f"#q-{yes}").get_by_label("Yes", exact=True).check()
            page.locator('button[name="next"]').click()
            yes = None
        else:
            page.locator('button[name="none"]').click()
