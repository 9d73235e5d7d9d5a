"""Left and right swapped: a one-sided stretch's steps as they read on its other side.

A stretch done one side at a time has its set-up and movement written for one side (the first
side, `SideWords.first`); the other side is their mirror image. `mirrored` swaps the side words
("right ankle onto your left knee" becomes "left ankle onto your right knee", "Left" becomes
"Right", "right-hand" becomes "left-hand") and leaves the other meanings of the two words as
they are: a right angle, all right, right away, the right amount, time left, where you left off,
left-handed.

Each of those kept uses is written with either word in its place, so a kept phrase reads the
same both ways and mirroring twice always gives the text back (`tests/core/test_mirror.py`
checks that, and every text of every one-sided stretch in the catalogue).
"""

from __future__ import annotations

import re
from functools import lru_cache

_SIDE = re.compile(r"\b(left|right)\b", re.IGNORECASE)
_WORD = r"(?P<word>left|right)"
_END = r"(?=\s*(?:[.,;:!?)]|$))"  # the word ends its phrase: "it feels right."
# The uses of "left" and "right" that name no side, with either word in its place.
_KEPT = tuple(
    re.compile(pattern.replace(" ", r"\s+"), re.IGNORECASE)
    for pattern in (
        # a right angle, right-angled
        rf"\b{_WORD}(?:-| )angle[sd]?\b",
        # the hand a person writes with is the same on either side: left-handed
        rf"\b{_WORD}(?:-| )handed(?:ness)?\b",
        # all right
        rf"\ball {_WORD}\b(?!-hand)",
        # just right, it feels right, it seems right
        rf"\b(?:just|feels?|felt|seems?|sounds?) {_WORD}{_END}",
        # right away, right now, right here, right there
        rf"\b{_WORD} (?:away|now|here|there)\b",
        # right for you, right for this stage
        rf"\b{_WORD} for (?:you|yourself|this|that|now)\b",
        # the right amount, the right way round, no single right time to stretch
        rf"\b{_WORD} (?:amount|way|time|moment|height|level|pace|size|distance|length"
        r"|intensity|depth|spot|place|position)\b",
        # left as in leave: time left, nothing left, where you left off, left out
        rf"\b(?:time|seconds?|minutes?|breaths?|reps?|holds?|nothing|anything|something) "
        rf"{_WORD}\b",
        rf"\b{_WORD} (?:off|out|behind|alone)\b",
    )
)


def _kept(text: str) -> set[int]:
    """Return where the uses of left and right that name no side begin in `text`."""
    return {found.start("word") for pattern in _KEPT for found in pattern.finditer(text)}


def _swap(word: str) -> str:
    other = "right" if word.lower() == "left" else "left"
    if word.isupper() and len(word) > 1:
        return other.upper()
    return other.capitalize() if word[0].isupper() else other


@lru_cache(maxsize=4096)
def mirrored(text: str) -> str:
    """Return `text` with left and right swapped wherever they name a side, case kept."""
    kept = _kept(text)
    return _SIDE.sub(
        lambda found: found.group(0) if found.start() in kept else _swap(found.group(0)), text
    )


def sides_named(text: str) -> tuple[str, ...]:
    """Return the sides `text` names, in order ("left" or "right"), its other lefts left out."""
    kept = _kept(text)
    return tuple(
        found.group(0).lower() for found in _SIDE.finditer(text) if found.start() not in kept
    )


def for_side(text: str, side: str | None, written_for: str) -> str:
    """Return `text`, written for the `written_for` side, as it reads on `side`.

    No side (a stretch done on both sides at once) and the side it is written for read as
    written; the other side reads it mirrored.
    """
    if side is None or side == written_for:
        return text
    return mirrored(text)
