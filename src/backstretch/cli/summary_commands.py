"""`backstretch summary`: a few weeks of sessions, pain and activity ratings for a clinician, as a
PDF and as a FHIR R4 bundle.

Heavy modules (the database, WeasyPrint) are imported inside the command so that `--help` stays
fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add `summary` to the command line."""
    app.command("summary")(summary)


def summary(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", metavar="FILE.pdf", help="Write the summary as a PDF to FILE (yours only)."
        ),
    ] = None,
    fhir: Annotated[
        Path | None,
        typer.Option(
            "--fhir",
            metavar="FILE.json",
            help="Write the same as a FHIR R4 bundle (JSON, the PDF inside) to FILE.",
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="YYYY-MM-DD",
            help="First day of the range (default: the four weeks up to --to).",
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--to", metavar="YYYY-MM-DD", help="Last day of the range (default: today)."),
    ] = None,
    paper: Annotated[
        str, typer.Option("--paper", metavar="a4|letter", help="The PDF's paper size.")
    ] = "a4",
    target: Annotated[
        int | None,
        typer.Option(
            "--target",
            metavar="N",
            help="Sessions a week to compare with (default: your weekly target if set, else 3).",
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            metavar="TEXT",
            help="A label to print as the person (default: none; the summary stays unnamed).",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print what was written as JSON.")
    ] = False,
) -> None:
    """Make a summary for a clinician: sessions against the weekly target, minutes, pain
    before and after, activity check-ins, stops, safety pauses and today's routine.

    Days are counted in your time zone. The summary names nobody unless you give --name; the
    FHIR bundle's patient is a random-looking id. Keep both files private: they are health data.
    """
    import json

    from backstretch.cli import wiring
    from backstretch.cli.app import fail, print_json
    from backstretch.cli.data_commands import _say, _write_private
    from backstretch.services.summary import summary_files

    if out is None and fhir is None:
        fail("say where to write the summary: --out FILE.pdf, --fhir FILE.json, or both")
    with wiring.person(ctx) as me:
        files = summary_files(
            me,
            start=start,
            end=end,
            target=target,
            name=name,
            paper=paper,
            fhir=fhir is not None,
        )
    written: dict[str, str] = {}
    for path, content, what in (
        (out, files.pdf, "pdf"),
        (fhir, json.dumps(files.fhir, indent=2).encode() if files.fhir else b"", "fhir"),
    ):
        if path is None:
            continue
        try:
            _write_private(path, content)
        except OSError as error:
            fail(f"cannot write {path}: {error.strerror or error}")
        written[what] = str(path)
    found = files.summary
    if as_json:
        print_json(
            {
                "from": found.start.isoformat(),
                "to": found.end.isoformat(),
                "sessions": len(found.done),
                "checkins": len(found.checkins),
                **written,
            }
        )
        return
    span = f"{found.start.isoformat()} to {found.end.isoformat()}"
    sessions = len(found.done)
    counted = f"{sessions} session{'' if sessions == 1 else 's'}"
    if out is not None:
        _say(f"Wrote the clinician summary ({span}, {counted}) to {out}.")
    if fhir is not None and files.fhir is not None:
        entries = len(files.fhir["entry"])
        _say(f"Wrote the FHIR R4 bundle ({span}, {entries} resources) to {fhir}.")
