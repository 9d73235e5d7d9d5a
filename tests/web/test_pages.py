"""The HTML pages work without JavaScript: plain links and GET forms."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from backstretch.services.reminders import ScheduleChange, change_schedule
from tests.factories import all_no_answers
from tests.fakes import FakeNow
from tests.web.conftest import local_person

TEMPLATES_DIR = Path(str(resources.files("backstretch.web").joinpath("templates")))


def test_the_welcome_page_shows_the_disclaimer(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "Please read" in page.text
    assert "not a medical device" in page.text or "not medical advice" in page.text
    assert '<html lang="en">' in page.text


def test_the_library_filters_with_a_plain_form(client: TestClient) -> None:
    everything = client.get("/stretches").text
    chairs = client.get("/stretches", params={"position": "chair", "area": ""}).text
    assert "Cat-cow" in everything
    assert "Seated cat-cow" in chairs
    assert ">Cat-cow<" not in chairs
    assert client.get("/stretches", params={"search": "cobra"}).text.count('href="/stretches/') == 1


def test_a_bad_filter_is_a_422_not_a_crash(client: TestClient) -> None:
    assert client.get("/stretches", params={"position": "upside_down"}).status_code == 422


def test_a_stretch_page_has_its_figure_steps_cautions_and_sources(client: TestClient) -> None:
    page = client.get("/stretches/cat-cow")
    assert page.status_code == 200
    start = page.text.index("<svg")
    end = page.text.index("</svg>") + len("</svg>")
    svg = ET.fromstring(page.text[start:end])
    assert svg.find("{http://www.w3.org/2000/svg}title") is not None
    for heading in ("Set up", "Stop if", "Sources"):
        assert heading in page.text
    assert "000_5749af37cd5b2802.txt" in page.text
    assert client.get("/stretches/nope").status_code == 404


def test_static_files_are_served(client: TestClient) -> None:
    css = client.get("/static/app.css")
    assert css.status_code == 200
    assert "prefers-reduced-motion" in css.text


def test_learn_lists_the_topics_and_a_topic_renders_with_its_sources(client: TestClient) -> None:
    index = client.get("/learn").text
    assert 'href="/learn/mistakes"' in index
    page = client.get("/learn/mistakes")
    assert page.status_code == 200
    assert "<h2>Bouncing</h2>" in page.text
    assert "002_037d46966b935319.txt" in page.text
    assert client.get("/learn/nothing-here").status_code == 404


def test_the_figure_gallery_draws_every_stretch(client: TestClient) -> None:
    page = client.get("/figures").text
    stretches = client.get("/api/stretches").json()
    for stretch in stretches:
        assert f'data-stretch="{stretch["id"]}"' in page
    assert page.count("<svg") >= 2 * len(stretches)
    assert "<style" not in page  # the gallery's look comes from app.css under the policy


TEXT_ATTRIBUTES = re.compile(r'\s(?:aria-label|title|placeholder|alt)="([^"{]*[A-Za-z][^"]*)"')


def test_every_template_string_goes_through_gettext() -> None:
    """Letters outside {{ }} and {% %} in a template would be English no catalogue can change."""
    for template in TEMPLATES_DIR.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        code_free = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text, flags=re.S)
        assert not TEXT_ATTRIBUTES.search(code_free), template.name
        content = re.sub(r"<[^>]*>", " ", code_free)
        content = re.sub(r"&[a-z]+;|&#\d+;", " ", content)
        leftover = re.findall(r"[A-Za-z]{2,}", content)
        assert not leftover, f"{template.name}: {leftover[:5]}"


def test_every_library_card_has_its_figure(client: TestClient) -> None:
    page = client.get("/stretches").text
    cards = page.split('<li class="with-figure">')[1:]
    assert len(cards) == len(client.get("/api/stretches").json())
    for card in cards:
        assert "<svg" in card.split("</li>")[0]


def test_a_stretch_page_says_why_it_stays_out_of_your_plans(client: TestClient) -> None:
    # "Why not cobra?" asked of someone whose screening rules out holding the back arched: the
    # page answers in plain words; a stretch that may be planned says nothing of the kind.
    answers = all_no_answers(stenosis_or_spondylolisthesis=True)
    assert client.post("/api/screen", json=answers).status_code == 200
    cobra = client.get("/stretches/cobra").text
    assert "Not in your plans" in cobra
    assert "it holds the back arched" in cobra
    assert "Not in your plans" not in client.get("/stretches/cat-cow").text


def test_a_stretch_page_shows_every_way_with_its_set_up(client: TestClient) -> None:
    page = client.get("/stretches/knee-to-chest").text
    assert "Set up, on the floor" in page
    assert "Set up, on a bed" in page
    assert "Lie on your back on your bed" in page
    assert page.count("<svg") == 2  # the floor figure, and the same pose drawn on a bed


def test_a_way_with_its_own_movement_shows_it_under_its_set_up(client: TestClient) -> None:
    page = client.get("/stretches/hamstring-stretch").text
    assert "Movement, on a chair" in page
    assert "Movement, on the floor" in page
    assert "<h2>Movement</h2>" not in page  # every way says its own: no shared list to repeat


# ---- home: a new person, a returning person, the weekly check -----------------------------

PROFILE = {"areas": ["lower_back"], "minutes": "10", "setting": "floor"}


def main_part(page: str) -> str:
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def start_buttons(page: str) -> list[str]:
    """Return where the big buttons of the page's main part lead."""
    return re.findall(r'<a class="button start" href="([^"]+)"', main_part(page))


