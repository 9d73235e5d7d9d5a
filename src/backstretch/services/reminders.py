"""Reminders: the person's schedule, their weekly progress, and what happens to each reminder.

One use case per thing a person (or the push scheduler) would name:

- `get_schedule`, `save_schedule` (a whole schedule document: the browser's form, an API body),
  `change_schedule` (a few choices at a time: the terminal's flags), `turn_off` (everything off
  in one step; the choices are kept for turning back on).
- `reminder_overview`: the schedule, this week's progress next to the streak, what comes next.
- `queue_due` (for the scheduler): record the reminders due now as deliveries; while safety
  blocks a routine, record them as dropped and queue the block's advice once instead.
- `reminder_message`: the title, text and link a notification shows for a delivery.
- `mark_sent`, `snooze`, `skip`, `take_later` (`skipped_breaks_today`): what the person did
  with a reminder; `delivery_state`: what happened to it so far.
- `next_desk_break`: the next break and whether it is work hours now.
- `desk_break_plan`: the 1-3 minute micro-routine of a desk break, opening with a posture check.
- `calendar_download`: the schedule as an .ics file to import once, with what to say beside it.
- `people_with_reminders`: whom the scheduler serves.

The schedule's time zone is always the person's time-zone setting: change the setting and the
reminders follow it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from backstretch.core.schedule import (
    DEFAULT_BREAK_MINUTES,
    DeliveryState,
    DeskBreaks,
    QuietHours,
    Reminder,
    ReminderKind,
    Schedule,
    Slot,
    WeeklyProgress,
    check_breaks,
    check_preset,
    check_quiet,
    check_sessions,
    in_work_hours,
    next_reminder,
    parse_days,
    parse_time,
    parse_window,
    reminder_from_key,
    reminders_between,
    schedule_document,
    schedule_from_document,
    weekly_progress,
)
from backstretch.core.stats import Streak, count_streak, counting_sessions
from backstretch.core.validation import InvalidData
from backstretch.db import reminders as store
from backstretch.db import repository
from backstretch.services.errors import Blocked, Invalid, NotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from backstretch.db.reminders import StoredDelivery
    from backstretch.services.context import PersonContext, Services
    from backstretch.services.planning import TodayPlan

# How late a reminder may still be queued: a scheduler that was down longer than this does not
# send a pile of stale reminders when it comes back.
DEFAULT_LOOKBACK = timedelta(minutes=15)
DESK_BREAK_PRESET = "desk-break"
DESK_BREAK_MINUTES = 3  # the micro-routine's budget: 1-3 minutes (issue #18)
DESK_BREAK_SETTINGS = ("chair", "standing")
# Opens every desk break (source 000_5749af37cd5b2802: check how you sit at the screen and how
# you hold your phone). Our words.
POSTURE_CHECK = (
    "Posture check (source 000): how are you sitting right now?",
    "Curled toward the screen? Sit back into the chair and let your chest widen.",
    "Head tipped down to a phone or laptop? Lift the screen and let your head rest over your"
    " shoulders.",
    "Let your shoulders sink away from your ears and breathe out slowly once.",
)


def _invalid(error: InvalidData) -> Invalid:
    return Invalid(f"{error.field}: {error.problem}", field=error.field)


def _known_presets(person: PersonContext, schedule: Schedule) -> None:
    from backstretch.services.planning import presets

    known = presets(person)
    for index, slot in enumerate(schedule.sessions):
        if slot.preset is not None and slot.preset not in known:
            raise Invalid(
                f"sessions[{index}].preset: unknown preset '{slot.preset}'."
                f" Presets: {', '.join(known)}",
                field=f"sessions[{index}].preset",
            )


def _load(db: Session, person: PersonContext) -> Schedule:
    document = store.load_schedule(db=db)
    if document is None:
        return Schedule.empty(person.timezone)
    try:
        schedule = schedule_from_document(document)
    except InvalidData:
        # A stored schedule that no longer reads (a preset renamed) must not lock anyone out.
        return Schedule.empty(person.timezone)
    return replace(schedule, timezone=person.timezone)


def _store(db: Session, person: PersonContext, schedule: Schedule) -> Schedule:
    schedule = replace(schedule, timezone=person.timezone)
    _known_presets(person, schedule)
    now = person.now()
    store.save_schedule(db=db, document=schedule_document(schedule), at=now)
    # What was queued for a time the new schedule no longer has is not sent (nor any, when
    # reminders are off); a reminder both schedules share stays as it was (snoozed, due...).
    since = now - DEFAULT_LOOKBACK
    day = timedelta(days=1)
    kept = {r.key for r in reminders_between(schedule, now - day, now + day)}
    store.drop_pending(db=db, after=since, keep=kept)
    return schedule


def get_schedule(person: PersonContext) -> Schedule:
    """Return the person's schedule (empty when they never set one)."""
    with person.transaction() as db:
        return _load(db, person)


