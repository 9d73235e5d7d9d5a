"""The reminders page, the calendar file, the desk break and the Web Push API, over HTTP on
SQLite and PostgreSQL.

Forms are sent as a browser sends them: the fields of the form on the page, with the CSRF token
the page put in the form (a client that adds no header of its own). The test's clock is Monday
2 November 2026, 08:30 in London.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from backstretch.core.schedule import DeliveryState
from backstretch.services import push, reminders
from backstretch.services.planning import remember_profile
from tests.factories import all_no_answers
from tests.fakes import FakeNow
from tests.push_endpoint import Device, PushEndpoint
from tests.web.conftest import PASSWORD, local_person, register, services_of
from tests.web.test_accounts import log_in, visitor

MON_WED_FRI_0830 = {
    "slot0_days": ["mon", "wed", "fri"],
    "slot0_at": "08:30",
    "slot0_preset": "morning",
}
DESK_BREAKS = {
    "breaks_on": "1",
    "break_days": ["mon", "tue", "wed", "thu", "fri"],
    "break_start": "09:00",
    "break_end": "17:00",
    "break_every": "50",
}
FCM = "https://fcm.googleapis.com/fcm/send/"


def as_a_browser(client: TestClient) -> TestClient:
    """Return a client of the same app that sends only what a page's form holds: no CSRF
    header is added to its posts (the `client` fixture adds one, as scripts do)."""
    return TestClient(client.app, raise_server_exceptions=False)


def submit(browser: TestClient, page: str, action: str, fields: dict[str, Any]) -> Any:
    """Post the form with `action` from `page` (read with this client), token first, as sent."""
    form = page.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
    token = re.search(r'name="csrftoken" value="([^"]+)"', form)
    assert token, f"the form for {action} carries no CSRF token"
    return browser.post(action, data={"csrftoken": token[1], **fields}, follow_redirects=True)


def save(browser: TestClient, fields: dict[str, Any]) -> Any:
    page = browser.get("/reminders").text
    return submit(browser, page, "/reminders", fields)


def checked_days(page: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="(\w+)" checked', page)


# The schedule ------------------------------------------------------------------------------------


def test_a_schedule_set_in_the_form_is_kept_and_shown(client: TestClient) -> None:
    browser = as_a_browser(client)
    answer = save(browser, {**MON_WED_FRI_0830, "weekly_target": "3", **DESK_BREAKS})
    assert answer.status_code == 200 and answer.url.path == "/reminders", answer.text
    page = answer.text
    assert "Saved." in page
    assert checked_days(page, "slot0_days") == ["mon", "wed", "fri"]
    assert 'name="slot0_at" value="08:30"' in page
    assert '<option value="morning" selected>Morning wake-up</option>' in page
    assert checked_days(page, "break_days") == ["mon", "tue", "wed", "thu", "fri"]
    assert '<option value="3" selected>3</option>' in page
    assert "0 of 3 days with a session" in page
    # Coming up, in London time: this morning's session, then the first desk break at 09:50.
    coming = page.split('class="upcoming"')[1].split("</ul>")[0]
    assert re.findall(r'class="when">([^<]+)</span> ([^<]+)</li>', coming)[:2] == [
        ("Mon 2 Nov, 08:30", "Morning wake-up"),
        ("Mon 2 Nov, 09:50", "Desk break"),
    ]
    schedule = reminders.get_schedule(local_person(client))
    assert [sorted(slot.days) for slot in schedule.sessions] == [[0, 2, 4]]
    assert schedule.breaks is not None and schedule.breaks.every_minutes == 50


def test_a_time_is_removed_and_another_added_in_one_save(client: TestClient) -> None:
    browser = as_a_browser(client)
    save(browser, MON_WED_FRI_0830)
    page = save(
        browser,
        {
            **MON_WED_FRI_0830,
            "slot0_remove": "1",
            "slot1_days": ["sun"],
            "slot1_at": "22:00",
            "slot1_preset": "bedtime",
        },
    ).text
    sessions = reminders.get_schedule(local_person(client)).sessions
    assert [(sorted(s.days), f"{s.at:%H:%M}", s.preset) for s in sessions] == [
        ([6], "22:00", "bedtime")
    ]
    assert 'name="slot0_at" value="22:00"' in page


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"slot0_at": "08:30"}, "choose at least one day"),
        ({"slot0_days": ["mon"]}, "say the time as well as the days"),
        ({**MON_WED_FRI_0830, "slot0_at": "25:00"}, "not a time of day"),
        ({"quiet_on": "1", "quiet_start": "22:00", "quiet_end": "22:00"}, "different times"),
        ({**DESK_BREAKS, "break_start": "17:00", "break_end": "09:00"}, "must end after"),
        ({**DESK_BREAKS, "break_days": []}, "choose at least one work day"),
    ],
)
def test_a_wrong_choice_is_named_and_nothing_changes(
    client: TestClient, fields: dict[str, Any], said: str
) -> None:
    browser = as_a_browser(client)
    save(browser, MON_WED_FRI_0830)
    answer = save(browser, fields)
    assert answer.status_code == 422 and said in answer.text
    assert len(reminders.get_schedule(local_person(client)).sessions) == 1


def test_every_reminder_is_turned_off_in_one_step_and_back_on(client: TestClient) -> None:
    browser = as_a_browser(client)
    page = save(browser, {**MON_WED_FRI_0830, **DESK_BREAKS}).text
    assert page.count("Turn off all reminders") == 1
    off = submit(browser, page, "/reminders/off", {})
    assert "Every reminder is off" in off.text and 'class="upcoming"' not in off.text
    assert reminders.get_schedule(local_person(client)).enabled is False
    refused = browser.get("/reminders/calendar.ics")
    assert refused.url.path == "/reminders" and "nothing to put in a calendar" in refused.text
    on = submit(browser, off.text, "/reminders/on", {})
    assert "Reminders are on again" in on.text and 'class="upcoming"' in on.text
    assert checked_days(on.text, "slot0_days") == ["mon", "wed", "fri"]  # the choices were kept


# The calendar ------------------------------------------------------------------------------------


def test_the_calendar_file_imports_with_recurring_events_and_alarms(client: TestClient) -> None:
    from icalendar import Calendar

    browser = as_a_browser(client)
    page = save(browser, {**MON_WED_FRI_0830, **DESK_BREAKS}).text
    note = page.split('class="calendar"')[1].split("</section>")[0]
    for name in ("Google", "Outlook", "Apple", "Import it again"):
        assert name in note, name
    answer = browser.get("/reminders/calendar.ics")
    assert answer.headers["content-type"].startswith("text/calendar")
    assert "attachment" in answer.headers["content-disposition"]
    calendar = Calendar.from_ical(answer.content)
    events = list(calendar.walk("VEVENT"))
    assert events and all(event.get("RRULE") for event in events)
    assert all(list(event.walk("VALARM")) for event in events)
    again = browser.get("/reminders/calendar.ics")
    assert [e["UID"] for e in Calendar.from_ical(again.content).walk("VEVENT")] == [
        e["UID"] for e in events
    ]  # a second download updates the same events instead of adding more


# The desk break ----------------------------------------------------------------------------------


@pytest.fixture
def at_work(client: TestClient, clock: FakeNow) -> TestClient:
    """Screened, a remembered profile, desk breaks set; the clock at 09:50 on Monday."""
    assert client.post("/api/screen", json=all_no_answers()).status_code == 200
    remember_profile(local_person(client), {"areas": ["neck_shoulders"], "minutes": 10})
    save(as_a_browser(client), DESK_BREAKS)
    clock.value += timedelta(hours=1, minutes=20)
    return client


KEY = "desk_break:2026-11-02T09:50"


def test_a_tapped_desk_break_opens_ready_to_start(at_work: TestClient) -> None:
    page = at_work.get("/break", params={"key": KEY})
    assert page.status_code == 200
    assert "Desk break · 09:50" in page.text
    assert "First, a posture check" in page.text
    start = re.search(r'<a class="button start" href="([^"]+)"', page.text)
    assert start, page.text
    player = at_work.get(start[1].replace("&amp;", "&"))
    assert player.status_code == 200 and urlsplit(str(player.url)).path == "/play"
    data = json.loads(
        player.text.split('id="player-data"', 1)[1].split(">", 1)[1].split("</script>")[0]
    )
    assert data["routine_name"] == "Desk break"
    assert 60 <= data["total_seconds"] <= 180  # a 1-3 minute micro-routine, as the page said
    named = re.findall(r"<li>([^<]+)</li>", page.text.split('class="routine"')[1].split("</ol>")[0])
    assert named == [item["name"] for item in data["items"]]
    for minutes in (5, 10, 30):
        assert f'name="minutes" value="{minutes}"' in page.text


def test_snooze_skip_and_take_a_skipped_break_later(at_work: TestClient, clock: FakeNow) -> None:
    browser = as_a_browser(at_work)
    me = local_person(at_work)
    page = browser.get("/break", params={"key": KEY}).text

    snoozed = submit(browser, page, "/break/snooze", {"key": KEY, "minutes": "10"})
    assert "Snoozed until 10:00" in snoozed.text
    assert reminders.delivery_state(me, KEY) is DeliveryState.SNOOZED

    skipped = submit(browser, snoozed.text, "/break/skip", {"key": KEY})
    assert "Skipped. You can still take it later today." in skipped.text
    assert reminders.delivery_state(me, KEY) is DeliveryState.SKIPPED
    assert "The 09:50 break" in skipped.text and "Snooze 5 min" not in skipped.text

    clock.value += timedelta(minutes=30)
    later = browser.get("/break").text
    taken = submit(browser, later, "/break/later", {"key": KEY})
    assert taken.url.path == "/play" and taken.url.params["desk_break"] == "true"
    assert reminders.delivery_state(me, KEY) is DeliveryState.SENT


def test_the_desk_break_waits_while_safety_says_no(client: TestClient) -> None:
    client.post("/api/screen", json=all_no_answers(chest_pain=True))
    page = client.get("/break", params={"key": KEY})
    assert page.status_code == 409
    assert 'class="button start"' not in page.text
    assert "verdict-blocked" in page.text


# Web Push ----------------------------------------------------------------------------------------


def subscription(name: str) -> dict[str, Any]:
    return Device.make(FCM + name).subscription()


def forget(client: TestClient, endpoint: str) -> int:
    """Unsubscribe a device as the page's script does; return the status."""
    answer = client.request("DELETE", "/api/push/subscriptions", json={"endpoint": endpoint})
    return answer.status_code


