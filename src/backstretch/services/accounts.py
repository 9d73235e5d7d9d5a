"""Accounts for a deployment many people share: register, log in and out, change the password,
delete the account with all its data, and slow down password guessing.

Passwords are hashed with argon2id (argon2-cffi). A login is a random token in an HttpOnly
cookie; the database keeps only its SHA-256, so a copy of the database cannot log anybody in.
Failed logins are counted in the database, per name and per address, so any number of app
servers share the limit and none keeps state of its own.
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

from backstretch.db.tables import AccountRow, LoginFailureRow, LoginRow, ServerSecretRow
from backstretch.services.errors import Invalid, ServiceError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backstretch.services.context import Services

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")
PASSWORD_MIN, PASSWORD_MAX = 10, 256

LOGIN_LIFETIME = timedelta(days=30)
# A login in use is extended, but its row is written at most this often, not on every request.
LOGIN_REFRESH = timedelta(hours=12)

# Guessing is slowed per account name and per address; both windows slide.
FAILURE_WINDOW = timedelta(minutes=15)
FAILURES_PER_NAME = 5
FAILURES_PER_ADDRESS = 30

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
    """Too many failed logins lately; `retry_after` says in how many seconds to try again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins: try again in {retry_after} s")
        self.retry_after = retry_after


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


def register(db: Session, *, username: str, password: str, now: datetime) -> Account:
    """Create an account; a name in use or a weak password raises `AccountError`."""
    name = normalise_username(username)
    if not USERNAME.fullmatch(name):
        raise AccountError(
            "username",
            "use 2 to 40 letters, digits, dots, dashes or underscores, starting with a letter "
            "or digit",
        )
    check_new_password(password, name)
    row = AccountRow(username=name, password_hash=_hash(password), created_at=now)
    try:
        with db.begin_nested():
            db.add(row)
            db.flush()
    except IntegrityError:
        raise AccountError("username", "that name is taken: choose another") from None
    return Account(id=row.id, username=name)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _recent_failures(db: Session, key: str, now: datetime) -> list[datetime]:
    since = now - FAILURE_WINDOW
    return list(
        db.scalars(
            select(LoginFailureRow.at)
            .where(LoginFailureRow.key == key, LoginFailureRow.at > since)
            .order_by(LoginFailureRow.at)
        )
    )


def _check_not_limited(db: Session, keys: dict[str, int], now: datetime) -> None:
    for key, limit in keys.items():
        failures = _recent_failures(db, key, now)
        if len(failures) >= limit:
            oldest_counted = failures[-limit]
            wait = oldest_counted + FAILURE_WINDOW - now
            raise TooManyAttempts(max(1, math.ceil(wait.total_seconds())))


def log_in(
    db: Session, *, username: str, password: str, address: str, now: datetime
) -> tuple[Account, str] | None:
    """Check the password and start a login; return the account and the cookie's token.

    A wrong name or password returns None and is counted as a failure (in this session's
    transaction, which the caller commits). Once a name or an address has failed too often
    lately, `TooManyAttempts` is raised before anything is checked.
    """
    name = normalise_username(username)
    limits = {
        f"name:{name}"[:120]: FAILURES_PER_NAME,
        f"addr:{address}"[:120]: FAILURES_PER_ADDRESS,
    }
    _check_not_limited(db, limits, now)
    row = db.scalars(select(AccountRow).where(AccountRow.username == name)).first()
    stored_hash = row.password_hash if row is not None and row.password_hash else _dummy_hash()
    try:
        _verify(stored_hash, password)
        matched = row is not None and row.password_hash is not None
    except (VerificationError, InvalidHashError):
        matched = False
    if not matched or row is None:
        db.execute(delete(LoginFailureRow).where(LoginFailureRow.at < now - timedelta(days=1)))
        for key in limits:
            db.add(LoginFailureRow(key=key, at=now))
        db.flush()
        return None
    if _HASHER.check_needs_rehash(stored_hash):
        row.password_hash = _hash(password)
    db.execute(delete(LoginFailureRow).where(LoginFailureRow.key == f"name:{name}"[:120]))
    return Account(id=row.id, username=name), start_login(db, account_id=row.id, now=now)


def start_login(db: Session, *, account_id: int, now: datetime) -> str:
    """Record a new login for the account and return its token (for the cookie only)."""
    token = secrets.token_urlsafe(32)
    db.add(
        LoginRow(
            token_hash=_token_hash(token),
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
        .where(LoginRow.token_hash == _token_hash(token))
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


def log_out(db: Session, *, token: str) -> None:
    """End the login with this token (nothing happens for an unknown one)."""
    db.execute(delete(LoginRow).where(LoginRow.token_hash == _token_hash(token)))


def _change_password(db: Session, *, account_id: int, current: str, new: str, now: datetime) -> str:
    """Change the password after checking the current one; every other login ends. Return a
    new token for the browser that asked."""
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
    return start_login(db, account_id=account_id, now=now)


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


def register_account(services: Services, *, username: str, password: str) -> tuple[Account, str]:
    """Make an account and log it in; return it and the login cookie's token."""
    now = services.clock()
    with services.transaction() as db:
        account = register(db, username=username, password=password, now=now)
        return account, start_login(db, account_id=account.id, now=now)


def log_in_account(
    services: Services, *, username: str, password: str, address: str
) -> tuple[Account, str]:
    """Check the password and start a login; return the account and the cookie's token.

    A wrong name or password raises `LoginRefused` (the failure is counted and committed); too
    many failures lately raise `TooManyAttempts`.
    """
    with services.transaction() as db:
        found = log_in(
            db, username=username, password=password, address=address, now=services.clock()
        )
    if found is None:
        raise LoginRefused()
    return found


def account_of_login(services: Services, token: str) -> Account | None:
    """Return the account a login token belongs to, or None if it is unknown or has expired."""
    with services.transaction() as db:
        return account_for_token(db, token=token, now=services.clock())


def end_login(services: Services, token: str) -> None:
    """End the login with this token."""
    with services.transaction() as db:
        log_out(db, token=token)


def change_password(services: Services, *, account_id: int, current: str, new: str) -> str:
    """Change the password after checking the current one; every other login ends. Return a
    new token for the browser that asked."""
    with services.transaction() as db:
        return _change_password(
            db, account_id=account_id, current=current, new=new, now=services.clock()
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
        portability.forget_everything(db)
        _delete_account(db, account_id=account_id)
    portability.erase_freed_space(services.store.engine)


def signing_secret(services: Services) -> str:
    """Return the key that signs CSRF tokens and account keys: the configured one, or one made
    once and kept in the database, so every app server shares it."""
    if services.settings.secret_key:
        return services.settings.secret_key
    with services.transaction() as db:
        return shared_secret(db, "signing")
