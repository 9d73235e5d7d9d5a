"""Routines from a therapist in the browser: one person builds and shares a routine, another
opens the link (seeing only the routine), adds it and plans it through their own safety rules;
revoked and guessed links answer 404; bad files are refused. On SQLite and PostgreSQL.

Forms are sent as a browser sends them: the CSRF token read from the page, in the form's body.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.factories import all_no_answers, own_stretch_document
from tests.render.reading import pdf_text, qr_codes
from tests.web.conftest import PASSWORD

# Distinctive values of the sender's: none may reach anybody else's answer.
SENDER = "kestrel-physio"
RECEIVER = "heron-walker"
ROUTINE = "Kestrel mornings"
KNEELING = own_stretch_document(
    "my-rocking-kneel",
    name="Rocking kneel",
    summary="Rock back gently from kneeling.",
    position="kneeling",
    movements=["kneeling", "floor"],
)


def form_of(page: str, action: str) -> str:
    return page.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]


class _Fields(HTMLParser):
    """The fields a browser sends for a form, with the values the page gives them."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        name = found.get("name")
        if tag == "input" and name:
            kind = found.get("type", "text")
            if kind == "file" or (kind in ("checkbox", "radio") and "checked" not in found):
                return
            self.fields.append((name, found.get("value", "")))
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select is not None:
            self._options.append((found.get("value", ""), "selected" in found))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected] or [
                value for value, _ in self._options[:1]
            ]
            self.fields += [(self._select, value) for value in chosen]
            self._select = None


def submit(
    client: TestClient,
    page: str,
    action: str,
    data: dict[str, Any] | None = None,
    files: dict[str, Any] | None = None,
) -> Any:
    """Send the form at `action` of `page` as a browser does: every field with the value the
    page gives it, changed by `data`; the page's CSRF token first, in the body, and no token
    header."""
    form = form_of(page, action)
    first_input = form.split("<input", 1)[1].split(">", 1)[0]
    assert 'name="csrftoken"' in first_input, form[:200]
    parser = _Fields()
    parser.feed(form)
    body: dict[str, Any] = {}
    for name, value in parser.fields:
        if name in body:
            body[name] = (
                [*body[name], value] if isinstance(body[name], list) else [body[name], value]
            )
        else:
            body[name] = value
    body.update(data or {})
    hooks = client.event_hooks
    client.event_hooks = {"request": [], "response": []}
    try:
        return client.post(html.unescape(action), data=body, files=files, follow_redirects=False)
    finally:
        client.event_hooks = hooks


def field_names(page: str, action: str) -> list[str]:
    return re.findall(r'name="([a-z_]+(?:-[a-z0-9-]+)?)"', form_of(page, action))


def add_own_stretch(client: TestClient, document: dict[str, Any]) -> None:
    page = client.get("/stretches").text
    files = {"file": ("mine.yaml", yaml.safe_dump(document).encode(), "application/yaml")}
    added = submit(client, page, "/stretches/own", files=files)
    assert added.status_code == 303, added.text


def build(client: TestClient, name: str = ROUTINE, **doses: Any) -> Any:
    """Build a routine in two steps: pick cat-cow, knee-to-chest and the own kneeling stretch,
    then set the doses and notes and save."""
    picked = ["cat-cow", "knee-to-chest", "my-rocking-kneel"]
    step_two = client.get("/routines/build", params={"pick": picked})
    assert step_two.status_code == 200
    assert step_two.headers["cache-control"] == "no-store"
    values = {
        "name": name,
        "pick": picked,
        "way-cat-cow": "floor",
        "reps-cat-cow": "12",
        "sets-cat-cow": "1",
        "hold-knee-to-chest": "20",
        "reps-knee-to-chest": "2",
        "sets-knee-to-chest": "1",
        "note-knee-to-chest": "Keep the knee soft",
        "hold-my-rocking-kneel": "25",
        "reps-my-rocking-kneel": "2",
        "sets-my-rocking-kneel": "1",
        **doses,
    }
    return submit(client, step_two.text, "/routines/build", values)


