"""The app offline in a real Chromium: the service worker keeps the pages, the player plays from
its cache, finished sessions wait in IndexedDB and reach the server once, exactly once.

Service workers need a secure context; http://127.0.0.1 is one. The server can be stopped and
started again on the same port and database (`restartable_server`), and the browser context is
put offline as well, so nothing reaches the network while the test says it is down.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backstretch.data import screening_guide
from backstretch.services.planning import remember_profile
from backstretch.services.screening import record_screening
from backstretch.services.sessions import session_history
from tests.browser.conftest import BROWSER_PASSWORD, RestartableServer, register_in_browser
from tests.browser.stepper import answer_every_group_none, report_something_changed
from tests.factories import all_no_answers

pytestmark = pytest.mark.slow

PROFILE = {"areas": ["lower_back"], "minutes": 10, "setting": "chair"}
PHONE = {"width": 390, "height": 844}
STRETCH = "chair-childs-pose"  # one stretch: 5 s to get ready, a 30 s hold


def expect(target: Any) -> Any:
    return pytest.importorskip("playwright.sync_api").expect(target)


def arrange(server: RestartableServer, *, answered_at: datetime | None = None) -> None:
    """Answer the safety questions (all no) and remember a profile, as on an earlier day."""
    record_screening(server.person(answered_at), all_no_answers())
    remember_profile(server.person(), PROFILE)


def sessions(server: RestartableServer) -> list[Any]:
    """Return every session the database holds (read directly: the server may be stopped)."""
    return session_history(server.person())


@contextmanager
def browsing(browser: Any, *, refusals: bool = False) -> Iterator[tuple[Any, list[str]]]:
    """Yield a fresh browser context (its own caches and IndexedDB) and its pages' errors.

    Failed requests while the network is down are expected, and so are 409 answers when the
    test says so (safety refusing a session); anything else is a problem.
    """
    context = browser.new_context(viewport=PHONE)
    errors: list[str] = []

    def on_console(message: Any) -> None:
        text = message.text
        offline = "ERR_INTERNET_DISCONNECTED" in text or "Failed to fetch" in text
        refused = "ERR_CONNECTION_REFUSED" in text or "ERR_FAILED" in text
        favicon = message.location.get("url", "").endswith("/favicon.ico")
        expected = refusals and "status of 409 (Conflict)" in text
        if message.type == "error" and not (offline or refused or favicon or expected):
            errors.append(text)

    context.on("console", on_console)
    context.on("weberror", lambda error: errors.append(str(error.error)))
    try:
        yield context, errors
    finally:
        context.close()


def kept_for_offline(page: Any) -> None:
    """Wait until the service worker runs and keeps the page on screen."""
    expect(page.locator("html")).to_have_attribute("data-offline", "ready", timeout=30_000)


def go_offline(server: RestartableServer, context: Any) -> None:
    server.stop()
    context.set_offline(True)


def come_back(server: RestartableServer, context: Any) -> None:
    server.start()
    context.set_offline(False)


def start_session(page: Any, pain: int) -> None:
    page.click(f"#before button[name=pain_before][value='{pain}']")  # one tap starts
    expect(page.locator("#running")).to_be_visible()


def queued(page: Any) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = page.evaluate("() => window.backstretchOffline.queued()")
    return entries


def wait_for(check: Any, what: str, seconds: float = 15) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_a_session_played_offline_from_the_cache_is_saved_once_back_online(
    browser: Any, restartable_server: RestartableServer
) -> None:
    server = restartable_server
    arrange(server)
    with browsing(browser) as (context, errors):
        page = context.new_page()
        page.clock.install()
        assert page.goto(f"{server.url}/play?items={STRETCH}").status == 200
        kept_for_offline(page)

        go_offline(server, context)
        page.reload()  # the player now comes from the worker's cache
        expect(page.locator("meta[name=backstretch-from-cache]")).to_have_count(1)
        expect(page.locator("#before")).to_be_visible()
        start_session(page, pain=4)
        page.clock.run_for(36_000)
        expect(page.locator("#after")).to_be_visible()
        page.click("#after button[name=pain_after][value='2']")
        expect(page.locator("#summary-title")).to_have_text(
            "Session complete: 1 min of stretching."
        )
        expect(page.locator("#save-status")).to_contain_text("Not saved yet")
        uuid = page.get_attribute("#player", "data-session")
        [entry] = queued(page)  # kept in IndexedDB under this person's account
        assert entry["uuid"] == uuid and entry["account"] == "local"
        assert sessions(server) == []

        come_back(server, context)  # the page sees the `online` event and sends it
        expect(page.locator("#save-status")).to_have_text("Saved.", timeout=15_000)
        wait_for(lambda: queued(page) == [], "the queue was not emptied")
        page.reload()  # a page load replays the queue again: nothing is left to send
        expect(page.locator("#before")).to_be_visible()
        wait_for(lambda: queued(page) == [], "the queue is not empty after a reload")
        assert errors == []
    [stored] = sessions(server)
    assert stored.uuid == uuid
    assert (stored.status.value, stored.pain_before, stored.pain_after) == ("completed", 4, 2)
    assert stored.items[0].done_seconds == 30


def test_a_queued_session_is_sent_from_the_next_page_and_a_repeat_records_nothing_new(
    browser: Any, restartable_server: RestartableServer
) -> None:
    server = restartable_server
    arrange(server)
    with browsing(browser) as (context, errors):
        page = context.new_page()
        page.clock.install()
        page.goto(f"{server.url}/play?items={STRETCH}")
        kept_for_offline(page)
        go_offline(server, context)
        start_session(page, pain=3)
        page.clock.run_for(36_000)
        page.click("#skip-after")
        expect(page.locator("#save-status")).to_contain_text("Not saved yet")
        [entry] = queued(page)
        page.close()  # the player is gone: only the queue knows about the session

        come_back(server, context)
        learn = context.new_page()
        learn.goto(f"{server.url}/learn")  # any page sends what is queued
        wait_for(lambda: len(sessions(server)) == 1, "the queued session was not sent")
        wait_for(lambda: queued(learn) == [], "the queue was not emptied")

        # The answer to that PUT could have been lost on the way: the same body is sent again.
        learn.evaluate(
            "([uuid, json]) => window.backstretchOffline.keep(uuid, json)",
            [entry["uuid"], entry["json"]],
        )
        learn.reload()
        wait_for(lambda: queued(learn) == [], "the repeated session stayed in the queue")
        history = context.new_page()
        history.goto(f"{server.url}/history")
        expect(history.locator("[data-not-saved]")).to_be_hidden()  # not refused either
        assert errors == []
    [stored] = sessions(server)
    assert stored.uuid == entry["uuid"]
    assert stored.status.value == "completed"


def test_a_cached_plan_is_refused_after_its_screening_expires(
    browser: Any, restartable_server: RestartableServer
) -> None:
    server = restartable_server
    now = datetime.now(UTC)
    # Answered almost a week ago: the server still allows a session now, for one more hour.
    arrange(server, answered_at=now - timedelta(days=7) + timedelta(hours=1))
    with browsing(browser) as (context, errors):
        page = context.new_page()
        page.goto(f"{server.url}/play?items={STRETCH}")
        expect(page.locator("#before")).to_be_visible()
        kept_for_offline(page)
        page.close()

        go_offline(server, context)
        later = context.new_page()
        later.clock.install(time=now + timedelta(hours=2))  # this device's clock, an hour past
        later.goto(f"{server.url}/play?items={STRETCH}")
        expect(later.locator("meta[name=backstretch-from-cache]")).to_have_count(1)
        expect(later.locator("#expired")).to_be_visible()
        expect(later.locator("#expired")).to_contain_text("answer the safety questions again")
        expect(later.locator("#expired a[href^='/screen?next=']")).to_be_visible()
        expect(later.locator("#before")).to_be_hidden()
        expect(later.locator("button.pain").first).to_be_hidden()
        assert errors == []
    assert sessions(server) == []


def test_a_player_left_open_past_the_expiry_does_not_start(
    browser: Any, restartable_server: RestartableServer
) -> None:
    server = restartable_server
    now = datetime.now(UTC)
    arrange(server, answered_at=now - timedelta(days=7) + timedelta(hours=1))
    with browsing(browser) as (context, errors):
        page = context.new_page()
        page.clock.install(time=now)
        page.goto(f"{server.url}/play?items={STRETCH}")
        expect(page.locator("#before")).to_be_visible()
        page.clock.set_system_time(now + timedelta(hours=1, minutes=1))  # left open too long
        page.click("#before button[name=pain_before][value='3']")
        expect(page.locator("#expired")).to_be_visible()
        expect(page.locator("#running")).to_be_hidden()
        assert errors == []
    assert sessions(server) == []


def test_todays_plan_and_a_current_player_open_offline_after_one_visit(
    browser: Any, restartable_server: RestartableServer
) -> None:
    server = restartable_server
    now = datetime.now(UTC)
    arrange(server, answered_at=now - timedelta(days=7) + timedelta(hours=1))
    with browsing(browser) as (context, errors):
        page = context.new_page()
        page.goto(f"{server.url}/plan")
        kept_for_offline(page)
        plan = page.locator("main").inner_text()
        page.goto(f"{server.url}/play?items={STRETCH}")
        kept_for_offline(page)
        page.close()
        go_offline(server, context)
        sooner = context.new_page()
        sooner.goto(f"{server.url}/plan")
        expect(sooner.locator("meta[name=backstretch-from-cache]")).to_have_count(1)
        assert sooner.locator("main").inner_text() == plan
        sooner.clock.install(time=now + timedelta(minutes=30))  # still inside the week
        sooner.goto(f"{server.url}/play?items={STRETCH}")
        expect(sooner.locator("#before")).to_be_visible()
        expect(sooner.locator("#expired")).to_be_hidden()
        start_session(sooner, pain=2)
        assert errors == []


def test_the_library_education_and_safety_advice_open_offline_after_one_visit(
    browser: Any, restartable_server: RestartableServer
) -> None:
    server = restartable_server
    with browsing(browser) as (context, errors):
        page = context.new_page()
        page.goto(server.url)
        kept_for_offline(page)
        go_offline(server, context)
        page.goto(f"{server.url}/stretches")
        expect(page.locator("h1")).to_be_visible()
        expect(page.locator("a[href='/stretches/cat-cow']")).to_be_visible()
        page.goto(f"{server.url}/stretches/cat-cow")  # never opened, kept on install
        expect(page.locator("main svg").first).to_be_visible()
        page.goto(f"{server.url}/learn")
        page.click("a[href='/learn/mistakes']")
        expect(page.locator("h2", has_text="Bouncing")).to_be_visible()
        page.goto(f"{server.url}/safety")
        sharp = next(s for s in screening_guide().stop_signals if s.id == "sharp_pain")
        expect(page.locator("[data-signal=sharp_pain] dd")).to_have_text(sharp.advice)
        expect(page.get_by_role("link", name="Call 999")).to_have_attribute("href", "tel:999")
        expect(page.locator("footer a[href='/safety']")).to_be_visible()
        # A page never opened and not public: the offline page, pointing to the safety advice.
        page.goto(f"{server.url}/history")
        expect(page.locator("h1")).to_have_text("You are offline")
        page.click("main a[href='/safety']")
        expect(page.locator("h1")).to_have_text("When to stop and get help")
        assert errors == []


def test_a_queued_session_the_server_refuses_is_listed_as_not_saved(
    browser: Any, restartable_server: RestartableServer
) -> None:
    server = restartable_server
    arrange(server)
    with browsing(browser, refusals=True) as (context, errors):
        page = context.new_page()
        page.clock.install()
        page.goto(f"{server.url}/play?items={STRETCH}")
        kept_for_offline(page)
        go_offline(server, context)
        start_session(page, pain=3)
        page.clock.run_for(36_000)
        page.click("#skip-after")
        expect(page.locator("#save-status")).to_contain_text("Not saved yet")
        page.close()
        # Meanwhile a red flag was reported elsewhere: safety no longer allows a session.
        record_screening(server.person(), all_no_answers(chest_pain=True))
        come_back(server, context)
        history = context.new_page()
        history.goto(f"{server.url}/history")
        refused = history.locator("[data-not-saved]")
        expect(refused).to_be_visible()
        expect(refused.locator("li")).to_have_count(1)
        expect(refused.locator("li")).to_contain_text("not saved: safety does not allow")
        wait_for(lambda: queued(history) == [], "a refused session stays in the queue")
        history.click("[data-not-saved-clear]")
        expect(history.locator("[data-not-saved]")).to_be_hidden()
        history.reload()
        expect(history.locator("h1")).to_have_text("Your history")
        expect(history.locator("[data-not-saved]")).to_be_hidden()
        assert errors == []
    assert sessions(server) == []


def test_copies_kept_by_the_earlier_player_are_moved_into_the_queue_and_sent(
    browser: Any, restartable_server: RestartableServer
) -> None:
    server = restartable_server
    arrange(server)
    uuid = "3f1c2b9e-8d7a-4c5b-9e6f-1a2b3c4d5e6f"
    with browsing(browser) as (context, errors):
        page = context.new_page()
        page.goto(f"{server.url}/play?items={STRETCH}")
        # What the earlier player left in localStorage when it could not reach the server.
        page.evaluate(
            """(uuid) => {
              const data = JSON.parse(document.getElementById("player-data").textContent);
              const body = {
                routine_name: data.routine_name,
                items: data.items.map((i) => ({stretch: i.stretch, sets: i.sets, reps: i.reps,
                                               sides: i.sides, hold_seconds: i.hold_seconds})),
                started_at: new Date().toISOString(),
                status: "completed",
                pain_before: 5,
                pain_after: 4,
                stop_signal: null,
                stopped_stretch: null,
                done: [{position: 0, done_seconds: 30, done_reps: 1, skipped: false}],
              };
              localStorage.setItem("backstretch-unsaved:" + uuid, JSON.stringify(body));
            }""",
            uuid,
        )
        page.goto(f"{server.url}/learn")
        wait_for(lambda: len(sessions(server)) == 1, "the old copy was not sent")
        assert (
            page.evaluate("(uuid) => localStorage.getItem('backstretch-unsaved:' + uuid)", uuid)
            is None
        )
        wait_for(lambda: queued(page) == [], "the old copy stayed in the queue")
        assert errors == []
    [stored] = sessions(server)
    assert (stored.uuid, stored.status.value, stored.pain_before) == (uuid, "completed", 5)


def test_a_stop_that_pauses_the_programme_also_takes_the_player_off_this_device(
    browser: Any, restartable_server: RestartableServer
) -> None:
    server = restartable_server
    arrange(server)
    with browsing(browser, refusals=True) as (context, errors):
        page = context.new_page()
        page.clock.install()
        page.goto(f"{server.url}/play?items={STRETCH}")
        kept_for_offline(page)
        go_offline(server, context)
        start_session(page, pain=3)
        page.clock.run_for(8_000)
        page.click("#stop")
        page.click("[data-signal=numbness_tingling]")
        expect(page.locator("#advice-now")).to_be_visible()
        # Offline, the kept player must not start another session after such a stop.
        again = context.new_page()
        again.goto(f"{server.url}/play?items={STRETCH}")
        expect(again.locator("h1")).to_have_text("You are offline")
        expect(again.locator("#player")).to_have_count(0)
        come_back(server, context)  # the stop reaches the server: it opens the block there too
        expect(page.locator("#programme-advice")).to_contain_text("clinician", timeout=15_000)
        answer = again.goto(f"{server.url}/play?items={STRETCH}")
        assert answer is not None and answer.status == 409
        assert errors == []
    [stored] = sessions(server)
    assert stored.stop_signal.value == "numbness_tingling"


def test_new_safety_answers_take_the_kept_player_off_this_device(
    browser: Any, restartable_server: RestartableServer
) -> None:
    server = restartable_server
    arrange(server)
    with browsing(browser) as (context, errors):
        page = context.new_page()
        page.goto(f"{server.url}/play?items={STRETCH}")
        kept_for_offline(page)
        # Checked before, so /screen is the weekly check: "Something has changed", then a red
        # flag (no session now).
        report_something_changed(page, server.url, yes="chest_pain")
        expect(page.locator(".verdict-emergency")).to_be_visible()
        go_offline(server, context)
        page.goto(f"{server.url}/play?items={STRETCH}")
        expect(page.locator("h1")).to_have_text("You are offline")
        expect(page.locator("#player")).to_have_count(0)
        assert errors == []


# Two people, one browser ---------------------------------------------------------------------


def answer_screening(page: Any, server: RestartableServer, *, yes: str | None = None) -> None:
    """Answer the safety questions through the pages: all "no", or "yes" to one of them."""
    answer_every_group_none(page, server.url, yes=yes)


def screen_and_plan(page: Any, server: RestartableServer) -> None:
    """Answer every safety question "no" and save a profile, through the pages."""
    answer_screening(page, server)
    page.goto(f"{server.url}/profile")
    page.get_by_label("lower back").check()
    page.get_by_role("button", name="Save and see today's routine").click()


def cached(page: Any, path: str) -> bool:
    found: bool = page.evaluate(
        "(path) => caches.match(location.origin + path).then((r) => Boolean(r))", path
    )
    return found


def every_queued(page: Any) -> list[dict[str, Any]]:
    """Return the whole offline queue, whoever's it is (read straight from IndexedDB)."""
    entries: list[dict[str, Any]] = page.evaluate(
        """() => new Promise((resolve, reject) => {
          const open = indexedDB.open("backstretch-offline");
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const read = open.result.transaction("queue").objectStore("queue").getAll();
            read.onsuccess = () => resolve(read.result);
            read.onerror = () => reject(read.error);
          };
        })"""
    )
    return entries


