"""The planner: safe first, never over time, every painful area covered, grouped and varied.

The safety and setting checks use the contract tables in `tests.factories`, written out from
SCREENING.md and the issue, not the planner's own tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstretch.core.catalogue import Catalogue, Stretch, build_catalogue
from backstretch.core.models import Kind, Level, Position, Region
from backstretch.core.planner import (
    Limits,
    Plan,
    Reason,
    ReasonKind,
    Request,
    plan,
)
from backstretch.core.profile import Profile, parse_profile
from backstretch.core.routine import Preset
from backstretch.core.screening import Restriction
from backstretch.core.timeline import SegmentKind, TimelineSettings, routine_seconds
from backstretch.data import builtin_catalogue, builtin_documents, presets
from tests.factories import (
    CONTRACT_POSITION_TAGS,
    CONTRACT_RULES_OUT,
    CONTRACT_SETTING_POSITIONS,
    contract_ruling_out,
    contract_setting_allows,
    own_stretch_document,
)

PROPERTY = settings(max_examples=150, deadline=None)
CATALOGUE: Catalogue = builtin_catalogue()
PRESETS: dict[str, Preset] = presets(CATALOGUE)
STRETCH_IDS = sorted(CATALOGUE.stretches)
ON = date(2026, 11, 2)
ALWAYS = frozenset({Restriction.NECK_CIRCLES})
BASE = Limits(ALWAYS)
ALL_AREAS = ["neck_shoulders", "upper_back", "mid_back", "lower_back", "hips"]
LEVELS = ["gentle", "standard", "advanced"]
# Every movement tag of SCREENING.md, as the restriction table uses them.
ALL_TAGS = sorted(set().union(*CONTRACT_RULES_OUT.values()))


def profile(**data: Any) -> Profile:
    full: dict[str, Any] = {"areas": ALL_AREAS, "minutes": 30}
    full.update(data)
    return parse_profile(full)


def ids(result: Plan) -> list[str]:
    return [p.item.stretch.id for p in result.items]


def positions(result: Plan) -> list[str]:
    return [p.item.stretch.position.value for p in result.items]


def preset_plan(
    preset_id: str, limits: Limits = BASE, **profile_changes: Any
) -> tuple[Profile, Plan]:
    preset = PRESETS[preset_id]
    person = parse_profile({**preset.profile, **profile_changes})
    result = plan(
        person,
        CATALOGUE,
        limits,
        on=ON,
        requests=preset.requests,
        strategy=preset.strategy,
    )
    return person, result


def reasons_for(result: Plan, stretch_id: str) -> tuple[Reason, ...]:
    """Return the reasons the plan gives for swapping or leaving out `stretch_id`."""
    found: list[Reason] = []
    for swap in result.swaps:
        if swap.from_id == stretch_id:
            found += swap.reasons
    for exclusion in result.excluded:
        if exclusion.stretch == stretch_id:
            found += exclusion.reasons
    return tuple(found)


def permitted(
    stretch: Stretch, person: Profile, restrictions: Iterable[Any], weeks: int | None
) -> bool:
    """The contract's view: safe, possible in the setting, not too hard, not avoided."""
    return (
        not contract_ruling_out(restrictions, stretch.movements, weeks)
        and contract_setting_allows(person.setting.value, stretch.position.value, stretch.equipment)
        and LEVELS.index(stretch.level.value) <= LEVELS.index(person.level.value)
        and stretch.id not in person.avoid
    )


# ---- invariants shared by the example, table and property tests ---------------------------------


