"""Web Push end to end with no internet, on SQLite and PostgreSQL: the scheduler finds the due
reminder, pywebpush encrypts and signs it, a push service on this machine receives it, and the
"device" decrypts it with its own keys and checks the server's VAPID token.

Time is the test's fake clock, stepped by hand; each `tick` is what the web server's background
task does every 30 seconds.
"""

from __future__ import annotations

import threading
import time as wall
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from backstretch.config import get_settings
from backstretch.core.safety import BlockKind
from backstretch.core.schedule import DeliveryState
from backstretch.db import reminders as reminder_rows
from backstretch.db import repository
from backstretch.services import push, reminders, scheduler
from backstretch.services.context import PersonContext, Services, open_services
from backstretch.services.errors import Invalid
from backstretch.services.screening import record_screening
from tests.factories import all_no_answers
from tests.fakes import FakeNow
from tests.push_endpoint import Device, PushEndpoint, Received, vapid_claims

LONDON = ZoneInfo("Europe/London")
CONTACT = "mailto:care-team@example.org"
TICK = timedelta(seconds=30)
SESSIONS = [{"days": ["mon", "wed", "fri"], "at": "08:30", "preset": "morning"}]
MON_WED_FRI: dict[str, Any] = {"sessions": SESSIONS}
WORK_HOURS = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
DESK_BREAKS: dict[str, Any] = {"breaks": WORK_HOURS}


