"""Export, import and forget: the JSON export round-trips exactly, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import csv
import io
import json
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from backstretch.core.records import (
    Activity,
    CheckinRecord,
    ItemRecord,
    SessionRecord,
    SessionStatus,
)
from backstretch.core.safety import BlockKind, StopSignal
from backstretch.core.screening import screen
from backstretch.data import screening_guide
from backstretch.db import portability, repository
from backstretch.db.engine import transaction
from backstretch.db.portability import (
    DatabaseNotEmptyError,
    ExportFormatError,
    column_kind,
    count_rows,
    dump_document,
    erase_freed_space,
    export_csv_zip,
    export_document,
    exported_tables,
    forget_everything,
    import_document,
    parse_document,
)
from backstretch.db.store import Store, open_store
from backstretch.db.tables import Base
from tests.conftest import FIXED_NOW
from tests.factories import EMERGENCY_NUMBER, all_no_answers

# Microseconds, so a round trip that dropped them would show.
T0 = FIXED_NOW + timedelta(microseconds=123456)
EXPORTED_AT = FIXED_NOW + timedelta(days=1)
ZONE = "Europe/London"
# A routine name to look for in the raw database file after forgetting.
MARKER = "Zebra lunchtime routine"


def fill(session: Session) -> None:
    """Store a little of everything: screenings, clearances, blocks, profile, sessions, check-in."""
    guide = screening_guide()
    answers = all_no_answers(weight_loss=True)
    first = screen(answers, guide, emergency_number=EMERGENCY_NUMBER)
    repository.save_screening(
        session=session,
        result=first,
        answers=answers,
        answered_at=T0,
        recorded_at=T0,
        timezone=ZONE,
    )
    repository.open_block(
        session=session, kind=BlockKind.SEE_CLINICIAN, reason="weight_loss", at=T0, timezone=ZONE
    )
    repository.add_clearance(
        session=session, flag="weight_loss", at=T0 + timedelta(hours=1), timezone=ZONE
    )
    repository.add_clearance(session=session, flag="night_pain", at=T0, timezone=ZONE)
    repository.lapse_clearances(session=session, flags=["night_pain"], at=T0 + timedelta(hours=2))
    cleared = {**answers, "cleared": ["weight_loss"]}
    second = screen(cleared, guide, emergency_number=EMERGENCY_NUMBER)
    stored = repository.save_screening(
        session=session,
        result=second,
        answers=cleared,
        answered_at=T0 + timedelta(hours=1),
        recorded_at=T0 + timedelta(hours=1),
        timezone=ZONE,
        origin="clearance",
    )
    repository.close_blocks(
        session=session,
        at=T0 + timedelta(hours=1),
        kinds=[BlockKind.SEE_CLINICIAN],
        screening_id=stored.id,
    )
    repository.open_block(
        session=session,
        kind=BlockKind.PAIN_PAUSE,
        reason="pain_rule",
        at=T0 + timedelta(days=2),
        timezone=ZONE,
        note="Pain rose twice in a row.",
    )
    repository.save_profile(
        session=session,
        data={"areas": ["lower_back"], "minutes": 10, "setting": "chair", "note": "café ✓"},
        at=T0,
    )
    repository.save_preferences(session=session, data={"lead_in_seconds": 8, "voice": True}, at=T0)
    items = (
        ItemRecord(position=0, stretch="cat-cow", planned_seconds=60, planned_reps=6),
        ItemRecord(position=1, stretch="childs-pose", planned_seconds=90, planned_reps=3),
    )
    repository.add_session(
        session=session,
        record=SessionRecord(
            uuid="00000000-0000-4000-8000-000000000001",
            started_at=T0 + timedelta(days=1),
            timezone=ZONE,
            status=SessionStatus.IN_PROGRESS,
            routine_name=MARKER,
            planned_seconds=150,
            items=items,
            pain_before=3,
        ),
        plan={"items": [{"stretch": "cat-cow", "sets": 1}], "lead_in_seconds": 5},
        at=T0 + timedelta(days=1),
    )
    repository.record_item(
        session=session,
        uuid="00000000-0000-4000-8000-000000000001",
        position=0,
        done_seconds=60,
        done_reps=6,
        skipped=False,
        at=T0 + timedelta(days=1, minutes=1),
    )
    repository.record_item(
        session=session,
        uuid="00000000-0000-4000-8000-000000000001",
        position=1,
        done_seconds=0,
        done_reps=0,
        skipped=True,
        at=T0 + timedelta(days=1, minutes=2),
    )
    repository.update_session(
        session=session,
        uuid="00000000-0000-4000-8000-000000000001",
        at=T0 + timedelta(days=1, minutes=3),
        status=SessionStatus.COMPLETED,
        ended_at=T0 + timedelta(days=1, minutes=3),
        pain_after=2,
    )
    repository.add_session(
        session=session,
        record=SessionRecord(
            uuid="00000000-0000-4000-8000-000000000002",
            started_at=T0 + timedelta(days=2),
            timezone="America/New_York",
            status=SessionStatus.STOPPED,
            routine_name="Desk break",
            planned_seconds=60,
            items=(
                ItemRecord(position=0, stretch="neck-tilt", planned_seconds=60, planned_reps=2),
            ),
            ended_at=T0 + timedelta(days=2, seconds=20),
            pain_before=2,
            stop_signal=StopSignal.SHARP_PAIN,
            stopped_stretch="neck-tilt",
        ),
        plan={"items": []},
        at=T0 + timedelta(days=2),
    )
    repository.add_checkin(
        session=session,
        record=CheckinRecord(
            at=T0 + timedelta(days=3),
            timezone=ZONE,
            activities=(Activity("Sitting at my desk", 6), Activity("Tying my shoes", 4)),
        ),
    )


def filled_document(folder: Path) -> dict[str, Any]:
    """Return the export of a filled SQLite database made in `folder`."""
    store = open_store(f"sqlite:///{folder / 'source.sqlite3'}")
    try:
        with transaction(store.sessions) as session:
            fill(session)
        with transaction(store.sessions) as session:
            return export_document(session, exported_at=EXPORTED_AT)
    finally:
        store.close()


@pytest.fixture
def filled(store: Store) -> Store:
    """A store holding a little of everything."""
    with transaction(store.sessions) as session:
        fill(session)
    return store


@pytest.fixture(scope="module")
def good_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A valid export, made once for the validation tests (which need no database)."""
    return filled_document(tmp_path_factory.mktemp("export"))


