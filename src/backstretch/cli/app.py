"""The `backstretch` command: thin commands that parse, call the core, and render.

Heavy modules are imported inside the commands so that `--help` and quick commands start fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from backstretch import __version__
from backstretch.cli import data_commands, figures, progress_commands, routine_commands
from backstretch.cli import session as session_commands

app = typer.Typer(
    name="backstretch",
    help=(
        "Gentle, safe stretching for back and neck comfort, at home or at your desk. "
        "General wellness only: not medical advice."
    ),
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


def fail(message: str, code: int = 2) -> NoReturn:
    """Print an error to stderr and exit with `code` (2 means bad input)."""
    from backstretch.cli.render import error_console

    error_console().print(f"backstretch: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    """Write `data` as indented JSON to stdout."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _catalogue() -> Any:
    from backstretch.cli import context as shared
    from backstretch.config import get_settings

    return shared.catalogue(get_settings(), fail)


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
    found = _catalogue().filter(region=region, position=where, text=search)
    if as_json:
        print_json([stretch.model_dump(mode="json") for stretch in found])
    else:
        render.stretch_table(render.output_console(), found)


@stretches_app.command("add")
def stretches_add(
    file: Annotated[Path, typer.Argument(help="A YAML file describing one stretch (id my-…).")],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace your own stretch with the same id.")
    ] = False,
) -> None:
    """Check a stretch file and add it to your own stretches (kept in the database)."""
    from backstretch.cli import context as shared
    from backstretch.cli.render import output_console
    from backstretch.config import get_settings
    from backstretch.core.catalogue import CatalogueError
    from backstretch.data.own import OwnStretchError, add_own_stretch, read_stretch_file
    from backstretch.db.engine import transaction

    try:
        text = read_stretch_file(file)
    except OwnStretchError as error:
        fail(f"not added: {error}")
    store = shared.store(get_settings(), fail)
    try:
        with transaction(store.sessions) as session:
            stretch = add_own_stretch(
                session, text, origin=str(file), at=shared.now(), replace=replace
            )
    except (CatalogueError, OwnStretchError) as error:
        fail(f"not added: {error}")
    finally:
        store.close()
    output_console().print(f"Added {stretch.id} ({stretch.name}).", highlight=False)


@stretches_app.command("remove")
def stretches_remove(
    stretch_id: Annotated[str, typer.Argument(metavar="ID", help="The id of your own stretch.")],
) -> None:
    """Remove one of your own stretches (built-in ones cannot be removed)."""
    from backstretch.cli import context as shared
    from backstretch.cli.render import output_console
    from backstretch.config import get_settings
    from backstretch.core.catalogue import CatalogueError
    from backstretch.data.own import OwnStretchError, remove_own_stretch
    from backstretch.db.engine import transaction

    store = shared.store(get_settings(), fail)
    try:
        with transaction(store.sessions) as session:
            remove_own_stretch(session, stretch_id)
    except OwnStretchError as error:
        fail(str(error))
    except CatalogueError as error:
        fail(f"your own stretches could not be loaded: {error}")
    finally:
        store.close()
    output_console().print(f"Removed {stretch_id}.", highlight=False)


@app.command()
def show(
    stretch_id: Annotated[str, typer.Argument(metavar="ID", help="A stretch id, e.g. cat-cow.")],
    as_json: JsonFlag = False,
) -> None:
    """Show one stretch: how to do it, its dose, cautions, variants and sources."""
    from backstretch.cli import render
    from backstretch.core.catalogue import UnknownStretchError

    catalogue = _catalogue()
    try:
        stretch = catalogue.get(stretch_id)
    except UnknownStretchError as error:
        fail(str(error))
    if as_json:
        print_json(stretch.model_dump(mode="json"))
    else:
        render.stretch_detail(render.output_console(), stretch, catalogue)


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
    from backstretch.cli import context as shared
    from backstretch.cli.render import output_console
    from backstretch.cli.screening import ask_all, render_result
    from backstretch.core.screening import AnswersError
    from backstretch.db import repository
    from backstretch.db.engine import transaction
    from backstretch.services.screening import (
        ClearanceError,
        record_clearance,
        record_screening,
    )

    if clear and answers_file:
        fail("use --clear on its own, not together with --answers")
    if as_json and not (answers_file or clear):
        fail("--json needs --answers FILE or --clear ID (the questions are asked interactively)")
    settings, context = shared.screening_context(fail)
    raw: Any = None
    if answers_file is not None:
        raw = _read_json(answers_file)
    store = shared.store(settings, fail)
    settings, context = shared.personal(settings, context, store)
    console = output_console()
    try:
        with transaction(store.sessions) as session:
            if clear:
                try:
                    outcome = record_clearance(session, clear, context, now=shared.now())
                except ClearanceError as error:
                    fail(str(error))
                if outcome is None:
                    console.print("Clearance recorded.")
                    return
                result = outcome[1]
            else:
                if raw is None:
                    latest = repository.latest_screening(session=session)
                    previous = latest.answers if (latest and recheck) else None
                    if recheck and latest is None:
                        console.print("No earlier screening on file: here are the questions.")
                    raw = ask_all(
                        console, context.guide, previous, emergency_number=context.emergency_number
                    )
                try:
                    _, result = record_screening(session, raw, context, now=shared.now())
                except AnswersError as error:
                    fail(f"{answers_file or 'answers'}: {error}")
    finally:
        store.close()
    if as_json:
        print_json(result.to_json())
    else:
        render_result(console, result)


