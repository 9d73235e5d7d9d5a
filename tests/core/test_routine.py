"""Routine files and presets: validated strictly, saved and loaded without loss, kept safe."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from backstretch.core.catalogue import Catalogue, CatalogueError
from backstretch.core.models import Kind
from backstretch.core.planner import Limits, Plan, Reason, ReasonKind, Request, Strategy, plan
from backstretch.core.profile import Profile, parse_profile
from backstretch.core.routine import parse_items, parse_presets, parse_routine, routine_document
from backstretch.core.screening import Restriction
from backstretch.core.timeline import default_dose
from backstretch.data import builtin_catalogue, presets
from tests.factories import contract_ruling_out

PROPERTY = settings(max_examples=150, deadline=None)
CATALOGUE: Catalogue = builtin_catalogue()
STRETCH_IDS = sorted(CATALOGUE.stretches)
ON = date(2026, 11, 2)
BASE = Limits(frozenset({Restriction.NECK_CIRCLES}))
ALL_AREAS = ["neck_shoulders", "upper_back", "mid_back", "lower_back", "hips"]


def routine(*items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "My routine", "items": list(items), **extra}


def parse(document: Any) -> tuple[str, tuple[Request, ...]]:
    return parse_routine(document, CATALOGUE, origin="my-routine.yaml")


def fails(document: Any) -> CatalogueError:
    with pytest.raises(CatalogueError) as caught:
        parse(document)
    assert caught.value.origin == "my-routine.yaml"
    return caught.value


# ---- validation ---------------------------------------------------------------------------------


def test_valid_routine_with_dose_overrides() -> None:
    name, requests = parse(
        routine(
            {"stretch": "childs-pose", "hold_seconds": 45, "reps": 2, "sets": 2},
            {"stretch": "cat-cow", "reps": 12},
            {"stretch": "pelvic-tilt"},
        )
    )
    assert name == "My routine"
    assert [r.stretch_id for r in requests] == ["childs-pose", "cat-cow", "pelvic-tilt"]
    child, cat_cow, tilt = (r.dose for r in requests)
    assert child is not None and cat_cow is not None and tilt is not None
    assert (child.hold_seconds, child.reps, child.sets) == (45, 2, 2)
    assert (cat_cow.reps, cat_cow.sets, cat_cow.hold_seconds) == (12, 1, None)
    assert tilt == default_dose(CATALOGUE.get("pelvic-tilt"))


def test_name_is_optional_and_notes_allowed() -> None:
    name, requests = parse({"items": [{"stretch": "cobra"}], "notes": "from my physio"})
    assert name == "My routine"
    assert len(requests) == 1


def test_unknown_stretch_names_the_item_and_suggests() -> None:
    error = fails(routine({"stretch": "cobra"}, {"stretch": "cat-cwo"}))
    assert error.field == "items.1.stretch"
    assert "cat-cwo" in error.problem
    assert "Did you mean" in error.problem
    assert "cat-cow" in error.problem


@pytest.mark.parametrize(
    ("document", "field"),
    [
        pytest.param(
            routine({"stretch": "cat-cow", "hold_seconds": 30}),
            "items.0.hold_seconds",
            id="hold-on-reps-stretch",
        ),
        pytest.param(
            routine({"stretch": "childs-pose", "hold_seconds": 61}),
            "items.0.hold_seconds",
            id="hold-61",
        ),
        pytest.param(
            routine({"stretch": "childs-pose", "hold_seconds": 4}),
            "items.0.hold_seconds",
            id="hold-4",
        ),
        pytest.param(
            routine({"stretch": "childs-pose", "hold_seconds": "30"}),
            "items.0.hold_seconds",
            id="hold-string",
        ),
        pytest.param(
            routine({"stretch": "childs-pose", "hold_seconds": 30.0}),
            "items.0.hold_seconds",
            id="hold-float",
        ),
        pytest.param(
            routine({"stretch": "pelvic-tilt"}, {"stretch": "cat-cow", "reps": "10"}),
            "items.1.reps",
            id="reps-string",
        ),
        pytest.param(routine({"stretch": "cat-cow", "reps": True}), "items.0.reps", id="reps-bool"),
        pytest.param(routine({"stretch": "cat-cow", "reps": 0}), "items.0.reps", id="reps-0"),
        pytest.param(routine({"stretch": "cat-cow", "reps": 41}), "items.0.reps", id="reps-41"),
        pytest.param(routine({"stretch": "cat-cow", "sets": 4}), "items.0.sets", id="sets-4"),
        pytest.param(routine({"stretch": "cat-cow", "sets": 0}), "items.0.sets", id="sets-0"),
        pytest.param(
            routine({"stretch": "cat-cow", "tempo": 3}), "items.0.tempo", id="unknown-item-field"
        ),
        pytest.param(routine({"reps": 3}), "items.0.stretch", id="item-without-stretch"),
        pytest.param(routine({"stretch": 5}), "items.0.stretch", id="stretch-not-a-word"),
        pytest.param(routine("cat-cow"), "items.0", id="item-not-a-mapping"),
        pytest.param(routine(), "items", id="no-items"),
        pytest.param({"name": "x"}, "items", id="items-missing"),
        pytest.param({"name": "x", "items": {"stretch": "cobra"}}, "items", id="items-not-list"),
        pytest.param(routine({"stretch": "cobra"}, colour="blue"), "colour", id="unknown-field"),
        pytest.param({"name": "", "items": [{"stretch": "cobra"}]}, "name", id="empty-name"),
        pytest.param({"name": 3, "items": [{"stretch": "cobra"}]}, "name", id="name-number"),
        pytest.param([{"stretch": "cobra"}], "(file)", id="not-a-mapping"),
    ],
)
def test_invalid_routine_names_the_field(document: Any, field: str) -> None:
    error = fails(document)
    assert error.field == field
    assert str(error).startswith(f"my-routine.yaml: {field}: ")


@pytest.mark.parametrize("hold", [5, 60])
def test_hold_limits_are_inclusive(hold: int) -> None:
    _, (request,) = parse(routine({"stretch": "childs-pose", "hold_seconds": hold}))
    assert request.dose is not None
    assert request.dose.hold_seconds == hold


def test_parse_items_alone_validates_the_same_way() -> None:
    with pytest.raises(CatalogueError) as caught:
        parse_items([{"stretch": "cobra", "hold_seconds": 30}], CATALOGUE, origin="x")
    assert caught.value.field == "items.0.hold_seconds"


# ---- presets file -------------------------------------------------------------------------------


def test_presets_load_and_are_valid() -> None:
    loaded = presets(CATALOGUE)
    assert {"basic-daily", "comprehensive", "desk-break", "bedtime"} <= set(loaded)
    for preset in loaded.values():
        parse_profile(dict(preset.profile))  # every preset profile is a valid profile
        assert preset.requests is None or preset.strategy is None
    assert loaded["comprehensive"].strategy == Strategy(
        include_all=True, sets=2, min_hold_seconds=30, min_reps=10
    )


def test_presets_with_a_bad_item_name_the_item() -> None:
    document = [
        {
            "id": "broken",
            "name": "Broken",
            "summary": "A preset with a typo.",
            "source": {"file": "002_037d46966b935319.txt", "fact": "A fact."},
            "profile": {"areas": ["lower_back"]},
            "items": [{"stretch": "cobra"}, {"stretch": "cobar"}],
        }
    ]
    with pytest.raises(CatalogueError) as caught:
        parse_presets(document, CATALOGUE)
    assert caught.value.field == "items.1.stretch"
    assert "cobra" in caught.value.problem


def test_presets_file_must_be_a_list() -> None:
    with pytest.raises(CatalogueError):
        parse_presets({"id": "x"}, CATALOGUE)


# ---- round trip -------------------------------------------------------------------------------


def dose_tuples(result: Plan) -> list[tuple[Any, ...]]:
    return [
        (
            p.item.stretch.id,
            p.item.dose.sets,
            p.item.dose.reps,
            p.item.dose.sides,
            p.item.dose.hold_seconds,
        )
        for p in result.items
    ]


def assert_round_trip(person: Profile, result: Plan, on: date) -> None:
    document = routine_document("Saved", result)
    assert document["name"] == "Saved"
    name, requests = parse(document)
    assert name == "Saved"
    assert [r.stretch_id for r in requests] == [p.item.stretch.id for p in result.items]
    assert [r.dose for r in requests] == [p.item.dose for p in result.items]
    again = plan(person, CATALOGUE, BASE, on=on, requests=requests)
    assert dose_tuples(again) == dose_tuples(result)
    assert again.total_seconds == result.total_seconds
    assert again.segments == result.segments


def test_round_trip_of_the_basic_daily_routine() -> None:
    preset = presets(CATALOGUE)["basic-daily"]
    person = parse_profile(dict(preset.profile))
    result = plan(person, CATALOGUE, BASE, on=ON, requests=preset.requests)
    document = routine_document("Daily", result)
    by_id = {item["stretch"]: item for item in document["items"]}
    assert by_id["childs-pose"] == {
        "stretch": "childs-pose",
        "way": "floor",
        "hold_seconds": 60,
        "reps": 1,
        "sets": 1,
    }
    assert by_id["cat-cow"] == {"stretch": "cat-cow", "way": "floor", "reps": 15, "sets": 1}
    assert_round_trip(person, result, ON)


@PROPERTY
@given(
    areas=st.lists(st.sampled_from(ALL_AREAS), min_size=1, max_size=5, unique=True),
    minutes=st.integers(1, 60),
    setting=st.sampled_from(["floor", "chair", "standing", "bed"]),
    level=st.sampled_from(["gentle", "standard", "advanced"]),
    on=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
)
def test_round_trip_of_any_plan(
    areas: list[str], minutes: int, setting: str, level: str, on: date
) -> None:
    person = parse_profile({"areas": areas, "minutes": minutes, "setting": setting, "level": level})
    result = plan(person, CATALOGUE, BASE, on=on)
    assume(result.items)  # a routine file needs at least one item
    assert_round_trip(person, result, on)


# ---- a routine file goes through the same safety filter -----------------------------------------


def test_routine_with_cobra_under_stenosis_leaves_it_out() -> None:
    _, requests = parse(routine({"stretch": "cobra"}, {"stretch": "pelvic-tilt"}))
    person = parse_profile(
        {"areas": ["lower_back"], "restrictions": ["stenosis_or_spondylolisthesis"]}
    )
    result = plan(person, CATALOGUE, BASE, on=ON, requests=requests)
    planned = [p.item.stretch.id for p in result.items]
    assert "cobra" not in planned
    assert "pelvic-tilt" in planned
    assert all("sustained_extension" not in p.item.way.movements for p in result.items)
    reported = [r for e in result.excluded if e.stretch == "cobra" for r in e.reasons] + [
        r for s in result.swaps if s.from_id == "cobra" for r in s.reasons
    ]
    assert Reason(ReasonKind.RESTRICTION, "stenosis_or_spondylolisthesis") in reported


def test_routine_swap_uses_the_variant_and_its_default_dose() -> None:
    _, requests = parse(routine({"stretch": "cat-cow", "reps": 20, "sets": 2}))
    person = parse_profile({"areas": ["mid_back"], "restrictions": ["knee_pain_kneeling"]})
    result = plan(person, CATALOGUE, BASE, on=ON, requests=requests)
    assert [p.item.stretch.id for p in result.items] == ["seated-cat-cow"]
    assert result.items[0].why == "in place of cat-cow"
    assert [(s.from_id, s.to_id) for s in result.swaps] == [("cat-cow", "seated-cat-cow")]
    assert result.swaps[0].reasons == (Reason(ReasonKind.RESTRICTION, "knee_pain_kneeling"),)


def test_routine_in_a_chair_setting_swaps_floor_stretches() -> None:
    _, requests = parse(
        routine({"stretch": "knee-to-chest"}, {"stretch": "glute-bridge"}, {"stretch": "cat-cow"})
    )
    person = parse_profile({"areas": ["lower_back"], "setting": "chair", "minutes": 15})
    result = plan(person, CATALOGUE, BASE, on=ON, requests=requests)
    assert {p.item.way.place.value for p in result.items} <= {"chair", "standing"}
    excluded = {e.stretch: e.reasons for e in result.excluded}
    assert excluded["glute-bridge"] == (Reason(ReasonKind.SETTING, "chair"),)
    assert {s.from_id for s in result.swaps} == {"knee-to-chest", "cat-cow"}


@PROPERTY
@given(
    stretch_ids=st.lists(st.sampled_from(STRETCH_IDS), min_size=1, max_size=8),
    restrictions=st.sets(st.sampled_from([r.value for r in Restriction]), max_size=3),
    setting=st.sampled_from(["floor", "chair", "standing", "bed"]),
    minutes=st.integers(1, 60),
)
def test_any_routine_file_is_filtered_like_a_plan(
    stretch_ids: list[str], restrictions: set[str], setting: str, minutes: int
) -> None:
    _, requests = parse(routine(*({"stretch": s} for s in stretch_ids)))
    person = parse_profile(
        {
            "areas": ["lower_back"],
            "restrictions": sorted(restrictions),
            "setting": setting,
            "minutes": minutes,
        }
    )
    result = plan(person, CATALOGUE, BASE, on=ON, requests=requests)
    assert result.total_seconds <= minutes * 60
    in_force = {*restrictions, "neck_circles"}
    for planned in result.items:
        stretch = planned.item.stretch
        assert not contract_ruling_out(in_force, planned.item.way.movements, None), stretch.id
    accounted = (
        {p.item.stretch.id for p in result.items}
        | {s.from_id for s in result.swaps}
        | {e.stretch for e in result.excluded}
    )
    assert set(stretch_ids) <= accounted, "a requested stretch vanished without a reason"
    for planned in result.items:
        if planned.item.stretch.kind is Kind.HOLD:
            assert planned.item.dose.hold_seconds is not None


def test_a_routine_file_may_ask_for_a_way() -> None:
    # A physiotherapist's file can say "knee-to-chest on a bed"; the planner keeps that way when
    # the setting and the restrictions allow it, and names the ways when the file asks for one
    # the stretch does not have.
    _, requests = parse(routine({"stretch": "knee-to-chest", "way": "bed"}))
    person = parse_profile({"areas": ["lower_back"], "setting": "bed", "minutes": 10})
    result = plan(person, CATALOGUE, BASE, on=ON, requests=requests)
    assert [(p.item.stretch.id, p.item.way.place.value) for p in result.items] == [
        ("knee-to-chest", "bed")
    ]
    with pytest.raises(CatalogueError, match=r"items\.0\.way: knee-to-chest is done floor or bed"):
        parse(routine({"stretch": "knee-to-chest", "way": "chair"}))
