"""Your data as use cases: export it (JSON or CSV), import it into an empty account, forget it.

The round-trip format and the table-driven parsing are `db/portability.py`'s; here a file is
also read within its limits (`read_export`) and its rows are checked the way live input is
(`check_export`): pain on the 0-10 scale, what was done within what was planned, stretches the
catalogue (or the file's own stretches) knows, times in order, own stretches and routines as the
app will read them. Each use case commits its own transaction.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from backstretch.core.catalogue import Catalogue, CatalogueError
from backstretch.core.profile import ProfileError, parse_profile
from backstretch.core.routine import parse_routine
from backstretch.data import builtin_catalogue
from backstretch.data.own import check_own_stretches, personal_catalogue
from backstretch.db import portability
from backstretch.db.portability import (
    MAX_IMPORT_BYTES,
    MAX_IMPORT_CONTAINERS,
    MAX_IMPORT_VALUES,
    DatabaseNotEmptyError,
    ExportFormatError,
    SessionTakenError,
    describe_counts,
    dump_document,
)
from backstretch.services.errors import Conflict, Invalid
from backstretch.services.preferences import Preferences, PreferencesError, parse_preferences
from backstretch.services.sessions import (
    MAX_ACTIVITIES,
    MAX_ACTIVITY_NAME,
    MAX_ITEMS,
    MAX_REPS_PER_ITEM,
    MAX_SESSION_SECONDS,
    PAIN_SCALE,
)

if TYPE_CHECKING:
    from backstretch.services.context import PersonContext

__all__ = [
    "MAX_IMPORT_BYTES",
    "check_export",
    "count_data",
    "describe_counts",
    "dump_json",
    "export_csv",
    "export_json",
    "forget_me",
    "import_data",
    "import_file",
    "read_export",
]

dump_json = dump_document
# Imports checked and stored at once, per process: each holds its file's rows in memory (tens of
# MB for the largest), so a burst of them waits its turn instead of adding up.
_IMPORTING = threading.BoundedSemaphore(os.cpu_count() or 1)


def export_json(person: PersonContext) -> dict[str, Any]:
    """Return every row of the person's data in the round-trip format `import_data` reads."""
    with person.transaction() as db:
        return portability.export_document(db, exported_at=person.now())


def export_csv(person: PersonContext) -> bytes:
    """Return the person's data as a zip of one CSV file per table, with a README."""
    with person.transaction() as db:
        return portability.export_csv_zip(db, exported_at=person.now())


# Reading a file ----------------------------------------------------------------------------------


def _refuse_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


