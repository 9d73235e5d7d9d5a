"""Own stretches and saved routines in the browser: upload, remove, save, list, use, delete;
another person's stretch or routine is never seen nor touched (404), on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import yaml
from fastapi.testclient import TestClient

from backstretch.config import get_settings
from backstretch.services.accounts import register_account
from backstretch.services.context import PersonContext
from backstretch.services.own_stretches import add_own_stretch, own_stretches
from backstretch.services.planning import PlanChoice, plan_today
from backstretch.services.routines import save_routine, saved_routines
from backstretch.web.app import create_app
from tests.data.test_catalogue import VALID
from tests.fakes import FakeNow
from tests.web.conftest import PASSWORD, local_person, services_of

UPPER_BACK = {"areas": ["upper_back"], "minutes": "10", "setting": "floor"}


def stretch_yaml(**changes: Any) -> str:
    entry = copy.deepcopy(VALID)
    entry.update(changes)
    return yaml.safe_dump(entry, sort_keys=False)


def upload(
    client: TestClient, text: str | bytes, name: str = "wall.yaml", replace: bool = False
) -> Any:
    return client.post(
        "/stretches/own",
        files={"file": (name, text, "application/yaml")},
        data={"replace": "on"} if replace else {},
        follow_redirects=False,
    )


def own_ids(person: PersonContext) -> list[str]:
    """Return the ids of the person's own stretches as stored now (a context keeps the
    catalogue it was made with)."""
    return [stretch.id for stretch in own_stretches(person.services.person(person.owner_id))]


def second_person(client: TestClient) -> PersonContext:
    """Make a second account in the app's database; return that person's context."""
    services = services_of(client.app)
    account, _token = register_account(services, username="second", password=PASSWORD)
    return services.person(account.id)


def form_fields(page: str, action: str) -> list[str]:
    """Return the names of a form's fields, in order."""
    form = page.split(f'action="{action}"')[1].split("</form>")[0]
    return re.findall(r'name="([a-z_]+)"', form)


# Own stretches -----------------------------------------------------------------------------------


def test_the_library_offers_the_upload_form_with_the_token_first(client: TestClient) -> None:
    page = client.get("/stretches").text
    assert "Add your own stretch" in page
    assert 'enctype="multipart/form-data"' in page
    assert form_fields(page, "/stretches/own") == ["csrftoken", "file", "replace"]


def test_upload_an_own_stretch_then_see_it_and_remove_it(client: TestClient) -> None:
    answer = upload(client, stretch_yaml())
    assert answer.status_code == 303
    assert answer.headers["location"] == "/stretches/my-wall-stretch"
    assert own_ids(local_person(client)) == ["my-wall-stretch"]

    page = client.get("/stretches/my-wall-stretch")
    assert page.status_code == 200
    assert "Wall chest stretch" in page.text
    assert "My physiotherapist" in page.text
    assert form_fields(page.text, "/stretches/own/my-wall-stretch/remove") == ["csrftoken"]
    library = client.get("/stretches").text
    assert 'href="/stretches/my-wall-stretch"' in library
    assert "your own" in library
    searched = client.get("/stretches", params={"search": "wall chest"}).text
    assert "1 stretch" in searched
    # A built-in stretch has no remove button.
    assert "/remove" not in client.get("/stretches/cat-cow").text

    removed = client.post("/stretches/own/my-wall-stretch/remove", follow_redirects=False)
    assert removed.status_code == 303
    assert removed.headers["location"] == "/stretches"
    assert own_ids(local_person(client)) == []
    assert client.get("/stretches/my-wall-stretch").status_code == 404


def test_an_own_stretch_can_be_planned(client: TestClient) -> None:
    upload(client, stretch_yaml())
    client.post("/profile", data=UPPER_BACK)
    page = client.get("/plan", params={"items": "my-wall-stretch,cat-cow"})
    assert page.status_code == 200
    assert 'href="/stretches/my-wall-stretch"' in page.text
    api = client.post("/api/plan", json={"profile": {"areas": ["upper_back"]}})
    assert api.status_code == 200


