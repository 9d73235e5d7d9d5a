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


def steps(client: TestClient, **query: str) -> list[str]:
    """Return the page of every group of the stepper, first to last."""
    pages = []
    for number in range(1, len(group_ids()) + 1):
        pages.append(client.get("/screen", params={"step": str(number), **query}).text)
    return pages


def group_ids() -> list[str]:
    guide = screening_guide()
    return [g.id for g in guide.groups if any(q.group == g.id for q in guide.questions)]


def test_the_disclaimer_comes_first_once_and_one_tap_starts_the_questions(
    client: TestClient,
) -> None:
    first = client.get("/screen").text
    assert "Please read" in first and "not a medical device" in first
    assert 'name="saddle_numbness"' not in first
    start = re.search(r'<a class="button start" href="([^"]+)">I understand, start</a>', first)
    assert start is not None
    step_one = client.get(html.unescape(start.group(1))).text
    assert "not a medical device" not in step_one  # not repeated on the questions
    assert "1 of 6" in step_one


def test_every_question_is_asked_one_group_per_screen_with_progress(client: TestClient) -> None:
    pages = steps(client)
    for number, page in enumerate(pages, 1):
        assert f"{number} of {len(pages)}" in page
        assert page.index('name="none"') < page.index('type="radio"')  # none of these first
        assert "What does this mean?" in page
        assert not re.search(r'value="\w+" checked', page)  # a first screening pre-fills nothing
    for question in EVERY_ID:
        holding = [p for p in pages if f'name="{question}" value="no"' in p]
        assert len(holding) == 1, question
        for choice in ("yes", "unsure"):
            assert f'name="{question}" value="{choice}"' in holding[0], (question, choice)


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
    assert "button start" not in result.text  # no way on to a routine
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
    draft = parse_qs(location.query)
    assert draft["step"] == ["2"]
    assert draft["saddle_numbness"] == ["no"] and draft["wrist_pain"] == ["yes"]
    page = client.get(answer.headers["location"]).text
    assert "2 of 6" in page and "Head, neck and balance" in page
    assert checked(page, "hands_clumsy_unsteady") is None  # this group is still to answer
    # The answers so far travel with the form, so the last step can decide on them all.
    assert '<input type="hidden" name="saddle_numbness" value="no">' in page
    assert '<input type="hidden" name="wrist_pain" value="yes">' in page
    assert client.get("/screen/result", follow_redirects=False).status_code == 303  # nothing yet


def test_the_weekly_check_is_pre_filled_and_new_symptoms_ask_red_flags_afresh(
    client: TestClient, clock: FakeNow
) -> None:
    client.post("/screen", data=all_no_form(wrist_pain="yes"))
    clock.value += timedelta(days=8)
    weekly = client.get("/screen").text
    assert "Your weekly safety check" in weekly
    assert "None of these, same as last time" in weekly
    assert "not a medical device" not in weekly  # the disclaimer was read the first time
    fresh = "".join(steps(client, new="1"))
    assert all(checked(fresh, i) is None for i in CONTRACT_EMERGENCY_IDS)
    assert checked(fresh, "wrist_pain") == "yes"  # adjustments stay as they were
    assert client.get("/screen?new=1").text.count('name="none"') == 1  # straight to group 1


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


def test_every_group_has_none_of_these_and_next_and_the_last_one_gives_the_result(
    client: TestClient,
) -> None:
    pages = steps(client)
    for group, page in zip(group_ids_with_red_flags(), pages, strict=False):
        assert f'name="next" value="{group}"' in page, group
        assert f'name="none" value="{group}"' in page, group
    assert "See my result" in pages[-1]


