"""Parse command-line words into core values, with messages that name what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import NoReturn, TypeVar

from backstretch.core.models import Position, Region

E = TypeVar("E", bound=StrEnum)


def parse_choice(enum: type[E], word: str, what: str, fail: Callable[[str], NoReturn]) -> E:
    """Return the member of `enum` named by `word` (dashes or underscores), or fail."""
    key = word.strip().lower().replace("-", "_")
    try:
        return enum(key)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        fail(f"unknown {what} '{word}'. Choose from: {choices}")


def parse_region(word: str, fail: Callable[[str], NoReturn]) -> Region:
    """Return the region named by `word`, e.g. 'lower-back' or 'lower_back'."""
    return parse_choice(Region, word, "area", fail)


def parse_position(word: str, fail: Callable[[str], NoReturn]) -> Position:
    """Return the position named by `word`, e.g. 'all-fours'."""
    return parse_choice(Position, word, "position", fail)
