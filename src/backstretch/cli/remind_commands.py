"""`backstretch remind` (show and set the reminder schedule, write the calendar file) and
`backstretch breaks` (the desk-break companion, in `cli/breaks.py`).

Each `remind --days ... --at ...` adds a session time (the same time again changes its days'
preset); `--clear` forgets the session times; `--off` turns every reminder off in one step and
`--on` turns them back on with the same choices. Heavy modules are imported inside the command
so that `--help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from backstretch.services.errors import Invalid
    from backstretch.services.reminders import ReminderOverview

LOCAL_SERVER = "http://127.0.0.1:8000"  # where `backstretch serve` listens by default


def register(app: typer.Typer) -> None:
    """Add `remind` and `breaks` to `app`."""
    from backstretch.cli.breaks import breaks

    app.command("remind")(remind)
    app.command("breaks")(breaks)


def remind(
    ctx: typer.Context,
    days: Annotated[
        str | None,
        typer.Option(
            metavar="DAYS",
            help="Days of a session time: mon,wed,fri · mon-fri · weekdays · daily (with --at).",
        ),
    ] = None,
    at: Annotated[
        str | None, typer.Option(metavar="HH:MM", help="The session's local time, e.g. 08:30.")
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            metavar="NAME", help="The routine it opens: morning, bedtime, desk-break, ..."
        ),
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Forget every session time (then add new ones).")
    ] = False,
    off: Annotated[
        bool, typer.Option("--off", help="Turn every reminder off in one step (choices kept).")
    ] = False,
    on: Annotated[bool, typer.Option("--on", help="Turn reminders back on.")] = False,
    target: Annotated[
        int | None,
        typer.Option(metavar="N", help="Weekly target: days with a session each week (1-7)."),
    ] = None,
    no_target: Annotated[bool, typer.Option("--no-target", help="Drop the weekly target.")] = False,
    quiet: Annotated[
        str | None,
        typer.Option(
            metavar="HH:MM-HH:MM", help="Quiet hours: no reminder then, e.g. 22:30-07:00."
        ),
    ] = None,
    no_quiet: Annotated[bool, typer.Option("--no-quiet", help="Drop the quiet hours.")] = False,
    breaks: Annotated[
        str | None,
        typer.Option(metavar="HH:MM-HH:MM", help="Work hours with desk breaks, e.g. 09:00-17:00."),
    ] = None,
    every: Annotated[
        int | None,
        typer.Option(metavar="MINUTES", help="Minutes between desk breaks (default 50)."),
    ] = None,
    break_days: Annotated[
        str | None,
        typer.Option("--break-days", metavar="DAYS", help="Work days (default mon-fri)."),
    ] = None,
    no_breaks: Annotated[bool, typer.Option("--no-breaks", help="Turn desk breaks off.")] = False,
    ics: Annotated[
        Path | None,
        typer.Option(metavar="FILE.ics", help="Write the schedule as a calendar file to import."),
    ] = None,
    link: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help=f"Where the calendar's links open backstretch (default {LOCAL_SERVER}).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Show your reminder schedule and this week's progress, or change it.

    Examples: `remind --days mon,wed,fri --at 08:30 --preset morning` adds a session time;
    `remind --breaks 09:00-17:00 --every 50` sets desk breaks on weekdays; `remind --off` turns
    everything off; `remind --ics reminders.ics` writes a calendar file with alarms.
    """
    from backstretch.cli import wiring
    from backstretch.cli.app import fail, print_json
    from backstretch.cli.render import output_console
    from backstretch.services.errors import Invalid
    from backstretch.services.reminders import (
        ScheduleChange,
        calendar_download,
        change_schedule,
        reminder_overview,
    )

    if link is not None and not link.startswith(("http://", "https://")):
        fail(f"--link: '{link}' is not a web address; give one starting with https:// or http://")
    change = ScheduleChange(
        days=days,
        at=at,
        preset=preset,
        clear=clear,
        weekly_target=target,
        no_target=no_target,
        quiet=quiet,
        no_quiet=no_quiet,
        breaks=breaks,
        every_minutes=every,
        break_days=break_days,
        no_breaks=no_breaks,
        off=off,
        on=on,
    )
    with wiring.person(ctx) as me:
        if change.changes_something:
            try:
                change_schedule(me, change)
            except Invalid as error:
                fail(_as_option(error))
        download = calendar_download(me, base_url=link or LOCAL_SERVER) if ics else None
        overview = reminder_overview(me)
    if ics is not None and download is not None:
        try:
            ics.write_bytes(download.data)
        except OSError as error:
            fail(f"--ics: cannot write {ics}: {error.strerror or error}")
    if as_json:
        data = overview.to_json()
        if ics is not None and download is not None:
            data["calendar"] = {"file": str(ics), "note": download.note}
        print_json(data)
        return
    console = output_console()
    render_overview(console, overview)
    if ics is not None and download is not None:
        console.print(f"\nWrote the calendar file {ics}.", markup=False, highlight=False)
        console.print(download.note, markup=False, highlight=False)
        if download.desk_breaks:
            console.print(download.desk_breaks, markup=False, highlight=False)


