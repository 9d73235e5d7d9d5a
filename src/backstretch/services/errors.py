"""The one family of errors every use case raises; each adapter maps it once.

The terminal exits 2 for `Invalid`, `NotFound` and `Conflict` (the person asked for something
that cannot be done as asked), 3 for `Blocked` (safety says no) and 1 for `Unavailable`; the web
answers 422, 404, 409 and 409 with the advice, and 503. A message is one plain sentence a
person can act on; `field` names the input at fault when there is one.
"""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A use case could not do what was asked; `message` says why in plain words."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class Invalid(ServiceError):
    """The input is malformed or out of range."""


class NotFound(ServiceError):
    """The thing asked for does not exist (or is not the person's)."""


class Conflict(ServiceError):
    """The request clashes with what is stored (a name in use, a different body for one id)."""


class Blocked(ServiceError):
    """Safety does not allow a routine or a session now; `advice` says what to do instead."""

    def __init__(
        self, message: str, *, advice: dict[str, Any] | None = None, verdict: str | None = None
    ) -> None:
        super().__init__(message)
        self.advice = advice or {}
        self.verdict = verdict


class Unavailable(ServiceError):
    """The database cannot be used; the message names it and says what to do."""
