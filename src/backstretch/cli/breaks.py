"""`backstretch breaks`: a desk-break companion for the working day, in the foreground.

It waits for the next desk break of the schedule (`backstretch remind --breaks 09:00-17:00`),
rings the terminal bell (and shows a desktop notification where `notify-send` exists), shows a
short posture check, and on Enter plays the 1-3 minute micro-routine with the same player as
`backstretch start`. At a break: `s 5`, `s 10` or `s 30` snoozes, `k` skips; while waiting, `l`
takes the break you skipped last, now, and `q` (or Ctrl-C) stops. It ends with the working day,
saying when the next break is.

Waiting goes through the player's keys (`keys.read(timeout)` both waits and listens) and time
through the wiring's clock, so tests run a whole working day at once. While safety blocks a
routine there is no routine: the block's advice is shown once and the companion ends.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from backstretch.cli.wiring import Wiring
    from backstretch.core.schedule import Reminder, Schedule
    from backstretch.services.context import PersonContext

BLOCKED_EXIT = 3
WAIT_STEP_SECONDS = 60.0  # the clock is looked at again at least once a minute while waiting
PROMPT = "Enter = start · s 5 / s 10 / s 30 = snooze · k = skip · q = stop"


class _Stop(Exception):
    """The person asked to stop (q, end of input, Ctrl-C), or safety ended the day."""

    def __init__(self, code: int = 0) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class _Day:
    """What happened today, for the closing line."""

    taken: int = 0
    skipped: int = 0
    snoozed: int = 0
    pending: list[Reminder] = field(default_factory=list)  # snoozed breaks, due again later


def breaks(
    ctx: typer.Context,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="No bell and no desktop notification.")
    ] = False,
    voice: Annotated[
        bool, typer.Option("--voice/--no-voice", help="Speak the cues (needs espeak-ng).")
    ] = False,
) -> None:
    """Keep you company through the working day with desk breaks: a bell, a posture check and a
    short routine in your chair or standing (set the hours with `backstretch remind --breaks`)."""
    from backstretch.cli import wiring
    from backstretch.cli.render import output_console

    console = output_console()
    wired = wiring.of(ctx)
    code = 0
    with wiring.person(ctx) as me:
        try:
            _companion(me, wired, console, quiet=quiet, voice=voice)
        except _Stop as stop:
            code = stop.code
        except KeyboardInterrupt:
            _plain(console, "\nStopped. Nothing was lost.")
    raise typer.Exit(code)


def _plain(console: Console, text: str) -> None:
    console.print(text, markup=False, highlight=False)


def _safety_or_stop(me: PersonContext, console: Console) -> None:
    """End the companion when safety does not allow a routine: the advice once, then exit 3."""
    from backstretch.cli.planning import render_blocked
    from backstretch.services.screening import screening_status

    status = screening_status(me)
    if status.gate.may_play:
        return
    if status.advice is not None:
        render_blocked(console, status.advice)
        _plain(console, "Desk breaks are paused until then; nothing else will ring today.")
    else:
        _plain(console, "The weekly safety check is due: run `backstretch screen` first.")
    raise _Stop(BLOCKED_EXIT)


def _companion(
    me: PersonContext, wired: Wiring, console: Console, *, quiet: bool, voice: bool
) -> None:
    from backstretch.cli.app import fail
    from backstretch.core.schedule import format_days, in_work_hours
    from backstretch.services.reminders import get_schedule

    schedule = get_schedule(me)
    if not schedule.breaks_on or schedule.breaks is None:
        fail("desk breaks are off: set work hours with `backstretch remind --breaks 09:00-17:00`")
    _safety_or_stop(me, console)
    hours = schedule.breaks
    _plain(
        console,
        f"Desk breaks {format_days(hours.days)}, {hours.start:%H:%M}-{hours.end:%H:%M}, every"
        f" {hours.every_minutes} minutes. While waiting: l = take a skipped break now,"
        " q = stop (Ctrl-C works too).",
    )
    first = _next_break(schedule, me.now(), _Day())
    if first is None:
        _plain(console, "No desk break in the coming week.")
        return
    if not in_work_hours(schedule, me.now()):
        _plain(console, f"Outside work hours. The next desk break is {first.local:%a %H:%M}.")
    workday = first.local.date()
    day = _Day()
    cursor = me.now()
    while True:
        upcoming = _next_break(schedule, cursor, day)
        if upcoming is None or upcoming.local.date() != workday:
            _end_of_day(console, day, upcoming)
            return
        _plain(console, f"Next desk break at {upcoming.local:%H:%M}.")
        _wait_until(me, wired, console, upcoming.due, day, voice=voice, quiet=quiet)
        if upcoming in day.pending:
            day.pending.remove(upcoming)
        else:
            cursor = upcoming.due + timedelta(microseconds=1)
        _at_break(me, wired, console, upcoming, day, voice=voice, quiet=quiet)


def _next_break(schedule: Schedule, after: datetime, day: _Day) -> Reminder | None:
    """Return the next desk break: a snoozed one, or the schedule's next."""
    from backstretch.core.schedule import ReminderKind, next_reminder

    found = next_reminder(schedule, after, ReminderKind.DESK_BREAK)
    candidates = [r for r in (found, *day.pending) if r is not None]
    return min(candidates, key=lambda r: r.due) if candidates else None