# The service names the choice at fault; the terminal names the option that made it.
OPTION_OF_FIELD = {
    "days": "--days",
    "at": "--at",
    "preset": "--preset",
    "target": "--target",
    "quiet": "--quiet",
    "breaks": "--breaks",
    "breaks.every_minutes": "--every",
    "break-days": "--break-days",
    "off": "--off",
}


def _as_option(error: Invalid) -> str:
    """Return the error's message naming the option (`--at: ...`) rather than the field."""
    field = error.field or ""
    if field.startswith("sessions[") and field.endswith(".preset"):
        field = "preset"
    option = OPTION_OF_FIELD.get(field)
    if option is None or error.field is None:
        return error.message
    return option + error.message.removeprefix(error.field)


def _plain(console: Console, text: str) -> None:
    console.print(text, markup=False, highlight=False)


def render_overview(console: Console, overview: ReminderOverview) -> None:
    """Print the schedule, this week's progress beside the streak, and what comes next."""
    from backstretch.core.schedule import ReminderKind, format_days

    schedule = overview.schedule
    state = "on" if schedule.enabled else "off (`backstretch remind --on` turns them back on)"
    _plain(console, f"Reminders: {state} · time zone {schedule.timezone}")
    if schedule.sessions:
        _plain(console, "Sessions:")
        for slot in schedule.sessions:
            routine = f" · {slot.preset}" if slot.preset else ""
            _plain(console, f"  {format_days(slot.days)} at {slot.at:%H:%M}{routine}")
    else:
        _plain(console, "Sessions: none yet (add one: --days mon,wed,fri --at 08:30)")
    breaks = schedule.breaks
    if breaks is not None and breaks.enabled:
        _plain(
            console,
            f"Desk breaks: {format_days(breaks.days)} {breaks.start:%H:%M}-{breaks.end:%H:%M},"
            f" every {breaks.every_minutes} minutes (`backstretch breaks` keeps you company)",
        )
    else:
        _plain(console, "Desk breaks: off (turn on: --breaks 09:00-17:00)")
    if schedule.quiet is not None:
        _plain(console, f"Quiet hours: {schedule.quiet.start:%H:%M}-{schedule.quiet.end:%H:%M}")
    progress, streak = overview.progress, overview.streak
    days_word = "day" if streak.current == 1 else "days"
    streak_text = f"streak {streak.current} {days_word} (longest {streak.longest})"
    if progress.target is not None:
        aim = "target met" if progress.met else f"{progress.target - progress.done} to go"
        _plain(
            console,
            f"This week: {progress.done} of {progress.target} days with a session ({aim})"
            f" · {streak_text}",
        )
    else:
        _plain(console, f"This week: {progress.done} days with a session · {streak_text}")
    for warning in overview.warnings:
        _plain(console, f"Note: {warning}")
    if overview.upcoming:
        words = {ReminderKind.SESSION: "session", ReminderKind.DESK_BREAK: "desk break"}
        coming = ", ".join(
            f"{r.local:%a %H:%M} {words.get(r.kind, r.kind.value)}" for r in overview.upcoming
        )
        _plain(console, f"Next: {coming}")
