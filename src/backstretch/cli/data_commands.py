"""`backstretch export`, `import` and `forget`: take your data with you, bring it back, delete it.

Heavy modules are imported inside the commands so that `--help` stays fast.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

FORMATS = ("json", "csv")


def register(app: typer.Typer) -> None:
    """Add the export, import and forget commands to `app`."""
    app.command("export")(export)
    app.command("import")(import_)
    app.command("forget")(forget)


def describe_counts(counts: dict[str, int]) -> str:
    """Return row counts as words (imported lazily: the database layer is slow to load)."""
    from backstretch.services.your_data import describe_counts as words

    return words(counts)


def _say(message: str) -> None:
    from backstretch.cli.render import output_console

    # Paths and URLs are printed as they are: no markup, no highlighting, no line breaks inside.
    output_console().print(message, markup=False, highlight=False, soft_wrap=True)


def _write_private(path: Path, content: bytes) -> None:
    import tempfile

    # Health data: mkstemp creates the file readable by its owner only, and the rename makes the
    # new file appear whole or not at all (an earlier export is never left half-overwritten).
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def export(
    ctx: typer.Context,
    format_name: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="json|csv",
            help="json: everything, in the file `backstretch import` restores. "
            "csv: a zip of one CSV file per table, for reading in a spreadsheet (needs --out).",
        ),
    ] = "json",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="FILE",
            help="Write to FILE, readable by you only. Without it, JSON goes to standard output.",
        ),
    ] = None,
) -> None:
    """Export all your stored data: profile, screenings, clearances, blocks, sessions, check-ins,
    your own stretches and saved routines.

    Keep the file private: it is health data. Restore a JSON export with `backstretch import`.
    """
    from backstretch.cli import wiring
    from backstretch.cli.app import fail
    from backstretch.services.your_data import count_data, dump_json, export_csv, export_json

    if format_name not in FORMATS:
        fail(f"unknown export format '{format_name}': use json or csv")
    if format_name == "csv" and out is None:
        fail("--format csv writes a zip file: give it a name with --out FILE")
    with wiring.person(ctx) as me:
        counts = count_data(me)
        csv = format_name == "csv"
        content = export_csv(me) if csv else dump_json(export_json(me)).encode()
    if out is None:
        sys.stdout.write(content.decode())
        return
    try:
        _write_private(out, content)
    except OSError as error:
        fail(f"cannot write {out}: {error.strerror or error}")
    _say(f"Exported {describe_counts(counts)} to {out}.")


def _read_document(path: Path) -> Any:
    from backstretch.cli.app import fail
    from backstretch.services.errors import Invalid
    from backstretch.services.your_data import MAX_IMPORT_BYTES, read_export

    try:
        with path.open("rb") as file:
            raw = file.read(MAX_IMPORT_BYTES + 1)  # within the limit, or refused by read_export
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror or error}")
    try:
        return read_export(raw)
    except Invalid as error:
        fail(f"{path}: {error}")


def import_(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="A JSON export made by `backstretch export`.")
    ],
) -> None:
    """Restore a JSON export into an empty database.

    Never merges: when data is already stored, nothing is imported (export it, then
    `backstretch forget --yes`, then import). A file that is not a valid export is refused with
    the place that is wrong, and nothing is written; so is a file whose sessions are stored in
    this database already (a session is stored once). Stored ids are given anew.
    """
    from backstretch.cli import wiring
    from backstretch.cli.app import fail
    from backstretch.services.errors import Conflict, Invalid
    from backstretch.services.your_data import check_export, import_data

    document = _read_document(file)
    try:
        check_export(document)  # before opening the database: a bad file touches nothing
        # The old own-stretch files are not copied in first: the account must be empty.
        with wiring.person(ctx, copy_old_stretches=False) as me:
            counts = import_data(me, document)
    except (Invalid, Conflict) as error:
        if error.field is None:  # the account, not the file: it holds data already
            fail(str(error))
        fail(f"{file}: {error} (nothing was imported)")
    _say(f"Imported {describe_counts(counts)} from {file}.")


def forget(
    ctx: typer.Context,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm: delete all your stored data now.")
    ] = False,
) -> None:
    """Delete all your stored data: profile, screenings, clearances, blocks, sessions, check-ins,
    your own stretches and saved routines. A safety block still open is kept: forgetting is no
    way around it (a new screening or a clinician's clearance closes it, as always).

    Without --yes nothing is deleted: it says what would be. Export first if you may want the
    data back. Stretch files that earlier versions kept in the data folder are left there (they
    were copied into the database once and are not read again); the output says where they are.
    """
    from backstretch.cli import wiring
    from backstretch.cli.app import fail
    from backstretch.config import get_settings
    from backstretch.services.your_data import count_data, forget_me

    with wiring.person(ctx) as me:
        where = me.services.shown_url
        if not yes:
            counts = count_data(me)
            fail(
                f"forget deletes all your data in {where}: {describe_counts(counts)}. "
                "Nothing was deleted. Run `backstretch forget --yes` to delete it "
                "(`backstretch export --out FILE` first keeps a copy)."
            )
        counts = forget_me(me)
        kept = count_data(me)
    _say(f"Deleted {describe_counts(counts)} from {where}.")
    if any(kept.values()):
        _say(
            f"Kept {describe_counts(kept)} still open: it closes with a new screening "
            "(`backstretch screen`) or a clinician's clearance (`backstretch screen --clear`)."
        )
    own = get_settings().own_stretches_dir
    if own.is_dir() and any(own.glob("*.yaml")):
        _say(
            f"Left the stretch files in {own} in place: they are files, not records, and are "
            "not read again. Delete that folder yourself if you want them gone too."
        )
