"""Sessions as use cases, on real databases: begin, save, resume, finish, plan next, log."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from backstretch.config import get_settings
from backstretch.core.planner import Reason, ReasonKind
from backstretch.core.player import Player, item_spans
from backstretch.core.records import (
    Activity,
    CheckinRecord,
    ItemRecord,
    SessionRecord,
    SessionStatus,
)
from backstretch.core.safety import BlockKind, GateStatus, StopSignal
from backstretch.core.timeline import RoutineItem, default_dose, timeline
from backstretch.data import builtin_catalogue
from backstretch.db import repository
from backstretch.services import sessions
from backstretch.services.context import PersonContext
from backstretch.services.errors import Blocked, Conflict, Invalid, NotFound
from backstretch.services.planning import PlanChoice, TodayPlan, plan_today, timeline_settings
from backstretch.services.screening import current_gate, record_screening
from tests.factories import EMERGENCY_NUMBER, all_no_answers
from tests.fakes import FakeNow

CATALOGUE = builtin_catalogue()
ZONE = "Europe/London"
T0 = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)  # a Tuesday; 10:00 in London
# In the order the planner puts them: all fours, kneeling, then lying down.
STRETCHES = ("cat-cow", "childs-pose", "knee-to-chest")


@pytest.fixture(autouse=True)
def emergency_number(isolated_settings: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Advice names a number no real wording holds, so a test can tell it was filled in."""
    del isolated_settings  # which clears the environment: this comes after it
    monkeypatch.setenv("BACKSTRETCH_EMERGENCY_NUMBER", EMERGENCY_NUMBER)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def at_t0(clock: FakeNow) -> None:
    clock.value = T0


def routine(*stretch_ids: str) -> tuple[RoutineItem, ...]:
    return tuple(
        RoutineItem.usual(CATALOGUE.get(i), default_dose(CATALOGUE.get(i)))
        for i in stretch_ids or STRETCHES
    )


ROUTINE = routine()


def routine_choice(*stretch_ids: str, name: str = "Test routine") -> PlanChoice:
    """Plan these stretches (a routine file) at their suggested doses, in 15 minutes."""
    items = [{"stretch": stretch_id} for stretch_id in stretch_ids or STRETCHES]
    return PlanChoice(routine_file={"name": name, "items": items}, flags={"minutes": 15})


def planned(me: PersonContext, *stretch_ids: str) -> TodayPlan:
    return plan_today(me, routine_choice(*stretch_ids))


def screened(me: PersonContext) -> None:
    """Answer the weekly check now, with every answer no."""
    record_screening(me, all_no_answers())


def begin(
    me: PersonContext,
    clock: FakeNow,
    uuid: str,
    at: datetime = T0,
    *,
    pain_before: int | None = 3,
    stretch_ids: Sequence[str] = STRETCHES,
) -> SessionRecord:
    """Begin a session of these stretches at `at`, answering the weekly check first if it is
    due (as the player asks for it); a safety block is left as it is."""
    clock.value = at
    if current_gate(me).status in (GateStatus.MISSING, GateStatus.STALE):
        screened(me)
    today = planned(me, *stretch_ids)
    return sessions.begin_session(me, today, pain_before=pain_before, uuid=uuid)


def stored(me: PersonContext, uuid: str) -> SessionRecord:
    return sessions.find_session(me, uuid)


def all_done(record: SessionRecord) -> list[ItemRecord]:
    return [
        replace(i, done_seconds=i.planned_seconds, done_reps=i.planned_reps) for i in record.items
    ]


def save(
    me: PersonContext,
    clock: FakeNow,
    uuid: str,
    items: Sequence[ItemRecord],
    at: datetime = T0,
) -> None:
    clock.value = at
    sessions.save_progress(me, uuid, items)


def finish(
    me: PersonContext,
    clock: FakeNow,
    uuid: str,
    at: datetime,
    *,
    status: SessionStatus = SessionStatus.COMPLETED,
    pain_after: int | None = None,
    signal: StopSignal | None = None,
    stopped: str | None = None,
) -> sessions.Ending:
    clock.value = at
    finished = sessions.finish_session(
        me,
        uuid,
        status=status,
        pain_after=pain_after,
        stop_signal=signal,
        stopped_stretch=stopped,
    )
    assert finished.record.uuid == uuid
    assert finished.record.status is status
    return finished.ending


