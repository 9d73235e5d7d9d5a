"""Documents cannot tie up the server: each requester has an allowance of PDF handouts and
summaries in ten minutes (429 beyond it, then again after the window), and one server process
draws one at a time (the next waits its turn, or hears 503 when the turn does not come in
time), while pages and the API go on answering."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from backstretch.config import get_settings
from backstretch.render import handout as render_handout
from backstretch.web.app import create_app
from backstretch.web.documents import DocumentTurns
from tests.factories import all_no_answers
from tests.fakes import FakeNow
from tests.web.conftest import PASSWORD, browser_like, register
from tests.web.test_share_pages import share

BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
HANDOUT = "/plan/handout.pdf?preset=desk-break"
SUMMARY = "/data/summary.pdf"
LOWER_BACK = {"areas": ["lower_back"], "minutes": "10", "setting": "floor"}


def make_app(clock: FakeNow, **settings: Any) -> FastAPI:
    return create_app(get_settings().model_copy(update=settings), clock=clock)


def screen(client: TestClient) -> TestClient:
    assert client.post("/api/screen", json=all_no_answers()).status_code == 200
    return client


def is_pdf(answer: Any) -> None:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"


# The allowance -----------------------------------------------------------------------------------


@pytest.fixture
def two_documents(database_url: str, clock: FakeNow) -> Iterator[TestClient]:
    """One person alone, who may have two documents made in ten minutes."""
    del database_url
    app = make_app(clock, documents_per_ten_minutes=2)
    with browser_like(TestClient(app, raise_server_exceptions=False)) as client:
        yield screen(client)


def test_past_the_allowance_a_document_waits_for_the_window(
    two_documents: TestClient, clock: FakeNow
) -> None:
    client = two_documents
    is_pdf(client.get(HANDOUT))
    is_pdf(client.get(SUMMARY))  # handouts and summaries share one allowance

    page = client.get(HANDOUT, headers=BROWSER)
    assert page.status_code == 429
    assert page.headers["retry-after"] == "600"
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>Please wait a little</h1>" in page.text
    assert "Try again in about 10 minutes." in page.text
    assert "too many documents in a short time" in page.text
    script = client.get("/data/summary.fhir.json")
    assert script.status_code == 429
    assert script.json()["detail"] == "too many documents in a short time: try again in 600 s"
    assert client.get("/plan", headers=BROWSER).status_code == 200  # pages are not limited

    clock.value += timedelta(minutes=9, seconds=30)
    refused = client.get(SUMMARY)  # refusals are not counted: the window does not move
    assert refused.status_code == 429 and refused.headers["retry-after"] == "30"
    assert "Try again in about 30 seconds." in client.get(SUMMARY, headers=BROWSER).text
    clock.value += timedelta(seconds=30)
    is_pdf(client.get(HANDOUT))


@pytest.fixture
def one_document(database_url: str, clock: FakeNow) -> Iterator[FastAPI]:
    """The app serving many people, each (or each address) allowed one document in ten
    minutes."""
    del database_url
    app = make_app(clock, accounts=True, documents_per_ten_minutes=1)
    with TestClient(app):
        yield app


def test_another_person_has_an_allowance_of_their_own(one_document: FastAPI) -> None:
    ana, ben = (screen(register(one_document, name)) for name in ("ana", "ben"))
    is_pdf(ana.get(HANDOUT))
    assert ana.get(HANDOUT).status_code == 429
    is_pdf(ben.get(HANDOUT))  # from the same address as ana: counted by person


def from_address(app: FastAPI, host: str) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, client=(host, 40000))


def test_a_shared_link_without_a_login_is_limited_by_address(one_document: FastAPI) -> None:
    sender = screen(register(one_document, "kestrel-physio"))
    assert sender.post("/profile", data=LOWER_BACK).status_code == 200
    saved = sender.post("/routines", data={"name": "Mornings", "items": "cat-cow,pelvic-tilt"})
    assert saved.status_code == 200, saved.text
    handout = f"{share(sender)}/handout.pdf"

    first = from_address(one_document, "203.0.113.7")
    is_pdf(first.get(handout))
    refused = first.get(handout, headers=BROWSER)
    assert refused.status_code == 429 and refused.headers["retry-after"] == "600"
    assert "Please wait a little" in refused.text
    assert first.get(handout.removesuffix("/handout.pdf")).status_code == 200  # the page is not
    is_pdf(from_address(one_document, "198.51.100.20").get(handout))
    # Someone who logs in at the address that used its allowance is counted as a person.
    member = browser_like(from_address(one_document, "203.0.113.7"))
    member.get("/register")
    form = {"username": "heron-walker", "password": PASSWORD, "password_again": PASSWORD}
    assert member.post("/register", data=form, follow_redirects=False).status_code == 303
    is_pdf(member.get(handout))


# One at a time -----------------------------------------------------------------------------------


class HeldHandouts:
    """Handouts that stop just before WeasyPrint draws them, until the test lets them go."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.drawing = threading.Event()
        self.go = threading.Event()
        draw_pdf = render_handout.write_pdf

        def held(html: str, **options: Any) -> bytes:
            self.drawing.set()
            assert self.go.wait(timeout=60), "the test never let the handout go"
            return draw_pdf(html, **options)

        monkeypatch.setattr(render_handout, "write_pdf", held)

    def start(self, client: TestClient, pool: ThreadPoolExecutor) -> Future[Any]:
        """Ask for a handout on another thread; return once it holds the turn."""
        answer = pool.submit(client.get, HANDOUT)
        assert self.drawing.wait(timeout=60), answer.result()
        return answer