def test_the_key_is_public_and_stays_the_same(client: TestClient) -> None:
    first = client.get("/api/push/key").json()["key"]
    assert client.get("/api/push/key").json()["key"] == first
    assert len(first) == 87  # 65 bytes, base64url without padding


def test_one_subscription_per_device_then_unsubscribe(client: TestClient) -> None:
    device = subscription("phone-1")
    made = client.post("/api/push/subscriptions", json=device)
    assert made.status_code == 201 and made.json()["devices"] == 1
    renewed = {**device, "keys": subscription("phone-1")["keys"]}
    assert client.post("/api/push/subscriptions", json=renewed).status_code == 200
    assert "Notifications go to 1 device." in client.get("/reminders").text
    gone = client.request(
        "DELETE", "/api/push/subscriptions", json={"endpoint": device["endpoint"]}
    )
    assert gone.status_code == 204
    again = client.request(
        "DELETE", "/api/push/subscriptions", json={"endpoint": device["endpoint"]}
    )
    assert again.status_code == 404
    assert push.devices(local_person(client)) == []


@pytest.mark.parametrize(
    "endpoint", ["http://fcm.googleapis.com/x", "https://127.0.0.1/x", "https://10.1.2.3/x", "x"]
)
def test_an_endpoint_that_is_not_a_push_service_is_refused(
    client: TestClient, endpoint: str
) -> None:
    answer = client.post(
        "/api/push/subscriptions", json={**subscription("a"), "endpoint": endpoint}
    )
    assert answer.status_code == 422 and answer.json()["problems"][0]["field"] == "endpoint"


