"""`backstretch routines`, `routines remove`, `routines share` and `routines add`: the routines
you saved with `plan --save-as` (or built in the browser), and routine files to give or receive.

Heavy modules are imported inside the commands so that `--help` stays fast.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated, Any

import typer

routines_app = typer.Typer(
    help=(
        "List the routines you saved with `plan --save-as NAME`, remove one, share one as a "
        "file, or add one someone gave you."
    ),
    invoke_without_command=True,
    no_args_is_help=False,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def register(app: typer.Typer) -> None:
    """Add the routines commands to `app`."""
    app.add_typer(routines_app, name="routines")


def _routine_json(routine: Any) -> dict[str, Any]:
    return {
        "id": routine.id,
        "name": routine.name,
        "items": routine.document.get("items", []),
        "saved_at": routine.saved_at.isoformat(),
    }


@routines_app.callback()
def routines(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List your saved routines: plan one again with `backstretch plan --routine NAME`."""
    if ctx.invoked_subcommand is not None:
        return
    from rich.table import Table

    from backstretch.cli import wiring
    from backstretch.cli.app import print_json
    from backstretch.cli.render import output_console
    from backstretch.services.routines import routine_stretch_ids, saved_routines

    with wiring.person(ctx) as me:
        saved = saved_routines(me)
    if as_json:
        print_json([_routine_json(routine) for routine in saved])
        return
    console = output_console()
    if not saved:
        console.print(
            "No saved routines yet. Save one with `backstretch plan ... --save-as NAME`.",
            markup=False,
            highlight=False,
        )
        return
    table = Table(title="Your saved routines", title_justify="left")
    table.add_column("name")
    table.add_column("stretches")
    table.add_column("saved")
    for routine in saved:
        table.add_row(
            routine.name,
            ", ".join(routine_stretch_ids(routine)),
            me.today(routine.saved_at).isoformat(),
        )
    console.print(table)


@routines_app.command("remove")
def remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The name of a saved routine.")],
    as_json: JsonFlag = False,
) -> None:
    """Remove one of your saved routines (routine files are not touched)."""
    from backstretch.cli import wiring
    from backstretch.cli.app import print_json
    from backstretch.cli.render import output_console
    from backstretch.services.routines import clean_name, remove_routine

    wanted = clean_name(name)
    with wiring.person(ctx) as me:
        found = remove_routine(me, name=wanted)
    if as_json:
        print_json({"removed": _routine_json(found)})
    else:
        output_console().print(f"Removed the routine '{wanted}'.", markup=False, highlight=False)


@routines_app.command("share")
def share(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The name of a saved routine.")],
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the routine file (YAML).", dir_okay=False)
    ],
    as_json: JsonFlag = False,
) -> None:
    """Write a saved routine to a file to give someone: its stretches, ways, doses and notes,
    with your own stretches it uses inside. Nothing about you goes in it.

    They add it with `backstretch routines add FILE` (or the routines page), or plan it
    straight away with `backstretch plan --routine FILE`.
    """
    from backstretch.cli import wiring
    from backstretch.cli.app import print_json
    from backstretch.cli.render import output_console
    from backstretch.services.sharing import routine_file

    with wiring.person(ctx) as me:
        made = routine_file(me, name=name)
    _write_atomically(out, made.text)
    if as_json:
        print_json({"written": str(out), "routine": made.name})
    else:
        output_console().print(
            f"Wrote the routine '{made.name}' to {out}.", markup=False, highlight=False
        )


@routines_app.command("add")
def add(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="A routine file someone gave you.", dir_okay=False),
    ],
    name: Annotated[
        str | None, typer.Option("--name", help="Save it under this name instead of its own.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a routine file someone gave you to your saved routines; the own stretches it brings
    are checked like any stretch you add. Each time you plan it, your own safety answers apply."""
    from backstretch.cli import wiring
    from backstretch.cli.app import print_json
    from backstretch.cli.render import output_console
    from backstretch.services.errors import Invalid
    from backstretch.services.sharing import MAX_FILE_BYTES, receive_file

    try:
        with file.open("rb") as source:
            content = source.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise Invalid(f"cannot read {file}: {error.strerror or error}") from None
    with wiring.person(ctx) as me:
        received = receive_file(me, content, origin=str(file), name=name)
    routine = received.routine
    if as_json:
        print_json(
            {"added": _routine_json(routine), "own_stretches": list(received.added_stretches)}
        )
        return
    console = output_console()
    console.print(f"Added the routine '{routine.name}'.", markup=False, highlight=False)
    if received.added_stretches:
        brought = ", ".join(received.added_stretches)
        console.print(f"New own stretches: {brought}.", markup=False, highlight=False)
    console.print(
        f"Plan it with `backstretch plan --routine {shlex.quote(routine.name)}`: your own "
        "safety answers apply each time.",
        markup=False,
        highlight=False,
    )


def _write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` so a failure never leaves half a file."""
    import os
    import tempfile

    from backstretch.services.errors import Invalid

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError as error:
        raise Invalid(f"cannot write {path}: {error.strerror or error}") from None
