"""Progression: raise the dose after a good week, ease off at once after pain or a stop.

The rules (research/clinical.md §3.3 and the module's docstring) are checked as truth tables
over stored sessions, then through the planner, which is where a person sees them.
"""

from __future__ import annotations

import re
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
    FINE_PAIN_MAX,
    MAX_STEP,
    MIN_STEP,
    ChangeKind,
    Progress,
    calls_for_easing,
    describe_dose_change,
    dose_at_step,
    felt_fine,
    progress,
    time_scale,
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


def describe(session: SessionRecord) -> str:
    """A short test id: the pain before and after, the ending, any stop signal."""
    signal = f" {session.stop_signal}" if session.stop_signal else ""
    return f"{session.pain_before}->{session.pain_after} {session.status}{signal}"


def stop(day: int, stretch: str | None = None) -> SessionRecord:
    """A session stopped with "stop — this hurts"."""
    return rec(day, 3, None, status=STOPPED, signal=StopSignal.SHARP_PAIN, stopped=stretch)


PROGRESS_TABLE: list[tuple[str, list[SessionRecord], int, list[tuple[ChangeKind, int, int]]]] = [
    # (case, sessions, step, [(change kind, day offset, step after)])
    ("no sessions", [], 0, []),
    ("two fine sessions in the first week", [rec(0), rec(3)], 0, []),
    ("three fine in six days: a week has not passed", [rec(0), rec(3), rec(6)], 0, []),
    ("fine on day 7 after the first", [rec(0), rec(3), rec(7)], 1, [(R, 7, 1)]),
    ("fine sessions over 8 days", [rec(0), rec(4), rec(8)], 1, [(R, 8, 1)]),
    (
        "(3,2), (2,2), (2,2) over a week: a raise",
        [rec(0), rec(3, 2, 2), rec(7, 2, 2)],
        1,
        [(R, 7, 1)],
    ),
    ("one good day is not a pattern", [rec(0), rec(8)], 0, []),
    ("every day for three weeks: one raise a week", daily(0, 20), 2, [(R, 7, 1), (R, 14, 2)]),
    (
        "pain the same after counts as fine",
        [rec(0, 3, 3), rec(4, 3, 3), rec(8, 3, 3)],
        1,
        [(R, 8, 1)],
    ),
    # Felt fine needs low pain: 3/10 afterwards is the top of the green zone.
    ("pain 4 down to 3 is fine", [rec(0, 4, 3), rec(4, 4, 3), rec(8, 4, 3)], 1, [(R, 8, 1)]),
    ("pain steady at 4 is not fine", [rec(0, 4, 4), rec(4, 4, 4), rec(8, 4, 4)], 0, []),
    ("pain 5 down to 4 is not fine", [rec(0, 5, 4), rec(4, 5, 4), rec(8, 5, 4)], 0, []),
    (
        "pain (3,8) then (8,8): eased, and the red zone a week later eases again",
        [rec(0, 3, 8), rec(7, 8, 8)],
        -2,
        [(E, 0, -1), (E, 7, -2)],
    ),
    (
        "pain steady at 7 is never fine: eased once a week",
        [rec(0, 7, 7), rec(3, 7, 7), rec(8, 7, 7), rec(15, 7, 7)],
        -2,
        [(E, 0, -1), (E, 8, -2)],
    ),
    ("pain 8 down to 6 holds the step", [rec(0, 8, 6), rec(4, 8, 6), rec(8, 8, 6)], 0, []),
    (
        "a week with a session that did not feel fine waits for two fine ones after it",
        [rec(0), rec(3), rec(5, 4, 4), rec(8), rec(10)],
        1,
        [(R, 10, 1)],
    ),
    ("pain +1 after: no raise", [rec(0), rec(3), rec(8, 2, 3)], 0, []),
    ("pain +1 after does not ease", [*daily(0, 7), rec(8, 2, 3)], 1, [(R, 7, 1)]),
    ("pain +2 after eases at once", [rec(0, 2, 4)], -1, [(E, 0, -1)]),
    (
        "pain +2 from step 2 goes below the start",
        [*daily(0, 14), rec(15, 2, 4)],
        -1,
        [(R, 7, 1), (R, 14, 2), (E, 15, -1)],
    ),
    ("pain +5 eases one step", [rec(0, 1, 6)], -1, [(E, 0, -1)]),
    ("stopped session eases", [rec(0, 3, None, status=STOPPED)], -1, [(E, 0, -1)]),
    ("stop with sharp pain eases", [stop(0)], -1, [(E, 0, -1)]),
    (
        "pain rising on a completed session eases",
        [rec(0, 3, 2, signal=StopSignal.PAIN_RISING, stopped="cat-cow")],
        -1,
        [(E, 0, -1)],
    ),
    ("a stop ends a fine run", [*daily(0, 6), stop(7)], -1, [(E, 7, -1)]),
    (
        "a stop two days after a raise eases at once",
        [*daily(0, 7), stop(9)],
        -1,
        [(R, 7, 1), (E, 9, -1)],
    ),
    # At most one easing a week: bad days close together ease once.
    ("two stops in a week: one step down", [stop(0), stop(3)], -1, [(E, 0, -1)]),
    (
        "rises on four days running: one step down",
        [rec(0, 2, 4), rec(1, 2, 4), rec(2, 2, 4), rec(3, 2, 4)],
        -1,
        [(E, 0, -1)],
    ),
    ("stops a week apart: two steps down", [stop(0), stop(7)], -2, [(E, 0, -1), (E, 7, -2)]),
    (
        "eases never below MIN_STEP",
        [stop(0), stop(7), stop(14)],
        MIN_STEP,
        [(E, 0, -1), (E, 7, -2)],
    ),
    (
        "a second stop in the week restarts the week a raise waits for",
        [stop(0), stop(6), rec(8), rec(10), rec(12), rec(13)],
        0,
        [(E, 0, -1), (R, 13, 0)],
    ),
    # The pain pause (core/safety.py): pain rose after two rated sessions in a row.
    (
        "pain +1 twice in a row: paused, then an eased restart",
        [rec(0, 3, 4), rec(2, 3, 4), rec(9)],
        -1,
        [(E, 2, -1)],
    ),
    (
        "a pause from a raised step restarts below the start",
        [*daily(0, 7), rec(8, 2, 3), rec(9, 2, 3), rec(16)],
        -1,
        [(R, 7, 1), (E, 9, -1)],
    ),
    ("a fine session between rises: no pause", [rec(0, 3, 4), rec(2), rec(4, 3, 4)], 0, []),
    (
        "unrated sessions between rises do not break the row",
        [rec(0, 3, 4), rec(2, None, None), rec(4, 3, 4)],
        -1,
        [(E, 4, -1)],
    ),
    (
        "after a pause one more rise is not yet two in a row",
        [rec(0, 3, 4), rec(2, 3, 4), rec(10, 3, 4)],
        -1,
        [(E, 2, -1)],
    ),
    (
        "after a pause two more rises pause and ease again",
        [rec(0, 3, 4), rec(2, 3, 4), rec(10, 3, 4), rec(12, 3, 4)],
        -2,
        [(E, 2, -1), (E, 12, -2)],
    ),
    (
        "a rise of 2 then of 1: eased once, the pause restarts eased",
        [rec(0, 2, 4), rec(1, 2, 3), rec(8)],
        -1,
        [(E, 0, -1)],
    ),
    # Back up after easing: a week of fine sessions a step.
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
        "easing then fine weeks: back to the start, then up",
        [rec(0, 2, 4), rec(1), rec(3), rec(7), rec(9), rec(12), rec(14)],
        1,
        [(E, 0, -1), (R, 7, 0), (R, 14, 1)],
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


@pytest.mark.parametrize("sessions", [pytest.param(s, id=case) for case, s, _, _ in PROGRESS_TABLE])
def test_changes_are_real_and_a_raise_waits_a_week_after_any_change(
    sessions: list[SessionRecord],
) -> None:
    changes = progress(sessions).changes
    steps = [0, *(c.step for c in changes)]
    assert all(before != after for before, after in pairwise(steps))
    for previous, change in pairwise(changes):
        if change.kind is ChangeKind.RAISED or previous.kind is change.kind:
            assert (change.day - previous.day).days >= 7
    assert all(c.step <= -1 for c in changes if c.kind is ChangeKind.EASED)


@pytest.mark.parametrize("sessions", [pytest.param(s, id=case) for case, s, _, _ in PROGRESS_TABLE])
def test_every_why_is_one_plain_line(sessions: list[SessionRecord]) -> None:
    for change in progress(sessions).changes:
        assert "\n" not in change.why
        assert change.why == change.why.strip()
        words = re.findall(r"[a-z]+", change.why.lower())
        assert not [w for w in words if w.startswith(("treat", "cure", "heal", "therap"))]
        assert "so the next sessions" in change.why or "starts again" in change.why


def test_the_order_sessions_arrive_in_does_not_matter() -> None:
    sessions = [rec(0), rec(3), rec(7), rec(8, 2, 4), rec(9), rec(10, 3, 4), rec(12, 3, 4)]
    assert progress(list(reversed(sessions))) == progress(sessions)


def test_a_raise_says_the_past_week_felt_fine() -> None:
    result = progress([rec(0), rec(4), rec(8)])
    assert result.latest is not None
    assert result.latest.kind is ChangeKind.RAISED
    assert result.latest.why == (
        "the past week's sessions felt fine (pain 3 or less and not rising), "
        "so the next sessions go one step further"
    )


@pytest.mark.parametrize(
    ("session", "why"),
    [
        (rec(0, 2, 4), "pain rose from 2 to 4 after the session on 2026-10-01"),
        (rec(0, 3, None, status=STOPPED), "you stopped the session on 2026-10-01"),
        (
            rec(0, 3, 3, signal=StopSignal.PAIN_RISING, stopped="cat-cow"),
            "you stopped a stretch on 2026-10-01 as pain was building",
        ),
        (rec(0, 7, 7), "pain was 7 out of 10 after the session on 2026-10-01"),
    ],
    ids=["rise", "stop", "pain building", "red zone"],
)
def test_easing_says_why(session: SessionRecord, why: str) -> None:
    latest = progress([session]).latest
    assert latest is not None
    assert latest.why == f"{why}, so the next sessions are a little easier"


def test_a_pause_says_why_and_when() -> None:
    latest = progress([rec(0, 3, 4), rec(2, 2, 3)]).latest
    assert latest is not None and latest.kind is ChangeKind.EASED
    assert latest.why == (
        "pain rose after two sessions in a row (3 to 4 on 2026-10-01, then 2 to 3 on "
        "2026-10-03), so the programme paused and starts again a little easier"
    )


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


# ---- felt_fine, calls_for_easing and time_scale ------------------------------------------------


@pytest.mark.parametrize(
    ("session", "fine"),
    [
        (rec(0, 3, 3), True),
        (rec(0, 4, 3), True),
        (rec(0, 8, 3), True),
        (rec(0, 0, 0), True),
        (rec(0, 4, 4), False),  # the first point above the green zone
        (rec(0, 5, 4), False),
        (rec(0, 2, 3), False),  # low, but it rose
        (rec(0, 7, 7), False),
        (rec(0, 8, 8), False),
        (rec(0, 3, 8), False),
        (rec(0, None, 2), False),
        (rec(0, 2, None), False),
        (rec(0, 3, 2, status=STOPPED), False),
        (rec(0, 3, 2, signal=StopSignal.PAIN_RISING), False),
        (rec(0, 3, 2, status=ABANDONED), False),
    ],
    ids=lambda value: "" if isinstance(value, bool) else describe(value),
)
def test_felt_fine(session: SessionRecord, fine: bool) -> None:
    assert felt_fine(session) is fine


def test_felt_fine_threshold_is_the_green_zone() -> None:
    assert FINE_PAIN_MAX == 3
    assert felt_fine(rec(0, FINE_PAIN_MAX, FINE_PAIN_MAX))
    assert not felt_fine(rec(0, FINE_PAIN_MAX + 1, FINE_PAIN_MAX + 1))


@pytest.mark.parametrize(
    ("session", "eases"),
    [
        (rec(0, 3, 2), False),
        (rec(0, 3, 4), False),  # a 1-point rise is watched: twice in a row is the pain pause
        (rec(0, 3, 5), True),
        (rec(0, 4, 5), False),
        (rec(0, 5, 5), False),
        (rec(0, 5, 6), True),  # the red zone, not falling
        (rec(0, 6, 6), True),
        (rec(0, 8, 6), False),  # high, but lower than before the session
        (rec(0, None, 9), False),
        (rec(0, 3, None, status=STOPPED), True),
        (rec(0, 3, 3, signal=StopSignal.PAIN_RISING), True),
    ],
    ids=lambda value: "" if isinstance(value, bool) else describe(value),
)
def test_calls_for_easing(session: SessionRecord, eases: bool) -> None:
    assert calls_for_easing(session) is eases


@pytest.mark.parametrize(
    ("step", "scale"),
    [
        (MAX_STEP, 1.0),
        (3, 1.0),
        (0, 1.0),
        (-1, 0.8),
        (-2, 0.64),
        (-3, 0.512),
        (-4, 0.5),
        (-20, 0.5),
    ],
)
def test_time_scale(step: int, scale: float) -> None:
    assert time_scale(step) == pytest.approx(scale)


def test_easing_a_ten_minute_plan_leaves_eight_minutes() -> None:
    assert int(600 * time_scale(-1)) == 480
    assert int(600 * time_scale(MIN_STEP)) == 384
    steps = range(MIN_STEP - 3, MAX_STEP + 1)
    assert all(time_scale(a) <= time_scale(b) for a, b in pairwise(steps))
    # One step changes the session time by at most 20%.
    assert all(time_scale(a) >= 0.8 * time_scale(b) for a, b in pairwise(steps))


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
    # Child's pose: hold 30 s (range 30-60), 1 hold (max 3), up to three holds a side in all.
    ("childs-pose", 0, (30, 1, 1)),
    ("childs-pose", 1, (35, 1, 1)),
    ("childs-pose", 2, (40, 1, 1)),
    ("childs-pose", 6, (60, 1, 1)),
    ("childs-pose", 7, (60, 2, 1)),
    # Three holds a side is the most the sources give (001), so no set is added after them.
    ("childs-pose", 8, (60, 3, 1)),
    ("childs-pose", 9, (60, 3, 1)),
    ("childs-pose", MAX_STEP, (60, 3, 1)),
    ("childs-pose", -1, (30, 1, 1)),  # already at the bottom of its hold and hold-count ranges
    # Sphinx: hold 30 s (30-60), 1 hold (max 2); a second set would make four holds a side.
    ("sphinx", 6, (60, 1, 1)),
    ("sphinx", 7, (60, 2, 1)),
    ("sphinx", 8, (60, 2, 1)),
    ("sphinx", MAX_STEP, (60, 2, 1)),
    # Knee-to-chest: hold 30 s at the top of 15-30, so a third hold, then nothing more.
    ("knee-to-chest", 1, (30, 3, 1)),
    ("knee-to-chest", 2, (30, 3, 1)),
    ("knee-to-chest", MAX_STEP, (30, 3, 1)),
    ("knee-to-chest", -1, (25, 2, 1)),
    ("knee-to-chest", -2, (20, 2, 1)),
    ("knee-to-chest", -3, (15, 2, 1)),
    ("knee-to-chest", -4, (15, 1, 1)),  # at the shortest hold: a hold fewer
    ("knee-to-chest", -5, (15, 1, 1)),
    ("lateral-neck-flexion", 2, (30, 3, 1)),
    ("lateral-neck-flexion", MAX_STEP, (30, 3, 1)),
    # Seated side stretch: hold 20 s, range 15-20: never below 15, then a hold fewer.
    ("seated-side-stretch", 1, (20, 3, 1)),
    ("seated-side-stretch", -1, (15, 2, 1)),
    ("seated-side-stretch", -2, (15, 1, 1)),
    ("seated-side-stretch", -3, (15, 1, 1)),
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
    ("stretch_id", "start", "step", "expected"),
    [
        # A set fewer first, then shorter holds: one thing a rung, never all at once.
        ("knee-to-chest", dose("knee-to-chest", sets=3), -1, (30, 2, 2)),
        ("knee-to-chest", dose("knee-to-chest", sets=3), -2, (30, 2, 1)),
        ("knee-to-chest", dose("knee-to-chest", sets=3), -3, (25, 2, 1)),
        ("cat-cow", dose("cat-cow", reps=16, sets=2), -1, (None, 16, 1)),
        ("cat-cow", dose("cat-cow", reps=16, sets=2), -2, (None, 14, 1)),
        ("cat-cow", dose("cat-cow", reps=16, sets=2), -4, (None, 10, 1)),
        ("cat-cow", dose("cat-cow", reps=16, sets=2), -5, (None, 10, 1)),
        ("childs-pose", dose("childs-pose", hold_seconds=55, sets=3), -1, (55, 1, 2)),
        ("childs-pose", dose("childs-pose", hold_seconds=55, sets=3), -3, (50, 1, 1)),
        # A hold already below the range (a routine file may ask for it) is not raised by easing.
        ("childs-pose", dose("childs-pose", hold_seconds=10), -1, (10, 1, 1)),
        ("childs-pose", dose("childs-pose", hold_seconds=5), -1, (MIN_HOLD_SECONDS, 1, 1)),
    ],
)
def test_easing_takes_away_one_thing_a_rung(
    stretch_id: str, start: ItemDose, step: int, expected: tuple[Any, int, int]
) -> None:
    assert rung(stretch_id, step, start) == expected


