"""Shared data for the figure tests: the catalogue, and a stretch factory."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from backstretch.core.catalogue import Catalogue, Stretch, parse_stretch
from backstretch.data import builtin_catalogue


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return builtin_catalogue()


def own_stretch(**changes: Any) -> Stretch:
    """Return a valid own stretch (no figure unless given), with some fields changed."""
    document: dict[str, Any] = {
        "id": "my-wall-stretch",
        "name": "Wall chest stretch",
        "summary": "A forearm on a door frame, turning the chest gently away.",
        "regions": ["upper_back"],
        "position": "standing",
        "kind": "hold",
        "level": "gentle",
        "dose": {"hold_seconds": 30, "sides": "each", "choice": "What my physiotherapist gave me."},
        "movements": [],
        "steps": {"setup": ["Stand."], "movement": ["Turn."], "finish": ["Stop."]},
        "breath": ["Breathe slowly."],
        "form_cues": ["Shoulder down."],
        "mistakes": ["Pushing into pain."],
        "stop_if": ["Tingling."],
        "sources": [{"given_by": "My physiotherapist", "fact": "Hold 30 s."}],
    }
    document.update(copy.deepcopy(changes))
    return parse_stretch(document, origin="my-wall-stretch.yaml")