def play_a_session(client: TestClient, started_at: str, before: int, after: int) -> None:
    """Record a finished session the way the player does (PUT at the start, PUT at the end)."""
    plan = client.post("/api/plan", json={"preset": "desk-break"}).json()
    items = [
        {k: item[k] for k in ("stretch", "sets", "reps", "sides", "hold_seconds")}
        for item in plan["items"]
    ]
    body: dict[str, Any] = {
        "routine_name": "Desk break",
        "items": items,
        "started_at": started_at,
        "pain_before": before,
    }
    url = f"/api/sessions/{uuid.uuid4()}"
    assert client.put(url, json=body).status_code == 200
    done = [{"position": 0, "done_seconds": 60, "done_reps": plan["items"][0]["reps"]}]
    finished = {**body, "status": "completed", "pain_after": after, "done": done}
    assert client.put(url, json=finished).status_code == 200


def test_a_new_person_reads_the_disclaimer_once_and_has_one_button(client: TestClient) -> None:
    home = client.get("/").text
    assert main_part(home).count("not a medical device") == 1
    assert start_buttons(home) == ["/screen?step=1"]
    assert "I understand, start the safety check" in home
    first_questions = client.get("/screen?step=1").text
    assert "not a medical device" not in first_questions  # not asked to read it twice


def test_a_returning_person_sees_today_one_start_the_streak_and_the_pain_change(
    screened: TestClient,
) -> None:
    screened.post("/profile", data=PROFILE)
    play_a_session(screened, "2026-11-01T09:00:00+00:00", before=6, after=4)
    play_a_session(screened, "2026-11-02T08:00:00+00:00", before=5, after=3)
    home = screened.get("/").text
    main = main_part(home)
    assert start_buttons(home) == ["/play"]
    assert re.search(r"\d+ min · \d+ stretches", main)  # today's routine in one line
    assert "not a medical device" not in main  # the disclaimer was read the first time
    figures = re.sub(r"<[^>]+>", " ", main.split('class="figures"', 1)[1])
    assert re.search(r"\b2\s+days in a row", figures)  # yesterday and today
    assert re.search(r"\b1\s+day this week", figures)  # 2 November 2026 is a Monday
    assert "5 → 3" in figures and "6 → 4" not in figures  # the latest session's change


