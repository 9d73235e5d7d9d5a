"""Where `backstretch` starts: the program's help and version from a table, and one command run
with only that command built.

Typer builds every command it holds (their options, from their signatures) before it runs one,
and importing it costs several times a bare Python start. So `backstretch`, `backstretch --help`
and `--version` are answered from the table below without loading Typer, and a command loads the
command line with that one command in it (`cli/app.py`, `only`). The listing is the one Typer
prints, letter for letter (`tests/cli/test_entry.py` compares them at three widths).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

PROGRAM_HELP = (
    "Gentle, safe stretching for back and neck comfort, at home or at your desk. "
    "General wellness only: not medical advice."
)
OPTIONS = (("--version", "Print the version."), ("--help", "Show this message and exit."))

# Every command, in the order the help lists them, with the line it shows there.
COMMANDS: dict[str, str] = {
    "show": "Show one stretch: how to do it, its dose and cautions.",
    "learn": "Read short pages on safety, timing, mistakes and more.",
    "screen": "Answer the safety questions asked of everyone.",
    "plan": "Plan a routine for where it feels tight and the time you have.",
    "start": "Check in, stretch with a timed guide, save how it went.",
    "log": "Record a session done without the player.",
    "export": "Export everything stored about you (JSON or CSV).",
    "import": "Restore a JSON export into an empty database.",
    "forget": "Delete everything stored about you.",
    "history": "List your sessions, newest first.",
    "stats": "Your streak, sessions and minutes per week, pain over time.",
    "checkin": "Rate up to three everyday activities you find hard.",
    "figure": "Draw a stretch as an SVG stick figure.",
    "handout": "Print a routine as a handout (PDF).",
    "summary": "Make a summary for a clinician (PDF or FHIR).",
    "remind": "Your reminder schedule, this week's progress, calendar file.",
    "breaks": "Desk breaks through the working day.",
    "serve": "Serve the web app and its JSON API.",
    "stretches": "Browse the stretch catalogue; add or remove your own.",
    "routines": "Your saved routines: list, show, share, add, remove.",
}

# Typer's (Click's) help layout: at most 80 columns less a margin of 2, and never under 50.
MAX_COLUMNS, MARGIN, NARROWEST = 80, 2, 50
INDENT, GAP = 2, 2
USAGE = "Usage: backstretch [OPTIONS] COMMAND [ARGS]..."


def help_width(columns: int) -> int:
    """Return the width the help is wrapped to on a terminal `columns` wide."""
    return max(min(columns, MAX_COLUMNS) - MARGIN, NARROWEST)


def _definitions(rows: Sequence[tuple[str, str]], width: int) -> str:
    import textwrap

    first = max(len(name) for name, _ in rows) + GAP
    text_width = max(width - first - INDENT, 10)
    lines = []
    for name, text in rows:
        wrapped = textwrap.wrap(text, text_width) or [""]
        lines.append(f"{' ' * INDENT}{name:<{first}}{wrapped[0]}")
        lines.extend(f"{' ' * (INDENT + first)}{more}" for more in wrapped[1:])
    return "\n".join(lines)


def program_help(width: int) -> str:
    """Return `backstretch --help` wrapped to `width` (see `help_width`)."""
    import textwrap

    about = textwrap.fill(
        PROGRAM_HELP, width, initial_indent=" " * INDENT, subsequent_indent=" " * INDENT
    )
    return (
        f"{USAGE}\n\n{about}\n\nOptions:\n{_definitions(OPTIONS, width)}\n\n"
        f"Commands:\n{_definitions(list(COMMANDS.items()), width)}\n"
    )


def main(argv: list[str] | None = None) -> None:
    """Run `backstretch` with `argv` (the process's arguments by default)."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] == "--help":
        import shutil

        shown = program_help(help_width(shutil.get_terminal_size().columns))
        if args:
            sys.stdout.write(shown)
            sys.exit(0)
        # Like Typer, a bare `backstretch` shows the help as a usage error: stderr, exit 2.
        sys.stderr.write(shown)
        sys.exit(2)
    if args[0] == "--version":
        from backstretch import __version__

        sys.stdout.write(f"backstretch {__version__}\n")
        sys.exit(0)
    # backstretch uses no Pydantic plugins; looking for them reads every installed package's
    # metadata, about 20 ms of each command's start.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from backstretch.cli.app import run

    run(args, only_command=args[0] if args[0] in COMMANDS else None)