def exported(store: Store, at: Any = EXPORTED_AT) -> dict[str, Any]:
    with transaction(store.sessions) as session:
        return export_document(session, exported_at=at)


def without_time(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "exported_at"}


def is_empty(store: Store) -> bool:
    with transaction(store.sessions) as session:
        return repository.is_empty(session=session)


# Export ------------------------------------------------------------------------------------------


def test_every_table_and_column_is_exported(filled: Store) -> None:
    document = exported(filled)
    assert document["format"] == "backstretch-export"
    assert document["version"] == 2
    assert document["exported_at"] == "2026-11-03T08:30:00+00:00"
    # Every table of the schema, not only those the repository lists: a forgotten table shows.
    assert set(document["tables"]) == set(Base.metadata.tables)
    for table in exported_tables():
        rows = document["tables"][table.name]
        assert rows, f"fill() stores no {table.name}"
        for row in rows:
            assert list(row) == [column.name for column in table.columns], table.name


def test_values_are_plain_json(filled: Store) -> None:
    tables = exported(filled)["tables"]
    screenings, blocks = tables["screenings"], tables["safety_blocks"]
    assert [s["verdict"] for s in screenings] == ["see_clinician", "self_care"]
    assert screenings[0]["answered_at"] == "2026-11-02T08:30:00.123456+00:00"
    assert isinstance(screenings[0]["answers"], dict)
    assert screenings[1]["cleared"] == ["weight_loss"]
    assert blocks[0]["closed_by_screening_id"] == screenings[1]["id"]
    assert blocks[1]["closed_at"] is None
    assert [item["skipped"] for item in tables["session_items"]] == [False, True, False]
    assert tables["sessions"][0]["plan"]["lead_in_seconds"] == 5
    assert tables["profiles"][0]["data"]["note"] == "café ✓"
    assert tables["checkins"][0]["activities"][0] == {"name": "Sitting at my desk", "score": 6}
    assert [c["lapsed_at"] is None for c in tables["clearances"]] == [True, False]


def test_rows_come_in_primary_key_order_and_the_text_is_stable(filled: Store) -> None:
    first = exported(filled)
    for table in exported_tables():
        (key,) = [column.name for column in table.primary_key.columns]
        keys = [row[key] for row in first["tables"][table.name]]
        assert keys == sorted(keys)
    assert dump_document(first) == dump_document(exported(filled))


