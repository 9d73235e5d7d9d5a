"""`backstretch start` and `backstretch log`: the commands of the daily loop.

The work happens in `cli/daily.py`, imported when a command runs, so `--help` stays quick.
"""

from __future__ import annotations

from typing import Annotated

import typer

Areas = Annotated[
    list[str] | None,
    typer.Option(
        "--area",
        help="Where it feels tight (repeatable): neck_shoulders, upper_back, mid_back, "
        "lower_back, hips.",
    ),
]
Minutes = Annotated[int | None, typer.Option(min=1, max=60, help="Minutes you have.")]
Preset = Annotated[str | None, typer.Option(help="A ready-made routine, e.g. basic-daily.")]
Routine = Annotated[
    str | None,
    typer.Option(
        metavar="NAME_OR_FILE",
        help="A routine you saved (`backstretch routines`), or a routine file, e.g. one your "
        "physiotherapist wrote.",
    ),
]


def start(
    ctx: typer.Context,
    area: Areas = None,
    minutes: Minutes = None,
    setting: Annotated[
        str | None, typer.Option(help="Where you are: floor, chair, standing or bed.")
    ] = None,
    preset: Preset = None,
    routine: Routine = None,
    pain_before: Annotated[
        int | None,
        typer.Option(min=0, max=10, help="Pain now, 0-10 (needed without a terminal)."),
    ] = None,
    pain_after: Annotated[
        int | None, typer.Option(min=0, max=10, help="Pain afterwards, 0-10, when not asked.")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Carry on the last unfinished session.")
    ] = False,
    voice: Annotated[
        bool, typer.Option("--voice", help="Speak the cues (needs espeak-ng).")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No bell and no voice.")] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Start without asking to confirm.")
    ] = False,
) -> None:
    """Check in, stretch with a timed guide, and save how it went.

    The weekly safety check comes first when it is due. In the player: space pauses, n skips,
    b goes back, q ends after asking (keeping what was done) and ! stops because it hurts.
    Exits 3, with advice and no session, when the screening or a safety block says so.
    """
    from backstretch.cli import daily

    daily.run_start(
        ctx,
        area=area,
        minutes=minutes,
        setting=setting,
        preset=preset,
        routine=routine,
        pain_before=pain_before,
        pain_after=pain_after,
        resume=resume,
        voice=voice,
        quiet=quiet,
        yes=yes,
    )


def log(
    ctx: typer.Context,
    pain_before: Annotated[int, typer.Option(min=0, max=10, help="Pain before, 0-10.")],
    pain_after: Annotated[int, typer.Option(min=0, max=10, help="Pain afterwards, 0-10.")],
    preset: Preset = None,
    routine: Routine = None,
    area: Areas = None,
    minutes: Minutes = None,
    at: Annotated[
        str | None,
        typer.Option(help="When you started, local time 'YYYY-MM-DD HH:MM' (default: just now)."),
    ] = None,
) -> None:
    """Record a session done without the player (from a handout, or in a class).

    The routine is planned exactly as `start` would plan it, and saved as done in full.
    """
    from backstretch.cli import daily

    daily.run_log(
        ctx,
        pain_before=pain_before,
        pain_after=pain_after,
        preset=preset,
        routine=routine,
        area=area,
        minutes=minutes,
        at=at,
    )


def register(app: typer.Typer) -> None:
    """Add `start` and `log` to the command line."""
    app.command()(start)
    app.command()(log)
