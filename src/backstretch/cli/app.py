"""The `backstretch` command: thin commands that parse, call a use case, and render.

Every command opens the person's context (`cli/wiring.py`), calls one function of
`backstretch.services`, and prints. Errors from the use cases are mapped once, here
(`MappedErrors`): one line on stderr and exit 2 (invalid, not found, conflict), 3 (blocked by
safety) or 1 (anything else) — never a traceback. Heavy modules are imported inside the
commands so that `--help` and quick commands start fast.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup
from typer.models import CommandInfo, TyperInfo

from backstretch import __version__
from backstretch.cli import (
    data_commands,
    figures,
    handout_commands,
    progress_commands,
    remind_commands,
    routine_commands,
    summary_commands,
)
from backstretch.cli import session as session_commands
from backstretch.cli.entry import COMMANDS, PROGRAM_HELP

INVALID_EXIT, BLOCKED_EXIT, OTHER_EXIT = 2, 3, 1


class MappedErrors(TyperGroup):
    """A command group that turns the use cases' errors into one line and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        from backstretch.services.errors import ServiceError

        try:
            return super().invoke(ctx)
        except ServiceError as error:
            fail(error.message, exit_code(error))


def exit_code(error: Exception) -> int:
    """Return the exit code for a use case's error: 2 invalid, 3 blocked, 1 anything else."""
    from backstretch.services.errors import Blocked, Conflict, Invalid, NotFound

    if isinstance(error, Blocked):
        return BLOCKED_EXIT
    if isinstance(error, Invalid | NotFound | Conflict):
        return INVALID_EXIT
    return OTHER_EXIT


