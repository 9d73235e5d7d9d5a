"""Guessing and registering all at once, on real databases: each attempt is counted before the
password is looked at, in one locked row, so a burst gets exactly as many checks as the limit
allows, however many requests race (and however many app servers: the count is in the
database). The limits one request at a time are in tests/web/test_accounts.py."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from backstretch.services import accounts
from backstretch.services.accounts import (
    CHECKS_PER_PAIR,
    LoginRefused,
    TooManyAttempts,
    log_in_account,
    register_account,
)
from backstretch.services.context import Services

PASSWORD = "correct horse battery"
GUESSER = "203.0.113.66"


def all_at_once(work: Callable[[int], Any], times: int) -> list[str]:
    """Run `work(i)` on `times` threads released together; return what each did: "ok" or the
    name of the error it raised."""
    start = threading.Barrier(times)

    def one(index: int) -> str:
        start.wait()
        try:
            work(index)
        except Exception as error:  # the outcome is what is counted
            return type(error).__name__
        return "ok"

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(one, range(times)))


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every password actually checked (argon2id's verify), in order."""
    seen: list[str] = []
    lock = threading.Lock()
    verify = accounts._verify

    def counted(stored_hash: str, password: str) -> bool:
        with lock:
            seen.append(password)
        return verify(stored_hash, password)

    monkeypatch.setattr(accounts, "_verify", counted)
    return seen


def test_forty_wrong_passwords_at_once_get_five_checks(
    services: Services, checks: list[str]
) -> None:
    register_account(services, username="ana", password=PASSWORD)
    outcomes = all_at_once(
        lambda i: log_in_account(
            services, username="ana", password=f"guess number {i}", address=GUESSER
        ),
        40,
    )
    assert Counter(outcomes) == {
        LoginRefused.__name__: CHECKS_PER_PAIR,
        TooManyAttempts.__name__: 40 - CHECKS_PER_PAIR,
    }
    assert len(checks) == CHECKS_PER_PAIR
    # The owner, from an address that has not failed, is checked and let in.
    account, token = log_in_account(
        services, username="ana", password=PASSWORD, address="198.51.100.7"
    )
    assert account.username == "ana" and token


def test_a_burst_of_registrations_from_one_address_makes_five_accounts(
    services: Services,
) -> None:
    limit = services.settings.registrations_per_hour
    outcomes = all_at_once(
        lambda i: register_account(
            services, username=f"bulk{i}", password=PASSWORD, address=GUESSER
        ),
        12,
    )
    assert Counter(outcomes) == {"ok": limit, TooManyAttempts.__name__: 12 - limit}
    made = register_account(
        services, username="neighbour", password=PASSWORD, address="198.51.100.7"
    )
    assert made[0].username == "neighbour"


def test_a_name_taken_or_a_weak_password_is_not_counted(services: Services) -> None:
    register_account(services, username="ana", password=PASSWORD)
    for _ in range(10):
        with pytest.raises(accounts.AccountError, match="taken"):
            register_account(services, username="ana", password=PASSWORD, address=GUESSER)
        with pytest.raises(accounts.AccountError, match="at least 10"):
            register_account(services, username="bo", password="short", address=GUESSER)
    assert register_account(services, username="bo", password=PASSWORD, address=GUESSER)
