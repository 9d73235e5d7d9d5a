"""The profile and plan pages: preview, edits that never get past safety, lists that stick."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import unquote

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
    for item in api["items"]:
        assert item["why"] in page.replace("&#39;", "'")
    assert 'class="button start" href="/play"' in page
    assert "About " in page and " of your 10:00" in page


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