@pytest.fixture(autouse=True)
def push_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The push service of these tests is on this machine, over plain http."""
    monkeypatch.setenv("BACKSTRETCH_PUSH_LOOPBACK_ENDPOINTS", "true")
    monkeypatch.setenv("BACKSTRETCH_PUSH_CONTACT", CONTACT)
    get_settings.cache_clear()


@pytest.fixture
def endpoint() -> Iterator[PushEndpoint]:
    with PushEndpoint() as service:
        yield service


def local(day: int, hour: int, minute: int, second: int = 0, month: int = 11) -> datetime:
    """Return a London wall time in 2026 as UTC."""
    return datetime(2026, month, day, hour, minute, second, tzinfo=LONDON).astimezone(UTC)


def ready(
    me: PersonContext,
    endpoint: PushEndpoint,
    schedule: dict[str, Any] = MON_WED_FRI,
    name: str = "phone",
) -> Device:
    """Answer the safety questions, subscribe a device, and set the schedule."""
    record_screening(me, all_no_answers())
    device = endpoint.device(name)
    push.subscribe(me, device.subscription(), user_agent="test phone")
    reminders.save_schedule(me, schedule)
    return device


@pytest.fixture
def server(services: Services) -> scheduler.Scheduler:
    """The scheduler of the app server under test (the web server's background task)."""
    return scheduler.Scheduler(services)


def step(
    server: scheduler.Scheduler, clock: FakeNow, until: datetime, every: timedelta = TICK
) -> None:
    """Tick the scheduler every `every` from the clock's time until `until` (inclusive)."""
    while clock.value <= until:
        server.tick()
        clock.value += every


def shown(device: Device, endpoint: PushEndpoint) -> list[dict[str, Any]]:
    return [device.read(received) for received in endpoint.to(device)]


# The key pair ------------------------------------------------------------------------------------


def test_the_key_pair_is_made_once_and_every_server_shares_it(
    services: Services, clock: FakeNow
) -> None:
    from backstretch.db.push import load_key
    from tests.push_endpoint import unb64url

    first = push.application_server_key(services)
    raw = unb64url(first)
    assert len(raw) == 65 and raw[0] == 4  # an uncompressed P-256 point: applicationServerKey
    other = open_services(get_settings(), clock=clock, accounts=False)  # a second app server
    try:
        assert push.application_server_key(other) == first
    finally:
        other.close()
    with services.transaction() as db:
        stored = load_key(db=db)
    assert stored is not None and stored.private_pem.startswith("-----BEGIN PRIVATE KEY-----")


# The push, decrypted -----------------------------------------------------------------------------


def test_a_due_session_reminder_arrives_once_encrypted_and_signed(
    me: PersonContext, server: scheduler.Scheduler, clock: FakeNow, endpoint: PushEndpoint
) -> None:
    device = ready(me, endpoint)
    clock.value = local(2, 8, 29)  # Monday 2 November, before the 08:30 session
    step(server, clock, until=local(2, 8, 31))

    [received] = endpoint.to(device)
    message = device.read(received)
    assert message == {
        "title": "Time to stretch: Morning wake-up",
        "body": "Your 08:30 session is ready when you are.",
        "url": "/play?preset=morning",
        "tag": "session",
        "key": "session:2026-11-02T08:30",
    }
    claims = vapid_claims(received, push.application_server_key(server.services))
    assert claims["aud"] == device.origin  # the push service's origin, never ours
    assert claims["sub"] == CONTACT
    assert claims["exp"] > wall.time()  # checked against the push service's own clock
    assert 0 < int(received.headers["ttl"]) <= 30 * 60
    assert received.headers["urgency"] == "normal"
    assert reminders.delivery_state(me, "session:2026-11-02T08:30") is DeliveryState.SENT

    step(server, clock, until=local(2, 12, 0), every=timedelta(minutes=10))
    assert len(endpoint.to(device)) == 1  # sent once, never again


def test_a_desk_break_opens_the_break_and_a_snooze_brings_it_back(
    me: PersonContext, server: scheduler.Scheduler, clock: FakeNow, endpoint: PushEndpoint
) -> None:
    device = ready(me, endpoint, DESK_BREAKS)
    clock.value = local(2, 9, 49)
    step(server, clock, until=local(2, 9, 51))
    [first] = shown(device, endpoint)
    assert first["title"] == "Time for a desk break"
    assert first["tag"] == "desk-break"
    url = urlsplit(first["url"])
    assert url.path == "/break" and parse_qs(url.query) == {"key": ["desk_break:2026-11-02T09:50"]}

    reminders.snooze(me, "desk_break:2026-11-02T09:50", 10)  # at 09:51:30: due again at 10:01:30
    step(server, clock, until=local(2, 10, 1))
    assert len(endpoint.to(device)) == 1
    step(server, clock, until=local(2, 10, 2, 30))
    assert [m["url"] for m in shown(device, endpoint)] == [first["url"], first["url"]]


def test_a_device_that_is_gone_is_forgotten_and_the_others_still_hear(
    me: PersonContext, server: scheduler.Scheduler, clock: FakeNow, endpoint: PushEndpoint
) -> None:
    phone = ready(me, endpoint, name="phone")
    laptop, old_tablet = endpoint.device("laptop"), endpoint.device("tablet")
    push.subscribe(me, laptop.subscription())
    push.subscribe(me, old_tablet.subscription())
    endpoint.answers[laptop.path] = 410  # unsubscribed in the browser
    endpoint.answers[old_tablet.path] = 404  # expired at the push service
    clock.value = local(2, 8, 29, 45)
    step(server, clock, until=local(2, 8, 30, 30))

    assert len(endpoint.to(phone)) == 1
    assert len(endpoint.to(laptop)) == len(endpoint.to(old_tablet)) == 1
    assert [d.endpoint for d in push.devices(me)] == [phone.endpoint]


def test_when_every_device_fails_the_reminder_is_tried_again_until_it_goes(
    me: PersonContext, server: scheduler.Scheduler, clock: FakeNow, endpoint: PushEndpoint
) -> None:
    device = ready(me, endpoint)
    endpoint.answers[device.path] = 503
    clock.value = local(2, 8, 29, 45)
    step(server, clock, until=local(2, 8, 31))
    assert len(endpoint.to(device)) == 2  # at 08:30:15 and 08:30:45, both refused
    assert reminders.delivery_state(me, "session:2026-11-02T08:30") is DeliveryState.DUE
    del endpoint.answers[device.path]
    step(server, clock, until=local(2, 8, 33))
    assert len(endpoint.to(device)) == 3  # at 08:31:15, taken; then no more
    assert reminders.delivery_state(me, "session:2026-11-02T08:30") is DeliveryState.SENT


# Nothing nags ------------------------------------------------------------------------------------


def test_while_a_safety_block_is_open_only_its_advice_goes_and_only_once(
    me: PersonContext, server: scheduler.Scheduler, clock: FakeNow, endpoint: PushEndpoint
) -> None:
    device = ready(me, endpoint, {**MON_WED_FRI, **DESK_BREAKS})
    with me.transaction() as db:
        repository.open_block(
            db=db, kind=BlockKind.PAIN_PAUSE, reason="pain_rule", at=clock(), timezone="UTC"
        )
    clock.value = local(2, 8, 29, 45)
    step(server, clock, until=local(2, 8, 31))
    step(server, clock, until=local(2, 12, 0), every=timedelta(minutes=5))  # 3 desk breaks

    [advice] = shown(device, endpoint)
    assert advice["tag"] == "safety" and advice["url"] == "/play"
    assert "paused" in advice["title"].lower() or "paused" in advice["body"].lower()
    states = {d.key: d.state for d in reminders_list(me)}
    assert states["session:2026-11-02T08:30"] is DeliveryState.DROPPED
    assert states["desk_break:2026-11-02T09:50"] is DeliveryState.DROPPED


def reminders_list(me: PersonContext) -> list[Any]:
    with me.transaction() as db:
        return reminder_rows.list_deliveries(db=db)


def test_turning_everything_off_stops_the_pushes_in_one_step(
    me: PersonContext, server: scheduler.Scheduler, clock: FakeNow, endpoint: PushEndpoint
) -> None:
    device = ready(me, endpoint, {**MON_WED_FRI, **DESK_BREAKS})
    reminders.turn_off(me)
    clock.value = local(2, 8, 0)
    step(server, clock, until=local(2, 17, 0), every=timedelta(minutes=15))
    assert endpoint.to(device) == []


# Restarts and several servers --------------------------------------------------------------------


def test_a_restarted_server_resumes_without_repeating_and_drops_what_is_stale(
    me: PersonContext, clock: FakeNow, endpoint: PushEndpoint
) -> None:
    device = ready(me, endpoint, MON_WED_FRI)

    def server_life(start: datetime, until: datetime) -> None:
        """Start an app server's services, tick it, stop it (as a restart does)."""
        clock.value = start
        services = open_services(get_settings(), clock=clock, accounts=False)
        try:
            step(scheduler.Scheduler(services), clock, until=until)
        finally:
            services.close()

    server_life(local(2, 8, 29), local(2, 8, 29, 50))  # stopped just before 08:30
    server_life(local(2, 8, 34), local(2, 8, 36))  # back four minutes later: sent once, late
    server_life(local(2, 8, 36, 30), local(2, 8, 40))  # and once only
    assert [m["url"] for m in shown(device, endpoint)] == ["/play?preset=morning"]

    server_life(local(4, 7, 0), local(4, 7, 1))  # Wednesday, before 08:30; down until 11:00
    server_life(local(4, 11, 0), local(4, 11, 2))
    assert len(endpoint.to(device)) == 1  # 08:30 went by two and a half hours ago: not sent
    assert reminders.delivery_state(me, "session:2026-11-04T08:30") is DeliveryState.DROPPED


def test_two_app_servers_and_one_due_reminder_send_one_push(
    me: PersonContext, clock: FakeNow, endpoint: PushEndpoint
) -> None:
    device = ready(me, endpoint)
    one = open_services(get_settings(), clock=clock, accounts=False)
    other = open_services(get_settings(), clock=clock, accounts=False)
    try:
        clock.value = local(2, 8, 29, 50)
        servers = [scheduler.Scheduler(one), scheduler.Scheduler(other)]
        for server in servers:
            server.tick()
        clock.value = local(2, 8, 30, 5)
        # Both servers tick at the same moment, each in its own thread, as two processes would.
        start = threading.Barrier(2)
        reports: list[scheduler.TickReport] = []

        def run(server: scheduler.Scheduler) -> None:
            start.wait()
            reports.append(server.tick())

        threads = [threading.Thread(target=run, args=(server,)) for server in servers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        clock.value += TICK
        for server in reversed(servers):
            server.tick()
    finally:
        one.close()
        other.close()
    assert len(endpoint.to(device)) == 1
    assert sorted(len(report.sent) for report in reports) == [0, 1]


# Daylight saving ---------------------------------------------------------------------------------


def next_tick(at: datetime) -> datetime:
    """Every 30 s from 08:25 to 08:35 London time, every three hours otherwise. The checkpoint
    covers the time between ticks whatever their spacing, so every reminder that falls due is
    recorded (the test checks there are no others); the fine ticks show when the pushes go."""
    here = at.astimezone(LONDON)
    window = datetime.combine(here.date(), time(8, 25), tzinfo=LONDON)
    if window <= here < window + timedelta(minutes=10):
        return at + TICK
    if here >= window:
        window = datetime.combine(here.date() + timedelta(days=1), time(8, 25), tzinfo=LONDON)
    return min(at + timedelta(hours=3), window.astimezone(UTC))


def test_mon_wed_fri_0830_in_london_is_pushed_at_0830_on_both_sides_of_the_october_change(
    me: PersonContext, server: scheduler.Scheduler, clock: FakeNow, endpoint: PushEndpoint
) -> None:
    device = ready(me, endpoint)
    sent_at: list[datetime] = []
    clock.value = local(19, 0, 0, month=10)  # Monday 19 October 2026, summer time
    end = local(31, 0, 0, month=10)  # Saturday 31 October, winter time since the 25th
    while clock.value < end:
        before = len(endpoint.received)
        server.tick()
        sent_at += [clock.value] * (len(endpoint.received) - before)
        clock.value = next_tick(clock.value)

    assert [at.astimezone(LONDON).strftime("%a %d %b %H:%M %Z") for at in sent_at] == [
        "Mon 19 Oct 08:30 BST",
        "Wed 21 Oct 08:30 BST",
        "Fri 23 Oct 08:30 BST",
        "Mon 26 Oct 08:30 GMT",
        "Wed 28 Oct 08:30 GMT",
        "Fri 30 Oct 08:30 GMT",
    ]
    assert sorted({at.astimezone(UTC).hour for at in sent_at}) == [7, 8]  # 07:30 and 08:30 UTC
    assert [m["url"] for m in shown(device, endpoint)] == ["/play?preset=morning"] * 6
    assert len(reminders_list(me)) == 6  # nothing else was ever due


# Subscriptions -----------------------------------------------------------------------------------


def test_one_subscription_per_device_and_unsubscribing_forgets_it(
    me: PersonContext, endpoint: PushEndpoint
) -> None:
    device = endpoint.device("phone")
    made, new = push.subscribe(me, device.subscription())
    again = Device.make(device.endpoint)  # the browser renewed its keys for the same endpoint
    updated, new_again = push.subscribe(me, again.subscription())
    assert (new, new_again) == (True, False)
    assert [(d.id, d.p256dh) for d in push.devices(me)] == [
        (made.id, again.subscription()["keys"]["p256dh"])
    ]
    assert updated.id == made.id
    assert push.unsubscribe(me, device.endpoint) is True
    assert push.devices(me) == []
    assert push.unsubscribe(me, device.endpoint) is False


@pytest.mark.parametrize(
    ("endpoint_url", "allowed"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", True),
        ("https://updates.push.services.mozilla.com/wpush/v2/abc", True),
        ("http://fcm.googleapis.com/fcm/send/abc", False),  # not https
        ("https://10.0.0.7/push", False),  # a machine on the server's own network
        ("https://192.168.1.2/push", False),
        ("https://localhost/push", False),
        ("https://[::1]/push", False),
        ("https://user:secret@push.example.org/abc", False),
        ("ftp://push.example.org/abc", False),
        ("", False),
    ],
)
def test_only_a_push_service_on_the_internet_is_accepted(endpoint_url: str, allowed: bool) -> None:
    if allowed:
        assert push.check_endpoint(endpoint_url, allow_loopback=False) == endpoint_url
    else:
        with pytest.raises(Invalid):
            push.check_endpoint(endpoint_url, allow_loopback=False)


def test_a_subscription_with_keys_that_are_not_a_browsers_is_refused(
    me: PersonContext, endpoint: PushEndpoint
) -> None:
    good = endpoint.device("phone").subscription()
    for keys, field in (
        ({"auth": good["keys"]["auth"]}, "keys.p256dh"),
        ({"p256dh": good["keys"]["p256dh"], "auth": "c2hvcnQ"}, "keys.auth"),
        ({"p256dh": good["keys"]["auth"], "auth": good["keys"]["auth"]}, "keys.p256dh"),
    ):
        with pytest.raises(Invalid) as refused:
            push.subscribe(me, {**good, "keys": keys})
        assert refused.value.field == field
    assert push.devices(me) == []


def test_received_pushes_are_encrypted(me: PersonContext, endpoint: PushEndpoint) -> None:
    """The push service sees ciphertext only: the title is nowhere in what it received."""
    device = endpoint.device("phone")
    push.subscribe(me, device.subscription())
    sender = push.Sender(me.services)
    notice = push.Notice("Time to stretch: Morning", "Ready", "/play", "session", 60)
    try:
        assert sender.send(push.devices(me)[0], notice) is push.Outcome.SENT
    finally:
        sender.close()
    [received] = endpoint.to(device)
    assert isinstance(received, Received) and b"stretch" not in received.body
    assert device.read(received)["title"] == "Time to stretch: Morning"


def test_the_pushes_follow_the_persons_time_zone_when_they_change_it(
    me: PersonContext, server: scheduler.Scheduler, clock: FakeNow, endpoint: PushEndpoint
) -> None:
    from backstretch.services.preferences import save_settings

    device = ready(me, endpoint)
    save_settings(me, {"timezone": "America/New_York"})  # moved: 08:30 is 13:30 UTC there now
    new_york = ZoneInfo("America/New_York")
    clock.value = datetime(2026, 11, 2, 8, 0, tzinfo=new_york).astimezone(UTC)
    step(server, clock, until=datetime(2026, 11, 2, 8, 29, tzinfo=new_york).astimezone(UTC))
    assert endpoint.to(device) == []  # 08:30 in London came and went: nothing
    step(server, clock, until=datetime(2026, 11, 2, 8, 30, tzinfo=new_york).astimezone(UTC))
    assert [m["key"] for m in shown(device, endpoint)] == ["session:2026-11-02T08:30"]