def assert_plan_invariants(
    result: Plan,
    person: Profile,
    restrictions: Iterable[Any],
    weeks: int | None,
    settings_: TimelineSettings | None = None,
) -> None:
    restrictions = {str(r) for r in restrictions} | {str(r) for r in person.restrictions}
    budget = person.minutes * 60
    # Never over the time budget; the parts add up.
    assert result.budget_seconds == budget
    assert result.total_seconds <= budget
    assert result.total_seconds == sum(p.seconds for p in result.items)
    assert result.total_seconds == routine_seconds(result.routine, settings_ or TimelineSettings())
    # The timeline is contiguous from 0 and sums exactly.
    segments = result.segments
    assert segments[0].start_ms == 0
    for before, after in pairwise(segments):
        assert after.start_ms == before.end_ms
    assert sum(s.duration_ms for s in segments) == result.total_seconds * 1000
    assert segments[-1].kind is SegmentKind.DONE
    assert segments[-1].duration_ms == 0
    planned_ids = ids(result)
    assert len(planned_ids) == len(set(planned_ids)), "a stretch is planned twice"
    for planned in result.items:
        stretch = planned.item.stretch
        # Safety: no tag a restriction in force rules out.
        ruling = contract_ruling_out(restrictions, stretch.movements, weeks)
        assert not ruling, f"{stretch.id} is ruled out by {sorted(ruling)}"
        # Setting decides the positions.
        assert contract_setting_allows(
            person.setting.value, stretch.position.value, stretch.equipment
        ), f"{stretch.id} ({stretch.position}) cannot be done in setting {person.setting}"
        assert LEVELS.index(stretch.level.value) <= LEVELS.index(person.level.value)
        assert stretch.id not in person.avoid
        assert planned.why
    # Positions grouped: each position one contiguous run; within it reps before holds.
    runs: list[str] = []
    for position in positions(result):
        if not runs or runs[-1] != position:
            runs.append(position)
    assert len(runs) == len(set(runs)), f"positions not grouped: {positions(result)}"
    for position in set(runs):
        run_kinds = [
            p.item.stretch.kind for p in result.items if p.item.stretch.position.value == position
        ]
        assert run_kinds == sorted(run_kinds, key=[Kind.REPS, Kind.HOLD].index), (
            f"holds before reps in the {position} run"
        )
    # Every reason uses a known kind.
    for reason in [r for s in result.swaps for r in s.reasons] + [
        r for e in result.excluded for r in e.reasons
    ]:
        assert reason.kind in set(ReasonKind)
        assert reason.id


def assert_swaps_never_harder(result: Plan, catalogue: Catalogue) -> None:
    for swap in result.swaps:
        before, after = catalogue.get(swap.from_id), catalogue.get(swap.to_id)
        assert after.id not in before.variants.harder, f"{swap} goes to a harder variant"
        assert before.id not in after.variants.easier, f"{swap}: {after.id} lists it as easier"
        assert LEVELS.index(after.level.value) <= LEVELS.index(before.level.value), (
            f"{swap.from_id} ({before.level}) swapped for {swap.to_id} ({after.level})"
        )


# ---- presets ------------------------------------------------------------------------------------


def test_basic_daily_matches_the_source_exactly() -> None:
    _, result = preset_plan("basic-daily")
    doses = {
        p.item.stretch.id: (
            p.item.dose.sets,
            p.item.dose.reps,
            p.item.dose.sides.value,
            p.item.dose.hold_seconds,
        )
        for p in result.items
    }
    assert doses == {
        "childs-pose": (1, 1, "bilateral", 60),
        "cat-cow": (1, 15, "bilateral", None),
        "knee-to-chest": (1, 2, "each", 30),
        "seated-spinal-twist": (1, 2, "each", 30),
        "pelvic-tilt": (1, 10, "bilateral", None),
    }
    assert result.swaps == ()
    assert result.excluded == ()
    assert result.total_seconds <= result.budget_seconds


def test_basic_daily_timeline_shows_the_doses() -> None:
    _, result = preset_plan("basic-daily")
    holds = [s for s in result.segments if s.kind is SegmentKind.HOLD]
    child = [s for s in holds if s.stretch == "childs-pose"]
    assert [s.duration_ms for s in child] == [60000]
    knee = [(s.side, s.duration_ms) for s in holds if s.stretch == "knee-to-chest"]
    assert knee == [("left", 30000)] * 2 + [("right", 30000)] * 2
    twist = [(s.side, s.duration_ms) for s in holds if s.stretch == "seated-spinal-twist"]
    assert twist == [("left", 30000)] * 2 + [("right", 30000)] * 2
    reps = {
        stretch_id: {s.rep for s in result.segments if s.stretch == stretch_id and s.rep}
        for stretch_id in ("cat-cow", "pelvic-tilt")
    }
    assert reps == {"cat-cow": set(range(1, 16)), "pelvic-tilt": set(range(1, 11))}


def test_basic_daily_with_knee_pain_swaps_or_leaves_out_kneeling() -> None:
    limits = Limits(ALWAYS | {Restriction.KNEE_PAIN_KNEELING})
    person, result = preset_plan("basic-daily", limits)
    planned = ids(result)
    assert "childs-pose" not in planned
    assert "cat-cow" not in planned
    assert all("kneeling" not in p.item.stretch.movements for p in result.items)
    swaps = {s.from_id: s for s in result.swaps}
    assert swaps["cat-cow"].to_id == "seated-cat-cow"
    assert "seated-cat-cow" in planned
    for stretch_id in ("childs-pose", "cat-cow"):
        assert Reason(ReasonKind.RESTRICTION, "knee_pain_kneeling") in reasons_for(
            result, stretch_id
        )
    if "childs-pose" in swaps:
        assert swaps["childs-pose"].to_id in planned
    # The other three stay exactly as the source says.
    kept = {p.item.stretch.id: p.item.dose for p in result.items}
    assert kept["knee-to-chest"].hold_seconds == 30
    assert kept["seated-spinal-twist"].reps == 2
    assert kept["pelvic-tilt"].reps == 10
    assert_plan_invariants(result, person, limits.restrictions, None)


