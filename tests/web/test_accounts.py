"""Accounts: register, log in and out, change the password, delete the account with its data;
the login cookie's flags, CSRF on every form, and limits on guessing and on registrations kept
in the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from backstretch.db.owners import ALL_OWNERS
from backstretch.db.repository import ALL_TABLES
from backstretch.db.tables import AccountRow, LoginRow
from backstretch.services.accounts import (
    CHECKS_PER_NAME,
    CHECKS_PER_PAIR,
    CHECKS_PER_PAIR_WHEN_BUSY,
)
from backstretch.web.auth import LOGIN_COOKIE
from tests.factories import all_no_answers
from tests.fakes import FakeNow
from tests.push_endpoint import Device
from tests.web.conftest import PASSWORD, browser_like, register, services_of


def visitor(app: Any, base_url: str = "http://testserver") -> TestClient:
    return browser_like(TestClient(app, base_url=base_url, raise_server_exceptions=False))


def log_in(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    client.get("/login")
    return client.post(
        "/login", data={"username": name, "password": password}, follow_redirects=False
    )


def rows_owned_by(app: Any, owner: int) -> int:
    with services_of(app).transaction() as session:
        return sum(
            session.execute(
                select(func.count())
                .select_from(model)
                .where(model.owner_id == owner)
                .execution_options(**{ALL_OWNERS: True})
            ).scalar_one()
            for model in ALL_TABLES
        )


def account_id(app: Any, name: str) -> int:
    with services_of(app).transaction() as session:
        found = session.scalar(select(AccountRow.id).where(AccountRow.username == name))
    assert found is not None
    return found


# Register, log in, log out -------------------------------------------------------------------


def test_register_logs_in_with_a_safe_cookie(accounts_app: Any) -> None:
    ana = register(accounts_app, "Ana")
    cookie = next(c for c in ana.cookies.jar if c.name == LOGIN_COOKIE)
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite", "").lower() == "lax"
    assert not cookie.secure  # plain HTTP on this test server
    home = ana.get("/")
    assert "Account: ana" in home.text  # names are kept lower-case
    assert ana.get("/plan").status_code == 200


def test_the_login_cookie_is_secure_over_https(accounts_app: Any) -> None:
    ana = register(accounts_app, "ana", base_url="https://testserver")
    cookie = next(c for c in ana.cookies.jar if c.name == LOGIN_COOKIE)
    assert cookie.secure


def test_the_database_keeps_only_a_hash_of_the_login_and_of_the_password(
    accounts_app: Any,
) -> None:
    ana = register(accounts_app, "ana")
    token = ana.cookies[LOGIN_COOKIE]
    with services_of(accounts_app).transaction() as session:
        logins = list(session.scalars(select(LoginRow.token_hash)))
        hashes = list(session.scalars(select(AccountRow.password_hash)))
    assert token not in logins and len(logins) == 1
    assert any(h and h.startswith("$argon2id$") for h in hashes)
    assert not any(h and PASSWORD in h for h in hashes)


@pytest.mark.parametrize(
    ("name", "password", "again", "problem"),
    [
        ("a", PASSWORD, PASSWORD, "Account name"),
        ("has space", PASSWORD, PASSWORD, "Account name"),
        ("ana", "short", "short", "at least 10"),
        ("ana", PASSWORD, PASSWORD + "x", "not the same"),
        ("anabanana1", "anabanana1", "anabanana1", "must not be your account name"),
    ],
)
def test_a_bad_name_or_password_is_explained(
    accounts_app: Any, name: str, password: str, again: str, problem: str
) -> None:
    client = visitor(accounts_app)
    client.get("/register")
    answer = client.post(
        "/register", data={"username": name, "password": password, "password_again": again}
    )
    assert answer.status_code == 422
    assert problem in answer.text
    assert LOGIN_COOKIE not in client.cookies


def test_a_name_is_taken_once_whatever_its_case(accounts_app: Any) -> None:
    register(accounts_app, "ana")
    client = visitor(accounts_app)
    client.get("/register")
    again = client.post(
        "/register", data={"username": "ANA", "password": PASSWORD, "password_again": PASSWORD}
    )
    assert again.status_code == 422 and "taken" in again.text


def test_log_out_then_in_again(accounts_app: Any) -> None:
    ana = register(accounts_app, "ana")
    out = ana.post("/logout", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/logged-out"
    assert LOGIN_COOKIE not in ana.cookies
    assert ana.get("/plan", follow_redirects=False).status_code == 303
    assert ana.get("/api/history").status_code == 401
    wrong = log_in(ana, "ana", "not the password")
    assert wrong.status_code == 401 and "do not match" in wrong.text
    back = log_in(ana, "ana")
    assert back.status_code == 303
    assert ana.get("/api/history").status_code == 200


def test_the_old_cookie_is_useless_after_logging_out(accounts_app: Any) -> None:
    ana = register(accounts_app, "ana")
    stolen = ana.cookies[LOGIN_COOKIE]
    ana.post("/logout")
    thief = visitor(accounts_app)
    thief.cookies.set(LOGIN_COOKIE, stolen)
    assert thief.get("/api/history").status_code == 401


def test_a_login_expires(accounts_app: Any, clock: FakeNow) -> None:
    ana = register(accounts_app, "ana")
    clock.value += timedelta(days=31)
    assert ana.get("/api/history").status_code == 401


def test_after_logging_in_the_person_comes_back_where_they_were(accounts_app: Any) -> None:
    register(accounts_app, "ana").post("/logout")
    client = visitor(accounts_app)
    sent = client.get("/history?x=1", follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == "/login?next=%2Fhistory%3Fx%3D1"
    client.get(sent.headers["location"])
    back = client.post(
        "/login",
        data={"username": "ana", "password": PASSWORD, "next": "/history?x=1"},
        follow_redirects=False,
    )
    assert back.headers["location"] == "/history?x=1"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_login_never_sends_the_person_to_another_site(accounts_app: Any, target: str) -> None:
    register(accounts_app, "ana")
    client = visitor(accounts_app)
    answer = log_in_with_next(client, target)
    assert answer.headers["location"] == "/"


def log_in_with_next(client: TestClient, target: str) -> Any:
    client.get("/login")
    return client.post(
        "/login",
        data={"username": "ana", "password": PASSWORD, "next": target},
        follow_redirects=False,
    )


# Public and personal pages --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/stretches", "/learn", "/figures"])
def test_public_pages_need_no_login(accounts_app: Any, path: str) -> None:
    assert visitor(accounts_app).get(path).status_code == 200


@pytest.mark.parametrize(
    "path", ["/plan", "/profile", "/screen", "/history", "/settings", "/data", "/account"]
)
def test_personal_pages_ask_for_a_login(accounts_app: Any, path: str) -> None:
    answer = visitor(accounts_app).get(path, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")


def test_the_api_answers_401_without_a_login(accounts_app: Any) -> None:
    client = visitor(accounts_app)
    assert client.post("/api/screen", json=all_no_answers()).status_code == 401
    assert client.get("/api/export").status_code == 401
    assert client.get("/api/health").status_code == 200


def test_single_person_mode_has_no_account_pages(client: TestClient) -> None:
    for path in ("/login", "/register", "/account"):
        assert client.get(path).status_code == 404
    assert client.get("/plan").status_code == 200  # nobody logs in: it is the local person's


# CSRF ------------------------------------------------------------------------------------------


def test_a_form_without_its_token_is_refused(accounts_app: Any) -> None:
    ana = register(accounts_app, "ana")
    bare = TestClient(accounts_app, raise_server_exceptions=False)  # sends no token
    bare.cookies = ana.cookies
    refused = bare.post("/settings", data={"lead_in_seconds": "9"})
    assert refused.status_code == 403
    assert "security token" in refused.text
    api = bare.post("/api/screen", json=all_no_answers())
    assert api.status_code == 403 and "x-csrftoken" in api.json()["detail"]
    wrong = bare.post("/api/screen", json=all_no_answers(), headers={"x-csrftoken": "forged"})
    assert wrong.status_code == 403
    assert ana.post("/api/screen", json=all_no_answers()).status_code == 200


def test_every_form_carries_the_token_first(accounts_app: Any) -> None:
    ana = register(accounts_app, "ana")
    ana.post("/api/screen", json=all_no_answers())
    for path in ("/account", "/data", "/settings", "/profile", "/screen"):
        page = ana.get(path).text
        for form in page.split("<form")[1:]:
            if 'method="post"' in form.split(">")[0]:
                first_field = form.split("<input", 1)[1]
                assert 'name="csrftoken"' in first_field.split(">")[0], (path, form[:200])


# Login limits ------------------------------------------------------------------------------------
# Counted per name and address (five checks, then growing delays) and per name (beyond 20 checks
# an hour, three per address); never per address alone, and never so that a stranger can keep
# the owner out. `tests/services/test_accounts.py` sends guesses all at once.

STRANGER = ("203.0.113.66", 40000)
OWNER = ("198.51.100.7", 40000)


def from_address(app: Any, client: tuple[str, int]) -> TestClient:
    return browser_like(TestClient(app, raise_server_exceptions=False, client=client))


def test_guessing_waits_longer_and_longer_and_the_count_is_kept_in_the_database(
    accounts_app: Any, clock: FakeNow
) -> None:
    register(accounts_app, "ana")
    guesser = from_address(accounts_app, STRANGER)
    for _ in range(CHECKS_PER_PAIR):
        assert log_in(guesser, "ana", "wrong guess!").status_code == 401
    limited = log_in(guesser, "ana")  # even the right password waits now, from this address
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) == 60
    assert "Too many attempts" in limited.text

    # Another app server on the same database counts the same checks: nothing is in memory.
    from backstretch.config import get_settings
    from backstretch.web.app import create_app

    other = create_app(get_settings().model_copy(update={"accounts": True}), clock=clock)
    with from_address(other, STRANGER) as second_server:
        assert log_in(second_server, "ana").status_code == 429

    # One more check after a minute, the next after two more, then four...
    clock.value += timedelta(minutes=1)
    assert log_in(guesser, "ana", "wrong again!").status_code == 401
    refused = log_in(guesser, "ana")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 120
    clock.value += timedelta(minutes=2)
    assert log_in(guesser, "ana").status_code == 303


def test_a_stranger_guessing_cannot_lock_the_owner_out(accounts_app: Any) -> None:
    register(accounts_app, "ana").post("/logout")
    stranger = from_address(accounts_app, STRANGER)
    for _ in range(40):
        assert log_in(stranger, "ana", "wrong guess!").status_code in (401, 429)
    assert log_in(stranger, "ana").status_code == 429
    owner = from_address(accounts_app, OWNER)
    assert log_in(owner, "ana").status_code == 303


def test_guesses_from_many_addresses_are_held_to_three_each_and_the_owner_still_gets_in(
    accounts_app: Any,
) -> None:
    register(accounts_app, "ana").post("/logout")
    addresses = [(f"203.0.113.{n}", 40000) for n in range(1, 5)]
    for address in addresses:  # 4 x 5 = 20 checks of the name within the hour
        guesser = from_address(accounts_app, address)
        for _ in range(CHECKS_PER_PAIR):
            assert log_in(guesser, "ana", "wrong guess!").status_code == 401
    assert CHECKS_PER_NAME == 4 * CHECKS_PER_PAIR
    fresh = from_address(accounts_app, ("203.0.113.99", 40000))
    answers = [log_in(fresh, "ana", "wrong guess!").status_code for _ in range(5)]
    assert answers == [401] * CHECKS_PER_PAIR_WHEN_BUSY + [429] * 2
    owner = from_address(accounts_app, OWNER)
    assert log_in(owner, "ana").status_code == 303


def test_an_address_may_make_five_accounts_an_hour(accounts_app: Any, clock: FakeNow) -> None:
    def make(name: str, client: tuple[str, int] = STRANGER) -> Any:
        person = from_address(accounts_app, client)
        person.get("/register")
        form = {"username": name, "password": PASSWORD, "password_again": PASSWORD}
        return person.post("/register", data=form, follow_redirects=False)

    for number in range(5):
        assert make(f"bulk{number}").status_code == 303
    refused = make("bulk5")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert make("someone", OWNER).status_code == 303  # another address is not held up
    with services_of(accounts_app).transaction() as session:
        assert session.scalar(select(AccountRow.id).where(AccountRow.username == "bulk5")) is None
    clock.value += timedelta(hours=1)
    assert make("bulk5").status_code == 303


# Change the password, delete the account ----------------------------------------------------


def test_changing_the_password_logs_out_every_other_browser(accounts_app: Any) -> None:
    ana = register(accounts_app, "ana")
    laptop = visitor(accounts_app)
    assert log_in(laptop, "ana").status_code == 303
    new = "a brand new passphrase"
    wrong = ana.post(
        "/account/password",
        data={"current_password": "nope nope nope", "new_password": new, "new_password_again": new},
    )
    assert wrong.status_code == 422 and "not your current password" in wrong.text
    changed = ana.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": new, "new_password_again": new},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert ana.get("/api/history").status_code == 200  # this browser stays logged in
    assert laptop.get("/api/history").status_code == 401
    assert log_in(visitor(accounts_app), "ana").status_code == 401
    assert log_in(visitor(accounts_app), "ana", new).status_code == 303


def test_deleting_the_account_deletes_all_its_data_and_nobody_elses(accounts_app: Any) -> None:
    ana, bo = register(accounts_app, "ana"), register(accounts_app, "bo")
    for name, person in (("ana", ana), ("bo", bo)):
        assert person.post("/api/screen", json=all_no_answers()).status_code == 200
        person.post("/profile", data={"areas": ["lower_back"], "minutes": "10"})
        device = Device.make(f"https://fcm.googleapis.com/fcm/send/{name}")
        assert person.post("/api/push/subscriptions", json=device.subscription()).status_code == 201
    ana_id, bo_id = account_id(accounts_app, "ana"), account_id(accounts_app, "bo")
    bo_rows = rows_owned_by(accounts_app, bo_id)
    assert rows_owned_by(accounts_app, ana_id) > 0 and bo_rows > 0

    refused = ana.post("/account/delete", data={"password": "wrong one!", "confirm": "delete"})
    assert refused.status_code == 422 and "Nothing was deleted" in refused.text
    unconfirmed = ana.post("/account/delete", data={"password": PASSWORD, "confirm": "yes"})
    assert unconfirmed.status_code == 422
    deleted = ana.post(
        "/account/delete", data={"password": PASSWORD, "confirm": "delete"}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert rows_owned_by(accounts_app, ana_id) == 0
    assert rows_owned_by(accounts_app, bo_id) == bo_rows
    assert log_in(visitor(accounts_app), "ana").status_code == 401
    assert bo.get("/api/history").status_code == 200