def share(client: TestClient) -> str:
    """Share the person's one routine by link; return the link's path."""
    page = client.get("/routines").text
    routine_id = re.search(r'<option value="(\d+)">', form_of(page, "/routines/shares"))
    assert routine_id is not None
    made = submit(client, page, "/routines/shares", {"routine_id": routine_id.group(1)})
    assert made.status_code == 303, made.text
    assert made.headers["location"] == "/routines?done=shared#shares"
    listed = client.get("/routines").text
    paths = re.findall(r'href="(/r/[A-Za-z0-9_-]{32})"', listed)
    assert len(paths) == 1
    return paths[0]


@pytest.fixture
def sender(person: Callable[[str], TestClient]) -> TestClient:
    """A person who has screened, with their own kneeling stretch and a routine built."""
    client = person(SENDER)
    assert client.post("/api/screen", json=all_no_answers(wrist_pain=True)).status_code == 200
    add_own_stretch(client, KNEELING)
    assert build(client).status_code == 303
    return client


@pytest.fixture
def link(sender: TestClient) -> str:
    return share(sender)


@pytest.fixture
def receiver(person: Callable[[str], TestClient]) -> TestClient:
    client = person(RECEIVER)
    assert client.post("/api/screen", json=all_no_answers()).status_code == 200
    return client


def visitor(app: Any) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


# Building ----------------------------------------------------------------------------------------


def test_the_builder_lists_every_stretch_own_ones_first(
    person: Callable[[str], TestClient],
) -> None:
    client = person(SENDER)
    add_own_stretch(client, KNEELING)
    page = client.get("/routines/build")
    assert page.status_code == 200
    text = page.text
    assert text.index("Your own stretches") < text.index("Neck and shoulders")
    assert 'value="my-rocking-kneel"' in text and 'value="cat-cow"' in text
    # The first step is a plain GET form (nothing stored), the file upload carries its token.
    assert 'method="get" action="/routines/build"' in text
    assert field_names(text, "/routines/receive") == ["csrftoken", "file", "name"]
    # The routines page leads here.
    assert 'href="/routines/build"' in client.get("/routines").text


def test_step_two_offers_each_stretchs_ways_and_ranges(person: Callable[[str], TestClient]) -> None:
    client = person(SENDER)
    page = client.get("/routines/build", params={"pick": ["knee-to-chest", "cat-cow"]}).text
    assert field_names(page, "/routines/build")[:3] == ["csrftoken", "name", "pick"]
    assert 'name="hold-knee-to-chest" value="30" min="15" max="30"' in page
    assert 'name="reps-cat-cow" value="10" min="10" max="20"' in page
    assert "Hold, seconds (15-30)" in page and "Reps (10-20)" in page
    assert '<option value="bed" selected>on a bed</option>' not in page
    assert 'name="note-cat-cow"' in page and 'maxlength="200"' in page
    # Back to the first step with the same stretches ticked.
    again = client.get("/routines/build", params={"pick": ["cat-cow"], "change": "1"}).text
    assert 'value="cat-cow" checked' in again


@pytest.mark.parametrize(
    ("doses", "said"),
    [
        ({"hold-knee-to-chest": "45"}, "Knee-to-chest (hold): choose 15-30 s, not 45"),
        ({"reps-cat-cow": "25"}, "Cat-cow (repetitions): choose 10-20 reps, not 25"),
        ({"sets-cat-cow": "9"}, "Cat-cow (sets): must be 1-3, not 9"),
        (
            {"reps-cat-cow": "ten"},
            "Cat-cow (repetitions): expected a whole number, not &#39;ten&#39;",
        ),
        ({"way-cat-cow": "bed"}, "Cat-cow (way): cat-cow is done"),
        ({"note-knee-to-chest": "x" * 250}, "Knee-to-chest (note): a note has at most 200"),
        ({"name": ""}, "give the routine a name"),
    ],
)
def test_the_builder_refuses_doses_out_of_range_and_keeps_what_was_typed(
    person: Callable[[str], TestClient], doses: dict[str, str], said: str
) -> None:
    client = person(SENDER)
    add_own_stretch(client, KNEELING)
    refused = build(client, **doses)
    assert refused.status_code == 422
    assert "Nothing was saved" in refused.text and said in refused.text
    # The form is shown again with the values typed, to put right.
    assert 'value="Keep the knee soft"' in refused.text or "note-knee-to-chest" in doses
    assert "No saved routines yet" in client.get("/routines").text