def test_basic_daily_trimmed_to_three_minutes() -> None:
    person, result = preset_plan("basic-daily", minutes=3)
    assert result.budget_seconds == 180
    assert result.total_seconds <= 180
    assert result.items, "something still fits in three minutes"
    requested = [r.stretch_id for r in PRESETS["basic-daily"].requests or ()]
    trimmed = [e.stretch for e in result.excluded]
    assert trimmed, "five stretches cannot fit three minutes"
    for exclusion in result.excluded:
        assert exclusion.reasons == (Reason(ReasonKind.TIME, "budget"),)
    # Trimmed from the end of the routine: what stays is its beginning.
    assert set(ids(result)) == set(requested[: len(requested) - len(trimmed)])
    assert set(ids(result)) | set(trimmed) == set(requested)
    assert_plan_invariants(result, person, ALWAYS, None)


@pytest.mark.parametrize("minutes", [1, 2, 3, 5, 8, 10, 15, 60])
def test_fixed_routine_never_over_any_budget(minutes: int) -> None:
    person, result = preset_plan("basic-daily", minutes=minutes)
    assert_plan_invariants(result, person, ALWAYS, None)
    left_out = {e.stretch for e in result.excluded}
    assert len(result.items) + len(left_out) == 5


def test_comprehensive_is_trimmed_and_uses_two_sets_or_more() -> None:
    person, result = preset_plan("comprehensive")
    assert_plan_invariants(result, person, ALWAYS, None)
    assert result.total_seconds >= 0.8 * result.budget_seconds
    assert any(e.reasons == (Reason(ReasonKind.TIME, "budget"),) for e in result.excluded), (
        "not every stretch fits 30 minutes, so some are trimmed"
    )
    for planned in result.items:
        stretch = planned.item.stretch
        if stretch.dose.sets_range.max >= 2:
            assert planned.item.dose.sets >= 2, (
                f"{stretch.id} planned with {planned.item.dose.sets} set(s) in the "
                "comprehensive routine (2-3 sets)"
            )
        if planned.item.dose.hold_seconds is not None:
            top = stretch.dose.hold_range.max if stretch.dose.hold_range else 30
            assert planned.item.dose.hold_seconds >= min(30, top)


def test_desk_break_stays_in_the_chair_and_short() -> None:
    person, result = preset_plan("desk-break")
    assert set(positions(result)) <= {"chair", "standing"}
    assert result.items
    assert result.budget_seconds <= 300
    assert result.total_seconds <= 300
    assert_plan_invariants(result, person, ALWAYS, None)


def test_bedtime_uses_only_bed_positions() -> None:
    person, result = preset_plan("bedtime")
    assert result.items
    for planned in result.items:
        stretch = planned.item.stretch
        assert stretch.position.value in {"supine", "side_lying", "floor_seated", "chair"}
        if stretch.position is Position.CHAIR:
            assert "chair" not in stretch.equipment
    assert_plan_invariants(result, person, ALWAYS, None)


@pytest.mark.parametrize("preset_id", sorted(PRESETS))
@pytest.mark.parametrize("restriction", list(Restriction), ids=str)
def test_every_preset_under_every_restriction(preset_id: str, restriction: Restriction) -> None:
    limits = Limits(ALWAYS | {restriction})
    person, result = preset_plan(preset_id, limits)
    assert_plan_invariants(result, person, limits.restrictions, None)
    rules_out = CONTRACT_RULES_OUT[restriction.value]
    requested = PRESETS[preset_id].requests
    for request in requested or ():
        stretch = CATALOGUE.get(request.stretch_id)
        if rules_out & {m.value for m in stretch.movements}:
            assert Reason(ReasonKind.RESTRICTION, restriction.value) in reasons_for(
                result, stretch.id
            ), f"{stretch.id} ruled out by {restriction} without saying so"


# ---- setting and restriction tables -------------------------------------------------------------