def read_export(raw: bytes) -> Any:
    """Return the JSON document in an export file's bytes, or raise `Invalid` saying what is
    wrong: larger than `MAX_IMPORT_BYTES` or holding more values than an export of that size,
    not UTF-8 text, or not JSON."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise Invalid(
            f"larger than {MAX_IMPORT_BYTES // 1_000_000} MB, more than an import takes",
            field="file",
        )
    # Counted in the bytes, quoted text included (so a little more than there is), at C speed.
    containers = raw.count(b"{") + raw.count(b"[")
    if containers > MAX_IMPORT_CONTAINERS or containers + raw.count(b",") > MAX_IMPORT_VALUES:
        raise Invalid(
            f"more objects or values than an export of {MAX_IMPORT_BYTES // 1_000_000} MB holds, "
            "more than an import takes",
            field="file",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("not a text file (UTF-8)", field="file") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        problem = f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        raise Invalid(problem, field="file") from None
    except ValueError as error:
        raise Invalid(f"not valid JSON ({error})", field="file") from None
    except RecursionError:
        raise Invalid("not an export: nested too deeply", field="file") from None


# Checking rows as live input is checked ----------------------------------------------------------


def _check_documents(parsed: dict[str, list[dict[str, Any]]]) -> Catalogue:
    """Check own stretches and routines as the app will read them, so an import never leaves a
    person with a catalogue that does not load or a routine that cannot be used; return the
    catalogue the person will have."""
    stretches = parsed.get("own_stretches", [])
    where = [f"tables.own_stretches[{index}].document" for index in range(len(stretches))]
    try:
        checked = check_own_stretches(
            [(place, row["document"]) for place, row in zip(where, stretches, strict=True)]
        )
    except CatalogueError as error:
        place = error.origin if error.origin in where else "tables.own_stretches"
        raise ExportFormatError(place, f"{error.field}: {error.problem}") from None
    for index, (stretch, row) in enumerate(zip(checked, stretches, strict=True)):
        if stretch.id != row["stretch_id"]:
            problem = f"the stretch's id is {stretch.id!r}, not {row['stretch_id']!r}"
            raise ExportFormatError(f"tables.own_stretches[{index}].stretch_id", problem)
    documents = [(row["stretch_id"], row["document"]) for row in stretches]
    catalogue = personal_catalogue(documents) if documents else builtin_catalogue()
    for index, row in enumerate(parsed.get("routines", [])):
        place = f"tables.routines[{index}].document"
        try:
            parse_routine(row["document"], catalogue, origin=place)
        except CatalogueError as error:
            raise ExportFormatError(place, f"{error.field}: {error.problem}") from None
    return catalogue


def _rows(parsed: dict[str, list[dict[str, Any]]], table: str) -> Iterator[tuple[str, Any]]:
    for index, row in enumerate(parsed.get(table, [])):
        yield f"tables.{table}[{index}]", row


def _within(place: str, value: int | None, low: int, high: int, what: str) -> None:
    if value is not None and not low <= value <= high:
        raise ExportFormatError(place, f"{value} is not within {what}: {low} to {high}")


def _in_order(place: str, first: datetime | None, then: datetime | None, what: str) -> None:
    if first is not None and then is not None and then < first:
        raise ExportFormatError(place, f"{then.isoformat()} is before {what} ({first.isoformat()})")


def _check_sessions(parsed: dict[str, list[dict[str, Any]]], catalogue: Catalogue) -> None:
    planned: dict[str, int] = {}
    pain = (PAIN_SCALE.start, PAIN_SCALE.stop - 1, "the pain scale")
    for place, row in _rows(parsed, "sessions"):
        planned[row["uuid"]] = row["planned_seconds"]
        _within(f"{place}.pain_before", row["pain_before"], *pain)
        _within(f"{place}.pain_after", row["pain_after"], *pain)
        _within(
            f"{place}.planned_seconds",
            row["planned_seconds"],
            0,
            MAX_SESSION_SECONDS,
            "the seconds a session may last",
        )
        _in_order(f"{place}.ended_at", row["started_at"], row["ended_at"], "its start")
        if row["stopped_stretch"] is not None and row["stopped_stretch"] not in catalogue:
            raise ExportFormatError(
                f"{place}.stopped_stretch", f"unknown stretch {row['stopped_stretch']!r}"
            )
        items = row["plan"].get("items", [])
        if not isinstance(items, list):
            raise ExportFormatError(f"{place}.plan.items", "expected a list of stretches")
        for index, item in enumerate(items):
            stretch = item.get("stretch") if isinstance(item, dict) else None
            if not isinstance(stretch, str) or stretch not in catalogue:
                raise ExportFormatError(
                    f"{place}.plan.items[{index}].stretch", f"unknown stretch {stretch!r}"
                )
    for place, row in _rows(parsed, "session_items"):
        if row["stretch"] not in catalogue:
            raise ExportFormatError(f"{place}.stretch", f"unknown stretch {row['stretch']!r}")
        _within(f"{place}.position", row["position"], 0, MAX_ITEMS - 1, "a routine's places")
        whole = planned[row["session_uuid"]]  # its session is in the file: checked already
        seconds, reps = row["planned_seconds"], row["planned_reps"]
        _within(f"{place}.planned_seconds", seconds, 0, whole, "its session's planned seconds")
        _within(f"{place}.done_seconds", row["done_seconds"], 0, seconds, "the planned seconds")
        _within(f"{place}.planned_reps", reps, 0, MAX_REPS_PER_ITEM, "the repetitions an item has")
        _within(f"{place}.done_reps", row["done_reps"], 0, reps, "the planned repetitions")


def _check_the_rest(parsed: dict[str, list[dict[str, Any]]]) -> None:
    for place, row in _rows(parsed, "checkins"):
        activities = row["activities"]
        _within(f"{place}.activities", len(activities), 1, MAX_ACTIVITIES, "the activities rated")
        for index, activity in enumerate(activities):
            name, score = activity.get("name"), activity.get("score")
            inside = f"{place}.activities[{index}]"
            if not isinstance(name, str) or not 0 < len(name.strip()) <= MAX_ACTIVITY_NAME:
                problem = f"a name of 1 to {MAX_ACTIVITY_NAME} characters"
                raise ExportFormatError(f"{inside}.name", problem)
            if isinstance(score, bool) or not isinstance(score, int):
                raise ExportFormatError(f"{inside}.score", "expected a whole number from 0 to 10")
            _within(f"{inside}.score", score, 0, 10, "the rating scale")
    for place, row in _rows(parsed, "safety_blocks"):
        _in_order(f"{place}.closed_at", row["opened_at"], row["closed_at"], "it opened")
    for place, row in _rows(parsed, "clearances"):
        _in_order(f"{place}.lapsed_at", row["recorded_at"], row["lapsed_at"], "it was recorded")
    for place, row in _rows(parsed, "profiles"):
        try:
            parse_profile(row["data"])
        except ProfileError as error:
            raise ExportFormatError(f"{place}.data.{error.field}", error.problem) from None
    anyone = Preferences(lead_in_seconds=0, voice=True, emergency_region="default", timezone="UTC")
    for place, row in _rows(parsed, "preferences"):
        try:
            parse_preferences(row["data"], anyone)
        except PreferencesError as error:
            raise ExportFormatError(f"{place}.data.{error.field}", error.problem) from None


def check_export(document: Any) -> dict[str, list[dict[str, Any]]]:
    """Validate an export document strictly, as live input is; return its rows per table, or
    raise `Invalid` naming the row and the field at fault (`tables.sessions[3].pain_after`)."""
    try:
        rows = portability.parse_document(document)
        catalogue = _check_documents(rows)
        _check_sessions(rows, catalogue)
        _check_the_rest(rows)
    except ExportFormatError as error:
        raise Invalid(str(error), field=error.where) from None
    return rows


# The use cases -----------------------------------------------------------------------------------


def import_data(person: PersonContext, document: Any) -> dict[str, int]:
    """Restore an export into the person's empty account; return the rows per table.

    A malformed document raises `Invalid` naming the place; an account that holds data, or a
    session stored already (in any account), raises `Conflict`. Nothing is kept in either case.
    Safety blocks still open in the account stay open, whatever the file holds.
    """
    try:
        with _IMPORTING:
            rows = check_export(document)
            with person.transaction() as db:
                return portability.import_rows(db, rows)
    except SessionTakenError as error:
        raise Conflict(str(error), field=error.where) from None
    except DatabaseNotEmptyError as error:
        raise Conflict(str(error)) from None


def import_file(person: PersonContext, raw: bytes) -> dict[str, int]:
    """Restore an export file's bytes (`read_export`, then `import_data`); the same errors."""
    return import_data(person, read_export(raw))


def count_data(person: PersonContext) -> dict[str, int]:
    """Return how many rows of each table are the person's."""
    with person.transaction() as db:
        return portability.count_rows(db)


def forget_me(person: PersonContext) -> dict[str, int]:
    """Delete every row of the person's data (no one else's), leaving no trace in a SQLite file;
    return how many rows of each table were deleted.

    Safety blocks still open are kept (`portability.forget_everything`): forgetting, or an
    import after it, is no way around safety. Deleting the account deletes them too.
    """
    with person.transaction() as db:
        counts = portability.forget_everything(db, keep_open_blocks=True)
    portability.erase_freed_space(person.services.store.engine)
    return counts
