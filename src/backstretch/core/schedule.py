"""A person's reminder schedule and the reminders it produces, in the person's time zone.

Public API (shared by the terminal, the browser, the push scheduler and the calendar file):

- `Slot(days, at, preset)`: a session on some weekdays (Monday = 0) at a local wall time.
- `QuietHours(start, end)`: no reminder whose local time falls in [start, end); may cross midnight.
- `DeskBreaks(days, start, end, every_minutes=50, enabled=True)`: a break every N minutes of the
  working day, the first N minutes after `start`, the last strictly before `end`.
- `Schedule(timezone, sessions, weekly_target, quiet, breaks, enabled)`; `Schedule.empty(tz)`.
- `ReminderKind` (`session` | `desk_break`; `safety_advice` only names a delivery: the one
  message sent instead of reminders while a safety block is open), `DeliveryState` (due | sent |
  snoozed | skipped | dropped: what happened to one reminder, stored per `Reminder.key`).
- `Reminder(kind, due, local, preset, key)`: `due` is aware UTC, `local` is aware in the person's
  zone, `key` is `"<kind>:<YYYY-MM-DDTHH:MM>"` on the *slot's* local date and wall time, so it is
  stable, unique per schedule and the unique key of a delivery.
- `reminders_between(schedule, start_utc, end_utc)`: every reminder with start <= due < end,
  sorted by due time. Daylight saving: 08:30 stays 08:30 local on both sides of a change; a wall
  time that does not exist that day (the spring gap) fires the same length of time later (02:30 ->
  03:30), an ambiguous one (the autumn overlap) fires once, at its first occurrence. Quiet hours
  suppress; a turned-off schedule (or turned-off desk breaks) gives nothing.
- `reminder_from_key(schedule, key)`: the reminder a delivery's key names (to snooze or skip it).
- `next_reminder(schedule, after_utc, kind=None)`: the first reminder at or after a moment.
- `in_work_hours(schedule, at_utc)`, `work_window(schedule, day)`: for "the next break is at ...".
- `snoozed(reminder, minutes, now=None)`: the same reminder (same key), due `minutes` after the
  later of its due time and `now`.
- `weekly_progress(schedule, session_days, today) -> WeeklyProgress(done, target, week_start)`:
  days with a session in this Monday-to-Sunday week; a missed day only leaves room for another.
- `schedule_document(schedule) -> dict` / `schedule_from_document(dict) -> Schedule`: the stored
  and exchanged JSON form; invalid input raises `InvalidData` naming the field.
- `parse_days("mon,wed,fri" | "mon-fri" | "weekdays" | "daily")`, `parse_time("08:30")`,
  `parse_window("22:30-07:00")`, `format_days(days)`: the words people type, checked once here.

Nothing here reads a clock: every moment is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backstretch.core.validation import InvalidData

DOCUMENT_VERSION = 1
DEFAULT_BREAK_MINUTES = 50  # a break for every 50 minutes of sitting (sources 002, 003)
MIN_BREAK_MINUTES = 10
MAX_BREAK_MINUTES = 240
SNOOZE_CHOICES = (5, 10, 30)  # the minutes offered for a snooze; any 1-240 is accepted
MAX_SNOOZE_MINUTES = 240
MAX_SLOTS = 21  # three a day, every day: more is a mistake, not a plan
MAX_WEEKLY_TARGET = 7  # days with a session in a week
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
_NEAR = timedelta(hours=3)  # more than any clock change a zone makes
_PRESET = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class ReminderKind(StrEnum):
    """What a reminder is for."""

    SESSION = "session"
    DESK_BREAK = "desk_break"
    # Never made by `reminders_between`: the one message sent instead of reminders while a
    # safety block is open (key "safety_advice:block-<id>", so it goes once per block).
    SAFETY_ADVICE = "safety_advice"


class DeliveryState(StrEnum):
    """What happened to one reminder (one row per `Reminder.key`)."""

    DUE = "due"  # waiting to be sent
    SENT = "sent"  # delivered (or shown by the terminal)
    SNOOZED = "snoozed"  # due again at `snoozed_until`
    SKIPPED = "skipped"  # the person passed it over; a desk break can still be taken later
    DROPPED = "dropped"  # not sent on purpose (a safety block, reminders turned off, too late)


@dataclass(frozen=True)
class Slot:
    """A session reminder: on these weekdays (Monday = 0) at this local wall time."""

    days: frozenset[int]
    at: time
    preset: str | None = None


@dataclass(frozen=True)
class QuietHours:
    """Local hours with no reminders; `start` after `end` means the span crosses midnight."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        """Tell whether a local wall time falls in the quiet hours."""
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


@dataclass(frozen=True)
class DeskBreaks:
    """Work hours on some weekdays with a break every `every_minutes`."""

    days: frozenset[int]
    start: time
    end: time
    every_minutes: int = DEFAULT_BREAK_MINUTES
    enabled: bool = True

    def times(self) -> tuple[time, ...]:
        """Return the local wall times of the day's breaks, in order."""
        start = _minutes_of(self.start)
        end = _minutes_of(self.end)
        return tuple(
            time(minute // 60, minute % 60)
            for minute in range(start + self.every_minutes, end, self.every_minutes)
        )


@dataclass(frozen=True)
class Schedule:
    """Everything a person chose about reminders; `enabled=False` silences all of it at once."""

    timezone: str
    sessions: tuple[Slot, ...] = ()
    weekly_target: int | None = None
    quiet: QuietHours | None = None
    breaks: DeskBreaks | None = None
    enabled: bool = True

    @classmethod
    def empty(cls, timezone: str) -> Schedule:
        """Return a schedule with nothing in it yet."""
        return cls(timezone=timezone)

    @property
    def zone(self) -> ZoneInfo:
        """Return the person's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def breaks_on(self) -> bool:
        """Tell whether desk breaks would be reminded (the whole schedule and the breaks on)."""
        return self.enabled and self.breaks is not None and self.breaks.enabled

    def warnings(self) -> tuple[str, ...]:
        """Return plain sentences about choices that will never remind (quiet hours, no room)."""
        notes: list[str] = []
        if self.quiet is not None:
            for slot in self.sessions:
                if self.quiet.contains(slot.at):
                    notes.append(
                        f"The {slot.at:%H:%M} session falls in quiet hours"
                        f" ({self.quiet.start:%H:%M}-{self.quiet.end:%H:%M}),"
                        " so it will not remind."
                    )
        if self.breaks is not None and self.breaks.enabled and not self.breaks.times():
            notes.append(
                f"Work hours {self.breaks.start:%H:%M}-{self.breaks.end:%H:%M} are shorter than"
                f" {self.breaks.every_minutes} minutes, so there is no desk break in them."
            )
        return tuple(notes)


@dataclass(frozen=True)
class Reminder:
    """One reminder: when it is due (UTC), the same moment on the person's clock, and its key."""

    kind: ReminderKind
    due: datetime  # aware, UTC
    local: datetime  # aware, the person's zone
    preset: str | None
    key: str  # "<kind>:<slot's local date>T<slot's HH:MM>": the unique key of its delivery


@dataclass(frozen=True)
class WeeklyProgress:
    """Days with a session in the week that started on `week_start` (a Monday), and the aim."""

    done: int
    target: int | None
    week_start: date
    days_left: int = 0  # days after today in this week, today not counted

    @property
    def met(self) -> bool:
        """Tell whether the week's target is reached."""
        return self.target is not None and self.done >= self.target

    @property
    def within_reach(self) -> bool:
        """Tell whether the target can still be met this week (today still counts)."""
        if self.target is None:
            return True
        return self.done + self.days_left + 1 >= self.target

    def to_json(self) -> dict[str, Any]:
        """Return the progress as plain JSON values."""
        return {
            "done": self.done,
            "target": self.target,
            "week_start": self.week_start.isoformat(),
            "met": self.met,
            "days_left": self.days_left,
        }


# ---- reminders -----------------------------------------------------------------------------


def _minutes_of(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def resolve_local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the aware local moment a wall time names on a day, DST-correct.

    With `fold=0` a wall time in the spring gap takes the offset from before the change, which
    lands it the gap's length later (02:30 -> 03:30 in London); an ambiguous time in the autumn
    overlap takes its first occurrence. Converting to UTC and back gives the real local clock.
    """
    naive = datetime.combine(day, at).replace(tzinfo=zone, fold=0)
    return naive.astimezone(UTC).astimezone(zone)


def _reminder(
    kind: ReminderKind, day: date, at: time, zone: ZoneInfo, preset: str | None
) -> Reminder:
    local = resolve_local(day, at, zone)
    key = f"{kind.value}:{day.isoformat()}T{at:%H:%M}"
    return Reminder(kind=kind, due=local.astimezone(UTC), local=local, preset=preset, key=key)


def _wall_times(
    schedule: Schedule, weekday: int, break_times: tuple[time, ...]
) -> Iterable[tuple[ReminderKind, time, str | None]]:
    for slot in schedule.sessions:
        if weekday in slot.days:
            yield ReminderKind.SESSION, slot.at, slot.preset
    breaks = schedule.breaks
    if breaks is not None and breaks.enabled and weekday in breaks.days:
        for at in break_times:
            yield ReminderKind.DESK_BREAK, at, "desk-break"


def _order(reminder: Reminder) -> tuple[datetime, int, str]:
    return (reminder.due, 0 if reminder.kind is ReminderKind.SESSION else 1, reminder.key)


def reminders_between(schedule: Schedule, start_utc: datetime, end_utc: datetime) -> list[Reminder]:
    """Return every reminder due in [start_utc, end_utc), sorted; quiet hours and off give none."""
    if start_utc.tzinfo is None or end_utc.tzinfo is None:
        raise ValueError("reminders_between needs aware datetimes")
    if not schedule.enabled or end_utc <= start_utc:
        return []
    zone = schedule.zone
    local_start = start_utc.astimezone(zone).replace(tzinfo=None)
    local_end = end_utc.astimezone(zone).replace(tzinfo=None)
    # A wall time lands at most a clock change away from itself (a gap moves it forward, an
    # overlap picks its first occurrence), and no zone changes its clocks by more than a few
    # hours: wall times further than that from the window are never resolved. The day before
    # covers a gap at midnight that moves a late slot into the next day.
    near_start, near_end = local_start - _NEAR, local_end + _NEAR
    break_times = schedule.breaks.times() if schedule.breaks is not None else ()
    found: dict[str, Reminder] = {}
    day = local_start.date() - timedelta(days=1)
    while day <= local_end.date():
        for kind, at, preset in _wall_times(schedule, day.weekday(), break_times):
            if not near_start <= datetime.combine(day, at) < near_end:
                continue
            reminder = _reminder(kind, day, at, zone, preset)
            if not start_utc <= reminder.due < end_utc:
                continue
            if schedule.quiet is not None and schedule.quiet.contains(reminder.local.time()):
                continue
            found.setdefault(reminder.key, reminder)
        day += timedelta(days=1)
    return sorted(found.values(), key=_order)


def _slot_times(slot: Slot) -> set[tuple[int, time]]:
    return {(day, slot.at) for day in slot.days}


def reminder_from_key(schedule: Schedule, key: str) -> Reminder:
    """Return the reminder a delivery key names (its preset from the schedule), or raise
    `InvalidData` when the key is not one this module makes."""
    kind_text, _, when = key.partition(":")
    try:
        kind = ReminderKind(kind_text)
        local = datetime.strptime(when, "%Y-%m-%dT%H:%M")
    except ValueError:
        raise InvalidData("key", f"{key!r} is not a reminder") from None
    if kind is ReminderKind.SAFETY_ADVICE:
        raise InvalidData("key", f"{key!r} is safety advice, not a reminder")
    preset: str | None = "desk-break" if kind is ReminderKind.DESK_BREAK else None
    for slot in schedule.sessions:
        if kind is ReminderKind.SESSION and (local.weekday(), local.time()) in _slot_times(slot):
            preset = slot.preset
    return _reminder(kind, local.date(), local.time(), schedule.zone, preset)


def next_reminder(
    schedule: Schedule, after_utc: datetime, kind: ReminderKind | None = None
) -> Reminder | None:
    """Return the first reminder due at or after a moment (of one kind if given), within 8 days."""
    for reminder in reminders_between(schedule, after_utc, after_utc + timedelta(days=8)):
        if kind is None or reminder.kind is kind:
            return reminder
    return None


def work_window(schedule: Schedule, day: date) -> tuple[datetime, datetime] | None:
    """Return the aware local start and end of work hours on a day, or None if not a work day."""
    breaks = schedule.breaks
    if not schedule.breaks_on or breaks is None or day.weekday() not in breaks.days:
        return None
    zone = schedule.zone
    return resolve_local(day, breaks.start, zone), resolve_local(day, breaks.end, zone)


def in_work_hours(schedule: Schedule, at_utc: datetime) -> bool:
    """Tell whether a moment falls in the person's work hours with desk breaks on."""
    window = work_window(schedule, at_utc.astimezone(schedule.zone).date())
    return window is not None and window[0] <= at_utc < window[1]


def snoozed(reminder: Reminder, minutes: int, now: datetime | None = None) -> Reminder:
    """Return the same reminder (same key) due `minutes` after its due time, or after `now`."""
    if not 1 <= minutes <= MAX_SNOOZE_MINUTES:
        raise InvalidData(
            "minutes", f"a snooze is 1 to {MAX_SNOOZE_MINUTES} minutes, not {minutes}"
        )
    base = reminder.due if now is None else max(reminder.due, now.astimezone(UTC))
    due = base + timedelta(minutes=minutes)
    local_zone = reminder.local.tzinfo
    return replace(reminder, due=due, local=due.astimezone(local_zone))


def weekly_progress(
    schedule: Schedule, session_days: Sequence[date], today: date
) -> WeeklyProgress:
    """Count the days with a session this week (Monday to today) against the weekly target.

    Days, not sessions: two on one day count once, as the sources favour short and often. A
    missed day takes nothing away; it only leaves fewer days to reach the target.
    """
    start = today - timedelta(days=today.weekday())
    done = len({day for day in session_days if start <= day <= today})
    return WeeklyProgress(
        done=done, target=schedule.weekly_target, week_start=start, days_left=6 - today.weekday()
    )


# ---- words people type -------------------------------------------------------------------


def parse_time(text: str, field_name: str = "at") -> time:
    """Read "08:30" (or "8:30") as a wall time, or raise `InvalidData` naming the field."""
    match = _TIME.match(text.strip()) if isinstance(text, str) else None
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise InvalidData(field_name, f"{text!r} is not a time of day (use HH:MM, 00:00 to 23:59)")
    return time(int(match[1]), int(match[2]))


def _day(text: str, field_name: str) -> int:
    word = text.strip().lower()[:3]
    if word not in DAY_NAMES or len(text.strip()) < 3:
        raise InvalidData(field_name, f"{text.strip()!r} is not a day (use mon, tue, ... sun)")
    return DAY_NAMES.index(word)


def parse_days(text: str | Sequence[str], field_name: str = "days") -> frozenset[int]:
    """Read "mon,wed,fri", "mon-fri", "weekdays", "weekends" or "daily" as weekday numbers."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    days: set[int] = set()
    for part in parts:
        word = str(part).strip().lower()
        if word in {"daily", "every-day", "everyday", "all"}:
            days |= EVERY_DAY
        elif word in {"weekdays", "workdays"}:
            days |= WEEKDAYS
        elif word in {"weekends", "weekend"}:
            days |= {5, 6}
        elif "-" in word:
            low, high = (_day(end, field_name) for end in word.split("-", 1))
            if high < low:
                raise InvalidData(field_name, f"{word!r} runs backwards (write it as mon-fri)")
            days |= set(range(low, high + 1))
        elif word:
            days.add(_day(word, field_name))
    if not days:
        raise InvalidData(field_name, "choose at least one day")
    return frozenset(days)


def parse_window(text: str, field_name: str) -> tuple[time, time]:
    """Read "22:30-07:00" as a start and an end time."""
    if not isinstance(text, str) or text.count("-") != 1:
        raise InvalidData(field_name, f"{text!r} is not a span of time (use HH:MM-HH:MM)")
    start, end = text.split("-")
    return parse_time(start, field_name), parse_time(end, field_name)


def format_days(days: Iterable[int]) -> str:
    """Return days as people say them: "every day", "weekdays", "Mon, Wed, Fri"."""
    chosen = frozenset(days)
    if chosen == EVERY_DAY:
        return "every day"
    if chosen == WEEKDAYS:
        return "weekdays"
    if chosen == frozenset({5, 6}):
        return "weekends"
    return ", ".join(DAY_NAMES[day].capitalize() for day in sorted(chosen))


# ---- the stored document ---------------------------------------------------------------------


def _days_json(days: frozenset[int]) -> list[str]:
    return [DAY_NAMES[day] for day in sorted(days)]


def schedule_document(schedule: Schedule) -> dict[str, Any]:
    """Return the schedule as JSON-safe data (the form stored and exchanged)."""
    breaks = schedule.breaks
    return {
        "version": DOCUMENT_VERSION,
        "timezone": schedule.timezone,
        "enabled": schedule.enabled,
        "sessions": [
            {"days": _days_json(slot.days), "at": f"{slot.at:%H:%M}", "preset": slot.preset}
            for slot in schedule.sessions
        ],
        "weekly_target": schedule.weekly_target,
        "quiet": None
        if schedule.quiet is None
        else {"start": f"{schedule.quiet.start:%H:%M}", "end": f"{schedule.quiet.end:%H:%M}"},
        "breaks": None
        if breaks is None
        else {
            "days": _days_json(breaks.days),
            "start": f"{breaks.start:%H:%M}",
            "end": f"{breaks.end:%H:%M}",
            "every_minutes": breaks.every_minutes,
            "enabled": breaks.enabled,
        },
    }


def _mapping(value: Any, field_name: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidData(field_name, "must be an object")
    return value


def _only(value: Mapping[str, Any], allowed: set[str], field_name: str) -> None:
    unknown = sorted(set(value) - allowed)
    if unknown:
        prefix = f"{field_name}." if field_name else ""
        raise InvalidData(f"{prefix}{unknown[0]}", "is not a field of a schedule")


def _bool(value: Any, field_name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidData(field_name, "must be true or false")
    return value


def _int(value: Any, field_name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidData(field_name, f"must be a whole number from {low} to {high}")
    return value


def _time_field(value: Any, field_name: str) -> time:
    if not isinstance(value, str):
        raise InvalidData(field_name, "must be a time written HH:MM")
    return parse_time(value, field_name)


def _days_field(value: Any, field_name: str) -> frozenset[int]:
    if isinstance(value, str):
        return parse_days(value, field_name)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidData(field_name, "must be a list of days (mon ... sun)")
    return parse_days(value, field_name)


def check_timezone(name: Any, field_name: str = "timezone") -> str:
    """Return an IANA zone name that exists, or raise `InvalidData`."""
    if not isinstance(name, str) or not name or name != name.strip():
        raise InvalidData(field_name, "must be a time zone name such as Europe/London")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidData(field_name, f"{name!r} is not a known time zone") from None
    return name


def check_preset(value: Any, field_name: str) -> str | None:
    """Return a preset id shaped like one (the catalogue decides whether it exists), or None."""
    if value is None:
        return None
    if not isinstance(value, str) or not _PRESET.match(value):
        raise InvalidData(field_name, f"{value!r} is not a preset name (such as morning)")
    return value


def _slot(value: Any, field_name: str) -> Slot:
    data = _mapping(value, field_name)
    _only(data, {"days", "at", "preset"}, field_name)
    if "days" not in data or "at" not in data:
        raise InvalidData(field_name, "needs days and at")
    return Slot(
        days=_days_field(data["days"], f"{field_name}.days"),
        at=_time_field(data["at"], f"{field_name}.at"),
        preset=check_preset(data.get("preset"), f"{field_name}.preset"),
    )


def check_sessions(sessions: Sequence[Slot], field_name: str = "sessions") -> tuple[Slot, ...]:
    """Return the slots if no two remind on the same day at the same time; else raise."""
    if len(sessions) > MAX_SLOTS:
        raise InvalidData(field_name, f"at most {MAX_SLOTS} session times")
    taken: dict[tuple[int, time], int] = {}
    for index, slot in enumerate(sessions):
        if not slot.days:
            raise InvalidData(f"{field_name}[{index}].days", "choose at least one day")
        for day in sorted(slot.days):
            if (day, slot.at) in taken:
                raise InvalidData(
                    f"{field_name}[{index}]",
                    f"there is already a session on {DAY_NAMES[day].capitalize()}"
                    f" at {slot.at:%H:%M}",
                )
            taken[(day, slot.at)] = index
    return tuple(sessions)


def check_breaks(breaks: DeskBreaks, field_name: str = "breaks") -> DeskBreaks:
    """Return the desk breaks if the work hours run forward within one day; else raise."""
    if not breaks.days:
        raise InvalidData(f"{field_name}.days", "choose at least one day")
    if breaks.end <= breaks.start:
        raise InvalidData(
            field_name,
            f"work hours must end after they start ({breaks.start:%H:%M}-{breaks.end:%H:%M})",
        )
    _int(breaks.every_minutes, f"{field_name}.every_minutes", MIN_BREAK_MINUTES, MAX_BREAK_MINUTES)
    return breaks


def check_quiet(quiet: QuietHours, field_name: str = "quiet") -> QuietHours:
    """Return the quiet hours if they span some time; else raise."""
    if quiet.start == quiet.end:
        raise InvalidData(field_name, "quiet hours must start and end at different times")
    return quiet


def schedule_from_document(document: Any) -> Schedule:
    """Read a schedule from its JSON form, or raise `InvalidData` naming the first wrong field."""
    data = _mapping(document, "(schedule)")
    _only(
        data, {"version", "timezone", "enabled", "sessions", "weekly_target", "quiet", "breaks"}, ""
    )
    version = data.get("version", DOCUMENT_VERSION)
    if version != DOCUMENT_VERSION:
        raise InvalidData(
            "version", f"this version of backstretch reads version {DOCUMENT_VERSION}"
        )
    timezone = check_timezone(data.get("timezone"))
    enabled = _bool(data.get("enabled", True), "enabled")
    raw_sessions = data.get("sessions", [])
    if not isinstance(raw_sessions, list | tuple):
        raise InvalidData("sessions", "must be a list")
    sessions = check_sessions(
        [_slot(item, f"sessions[{index}]") for index, item in enumerate(raw_sessions)]
    )
    target = data.get("weekly_target")
    weekly_target = None if target is None else _int(target, "weekly_target", 1, MAX_WEEKLY_TARGET)
    quiet = None
    if data.get("quiet") is not None:
        raw = _mapping(data["quiet"], "quiet")
        _only(raw, {"start", "end"}, "quiet")
        quiet = check_quiet(
            QuietHours(
                start=_time_field(raw.get("start"), "quiet.start"),
                end=_time_field(raw.get("end"), "quiet.end"),
            )
        )
    breaks = None
    if data.get("breaks") is not None:
        raw = _mapping(data["breaks"], "breaks")
        _only(raw, {"days", "start", "end", "every_minutes", "enabled"}, "breaks")
        breaks = check_breaks(
            DeskBreaks(
                days=_days_field(
                    raw.get("days", ["mon", "tue", "wed", "thu", "fri"]), "breaks.days"
                ),
                start=_time_field(raw.get("start"), "breaks.start"),
                end=_time_field(raw.get("end"), "breaks.end"),
                every_minutes=_int(
                    raw.get("every_minutes", DEFAULT_BREAK_MINUTES),
                    "breaks.every_minutes",
                    MIN_BREAK_MINUTES,
                    MAX_BREAK_MINUTES,
                ),
                enabled=_bool(raw.get("enabled", True), "breaks.enabled"),
            )
        )
    return Schedule(
        timezone=timezone,
        sessions=sessions,
        weekly_target=weekly_target,
        quiet=quiet,
        breaks=breaks,
        enabled=enabled,
    )


__all__ = [
    "DAY_NAMES",
    "DEFAULT_BREAK_MINUTES",
    "SNOOZE_CHOICES",
    "DeliveryState",
    "DeskBreaks",
    "QuietHours",
    "Reminder",
    "ReminderKind",
    "Schedule",
    "Slot",
    "WeeklyProgress",
    "check_breaks",
    "check_preset",
    "check_quiet",
    "check_sessions",
    "check_timezone",
    "format_days",
    "in_work_hours",
    "next_reminder",
    "parse_days",
    "parse_time",
    "parse_window",
    "reminder_from_key",
    "reminders_between",
    "resolve_local",
    "schedule_document",
    "schedule_from_document",
    "snoozed",
    "weekly_progress",
    "work_window",
]