def history_count(page: Any, server: RestartableServer) -> int:
    answer = page.request.get(f"{server.url}/api/history")
    assert answer.ok, answer.status
    return len(answer.json())


def test_a_shared_browser_keeps_each_persons_pages_and_sessions_apart(
    browser: Any, accounts_live_server: RestartableServer
) -> None:
    server = accounts_live_server
    with browsing(browser) as (context, errors):
        # Bob has an account too; his login is used on this browser later.
        other = browser.new_context()
        register_in_browser(other.new_page(), server, "bob")
        bob_cookies = other.cookies()
        other.close()

        puts: list[str] = []
        context.on(
            "request",
            lambda r: (
                puts.append(r.url) if r.method == "PUT" and "/api/sessions/" in r.url else None
            ),
        )
        page = context.new_page()
        page.clock.install()
        register_in_browser(page, server, "alice")
        alice = page.get_attribute("meta[name=backstretch-account]", "content")
        screen_and_plan(page, server)
        page.goto(f"{server.url}/play?items={STRETCH}")
        kept_for_offline(page)
        assert cached(page, f"/play?items={STRETCH}")

        # Alice plays offline; the session waits in the queue under her account.
        context.set_offline(True)
        start_session(page, pain=3)
        page.clock.run_for(36_000)
        page.click("#skip-after")
        expect(page.locator("#save-status")).to_contain_text("Not saved yet")
        assert [entry["account"] for entry in every_queued(page)] == [alice]
        page.close()

        # Her login is gone; Bob's login is on this browser when the network comes back.
        context.clear_cookies()
        context.add_cookies(bob_cookies)
        context.set_offline(False)
        puts.clear()
        page = context.new_page()
        page.goto(f"{server.url}/history")
        bob = page.get_attribute("meta[name=backstretch-account]", "content")
        assert bob and bob != alice
        expect(page.locator("h1")).to_have_text("Your history")
        page.goto(f"{server.url}/learn")  # another page load: another chance to replay
        expect(page.locator("h1")).to_have_text("Learn")
        assert puts == []  # Alice's session is never sent into Bob's account
        assert [entry["account"] for entry in every_queued(page)] == [alice]
        assert history_count(page, server) == 0
        # Alice's kept player went with her: Bob's browser has none to open offline.
        wait_for(lambda: not cached(page, f"/play?items={STRETCH}"), "Alice's player is kept")

        # Bob logs out: the logged-out page empties what was kept for him.
        page.goto(f"{server.url}/history")
        kept_for_offline(page)
        assert cached(page, "/history")
        page.click("header details.menu summary")  # on a phone, Log out is in the menu
        page.click("details.menu form[action='/logout'] button")
        expect(page.locator("h1")).to_have_text("You are logged out")
        wait_for(lambda: not cached(page, "/history"), "Bob's history is still kept")
        # Logged out is not a reason to drop a queued session: it waits for Alice's login.
        assert [entry["account"] for entry in every_queued(page)] == [alice]
        context.set_offline(True)
        page.goto(f"{server.url}/history")
        expect(page.locator("h1")).to_have_text("You are offline")
        context.set_offline(False)

        # Alice logs in again: now her session goes to her account, once.
        page.goto(f"{server.url}/login")
        page.fill("#username", "alice")
        page.fill("#password", BROWSER_PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        expect(page.locator("meta[name=backstretch-account]")).to_have_attribute("content", alice)
        wait_for(lambda: every_queued(page) == [], "Alice's session stayed in the queue")
        assert history_count(page, server) == 1
        assert errors == []
