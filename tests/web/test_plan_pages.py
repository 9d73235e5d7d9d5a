"""The profile and plan pages: preview, edits that never get past safety, lists that stick."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from tests.fakes import FakeNow

LOWER_BACK = {"areas": ["lower_back"], "minutes": "10", "setting": "floor"}


def planned(page: str) -> list[str]:
    routine = page.split('<ol class="routine">')[1].split("</ol>")[0]
    return re.findall(r'<h2><a href="/stretches/([a-z0-9-]+)"', routine)


def test_no_profile_asks_for_one_first(client: TestClient) -> None:
    answer = client.get("/plan", follow_redirects=False)
    assert answer.headers["location"] == "/profile"


def test_a_profile_is_kept_and_shown_in_the_form(screened: TestClient) -> None:
    page = screened.post("/profile", data={**LOWER_BACK, "minutes": "5", "setting": "chair"})
    assert page.url.path == "/plan"
    form = screened.get("/profile").text
    assert 'value="lower_back" checked' in form
    assert 'value="5" checked' in form and 'value="chair" checked' in form


def test_a_profile_without_areas_or_with_nonsense_is_refused(screened: TestClient) -> None:
    assert screened.post("/profile", data={"minutes": "10"}).status_code == 422
    wrong = screened.post("/profile", data={**LOWER_BACK, "minutes": "999"})
    assert wrong.status_code == 422 and "minutes" in wrong.text
    assert screened.post("/profile", data={**LOWER_BACK, "setting": "roof"}).status_code == 422


def test_the_plan_shows_dose_time_reasons_and_a_start_button(screened: TestClient) -> None:
    page = screened.post("/profile", data=LOWER_BACK).text
    api = screened.post("/api/plan", json={"profile": {"areas": ["lower_back"]}}).json()
    assert planned(page) == [item["stretch"] for item in api["items"]]
    shown = unescape(page)
    for item in api["items"]:
        card = shown.split(f'data-stretch="{item["stretch"]}"')[1].split("</li>")[0]
        assert f">{item['name']}</a>" in card
        sides = {"each": " each side", "alternating": " alternating sides"}.get(item["sides"], "")
        assert f"{item['hold_seconds']} s" in card if item["hold_seconds"] else "reps" in card
        assert sides in card
        assert item["where"] in card
    assert 'class="button start" href="/play"' in page
    assert "of your 10:00" not in page


def test_without_a_fresh_screening_the_plan_shows_but_cannot_start(
    client: TestClient, clock: FakeNow
) -> None:
    page = client.post("/profile", data=LOWER_BACK).text
    assert "please answer the safety questions" in page
    assert "button start" not in page
    client.post("/api/screen", json={})  # an empty screening is incomplete
    assert "button start" not in client.get("/plan").text
    from tests.factories import all_no_answers

    client.post("/api/screen", json=all_no_answers())
    assert "button start" in client.get("/plan").text
    clock.value += timedelta(days=8)
    stale = client.get("/plan").text
    assert "over a week" in stale and "button start" not in stale


def test_drop_keeps_the_rest_with_their_doses(screened: TestClient) -> None:
    page = screened.post("/profile", data=LOWER_BACK).text
    _first, *rest = planned(page)
    doses = re.findall(r'<span class="dose">([^<]+)</span>', page)
    link = re.search(r'href="(/plan\?items=[^"]+)"', page)
    assert link is not None
    dropped = screened.get(unquote(link.group(1)).replace("&amp;", "&")).text
    assert planned(dropped) == rest
    assert re.findall(r'<span class="dose">([^<]+)</span>', dropped) == doses[1:]
    assert f'href="/play?items={"%2C".join(rest)}"' in dropped


def test_replace_offers_only_allowed_stretches_for_the_same_area(client: TestClient) -> None:
    from tests.factories import all_no_answers

    client.post("/api/screen", json=all_no_answers(wrist_pain=True))
    page = client.post("/profile", data=LOWER_BACK).text
    ids = planned(page)
    options = client.get("/plan/replace", params={"stretch": ids[0], "items": ",".join(ids)})
    offered = re.findall(r'<li><a href="/plan\?items=([a-zA-Z0-9%-]+)"', options.text)
    assert offered
    replaced = client.get(f"/api/stretches/{ids[0]}").json()
    names = [unquote(o).split(",")[0] for o in offered]
    for name in names:
        stretch = client.get(f"/api/stretches/{name}").json()
        assert set(stretch["regions"]) & set(replaced["regions"])
        # Wrist pain: no weight through the hands.
        assert all(way["position"] != "all_fours" for way in stretch["ways"])
        assert name not in ids
    assert "cobra" not in names


def test_an_edited_routine_still_passes_every_safety_rule(client: TestClient) -> None:
    from tests.factories import all_no_answers

    client.post("/api/screen", json=all_no_answers(wrist_pain=True))
    client.post("/profile", data=LOWER_BACK)
    page = client.get("/plan", params={"items": "cobra,knee-to-chest"}).text
    assert "cobra" not in planned(page)  # weight through the hands: swapped for a variant
    assert "knee-to-chest" in planned(page)
    assert "Swapped for you: Cobra" in page
    assert "Cobra →" in page.split("Swapped for you")[1]


def test_never_again_and_favourites_stick_to_the_profile(screened: TestClient) -> None:
    page = screened.post("/profile", data=LOWER_BACK).text
    gone = planned(page)[0]
    after = screened.post("/profile/avoid", data={"stretch": gone}).text
    assert gone not in planned(after)
    assert gone not in planned(screened.get("/plan").text)
    assert "Suggest it again" in screened.get("/profile").text
    favourite = planned(after)[-1]
    marked = screened.post("/profile/favourite", data={"stretch": favourite}).text
    assert "favourite</span>" in marked
    screened.post("/profile/avoid", data={"stretch": gone, "undo": "1"})
    assert gone in planned(screened.get("/plan").text)
    unknown = screened.post("/profile/avoid", data={"stretch": "moon-walk"})
    assert unknown.status_code == 422


def test_bad_items_are_a_4xx(screened: TestClient) -> None:
    screened.post("/profile", data=LOWER_BACK)
    assert screened.get("/plan", params={"items": "no-such-stretch"}).status_code == 422
    assert screened.get("/plan", params={"items": "<script>"}).status_code == 422
    assert screened.get("/plan/replace", params={"stretch": "nope"}).status_code == 422


def test_a_preset_or_a_saved_routine_is_planned_and_played_as_the_api_plans_it(
    screened: TestClient,
) -> None:
    screened.post("/profile", data=LOWER_BACK)
    for asked in ({"preset": "desk-break"}, {"routine": "Desk"}):
        if "routine" in asked:
            items = ",".join(planned(screened.get("/plan").text)[:2])
            saved = screened.post("/routines", data={"name": "Desk", "items": items})
            assert saved.status_code == 200, saved.text
        api = screened.post("/api/plan", json=asked)
        assert api.status_code == 200, api.text
        stretches = [item["stretch"] for item in api.json()["items"]]
        page = screened.get("/plan", params=asked)
        assert planned(page.text) == stretches
        ((key, value),) = asked.items()
        assert f'class="button start" href="/play?{key}={value}"' in page.text
        played = screened.get("/play", params=asked)
        assert played.status_code == 200, played.text
        data = re.search(r'id="player-data" type="application/json">(.*?)</script>', played.text)
        assert data is not None
        assert [item["stretch"] for item in json.loads(data.group(1))["items"]] == stretches
        assert json.loads(data.group(1))["routine_name"] == api.json()["name"]


def test_an_unknown_preset_or_routine_is_refused(screened: TestClient) -> None:
    screened.post("/profile", data=LOWER_BACK)
    assert screened.get("/plan", params={"preset": "nope"}).status_code == 422
    assert screened.get("/plan", params={"routine": "Nope"}).status_code == 404
    assert screened.get("/play", params={"routine": "Nope"}).status_code == 404
    assert screened.post("/api/plan", json={"routine": "Nope"}).status_code == 404


# ---- the compact page (issue 16): a summary line, one Start, a menu per stretch --------------

NECK_AT_THE_DESK = {"areas": ["neck_shoulders", "upper_back"], "minutes": "10", "setting": "chair"}


def main_of(page: str) -> str:
    return unescape(page.split('<main id="main"')[1].split("</main>")[0])


def test_a_summary_line_then_start_then_the_cards(screened: TestClient) -> None:
    page = main_of(screened.post("/profile", data=NECK_AT_THE_DESK).text)
    api = screened.post("/api/plan", json={}).json()
    count = len(api["items"])
    minutes = round(api["total_seconds"] / 60)
    summary = re.search(r'<strong class="summary">([^<]+)</strong>', page)
    assert summary is not None
    assert summary.group(1) == f"{minutes} min · {count} stretches · chair"
    assert minutes == 10  # a ten-minute plan reads "10 min", never "About 9:53 of your 10:00"
    # The summary, then the one Start, then the list: nothing else in between.
    at_summary = page.index('class="summary"')
    at_start = page.index('class="button start"')
    at_list = page.index('<ol class="routine">')
    assert at_summary < at_start < at_list
    assert page.count('class="button start"') == 1
    assert "About " not in page


def test_one_change_menu_per_stretch_holds_every_edit(screened: TestClient) -> None:
    page = main_of(screened.post("/profile", data=NECK_AT_THE_DESK).text)
    cards = [c.split("</li>")[0] for c in page.split('<li class="plan-item"')[1:]]
    assert len(cards) == len(planned(page)) > 1
    for card in cards:
        stretch = re.search(r'data-stretch="([a-z0-9-]+)"', card)
        assert stretch is not None
        # Exactly one menu; every edit inside it, none outside.
        assert card.count('<details class="change">') == 1
        menu = card.split('<details class="change">')[1].split("</details>")[0]
        outside = card.replace(menu, "")
        for action in ("Drop today", "Replace with another", "Favourite", "Never suggest again"):
            assert action in menu
            assert action not in outside
        assert "<button" not in outside
        # Each card shows a small figure, the name, the dose and the place.
        assert '<div class="thumb" aria-hidden="true"><svg' in card
        assert '<span class="dose">' in card and '<span class="where">' in card


def test_the_menu_posts_never_again_as_the_browser_does(screened: TestClient) -> None:
    page = screened.post("/profile", data=NECK_AT_THE_DESK).text
    first = planned(page)[0]
    card = page.split(f'data-stretch="{first}"')[1].split("</li>")[0]
    form = card.split('action="/profile/avoid">')[1].split("</form>")[0]
    fields = dict(re.findall(r'name="([a-z]+)" value="([^"]*)"', form))
    assert fields["stretch"] == first
    after = screened.post("/profile/avoid", data=fields)  # the token is the form's own field
    assert after.status_code == 200 and after.url.path == "/plan"
    assert first not in planned(after.text)


def swap_lines(page: str) -> tuple[str, list[str]]:
    """Return the one short line about swaps and the lines of its details."""
    shown = main_of(page)
    if '<details class="note swapped">' not in shown:
        return "", []
    block = shown.split('<details class="note swapped">')[1].split("</details>")[0]
    line = block.split("<summary>")[1].split("</summary>")[0]
    return line, re.findall(r"<li>([^<]+)</li>", block)


def test_a_preset_stretch_swapped_for_a_restriction_is_named(client: TestClient) -> None:
    from tests.factories import all_no_answers

    client.post("/api/screen", json=all_no_answers(knee_pain_kneeling=True))
    client.post("/profile", data=LOWER_BACK)
    page = client.get("/plan", params={"preset": "basic-daily"}).text
    assert "cat-cow" not in planned(page)  # the preset's cat-cow kneels on all fours
    line, details = swap_lines(page)
    assert line.startswith("Swapped for you: ") and "Cat-cow" in line
    (cat_cow,) = [d for d in details if d.startswith("Cat-cow → ")]
    assert cat_cow.endswith(": it puts weight on the knees")
    replacement = cat_cow.removeprefix("Cat-cow → ").split(":")[0]
    assert replacement in planned_names(page)
    # Collapsed: one line, the details behind the disclosure.
    assert main_of(page).count("Swapped for you") == 1


def planned_names(page: str) -> list[str]:
    return re.findall(r'<h2><a href="/stretches/[a-z0-9-]+">([^<]+)</a>', unescape(page))


@pytest.mark.parametrize(
    "restriction", ["knee_pain_kneeling", "wrist_pain", "osteoporosis", "no_floor"]
)
def test_no_line_about_stretches_the_person_would_never_have_had(
    client: TestClient, restriction: str
) -> None:
    from backstretch.core.planner import Limits, plan
    from backstretch.core.profile import parse_profile
    from backstretch.data import builtin_catalogue
    from tests.factories import all_no_answers
    from tests.web.conftest import local_person

    client.post("/api/screen", json=all_no_answers(**{restriction: True}))
    areas = ["lower_back", "hips", "upper_back"]
    page = client.post("/profile", data={**LOWER_BACK, "areas": areas}).text
    catalogue = builtin_catalogue()
    names = {stretch.name: stretch.id for stretch in catalogue}
    # What the same person would have had with no restriction at all, on the same day.
    free = plan(
        parse_profile({"areas": areas, "minutes": 10, "setting": "floor"}),
        catalogue,
        Limits(frozenset()),
        on=local_person(client).today(),
    )
    would_have = {p.item.stretch.id for p in free.items}
    line, details = swap_lines(page)
    for detail in details:
        before, after = detail.split(":")[0].split(" → ")
        assert names[before] in would_have, detail
        assert after in planned_names(page), detail  # the replacement is really in the plan
    shown = main_of(page)
    if '<details class="note left-out">' in shown:
        block = shown.split('<details class="note left-out">')[1].split("</details>")[0]
        for detail in re.findall(r"<li>([^<]+)</li>", block):
            assert names[detail.split(":")[0]] in would_have, detail
    # A stretch neither planned nor one the person would have had is never mentioned.
    never = [
        s.name for s in catalogue if s.id not in would_have and s.name not in planned_names(page)
    ]
    notes = " ".join([line, *details])
    assert not [name for name in never if f"{name} →" in notes or f"{name}:" in notes]


def test_without_swaps_there_is_no_swap_line(screened: TestClient) -> None:
    page = screened.post("/profile", data=NECK_AT_THE_DESK).text
    assert swap_lines(page) == ("", [])
    assert "Swapped for you" not in page and "Left out" not in page