app = typer.Typer(
    cls=MappedErrors,
    name="backstretch",
    help=PROGRAM_HELP,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
stretches_app = typer.Typer(
    help="Browse the stretch catalogue, and add or remove your own stretches.",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(stretches_app, name="stretches")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def fail(message: str, code: int = INVALID_EXIT) -> NoReturn:
    """Print an error to stderr and exit with `code` (2 means bad input)."""
    from backstretch.cli.render import say_error

    say_error(message)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    """Write `data` as indented JSON to stdout."""
    import json

    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _console() -> Any:
    """Return the console a person reads (Rich loads here: `--json` never needs it)."""
    from backstretch.cli.render import output_console

    return output_console()


def _catalogue(ctx: typer.Context) -> Any:
    from backstretch.cli import wiring

    with wiring.person(ctx) as me:
        return me.catalogue


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"backstretch {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Gentle, safe stretching for back and neck comfort (general wellness, not medical advice)."""


@stretches_app.callback()
def stretches(
    ctx: typer.Context,
    area: Annotated[
        str | None,
        typer.Option(
            help="Only stretches for this area: neck_shoulders, upper_back, mid_back, "
            "lower_back or hips."
        ),
    ] = None,
    position: Annotated[
        str | None,
        typer.Option(help="Only stretches done in this position, e.g. chair or standing."),
    ] = None,
    search: Annotated[str | None, typer.Option(help="Only stretches whose name matches.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List the stretches, optionally filtered by area, position or a search."""
    if ctx.invoked_subcommand is not None:
        return
    from backstretch.cli import render
    from backstretch.cli.parsing import parse_position, parse_region

    region = parse_region(area, fail) if area else None
    where = parse_position(position, fail) if position else None
    found = _catalogue(ctx).filter(region=region, position=where, text=search)
    if as_json:
        print_json([stretch.model_dump(mode="json") for stretch in found])
    else:
        render.stretch_table(render.output_console(), found)


@stretches_app.command("add")
def stretches_add(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A YAML file describing one stretch (id my-…).")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace your own stretch with the same id.")
    ] = False,
) -> None:
    """Check a stretch file and add it to your own stretches (kept in the database)."""
    from backstretch.cli import wiring
    from backstretch.cli.render import output_console
    from backstretch.services.errors import ServiceError
    from backstretch.services.own_stretches import add_own_stretch, read_stretch_file

    try:
        text = read_stretch_file(file)
        with wiring.person(ctx) as me:
            stretch = add_own_stretch(me, text, origin=str(file), replace=replace)
    except ServiceError as error:
        fail(f"not added: {error}", exit_code(error))
    output_console().print(f"Added {stretch.id} ({stretch.name}).", highlight=False)


@stretches_app.command("remove")
def stretches_remove(
    ctx: typer.Context,
    stretch_id: Annotated[str, typer.Argument(metavar="ID", help="The id of your own stretch.")],
) -> None:
    """Remove one of your own stretches (built-in ones cannot be removed)."""
    from backstretch.cli import wiring
    from backstretch.cli.render import output_console
    from backstretch.services.own_stretches import remove_own_stretch

    with wiring.person(ctx) as me:
        remove_own_stretch(me, stretch_id)
    output_console().print(f"Removed {stretch_id}.", highlight=False)


@app.command()
def show(
    ctx: typer.Context,
    stretch_id: Annotated[str, typer.Argument(metavar="ID", help="A stretch id, e.g. cat-cow.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one stretch: how to do it, its dose, cautions, variants and sources."""
    from backstretch.cli import render, wiring
    from backstretch.core.catalogue import UnknownStretchError
    from backstretch.services.planning import why_not_planned

    with wiring.person(ctx) as me:
        catalogue = me.catalogue
        try:
            stretch = catalogue.get(stretch_id)
        except UnknownStretchError as error:
            fail(str(error))
        why_not = why_not_planned(me, stretch)
    if as_json:
        print_json(stretch.model_dump(mode="json"))
    else:
        render.stretch_detail(render.output_console(), stretch, catalogue, why_not=why_not)


@app.command()
def learn(
    topic: Annotated[
        str | None, typer.Argument(help="A topic to read; leave out to list the topics.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Read short pages on safety, timing, mistakes, anatomy and more."""
    from backstretch.cli import render
    from backstretch.data import education_pages

    pages = {page.topic: page for page in education_pages()}
    if topic is None:
        if as_json:
            print_json(
                [{"topic": p.topic, "title": p.title, "summary": p.summary} for p in pages.values()]
            )
        else:
            render.topic_list(render.output_console(), list(pages.values()))
        return
    if topic not in pages:
        fail(f"no topic '{topic}'. Topics: {', '.join(pages)}")
    if as_json:
        print_json(pages[topic].model_dump(mode="json"))
    else:
        render.education_page(render.output_console(), pages[topic])


@app.command()
def screen(
    ctx: typer.Context,
    answers_file: Annotated[
        Path | None,
        typer.Option(
            "--answers", metavar="FILE", help="Read answers from a JSON file (SCREENING.md format)."
        ),
    ] = None,
    clear: Annotated[
        list[str] | None,
        typer.Option(
            "--clear",
            metavar="ID",
            help="Record that a clinician checked this flag or stop signal (repeatable).",
        ),
    ] = None,
    recheck: Annotated[
        bool,
        typer.Option("--recheck", help="The weekly check: every question, pre-filled."),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Answer the safety questions (asked of everyone) and store the result.

    Exits 0 for any valid screening, whatever the verdict; 2 for answers that are malformed.
    """
    from backstretch.cli import wiring
    from backstretch.cli.render import output_console
    from backstretch.cli.screening import ask_all, render_result
    from backstretch.services.errors import Invalid
    from backstretch.services.screening import latest_answers, record_clearance, record_screening

    if clear and answers_file:
        fail("use --clear on its own, not together with --answers")
    if as_json and not (answers_file or clear):
        fail("--json needs --answers FILE or --clear ID (the questions are asked interactively)")
    raw: Any = _read_json(answers_file) if answers_file is not None else None
    console = output_console()
    with wiring.person(ctx) as me:
        if clear:
            result = record_clearance(me, clear)
            if result is None:
                console.print("Clearance recorded.")
                return
        else:
            if raw is None:
                earlier = latest_answers(me)
                previous = earlier if recheck else None
                if recheck and previous is None:
                    console.print("No earlier screening on file: here are the questions.")
                raw = ask_all(
                    console,
                    me.guide,
                    previous,
                    emergency_number=me.emergency_number,
                    disclaimer=earlier is None,  # once, before the first check
                )
            try:
                result = record_screening(me, raw)
            except Invalid as error:
                where = answers_file or "answers"
                fail(f"{where}: {error.message.removeprefix('answers: ')}")
    if as_json:
        print_json(result.to_json())
    else:
        render_result(console, result)


def _read_json(path: Path) -> Any:
    import json

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"cannot read {path}: {getattr(error, 'strerror', None) or error}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        fail(f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})")


@app.command()
def plan(
    ctx: typer.Context,
    area: Annotated[
        list[str] | None,
        typer.Option(
            help="Where it feels tight (repeatable): neck_shoulders, upper_back, "
            "mid_back, lower_back, hips."
        ),
    ] = None,
    minutes: Annotated[int | None, typer.Option(min=1, max=60, help="Minutes you have.")] = None,
    setting: Annotated[
        str | None, typer.Option(help="Where you are: floor, chair, standing or bed.")
    ] = None,
    restriction: Annotated[
        list[str] | None,
        typer.Option(help="A restriction id from the screening (repeatable; only ever adds)."),
    ] = None,
    pregnancy_weeks: Annotated[
        int | None, typer.Option(min=0, max=42, help="Weeks pregnant (implies pregnant).")
    ] = None,
    level: Annotated[str | None, typer.Option(help="gentle, standard or advanced.")] = None,
    time_of_day: Annotated[
        str | None,
        typer.Option(help="morning, work_break, evening, after_exercise or any."),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(help="A ready-made routine: basic-daily, comprehensive, desk-break, ..."),
    ] = None,
    profile: Annotated[
        Path | None, typer.Option(metavar="FILE", help="A profile file (YAML or JSON).")
    ] = None,
    routine: Annotated[
        str | None,
        typer.Option(
            metavar="NAME_OR_FILE",
            help="A routine you saved (see `backstretch routines`), or a routine file, e.g. one "
            "your physiotherapist wrote.",
        ),
    ] = None,
    save: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Save the planned routine to a file, for sharing."),
    ] = None,
    save_as: Annotated[
        str | None,
        typer.Option(
            "--save-as",
            metavar="NAME",
            help="Save the planned routine under this name, to plan it again with --routine NAME.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Plan a safe routine for where it feels tight, the time you have and where you are.

    Exits 3 with the advice, and no routine, when your screening or a safety block says so.
    """
    from backstretch.cli import planning as ui
    from backstretch.cli import wiring
    from backstretch.core.routine import routine_document
    from backstretch.services.errors import Blocked, Invalid
    from backstretch.services.planning import plan_today
    from backstretch.services.routines import check_name_free, clean_name, save_routine

    if preset and routine:
        fail("use --preset or --routine, not both")
    if save_as is not None:
        try:
            clean_name(save_as)  # a bad name fails before anything is planned
        except Invalid as error:
            fail(f"--save-as: {error}")
    flags = {
        "areas": area or [],
        "minutes": minutes,
        "setting": setting,
        "restrictions": restriction or [],
        "pregnancy_weeks": pregnancy_weeks,
        "level": level,
        "time_of_day": time_of_day,
    }
    choice = ui.plan_choice(preset=preset, routine=routine, profile=profile, flags=flags)
    with wiring.person(ctx) as me:
        new_name = check_name_free(me, save_as) if save_as is not None else None
        try:
            today = plan_today(me, choice)
        except Blocked as blocked:
            if as_json:
                print_json(ui.blocked_json(blocked))
            else:
                ui.render_blocked(_console(), blocked.advice)
            raise typer.Exit(BLOCKED_EXIT) from None
        if save is not None:
            if not today.plan.items:
                fail(f"nothing saved to {save}: no stretch fits this plan")
            ui.save_routine(save, routine_document(today.name, today.plan))
        if new_name is not None:
            save_routine(me, name=new_name, plan=today.plan)
        if as_json:
            print_json(today.to_json())
            return
        console = _console()
        ui.render_plan(console, today, me.catalogue, me.guide.session_reminder)
    if save is not None:
        console.print(f"Saved to {save}.", markup=False, highlight=False)
    if new_name is not None:
        console.print(
            f"Saved as '{new_name}': plan it again with "
            f"`backstretch plan --routine {ui.quoted(new_name)}`.",
            markup=False,
            highlight=False,
        )


# Commands kept in modules of their own; each module imports its heavy parts only when run.
session_commands.register(app)
data_commands.register(app)
routine_commands.register(app)
progress_commands.register(app)
figures.register(app)
handout_commands.register(app)
summary_commands.register(app)
remind_commands.register(app)


def is_loopback(host: str) -> bool:
    """Tell whether `host` is reachable from this machine only."""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    accounts: Annotated[
        bool | None,
        typer.Option(
            "--accounts/--no-accounts",
            help="Serve many people, each with an account. On by default for any address but "
            "this machine's own; without accounts the server only listens on loopback.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the web app and its JSON API (SQLite unless configured).

    On this machine's own address it serves one person, with no login: open
    http://127.0.0.1:8000 in a browser. On any other address it serves many people, each with
    an account (or use --accounts on loopback too). The API is described at /openapi.json.
    """
    import uvicorn

    from backstretch.config import get_settings
    from backstretch.web.app import create_app

    settings = get_settings()
    local_only = is_loopback(host)
    if accounts is None:
        accounts = settings.accounts or not local_only
    if not accounts and not local_only:
        fail(
            f"--host {host}: without accounts there is no login, so the server only listens on "
            "this machine (127.0.0.1, ::1 or localhost). Add --accounts to serve other people."
        )
    application = create_app(settings.model_copy(update={"accounts": accounts}))
    # Behind a proxy that terminates HTTPS, uvicorn's --forwarded-allow-ips equivalent is the
    # FORWARDED_ALLOW_IPS environment variable: with it, cookies are marked Secure.
    uvicorn.run(application, host=host, port=port, log_level="info", proxy_headers=True)


def command_name(command: CommandInfo | TyperInfo) -> str:
    """Return the name a registered command or group answers to."""
    if isinstance(command.name, str):
        return command.name
    return typer.main.get_command_name(command.callback.__name__)  # type: ignore[union-attr]


# The help lists each command with its line from `entry.COMMANDS`, as `backstretch --help`
# printed without loading this module does.
_registered: list[CommandInfo | TyperInfo] = [*app.registered_commands, *app.registered_groups]
for _command in _registered:
    _command.short_help = COMMANDS[command_name(_command)]


def only(name: str) -> typer.Typer:
    """Return the command line holding just the command `name`: Typer builds the options of
    every command it holds before running one, so a run builds its own alone."""
    narrowed = copy.copy(app)
    narrowed.registered_commands = [
        command for command in app.registered_commands if command_name(command) == name
    ]
    narrowed.registered_groups = [
        group for group in app.registered_groups if command_name(group) == name
    ]
    return narrowed


def run(args: list[str], *, only_command: str | None = None) -> None:
    """Run the command line with `args` (`only_command`: with just that command built); an
    unexpected error is one line and exit 1, never a traceback."""
    program = only(only_command) if only_command else app
    try:
        program(args, prog_name="backstretch")
    except Exception as error:  # the last resort: the use cases' errors are mapped above
        from backstretch.cli.render import say_error

        say_error(
            f"something went wrong: {type(error).__name__}: {error}. Nothing more was saved; "
            "please report this with the command you ran."
        )
        sys.exit(OTHER_EXIT)
