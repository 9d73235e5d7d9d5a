"""Every page checked in a real Chromium with axe-core, and by keyboard and reduced motion.

axe-core is vendored (tests/browser/vendor, test-only) and injected into a context that bypasses
the pages' Content Security Policy. Every HTML page the app serves must be in `VISITS`: a test
fails when a route exists that no visit covers, so a new page is checked from the day it lands.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, csrf_headers
from tests.factories import all_no_answers

VENDOR = Path(__file__).parent / "vendor"
AXE = VENDOR / "axe.min.js"
STATIC = Path(str(resources.files("backstretch.web").joinpath("static")))
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
SIZES = {"390x844": PHONE, "1280x800": LAPTOP}
FAILING_IMPACTS = ("serious", "critical")
# FastAPI's own API documentation, for developers: not a page of the app.
DEVELOPER_PAGES = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
PROFILE = {"areas": ["lower_back", "neck_shoulders"], "minutes": 10, "setting": "chair"}
LISTS = {**PROFILE, "favourites": ["shoulder-rolls"], "avoid": ["cobra"]}
PLAYED = "shoulder-rolls,chair-childs-pose"
STRETCH = "seated-cat-cow"
SESSION_UUID = "6f1c2a4e-8b7d-4c3a-9e5f-0a1b2c3d4e5f"
SHARE_TOKEN = "Kq3v_sharedRoutineForAxe-0123456"  # 32 characters, as `token_urlsafe(24)` gives


# Arranging what the server knows, as an earlier visit would have left it -----------------------


def api(server: LiveServer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
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


def screened(server: LiveServer, **answers: Any) -> None:
    status, _ = api(server, "POST", "/api/screen", all_no_answers(**answers))
    assert status == 200


def with_profile(server: LiveServer, data: dict[str, Any] = PROFILE) -> None:
    from backstretch.services.planning import remember_profile

    remember_profile(server.person(), data)


def ready(server: LiveServer) -> None:
    screened(server)
    with_profile(server)


def with_a_session(server: LiveServer) -> None:
    from backstretch.core.records import ItemRecord, SessionRecord, SessionStatus
    from backstretch.db import repository

    ready(server)
    started = datetime.now(UTC) - timedelta(hours=2)
    record = SessionRecord(
        uuid=SESSION_UUID,
        started_at=started,
        timezone="Europe/London",
        status=SessionStatus.COMPLETED,
        routine_name="My routine",
        planned_seconds=90,
        items=(
            ItemRecord(0, "shoulder-rolls", 60, 10, done_seconds=60, done_reps=10),
            ItemRecord(1, "chair-childs-pose", 30, 1, done_seconds=0, skipped=True),
        ),
        pain_before=5,
        pain_after=3,
    )
    with server.person().transaction() as session:
        repository.add_session(db=session, record=record, plan={}, at=started)


def with_an_ending(server: LiveServer, ending: str) -> None:
    """A session that ended as `ending` says: "completed", "stopped" (sharp pain, after one
    stretch) or "skipped" (every stretch passed over), for the reward page."""
    from backstretch.core.records import ItemRecord, SessionRecord, SessionStatus
    from backstretch.core.safety import StopSignal
    from backstretch.db import repository

    ready(server)
    started = datetime.now(UTC) - timedelta(minutes=15)
    done = {"completed": (60, 30), "stopped": (60, 0), "skipped": (0, 0)}[ending]
    record = SessionRecord(
        uuid=SESSION_UUID,
        started_at=started,
        timezone="Europe/London",
        status=SessionStatus.STOPPED if ending == "stopped" else SessionStatus.COMPLETED,
        routine_name="My routine",
        planned_seconds=90,
        items=(
            ItemRecord(0, "shoulder-rolls", 60, 10, done_seconds=done[0], skipped=not done[0]),
            ItemRecord(1, "chair-childs-pose", 30, 1, done_seconds=done[1], skipped=not done[1]),
        ),
        pain_before=5,
        pain_after=None if ending == "skipped" else 3,
        stop_signal=StopSignal.SHARP_PAIN if ending == "stopped" else None,
        stopped_stretch="chair-childs-pose" if ending == "stopped" else None,
    )
    with server.person().transaction() as session:
        repository.add_session(db=session, record=record, plan={}, at=started)


def nothing(server: LiveServer) -> None:
    """Arrange nothing: a first visit."""


def with_an_own_stretch(server: LiveServer) -> None:
    import yaml

    from backstretch.services.own_stretches import add_own_stretch
    from tests.factories import own_stretch_document

    add_own_stretch(server.person(), yaml.safe_dump(own_stretch_document("my-wall")), origin="w")


def with_a_share(server: LiveServer) -> None:
    """A routine built with notes and shared by link, under a token known to the visit."""
    from backstretch.db import repository
    from backstretch.services.sharing import build_routine

    ready(server)
    person = server.person()
    items = [
        {"stretch": "cat-cow", "way": "floor", "reps": 12, "note": "Slow, with the breath"},
        {"stretch": "knee-to-chest", "hold_seconds": 20, "note": "Keep the knee soft"},
    ]
    routine = build_routine(person, name="Kestrel mornings", items=items)
    with person.transaction() as db:
        repository.add_share(
            db=db,
            account_id=person.owner_id,
            token=SHARE_TOKEN,
            name=routine.name,
            document=routine.document,
            at=datetime.now(UTC),
        )


def with_reminders(server: LiveServer, **answers: Any) -> None:
    """Screened, a profile, and session times, a weekly target, quiet hours and desk breaks
    (issue #18); `answers` change the screening's."""
    from backstretch.services.reminders import save_schedule
    from backstretch.services.screening import record_screening

    record_screening(server.person(), all_no_answers(**answers))
    with_profile(server)
    weekdays = ["mon", "tue", "wed", "thu", "fri"]
    schedule = {
        "sessions": [{"days": ["mon", "wed", "fri"], "at": "08:30", "preset": "morning"}],
        "weekly_target": 3,
        "quiet": {"start": "22:00", "end": "07:00"},
        "breaks": {"days": weekdays, "start": "09:00", "end": "17:00"},
    }
    save_schedule(server.person(), schedule)


# Driving the browser to a page in the state to check ------------------------------------------


def expect(target: Any) -> Any:
    return pytest.importorskip("playwright.sync_api").expect(target)


def start_player(page: Any) -> None:
    page.click("#before button[name=pain_before][value='3']")  # one tap starts
    expect(page.locator("#running")).to_be_visible()


def register(page: Any) -> None:
    """Make an account in the browser (and so log in), then open the account page."""
    page.fill("#username", "ana")
    page.fill("#password", "four unrelated words here")
    page.fill("#password_again", "four unrelated words here")
    page.get_by_role("button", name="Make the account").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto(page.url.rstrip("/") + "/account")
    expect(page.locator("h1")).to_have_text("Your account")


def play_to_the_end(page: Any) -> None:
    start_player(page)
    timeline = json.loads(page.locator("#player-data").text_content())["timeline"]
    total_ms = timeline[-1]["start_ms"] + timeline[-1]["duration_ms"]
    for _ in range(0, total_ms + 2_000, 10_000):
        page.clock.run_for(10_000)
    expect(page.locator("#after")).to_be_visible()


@dataclass(frozen=True)
class Visit:
    """One page in one state: the route it covers, what the server knows, how to get there."""

    name: str
    route: str
    path: str = ""
    arrange: Callable[[LiveServer], None] = nothing
    then: Callable[[Any], None] | None = None
    status: int = 200
    clock: bool = False
    accounts: bool = False  # served with accounts (many people, each logging in)

    def url(self, server: LiveServer) -> str:
        return server.url + (self.path or self.route)


def playing(name: str, then: Callable[[Any], Any]) -> Visit:
    """A visit to the player over a short routine, on a fake clock, brought on by `then`."""
    return Visit(name, "/play", f"/play?items={PLAYED}", arrange=ready, clock=True, then=then)


VISITS: tuple[Visit, ...] = (
    Visit("welcome", "/"),
    Visit("welcome-screened", "/", arrange=ready),
    Visit("screen", "/screen"),
    Visit("screen-new-symptoms", "/screen", "/screen?new=1"),
    Visit("screen-weekly", "/screen", arrange=ready),
    Visit("result-self-care", "/screen/result", arrange=screened),
    Visit(
        "result-red-flag",
        "/screen/result",
        arrange=lambda server: screened(server, chest_pain=True),
    ),
    Visit(
        "result-see-a-clinician",
        "/screen/result",
        arrange=lambda server: screened(server, night_pain=True),
    ),
    Visit("profile", "/profile"),
    Visit("profile-with-lists", "/profile", arrange=lambda server: with_profile(server, LISTS)),
    Visit("plan-before-screening", "/plan", arrange=with_profile),
    Visit("plan", "/plan", arrange=ready),
    Visit(
        "plan-blocked",
        "/plan",
        arrange=lambda server: (screened(server, chest_pain=True), with_profile(server)),
    ),
    Visit("plan-edited", "/plan", f"/plan?items={PLAYED}", arrange=ready),
    Visit("replace", "/plan/replace", "/plan/replace?stretch=shoulder-rolls", arrange=ready),
    Visit("play-refused", "/play", status=409),
    Visit(
        "play-blocked",
        "/play",
        arrange=lambda server: (screened(server, chest_pain=True), with_profile(server)),
        status=409,
    ),
    Visit("play-ready", "/play", f"/play?items={PLAYED}", arrange=ready, clock=True),
    playing(
        "play-running",
        lambda page: (start_player(page), page.clock.run_for(9_000)),
    ),
    playing(
        "play-stop-menu",
        lambda page: (start_player(page), page.click("#stop")),
    ),
    playing(
        "play-after",
        play_to_the_end,
    ),
    playing(
        "play-summary",
        lambda page: (
            # A stopped session keeps its summary here (a saved one goes on to /done).
            start_player(page),
            page.click("#stop"),
            page.click("[data-signal=numbness_tingling]"),
            page.click("#skip-after"),
            expect(page.locator("#summary")).to_be_visible(),
        ),
    ),
    playing(
        "play-paused",
        lambda page: (start_player(page), page.click("#pause")),
    ),
    playing(
        "play-end-confirm",
        lambda page: (start_player(page), page.click("#end")),
    ),
    playing(
        "play-pain-building",
        lambda page: (
            start_player(page),
            page.click("#stop"),
            page.click("[data-signal=pain_rising]"),
            expect(page.locator("#easing")).to_be_visible(),
        ),
    ),
    playing(
        "play-stopped",
        lambda page: (
            start_player(page),
            page.click("#stop"),
            page.click("[data-signal=numbness_tingling]"),
            expect(page.locator("#stop-advice")).to_be_visible(),
        ),
    ),
    Visit("history-empty", "/history"),
    Visit("history", "/history", arrange=with_a_session),
    Visit(
        "history-session",
        "/history/{session_uuid}",
        f"/history/{SESSION_UUID}",
        arrange=with_a_session,
    ),
    *(
        Visit(
            f"reward-{ending}",
            "/sessions/{session_uuid}/done",
            f"/sessions/{SESSION_UUID}/done",
            arrange=lambda server, ending=ending: with_an_ending(server, ending),
        )
        for ending in ("completed", "stopped", "skipped")
    ),
    Visit("stretches", "/stretches"),
    Visit("stretches-filtered", "/stretches", "/stretches?position=chair&search=twist"),
    Visit("stretch", "/stretches/{stretch_id}", f"/stretches/{STRETCH}"),
    Visit("learn", "/learn"),
    Visit("learn-topic", "/learn/{topic}", "/learn/mistakes"),
    Visit("figures", "/figures"),
    Visit("settings", "/settings"),
    Visit("settings-saved", "/settings", "/settings?saved=1"),
    Visit("data", "/data"),
    Visit("data-deleted", "/data", "/data?done=deleted"),
    Visit(
        "problem",
        "/profile",
        then=lambda page: (
            page.get_by_role("button", name="Save and see today's routine").click(),
            expect(page.locator(".problems")).to_be_visible(),
        ),
    ),
    Visit(
        "error-unknown-stretch",
        "/stretches/{stretch_id}",
        "/stretches/no-such-stretch",
        status=404,
    ),
    Visit(
        "error-unknown-topic",
        "/learn/{topic}",
        "/learn/no-such-topic",
        status=404,
    ),
    Visit("error-unknown-page", "/", "/no-such-page", status=404),
    Visit("error-bad-filter", "/stretches", "/stretches?area=nowhere", status=422),
    Visit("routines-none", "/routines"),
    Visit(
        "routines",
        "/routines",
        "/plan",
        arrange=ready,
        then=lambda page: (
            page.get_by_label("Name", exact=True).fill("Desk break"),
            page.locator("form[action='/routines'] button[type=submit]").click(),
            expect(page.locator("main")).to_contain_text("Desk break"),
        ),
    ),
    # Routines from a therapist: the builder's two steps, the shares list, a shared routine.
    Visit("routine-builder", "/routines/build", arrange=with_an_own_stretch),
    Visit(
        "routine-builder-doses",
        "/routines/build",
        "/routines/build?pick=cat-cow&pick=knee-to-chest&pick=chin-tuck",
    ),
    Visit("routines-shared", "/routines", "/routines?done=shared", arrange=with_a_share),
    Visit("shared-routine", "/r/{token}", f"/r/{SHARE_TOKEN}", arrange=with_a_share),
    Visit("shared-routine-gone", "/r/{token}", "/r/" + "B" * 32, status=404),
    # Reminders (#18): the schedule, the desk break ready to start, and the break while blocked.
    Visit("reminders-none", "/reminders"),
    Visit("reminders", "/reminders", arrange=with_reminders),
    Visit("break", "/break", "/break?key=desk_break%3A2026-11-02T10%3A40", arrange=with_reminders),
    Visit(
        "break-blocked",
        "/break",
        arrange=lambda server: with_reminders(server, chest_pain=True),
        status=409,
    ),
    Visit("safety", "/safety"),
    Visit("offline", "/offline"),
    # The account pages exist when the app serves many people; each is checked once its
    # route exists (and skipped until then).
    Visit("login", "/login", accounts=True),
    Visit("register", "/register", accounts=True),
    Visit(
        "register-problem",
        "/register",
        accounts=True,
        then=lambda page: (
            page.fill("#username", "ana"),
            page.fill("#password", "four unrelated words here"),
            page.fill("#password_again", "other words entirely"),
            page.get_by_role("button", name="Make the account").click(),
            expect(page.locator(".problems")).to_be_visible(),
        ),
    ),
    Visit("account", "/account", "/register", accounts=True, then=register),
    Visit("logged-out", "/logged-out", accounts=True),
    Visit("logged-out-deleted", "/logged-out", "/logged-out?deleted=1", accounts=True),
)


# What the app serves ---------------------------------------------------------------------------


def flat_routes(routes: Any) -> Iterator[Any]:
    """Yield every route, those of included routers too (newer FastAPI includes them lazily)."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            yield from contexts()
        else:
            yield route


def page_routes(app: Any) -> dict[str, Any]:
    """Return the GET routes that may be pages: hidden from the API schema, not the API docs."""
    return {
        route.path: route
        for route in flat_routes(app.routes)
        if "GET" in (getattr(route, "methods", None) or ())
        and not getattr(route, "include_in_schema", True)
        and route.path not in DEVELOPER_PAGES
    }


def declares_html(route: Any) -> bool:
    declared = getattr(route, "response_class", None)
    declared = getattr(declared, "value", declared)  # FastAPI wraps defaults in a placeholder
    return isinstance(declared, type) and declared.__name__ == "HTMLResponse"


def html_routes(app: Any, client: Any) -> set[str]:
    """Return the routes that answer a browser with HTML: declared so, or found so when asked."""
    found = set()
    for path, route in page_routes(app).items():
        if declares_html(route):
            found.add(path)
        elif "{" not in path:
            answer = client.get(path, headers={"accept": "text/html"}, follow_redirects=False)
            if answer.headers.get("content-type", "").startswith("text/html"):
                found.add(path)
    return found


def test_every_html_page_of_the_app_is_visited(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from backstretch.config import Settings
    from backstretch.web.app import create_app

    app = create_app(Settings(data_dir=tmp_path, emergency_number="999"))
    with TestClient(app) as client:
        pages = html_routes(app, client)
    assert {"/", "/screen", "/play", "/history/{session_uuid}"} <= pages  # the search works
    missing = pages - {visit.route for visit in VISITS}
    assert not missing, f"add a Visit to VISITS for each of these pages: {sorted(missing)}"


def test_a_browser_gets_an_error_page_and_other_clients_json(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from backstretch.config import Settings
    from backstretch.web.app import create_app

    browser_accepts = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    with TestClient(create_app(Settings(data_dir=tmp_path))) as client:
        page = client.get("/stretches/no-such-stretch", headers=browser_accepts)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert '<html lang="en">' in page.text and "<h1>Page not found</h1>" in page.text
        assert client.get("/stretches/no-such-stretch").json()["detail"]
        api = client.get("/api/stretches/no-such-stretch", headers=browser_accepts)
        assert api.status_code == 404 and api.json()["detail"]


def test_axe_is_the_recorded_version_and_not_shipped() -> None:
    record = (VENDOR / "VENDORED.md").read_text(encoding="utf-8")
    rows = re.findall(r"\| `([^`]+)` \|[^\n]*`([0-9a-f]{64})`", record)
    assert [name for name, _ in rows] == ["axe.min.js", "axe-core-LICENSE.txt"]
    for name, digest in rows:
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    assert "axe-core" in record and "MPL-2.0" in record
    version = re.search(r"\| `axe\.min\.js` \|[^|]*\| (\d+\.\d+\.\d+) \|", record)
    assert version is not None
    assert AXE.read_text(encoding="utf-8").startswith(f"/*! axe v{version.group(1)}\n")
    assert not list(STATIC.rglob("axe*")), "axe-core is for the tests only"


# Running a page in Chromium --------------------------------------------------------------------


def dark_variant() -> bool:
    """Tell whether the app's style sheets have a dark colour scheme to check as well."""
    sheets = [path.read_text(encoding="utf-8") for path in STATIC.rglob("*.css")]
    return any(re.search(r"prefers-color-scheme:\s*dark", sheet) for sheet in sheets)


def server_for(request: pytest.FixtureRequest, visit: Visit) -> LiveServer:
    server: LiveServer = request.getfixturevalue(
        "accounts_live_server" if visit.accounts else "live_server"
    )
    return server


@contextmanager
def opened(
    browser: Any,
    server: LiveServer,
    visit: Visit,
    viewport: dict[str, int],
    *,
    reduced_motion: str = "no-preference",
) -> Iterator[Any]:
    """Open the visit's page in a fresh context that lets axe in, and bring it to its state."""
    if visit.route not in {route.path for route in flat_routes(server.app.routes)}:
        pytest.skip(f"{visit.route} is not a page of the app yet")
    visit.arrange(server)
    # No service worker: it would fetch every page to keep it, slowing the checks for nothing.
    context = browser.new_context(
        viewport=viewport,
        bypass_csp=True,
        reduced_motion=reduced_motion,
        service_workers="block",
    )
    page = context.new_page()
    try:
        if visit.clock:
            page.clock.install()
        response = page.goto(visit.url(server))
        assert response is not None
        assert "text/html" in response.headers.get("content-type", ""), visit.name
        assert response.status == visit.status, (visit.name, response.status)
        if visit.then is not None:
            visit.then(page)
        yield page
    finally:
        context.close()


AXE_RUN = """async (options) => {
  const results = await axe.run(document, options);
  const ran = [...results.passes, ...results.violations, ...results.incomplete].map(r => r.id);
  return {ran: ran, violations: results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}))};
}"""
# Every rule axe runs by default, color-contrast named so that nothing can have turned it off.
AXE_OPTIONS = {"rules": {"color-contrast": {"enabled": True}}, "resultTypes": ["violations"]}


def run_axe(page: Any) -> dict[str, Any]:
    """Run axe-core on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    results: dict[str, Any] = page.evaluate(AXE_RUN, AXE_OPTIONS)
    assert "color-contrast" in results["ran"]
    return results


def described(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"    {violation['url']}")
        for node in violation["nodes"][:8]:
            summary = " ".join((node["summary"] or "").split())[:300]
            lines.append(f"    - {node['target']}: {summary}")
    return "\n".join(lines)


@pytest.mark.slow  # a real Chromium
@pytest.mark.parametrize("visit", VISITS, ids=lambda visit: visit.name)
def test_axe_finds_nothing_serious(
    browser: Any, request: pytest.FixtureRequest, artifacts: Path, visit: Visit
) -> None:
    """axe-core on every page at both sizes, and in dark mode if the style sheets have one."""
    schemes = ["light", "dark"] if dark_variant() else ["light"]
    failing = []
    (artifacts / "axe").mkdir(exist_ok=True)
    # One page brought to its state once, then measured at each size and in each scheme.
    with opened(browser, server_for(request, visit), visit, PHONE) as page:
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            found = {}
            for scheme in schemes:
                page.emulate_media(color_scheme=scheme)
                found[scheme] = run_axe(page)["violations"]
                serious = [v for v in found[scheme] if v["impact"] in FAILING_IMPACTS]
                if serious:
                    failing.append(f"{visit.name} at {size}, {scheme}:\n{described(serious)}")
            report = artifacts / "axe" / f"{visit.name}-{size}.json"
            report.write_text(json.dumps(found, indent=2), encoding="utf-8")
    assert not failing, "\n".join(failing)


# The keyboard ----------------------------------------------------------------------------------

# What shows focus: an outline or a shadow on the element, or on the label or the tile drawn for
# a visually hidden input (the pain scale's radios draw their focus on the tile next to them).
# An outline also needs 3:1 contrast with what is behind it (WCAG 1.4.11, non-text contrast).
FOCUS_LOOK = """(element) => {
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const opaque = (colour) => colour.length === 3 || (colour.length === 4 && colour[3] > 0.5);
  const behind = (node) => {
    for (let at = node; at; at = at.parentElement) {
      const colour = rgb(getComputedStyle(at).backgroundColor);
      if (opaque(colour)) return colour;
    }
    return [255, 255, 255];
  };
  const luminance = (colour) => {
    const [r, g, b] = colour.slice(0, 3).map((value) => {
      const v = value / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (one, two) => {
    const [light, dark] = [luminance(one), luminance(two)].sort((a, b) => b - a);
    return (light + 0.05) / (dark + 0.05);
  };
  const look = (node) => {
    if (!node) return null;
    const style = getComputedStyle(node);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
      && style.outlineColor !== 'rgba(0, 0, 0, 0)';
    // An input drawn as something else (opacity 0) shows nothing itself.
    if (parseFloat(style.opacity) === 0) return {outline: 'none', shadow: 'none', contrast: 0};
    return {outline: outline ? [style.outlineStyle, style.outlineWidth, style.outlineColor]
      .join(' ') : 'none', shadow: style.boxShadow,
      contrast: outline ? contrast(rgb(style.outlineColor), behind(node.parentElement)) : 0};
  };
  const target = element || document.activeElement;
  return [look(target), look(target.nextElementSibling), look(target.parentElement)];
}"""
FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const label = (element.getAttribute('aria-label') || element.textContent || element.name
    || element.id || element.tagName).trim().replace(/\\s+/g, ' ').slice(0, 60);
  // Each element numbered once, so two links with the same words are told apart.
  window.focusNumbers = window.focusNumbers || new WeakMap();
  if (!window.focusNumbers.has(element)) {
    window.focusNumbers.set(element, (window.focusCount = (window.focusCount || 0) + 1));
  }
  return {tag: element.tagName.toLowerCase(), label: label,
          key: String(window.focusNumbers.get(element))};
}"""


def focus_shows(focused: list[Any], unfocused: list[Any]) -> bool:
    """Tell whether focus visibly changed the element (or its tile or label), in clear contrast."""
    for now, before in zip(focused, unfocused, strict=True):
        if now is None or before is None:
            continue
        if now["outline"] not in ("none", before["outline"]) and now["contrast"] >= 3:
            return True
        if now["shadow"] not in ("none", before["shadow"]):
            return True
    return False


def walk_with_tab(page: Any, limit: int = 250) -> Iterator[dict[str, Any]]:
    """Press Tab through the page once round, yielding what each press focused."""
    seen: set[str] = set()
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is None:
            continue
        if focused["key"] in seen:
            return
        seen.add(focused["key"])
        yield focused
    raise AssertionError(f"Tab did not come round again within {limit} presses")


@pytest.mark.slow  # a real Chromium
@pytest.mark.parametrize("visit", VISITS, ids=lambda visit: visit.name)
def test_every_element_reached_by_tab_shows_its_focus(
    browser: Any, request: pytest.FixtureRequest, visit: Visit
) -> None:
    with opened(browser, server_for(request, visit), visit, LAPTOP) as page:
        page.evaluate("document.activeElement && document.activeElement.blur()")
        unseen = []
        reached = 0
        for focused in walk_with_tab(page):
            reached += 1
            with_focus = page.evaluate(FOCUS_LOOK, None)
            handle = page.evaluate_handle("document.activeElement")
            handle.evaluate("element => element.blur()")
            without = handle.evaluate(FOCUS_LOOK)
            handle.evaluate("element => element.focus()")
            if not focus_shows(with_focus, without):
                unseen.append(f"<{focused['tag']}> {focused['label']!r}: {with_focus}")
        assert reached >= 2, "Tab reached nothing"
        assert not unseen, "no visible focus on:\n" + "\n".join(unseen)


SKIP_LINK_PAGES = ("/", "/screen", "/stretches", "/learn", "/history", "/settings", "/data")


@pytest.mark.slow  # a real Chromium
@pytest.mark.parametrize("path", SKIP_LINK_PAGES)
def test_the_first_tab_reaches_the_skip_link_and_it_moves_focus_to_main(
    browser: Any, live_server: LiveServer, path: str
) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(live_server.url + path)
        page.keyboard.press("Tab")
        skip = page.locator("a.skip")
        expect(skip).to_be_focused()
        expect(skip).to_have_attribute("href", "#main")
        expect(skip).to_be_in_viewport()  # shown on screen while it has the focus
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
        page.keyboard.press("Tab")  # and the next stop is inside the content
        assert page.evaluate("document.querySelector('main').contains(document.activeElement)")
    finally:
        context.close()


@pytest.mark.slow  # a real Chromium
def test_the_player_works_from_the_keyboard_alone(browser: Any, live_server: LiveServer) -> None:
    """Choose the pain (which starts), pause, skip, back, stop, carry on, end: no mouse."""
    ready(live_server)
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.clock.install()
    try:
        page.goto(f"{live_server.url}/play?items={PLAYED}")
        names = [
            i["name"] for i in json.loads(page.locator("#player-data").text_content())["items"]
        ]
        focused = page.locator(":focus")
        for _ in range(80):  # Tab to the pain scale: each number is a button that starts
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.name") == "pain_before":
                break
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        expect(focused).to_have_text("2")
        page.keyboard.press("Enter")
        expect(page.locator("#running")).to_be_visible()
        expect(page.locator("#pause")).to_be_focused()  # focus moves to the session's controls
        page.keyboard.press("Enter")
        expect(page.locator("#state")).to_have_text("Paused")
        page.keyboard.press("Enter")
        expect(page.locator("#state")).not_to_have_text("Paused")
        page.keyboard.press("Tab")
        expect(page.locator("#skip")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#stretch-name")).to_have_text(names[1])
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        expect(page.locator("#back")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#stretch-name")).to_have_text(names[0])
        page.keyboard.press("s")
        expect(page.locator("#stop-menu")).to_be_visible()
        expect(page.locator("#stop-menu .signal").first).to_be_focused()
        page.keyboard.press("Escape")
        expect(page.locator("#running")).to_be_visible()
        expect(page.locator("#pause")).to_be_focused()
        for _ in range(40):  # the stop button comes last, in the bar fixed at the bottom
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "stop":
                break
        expect(page.locator("#stop")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#stop-menu")).to_be_visible()
        for _ in range(10):  # Tab down the signals to "pain building", which ends no session
            if page.evaluate("document.activeElement.dataset.signal") == "pain_rising":
                break
            page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(page.locator("#easing")).to_be_visible()  # paused on its advice
        expect(page.locator("#easing-go")).to_be_focused()
        page.keyboard.press("Enter")  # carry on when ready
        expect(page.locator("#player")).to_have_attribute("data-state", "running")
        page.keyboard.press("q")  # ending asks first, the safe answer focused
        expect(page.locator("#end-confirm")).to_be_visible()
        expect(page.locator("#end-no")).to_be_focused()
        page.keyboard.press("Shift+Tab")
        expect(page.locator("#end-yes")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#after")).to_be_visible()
        assert page.evaluate("document.activeElement.closest('#after') !== null")
        assert errors == []
    finally:
        context.close()


@pytest.mark.slow  # a real Chromium
def test_the_library_announces_its_count_from_a_region_that_stays(
    browser: Any, live_server: LiveServer
) -> None:
    """Filtering swaps the list; the count is a status that stays and changes its words."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/stretches")
        status = page.get_by_role("status")
        expect(status).to_have_count(1)
        element = status.element_handle()
        page.get_by_label("Search").press_sequentially("cobra")
        expect(page.locator("#results li")).to_have_count(1)
        expect(status).to_have_text("1 stretch")
        assert element.evaluate("element => element.isConnected")  # the same one, announced
    finally:
        context.close()


# Reduced motion --------------------------------------------------------------------------------

MOVING = """() => {
  const seconds = (value) => Math.max(...value.split(',').map(part => parseFloat(part) || 0));
  const moving = [];
  for (const element of document.querySelectorAll('*')) {
    const style = getComputedStyle(element);
    const animated = style.animationName !== 'none' && seconds(style.animationDuration) > 0;
    const transitioned = style.transitionProperty !== 'none'
      && seconds(style.transitionDuration) > 0;
    if (animated || transitioned) {
      moving.push(element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
        + (element.classList.length ? '.' + [...element.classList].join('.') : '')
        + ' ' + style.animationName + ' ' + style.transitionProperty + ' '
        + style.transitionDuration);
    }
  }
  return {moving: moving, running: document.getAnimations().length};
}"""
MOTION_VISITS = [v for v in VISITS if v.name in {"welcome", "stretches", "history", "play-ready"}]


def breathing(page: Any) -> None:
    """Start a session and wait for a breath that moves the ball and the figure."""
    start_player(page)
    for _ in range(20):
        page.clock.run_for(1_000)
        if page.get_attribute("#player", "data-breath") in ("inhale", "exhale"):
            return
    raise AssertionError("no breath came within 20 s")


@pytest.mark.slow  # a real Chromium
@pytest.mark.parametrize("visit", MOTION_VISITS, ids=lambda visit: visit.name)
def test_reduced_motion_stops_every_animation_and_transition(
    browser: Any, live_server: LiveServer, visit: Visit
) -> None:
    with opened(browser, live_server, visit, PHONE, reduced_motion="reduce") as page:
        if visit.name == "play-ready":
            breathing(page)
        state = page.evaluate(MOVING)
    assert state == {"moving": [], "running": 0}


@pytest.mark.slow  # a real Chromium
def test_without_reduced_motion_the_breath_does_move(browser: Any, live_server: LiveServer) -> None:
    """The check above can see motion: the breathing ball is animated for everyone else."""
    [visit] = [v for v in VISITS if v.name == "play-ready"]
    with opened(browser, live_server, visit, PHONE) as page:
        breathing(page)
        state = page.evaluate(MOVING)
    assert any("breath-ball" in element for element in state["moving"]), state


@pytest.mark.slow  # a real Chromium
@pytest.mark.parametrize(
    "ring", ["outline: none", "outline: 3px solid #f0b429"], ids=["no-ring", "faint-ring"]
)
def test_the_checks_can_fail(browser: Any, live_server: LiveServer, ring: str) -> None:
    """axe sees a low-contrast, unlabelled control; the focus check, a missing or faint ring."""
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/settings")
        page.add_style_tag(
            content="main button { color: #bbb !important; background: #fff !important; } "
            f"main button:focus-visible {{ {ring} !important; box-shadow: none !important; }}"
        )
        page.evaluate(
            "document.querySelector('input[name=lead_in_seconds]').closest('label')"
            ".replaceWith(document.createElement('input'))"
        )
        ids = {violation["id"] for violation in run_axe(page)["violations"]}
        assert {"color-contrast", "label"} <= ids
        button = page.locator("main button[type=submit]")
        button.focus()
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Tab")  # focused from the keyboard, as :focus-visible wants
        expect(button).to_be_focused()
        with_focus = button.evaluate(FOCUS_LOOK)
        button.evaluate("element => element.blur()")
        assert not focus_shows(with_focus, button.evaluate(FOCUS_LOOK))
    finally:
        context.close()