def full_session(
    me: PersonContext,
    clock: FakeNow,
    uuid: str,
    at: datetime,
    *,
    before: int | None = 3,
    after: int | None = 2,
) -> sessions.Ending:
    """A session played through and rated."""
    record = begin(me, clock, uuid, at, pain_before=before)
    save(me, clock, uuid, all_done(record), at + timedelta(minutes=5))
    return finish(me, clock, uuid, at + timedelta(minutes=6), pain_after=after)


def blocks(me: PersonContext) -> list[repository.StoredBlock]:
    """Every safety block, open or closed."""
    with me.transaction() as db:
        return repository.list_blocks(db=db)


# ---- beginning -----------------------------------------------------------------------------------


def test_begin_stores_a_session_in_progress_with_every_target(
    me: PersonContext, clock: FakeNow
) -> None:
    begin(me, clock, "first")
    record = stored(me, "first")
    settings = timeline_settings(me)
    spans = item_spans(timeline(ROUTINE, settings))
    assert record.status is SessionStatus.IN_PROGRESS
    assert record.started_at == T0
    assert record.timezone == ZONE
    assert record.pain_before == 3
    assert record.source == "player"
    assert record.routine_name == "Test routine"
    # Planned counts stretching only, as done does: no get-ready, rest or transition.
    assert record.planned_seconds == 60 + 30 + 120
    assert record.planned_seconds * 1000 < timeline(ROUTINE, settings)[-1].end_ms
    assert [(i.position, i.stretch, i.planned_seconds, i.planned_reps) for i in record.items] == [
        (s.position, s.stretch, s.planned_seconds, s.planned_reps) for s in spans
    ]
    # Cat-cow 10 × 6 s; child's pose 30 s once; knee-to-chest 2 × 30 s each side.
    assert [(i.planned_seconds, i.planned_reps) for i in record.items] == [
        (60, 10),
        (30, 1),
        (120, 4),
    ]
    assert all(i.done_seconds == 0 and i.done_reps == 0 and not i.skipped for i in record.items)


def test_the_stored_plan_rebuilds_the_same_timeline(me: PersonContext, clock: FakeNow) -> None:
    begin(me, clock, "first")
    today = planned(me)
    assert today.plan.routine == ROUTINE
    with me.transaction() as db:
        document = repository.session_plan(db=db, uuid="first")
    assert document is not None
    items, settings = sessions.routine_from_document(document, me.catalogue)
    assert timeline(items, settings) == timeline(today.plan.routine, today.settings)


def test_beginning_again_with_the_same_uuid_is_refused(me: PersonContext, clock: FakeNow) -> None:
    begin(me, clock, "same")
    with pytest.raises(Invalid, match="same"):
        begin(me, clock, "same", T0 + timedelta(hours=1), pain_before=7)
    everything = sessions.session_history(me)
    assert [(r.uuid, r.started_at, r.pain_before) for r in everything] == [("same", T0, 3)]


def test_a_session_cannot_begin_before_the_weekly_check(me: PersonContext) -> None:
    today = planned(me)  # a plan may be looked at before the check...
    with pytest.raises(Blocked, match="safety does not allow a session now"):
        sessions.begin_session(me, today, pain_before=3, uuid="early")  # ...but not played
    assert sessions.session_history(me) == []


def test_a_session_cannot_begin_once_the_weekly_check_is_stale(
    me: PersonContext, clock: FakeNow
) -> None:
    screened(me)
    today = planned(me)
    clock.value = T0 + timedelta(days=7, seconds=1)
    with pytest.raises(Blocked):
        sessions.begin_session(me, today, pain_before=3, uuid="late")
    assert sessions.session_history(me) == []


# ---- saving as it goes, and resuming -------------------------------------------------------------


def test_saved_items_are_read_back_and_an_unfinished_session_reads_as_abandoned(
    me: PersonContext, clock: FakeNow
) -> None:
    record = begin(me, clock, "part")
    done = [
        replace(record.items[0], done_seconds=30, done_reps=1),
        replace(record.items[1], done_seconds=45, done_reps=1),
        record.items[2],
    ]
    save(me, clock, "part", done, T0 + timedelta(minutes=2))
    again = stored(me, "part")
    assert [(i.done_seconds, i.done_reps, i.skipped) for i in again.items] == [
        (30, 1, False),
        (45, 1, False),
        (0, 0, False),
    ]
    assert again.status is SessionStatus.IN_PROGRESS
    assert again.reads_as is SessionStatus.ABANDONED
    assert again.done_seconds == 75
    assert again.counts