def _wait_until(
    me: PersonContext,
    wired: Wiring,
    console: Console,
    due: datetime,
    day: _Day,
    *,
    voice: bool,
    quiet: bool,
) -> None:
    """Wait for the moment on the wall clock, listening for l (a skipped break now) and q."""
    _, keys, _ = wired.devices()
    while (left := (due - me.now()).total_seconds()) > 0:
        activate = getattr(keys, "active", None)
        with activate() if activate else contextlib.nullcontext():
            key = keys.read(min(left, WAIT_STEP_SECONDS))
        if key is None:
            continue
        if key.lower() == "q":
            _plain(console, "Stopped.")
            raise _Stop
        if key.lower() == "l":
            _take_later(me, wired, console, day, voice=voice, quiet=quiet)


def _take_later(
    me: PersonContext, wired: Wiring, console: Console, day: _Day, *, voice: bool, quiet: bool
) -> None:
    from backstretch.services.errors import NotFound
    from backstretch.services.reminders import take_later

    try:
        taken = take_later(me)
    except NotFound:
        _plain(console, "There is no skipped break to take today.")
        return
    _plain(console, f"Taking the {taken.local:%H:%M} break now.")
    day.skipped = max(0, day.skipped - 1)
    _routine(me, wired, console, day, voice=voice, quiet=quiet)


def notify(title: str, body: str) -> None:
    """Show a desktop notification where `notify-send` exists; never required."""
    import shutil
    import subprocess

    program = shutil.which("notify-send")
    if program is None:
        return
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            [program, "--app-name=backstretch", title, body],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=5,
            check=False,
        )


def _at_break(
    me: PersonContext,
    wired: Wiring,
    console: Console,
    reminder: Reminder,
    day: _Day,
    *,
    voice: bool,
    quiet: bool,
) -> None:
    from rich.prompt import Prompt

    from backstretch.core.schedule import DeliveryState
    from backstretch.services.errors import Invalid
    from backstretch.services.reminders import (
        POSTURE_CHECK,
        delivery_state,
        mark_sent,
        skip,
        snooze,
    )

    _safety_or_stop(me, console)
    if delivery_state(me, reminder.key) in (DeliveryState.SKIPPED, DeliveryState.DROPPED):
        return  # passed over on another device already
    mark_sent(me, reminder.key)
    if not quiet:
        console.bell()
        notify("Time for a desk break", POSTURE_CHECK[0])
    _plain(console, f"\nDesk break, {reminder.local:%H:%M}.")
    for line in POSTURE_CHECK:
        _plain(console, f"  {line}")
    while True:
        try:
            reply = Prompt.ask(PROMPT, console=console, default="", show_default=False)
        except EOFError:
            _plain(console, "Stopped.")
            raise _Stop from None
        answer = reply.strip().lower()
        if answer == "":
            _routine(me, wired, console, day, voice=voice, quiet=quiet)
            return
        if answer == "q":
            _plain(console, "Stopped.")
            raise _Stop
        if answer == "k":
            skip(me, reminder.key)
            day.skipped += 1
            _plain(console, "Skipped. Press l while waiting to take it later today.")
            return
        if answer.startswith("s"):
            minutes_text = answer[1:].strip() or "10"
            if minutes_text.isdigit():
                try:
                    later = snooze(me, reminder.key, int(minutes_text))
                except Invalid as error:
                    _plain(console, error.message)
                    continue
                day.snoozed += 1
                day.pending.append(later)
                _plain(console, f"Snoozed until {later.local:%H:%M}.")
                return
        _plain(console, "Type Enter to start, s 5 / s 10 / s 30 to snooze, k to skip or q to stop.")


def _routine(
    me: PersonContext, wired: Wiring, console: Console, day: _Day, *, voice: bool, quiet: bool
) -> None:
    """Plan and play the desk break's micro-routine with the terminal player, and save it."""
    import uuid as uuids

    from backstretch.cli.daily import finish_and_report, play_and_save
    from backstretch.core import durations
    from backstretch.services.errors import Blocked
    from backstretch.services.reminders import desk_break_plan
    from backstretch.services.sessions import begin_session

    try:
        desk = desk_break_plan(me)
    except Blocked:
        _safety_or_stop(me, console)
        raise
    today = desk.today
    names = ", ".join(item.item.stretch.name for item in today.plan.items)
    length = durations.minutes(today.plan.total_seconds)
    _plain(console, f"{today.name} ({length}): {names}.")
    session_uuid = str(uuids.uuid4())
    begin_session(me, today, pain_before=None, uuid=session_uuid)
    pregnant = "pregnant" in [r.value for r in today.outcome.restrictions]
    played: Any = play_and_save(
        me,
        wired,
        session_uuid=session_uuid,
        segments=today.plan.segments,
        positions=None,
        earlier=(),
        pregnant=pregnant,
        voice=voice,
        quiet=quiet,
    )
    _, _, interactive = wired.devices()
    finish_and_report(
        me, session_uuid=session_uuid, outcome=played, pain_after=None, interactive=interactive
    )
    day.taken += 1
    _safety_or_stop(me, console)  # a stop during the routine may have paused the programme


def _end_of_day(console: Console, day: _Day, upcoming: Reminder | None) -> None:
    taken = f"{day.taken} break{'s' if day.taken != 1 else ''} taken"
    summary = f"That is the working day: {taken}, {day.skipped} skipped."
    if upcoming is not None:
        summary += f" Next desk break: {upcoming.local:%a %H:%M}."
    _plain(console, summary)
