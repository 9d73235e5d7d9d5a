"""Your data, portable: export a person's rows, restore an export, or forget everything.

Everything here works on the rows of the person a session was made for (`db/owners.py`): an
export holds only theirs, an import goes into their account (which must be empty), and forget
deletes only theirs. The JSON export is the round-trip format: `import_rows(parse_document(...))`
of an `export_document(...)` into an empty account gives back the same rows. Integer ids are not
kept (another person may use them already): the database gives new ones, and references between
rows follow them.
Session uuids are kept, so one that is stored already, in any account, refuses the whole file.

The document is built generically from the `Owned` tables of `repository.ALL_TABLES`, without
their `owner_id`, so a column added later is exported (and required on import) without touching
this module; bump `EXPORT_VERSION` when that happens.
"""

from __future__ import annotations

import csv
import io
import json
import typing
import zipfile
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Engine,
    Integer,
    String,
    Table,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session

from backstretch.core.records import SessionStatus
from backstretch.core.safety import BlockKind, StopSignal
from backstretch.core.screening import Restriction, Verdict
from backstretch.db import repository
from backstretch.db.owners import ALL_OWNERS, NoOwnerError, owner_of
from backstretch.db.tables import Base, Owned, SafetyBlockRow, SessionRow, UTCDateTime

EXPORT_FORMAT = "backstretch-export"
EXPORT_VERSION = 3
# The version that added each table after the first: an older export simply has none of its rows.
ADDED_IN_VERSION = {"preferences": 2, "own_stretches": 3, "routines": 3}
# The version that added each column to a table that was there before: an older export has no
# value for it, and its rows get None (the column is nullable).
COLUMN_ADDED_IN_VERSION = {("sessions", "identity_hash"): 3, ("sessions", "final_hash"): 3}
# Who owns a row is the account it is imported into, never part of the document.
OWNER_COLUMN = "owner_id"
# How many session uuids are looked up at once (well under every backend's parameter limit).
UUID_BATCH = 500
# An import is read whole and checked row by row before one transaction writes it, so these
# bound what one file may cost (measured in benchmarks/bounded_input.py: about 4 s and 80 MB at
# most). A 20-minute session with its items is about 7 kB of export: 20 MB is eight years of
# daily sessions.
MAX_IMPORT_BYTES = 20_000_000
# What a file of that size may hold, counted in its bytes before it is parsed (parsing builds an
# object per value: 20 MB of tiny values would take a few hundred MB). The 20 MB export of
# 7.5 years holds 73,000 objects and lists and 570,000 values.
MAX_IMPORT_CONTAINERS = 200_000
MAX_IMPORT_VALUES = 1_500_000
MAX_ROWS = 20_000
# Tables with more rows per person than the rest: every session holds a dozen items or so.
MAX_ROWS_OF = {"session_items": 100_000}

# Columns whose text must be one of a fixed set of values: the repository turns them back into
# enums when it reads them, so a stray value would only fail later, far from the import.
ALLOWED_VALUES: dict[tuple[str, str], type[StrEnum]] = {
    ("screenings", "verdict"): Verdict,
    ("safety_blocks", "kind"): BlockKind,
    ("sessions", "status"): SessionStatus,
    ("sessions", "stop_signal"): StopSignal,
}
ALLOWED_ITEMS: dict[tuple[str, str], type[StrEnum]] = {
    ("screenings", "restrictions"): Restriction,
}
# What an INTEGER column holds on PostgreSQL (SQLite holds more): checked here so that a file
# imports on either backend or on neither.
INTEGER_RANGE = (-(2**31), 2**31 - 1)
# Local days are counted in these zones, so an unknown name would break every summary.
TIMEZONE_COLUMN = "timezone"


class ExportFormatError(ValueError):
    """An export document is malformed; `where` names the place, e.g. `tables.sessions[3].uuid`."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")


class DatabaseNotEmptyError(RuntimeError):
    """The person's account already holds data, and an import never merges."""


