"""The HTML pages work without JavaScript: plain links and GET forms."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

from fastapi.testclient import TestClient

from tests.factories import all_no_answers

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