@pytest.mark.parametrize("setting", sorted(CONTRACT_SETTING_POSITIONS))
@pytest.mark.parametrize("level", LEVELS)
def test_setting_decides_the_positions(setting: str, level: str) -> None:
    person = profile(setting=setting, level=level)
    result = plan(person, CATALOGUE, BASE, on=ON)
    assert result.items, f"nothing at all for setting {setting}"
    assert set(positions(result)) <= CONTRACT_SETTING_POSITIONS[setting]
    assert_plan_invariants(result, person, ALWAYS, None)
    for exclusion in result.excluded:
        stretch = CATALOGUE.get(exclusion.stretch)
        if not contract_setting_allows(setting, stretch.position.value, stretch.equipment):
            assert Reason(ReasonKind.SETTING, setting) in exclusion.reasons


def test_chair_setting_swaps_floor_stretches_with_the_reason() -> None:
    result = plan(profile(setting="chair", areas=["mid_back"]), CATALOGUE, BASE, on=ON)
    swaps = {s.from_id: s for s in result.swaps}
    assert swaps["cat-cow"].to_id == "seated-cat-cow"
    assert swaps["cat-cow"].reasons == (Reason(ReasonKind.SETTING, "chair"),)
    assert swaps["thread-the-needle"].to_id == "chair-thread-the-needle"


def test_bed_setting_leaves_out_kneeling_and_standing_with_the_reason() -> None:
    result = plan(profile(setting="bed"), CATALOGUE, BASE, on=ON)
    for stretch_id in ("cat-cow", "childs-pose", "standing-back-extension"):
        assert Reason(ReasonKind.SETTING, "bed") in reasons_for(result, stretch_id)
        assert stretch_id not in ids(result)


@pytest.mark.parametrize(
    ("equipment", "allowed"),
    [pytest.param([], True, id="no-chair-needed"), pytest.param(["chair"], False, id="chair")],
)
def test_bed_allows_chair_position_only_without_a_chair(
    equipment: list[str], allowed: bool
) -> None:
    document = own_stretch_document(
        "my-bed-edge", position="chair", equipment=equipment, regions=["neck_shoulders"]
    )
    catalogue = build_catalogue([*builtin_documents(), ("my-bed-edge.yaml", document)])
    result = plan(
        profile(setting="bed", areas=["neck_shoulders"], minutes=5), catalogue, BASE, on=ON
    )
    assert ("my-bed-edge" in ids(result)) is allowed
    if not allowed:
        assert Reason(ReasonKind.SETTING, "bed") in reasons_for(result, "my-bed-edge")


@pytest.mark.parametrize("setting", sorted(CONTRACT_SETTING_POSITIONS))
def test_no_floor_overrides_the_setting(setting: str) -> None:
    limits = Limits(ALWAYS | {Restriction.NO_FLOOR})
    person = profile(setting=setting)
    result = plan(person, CATALOGUE, limits, on=ON)
    assert all("floor" not in p.item.stretch.movements for p in result.items)
    assert_plan_invariants(result, person, limits.restrictions, None)
    if setting == "floor":
        assert Reason(ReasonKind.RESTRICTION, "no_floor") in reasons_for(result, "cat-cow")
        assert "seated-cat-cow" in ids(result) or any(
            s.to_id == "seated-cat-cow" for s in result.swaps
        )


RESTRICTION_CASES = [
    pytest.param(restriction, None, id=restriction.value) for restriction in Restriction
] + [
    pytest.param(Restriction.PREGNANT, 20, id="pregnant-week-20"),
    pytest.param(Restriction.PREGNANT, 10, id="pregnant-week-10"),
]


@pytest.mark.parametrize(("restriction", "weeks"), RESTRICTION_CASES)
@pytest.mark.parametrize("setting", ["floor", "bed"])
def test_no_planned_stretch_carries_a_ruled_out_tag(
    restriction: Restriction, weeks: int | None, setting: str
) -> None:
    person = profile(
        setting=setting,
        minutes=45,
        restrictions=[restriction.value],
        pregnancy_weeks=weeks,
    )
    result = plan(person, CATALOGUE, BASE, on=ON)
    assert_plan_invariants(result, person, ALWAYS | {restriction}, weeks)
    ruled = CONTRACT_RULES_OUT[restriction.value]
    if restriction is Restriction.PREGNANT and weeks is not None and weeks < 13:
        ruled = frozenset()
    tags = {m.value for p in result.items for m in p.item.stretch.movements}
    assert not tags & ruled
    # Each base stretch for the areas that the restriction rules out is reported.
    for stretch in CATALOGUE:
        if stretch.variant_of is None and ruled & {m.value for m in stretch.movements}:
            assert Reason(ReasonKind.RESTRICTION, restriction.value) in reasons_for(
                result, stretch.id
            )