def test_resuming_gives_the_unfinished_items_in_their_places(
    me: PersonContext, clock: FakeNow
) -> None:
    record = begin(me, clock, "part")
    save(me, clock, "part", [replace(record.items[0], done_seconds=60, done_reps=10)])
    save(me, clock, "part", [replace(record.items[1], done_seconds=15, done_reps=0)])
    left = sessions.resume_last(me).left
    assert left.record.uuid == "part"
    assert [i.stretch.id for i in left.remaining] == ["childs-pose", "knee-to-chest"]
    assert left.positions == (1, 2)
    settings = timeline_settings(me)
    assert left.segments() == timeline(routine("childs-pose", "knee-to-chest"), settings)
    assert {s.stretch for s in left.segments()} == {"childs-pose", "knee-to-chest", None}


def test_a_skipped_item_is_not_offered_again(me: PersonContext, clock: FakeNow) -> None:
    record = begin(me, clock, "part")
    save(me, clock, "part", [replace(record.items[1], done_seconds=10, skipped=True)])
    left = sessions.resume_last(me).left
    assert [i.stretch.id for i in left.remaining] == ["cat-cow", "knee-to-chest"]
    assert left.positions == (0, 2)


def test_an_abandoned_session_is_resumed_and_reopened(me: PersonContext, clock: FakeNow) -> None:
    record = begin(me, clock, "quit")
    save(me, clock, "quit", [replace(record.items[0], done_seconds=12)])
    ending = finish(me, clock, "quit", T0 + timedelta(minutes=1), status=SessionStatus.ABANDONED)
    assert ending.block is None and ending.advice is None
    assert stored(me, "quit").status is SessionStatus.ABANDONED
    clock.value = T0 + timedelta(hours=3)
    resuming = sessions.resume_last(me)
    assert resuming.left.record.uuid == "quit"
    assert resuming.left.positions == (0, 1, 2)
    assert not resuming.pregnant
    assert stored(me, "quit").status is SessionStatus.IN_PROGRESS


def test_nothing_to_resume_after_a_finished_session(me: PersonContext, clock: FakeNow) -> None:
    full_session(me, clock, "done", T0)
    with pytest.raises(NotFound, match="there is no unfinished session to resume"):
        sessions.resume_last(me)
    assert stored(me, "done").status is SessionStatus.COMPLETED


def test_the_newest_unfinished_session_is_the_one_resumed(
    me: PersonContext, clock: FakeNow
) -> None:
    begin(me, clock, "older", T0)
    begin(me, clock, "newer", T0 + timedelta(days=1))
    assert sessions.resume_last(me).left.record.uuid == "newer"


def test_a_session_cannot_be_resumed_while_safety_blocks(me: PersonContext, clock: FakeNow) -> None:
    begin(me, clock, "part")
    clock.value = T0 + timedelta(minutes=1)
    record_screening(me, all_no_answers(night_pain=True))
    with pytest.raises(Blocked, match="cannot be resumed now"):
        sessions.resume_last(me)


def test_resuming_says_whether_pregnancy_applies(me: PersonContext, clock: FakeNow) -> None:
    record_screening(me, all_no_answers(pregnant=True))
    assert sessions.pregnant_now(me)
    begin(me, clock, "part", stretch_ids=("childs-pose",))
    assert sessions.resume_last(me).pregnant


def test_a_resumed_run_maps_back_and_never_exceeds_the_plan(
    me: PersonContext, clock: FakeNow
) -> None:
    record = begin(me, clock, "part")
    earlier = [
        replace(record.items[0], done_seconds=60, done_reps=10),  # done
        replace(record.items[1], done_seconds=15, done_reps=0),  # part-way
        record.items[2],  # not begun
    ]
    save(me, clock, "part", earlier)
    clock.value = T0 + timedelta(hours=1)
    left = sessions.resume_last(me).left
    # The resumed run plays all that is left, from the start of child's pose.
    player = Player.start(left.segments(), 5_000)
    player.note_progress(5_000 + player.total_ms)
    run = player.items_done()
    assert [i.position for i in run] == [0, 1]
    moved = sessions.shifted(run, left.positions)
    assert [(i.position, i.stretch) for i in moved] == [(1, "childs-pose"), (2, "knee-to-chest")]
    by_position = {i.position: i for i in left.record.items}
    merged = [sessions.merged(by_position[i.position], i) for i in moved]
    for item in merged:
        assert item.done_seconds == item.planned_seconds
        assert item.done_reps == item.planned_reps
    save(me, clock, "part", merged, T0 + timedelta(hours=1, minutes=5))
    final = stored(me, "part")
    assert all(i.finished for i in final.items)
    assert [i.done_seconds for i in final.items] == [60, 30, 120]