def test_a_column_type_without_a_rule_is_refused() -> None:
    from sqlalchemy import Column, LargeBinary, MetaData, Table

    table = Table("t", MetaData(), Column("blob", LargeBinary))
    with pytest.raises(TypeError, match=r"t\.blob"):
        column_kind(table.c.blob)


# Round trip --------------------------------------------------------------------------------------


def test_export_forget_import_export_gives_the_same_document(filled: Store) -> None:
    before = exported(filled)
    with transaction(filled.sessions) as session:
        forgotten = forget_everything(session)
    assert forgotten == {name: len(rows) for name, rows in before["tables"].items()}
    assert is_empty(filled)
    with transaction(filled.sessions) as session:
        counts = import_document(session, json.loads(dump_document(before)))
    assert counts == forgotten
    after = exported(filled, at=EXPORTED_AT + timedelta(days=7))
    assert after["exported_at"] != before["exported_at"]
    assert dump_document(without_time(after)) == dump_document(without_time(before))


def test_new_rows_after_an_import_get_fresh_ids(
    store: Store, good_document: dict[str, Any]
) -> None:
    with transaction(store.sessions) as session:
        import_document(session, good_document)
    with transaction(store.sessions) as session:
        # A new database's PostgreSQL sequences start at 1: unless the import moved them on,
        # these inserts would collide with the imported ids.
        repository.add_checkin(
            session=session,
            record=CheckinRecord(at=T0, timezone=ZONE, activities=(Activity("Walking", 7),)),
        )
        repository.add_clearance(session=session, flag="fever", at=T0, timezone=ZONE)
        repository.open_block(
            session=session, kind=BlockKind.EMERGENCY, reason="weakness", at=T0, timezone=ZONE
        )
        answers = all_no_answers()
        result = screen(answers, screening_guide(), emergency_number=EMERGENCY_NUMBER)
        stored = repository.save_screening(
            session=session,
            result=result,
            answers=answers,
            answered_at=T0,
            recorded_at=T0,
            timezone=ZONE,
        )
        repository.add_session(
            session=session,
            record=SessionRecord(
                uuid="00000000-0000-4000-8000-000000000003",
                started_at=T0,
                timezone=ZONE,
                status=SessionStatus.IN_PROGRESS,
                routine_name="After the import",
                planned_seconds=30,
                items=(
                    ItemRecord(position=0, stretch="cat-cow", planned_seconds=30, planned_reps=3),
                ),
            ),
            plan={},
            at=T0,
        )
    tables = exported(store)["tables"]
    assert stored.id == len(good_document["tables"]["screenings"]) + 1
    for name in ("checkins", "clearances", "safety_blocks", "screenings", "session_items"):
        imported_ids = [row["id"] for row in good_document["tables"][name]]
        assert [row["id"] for row in tables[name]] == [*imported_ids, max(imported_ids) + 1], name


def test_a_version_1_export_without_settings_still_imports(
    store: Store, good_document: dict[str, Any]
) -> None:
    older = {**good_document, "version": 1, "tables": dict(good_document["tables"])}
    del older["tables"]["preferences"]
    with transaction(store.sessions) as session:
        import_document(session, older)
    tables = exported(store)["tables"]
    assert tables["preferences"] == []
    assert tables["sessions"] == good_document["tables"]["sessions"]


def test_a_version_2_export_must_hold_the_settings(
    store: Store, good_document: dict[str, Any]
) -> None:
    newer = {**good_document, "tables": dict(good_document["tables"])}
    del newer["tables"]["preferences"]
    with (
        pytest.raises(ExportFormatError, match=r"tables.preferences: missing table"),
        transaction(store.sessions) as session,
    ):
        import_document(session, newer)


# Import refuses --------------------------------------------------------------------------------


def test_import_never_merges_into_a_database_with_data(filled: Store) -> None:
    before = exported(filled)
    with (
        pytest.raises(DatabaseNotEmptyError, match=r"forget --yes"),
        transaction(filled.sessions) as session,
    ):
        import_document(session, before)
    assert exported(filled) == before