def test_early_pregnancy_still_allows_lying_on_the_back() -> None:
    early = plan(
        profile(restrictions=["pregnant"], pregnancy_weeks=10, areas=["lower_back", "hips"]),
        CATALOGUE,
        BASE,
        on=ON,
    )
    assert "supine" in positions(early)
    assert not any(r.kind is ReasonKind.RESTRICTION for s in early.swaps for r in s.reasons)
    for weeks in (None, 13, 20):
        later = plan(
            profile(restrictions=["pregnant"], pregnancy_weeks=weeks, areas=["lower_back", "hips"]),
            CATALOGUE,
            BASE,
            on=ON,
        )
        assert "supine" not in positions(later)
        assert Reason(ReasonKind.RESTRICTION, "pregnant") in reasons_for(later, "knee-to-chest")


@pytest.mark.parametrize(
    ("screening_weeks", "profile_restrictions", "profile_weeks", "supine_allowed"),
    [
        pytest.param(8, [], None, True, id="screening-week-8-only"),
        pytest.param(None, [], None, False, id="screening-weeks-unknown"),
        pytest.param(8, ["pregnant"], 10, True, id="both-early"),
        pytest.param(8, ["pregnant"], None, False, id="profile-unknown-wins"),
        pytest.param(8, ["pregnant"], 20, False, id="profile-later-wins"),
        pytest.param(20, ["pregnant"], 8, False, id="screening-later-wins"),
    ],
)
def test_pregnancy_weeks_from_screening_and_profile_are_combined_cautiously(
    screening_weeks: int | None,
    profile_restrictions: list[str],
    profile_weeks: int | None,
    supine_allowed: bool,
) -> None:
    person = profile(
        areas=["lower_back", "hips"],
        restrictions=profile_restrictions,
        pregnancy_weeks=profile_weeks,
    )
    limits = Limits(ALWAYS | {Restriction.PREGNANT}, pregnancy_weeks=screening_weeks)
    result = plan(person, CATALOGUE, limits, on=ON)
    assert ("supine" in positions(result)) is supine_allowed
    reported = Reason(ReasonKind.RESTRICTION, "pregnant") in reasons_for(result, "knee-to-chest")
    assert reported is not supine_allowed


# ---- swaps and exclusions -----------------------------------------------------------------------


def test_restriction_swap_is_reported_with_its_reason() -> None:
    result = plan(
        profile(areas=["lower_back", "mid_back"], restrictions=["knee_pain_kneeling"]),
        CATALOGUE,
        BASE,
        on=ON,
    )
    swaps = {s.from_id: s for s in result.swaps}
    assert swaps["cat-cow"].to_id == "seated-cat-cow"
    assert swaps["cat-cow"].reasons == (Reason(ReasonKind.RESTRICTION, "knee_pain_kneeling"),)
    assert "cat-cow" not in ids(result)


def test_stretch_without_a_permitted_variant_is_left_out_with_reasons() -> None:
    # Cobra, sphinx and standing back extension all hold the spine arched back.
    result = plan(profile(restrictions=["stenosis_or_spondylolisthesis"]), CATALOGUE, BASE, on=ON)
    exclusions = {e.stretch: e for e in result.excluded}
    assert exclusions["cobra"].reasons == (
        Reason(ReasonKind.RESTRICTION, "stenosis_or_spondylolisthesis"),
    )
    for stretch_id in ("cobra", "sphinx", "standing-back-extension"):
        assert stretch_id not in ids(result)


def test_level_reason_and_gentler_swap() -> None:
    result = plan(profile(level="gentle"), CATALOGUE, BASE, on=ON)
    swaps = {s.from_id: s for s in result.swaps}
    assert swaps["cobra"].reasons == (Reason(ReasonKind.LEVEL, "gentle"),)
    assert CATALOGUE.get(swaps["cobra"].to_id).level is Level.GENTLE
    assert all(p.item.stretch.level is Level.GENTLE for p in result.items)


@pytest.mark.parametrize("avoided", ["cat-cow", "knee-to-chest", "cobra", "pelvic-tilt"])
def test_avoided_stretch_is_never_planned_and_says_why(avoided: str) -> None:
    result = plan(profile(avoid=[avoided]), CATALOGUE, BASE, on=ON)
    assert avoided not in ids(result)
    assert Reason(ReasonKind.PREFERENCE, "avoid") in reasons_for(result, avoided)


def test_favourite_is_planned_whatever_the_day() -> None:
    for on in (ON, ON + timedelta(days=1), ON + timedelta(days=2)):
        result = plan(
            profile(areas=["lower_back"], minutes=5, favourites=["glute-bridge"]),
            CATALOGUE,
            BASE,
            on=on,
        )
        assert "glute-bridge" in ids(result)


