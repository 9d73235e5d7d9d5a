"""Notifications in a real Chromium: what the service worker shows for a push, and what a tap
opens; and that the page asks for permission only when the person presses the button.

The push is the server's own: the app's scheduler sends it, encrypted, to a push service on this
machine (tests/push_endpoint.py); the test decrypts it with the subscription's keys, as the
browser's push service client would, and hands the plain message to Chromium's service worker
through the DevTools protocol (`ServiceWorker.deliverPushMessage`). What the worker shows is
read back with `registration.getNotifications()`.

Chromium cannot subscribe here (a headless browser has no push service to register with), and
the DevTools protocol has no way to tap a notification: the tap is a `notificationclick` event
made in the worker with the notification it showed. Such an event lacks the user activation a
real tap carries, so `clients.openWindow()` is refused for it; the worker then takes the app's
window there (`WindowClient.navigate`), which is what the test checks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backstretch.config import Settings
from backstretch.services import push, reminders, scheduler
from backstretch.services.planning import remember_profile
from backstretch.services.screening import record_screening
from tests.browser.conftest import RestartableServer, register_in_browser
from tests.browser.test_offline import wait_for
from tests.factories import all_no_answers
from tests.fakes import FakeNow
from tests.push_endpoint import Device, PushEndpoint

pytestmark = pytest.mark.slow

LONDON = ZoneInfo("Europe/London")
PHONE = {"width": 390, "height": 844}
SCHEDULE = {
    "sessions": [{"days": ["mon", "wed", "fri"], "at": "08:30", "preset": "morning"}],
    "breaks": {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"},
}


def expect(target: Any) -> Any:
    return pytest.importorskip("playwright.sync_api").expect(target)


def london(hour: int, minute: int, second: int = 0) -> datetime:
    """Monday 2 November 2026 in London, as UTC."""
    return datetime(2026, 11, 2, hour, minute, second, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def clock() -> FakeNow:
    return FakeNow(london(8, 29, 50))


@pytest.fixture
def endpoint() -> Iterator[PushEndpoint]:
    with PushEndpoint() as service:
        yield service


def serving(tmp_path: Path, clock: FakeNow, *, accounts: bool) -> Iterator[RestartableServer]:
    """Serve the app for real on the test's clock; its scheduler is stepped by the test (no
    background ticking), and it may push to the push service on this machine."""
    from backstretch.web.app import create_app

    settings = Settings(
        data_dir=tmp_path,
        emergency_number="999",
        timezone="Europe/London",
        reminder_tick_seconds=0,
        push_loopback_endpoints=True,
        accounts=accounts,
    )
    served = RestartableServer(url="", app=create_app(settings, clock=clock), settings=settings)
    served.start()
    try:
        yield served
    finally:
        served.stop()


@pytest.fixture
def server(tmp_path: Path, clock: FakeNow) -> Iterator[RestartableServer]:
    """The app for one person (no accounts)."""
    yield from serving(tmp_path, clock, accounts=False)


@pytest.fixture
def shared_server(tmp_path: Path, clock: FakeNow) -> Iterator[RestartableServer]:
    """The app for many people, each logging in."""
    yield from serving(tmp_path, clock, accounts=True)


@pytest.fixture
def device(server: RestartableServer, endpoint: PushEndpoint) -> Device:
    """A person ready for reminders: screened, a profile, the schedule, a subscribed device."""
    person = server.person()
    record_screening(person, all_no_answers())
    remember_profile(person, {"areas": ["neck_shoulders", "upper_back"], "minutes": 10})
    reminders.save_schedule(person, SCHEDULE)
    subscribed = endpoint.device("phone")
    push.subscribe(person, subscribed.subscription())
    return subscribed


def pushed(
    server: RestartableServer, clock: FakeNow, endpoint: PushEndpoint, device: Device, at: datetime
) -> dict[str, Any]:
    """Tick the server's scheduler just before and just after `at`; return the push it sent,
    decrypted with the device's keys."""
    pushing = scheduler.Scheduler(server.app.state.runtime.services)
    before = len(endpoint.to(device))
    for moment in (at - timedelta(seconds=20), at):
        clock.value = moment
        pushing.tick()
    received = endpoint.to(device)
    assert len(received) == before + 1, "the scheduler sent no push"
    return device.read(received[-1])


