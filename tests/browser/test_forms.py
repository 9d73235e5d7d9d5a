"""The app's forms posted by a real Chromium, from the pages they are on: the CSRF token goes in
the form's body (its hidden first field), never in a header, and uploads (an own stretch, a data
file to import) work like the rest. Then the same token is refused once the login changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, RestartableServer, register_in_browser
from tests.web.test_own_pages import stretch_yaml

pytestmark = pytest.mark.slow

STRETCH_NAME = "Wall chest stretch"  # tests/data/test_catalogue.py's VALID, id my-wall-stretch


def expect(target: Any) -> Any:
    return pytest.importorskip("playwright.sync_api").expect(target)


def posted_form(page: Any, action: str, submit: Any) -> Any:
    """Submit a form by clicking, as a person does; return the request Chromium sent."""
    with page.expect_request(
        lambda request: request.method == "POST" and request.url.endswith(action)
    ) as sent:
        submit()
    return sent.value


def carries_token_in_body(request: Any) -> bool:
    """Tell whether the form sent its token as a field of its body, not as a header (Chromium
    shows a urlencoded body but not one with a file: there, no header means the server, which
    takes the token from nowhere else, found it in the body)."""
    if "x-csrftoken" in request.headers:
        return False
    if request.headers["content-type"].startswith("multipart/form-data"):
        return True
    return b"csrftoken=" in (request.post_data_buffer or b"")


def add_own_stretch(page: Any, server: LiveServer, folder: Path) -> Any:
    """Upload the stretch file through the library's form; return the request sent."""
    stretch = folder / "wall.yaml"
    stretch.write_text(stretch_yaml(), encoding="utf-8")
    page.goto(f"{server.url}/stretches")
    form = page.locator("form[action='/stretches/own']")
    form.locator("input[type=file]").set_input_files(str(stretch))
    request = posted_form(page, "/stretches/own", lambda: form.locator("button").click())
    expect(page.locator("h1")).to_have_text(STRETCH_NAME)
    return request


def test_an_own_stretch_is_uploaded_through_the_library_form(
    browser: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        request = add_own_stretch(page, live_server, tmp_path)
        assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
        assert carries_token_in_body(request)
        assert page.url.endswith("/stretches/my-wall-stretch")

        # A plain (urlencoded) form on the same browser: the settings.
        page.goto(f"{live_server.url}/settings")
        page.fill("input[name=lead_in_seconds]", "7")
        settings = posted_form(
            page, "/settings", lambda: page.locator("form[action='/settings'] button").click()
        )
        assert carries_token_in_body(settings)
        expect(page.locator("input[name=lead_in_seconds]")).to_have_value("7")
    finally:
        context.close()


def test_your_data_goes_and_comes_back_through_the_data_page(
    browser: Any, accounts_live_server: RestartableServer, tmp_path: Path
) -> None:
    server = accounts_live_server
    context = browser.new_context(accept_downloads=True)
    try:
        page = context.new_page()
        register_in_browser(page, server, "ana")
        add_own_stretch(page, server, tmp_path)

        # Take a copy.
        page.goto(f"{server.url}/data")
        with page.expect_download() as download:
            page.click("a[href='/data/export.json']")
        copy = tmp_path / "backstretch.json"
        download.value.save_as(copy)
        assert json.loads(copy.read_text(encoding="utf-8"))["tables"]["own_stretches"]

        # Delete everything (a urlencoded form).
        page.fill("form[action='/data/delete'] input[name=confirm]", "delete")
        deleted = posted_form(
            page, "/data/delete", lambda: page.click("form[action='/data/delete'] button")
        )
        assert carries_token_in_body(deleted)
        expect(page.locator(".notice")).to_have_text("Everything was deleted.")
        page.goto(f"{server.url}/stretches/my-wall-stretch")
        expect(page.locator("h1")).not_to_have_text(STRETCH_NAME)

        # Bring it back (a file upload).
        page.goto(f"{server.url}/data")
        form = page.locator("form[action='/data/import']")
        form.locator("input[type=file]").set_input_files(str(copy))
        imported = posted_form(page, "/data/import", lambda: form.locator("button").click())
        assert carries_token_in_body(imported)
        expect(page.locator(".notice")).to_contain_text("imported")
        page.goto(f"{server.url}/stretches/my-wall-stretch")
        expect(page.locator("h1")).to_have_text(STRETCH_NAME)
    finally:
        context.close()


def test_a_page_from_before_the_login_changed_cannot_post(
    browser: Any, accounts_live_server: RestartableServer
) -> None:
    """The token is tied to the login: a settings page loaded as Ana, posted after Bob logged
    in on the same browser (in another tab), is refused; reloaded, it works."""
    server = accounts_live_server
    bob = browser.new_context()
    register_in_browser(bob.new_page(), server, "bob")
    bob.close()
    context = browser.new_context()
    try:
        page = context.new_page()
        register_in_browser(page, server, "ana")
        page.goto(f"{server.url}/settings")
        other_tab = context.new_page()
        other_tab.goto(f"{server.url}/login")
        other_tab.fill("#username", "bob")
        other_tab.fill("#password", "a long enough password")
        other_tab.click("form[action='/login'] button[type=submit]")
        expect(other_tab.locator("meta[name=backstretch-account]")).not_to_have_attribute(
            "content", ""
        )
        with page.expect_response(lambda r: r.url.endswith("/settings")) as answer:
            page.locator("form[action='/settings'] button").click()
        assert answer.value.status == 403
        expect(page.locator("body")).to_contain_text("security token")
        page.goto(f"{server.url}/settings")
        with page.expect_response(lambda r: "/settings" in r.url) as again:
            page.locator("form[action='/settings'] button").click()
        assert again.value.status == 303
    finally:
        context.close()