def test_time_exclusions_when_many_candidates() -> None:
    result = plan(profile(minutes=5), CATALOGUE, BASE, on=ON)
    assert any(e.reasons == (Reason(ReasonKind.TIME, "budget"),) for e in result.excluded)


@pytest.mark.parametrize(
    ("avoid", "requested"),
    [
        pytest.param(["standing-hip-hinge"], "standing-hip-hinge", id="hip-hinge"),
        pytest.param(["standing-back-extension", "sphinx"], None, id="back-extension"),
    ],
)
def test_swap_never_goes_to_a_harder_stretch(avoid: list[str], requested: str | None) -> None:
    person = profile(areas=["lower_back"], minutes=10, avoid=avoid, level="advanced")
    requests = [Request(requested)] if requested else None
    result = plan(person, CATALOGUE, BASE, on=ON, requests=requests)
    assert_swaps_never_harder(result, CATALOGUE)


def test_own_variant_declared_harder_is_not_swapped_in() -> None:
    # my-deep-knee-hug lists knee-to-chest as its easier version: it is the harder one.
    document = own_stretch_document(
        "my-deep-knee-hug",
        variant_of="knee-to-chest",
        variants={"easier": ["knee-to-chest"]},
        level="standard",
    )
    catalogue = build_catalogue([*builtin_documents(), ("my-deep-knee-hug.yaml", document)])
    result = plan(
        profile(areas=["lower_back"], minutes=10, restrictions=["osteoporosis"]),
        catalogue,
        BASE,
        on=ON,
        requests=[Request("knee-to-chest")],
    )
    assert "my-deep-knee-hug" not in ids(result)
    assert_swaps_never_harder(result, catalogue)


def test_own_variant_is_swapped_in_when_the_base_is_ruled_out() -> None:
    document = own_stretch_document(
        "my-standing-knee-lift", variant_of="knee-to-chest", regions=["lower_back", "hips"]
    )
    catalogue = build_catalogue([*builtin_documents(), ("my-standing-knee-lift.yaml", document)])
    result = plan(profile(areas=["hips"], minutes=15, setting="standing"), catalogue, BASE, on=ON)
    assert "knee-to-chest" not in ids(result)
    assert any(
        s.from_id == "knee-to-chest" and s.to_id == "my-standing-knee-lift" for s in result.swaps
    )


def test_own_stretch_with_a_ruled_out_tag_is_left_out() -> None:
    document = own_stretch_document(
        "my-back-bend", movements=["sustained_extension", "deep_bend"], regions=["mid_back"]
    )
    catalogue = build_catalogue([*builtin_documents(), ("my-back-bend.yaml", document)])
    free = plan(profile(areas=["mid_back"], favourites=["my-back-bend"]), catalogue, BASE, on=ON)
    assert "my-back-bend" in ids(free)
    limited = plan(
        profile(areas=["mid_back"], favourites=["my-back-bend"], restrictions=["post_surgery"]),
        catalogue,
        BASE,
        on=ON,
    )
    assert "my-back-bend" not in ids(limited)
    assert Reason(ReasonKind.RESTRICTION, "post_surgery") in reasons_for(limited, "my-back-bend")


# ---- priorities: coverage, budget use, grouping, determinism, variety -------------------------


@pytest.mark.parametrize("area", ALL_AREAS)
@pytest.mark.parametrize("minutes", [5, 10, 30])
def test_one_to_two_stretches_for_each_area_first(area: str, minutes: int) -> None:
    result = plan(profile(areas=[area], minutes=minutes), CATALOGUE, BASE, on=ON)
    covering = [p for p in result.items if area in p.item.stretch.regions]
    assert len(covering) >= 1
    # The first two reasons name the area: they are the chosen one-to-two for it.
    firsts = [p.why for p in result.items if p.why.startswith("for your")]
    assert 1 <= len(firsts) <= 2


def test_every_area_covered_in_five_minutes() -> None:
    result = plan(profile(minutes=5), CATALOGUE, BASE, on=ON)
    for area in ALL_AREAS:
        assert any(area in p.item.stretch.regions for p in result.items), area


@pytest.mark.parametrize("minutes", [5, 7, 10, 15, 20, 30, 45, 60])
def test_uses_at_least_80_percent_on_the_floor(minutes: int) -> None:
    person = profile(minutes=minutes)
    result = plan(person, CATALOGUE, BASE, on=ON)
    assert result.total_seconds >= 0.8 * minutes * 60
    assert_plan_invariants(result, person, ALWAYS, None)