def test_a_name_in_use_is_refused_with_409(person: Callable[[str], TestClient]) -> None:
    client = person(SENDER)
    add_own_stretch(client, KNEELING)
    assert build(client).status_code == 303
    again = build(client)
    assert again.status_code == 409
    assert f"already have a routine called &#39;{ROUTINE}&#39;" in again.text


# Sharing and opening -----------------------------------------------------------------------------


def test_another_person_sees_only_the_routine(
    accounts_app: Any, link: str, receiver: TestClient
) -> None:
    for reader in (receiver, visitor(accounts_app)):
        page = reader.get(link)
        assert page.status_code == 200, page.text
        assert page.headers["cache-control"] == "no-store"
        assert "noindex" in page.headers["x-robots-tag"]
        text = page.text
        assert ROUTINE in text
        for shown in ("Cat-cow", "Knee-to-chest", "Rocking kneel", "Keep the knee soft"):
            assert shown in text
        assert "12 reps" in text and "20 s × 2 each side" in text and "25 s × 2" in text
        assert "on the floor" in text
        assert f'href="{link}/handout.pdf"' in text and f'href="{link}/routine.yaml"' in text
        # Nothing of the sender's: not their name, nor their screening.
        assert SENDER not in text
        assert "wrist" not in text.lower()
    assert "Add to my routines" in receiver.get(link).text
    logged_out = visitor(accounts_app).get(link).text
    assert "Add to my routines" not in logged_out
    assert "/login?next=%2Fr%2F" in logged_out


def test_the_shared_file_holds_only_the_routine(
    accounts_app: Any, sender: TestClient, link: str
) -> None:
    download = visitor(accounts_app).get(f"{link}/routine.yaml")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == (
        'attachment; filename="routine-kestrel-mornings.yaml"'
    )
    document = yaml.safe_load(download.text)
    assert set(document) == {"name", "items", "stretches"}
    assert document["items"][1] == {
        "stretch": "knee-to-chest",
        "way": "floor",
        "hold_seconds": 20,
        "reps": 2,
        "sets": 1,
        "note": "Keep the knee soft",
    }
    assert [s["id"] for s in document["stretches"]] == ["my-rocking-kneel"]
    assert SENDER not in download.text and "wrist" not in download.text
    # The sender downloads the same file from their routines page, without a link.
    page = sender.get("/routines").text
    routine_id = re.search(r'<option value="(\d+)">', form_of(page, "/routines/file"))
    assert routine_id is not None
    own = sender.get("/routines/file", params={"routine_id": routine_id.group(1)})
    assert own.status_code == 200 and own.text == download.text
    assert own.headers["cache-control"] == "no-store"


def test_the_handout_of_a_shared_routine_links_back_to_it(accounts_app: Any, link: str) -> None:
    answer = visitor(accounts_app).get(f"{link}/handout.pdf")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    text = pdf_text(answer.content)
    assert ROUTINE in text and "Knee-to-chest" in text and "Rocking kneel" in text
    assert SENDER not in text
    assert qr_codes(answer.content) == [f"http://testserver{link}"]
    letter = visitor(accounts_app).get(f"{link}/handout.pdf", params={"paper": "letter"})
    assert letter.status_code == 200
    assert visitor(accounts_app).get(f"{link}/handout.pdf?paper=a0").status_code == 422