def save_schedule(person: PersonContext, document: Mapping[str, Any]) -> Schedule:
    """Replace the schedule with a whole schedule document; a bad field raises `Invalid`."""
    data = {**document, "timezone": person.timezone}
    try:
        schedule = schedule_from_document(data)
    except InvalidData as error:
        raise _invalid(error) from None
    with person.transaction() as db:
        return _store(db, person, schedule)


@dataclass(frozen=True)
class ScheduleChange:
    """A few choices at a time, as people type them; None leaves a choice as it is.

    `days` + `at` (+ `preset`) add a session time, or change the preset of the time already
    there; `clear` removes every session time first. `off` turns every reminder off in one step
    (the choices are kept), `on` turns them back on.
    """

    days: str | None = None
    at: str | None = None
    preset: str | None = None
    clear: bool = False
    weekly_target: int | None = None
    no_target: bool = False
    quiet: str | None = None
    no_quiet: bool = False
    breaks: str | None = None
    every_minutes: int | None = None
    break_days: str | None = None
    no_breaks: bool = False
    off: bool = False
    on: bool = False

    @property
    def changes_something(self) -> bool:
        """Tell whether any choice was made at all."""
        return any(
            value not in (None, False)
            for value in (
                self.days,
                self.at,
                self.preset,
                self.clear,
                self.weekly_target,
                self.no_target,
                self.quiet,
                self.no_quiet,
                self.breaks,
                self.every_minutes,
                self.break_days,
                self.no_breaks,
                self.off,
                self.on,
            )
        )


def _with_session(schedule: Schedule, change: ScheduleChange) -> Schedule:
    if change.days is None and change.at is None:
        if change.preset is not None:
            raise InvalidData("preset", "give it with a time: --days mon,wed,fri --at 08:30")
        return schedule
    if change.at is None:
        raise InvalidData("at", "say the time too, e.g. --at 08:30")
    at = parse_time(change.at, "at")
    days = parse_days(change.days, "days") if change.days is not None else frozenset(range(7))
    preset = check_preset(change.preset, "preset")
    kept: list[Slot] = []
    for slot in schedule.sessions:
        if slot.at == at:
            # The same time again: these days now use this preset; other days keep theirs.
            rest = slot.days - days
            if rest:
                kept.append(replace(slot, days=rest))
        else:
            kept.append(slot)
    kept.append(Slot(days=days, at=at, preset=preset))
    kept.sort(key=lambda slot: (slot.at, min(slot.days)))
    return replace(schedule, sessions=check_sessions(kept))


def _with_breaks(schedule: Schedule, change: ScheduleChange) -> Schedule:
    if change.no_breaks:
        if schedule.breaks is None:
            return schedule
        return replace(schedule, breaks=replace(schedule.breaks, enabled=False))
    wanted = (change.breaks, change.every_minutes, change.break_days)
    if all(value is None for value in wanted):
        return schedule
    before = schedule.breaks
    if before is None and change.breaks is None:
        raise InvalidData("breaks", "say the work hours too, e.g. --breaks 09:00-17:00")
    start, end = (
        parse_window(change.breaks, "breaks")
        if change.breaks is not None
        else (before.start, before.end)  # type: ignore[union-attr]
    )
    days = (
        parse_days(change.break_days, "break-days")
        if change.break_days is not None
        else (before.days if before is not None else frozenset(range(5)))
    )
    every = change.every_minutes or (
        before.every_minutes if before is not None else DEFAULT_BREAK_MINUTES
    )
    breaks = DeskBreaks(days=days, start=start, end=end, every_minutes=every, enabled=True)
    return replace(schedule, breaks=check_breaks(breaks))


def _changed(schedule: Schedule, change: ScheduleChange) -> Schedule:
    if change.off and change.on:
        raise InvalidData("off", "choose --off or --on, not both")
    if change.clear:
        schedule = replace(schedule, sessions=())
    schedule = _with_session(schedule, change)
    if change.no_target:
        schedule = replace(schedule, weekly_target=None)
    elif change.weekly_target is not None:
        if not 1 <= change.weekly_target <= 7:
            raise InvalidData("target", "a weekly target is 1 to 7 days with a session")
        schedule = replace(schedule, weekly_target=change.weekly_target)
    if change.no_quiet:
        schedule = replace(schedule, quiet=None)
    elif change.quiet is not None:
        start, end = parse_window(change.quiet, "quiet")
        schedule = replace(schedule, quiet=check_quiet(QuietHours(start, end)))
    schedule = _with_breaks(schedule, change)
    if change.off:
        schedule = replace(schedule, enabled=False)
    elif change.on or change.days is not None or change.at is not None or change.breaks:
        # Adding a time or work hours means the person wants reminders again.
        schedule = replace(schedule, enabled=True)
    return schedule