@pytest.mark.parametrize(
    "areas", [["lower_back"], ["neck_shoulders", "hips"], ALL_AREAS], ids=lambda a: "+".join(a)
)
def test_same_inputs_same_plan(areas: list[str]) -> None:
    person = profile(areas=areas, minutes=20)
    assert plan(person, CATALOGUE, BASE, on=ON) == plan(person, CATALOGUE, BASE, on=ON)


def test_variety_from_day_to_day() -> None:
    person = profile(minutes=10)
    days = [ON + timedelta(days=n) for n in range(30)]
    plans = {on: plan(person, CATALOGUE, BASE, on=on) for on in days}
    distinct = {tuple((p.item.stretch.id, p.item.dose) for p in r.items) for r in plans.values()}
    assert len(distinct) >= 2, "thirty days, one plan"
    for on in days[:5]:
        assert plan(person, CATALOGUE, BASE, on=on) == plans[on]


def test_fixed_routine_does_not_vary_by_day() -> None:
    preset = PRESETS["basic-daily"]
    person = parse_profile(dict(preset.profile))
    results = {
        plan(person, CATALOGUE, BASE, on=ON + timedelta(days=n), requests=preset.requests)
        for n in range(5)
    }
    assert len(results) == 1


def test_custom_timeline_settings_are_respected() -> None:
    custom = TimelineSettings(
        lead_in_seconds=10, transition_seconds=20, rest_between_sets_seconds=30
    )
    person = profile(minutes=10)
    result = plan(person, CATALOGUE, BASE, on=ON, settings=custom)
    assert_plan_invariants(result, person, ALWAYS, None, custom)
    ready = [s for s in result.segments if s.kind is SegmentKind.GET_READY]
    assert ready
    assert all(s.duration_ms == 10000 for s in ready)


# ---- property: random profiles, own stretches, random dates ---------------------------------


@cache
def catalogue_with(own: str | None) -> Catalogue:
    """The built-in catalogue, plus one own stretch given as a JSON-like key."""
    if own is None:
        return CATALOGUE
    document = json.loads(own)
    return build_catalogue([*builtin_documents(), (f"{document['id']}.yaml", document)])


@st.composite
def own_documents(draw: st.DrawFn) -> dict[str, Any]:
    position = draw(st.sampled_from(sorted(CONTRACT_POSITION_TAGS)))
    extra = draw(st.sets(st.sampled_from(ALL_TAGS)))
    movements = sorted(CONTRACT_POSITION_TAGS[position] | extra)
    kind = draw(st.sampled_from(["hold", "reps"]))
    reps = draw(st.integers(1, 12))
    if kind == "hold":
        dose: dict[str, Any] = {
            "hold_seconds": draw(st.integers(5, 60)),
            "reps": reps,
            "sides": draw(st.sampled_from(["bilateral", "each"])),
        }
    else:
        dose = {
            "reps": reps,
            "sides": draw(st.sampled_from(["bilateral", "each", "alternating"])),
            "tempo": {"inhale": draw(st.integers(1, 5)), "exhale": draw(st.integers(1, 5))},
        }
    dose["choice"] = "What my physiotherapist gave me."
    return own_stretch_document(
        "my-own",
        position=position,
        movements=movements,
        kind=kind,
        dose=dose,
        level=draw(st.sampled_from(LEVELS)),
        equipment=sorted(draw(st.sets(st.sampled_from(["chair", "mat", "wall"])))),
        regions=draw(st.lists(st.sampled_from(ALL_AREAS), min_size=1, max_size=3, unique=True)),
    )


@st.composite
def situations(draw: st.DrawFn) -> tuple[Profile, Catalogue, Limits, date]:
    own = draw(st.none() | own_documents())
    catalogue = catalogue_with(json.dumps(own, sort_keys=True) if own else None)
    all_ids = sorted(catalogue.stretches)
    restrictions = draw(st.sets(st.sampled_from([r.value for r in Restriction]), max_size=4))
    weeks = None
    if "pregnant" in restrictions:
        weeks = draw(st.none() | st.integers(0, 42))
    data = {
        "areas": draw(st.lists(st.sampled_from(ALL_AREAS), min_size=1, max_size=5, unique=True)),
        "minutes": draw(st.integers(1, 60)),
        "setting": draw(st.sampled_from(sorted(CONTRACT_SETTING_POSITIONS))),
        "restrictions": sorted(restrictions),
        "pregnancy_weeks": weeks,
        "level": draw(st.sampled_from(LEVELS)),
        "time_of_day": draw(
            st.sampled_from(["morning", "work_break", "evening", "after_exercise", "any"])
        ),
        "avoid": draw(st.lists(st.sampled_from(all_ids), max_size=4, unique=True)),
        "favourites": draw(st.lists(st.sampled_from(all_ids), max_size=3, unique=True)),
    }
    if weeks is None:
        del data["pregnancy_weeks"]
    # What the screening on file puts in force, with its own pregnancy weeks.
    screened = draw(st.sets(st.sampled_from(["pregnant", "no_floor", "wrist_pain"]), max_size=2))
    screened_weeks = draw(st.none() | st.integers(0, 42)) if "pregnant" in screened else None
    limits = Limits(ALWAYS | {Restriction(r) for r in screened}, pregnancy_weeks=screened_weeks)
    on = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)))
    return parse_profile(data), catalogue, limits, on