def test_the_receiver_adds_it_and_plans_it_within_their_own_rules(
    link: str, receiver: TestClient
) -> None:
    page = receiver.get(link).text
    assert field_names(page, f"{link}/add") == ["csrftoken", "name"]
    added = submit(receiver, page, f"{link}/add", {"name": ROUTINE})
    assert added.status_code == 303 and added.headers["location"] == "/routines?done=added"
    routines = receiver.get(added.headers["location"]).text
    assert ROUTINE in routines and "Added to your routines" in routines
    assert "Rocking kneel" in receiver.get("/stretches/my-rocking-kneel").text

    planned = receiver.get("/plan", params={"routine": ROUTINE})
    assert planned.status_code == 200
    assert 'data-stretch="my-rocking-kneel"' in planned.text
    assert 'data-stretch="cat-cow"' in planned.text

    # The receiver's knees dislike kneeling: the same routine, planned again, swaps or leaves
    # out every kneeling stretch, and the plan page says so.
    rescreened = receiver.post("/api/screen", json=all_no_answers(knee_pain_kneeling=True))
    assert rescreened.status_code == 200
    again = receiver.get("/plan", params={"routine": ROUTINE}).text
    assert 'data-stretch="my-rocking-kneel"' not in again
    assert 'data-stretch="cat-cow"' not in again
    assert 'data-stretch="knee-to-chest"' in again
    assert "Left out" in again and "Rocking kneel: it puts weight on the knees" in again
    assert "Swapped for you" in again and "Cat-cow →" in again
    api = receiver.post("/api/plan", json={"routine": ROUTINE}).json()
    told = {s["from"] for s in api["swaps"]} | {e["stretch"] for e in api["excluded"]}
    assert {"cat-cow", "my-rocking-kneel"} <= told


def test_adding_twice_asks_for_another_name(link: str, receiver: TestClient) -> None:
    page = receiver.get(link).text
    assert submit(receiver, page, f"{link}/add", {"name": ROUTINE}).status_code == 303
    twice = submit(receiver, page, f"{link}/add", {"name": ROUTINE})
    assert twice.status_code == 409
    assert "add this one under another name" in twice.text
    assert submit(receiver, page, f"{link}/add", {"name": "Second"}).status_code == 303


def test_a_visitor_adding_is_sent_to_log_in(accounts_app: Any, link: str) -> None:
    refused = visitor(accounts_app).post(f"{link}/add", data={"name": "x"}, follow_redirects=False)
    assert refused.status_code in (303, 403)  # the login page, or the missing CSRF token


def test_revoked_and_guessed_links_answer_404(
    accounts_app: Any, sender: TestClient, link: str, receiver: TestClient
) -> None:
    assert visitor(accounts_app).get(link).status_code == 200
    page = sender.get("/routines").text
    share_id = re.search(r'action="/routines/shares/(\d+)/revoke"', page)
    assert share_id is not None
    # Nobody else can close it.
    assert receiver.post(f"/routines/shares/{share_id.group(1)}/revoke").status_code == 404
    assert visitor(accounts_app).get(link).status_code == 200
    revoked = submit(sender, page, f"/routines/shares/{share_id.group(1)}/revoke")
    assert revoked.status_code == 303
    assert "That link is closed" in sender.get("/routines?done=revoked").text
    token = link.removeprefix("/r/")
    guessed = "A" * 32
    for path in (
        link,
        f"{link}/handout.pdf",
        f"{link}/routine.yaml",
        f"/r/{guessed}",
        f"/r/{guessed}/handout.pdf",
        f"/r/{token[:-1]}",
        f"/r/{token}x",
    ):
        answer = visitor(accounts_app).get(path)
        assert answer.status_code == 404, path
        assert ROUTINE not in answer.text
    refused = submit(receiver, receiver.get("/routines/build").text, "/routines/receive", files={})
    assert refused.status_code == 422  # no file given
    assert receiver.post(f"{link}/add", data={"name": "x"}).status_code == 404


def test_a_deleted_account_closes_its_links(
    accounts_app: Any, sender: TestClient, link: str
) -> None:
    page = sender.get("/account").text
    deleted = submit(sender, page, "/account/delete", {"password": PASSWORD, "confirm": "delete"})
    assert deleted.status_code == 303, deleted.text
    assert visitor(accounts_app).get(link).status_code == 404


# Receiving a file --------------------------------------------------------------------------------


def upload(client: TestClient, content: bytes, name: str = "") -> Any:
    page = client.get("/routines/build").text
    files = {"file": ("from-physio.yaml", content, "application/yaml")}
    return submit(client, page, "/routines/receive", {"name": name}, files=files)


