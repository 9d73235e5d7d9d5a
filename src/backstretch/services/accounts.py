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

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backstretch.db.tables import AccountRow, LoginFailureRow, LoginRow, ServerSecretRow

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
_DUMMY_HASH = _HASHER.hash("not a password anybody has")


class AccountError(ValueError):
    """A name or password that cannot be used; `field` says which."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class LoginRefused(Exception):
    """The name and password do not match an account."""


class TooManyAttempts(Exception):
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


def register(session: Session, *, username: str, password: str, now: datetime) -> Account:
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
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise AccountError("username", "that name is taken: choose another") from None
    return Account(id=row.id, username=name)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _recent_failures(session: Session, key: str, now: datetime) -> list[datetime]:
    since = now - FAILURE_WINDOW
    return list(
        session.scalars(
            select(LoginFailureRow.at)
            .where(LoginFailureRow.key == key, LoginFailureRow.at > since)
            .order_by(LoginFailureRow.at)
        )
    )


def _check_not_limited(session: Session, keys: dict[str, int], now: datetime) -> None:
    for key, limit in keys.items():
        failures = _recent_failures(session, key, now)
        if len(failures) >= limit:
            oldest_counted = failures[-limit]
            wait = oldest_counted + FAILURE_WINDOW - now
            raise TooManyAttempts(max(1, math.ceil(wait.total_seconds())))


def log_in(
    session: Session, *, username: str, password: str, address: str, now: datetime
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
    _check_not_limited(session, limits, now)
    row = session.scalars(select(AccountRow).where(AccountRow.username == name)).first()
    stored_hash = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
    try:
        _verify(stored_hash, password)
        matched = row is not None and row.password_hash is not None
    except (VerificationError, InvalidHashError):
        matched = False
    if not matched or row is None:
        session.execute(delete(LoginFailureRow).where(LoginFailureRow.at < now - timedelta(days=1)))
        for key in limits:
            session.add(LoginFailureRow(key=key, at=now))
        session.flush()
        return None
    if _HASHER.check_needs_rehash(stored_hash):
        row.password_hash = _hash(password)
    session.execute(delete(LoginFailureRow).where(LoginFailureRow.key == f"name:{name}"[:120]))
    return Account(id=row.id, username=name), start_login(session, account_id=row.id, now=now)


def start_login(session: Session, *, account_id: int, now: datetime) -> str:
    """Record a new login for the account and return its token (for the cookie only)."""
    token = secrets.token_urlsafe(32)
    session.add(
        LoginRow(
            token_hash=_token_hash(token),
            account_id=account_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + LOGIN_LIFETIME,
        )
    )
    session.flush()
    return token


def account_for_token(session: Session, *, token: str, now: datetime) -> Account | None:
    """Return the account a login token belongs to, or None if it is unknown or has expired."""
    found = session.execute(
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


def log_out(session: Session, *, token: str) -> None:
    """End the login with this token (nothing happens for an unknown one)."""
    session.execute(delete(LoginRow).where(LoginRow.token_hash == _token_hash(token)))


def change_password(
    session: Session, *, account_id: int, current: str, new: str, now: datetime
) -> str:
    """Change the password after checking the current one; every other login ends. Return a
    new token for the browser that asked."""
    row = session.get(AccountRow, account_id)
    if row is None or row.username is None or row.password_hash is None:
        raise LoginRefused()
    try:
        _verify(row.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise AccountError("current_password", "that is not your current password") from None
    check_new_password(new, row.username)
    row.password_hash = _hash(new)
    row.password_changed_at = now
    session.execute(delete(LoginRow).where(LoginRow.account_id == account_id))
    return start_login(session, account_id=account_id, now=now)


def check_password(session: Session, *, account_id: int, password: str) -> bool:
    """Tell whether `password` is the account's password (asked again before deleting)."""
    row = session.get(AccountRow, account_id)
    if row is None or row.password_hash is None:
        return False
    try:
        return _verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def delete_account(session: Session, *, account_id: int) -> None:
    """Delete the account, its logins and (by cascade) every row of its data.

    The caller deletes the person's rows first with a session made for them, so the deletion
    does not rely on the database's cascade alone.
    """
    session.execute(delete(LoginRow).where(LoginRow.account_id == account_id))
    session.execute(delete(AccountRow).where(AccountRow.id == account_id))


def shared_secret(session: Session, name: str) -> str:
    """Return the secret `name`, made on first use and kept in the database, so every app
    server behind a load balancer signs with the same key without any configuration."""
    row = session.get(ServerSecretRow, name)
    if row is not None:
        return row.value
    try:
        with session.begin_nested():
            session.add(ServerSecretRow(name=name, value=secrets.token_urlsafe(48)))
            session.flush()
    except IntegrityError:
        pass  # another server made it first: use theirs
    stored = session.get(ServerSecretRow, name, populate_existing=True)
    assert stored is not None
    return stored.value


def account_key(secret: str, account_id: int) -> str:
    """Return an opaque, stable key for an account (the browser tags offline records with it)."""
    digest = hmac.new(secret.encode(), f"account:{account_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:24]
