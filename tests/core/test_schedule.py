"""The reminder schedule's arithmetic: time zones, daylight saving, quiet hours, snooze, the
weekly target and desk breaks. Every moment is passed in; nothing reads a clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backstretch.core.schedule import (
    DeskBreaks,
    QuietHours,
    Reminder,
    ReminderKind,
    Schedule,
    Slot,
    format_days,
    in_work_hours,
    next_reminder,
    parse_days,
    parse_time,
    reminder_from_key,
    reminders_between,
    resolve_local,
    schedule_document,
    schedule_from_document,
    snoozed,
    weekly_progress,
    work_window,
)
from backstretch.core.validation import InvalidData

MON_WED_FRI = frozenset({0, 2, 4})
WEEKDAYS = frozenset(range(5))
ZONES = ("Europe/London", "America/New_York", "Australia/Sydney")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def week_of(schedule: Schedule, first_day: date, days: int = 7) -> list[Reminder]:
    """Every reminder on `days` local days from `first_day`."""
    zone = ZoneInfo(schedule.timezone)
    start = datetime.combine(first_day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(first_day + timedelta(days=days), time(0), tzinfo=zone)
    return reminders_between(schedule, start, end.astimezone(UTC))


def sessions(zone: str, *slots: Slot, **extra: Any) -> Schedule:
    return Schedule(timezone=zone, sessions=slots, **extra)


# ---- time zones and daylight saving ---------------------------------------------------------

# (zone, the Monday of the week the clocks change, the hours UTC is behind/ahead before, after)
CHANGES = [
    ("Europe/London", date(2026, 3, 23), 0, 1),  # spring: GMT -> BST on Sunday 29 March
    ("Europe/London", date(2026, 10, 19), 1, 0),  # autumn: BST -> GMT on Sunday 25 October
    ("America/New_York", date(2026, 3, 2), -5, -4),  # spring: EST -> EDT on Sunday 8 March
    ("America/New_York", date(2026, 10, 26), -4, -5),  # autumn: EDT -> EST on Sunday 1 November
    ("Australia/Sydney", date(2026, 3, 30), 11, 10),  # autumn: AEDT -> AEST on Sunday 5 April
    ("Australia/Sydney", date(2026, 9, 28), 10, 11),  # spring: AEST -> AEDT on Sunday 4 October
]


@pytest.mark.parametrize(("zone", "monday", "before", "after"), CHANGES)
def test_half_past_eight_stays_half_past_eight_across_the_change(
    zone: str, monday: date, before: int, after: int
) -> None:
    schedule = sessions(zone, Slot(MON_WED_FRI, time(8, 30), "morning"))
    found = week_of(schedule, monday, days=14)
    assert [r.local.strftime("%a %H:%M") for r in found] == [
        "Mon 08:30",
        "Wed 08:30",
        "Fri 08:30",
    ] * 2
    assert all(r.preset == "morning" and r.kind is ReminderKind.SESSION for r in found)
    # The same local time is a different UTC time on each side of the change.
    offsets = [r.local.utcoffset() for r in found]
    assert offsets[0] == timedelta(hours=before)
    assert offsets[-1] == timedelta(hours=after)
    for reminder in found:
        assert reminder.due == reminder.local.astimezone(UTC)
        assert reminder.due.tzinfo is UTC


# A wall time that does not exist on the day the clocks go forward fires as much later as the
# clocks jumped: the person still gets it, at the first moment the clock shows after it.
GAPS = [
    ("Europe/London", date(2026, 3, 29), time(1, 30), "02:30", utc(2026, 3, 29, 1, 30)),
    ("America/New_York", date(2026, 3, 8), time(2, 30), "03:30", utc(2026, 3, 8, 7, 30)),
    ("Australia/Sydney", date(2026, 10, 4), time(2, 30), "03:30", utc(2026, 10, 3, 16, 30)),
]


@pytest.mark.parametrize(("zone", "day", "at", "shown", "due"), GAPS)
def test_a_time_in_the_spring_gap_moves_forward(
    zone: str, day: date, at: time, shown: str, due: datetime
) -> None:
    schedule = sessions(zone, Slot(frozenset({6}), at))
    [reminder] = week_of(schedule, day, days=1)
    assert reminder.local.strftime("%H:%M") == shown
    assert reminder.due == due
    # The key keeps the slot's own time, so it is the same key whatever the clocks did.
    assert reminder.key == f"session:{day.isoformat()}T{at:%H:%M}"


# A wall time that happens twice on the day the clocks go back fires once, the first time.
OVERLAPS = [
    ("Europe/London", date(2026, 10, 25), time(1, 30), utc(2026, 10, 25, 0, 30)),
    ("America/New_York", date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),
    ("Australia/Sydney", date(2026, 4, 5), time(2, 30), utc(2026, 4, 4, 15, 30)),
]


@pytest.mark.parametrize(("zone", "day", "at", "due"), OVERLAPS)
def test_a_time_in_the_autumn_overlap_fires_once(
    zone: str, day: date, at: time, due: datetime
) -> None:
    schedule = sessions(zone, Slot(frozenset({6}), at))
    found = week_of(schedule, day, days=1)
    assert [r.due for r in found] == [due]
    assert found[0].local.strftime("%H:%M") == f"{at:%H:%M}"


def test_the_same_schedule_follows_each_persons_zone() -> None:
    slot = Slot(frozenset({0}), time(8, 30))
    start, end = utc(2026, 6, 7), utc(2026, 6, 10)
    dues = {zone: reminders_between(sessions(zone, slot), start, end)[0].due for zone in ZONES}
    assert dues == {
        "Europe/London": utc(2026, 6, 8, 7, 30),
        "America/New_York": utc(2026, 6, 8, 12, 30),
        "Australia/Sydney": utc(2026, 6, 7, 22, 30),  # Monday morning in Sydney is Sunday in UTC
    }


def test_reminders_are_due_in_the_window_only_and_sorted() -> None:
    schedule = sessions(
        "Europe/London", Slot(frozenset({0}), time(22, 0)), Slot(frozenset({0}), time(8, 30))
    )
    # 08:30 and 22:00 in London in June are 07:30 and 21:00 UTC.
    found = reminders_between(schedule, utc(2026, 6, 8, 7, 30), utc(2026, 6, 8, 21, 1))
    assert [r.local.strftime("%H:%M") for r in found] == ["08:30", "22:00"]
    # The start is included; the end is not.
    assert reminders_between(schedule, utc(2026, 6, 8, 7, 31), utc(2026, 6, 8, 21, 1)) == found[1:]
    assert reminders_between(schedule, utc(2026, 6, 8, 7, 30), utc(2026, 6, 8, 21, 0)) == found[:1]


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        reminders_between(Schedule("UTC"), datetime(2026, 1, 1), datetime(2026, 1, 2))


# ---- quiet hours ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "moment", "quiet"),
    [
        (time(22, 30), time(7, 0), time(23, 0), True),
        (time(22, 30), time(7, 0), time(6, 59), True),
        (time(22, 30), time(7, 0), time(7, 0), False),
        (time(22, 30), time(7, 0), time(22, 29), False),
        (time(22, 30), time(7, 0), time(22, 30), True),
        (time(12, 0), time(14, 0), time(13, 0), True),
        (time(12, 0), time(14, 0), time(14, 0), False),
        (time(12, 0), time(14, 0), time(8, 30), False),
    ],
)
def test_quiet_hours_may_cross_midnight(start: time, end: time, moment: time, quiet: bool) -> None:
    assert QuietHours(start, end).contains(moment) is quiet


def test_quiet_hours_silence_sessions_and_desk_breaks() -> None:
    schedule = Schedule(
        timezone="Europe/London",
        sessions=(Slot(MON_WED_FRI, time(8, 30)), Slot(MON_WED_FRI, time(22, 45))),
        quiet=QuietHours(time(22, 30), time(7, 0)),
        breaks=DeskBreaks(WEEKDAYS, time(9, 0), time(17, 0)),
    )
    found = week_of(schedule, date(2026, 6, 8))
    assert found, "the daytime reminders are kept"
    assert not [r for r in found if r.local.time() >= time(22, 30)]
    assert schedule.warnings() == (
        "The 22:45 session falls in quiet hours (22:30-07:00), so it will not remind.",
    )
    lunch = Schedule(
        timezone="Europe/London",
        breaks=DeskBreaks(WEEKDAYS, time(9, 0), time(17, 0)),
        quiet=QuietHours(time(12, 0), time(13, 30)),
    )
    times = [r.local.strftime("%H:%M") for r in week_of(lunch, date(2026, 6, 8), days=1)]
    assert times == ["09:50", "10:40", "11:30", "14:00", "14:50", "15:40", "16:30"]


# ---- desk breaks ----------------------------------------------------------------------------


def test_desk_breaks_come_every_fifty_minutes_of_the_working_day() -> None:
    schedule = Schedule(
        timezone="America/New_York", breaks=DeskBreaks(WEEKDAYS, time(9, 0), time(17, 0))
    )
    found = week_of(schedule, date(2026, 6, 8))  # Monday to Sunday
    by_day: dict[str, list[str]] = {}
    for reminder in found:
        assert reminder.kind is ReminderKind.DESK_BREAK
        assert reminder.preset == "desk-break"
        by_day.setdefault(reminder.local.strftime("%a"), []).append(
            reminder.local.strftime("%H:%M")
        )
    assert list(by_day) == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    assert by_day["Mon"] == [
        "09:50", "10:40", "11:30", "12:20", "13:10", "14:00", "14:50", "15:40", "16:30",
    ]  # fmt: skip
    assert all(times == by_day["Mon"] for times in by_day.values())


@pytest.mark.parametrize(
    ("start", "end", "every", "expected"),
    [
        (time(9, 0), time(12, 0), 30, ["09:30", "10:00", "10:30", "11:00", "11:30"]),
        (time(9, 0), time(10, 40), 50, ["09:50"]),  # none at the very end of the day
        (time(9, 0), time(9, 40), 50, []),
        (time(13, 15), time(15, 0), 45, ["14:00", "14:45"]),
    ],
)
def test_desk_break_times(start: time, end: time, every: int, expected: list[str]) -> None:
    breaks = DeskBreaks(WEEKDAYS, start, end, every)
    assert [f"{t:%H:%M}" for t in breaks.times()] == expected


def test_desk_breaks_can_be_off_while_sessions_stay_on() -> None:
    slot = Slot(MON_WED_FRI, time(8, 30))
    breaks = DeskBreaks(WEEKDAYS, time(9, 0), time(17, 0), enabled=False)
    schedule = Schedule(timezone="Europe/London", sessions=(slot,), breaks=breaks)
    found = week_of(schedule, date(2026, 6, 8))
    assert {r.kind for r in found} == {ReminderKind.SESSION}
    assert not schedule.breaks_on


def test_turning_the_schedule_off_silences_everything() -> None:
    schedule = Schedule(
        timezone="Europe/London",
        sessions=(Slot(MON_WED_FRI, time(8, 30)),),
        breaks=DeskBreaks(WEEKDAYS, time(9, 0), time(17, 0)),
        enabled=False,
    )
    assert week_of(schedule, date(2026, 6, 8)) == []
    assert next_reminder(schedule, utc(2026, 6, 8)) is None
    assert work_window(schedule, date(2026, 6, 8)) is None


def test_work_hours_and_the_next_break() -> None:
    schedule = Schedule(
        timezone="Europe/London", breaks=DeskBreaks(WEEKDAYS, time(9, 0), time(17, 0))
    )
    friday_evening = utc(2026, 6, 12, 18, 0)  # 19:00 in London
    assert not in_work_hours(schedule, friday_evening)
    nxt = next_reminder(schedule, friday_evening, ReminderKind.DESK_BREAK)
    assert nxt is not None
    assert nxt.local.strftime("%a %H:%M") == "Mon 09:50"
    assert in_work_hours(schedule, utc(2026, 6, 15, 8, 0))  # Monday 09:00 in London
    assert not in_work_hours(schedule, utc(2026, 6, 15, 16, 0))  # 17:00: the day is over


# ---- snooze ---------------------------------------------------------------------------------


def test_snooze_keeps_the_key_and_moves_the_time() -> None:
    schedule = Schedule("Europe/London", breaks=DeskBreaks(WEEKDAYS, time(9, 0), time(17, 0)))
    first = next_reminder(schedule, utc(2026, 6, 8, 7, 0))
    assert first is not None
    later = snoozed(first, 10)
    assert later.key == first.key
    assert later.due - first.due == timedelta(minutes=10)
    assert later.local.strftime("%H:%M") == "10:00"
    # Snoozed three minutes after it rang: ten minutes from now, not from when it was due.
    from_now = snoozed(first, 10, now=first.due + timedelta(minutes=3))
    assert from_now.local.strftime("%H:%M") == "10:03"
    for bad in (0, -5, 241):
        with pytest.raises(InvalidData, match="minutes"):
            snoozed(first, bad)


def test_a_snooze_across_the_clock_change_keeps_real_minutes() -> None:
    at = resolve_local(date(2026, 3, 29), time(0, 55), ZoneInfo("Europe/London"))
    reminder = Reminder(ReminderKind.SESSION, at.astimezone(UTC), at, None, "session:x")
    later = snoozed(reminder, 10)
    assert later.local.strftime("%H:%M %Z") == "02:05 BST"  # 10 real minutes, clocks jumped


# ---- the weekly target ----------------------------------------------------------------------


def test_the_weekly_target_counts_days_in_this_week() -> None:
    schedule = Schedule("Europe/London", weekly_target=3)
    thursday = date(2026, 6, 11)
    done = [date(2026, 6, 8), date(2026, 6, 10), date(2026, 6, 10), date(2026, 6, 5)]
    progress = weekly_progress(schedule, done, thursday)
    assert progress.week_start == date(2026, 6, 8)
    assert (progress.done, progress.target, progress.met) == (2, 3, False)
    assert progress.days_left == 3
    assert progress.within_reach
    # A missed day takes nothing away: Thursday skipped, Friday done, the target is met.
    friday = weekly_progress(schedule, [*done, date(2026, 6, 12)], date(2026, 6, 12))
    assert (friday.done, friday.met) == (3, True)
    # A new week starts from nothing.
    monday = weekly_progress(schedule, [*done, date(2026, 6, 12)], date(2026, 6, 15))
    assert (monday.done, monday.week_start) == (0, date(2026, 6, 15))


def test_a_target_out_of_reach_is_said_so() -> None:
    schedule = Schedule("Europe/London", weekly_target=5)
    saturday = weekly_progress(schedule, [date(2026, 6, 8)], date(2026, 6, 13))
    assert not saturday.within_reach
    assert weekly_progress(Schedule("UTC"), [], date(2026, 6, 13)).within_reach


def test_sessions_after_today_do_not_count() -> None:
    progress = weekly_progress(
        Schedule("UTC", weekly_target=2), [date(2026, 6, 12)], date(2026, 6, 9)
    )
    assert progress.done == 0


# ---- words people type ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon,wed,fri", {0, 2, 4}),
        ("Mon, Wed ,FRI", {0, 2, 4}),
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("weekdays", {0, 1, 2, 3, 4}),
        ("weekends", {5, 6}),
        ("daily", set(range(7))),
        ("monday,saturday", {0, 5}),
        ("sat-sun,tue", {1, 5, 6}),
    ],
)
def test_days_as_people_type_them(text: str, days: set[int]) -> None:
    assert parse_days(text) == frozenset(days)


@pytest.mark.parametrize("text", ["mo", "funday", "", "fri-mon", "mon,,xyz"])
def test_a_wrong_day_is_named(text: str) -> None:
    with pytest.raises(InvalidData) as raised:
        parse_days(text)
    assert raised.value.field == "days"


@pytest.mark.parametrize("text", ["25:00", "8:60", "830", "8.30", "noon", "-1:00", ""])
def test_a_wrong_time_is_named(text: str) -> None:
    with pytest.raises(InvalidData, match="not a time of day") as raised:
        parse_time(text)
    assert raised.value.field == "at"


def test_times_and_day_names() -> None:
    assert parse_time("8:30") == time(8, 30)
    assert parse_time("23:59") == time(23, 59)
    assert format_days(WEEKDAYS) == "weekdays"
    assert format_days(range(7)) == "every day"
    assert format_days(MON_WED_FRI) == "Mon, Wed, Fri"


# ---- the document ---------------------------------------------------------------------------

FULL = Schedule(
    timezone="Australia/Sydney",
    sessions=(Slot(MON_WED_FRI, time(8, 30), "morning"), Slot(frozenset(range(7)), time(22, 0))),
    weekly_target=3,
    quiet=QuietHours(time(22, 30), time(7, 0)),
    breaks=DeskBreaks(WEEKDAYS, time(9, 0), time(17, 0), 45),
)


def test_the_document_round_trips_and_is_plain_json() -> None:
    import json

    document = schedule_document(FULL)
    assert json.loads(json.dumps(document)) == document
    assert document["sessions"][0] == {
        "days": ["mon", "wed", "fri"],
        "at": "08:30",
        "preset": "morning",
    }
    assert schedule_from_document(document) == FULL
    assert schedule_from_document(schedule_document(Schedule("UTC"))) == Schedule("UTC")


def _with(**changes: Any) -> dict[str, Any]:
    return {**schedule_document(FULL), **changes}


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (_with(timezone="Mars/Olympus"), "timezone"),
        (_with(timezone=5), "timezone"),
        (_with(sessions=[{"days": ["mon"], "at": "25:00"}]), "sessions[0].at"),
        (_with(sessions=[{"days": ["moon"], "at": "08:00"}]), "sessions[0].days"),
        (_with(sessions=[{"days": [], "at": "08:00"}]), "sessions[0].days"),
        (_with(sessions=[{"days": ["mon"], "at": "8:00", "preset": "No!"}]), "sessions[0].preset"),
        (_with(sessions=[{"days": ["mon"]}]), "sessions[0]"),
        (
            _with(sessions=[{"days": ["mon"], "at": "8:00"}, {"days": "mon-fri", "at": "08:00"}]),
            "sessions[1]",
        ),
        (_with(weekly_target=0), "weekly_target"),
        (_with(weekly_target=True), "weekly_target"),
        (_with(weekly_target=8), "weekly_target"),
        (_with(quiet={"start": "07:00", "end": "07:00"}), "quiet"),
        (_with(quiet={"start": "late", "end": "07:00"}), "quiet.start"),
        (_with(breaks={"days": ["mon"], "start": "17:00", "end": "09:00"}), "breaks"),
        (
            _with(breaks={"days": ["mon"], "start": "09:00", "end": "17:00", "every_minutes": 5}),
            "breaks.every_minutes",
        ),
        (_with(enabled="yes"), "enabled"),
        (_with(colour="blue"), "colour"),
        (_with(version=99), "version"),
        ([], "(schedule)"),
    ],
)  # fmt: skip
def test_a_bad_document_names_the_field(document: Any, field: str) -> None:
    with pytest.raises(InvalidData) as raised:
        schedule_from_document(document)
    assert raised.value.field == field


def test_a_key_names_its_reminder() -> None:
    found = week_of(FULL, date(2026, 6, 8))
    for reminder in found:
        assert reminder_from_key(FULL, reminder.key) == reminder
    for bad in ("session:tomorrow", "party:2026-06-08T08:30", "nonsense"):
        with pytest.raises(InvalidData):
            reminder_from_key(FULL, bad)


# ---- properties -----------------------------------------------------------------------------

times_of_day = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59]))
day_sets = st.frozensets(st.integers(0, 6), min_size=1)


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    slots: dict[time, Slot] = {}
    for at in draw(st.lists(times_of_day, max_size=4, unique=True)):
        slots[at] = Slot(draw(day_sets), at, draw(st.sampled_from([None, "morning"])))
    quiet = None
    if draw(st.booleans()):
        start, end = draw(st.lists(times_of_day, min_size=2, max_size=2, unique=True))
        quiet = QuietHours(start, end)
    breaks = None
    if draw(st.booleans()):
        start_hour = draw(st.integers(0, 20))
        end_hour = draw(st.integers(start_hour + 1, 23))
        breaks = DeskBreaks(
            draw(day_sets), time(start_hour), time(end_hour, 30), draw(st.integers(10, 120))
        )
    return Schedule(
        timezone=draw(st.sampled_from(ZONES)),
        sessions=tuple(slots.values()),
        quiet=quiet,
        breaks=breaks,
    )


# Windows around the 2026 clock changes of all three zones.
starts = st.sampled_from(
    [utc(2026, 3, 5), utc(2026, 3, 26), utc(2026, 4, 2), utc(2026, 10, 1), utc(2026, 10, 22)]
).flatmap(lambda base: st.integers(0, 6 * 24 * 60).map(lambda m: base + timedelta(minutes=m)))


@settings(max_examples=150, deadline=None)
@given(schedule=schedules(), start=starts, hours=st.integers(1, 10 * 24))
def test_every_reminder_is_chosen_on_time_sorted_and_unique(
    schedule: Schedule, start: datetime, hours: int
) -> None:
    end = start + timedelta(hours=hours)
    found = reminders_between(schedule, start, end)
    zone = ZoneInfo(schedule.timezone)
    assert [r.due for r in found] == sorted(r.due for r in found)
    assert len({r.key for r in found}) == len(found)
    for reminder in found:
        assert start <= reminder.due < end
        assert reminder.local == reminder.due.astimezone(zone)
        assert schedule.quiet is None or not schedule.quiet.contains(reminder.local.time())
        nominal = datetime.strptime(reminder.key.split(":", 1)[1], "%Y-%m-%dT%H:%M")
        if reminder.kind is ReminderKind.SESSION:
            slot = next(s for s in schedule.sessions if s.at == nominal.time())
            assert nominal.weekday() in slot.days
        else:
            assert schedule.breaks is not None
            assert nominal.weekday() in schedule.breaks.days
            assert schedule.breaks.start < nominal.time() < schedule.breaks.end
        # On its chosen local time, unless that time did not exist that day (then later by
        # the clocks' jump, never earlier, never more than an hour).
        shown = reminder.local.replace(tzinfo=None)
        assert timedelta(0) <= shown - nominal <= timedelta(hours=1)
        if shown != nominal:
            assert (
                resolve_local(nominal.date(), nominal.time(), zone).replace(tzinfo=None) != nominal
            )


@settings(max_examples=100, deadline=None)
@given(schedule=schedules(), start=starts, cut=st.integers(1, 48 * 60))
def test_asking_in_two_parts_gives_the_same_reminders(
    schedule: Schedule, start: datetime, cut: int
) -> None:
    """A scheduler asking every minute sees each reminder exactly once."""
    middle = start + timedelta(minutes=cut)
    end = middle + timedelta(hours=48)
    whole = reminders_between(schedule, start, end)
    assert (
        reminders_between(schedule, start, middle) + reminders_between(schedule, middle, end)
        == whole
    )


@settings(max_examples=100, deadline=None)
@given(schedule=schedules())
def test_the_document_round_trips(schedule: Schedule) -> None:
    assert schedule_from_document(schedule_document(schedule)) == schedule
