"""Progression: raise the dose after a good week, ease off at once after pain or a stop.

The rules (research/clinical.md §3.3 and the module's docstring) are checked as truth tables
over stored sessions, then through the planner, which is where a person sees them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstretch.core.catalogue import Catalogue
from backstretch.core.models import MAX_HOLD_SECONDS, MAX_SETS, MIN_HOLD_SECONDS, Kind
from backstretch.core.planner import Limits, Plan, Reason, ReasonKind, Request, plan
from backstretch.core.profile import Profile, parse_profile
from backstretch.core.progression import (
    DROP_STOPPED_FOR,
    MAX_STEP,
    MIN_STEP,
    ChangeKind,
    Progress,
    describe_dose_change,
    dose_at_step,
    progress,
)
from backstretch.core.records import SessionRecord, SessionStatus
from backstretch.core.routine import Preset, parse_routine
from backstretch.core.safety import StopSignal
from backstretch.core.screening import Restriction
from backstretch.core.timeline import ItemDose, default_dose
from backstretch.data import builtin_catalogue, presets
from tests.factories import contract_ruling_out

PROPERTY = settings(max_examples=120, deadline=None)
CATALOGUE: Catalogue = builtin_catalogue()
PRESETS: dict[str, Preset] = presets(CATALOGUE)
ZONE = "Europe/London"
DAY0 = date(2026, 10, 1)
START = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)  # 10:00 in London: the same local day
ON = date(2026, 11, 2)
BASE = Limits(frozenset({Restriction.NECK_CIRCLES}))

COMPLETED = SessionStatus.COMPLETED
STOPPED = SessionStatus.STOPPED
ABANDONED = SessionStatus.ABANDONED
IN_PROGRESS = SessionStatus.IN_PROGRESS


def rec(
    day: int,
    before: int | None = 3,
    after: int | None = 2,
    *,
    status: SessionStatus = COMPLETED,
    signal: StopSignal | None = None,
    stopped: str | None = None,
    at: datetime | None = None,
) -> SessionRecord:
    """A session `day` days after DAY0; by default a rated one that felt fine."""
    return SessionRecord(
        uuid=f"s-{day}-{status}-{before}-{after}",
        started_at=at or START + timedelta(days=day),
        timezone=ZONE,
        status=status,
        routine_name="test",
        planned_seconds=300,
        pain_before=before,
        pain_after=after,
        stop_signal=signal,
        stopped_stretch=stopped,
    )


def daily(first: int, last: int) -> list[SessionRecord]:
    return [rec(day) for day in range(first, last + 1)]


def days(*offsets: int) -> list[date]:
    return [DAY0 + timedelta(days=o) for o in offsets]


# ---- progress(): the truth table ---------------------------------------------------------------

R, E = ChangeKind.RAISED, ChangeKind.EASED

PROGRESS_TABLE: list[tuple[str, list[SessionRecord], int, list[tuple[ChangeKind, int, int]]]] = [
    # (case, sessions, step, [(change kind, day offset, step after)])
    ("no sessions", [], 0, []),
    ("two fine sessions in the first week", [rec(0), rec(3)], 0, []),
    ("three fine in six days: a week has not passed", [rec(0), rec(3), rec(6)], 0, []),
    ("fine on day 7 after the first", [rec(0), rec(3), rec(7)], 1, [(R, 7, 1)]),
    ("fine sessions over 8 days", [rec(0), rec(4), rec(8)], 1, [(R, 8, 1)]),
    ("one good day is not a pattern", [rec(0), rec(8)], 0, []),
    ("every day for three weeks: one raise a week", daily(0, 20), 2, [(R, 7, 1), (R, 14, 2)]),
    (
        "pain the same after counts as fine",
        [rec(0, 3, 3), rec(4, 3, 3), rec(8, 3, 3)],
        1,
        [(R, 8, 1)],
    ),
    ("pain +1 after: no raise", [rec(0), rec(3), rec(8, 2, 3)], 0, []),
    ("pain +1 after is not fine", [rec(0, 2, 3), rec(4, 2, 3), rec(8, 2, 3)], 0, []),
    ("pain +1 after does not ease", [*daily(0, 7), rec(8, 2, 3)], 1, [(R, 7, 1)]),
    ("pain +2 after eases at once", [rec(0, 2, 4)], -1, [(E, 0, -1)]),
    (
        "pain +2 from step 2 goes to -1",
        [*daily(0, 14), rec(15, 2, 4)],
        -1,
        [(R, 7, 1), (R, 14, 2), (E, 15, -1)],
    ),
    ("pain +5 eases one step", [rec(0, 1, 6)], -1, [(E, 0, -1)]),
    ("stopped session eases", [rec(0, 3, None, status=STOPPED)], -1, [(E, 0, -1)]),
    (
        "stop with sharp pain eases",
        [rec(0, 3, 3, status=STOPPED, signal=StopSignal.SHARP_PAIN)],
        -1,
        [(E, 0, -1)],
    ),
    (
        "pain rising on a completed session eases",
        [rec(0, 3, 2, signal=StopSignal.PAIN_RISING, stopped="cat-cow")],
        -1,
        [(E, 0, -1)],
    ),
    (
        "a stop ends a fine run",
        [*daily(0, 6), rec(7, status=STOPPED, after=None)],
        -1,
        [(E, 7, -1)],
    ),
    (
        "eases never below MIN_STEP",
        [rec(0, 2, 4), rec(1, 2, 4), rec(2, 2, 4), rec(3, 2, 4)],
        MIN_STEP,
        [(E, 0, -1), (E, 1, -2), (E, 2, -2), (E, 3, -2)],
    ),
    (
        "after easing, a week before raising",
        [rec(0, 2, 4), rec(1), rec(3), rec(6)],
        -1,
        [(E, 0, -1)],
    ),
    (
        "after easing, back up a week later",
        [rec(0, 2, 4), rec(1), rec(3), rec(7)],
        0,
        [(E, 0, -1), (R, 7, 0)],
    ),
    (
        "abandoned and in-progress sessions are ignored",
        [
            rec(0, 2, 8, status=ABANDONED),
            rec(1, 2, 8, status=IN_PROGRESS),
            rec(2, 3, None, status=ABANDONED),
        ],
        0,
        [],
    ),
    (
        "abandoned sessions do not count as fine",
        [rec(0, status=ABANDONED), rec(3, status=ABANDONED), rec(8)],
        0,
        [],
    ),
    (
        "unrated sessions neither raise nor ease",
        [rec(0, None, None), rec(3, None, None), rec(8, None, None)],
        0,
        [],
    ),
    (
        "half-rated sessions neither raise nor ease",
        [rec(0), rec(3, None, 9), rec(8, 1, None)],
        0,
        [],
    ),
]


@pytest.mark.parametrize(
    ("sessions", "step", "changes"),
    [pytest.param(s, step, c, id=case) for case, s, step, c in PROGRESS_TABLE],
)
def test_progress_table(
    sessions: list[SessionRecord], step: int, changes: list[tuple[ChangeKind, int, int]]
) -> None:
    result = progress(sessions)
    assert result.step == step
    assert [(c.kind, c.day, c.step) for c in result.changes] == [
        (kind, DAY0 + timedelta(days=offset), after) for kind, offset, after in changes
    ]


def test_the_order_sessions_arrive_in_does_not_matter() -> None:
    sessions = [rec(0), rec(3), rec(7), rec(8, 2, 4), rec(9)]
    assert progress(list(reversed(sessions))) == progress(sessions)


def test_a_raise_says_last_weeks_sessions_felt_fine() -> None:
    result = progress([rec(0), rec(4), rec(8)])
    assert result.latest is not None
    assert result.latest.kind is ChangeKind.RAISED
    assert result.latest.why == "last week's sessions felt fine"


def test_easing_says_why() -> None:
    pain = progress([rec(0, 2, 4)]).latest
    assert pain is not None and pain.why == "pain went from 2 to 4 on 2026-10-01"
    stop = progress([rec(0, 3, None, status=STOPPED)]).latest
    assert stop is not None and stop.why == "you stopped the session on 2026-10-01"


def test_raises_are_at_least_a_week_apart() -> None:
    result = progress(daily(0, 60))
    raised = [c.day for c in result.changes if c.kind is ChangeKind.RAISED]
    assert len(raised) == 8
    assert all((b - a).days >= 7 for a, b in pairwise(raised))


def test_the_step_never_passes_the_top() -> None:
    assert progress(daily(0, 7 * (MAX_STEP + 5))).step == MAX_STEP


def test_a_week_is_counted_in_local_days() -> None:
    # 23:30 UTC on 30 September is 00:30 on 1 October in London (summer time): six local days
    # separate it from 7 October, so no raise yet, although seven UTC days do.
    late = datetime(2026, 9, 30, 23, 30, tzinfo=UTC)
    sessions = [rec(0, at=late), rec(3), rec(6)]
    assert progress(sessions).step == 0
    assert progress([*sessions, rec(7)]).step == 1


# ---- resting the stretch a person stopped on ---------------------------------------------------


@pytest.mark.parametrize(
    "stop",
    [
        pytest.param(
            rec(0, 3, None, status=STOPPED, signal=StopSignal.SHARP_PAIN, stopped="knee-to-chest"),
            id="stopped with sharp pain",
        ),
        pytest.param(
            rec(0, 3, 3, signal=StopSignal.PAIN_RISING, stopped="knee-to-chest"),
            id="pain rising, session completed",
        ),
        pytest.param(
            rec(0, 3, None, status=STOPPED, signal=StopSignal.SPREADING, stopped="knee-to-chest"),
            id="stopped: spreading",
        ),
    ],
)
def test_the_stopped_stretch_rests_two_weeks(stop: SessionRecord) -> None:
    result = progress([stop])
    back = DAY0 + DROP_STOPPED_FOR
    assert back == date(2026, 10, 15)
    assert result.resting == {"knee-to-chest": back}
    assert result.rests_on("knee-to-chest", DAY0) == back
    assert result.rests_on("knee-to-chest", back - timedelta(days=1)) == back
    assert result.rests_on("knee-to-chest", back) is None
    assert result.rests_on("knee-to-chest", back + timedelta(days=30)) is None
    assert result.rests_on("cat-cow", DAY0) is None


def test_a_later_stop_restarts_the_rest() -> None:
    result = progress(
        [
            rec(0, 3, None, status=STOPPED, stopped="cobra"),
            rec(10, 3, None, status=STOPPED, stopped="cobra"),
        ]
    )
    assert result.resting == {"cobra": DAY0 + timedelta(days=24)}


def test_pain_rising_then_quitting_still_eases_the_next_session() -> None:
    quit_after_pain = rec(
        0, 3, None, status=ABANDONED, signal=StopSignal.PAIN_RISING, stopped="cat-cow"
    )
    result = progress([quit_after_pain])
    assert result.step == -1
    assert result.rests_on("cat-cow", DAY0) == DAY0 + DROP_STOPPED_FOR


# ---- dose_at_step: the ladder ------------------------------------------------------------------


def dose(stretch_id: str, **changes: Any) -> ItemDose:
    return replace(default_dose(CATALOGUE.get(stretch_id)), **changes)


def rung(stretch_id: str, step: int, start: ItemDose | None = None) -> tuple[Any, int, int]:
    stretch = CATALOGUE.get(stretch_id)
    moved = dose_at_step(stretch, start or default_dose(stretch), step)
    return moved.hold_seconds, moved.reps, moved.sets


LADDER: list[tuple[str, int, tuple[Any, int, int]]] = [
    # Child's pose: hold 30 s (range 30-60), 1 hold (max 3), sets up to 3.
    ("childs-pose", 0, (30, 1, 1)),
    ("childs-pose", 1, (35, 1, 1)),
    ("childs-pose", 2, (40, 1, 1)),
    ("childs-pose", 6, (60, 1, 1)),
    ("childs-pose", 7, (60, 2, 1)),
    ("childs-pose", 8, (60, 3, 1)),
    ("childs-pose", 9, (60, 3, 2)),
    ("childs-pose", 10, (60, 3, 3)),
    ("childs-pose", 11, (60, 3, 3)),
    ("childs-pose", MAX_STEP, (60, 3, 3)),
    ("childs-pose", -1, (30, 1, 1)),  # already at the bottom of its hold range
    # Sphinx: hold 30 s (30-60), 1 hold (max 2), sets up to 3.
    ("sphinx", 6, (60, 1, 1)),
    ("sphinx", 7, (60, 2, 1)),
    ("sphinx", 8, (60, 2, 2)),
    ("sphinx", 9, (60, 2, 3)),
    ("sphinx", 10, (60, 2, 3)),
    # Knee-to-chest: hold 30 s at the top of 15-30, so holds go up first, then sets.
    ("knee-to-chest", 1, (30, 3, 1)),
    ("knee-to-chest", 2, (30, 3, 2)),
    ("knee-to-chest", 3, (30, 3, 3)),
    ("knee-to-chest", 4, (30, 3, 3)),
    ("knee-to-chest", -1, (25, 2, 1)),
    ("knee-to-chest", -2, (20, 2, 1)),
    # Lateral neck flexion: at most 2 sets.
    ("lateral-neck-flexion", 2, (30, 3, 2)),
    ("lateral-neck-flexion", 3, (30, 3, 2)),
    ("lateral-neck-flexion", MAX_STEP, (30, 3, 2)),
    # Seated side stretch: hold 20 s, range 15-20: never below 15.
    ("seated-side-stretch", 1, (20, 3, 1)),
    ("seated-side-stretch", -1, (15, 2, 1)),
    ("seated-side-stretch", -2, (15, 2, 1)),
    # Cat-cow: 10 reps (10-20) up by 2, then sets.
    ("cat-cow", 1, (None, 12, 1)),
    ("cat-cow", 5, (None, 20, 1)),
    ("cat-cow", 6, (None, 20, 2)),
    ("cat-cow", 7, (None, 20, 3)),
    ("cat-cow", 8, (None, 20, 3)),
    ("cat-cow", -1, (None, 10, 1)),
    # Neck half-circles: 6 reps (4-10), at most 2 sets.
    ("neck-half-circles", 1, (None, 8, 1)),
    ("neck-half-circles", 2, (None, 10, 1)),
    ("neck-half-circles", 3, (None, 10, 2)),
    ("neck-half-circles", 4, (None, 10, 2)),
    ("neck-half-circles", -1, (None, 4, 1)),
    ("neck-half-circles", -2, (None, 4, 1)),
    # Glute bridge: 10 reps (5-15): the last rise is to the top, not past it.
    ("glute-bridge", 2, (None, 14, 1)),
    ("glute-bridge", 3, (None, 15, 1)),
    ("glute-bridge", 4, (None, 15, 2)),
    ("glute-bridge", -1, (None, 8, 1)),
    ("glute-bridge", -2, (None, 6, 1)),
    # Bird-dog (alternating): 10 reps (6-20).
    ("bird-dog", -2, (None, 6, 1)),
]


@pytest.mark.parametrize(("stretch_id", "step", "expected"), LADDER)
def test_dose_ladder(stretch_id: str, step: int, expected: tuple[Any, int, int]) -> None:
    assert rung(stretch_id, step) == expected


@pytest.mark.parametrize(
    ("stretch_id", "start", "expected"),
    [
        ("knee-to-chest", dose("knee-to-chest", sets=3), (25, 2, 1)),
        ("cat-cow", dose("cat-cow", reps=16, sets=2), (None, 14, 1)),
        ("childs-pose", dose("childs-pose", hold_seconds=55, sets=3), (50, 1, 1)),
        # A hold already below the range (a routine file may ask for it) is not raised by easing.
        ("childs-pose", dose("childs-pose", hold_seconds=10), (10, 1, 1)),
        ("childs-pose", dose("childs-pose", hold_seconds=5), (MIN_HOLD_SECONDS, 1, 1)),
    ],
)
def test_easing_shortens_holds_and_drops_to_one_set(
    stretch_id: str, start: ItemDose, expected: tuple[Any, int, int]
) -> None:
    assert rung(stretch_id, -1, start) == expected


def test_easing_never_raises_reps_asked_for_below_the_range() -> None:
    assert rung("cat-cow", -1, dose("cat-cow", reps=4)) == (None, 4, 1)


def test_an_eased_routine_file_item_is_never_longer_than_asked() -> None:
    _, requests = parse_routine(
        {"name": "mine", "items": [{"stretch": "cat-cow", "reps": 4}]},
        CATALOGUE,
        origin="mine.yaml",
    )
    person = parse_profile({"areas": ["lower_back"], "minutes": 10})
    normal = plan(person, CATALOGUE, BASE, on=ON, requests=requests, progress=Progress(step=0))
    eased = plan(person, CATALOGUE, BASE, on=ON, requests=requests, progress=Progress(step=-1))
    assert eased.total_seconds <= normal.total_seconds


def test_a_raise_going_up_from_a_hold_above_its_range_is_not_a_shorter_hold() -> None:
    # A routine file may ask knee-to-chest (range 15-30) for 60 s: a raise adds a hold instead.
    assert rung("knee-to-chest", 1, dose("knee-to-chest", hold_seconds=60)) == (60, 3, 1)


@pytest.mark.parametrize("stretch_id", sorted(CATALOGUE.stretches))
def test_every_stretch_climbs_within_its_ranges_then_stops(stretch_id: str) -> None:
    stretch = CATALOGUE.get(stretch_id)
    ranges = stretch.dose
    previous = rung(stretch_id, 0)
    for step in range(1, MAX_STEP + 1):
        hold, reps, sets = rung(stretch_id, step)
        if hold is not None:
            assert hold <= MAX_HOLD_SECONDS
            assert ranges.hold_range is None or hold <= max(
                ranges.hold_range.max, default_dose(stretch).hold_seconds or 0
            )
        assert sets <= min(MAX_SETS, ranges.sets_range.max)
        if ranges.reps_range:
            assert reps <= max(ranges.reps_range.max, stretch.dose.reps)
        # One rung changes one thing, and nothing goes down on the way up.
        changed = [a != b for a, b in zip((hold, reps, sets), previous, strict=True)]
        assert sum(changed) <= 1
        assert all((a or 0) >= (b or 0) for a, b in zip((hold, reps, sets), previous, strict=True))
        previous = (hold, reps, sets)
    assert rung(stretch_id, MAX_STEP) == rung(stretch_id, MAX_STEP + 10)


@pytest.mark.parametrize("stretch_id", sorted(CATALOGUE.stretches))
@pytest.mark.parametrize("step", [-1, -2])
def test_every_stretch_eases_within_its_ranges(stretch_id: str, step: int) -> None:
    stretch = CATALOGUE.get(stretch_id)
    hold, reps, sets = rung(stretch_id, step)
    default = default_dose(stretch)
    assert sets == 1
    assert reps <= default.reps
    if stretch.kind is Kind.HOLD:
        assert hold is not None and default.hold_seconds is not None
        assert MIN_HOLD_SECONDS <= hold <= default.hold_seconds
        assert stretch.dose.hold_range is None or hold >= stretch.dose.hold_range.min
        assert hold >= default.hold_seconds + 5 * step
    elif stretch.dose.reps_range:
        assert reps >= stretch.dose.reps_range.min


# ---- describe_dose_change ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "words"),
    [
        (dose("childs-pose"), dose("childs-pose", hold_seconds=35), "holds 5 s longer"),
        (dose("knee-to-chest"), dose("knee-to-chest", hold_seconds=20), "holds 10 s shorter"),
        (dose("knee-to-chest"), dose("knee-to-chest", reps=3), "3 holds (was 2)"),
        (dose("cat-cow"), dose("cat-cow", reps=12), "12 reps (was 10)"),
        (dose("cat-cow"), dose("cat-cow", sets=2), "2 sets (was 1)"),
        (dose("cat-cow"), dose("cat-cow"), None),
    ],
    ids=["longer", "shorter", "more holds", "more reps", "more sets", "same"],
)
def test_describe_dose_change(before: ItemDose, after: ItemDose, words: str | None) -> None:
    assert describe_dose_change(before, after) == words


def test_describe_a_raise_from_the_ladder() -> None:
    knee = CATALOGUE.get("knee-to-chest")
    start = default_dose(knee)
    assert describe_dose_change(start, dose_at_step(knee, start, 1)) == "3 holds (was 2)"
    assert describe_dose_change(start, dose_at_step(knee, start, 2)) == (
        "3 holds (was 2), 2 sets (was 1)"
    )
    assert describe_dose_change(start, dose_at_step(knee, start, -1)) == "holds 5 s shorter"


def test_describe_dose_change_says_one_set() -> None:
    eased = describe_dose_change(
        dose("knee-to-chest", sets=2), dose("knee-to-chest", hold_seconds=25, sets=1)
    )
    assert eased == "holds 5 s shorter, 1 set (was 2)"


# ---- through the planner -----------------------------------------------------------------------


def person(**data: Any) -> Profile:
    full: dict[str, Any] = {"areas": ["lower_back", "mid_back", "upper_back"], "minutes": 30}
    full.update(data)
    return parse_profile(full)


def preset_plan(preset_id: str, step: int, *, on: date = ON, **extra: Any) -> Plan:
    preset = PRESETS[preset_id]
    resting = extra.pop("resting", {})
    return plan(
        parse_profile({**preset.profile, **extra}),
        CATALOGUE,
        BASE,
        on=on,
        requests=preset.requests,
        strategy=preset.strategy,
        progress=Progress(step=step, resting=resting),
    )


def planned(result: Plan) -> dict[str, ItemDose]:
    return {p.item.stretch.id: p.item.dose for p in result.items}


def reasons_for(result: Plan, stretch_id: str) -> list[Reason]:
    found: list[Reason] = []
    for swap in result.swaps:
        if swap.from_id == stretch_id:
            found += swap.reasons
    for exclusion in result.excluded:
        if exclusion.stretch == stretch_id:
            found += exclusion.reasons
    return found


def test_easing_swaps_in_the_easier_variant() -> None:
    result = preset_plan("basic-daily", -1)
    assert "childs-pose" not in planned(result)
    assert "childs-pose-supported" in planned(result)
    (swap,) = [s for s in result.swaps if s.from_id == "childs-pose"]
    assert swap.to_id == "childs-pose-supported"
    assert Reason(ReasonKind.EASED, "pain_or_stop") in swap.reasons


def test_at_step_zero_and_up_no_easier_variant_is_swapped_in() -> None:
    for step in (0, 1, 3):
        result = preset_plan("basic-daily", step)
        assert "childs-pose" in planned(result)
        assert not result.swaps


def test_easing_swaps_in_the_planner_by_areas_too() -> None:
    result = plan(person(areas=["lower_back"]), CATALOGUE, BASE, on=ON, progress=Progress(-1))
    swapped = {s.from_id: s.to_id for s in result.swaps}
    assert swapped.get("cobra") == "sphinx"
    assert "cobra" not in planned(result)
    assert all(Reason(ReasonKind.EASED, "pain_or_stop") in s.reasons for s in result.swaps)


def test_an_easier_variant_not_permitted_is_not_swapped_in() -> None:
    avoid_sphinx = person(areas=["lower_back"], avoid=["sphinx"])
    eased = plan(avoid_sphinx, CATALOGUE, BASE, on=ON, progress=Progress(-1))
    assert "sphinx" not in planned(eased)
    assert not any(s.to_id == "sphinx" for s in eased.swaps)


REST_UNTIL = date(2026, 11, 16)


@pytest.mark.parametrize("step", [-1, 0, 1])
def test_a_resting_stretch_is_left_out_until_its_day(step: int) -> None:
    resting = {"knee-to-chest": REST_UNTIL}
    for on in (ON, REST_UNTIL - timedelta(days=1)):
        result = preset_plan("basic-daily", step, on=on, resting=dict(resting))
        assert "knee-to-chest" not in planned(result)
        assert reasons_for(result, "knee-to-chest") == [
            Reason(ReasonKind.EASED, "resting_until_2026-11-16")
        ]
    back = preset_plan("basic-daily", step, on=REST_UNTIL, resting=dict(resting))
    assert "knee-to-chest" in planned(back)
    assert not reasons_for(back, "knee-to-chest")


def test_a_resting_stretch_is_left_out_of_a_plan_by_areas() -> None:
    progress_now = Progress(step=0, resting={"cat-cow": REST_UNTIL})
    result = plan(person(), CATALOGUE, BASE, on=ON, progress=progress_now)
    assert "cat-cow" not in planned(result)
    assert Reason(ReasonKind.EASED, "resting_until_2026-11-16") in reasons_for(result, "cat-cow")
    later = plan(person(), CATALOGUE, BASE, on=REST_UNTIL, progress=progress_now)
    assert "cat-cow" in planned(later)


def test_a_resting_easier_variant_leaves_its_stretch_out_while_easing() -> None:
    resting = {"childs-pose-supported": REST_UNTIL}
    result = preset_plan("basic-daily", -1, resting=resting)
    assert not {"childs-pose", "childs-pose-supported"} & set(planned(result))
    assert Reason(ReasonKind.EASED, "resting_until_2026-11-16") in reasons_for(
        result, "childs-pose-supported"
    )


HOLD_REQUESTS = (Request("childs-pose"), Request("sphinx"), Request("neck-flexion"))


def test_a_raise_makes_holds_with_room_longer() -> None:
    person_ = person(minutes=20)
    at = {
        step: planned(
            plan(person_, CATALOGUE, BASE, on=ON, requests=HOLD_REQUESTS, progress=Progress(step))
        )
        for step in (0, 1, 2)
    }
    # Child's pose and sphinx have room up to 60 s; neck flexion is at the top (30 s) already.
    assert [at[s]["childs-pose"].hold_seconds for s in (0, 1, 2)] == [30, 35, 40]
    assert [at[s]["sphinx"].hold_seconds for s in (0, 1, 2)] == [30, 35, 40]
    assert [at[s]["neck-flexion"].hold_seconds for s in (0, 1, 2)] == [30, 30, 30]
    assert [at[s]["neck-flexion"].reps for s in (0, 1, 2)] == [2, 3, 3]


def test_a_raise_of_the_basic_routine_lengthens_every_item_by_one_rung() -> None:
    # Its holds are already at the top of their ranges, so a raise adds holds or reps instead.
    zero, one = planned(preset_plan("basic-daily", 0)), planned(preset_plan("basic-daily", 1))
    assert set(zero) == set(one)
    for stretch_id, before in zero.items():
        after = one[stretch_id]
        assert (after.hold_seconds or 0) >= (before.hold_seconds or 0)
        assert after.reps >= before.reps
        assert after.sets >= before.sets
        assert after != before
    assert one["cat-cow"].reps == zero["cat-cow"].reps + 2
    assert one["knee-to-chest"].reps == zero["knee-to-chest"].reps + 1


def test_an_eased_fixed_routine_is_shorter() -> None:
    # Fixed items only: a plan by areas fills the time an easing frees with more stretches.
    normal, eased = preset_plan("basic-daily", 0), preset_plan("basic-daily", -1)
    assert eased.total_seconds < normal.total_seconds
    person_ = person(minutes=20)
    at = {
        step: plan(person_, CATALOGUE, BASE, on=ON, requests=HOLD_REQUESTS, progress=Progress(step))
        for step in (0, -1, -2)
    }
    assert at[-2].total_seconds <= at[-1].total_seconds < at[0].total_seconds


@pytest.mark.parametrize("preset_id", sorted(PRESETS))
@pytest.mark.parametrize("step", [-1, -2])
def test_easing_never_adds_sets(preset_id: str, step: int) -> None:
    result = preset_plan(preset_id, step)
    assert result.items
    assert all(p.item.dose.sets == 1 for p in result.items)


RESTRICTIONS = [r.value for r in Restriction]
AREAS = ["neck_shoulders", "upper_back", "mid_back", "lower_back", "hips"]
STRETCH_IDS = sorted(CATALOGUE.stretches)


@PROPERTY
@given(
    step=st.integers(min_value=MIN_STEP, max_value=MAX_STEP),
    restrictions=st.sets(st.sampled_from(RESTRICTIONS), max_size=4),
    areas=st.lists(st.sampled_from(AREAS), min_size=1, max_size=5, unique=True),
    minutes=st.integers(min_value=3, max_value=45),
    setting=st.sampled_from(["floor", "chair", "standing", "bed"]),
    preset_id=st.one_of(st.none(), st.sampled_from(sorted(PRESETS))),
    resting=st.lists(st.sampled_from(STRETCH_IDS), max_size=3, unique=True),
)
def test_progression_never_brings_in_a_ruled_out_stretch(
    step: int,
    restrictions: set[str],
    areas: list[str],
    minutes: int,
    setting: str,
    preset_id: str | None,
    resting: list[str],
) -> None:
    preset = PRESETS[preset_id] if preset_id else None
    person_ = parse_profile({"areas": areas, "minutes": minutes, "setting": setting})
    limits = Limits(frozenset(Restriction(r) for r in restrictions) | BASE.restrictions)
    result = plan(
        person_,
        CATALOGUE,
        limits,
        on=ON,
        requests=preset.requests if preset else None,
        strategy=preset.strategy if preset else None,
        progress=Progress(step=step, resting=dict.fromkeys(resting, REST_UNTIL)),
    )
    in_force = set(restrictions) | {"neck_circles"}
    assert result.total_seconds <= minutes * 60
    for item in result.items:
        stretch = item.item.stretch
        assert not contract_ruling_out(in_force, stretch.movements), stretch.id
        assert stretch.id not in resting
        assert (item.item.dose.hold_seconds or 0) <= MAX_HOLD_SECONDS
        assert item.item.dose.sets <= MAX_SETS
        if step < 0:
            assert item.item.dose.sets == 1
    for swap in result.swaps:
        assert not contract_ruling_out(in_force, CATALOGUE.get(swap.to_id).movements)
