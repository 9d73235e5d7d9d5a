"""The handout from the browser: a button on the plan and routines pages, a PDF of that routine."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape

from fastapi.testclient import TestClient
from httpx2 import Response

from tests.factories import all_no_answers
from tests.render.reading import handout_text, page_count, qr_codes

LOWER_BACK = {"areas": ["lower_back"], "minutes": "10", "setting": "floor"}


def planned_names(page: str) -> list[str]:
    routine = page.split('<ol class="routine">')[1].split("</ol>")[0]
    return re.findall(r'<h2><a href="/stretches/[a-z0-9-]+">([^<]+)</a>', routine)


def handout_links(page: str) -> list[str]:
    return [unescape(link) for link in re.findall(r'href="(/plan/handout\.pdf\?[^"]+)"', page)]


def is_pdf(answer: Response, filename: str) -> bytes:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == f'inline; filename="{filename}"'
    assert answer.headers["cache-control"] == "no-store"
    return answer.content


def test_the_plan_page_prints_its_routine_on_a4_or_letter(screened: TestClient) -> None:
    page = unescape(screened.post("/profile", data=LOWER_BACK).text)
    names = planned_names(page)
    a4, letter = handout_links(page)
    assert "Print handout (PDF)" in page
    assert (a4, letter) == ("/plan/handout.pdf?paper=a4", "/plan/handout.pdf?paper=letter")
    for link in (a4, letter):
        pdf = is_pdf(screened.get(link), "handout-my-routine.pdf")
        assert page_count(pdf) <= 2
        assert qr_codes(pdf) == ["http://testserver/plan"]
        text = handout_text(pdf, "My routine")
        for number, name in enumerate(names, 1):
            assert f"{number}. {name}" in text


def test_an_edited_plan_prints_as_edited(screened: TestClient) -> None:
    screened.post("/profile", data=LOWER_BACK)
    page = unescape(screened.get("/plan", params={"items": "pelvic-tilt,cat-cow"}).text)
    assert planned_names(page) == ["Cat-cow", "Pelvic tilt"]  # moving before lying still
    (link, _letter) = handout_links(page)
    assert link == "/plan/handout.pdf?items=cat-cow%2Cpelvic-tilt&paper=a4"
    pdf = is_pdf(screened.get(link), "handout-my-routine.pdf")
    assert qr_codes(pdf) == ["http://testserver/plan?items=cat-cow%2Cpelvic-tilt"]
    text = handout_text(pdf, "My routine")
    assert "1. Cat-cow" in text and "2. Pelvic tilt" in text and "3. " not in text


def test_each_saved_routine_has_its_handout(screened: TestClient) -> None:
    page = screened.post("/profile", data=LOWER_BACK).text
    items = ",".join(re.findall(r'<h2><a href="/stretches/([a-z0-9-]+)"', page))
    screened.post("/routines", data={"name": "Desk & door", "items": items})
    listing = screened.get("/routines").text
    (link,) = handout_links(listing)
    assert link == "/plan/handout.pdf?routine=Desk+%26+door&paper=a4"
    assert 'aria-label="Print handout (PDF) of Desk &amp; door"' in listing
    pdf = is_pdf(screened.get(link), "handout-desk-door.pdf")
    assert qr_codes(pdf) == ["http://testserver/plan?routine=Desk+%26+door"]
    assert "Desk & door" in handout_text(pdf, "Desk & door")


def test_a_preset_prints_too(screened: TestClient) -> None:
    answer = screened.get("/plan/handout.pdf", params={"preset": "desk-break", "paper": "letter"})
    pdf = is_pdf(answer, "handout-desk-break.pdf")
    assert qr_codes(pdf) == ["http://testserver/plan?preset=desk-break"]


def test_bad_input_is_a_4xx_with_the_reason(screened: TestClient) -> None:
    screened.post("/profile", data=LOWER_BACK)
    cases = [
        ({"paper": "a5"}, 422, "&#39;a5&#39; is not a paper size; use a4 or letter"),
        ({"routine": "Nope"}, 404, "no saved routine called &#39;Nope&#39;"),
        ({"preset": "nope"}, 422, "unknown preset &#39;nope&#39;"),
        ({"items": "Not an id!"}, 422, "the request is not valid"),
    ]
    for query, status, said in cases:
        answer = screened.get("/plan/handout.pdf", params=query, headers={"accept": "text/html"})
        assert answer.status_code == status, query
        assert said in answer.text, answer.text
    api_like = screened.get("/plan/handout.pdf", params={"paper": "a5"})
    assert api_like.status_code == 422
    assert api_like.json()["problems"] == [
        {"field": "paper", "problem": "paper: 'a5' is not a paper size; use a4 or letter"}
    ]


def test_a_safety_block_gives_no_handout_and_no_button(client: TestClient) -> None:
    client.post("/api/screen", json=all_no_answers(night_pain=True))
    page = client.post("/profile", data=LOWER_BACK).text
    assert not handout_links(page)
    answer = client.get("/plan/handout.pdf")
    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["blocked"] is True
    assert answer.json()["advice"]["title"] == "See a clinician before you stretch"


def test_without_a_screening_there_is_no_button_and_no_handout(client: TestClient) -> None:
    page = client.post("/profile", data=LOWER_BACK).text
    assert not handout_links(page)
    answer = client.get("/plan/handout.pdf", headers={"accept": "text/html"})
    assert answer.status_code == 409
    assert "no safety screening on file yet" in answer.text


def test_without_a_profile_it_asks_for_one_first(screened: TestClient) -> None:
    answer = screened.get("/plan/handout.pdf", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/profile"


def test_someone_else_cannot_print_your_saved_routine(
    person: Callable[[str], TestClient],
) -> None:
    ada, bo = person("ada"), person("bo")
    for someone in (ada, bo):
        assert someone.post("/api/screen", json=all_no_answers()).status_code == 200
        someone.post("/profile", data=LOWER_BACK)
    ada.post("/routines", data={"name": "Mine", "items": "cat-cow,pelvic-tilt"})
    assert ada.get("/plan/handout.pdf", params={"routine": "Mine"}).status_code == 200
    assert bo.get("/plan/handout.pdf", params={"routine": "Mine"}).status_code == 404
