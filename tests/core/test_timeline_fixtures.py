"""The timeline fixtures say what the Python player says today.

The browser's `static/timeline.js` is tested against the same files (tests/js/), so both players
agree as long as these pass. When one fails, the Python player or the timeline changed: run
`.venv/bin/python tests/fixtures/timelines/make_fixtures.py`, look at the difference, and update
`static/timeline.js` until `node --test tests/js/` passes again.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from backstretch.core.player import BACK_GRACE_MS, item_spans
from tests.fixtures.timelines.make_fixtures import (
    ACTIONS,
    CASES,
    FOLDER,
    Case,
    fixture,
    replay,
    segment_from_json,
    text,
)

RERUN = "out of date: run .venv/bin/python tests/fixtures/timelines/make_fixtures.py"
FILES = sorted(FOLDER.glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def without_cues(data: dict[str, Any]) -> dict[str, Any]:
    """Return a fixture without its segments' words, which neither player's clock reads."""
    segments = [{k: v for k, v in s.items() if k != "cue"} for s in data["segments"]]
    return {**data, "segments": segments}


def test_there_is_one_file_for_each_case_and_a_few_cases() -> None:
    assert [path.stem for path in FILES] == sorted(case.name for case in CASES)
    assert 3 <= len(CASES) <= 6


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_the_python_player_gives_what_the_fixture_expects(path: Path) -> None:
    data = load(path)
    segments = tuple(segment_from_json(s) for s in data["segments"])
    assert [s.to_json() for s in segments] == data["segments"]
    assert data["back_grace_ms"] == BACK_GRACE_MS, RERUN
    assert data["total_ms"] == segments[-1].end_ms
    assert [asdict(span) for span in item_spans(segments)] == data["spans"], RERUN
    actions = [(step["at_ms"], step["action"]) for step in data["steps"]]
    assert {action for _, action in actions} <= set(ACTIONS)
    for got, want in zip(
        replay(segments, data["started_at_ms"], actions), data["steps"], strict=True
    ):
        assert got == want, f"{path.name}, {want['action']} at {want['at_ms']}: {RERUN}"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_fixture_is_what_make_fixtures_writes_today(case: Case) -> None:
    # The cues are the catalogue's words: a change of wording need not rewrite the fixtures.
    path = FOLDER / f"{case.name}.json"
    assert without_cues(load(path)) == without_cues(fixture(case)), f"{path.name} is {RERUN}"
    assert json.loads(text(case)) == fixture(case)


def test_every_control_is_scripted_somewhere() -> None:
    scripted = {step["action"] for path in FILES for step in load(path)["steps"]}
    assert scripted == set(ACTIONS)


def test_the_scripts_reach_the_cases_that_matter() -> None:
    steps = [step for path in FILES for step in load(path)["steps"]]
    done = [record for step in steps for record in step["expect"]["done"]]
    assert any(record["skipped"] for record in done)
    assert any(step["expect"]["finished"] and not step["expect"]["paused"] for step in steps)
    assert any(step["action"] == "stop" and step["expect"]["finished"] for step in steps)
    assert any(step["expect"]["item"] is None for step in steps)  # the very end
    assert any(s["action"] == "skip" and s["expect"]["paused"] for s in steps)
    assert any(s["action"] == "back" and s["expect"]["paused"] for s in steps)
    # A step back just after an item began goes to the item before.
    pairs = [pair for path in FILES for pair in pairwise(load(path)["steps"])]
    assert any(
        after["action"] == "back"
        and before["expect"]["item"] is not None
        and after["expect"]["item"] == before["expect"]["item"] - 1
        for before, after in pairs
    )
    kinds = {segment["kind"] for path in FILES for segment in load(path)["segments"]}
    assert kinds == {"get_ready", "hold", "rep", "switch_side", "rest", "transition", "done"}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_clock_never_goes_back_in_a_script(case: Case) -> None:
    readings = [at_ms for at_ms, _ in case.script]
    assert readings == sorted(readings)