class SessionTakenError(ExportFormatError):
    """A session in the document is stored on this server already (in any account)."""

    def __init__(self, index: int, uuid: str) -> None:
        self.uuid = uuid
        super().__init__(
            f"tables.sessions[{index}].uuid",
            f"session {uuid} is already stored on this server (in this or another account); "
            "a session can be stored once",
        )


class ColumnKind(StrEnum):
    """How a column's values are written in an export."""

    INTEGER = "integer"
    TEXT = "text"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    JSON = "json"


def exported_tables() -> list[Table]:
    """Return the tables an export holds, parents before children (the order to insert in)."""
    # ALL_TABLES lists children first, for deleting.
    return [
        Base.metadata.tables[model.__tablename__]
        for model in reversed(repository.ALL_TABLES)
        if issubclass(model, Owned) and model not in repository.NOT_EXPORTED
    ]


def exported_columns(table: Table) -> list[Column[Any]]:
    """Return the columns an export holds of `table`: all but the owner."""
    return [column for column in table.columns if column.name != OWNER_COLUMN]


def _owner(db: Session) -> int:
    owner = owner_of(db)
    if owner is None:
        raise NoOwnerError("export, import and forget need a session made for one person")
    return owner


def column_kind(column: Column[Any]) -> ColumnKind:
    """Return how `column` is exported; a column type with no rule yet raises `TypeError`."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return ColumnKind.DATETIME
    if isinstance(kind, JSON):
        return ColumnKind.JSON
    if isinstance(kind, Boolean):
        return ColumnKind.BOOLEAN
    if isinstance(kind, Integer):
        return ColumnKind.INTEGER
    if isinstance(kind, String):
        return ColumnKind.TEXT
    raise TypeError(f"{column.table.name}.{column.name}: no export rule for {kind!r}")


# Export -----------------------------------------------------------------------------------------


def _exported_value(kind: ColumnKind, value: Any) -> Any:
    if value is not None and kind is ColumnKind.DATETIME:
        stored: datetime = value
        return stored.astimezone(UTC).isoformat()
    return value


def _table_rows(db: Session, table: Table) -> list[dict[str, Any]]:
    columns = exported_columns(table)
    kinds = {column.name: column_kind(column) for column in columns}
    # A Core select on a Table is not narrowed by the session: say whose rows, here.
    result = db.execute(
        select(*columns)
        .where(table.c[OWNER_COLUMN] == _owner(db))
        .order_by(*table.primary_key.columns)
    )
    return [
        {name: _exported_value(kinds[name], value) for name, value in row.items()}
        for row in result.mappings()
    ]


def export_document(db: Session, *, exported_at: datetime) -> dict[str, Any]:
    """Return every row of the person's data, table by table, as one JSON-ready document."""
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": exported_at.astimezone(UTC).isoformat(),
        "tables": {table.name: _table_rows(db, table) for table in exported_tables()},
    }