class Worker:
    """The app's service worker in one browser context, reached through DevTools."""

    def __init__(self, context: Any, page: Any, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.session = context.new_cdp_session(page)
        self.registrations: list[dict[str, Any]] = []
        self.session.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: self.registrations.extend(event["registrations"]),
        )
        self.session.send("ServiceWorker.enable")
        self.context = context

    def registration_id(self) -> str:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            for registration in self.registrations:
                if registration["scopeURL"] == self.origin + "/" and not registration["isDeleted"]:
                    return str(registration["registrationId"])
            self.page.wait_for_timeout(100)
        raise AssertionError(f"no service worker registration: {self.registrations}")

    def deliver(self, message: dict[str, Any]) -> None:
        """Hand a push message to the worker, as the push service's client in Chromium does."""
        self.session.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": self.origin,
                "registrationId": self.registration_id(),
                "data": json.dumps(message),
            },
        )

    def notifications(self) -> list[dict[str, Any]]:
        shown: list[dict[str, Any]] = self.page.evaluate(
            """async () => {
                const registration = await navigator.serviceWorker.ready;
                const shown = await registration.getNotifications();
                return shown.map((n) => ({title: n.title, body: n.body, tag: n.tag, data: n.data}));
            }"""
        )
        return shown

    def wait_for_notifications(self, count: int, url: str = "") -> list[dict[str, Any]]:
        """Return the notifications shown once there are `count` of them (the last opening a
        URL that ends with `url`, when given), waiting 15 s at most."""
        deadline = time.monotonic() + 15
        while True:
            shown = self.notifications()
            if len(shown) == count and (not url or shown[-1]["data"]["url"].endswith(url)):
                return shown
            assert time.monotonic() < deadline, f"notifications shown: {shown}"
            self.page.wait_for_timeout(100)

    def tap(self, tag: str) -> None:
        """Tap the notification with `tag` (a notificationclick event made in the worker)."""
        [worker] = [w for w in self.context.service_workers if w.url.endswith("/sw.js")]
        tapped = worker.evaluate(
            """async (tag) => {
                const [shown] = await self.registration.getNotifications({tag: tag});
                if (!shown) return false;
                const tap = new NotificationEvent("notificationclick", {notification: shown});
                self.dispatchEvent(tap);
                return true;
            }""",
            tag,
        )
        assert tapped, f"no notification tagged {tag}"


@pytest.fixture
def phone(browser: Any, server: RestartableServer, clock: FakeNow) -> Iterator[tuple[Any, Worker]]:
    """A phone-sized browser that allows notifications, on the app with its worker running.

    The page's clock reads the server's (the player refuses a screening a week old by the
    browser's own clock)."""
    context = browser.new_context(viewport=PHONE)
    context.grant_permissions(["notifications"], origin=server.url)
    page = context.new_page()
    page.clock.install(time=clock.value)
    try:
        worker = Worker(context, page, server.url)
        page.goto(f"{server.url}/reminders")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
        yield page, worker
    finally:
        context.close()


def test_a_session_reminder_shows_and_a_tap_opens_the_routine_ready_to_start(
    server: RestartableServer,
    clock: FakeNow,
    endpoint: PushEndpoint,
    device: Device,
    phone: tuple[Any, Worker],
) -> None:
    page, worker = phone
    message = pushed(server, clock, endpoint, device, london(8, 30, 10))
    worker.deliver(message)

    [shown] = worker.wait_for_notifications(1)
    assert shown == {
        "title": "Time to stretch: Morning wake-up",
        "body": "Your 08:30 session is ready when you are.",
        "tag": "session",
        "data": {"url": f"{server.url}/play?preset=morning"},
    }

    worker.tap("session")
    page.wait_for_url(f"{server.url}/play?preset=morning")
    expect(page.locator("#before button.pain").first).to_be_visible()  # the player, ready
    assert worker.wait_for_notifications(0) == []  # the tapped notification is gone