def test_a_resumed_run_adds_to_what_was_done_before() -> None:
    earlier = ItemRecord(
        position=3,
        stretch="knee-to-chest",
        planned_seconds=120,
        planned_reps=4,
        done_seconds=45,
        done_reps=1,
    )
    now_done = ItemRecord(
        position=3,
        stretch="knee-to-chest",
        planned_seconds=120,
        planned_reps=4,
        done_seconds=30,
        done_reps=1,
    )
    assert sessions.merged(earlier, now_done) == replace(earlier, done_seconds=75, done_reps=2)
    skipped = replace(now_done, done_seconds=10, done_reps=0, skipped=True)
    assert sessions.merged(earlier, skipped).skipped
    assert sessions.merged(earlier, skipped).done_seconds == 55


# ---- finishing: the stop rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signal", "status", "block"),
    [
        (StopSignal.NUMBNESS_TINGLING, SessionStatus.STOPPED, BlockKind.SEE_CLINICIAN),
        (StopSignal.SPREADING, SessionStatus.STOPPED, BlockKind.SEE_CLINICIAN),
        (StopSignal.WEAKNESS, SessionStatus.STOPPED, BlockKind.EMERGENCY),
        (StopSignal.DIZZINESS_VISION, SessionStatus.STOPPED, BlockKind.EMERGENCY),
        (StopSignal.PREGNANCY_WARNING, SessionStatus.STOPPED, BlockKind.EMERGENCY),
        (StopSignal.SHARP_PAIN, SessionStatus.STOPPED, None),
        (StopSignal.PAIN_RISING, SessionStatus.COMPLETED, None),
    ],
)
def test_a_stop_signal_gives_its_advice_and_opens_its_block(
    me: PersonContext,
    clock: FakeNow,
    signal: StopSignal,
    status: SessionStatus,
    block: BlockKind | None,
) -> None:
    begin(me, clock, "stop")
    ending = finish(
        me,
        clock,
        "stop",
        T0 + timedelta(minutes=3),
        status=status,
        signal=signal,
        stopped="knee-to-chest",
    )
    (text,) = [t for t in me.guide.stop_signals if t.id == signal.value]
    assert ending.status is status
    assert ending.block is block
    assert ending.advice == text.advice.replace("{emergency_number}", EMERGENCY_NUMBER).strip()
    assert "{emergency_number}" not in ending.advice
    assert ("{emergency_number}" in text.advice) == (EMERGENCY_NUMBER in ending.advice)
    opened = blocks(me)
    assert [(b.kind, b.reason) for b in opened] == ([(block, signal.value)] if block else [])
    assert all(b.closed_at is None for b in opened)
    record = stored(me, "stop")
    assert (record.status, record.stop_signal, record.stopped_stretch) == (
        status,
        signal,
        "knee-to-chest",
    )
    assert record.ended_at == T0 + timedelta(minutes=3)


def test_the_emergency_advice_names_the_number(me: PersonContext) -> None:
    assert me.emergency_number == EMERGENCY_NUMBER
    for signal in (StopSignal.WEAKNESS, StopSignal.DIZZINESS_VISION, StopSignal.PREGNANCY_WARNING):
        assert EMERGENCY_NUMBER in sessions.stop_advice_for(me, signal)
        assert sessions.stop_advice_for(me, signal) == sessions.stop_advice(
            me.guide, signal, EMERGENCY_NUMBER
        )


def test_a_finish_without_a_signal_gives_no_advice(me: PersonContext, clock: FakeNow) -> None:
    ending = full_session(me, clock, "fine", T0)
    assert ending == sessions.Ending(status=SessionStatus.COMPLETED)
    assert blocks(me) == []


def test_finishing_an_unknown_session_is_not_found(me: PersonContext) -> None:
    with pytest.raises(NotFound, match="no session nowhere"):
        sessions.finish_session(me, "nowhere", status=SessionStatus.COMPLETED)