def test_a_failure_part_way_leaves_nothing(
    store: Store, good_document: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def break_down(_session: Session) -> None:
        raise RuntimeError("the disk is full")

    # Every row is inserted before the sequences are reset: fail there.
    monkeypatch.setattr(portability, "_reset_sequences", break_down)
    with pytest.raises(RuntimeError), transaction(store.sessions) as session:
        import_document(session, good_document)
    assert is_empty(store)


def test_a_malformed_document_writes_nothing(store: Store, good_document: dict[str, Any]) -> None:
    broken = copy.deepcopy(good_document)
    broken["tables"]["checkins"][0]["at"] = "last tuesday"
    with pytest.raises(ExportFormatError), transaction(store.sessions) as session:
        import_document(session, broken)
    assert is_empty(store)


Change = Callable[[dict[str, Any]], Any]


def setting(path: str, value: Any) -> Change:
    """Return a change that sets `tables.<table>.<index>.<column>` to `value`."""
    table, index, column = path.split(".")

    def change(document: dict[str, Any]) -> None:
        document["tables"][table][int(index)][column] = value

    return change


def dropping(path: str) -> Change:
    table, index, column = path.split(".")

    def change(document: dict[str, Any]) -> None:
        del document["tables"][table][int(index)][column]

    return change


def first_item_twice(document: dict[str, Any]) -> None:
    items = document["tables"]["session_items"]
    items[1]["position"] = items[0]["position"]


MALFORMED: list[tuple[str, Change, str]] = [
    ("wrong-format", lambda d: d.update(format="something-else"), "format: expected"),
    (
        "newer-version",
        lambda d: d.update(version=3),
        "version: this backstretch reads versions 1 to 2",
    ),
    ("version-true", lambda d: d.update(version=True), "version:"),
    ("extra-key", lambda d: d.update(comment="hi"), "comment: unknown key"),
    ("no-tables", lambda d: d.pop("tables"), "tables: missing"),
    ("bad-exported-at", lambda d: d.update(exported_at="now"), "exported_at: not an ISO"),
    ("unknown-table", lambda d: d["tables"].update(moods=[]), "tables.moods: unknown table"),
    ("missing-table", lambda d: d["tables"].pop("checkins"), "tables.checkins: missing table"),
    ("rows-not-a-list", lambda d: d["tables"].update(profiles={}), "tables.profiles: expected"),
    ("row-not-an-object", lambda d: d["tables"].update(profiles=[1]), "tables.profiles[0]: "),
    (
        "missing-column",
        dropping("sessions.0.started_at"),
        "tables.sessions[0]: missing column 'started_at'",
    ),
    (
        "unknown-column",
        setting("sessions.1.mood", "fine"),
        "tables.sessions[1]: unknown column 'mood'",
    ),
    (
        "text-for-a-number",
        setting("session_items.1.position", "1"),
        "tables.session_items[1].position: expected a whole number",
    ),
    (
        "boolean-for-a-number",
        setting("sessions.0.planned_seconds", True),
        "tables.sessions[0].planned_seconds: expected a whole number",
    ),
    (
        "number-for-a-boolean",
        setting("session_items.0.skipped", 0),
        "tables.session_items[0].skipped: expected true or false",
    ),
    (
        "number-for-text",
        setting("clearances.0.flag", 7),
        "tables.clearances[0].flag: expected a string",
    ),
    (
        "bad-date-time",
        setting("sessions.1.started_at", "yesterday"),
        "tables.sessions[1].started_at: not an ISO date-time",
    ),
    (
        "date-time-without-offset",
        setting("sessions.1.started_at", "2026-11-02T08:30:00"),
        "tables.sessions[1].started_at: an ISO date-time needs a UTC offset",
    ),
    (
        "null-where-required",
        setting("checkins.0.at", None),
        "tables.checkins[0].at: must not be null",
    ),
    (
        "unknown-verdict",
        setting("screenings.0.verdict", "fine"),
        "tables.screenings[0].verdict: unknown value 'fine'",
    ),
    (
        "unknown-status",
        setting("sessions.0.status", "done"),
        "tables.sessions[0].status: unknown value",
    ),
    (
        "unknown-restriction",
        setting("screenings.0.restrictions", ["no_neck"]),
        "tables.screenings[0].restrictions[0]: unknown value 'no_neck'",
    ),
    (
        "json-of-the-wrong-shape",
        setting("screenings.0.reasons", "weight_loss"),
        "tables.screenings[0].reasons: ",
    ),
    (
        "json-with-a-wrong-item",
        setting("screenings.1.missing", ["a", 2]),
        "tables.screenings[1].missing[1]: ",
    ),
    (
        "unknown-time-zone",
        setting("checkins.0.timezone", "Mars/Olympus"),
        "tables.checkins[0].timezone: unknown time zone",
    ),
    (
        "number-out-of-range",
        setting("sessions.0.planned_seconds", 2**31),
        "tables.sessions[0].planned_seconds: 2147483648 is out of range",
    ),
    (
        "nul-character",
        setting("safety_blocks.1.note", "a\x00b"),
        "tables.safety_blocks[1].note: contains a NUL character",
    ),
    (
        "too-long",
        setting("sessions.0.routine_name", "x" * 121),
        "tables.sessions[0].routine_name: longer than 120 characters",
    ),
    (
        "same-primary-key",
        setting("screenings.1.id", 1),
        "tables.screenings[1]: same id as tables.screenings[0]",
    ),
    (
        "same-position-twice",
        first_item_twice,
        "tables.session_items[1]: same session_uuid, position as tables.session_items[0]",
    ),
    (
        "unknown-session",
        setting("session_items.2.session_uuid", "nope"),
        "tables.session_items[2].session_uuid: refers to sessions.uuid 'nope'",
    ),
    (
        "unknown-screening",
        setting("safety_blocks.0.closed_by_screening_id", 99),
        "tables.safety_blocks[0].closed_by_screening_id: refers to screenings.id 99",
    ),
]


@pytest.mark.parametrize(
    ("change", "message"),
    [(change, message) for _, change, message in MALFORMED],
    ids=[name for name, _, _ in MALFORMED],
)
def test_a_malformed_document_is_refused_naming_the_place(
    good_document: dict[str, Any], change: Change, message: str
) -> None:
    document = copy.deepcopy(good_document)
    change(document)
    with pytest.raises(ExportFormatError) as raised:
        parse_document(document)
    assert message in str(raised.value)


def test_a_document_that_is_not_an_object_is_refused(good_document: dict[str, Any]) -> None:
    with pytest.raises(ExportFormatError, match=r"\(document\): expected a JSON object"):
        parse_document([good_document])


def test_the_untouched_document_is_valid(good_document: dict[str, Any]) -> None:
    rows = parse_document(copy.deepcopy(good_document))
    assert {name: len(found) for name, found in rows.items()} == {
        name: len(found) for name, found in good_document["tables"].items()
    }


# CSV ---------------------------------------------------------------------------------------------


def expected_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def test_the_csv_zip_has_one_readable_file_per_table(filled: Store) -> None:
    document = exported(filled)
    with transaction(filled.sessions) as session:
        content = export_csv_zip(session, exported_at=EXPORTED_AT)
        again = export_csv_zip(session, exported_at=EXPORTED_AT)
    assert content == again
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        names = set(archive.namelist())
        assert names == {"README.txt"} | {f"{table}.csv" for table in document["tables"]}
        readme = archive.read("README.txt").decode("utf-8")
        assert "backstretch import" in readme
        assert "JSON export" in readme
        for table in exported_tables():
            assert f"{table.name}.csv" in readme
            text = archive.read(f"{table.name}.csv").decode("utf-8")
            header, *rows = list(csv.reader(io.StringIO(text, newline="")))
            assert header == [column.name for column in table.columns]
            wanted = document["tables"][table.name]
            assert rows == [[expected_cell(row[name]) for name in header] for row in wanted]
        checkins = list(csv.DictReader(io.StringIO(archive.read("checkins.csv").decode())))
    activities = json.loads(checkins[0]["activities"])
    assert activities == document["tables"]["checkins"][0]["activities"]


# Forget ------------------------------------------------------------------------------------------


def test_forget_deletes_everything_and_says_how_much(filled: Store) -> None:
    with transaction(filled.sessions) as session:
        before = count_rows(session)
        assert forget_everything(session) == before
    assert before["session_items"] == 3
    assert is_empty(filled)
    with transaction(filled.sessions) as session:
        assert set(count_rows(session).values()) == {0}


def test_forgotten_rows_leave_no_trace_in_the_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "private.sqlite3"
    store = open_store(f"sqlite:///{path}")
    try:
        with transaction(store.sessions) as session:
            fill(session)
        with transaction(store.sessions) as session:
            forget_everything(session)
        erase_freed_space(store.engine)
        # Checked while the database is still open: closing the last connection would empty the
        # write-ahead log anyway, but a web server may keep it open for weeks.
        files = list(tmp_path.glob("private.sqlite3*"))
        assert path in files
        for file in files:
            assert MARKER.encode() not in file.read_bytes(), file.name
    finally:
        store.close()


def test_erasing_freed_space_is_harmless_on_every_backend(filled: Store) -> None:
    erase_freed_space(filled.engine)
    assert not is_empty(filled)
