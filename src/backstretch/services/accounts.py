"""Accounts for a deployment many people share: register, log in and out, change the password,
delete the account with all its data, and slow down password guessing.

Passwords are hashed with argon2id (argon2-cffi). A login is a random token in an HttpOnly
cookie; the database keeps only its SHA-256, so a copy of the database cannot log anybody in.

Guessing is slowed, never turned into a way to lock someone out. Each password check is counted
before it is made, in a row locked for the count (`db/attempts.py`), so any number of app servers
and concurrent requests share one exact count:
- per account name and address: five checks, then one more after 1, 2, 4, 8... minutes
  (growing delays), until a success or a quiet day starts afresh. A stranger guessing from their
  address slows only themselves: the owner, from an address that has not failed, is checked.
- per account name, from every address: beyond 20 checks in an hour (a guesser with many
  addresses), each address has three checks for the name until the hour ends, not five and
  more. An address that has not failed is always checked: a correct password from the owner's
  usual address works whatever strangers do.
There is no limit per address alone: it locked out everyone behind one proxy or one home
router. Registrations are limited per address (five an hour): each costs a password hash.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from backstretch.db import attempts
from backstretch.db import push as push_db
from backstretch.db.tables import AccountRow, LoginRow, ServerSecretRow
from backstretch.services.errors import Invalid, ServiceError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backstretch.services.context import Services

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")
PASSWORD_MIN, PASSWORD_MAX = 10, 256

LOGIN_LIFETIME = timedelta(days=30)
# A login in use is extended, but its row is written at most this often, not on every request.
LOGIN_REFRESH = timedelta(hours=12)

# Password checks per account name and address before the delays begin; then one more after
# 1, 2, 4, 8... minutes. A day without an attempt starts the pair afresh (so does a success).
CHECKS_PER_PAIR = 5
FIRST_DELAY = timedelta(minutes=1)
QUIET_DAY = timedelta(days=1)
# Checks of one name, from every address, in an hour; beyond them each address has this many
# checks of the name until the hour ends (an address that has not failed is always checked).
CHECKS_PER_NAME = 20
NAME_WINDOW = timedelta(hours=1)
CHECKS_PER_PAIR_WHEN_BUSY = 3
# Registrations per address are counted by the hour (how many: `registrations_per_hour`, five
# unless configured): each costs a password hash (64 MiB, 0.2 s of CPU).
REGISTRATION_WINDOW = timedelta(hours=1)

_HASHER = PasswordHasher()
# Each argon2id hash takes 64 MiB and about 0.2 s of CPU. The web server runs up to 40 requests
# at once on worker threads: a burst of registrations reached 1.5 GB (benchmarks/soak.py with
# --ramp 0). Hashing waits its turn, one per core, instead.
_HASHING = threading.BoundedSemaphore(os.cpu_count() or 1)


def _hash(password: str) -> str:
    with _HASHING:
        return _HASHER.hash(password)


def _verify(stored_hash: str, password: str) -> bool:
    with _HASHING:
        return _HASHER.verify(stored_hash, password)


# Checked when the name is unknown, so an unknown name costs the same time as a wrong password.
@cache
def _dummy_hash() -> str:
    # Made on the first login, not at import: one hash costs a quarter of a second of CPU.
    return _HASHER.hash("not a password anybody has")


class AccountError(Invalid):
    """A name or password that cannot be used; `field` says which."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}", field=field)
        self.problem = problem


class LoginRefused(ServiceError):
    """The name and password do not match an account."""

    def __init__(self) -> None:
        super().__init__("that account name and password do not match")


class TooManyAttempts(ServiceError):
    """Too many attempts lately; `retry_after` says in how many seconds to try again."""

    def __init__(self, retry_after: int, what: str = "failed logins") -> None:
        super().__init__(f"too many {what}: try again in {retry_after} s")
        self.retry_after = retry_after


def _seconds(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds()))


@dataclass(frozen=True)
class Account:
    """A person who can log in."""

    id: int
    username: str


def normalise_username(name: str) -> str:
    """Return the stored form of a name: trimmed and lower-cased."""
    return name.strip().lower()