def test_pain_building_ends_only_the_stretch_and_the_next_plan_eases_off(
    me: PersonContext, clock: FakeNow
) -> None:
    begin(me, clock, "rising")
    clock.value = T0 + timedelta(minutes=2)
    sessions.note_pain_rising(me, "rising", "knee-to-chest")
    record = stored(me, "rising")
    assert record.status is SessionStatus.IN_PROGRESS
    assert (record.stop_signal, record.stopped_stretch) == (
        StopSignal.PAIN_RISING,
        "knee-to-chest",
    )
    assert blocks(me) == []
    # Never finished, the session still counts: the next plan eases off.
    clock.value = T0 + timedelta(days=1)
    upcoming = planned(me)
    assert upcoming.progress.step == -1
    assert "knee-to-chest" not in {p.item.stretch.id for p in upcoming.plan.items}


# ---- finishing: the pain pause -------------------------------------------------------------------


def test_pain_higher_after_twice_in_a_row_pauses_once(me: PersonContext, clock: FakeNow) -> None:
    first = full_session(me, clock, "one", T0, before=2, after=3)
    assert not first.paused
    assert blocks(me) == []
    # A second session is begun (say on another device) before the next one ends.
    day = T0 + timedelta(days=1)
    begin(me, clock, "two", day, pain_before=2)
    begin(me, clock, "three", day + timedelta(minutes=10), pain_before=2)
    second = finish(me, clock, "two", day + timedelta(minutes=15), pain_after=3)
    assert second.paused
    (pause,) = blocks(me)
    assert (pause.kind, pause.reason) == (BlockKind.PAIN_PAUSE, sessions.PAIN_PAUSE_REASON)
    third = finish(me, clock, "three", day + timedelta(minutes=20), pain_after=5)
    assert not third.paused
    assert [b.kind for b in blocks(me)] == [BlockKind.PAIN_PAUSE]


def test_after_a_pause_only_sessions_since_count(me: PersonContext, clock: FakeNow) -> None:
    full_session(me, clock, "one", T0, before=2, after=3)
    assert full_session(me, clock, "two", T0 + timedelta(days=1), before=2, after=3).paused
    clock.value = T0 + timedelta(days=2, hours=-1)
    screened(me)  # a fresh screening ends the pause
    third = full_session(me, clock, "three", T0 + timedelta(days=2), before=2, after=3)
    assert not third.paused
    fourth = full_session(me, clock, "four", T0 + timedelta(days=3), before=2, after=3)
    assert fourth.paused
    assert [(b.kind, b.closed_at is None) for b in blocks(me)] == [
        (BlockKind.PAIN_PAUSE, False),
        (BlockKind.PAIN_PAUSE, True),
    ]


def test_a_session_that_felt_better_breaks_the_run(me: PersonContext, clock: FakeNow) -> None:
    full_session(me, clock, "one", T0, before=2, after=3)
    full_session(me, clock, "two", T0 + timedelta(days=1), before=4, after=2)
    third = full_session(me, clock, "three", T0 + timedelta(days=2), before=2, after=3)
    assert not third.paused
    assert blocks(me) == []


def test_unrated_sessions_are_passed_over_by_the_pain_rule(
    me: PersonContext, clock: FakeNow
) -> None:
    full_session(me, clock, "one", T0, before=2, after=3)
    full_session(me, clock, "unrated", T0 + timedelta(days=1), before=None, after=None)
    third = full_session(me, clock, "three", T0 + timedelta(days=2), before=2, after=3)
    assert third.paused


def test_an_abandoned_session_does_not_count_toward_the_pain_pause(
    me: PersonContext, clock: FakeNow
) -> None:
    begin(me, clock, "quit", T0, pain_before=2)
    finish(
        me,
        clock,
        "quit",
        T0 + timedelta(minutes=1),
        status=SessionStatus.ABANDONED,
        pain_after=4,
    )
    second = full_session(me, clock, "two", T0 + timedelta(days=1), before=2, after=3)
    assert not second.paused


# ---- planning the next session -------------------------------------------------------------------

RAISE_DAYS = (0, 3, 7)  # fine sessions on 20, 23 and 27 October: a raise on the 27th


