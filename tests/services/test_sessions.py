"""Sessions as use cases, on real databases: begin, save, resume, finish, plan next, log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from backstretch.core.planner import Reason, ReasonKind, Request
from backstretch.core.player import Player, item_spans
from backstretch.core.profile import Profile, parse_profile
from backstretch.core.records import ItemRecord, SessionRecord, SessionStatus
from backstretch.core.safety import BlockKind, StopSignal
from backstretch.core.screening import ScreeningGuide
from backstretch.core.timeline import RoutineItem, TimelineSettings, default_dose, timeline
from backstretch.data import builtin_catalogue, screening_guide
from backstretch.db import repository
from backstretch.db.engine import transaction
from backstretch.db.store import Store
from backstretch.services import sessions
from backstretch.services.screening import Context, record_screening
from tests.factories import EMERGENCY_NUMBER, all_no_answers

CATALOGUE = builtin_catalogue()
ZONE = "Europe/London"
SETTINGS = TimelineSettings()
T0 = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)  # a Tuesday; 10:00 in London
STRETCHES = ("childs-pose", "knee-to-chest", "cat-cow")


def routine(*stretch_ids: str) -> tuple[RoutineItem, ...]:
    return tuple(
        RoutineItem(CATALOGUE.get(i), default_dose(CATALOGUE.get(i)))
        for i in stretch_ids or STRETCHES
    )


ROUTINE = routine()
REQUESTS = [Request(i) for i in STRETCHES]
PERSON: Profile = parse_profile({"areas": ["lower_back", "upper_back"], "minutes": 15})


@pytest.fixture
def guide() -> ScreeningGuide:
    return screening_guide()


def begin(
    store: Store,
    uuid: str,
    now: datetime = T0,
    *,
    pain_before: int | None = 3,
    items: Sequence[RoutineItem] = ROUTINE,
) -> SessionRecord:
    with transaction(store.sessions) as session:
        return sessions.begin_session(
            session,
            uuid=uuid,
            routine_name="Test routine",
            items=items,
            settings=SETTINGS,
            pain_before=pain_before,
            now=now,
            timezone=ZONE,
        )


def stored(store: Store, uuid: str) -> SessionRecord:
    with transaction(store.sessions) as session:
        record = repository.get_session(session=session, uuid=uuid)
    assert record is not None
    return record


def all_done(record: SessionRecord) -> list[ItemRecord]:
    return [
        replace(i, done_seconds=i.planned_seconds, done_reps=i.planned_reps) for i in record.items
    ]


def save(store: Store, uuid: str, items: Sequence[ItemRecord], now: datetime = T0) -> None:
    with transaction(store.sessions) as session:
        sessions.save_items(session, uuid=uuid, items=items, now=now)


def finish(
    store: Store,
    guide: ScreeningGuide,
    uuid: str,
    now: datetime,
    *,
    status: SessionStatus = SessionStatus.COMPLETED,
    pain_after: int | None = None,
    signal: StopSignal | None = None,
    stopped: str | None = None,
) -> sessions.Ending:
    with transaction(store.sessions) as session:
        return sessions.finish_session(
            session,
            uuid=uuid,
            status=status,
            now=now,
            timezone=ZONE,
            guide=guide,
            emergency_number=EMERGENCY_NUMBER,
            pain_after=pain_after,
            stop_signal=signal,
            stopped_stretch=stopped,
        )


def full_session(
    store: Store,
    guide: ScreeningGuide,
    uuid: str,
    now: datetime,
    *,
    before: int | None = 3,
    after: int | None = 2,
    items: Sequence[RoutineItem] = ROUTINE,
) -> sessions.Ending:
    """A session played through and rated."""
    record = begin(store, uuid, now, pain_before=before, items=items)
    save(store, uuid, all_done(record), now + timedelta(minutes=5))
    return finish(store, guide, uuid, now + timedelta(minutes=6), pain_after=after)


def screened(store: Store, guide: ScreeningGuide, now: datetime) -> None:
    context = Context(
        guide=guide, catalogue=CATALOGUE, emergency_number=EMERGENCY_NUMBER, timezone=ZONE
    )
    with transaction(store.sessions) as session:
        record_screening(session, all_no_answers(), context, now=now)


def plan_next(
    store: Store, guide: ScreeningGuide, now: datetime, *, requests: object = REQUESTS
) -> sessions.NextPlan:
    with transaction(store.sessions) as session:
        return sessions.plan_next(
            session,
            profile=PERSON,
            catalogue=CATALOGUE,
            guide=guide,
            emergency_number=EMERGENCY_NUMBER,
            now=now,
            on=now.date(),
            requests=requests,
        )


def blocks(store: Store) -> list[repository.StoredBlock]:
    with transaction(store.sessions) as session:
        return repository.list_blocks(session=session)


# ---- beginning -----------------------------------------------------------------------------------


def test_begin_stores_a_session_in_progress_with_every_target(store: Store) -> None:
    begin(store, "first")
    record = stored(store, "first")
    spans = item_spans(timeline(ROUTINE, SETTINGS))
    assert record.status is SessionStatus.IN_PROGRESS
    assert record.started_at == T0
    assert record.timezone == ZONE
    assert record.pain_before == 3
    assert record.source == "player"
    assert record.planned_seconds * 1000 == timeline(ROUTINE, SETTINGS)[-1].end_ms
    assert [(i.position, i.stretch, i.planned_seconds, i.planned_reps) for i in record.items] == [
        (s.position, s.stretch, s.planned_seconds, s.planned_reps) for s in spans
    ]
    # Child's pose 30 s once; knee-to-chest 2 × 30 s each side; cat-cow 10 × 6 s.
    assert [(i.planned_seconds, i.planned_reps) for i in record.items] == [
        (30, 1),
        (120, 4),
        (60, 10),
    ]
    assert all(i.done_seconds == 0 and i.done_reps == 0 and not i.skipped for i in record.items)


def test_the_stored_plan_rebuilds_the_same_timeline(store: Store) -> None:
    begin(store, "first")
    with transaction(store.sessions) as session:
        document = repository.session_plan(session=session, uuid="first")
    assert document is not None
    items, settings = sessions.routine_from_document(document, CATALOGUE)
    assert timeline(items, settings) == timeline(ROUTINE, SETTINGS)


def test_beginning_again_with_the_same_uuid_is_refused(store: Store) -> None:
    begin(store, "same")
    with pytest.raises(sessions.SessionError, match="same"):
        begin(store, "same", T0 + timedelta(hours=1), pain_before=7)
    with transaction(store.sessions) as session:
        everything = repository.list_sessions(session=session)
    assert [(r.uuid, r.started_at, r.pain_before) for r in everything] == [("same", T0, 3)]


# ---- saving as it goes, and resuming -------------------------------------------------------------


def test_saved_items_are_read_back_and_an_unfinished_session_reads_as_abandoned(
    store: Store,
) -> None:
    record = begin(store, "part")
    done = [
        replace(record.items[0], done_seconds=30, done_reps=1),
        replace(record.items[1], done_seconds=45, done_reps=1),
        record.items[2],
    ]
    save(store, "part", done, T0 + timedelta(minutes=2))
    again = stored(store, "part")
    assert [(i.done_seconds, i.done_reps, i.skipped) for i in again.items] == [
        (30, 1, False),
        (45, 1, False),
        (0, 0, False),
    ]
    assert again.status is SessionStatus.IN_PROGRESS
    assert again.reads_as is SessionStatus.ABANDONED
    assert again.done_seconds == 75
    assert again.counts


def test_find_resumable_gives_the_unfinished_items_in_their_places(store: Store) -> None:
    record = begin(store, "part")
    save(store, "part", [replace(record.items[0], done_seconds=30, done_reps=1)])
    save(store, "part", [replace(record.items[1], done_seconds=45, done_reps=1)])
    with transaction(store.sessions) as session:
        left = sessions.find_resumable(session, CATALOGUE)
    assert left is not None
    assert left.record.uuid == "part"
    assert [i.stretch.id for i in left.remaining] == ["knee-to-chest", "cat-cow"]
    assert left.positions == (1, 2)
    assert left.segments() == timeline(routine("knee-to-chest", "cat-cow"), SETTINGS)
    assert {s.stretch for s in left.segments()} == {"knee-to-chest", "cat-cow", None}


def test_a_skipped_item_is_not_offered_again(store: Store) -> None:
    record = begin(store, "part")
    save(store, "part", [replace(record.items[1], done_seconds=10, skipped=True)])
    with transaction(store.sessions) as session:
        left = sessions.find_resumable(session, CATALOGUE)
    assert left is not None
    assert [i.stretch.id for i in left.remaining] == ["childs-pose", "cat-cow"]
    assert left.positions == (0, 2)


def test_an_abandoned_session_is_resumed_and_reopened(store: Store, guide: ScreeningGuide) -> None:
    record = begin(store, "quit")
    save(store, "quit", [replace(record.items[0], done_seconds=12)])
    ending = finish(store, guide, "quit", T0 + timedelta(minutes=1), status=SessionStatus.ABANDONED)
    assert ending.block is None and ending.advice is None
    assert stored(store, "quit").status is SessionStatus.ABANDONED
    later = T0 + timedelta(hours=3)
    with transaction(store.sessions) as session:
        left = sessions.find_resumable(session, CATALOGUE)
        assert left is not None
        assert left.positions == (0, 1, 2)
        sessions.reopen(session, uuid=left.record.uuid, now=later)
    assert stored(store, "quit").status is SessionStatus.IN_PROGRESS


def test_nothing_to_resume_after_a_finished_session(store: Store, guide: ScreeningGuide) -> None:
    full_session(store, guide, "done", T0)
    with transaction(store.sessions) as session:
        assert sessions.find_resumable(session, CATALOGUE) is None


def test_the_newest_unfinished_session_is_the_one_resumed(store: Store) -> None:
    begin(store, "older", T0)
    begin(store, "newer", T0 + timedelta(days=1))
    with transaction(store.sessions) as session:
        left = sessions.find_resumable(session, CATALOGUE)
    assert left is not None and left.record.uuid == "newer"


def test_a_resumed_run_maps_back_and_never_exceeds_the_plan(store: Store) -> None:
    record = begin(store, "part")
    earlier = [
        replace(record.items[0], done_seconds=30, done_reps=1),  # done
        replace(record.items[1], done_seconds=45, done_reps=1),  # part-way
        record.items[2],  # not begun
    ]
    save(store, "part", earlier)
    with transaction(store.sessions) as session:
        left = sessions.find_resumable(session, CATALOGUE)
        assert left is not None
        sessions.reopen(session, uuid="part", now=T0 + timedelta(hours=1))
    # The resumed run plays all that is left, from the start of knee-to-chest.
    player = Player.start(left.segments(), 5_000)
    player.note_progress(5_000 + player.total_ms)
    run = player.items_done()
    assert [i.position for i in run] == [0, 1]
    moved = sessions.shifted(run, left.positions)
    assert [(i.position, i.stretch) for i in moved] == [(1, "knee-to-chest"), (2, "cat-cow")]
    by_position = {i.position: i for i in left.record.items}
    merged = [sessions.merged(by_position[i.position], i) for i in moved]
    for item in merged:
        assert item.done_seconds == item.planned_seconds
        assert item.done_reps == item.planned_reps
    save(store, "part", merged, T0 + timedelta(hours=1, minutes=5))
    final = stored(store, "part")
    assert all(i.finished for i in final.items)
    assert [i.done_seconds for i in final.items] == [30, 120, 60]


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
    store: Store,
    guide: ScreeningGuide,
    signal: StopSignal,
    status: SessionStatus,
    block: BlockKind | None,
) -> None:
    begin(store, "stop")
    ending = finish(
        store,
        guide,
        "stop",
        T0 + timedelta(minutes=3),
        status=status,
        signal=signal,
        stopped="knee-to-chest",
    )
    (text,) = [t for t in guide.stop_signals if t.id == signal.value]
    assert ending.status is status
    assert ending.block is block
    assert ending.advice == text.advice.replace("{emergency_number}", EMERGENCY_NUMBER).strip()
    assert "{emergency_number}" not in ending.advice
    assert ("{emergency_number}" in text.advice) == (EMERGENCY_NUMBER in ending.advice)
    opened = blocks(store)
    assert [(b.kind, b.reason) for b in opened] == ([(block, signal.value)] if block else [])
    assert all(b.closed_at is None for b in opened)
    record = stored(store, "stop")
    assert (record.status, record.stop_signal, record.stopped_stretch) == (
        status,
        signal,
        "knee-to-chest",
    )
    assert record.ended_at == T0 + timedelta(minutes=3)


def test_the_emergency_advice_names_the_number(guide: ScreeningGuide) -> None:
    for signal in (StopSignal.WEAKNESS, StopSignal.DIZZINESS_VISION, StopSignal.PREGNANCY_WARNING):
        assert EMERGENCY_NUMBER in sessions.stop_advice(guide, signal, EMERGENCY_NUMBER)


def test_a_finish_without_a_signal_gives_no_advice(store: Store, guide: ScreeningGuide) -> None:
    ending = full_session(store, guide, "fine", T0)
    assert ending == sessions.Ending(status=SessionStatus.COMPLETED)
    assert blocks(store) == []


# ---- finishing: the pain pause -------------------------------------------------------------------


def test_pain_higher_after_twice_in_a_row_pauses_once(store: Store, guide: ScreeningGuide) -> None:
    first = full_session(store, guide, "one", T0, before=2, after=3)
    assert not first.paused
    assert blocks(store) == []
    second = full_session(store, guide, "two", T0 + timedelta(days=1), before=2, after=3)
    assert second.paused
    (pause,) = blocks(store)
    assert (pause.kind, pause.reason) == (BlockKind.PAIN_PAUSE, sessions.PAIN_PAUSE_REASON)
    third = full_session(store, guide, "three", T0 + timedelta(days=2), before=2, after=5)
    assert not third.paused
    assert [b.kind for b in blocks(store)] == [BlockKind.PAIN_PAUSE]


def test_a_session_that_felt_better_breaks_the_run(store: Store, guide: ScreeningGuide) -> None:
    full_session(store, guide, "one", T0, before=2, after=3)
    full_session(store, guide, "two", T0 + timedelta(days=1), before=4, after=2)
    third = full_session(store, guide, "three", T0 + timedelta(days=2), before=2, after=3)
    assert not third.paused
    assert blocks(store) == []


def test_unrated_sessions_are_passed_over_by_the_pain_rule(
    store: Store, guide: ScreeningGuide
) -> None:
    full_session(store, guide, "one", T0, before=2, after=3)
    full_session(store, guide, "unrated", T0 + timedelta(days=1), before=None, after=None)
    third = full_session(store, guide, "three", T0 + timedelta(days=2), before=2, after=3)
    assert third.paused


def test_an_abandoned_session_does_not_count_toward_the_pain_pause(
    store: Store, guide: ScreeningGuide
) -> None:
    begin(store, "quit", T0, pain_before=2)
    finish(
        store,
        guide,
        "quit",
        T0 + timedelta(minutes=1),
        status=SessionStatus.ABANDONED,
        pain_after=4,
    )
    second = full_session(store, guide, "two", T0 + timedelta(days=1), before=2, after=3)
    assert not second.paused


# ---- planning the next session -------------------------------------------------------------------

RAISE_DAYS = (0, 3, 7)  # fine sessions on 20, 23 and 27 October: a raise on the 27th


def test_a_good_week_raises_the_dose_and_says_so(store: Store, guide: ScreeningGuide) -> None:
    for offset in RAISE_DAYS:
        full_session(store, guide, f"s{offset}", T0 + timedelta(days=offset))
    now = T0 + timedelta(days=8)
    screened(store, guide, now)
    upcoming = plan_next(store, guide, now)
    assert upcoming.progress.step == 1
    plan = upcoming.outcome.plan
    assert plan is not None
    doses = {p.item.stretch.id: p.item.dose for p in plan.items}
    assert doses["childs-pose"].hold_seconds == 35
    assert upcoming.changes[0] == "One step up on 2026-10-27: last week's sessions felt fine."
    assert "Child's pose: holds 5 s longer: last week's sessions felt fine." in upcoming.changes
    assert "Cat-cow: 12 reps (was 10): last week's sessions felt fine." in upcoming.changes
    assert any("knee-to-chest" in c.lower() and "3 holds (was 2)" in c for c in upcoming.changes)


def test_no_raise_line_before_a_week_has_passed(store: Store, guide: ScreeningGuide) -> None:
    for offset in (0, 3):
        full_session(store, guide, f"s{offset}", T0 + timedelta(days=offset))
    now = T0 + timedelta(days=4)
    screened(store, guide, now)
    upcoming = plan_next(store, guide, now)
    assert upcoming.progress.step == 0
    assert upcoming.outcome.plan is not None
    assert upcoming.changes == ()


def test_after_a_stop_the_stretch_rests_and_the_plan_says_until_when(
    store: Store, guide: ScreeningGuide
) -> None:
    full_session(store, guide, "fine", T0)
    stop_day = T0 + timedelta(days=1)
    begin(store, "stop", stop_day)
    ending = finish(
        store,
        guide,
        "stop",
        stop_day + timedelta(minutes=2),
        status=SessionStatus.STOPPED,
        signal=StopSignal.SHARP_PAIN,
        stopped="knee-to-chest",
    )
    assert ending.block is None
    now = T0 + timedelta(days=2)
    screened(store, guide, now)
    upcoming = plan_next(store, guide, now)
    assert upcoming.progress.step == -1
    plan = upcoming.outcome.plan
    assert plan is not None
    assert "knee-to-chest" not in {p.item.stretch.id for p in plan.items}
    assert any(
        e.stretch == "knee-to-chest"
        and e.reasons == (Reason(ReasonKind.EASED, "resting_until_2026-11-04"),)
        for e in plan.excluded
    )
    assert (
        upcoming.changes[0] == "Easing off since 2026-10-21: you stopped the session on 2026-10-21."
    )
    assert "Not today: Knee-to-chest (resting until 2026-11-04 after a stop)." in upcoming.changes


def test_the_stretch_comes_back_when_its_rest_is_over(store: Store, guide: ScreeningGuide) -> None:
    begin(store, "stop", T0)
    finish(
        store,
        guide,
        "stop",
        T0 + timedelta(minutes=2),
        status=SessionStatus.STOPPED,
        signal=StopSignal.SHARP_PAIN,
        stopped="knee-to-chest",
    )
    back = T0 + timedelta(days=14)
    screened(store, guide, back)
    upcoming = plan_next(store, guide, back)
    assert upcoming.progress.rests_on("knee-to-chest", back.date()) is None
    assert upcoming.outcome.plan is not None
    assert "knee-to-chest" in {p.item.stretch.id for p in upcoming.outcome.plan.items}


@pytest.mark.parametrize("signal", [StopSignal.NUMBNESS_TINGLING, StopSignal.WEAKNESS])
def test_an_open_block_means_no_plan(
    store: Store, guide: ScreeningGuide, signal: StopSignal
) -> None:
    now = T0 + timedelta(days=1)
    screened(store, guide, T0)
    begin(store, "stop", T0)
    finish(
        store,
        guide,
        "stop",
        T0 + timedelta(minutes=2),
        status=SessionStatus.STOPPED,
        signal=signal,
        stopped="cat-cow",
    )
    upcoming = plan_next(store, guide, now)
    assert upcoming.outcome.blocked
    assert upcoming.outcome.plan is None
    assert upcoming.changes == ()
    assert upcoming.outcome.advice is not None
    assert "{emergency_number}" not in upcoming.outcome.advice["text"]


def test_a_pain_pause_means_no_plan_until_screened_again(
    store: Store, guide: ScreeningGuide
) -> None:
    screened(store, guide, T0)
    full_session(store, guide, "one", T0, before=2, after=3)
    full_session(store, guide, "two", T0 + timedelta(days=1), before=2, after=3)
    now = T0 + timedelta(days=2)
    assert plan_next(store, guide, now).outcome.plan is None
    screened(store, guide, now)
    assert plan_next(store, guide, now).outcome.plan is not None


# ---- logging a session done without the player ---------------------------------------------------


def test_log_session_stores_a_completed_session_done_in_full(
    store: Store, guide: ScreeningGuide
) -> None:
    started = T0 - timedelta(minutes=20)
    with transaction(store.sessions) as session:
        ending = sessions.log_session(
            session,
            uuid="logged",
            routine_name="Basic daily",
            items=ROUTINE,
            settings=SETTINGS,
            started_at=started,
            now=T0,
            timezone=ZONE,
            pain_before=4,
            pain_after=3,
            guide=guide,
            emergency_number=EMERGENCY_NUMBER,
        )
    assert ending == sessions.Ending(status=SessionStatus.COMPLETED)
    record = stored(store, "logged")
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
    with transaction(store.sessions) as session:
        assert sessions.find_resumable(session, CATALOGUE) is None


def test_logging_twice_with_one_uuid_is_refused(store: Store, guide: ScreeningGuide) -> None:
    def log(pain_after: int) -> None:
        with transaction(store.sessions) as session:
            sessions.log_session(
                session,
                uuid="logged",
                routine_name="Basic daily",
                items=ROUTINE,
                settings=SETTINGS,
                started_at=T0,
                now=T0 + timedelta(minutes=20),
                timezone=ZONE,
                pain_before=4,
                pain_after=pain_after,
                guide=guide,
                emergency_number=EMERGENCY_NUMBER,
            )

    log(3)
    with pytest.raises(sessions.SessionError):
        log(9)
    assert stored(store, "logged").pain_after == 3


def test_logged_sessions_count_toward_the_pain_pause(store: Store, guide: ScreeningGuide) -> None:
    full_session(store, guide, "one", T0, before=2, after=3)
    with transaction(store.sessions) as session:
        ending = sessions.log_session(
            session,
            uuid="logged",
            routine_name="Basic daily",
            items=ROUTINE,
            settings=SETTINGS,
            started_at=T0 + timedelta(days=1),
            now=T0 + timedelta(days=1, minutes=20),
            timezone=ZONE,
            pain_before=2,
            pain_after=4,
            guide=guide,
            emergency_number=EMERGENCY_NUMBER,
        )
    assert ending.paused
    assert [b.kind for b in blocks(store)] == [BlockKind.PAIN_PAUSE]


def test_local_days_come_from_the_stored_zone(store: Store) -> None:
    late = datetime(2026, 10, 20, 23, 30, tzinfo=UTC)  # 00:30 on the 21st in London
    begin(store, "late", late)
    assert stored(store, "late").local_day == date(2026, 10, 21)
