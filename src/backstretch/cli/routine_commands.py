"""`backstretch routines` and `routines remove`: the routines you saved with `plan --save-as`.

Heavy modules are imported inside the commands so that `--help` stays fast.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

routines_app = typer.Typer(
    help="List the routines you saved with `plan --save-as NAME`, or remove one.",
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