def test_a_good_week_raises_the_dose_and_says_so(me: PersonContext, clock: FakeNow) -> None:
    for offset in RAISE_DAYS:
        full_session(me, clock, f"s{offset}", T0 + timedelta(days=offset))
    clock.value = T0 + timedelta(days=8)
    screened(me)
    upcoming = planned(me)
    assert upcoming.progress.step == 1
    doses = {p.item.stretch.id: p.item.dose for p in upcoming.plan.items}
    assert doses["childs-pose"].hold_seconds == 35
    fine = (
        "the past week's sessions felt fine (pain 3 or less and not rising), "
        "so the next sessions go one step further"
    )
    assert upcoming.changes[0] == f"One step up on 2026-10-27: {fine}."
    assert f"Child's pose: holds 5 s longer: {fine}." in upcoming.changes
    assert any("knee-to-chest" in c.lower() and "3 holds (was 2)" in c for c in upcoming.changes)


def test_no_raise_line_before_a_week_has_passed(me: PersonContext, clock: FakeNow) -> None:
    for offset in (0, 3):
        full_session(me, clock, f"s{offset}", T0 + timedelta(days=offset))
    clock.value = T0 + timedelta(days=4)
    upcoming = planned(me)
    assert upcoming.progress.step == 0
    assert upcoming.outcome.plan is not None
    assert upcoming.changes == ()


def test_after_a_stop_the_stretch_rests_and_the_plan_says_until_when(
    me: PersonContext, clock: FakeNow
) -> None:
    full_session(me, clock, "fine", T0)
    stop_day = T0 + timedelta(days=1)
    begin(me, clock, "stop", stop_day)
    ending = finish(
        me,
        clock,
        "stop",
        stop_day + timedelta(minutes=2),
        status=SessionStatus.STOPPED,
        signal=StopSignal.SHARP_PAIN,
        stopped="knee-to-chest",
    )
    assert ending.block is None
    clock.value = T0 + timedelta(days=2)
    upcoming = planned(me)
    assert upcoming.progress.step == -1
    plan = upcoming.plan
    assert "knee-to-chest" not in {p.item.stretch.id for p in plan.items}
    assert any(
        e.stretch == "knee-to-chest"
        and e.reasons == (Reason(ReasonKind.EASED, "resting_until_2026-11-04"),)
        for e in plan.excluded
    )
    assert upcoming.changes[0] == (
        "Easing off since 2026-10-21: you stopped the session on 2026-10-21, "
        "so the next sessions are a little easier."
    )
    assert "Not today: Knee-to-chest (resting until 2026-11-04 after a stop)." in upcoming.changes


def test_the_stretch_comes_back_when_its_rest_is_over(me: PersonContext, clock: FakeNow) -> None:
    begin(me, clock, "stop", T0)
    finish(
        me,
        clock,
        "stop",
        T0 + timedelta(minutes=2),
        status=SessionStatus.STOPPED,
        signal=StopSignal.SHARP_PAIN,
        stopped="knee-to-chest",
    )
    back = T0 + timedelta(days=14)
    clock.value = back
    screened(me)
    upcoming = planned(me)
    assert upcoming.progress.rests_on("knee-to-chest", back.date()) is None
    assert "knee-to-chest" in {p.item.stretch.id for p in upcoming.plan.items}


@pytest.mark.parametrize(
    ("signal", "kind", "urgent"),
    [
        (StopSignal.NUMBNESS_TINGLING, BlockKind.SEE_CLINICIAN, False),
        (StopSignal.WEAKNESS, BlockKind.EMERGENCY, True),
    ],
)
def test_an_open_block_means_no_plan(
    me: PersonContext, clock: FakeNow, signal: StopSignal, kind: BlockKind, urgent: bool
) -> None:
    begin(me, clock, "stop", T0)
    finish(
        me,
        clock,
        "stop",
        T0 + timedelta(minutes=2),
        status=SessionStatus.STOPPED,
        signal=signal,
        stopped="cat-cow",
    )
    clock.value = T0 + timedelta(days=1)
    with pytest.raises(Blocked) as raised:
        planned(me)
    advice = raised.value.advice
    assert advice["title"] == str(raised.value) == "The programme is paused for your safety"
    assert (
        advice["text"]
        == me.guide.block_advice[kind.value].replace("{emergency_number}", EMERGENCY_NUMBER).strip()
    )
    assert "{emergency_number}" not in advice["text"]
    assert (EMERGENCY_NUMBER in advice["text"]) == urgent
    upcoming = plan_today(me, routine_choice(), raise_blocked=False)
    assert upcoming.outcome.blocked
    assert upcoming.outcome.plan is None
    assert upcoming.changes == ()
    assert upcoming.outcome.advice == advice