def test_a_desk_break_shows_once_and_a_tap_opens_the_break(
    server: RestartableServer,
    clock: FakeNow,
    endpoint: PushEndpoint,
    device: Device,
    phone: tuple[Any, Worker],
    artifacts: Path,
) -> None:
    page, worker = phone
    first = pushed(server, clock, endpoint, device, london(9, 50, 10))
    worker.deliver(first)
    worker.wait_for_notifications(1)
    second = pushed(server, clock, endpoint, device, london(10, 40, 10))
    worker.deliver(second)
    later = "/break?key=desk_break%3A2026-11-02T10%3A40"
    [shown] = worker.wait_for_notifications(1, later)  # the newer break replaced the unread one
    assert shown["title"] == "Time for a desk break" and shown["tag"] == "desk-break"

    worker.tap("desk-break")
    page.wait_for_url("**/break?key=*")
    expect(page.locator("h1")).to_have_text("Desk break · 10:40")
    expect(page.get_by_role("link", name="Start the break")).to_be_visible()
    for minutes in (5, 10, 30):
        expect(page.get_by_role("button", name=f"Snooze {minutes} min")).to_be_visible()
    expect(page.get_by_role("button", name="Skip this break")).to_be_visible()
    page.screenshot(path=str(artifacts / "reminders-break-390x844.png"), full_page=True)

    page.get_by_role("button", name="Snooze 10 min").click()
    expect(page.get_by_role("status")).to_contain_text("Snoozed until 10:50")


def test_a_push_that_names_another_site_opens_this_one(
    server: RestartableServer, phone: tuple[Any, Worker]
) -> None:
    page, worker = phone
    worker.deliver({"title": "x", "body": "y", "url": "https://elsewhere.example/", "tag": "t"})
    [shown] = worker.wait_for_notifications(1)
    assert shown["data"] == {"url": f"{server.url}/"}
    worker.tap("t")
    page.wait_for_url(f"{server.url}/")


def test_permission_is_asked_only_when_the_button_is_pressed(
    browser: Any, server: RestartableServer, device: Device
) -> None:
    del device  # the person is set up; this browser is not subscribed
    context = browser.new_context(viewport=PHONE)
    # Count the page's permission requests (the browser's own function still answers them).
    context.add_init_script(
        """(() => {
            window.permissionAsked = 0;
            const ask = Notification.requestPermission.bind(Notification);
            Notification.requestPermission = (...args) => {
                window.permissionAsked += 1;
                return ask(...args);
            };
        })();"""
    )
    page = context.new_page()
    try:
        page.goto(f"{server.url}/reminders")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
        button = page.get_by_role("button", name="Turn on notifications here")
        expect(button).to_be_visible()
        page.wait_for_timeout(500)
        assert page.evaluate("window.permissionAsked") == 0
        button.click()
        expect(page.locator("#push-status")).not_to_have_text("One moment…")
        assert page.evaluate("window.permissionAsked") == 1
        # Refused here (Playwright answers prompts no): the page says so and subscribes nothing.
        expect(page.locator("#push-status")).to_contain_text("blocks notifications")
        assert len(push.devices(server.person())) == 1  # only the device of the fixture
    finally:
        context.close()


def test_screenshots_of_the_reminders_page(
    browser: Any, server: RestartableServer, device: Device, artifacts: Path
) -> None:
    del device
    for name, size in (("390x844", PHONE), ("1280x800", {"width": 1280, "height": 800})):
        context = browser.new_context(viewport=size)
        page = context.new_page()
        try:
            page.goto(f"{server.url}/reminders")
            expect(page.locator("h1")).to_have_text("Reminders")
            page.screenshot(path=str(artifacts / f"reminders-{name}.png"), full_page=True)
            page.goto(f"{server.url}/break?key=desk_break%3A2026-11-02T09%3A50")
            page.screenshot(path=str(artifacts / f"reminders-break-{name}.png"), full_page=True)
        finally:
            context.close()