def check_new_password(password: str, username: str) -> None:
    """Raise `AccountError` unless `password` is long enough and not the name itself."""
    if len(password) < PASSWORD_MIN:
        raise AccountError("password", f"use at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise AccountError("password", f"use at most {PASSWORD_MAX} characters")
    if normalise_username(password) == username:
        raise AccountError("password", "the password must not be your account name")


def check_new_account(username: str, password: str) -> str:
    """Return the stored form of a new account's name; raise `AccountError` for a name or
    password that cannot be used."""
    name = normalise_username(username)
    if not USERNAME.fullmatch(name):
        raise AccountError(
            "username",
            "use 2 to 40 letters, digits, dots, dashes or underscores, starting with a letter "
            "or digit",
        )
    check_new_password(password, name)
    return name


def register(db: Session, *, username: str, password: str, now: datetime) -> Account:
    """Create an account; a name in use or a weak password raises `AccountError`."""
    name = check_new_account(username, password)
    row = AccountRow(username=name, password_hash=_hash(password), created_at=now)
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        raise AccountError("username", "that name is taken: choose another") from None
    return Account(id=row.id, username=name)


def token_hash(token: str) -> str:
    """Return what the database keeps of a login's token (its SHA-256, in hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


def _pair_allows(count: int, started_at: datetime, now: datetime) -> timedelta | None:
    """Return how long the pair waits before check number `count`, or None: it may go now.

    Five checks at once, then one more after 1, 2, 4, 8... minutes since the first."""
    extra = count - CHECKS_PER_PAIR
    if extra <= 0:
        return None
    allowed_at = started_at + FIRST_DELAY * (2**extra - 1)
    return allowed_at - now if allowed_at > now else None


def admit_password_check(db: Session, *, name: str, address: str, now: datetime) -> str:
    """Count a password check for `name` from `address`, or raise `TooManyAttempts` and count
    nothing; return the pair's key (a success starts it afresh). The caller commits at once, so
    the count holds before the (slow) check is made."""
    pair, by_name = attempts.counter_key("pair", name, address), attempts.counter_key("name", name)
    counters = attempts.lock_counters(db=db, keys=[pair, by_name], now=now)
    mine, everyone = counters[pair], counters[by_name]
    if now - mine.last_at > QUIET_DAY:
        mine = attempts.Counter(pair, 0, now, now)
    if now - everyone.started_at >= NAME_WINDOW:
        everyone = attempts.Counter(by_name, 0, now, now)
    wait = _pair_allows(mine.count + 1, mine.started_at, now)
    if wait is not None:
        raise TooManyAttempts(_seconds(wait))
    if everyone.count >= CHECKS_PER_NAME and mine.count >= CHECKS_PER_PAIR_WHEN_BUSY:
        raise TooManyAttempts(_seconds(everyone.started_at + NAME_WINDOW - now))
    started = mine.started_at if mine.count else now
    attempts.save_counter(db=db, counter=attempts.Counter(pair, mine.count + 1, started, now))
    attempts.save_counter(
        db=db,
        counter=attempts.Counter(by_name, everyone.count + 1, everyone.started_at, now),
    )
    return pair


def admit_registration(db: Session, *, address: str, limit: int, now: datetime) -> None:
    """Count a registration from `address`, or raise `TooManyAttempts` (more than `limit` this
    hour) and count nothing."""
    key = attempts.counter_key("register", address)
    counter = attempts.lock_counters(db=db, keys=[key], now=now)[key]
    if now - counter.started_at >= REGISTRATION_WINDOW:
        counter = attempts.Counter(key, 0, now, now)
    if counter.count >= limit:
        wait = counter.started_at + REGISTRATION_WINDOW - now
        raise TooManyAttempts(_seconds(wait), "new accounts from your address")
    attempts.save_counter(
        db=db, counter=attempts.Counter(key, counter.count + 1, counter.started_at, now)
    )


def log_in(
    db: Session, *, username: str, password: str, now: datetime
) -> tuple[Account, str] | None:
    """Check the password (admitted by `admit_password_check`) and start a login; return the
    account and the cookie's token, or None for a wrong name or password."""
    name = normalise_username(username)
    row = db.scalars(select(AccountRow).where(AccountRow.username == name)).first()
    stored_hash = row.password_hash if row is not None and row.password_hash else _dummy_hash()
    try:
        _verify(stored_hash, password)
        matched = row is not None and row.password_hash is not None
    except (VerificationError, InvalidHashError):
        matched = False
    if not matched or row is None:
        return None
    if _HASHER.check_needs_rehash(stored_hash):
        row.password_hash = _hash(password)
    return Account(id=row.id, username=name), start_login(db, account_id=row.id, now=now)


def start_login(db: Session, *, account_id: int, now: datetime) -> str:
    """Record a new login for the account and return its token (for the cookie only)."""
    token = secrets.token_urlsafe(32)
    db.add(
        LoginRow(
            token_hash=token_hash(token),
            account_id=account_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + LOGIN_LIFETIME,
        )
    )
    db.flush()
    return token


def account_for_token(db: Session, *, token: str, now: datetime) -> Account | None:
    """Return the account a login token belongs to, or None if it is unknown or has expired."""
    found = db.execute(
        select(LoginRow, AccountRow)
        .join(AccountRow, AccountRow.id == LoginRow.account_id)
        .where(LoginRow.token_hash == token_hash(token))
    ).first()
    if found is None:
        return None
    login, account = found
    if login.expires_at <= now or account.username is None:
        return None
    if now - login.last_seen_at >= LOGIN_REFRESH:
        login.last_seen_at = now
        login.expires_at = now + LOGIN_LIFETIME
    return Account(id=account.id, username=account.username)


def log_out(db: Session, *, token: str) -> int:
    """End the login with this token and forget the push subscriptions it saved, so the
    browser logging out gets no more reminders (the person's other devices still do); return
    how many were forgotten. A token whose login has ended already (a new password set on
    another browser) ends nothing, but its subscriptions go all the same."""
    hashed = token_hash(token)
    forgotten = push_db.forget_login_subscriptions(db=db, login_token_hash=hashed)
    db.execute(delete(LoginRow).where(LoginRow.token_hash == hashed))
    return forgotten


def _change_password(
    db: Session, *, account_id: int, current: str, new: str, now: datetime, login: str | None
) -> str:
    """Change the password after checking the current one; every other login ends. Return a
    new token for the browser that asked (`login`: its token now, whose push subscriptions
    move to the new one)."""
    row = db.get(AccountRow, account_id)
    if row is None or row.username is None or row.password_hash is None:
        raise LoginRefused()
    try:
        _verify(row.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise AccountError("current_password", "that is not your current password") from None
    check_new_password(new, row.username)
    row.password_hash = _hash(new)
    row.password_changed_at = now
    db.execute(delete(LoginRow).where(LoginRow.account_id == account_id))
    token = start_login(db, account_id=account_id, now=now)
    if login is not None:
        push_db.move_login_subscriptions(
            db=db, owner_id=account_id, from_hash=token_hash(login), to_hash=token_hash(token)
        )
    return token


def check_password(db: Session, *, account_id: int, password: str) -> bool:
    """Tell whether `password` is the account's password (asked again before deleting)."""
    row = db.get(AccountRow, account_id)
    if row is None or row.password_hash is None:
        return False
    try:
        return _verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _delete_account(db: Session, *, account_id: int) -> None:
    """Delete the account, its logins and (by cascade) every row of its data.

    The caller deletes the person's rows first with a session made for them, so the deletion
    does not rely on the database's cascade alone.
    """
    db.execute(delete(LoginRow).where(LoginRow.account_id == account_id))
    db.execute(delete(AccountRow).where(AccountRow.id == account_id))


def shared_secret(db: Session, name: str) -> str:
    """Return the secret `name`, made on first use and kept in the database, so every app
    server behind a load balancer signs with the same key without any configuration."""
    row = db.get(ServerSecretRow, name)
    if row is not None:
        return row.value
    try:
        with db.begin_nested():
            db.add(ServerSecretRow(name=name, value=secrets.token_urlsafe(48)))
            db.flush()
    except IntegrityError:
        pass  # another server made it first: use theirs
    stored = db.get(ServerSecretRow, name, populate_existing=True)
    assert stored is not None
    return stored.value


def account_key(secret: str, account_id: int) -> str:
    """Return an opaque, stable key for an account (the browser tags offline records with it)."""
    digest = hmac.new(secret.encode(), f"account:{account_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:24]


# The use cases, each in its own committed transaction --------------------------------------------


def register_account(
    services: Services, *, username: str, password: str, address: str | None = None
) -> tuple[Account, str]:
    """Make an account and log it in; return it and the login cookie's token.

    `address` is where the request came from (None: made on this machine, not counted). A name
    or password that cannot be used raises `AccountError` (not counted); more than the
    configured `registrations_per_hour` from one address raise `TooManyAttempts`.
    """
    now = services.clock()
    name = check_new_account(username, password)
    with services.transaction() as db:
        taken = db.scalars(select(AccountRow.id).where(AccountRow.username == name)).first()
        if taken is not None:
            raise AccountError("username", "that name is taken: choose another")
        if address is not None:
            limit = services.settings.registrations_per_hour
            admit_registration(db, address=address, limit=limit, now=now)
    with services.transaction() as db:
        account = register(db, username=username, password=password, now=now)
        return account, start_login(db, account_id=account.id, now=now)


def log_in_account(
    services: Services, *, username: str, password: str, address: str
) -> tuple[Account, str]:
    """Check the password and start a login; return the account and the cookie's token.

    A wrong name or password raises `LoginRefused`; too many checks lately raise
    `TooManyAttempts`, before the password is looked at (see the module's notes).
    """
    now = services.clock()
    name = normalise_username(username)
    with services.transaction() as db:
        pair = admit_password_check(db, name=name, address=address, now=now)
    with services.transaction() as db:
        found = log_in(db, username=name, password=password, now=now)
        if found is not None:
            attempts.forget_counter(db=db, key=pair)
        else:
            attempts.prune_counters(db=db, before=now - QUIET_DAY)
    if found is None:
        raise LoginRefused()
    return found


def account_of_login(services: Services, token: str) -> Account | None:
    """Return the account a login token belongs to, or None if it is unknown or has expired."""
    with services.transaction() as db:
        return account_for_token(db, token=token, now=services.clock())


def end_login(services: Services, token: str) -> int:
    """End the login with this token, and with it the reminders it turned on in its browser;
    return how many devices stop getting them (0: none were on there)."""
    with services.transaction() as db:
        return log_out(db, token=token)


def change_password(
    services: Services, *, account_id: int, current: str, new: str, login: str | None = None
) -> str:
    """Change the password after checking the current one; every other login ends. Return a
    new token for the browser that asked (`login`: the token it holds now; the reminders it
    turned on stay on under the new one)."""
    with services.transaction() as db:
        return _change_password(
            db, account_id=account_id, current=current, new=new, now=services.clock(), login=login
        )


def delete_account(services: Services, *, account_id: int, password: str, confirm: str) -> None:
    """Delete the account and every piece of its data, after its password and the word
    "delete"; a wrong password or a missing word raises `Invalid` and deletes nothing."""
    from backstretch.db import portability

    with services.transaction() as db:
        password_ok = check_password(db, account_id=account_id, password=password)
    problems = []
    if not password_ok:
        problems.append("Nothing was deleted: that is not your password.")
    if confirm.strip().lower() != "delete":
        problems.append("Nothing was deleted: type the word “delete” to confirm.")
    if problems:
        raise Invalid(" ".join(problems), field="password" if not password_ok else "confirm")
    person = services.person(account_id)
    with person.transaction() as db:
        portability.forget_everything(db, keep_open_blocks=False)
        _delete_account(db, account_id=account_id)
    portability.erase_freed_space(services.store.engine)


def signing_secret(services: Services) -> str:
    """Return the key that signs CSRF tokens and account keys: the configured one, or one made
    once and kept in the database, so every app server shares it."""
    if services.settings.secret_key:
        return services.settings.secret_key
    with services.transaction() as db:
        return shared_secret(db, "signing")
