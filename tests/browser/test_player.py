"""The guided session in a real Chromium: a coach (steps, a rep counter, a clear pause, ending
that asks first) that is played to the end, stopped, stalled, spoken, still, and saved as it goes.

Most tests install Playwright's fake clock before the page loads (it replaces `performance.now()`,
timers and animation frames) and jump it forward, so a 35 s stretch takes a moment. The stall test
uses the real clock: it blocks the page for 2 s and checks the session did not fall behind.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from backstretch.data import screening_guide
from backstretch.services.planning import remember_profile
from backstretch.services.preferences import save_settings
from tests.browser.conftest import csrf_headers
from tests.factories import all_no_answers

pytestmark = pytest.mark.slow

PROFILE = {"areas": ["lower_back"], "minutes": 10, "setting": "chair"}
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
STALL = "() => { const t = performance.now(); while (performance.now() - t < 2000) {} }"
# Every call to speechSynthesis.speak is noted (headless Chromium has no voices to hear).
RECORD_SPEECH = """
window.spokenTexts = [];
if (window.speechSynthesis) {
  const speak = window.speechSynthesis.speak.bind(window.speechSynthesis);
  window.speechSynthesis.speak = (utterance) => {
    window.spokenTexts.push(utterance.text);
    try { speak(utterance); } catch (error) {}
  };
}
"""


def expect(target: Any) -> Any:
    return pytest.importorskip("playwright.sync_api").expect(target)


def advice_for(signal: str) -> str:
    for text in screening_guide().stop_signals:
        if text.id == signal:
            return text.advice.strip().replace("{emergency_number}", "999")
    raise KeyError(signal)


def api(server: Any, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """Call the server's JSON API as any client would."""
    request = urllib.request.Request(
        server.url + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", **csrf_headers(server.url)},
        method=method,
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def arrange(server: Any, *, lead_in: int | None = None) -> None:
    """Answer the safety questions and remember a profile, as a person would have before."""
    status, result = api(server, "POST", "/api/screen", all_no_answers())
    assert status == 200 and result["verdict"] == "self_care"
    person = server.person()
    remember_profile(person, PROFILE)
    if lead_in is not None:
        save_settings(person, {"lead_in_seconds": lead_in})


@contextmanager
def player(
    browser: Any,
    server: Any,
    items: str,
    *,
    fake_clock: bool = True,
    viewport: dict[str, int] = PHONE,
    reduced_motion: str = "no-preference",
    ignore: Callable[[str], bool] = lambda text: False,
    touch: dict[str, bool] | None = None,
) -> Iterator[tuple[Any, list[str]]]:
    """Open the player page; yield it with the console errors (CSP refusals among them)."""
    touch = touch or {}
    context = browser.new_context(viewport=viewport, reduced_motion=reduced_motion, **touch)
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: Any) -> None:
        # The base page links no icon, so Chromium's own request for one is not the player's.
        favicon = message.location.get("url", "").endswith("/favicon.ico")
        if message.type == "error" and not favicon and not ignore(message.text):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(RECORD_SPEECH)
    if fake_clock:
        page.clock.install()
    response = page.goto(f"{server.url}/play?items={items}")
    assert response is not None and response.status == 200
    if fake_clock:
        # From here the page's time moves only when the test moves it: a busy machine's real
        # seconds between two steps would otherwise count as seconds of a hold.
        page.clock.pause_at(page.evaluate("Date.now()") / 1_000 + 1)  # Python takes seconds
    try:
        yield page, errors
    finally:
        context.close()


def start(page: Any, pain: int = 3) -> None:
    """Tap the pain number: one tap records it and starts the session."""
    page.click(f"#before button[name=pain_before][value='{pain}']")
    expect(page.locator("#running")).to_be_visible()


def done_page(page: Any) -> str:
    """Return the reward page's address for the session this player records."""
    return f"/sessions/{page.get_attribute('#player', 'data-session')}/done"