def change_schedule(person: PersonContext, change: ScheduleChange) -> Schedule:
    """Apply a few choices to the schedule and store it; a bad choice raises `Invalid` naming it."""
    with person.transaction() as db:
        try:
            schedule = _changed(_load(db, person), change)
        except InvalidData as error:
            raise _invalid(error) from None
        return _store(db, person, schedule)


def turn_off(person: PersonContext) -> Schedule:
    """Turn every reminder off in one step (the choices stay, for turning them back on)."""
    return change_schedule(person, ScheduleChange(off=True))


# ---- the overview --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderOverview:
    """The schedule, this week's progress beside the streak, and the next reminders."""

    schedule: Schedule
    progress: WeeklyProgress
    streak: Streak
    upcoming: tuple[Reminder, ...]
    warnings: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """Return the overview as plain JSON values."""
        return {
            "schedule": schedule_document(self.schedule),
            "progress": self.progress.to_json(),
            "streak": {"current": self.streak.current, "longest": self.streak.longest},
            "upcoming": [reminder_json(reminder) for reminder in self.upcoming],
            "warnings": list(self.warnings),
        }


def reminder_json(reminder: Reminder) -> dict[str, Any]:
    """Return a reminder as plain JSON values."""
    return {
        "kind": reminder.kind.value,
        "key": reminder.key,
        "due": reminder.due.isoformat(),
        "local": reminder.local.isoformat(),
        "preset": reminder.preset,
    }


def reminder_overview(person: PersonContext, *, upcoming: int = 5) -> ReminderOverview:
    """Return the schedule, this week's progress next to the streak, and what comes next."""
    now = person.now()
    with person.transaction() as db:
        schedule = _load(db, person)
        sessions = counting_sessions(repository.list_sessions(db=db))
    today = person.today(now)
    progress = weekly_progress(schedule, [s.local_day for s in sessions], today)
    coming = reminders_between(schedule, now, now + timedelta(days=8))[:upcoming]
    return ReminderOverview(
        schedule=schedule,
        progress=progress,
        streak=count_streak(sessions, today),
        upcoming=tuple(coming),
        warnings=schedule.warnings(),
    )


# ---- deliveries ----------------------------------------------------------------------------------


def _advice_key(db: Session) -> str:
    """Return the key of the advice for the safety reason open now: one message per block."""
    blocks = repository.open_blocks(db=db)
    if blocks:
        return f"{ReminderKind.SAFETY_ADVICE.value}:block-{max(b.id for b in blocks)}"
    latest = repository.latest_screening(db=db)
    return f"{ReminderKind.SAFETY_ADVICE.value}:screening-{latest.id if latest else 0}"


def queue_due(
    person: PersonContext, *, lookback: timedelta = DEFAULT_LOOKBACK
) -> list[StoredDelivery]:
    """Record the reminders due in the last `lookback` as deliveries (once each, however many
    servers ask) and return the person's deliveries ready to send now.

    While safety blocks a routine, the reminders are recorded as dropped and the block's advice
    is queued instead, once per block. Snoozed deliveries whose snooze has ended are ready too.
    """
    from backstretch.services.screening import current_gate_in

    now = person.now()
    with person.transaction() as db:
        schedule = _load(db, person)
        due = reminders_between(schedule, now - lookback, now + timedelta(microseconds=1))
        if due and not current_gate_in(db, now=now).may_plan:
            for reminder in due:
                store.record_due(db=db, reminder=reminder, state=DeliveryState.DROPPED)
            advice = Reminder(
                kind=ReminderKind.SAFETY_ADVICE,
                due=now,
                local=now.astimezone(schedule.zone),
                preset=None,
                key=_advice_key(db),
            )
            store.record_due(db=db, reminder=advice)
        else:
            for reminder in due:
                store.record_due(db=db, reminder=reminder)
        ready = [
            delivery
            for delivery in store.list_deliveries(db=db, since=now - timedelta(days=1))
            if delivery.state in (DeliveryState.DUE, DeliveryState.SNOOZED)
            and delivery.next_due <= now
        ]
    return ready