def _read_json(path: Path) -> Any:
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
    from backstretch.cli import context as shared
    from backstretch.cli import planning as ui
    from backstretch.cli.render import output_console
    from backstretch.core.routine import routine_document
    from backstretch.core.timeline import TimelineSettings
    from backstretch.data import presets
    from backstretch.db.engine import transaction
    from backstretch.services.planning import make_plan
    from backstretch.services.routines import RoutineNameError, RoutineNameTaken, clean_name

    if preset and routine:
        fail("use --preset or --routine, not both")
    new_name = None
    if save_as is not None:
        try:
            new_name = clean_name(save_as)
        except RoutineNameError as error:
            fail(f"--save-as: {error}")
    settings, context = shared.screening_context(fail)
    store = shared.store(settings, fail)
    try:
        settings, context = shared.personal(settings, context, store)
        catalogue = context.catalogue
        chosen = None
        if preset is not None:
            known = presets(catalogue)
            if preset not in known:
                fail(f"unknown preset '{preset}'. Presets: {', '.join(known)}")
            chosen = known[preset]
        requests = chosen.requests if chosen else None
        routine_name = chosen.name if chosen else "My routine"
        if routine is not None:
            routine_name, requests = _saved_or_file_routine(store, routine, catalogue)
        if new_name is not None:
            with transaction(store.sessions) as session:
                taken = _has_routine(session, new_name)
            if taken:
                fail(_name_taken(new_name))
        file_data = None
        if profile is not None:
            file_data = ui.read_document(profile, fail)
            if not isinstance(file_data, dict):
                fail(f"{profile}: expected a mapping of profile fields")
        flags = {
            "areas": area or [],
            "minutes": minutes,
            "setting": setting,
            "restrictions": restriction or [],
            "pregnancy_weeks": pregnancy_weeks,
            "level": level,
            "time_of_day": time_of_day,
        }
        person = ui.build_profile(
            file_data=file_data,
            preset=chosen,
            flags=flags,
            routine_items=requests,
            catalogue=catalogue,
            fail=fail,
            origin=str(profile) if profile else "options",
        )
        now = shared.now()
        with transaction(store.sessions) as session:
            outcome = make_plan(
                session,
                profile=person,
                catalogue=catalogue,
                guide=context.guide,
                emergency_number=context.emergency_number,
                now=now,
                on=ui.local_date(now, context.timezone),
                requests=requests,
                strategy=ui.strategy_of(chosen),
                settings=TimelineSettings(lead_in_seconds=settings.lead_in_seconds),
            )
        console = output_console()
        if outcome.plan is None:
            if as_json:
                print_json(outcome.to_json())
            else:
                ui.render_blocked(console, outcome.advice or {})
            raise typer.Exit(3)
        if save is not None:
            if not outcome.plan.items:
                fail(f"nothing saved to {save}: no stretch fits this plan")
            ui.save_routine(save, routine_document(routine_name, outcome.plan))
        if new_name is not None:
            if not outcome.plan.items:
                fail(f"nothing saved as '{new_name}': no stretch fits this plan")
            from backstretch.services.routines import save_plan_as

            try:
                with transaction(store.sessions) as session:
                    save_plan_as(session, name=new_name, plan=outcome.plan, at=now)
            except RoutineNameTaken:
                fail(_name_taken(new_name))
    finally:
        store.close()
    if as_json:
        print_json(outcome.to_json())
    else:
        ui.render_plan(console, outcome, outcome.plan, catalogue, context.guide.session_reminder)
        if save is not None:
            console.print(f"Saved to {save}.", markup=False, highlight=False)
        if new_name is not None:
            console.print(
                f"Saved as '{new_name}': plan it again with "
                f"`backstretch plan --routine {_quoted(new_name)}`.",
                markup=False,
                highlight=False,
            )


def _quoted(name: str) -> str:
    import shlex

    return shlex.quote(name)


def _name_taken(name: str) -> str:
    return (
        f"you already have a routine called '{name}': choose another name, or remove it first "
        f"with `backstretch routines remove {_quoted(name)}`"
    )


def _has_routine(session: Any, name: str) -> bool:
    """Tell whether the person has a saved routine called `name`."""
    from backstretch.db import repository

    return repository.find_routine(session=session, name=name) is not None


def _saved_or_file_routine(store: Any, given: str, catalogue: Any) -> tuple[str, Any]:
    """Return the name and items of the saved routine called `given`, else of the file `given`."""
    from backstretch.cli import planning as ui
    from backstretch.core.catalogue import CatalogueError
    from backstretch.db import repository
    from backstretch.db.engine import transaction
    from backstretch.services.routines import RoutineNameError, clean_name, routine_requests

    try:
        name = clean_name(given)
    except RoutineNameError:
        name = None
    if name is not None:
        with transaction(store.sessions) as session:
            saved = repository.find_routine(session=session, name=name)
        if saved is not None:
            try:
                return routine_requests(saved, catalogue)
            except CatalogueError as error:
                fail(str(error))
    path = Path(given)
    if not path.is_file():
        fail(
            f"--routine: no saved routine called '{given}' and no file {given} "
            "(`backstretch routines` lists your saved routines)"
        )
    return ui.load_routine(path, catalogue, fail)


# Commands kept in modules of their own; each module imports its heavy parts only when run.
session_commands.register(app)
data_commands.register(app)
routine_commands.register(app)
progress_commands.register(app)
figures.register(app)


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
    from backstretch.db.engine import DatabaseError
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
    try:
        application = create_app(settings.model_copy(update={"accounts": accounts}))
    except (DatabaseError, ValueError) as error:
        fail(str(error))
    # Behind a proxy that terminates HTTPS, uvicorn's --forwarded-allow-ips equivalent is the
    # FORWARDED_ALLOW_IPS environment variable: with it, cookies are marked Secure.
    uvicorn.run(application, host=host, port=port, log_level="info", proxy_headers=True)


def main() -> None:
    """Run the command line."""
    app()