def dump_document(document: Mapping[str, Any]) -> str:
    """Return a document as the JSON text written to a file: the same data gives the same text."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _csv_cell(kind: ColumnKind, value: Any) -> str:
    if value is None:
        return ""
    if kind is ColumnKind.JSON:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if kind is ColumnKind.BOOLEAN:
        return "true" if value else "false"
    return str(value)


def _csv_readme(exported_at: datetime) -> str:
    lines = [
        f"backstretch export, made {exported_at.astimezone(UTC).isoformat()}.",
        "",
        "Each CSV file holds one table of your data: the column names in the first row, then",
        "one row per line. The files:",
        "",
    ]
    for model in reversed(repository.ALL_TABLES):
        if not issubclass(model, Owned) or model in repository.NOT_EXPORTED:
            continue
        about = (model.__doc__ or "").strip().splitlines()[0]
        lines.append(f"  {model.__tablename__}.csv: {about}")
    lines += [
        "",
        "Reading the cells: times are ISO 8601 in UTC (2026-11-02T08:30:00+00:00), yes/no values",
        "are true/false, lists and nested values are JSON, and an empty cell means no value.",
        "",
        "These files are for reading, for example in a spreadsheet; they cannot be imported.",
        "To keep a copy you can restore, use the JSON export:",
        "  backstretch export --format json --out backstretch.json",
        "  backstretch import backstretch.json",
        "",
        "This is health data: keep it somewhere private.",
    ]
    return "\n".join(lines) + "\n"


def export_csv_zip(db: Session, *, exported_at: datetime) -> bytes:
    """Return a zip with one CSV file per table and a README.txt that explains them."""
    stamp = exported_at.astimezone(UTC).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(name: str, text: str) -> None:
            # A fixed timestamp keeps the zip byte-identical for the same data; the mode keeps
            # extracted files private.
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            archive.writestr(info, text.encode("utf-8"))

        add("README.txt", _csv_readme(exported_at))
        for table in exported_tables():
            columns = exported_columns(table)
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow([column.name for column in columns])
            for row in _table_rows(db, table):
                writer.writerow([_csv_cell(column_kind(c), row[c.name]) for c in columns])
            add(f"{table.name}.csv", text.getvalue())
    return buffer.getvalue()


# Import -----------------------------------------------------------------------------------------


@cache
def _json_shape(table_name: str, column_name: str) -> TypeAdapter[Any]:
    # The Mapped[...] annotation of the table class says what a JSON column holds
    # (dict[str, Any], list[str], ...): validate against it rather than repeat it here.
    model = next(m for m in repository.ALL_TABLES if m.__tablename__ == table_name)
    declared = typing.get_args(typing.get_type_hints(model)[column_name])[0]
    return TypeAdapter(declared)


def _parse_datetime(where: str, value: Any) -> datetime:
    if not isinstance(value, str):
        raise ExportFormatError(where, f"expected an ISO date-time string, not {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ExportFormatError(where, f"not an ISO date-time: {value!r}") from None
    if parsed.tzinfo is None:
        raise ExportFormatError(where, f"an ISO date-time needs a UTC offset: {value!r}")
    return parsed


def _parse_value(where: str, table: Table, column: Column[Any], value: Any) -> Any:
    if value is None:
        if column.nullable:
            return None
        raise ExportFormatError(where, "must not be null")
    kind = column_kind(column)
    if kind is ColumnKind.DATETIME:
        return _parse_datetime(where, value)
    if kind is ColumnKind.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ExportFormatError(where, f"expected a whole number, not {value!r}")
        if not INTEGER_RANGE[0] <= value <= INTEGER_RANGE[1]:
            raise ExportFormatError(where, f"{value} is out of range")
        return value
    if kind is ColumnKind.BOOLEAN:
        if not isinstance(value, bool):
            raise ExportFormatError(where, f"expected true or false, not {value!r}")
        return value
    if kind is ColumnKind.TEXT:
        if not isinstance(value, str):
            raise ExportFormatError(where, f"expected a string, not {value!r}")
        if "\x00" in value:
            raise ExportFormatError(where, "contains a NUL character")
        limit = getattr(column.type, "length", None)
        if limit is not None and len(value) > limit:
            raise ExportFormatError(where, f"longer than {limit} characters")
        _check_meaning(where, table, column, value)
        return value
    try:
        _json_shape(table.name, column.name).validate_python(value, strict=True)
    except ValidationError as error:
        first = error.errors()[0]
        inside = "".join(f"[{step!r}]" for step in first["loc"])
        raise ExportFormatError(where + inside, str(first["msg"])) from None
    allowed_items = ALLOWED_ITEMS.get((table.name, column.name))
    if allowed_items is not None:
        for index, item in enumerate(value):
            if item not in {member.value for member in allowed_items}:
                raise ExportFormatError(f"{where}[{index}]", f"unknown value {item!r}")
    return value


def _check_meaning(where: str, table: Table, column: Column[Any], value: str) -> None:
    allowed = ALLOWED_VALUES.get((table.name, column.name))
    if allowed is not None and value not in {member.value for member in allowed}:
        choices = ", ".join(member.value for member in allowed)
        raise ExportFormatError(where, f"unknown value {value!r} (expected one of {choices})")
    if column.name == TIMEZONE_COLUMN:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ExportFormatError(where, f"unknown time zone {value!r}") from None


def _parse_rows(table: Table, rows: Any, version: int) -> list[dict[str, Any]]:
    place = f"tables.{table.name}"
    if not isinstance(rows, list):
        raise ExportFormatError(place, "expected a list of rows")
    columns = exported_columns(table)
    names = {column.name for column in columns}
    # Columns added after the document's version may be left out: their value is None.
    optional = {
        name
        for (owner, name), added in COLUMN_ADDED_IN_VERSION.items()
        if owner == table.name and version < added
    }
    parsed = []
    for index, row in enumerate(rows):
        where = f"{place}[{index}]"
        if not isinstance(row, dict):
            raise ExportFormatError(where, "expected an object of column: value")
        missing = [c.name for c in columns if c.name not in row and c.name not in optional]
        if missing:
            raise ExportFormatError(where, f"missing column {', '.join(map(repr, missing))}")
        unknown = sorted(str(name) for name in row if name not in names)
        if unknown:
            raise ExportFormatError(where, f"unknown column {', '.join(map(repr, unknown))}")
        parsed.append(
            {
                column.name: _parse_value(
                    f"{where}.{column.name}", table, column, row.get(column.name)
                )
                for column in columns
            }
        )
    return parsed


def _check_keys(table: Table, rows: list[dict[str, Any]], parsed: dict[str, Any]) -> None:
    """Check primary keys, unique constraints and references, so the database never objects."""
    place = f"tables.{table.name}"
    unique_sets = [[column.name for column in table.primary_key.columns]]
    # Unique per owner: within one person's document, unique on the other columns.
    unique_sets += [
        [column.name for column in constraint.columns if column.name != OWNER_COLUMN]
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    for names in unique_sets:
        seen: dict[tuple[Any, ...], int] = {}
        for index, row in enumerate(rows):
            key = tuple(row[name] for name in names)
            if key in seen:
                shown = ", ".join(names)
                raise ExportFormatError(
                    f"{place}[{index}]", f"same {shown} as {place}[{seen[key]}]"
                )
            seen[key] = index
    for column in exported_columns(table):
        for foreign_key in column.foreign_keys:
            target = foreign_key.column
            present = {row[target.name] for row in parsed[target.table.name]}
            for index, row in enumerate(rows):
                value = row[column.name]
                if value is not None and value not in present:
                    raise ExportFormatError(
                        f"{place}[{index}].{column.name}",
                        f"refers to {target.table.name}.{target.name} {value!r}, "
                        "which is not in the file",
                    )


def _check_row_count(table_name: str, rows: Any) -> None:
    """Refuse a table of more rows than an import takes, before any row is parsed."""
    limit = MAX_ROWS_OF.get(table_name, MAX_ROWS)
    if isinstance(rows, list) and len(rows) > limit:
        raise ExportFormatError(
            f"tables.{table_name}",
            f"{len(rows)} rows, more than the {limit} an import takes",
        )


def parse_document(document: Any) -> dict[str, list[dict[str, Any]]]:
    """Validate an export document strictly and return its rows per table, ready to insert."""
    if not isinstance(document, dict):
        raise ExportFormatError("(document)", "expected a JSON object")
    expected = {"format", "version", "exported_at", "tables"}
    unknown = sorted(str(key) for key in document if key not in expected)
    if unknown:
        raise ExportFormatError(unknown[0], "unknown key")
    missing = sorted(key for key in expected if key not in document)
    if missing:
        raise ExportFormatError(missing[0], "missing")
    if document["format"] != EXPORT_FORMAT:
        raise ExportFormatError(
            "format", f"expected {EXPORT_FORMAT!r}, not {document['format']!r}: not an export"
        )
    version = document["version"]
    if isinstance(version, bool) or version not in range(1, EXPORT_VERSION + 1):
        raise ExportFormatError(
            "version", f"this backstretch reads versions 1 to {EXPORT_VERSION}, not {version!r}"
        )
    _parse_datetime("exported_at", document["exported_at"])
    tables = document["tables"]
    if not isinstance(tables, dict):
        raise ExportFormatError("tables", "expected an object of table name: rows")
    known = exported_tables()
    names = {table.name for table in known}
    strangers = sorted(str(name) for name in tables if name not in names)
    if strangers:
        raise ExportFormatError(f"tables.{strangers[0]}", "unknown table")
    for table in known:
        _check_row_count(table.name, tables.get(table.name))
    parsed: dict[str, list[dict[str, Any]]] = {}
    for table in known:
        if table.name not in tables:
            if version < ADDED_IN_VERSION.get(table.name, 1):
                parsed[table.name] = []
                continue
            raise ExportFormatError(f"tables.{table.name}", "missing table")
        parsed[table.name] = _parse_rows(table, tables[table.name], version)
        # Parents come first, so a child's references are checked against parents parsed already.
        _check_keys(table, parsed[table.name], parsed)
    return parsed


def _integer_key(table: Table) -> Column[Any] | None:
    keys = list(table.primary_key.columns)
    if len(keys) == 1 and column_kind(keys[0]) is ColumnKind.INTEGER:
        return keys[0]
    return None


def _check_uuids_are_free(db: Session, sessions: list[dict[str, Any]]) -> None:
    """Refuse a document with a session uuid stored already, by anyone: uuids are unique on the
    server (a player's retry is recognised by its uuid)."""
    wanted = [row["uuid"] for row in sessions]
    taken: set[str] = set()
    for start in range(0, len(wanted), UUID_BATCH):
        batch = wanted[start : start + UUID_BATCH]
        found = db.scalars(
            select(SessionRow.uuid)
            .where(SessionRow.uuid.in_(batch))
            .execution_options(**{ALL_OWNERS: True})
        )
        taken.update(found)
    for index, uuid in enumerate(wanted):
        if uuid in taken:
            raise SessionTakenError(index, uuid)


# Old id -> new id, per table with an integer key.
IdMaps = dict[str, dict[int, int]]


def _insert_rows(db: Session, table: Table, rows: list[dict[str, Any]], new_ids: IdMaps) -> None:
    """Insert one table's rows for the session's owner, with new integer ids; references to
    rows inserted before follow their new ids."""
    owner = _owner(db)
    key = _integer_key(table)
    references = {
        column.name: foreign_key.column.table.name
        for column in exported_columns(table)
        for foreign_key in column.foreign_keys
        if _integer_key(foreign_key.column.table) is not None
    }
    values = []
    for row in rows:
        value = {name: v for name, v in row.items() if key is None or name != key.name}
        for name, target in references.items():
            if value[name] is not None:
                value[name] = new_ids[target][value[name]]
        value[OWNER_COLUMN] = owner
        values.append(value)
    if key is None:
        db.execute(insert(table), values)
        return
    # One statement for all the rows; the ids come back in the order the rows went in.
    given = db.execute(insert(table).returning(key, sort_by_parameter_order=True), values).scalars()
    new_ids[table.name] = dict(zip((row[key.name] for row in rows), given, strict=True))


def import_rows(db: Session, rows: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """Insert the rows of a parsed export (`parse_document`) into the person's empty account;
    return the rows per table.

    A session in it stored already, in any account, raises `SessionTakenError`; an account that
    holds data raises `DatabaseNotEmptyError`. The open safety blocks that forgetting keeps are
    not data an import mixes with: they stay open whatever the file says (a copy of one in the
    file takes its place, open). Nothing is committed here: the caller's transaction decides.
    """
    check_empty(db)
    _check_uuids_are_free(db, rows["sessions"])
    kept = {(b.kind.value, b.reason, b.opened_at): b.id for b in repository.open_blocks(db=db)}
    if kept:
        blocks = []
        for row in rows["safety_blocks"]:
            same = kept.pop((row["kind"], row["reason"], row["opened_at"]), None)
            if same is not None:
                # The block kept open is in the file: the file's copy takes its place (in the
                # file's order), open whatever the file says.
                db.execute(delete(SafetyBlockRow).where(SafetyBlockRow.id == same))
                row = {**row, "closed_at": None, "closed_by_screening_id": None}
            blocks.append(row)
        rows = {**rows, "safety_blocks": blocks}
    new_ids: IdMaps = {}
    for table in exported_tables():
        if rows[table.name]:
            _insert_rows(db, table, rows[table.name], new_ids)
    db.flush()
    return {table.name: len(rows[table.name]) for table in exported_tables()}


# Forget -----------------------------------------------------------------------------------------


ROW_NAMES = {
    "profiles": ("profile", "profiles"),
    "screenings": ("screening", "screenings"),
    "clearances": ("clearance", "clearances"),
    "safety_blocks": ("safety block", "safety blocks"),
    "sessions": ("session", "sessions"),
    "session_items": ("session item", "session items"),
    "checkins": ("check-in", "check-ins"),
    "own_stretches": ("own stretch", "own stretches"),
    "routines": ("saved routine", "saved routines"),
}


def describe_counts(counts: dict[str, int]) -> str:
    """Return row counts as words, e.g. "2 screenings, 1 check-in", or "nothing"."""
    parts = []
    for table, count in counts.items():
        if count:
            singular = table.replace("_", " ").removesuffix("s")
            one, many = ROW_NAMES.get(table, (singular, f"{singular}s"))
            parts.append(f"{count} {one if count == 1 else many}")
    return ", ".join(parts) or "nothing"


def count_rows(db: Session) -> dict[str, int]:
    """Return how many rows of each table are the person's."""
    owner = _owner(db)
    return {
        table.name: db.execute(
            select(func.count()).select_from(table).where(table.c[OWNER_COLUMN] == owner)
        ).scalar_one()
        for table in exported_tables()
    }


def check_empty(db: Session) -> None:
    """Raise `DatabaseNotEmptyError` unless the person's account is empty enough to import into
    (the open safety blocks forgetting keeps may be there)."""
    if _holds_data(db):
        raise DatabaseNotEmptyError(
            "the database already holds data of yours, and an import never merges. To replace it, "
            "export what is there first (backstretch export --out backup.json), then run "
            "backstretch forget --yes and import again."
        )


def _holds_data(db: Session) -> bool:
    """Tell whether the person has any row an export holds, but the open safety blocks
    forgetting keeps (reminders and devices may be set up already: an export has none)."""
    for model in repository.ALL_TABLES:
        if model in repository.NOT_EXPORTED:
            continue
        query = select(model).limit(1)
        if model is SafetyBlockRow:
            query = query.where(SafetyBlockRow.closed_at.is_not(None))
        if db.scalars(query).first() is not None:
            return True
    return False


def forget_everything(db: Session, *, keep_open_blocks: bool) -> dict[str, int]:
    """Delete every row of the person's data (no one else's); return how many each table held
    that are gone now.

    With `keep_open_blocks`, safety blocks still open stay: forgetting is not a way around
    safety (a new screening or a clinician's clearance closes them, as always), and an import
    afterwards cannot remove them either. Deleting the account deletes them too.
    """
    counts = count_rows(db)
    if not keep_open_blocks:
        repository.delete_everything(db=db)
        return counts
    for model in repository.ALL_TABLES:
        statement = delete(model)
        if model is SafetyBlockRow:
            statement = statement.where(SafetyBlockRow.closed_at.is_not(None))
        db.execute(statement)
    db.flush()
    left = count_rows(db)
    return {table: count - left[table] for table, count in counts.items()}


def erase_freed_space(engine: Engine) -> None:
    """Rewrite a SQLite file so that deleted rows leave no trace in it; call after committing.

    SQLite keeps deleted rows in free pages and in its write-ahead log until they are reused;
    VACUUM rewrites the file and the checkpoint empties the log. PostgreSQL reclaims dead rows
    with its own autovacuum, so nothing is done there.
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM")
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
