"""Your data as use cases: export it (JSON or CSV), import it into an empty account, forget it.

The round-trip format and the table-driven parsing are `db/portability.py`'s; here the own
stretches and routines in a file are also checked the way the app will read them, and each use
case commits its own transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backstretch.core.catalogue import CatalogueError
from backstretch.core.routine import parse_routine
from backstretch.data.own import check_own_stretch, personal_catalogue
from backstretch.db import portability
from backstretch.db.portability import (
    DatabaseNotEmptyError,
    ExportFormatError,
    SessionTakenError,
    describe_counts,
    dump_document,
)
from backstretch.services.errors import Conflict, Invalid

if TYPE_CHECKING:
    from backstretch.services.context import PersonContext

__all__ = [
    "count_data",
    "describe_counts",
    "dump_json",
    "export_csv",
    "export_json",
    "forget_me",
    "import_data",
]

dump_json = dump_document


def export_json(person: PersonContext) -> dict[str, Any]:
    """Return every row of the person's data in the round-trip format `import_data` reads."""
    with person.transaction() as db:
        return portability.export_document(db, exported_at=person.now())


def export_csv(person: PersonContext) -> bytes:
    """Return the person's data as a zip of one CSV file per table, with a README."""
    with person.transaction() as db:
        return portability.export_csv_zip(db, exported_at=person.now())


def _check_documents(parsed: dict[str, list[dict[str, Any]]]) -> None:
    """Check own stretches and routines as the app will read them, so an import never leaves a
    person with a catalogue that does not load or a routine that cannot be used."""
    stretches = parsed.get("own_stretches", [])
    documents = [(row["stretch_id"], row["document"]) for row in stretches]
    for index, row in enumerate(stretches):
        where = f"tables.own_stretches[{index}].document"
        try:
            others = [entry for other, entry in enumerate(documents) if other != index]
            stretch, _ = check_own_stretch(row["document"], origin=where, others=others)
        except CatalogueError as error:
            raise ExportFormatError(where, f"{error.field}: {error.problem}") from None
        if stretch.id != row["stretch_id"]:
            problem = f"the stretch's id is {stretch.id!r}, not {row['stretch_id']!r}"
            raise ExportFormatError(f"tables.own_stretches[{index}].stretch_id", problem)
    routines = parsed.get("routines", [])
    if not routines:
        return
    catalogue = personal_catalogue(documents)
    for index, row in enumerate(routines):
        where = f"tables.routines[{index}].document"
        try:
            parse_routine(row["document"], catalogue, origin=where)
        except CatalogueError as error:
            raise ExportFormatError(where, f"{error.field}: {error.problem}") from None


def check_export(document: Any) -> dict[str, list[dict[str, Any]]]:
    """Validate an export document strictly; return its rows per table, or raise `Invalid`
    naming the place at fault."""
    try:
        rows = portability.parse_document(document)
        _check_documents(rows)
    except ExportFormatError as error:
        raise Invalid(str(error), field=error.where) from None
    return rows


def import_data(person: PersonContext, document: Any) -> dict[str, int]:
    """Restore an export into the person's empty account; return the rows per table.

    A malformed document raises `Invalid` naming the place; an account that holds data, or a
    session stored already (in any account), raises `Conflict`. Nothing is kept in either case.
    """
    rows = check_export(document)
    try:
        with person.transaction() as db:
            return portability.import_rows(db, rows)
    except SessionTakenError as error:
        raise Conflict(str(error), field=error.where) from None
    except DatabaseNotEmptyError as error:
        raise Conflict(str(error)) from None


def count_data(person: PersonContext) -> dict[str, int]:
    """Return how many rows of each table are the person's."""
    with person.transaction() as db:
        return portability.count_rows(db)


def forget_me(person: PersonContext) -> dict[str, int]:
    """Delete every row of the person's data (no one else's), leaving no trace in a SQLite file;
    return how many rows each table held."""
    with person.transaction() as db:
        counts = portability.forget_everything(db)
    portability.erase_freed_space(person.services.store.engine)
    return counts