@pytest.mark.parametrize(
    ("content", "status", "said"),
    [
        (stretch_yaml(id="wall"), 422, "wall.yaml: id: your own stretch ids start with"),
        (stretch_yaml(dose={"hold_seconds": 90}), 422, "wall.yaml: dose.hold_seconds"),
        ("id: my-wall\nname: [oops\n", 422, "wall.yaml: line 3: not valid YAML"),
        (
            stretch_yaml(variants={"easier": ["my-nothing"]}),
            422,
            "wall.yaml: variants.easier: variant &#39;my-nothing&#39; does not exist",
        ),
        ("café".encode("latin-1"), 422, "wall.yaml: not a text file"),
        (stretch_yaml(summary="x" * 120_000), 413, "wall.yaml: larger than 100 kB"),
    ],
    ids=["no-prefix", "hold-90s", "not-yaml", "missing-variant", "not-utf-8", "too-large"],
)
def test_a_bad_upload_is_refused_on_a_page_and_stores_nothing(
    client: TestClient, content: str | bytes, status: int, said: str
) -> None:
    answer = upload(client, content)
    assert answer.status_code == status
    assert "Something needs another look" in answer.text
    assert said in answer.text
    assert own_ids(local_person(client)) == []


def test_the_same_id_needs_replace(client: TestClient) -> None:
    upload(client, stretch_yaml())
    refused = upload(client, stretch_yaml(name="Doorway stretch"))
    assert refused.status_code == 409
    assert "you already have my-wall-stretch" in refused.text
    assert "Wall chest stretch" in client.get("/stretches/my-wall-stretch").text
    replaced = upload(client, stretch_yaml(name="Doorway stretch"), replace=True)
    assert replaced.status_code == 303
    assert "Doorway stretch" in client.get("/stretches/my-wall-stretch").text


def test_removing_what_cannot_be_removed(client: TestClient) -> None:
    builtin = client.post("/stretches/own/cat-cow/remove")
    assert builtin.status_code == 422
    assert "cat-cow is built in" in builtin.text
    assert client.post("/stretches/own/my-nothing/remove").status_code == 404
    upload(client, stretch_yaml())
    upload(client, stretch_yaml(id="my-easy-wall", variant_of="my-wall-stretch"), "easy.yaml")
    linked = client.post("/stretches/own/my-wall-stretch/remove")
    assert linked.status_code == 409  # a conflict with what is stored
    assert "linked from my-easy-wall" in linked.text
    assert own_ids(local_person(client)) == ["my-easy-wall", "my-wall-stretch"]


def test_another_persons_own_stretch_is_not_seen_nor_removed(client: TestClient) -> None:
    other = second_person(client)
    add_own_stretch(other, stretch_yaml(id="my-door"), origin="door.yaml")
    assert client.get("/stretches/my-door").status_code == 404
    assert "my-door" not in client.get("/stretches").text
    assert client.post("/stretches/own/my-door/remove").status_code == 404
    client.post("/profile", data=UPPER_BACK)
    assert client.get("/plan", params={"items": "my-door"}).status_code == 422
    assert own_ids(other) == ["my-door"]
    # The same id is free for this person.
    assert upload(client, stretch_yaml(id="my-door"), "door.yaml").status_code == 303
    assert own_ids(other) == ["my-door"]


@pytest.fixture
def visitor(database_url: str, clock: FakeNow) -> Iterator[TestClient]:
    """A client of a server with accounts, logged in as nobody."""
    del database_url
    app = create_app(get_settings().model_copy(update={"accounts": True}), clock=clock)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_a_visitor_sees_the_built_in_library_without_the_form(visitor: TestClient) -> None:
    add_own_stretch(local_person(visitor), stretch_yaml(), origin="wall.yaml")
    page = visitor.get("/stretches")
    assert page.status_code == 200
    assert "my-wall-stretch" not in page.text
    assert "Add your own stretch" not in page.text
    assert visitor.get("/stretches/my-wall-stretch").status_code == 404
    assert visitor.get("/routines", follow_redirects=False).status_code in {303, 401}


# Saved routines ----------------------------------------------------------------------------------