@dataclass(frozen=True)
class ReminderMessage:
    """What a notification says and opens."""

    title: str
    body: str
    url: str
    kind: ReminderKind
    key: str

    def to_json(self) -> dict[str, Any]:
        """Return the message as plain JSON values (a push payload)."""
        return {
            "title": self.title,
            "body": self.body,
            "url": self.url,
            "kind": self.kind.value,
            "key": self.key,
        }


def plan_url(preset: str | None) -> str:
    """Return the page that opens a reminder's routine, ready to start."""
    return f"/plan?preset={preset}" if preset else "/plan"


def reminder_message(person: PersonContext, kind: ReminderKind, key: str) -> ReminderMessage:
    """Return what a notification for a delivery says: the routine to open, or the advice."""
    from backstretch.services.planning import blocking_advice, presets

    if kind is ReminderKind.SAFETY_ADVICE:
        with person.transaction() as db:
            advice = blocking_advice(db, person.guide, person.emergency_number)
        return ReminderMessage(
            title=str(advice.get("title", "backstretch is paused for your safety")),
            body=str(advice.get("text", "")).split("\n\n")[0],
            url="/screen",
            kind=kind,
            key=key,
        )
    schedule = get_schedule(person)
    try:
        reminder = reminder_from_key(schedule, key)
    except InvalidData as error:
        raise _invalid(error) from None
    names = {preset_id: preset.name for preset_id, preset in presets(person).items()}
    if kind is ReminderKind.DESK_BREAK:
        return ReminderMessage(
            title="Time for a desk break",
            body="Two or three minutes in your chair or standing beside it, after a posture check.",
            url=plan_url(DESK_BREAK_PRESET),
            kind=kind,
            key=key,
        )
    name = names.get(reminder.preset or "", "your routine")
    return ReminderMessage(
        title=f"Time to stretch: {name}",
        body=f"Your {reminder.local:%H:%M} session is ready when you are.",
        url=plan_url(reminder.preset),
        kind=kind,
        key=key,
    )


def _reminder_for(schedule: Schedule, key: str) -> Reminder:
    try:
        return reminder_from_key(schedule, key)
    except InvalidData as error:
        raise _invalid(error) from None


def mark_sent(person: PersonContext, key: str) -> bool:
    """Record that a reminder was shown (pushed, or rung in the terminal); tell whether this call
    was the one that sent it, so the same reminder never goes out twice."""
    now = person.now()
    with person.transaction() as db:
        if store.get_delivery(db=db, key=key) is None:
            store.record_due(db=db, reminder=_reminder_for(_load(db, person), key))
        return store.mark_sent_if_due(db=db, key=key, at=now)


def delivery_state(person: PersonContext, key: str) -> DeliveryState | None:
    """Return what happened to a reminder so far, or None if it was never recorded."""
    with person.transaction() as db:
        stored = store.get_delivery(db=db, key=key)
    return stored.state if stored else None


def snooze(person: PersonContext, key: str, minutes: int) -> Reminder:
    """Put a reminder off for `minutes` from now (5, 10 or 30 are offered); return it as due
    again."""
    from backstretch.core.schedule import snoozed

    now = person.now()
    with person.transaction() as db:
        reminder = _reminder_for(_load(db, person), key)
        try:
            later = snoozed(reminder, minutes, now)
        except InvalidData as error:
            raise _invalid(error) from None
        store.set_state(
            db=db, reminder=reminder, state=DeliveryState.SNOOZED, at=now, snoozed_until=later.due
        )
    return later


def skip(person: PersonContext, key: str) -> Reminder:
    """Pass a reminder over (a desk break can still be taken later today)."""
    now = person.now()
    with person.transaction() as db:
        reminder = _reminder_for(_load(db, person), key)
        store.set_state(db=db, reminder=reminder, state=DeliveryState.SKIPPED, at=now)
    return reminder


def _skipped_today(db: Session, person: PersonContext, schedule: Schedule) -> list[Reminder]:
    now = person.now()
    start = datetime.combine(person.today(now), datetime.min.time(), tzinfo=schedule.zone)
    found = []
    for delivery in store.list_deliveries(db=db, since=start, kind=ReminderKind.DESK_BREAK):
        if delivery.state is DeliveryState.SKIPPED and delivery.due_at <= now:
            try:
                found.append(reminder_from_key(schedule, delivery.key))
            except InvalidData:
                continue  # made under another schedule's zone: not today's any more
    return found


def skipped_breaks_today(person: PersonContext) -> list[Reminder]:
    """Return today's desk breaks the person skipped and has not taken since, oldest first."""
    with person.transaction() as db:
        return _skipped_today(db, person, _load(db, person))


