"""Parse command-line words into core values, with messages that name what is wrong."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import NoReturn, TypeVar

from backstretch.core.models import Position, Region

E = TypeVar("E", bound=StrEnum)


def matching(
    word: str, options: Sequence[str], aliases: Mapping[str, str] | None = None
) -> list[str]:
    """Return the options `word` names: in any case, in full or by a prefix.

    An exact name or alias wins; otherwise every option starting with the word. One result is
    a choice; none or several mean asking again (naming the options).
    """
    key = word.strip().lower().replace("-", "_")
    if not key:
        return []
    folded = {o.lower().replace("-", "_").replace(" ", "_"): o for o in options}
    if aliases and key in aliases:
        return [aliases[key]]
    if key.replace(" ", "_") in folded:
        return [folded[key.replace(" ", "_")]]
    return [o for k, o in folded.items() if k.startswith(key.replace(" ", "_"))]


def parse_choice(enum: type[E], word: str, what: str, fail: Callable[[str], NoReturn]) -> E:
    """Return the member of `enum` named by `word` (any case, dashes or underscores, or a
    prefix that names one member only), or fail naming the choices."""
    found = matching(word, [member.value for member in enum])
    if len(found) == 1:
        return enum(found[0])
    choices = ", ".join(member.value for member in enum)
    if found:
        fail(f"'{word}' could be {', '.join(found)}. Choose from: {choices}")
    fail(f"unknown {what} '{word}'. Choose from: {choices}")


def parse_region(word: str, fail: Callable[[str], NoReturn]) -> Region:
    """Return the region named by `word`, e.g. 'lower-back' or 'lower_back'."""
    return parse_choice(Region, word, "area", fail)


def parse_position(word: str, fail: Callable[[str], NoReturn]) -> Position:
    """Return the position named by `word`, e.g. 'all-fours'."""
    return parse_choice(Position, word, "position", fail)
