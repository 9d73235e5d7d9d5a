"""How a plan is put in words: the summary line, and notes only on what the person would see."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from backstretch.core.catalogue import Catalogue
from backstretch.core.plan_words import names_line, plan_notes, summary_line
from backstretch.core.planner import Limits, Plan, plan
from backstretch.core.profile import Profile, parse_profile
from backstretch.core.screening import Restriction
from backstretch.data import builtin_catalogue, presets

CATALOGUE: Catalogue = builtin_catalogue()
ON = date(2026, 3, 2)
NO_LIMITS = Limits(frozenset())


def name(stretch_id: str) -> str:
    return CATALOGUE.get(stretch_id).name


@pytest.mark.parametrize(
    ("seconds", "count", "setting", "line"),
    [
        (593, 8, "chair", "10 min · 8 stretches · chair"),
        (600, 6, "floor", "10 min · 6 stretches · floor"),
        (1790, 1, "standing", "30 min · 1 stretch · standing"),
        (20, 1, "bed", "under 1 min · 1 stretch · in bed"),
    ],
)
def test_the_summary_line(seconds: int, count: int, setting: str, line: str) -> None:
    assert summary_line(seconds, count, setting) == line


def test_a_few_names_in_one_short_line() -> None:
    assert names_line(["Cat-cow"]) == "Cat-cow"
    assert names_line(["Cat-cow", "Cobra"]) == "Cat-cow and Cobra"
    assert names_line(["A", "B", "C", "D", "E"]) == "A, B and 3 more"


def planned(result: Plan) -> set[str]:
    return {p.item.stretch.id for p in result.items}


def profile_for(restriction: str | None, setting: str, areas: list[str]) -> Profile:
    restrictions = [restriction] if restriction else []
    return parse_profile(
        {"areas": areas, "minutes": 10, "setting": setting, "restrictions": restrictions}
    )


AREA_SETS = [["lower_back", "hips", "upper_back"], ["neck_shoulders", "upper_back"]]


@pytest.mark.parametrize("restriction", [r.value for r in Restriction])
@pytest.mark.parametrize("setting", ["floor", "chair"])
@pytest.mark.parametrize("areas", AREA_SETS, ids=["back-and-hips", "neck"])
def test_notes_only_on_stretches_the_person_would_have_had(
    restriction: str, setting: str, areas: list[str]
) -> None:
    for day in (ON + timedelta(days=n) for n in range(3)):
        person = profile_for(restriction, setting, areas)
        result = plan(person, CATALOGUE, NO_LIMITS, on=day)
        free = plan(profile_for(None, setting, areas), CATALOGUE, NO_LIMITS, on=day)
        for swap in result.swaps:
            # A swap is told only when its replacement is in the plan, for a stretch the
            # person would have had.
            assert swap.to_id in planned(result), swap
            assert swap.from_id in planned(free), swap
        for exclusion in result.excluded:
            if exclusion.reasons[0].kind.value != "time":
                assert exclusion.stretch in planned(free), exclusion
        notes = plan_notes(result, name)
        assert len(notes.swap_details) == len(result.swaps)
        assert (notes.swaps is None) == (not result.swaps)


def test_a_preset_stretch_swapped_for_a_restriction_is_named_with_its_reason() -> None:
    preset = presets(CATALOGUE)["basic-daily"]
    person = parse_profile(
        {**preset.profile, "areas": ["lower_back"], "restrictions": ["knee_pain_kneeling"]}
    )
    result = plan(person, CATALOGUE, NO_LIMITS, on=ON, requests=preset.requests)
    notes = plan_notes(result, name)
    assert notes.swaps is not None and notes.swaps.startswith("Swapped for you: ")
    assert "Cat-cow" in notes.swaps or "and " in notes.swaps
    (detail,) = [d for d in notes.swap_details if d.startswith("Cat-cow → ")]
    assert detail == "Cat-cow → Seated cat-cow: it puts weight on the knees"
    assert "seated-cat-cow" in planned(result)