def test_subscribing_needs_the_csrf_token(client: TestClient) -> None:
    bare = as_a_browser(client)
    bare.get("/reminders")
    assert bare.post("/api/push/subscriptions", json=subscription("b")).status_code == 403


def test_a_device_shared_by_two_people_goes_to_whoever_subscribed_it_last(
    person: Callable[[str], TestClient],
) -> None:
    ana, ben = person("ana"), person("ben")
    device = subscription("shared-tablet")
    assert ana.post("/api/push/subscriptions", json=device).status_code == 201
    assert ben.post("/api/push/subscriptions", json=device).status_code == 201
    assert "No device gets notifications yet." in ana.get("/reminders").text
    assert "Notifications go to 1 device." in ben.get("/reminders").text
    # Ana cannot remove Ben's device: to her, it is not there.
    assert forget(ana, device["endpoint"]) == 404


def test_the_pages_link_from_the_navigation(client: TestClient) -> None:
    assert '<a href="/reminders">Reminders</a>' in client.get("/").text


# The server's own scheduler ----------------------------------------------------------------------


def looked(app: Any) -> bool:
    """Tell whether the app's scheduler has ticked (its checkpoint is in the database)."""
    from backstretch.db.push import load_checkpoint
    from backstretch.services.scheduler import CHECKPOINT

    with services_of(app).transaction() as db:
        return load_checkpoint(db=db, name=CHECKPOINT) is not None


