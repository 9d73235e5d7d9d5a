"""Private stays private in a real Chromium: a person's pages kept for offline use are served
only while their login is on this browser, and go when it does, not only on logging out."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import BROWSER_PASSWORD, RestartableServer, register_in_browser
from tests.browser.test_offline import (
    browsing,
    cached,
    come_back,
    expect,
    go_offline,
    kept_for_offline,
    wait_for,
)

pytestmark = pytest.mark.slow


def keep_history(page: Any, server: RestartableServer) -> None:
    page.goto(f"{server.url}/history")
    expect(page.locator("h1")).to_have_text("Your history")
    kept_for_offline(page)
    assert cached(page, "/history")


def test_kept_pages_are_not_shown_once_the_login_cookie_is_gone(
    browser: Any, accounts_live_server: RestartableServer
) -> None:
    server = accounts_live_server
    with browsing(browser) as (context, errors):
        page = context.new_page()
        register_in_browser(page, server, "ana")
        keep_history(page, server)

        # Offline with the login still there: the kept page opens, as before.
        go_offline(server, context)
        page.goto(f"{server.url}/history")
        expect(page.locator("h1")).to_have_text("Your history")

        # The login goes without a logout (it expired, or the cookies were cleared): the kept
        # page is not shown, and nothing of the person's is left in the cache.
        context.clear_cookies()
        page.goto(f"{server.url}/history")
        expect(page.locator("h1")).to_have_text("You are offline")
        assert page.url == f"{server.url}/history"  # the worker's answer, not the page's check
        assert not cached(page, "/history")
        come_back(server, context)
        assert errors == []


def test_kept_pages_go_when_the_login_is_ended_elsewhere(
    browser: Any, accounts_live_server: RestartableServer
) -> None:
    server = accounts_live_server
    with browsing(browser) as (context, errors):
        page = context.new_page()
        register_in_browser(page, server, "ana")
        keep_history(page, server)

        # Ana changes her password on another device: every other login of hers ends.
        other = browser.new_context()
        try:
            elsewhere = other.new_page()
            elsewhere.goto(f"{server.url}/login")
            elsewhere.fill("#username", "ana")
            elsewhere.fill("#password", BROWSER_PASSWORD)
            elsewhere.click("form[action='/login'] button[type=submit]")
            elsewhere.goto(f"{server.url}/account")
            form = elsewhere.locator("form[action='/account/password']")
            form.locator("input[name=current_password]").fill(BROWSER_PASSWORD)
            form.locator("input[name=new_password]").fill("another long password")
            form.locator("input[name=new_password_again]").fill("another long password")
            form.locator("button[type=submit]").click()
            expect(elsewhere.locator(".notice")).to_be_visible()
        finally:
            other.close()

        # Back on this browser, online: the server sends it to the login page and clears the
        # login's cookies; what was kept for Ana goes with them.
        page.goto(f"{server.url}/history")
        expect(page).to_have_url(f"{server.url}/login?next=%2Fhistory")
        wait_for(lambda: not cached(page, "/history"), "Ana's history is still kept")
        assert "backstretch_account" not in {cookie["name"] for cookie in context.cookies()}
        go_offline(server, context)
        page.goto(f"{server.url}/history")
        expect(page.locator("h1")).to_have_text("You are offline")
        come_back(server, context)
        assert errors == []
