"""The calendar file, parsed back with `icalendar`: weekly events in the person's zone, an alarm
on each, a link back to the routine, and UIDs that update rather than duplicate."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar, Event

from backstretch.core.schedule import DeskBreaks, QuietHours, Schedule, Slot
from backstretch.render.calendar import calendar_file, why_no_desk_breaks

MON_WED_FRI = frozenset({0, 2, 4})
WEEKDAYS = frozenset(range(5))
NAMES = {"morning": "Morning wake-up", "bedtime": "Bedtime unwind"}
BASE = "https://stretch.example.org"
STAMP = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def schedule(zone: str = "Europe/London", **changes: Any) -> Schedule:
    base = Schedule(
        timezone=zone,
        sessions=(
            Slot(MON_WED_FRI, time(8, 30), "morning"),
            Slot(frozenset(range(7)), time(22, 0), "bedtime"),
        ),
        weekly_target=3,
        breaks=DeskBreaks(WEEKDAYS, time(9, 0), time(11, 0)),
    )
    return replace(base, **changes)


def parse(plan: Schedule, *, salt: str = "salt-a", today: date = date(2026, 3, 20)) -> Calendar:
    data = calendar_file(plan, base_url=BASE, salt=salt, today=today, stamp=STAMP, names=NAMES)
    return Calendar.from_ical(data)


def events(calendar: Calendar) -> list[Event]:
    return list(calendar.walk("VEVENT"))


def by_summary(calendar: Calendar) -> dict[str, Event]:
    return {f"{e['SUMMARY']} {e.decoded('DTSTART'):%H:%M}": e for e in events(calendar)}


def test_one_weekly_event_per_time_with_an_alarm_and_a_link() -> None:
    calendar = parse(schedule())
    found = by_summary(calendar)
    assert sorted(found) == [
        "Desk break: posture check and a short stretch 09:50",
        "Desk break: posture check and a short stretch 10:40",
        "Stretch: Bedtime unwind 22:00",
        "Stretch: Morning wake-up 08:30",
    ]
    morning = found["Stretch: Morning wake-up 08:30"]
    rule = morning["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"]
    assert rule["BYDAY"] == ["MO", "WE", "FR"]
    start = morning.decoded("DTSTART")
    assert start == datetime(2026, 3, 20, 8, 30, tzinfo=ZoneInfo("Europe/London"))  # a Friday
    assert morning["DTSTART"].params["TZID"] == "Europe/London"
    assert str(morning["URL"]) == f"{BASE}/plan?preset=morning"
    assert f"{BASE}/plan?preset=morning" in str(morning["DESCRIPTION"])
    desk = found["Desk break: posture check and a short stretch 09:50"]
    assert desk["RRULE"]["BYDAY"] == ["MO", "TU", "WE", "TH", "FR"]
    assert str(desk["URL"]) == f"{BASE}/plan?preset=desk-break"
    for event in events(calendar):
        [alarm] = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert alarm.decoded("TRIGGER") == timedelta(0)  # at the start
        assert str(alarm["DESCRIPTION"]) == str(event["SUMMARY"])
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert str(calendar["VERSION"]) == "2.0" and "backstretch" in str(calendar["PRODID"])


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Australia/Sydney"])
def test_the_alarm_stays_at_half_past_eight_across_the_clock_change(zone: str) -> None:
    morning = by_summary(parse(schedule(zone)))["Stretch: Morning wake-up 08:30"]
    start = morning.decoded("DTSTART")
    rule = rrulestr(morning["RRULE"].to_ical().decode(), dtstart=start)
    year = list(rule.between(start, start + timedelta(days=365), inc=True))
    assert len(year) == 157  # three a week for a year (one more: the first day is included)
    offsets = {moment.utcoffset() for moment in year}
    assert len(offsets) == 2, "the year crosses both clock changes"
    assert {moment.strftime("%a %H:%M") for moment in year} == {
        "Mon 08:30",
        "Wed 08:30",
        "Fri 08:30",
    }


def test_uids_are_stable_and_change_with_the_slot() -> None:
    first = {
        str(e["SUMMARY"]) + str(e.decoded("DTSTART").time()): str(e["UID"])
        for e in events(parse(schedule()))
    }
    # Downloaded again a week later: the same UIDs, so an import updates the same events.
    again = {
        str(e["SUMMARY"]) + str(e.decoded("DTSTART").time()): str(e["UID"])
        for e in events(parse(schedule(), today=date(2026, 3, 27)))
    }
    assert again == first
    assert len(set(first.values())) == len(first)
    # The morning moved to 07:45: its UID changes; the others stay.
    moved = schedule(
        sessions=(
            Slot(MON_WED_FRI, time(7, 45), "morning"),
            Slot(frozenset(range(7)), time(22, 0), "bedtime"),
        )
    )
    uids = {str(e["UID"]) for e in events(parse(moved))}
    assert first["Stretch: Morning wake-up08:30:00"] not in uids
    assert first["Stretch: Bedtime unwind22:00:00"] in uids
    # Another person with the same schedule never shares a UID.
    assert not uids & {str(e["UID"]) for e in events(parse(moved, salt="salt-b"))}


def test_nothing_personal_goes_in() -> None:
    text = calendar_file(
        schedule(), base_url=BASE, salt="s", today=date(2026, 3, 20), stamp=STAMP, names=NAMES
    ).decode()
    for private in ("pain", "lower_back", "neck_shoulders", "screening", "salt", "target"):
        assert private not in text.lower()


def test_quiet_hours_and_switches_leave_events_out() -> None:
    quiet = schedule(quiet=QuietHours(time(21, 30), time(7, 0)))
    assert "Stretch: Bedtime unwind 22:00" not in by_summary(parse(quiet))
    no_breaks = schedule(breaks=DeskBreaks(WEEKDAYS, time(9, 0), time(17, 0), enabled=False))
    assert {str(e["SUMMARY"]) for e in events(parse(no_breaks))} == {
        "Stretch: Morning wake-up",
        "Stretch: Bedtime unwind",
    }
    assert why_no_desk_breaks(no_breaks) == "Desk breaks are turned off, so the file has none."
    assert why_no_desk_breaks(schedule(breaks=None)) == (
        "Desk breaks are not set up, so the file has none."
    )
    assert why_no_desk_breaks(schedule()) is None
    off = parse(schedule(enabled=False))
    assert events(off) == [] and list(off.walk("VTIMEZONE")) == []


def test_a_session_without_a_preset_opens_todays_plan() -> None:
    plain = schedule(sessions=(Slot(MON_WED_FRI, time(8, 30)),), breaks=None)
    [event] = events(parse(plain))
    assert str(event["SUMMARY"]) == "Stretch: your routine"
    assert str(event["URL"]) == f"{BASE}/plan"