def test_a_file_adds_the_routine_and_its_stretches(
    accounts_app: Any, link: str, receiver: TestClient
) -> None:
    content = visitor(accounts_app).get(f"{link}/routine.yaml").content
    assert upload(receiver, content, "From my physio").status_code == 303
    assert "From my physio" in receiver.get("/routines").text
    assert receiver.get("/stretches/my-rocking-kneel").status_code == 200


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            lambda d: d["stretches"][0].update(id="cat-cow"),
            "stretches.0: id: a stretch a routine brings along has an id starting with",
        ),
        (
            lambda d: d["stretches"][0].update(movements=["floor"]),
            "movements must include kneeling",
        ),
        (lambda d: d["stretches"][0]["dose"].update(hold_seconds=900), "dose.hold_seconds"),
        (lambda d: d.update(stretches=[]), "no stretch with id &#39;my-rocking-kneel&#39;"),
        (lambda d: d.update(patient="Ana Smith"), "patient: unknown field"),
    ],
)
def test_a_file_with_a_bad_or_malicious_stretch_is_refused(
    accounts_app: Any, link: str, receiver: TestClient, change: Any, said: str
) -> None:
    document = yaml.safe_load(visitor(accounts_app).get(f"{link}/routine.yaml").text)
    change(document)
    refused = upload(receiver, yaml.safe_dump(document).encode())
    assert refused.status_code == 422
    assert "Not added: from-physio.yaml" in refused.text and said in refused.text
    assert "No saved routines yet" in receiver.get("/routines").text
    assert receiver.get("/stretches/my-rocking-kneel").status_code == 404


def test_a_file_that_is_too_large_or_not_text_is_refused(receiver: TestClient) -> None:
    too_large = upload(receiver, b"#" * 1_000_001)
    assert too_large.status_code == 413 and "larger than 1000 kB" in too_large.text
    binary = upload(receiver, b"\xff\xfe\x00")
    assert binary.status_code == 422 and "not a text file" in binary.text


def test_a_clashing_stretch_gets_a_clear_answer(
    accounts_app: Any, link: str, receiver: TestClient
) -> None:
    add_own_stretch(receiver, {**KNEELING, "name": "My other kneel"})
    content = visitor(accounts_app).get(f"{link}/routine.yaml").content
    clash = upload(receiver, content)
    assert clash.status_code == 409
    assert "brings its own stretch &#39;my-rocking-kneel&#39;" in clash.text
    assert "remove or rename your &#39;my-rocking-kneel&#39;" in clash.text


# The routines page and single-person mode --------------------------------------------------------


def test_the_routines_page_lists_what_is_shared_with_revoke_buttons(
    sender: TestClient, link: str
) -> None:
    page = sender.get("/routines").text
    assert "Routines you share" in page
    assert f'value="http://testserver{link}" readonly' in page
    share_id = re.search(r'action="/routines/shares/(\d+)/revoke"', page)
    assert share_id is not None
    assert field_names(page, f"/routines/shares/{share_id.group(1)}/revoke") == ["csrftoken"]
    assert field_names(page, "/routines/shares") == ["csrftoken", "routine_id"]


def test_one_person_alone_builds_shares_and_adds(client: TestClient) -> None:
    client.post("/api/screen", json=all_no_answers())
    assert build(client, **{"pick": ["cat-cow", "knee-to-chest"]}).status_code == 303
    path = share(client)
    page = client.get(path).text
    assert "Add to my routines" in page
    assert submit(client, page, f"{path}/add", {"name": "A copy"}).status_code == 303
    assert "A copy" in client.get("/routines").text


def test_another_persons_routine_cannot_be_shared_or_downloaded(
    sender: TestClient, receiver: TestClient
) -> None:
    page = sender.get("/routines").text
    routine_id = re.search(r'<option value="(\d+)">', form_of(page, "/routines/shares"))
    assert routine_id is not None
    stolen = receiver.post("/routines/shares", data={"routine_id": routine_id.group(1)})
    assert stolen.status_code == 404
    assert (
        receiver.get("/routines/file", params={"routine_id": routine_id.group(1)}).status_code
        == 404
    )
    assert "Routines you share" in receiver.get("/routines").text
    assert "/r/" not in receiver.get("/routines").text


def test_a_visitor_cannot_reach_the_builder(accounts_app: Any) -> None:
    answer = visitor(accounts_app).get("/routines/build", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