def test_the_weekly_target_shows_as_days_of_the_target(screened: TestClient) -> None:
    screened.post("/profile", data=PROFILE)
    change_schedule(local_person(screened), ScheduleChange(weekly_target=4))
    play_a_session(screened, "2026-11-02T08:00:00+00:00", before=3, after=3)
    main = re.sub(r"<[^>]+>", " ", main_part(screened.get("/").text))
    assert re.search(r"1 of 4\s+days this week", main)


def test_when_the_weekly_check_is_due_start_goes_through_it(
    screened: TestClient, clock: FakeNow
) -> None:
    screened.post("/profile", data=PROFILE)
    clock.value += timedelta(days=8)
    home = screened.get("/").text
    assert start_buttons(home) == ["/screen?next=/play"]
    assert "weekly safety check comes first" in home
    weekly = screened.get("/screen?next=/play").text
    assert '<input type="hidden" name="then" value="/play">' in weekly
    answer = screened.post(
        "/screen", data={"weekly": "same", "then": "/play"}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/play"
    assert start_buttons(screened.get("/").text) == ["/play"]  # checked: Start plays again


def test_a_screened_person_without_a_profile_is_asked_where_it_feels_tight(
    screened: TestClient,
) -> None:
    assert start_buttons(screened.get("/").text) == ["/profile"]


def test_a_blocked_person_is_sent_to_the_advice_not_the_player(client: TestClient) -> None:
    client.post("/profile", data=PROFILE)
    client.post("/api/screen", json=all_no_answers(chest_pain=True))
    home = client.get("/").text
    assert start_buttons(home) == ["/screen/result"]
    assert 'href="/play"' not in home


# ---- the header: one line, a menu with everything, new symptoms never shouting ---------------


def test_every_page_has_the_menu_with_new_symptoms_and_no_red_link(client: TestClient) -> None:
    for path in ("/", "/stretches", "/learn", "/settings", "/data", "/profile", "/screen"):
        page = client.get(path).text
        menu = page.split('<details class="menu">', 1)[1].split("</details>", 1)[0]
        for href in ("/", "/plan", "/history", "/stretches", "/reminders", "/screen?new=1"):
            assert f'href="{href}"' in menu, (path, href)
        assert "I have new symptoms" in menu
        assert '<a class="skip" href="#main">' in page
    css = client.get("/static/app.css").text
    assert ".new-symptoms" not in css  # plain, like every other link in the menu


def test_with_accounts_the_menu_has_the_account_and_log_out(person: Any) -> None:
    ana = person("ana")
    menu = ana.get("/").text.split('<details class="menu">', 1)[1].split("</details>", 1)[0]
    assert 'href="/account"' in menu and 'action="/logout"' in menu


# ---- the profile: fewest taps --------------------------------------------------------------


def test_the_profile_starts_at_ten_minutes_on_the_floor(screened: TestClient) -> None:
    page = screened.get("/profile").text
    assert re.search(r'name="minutes" value="10" checked', page)
    assert re.search(r'name="setting" value="floor" checked', page)


def test_the_profile_offers_a_chair_to_someone_who_finds_the_floor_hard(
    client: TestClient,
) -> None:
    client.post("/api/screen", json=all_no_answers(no_floor=True))
    page = client.get("/profile").text
    assert re.search(r'name="setting" value="chair" checked', page)
    assert not re.search(r'name="setting" value="floor" checked', page)


def test_save_and_start_goes_to_the_player_and_save_alone_to_the_plan(
    screened: TestClient,
) -> None:
    started = screened.post("/profile", data={**PROFILE, "start": "1"}, follow_redirects=False)
    assert started.headers["location"] == "/play"
    saved = screened.post("/profile", data=PROFILE, follow_redirects=False)
    assert saved.headers["location"] == "/plan"
