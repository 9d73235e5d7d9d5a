"""The screening in the browser: checklists without JavaScript, the contract's verdicts."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from backstretch.data import screening_guide
from backstretch.services.screening import latest_answers
from tests.factories import (
    CONTRACT_ASKED_RESTRICTIONS,
    CONTRACT_EMERGENCY_IDS,
    CONTRACT_RED_FLAG_IDS,
)
from tests.fakes import FakeNow
from tests.web.conftest import local_person

EVERY_ID = CONTRACT_RED_FLAG_IDS + CONTRACT_ASKED_RESTRICTIONS


def all_no_form(**changes: str) -> dict[str, str]:
    return {**dict.fromkeys(EVERY_ID, "no"), **changes}


def checked(page: str, question: str) -> str | None:
    match = re.search(rf'name="{question}" value="(\w+)" checked', page)
    return match.group(1) if match else None


def test_the_form_asks_every_question_with_the_disclaimer_first(client: TestClient) -> None:
    page = client.get("/screen").text
    assert page.index("Before you start") < page.index('name="saddle_numbness"')
    for question in EVERY_ID:
        for choice in ("no", "yes", "unsure"):
            assert f'name="{question}" value="{choice}"' in page, (question, choice)
    assert not re.search(r'value="\w+" checked', page)  # a first screening pre-fills nothing


def test_all_no_is_self_care_and_leads_to_the_profile(client: TestClient) -> None:
    result = client.post("/screen", data=all_no_form())
    assert result.url.path == "/screen/result"
    assert "You can start, gently" in result.text
    assert 'href="/profile"' in result.text  # no profile yet: say where it feels tight first
    assert client.get("/api/plan").status_code == 405  # the API stays separate (POST only)


def test_an_emergency_answer_gives_the_advice_a_call_button_and_no_plan(
    client: TestClient,
) -> None:
    client.post("/profile", data={"areas": ["lower_back"], "minutes": "10", "setting": "floor"})
    result = client.post("/screen", data=all_no_form(bladder_change="yes"))
    assert "Please get help now" in result.text
    assert 'href="tel:999"' not in result.text or "999" in result.text
    assert "Plan today&#39;s routine" not in result.text
    plan = client.get("/plan")
    assert "Please get help now" in plan.text
    assert "button start" not in plan.text
    assert client.post("/api/plan", json={"profile": {"areas": ["lower_back"]}}).status_code == 409


def test_a_red_flag_not_sure_is_incomplete_and_a_restriction_not_sure_applies(
    client: TestClient,
) -> None:
    result = client.post("/screen", data=all_no_form(night_pain="unsure", wrist_pain="unsure"))
    assert "A few safety questions still need an answer" in result.text
    body = client.post("/screen", data=all_no_form(wrist_pain="unsure")).text
    assert "You can start, gently" in body
    assert "your wrists hurt under load" in body  # the wrist restriction is in force


def test_an_unanswered_question_is_incomplete_never_self_care(client: TestClient) -> None:
    form = all_no_form()
    del form["chest_pain"]
    result = client.post("/screen", data=form)
    assert "still need an answer" in result.text
    assert "You can start" not in result.text


def test_none_of_these_fills_the_group_and_moves_on_without_storing(client: TestClient) -> None:
    answer = client.post(
        "/screen", data={"none": "emergency_back", "wrist_pain": "yes"}, follow_redirects=False
    )
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert location.fragment == "group-emergency_neck"
    draft = parse_qs(location.query)
    assert draft["saddle_numbness"] == ["no"] and draft["wrist_pain"] == ["yes"]
    page = client.get(answer.headers["location"]).text
    assert checked(page, "saddle_numbness") == "no"
    assert checked(page, "hands_clumsy_unsteady") is None  # the next group is still to answer
    assert checked(page, "wrist_pain") == "yes"
    assert client.get("/screen/result", follow_redirects=False).status_code == 303  # nothing yet


def test_the_weekly_check_is_pre_filled_and_new_symptoms_ask_red_flags_afresh(
    client: TestClient, clock: FakeNow
) -> None:
    client.post("/screen", data=all_no_form(wrist_pain="yes"))
    clock.value += timedelta(days=8)
    weekly = client.get("/screen").text
    assert "Your weekly safety check" in weekly
    assert checked(weekly, "saddle_numbness") == "no"
    assert checked(weekly, "wrist_pain") == "yes"
    fresh = client.get("/screen?new=1").text
    assert "Tell us what has changed" in fresh
    assert all(checked(fresh, i) is None for i in CONTRACT_EMERGENCY_IDS)
    assert checked(fresh, "wrist_pain") == "yes"  # adjustments stay as they were


def test_new_symptoms_is_reachable_from_every_page(client: TestClient) -> None:
    for path in ("/", "/stretches", "/learn", "/settings", "/data", "/screen"):
        assert 'href="/screen?new=1"' in client.get(path).text, path


def test_a_clinician_clearance_is_recorded_from_the_result_page(client: TestClient) -> None:
    result = client.post("/screen", data=all_no_form(night_pain="yes"))
    assert "See a clinician before you stretch" in result.text
    assert 'name="ids" value="night_pain"' in result.text
    assert "backstretch screen --clear" not in result.text.split("What to do")[1]
    unconfirmed = client.post("/screen/clear", data={"ids": ["night_pain"]})
    assert unconfirmed.status_code == 422
    cleared = client.post("/screen/clear", data={"ids": ["night_pain"], "confirm": "yes"})
    assert "You can start, gently" in cleared.text


def test_a_fever_can_never_be_cleared_here(client: TestClient) -> None:
    client.post("/screen", data=all_no_form(fever="yes"))
    refused = client.post("/screen/clear", data={"ids": ["fever"], "confirm": "yes"})
    assert refused.status_code == 422
    assert "fever" in refused.text


def bad_forms() -> list[dict[str, Any]]:
    return [
        all_no_form(saddle_numbness="maybe"),
        {**all_no_form(pregnant="yes"), "pregnancy_weeks": "ninety"},
    ]


def test_bad_answers_are_named_and_nothing_is_stored(client: TestClient) -> None:
    for form in bad_forms():
        answer = client.post("/screen", data=form)
        assert answer.status_code == 422
        assert "saddle_numbness" in answer.text or "pregnancy_weeks" in answer.text
    assert client.post("/screen", data={"none": "nope"}).status_code == 422
    assert client.get("/screen/result", follow_redirects=False).status_code == 303


# ---- emergency first ------------------------------------------------------------------------


def group_ids_with_red_flags() -> list[str]:
    guide = screening_guide()
    return [
        g.id
        for g in guide.groups
        if any(q.group == g.id and q.tier != "restriction" for q in guide.questions)
    ]


def test_every_red_flag_group_has_a_next_button_and_the_adjustments_do_not(
    client: TestClient,
) -> None:
    page = client.get("/screen").text
    for group in group_ids_with_red_flags():
        assert f'name="next" value="{group}"' in page, group
    assert 'name="next" value="restrictions"' not in page


def test_next_with_an_emergency_yes_stops_stores_the_answers_so_far_and_advises(
    client: TestClient,
) -> None:
    form = {"saddle_numbness": "no", "wiping_sensation": "yes", "next": "emergency_back"}
    answer = client.post("/screen", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/screen/result"
    result = client.get("/screen/result").text
    assert "Please get help now" in result
    assert "Plan today&#39;s routine" not in result
    assert latest_answers(local_person(client)) == {
        "saddle_numbness": False,
        "wiping_sensation": True,
    }


def test_none_of_these_after_an_earlier_emergency_yes_stops_there(client: TestClient) -> None:
    """The yes was given in an earlier group; the next group finished is where it stops."""
    form = {"chest_pain": "yes", "none": "see_soon_general"}
    answer = client.post("/screen", data=form, follow_redirects=False)
    assert answer.headers["location"] == "/screen/result"
    stored = latest_answers(local_person(client))
    assert stored is not None and stored["chest_pain"] is True
    assert "Please get help now" in client.get("/screen/result").text


def test_next_stops_once_the_fever_pair_is_complete(client: TestClient) -> None:
    form = {
        "fever": "yes",
        "immune_or_drugs_or_infection": "yes",
        "next": "see_soon_history",
    }
    answer = client.post("/screen", data=form, follow_redirects=False)
    assert answer.headers["location"] == "/screen/result"
    assert "Please get help now" in client.get("/screen/result").text


def test_next_without_an_emergency_moves_on_and_stores_nothing(client: TestClient) -> None:
    form = {"fever": "yes", "saddle_numbness": "unsure", "next": "see_soon_general"}
    answer = client.post("/screen", data=form, follow_redirects=False)
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert location.path == "/screen"
    assert location.fragment == "group-see_soon_history"
    draft = parse_qs(location.query)
    assert draft == {"fever": ["yes"], "saddle_numbness": ["unsure"]}
    page = client.get(answer.headers["location"]).text
    assert checked(page, "fever") == "yes"
    assert latest_answers(local_person(client)) is None


def test_a_see_soon_yes_does_not_stop_a_group_at_a_time(client: TestClient) -> None:
    answer = client.post(
        "/screen", data={"weight_loss": "yes", "none": "see_soon_history"}, follow_redirects=False
    )
    assert urlsplit(answer.headers["location"]).path == "/screen"
    assert latest_answers(local_person(client)) is None


def test_next_keeps_the_new_symptoms_mode(client: TestClient) -> None:
    answer = client.post(
        "/screen", data={"next": "emergency_back", "new": "1"}, follow_redirects=False
    )
    assert parse_qs(urlsplit(answer.headers["location"]).query) == {"new": ["1"]}


@pytest.mark.parametrize("button", ["next", "none"])
def test_finishing_an_unknown_group_is_refused_naming_the_button(
    client: TestClient, button: str
) -> None:
    answer = client.post("/screen", data={button: "nope"})
    assert answer.status_code == 422
    assert f"{button}: unknown group" in html.unescape(answer.text)
    assert latest_answers(local_person(client)) is None


def test_a_bad_answer_in_a_group_step_is_named_and_nothing_is_stored(client: TestClient) -> None:
    answer = client.post("/screen", data={"chest_pain": "maybe", "next": "emergency_general"})
    assert answer.status_code == 422
    assert "chest_pain" in answer.text
    assert latest_answers(local_person(client)) is None