def plan_items(client: TestClient) -> str:
    page = client.get("/plan").text
    form = page.split('action="/routines"')[1].split("</form>")[0]
    found = re.search(r'name="items" value="([a-z0-9,-]*)"', form)
    assert found is not None
    return found.group(1)


def test_save_list_use_and_delete_a_routine(screened: TestClient) -> None:
    screened.post("/profile", data=UPPER_BACK)
    page = screened.get("/plan").text
    assert "Save as a routine" in page
    assert form_fields(page, "/routines") == ["csrftoken", "items", "name"]
    items = plan_items(screened)
    assert items

    saved = screened.post(
        "/routines", data={"name": " Desk  break ", "items": items}, follow_redirects=False
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/routines?done=saved"
    listing = screened.get("/routines?done=saved").text
    assert "Saved." in listing
    assert "Desk break" in listing
    # "Use" plans the routine by name, so its own ways, doses and notes are the ones used.
    use = html.unescape(re.findall(r'href="(/plan\?routine=[^"]+)"', listing)[0])
    assert parse_qs(urlparse(use).query)["routine"] == ["Desk break"]
    used = screened.get(use).text
    form = used.split('action="/routines"')[1].split("</form>")[0]
    assert f'name="items" value="{items}"' in form  # the saved routine's stretches, in order
    assert plan_items(screened) == items  # the plain plan is the same as the saved one

    (routine,) = saved_routines(local_person(screened))
    assert routine.document["name"] == "Desk break"
    assert [item["stretch"] for item in routine.document["items"]] == items.split(",")
    assert form_fields(listing, f"/routines/{routine.id}/delete") == ["csrftoken"]
    deleted = screened.post(f"/routines/{routine.id}/delete", follow_redirects=False)
    assert deleted.status_code == 303
    assert deleted.headers["location"] == "/routines?done=deleted"
    listing = screened.get("/routines?done=deleted").text
    assert "Deleted." in listing
    assert "No saved routines yet" in listing
    assert screened.post(f"/routines/{routine.id}/delete").status_code == 404


def test_a_routine_with_a_name_in_use_or_no_name_is_refused(screened: TestClient) -> None:
    screened.post("/profile", data=UPPER_BACK)
    items = plan_items(screened)
    screened.post("/routines", data={"name": "Desk", "items": items})
    taken = screened.post("/routines", data={"name": "Desk", "items": "cat-cow"})
    assert taken.status_code == 409
    assert "you already have a routine called “Desk”" in taken.text
    blank = screened.post("/routines", data={"name": "  ", "items": items})
    assert blank.status_code == 422
    assert "give the routine a name" in blank.text
    empty = screened.post("/routines", data={"name": "Empty", "items": ""})
    assert empty.status_code == 422
    assert "the routine has no stretches" in empty.text
    unknown = screened.post("/routines", data={"name": "Odd", "items": "cat-cw"})
    assert unknown.status_code == 422
    assert "cat-cw" in unknown.text
    assert [r.name for r in saved_routines(local_person(screened))] == ["Desk"]


def test_saving_without_a_profile_asks_for_one(client: TestClient) -> None:
    answer = client.post(
        "/routines", data={"name": "Desk", "items": "cat-cow"}, follow_redirects=False
    )
    assert answer.headers["location"] == "/profile"


def test_another_persons_routine_is_not_seen_nor_deleted(screened: TestClient) -> None:
    other = second_person(screened)
    planned = plan_today(other, PlanChoice(flags={"areas": ["lower_back"]}))
    theirs = save_routine(other, name="Theirs", plan=planned.plan)
    assert "Theirs" not in screened.get("/routines").text
    assert screened.post(f"/routines/{theirs.id}/delete").status_code == 404
    assert screened.post("/routines/999999/delete").status_code == 404
    assert screened.post(f"/routines/{2**40}/delete").status_code == 422
    assert [r.name for r in saved_routines(other)] == ["Theirs"]
    # The same name is free for this person.
    screened.post("/profile", data=UPPER_BACK)
    mine = screened.post("/routines", data={"name": "Theirs", "items": plan_items(screened)})
    assert mine.status_code == 200
    assert "Theirs" in mine.text
