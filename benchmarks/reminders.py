"""A year of reminders across the clock changes, in three time zones: are they on time?

For each of Europe/London, America/New_York and Australia/Sydney (each changes its clocks twice
a year; Sydney in the opposite season) it takes one schedule:

  sessions     Monday, Wednesday and Friday at 08:30 (morning); every day at 22:00 (bedtime);
               Sunday at 02:30 (a time that does not exist on a spring-forward Sunday in New
               York and Sydney and happens twice on their fall-back Sundays) and Sunday at
               01:30 (the same for London)
               and every day at 23:30, inside the quiet hours, so it must never remind
  quiet hours  23:00-01:00 (across midnight)
  desk breaks  weekdays 09:00-17:00, every 50 minutes

and asks `core.schedule.reminders_between` for the whole of 2026 in the way the push scheduler
does, a minute at a time (525,600 windows a zone), then once for the whole year, and counts:

  reminders    how many came due
  on time      reminders whose local time is the slot's own time (08:30 stays 08:30 on both
               sides of a change); the rest must be spring-gap times moved forward by the gap
  moved        reminders whose slot time did not exist that day (fired the gap's length later)
  in quiet     reminders whose local time falls in quiet hours (must be 0)
  duplicates   keys seen twice (must be 0), and whether minute-by-minute asking gave exactly
               the whole-year answer (no reminder lost or repeated at a window's edge)

It uses no database and no clock: `python benchmarks/reminders.py` (about 10 s of CPU a zone).
"""

from __future__ import annotations

import sys
import time as timer
from collections import Counter
from datetime import UTC, datetime, time, timedelta

from backstretch.core.schedule import (
    DeskBreaks,
    QuietHours,
    Reminder,
    ReminderKind,
    Schedule,
    Slot,
    reminders_between,
)

ZONES = ("Europe/London", "America/New_York", "Australia/Sydney")
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR_END = datetime(2027, 1, 1, tzinfo=UTC)
STEP = timedelta(minutes=1)


def schedule_for(zone: str) -> Schedule:
    """Return the benchmark's schedule in a zone (the night slot is placed in its DST hour)."""
    night = time(1, 30) if zone == "Europe/London" else time(2, 30)
    return Schedule(
        timezone=zone,
        sessions=(
            Slot(frozenset({0, 2, 4}), time(8, 30), "morning"),
            Slot(frozenset(range(7)), time(22, 0), "bedtime"),
            Slot(frozenset({6}), night, None),
            Slot(frozenset(range(7)), time(23, 30), None),  # in quiet hours: never reminds
        ),
        weekly_target=3,
        quiet=QuietHours(time(23, 0), time(1, 0)),
        breaks=DeskBreaks(frozenset(range(5)), time(9, 0), time(17, 0), 50),
    )


def nominal(reminder: Reminder) -> datetime:
    """Return the slot's own local date and time, from the key."""
    return datetime.strptime(reminder.key.split(":", 1)[1], "%Y-%m-%dT%H:%M")


def measure(zone: str) -> dict[str, int | bool | float]:
    """Ask minute by minute for a year; count what came."""
    schedule = schedule_for(zone)
    started = timer.process_time()
    found: list[Reminder] = []
    moment = YEAR_START
    while moment < YEAR_END:
        found += reminders_between(schedule, moment, moment + STEP)
        moment += STEP
    seconds = timer.process_time() - started
    whole = reminders_between(schedule, YEAR_START, YEAR_END)
    keys = Counter(r.key for r in found)
    assert schedule.quiet is not None
    on_time = moved = in_quiet = 0
    for reminder in found:
        wanted = nominal(reminder)
        shown = reminder.local.replace(tzinfo=None)
        if shown == wanted:
            on_time += 1
        elif timedelta(0) < shown - wanted <= timedelta(hours=1):
            moved += 1
        if schedule.quiet.contains(reminder.local.time()):
            in_quiet += 1
    offsets = {r.local.utcoffset() for r in found}
    return {
        "reminders": len(found),
        "sessions": sum(r.kind is ReminderKind.SESSION for r in found),
        "desk breaks": sum(r.kind is ReminderKind.DESK_BREAK for r in found),
        "on time": on_time,
        "moved (spring gap)": moved,
        "late or early": len(found) - on_time - moved,
        "in quiet hours": in_quiet,
        "duplicates": sum(n - 1 for n in keys.values() if n > 1),
        "minute-by-minute == whole year": found == whole,
        "UTC offsets seen": len(offsets),
        "CPU seconds": round(seconds, 1),
    }


def main() -> int:
    """Print the figures for each zone; exit 1 if any must-be-zero figure is not zero."""
    failed = False
    print("A year (2026) of reminders, asked a minute at a time as the push scheduler does")
    for zone in ZONES:
        figures = measure(zone)
        print(f"\n{zone}")
        for name, value in figures.items():
            print(f"  {name:<32} {value}")
        if figures["in quiet hours"] or figures["duplicates"] or figures["late or early"]:
            failed = True
        if not figures["minute-by-minute == whole year"]:
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