def data_of(page: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(page.locator("#player-data").text_content())
    return data


def stored(
    server: Any, page: Any, until: Callable[[dict[str, Any]], bool], uuid: str | None = None
) -> dict[str, Any]:
    """Return the session as the server has it, once `until` holds (saving is asynchronous)."""
    uuid = uuid or page.get_attribute("#player", "data-session")
    deadline = time.monotonic() + 10
    while True:
        status, session = api(server, "GET", f"/api/sessions/{uuid}")
        if status == 200 and until(session):
            return session
        assert time.monotonic() < deadline, f"the server has {status}: {session}"
        time.sleep(0.05)


def segment_at(page: Any) -> dict[str, Any]:
    """Return the timeline segment the player shows now."""
    index = int(page.get_attribute("#player", "data-segment"))
    segment: dict[str, Any] = data_of(page)["timeline"][index]
    return segment


def test_one_tap_on_a_pain_number_starts_the_session(browser: Any, live_server: Any) -> None:
    arrange(live_server)
    with player(browser, live_server, "shoulder-rolls,chair-childs-pose") as (page, errors):
        # Before the session: one line about the routine, not the plan again.
        expect(page.locator("#before")).to_contain_text("2 stretches")
        expect(page.locator("#before .routine")).to_be_hidden()
        tile = page.locator("#before button[name=pain_before][value='6']")
        box = tile.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44
        assert box["y"] + box["height"] <= PHONE["height"]  # the answer is on screen at once
        tile.click()
        expect(page.locator("#running")).to_be_visible()
        expect(page.locator("#player")).to_have_attribute("data-state", "running")
        session = stored(live_server, page, lambda s: s["pain_before"] is not None)
        assert errors == []
    assert session["pain_before"] == 6
    assert session["status"] == "in_progress"


def test_a_session_played_to_the_end_is_saved_and_goes_on_to_its_reward(
    browser: Any, live_server: Any
) -> None:
    arrange(live_server)
    with player(browser, live_server, "chair-childs-pose") as (page, errors):
        start(page, pain=4)
        expect(page.locator("#stretch-name")).to_have_text("Chair child's pose")
        expect(page.locator("#next-up")).to_be_empty()  # one stretch: nothing comes next
        page.clock.run_for(36_000)
        expect(page.locator("#after")).to_be_visible()
        expect(page.locator("#stop-bar")).to_be_hidden()
        # The ending is saved at once; pain afterwards follows.
        stored(live_server, page, lambda s: s["status"] == "completed")
        reward = done_page(page)
        page.click("#after button[name=pain_after][value='2']")
        page.wait_for_url(f"**{reward}")
        session = stored(
            live_server, page, lambda s: s["pain_after"] is not None, reward.split("/")[2]
        )
        assert errors == []
    assert session["status"] == "completed"
    assert session["pain_before"] == 4
    assert session["pain_after"] == 2
    assert session["done_seconds"] == 30
    [item] = session["items"]
    assert (item["done_seconds"], item["done_reps"], item["skipped"]) == (30, 1, False)
    status, history = api(live_server, "GET", "/api/history")
    assert status == 200 and len(history) == 1


def test_steps_are_large_the_first_time_and_folded_when_a_stretch_comes_again(
    browser: Any, live_server: Any
) -> None:
    arrange(live_server)
    with player(browser, live_server, "shoulder-rolls,chair-childs-pose") as (page, errors):
        first, second = data_of(page)["items"]
        how = page.locator("#how")
        start(page)
        # Getting ready for a stretch the first time: its set-up and movement, large.
        expect(page.locator("#player")).to_have_attribute("data-kind", "get_ready")
        expect(how).to_have_attribute("open", "")
        expect(how).to_have_class("how large")
        expect(page.locator("#how-setup li")).to_have_text(first["setup"])
        expect(page.locator("#how-move li")).to_have_text(first["movement"])
        large = page.locator("#how-setup li").first.evaluate(
            "li => parseFloat(getComputedStyle(li).fontSize)"
        )
        page.clock.run_for(6_000)  # into the repetitions: still open, ordinary size
        expect(page.locator("#player")).to_have_attribute("data-kind", "rep")
        expect(how).to_have_attribute("open", "")
        expect(how).to_have_class("how")
        ordinary = page.locator("#how-setup li").first.evaluate(
            "li => parseFloat(getComputedStyle(li).fontSize)"
        )
        assert large > ordinary
        page.click("#skip")
        expect(page.locator("#stretch-name")).to_have_text(second["name"])
        expect(how).to_have_attribute("open", "")  # a stretch met for the first time
        expect(page.locator("#how-setup li")).to_have_text(second["setup"])
        page.click("#back")  # in its first seconds: back to the stretch before, met already
        expect(page.locator("#stretch-name")).to_have_text(first["name"])
        expect(how).not_to_have_attribute("open", "")
        expect(how).to_have_class("how")
        expect(page.locator("#how-setup")).to_be_hidden()
        page.click("#how > summary")  # one tap opens them again
        expect(page.locator("#how-setup li").first).to_be_visible()
        assert errors == []


def test_the_second_side_shows_and_says_its_own_side(
    browser: Any, live_server: Any, artifacts: Path
) -> None:
    """The steps are written for the right leg; on the left everything says left."""
    arrange(live_server)
    with player(browser, live_server, "chair-piriformis-stretch") as (page, errors):
        [item] = data_of(page)["items"]
        setup, move = page.locator("#how-setup li"), page.locator("#how-move li")
        start(page)
        expect(setup.nth(1)).to_have_text(
            "Lift your right ankle onto your left knee and let the right knee drop open."
        )
        timeline = data_of(page)["timeline"]
        switch = next(s for s in timeline if s["kind"] == "switch_side")
        page.clock.run_for(switch["start_ms"] + 500)
        assert segment_at(page) == switch
        # Getting into the other side the first time: its steps, large, as they read on the left.
        expect(page.locator("#how")).to_have_attribute("open", "")
        expect(page.locator("#how")).to_have_class("how large")
        expect(setup).to_have_text(item["steps_by_side"]["left"]["setup"])
        expect(setup.nth(1)).to_have_text(
            "Lift your left ankle onto your right knee and let the left knee drop open."
        )
        expect(move.nth(1)).to_have_text(
            "Stop as soon as you feel a stretch in the left buttock and hip."
        )
        expect(page.locator("#side")).to_have_text("Left leg crossed")
        expect(page.locator("#said")).to_have_text("Switch sides: left leg crossed.")
        page.screenshot(path=str(artifacts / "player-second-side-390x844.png"))
        said_on_the_left = len(page.evaluate("window.spokenTexts")) - 1
        last_hold = timeline[-2]
        assert (last_hold["kind"], last_hold["side"]) == ("hold", "left")
        page.clock.run_for(last_hold["start_ms"] - switch["start_ms"] + 1_000)
        assert segment_at(page) == last_hold
        holds = item["reps"]
        expect(page.locator("#counter")).to_have_text(
            f"Hold {holds} of {holds} · left leg crossed"
            if holds > 1
            else "Hold · left leg crossed"
        )
        expect(page.locator("#cue")).to_have_text(last_hold["cue"])
        assert "right" not in last_hold["cue"]
        expect(page.locator("#how")).to_have_class("how")  # ordinary size while holding
        expect(setup.nth(1)).to_contain_text("left ankle onto your right knee")
        page.screenshot(path=str(artifacts / "player-second-side-hold-390x844.png"))
        spoken: list[str] = page.evaluate("window.spokenTexts")
        on_the_left = spoken[said_on_the_left:]
        assert on_the_left == data_of(page)["spoken"][timeline.index(switch) : -1]
        assert on_the_left[0] == "Switch sides: left leg crossed."
        assert not any("right" in said.lower() for said in on_the_left)
        # Back to the start of the stretch: its first side's steps again.
        page.click("#back")
        expect(page.locator("#player")).to_have_attribute("data-kind", "get_ready")
        expect(setup.nth(1)).to_have_text(
            "Lift your right ankle onto your left knee and let the right knee drop open."
        )
        assert errors == []


def test_the_counter_names_the_repetition_and_the_side(browser: Any, live_server: Any) -> None:
    arrange(live_server)
    with player(browser, live_server, "shoulder-rolls,seated-side-stretch") as (page, errors):
        rolls, side_stretch = data_of(page)["items"]
        start(page)
        expect(page.locator("#counter")).to_be_hidden()  # getting ready: nothing to count yet
        page.clock.run_for(5_500)
        expect(page.locator("#player")).to_have_attribute("data-kind", "rep")
        expect(page.locator("#counter")).to_have_text(f"Rep 1 of {rolls['reps']}")
        repetition = segment_at(page)
        # The whole first repetition, every part of it (in, out, maybe a pause), then the next.
        length = sum(
            s["duration_ms"]
            for s in data_of(page)["timeline"]
            if s["stretch"] == rolls["stretch"] and s["kind"] == "rep" and s["rep"] == 1
        )
        page.clock.run_for(length)
        expect(page.locator("#counter")).to_have_text(f"Rep 2 of {rolls['reps']}")
        assert segment_at(page)["start_ms"] == repetition["start_ms"] + length
        page.click("#skip")  # the one-sided hold: its side is in the counter
        page.clock.run_for(6_000)
        expect(page.locator("#player")).to_have_attribute("data-kind", "hold")
        hold = segment_at(page)
        side = hold.get("side_label") or f"{hold['side']} side"
        expect(page.locator("#counter")).to_have_text(
            f"Hold 1 of {side_stretch['reps']} · {side}"
            if side_stretch["reps"] > 1
            else f"Hold · {side}"
        )
        assert errors == []


def test_ending_asks_first_and_keep_going_carries_on(browser: Any, live_server: Any) -> None:
    arrange(live_server)
    with player(browser, live_server, "chair-childs-pose") as (page, errors):
        start(page)
        page.clock.run_for(8_000)
        page.click("#end")
        dialog = page.locator("#end-confirm")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("End the session here? What you did is kept.")
        shown = page.locator("#countdown").text_content()
        page.clock.run_for(10_000)  # the clock waits while the person decides
        expect(page.locator("#countdown")).to_have_text(shown)
        page.get_by_role("button", name="Keep going").click()
        expect(dialog).to_be_hidden()
        expect(page.locator("#player")).to_have_attribute("data-state", "running")
        expect(page.locator("#paused-banner")).to_be_hidden()
        page.clock.run_for(2_000)
        expect(page.locator("#countdown")).not_to_have_text(shown)
        page.keyboard.press("q")  # the key asks too
        expect(dialog).to_be_visible()
        page.keyboard.press("Escape")  # and Escape keeps going
        expect(dialog).to_be_hidden()
        expect(page.locator("#player")).to_have_attribute("data-state", "running")
        page.click("#end")
        page.get_by_role("button", name="End", exact=True).click()
        expect(page.locator("#after")).to_be_visible()
        stored(live_server, page, lambda s: s["status"] == "abandoned")
        reward = done_page(page)
        page.click("#after button[name=pain_after][value='1']")  # asked after ending early too
        page.wait_for_url(f"**{reward}")
        session = stored(
            live_server, page, lambda s: s["pain_after"] is not None, reward.split("/")[2]
        )
        assert errors == []
    assert session["status"] == "abandoned"
    assert session["pain_after"] == 1
    assert 0 < session["done_seconds"] < 30


def test_paused_is_unmistakable_and_the_clock_stands_still(browser: Any, live_server: Any) -> None:
    arrange(live_server)
    with player(browser, live_server, "seated-cat-cow") as (page, errors):
        start(page)
        page.clock.run_for(6_500)
        expect(page.locator("#player")).to_have_attribute("data-kind", "rep")
        page.click("#pause")
        banner = page.locator("#paused-banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("Paused")
        expect(page.locator("#state")).to_have_text("Paused")
        expect(page.locator("#pause")).to_have_text("Carry on")
        # The clock fades to grey (still readable); the figure fades too.
        grey = page.locator("#countdown").evaluate("n => getComputedStyle(n).color")
        assert grey == "rgb(123, 135, 148)"
        faded = page.locator("#figures").evaluate("n => Number(getComputedStyle(n).opacity)")
        assert faded < 0.5
        shown = page.locator("#countdown").text_content()
        segment = page.get_attribute("#player", "data-segment")
        pose = page.evaluate(FIGURE_STATE)["shown"]
        page.clock.run_for(12_000)
        expect(page.locator("#countdown")).to_have_text(shown)
        expect(page.locator("#player")).to_have_attribute("data-segment", segment)
        assert page.evaluate(FIGURE_STATE)["shown"] == pose  # the figure keeps still
        banner.get_by_role("button", name="Carry on").click()
        expect(banner).to_be_hidden()
        expect(page.locator("#pause")).to_have_text("Pause")
        page.clock.run_for(3_000)
        expect(page.locator("#player")).not_to_have_attribute("data-segment", segment)
        assert errors == []


def test_stop_this_hurts_says_what_to_do_first_and_records_the_stop(
    browser: Any, live_server: Any
) -> None:
    arrange(live_server)
    with player(browser, live_server, "chair-childs-pose") as (page, errors):
        start(page)
        page.clock.run_for(8_000)
        expect(page.locator("#player")).to_have_attribute("data-kind", "hold")
        page.click("#stop")
        expect(page.locator("#stop-menu")).to_be_visible()
        expect(page.locator("#player")).to_have_attribute("data-state", "choosing")
        page.clock.run_for(60_000)  # the clock stays stopped while the person chooses
        page.click("[data-signal=numbness_tingling]")
        advice = page.locator("#advice-now")
        expect(advice).to_have_text(advice_for("numbness_tingling"))
        # What to do now comes before the question about pain afterwards.
        advice_box = advice.bounding_box()
        question_box = page.locator("#after").bounding_box()
        assert advice_box is not None and question_box is not None
        assert advice_box["y"] < question_box["y"]
        session = stored(live_server, page, lambda s: s["status"] == "stopped")
        assert session["stop_signal"] == "numbness_tingling"
        assert session["stopped_stretch"] == "chair-childs-pose"
        assert session["items"][0]["done_seconds"] == 3
        expect(page.locator("#programme-advice")).to_contain_text("clinician")
        page.click("#skip-after")
        # A stopped session stays here, with its advice on screen.
        expect(page.locator("#summary-title")).to_have_text(
            "Session stopped after under 1 min of stretching."
        )
        expect(page.locator("#save-status")).to_have_text("Saved.")
        expect(advice).to_be_visible()
        assert page.url.endswith("/play?items=chair-childs-pose")
        assert errors == []
    status, answer = api(live_server, "POST", "/api/plan", {"profile": PROFILE})
    assert status == 409
    assert answer["blocked"] is True


def test_pain_building_pauses_on_its_advice_until_the_person_carries_on(
    browser: Any, live_server: Any
) -> None:
    arrange(live_server)
    with player(browser, live_server, "shoulder-rolls,chair-childs-pose") as (page, errors):
        first, second = (item["name"] for item in data_of(page)["items"])
        start(page)
        page.clock.run_for(7_000)
        expect(page.locator("#stretch-name")).to_have_text(first)
        expect(page.locator("#next-up")).to_have_text(f"Next up: {second}")
        page.keyboard.press("s")
        expect(page.locator("#stop-menu")).to_be_visible()
        page.keyboard.press("c")  # it has passed: carry on
        expect(page.locator("#player")).to_have_attribute("data-state", "running")
        page.keyboard.press("!")
        expect(page.locator("#stop-menu")).to_be_visible()
        signals = page.locator("#stop-menu .signal").evaluate_all(
            "buttons => buttons.map(b => b.dataset.signal)"
        )
        page.keyboard.press(str(signals.index("pain_rising") + 1))
        easing = page.locator("#easing")
        expect(easing).to_be_visible()
        expect(page.locator("#player")).to_have_attribute("data-state", "easing")
        expect(page.locator("#easing-advice")).to_have_text(advice_for("pain_rising"))
        expect(easing).to_contain_text(f"Next up: {second}")
        expect(page.locator("#easing-go")).to_be_focused()
        session = stored(live_server, page, lambda s: s["stop_signal"] == "pain_rising")
        assert session["status"] == "in_progress"
        assert session["stopped_stretch"] == data_of(page)["items"][0]["stretch"]
        status, _ = api(live_server, "POST", "/api/plan", {"profile": PROFILE})
        assert status == 200  # pain building opens no block
        # It waits: a minute later nothing has moved on.
        segment = page.get_attribute("#player", "data-segment")
        page.clock.run_for(60_000)
        expect(easing).to_be_visible()
        expect(page.locator("#player")).to_have_attribute("data-segment", segment)
        page.click("#easing-go")
        expect(page.locator("#player")).to_have_attribute("data-state", "running")
        expect(page.locator("#stretch-name")).to_have_text(second)
        expect(page.locator("#player")).to_have_attribute("data-kind", "get_ready")
        expect(page.get_by_text(advice_for("pain_rising"))).to_be_hidden()  # its message is gone
        page.clock.run_for(40_000)
        expect(page.locator("#after")).to_be_visible()
        session = stored(live_server, page, lambda s: s["status"] == "completed")
        assert errors == []
    assert session["stop_signal"] == "pain_rising"
    assert session["items"][0]["skipped"] is True
    assert session["items"][1]["done_seconds"] == session["items"][1]["planned_seconds"]


def test_pause_skip_and_back_from_the_keyboard(browser: Any, live_server: Any) -> None:
    arrange(live_server)
    with player(browser, live_server, "shoulder-rolls,chair-childs-pose") as (page, errors):
        first, second = (item["name"] for item in data_of(page)["items"])
        start(page)
        page.clock.run_for(6_000)
        page.keyboard.press(" ")  # the focused Pause button is not pressed a second time
        expect(page.locator("#state")).to_have_text("Paused")
        expect(page.locator("#pause")).to_have_text("Carry on")
        shown = page.locator("#countdown").text_content()
        page.clock.run_for(5_000)
        expect(page.locator("#countdown")).to_have_text(shown)
        page.keyboard.press(" ")
        expect(page.locator("#state")).not_to_have_text("Paused")
        page.keyboard.press("n")
        expect(page.locator("#stretch-name")).to_have_text(second)
        expect(page.locator("#item-count")).to_have_text("Stretch 2 of 2")
        page.keyboard.press("b")  # in the first 3 seconds of a stretch: back to the one before
        expect(page.locator("#stretch-name")).to_have_text(first)
        expect(page.locator("#state")).to_have_text("Get ready")
        page.click("#skip")
        page.clock.run_for(5_000)
        page.keyboard.press("ArrowLeft")  # later in a stretch: back to its start
        expect(page.locator("#stretch-name")).to_have_text(second)
        expect(page.locator("#state")).to_have_text("Get ready")
        page.keyboard.press("q")
        page.get_by_role("button", name="End", exact=True).click()
        expect(page.locator("#after")).to_be_visible()
        stored(live_server, page, lambda s: s["status"] == "abandoned")
        assert errors == []


def test_a_stalled_page_catches_up_and_the_hold_ends_on_time(
    browser: Any, live_server: Any
) -> None:
    arrange(live_server, lead_in=2)
    with player(browser, live_server, "seated-side-stretch", fake_clock=False) as (page, errors):
        timeline = data_of(page)["timeline"]
        hold = timeline[1]
        assert hold["kind"] == "hold" and hold["start_ms"] == 2_000
        hold_ends = (hold["start_ms"] + hold["duration_ms"]) / 1000
        total = (timeline[-1]["start_ms"] + timeline[-1]["duration_ms"]) / 1000
        before = time.monotonic()
        page.click("#before button[name=pain_before][value='2']")
        after = time.monotonic()  # the session started between `before` and `after`
        expect(page.locator("#player")).to_have_attribute("data-kind", "hold")
        time.sleep(1)
        page.evaluate(STALL)
        time.sleep(0.2)
        read_from = time.monotonic()
        shown = page.evaluate("document.getElementById('session-progress').value") * total
        read_until = time.monotonic()
        # Where the page says it is matches the real time gone by: no 2 s left behind.
        assert read_from - after - 0.25 <= shown <= read_until - before + 0.05, (
            shown,
            read_from - after,
        )
        time.sleep(max(0.0, before + hold_ends - 0.4 - time.monotonic()))
        assert page.get_attribute("#player", "data-kind") == "hold"
        time.sleep(max(0.0, after + hold_ends + 0.4 - time.monotonic()))
        assert page.get_attribute("#player", "data-kind") == "rest"
        assert errors == []


def test_what_is_said_is_the_pages_own_words_and_the_voice_can_be_turned_off(
    browser: Any, live_server: Any
) -> None:
    arrange(live_server)
    with player(browser, live_server, "shoulder-rolls") as (page, errors):
        spoken = data_of(page)["spoken"]

        def said() -> list[str]:
            texts: list[str] = page.evaluate("window.spokenTexts")
            return texts

        start(page)
        expect(page.locator("#said")).to_have_text("Get ready: Shoulder rolls.")
        expect(page.locator("#player")).to_have_attribute("data-spoken", spoken[0])
        assert said() == [spoken[0]]
        page.clock.run_for(5_000)
        expect(page.locator("#said")).to_have_text(spoken[1])
        assert said()[-1] == spoken[1]
        page.keyboard.press("v")
        expect(page.locator("#voice")).to_have_attribute("aria-pressed", "false")
        expect(page.locator("#voice")).to_have_text("Voice: off")
        expect(page.locator("#said")).to_have_text("")
        count = len(said())
        page.clock.run_for(3_000)
        expect(page.locator("#player")).to_have_attribute("data-segment", "2")
        expect(page.locator("#cue")).not_to_be_empty()
        assert len(said()) == count  # nothing spoken with the voice off
        page.locator("#voice").click()
        page.clock.run_for(3_000)
        expect(page.locator("#player")).to_have_attribute("data-segment", "3")
        expect(page.locator("#said")).to_have_text(spoken[3])
        assert len(said()) == count + 1
        assert errors == []


FIGURE_STATE = """() => {
  const figure = [...document.querySelectorAll('#figures .figure')].find(f => !f.hidden);
  const shown = [...figure.querySelectorAll('g[data-phase]')]
    .filter(g => getComputedStyle(g).display !== 'none').map(g => g.dataset.pose);
  const ball = getComputedStyle(document.getElementById('breath-ball'));
  return {shown, transform: ball.transform, transition: ball.transitionDuration,
          breath: document.getElementById('player').dataset.breath};
}"""


@pytest.mark.parametrize(
    ("reduced_motion", "pose", "moving"), [("no-preference", "cow", True), ("reduce", "cat", False)]
)
def test_the_breath_moves_unless_reduced_motion_is_asked_for(
    browser: Any, live_server: Any, reduced_motion: str, pose: str, moving: bool
) -> None:
    arrange(live_server)
    with player(browser, live_server, "seated-cat-cow", reduced_motion=reduced_motion) as (
        page,
        errors,
    ):
        start(page)
        page.clock.run_for(5_500)
        state = page.evaluate(FIGURE_STATE)
        assert state["breath"] == "inhale"
        # Cow on the in-breath; with reduced motion only the key pose (cat) ever shows.
        assert state["shown"] == [pose]
        assert (state["transform"] != "none") is moving
        assert (state["transition"] != "0s") is moving
        assert errors == []


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390x844", "1280x800"])
def test_the_running_player_fits_the_screen_and_the_stop_bar_covers_no_control(
    browser: Any, live_server: Any, viewport: dict[str, int]
) -> None:
    arrange(live_server)
    with player(browser, live_server, "seated-side-stretch", viewport=viewport) as (page, errors):
        start(page)
        page.clock.run_for(9_000)
        expect(page.locator("#player")).to_have_attribute("data-kind", "hold")
        expect(page.locator("#counter")).to_be_visible()
        stop = page.locator("#stop").bounding_box()
        assert stop is not None
        assert stop["y"] >= 0 and stop["y"] + stop["height"] <= viewport["height"]  # in view
        countdown = page.locator("#countdown").bounding_box()
        assert countdown is not None and countdown["y"] + countdown["height"] <= stop["y"]
        for button in page.locator("#running button, #stop").all():
            if not button.is_visible():
                continue  # the paused banner's button shows only when paused
            box = button.bounding_box()
            assert box is not None and box["height"] >= 44 and box["width"] >= 44
        bar = page.locator("#stop-bar").bounding_box()
        assert bar is not None
        page.evaluate("window.scrollTo(0, 0)")
        page.focus("#back")
        for control in ("#pause", "#skip", "#voice", "#end"):
            # Tabbed to, as from a keyboard: the browser scrolls it just into view, above the bar.
            page.keyboard.press("Tab")
            while page.evaluate("document.activeElement.id") != control[1:]:
                page.keyboard.press("Tab")
            box = page.locator(control).bounding_box()
            assert box is not None
            assert box["y"] >= -1 and box["y"] + box["height"] <= bar["y"], (control, box, bar)
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        for control in ("#voice", "#end"):  # scrolled to the very end: nothing under the bar
            box = page.locator(control).bounding_box()
            assert box is not None and box["y"] + box["height"] <= bar["y"], (control, box, bar)
        page.click("#end")  # a real click lands on it, not on the bar
        expect(page.locator("#end-confirm")).to_be_visible()
        page.click("#end-no")
        assert errors == []


@pytest.mark.parametrize(
    ("touch", "open_"), [({"has_touch": True, "is_mobile": True}, False), ({}, True)]
)
def test_the_keyboard_shortcuts_are_folded_on_a_touch_screen(
    browser: Any, live_server: Any, touch: dict[str, bool], open_: bool
) -> None:
    arrange(live_server)
    with player(browser, live_server, "chair-childs-pose", touch=touch) as (page, errors):
        start(page)
        shortcuts = page.locator("#shortcuts")
        if open_:
            expect(shortcuts).to_have_attribute("open", "")
        else:
            expect(shortcuts).not_to_have_attribute("open", "")
            expect(shortcuts.locator("ul")).to_be_hidden()
        assert errors == []


def test_the_done_part_of_a_hold_is_saved_every_few_seconds(browser: Any, live_server: Any) -> None:
    arrange(live_server)
    with player(browser, live_server, "chair-childs-pose") as (page, errors):
        start(page)
        saved = stored(live_server, page, lambda s: s["status"] == "in_progress")
        assert saved["items"][0]["done_seconds"] == 0
        # 17 s into a 30 s hold, nothing else happening: the server has most of it already,
        # so a killed browser would lose at most the last few seconds.
        for _ in range(22):
            page.clock.run_for(1_000)
        session = stored(live_server, page, lambda s: s["items"][0]["done_seconds"] >= 12)
        assert session["status"] == "in_progress"
        assert session["items"][0]["done_seconds"] <= 17
        assert errors == []


def test_a_session_that_could_not_be_saved_says_so_and_is_sent_later(
    browser: Any, live_server: Any
) -> None:
    arrange(live_server)

    def network_failure(text: str) -> bool:
        return "ERR_FAILED" in text or "Failed to fetch" in text

    with player(browser, live_server, "chair-childs-pose", ignore=network_failure) as (
        page,
        errors,
    ):
        page.route("**/api/sessions/**", lambda route: route.abort())
        uuid = page.get_attribute("#player", "data-session")
        start(page)
        page.clock.run_for(36_000)
        page.click("#skip-after")
        expect(page.locator("#save-status")).to_contain_text("Not saved yet")
        expect(page.locator("#summary-title")).to_have_text(
            "Session complete: 1 min of stretching."
        )
        expect(page.locator("#summary")).not_to_contain_text("saved.")  # only "Not saved yet"
        assert page.url.endswith("/play?items=chair-childs-pose")  # it stays on its summary
        status, _ = api(live_server, "GET", f"/api/sessions/{uuid}")
        assert status == 404
        page.unroute("**/api/sessions/**")
        page.reload()  # the copy kept in the browser is sent on the next visit
        session = stored(live_server, page, lambda s: s["status"] == "completed", uuid)
        assert errors == []
    assert session["status"] == "completed"
    assert session["pain_before"] == 3
    assert session["done_seconds"] == 30


def test_a_session_with_every_stretch_skipped_is_not_praised(
    browser: Any, live_server: Any
) -> None:
    arrange(live_server)

    def network_failure(text: str) -> bool:
        return "ERR_FAILED" in text or "Failed to fetch" in text

    with player(
        browser, live_server, "shoulder-rolls,chair-childs-pose", ignore=network_failure
    ) as (
        page,
        errors,
    ):
        page.route("**/api/sessions/**", lambda route: route.abort())
        start(page)
        page.click("#skip")
        page.click("#skip")
        expect(page.locator("#after")).to_be_visible()
        page.click("#after button[name=pain_after][value='3']")
        title = page.locator("#summary-title")
        expect(title).to_have_text(
            "No stretching was done this time. The routine is here whenever you want it."
        )
        expect(page.locator("#summary")).not_to_contain_text("complete")
        assert errors == []


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "390x844"), (LAPTOP, "1280x800")])
def test_screenshots_of_every_state_of_the_player(
    browser: Any, live_server: Any, artifacts: Path, viewport: dict[str, int], name: str
) -> None:
    """Keep a picture of each state for a person to look at (test-artifacts/player-*.png)."""
    arrange(live_server)

    def network_failure(text: str) -> bool:
        return "ERR_FAILED" in text or "Failed to fetch" in text

    items = "shoulder-rolls,seated-side-stretch,chair-childs-pose"
    shots: list[Path] = []
    with player(browser, live_server, items, viewport=viewport, ignore=network_failure) as (
        page,
        errors,
    ):

        def shoot(state: str) -> None:
            path = artifacts / f"player-{state}-{name}.png"
            page.screenshot(path=str(path))
            shots.append(path)

        shoot("before")
        start(page)
        shoot("get-ready")
        page.clock.run_for(5_500)
        expect(page.locator("#counter")).to_contain_text("Rep 1")
        shoot("rep")
        page.click("#pause")
        shoot("paused")
        page.click("#resume")
        page.click("#skip")
        page.clock.run_for(9_000)
        expect(page.locator("#player")).to_have_attribute("data-kind", "hold")
        shoot("hold")
        page.click("#end")
        shoot("end-confirm")
        page.click("#end-no")
        page.click("#stop")
        shoot("stop-menu")
        page.click("[data-signal=pain_rising]")
        expect(page.locator("#easing")).to_be_visible()
        shoot("pain-building")
        page.click("#easing-go")
        page.route("**/api/sessions/**", lambda route: route.abort())
        page.clock.run_for(36_000)
        expect(page.locator("#after")).to_be_visible()
        shoot("after")
        page.click("#after button[name=pain_after][value='2']")
        expect(page.locator("#save-status")).to_contain_text("Not saved yet")
        shoot("summary-not-saved")
        assert errors == []
    assert all(path.stat().st_size > 10_000 for path in shots)
