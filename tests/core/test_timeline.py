"""The timeline: millisecond-exact, contiguous segments that every player follows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstretch.core.catalogue import (
    Catalogue,
    CatalogueError,
    Steps,
    Stretch,
    Way,
    parse_stretch,
)
from backstretch.core.mirror import mirrored
from backstretch.core.models import Kind, Place, Sides
from backstretch.core.poses import Phase
from backstretch.core.timeline import (
    Breath,
    ItemDose,
    RepPhase,
    RoutineItem,
    Segment,
    SegmentKind,
    TimelineSettings,
    default_dose,
    first_side,
    fits,
    item_seconds,
    routine_seconds,
    side_label,
    spoken,
    steps_for_side,
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
    # The steps are written for the right knee, so the session starts there.
    assert [s.side for s in segments[:-1]] == [
        "right",
        "right",
        "right",
        "right",
        "left",
        "left",
        "left",
        "left",
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
    assert "right knee" in segments[0].cue
    assert "left knee" in segments[4].cue
    holds = [s for s in segments if s.kind is SegmentKind.HOLD]
    assert [s.side_label for s in holds] == ["right knee in"] * 2 + ["left knee in"] * 2
    assert all(s.reps == 2 and s.phase is None for s in holds)


def test_reps_follow_the_tempo() -> None:
    stretch = CATALOGUE.get("cobra")  # tempo 3 in, 3 out, 5 steady hold
    assert stretch.dose.tempo is not None
    tempo = stretch.dose.tempo
    segments = timeline([item("cobra", reps=3, sets=1)])
    work = segments[1:-1]
    assert kinds(segments) == ["get_ready"] + ["rep"] * 9 + ["done"]
    # Lift on the in-breath, stay at the top, lower on the out-breath: the stay comes before
    # the way back down, not after it.
    assert [s.breath for s in work] == [Breath.INHALE, Breath.STEADY, Breath.EXHALE] * 3
    assert [s.phase for s in work] == [RepPhase.MOVE, RepPhase.STAY, RepPhase.RETURN] * 3
    assert [s.duration_ms for s in work] == [
        tempo.inhale * 1000,
        tempo.hold * 1000,
        tempo.exhale * 1000,
    ] * 3
    assert [s.rep for s in work] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert {s.reps for s in work} == {3}
    assert [s.cue for s in work[:3]] == [
        "Breathe in as you lift.",
        "Stay here and breathe slowly.",
        "Breathe out as you lower.",
    ]


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
            # The movement steps are written for the right leg (or the sweep from the right).
            assert sides_by_rep == {1: "right", 2: "left", 3: "right", 4: "left", 5: "right"}
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
        ("lateral-neck-flexion", "left", 8000)
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
    # Exactly one get-ready per item; an 'each' item switches to its second side once per set.
    ready = [s for s in segments if s.kind is SegmentKind.GET_READY]
    assert len(ready) == len(items)
    expected_switches = sum(i.dose.sets for i in items if i.dose.sides is Sides.EACH)
    firsts = {i.stretch.id: first_side(i.stretch, i.way) for i in items}
    to_second = [
        s
        for s in segments
        if s.kind is SegmentKind.SWITCH_SIDE and s.stretch and s.side != firsts[s.stretch]
    ]
    assert len(to_second) == expected_switches
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


# ---- repetitions begin with the movement -----------------------------------------------------

REP_WAYS = [
    (stretch.id, way.place.value)
    for stretch in CATALOGUE
    if stretch.kind is Kind.REPS
    for way in stretch.ways
]
# Words that tell the body to come back: never the first thing a repetition says.
RETURNING = re.compile(
    r"\b(returns?|come back|comes? down|comes? forward|lower(?! back)|let go|rise|stand up)\b",
    re.IGNORECASE,
)


def reps_of(segments: Sequence[Segment]) -> list[list[Segment]]:
    """Return the segments of each repetition, in order."""
    groups: list[list[Segment]] = []
    previous: Segment | None = None
    for segment in segments:
        if segment.kind is SegmentKind.REP:
            key = (segment.set, segment.side, segment.rep)
            if previous is None or key != (previous.set, previous.side, previous.rep):
                groups.append([])
            groups[-1].append(segment)
            previous = segment
        else:
            previous = None
    return groups


@pytest.mark.parametrize(("stretch_id", "place"), REP_WAYS)
def test_every_rep_begins_with_the_movement_its_steps_describe(stretch_id: str, place: str) -> None:
    stretch = CATALOGUE.get(stretch_id)
    way = stretch.way_at(place)
    tempo = stretch.dose.tempo
    assert tempo is not None
    segments = timeline([RoutineItem(stretch, replace(default_dose(stretch), reps=3), way)])
    # The first movement step that names a breath is the one the rep moves on.
    named = next(s for s in stretch.movement_of(way) if s.lower().startswith("breathing "))
    breath_word = named.split(",")[0].lower().removeprefix("breathing ")
    for parts in reps_of(segments):
        move = parts[0]
        assert move.phase is RepPhase.MOVE
        assert move.breath.value == {"in": "inhale", "out": "exhale"}[breath_word]
        assert move.cue.lower().startswith(f"breathe {breath_word}"), move.cue
        assert not RETURNING.search(move.cue), f"{stretch_id} starts a rep with '{move.cue}'"
        assert not RETURNING.search(spoken(move, CATALOGUE))
        # Move, then stay when the tempo holds, then the other breath; one tempo in all.
        expected = [RepPhase.MOVE, RepPhase.STAY] if tempo.hold else [RepPhase.MOVE]
        assert [p.phase for p in parts[: len(expected)]] == expected
        assert len(parts) == len(expected) + 1
        assert parts[-1].breath not in (move.breath, Breath.STEADY, Breath.NONE)
        assert sum(p.duration_ms for p in parts) == tempo.seconds * 1000
        assert {p.reps for p in parts} == {3}


def test_the_way_back_is_a_return_unless_the_breath_is_a_pause() -> None:
    bridge = [
        s.phase for s in timeline([item("glute-bridge", reps=1)]) if s.kind is SegmentKind.REP
    ]
    assert bridge == [RepPhase.MOVE, RepPhase.STAY, RepPhase.RETURN]
    # Neck half-circles sweep on the out-breath and pause at the side on the in-breath.
    circles = [
        s for s in timeline([item("neck-half-circles", reps=1)]) if s.kind is SegmentKind.REP
    ]
    assert [(s.phase, s.breath) for s in circles] == [
        (RepPhase.MOVE, Breath.EXHALE),
        (RepPhase.STAY, Breath.INHALE),
    ]


def test_chin_tuck_slides_back_first_and_comes_forward_last() -> None:
    """The old order said "Breathe in as the head comes forward" before the head went back."""
    parts = reps_of(timeline([item("chin-tuck", reps=2)]))[0]
    assert [p.cue for p in parts] == [
        "Breathe out as the head slides back.",
        "Stay here and breathe slowly.",
        "Breathe in as the head comes forward.",
    ]


# ---- spoken cues name the movement -------------------------------------------------------------


@pytest.mark.parametrize("stretch_id", sorted(s.id for s in CATALOGUE if s.kind is Kind.REPS))
def test_spoken_rep_cues_name_the_movement_and_fit_their_time(stretch_id: str) -> None:
    segments = timeline([item(stretch_id, reps=4)])
    for segment in segments:
        if segment.kind is not SegmentKind.REP:
            continue
        said = spoken(segment, CATALOGUE)
        # Said before the next cue cuts it off, at the pace of a speaking voice.
        assert fits(said, segment.duration_ms / 1000), (said, segment.duration_ms)
        assert said not in ("Breathe in.", "Breathe out."), f"{stretch_id}: '{said}' is bare"
        if segment.breath is Breath.STEADY:
            assert said == "Stay, breathe slowly."


def test_spoken_rep_number_and_side() -> None:
    tilt = [s for s in timeline([item("pelvic-tilt", reps=2)]) if s.phase is RepPhase.MOVE]
    assert [spoken(s, CATALOGUE) for s in tilt] == [
        "Rep 1. Breathe out slowly as the lower back flattens.",
        "Rep 2. Breathe out slowly as the lower back flattens.",
    ]
    dog = timeline([item("bird-dog", reps=2)])
    said = [spoken(s, CATALOGUE) for s in dog]
    assert said[0] == "Get ready: Bird dog, right leg back."
    assert said[1:4] == [
        "Breathe out as you reach, right leg back.",
        "Stay, breathe slowly.",
        "Breathe in as you return.",
    ]
    assert said[4] == "Breathe out as you reach, left leg back."


def test_spoken_words_for_get_ready_and_switch_name_the_side() -> None:
    segments = timeline([item("lateral-neck-flexion", reps=1)])
    said = [spoken(s, CATALOGUE) for s in segments if s.kind is not SegmentKind.DONE]
    assert said == [
        "Get ready: Lateral neck flexion, right ear down.",
        "Hold, and breathe slowly.",
        "Switch sides: left ear down.",
        "Hold, and breathe slowly.",
    ]
    assert spoken(timeline([item("cat-cow")])[0], CATALOGUE) == "Get ready: Cat-cow."


# ---- sides agree with the set-up ---------------------------------------------------------------

ONE_SIDED = [
    (s.id, w.place.value) for s in CATALOGUE if s.dose.sides is not Sides.BILATERAL for w in s.ways
]
_SIDE_NOUN = re.compile(r"\b(left|right) (\w+)")


@pytest.mark.parametrize(("stretch_id", "place"), ONE_SIDED)
def test_the_first_side_is_the_side_the_set_up_describes(stretch_id: str, place: str) -> None:
    stretch = CATALOGUE.get(stretch_id)
    way = stretch.way_at(place)
    words = stretch.side_words
    assert words is not None, f"{stretch_id}: a one-sided stretch names its sides"
    first = words.first
    other = "left" if first == "right" else "right"
    # Each side's words name that side first ("right leg back", "right to left").
    for side in (first, other):
        label = side_label(stretch, side)
        assert label is not None
        assert re.findall(r"\b(left|right)\b", label)[0] == side, label
        # Short enough for "Hold 1 of 2 · <words>" on one line of a 40-column terminal.
        assert len(label) <= 18, label
    segments = timeline([RoutineItem(stretch, default_dose(stretch), way)])
    ready = segments[0]
    work = [s for s in segments if s.kind in WORK]
    assert ready.kind is SegmentKind.GET_READY
    assert work[0].side == first
    assert ready.side_label == work[0].side_label == side_label(stretch, first)
    assert f", {side_label(stretch, first)}." in ready.cue
    # The text is written for the first side: it names it.
    text = " ".join((*way.setup, *stretch.movement_of(way))).lower()
    assert re.search(rf"\b{first}\b", text)
    # A side the first set-up step names for something the label names agrees with it
    # ("backrest at your right side" and "turning to the right").
    label = side_label(stretch, first) or ""
    label_nouns = {noun for _, noun in _SIDE_NOUN.findall(label)} or {"side"}
    for side, noun in _SIDE_NOUN.findall(way.setup[0].lower()):
        if noun in label_nouns:
            assert side == first, (
                f"{stretch_id}: the set-up says '{side} {noun}', the player {first}"
            )
    assert "Start on the" not in ready.cue


def test_chair_twist_turns_toward_the_backrest_first() -> None:
    """The set-up puts the backrest at the right, so the first twist is to the right."""
    segments = timeline([item("chair-spinal-twist", reps=1)])
    ready = segments[0]
    assert "backrest is at your right side" in ready.cue
    assert "Chair spinal twist, turn right." in ready.cue
    assert "left" not in ready.cue
    assert [s.side for s in segments if s.kind is SegmentKind.HOLD] == ["right", "left"]
    assert segments[2].cue == "Switch sides: turn left."


def test_bird_dog_first_rep_is_the_leg_its_steps_slide_back() -> None:
    stretch = CATALOGUE.get("bird-dog")
    assert "slide your right leg back" in stretch.steps.movement[0]
    reps = reps_of(timeline([item("bird-dog", reps=4)]))
    assert [parts[0].side_label for parts in reps] == [
        "right leg back",
        "left leg back",
        "right leg back",
        "left leg back",
    ]


def test_the_second_set_goes_back_to_the_first_side_and_says_which() -> None:
    segments = timeline([item("knee-to-chest", reps=1, sets=2, hold_seconds=30)])
    switches = [s.cue for s in segments if s.kind is SegmentKind.SWITCH_SIDE]
    assert switches == [
        "Switch sides: left knee in.",
        "Back to the first side for set 2: right knee in.",
        "Switch sides: left knee in.",
    ]


def test_a_stretch_without_side_words_says_left_side_or_right_side() -> None:
    stretch = CATALOGUE.get("knee-to-chest").model_copy(update={"side_words": None})
    segments = timeline([RoutineItem.usual(stretch, default_dose(stretch))])
    # Its movement steps name the right foot first.
    assert segments[0].side_label == "right side"
    assert {s.side_label for s in segments if s.kind is SegmentKind.HOLD} == {
        "right side",
        "left side",
    }


# ---- the other side reads its own side --------------------------------------------------------

EACH_SIDE = [(s, w) for s in CATALOGUE if s.dose.sides is Sides.EACH for w in s.ways]


def test_the_second_side_of_the_chair_piriformis_stretch_says_left() -> None:
    stretch = CATALOGUE.get("chair-piriformis-stretch")
    segments = timeline([item("chair-piriformis-stretch", reps=2)])
    cues = {(s.side, s.cue) for s in segments if s.kind is SegmentKind.HOLD}
    assert (
        "right",
        "Hold and breathe slowly. Keep the right foot flexed to look after the knee.",
    ) in cues
    assert (
        "left",
        "Hold and breathe slowly. Keep the left foot flexed to look after the knee.",
    ) in cues
    left = steps_for_side(stretch, stretch.usual_way, "left")
    assert (
        left.setup[1]
        == "Lift your left ankle onto your right knee and let the left knee drop open."
    )
    assert left.movement[1] == "Stop as soon as you feel a stretch in the left buttock and hip."
    right = steps_for_side(stretch, stretch.usual_way, "right")
    assert right == (stretch.usual_way.setup, stretch.steps.movement)  # as written
    [switch] = [s for s in segments if s.kind is SegmentKind.SWITCH_SIDE]
    assert switch.cue == "Switch sides: left leg crossed."
    assert "right" not in spoken(switch, CATALOGUE)


@pytest.mark.parametrize(
    ("stretch", "way"), EACH_SIDE, ids=[f"{s.id}-{w.place.value}" for s, w in EACH_SIDE]
)
def test_the_other_side_is_the_mirror_image_of_the_first(stretch: Stretch, way: Way) -> None:
    first = first_side(stretch, way)
    other = "left" if first == "right" else "right"
    assert steps_for_side(stretch, way, first) == (way.setup, stretch.movement_of(way))
    assert steps_for_side(stretch, way, None) == (way.setup, stretch.movement_of(way))
    mirror = steps_for_side(stretch, way, other)
    assert mirror.setup == tuple(mirrored(text) for text in way.setup)
    assert mirror.movement == tuple(mirrored(text) for text in stretch.movement_of(way))
    # Every hold or rep on the other side says what the same one on the first side says, mirrored.
    dose = replace(default_dose(stretch), reps=max(3, default_dose(stretch).reps))
    segments = timeline([RoutineItem(stretch, dose, way)])
    work = {
        side: [s.cue for s in segments if s.kind in WORK and s.side == side]
        for side in (first, other)
    }
    assert work[other] == [mirrored(cue) for cue in work[first]]


def test_a_breath_cue_that_names_a_side_names_the_side_playing() -> None:
    bird_dog = CATALOGUE.get("bird-dog")
    lifts = "Breathe out as the right leg slides back; breathe in as it returns."
    stretch = bird_dog.model_copy(update={"breath": (lifts,)})
    reps = reps_of(timeline([RoutineItem.usual(stretch, replace(default_dose(stretch), reps=2))]))
    assert [(parts[0].side, parts[0].cue) for parts in reps] == [
        ("right", "Breathe out as the right leg slides back."),
        ("left", "Breathe out as the left leg slides back."),
    ]
    # An alternating stretch's steps describe its first rep: they read as written on each side.
    for side in ("left", "right"):
        assert steps_for_side(stretch, stretch.usual_way, side).movement == stretch.steps.movement


def test_without_side_words_the_first_side_is_the_first_one_the_steps_name() -> None:
    knee = CATALOGUE.get("knee-to-chest")
    steps = Steps(
        movement=("All right: bend the knee to a right angle, then draw the left knee in.",),
        finish=knee.steps.finish,
    )
    stretch = knee.model_copy(update={"side_words": None, "steps": steps})
    assert first_side(stretch) == "left"  # not the "right" of all right or of a right angle
    segments = timeline([RoutineItem.usual(stretch, replace(default_dose(stretch), reps=1))])
    assert [s.side for s in segments if s.kind is SegmentKind.HOLD] == ["left", "right"]
    assert steps_for_side(stretch, stretch.usual_way, "right").movement == (
        "All right: bend the knee to a right angle, then draw the right knee in.",
    )


def test_segment_json_carries_the_rep_counter_fields() -> None:
    data = [s.to_json() for s in timeline([item("bird-dog", reps=2)])]
    move = data[1]
    assert (move["rep"], move["reps"], move["side_label"], move["phase"]) == (
        1,
        2,
        "right leg back",
        "move",
    )
    assert data[0]["phase"] is None and data[0]["reps"] is None
    assert data[-1] == {**data[-1], "reps": None, "side_label": None, "phase": None}


@PROPERTY
@given(items=st.lists(routine_items(), min_size=1, max_size=4))
def test_every_rep_of_any_routine_starts_with_move(items: list[RoutineItem]) -> None:
    segments = timeline(items)
    for parts in reps_of(segments):
        assert parts[0].phase is RepPhase.MOVE
        assert all(p.phase is not RepPhase.MOVE for p in parts[1:])
        assert parts[0].reps is not None and 1 <= (parts[0].rep or 0) <= parts[0].reps
    for segment in segments:
        if segment.kind in WORK:
            assert segment.reps is not None
            assert (segment.side is None) == (segment.side_label is None)


@pytest.mark.parametrize("stretch_id", sorted(s.id for s in CATALOGUE if s.kind is Kind.REPS))
def test_the_figure_stays_in_the_moved_pose_while_the_rep_stays(stretch_id: str) -> None:
    stretch = CATALOGUE.get(stretch_id)
    figure = stretch.figure
    assert figure is not None and stretch.dose.tempo is not None
    parts = reps_of(timeline([item(stretch_id, reps=1)]))[0]
    poses = [figure.for_phase(Phase(part.breath.value)).name for part in parts]
    # The drawing moves on the first breath and comes back on the last one ...
    assert poses[0] != poses[-1], poses
    # ... and holds the moved pose, not the starting one, while the person stays there.
    if stretch.dose.tempo.hold:
        assert poses[1] == poses[0], poses


def test_side_words_belong_to_a_stretch_done_one_side_at_a_time() -> None:
    document = CATALOGUE.get("cat-cow").model_dump(mode="json")
    document["side_words"] = {"left": "left side", "right": "right side"}
    with pytest.raises(CatalogueError, match="side_words"):
        parse_stretch(document, origin="cat-cow.yaml")
