"""The timeline: millisecond-exact, contiguous segments that every player follows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstretch.core.catalogue import Catalogue, Stretch
from backstretch.core.models import Kind, Place, Sides
from backstretch.core.timeline import (
    Breath,
    ItemDose,
    RoutineItem,
    Segment,
    SegmentKind,
    TimelineSettings,
    default_dose,
    item_seconds,
    routine_seconds,
    timeline,
)
from backstretch.data import builtin_catalogue

PROPERTY = settings(max_examples=150, deadline=None)
CATALOGUE: Catalogue = builtin_catalogue()
STRETCH_IDS = sorted(CATALOGUE.stretches)
WORK = (SegmentKind.HOLD, SegmentKind.REP)


def item(stretch_id: str, **dose: object) -> RoutineItem:
    stretch = CATALOGUE.get(stretch_id)
    return RoutineItem.usual(stretch, replace(default_dose(stretch), **dose))


def kinds(segments: Sequence[Segment]) -> list[str]:
    return [s.kind.value for s in segments]


def assert_contiguous(segments: Sequence[Segment]) -> None:
    assert segments[0].start_ms == 0
    for before, after in pairwise(segments):
        assert after.start_ms == before.end_ms
    assert all(s.duration_ms >= 0 for s in segments)


# ---- exact shapes ------------------------------------------------------------------------------


def test_single_bilateral_hold() -> None:
    segments = timeline([item("childs-pose", hold_seconds=60, reps=1, sets=1)])
    assert kinds(segments) == ["get_ready", "hold", "done"]
    assert [s.duration_ms for s in segments] == [5000, 60000, 0]
    assert segments[1].breath is Breath.STEADY
    assert segments[1].side is None
    assert segments[-1].start_ms == 65000


def test_hold_each_side_two_reps() -> None:
    segments = timeline([item("knee-to-chest", hold_seconds=30, reps=2, sets=1)])
    assert kinds(segments) == [
        "get_ready",
        "hold",
        "rest",
        "hold",
        "switch_side",
        "hold",
        "rest",
        "hold",
        "done",
    ]
    assert [s.side for s in segments[:-1]] == [
        "left",
        "left",
        "left",
        "left",
        "right",
        "right",
        "right",
        "right",
    ]
    assert [s.duration_ms for s in segments] == [
        5000,
        30000,
        5000,
        30000,
        5000,
        30000,
        5000,
        30000,
        0,
    ]
    assert "left" in segments[0].cue
    assert "right" in segments[4].cue


def test_reps_follow_the_tempo() -> None:
    stretch = CATALOGUE.get("cobra")  # tempo 3 in, 3 out, 5 steady hold
    assert stretch.dose.tempo is not None
    tempo = stretch.dose.tempo
    segments = timeline([item("cobra", reps=3, sets=1)])
    work = segments[1:-1]
    assert kinds(segments) == ["get_ready"] + ["rep"] * 9 + ["done"]
    assert [s.breath for s in work] == [Breath.INHALE, Breath.EXHALE, Breath.STEADY] * 3
    assert [s.duration_ms for s in work] == [
        tempo.inhale * 1000,
        tempo.exhale * 1000,
        tempo.hold * 1000,
    ] * 3
    assert [s.rep for s in work] == [1, 1, 1, 2, 2, 2, 3, 3, 3]


def test_reps_without_a_tempo_hold_have_no_steady_part() -> None:
    stretch = CATALOGUE.get("cat-cow")
    assert stretch.dose.tempo is not None
    assert stretch.dose.tempo.hold == 0
    work = [s for s in timeline([item("cat-cow", reps=4)]) if s.kind is SegmentKind.REP]
    assert [s.breath for s in work] == [Breath.INHALE, Breath.EXHALE] * 4


def test_rest_between_sets() -> None:
    settings_ = TimelineSettings(rest_between_sets_seconds=17)
    segments = timeline([item("pelvic-tilt", reps=10, sets=3)], settings_)
    rests = [s for s in segments if s.kind is SegmentKind.REST]
    assert len(rests) == 2
    assert all(s.duration_ms == 17000 for s in rests)
    assert all(s.breath is Breath.STEADY for s in rests)
    # Each rest lies between two sets: the set before it ends, the next one starts.
    for rest in rests:
        index = segments.index(rest)
        assert segments[index - 1].kind is SegmentKind.REP
        assert segments[index + 1].kind is SegmentKind.REP
        assert segments[index + 1].set == segments[index - 1].set + 1
    assert sorted({s.set for s in segments if s.kind is SegmentKind.REP}) == [1, 2, 3]


def test_alternating_sides_alternate_per_rep() -> None:
    for stretch_id in ("bird-dog", "neck-half-circles", "standing-bird-dog"):
        assert CATALOGUE.get(stretch_id).dose.sides is Sides.ALTERNATING
        segments = timeline([item(stretch_id, reps=5, sets=2)])
        for set_number in (1, 2):
            sides_by_rep = {
                s.rep: s.side for s in segments if s.kind is SegmentKind.REP and s.set == set_number
            }
            assert sides_by_rep == {1: "left", 2: "right", 3: "left", 4: "right", 5: "left"}
        assert SegmentKind.SWITCH_SIDE not in {s.kind for s in segments}


def test_transition_only_when_the_position_changes() -> None:
    items = [
        item("shoulder-rolls"),  # chair
        item("neck-flexion"),  # chair
        item("cat-cow"),  # all fours
        item("knee-to-chest"),  # supine
        item("pelvic-tilt"),  # supine
    ]
    segments = timeline(items, TimelineSettings(transition_seconds=12))
    transitions = [s for s in segments if s.kind is SegmentKind.TRANSITION]
    assert [s.stretch for s in transitions] == ["cat-cow", "knee-to-chest"]
    assert all(s.duration_ms == 12000 for s in transitions)
    # The cue says how to get into the new position: the way's first set-up line.
    assert transitions[0].cue == "Change position. " + CATALOGUE.get("cat-cow").usual_way.setup[0]
    assert "Lie on your back" in transitions[1].cue
    # A transition comes right before the stretch's own get-ready.
    for transition in transitions:
        following = segments[segments.index(transition) + 1]
        assert following.kind is SegmentKind.GET_READY
        assert following.stretch == transition.stretch


def test_get_ready_before_each_stretch_uses_the_lead_in() -> None:
    items = [item("shoulder-rolls"), item("lateral-neck-flexion"), item("cat-cow")]
    segments = timeline(items, TimelineSettings(lead_in_seconds=8))
    ready = [s for s in segments if s.kind is SegmentKind.GET_READY]
    assert [s.stretch for s in ready] == ["shoulder-rolls", "lateral-neck-flexion", "cat-cow"]
    assert all(s.duration_ms == 8000 for s in ready)
    switch = [s for s in segments if s.kind is SegmentKind.SWITCH_SIDE]
    assert [(s.stretch, s.side, s.duration_ms) for s in switch] == [
        ("lateral-neck-flexion", "right", 8000)
    ]
    for stretch_id in ("shoulder-rolls", "lateral-neck-flexion", "cat-cow"):
        first = next(s for s in segments if s.stretch == stretch_id)
        assert first.kind in (SegmentKind.GET_READY, SegmentKind.TRANSITION)
        assert CATALOGUE.get(stretch_id).name in next(
            s.cue for s in ready if s.stretch == stretch_id
        )


def test_rest_between_holds_uses_its_setting() -> None:
    segments = timeline(
        [item("neck-flexion", reps=3, hold_seconds=15)],
        TimelineSettings(rest_between_holds_seconds=4),
    )
    rests = [s for s in segments if s.kind is SegmentKind.REST]
    assert [s.duration_ms for s in rests] == [4000, 4000]


def test_every_side_change_of_a_stretch_is_announced() -> None:
    """Two sets on each side: the second set goes back to the left, and says so first."""
    segments = timeline([item("knee-to-chest", reps=1, sets=2, hold_seconds=30)])
    last_side: str | None = None
    announced: str | None = None
    for segment in segments:
        if segment.kind in (SegmentKind.GET_READY, SegmentKind.SWITCH_SIDE):
            announced = segment.side
        if segment.kind in WORK:
            if segment.side != last_side:
                assert announced == segment.side, (
                    f"set {segment.set} moves to the {segment.side} side without a cue"
                )
            last_side = segment.side


def test_empty_routine_is_just_done() -> None:
    segments = timeline([])
    assert len(segments) == 1
    assert segments[0].kind is SegmentKind.DONE
    assert (segments[0].start_ms, segments[0].duration_ms) == (0, 0)
    assert routine_seconds([], TimelineSettings()) == 0


# ---- every stretch of the catalogue ------------------------------------------------------------


@pytest.mark.parametrize("stretch_id", STRETCH_IDS)
def test_default_dose_timeline_of_every_stretch(stretch_id: str) -> None:
    stretch = CATALOGUE.get(stretch_id)
    segments = timeline([RoutineItem.usual(stretch, default_dose(stretch))])
    assert_contiguous(segments)
    assert segments[-1].kind is SegmentKind.DONE
    assert segments[-1].duration_ms == 0
    assert segments[0].kind is SegmentKind.GET_READY
    work = [s for s in segments if s.kind in WORK]
    if stretch.kind is Kind.HOLD:
        assert {s.kind for s in work} == {SegmentKind.HOLD}
        assert all(s.breath is Breath.STEADY for s in work)
        assert all(s.duration_ms == stretch.dose.hold_seconds * 1000 for s in work)
    else:
        assert {s.kind for s in work} == {SegmentKind.REP}
    for segment in segments:
        assert "hold your breath" not in segment.cue.lower(), segment


def test_breath_cues_never_say_hold_your_breath_anywhere() -> None:
    items = [
        RoutineItem.usual(s, replace(default_dose(s), sets=2, reps=max(2, s.dose.reps)))
        for s in CATALOGUE
    ]
    for segment in timeline(items):
        assert "hold your breath" not in segment.cue.lower()
        assert "hold the breath" not in segment.cue.lower()
        if segment.kind is SegmentKind.HOLD:
            assert segment.breath is Breath.STEADY


# ---- properties ----------------------------------------------------------------------------------


@st.composite
def routine_items(draw: st.DrawFn) -> RoutineItem:
    stretch: Stretch = CATALOGUE.get(draw(st.sampled_from(STRETCH_IDS)))
    dose = default_dose(stretch)
    hold = draw(st.integers(5, 60)) if stretch.kind is Kind.HOLD else None
    return RoutineItem.usual(
        stretch,
        ItemDose(
            sets=draw(st.integers(1, 3)),
            reps=draw(st.integers(1, 12)),
            sides=dose.sides,
            hold_seconds=hold,
            tempo=dose.tempo,
        ),
    )


timeline_settings = st.builds(
    TimelineSettings,
    lead_in_seconds=st.integers(0, 15),
    transition_seconds=st.integers(0, 20),
    rest_between_sets_seconds=st.integers(0, 30),
    rest_between_holds_seconds=st.integers(0, 10),
)


@PROPERTY
@given(items=st.lists(routine_items(), max_size=6), settings_=timeline_settings)
def test_timeline_is_contiguous_and_sums_exactly(
    items: list[RoutineItem], settings_: TimelineSettings
) -> None:
    segments = timeline(items, settings_)
    assert_contiguous(segments)
    assert segments[-1].kind is SegmentKind.DONE
    assert segments[-1].duration_ms == 0
    assert [s for s in segments if s.kind is SegmentKind.DONE] == [segments[-1]]
    assert sum(s.duration_ms for s in segments) == routine_seconds(items, settings_) * 1000
    assert segments[-1].start_ms == routine_seconds(items, settings_) * 1000
    # Each item's segments form one run, in routine order.
    order = list(dict.fromkeys(s.stretch for s in segments[:-1]))
    assert order == list(dict.fromkeys(i.stretch.id for i in items))
    # Exactly one get-ready per item; an 'each' item switches to the right side once per set.
    ready = [s for s in segments if s.kind is SegmentKind.GET_READY]
    assert len(ready) == len(items)
    expected_switches = sum(i.dose.sets for i in items if i.dose.sides is Sides.EACH)
    to_right = [s for s in segments if s.kind is SegmentKind.SWITCH_SIDE and s.side == "right"]
    assert len(to_right) == expected_switches
    transitions = sum(
        1
        for a, b in pairwise(items)
        if (a.way.position, a.way.place) != (b.way.position, b.way.place)
    )
    assert len([s for s in segments if s.kind is SegmentKind.TRANSITION]) == transitions
    for segment in segments:
        assert "hold your breath" not in segment.cue.lower()
        if segment.kind is SegmentKind.HOLD:
            assert segment.breath is Breath.STEADY


@pytest.mark.parametrize("stretch_id", STRETCH_IDS)
@pytest.mark.parametrize("sets", [1, 2, 3])
def test_item_seconds_matches_the_segments(stretch_id: str, sets: int) -> None:
    stretch = CATALOGUE.get(stretch_id)
    dose = replace(default_dose(stretch), sets=sets, reps=stretch.dose.reps + 1)
    settings_ = TimelineSettings(lead_in_seconds=3, transition_seconds=7)
    items = [RoutineItem.usual(stretch, dose)]
    segments = timeline(items, settings_)
    assert item_seconds(items[0], None, settings_) * 1000 == sum(s.duration_ms for s in segments)
    standing = CATALOGUE.get("standing-side-stretch").usual_way
    moved = item_seconds(items[0], standing, settings_)
    expected = 0 if stretch.usual_way.place is Place.STANDING else 7
    assert moved - item_seconds(items[0], None, settings_) == expected


def test_the_same_position_in_another_place_is_a_change() -> None:
    # Sitting on a chair, then sitting on the edge of a bed: the person still has to move.
    stretch = CATALOGUE.get("neck-flexion")
    on_chair = RoutineItem(stretch, default_dose(stretch), stretch.way_at(Place.CHAIR))
    on_bed = RoutineItem(stretch, default_dose(stretch), stretch.way_at(Place.BED_EDGE))
    segments = timeline([on_chair, on_bed])
    moves = [s for s in segments if s.kind is SegmentKind.TRANSITION]
    assert len(moves) == 1
    assert "edge of your bed" in moves[0].cue


@pytest.mark.parametrize("stretch_id", [s.id for s in builtin_catalogue() if s.kind is Kind.REPS])
def test_breath_cues_match_the_breath_phase(stretch_id: str) -> None:
    stretch = builtin_catalogue().get(stretch_id)
    segments = timeline([RoutineItem.usual(stretch, default_dose(stretch))])
    for segment in segments:
        cue = segment.cue.lower()
        if segment.breath is Breath.INHALE:
            assert cue.startswith("breathe in"), segment.cue
            assert "breathe out" not in cue
        if segment.breath is Breath.EXHALE:
            assert cue.startswith("breathe out"), segment.cue
            assert "breathe in" not in cue
