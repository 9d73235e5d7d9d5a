"""`backstretch handout`: print a routine as a PDF to take away from the screen.

The routine is chosen as `plan` chooses it (`--routine NAME|FILE`, `--preset NAME`, else today's
plan from the remembered profile), so the handout shows the same stretches and doses. WeasyPrint
and the QR library load only when the command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

import typer

LOCAL_SERVER = "http://127.0.0.1:8000"  # where `backstretch serve` listens by default
PAPER_NAMES = {"a4": "A4", "letter": "Letter"}


def register(app: typer.Typer) -> None:
    """Add the handout command to `app`."""
    app.command("handout")(handout)


def default_link(*, preset: str | None, routine: str | None, routine_is_file: bool) -> str:
    """Return where the routine opens in the web app on this machine: a preset's or a saved
    routine's plan page; a routine file has no page there, so today's plan."""
    query = {}
    if preset:
        query["preset"] = preset
    elif routine and not routine_is_file:
        query["routine"] = routine
    return f"{LOCAL_SERVER}/plan" + (f"?{urlencode(query)}" if query else "")


def handout(
    ctx: typer.Context,
    out: Annotated[
        Path,
        typer.Option(
            "--out", metavar="FILE.pdf", help="Where to write the PDF.", show_default=False
        ),
    ],
    routine: Annotated[
        str | None,
        typer.Option(
            metavar="NAME_OR_FILE",
            help="A routine you saved (see `backstretch routines`), or a routine file.",
        ),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            metavar="NAME", help="A ready-made routine: basic-daily, comprehensive, desk-break, ..."
        ),
    ] = None,
    paper: Annotated[str, typer.Option(metavar="a4|letter", help="Paper size.")] = "a4",
    link: Annotated[
        str | None,
        typer.Option(
            metavar="URL",
            help="The address printed under the QR code, e.g. where your server shows the "
            f"routine. Default: the routine's page at {LOCAL_SERVER}.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print a routine as a handout (PDF): figures, steps, dose, when to stop, a tick grid.

    Without --routine or --preset it prints today's plan. Exits 3, printing nothing, when your
    screening or a safety block does not allow a session now.
    """
    from backstretch.cli import planning as ui
    from backstretch.cli import wiring
    from backstretch.cli.app import BLOCKED_EXIT, fail
    from backstretch.cli.render import output_console
    from backstretch.services.errors import Blocked, Invalid
    from backstretch.services.handout import handout_pdf, paper_size

    if preset and routine:
        fail("use --preset or --routine, not both")
    try:
        paper_size(paper)  # a bad size fails before anything is planned or drawn
    except Invalid as error:
        fail(f"--{error}")
    if link is not None and not link.startswith(("http://", "https://")):
        fail(f"--link: '{link}' is not a web address; give one starting with https:// or http://")
    if out.is_dir() or not out.parent.is_dir():
        where = "is a folder" if out.is_dir() else f"has no folder {out.parent}"
        fail(f"--out: cannot write {out}: it {where}")
    choice = ui.plan_choice(preset=preset, routine=routine, profile=None, flags={})
    address = link or default_link(
        preset=preset, routine=routine, routine_is_file=choice.routine_file is not None
    )
    with wiring.person(ctx) as me:
        try:
            made = handout_pdf(me, choice, paper=paper, link=address)
        except Blocked as blocked:
            if not blocked.advice:
                fail(blocked.message, BLOCKED_EXIT)
            ui.render_blocked(output_console(), blocked.advice)
            raise typer.Exit(BLOCKED_EXIT) from None
        except Invalid as error:
            if error.field != "areas" or not error.message.startswith("say where"):
                raise
            fail(
                "no remembered profile to plan today's routine from: print a ready-made one "
                "(--preset basic-daily), or save a plan first (`backstretch plan --area "
                "lower_back --save-as NAME`) and print it with --routine NAME"
            )
    try:
        write_atomically(out, made.pdf)
    except OSError as error:
        fail(f"--out: cannot write {out}: {error.strerror or error}")
    output_console().print(
        f"Wrote {out}: the handout of '{made.name}' ({PAPER_NAMES[paper_size(paper)]}).\n"
        f"Its QR code and link point to {address}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def write_atomically(path: Path, content: bytes) -> None:
    """Write `content` to `path` whole or not at all (an earlier file is never left half-done)."""
    import os
    import tempfile

    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        os.chmod(temporary, 0o644)  # a handout is for printing and sharing, unlike an export
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