def test_a_pain_pause_means_no_plan_until_screened_again(me: PersonContext, clock: FakeNow) -> None:
    full_session(me, clock, "one", T0, before=2, after=3)
    full_session(me, clock, "two", T0 + timedelta(days=1), before=2, after=3)
    clock.value = T0 + timedelta(days=2)
    with pytest.raises(Blocked):
        planned(me)
    screened(me)
    assert planned(me).plan.items


# ---- logging a session done without the player ---------------------------------------------------


def log(
    me: PersonContext,
    uuid: str = "logged",
    *,
    started_at: datetime | None,
    pain_before: int | None = 4,
    pain_after: int | None = 3,
) -> sessions.Logged:
    return sessions.log_session(
        me,
        routine_choice(name="Basic daily"),
        uuid=uuid,
        pain_before=pain_before,
        pain_after=pain_after,
        started_at=started_at,
    )


def test_log_session_stores_a_completed_session_done_in_full(me: PersonContext) -> None:
    started = T0 - timedelta(minutes=20)
    logged = log(me, started_at=started)
    assert logged.ending == sessions.Ending(status=SessionStatus.COMPLETED)
    record = stored(me, "logged")
    assert logged.record == record
    assert record.status is SessionStatus.COMPLETED
    assert record.source == "log"
    assert (record.started_at, record.ended_at) == (started, T0)
    assert (record.pain_before, record.pain_after) == (4, 3)
    assert record.routine_name == "Basic daily"
    assert [i.stretch for i in record.items] == list(STRETCHES)
    for item in record.items:
        assert item.planned_seconds > 0
        assert (item.done_seconds, item.done_reps) == (item.planned_seconds, item.planned_reps)
        assert not item.skipped
    assert record.done_seconds == 210
    screened(me)
    with pytest.raises(NotFound):
        sessions.resume_last(me)  # nothing of it is left to do


def test_a_session_logged_without_a_time_ends_now(me: PersonContext) -> None:
    logged = log(me, started_at=None)
    record = stored(me, "logged")
    assert record.ended_at == T0
    assert record.started_at == T0 - timedelta(seconds=logged.today.plan.total_seconds)


def test_a_session_cannot_be_logged_in_the_future(me: PersonContext) -> None:
    with pytest.raises(Invalid, match="that time has not happened yet") as raised:
        log(me, started_at=T0 + timedelta(minutes=1))
    assert raised.value.field == "at"
    assert sessions.session_history(me) == []


def test_logging_twice_with_one_uuid_is_refused(me: PersonContext, clock: FakeNow) -> None:
    clock.value = T0 + timedelta(minutes=20)
    log(me, started_at=T0, pain_after=3)
    with pytest.raises(Invalid, match="logged"):
        log(me, started_at=T0, pain_after=9)
    assert stored(me, "logged").pain_after == 3
    assert len(sessions.session_history(me)) == 1


def test_logged_sessions_count_toward_the_pain_pause(me: PersonContext, clock: FakeNow) -> None:
    full_session(me, clock, "one", T0, before=2, after=3)
    clock.value = T0 + timedelta(days=1, minutes=20)
    logged = log(me, started_at=T0 + timedelta(days=1), pain_before=2, pain_after=4)
    assert logged.ending.paused
    assert [b.kind for b in blocks(me)] == [BlockKind.PAIN_PAUSE]


def test_local_days_come_from_the_stored_zone(me: PersonContext, clock: FakeNow) -> None:
    late = datetime(2026, 10, 20, 23, 30, tzinfo=UTC)  # 00:30 on the 21st in London
    begin(me, clock, "late", late)
    assert stored(me, "late").local_day == date(2026, 10, 21)


# The browser's report, racing itself -------------------------------------------------------------


def report(status: SessionStatus = SessionStatus.IN_PROGRESS, **changes: object) -> Any:
    items = tuple(
        sessions.PlannedItem(
            stretch=item.stretch.id,
            sets=item.dose.sets,
            reps=item.dose.reps,
            sides=item.dose.sides,
            hold_seconds=item.dose.hold_seconds,
        )
        for item in ROUTINE
    )
    return replace(
        sessions.SessionReport(items=items, started_at=T0, pain_before=3, status=status),
        **changes,
    )


def race(work: Callable[[], Any], times: int = 8) -> list[Any]:
    """Run `work` on `times` threads released together; return each result or error."""
    start = threading.Barrier(times)

    def one(_: int) -> Any:
        start.wait()
        try:
            return work()
        except Exception as error:  # what each racer got is the point
            return error

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(one, range(times)))


