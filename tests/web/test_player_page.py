"""The player page on SQLite and PostgreSQL: safety first, the same timeline as the API, no inline
script or style (the Content Security Policy forbids both)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backstretch.services.planning import remember_profile
from backstretch.services.preferences import save_settings
from tests.factories import all_no_answers
from tests.fakes import FakeNow
from tests.web.conftest import local_person

PROFILE = {"areas": ["lower_back"], "minutes": 5, "setting": "chair"}


def remember(client: TestClient, profile: dict[str, Any] | None = None) -> None:
    """Store the profile the player plans from, as `backstretch start` or the plan page do."""
    remember_profile(local_person(client), profile or PROFILE)


def embedded(page: str, element_id: str = "player-data") -> Any:
    found = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', page, re.S
    )
    assert found, f"no {element_id} in the page"
    return json.loads(found.group(1))


def test_without_a_screening_there_is_no_player(client: TestClient) -> None:
    remember(client)
    page = client.get("/play")
    assert page.status_code == 409
    assert "First, the weekly safety check" in page.text
    # Once answered, the safety questions lead straight back to the player.
    assert 'href="/screen?next=/play"' in page.text
    assert "player-data" not in page.text
    assert "/static/player.js" not in page.text
    assert "Stop — this hurts" not in page.text


def test_a_screening_older_than_a_week_is_not_enough(screened: TestClient, clock: FakeNow) -> None:
    remember(screened)
    assert screened.get("/play").status_code == 200
    clock.value += timedelta(days=8)
    page = screened.get("/play")
    assert page.status_code == 409
    assert "more than a week old" in page.text
    assert 'href="/screen?next=/play"' in page.text
    assert "player-data" not in page.text
    # Chosen stretches are kept on the way back from the safety questions.
    chosen = screened.get("/play", params={"items": "shoulder-rolls"})
    assert 'href="/screen?next=/play%3Fitems%3Dshoulder-rolls"' in chosen.text


def test_an_emergency_answer_shows_its_advice_and_no_player(client: TestClient) -> None:
    result = client.post("/api/screen", json=all_no_answers(saddle_numbness=True)).json()
    assert result["verdict"] == "emergency"
    remember(client)
    page = client.get("/play")
    assert page.status_code == 409
    assert result["advice"]["title"] in page.text
    assert 'href="/screen"' in page.text
    assert "player-data" not in page.text


def test_an_open_safety_block_refuses_the_player(screened: TestClient) -> None:
    remember(screened)
    data = embedded(screened.get("/play").text)
    body = {
        "items": [
            {k: item[k] for k in ("stretch", "sets", "reps", "sides", "hold_seconds")}
            for item in data["items"]
        ],
        "started_at": "2026-11-02T08:31:00+00:00",
        "status": "stopped",
        "stop_signal": "numbness_tingling",
        "stopped_stretch": data["items"][0]["stretch"],
    }
    assert screened.put(f"/api/sessions/{uuid.uuid4()}", json=body).status_code == 200
    page = screened.get("/play")
    assert page.status_code == 409
    assert "The programme is paused for your safety" in page.text
    assert "clinician" in page.text
    assert "player-data" not in page.text


def test_without_a_remembered_profile_it_sends_you_to_plan(screened: TestClient) -> None:
    response = screened.get("/play", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/plan"


def test_the_page_plays_the_same_timeline_as_the_api(screened: TestClient) -> None:
    remember(screened)
    page = screened.get("/play")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    data = embedded(page.text)
    plan = screened.post("/api/plan", json={"profile": PROFILE}).json()
    assert data["timeline"] == plan["timeline"]
    assert [i["stretch"] for i in data["items"]] == [i["stretch"] for i in plan["items"]]
    assert data["total_seconds"] == plan["total_seconds"]
    assert len(data["spoken"]) == len(data["timeline"])


def test_the_page_before_the_session_is_one_line_and_a_pain_scale(screened: TestClient) -> None:
    remember(screened)
    page = screened.get("/play", params={"items": "shoulder-rolls,chair-childs-pose"}).text
    before = page[page.index('<section id="before"') : page.index('<section id="running"')]
    shown = before[: before.index("<noscript>")]
    text = " ".join(re.sub(r"<[^>]+>", " ", shown).split())
    # One summary line, not the plan again (the plan page has it).
    assert "2 stretches" in text
    assert "Chair child's pose" not in text
    # Each number is its own submit button: one tap answers and starts.
    buttons = re.findall(
        r'<button type="submit" class="pain" name="pain_before" value="(\d+)"', shown
    )
    assert buttons == [str(n) for n in range(11)]
    assert "Start the session" not in shown


def test_each_item_carries_the_steps_of_its_planned_way(screened: TestClient) -> None:
    from backstretch.data import builtin_catalogue

    remember(screened)
    page = screened.get("/play", params={"items": "shoulder-rolls,chair-childs-pose"}).text
    data = embedded(page)
    for item in data["items"]:
        stretch = builtin_catalogue().get(item["stretch"])
        way = stretch.way_at(item["way"])
        assert item["setup"] == list(way.setup)
        assert item["movement"] == list(stretch.movement_of(way))
        assert item["setup"] and item["movement"]
        # Without JavaScript the steps are still there to follow.
        assert all(html_escape(step) in page for step in item["setup"])


def test_a_one_sided_stretch_carries_its_steps_as_they_read_on_each_side(
    screened: TestClient,
) -> None:
    remember(screened)
    page = screened.get(
        "/play", params={"items": "chair-piriformis-stretch,standing-bird-dog"}
    ).text
    items = {item["stretch"]: item for item in embedded(page)["items"]}
    piriformis, bird_dog = items["chair-piriformis-stretch"], items["standing-bird-dog"]
    right, left = piriformis["steps_by_side"]["right"], piriformis["steps_by_side"]["left"]
    # Written for the right side; the left reads them mirrored.
    assert (right["setup"], right["movement"]) == (piriformis["setup"], piriformis["movement"])
    assert left["setup"][1] == (
        "Lift your left ankle onto your right knee and let the left knee drop open."
    )
    assert left["movement"][1] == "Stop as soon as you feel a stretch in the left buttock and hip."
    # Sides taking turns every rep: the steps as written, which describe the first rep.
    assert "steps_by_side" not in bird_dog
    # The timeline the page plays says the left side's own words on the left.
    holds = [s for s in embedded(page)["timeline"] if s["kind"] == "hold" and s["side"] == "left"]
    assert any("Keep the left foot flexed" in s["cue"] for s in holds)
    assert not any("right" in s["cue"] for s in holds)


def html_escape(text: str) -> str:
    import html

    return html.escape(text)


def test_chosen_stretches_are_played_and_unknown_ones_are_refused(screened: TestClient) -> None:
    remember(screened)
    data = embedded(screened.get("/play", params={"items": "chair-childs-pose"}).text)
    assert [item["stretch"] for item in data["items"]] == ["chair-childs-pose"]
    assert data["spoken"][0] == "Get ready: Chair child's pose."
    assert data["timeline"][1]["kind"] == "hold"
    assert screened.get("/play", params={"items": "cat-cw"}).status_code == 422


def test_every_stretch_has_its_figure_a_side_each_for_one_sided_ones(screened: TestClient) -> None:
    remember(screened)
    page = screened.get("/play", params={"items": "seated-side-stretch,shoulder-rolls"}).text
    figures = re.findall(r'data-stretch="([a-z-]+)" data-side="(\w*)"', page)
    assert ("seated-side-stretch", "left") in figures
    assert ("seated-side-stretch", "right") in figures
    assert ("shoulder-rolls", "") in figures
    assert page.count('class="bs-figure"') == len(figures)


def test_the_stop_signals_carry_their_advice(screened: TestClient) -> None:
    from backstretch.data import screening_guide

    remember(screened)
    page = screened.get("/play").text
    signals = {s["id"]: s for s in embedded(page)["signals"]}
    guide = {text.id: text for text in screening_guide().stop_signals}
    assert "pregnancy_warning" not in signals  # offered only to people who are pregnant
    assert signals["pain_rising"]["ends_session"] is False
    assert signals["numbness_tingling"]["ends_session"] is True
    for signal_id, signal in signals.items():
        assert signal["label"] == guide[signal_id].label
        assert signal["advice"]
        assert "{emergency_number}" not in signal["advice"]
        assert f'data-signal="{signal_id}"' in page


def test_pregnancy_warning_signs_are_offered_when_pregnant(client: TestClient) -> None:
    result = client.post("/api/screen", json=all_no_answers(pregnant=True)).json()
    assert result["verdict"] == "self_care"
    remember(client)
    signals = [s["id"] for s in embedded(client.get("/play").text)["signals"]]
    assert "pregnancy_warning" in signals


def test_voice_follows_the_settings(screened: TestClient) -> None:
    remember(screened)
    assert embedded(screened.get("/play").text)["voice"] is True
    save_settings(local_person(screened), {"voice": False})
    page = screened.get("/play").text
    assert embedded(page)["voice"] is False
    assert 'aria-pressed="false"' in page


def test_the_words_the_script_shows_come_from_the_page(screened: TestClient) -> None:
    remember(screened)
    words = embedded(screened.get("/play").text, "player-words")
    assert words["kind"]["hold"] == "Hold"
    assert words["breath"]["inhale"].startswith("Breathe in")
    assert "{name}" in words["next_up"]


def test_the_figures_stylesheet(client: TestClient) -> None:
    response = client.get("/player/figures.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert ".bs-figure" in response.text
    assert "prefers-reduced-motion" in response.text


def test_the_player_script_and_style_are_served(client: TestClient) -> None:
    script = client.get("/static/player.js")
    assert script.status_code == 200
    assert "performance.now()" in script.text
    style = client.get("/static/player.css")
    assert style.status_code == 200
    assert "prefers-reduced-motion" in style.text


class InlineFinder(HTMLParser):
    """Collect what a strict Content Security Policy would refuse: inline script and style."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if "style" in named:
            self.problems.append(f"<{tag} style=...>")
        if any(name.startswith("on") for name in named):
            self.problems.append(f"<{tag}> with an inline event handler")
        if tag == "style":
            self.problems.append("<style>")
        if tag == "script" and "src" not in named and named.get("type") != "application/json":
            self.problems.append("inline <script>")


@pytest.mark.parametrize("items", ["", "seated-side-stretch,shoulder-rolls"])
def test_no_inline_script_or_style(screened: TestClient, items: str) -> None:
    remember(screened)
    response = screened.get("/play", params={"items": items} if items else None)
    assert response.status_code == 200
    finder = InlineFinder()
    finder.feed(response.text)
    assert finder.problems == []
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp


def test_the_refusal_has_no_inline_script_or_style(client: TestClient) -> None:
    finder = InlineFinder()
    finder.feed(client.get("/play").text)
    assert finder.problems == []