def test_next_with_an_emergency_yes_stops_stores_the_answers_so_far_and_advises(
    client: TestClient,
) -> None:
    form = {"saddle_numbness": "no", "wiping_sensation": "yes", "next": "emergency_back"}
    answer = client.post("/screen", data=form, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/screen/result"
    result = client.get("/screen/result").text
    assert "Please get help now" in result
    assert "button start" not in result
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
    draft = parse_qs(location.query)
    assert draft == {"step": ["5"], "fever": ["yes"], "saddle_numbness": ["unsure"]}
    page = client.get(answer.headers["location"]).text
    assert '<input type="hidden" name="fever" value="yes">' in page
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
    assert parse_qs(urlsplit(answer.headers["location"]).query) == {"step": ["2"], "new": ["1"]}


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


# ---- the stepper: back, reload, the last step, the weekly check -----------------------------


def test_back_and_a_reload_keep_the_answers(client: TestClient) -> None:
    answer = client.post(
        "/screen",
        data={"saddle_numbness": "no", "wiping_sensation": "unsure", "next": "emergency_back"},
        follow_redirects=False,
    )
    second = answer.headers["location"]
    assert client.get(second).text == client.get(second).text  # a reload shows the same step
    back = re.search(r'<a class="back" href="([^"]+)">Back</a>', client.get(second).text)
    assert back is not None
    first = client.get(html.unescape(back.group(1))).text
    assert "1 of 6" in first
    assert checked(first, "saddle_numbness") == "no"
    assert checked(first, "wiping_sensation") == "unsure"


def test_none_of_these_on_every_screen_gives_self_care(client: TestClient) -> None:
    draft: dict[str, str] = {}
    for group in group_ids():
        answer = client.post("/screen", data={**draft, "none": group}, follow_redirects=False)
        assert answer.status_code == 303
        location = urlsplit(answer.headers["location"])
        if location.path == "/screen/result":
            break
        draft = {k: v[0] for k, v in parse_qs(location.query).items() if k != "step"}
    assert group == group_ids()[-1]
    assert "You can start, gently" in client.get("/screen/result").text
    stored = latest_answers(local_person(client))
    assert stored is not None and all(stored[i] is False for i in EVERY_ID)


def test_the_weekly_check_has_one_answer_that_keeps_the_adjustments(
    client: TestClient, clock: FakeNow
) -> None:
    client.post("/screen", data=all_no_form(wrist_pain="yes", night_pain="yes"))
    client.post("/screen/clear", data={"ids": ["night_pain"], "confirm": "yes"})
    clock.value += timedelta(days=8)
    weekly = client.get("/screen").text
    assert weekly.count("<button") - weekly.count('name="weekly"') <= 1  # one answer (+ menu)
    result = client.post("/screen", data={"weekly": "same"})
    assert "You can start, gently" in result.text
    stored = latest_answers(local_person(client))
    assert stored is not None
    assert stored["wrist_pain"] is True and stored["night_pain"] is True
    assert all(stored[i] is False for i in CONTRACT_EMERGENCY_IDS)


def test_same_as_last_time_needs_a_last_time(client: TestClient) -> None:
    assert client.post("/screen", data={"weekly": "same"}).status_code == 422
    assert latest_answers(local_person(client)) is None


# ---- the weekly check goes on to where the person was heading ------------------------------


def weekly_due(client: TestClient, clock: FakeNow, **answers: str) -> None:
    client.post("/screen", data=all_no_form(**answers))
    client.post("/profile", data={"areas": ["hips"], "minutes": "5", "setting": "chair"})
    clock.value += timedelta(days=8)


def test_same_as_last_time_goes_straight_on_to_next(client: TestClient, clock: FakeNow) -> None:
    weekly_due(client, clock)
    assert client.get("/play").status_code == 409  # the check is more than a week old
    page = client.get("/screen", params={"next": "/play"}).text
    assert '<input type="hidden" name="then" value="/play">' in page
    answer = client.post("/screen", data={"weekly": "same", "then": "/play"})
    assert answer.url.path == "/play" and answer.status_code == 200  # the player, no refusal


@pytest.mark.parametrize(
    "elsewhere",
    ["https://evil.example/play", "//evil.example/play", "/\\evil.example", "play", "/\tx"],
)
def test_an_address_off_this_site_is_never_followed(
    client: TestClient, clock: FakeNow, elsewhere: str
) -> None:
    weekly_due(client, clock)
    assert 'name="then"' not in client.get("/screen", params={"next": elsewhere}).text
    answer = client.post(
        "/screen", data={"weekly": "same", "then": elsewhere}, follow_redirects=False
    )
    assert answer.headers["location"] == "/screen/result"


def test_next_waits_when_the_answers_still_need_a_clinician(
    client: TestClient, clock: FakeNow
) -> None:
    weekly_due(client, clock, night_pain="yes")  # kept as last time: still see a clinician
    answer = client.post(
        "/screen", data={"weekly": "same", "then": "/play"}, follow_redirects=False
    )
    assert answer.headers["location"] == "/screen/result"
    assert "See a clinician before you stretch" in client.get("/screen/result").text


def test_a_self_care_result_has_one_button_above_its_advice(client: TestClient) -> None:
    result = client.post("/screen", data=all_no_form()).text
    main = result.split('<main id="main"', 1)[1]
    assert main.count('class="button start"') == 1
    assert main.index('class="button start"') < main.index("What your answers mean")
    client.post("/profile", data={"areas": ["hips"], "minutes": "5", "setting": "chair"})
    again = client.get("/screen/result").text
    assert '<a class="button start" href="/play">Start today\'s routine</a>' in again