def take_later(person: PersonContext, key: str | None = None) -> Reminder:
    """Take a skipped desk break now: the one named, or the latest skipped today. Raise
    `NotFound` when there is none to take."""
    now = person.now()
    with person.transaction() as db:
        schedule = _load(db, person)
        if key is None:
            skipped = _skipped_today(db, person, schedule)
            if not skipped:
                raise NotFound("no skipped desk break today to take now", field="key")
            key = skipped[-1].key
        stored = store.get_delivery(db=db, key=key)
        if stored is None or stored.state is not DeliveryState.SKIPPED:
            raise NotFound("that break was not skipped", field="key")
        reminder = _reminder_for(schedule, key)
        store.set_state(db=db, reminder=reminder, state=DeliveryState.SENT, at=now)
    return reminder


def next_desk_break(person: PersonContext) -> tuple[Schedule, Reminder | None, bool]:
    """Return the schedule, the next desk break from now, and whether now is in work hours."""
    now = person.now()
    schedule = get_schedule(person)
    found = next_reminder(schedule, now, ReminderKind.DESK_BREAK) if schedule.breaks_on else None
    return schedule, found, in_work_hours(schedule, now)


# ---- the desk break's routine --------------------------------------------------------------------


@dataclass(frozen=True)
class DeskBreak:
    """A desk break's micro-routine, and the posture check it opens with."""

    today: TodayPlan
    posture_check: tuple[str, ...] = POSTURE_CHECK


def desk_break_plan(person: PersonContext) -> DeskBreak:
    """Plan a 1-3 minute desk break for the person's areas, in the chair or standing.

    The areas and the chair-or-standing choice come from the remembered profile when it has
    them (a floor or bed setting becomes the chair). Safety blocking a routine raises `Blocked`.
    """
    from backstretch.services.planning import PlanChoice, plan_today, remembered_profile

    remembered = remembered_profile(person)
    flags: dict[str, Any] = {"minutes": DESK_BREAK_MINUTES, "setting": "chair"}
    if remembered is not None:
        flags["areas"] = [area.value for area in remembered.areas]
        if remembered.setting.value in DESK_BREAK_SETTINGS:
            flags["setting"] = remembered.setting.value
    today = plan_today(person, PlanChoice(preset=DESK_BREAK_PRESET, flags=flags))
    if not today.plan.items:
        raise Blocked("no stretch fits a desk break with your restrictions right now")
    return DeskBreak(today=today)


# ---- the calendar file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarDownload:
    """The .ics file and what to say beside it."""

    data: bytes
    filename: str
    note: str  # why a file and not a feed: feeds often lose their alarms
    desk_breaks: str | None  # why there are no desk breaks in it, when there are none


def _calendar_salt(person: PersonContext) -> str:
    """Return the person's salt for calendar UIDs: stable, and not guessable from outside."""
    import hashlib
    import hmac

    from backstretch.services.accounts import shared_secret

    with person.services.transaction() as db:
        secret = shared_secret(db, "calendar-uid")
    digest = hmac.new(secret.encode(), f"calendar:{person.owner_id}".encode(), hashlib.sha256)
    return digest.hexdigest()


def calendar_download(person: PersonContext, *, base_url: str) -> CalendarDownload:
    """Return the schedule as an iCalendar file with alarms, linking back to `base_url`.

    Reminders turned off, or a schedule with nothing in it, raise `Invalid` saying so.
    """
    from backstretch.render.calendar import (
        CALENDAR_NOTE,
        calendar_file,
        entries,
        why_no_desk_breaks,
    )
    from backstretch.services.planning import presets

    schedule = get_schedule(person)
    if not schedule.enabled:
        raise Invalid("reminders are turned off: turn them on before making a calendar file")
    if not entries(schedule):
        raise Invalid("there is nothing to put in a calendar yet: choose a day and a time first")
    now = person.now()
    names = {preset_id: preset.name for preset_id, preset in presets(person).items()}
    data = calendar_file(
        schedule,
        base_url=base_url,
        salt=_calendar_salt(person),
        today=person.today(now),
        stamp=now,
        names=names,
    )
    return CalendarDownload(
        data=data,
        filename="backstretch-reminders.ics",
        note=CALENDAR_NOTE,
        desk_breaks=why_no_desk_breaks(schedule),
    )


# ---- everyone, for the scheduler -----------------------------------------------------------------


def people_with_reminders(services: Services) -> list[int]:
    """Return the ids of everyone with a schedule (the scheduler asks each one `queue_due`)."""
    with services.transaction() as db:
        return store.owners_with_schedules(db=db)
