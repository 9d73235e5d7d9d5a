"""Smoke test of the plan sweep: the quick grid prints every figure, and each is sane.

Nothing here asserts a time, nor what the planner's figures should be (the planner's own tests
do that): only that the script runs and its figures are counts and shares that add up.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow  # two runs of the quick grid: several seconds each

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "plan_sweep.py"


def is_share(value: Any) -> bool:
    return isinstance(value, float | int) and 0 <= value <= 1


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--json", "--jobs", "1"],
        capture_output=True,
        text=True,
        timeout=600,  # the catalogue may be waited for while another file is being written
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def test_counts_are_positive_and_add_up(figures: dict[str, Any]) -> None:
    plans = figures["plans"]
    assert plans > 0
    assert figures["stretches_in_catalogue"] > 0
    empty = figures["empty"]
    assert empty["nothing_fits"] + empty["something_fits"] == empty["plans"] <= plans
    assert 0 <= empty["something_fits_after_exercise_moves_only"] <= empty["something_fits"]
    uncovered = figures["uncovered"]
    assert 0 < uncovered["plans_from_3_min"] <= plans
    assert 0 <= uncovered["after_exercise_moves_only"] <= uncovered["plans"]
    assert uncovered["plans"] <= uncovered["plans_from_3_min"]
    budget = figures["budget_use"]
    assert budget["plans_with_a_stretch"] == plans - empty["plans"] > 0
    assert budget["under_80_percent"] <= budget["plans_with_a_stretch"]
    holds = figures["holds_a_side"]
    assert holds["max"] >= 1
    assert holds["over_3"] <= plans
    changes = figures["position_changes"]
    assert 0 < changes["plans_up_to_15_min"] <= plans
    assert changes["max_up_to_15_min"] <= changes["max"]
    for group in figures["second_sets"].values():
        assert 0 < group["plans"] <= plans
        assert 0 <= group["with_second_set"] <= group["plans"]


def test_rates_are_shares(figures: dict[str, Any]) -> None:
    shares = [
        figures["empty"]["rate"],
        figures["empty"]["something_fits_rate"],
        figures["uncovered"]["rate"],
        figures["budget_use"]["under_80_percent_rate"],
        figures["holds_a_side"]["over_3_rate"],
        figures["position_changes"]["over_3_rate"],
        figures["move_after_hold"]["rate"],
        *(group["rate"] for group in figures["second_sets"].values()),
    ]
    assert all(is_share(value) for value in shares), shares
    budget = figures["budget_use"]
    assert 0 < budget["min"] <= budget["median"] <= 1  # never over the budget


def test_day_to_day_figures(figures: dict[str, Any]) -> None:
    days = figures["day_to_day"]
    assert days["profiles"] > 0
    assert days["days"] == 28
    assert is_share(days["kept_median"])
    assert is_share(days["kept_min"])
    assert days["kept_min"] <= days["kept_median"]
    assert 1 <= days["routines_median"] <= days["routines_max"] <= days["days"]
    assert 0 <= days["profiles_always_keeping_half"] <= days["profiles"]
    assert days["by_length"]
    week = figures["within_7_days"]
    assert week["areas"] > 0
    assert is_share(week["came_up_median"])
    assert is_share(week["came_up_min"])
    assert 0 <= week["areas_all_came_up"] <= week["areas"]


def test_the_table_names_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--examples", "1"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for label in (
        "plans (",
        "empty plans",
        "nothing fits",
        "uncovered area",
        "budget use",
        "holds a side",
        "second set, under 20 min",
        "position changes",
        "move after a hold",
        "day to day",
        "within 7 days",
    ):
        assert label in done.stdout, label
