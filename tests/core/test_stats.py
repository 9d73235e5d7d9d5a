"""History and progress figures: streaks, weeks, totals, the heatmap, the PSFS trend, history."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstretch.core.records import (
    Activity,
    CheckinRecord,
    ItemRecord,
    SessionRecord,
    SessionStatus,
)
from backstretch.core.safety import StopSignal
from backstretch.core.stats import (
    HEATMAP_WEEKS,
    build_heatmap,
    compute_stats,
    count_streak,
    count_totals,
    heat_level,
    history_rows,
    history_to_json,
    psfs_trend,
    session_to_json,
    summarise_weeks,
)

TODAY = date(2026, 11, 2)  # a Monday
ZONES = ("UTC", "Europe/London", "Asia/Tokyo", "America/New_York")


def session(
    day: date,
    *,
    seconds: int = 600,
    at: time = time(9, 0),
    zone: str = "UTC",
    status: SessionStatus = SessionStatus.COMPLETED,
    pain_before: int | None = None,
    pain_after: int | None = None,
    planned_seconds: int = 600,
    uuid: str = "s",
) -> SessionRecord:
    started = datetime.combine(day, at, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    return SessionRecord(
        uuid=uuid,
        started_at=started,
        timezone=zone,
        status=status,
        routine_name="Morning back",
        planned_seconds=planned_seconds,
        items=(
            ItemRecord(
                position=0,
                stretch="cat-cow",
                planned_seconds=600,
                planned_reps=10,
                done_seconds=seconds,
                done_reps=5,
            ),
        ),
        pain_before=pain_before,
        pain_after=pain_after,
    )


def days_ago(*offsets: int) -> list[SessionRecord]:
    return [session(TODAY - timedelta(days=offset)) for offset in offsets]


def checkin(day: date, *scores: tuple[str, int]) -> CheckinRecord:
    return CheckinRecord(
        at=datetime.combine(day, time(18, 0), tzinfo=UTC),
        timezone="UTC",
        activities=tuple(Activity(name=name, score=score) for name, score in scores),
    )


# ---- streaks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offsets", "current", "longest"),
    [
        ((), 0, 0),
        ((0,), 1, 1),
        ((1,), 1, 1),  # nothing yet today: yesterday's streak is still alive
        ((2,), 0, 1),  # a whole day passed without a session
        ((0, 1, 2), 3, 3),
        ((1, 2, 3), 3, 3),
        ((0, 2, 3, 4), 1, 3),
        ((0, 0, 1), 2, 2),  # two sessions on one day count as one day
        ((1, 2, 10, 11, 12, 13, 14), 2, 5),
    ],
    ids=str,
)
def test_streak(offsets: tuple[int, ...], current: int, longest: int) -> None:
    streak = count_streak(days_ago(*offsets), TODAY)
    assert (streak.current, streak.longest) == (current, longest)


@pytest.mark.parametrize(
    ("status", "seconds", "counts"),
    [
        (SessionStatus.ABANDONED, 0, False),
        (SessionStatus.IN_PROGRESS, 0, False),
        (SessionStatus.STOPPED, 0, False),
        (SessionStatus.ABANDONED, 45, True),  # some stretching was done before leaving
        (SessionStatus.STOPPED, 30, True),
        (SessionStatus.COMPLETED, 600, True),
    ],
    ids=str,
)
def test_only_sessions_with_stretching_done_count(
    status: SessionStatus, seconds: int, counts: bool
) -> None:
    sessions = [session(TODAY, status=status, seconds=seconds)]
    stats = compute_stats(sessions, [], TODAY)
    assert stats.streak.current == int(counts)
    assert stats.this_week.sessions == int(counts)
    assert stats.totals.days == int(counts)
    assert (stats.heatmap.weeks[-1][0].level > 0) is counts
    assert stats.totals.recorded == 1


@pytest.mark.parametrize(
    ("zone", "local_day"),
    [
        ("Asia/Tokyo", date(2026, 11, 2)),  # 23:30 UTC is 08:30 the next morning in Tokyo
        ("UTC", date(2026, 11, 1)),
        ("Europe/London", date(2026, 11, 1)),
        ("America/New_York", date(2026, 11, 1)),
    ],
)
def test_a_session_counts_on_its_own_local_day(zone: str, local_day: date) -> None:
    started = datetime(2026, 11, 1, 23, 30, tzinfo=UTC)
    record = session(
        started.astimezone(ZoneInfo(zone)).date(),
        at=started.astimezone(ZoneInfo(zone)).time(),
        zone=zone,
    )
    assert record.started_at == started
    heatmap = build_heatmap([record], TODAY)
    stretched = [cell.day for week in heatmap.weeks for cell in week if cell.level]
    assert stretched == [local_day]
    # On 3 Nov only the Tokyo session is yesterday's, so only it keeps a streak going.
    assert count_streak([record], TODAY + timedelta(days=1)).current == (
        1 if local_day == TODAY else 0
    )


def test_late_evening_sessions_in_london_make_a_streak() -> None:
    sessions = [
        session(TODAY - timedelta(days=offset), at=time(23, 30), zone="Europe/London")
        for offset in range(3)
    ]
    assert count_streak(sessions, TODAY).current == 3


# ---- weeks and totals ---------------------------------------------------------------------


def test_weeks_are_the_last_twelve_oldest_first_with_empty_ones() -> None:
    weeks = summarise_weeks([], TODAY)
    assert len(weeks) == 12
    assert weeks[-1].start == TODAY
    assert weeks[0].start == TODAY - timedelta(weeks=11)
    assert all(w.start.weekday() == 0 for w in weeks)
    assert all(
        (w.sessions, w.minutes, w.pain_before, w.pain_after) == (0, 0, None, None) for w in weeks
    )


@pytest.mark.parametrize(
    ("day", "week_index"),
    [
        (date(2026, 11, 2), -1),  # Monday: this week
        (date(2026, 11, 8), -1),  # Sunday: still this week
        (date(2026, 11, 1), -2),  # the Sunday before: last week
        (date(2026, 8, 17), 0),  # the Monday 11 weeks back: the oldest week shown
    ],
)
def test_a_session_lands_in_its_monday_week(day: date, week_index: int) -> None:
    weeks = summarise_weeks([session(day)], date(2026, 11, 8))
    assert weeks[week_index].sessions == 1
    assert sum(w.sessions for w in weeks) == 1


def test_sessions_older_than_the_window_are_left_out() -> None:
    weeks = summarise_weeks([session(date(2026, 8, 16))], TODAY)
    assert sum(w.sessions for w in weeks) == 0


@pytest.mark.parametrize(
    ("ratings", "before", "after"),
    [
        ([(4, 2), (6, None), (None, None)], 5.0, 2.0),
        ([(3, 1), (4, 2), (4, 2)], 3.7, 1.7),
        ([(None, None)], None, None),
        ([(0, 0)], 0.0, 0.0),
    ],
    ids=str,
)
def test_weekly_pain_averages_use_only_rated_sessions(
    ratings: list[tuple[int | None, int | None]], before: float | None, after: float | None
) -> None:
    sessions = [session(TODAY, pain_before=b, pain_after=a) for b, a in ratings]
    week = summarise_weeks(sessions, TODAY)[-1]
    assert (week.sessions, week.pain_before, week.pain_after) == (len(ratings), before, after)


def test_weekly_minutes_add_the_seconds_then_round() -> None:
    week = summarise_weeks([session(TODAY, seconds=90), session(TODAY, seconds=100)], TODAY)[-1]
    assert week.minutes == 3.2  # 190 s


def test_weeks_must_be_at_least_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        summarise_weeks([], TODAY, weeks=0)


def test_totals_split_by_how_sessions_read() -> None:
    sessions = [
        session(TODAY, seconds=600),
        session(TODAY, seconds=300, status=SessionStatus.STOPPED),
        session(TODAY - timedelta(days=3), seconds=120, status=SessionStatus.IN_PROGRESS),
        session(TODAY - timedelta(days=4), seconds=0, status=SessionStatus.ABANDONED),
    ]
    totals = count_totals(sessions)
    assert (totals.recorded, totals.sessions) == (4, 3)
    # Quit before anything was done: skipped, not "abandoned" part-way.
    assert (totals.completed, totals.stopped, totals.abandoned, totals.skipped) == (1, 1, 1, 1)
    assert totals.minutes == 17.0
    assert totals.days == 2


# ---- the heatmap --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "level"),
    [(0, 0), (1, 1), (299, 1), (300, 2), (599, 2), (600, 3), (1199, 3), (1200, 4), (5400, 4)],
)
def test_heat_levels_by_minutes(seconds: int, level: int) -> None:
    assert heat_level(seconds) == level


@pytest.mark.parametrize("today", [TODAY, date(2026, 11, 5), date(2026, 11, 8)], ids=str)
def test_heatmap_is_53_weeks_of_7_days_ending_in_this_week(today: date) -> None:
    heatmap = build_heatmap([], today)
    assert len(heatmap.weeks) == HEATMAP_WEEKS == 53
    assert all(len(week) == 7 for week in heatmap.weeks)
    assert [cell.day.weekday() for cell in heatmap.weeks[0]] == list(range(7))
    assert today in [cell.day for cell in heatmap.weeks[-1]]
    days = [cell.day for week in heatmap.weeks for cell in week]
    assert days == [days[0] + timedelta(days=n) for n in range(53 * 7)]
    future = [cell.day for week in heatmap.weeks for cell in week if cell.future]
    assert future == [d for d in days if d > today]
    assert len(future) == 6 - today.weekday()
    rows = heatmap.rows
    assert len(rows) == 7 and all(len(row) == 53 for row in rows)
    assert all(cell.day.weekday() == weekday for weekday, row in enumerate(rows) for cell in row)


def test_heatmap_adds_up_a_day_and_sets_its_level() -> None:
    heatmap = build_heatmap([session(TODAY, seconds=240), session(TODAY, seconds=120)], TODAY)
    cell = heatmap.weeks[-1][0]
    assert (cell.day, cell.minutes, cell.level, cell.future) == (TODAY, 6.0, 2, False)


# ---- PSFS ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "latest", "change", "beyond"),
    [
        ((3, 4, 5), (5, 6, 7), 2.0, True),
        ((3, 4), (4, 5), 1.0, False),
        ((6,), (4,), -2.0, True),  # getting harder is a real change too
        ((2, 3, 3), (4, 4, 5), 1.7, False),
        ((1, 2, 2), (3, 4, 4), 2.0, True),  # 5/3 to 11/3: exactly 2, not 1.9999
        ((5, 5, 5), (5, 5, 5), 0.0, False),
    ],
    ids=str,
)
def test_psfs_change_and_minimal_detectable_change(
    first: tuple[int, ...], latest: tuple[int, ...], change: float, beyond: bool
) -> None:
    names = ("walking", "sitting", "lifting")
    trend = psfs_trend(
        [
            checkin(date(2026, 10, 26), *zip(names, latest, strict=False)),
            checkin(date(2026, 9, 1), *zip(names, first, strict=False)),  # out of order on purpose
        ]
    )
    assert [p.day for p in trend.points] == [date(2026, 9, 1), date(2026, 10, 26)]
    assert (trend.change, trend.beyond_mdc) == (change, beyond)


def test_psfs_means_per_check_in() -> None:
    trend = psfs_trend([checkin(TODAY, ("walking", 3), ("sitting", 4), ("lifting", 4))])
    assert [p.mean for p in trend.points] == [3.7]
    assert (trend.change, trend.beyond_mdc, trend.activities) == (None, False, ())


def test_no_check_ins_no_trend() -> None:
    trend = psfs_trend([])
    assert (trend.points, trend.change) == ((), None)


@pytest.mark.parametrize(
    ("first_score", "latest_score", "beyond"),
    [(2, 5, True), (2, 4, False), (8, 5, True), (8, 6, False)],
)
def test_psfs_per_activity_change_uses_the_three_point_mdc(
    first_score: int, latest_score: int, beyond: bool
) -> None:
    trend = psfs_trend(
        [
            checkin(date(2026, 9, 1), ("Carrying shopping", first_score), ("gardening", 2)),
            checkin(TODAY, ("carrying  shopping", latest_score), ("driving", 6)),
        ]
    )
    assert len(trend.activities) == 1  # gardening and driving were each rated only once
    activity = trend.activities[0]
    assert (activity.first, activity.latest) == (first_score, latest_score)
    assert activity.change == latest_score - first_score
    assert activity.beyond_mdc is beyond


# ---- stats and JSON -----------------------------------------------------------------------


def test_stats_to_json_is_plain_json_with_iso_dates() -> None:
    stats = compute_stats(
        [session(TODAY, pain_before=5, pain_after=3)],
        [checkin(date(2026, 9, 1), ("walking", 3)), checkin(TODAY, ("walking", 6))],
        TODAY,
    )
    data = json.loads(json.dumps(stats.to_json()))
    assert data["today"] == "2026-11-02"
    assert data["streak"] == {"current": 1, "longest": 1}
    assert data["this_week"] == data["weeks"][-1]
    assert data["this_week"] == {
        "start": "2026-11-02",
        "sessions": 1,
        "minutes": 10.0,
        "pain_before": 5.0,
        "pain_after": 3.0,
    }
    assert data["totals"]["sessions"] == 1
    assert len(data["heatmap"]["weeks"]) == 53
    assert data["heatmap"]["weeks"][-1][0] == {
        "date": "2026-11-02",
        "minutes": 10.0,
        "level": 3,
        "future": False,
    }
    assert data["psfs"]["change"] == 3.0
    assert data["psfs"]["beyond_mdc"] is True
    assert data["psfs"]["activities"][0]["name"] == "walking"


# ---- history ------------------------------------------------------------------------------


def test_history_rows_are_newest_first_in_local_time() -> None:
    older = session(date(2026, 10, 30), uuid="older")
    newer = session(
        date(2026, 11, 2),
        at=time(8, 30),
        zone="Asia/Tokyo",
        uuid="newer",
        status=SessionStatus.IN_PROGRESS,
        seconds=150,
        planned_seconds=900,
        pain_before=4,
    )
    rows = history_rows([older, newer])
    assert [row.uuid for row in rows] == ["newer", "older"]
    first = rows[0]
    assert first.started.strftime("%Y-%m-%d %H:%M") == "2026-11-02 08:30"
    assert first.reads_as is SessionStatus.ABANDONED
    # Planned is the items' stretching time (600 s), counted as done is, not the 900 s stored
    # by older versions with the get-ready and rests in it.
    assert (first.done_minutes, first.planned_minutes) == (2.5, 10.0)
    assert (first.done_seconds, first.planned_seconds) == (150, 600)
    assert (first.pain_before, first.pain_after) == (4, None)


def test_session_to_json_gives_the_whole_record() -> None:
    record = SessionRecord(
        uuid="abc",
        started_at=datetime(2026, 11, 1, 23, 30, tzinfo=UTC),
        timezone="Asia/Tokyo",
        status=SessionStatus.STOPPED,
        routine_name="Desk reset",
        planned_seconds=300,
        items=(
            ItemRecord(position=1, stretch="neck-flexion", planned_seconds=60, planned_reps=2),
            ItemRecord(
                position=0,
                stretch="cat-cow",
                planned_seconds=90,
                planned_reps=10,
                done_seconds=90,
                done_reps=10,
            ),
        ),
        ended_at=datetime(2026, 11, 1, 23, 33, tzinfo=UTC),
        pain_before=3,
        pain_after=5,
        stop_signal=StopSignal.SHARP_PAIN,
        stopped_stretch="neck-flexion",
    )
    data = session_to_json(record)
    assert json.loads(json.dumps(data)) == data
    assert data == {
        "uuid": "abc",
        "started_at": "2026-11-01T23:30:00+00:00",
        "ended_at": "2026-11-01T23:33:00+00:00",
        "timezone": "Asia/Tokyo",
        "local_day": "2026-11-02",
        "status": "stopped",
        "reads_as": "stopped",
        "skipped": False,
        "routine_name": "Desk reset",
        "planned_seconds": 150,
        "done_seconds": 90,
        "pain_before": 3,
        "pain_after": 5,
        "stop_signal": "sharp_pain",
        "stopped_stretch": "neck-flexion",
        "source": "player",
        "items": [
            {
                "position": 0,
                "stretch": "cat-cow",
                "planned_seconds": 90,
                "planned_reps": 10,
                "done_seconds": 90,
                "done_reps": 10,
                "skipped": False,
            },
            {
                "position": 1,
                "stretch": "neck-flexion",
                "planned_seconds": 60,
                "planned_reps": 2,
                "done_seconds": 0,
                "done_reps": 0,
                "skipped": False,
            },
        ],
    }


def test_history_json_reads_in_progress_as_abandoned_and_keeps_the_stored_status() -> None:
    data = history_to_json(
        [
            session(date(2026, 10, 1), uuid="old"),
            session(TODAY, status=SessionStatus.IN_PROGRESS, uuid="new"),
        ]
    )
    assert [d["uuid"] for d in data] == ["new", "old"]
    assert (data[0]["status"], data[0]["reads_as"]) == ("in_progress", "abandoned")
    assert data[0]["ended_at"] is None


# ---- properties ---------------------------------------------------------------------------

SESSIONS = st.lists(
    st.builds(
        lambda offset, seconds, zone, minute: session(
            TODAY - timedelta(days=offset),
            seconds=seconds,
            zone=zone,
            at=time(minute // 60, minute % 60),
        ),
        st.integers(min_value=-2, max_value=500),
        st.integers(min_value=0, max_value=3000),
        st.sampled_from(ZONES),
        st.integers(min_value=0, max_value=24 * 60 - 1),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(sessions=SESSIONS, weeks=st.integers(min_value=1, max_value=60))
def test_figures_stay_consistent(sessions: list[SessionRecord], weeks: int) -> None:
    stats = compute_stats(sessions, [], TODAY, weeks=weeks)
    assert 0 <= stats.streak.current <= stats.streak.longest
    assert stats.streak.longest <= stats.totals.days
    assert sum(w.sessions for w in stats.weeks) <= stats.totals.sessions
    assert stats.totals.sessions <= stats.totals.recorded
    assert len(stats.weeks) == weeks
