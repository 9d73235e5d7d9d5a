"""The guided session in a real Chromium: played to the end, stopped, stalled, spoken, still.

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
) -> Iterator[tuple[Any, list[str]]]:
    """Open the player page; yield it with the console errors (CSP refusals among them)."""
    context = browser.new_context(viewport=viewport, reduced_motion=reduced_motion)
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
    try:
        yield page, errors
    finally:
        context.close()


def start(page: Any, pain: int = 3) -> None:
    page.check(f"input[name=pain_before][value='{pain}']")
    page.click("button.start")
    expect(page.locator("#running")).to_be_visible()


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


def test_a_session_played_to_the_end_is_saved(browser: Any, live_server: Any) -> None:
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
        page.check("input[name=pain_after][value='2']")
        page.click("#after-form button[type=submit]")
        expect(page.locator("#summary-title")).to_have_text("Session complete: 0:30 of stretching.")
        expect(page.locator("#summary-pain")).to_have_text("Pain before: 4. Pain after: 2.")
        expect(page.locator("#save-status")).to_have_text("Saved.")
        expect(page.locator("#summary a[href='/history']")).to_be_visible()
        session = stored(live_server, page, lambda s: s["pain_after"] is not None)
        assert errors == []
    assert session["status"] == "completed"
    assert session["pain_before"] == 4
    assert session["pain_after"] == 2
    assert session["done_seconds"] == 30
    [item] = session["items"]
    assert (item["done_seconds"], item["done_reps"], item["skipped"]) == (30, 1, False)
    status, history = api(live_server, "GET", "/api/history")
    assert status == 200 and len(history) == 1


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
        expect(page.locator("#summary-title")).to_have_text(
            "Session stopped: 0:03 of stretching saved."
        )
        assert errors == []
    status, answer = api(live_server, "POST", "/api/plan", {"profile": PROFILE})
    assert status == 409
    assert answer["blocked"] is True


def test_keys_open_the_stop_menu_and_pain_building_ends_only_that_stretch(
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
        expect(page.locator("#notice")).to_have_text(advice_for("pain_rising"))
        expect(page.locator("#stretch-name")).to_have_text(second)
        expect(page.locator("#player")).to_have_attribute("data-state", "running")
        session = stored(live_server, page, lambda s: s["stop_signal"] == "pain_rising")
        assert session["status"] == "in_progress"
        assert session["stopped_stretch"] == data_of(page)["items"][0]["stretch"]
        status, _ = api(live_server, "POST", "/api/plan", {"profile": PROFILE})
        assert status == 200  # pain building opens no block
        page.clock.run_for(40_000)
        page.click("#skip-after")
        expect(page.locator("#summary-eased")).to_have_text(
            f"{first}: ended early because the pain was building."
        )
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
        expect(page.locator("#item-count")).to_have_text("2 of 2")
        page.keyboard.press("b")  # in the first 3 seconds of a stretch: back to the one before
        expect(page.locator("#stretch-name")).to_have_text(first)
        expect(page.locator("#state")).to_have_text("Get ready")
        page.click("#skip")
        page.clock.run_for(5_000)
        page.keyboard.press("ArrowLeft")  # later in a stretch: back to its start
        expect(page.locator("#stretch-name")).to_have_text(second)
        expect(page.locator("#state")).to_have_text("Get ready")
        page.keyboard.press("q")
        expect(page.locator("#summary-title")).to_contain_text("Session ended early")
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
        page.check("input[name=pain_before][value='2']")
        before = time.monotonic()
        page.click("button.start")
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


def test_the_cue_is_spoken_and_the_voice_can_be_turned_off(browser: Any, live_server: Any) -> None:
    arrange(live_server)
    with player(browser, live_server, "shoulder-rolls") as (page, errors):

        def said() -> list[str]:
            texts: list[str] = page.evaluate("window.spokenTexts")
            return texts

        start(page)
        expect(page.locator("#said")).to_have_text("Get ready: Shoulder rolls.")
        assert said() == ["Get ready: Shoulder rolls."]
        page.clock.run_for(5_000)
        expect(page.locator("#said")).to_have_text("Breathe in.")
        assert said()[-1] == "Breathe in."
        page.keyboard.press("v")
        expect(page.locator("#voice")).to_have_attribute("aria-pressed", "false")
        expect(page.locator("#voice")).to_have_text("Voice: off")
        expect(page.locator("#said")).to_have_text("")
        count = len(said())
        page.clock.run_for(3_000)
        expect(page.locator("#player")).to_have_attribute("data-breath", "exhale")
        expect(page.locator("#cue")).not_to_be_empty()
        assert len(said()) == count  # nothing spoken with the voice off
        page.locator("#voice").click()
        page.clock.run_for(3_000)
        expect(page.locator("#said")).to_have_text("Breathe in.")
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


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "390x844"), (LAPTOP, "1280x800")])
def test_the_running_player_fits_the_screen(
    browser: Any, live_server: Any, artifacts: Path, viewport: dict[str, int], name: str
) -> None:
    arrange(live_server)
    with player(browser, live_server, "seated-side-stretch", viewport=viewport) as (page, errors):
        start(page)
        page.clock.run_for(9_000)
        expect(page.locator("#player")).to_have_attribute("data-kind", "hold")
        expect(page.locator("#side")).to_have_text("Left side")
        stop = page.locator("#stop").bounding_box()
        assert stop is not None
        assert stop["y"] >= 0 and stop["y"] + stop["height"] <= viewport["height"]  # in view
        countdown = page.locator("#countdown").bounding_box()
        assert countdown is not None and countdown["y"] + countdown["height"] <= stop["y"]
        for button in page.locator("#running button, #stop").all():
            box = button.bounding_box()
            assert box is not None and box["height"] >= 44 and box["width"] >= 44
        path = artifacts / f"player-{name}.png"
        page.screenshot(path=str(path))
        assert errors == []
    assert path.stat().st_size > 10_000


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
        status, _ = api(live_server, "GET", f"/api/sessions/{uuid}")
        assert status == 404
        page.unroute("**/api/sessions/**")
        page.reload()  # the copy kept in the browser is sent on the next visit
        session = stored(live_server, page, lambda s: s["status"] == "completed", uuid)
        assert errors == []
    assert session["status"] == "completed"
    assert session["pain_before"] == 3
    assert session["done_seconds"] == 30