def weeks_in_force(person: Profile, limits: Limits) -> int | None:
    """Pregnancy weeks from every source that says pregnant: unknown wins, else the latest."""
    reports = []
    if Restriction.PREGNANT in limits.restrictions:
        reports.append(limits.pregnancy_weeks)
    if Restriction.PREGNANT in person.restrictions:
        reports.append(person.pregnancy_weeks)
    if not reports or None in reports:
        return None
    return max(w for w in reports if w is not None)


def can_grow(result: Plan, budget: int) -> list[str]:
    """Return the items one more set or rep of which would still fit the budget."""
    growable = []
    routine = list(result.routine)
    for index, item in enumerate(routine):
        ranges = item.stretch.dose
        bigger = []
        if item.dose.sets < min(3, ranges.sets_range.max):
            bigger.append(replace(item.dose, sets=item.dose.sets + 1))
        if ranges.reps_range and item.dose.reps < ranges.reps_range.max:
            bigger.append(replace(item.dose, reps=item.dose.reps + 1))
        for dose in bigger:
            trial = [*routine[:index], replace(item, dose=dose), *routine[index + 1 :]]
            if routine_seconds(trial, TimelineSettings()) <= budget:
                growable.append(item.stretch.id)
    return growable


@PROPERTY
@given(situation=situations())
def test_property_every_plan_is_safe_fits_and_covers(
    situation: tuple[Profile, Catalogue, Limits, date],
) -> None:
    person, catalogue, limits, on = situation
    result = plan(person, catalogue, limits, on=on)
    in_force = set(limits.restrictions) | set(person.restrictions)
    weeks = weeks_in_force(person, limits)
    assert_plan_invariants(result, person, in_force, weeks)
    # Same input, same plan.
    assert plan(person, catalogue, limits, on=on) == result
    # Every painful area is covered whenever a permitted stretch covers it (5 minutes is room
    # enough for the smallest dose of one stretch per area).
    if person.minutes >= 5:
        for area in person.areas:
            if any(area in s.regions and permitted(s, person, in_force, weeks) for s in catalogue):
                assert any(area in p.item.stretch.regions for p in result.items), (
                    f"{area} not covered though a permitted stretch covers it"
                )
    # Under 80% only when the permitted stretches do not allow more: nothing left out for
    # time (with 20% of 15+ minutes free, any smallest dose fits) and nothing can grow.
    if person.minutes >= 15 and result.total_seconds < 0.8 * result.budget_seconds:
        assert not [e for e in result.excluded if ReasonKind.TIME in {r.kind for r in e.reasons}]
        assert can_grow(result, result.budget_seconds) == []
    # Anything not planned that was a candidate says why.
    for exclusion in result.excluded:
        assert exclusion.reasons


@PROPERTY
@given(situation=situations())
def test_property_swaps_never_go_to_a_harder_stretch(
    situation: tuple[Profile, Catalogue, Limits, date],
) -> None:
    person, catalogue, limits, on = situation
    assert_swaps_never_harder(plan(person, catalogue, limits, on=on), catalogue)


@PROPERTY
@given(situation=situations(), preset_id=st.sampled_from(sorted(PRESETS)))
def test_property_presets_with_random_profiles(
    situation: tuple[Profile, Catalogue, Limits, date], preset_id: str
) -> None:
    person, catalogue, limits, on = situation
    preset = presets(catalogue)[preset_id]
    result = plan(
        person, catalogue, limits, on=on, requests=preset.requests, strategy=preset.strategy
    )
    assert_plan_invariants(
        result,
        person,
        set(limits.restrictions) | set(person.restrictions),
        weeks_in_force(person, limits),
    )


def test_area_words_use_the_region_enum() -> None:
    # A guard for the tests above: the contract's area words are the planner's regions.
    assert {r.value for r in Region} == set(ALL_AREAS)
    assert {p.value for p in Position} == CONTRACT_SETTING_POSITIONS["floor"]