def turns_of(client: TestClient) -> DocumentTurns:
    turns: DocumentTurns = client.app.state.document_turns  # type: ignore[attr-defined]
    return turns


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> HeldHandouts:
    return HeldHandouts(monkeypatch)


@pytest.fixture
def pool(held: HeldHandouts) -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=2) as threads:
        yield threads
        held.go.set()  # a test that failed half-way lets its handout go, so the threads end


@pytest.fixture
def served(database_url: str, clock: FakeNow) -> Iterator[Callable[[float], TestClient]]:
    """One person alone, on an app whose documents wait for a turn at most the seconds given."""
    del database_url
    with ExitStack() as clients:

        def serve(wait_seconds: float) -> TestClient:
            app = make_app(clock, document_wait_seconds=wait_seconds)
            client = TestClient(app, raise_server_exceptions=False)
            return screen(clients.enter_context(browser_like(client)))

        yield serve


def test_while_a_document_is_drawn_the_next_is_told_to_come_back_and_pages_answer(
    served: Callable[[float], TestClient], held: HeldHandouts, pool: ThreadPoolExecutor
) -> None:
    client = served(0)
    first = held.start(client, pool)

    busy = client.get(SUMMARY)
    assert busy.status_code == 503 and busy.headers["retry-after"] == "5"
    assert busy.json()["detail"] == "the server is busy making other documents: try again in 5 s"
    page = client.get("/data/summary.fhir.json", headers=BROWSER)
    assert page.status_code == 503
    assert "<h1>Please wait a little</h1>" in page.text
    assert "The server is busy just now. Try again in about 5 seconds." in page.text
    # The same event loop answers the pages and the player's API meanwhile.
    assert client.get("/plan", params={"preset": "desk-break"}).status_code == 200
    assert client.get("/api/stretches").status_code == 200
    assert client.post("/api/plan", json={"preset": "desk-break"}).status_code == 200
    assert not first.done()

    held.go.set()
    is_pdf(first.result(timeout=60))
    is_pdf(client.get(SUMMARY))  # the turn is free again


def test_a_document_waits_its_turn_rather_than_fail(
    served: Callable[[float], TestClient], held: HeldHandouts, pool: ThreadPoolExecutor
) -> None:
    client = served(60)
    first = held.start(client, pool)
    second = pool.submit(client.get, SUMMARY)
    turns = turns_of(client)
    for _ in range(6000):  # until the summary is waiting for its turn (a minute at most)
        if turns.waiting == 1 or second.done():
            break
        threading.Event().wait(0.01)
    assert turns.waiting == 1, second.result()
    assert client.get("/api/health").status_code == 200  # the event loop answers meanwhile

    held.go.set()
    is_pdf(first.result(timeout=60))
    is_pdf(second.result(timeout=60))
    assert turns.waiting == 0