@pytest.mark.parametrize("stretch_id", sorted(CATALOGUE.stretches))
def test_every_stretch_eases_one_rung_at_a_time_from_its_top(stretch_id: str) -> None:
    stretch = CATALOGUE.get(stretch_id)
    top = dose_at_step(stretch, default_dose(stretch), MAX_STEP)
    top = replace(top, sets=min(MAX_SETS, stretch.dose.sets_range.max))
    previous = (top.hold_seconds, top.reps, top.sets)
    for step in range(1, 40):
        now = rung(stretch_id, -step, top)
        changed = [a != b for a, b in zip(now, previous, strict=True)]
        assert sum(changed) <= 1
        assert all((a or 0) <= (b or 0) for a, b in zip(now, previous, strict=True))
        if previous[2] > 1:
            assert now[2] == previous[2] - 1  # the sets go first
        previous = now
    # At the bottom: one set, the shortest hold and the fewest holds or reps the sources allow.
    ranges = stretch.dose
    assert previous[2] == 1
    assert previous[1] == (ranges.reps_range.min if ranges.reps_range else 1)
    if ranges.hold_range is not None:
        assert previous[0] == ranges.hold_range.min


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
        if stretch.kind is Kind.HOLD:
            assert reps * sets <= 3  # 001: hold 30 s, three times
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
    assert describe_dose_change(start, dose_at_step(knee, start, 2)) == "3 holds (was 2)"
    assert describe_dose_change(start, dose_at_step(knee, start, -1)) == "holds 5 s shorter"
    cat_cow = CATALOGUE.get("cat-cow")
    start = default_dose(cat_cow)
    assert describe_dose_change(start, dose_at_step(cat_cow, start, 6)) == (
        "20 reps (was 10), 2 sets (was 1)"
    )
    two_sets = replace(start, sets=2, reps=14)
    assert describe_dose_change(two_sets, dose_at_step(cat_cow, two_sets, -1)) == ("1 set (was 2)")


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
    # Each rung down takes a set away first, so an eased plan has fewer sets than the usual one.
    usual = max(p.item.dose.sets for p in preset_plan(preset_id, 0).items)
    result = preset_plan(preset_id, step)
    assert result.items
    assert all(p.item.dose.sets <= max(1, usual + step) for p in result.items)


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
        assert not contract_ruling_out(in_force, item.item.way.movements), stretch.id
        assert stretch.id not in resting
        assert (item.item.dose.hold_seconds or 0) <= MAX_HOLD_SECONDS
        assert item.item.dose.sets <= MAX_SETS
        if step < 0:
            assert item.item.dose.sets <= max(1, MAX_SETS + step)
    for swap in result.swaps:
        ways = CATALOGUE.get(swap.to_id).ways
        assert any(not contract_ruling_out(in_force, way.movements) for way in ways)
