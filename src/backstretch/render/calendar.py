"""The reminder schedule as an iCalendar file to import once: recurring events with alarms.

One weekly event per session time (RRULE FREQ=WEEKLY;BYDAY=...) and, when desk breaks are on,
one weekday event per break time of the working day; every event starts in the person's own
time zone (DTSTART;TZID=... with its VTIMEZONE, so 08:30 stays 08:30 across a clock change),
rings at its start (VALARM ACTION:DISPLAY) and links back to its routine
(`<base>/plan?preset=NAME`). Times in quiet hours are left out, as they never remind.

UIDs are a hash of the slot's content (kind, days, time, preset) and a per-person salt: the
same schedule downloaded twice gives the same UIDs, so importing it again updates the events
instead of adding copies, and two people's files never share a UID. Changing a slot's time or
days makes a new event (the old one stays in the calendar until removed there).

Nothing about the person's health goes in: no areas, pain, screening or name. Pure: it takes
the schedule and returns bytes.

    data = calendar_file(schedule, base_url="https://example.org", salt=salt,
                         names={"morning": "Morning wake-up"}, today=date(2026, 6, 8),
                         stamp=now)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from backstretch.core.schedule import DAY_NAMES, ReminderKind, Schedule, format_days

ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
SESSION_MINUTES = 10
DESK_BREAK_MINUTES = 3
# How far the VTIMEZONE spells out the clock changes; calendars also know the zone by its id.
TIMEZONE_YEARS = 10
PRODUCT_ID = "-//backstretch//reminders//EN"
# Said wherever the file is offered (the browser's schedule page, `backstretch remind --ics`).
CALENDAR_NOTE = (
    "Import this file once. Subscribed calendar feeds often lose their alarms (Google Calendar"
    " and Outlook ignore them, Apple Calendar strips them unless you allow them), so backstretch"
    " offers a file rather than a feed. Import it again after a change: unchanged times update"
    " in place; remove old backstretch events whose time you changed."
)


@dataclass(frozen=True)
class CalendarEntry:
    """One recurring event: on these weekdays at this local time."""

    kind: ReminderKind
    days: frozenset[int]
    at: time
    preset: str | None
    minutes: int


def entries(schedule: Schedule) -> list[CalendarEntry]:
    """Return the recurring events a schedule makes (none when it is turned off)."""
    if not schedule.enabled:
        return []
    quiet = schedule.quiet
    found = [
        CalendarEntry(ReminderKind.SESSION, slot.days, slot.at, slot.preset, SESSION_MINUTES)
        for slot in schedule.sessions
        if quiet is None or not quiet.contains(slot.at)
    ]
    if schedule.breaks_on and schedule.breaks is not None:
        found += [
            CalendarEntry(
                ReminderKind.DESK_BREAK,
                schedule.breaks.days,
                at,
                "desk-break",
                DESK_BREAK_MINUTES,
            )
            for at in schedule.breaks.times()
            if quiet is None or not quiet.contains(at)
        ]
    return found


def why_no_desk_breaks(schedule: Schedule) -> str | None:
    """Say why the file holds no desk breaks, when it holds none; None when it holds some."""
    breaks = schedule.breaks
    if breaks is None:
        return "Desk breaks are not set up, so the file has none."
    if not schedule.enabled or not breaks.enabled:
        return "Desk breaks are turned off, so the file has none."
    if not breaks.times():
        return "The work hours are shorter than one break interval, so the file has none."
    return None


def entry_uid(entry: CalendarEntry, salt: str) -> str:
    """Return the event's UID: the same for the same slot and person, on every download."""
    content = "|".join(
        (
            entry.kind.value,
            ",".join(DAY_NAMES[day] for day in sorted(entry.days)),
            f"{entry.at:%H:%M}",
            entry.preset or "",
        )
    )
    digest = hashlib.sha256(f"{salt}\n{content}".encode()).hexdigest()[:32]
    return f"{digest}@backstretch"


def _first_day(days: frozenset[int], today: date) -> date:
    """Return the first chosen weekday on or after today."""
    return next(today + timedelta(n) for n in range(7) if (today + timedelta(n)).weekday() in days)


def routine_link(base_url: str, preset: str | None) -> str:
    """Return the page that opens the routine, ready to start."""
    query = f"?{urlencode({'preset': preset})}" if preset else ""
    return f"{base_url.rstrip('/')}/plan{query}"


def _title(entry: CalendarEntry, names: Mapping[str, str]) -> str:
    if entry.kind is ReminderKind.DESK_BREAK:
        return "Desk break: posture check and a short stretch"
    name = names.get(entry.preset or "")
    return f"Stretch: {name}" if name else "Stretch: your routine"


def calendar_file(
    schedule: Schedule,
    *,
    base_url: str,
    salt: str,
    today: date,
    stamp: datetime,
    names: Mapping[str, str] | None = None,
) -> bytes:
    """Return the schedule as .ics bytes: recurring events in the person's zone, with alarms."""
    from icalendar import Alarm, Calendar, Event, Timezone, vRecur

    names = names or {}
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "backstretch reminders")
    calendar.add("x-wr-timezone", schedule.timezone)
    zone = schedule.zone
    found = entries(schedule)
    if found:
        calendar.add_component(
            Timezone.from_tzid(
                schedule.timezone,
                first_date=today - timedelta(days=1),
                last_date=today + timedelta(days=366 * TIMEZONE_YEARS),
            )
        )
    for entry in _sorted(found):
        start = datetime.combine(_first_day(entry.days, today), entry.at).replace(tzinfo=zone)
        link = routine_link(base_url, entry.preset)
        title = _title(entry, names)
        event = Event()
        event.add("uid", entry_uid(entry, salt))
        event.add("dtstamp", stamp)
        event.add("summary", title)
        event.add("dtstart", start)
        event.add("duration", timedelta(minutes=entry.minutes))
        event.add(
            "rrule",
            vRecur(freq="WEEKLY", byday=[ICAL_DAYS[day] for day in sorted(entry.days)]),
        )
        event.add("url", link)
        event.add(
            "description",
            f"{_description(entry)} {format_days(entry.days).capitalize()} at {entry.at:%H:%M}."
            f" Open the routine: {link}",
        )
        event.add("transp", "TRANSPARENT")  # a reminder, not a meeting: it never shows as busy
        event.add("categories", ["backstretch"])
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", title)
        alarm.add("trigger", timedelta(0))  # at the start
        event.add_component(alarm)
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data


def _description(entry: CalendarEntry) -> str:
    if entry.kind is ReminderKind.DESK_BREAK:
        return "Sit back, lift your head over your shoulders, and stretch for two or three minutes."
    return "Time for your stretching routine, gently and within comfort."


def _sorted(found: Iterable[CalendarEntry]) -> list[CalendarEntry]:
    return sorted(found, key=lambda e: (e.kind.value != "session", e.at, min(e.days)))