def test_the_web_server_pushes_a_due_reminder_by_itself(
    database_url: str, clock: FakeNow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's lifespan runs the scheduler: here every second (30 by default)."""
    import time

    from backstretch.config import get_settings
    from backstretch.web.app import create_app
    from tests.push_endpoint import PushEndpoint
    from tests.web.conftest import browser_like

    del database_url  # the fixture set BACKSTRETCH_DATABASE_URL for the settings
    monkeypatch.setenv("BACKSTRETCH_REMINDER_TICK_SECONDS", "1")
    monkeypatch.setenv("BACKSTRETCH_PUSH_LOOPBACK_ENDPOINTS", "true")
    get_settings.cache_clear()
    clock.value -= timedelta(minutes=1)  # Monday 08:29 in London: arrange before 08:30
    app = create_app(get_settings(), clock=clock)
    with PushEndpoint() as endpoint, browser_like(TestClient(app)) as client:
        device = endpoint.device("phone")
        save(as_a_browser(client), MON_WED_FRI_0830)
        client.get("/reminders")
        assert client.post("/api/push/subscriptions", json=device.subscription()).status_code == 201
        # The first tick of a new server looks from its own moment on: wait for it, at 08:29.
        deadline = time.monotonic() + 30
        while not looked(client.app):
            assert time.monotonic() < deadline, "the server never ticked"
            time.sleep(0.1)
        clock.value += timedelta(minutes=1, seconds=30)  # 08:30:30: the next tick sends 08:30
        while not endpoint.to(device):
            assert time.monotonic() < deadline, "the server pushed nothing"
            time.sleep(0.1)
        assert device.read(endpoint.to(device)[0])["key"] == "session:2026-11-02T08:30"


# Logging out -------------------------------------------------------------------------------------

SUBSCRIPTIONS = "/api/push/subscriptions"
REMINDERS_OFF = '<p id="reminders-off">Reminders on this browser are off.</p>'


@pytest.fixture
def shared_app(database_url: str, clock: FakeNow) -> Iterator[Any]:
    """Many people on one server, whose push service is on this machine; the test steps the
    scheduler itself (no background ticking). The clock is Monday 08:25 in London."""
    from backstretch.config import get_settings
    from backstretch.web.app import create_app

    del database_url  # the fixture set BACKSTRETCH_DATABASE_URL for the settings
    clock.value -= timedelta(minutes=5)
    settings = get_settings().model_copy(
        update={"accounts": True, "push_loopback_endpoints": True, "reminder_tick_seconds": 0}
    )
    app = create_app(settings, clock=clock)
    with TestClient(app):
        yield app


def logged_in(browser: TestClient, name: str, password: str = PASSWORD) -> TestClient:
    """Log `browser` in to the account `name` through the login form; return it."""
    assert log_in(browser, name, password).status_code == 303
    return browser


def pushes_at(app: Any, clock: FakeNow, moment: datetime) -> None:
    """Step the app's scheduler just before and just after `moment`, as its ticks would."""
    from backstretch.services.scheduler import Scheduler

    pushing = Scheduler(services_of(app))
    for at in (moment - timedelta(seconds=20), moment + timedelta(seconds=10)):
        clock.value = at
        pushing.tick()


def london(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=ZoneInfo("Europe/London"))


def test_logging_out_stops_the_reminders_of_that_browser_only(
    shared_app: Any, clock: FakeNow
) -> None:
    with PushEndpoint() as endpoint:
        ana_laptop, ana_phone, bo_phone = (
            endpoint.device(name) for name in ("ana-laptop", "ana-phone", "bo-phone")
        )
        laptop, bo = register(shared_app, "ana"), register(shared_app, "bo")
        phone = logged_in(visitor(shared_app), "ana")
        for browser in (laptop, bo):
            assert save(browser, MON_WED_FRI_0830).status_code == 200
        for browser, device in ((laptop, ana_laptop), (phone, ana_phone), (bo, bo_phone)):
            assert browser.post(SUBSCRIPTIONS, json=device.subscription()).status_code == 201

        out = laptop.post("/logout", follow_redirects=False)
        assert out.headers["location"] == "/logged-out?reminders=off"
        assert REMINDERS_OFF in laptop.get(out.headers["location"]).text
        assert "Notifications go to 1 device." in phone.get("/reminders").text
        assert "Notifications go to 1 device." in bo.get("/reminders").text

        pushes_at(shared_app, clock, london(2, 8, 30))
        assert endpoint.to(ana_laptop) == []
        assert [ana_phone.read(r)["key"] for r in endpoint.to(ana_phone)] == [
            "session:2026-11-02T08:30"
        ]
        assert len(endpoint.to(bo_phone)) == 1

        # Ana logs in on the laptop again and turns its reminders back on.
        logged_in(laptop, "ana")
        assert laptop.post(SUBSCRIPTIONS, json=ana_laptop.subscription()).status_code == 201
        pushes_at(shared_app, clock, london(4, 8, 30))
        assert [ana_laptop.read(r)["key"] for r in endpoint.to(ana_laptop)] == [
            "session:2026-11-04T08:30"
        ]
        assert len(endpoint.to(ana_phone)) == len(endpoint.to(bo_phone)) == 2


def test_logging_out_with_no_reminders_here_says_nothing_about_them(shared_app: Any) -> None:
    laptop, phone = register(shared_app, "ana"), logged_in(visitor(shared_app), "ana")
    assert phone.post(SUBSCRIPTIONS, json=subscription("ana-phone")).status_code == 201
    out = laptop.post("/logout", follow_redirects=False)
    assert out.headers["location"] == "/logged-out"
    page = laptop.get("/logged-out").text
    assert '<p id="reminders-off" hidden>' in page  # shown only if the page's script unsubscribes
    assert "Notifications go to 1 device." in phone.get("/reminders").text


def test_a_subscription_kept_from_an_expired_login_follows_the_new_one(
    shared_app: Any, clock: FakeNow
) -> None:
    laptop = register(shared_app, "ana")
    device = subscription("ana-laptop")
    assert laptop.post(SUBSCRIPTIONS, json=device).status_code == 201
    clock.value += timedelta(days=31)
    assert laptop.get("/api/history").status_code == 401  # the login expired; reminders go on
    logged_in(laptop, "ana")
    # The reminders page sends the browser's subscription again whenever it opens.
    assert laptop.post(SUBSCRIPTIONS, json=device).status_code == 200
    out = laptop.post("/logout", follow_redirects=False)
    assert out.headers["location"] == "/logged-out?reminders=off"
    assert "No device gets notifications yet." in logged_in(laptop, "ana").get("/reminders").text


def test_after_a_new_password_logging_out_still_stops_this_browsers_reminders(
    shared_app: Any,
) -> None:
    laptop, phone = register(shared_app, "ana"), logged_in(visitor(shared_app), "ana")
    assert laptop.post(SUBSCRIPTIONS, json=subscription("ana-laptop")).status_code == 201
    assert phone.post(SUBSCRIPTIONS, json=subscription("ana-phone")).status_code == 201
    new = "a brand new passphrase"
    changed = laptop.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": new, "new_password_again": new},
    )
    assert changed.status_code == 200
    # The new password logged the phone out, but its person did not: its reminders carry on.
    out = laptop.post("/logout", follow_redirects=False)
    assert out.headers["location"] == "/logged-out?reminders=off"
    assert "Notifications go to 1 device." in logged_in(phone, "ana", new).get("/reminders").text