def test_eight_identical_first_reports_at_once_store_one_session(me: PersonContext) -> None:
    screened(me)
    uuids = [f"00000000-0000-4000-8000-0000000001{n:02d}" for n in range(10)]
    for uuid in uuids:  # ten rounds: the losers of a race meet it at different moments
        results = race(lambda uuid=uuid: sessions.record_session(me, uuid, report()))
        answers = [r for r in results if isinstance(r, dict)]
        # Each is the one stored copy, or told to send it again (409): never a server error,
        # never "another person's" (404).
        assert all(isinstance(r, dict | Conflict) for r in results), results
        assert answers and all(a["uuid"] == uuid for a in answers)
        assert len({repr(sorted(a.items())) for a in answers}) == 1
    assert sorted(s.uuid for s in sessions.session_history(me)) == uuids


def test_a_stop_reported_several_times_at_once_opens_one_block(me: PersonContext) -> None:
    screened(me)
    uuid = "00000000-0000-4000-8000-0000000000bb"
    sessions.record_session(me, uuid, report())
    stop = report(
        SessionStatus.STOPPED,
        stop_signal=StopSignal.NUMBNESS_TINGLING,
        stopped_stretch=ROUTINE[0].stretch.id,
    )
    results = race(lambda: sessions.record_session(me, uuid, stop))
    assert all(isinstance(r, dict) for r in results), results
    assert [b.kind for b in blocks(me)] == [BlockKind.SEE_CLINICIAN]


def test_live_reports_are_held_to_what_a_session_may_hold(me: PersonContext) -> None:
    screened(me)
    uuid = "00000000-0000-4000-8000-0000000000cc"
    with pytest.raises(Invalid, match="pain_before: pain is rated 0 to 10"):
        sessions.record_session(me, uuid, report(pain_before=15))
    with pytest.raises(Invalid, match="started_at: that time has not happened yet"):
        sessions.record_session(me, uuid, report(started_at=T0 + timedelta(days=2)))
    assert sessions.session_history(me) == []


def test_a_player_clock_running_ahead_never_ends_a_session_before_it_began(
    me: PersonContext,
) -> None:
    screened(me)
    uuid = "00000000-0000-4000-8000-0000000000dd"
    ahead = T0 + timedelta(minutes=5)  # the browser's clock is five minutes fast
    sessions.record_session(me, uuid, report(started_at=ahead))
    done = sessions.record_session(me, uuid, report(SessionStatus.COMPLETED, started_at=ahead))
    assert done["ended_at"] >= done["started_at"]


def test_a_check_in_rates_one_to_three_named_activities(me: PersonContext) -> None:
    def checkin(*activities: Activity) -> None:
        sessions.record_checkin(me, CheckinRecord(at=T0, timezone=ZONE, activities=activities))

    for bad in ((), tuple(Activity(f"a{i}", 5) for i in range(4))):
        with pytest.raises(Invalid, match="1 to 3 activities"):
            checkin(*bad)
    with pytest.raises(Invalid, match="rated 0 to 10"):
        checkin(Activity("Sitting", 11))
    with pytest.raises(Invalid, match="named in 1 to 80"):
        checkin(Activity(" ", 5))
    checkin(Activity("Sitting", 10))
    assert len(sessions.checkins(me)) == 1


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_report_that_finds_its_uuid_stored_a_moment_ago_is_answered_as_a_replay(
    me: PersonContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL lets two transactions insert one uuid at once (SQLite has one writer, so the
    # first report's lock holds the second back). Here the other report commits exactly between
    # this report's look for the session and its check whether the uuid is anybody's.
    screened(me)
    uuid = "00000000-0000-4000-8000-0000000000ee"
    real_lock = repository.lock_session
    raced: list[Any] = []
    once = threading.Event()

    def lock_then_lose_the_race(*, db: Any, uuid: str) -> bool:
        found = real_lock(db=db, uuid=uuid)
        if not once.is_set():
            once.set()  # the other report locks as usual
            with ThreadPoolExecutor(max_workers=1) as other:
                raced.append(other.submit(sessions.record_session, me, uuid, report()).result())
        return found

    monkeypatch.setattr(repository, "lock_session", lock_then_lose_the_race)
    answer = sessions.record_session(me, uuid, report())
    assert answer == raced[0]
    assert [s.uuid for s in sessions.session_history(me)] == [uuid]
