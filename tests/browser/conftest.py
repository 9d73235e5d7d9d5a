"""A real Chromium for the browser tests, driven by Playwright; skipped where there is none."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from backstretch.services.context import PersonContext, Services

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Kept after the run for a person to look at (the CI job uploads the folder).
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Launch Chromium once for the whole run (never downloading one)."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing; install the distribution's chromium package")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed; pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Return the folder for screenshots kept after the run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@dataclass
class LiveServer:
    """The web app served for real on a free local port, over its own SQLite database."""

    url: str
    app: Any
    settings: Any

    def person(self, at: datetime | None = None) -> PersonContext:
        """Return the context of the person the server serves (to arrange or check what it
        stored), on the server's clock, or as if it were `at` (a screening answered earlier)."""
        services: Services = self.app.state.runtime.services
        if at is not None:
            services = replace(services, clock=lambda: at)
        return services.local_person()


@dataclass
class RestartableServer(LiveServer):
    """A live server that a test can stop (as if the network were down) and start again on the
    same port over the same database, so the browser finds it where it left it."""

    port: int = 0
    _server: Any = None
    _thread: Any = None

    def start(self) -> None:
        """Serve the app (again), on the port it had before."""
        import uvicorn

        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30  # generous: a busy machine migrates slowly
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                pytest.fail("the web app did not start within 30 s")
            time.sleep(0.02)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """Stop serving: connections are refused until `start`."""
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._server = None


def _serve(tmp_path: Path, *, accounts: bool = False) -> Iterator[RestartableServer]:
    from backstretch.config import Settings
    from backstretch.web.app import create_app

    settings = Settings(
        data_dir=tmp_path, emergency_number="999", timezone="Europe/London", accounts=accounts
    )
    server = RestartableServer(url="", app=create_app(settings), settings=settings)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """Serve a fresh app with uvicorn in a thread; stop it after the test."""
    yield from _serve(tmp_path)


@pytest.fixture
def restartable_server(tmp_path: Path) -> Iterator[RestartableServer]:
    """Like `live_server`, but the test may call `stop()` and `start()` in between."""
    yield from _serve(tmp_path)


@pytest.fixture
def accounts_live_server(tmp_path: Path) -> Iterator[RestartableServer]:
    """Like `restartable_server`, with accounts on: many people, each registering and logging
    in (the login pages exist only then)."""
    yield from _serve(tmp_path, accounts=True)


BROWSER_PASSWORD = "a long enough password"


def register_in_browser(page: Any, server: LiveServer, name: str) -> None:
    """Make an account `name` through the register page; the page is then logged in."""
    from playwright.sync_api import expect

    page.goto(f"{server.url}/register")
    page.fill("#username", name)
    page.fill("#password", BROWSER_PASSWORD)
    page.fill("#password_again", BROWSER_PASSWORD)
    page.click("form[action='/register'] button[type=submit]")
    expect(page.locator("meta[name=backstretch-account]")).not_to_have_attribute("content", "")


def csrf_headers(base_url: str) -> dict[str, str]:
    """Return what a script outside the browser sends with a change, as the README says: the
    CSRF cookie a first GET sets, and its value as x-csrftoken (every change needs them)."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"{base_url}/offline/account") as answer:
        token = json.loads(answer.read())["csrf"]
    return {"Cookie": f"backstretch_csrf={token}", "x-csrftoken": token}
