"""The player: cues at exact clock readings, pause, skip, back and stop, and what was done.

The player is driven by explicit monotonic readings in milliseconds, as the terminal drives it
with a real clock; nothing sleeps.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstretch.core.catalogue import Catalogue
from backstretch.core.models import Kind, Sides
from backstretch.core.player import BACK_GRACE_MS, Player, item_spans
from backstretch.core.timeline import (
    RoutineItem,
    Segment,
    SegmentKind,
    default_dose,
    timeline,
)
from backstretch.data import builtin_catalogue

PROPERTY = settings(max_examples=200, deadline=None)
CATALOGUE: Catalogue = builtin_catalogue()
WORK = (SegmentKind.HOLD, SegmentKind.REP)
T0 = 1_000_000  # the monotonic reading at which the session starts


def item(stretch_id: str, **dose: Any) -> RoutineItem:
    stretch = CATALOGUE.get(stretch_id)
    return RoutineItem.usual(stretch, replace(default_dose(stretch), **dose))


# Item 0: two cat-cows (6 s each, no sides); item 1: knee-to-chest held 20 s twice on each side;
# item 2: four alternating neck half-circles (6 s each).
ROUTINE = (
    item("cat-cow", reps=2, sets=1),
    item("knee-to-chest", hold_seconds=20, reps=2, sets=1),
    item("neck-half-circles", reps=4, sets=1),
)
SEGMENTS: tuple[Segment, ...] = timeline(ROUTINE)
SPANS = item_spans(SEGMENTS)


def start() -> Player:
    return Player.start(SEGMENTS, T0)


def work_ms(segments: tuple[Segment, ...], stretch: str) -> int:
    return sum(s.duration_ms for s in segments if s.stretch == stretch and s.kind in WORK)


# ---- the routine used here is what the tests think it is ---------------------------------------


def test_the_test_routine_has_three_items_in_order() -> None:
    assert [s.stretch for s in SPANS] == ["cat-cow", "knee-to-chest", "neck-half-circles"]
    assert SPANS[0].start_ms == 0
    assert SPANS[1].start_ms == SPANS[0].end_ms
    assert SPANS[2].end_ms == SEGMENTS[-1].start_ms


# ---- cues at exact offsets ---------------------------------------------------------------------


def test_every_segment_plays_from_its_exact_start() -> None:
    player = start()
    for index, segment in enumerate(SEGMENTS[:-1]):
        now = T0 + segment.start_ms
        assert player.deadline_ms(index) == now
        assert player.index_at(player.position_ms(now)) == index
        # One millisecond before, the segment before is still playing.
        if index:
            assert player.index_at(player.position_ms(now - 1)) == index - 1


def test_a_late_reading_does_not_push_later_cues() -> None:
    player = start()
    # The loop wakes 700 ms late for segment 3; segment 4 is still due at its own offset.
    late = T0 + SEGMENTS[3].start_ms + 700
    assert player.index_at(player.position_ms(late)) == 3
    assert player.deadline_ms(4) == T0 + SEGMENTS[4].start_ms


# ---- pause -------------------------------------------------------------------------------------


def test_position_freezes_while_paused() -> None:
    player = start()
    player.pause(T0 + 9_000)
    assert player.paused
    for later in (9_000, 10_000, 60_000, 600_000):
        assert player.position_ms(T0 + later) == 9_000
    assert not player.finished(T0 + 10_000_000)


def test_resume_moves_every_later_deadline_by_the_paused_time() -> None:
    player = start()
    before = [player.deadline_ms(i) for i in range(len(SEGMENTS))]
    player.pause(T0 + 9_000)
    player.resume(T0 + 9_000 + 42_500)
    assert not player.paused
    assert player.position_ms(T0 + 9_000 + 42_500) == 9_000
    current = player.index_at(9_000)
    for index in range(current + 1, len(SEGMENTS)):
        assert player.deadline_ms(index) == before[index] + 42_500


def test_pausing_twice_and_resuming_twice_count_once() -> None:
    player = start()
    player.pause(T0 + 1_000)
    player.pause(T0 + 5_000)  # already paused: the first pause stands
    player.resume(T0 + 11_000)
    player.resume(T0 + 20_000)  # not paused: nothing to do
    assert player.origin_ms == T0 + 10_000
    assert player.position_ms(T0 + 20_000) == 10_000


def test_paused_time_is_not_credited() -> None:
    player = start()
    player.note_progress(T0 + 6_000)  # 1 s into the first cat-cow
    player.pause(T0 + 6_000)
    player.note_progress(T0 + 100_000)
    player.resume(T0 + 100_000)
    player.stop(T0 + 100_000)
    assert player.items_done()[0].done_seconds == 1


# ---- skip --------------------------------------------------------------------------------------


def test_skip_from_the_middle_of_an_item_goes_to_the_next_item() -> None:
    player = start()
    middle = SPANS[1].start_ms + 40_000  # in the second hold on the left side
    now = T0 + middle
    player.note_progress(now)
    player.skip(now)
    assert player.position_ms(now) == SPANS[2].start_ms
    assert player.index_at(player.position_ms(now)) == SPANS[2].first
    # The next cue is due at once, and the rest follow from there.
    assert player.deadline_ms(SPANS[2].first) == now


def test_a_skipped_item_keeps_only_the_seconds_played() -> None:
    player = start()
    hold = next(s for s in SEGMENTS if s.stretch == "knee-to-chest" and s.kind is SegmentKind.HOLD)
    now = T0 + hold.start_ms + 12_000  # 12 s into the first 20 s hold
    player.note_progress(now)
    player.skip(now)
    player.note_progress(now + 30_000)  # playing on in the next item
    done = player.items_done()[1]
    assert done.skipped
    assert done.done_seconds == 12
    assert done.done_reps == 0
    assert done.planned_seconds == 80
    assert done.finished  # passed over deliberately: not left to resume


def test_skipping_credits_nothing_it_jumped_over() -> None:
    player = start()
    player.skip(T0 + 2_000)  # in cat-cow's get-ready: no stretching done yet
    player.skip(T0 + 2_000)  # straight over knee-to-chest too
    player.note_progress(T0 + 2_000 + 1_000)
    done = player.items_done()
    assert (done[0].done_seconds, done[0].done_reps, done[0].skipped) == (0, 0, True)
    assert (done[1].done_seconds, done[1].done_reps, done[1].skipped) == (0, 0, True)
    assert player.position_ms(T0 + 3_000) == SPANS[2].start_ms + 1_000


def test_skip_at_the_end_does_nothing() -> None:
    player = start()
    end = T0 + player.total_ms
    player.note_progress(end)
    player.skip(end)
    assert player.position_ms(end + 5_000) == player.total_ms
    assert player.finished(end)
    assert not any(d.skipped for d in player.items_done())


# ---- back --------------------------------------------------------------------------------------


def test_back_soon_after_an_item_starts_goes_to_the_item_before() -> None:
    player = start()
    now = T0 + SPANS[1].start_ms + BACK_GRACE_MS - 1
    player.back(now)
    assert player.position_ms(now) == SPANS[0].start_ms


def test_back_later_in_an_item_goes_to_its_start() -> None:
    player = start()
    now = T0 + SPANS[1].start_ms + BACK_GRACE_MS
    player.back(now)
    assert player.position_ms(now) == SPANS[1].start_ms


def test_back_in_the_first_item_goes_to_its_start() -> None:
    player = start()
    player.back(T0 + 1_000)
    assert player.position_ms(T0 + 1_000) == 0
    player.back(T0 + 10_000)
    assert player.position_ms(T0 + 10_000) == 0


def test_back_at_the_end_goes_to_the_last_item() -> None:
    player = start()
    end = T0 + player.total_ms + 5_000
    player.back(end)
    assert player.position_ms(end) == SPANS[-1].start_ms
    assert not player.finished(end)


def test_back_while_paused_stays_paused_at_the_new_place() -> None:
    player = start()
    now = T0 + SPANS[1].start_ms + 30_000
    player.pause(now)
    player.back(now + 5_000)
    assert player.paused
    assert player.position_ms(now + 60_000) == SPANS[1].start_ms
    player.resume(now + 60_000)
    assert player.position_ms(now + 61_000) == SPANS[1].start_ms + 1_000


def test_replaying_after_back_credits_the_time_once() -> None:
    player = start()
    # Play cat-cow to its end, then 2 s into knee-to-chest, then back twice to cat-cow's start.
    first_pass = T0 + SPANS[1].start_ms + 2_000
    player.note_progress(first_pass)
    player.back(first_pass)
    assert player.position_ms(first_pass) == 0
    # Play the whole routine through again.
    end = first_pass + player.total_ms
    for step in range(first_pass, end + 1, 1_000):
        player.note_progress(step)
    for done in player.items_done():
        assert done.done_seconds == done.planned_seconds
        assert done.done_reps == done.planned_reps
        assert not done.skipped


def test_back_into_a_skipped_item_clears_its_skip() -> None:
    player = start()
    player.note_progress(T0 + 6_000)
    player.skip(T0 + 6_000)
    player.back(T0 + 7_000)  # 1 s into knee-to-chest: back to cat-cow
    assert player.position_ms(T0 + 7_000) == 0
    end = T0 + 7_000 + SPANS[0].end_ms
    player.note_progress(end)
    done = player.items_done()[0]
    assert not done.skipped
    assert done.done_seconds == done.planned_seconds == 12


# ---- stop keeps progress -----------------------------------------------------------------------


def test_stop_keeps_what_was_done() -> None:
    player = start()
    # Knee-to-chest: first hold done in full (20 s), then 7 s into the second on the left side.
    second_hold = [
        s for s in SEGMENTS if s.stretch == "knee-to-chest" and s.kind is SegmentKind.HOLD
    ][1]
    now = T0 + second_hold.start_ms + 7_000
    player.note_progress(now - 30_000)  # the loop noted progress on the way
    player.stop(now)
    assert player.quit
    assert player.finished(now)
    assert player.position_ms(now + 100_000) == second_hold.start_ms + 7_000
    done = player.items_done()
    assert (done[0].done_seconds, done[0].done_reps) == (12, 2)
    assert (done[1].done_seconds, done[1].done_reps) == (27, 1)
    assert not done[1].skipped
    assert (done[2].done_seconds, done[2].done_reps) == (0, 0)


def test_a_rep_half_done_is_not_counted() -> None:
    player = start()
    now = T0 + 5_000 + 3_000 + 1_500  # breathing in done, halfway through breathing out
    player.stop(now)
    done = player.items_done()[0]
    assert done.done_seconds == 4
    assert done.done_reps == 0


# ---- the end -----------------------------------------------------------------------------------


def test_finished_at_the_end_and_never_past_it() -> None:
    player = start()
    end = T0 + player.total_ms
    assert not player.finished(end - 1)
    assert player.finished(end)
    assert player.position_ms(end + 3_600_000) == player.total_ms
    assert player.index_at(player.position_ms(end)) == len(SEGMENTS) - 1
    assert SEGMENTS[player.index_at(player.total_ms)].kind is SegmentKind.DONE
    player.note_progress(end + 3_600_000)
    for done in player.items_done():
        assert done.done_seconds == done.planned_seconds
        assert done.done_reps == done.planned_reps


def test_before_the_start_the_position_is_zero() -> None:
    player = start()
    assert player.position_ms(T0 - 5_000) == 0


# ---- item spans --------------------------------------------------------------------------------


def test_planned_seconds_are_the_holds_and_reps_only() -> None:
    for span in SPANS:
        assert span.planned_seconds * 1000 == work_ms(SEGMENTS, span.stretch)
    assert [s.planned_seconds for s in SPANS] == [12, 80, 24]


HOLD_EACH = [s.id for s in CATALOGUE if s.kind is Kind.HOLD and s.dose.sides is Sides.EACH]
ALTERNATING = [s.id for s in CATALOGUE if s.dose.sides is Sides.ALTERNATING]
BILATERAL = [s.id for s in CATALOGUE if s.dose.sides is Sides.BILATERAL]


def test_the_catalogue_has_every_kind_of_side() -> None:
    assert HOLD_EACH and ALTERNATING and BILATERAL


@pytest.mark.parametrize("stretch_id", HOLD_EACH)
@pytest.mark.parametrize(("reps", "sets"), [(1, 1), (2, 1), (3, 2), (2, 3)])
def test_planned_reps_of_a_hold_on_each_side(stretch_id: str, reps: int, sets: int) -> None:
    segments = timeline([item(stretch_id, reps=reps, sets=sets)])
    (span,) = item_spans(segments)
    assert span.planned_reps == reps * sets * 2
    assert span.planned_seconds * 1000 == work_ms(segments, stretch_id)


@pytest.mark.parametrize("stretch_id", ALTERNATING)
@pytest.mark.parametrize(("reps", "sets"), [(4, 1), (6, 2), (10, 3)])
def test_planned_reps_of_alternating_reps(stretch_id: str, reps: int, sets: int) -> None:
    segments = timeline([item(stretch_id, reps=reps, sets=sets)])
    (span,) = item_spans(segments)
    assert span.planned_reps == reps * sets
    assert span.planned_seconds * 1000 == work_ms(segments, stretch_id)


@pytest.mark.parametrize("stretch_id", BILATERAL)
def test_planned_reps_of_a_bilateral_stretch(stretch_id: str) -> None:
    segments = timeline([item(stretch_id, sets=2)])
    (span,) = item_spans(segments)
    assert span.planned_reps == CATALOGUE.get(stretch_id).dose.reps * 2


def test_a_routine_played_through_does_every_planned_rep() -> None:
    segments = timeline([item("knee-to-chest", reps=2, sets=2), item("bird-dog", reps=6, sets=2)])
    player = Player.start(segments, T0)
    player.note_progress(T0 + player.total_ms)
    done = player.items_done()
    assert [d.done_reps for d in done] == [8, 12]
    assert [d.done_reps for d in done] == [d.planned_reps for d in done]


# ---- a property over any sequence of presses ---------------------------------------------------

ACTIONS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=40_000),
        st.sampled_from(["none", "pause", "resume", "skip", "back"]),
    ),
    max_size=40,
)


@PROPERTY
@given(ACTIONS)
def test_no_sequence_of_presses_credits_more_than_planned(
    actions: list[tuple[int, str]],
) -> None:
    player = start()
    now = T0
    position = player.position_ms(now)
    for advance, action in actions:
        was_paused = player.paused
        now += advance
        player.note_progress(now)
        moved = player.position_ms(now)
        assert 0 <= moved <= player.total_ms
        if was_paused:
            assert moved == position
        else:
            assert moved >= position
        if action == "pause":
            player.pause(now)
        elif action == "resume":
            player.resume(now)
        elif action == "skip":
            player.skip(now)
        elif action == "back":
            player.back(now)
        position = player.position_ms(now)
        for done, span in zip(player.items_done(), player.spans, strict=True):
            assert 0 <= done.done_seconds <= span.planned_seconds
            assert 0 <= done.done_reps <= span.planned_reps
    player.stop(now)
    for done in player.items_done():
        assert done.done_seconds <= done.planned_seconds
        assert done.done_reps <= done.planned_reps
        if done.done_seconds == done.planned_seconds:
            assert not done.skipped