# Logging out -------------------------------------------------------------------------------------

# Chromium cannot subscribe here (no push service), so this browser's subscription is played by
# the page's own PushManager, answering from localStorage: what the app's scripts send and
# whether they unsubscribe is what the tests check.
SUBSCRIPTION_KEY = "test-push-subscription"
SUBSCRIBED_BROWSER = """(() => {
    const key = "test-push-subscription";
    PushManager.prototype.getSubscription = async function () {
        const json = JSON.parse(localStorage.getItem(key) || "null");
        if (!json) return null;
        return {
            endpoint: json.endpoint,
            options: {},
            toJSON: () => json,
            unsubscribe: async () => {
                localStorage.removeItem(key);
                return true;
            },
        };
    };
})();"""


def endpoints_kept(server: RestartableServer) -> list[str]:
    """Return every subscription's endpoint the server keeps, whoever's it is."""
    from sqlalchemy import select

    from backstretch.db.owners import ALL_OWNERS
    from backstretch.db.tables import PushSubscriptionRow

    with server.app.state.runtime.services.transaction() as db:
        found = db.scalars(
            select(PushSubscriptionRow.endpoint).execution_options(**{ALL_OWNERS: True})
        )
        return list(found)


@pytest.fixture
def subscribed_browser(browser: Any, shared_server: RestartableServer) -> Iterator[Any]:
    """A page of a browser that allows notifications and plays a push subscription
    (`SUBSCRIBED_BROWSER`), logged in to a new account "ana", its worker running."""
    context = browser.new_context()
    context.grant_permissions(["notifications"], origin=shared_server.url)
    context.add_init_script(SUBSCRIBED_BROWSER)
    page = context.new_page()
    try:
        register_in_browser(page, shared_server, "ana")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)
        yield page
    finally:
        context.close()


def subscribe_browser(page: Any, device: Device) -> None:
    page.evaluate(
        "([key, json]) => localStorage.setItem(key, JSON.stringify(json))",
        [SUBSCRIPTION_KEY, device.subscription()],
    )


def still_subscribed(page: Any) -> bool:
    return bool(page.evaluate("(key) => localStorage.getItem(key) !== null", SUBSCRIPTION_KEY))


def log_out(page: Any) -> None:
    page.click("nav.wide form[action='/logout'] button")
    expect(page.locator("h1")).to_have_text("You are logged out")


def test_logging_out_stops_this_browsers_reminders_on_the_server_and_in_the_browser(
    shared_server: RestartableServer, subscribed_browser: Any, endpoint: PushEndpoint
) -> None:
    page, device = subscribed_browser, endpoint.device("laptop")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    subscribe_browser(page, device)
    # Opening the reminders page sends the browser's subscription, under this login.
    page.goto(f"{shared_server.url}/reminders")
    expect(page.locator("#push-status")).to_have_text("Notifications are on for this device.")
    wait_for(lambda: endpoints_kept(shared_server) == [device.endpoint], "never sent")

    log_out(page)
    assert page.url.endswith("/logged-out?reminders=off")
    expect(page.locator("#reminders-off")).to_have_text("Reminders on this browser are off.")
    assert endpoints_kept(shared_server) == []
    wait_for(lambda: not still_subscribed(page), "the browser is still subscribed")
    assert errors == []


def test_the_logged_out_page_unsubscribes_a_browser_the_server_did_not_know(
    subscribed_browser: Any, endpoint: PushEndpoint
) -> None:
    page = subscribed_browser
    subscribe_browser(page, endpoint.device("laptop"))  # never sent: no reminders page opened
    log_out(page)
    assert page.url.endswith("/logged-out")
    wait_for(lambda: not still_subscribed(page), "the browser is still subscribed")
    expect(page.locator("#reminders-off")).to_be_visible()
